// Walks EVERY route of the Api with four callers: the owner's key, another owner's key, no key
// and an admin key, and checks who gets through. A route added without an entry here fails the
// test, so new routes cannot skip the isolation check.
#include <gtest/gtest.h>

#include <map>

#include "api_fixture.h"

namespace engram::server {
namespace {

using nlohmann::json;

// Each operation's access level, written here and not read from the route table: a route
// wrongly marked public or owner-level there fails here. And what to send so that the owner's
// request succeeds.
struct Probe {
  Access access;
  std::string query;  // appended to the path, with "?"
  json body;          // null: no body
};

constexpr Access kPublic = Access::kPublic, kOwner = Access::kOwner, kAdmin = Access::kAdmin,
                 kAnyKey = Access::kAnyKey;

const std::map<std::string, Probe>& Probes() {
  static const std::map<std::string, Probe> probes = {
      {"addMemories", {kOwner, "", {{"text", "I like green tea"}, {"key", "drink"}}}},
      {"rememberTurns",
       {kOwner, "", {{"turns", {{{"role", "user"}, {"content", "My name is Alice."}}}}}}},
      {"listMemories", {kOwner, "limit=5", nullptr}},
      {"searchMemories", {kOwner, "", {{"query", "tea"}}}},
      {"deleteMemories", {kOwner, "", {{"ids", {"$ID"}}}}},
      {"getMemory", {kOwner, "", nullptr}},
      {"updateMemory", {kOwner, "", {{"text", "I like black tea"}}}},
      {"deleteMemory", {kOwner, "", nullptr}},
      {"memoryHistory", {kOwner, "", nullptr}},
      {"forgetOwner", {kOwner, "", nullptr}},
      {"addSessionItems", {kOwner, "", {{"items", {{{"role", "user"}, {"content", "hi"}}}}}}},
      {"getSessionItems", {kOwner, "last_n=5", nullptr}},
      {"getRecentItems", {kOwner, "last_n=5", nullptr}},
      {"popSessionItem", {kOwner, "", nullptr}},
      {"clearSession", {kOwner, "", nullptr}},
      {"getSessionSummary", {kOwner, "", nullptr}},
      {"setSessionSummary", {kOwner, "", {{"text", "We talked about tea."}}}},
      {"summarizeSession", {kOwner, "", {{"keep_turns", 0}}}},
      {"endSession", {kOwner, "", {{"scope", "global"}}}},
      {"assembleContext", {kOwner, "", {{"query", "tea"}, {"session_id", "s1"}}}},
      {"listBlocks", {kOwner, "", nullptr}},
      {"getBlock", {kOwner, "", nullptr}},
      {"setBlock", {kOwner, "", {{"value", "I am a helpful assistant."}}}},
      {"appendToBlock", {kOwner, "", {{"text", "I like tea."}}}},
      {"replaceInBlock", {kOwner, "", {{"old_text", "helpful"}, {"new_text", "kind"}}}},
      {"deleteBlock", {kOwner, "", nullptr}},
      {"createEntities",
       {kOwner,
        "",
        {{"entities", {{{"name", "Acme"}, {"entityType", "org"}, {"observations", {"x"}}}}}}}},
      {"createRelations", {kOwner, "", {{"relations", json::array()}}}},
      {"addObservations", {kOwner, "", {{"observations", json::array()}}}},
      {"deleteEntities", {kOwner, "", {{"entityNames", {"Nobody"}}}}},
      {"deleteObservations", {kOwner, "", {{"deletions", json::array()}}}},
      {"deleteRelations", {kOwner, "", {{"relations", json::array()}}}},
      {"readGraph", {kOwner, "", nullptr}},
      {"searchNodes", {kOwner, "", {{"query", "acme"}}}},
      {"openNodes", {kOwner, "", {{"names", {"Acme"}}}}},
      {"putCheckpoint",
       {kOwner,
        "",
        {{"checkpoint_id", "c2"}, {"checkpoint", {{"type", "json"}, {"data", "e30="}}}}}},
      {"getCheckpoint", {kOwner, "checkpoint_id=c1", nullptr}},
      {"putCheckpointWrites",
       {kOwner,
        "",
        {{"checkpoint_id", "c1"},
         {"task_id", "task"},
         {"writes", {{{"channel", "a"}, {"type", "json"}, {"data", "MQ=="}}}}}}},
      {"listCheckpoints", {kOwner, "", {{"thread_id", "th1"}}}},
      {"deleteThread", {kOwner, "", nullptr}},
      {"copyThread", {kOwner, "", {{"target_thread_id", "th1-copy"}}}},
      {"pruneThread", {kOwner, "", {{"keep_latest", 1}}}},
      {"getEntity", {kOwner, "scope=global", nullptr}},
      {"getNeighbors", {kOwner, "depth=2&relation_types=supplies", nullptr}},
      {"getEntityHistory", {kOwner, "", nullptr}},
      {"findPath", {kOwner, "from=Acme&to=Beta&max_hops=2", nullptr}},
      {"addEntities", {kOwner, "", {{"entities", {{{"name", "Gamma"}, {"aliases", {"G"}}}}}}}},
      {"addRelations",
       {kOwner, "", {{"relations", {{{"from", "Acme"}, {"type", "supplies"}, {"to", "Beta"}}}}}}},
      {"collectGarbage", {kAdmin, "", {{"dry_run", true}}}},
      {"listOwners", {kAdmin, "limit=10", nullptr}},
      {"whoami", {kAnyKey, "", nullptr}},
      {"ownerStats", {kOwner, "days=3", nullptr}},
      {"exportOwner", {kOwner, "include=memories", nullptr}},
      // An empty archive of the one owner: the admin's import succeeds and writes nothing.
      {"importOwner",
       {kAdmin,
        "",
        {{"archive",
          "{\"engram_archive\":1,\"engram_version\":\"t\",\"schema_version\":1,"
          "\"embedding_model\":\"\",\"owners\":[],\"counts\":{},\"checksum\":"
          "\"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}\n"}}}},
      {"healthz", {kPublic, "", nullptr}},
      {"metrics", {kAdmin, "", nullptr}},
      {"openapi", {kPublic, "", nullptr}},
      {"mem0AddMemories",
       {kOwner,
        "",
        {{"messages", {{{"role", "user"}, {"content", "I love pizza"}}}}, {"user_id", "alice"}}}},
      {"mem0GetAll", {kOwner, "user_id=alice", nullptr}},
      {"mem0DeleteAll", {kOwner, "user_id=alice", nullptr}},
      {"mem0Search", {kOwner, "", {{"query", "pizza"}, {"user_id", "alice"}}}},
      {"mem0Get", {kOwner, "user_id=alice", nullptr}},
      {"mem0Update", {kOwner, "user_id=alice", {{"text", "I love pasta"}}}},
      {"mem0Delete", {kOwner, "user_id=alice", nullptr}},
      {"mem0History", {kOwner, "user_id=alice", nullptr}},
      {"mem0Reset", {kOwner, "", {{"user_id", "alice"}}}},
      {"mem0PlatformAdd",
       {kOwner,
        "",
        {{"messages", {{{"role", "user"}, {"content", "I love pizza"}}}}, {"user_id", "alice"}}}},
      {"mem0PlatformSearch",
       {kOwner, "", {{"query", "pizza"}, {"filters", {{"user_id", "alice"}}}}}},
      {"mem0PlatformGetAll", {kOwner, "page=1", {{"filters", {{"user_id", "alice"}}}}}},
      {"mem0PlatformGet", {kOwner, "user_id=alice", nullptr}},
      {"mem0PlatformUpdate", {kOwner, "user_id=alice", {{"text", "I love pasta"}}}},
      {"mem0PlatformDelete", {kOwner, "user_id=alice", nullptr}},
      {"mem0PlatformHistory", {kOwner, "user_id=alice", nullptr}},
      {"mem0PlatformDeleteAll", {kOwner, "user_id=alice", nullptr}},
      {"mem0PlatformBatchUpdate",
       {kOwner,
        "user_id=alice",
        {{"memories", {{{"memory_id", "$ID"}, {"text", "I love pasta"}}}}}}},
      {"mem0PlatformBatchDelete",
       {kOwner, "user_id=alice", {{"memories", {{{"memory_id", "$ID"}}}}}}},
      {"mem0PlatformPing", {kAnyKey, "", nullptr}},
  };
  return probes;
}

class AuthMatrixTest : public ApiTest {
 protected:
  // Fresh data of alice for one probe: a memory, a session item, a core block, a checkpoint and
  // two entities (Acme -supplies-> Beta).
  std::string Seed() {
    NewMemory m;
    m.owner_id = "alice";
    m.text = "Alice's seeded memory about tea";
    auto added = engine_->AddMemory(m);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    SessionItem item;
    item.content = "hello";
    EXPECT_TRUE(engine_->AddSessionItems("alice", "s1", {item}).ok());
    auto block = engine_->SetBlock("alice", "global", "persona", "I am a helpful assistant.");
    EXPECT_TRUE(block.ok()) << block.status().ToString();
    NewCheckpoint checkpoint;
    checkpoint.checkpoint = {"alice", "th1", "", "c1", "", {"json", "{}"}, "{}", {}, 0};
    EXPECT_TRUE(engine_->PutCheckpoint(checkpoint).ok());
    EXPECT_TRUE(engine_->DeleteThread("alice", "th1-copy").ok());  // the copy's target is new
    std::vector<NewEntity> entities(2);
    entities[0].owner_id = entities[1].owner_id = "alice";
    entities[0].name = "Acme";
    entities[1].name = "Beta";
    EXPECT_TRUE(engine_->AddEntities(entities).ok());
    NewRelation edge;
    edge.owner_id = "alice";
    edge.from = "Acme";
    edge.type = "supplies";
    edge.to = "Beta";
    EXPECT_TRUE(engine_->AddRelations({&edge, 1}).ok());
    return added.ok() ? added->id : "";
  }

