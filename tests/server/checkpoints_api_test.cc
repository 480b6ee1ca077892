// The checkpoint routes as LangGraph's savers use them (docs/checkpoints.md): the scenarios of
// @langchain/langgraph-checkpoint-validation (put and round trip, latest by id, parent config,
// pending writes and their order, list with thread/namespace/before/limit/filter, delete thread)
// plus copy, prune, byte-exact base64 and owner isolation.
#include <gtest/gtest.h>

#include <vector>

#include "api_fixture.h"

namespace engram::server {
namespace {

using nlohmann::json;

constexpr const char* kThreads = "/v1/owners/alice/threads/";

// base64 of "{}", "[\"dog\"]" and of the bytes 0..255 (computed by Python's base64 module).
constexpr const char* kEmpty = "e30=";
constexpr const char* kDog = "WyJkb2ciXQ==";
constexpr const char* kAllBytes =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+P0BBQkNE"
    "RUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJ"
    "iouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3O"
    "z9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+/w==";

class CheckpointsApiTest : public ApiTest {
 protected:
  json Put(const std::string& thread, const std::string& ns, const std::string& id,
           const std::string& parent, json metadata, json versions = json::object(),
           json values = json::array(), const char* key = kAliceKey,
           const std::string& owner = "alice") {
    json body{{"checkpoint_ns", ns},
              {"checkpoint_id", id},
              {"checkpoint", {{"type", "json"}, {"data", kEmpty}}},
              {"metadata", std::move(metadata)},
              {"channel_versions", std::move(versions)},
              {"channel_values", std::move(values)}};
    if (!parent.empty()) body["parent_checkpoint_id"] = parent;
    Reply2 r = Do("POST", "/v1/owners/" + owner + "/threads/" + thread + "/checkpoints", body, key);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body;
  }
  json Get(const std::string& thread, const std::string& query) {
    Reply2 r = Do("GET", kThreads + thread + "/checkpoint?" + query);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["tuple"];
  }
  // writes is a vector: a one-element `{W(...)}` as a json would be W itself under clang.
  void PutWrites(const std::string& thread, const std::string& ns, const std::string& id,
                 const std::string& task, std::vector<json> writes, const std::string& path = "") {
    Reply2 r = Do("POST", kThreads + thread + "/writes",
                  json{{"checkpoint_ns", ns},
                       {"checkpoint_id", id},
                       {"task_id", task},
                       {"task_path", path},
                       {"writes", json(std::move(writes))}});
    EXPECT_EQ(r.status, 200) << r.raw;
  }
  std::vector<std::string> List(json body, const char* key = kAliceKey,
                                const std::string& owner = "alice") {
    Reply2 r = Do("POST", "/v1/owners/" + owner + "/checkpoints/search", body, key);
    EXPECT_EQ(r.status, 200) << r.raw;
    std::vector<std::string> ids;
    for (const json& t : r.body["checkpoints"]) {
      ids.push_back(t["thread_id"].get<std::string>() + "/" +
                    t["checkpoint_ns"].get<std::string>() + "/" +
                    t["checkpoint_id"].get<std::string>());
    }
    return ids;
  }
  static json W(const std::string& channel, const std::string& data) {
    return json{{"channel", channel}, {"type", "json"}, {"data", data}};
  }
};

TEST_F(CheckpointsApiTest, PutReturnsConfigAndRoundTripsBytesExactly) {
  json body{{"checkpoint_id", "1ef"},
            {"checkpoint", {{"type", "bytes"}, {"data", kAllBytes}}},
            {"metadata", {{"source", "input"}, {"step", -1}, {"parents", json::object()}}},
            {"channel_versions", {{"animals", "1"}}},
            {"channel_values",
             {{{"channel", "animals"}, {"version", "1"}, {"type", "json"}, {"data", kDog}}}}};
  Reply2 r = Do("POST", std::string(kThreads) + "t1/checkpoints", body);
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body, (json{{"thread_id", "t1"}, {"checkpoint_ns", ""}, {"checkpoint_id", "1ef"}}));
  json t = Get("t1", "checkpoint_id=1ef");
  ASSERT_TRUE(t.is_object()) << t;
  EXPECT_EQ(t["checkpoint"], (json{{"type", "bytes"}, {"data", kAllBytes}}));
  EXPECT_EQ(t["metadata"], body["metadata"]);
  EXPECT_EQ(t["parent_checkpoint_id"], nullptr);
  EXPECT_EQ(t["channel_versions"], body["channel_versions"]);
  EXPECT_EQ(t["channel_values"], body["channel_values"]);
  EXPECT_EQ(t["pending_writes"], json::array());
  // Unpadded base64 is accepted; anything else is refused with nothing written.
  body["checkpoint_id"] = "1eg";
  body["checkpoint"]["data"] = "e30";
  EXPECT_EQ(Do("POST", std::string(kThreads) + "t1/checkpoints", body).status, 201);
  EXPECT_EQ(Get("t1", "checkpoint_id=1eg")["checkpoint"]["data"], kEmpty);
  body["checkpoint_id"] = "1eh";
  body["checkpoint"]["data"] = "e3-=";
  r = Do("POST", std::string(kThreads) + "t1/checkpoints", body);
  EXPECT_EQ(r.status, 422) << r.raw;
  EXPECT_NE(r.raw.find("base64"), std::string::npos) << r.raw;
  body["checkpoint"]["data"] = kEmpty;
  body["metadata"] = "not an object";
  EXPECT_EQ(Do("POST", std::string(kThreads) + "t1/checkpoints", body).status, 422);
  EXPECT_TRUE(Get("t1", "checkpoint_id=1eh").is_null());
}

// getTuple: the latest by id when none is named, with its parent and its pending writes; the
// channel values of versions an ancestor stored are carried over.
TEST_F(CheckpointsApiTest, LatestParentWritesAndCarriedOverValues) {
  for (const std::string ns : {"", "child"}) {
    Put("t", ns, "01", "", {{"source", "input"}}, {{"messages", "1"}, {"step", "1"}},
        {{{"channel", "messages"}, {"version", "1"}, {"type", "json"}, {"data", kDog}},
         {{"channel", "step"}, {"version", "1"}, {"type", "json"}, {"data", "MQ=="}}});
    PutWrites("t", ns, "01", "pending_sends_task", {W("__pregel_tasks", kDog)});
    Put("t", ns, "02", "01", {{"source", "loop"}}, {{"messages", "1"}, {"step", "2"}},
        {{{"channel", "step"}, {"version", "2"}, {"type", "json"}, {"data", "Mg=="}}});
    PutWrites("t", ns, "02", "add_fish", {W("animals", kDog)});
    json latest = Get("t", "checkpoint_ns=" + ns);
    ASSERT_TRUE(latest.is_object());
    EXPECT_EQ(latest["checkpoint_id"], "02");
    EXPECT_EQ(latest["checkpoint_ns"], ns);
    EXPECT_EQ(latest["parent_checkpoint_id"], "01");
    ASSERT_EQ(latest["channel_values"].size(), 2u);
    EXPECT_EQ(latest["channel_values"][0]["data"], kDog);  // messages@1, stored by 01
    EXPECT_EQ(latest["channel_values"][1]["data"], "Mg==");
    EXPECT_EQ(latest["pending_writes"], (json{{{"task_id", "add_fish"},
                                               {"task_path", ""},
                                               {"idx", 0},
                                               {"channel", "animals"},
                                               {"type", "json"},
                                               {"data", kDog}}}));
    json first = Get("t", "checkpoint_ns=" + ns + "&checkpoint_id=01");
    EXPECT_EQ(first["pending_writes"][0]["channel"], "__pregel_tasks");
    EXPECT_EQ(first["parent_checkpoint_id"], nullptr);
  }
  EXPECT_TRUE(Get("t", "checkpoint_id=99").is_null());
  EXPECT_TRUE(Get("nobody", "").is_null());
}

// putWrites: special channels take -1..-4 and replace; others keep the first write at their
// index; the order is (task_path, task_id, idx).
TEST_F(CheckpointsApiTest, WritesFollowLangGraphRules) {
  Put("t", "", "01", "", json::object());
  PutWrites("t", "", "01", "task-b", {W("a", "Yg==")});
  PutWrites("t", "", "01", "task-a", {W("a", "YTA="), W("a", "YTE="), W("__error__", "ZTE=")});
  PutWrites("t", "", "01", "task-a", {W("a", "cmV0cnk="), W("__error__", "ZTI=")});
  PutWrites("t", "", "01", "task-c", {W("__interrupt__", "aQ=="), W("__resume__", "cg==")}, "~1");
  json writes = Get("t", "checkpoint_id=01")["pending_writes"];
  std::vector<std::string> seen;
  for (const json& w : writes) {
    seen.push_back(w["task_path"].get<std::string>() + "|" + w["task_id"].get<std::string>() + "|" +
                   std::to_string(w["idx"].get<int>()) + "|" + w["data"].get<std::string>());
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"|task-a|-1|ZTI=", "|task-a|0|YTA=", "|task-a|1|YTE=",
                                      "|task-b|0|Yg==", "~1|task-c|-4|cg==", "~1|task-c|-3|aQ=="}));
  Reply2 r = Do("POST", std::string(kThreads) + "t/writes",
                json{{"task_id", "x"}, {"writes", json::array()}});
  EXPECT_EQ(r.status, 422) << r.raw;  // no checkpoint_id
}

