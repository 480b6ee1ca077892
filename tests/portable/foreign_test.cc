// Foreign imports from files the test writes in the other systems' formats: the MCP memory
// server's JSONL graph, a Mem0 get_all dump, and an OpenAI Agents SDK SQLiteSession database
// (its schema as agents/memory/sqlite_session.py creates it).
#include "portable/foreign.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram::portable {
namespace {

class ForeignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.path = dir_.File("engram.db");
    o.clock = clock_;
    o.embedder = std::make_shared<engram::testing::HashingEmbedder>();
    o.durable_commits = false;
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  engram::testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'760'000'000'000);
  std::unique_ptr<Engine> engine_;
};

TEST_F(ForeignTest, McpMemoryGraph) {
  std::istringstream file(
      R"({"type":"entity","name":"John_Smith","entityType":"person","observations":["Speaks fluent Spanish"]})"
      "\n"
      R"({"type":"entity","name":"Anthropic","entityType":"organization","observations":[]})"
      "\n"
      R"({"type":"relation","from":"John_Smith","to":"Anthropic","relationType":"works_at"})"
      "\n");
  auto r = ImportMcpGraph(*engine_, file, "u", "global");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->entities, 2);
  EXPECT_EQ(r->relations, 1);
  auto john = engine_->GetEntity("u", "john smith");
  ASSERT_TRUE(john.ok());
  ASSERT_EQ(john->observations.size(), 1u);
  EXPECT_EQ(john->observations[0].text, "Speaks fluent Spanish");
  // A relation to an entity neither in the file nor in the graph: nothing is written.
  std::istringstream bad(R"({"type":"entity","name":"Ada","entityType":"person","observations":[]})"
                         "\n"
                         R"({"type":"relation","from":"Ada","to":"Nobody","relationType":"knows"})"
                         "\n");
  EXPECT_EQ(ImportMcpGraph(*engine_, bad, "u", "global").status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(engine_->GetEntity("u", "Ada").ok());
}

TEST_F(ForeignTest, Mem0Dump) {
  std::istringstream dump(R"({"results": [
    {"id": "0b6d7c1e-1111-4c6e-9a51-7d1c2a0e1f01", "memory": "Is a vegetarian",
     "hash": "4c1ab", "metadata": {"origin": "chat"}, "categories": ["food"],
     "created_at": "2024-07-20T01:23:45.123456-07:00", "updated_at": null, "user_id": "alice"},
    {"id": "0b6d7c1e-2222-4c6e-9a51-7d1c2a0e1f02", "memory": "Allergic to nuts",
     "created_at": "2024-07-21T09:00:00Z", "user_id": "alice", "run_id": "trip"},
    {"id": "0b6d7c1e-3333-4c6e-9a51-7d1c2a0e1f03", "memory": "is a vegetarian",
     "user_id": "alice"}
  ]})");
  auto r = ImportMem0(*engine_, dump, "alice", "global");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->memories, 2);
  EXPECT_EQ(r->already_known, 1);  // the same fact again: the write rules dedup it
  ListOptions o;
  auto page = engine_->ListMemories("alice", o);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 2u);
  const MemoryRecord& veg = page->items[1];  // newest first
  EXPECT_EQ(veg.text, "Is a vegetarian");
  EXPECT_EQ(veg.created_at, 1'721'463'825'123);  // 08:23:45.123Z
  EXPECT_EQ(veg.source, "mem0");
  auto metadata = nlohmann::json::parse(veg.metadata);
  EXPECT_EQ(metadata["mem0_id"], "0b6d7c1e-1111-4c6e-9a51-7d1c2a0e1f01");
  EXPECT_EQ(metadata["categories"][0], "food");
  EXPECT_EQ(metadata["origin"], "chat");
  EXPECT_EQ(page->items[0].session_id, "trip");
  std::istringstream bad(R"({"results": [{"memory": "ok"}, {"text": "no memory field"}]})");
  auto failed = ImportMem0(*engine_, bad, "bob", "global");
  EXPECT_EQ(failed.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(failed.status().message().find("memory 1"), std::string::npos);
  EXPECT_TRUE(engine_->ListMemories("bob", o)->items.empty());
}

