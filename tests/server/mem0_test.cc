// Mem0-compatible routes, with request bodies from Mem0's documentation of its REST server
// (docs.mem0.ai, "REST API Server"; mem0ai/mem0 server/main.py): the same shapes in, the same
// shapes out, and owners bound to keys.
#include <gtest/gtest.h>

#include "api_fixture.h"

namespace engram::server {
namespace {

using nlohmann::json;

class Mem0Test : public ApiTest {};

// infer=false stores messages as they are, so this part needs no extraction rules.
TEST_F(Mem0Test, AddRawGetAllSearchGetUpdateHistoryDelete) {
  // Mem0 docs: {"messages": [{"role": "user", "content": "I prefer dark mode in all apps"},
  // {"role": "assistant", "content": "Noted, you prefer dark mode."}], "user_id": "user123"},
  // here with infer=false and metadata.
  json add = {{"messages",
               {{{"role", "user"}, {"content", "I prefer dark mode in all apps"}},
                {{"role", "assistant"}, {"content", "Noted, you prefer dark mode."}}}},
              {"user_id", "alice"},
              {"agent_id", "helper"},
              {"run_id", "run-1"},
              {"metadata", {{"category", "preferences"}}},
              {"infer", false}};
  Reply2 added = Do("POST", "/memories", add);
  ASSERT_EQ(added.status, 200) << added.raw;
  ASSERT_EQ(added.body["results"].size(), 2u);
  EXPECT_EQ(added.body["results"][0]["event"], "ADD");
  EXPECT_EQ(added.body["results"][0]["memory"], "I prefer dark mode in all apps");
  const std::string id = added.body["results"][0]["id"];

  Reply2 all = Do("GET", "/memories?user_id=alice");
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_EQ(all.body["results"].size(), 2u);
  const json& item = all.body["results"][1];
  EXPECT_EQ(item["user_id"], "alice");
  EXPECT_EQ(item["agent_id"], "helper");
  EXPECT_EQ(item["run_id"], "run-1");
  EXPECT_EQ(item["metadata"]["category"], "preferences");
  EXPECT_EQ(Do("GET", "/memories?run_id=other").body["results"].size(), 0u);

  // Mem0 docs: {"query": "What are my UI preferences?", "user_id": "user123"}
  Reply2 found = Do("POST", "/search",
                    json{{"query", "What are my UI preferences? dark mode"}, {"user_id", "alice"}});
  ASSERT_EQ(found.status, 200) << found.raw;
  ASSERT_FALSE(found.body["results"].empty());
  EXPECT_TRUE(found.body["results"][0]["score"].is_number());
  EXPECT_TRUE(found.body["results"][0]["memory"].get<std::string>().find("dark mode") !=
              std::string::npos);
  // Mem0 filters (v2 style): user_id inside filters, plus a metadata condition and top_k.
  Reply2 filtered =
      Do("POST", "/search",
         json{{"query", "dark mode"},
              {"filters", {{"AND", {{{"user_id", "alice"}}, {{"category", "preferences"}}}}}},
              {"top_k", 1}});
  ASSERT_EQ(filtered.status, 200) << filtered.raw;
  EXPECT_EQ(filtered.body["results"].size(), 1u);
  EXPECT_EQ(Do("POST", "/search", json{{"query", "dark mode"}, {"agent_id", "someone-else"}})
                .body["results"]
                .size(),
            0u);

  Reply2 one = Do("GET", "/memories/" + id);  // user_id defaults to the key's owner
  ASSERT_EQ(one.status, 200) << one.raw;
  EXPECT_EQ(one.body["memory"], "I prefer dark mode in all apps");

  Reply2 updated = Do("PUT", "/memories/" + id, json{{"text", "I prefer light mode in all apps"}});
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["message"], "Memory updated successfully!");

  Reply2 history = Do("GET", "/memories/" + id + "/history?user_id=alice");
  ASSERT_EQ(history.status, 200) << history.raw;
  ASSERT_EQ(history.body.size(), 2u);
  EXPECT_EQ(history.body[0]["event"], "ADD");
  EXPECT_TRUE(history.body[0]["old_memory"].is_null());
  EXPECT_EQ(history.body[1]["event"], "UPDATE");
  EXPECT_EQ(history.body[1]["old_memory"], "I prefer dark mode in all apps");
  EXPECT_EQ(history.body[1]["new_memory"], "I prefer light mode in all apps");

  Reply2 deleted = Do("DELETE", "/memories/" + id + "?user_id=alice");
  ASSERT_EQ(deleted.status, 200);
  EXPECT_EQ(deleted.body["message"], "Memory deleted successfully");
  EXPECT_EQ(Do("GET", "/memories/" + id).status, 404);