  static std::string Fill(std::string path, const std::string& id) {
    auto replace = [&](const std::string& from, const std::string& to) {
      for (size_t at = path.find(from); at != std::string::npos; at = path.find(from)) {
        path.replace(at, from.size(), to);
      }
    };
    replace("{owner}", "alice");
    replace("{id}", id);
    replace("{memory_id}", id);
    replace("{session}", "s1");
    replace("{label}", "persona");
    replace("{thread}", "th1");
    replace("{name}", "Acme");
    return path;
  }
};

TEST_F(AuthMatrixTest, EveryRouteTimesEveryKindOfCaller) {
  struct Caller {
    const char* name;
    const char* key;
  };
  const Caller callers[] = {
      {"owner", kAliceKey}, {"other owner", kBobKey}, {"no key", nullptr}, {"admin", kAdminKey}};
  size_t checked = 0;
  for (const Route& route : api_->router().routes()) {
    auto probe_it = Probes().find(route.doc.operation_id);
    ASSERT_NE(probe_it, Probes().end()) << "no probe for " << route.method << " " << route.path;
    const Probe& probe = probe_it->second;
    EXPECT_EQ(route.access, probe.access) << route.method << " " << route.path;
    for (const Caller& caller : callers) {
      const std::string id = Seed();
      std::string target = Fill(route.path, id);
      if (!probe.query.empty()) target += "?" + probe.query;
      std::string body;
      if (!probe.body.is_null()) {
        body = probe.body.dump();
        for (size_t at = body.find("$ID"); at != std::string::npos; at = body.find("$ID")) {
          body.replace(at, 3, id);
        }
      }
      Reply2 r = Do(route.method, target, body, caller.key);
      const std::string what = route.method + " " + route.path + " as " + caller.name + ": " +
                               std::to_string(r.status) + " " + r.raw.substr(0, 200);
      const bool success = r.status >= 200 && r.status < 300;
      const std::string caller_name = caller.name;
      if (probe.access == Access::kPublic) {
        EXPECT_TRUE(success) << what;
      } else if (caller_name == "no key") {
        EXPECT_EQ(r.status, 401) << what;
        EXPECT_EQ(ErrorCode(r), "unauthorized") << what;
      } else if (probe.access == Access::kAnyKey) {
        EXPECT_TRUE(success) << what;
      } else if (caller_name == "other owner") {
        EXPECT_EQ(r.status, 403) << what;
        EXPECT_EQ(ErrorCode(r), "permission_denied") << what;
        // Nothing of alice's may leak into the refusal.
        EXPECT_EQ(r.raw.find("Alice"), std::string::npos) << what;
        EXPECT_EQ(r.raw.find(id), std::string::npos) << what;
      } else if (probe.access == Access::kAdmin && caller_name == "owner") {
        EXPECT_EQ(r.status, 403) << what;
      } else {
        EXPECT_TRUE(success) << what;
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, Probes().size() * 4);
}

}  // namespace
}  // namespace engram::server