TEST_F(ForeignTest, AgentsSdkSqliteSession) {
  const std::string path = dir_.File("conversations.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* sql = R"sql(
    CREATE TABLE agent_sessions (session_id TEXT PRIMARY KEY,
      created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE agent_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL,
      message_data TEXT NOT NULL, created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
      FOREIGN KEY (session_id) REFERENCES agent_sessions (session_id) ON DELETE CASCADE);
    CREATE INDEX idx_agent_messages_session_id ON agent_messages (session_id, created_at);
    INSERT INTO agent_sessions (session_id) VALUES ('conversation_123');
    INSERT INTO agent_messages (session_id, message_data) VALUES
      ('conversation_123', '{"content": "What city is the Golden Gate Bridge in?", "role": "user"}'),
      ('conversation_123', '{"id": "rs_1", "summary": [], "type": "reasoning"}'),
      ('conversation_123', '{"arguments": "{\"city\":\"San Francisco\"}", "call_id": "call_1", "name": "get_weather", "type": "function_call", "id": "fc_1", "status": "completed"}'),
      ('conversation_123', '{"arguments": "{\"city\":\"Oakland\"}", "call_id": "call_2", "name": "get_weather", "type": "function_call", "id": "fc_2", "status": "completed"}'),
      ('conversation_123', '{"call_id": "call_1", "output": "Sunny", "type": "function_call_output"}'),
      ('conversation_123', '{"call_id": "call_2", "output": "Foggy", "type": "function_call_output"}'),
      ('conversation_123', '{"id": "msg_1", "content": [{"annotations": [], "text": "San Francisco.", "type": "output_text"}], "role": "assistant", "status": "completed", "type": "message"}');
  )sql";
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto r = ImportAgentsSessions(*engine_, path, "alice");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->sessions, 1);
  EXPECT_EQ(r->session_items, 5);  // the two calls share one assistant item
  EXPECT_EQ(r->skipped, 1);        // the reasoning item
  auto items = engine_->GetSessionItems("alice", "conversation_123");
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 5u);
  EXPECT_EQ((*items)[0].role, Role::kUser);
  EXPECT_EQ((*items)[1].role, Role::kAssistant);
  auto calls = nlohmann::json::parse((*items)[1].tool_calls);
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1]["id"], "call_2");
  EXPECT_EQ(calls[0]["function"]["name"], "get_weather");
  EXPECT_EQ((*items)[3].tool_call_id, "call_2");
  EXPECT_EQ((*items)[3].content, "Foggy");
  EXPECT_EQ((*items)[4].content, "San Francisco.");
  // Again: the session is there already, nothing is added.
  EXPECT_EQ(ImportAgentsSessions(*engine_, path, "alice").status().code(),
            Status::Code::kAlreadyExists);
  EXPECT_EQ(engine_->GetSessionItems("alice", "conversation_123")->size(), 5u);
  EXPECT_EQ(ImportAgentsSessions(*engine_, dir_.File("engram.db"), "alice").status().code(),
            Status::Code::kInvalidArgument);
}

// Foreign files are outside input: JSON nested past the limit (here 100,000 levels, which would
// overflow the stack when a value is copied or dumped) is refused, naming where, and nothing is
// written.
TEST_F(ForeignTest, DeeplyNestedJsonIsRefusedInEveryForeignFormat) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::istringstream graph(
      R"({"type":"entity","name":"Ada","entityType":"person","observations":[]})"
      "\n"
      R"({"type":"entity","name":"Bo","entityType":"person","observations":)" +
      deep + "}\n");
  auto g = ImportMcpGraph(*engine_, graph, "u", "global");
  EXPECT_EQ(g.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(g.status().message().find("line 2: JSON is nested deeper than"), std::string::npos)
      << g.status().ToString();
  EXPECT_FALSE(engine_->GetEntity("u", "Ada").ok());

  std::istringstream dump(R"({"results": [{"memory": "ok", "metadata": {"x": )" + deep + "}}]}");
  auto m = ImportMem0(*engine_, dump, "alice", "global");
  EXPECT_EQ(m.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(m.status().message().find("nested deeper than"), std::string::npos);
  EXPECT_TRUE(engine_->ListMemories("alice", ListOptions())->items.empty());

  const std::string path = dir_.File("deep.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE agent_sessions (session_id TEXT PRIMARY KEY);"
                         "CREATE TABLE agent_messages (id INTEGER PRIMARY KEY, session_id TEXT, "
                         "message_data TEXT);"
                         "INSERT INTO agent_sessions VALUES ('s');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::string row =
      "INSERT INTO agent_messages (session_id, message_data) VALUES ('s', "
      "'{\"role\": \"user\", \"content\": " +
      deep + "}')";
  ASSERT_EQ(sqlite3_exec(db, row.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto a = ImportAgentsSessions(*engine_, path, "alice");
  EXPECT_EQ(a.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(a.status().message().find("message 1: message_data: JSON is nested deeper than"),
            std::string::npos)
      << a.status().ToString();
  auto items = engine_->GetSessionItems("alice", "s");
  EXPECT_TRUE(!items.ok() || items->empty());
}

}  // namespace
}  // namespace engram::portable