  Reply2 wiped = Do("DELETE", "/memories?user_id=alice");
  ASSERT_EQ(wiped.status, 200) << wiped.raw;
  EXPECT_EQ(wiped.body["deleted"], 1);
  EXPECT_EQ(Do("GET", "/memories?user_id=alice").body["results"].size(), 0u);
}

TEST_F(Mem0Test, OwnersAreBoundToKeys) {
  json add = {{"messages", "I live in Lisbon"}, {"user_id", "alice"}, {"infer", false}};
  ASSERT_EQ(Do("POST", "/memories", add).status, 200);
  // Mem0's server would let any caller read any user_id: engram does not.
  Reply2 bob = Do("GET", "/memories?user_id=alice", "", kBobKey);
  EXPECT_EQ(bob.status, 403);
  EXPECT_EQ(Do("POST", "/search", json{{"query", "Lisbon"}, {"user_id", "alice"}}, kBobKey).status,
            403);
  EXPECT_EQ(
      Do("POST", "/search", json{{"query", "Lisbon"}, {"filters", {{"user_id", "alice"}}}}, kBobKey)
          .status,
      403);
  // Bob's own view (user_id from his key) has nothing of alice's.
  Reply2 mine = Do("POST", "/search", json{{"query", "Lisbon"}}, kBobKey);
  EXPECT_EQ(mine.status, 200);
  EXPECT_TRUE(mine.body["results"].empty());
  // An admin key must say whose data it means.
  EXPECT_EQ(Do("POST", "/search", json{{"query", "Lisbon"}}, kAdminKey).status, 422);
  EXPECT_EQ(Do("POST", "/search", json{{"query", "Lisbon"}, {"user_id", "alice"}}, kAdminKey)
                .body["results"]
                .size(),
            1u);
  // Listing and deleting everything need an identifier, as in Mem0.
  EXPECT_EQ(Do("GET", "/memories").status, 422);
  EXPECT_EQ(Do("DELETE", "/memories").status, 422);
  // A body that contradicts its filters is refused.
  EXPECT_EQ(Do("POST", "/search",
               json{{"query", "x"}, {"user_id", "alice"}, {"filters", {{"user_id", "bob"}}}})
                .status,
            422);
}

TEST_F(Mem0Test, ResetForgetsOnlyTheCallersOwner) {
  ASSERT_EQ(Do("POST", "/memories",
               json{{"messages", "alice note"}, {"user_id", "alice"}, {"infer", false}})
                .status,
            200);
  ASSERT_EQ(
      Do("POST", "/memories", json{{"messages", "bob note"}, {"infer", false}}, kBobKey).status,
      200);
  Reply2 reset = Do("POST", "/reset", std::string(""));
  ASSERT_EQ(reset.status, 200) << reset.raw;
  EXPECT_EQ(reset.body["message"], "All memories reset");
  EXPECT_EQ(reset.body["forgotten"]["memories"], 1);
  EXPECT_EQ(Do("GET", "/memories?user_id=bob", "", kBobKey).body["results"].size(), 1u);
}

}  // namespace
}  // namespace engram::server