// list: the argument grid of the validation suite on two threads with two namespaces each.
TEST_F(CheckpointsApiTest, ListFiltersLikeTheValidationSuite) {
  for (const std::string thread : {"ta", "tb"}) {
    for (const std::string ns : {"", "child"}) {
      const std::string p = thread + (ns.empty() ? "r" : "c");
      Put(thread, ns, p + "1", "", {{"source", "input"}, {"step", -1}});
      Put(thread, ns, p + "2", p + "1",
          {{"source", "loop"}, {"step", 0}, {"parents", {{"", "x"}}}});
    }
  }
  EXPECT_EQ(List(json::object()).size(), 8u);
  EXPECT_EQ(List({{"thread_id", "ta"}}),
            (std::vector<std::string>{"ta//tar2", "ta//tar1", "ta/child/tac2", "ta/child/tac1"}));
  EXPECT_EQ(List({{"thread_id", "ta"}, {"checkpoint_ns", ""}}),
            (std::vector<std::string>{"ta//tar2", "ta//tar1"}));
  EXPECT_EQ(List({{"checkpoint_ns", "child"}, {"filter", {{"source", "loop"}}}}),
            (std::vector<std::string>{"tb/child/tbc2", "ta/child/tac2"}));
  EXPECT_EQ(List({{"before", "tar2"}}),
            (std::vector<std::string>{"ta//tar1", "ta/child/tac2", "ta/child/tac1"}));
  EXPECT_EQ(List({{"limit", 1}, {"filter", {{"source", "input"}}}}),
            (std::vector<std::string>{"tb//tbr1"}));
  EXPECT_EQ(List({{"filter", json::object()}}).size(), 8u);
  EXPECT_EQ(List({{"filter", {{"parents", {{"", "x"}}}}}}).size(), 4u);  // equal JSON values
  EXPECT_EQ(List({{"filter", {{"step", 0}, {"source", "input"}}}}).size(), 0u);
  EXPECT_TRUE(List({{"thread_id", "nobody"}}).empty());
  EXPECT_TRUE(List({{"limit", 0}}).empty());
  EXPECT_EQ(Do("POST", "/v1/owners/alice/checkpoints/search", json{{"filter", "x"}}).status, 422);
}

TEST_F(CheckpointsApiTest, DeleteCopyAndPruneThreads) {
  Put("1", "", "01", "", json::object());
  Put("1", "", "02", "01", json::object());
  Put("1", "sub", "01", "", json::object());
  Put("2", "", "01", "", json::object());
  PutWrites("1", "", "01", "k", {W("a", kDog)});

  Reply2 r = Do("POST", std::string(kThreads) + "1/copy", json{{"target_thread_id", "3"}});
  ASSERT_EQ(r.status, 201) << r.raw;
  EXPECT_EQ(r.body, (json{{"thread_id", "3"}, {"copied", 3}}));
  EXPECT_EQ(Get("3", "checkpoint_id=01")["pending_writes"].size(), 1u);
  EXPECT_EQ(Do("POST", std::string(kThreads) + "1/copy", json{{"target_thread_id", "2"}}).status,
            409);
  EXPECT_EQ(Do("POST", std::string(kThreads) + "9/copy", json{{"target_thread_id", "8"}}).status,
            404);

  r = Do("POST", std::string(kThreads) + "1/prune", json{{"keep_latest", 1}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["deleted"], 1);
  EXPECT_EQ(List({{"thread_id", "1"}}), (std::vector<std::string>{"1//02", "1/sub/01"}));
  EXPECT_EQ(Do("POST", std::string(kThreads) + "1/prune", json{{"keep_latest", 0}}).status, 422);

  r = Do("DELETE", std::string(kThreads) + "1");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["deleted"], 2);
  EXPECT_TRUE(Get("1", "").is_null());
  EXPECT_TRUE(Get("1", "checkpoint_ns=sub").is_null());
  EXPECT_FALSE(Get("2", "").is_null());
  EXPECT_EQ(List({{"thread_id", "3"}}).size(), 3u);
}

// One owner's threads are invisible to another's key and path; forgetting an owner erases them.
TEST_F(CheckpointsApiTest, OwnersAreIsolated) {
  Put("shared-name", "", "01", "", {{"who", "alice"}});
  Put("shared-name", "", "02", "", {{"who", "bob"}}, json::object(), json::array(), kBobKey, "bob");
  EXPECT_EQ(List(json::object(), kBobKey, "bob"), (std::vector<std::string>{"shared-name//02"}));
  Reply2 r = Do("GET", std::string(kThreads) + "shared-name/checkpoint", "", kBobKey);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.raw.find("alice\"}"), std::string::npos);
  r = Do("DELETE", "/v1/owners/bob/threads/shared-name", "", kBobKey);
  EXPECT_EQ(r.body["deleted"], 1);
  EXPECT_EQ(Get("shared-name", "")["checkpoint_id"], "01");
  r = Do("DELETE", "/v1/owners/alice", "");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["checkpoints"], 1);
  EXPECT_TRUE(Get("shared-name", "").is_null());
}

}  // namespace
}  // namespace engram::server