namespace engram::server {
namespace {

// infer=true (Mem0's default): engram's write policy extracts typed memories from user messages.
TEST_F(Mem0Test, InferRunsTheWritePolicyOnUserMessages) {
  // Mem0 docs' quickstart conversation.
  nlohmann::json add = {
      {"messages",
       {{{"role", "user"}, {"content", "Hi, I'm Alex. I'm a vegetarian and I'm allergic to nuts."}},
        {{"role", "assistant"},
         {"content", "Hello Alex! I see that you're a vegetarian with a nut allergy."}}}},
      {"user_id", "alice"}};
  Reply2 r = Do("POST", "/memories", add);
  ASSERT_EQ(r.status, 200) << r.raw;
  ASSERT_FALSE(r.body["results"].empty());
  for (const auto& item : r.body["results"]) {
    EXPECT_TRUE(item["id"].is_string());
    EXPECT_TRUE(item["memory"].is_string());
    EXPECT_EQ(item["event"], "ADD");
  }
  // Saying it again adds nothing new.
  Reply2 again = Do("POST", "/memories", add);
  ASSERT_EQ(again.status, 200);
  for (const auto& item : again.body["results"]) EXPECT_NE(item["event"], "ADD");
}

// The hosted platform's paths, as the `mem0ai` MemoryClient calls them (trailing slashes, the
// identifiers in `filters`, page/page_size, /v1/batch/); tests/mem0_client runs the client itself.
TEST_F(Mem0Test, PlatformPathsPingPagesAndBatches) {
  Reply2 ping = Do("GET", "/v1/ping/");
  ASSERT_EQ(ping.status, 200) << ping.raw;
  EXPECT_EQ(ping.body["status"], "ok");
  EXPECT_EQ(Do("GET", "/v1/ping/", "", nullptr).status, 401);

  json add = {{"messages",
               {{{"role", "user"}, {"content", "one"}},
                {{"role", "user"}, {"content", "two"}},
                {{"role", "user"}, {"content", "three"}}}},
              {"user_id", "alice"},
              {"infer", false}};
  Reply2 added = Do("POST", "/v3/memories/add/", add);
  ASSERT_EQ(added.status, 200) << added.raw;
  ASSERT_EQ(added.body["results"].size(), 3u);
  std::vector<std::string> ids;
  for (const json& r : added.body["results"]) ids.push_back(r["id"]);

  const json filters = {{"filters", {{"user_id", "alice"}}}};
  Reply2 page1 = Do("POST", "/v3/memories/?page=1&page_size=2", filters);
  ASSERT_EQ(page1.status, 200) << page1.raw;
  EXPECT_EQ(page1.body["count"], 3);
  ASSERT_EQ(page1.body["results"].size(), 2u);
  EXPECT_EQ(page1.body["results"][0]["memory"], "three");  // newest first
  EXPECT_EQ(page1.body["next"], "/v3/memories/?page=2&page_size=2");
  EXPECT_TRUE(page1.body["previous"].is_null());
  Reply2 page2 = Do("POST", "/v3/memories/?page=2&page_size=2", filters);
  ASSERT_EQ(page2.body["results"].size(), 1u);
  EXPECT_EQ(page2.body["results"][0]["memory"], "one");
  EXPECT_TRUE(page2.body["next"].is_null());
  EXPECT_EQ(Do("POST", "/v3/memories/?page=9", filters).body["results"].size(), 0u);
  EXPECT_EQ(Do("POST", "/v3/memories/?page=0", filters).status, 422);
  // Only the identifiers are list filters; the rest would be silently dropped, so it is refused.
  EXPECT_EQ(Do("POST", "/v3/memories/",
               json{{"filters", {{"user_id", "alice"}, {"created_at", {{"gte", "2024-01-01"}}}}}})
                .status,
            422);
  EXPECT_EQ(Do("POST", "/v3/memories/", filters, kBobKey).status, 403);

  Reply2 found =
      Do("POST", "/v3/memories/search/",
         json{{"query", "two"}, {"output_format", "v1.1"}, {"filters", {{"user_id", "alice"}}}});
  ASSERT_EQ(found.status, 200) << found.raw;
  EXPECT_EQ(found.body["results"][0]["id"], ids[1]);

  Reply2 updated = Do(
      "PUT", "/v1/batch/",
      json{{"memories",
            {{{"memory_id", ids[0]}, {"text", "uno"}}, {{"memory_id", ids[1]}, {"text", "dos"}}}}});
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(Do("GET", "/v1/memories/" + ids[1] + "/").body["memory"], "dos");
  // An unknown id anywhere in the batch: nothing is changed.
  Reply2 bad = Do("PUT", "/v1/batch/",
                  json{{"memories",
                        {{{"memory_id", ids[0]}, {"text", "never"}},
                         {{"memory_id", "0192f0c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6"}, {"text", "x"}}}}});
  EXPECT_EQ(bad.status, 404) << bad.raw;
  EXPECT_EQ(Do("GET", "/v1/memories/" + ids[0] + "/").body["memory"], "uno");
  // Bob's key cannot touch alice's memories through a batch: they are not his.
  EXPECT_EQ(
      Do("DELETE", "/v1/batch/", json{{"memories", {{{"memory_id", ids[0]}}}}}, kBobKey).status,
      404);

  Reply2 deleted = Do("DELETE", "/v1/batch/",
                      json{{"memories", {{{"memory_id", ids[0]}}, {{"memory_id", ids[1]}}}}});
  ASSERT_EQ(deleted.status, 200) << deleted.raw;
  EXPECT_EQ(deleted.body["message"], "Successfully deleted 2 memories");
  EXPECT_EQ(Do("POST", "/v3/memories/", filters).body["count"], 1);

  Reply2 expiring = Do("PUT", "/v1/memories/" + ids[2] + "/",
                       json{{"text", "three, until 2099"}, {"expiration_date", "2099-12-31"}});
  ASSERT_EQ(expiring.status, 200) << expiring.raw;
  EXPECT_EQ(Do("GET", "/v1/memories/" + ids[2] + "/").body["expiration_date"],
            "2099-12-31T00:00:00.000Z");
  Reply2 history = Do("GET", "/v1/memories/" + ids[2] + "/history/");
  ASSERT_EQ(history.body.size(), 2u);
  EXPECT_EQ(history.body[1]["new_memory"], "three, until 2099");
  EXPECT_EQ(Do("DELETE", "/v1/memories/?user_id=alice").body["deleted"], 1);

  // Mem0's add options: timestamp (Unix seconds: when it was said) and expiration_date.
  Reply2 dated = Do("POST", "/v3/memories/add/",
                    json{{"messages", "We met in Porto"},
                         {"infer", false},
                         {"timestamp", 1700000000},
                         {"expiration_date", "2099-01-01"}});
  ASSERT_EQ(dated.status, 200) << dated.raw;
  Reply2 got = Do("GET", "/v1/memories/" + dated.body["results"][0]["id"].get<std::string>() + "/");
  EXPECT_EQ(got.body["created_at"], "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(got.body["expiration_date"], "2099-01-01T00:00:00.000Z");
  // Extraction decides what is stored and the policy when it expires: a date would be dropped.
  EXPECT_EQ(
      Do("POST", "/v3/memories/add/", json{{"messages", "x"}, {"expiration_date", "2099-01-01"}})
          .status,
      422);
  EXPECT_EQ(
      Do("POST", "/v3/memories/add/", json{{"messages", "x"}, {"timestamp", "yesterday"}}).status,
      422);
}

}  // namespace
}  // namespace engram::server
