// A store file written by the first engram that had one (schema version 1, commit 2b13bb8; how it
// was made: tests/data/stores/make_schema1_store.sh) opens with today's engine and migrates: every
// record, its history and the session items read back as written, search finds the old text,
// and the store takes new writes. The file is copied first, so the committed fixture never
// changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "engram/engine.h"
#include "test_util.h"
#include "util/time.h"

namespace engram {
namespace {

using nlohmann::json;

class SchemaOneStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::copy_file(ENGRAM_SOURCE_DIR "/tests/data/stores/schema1.db", path_);
    Options o;
    o.path = path_;
    o.durable_commits = false;
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  // The owner's live records, by text.
  std::map<std::string, MemoryRecord> Live(const std::string& owner) {
    auto page = engine_->ListMemories(owner, ListOptions());
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::map<std::string, MemoryRecord> out;
    if (page.ok()) {
      for (const MemoryRecord& r : page->items) out[r.text] = r;
    }
    return out;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.File("schema1.db");
  std::unique_ptr<Engine> engine_;
};

TEST_F(SchemaOneStoreTest, RecordsHistoryAndSessionsReadBackAsWritten) {
  auto alice = Live("alice");
  ASSERT_EQ(alice.size(), 2u);
  const MemoryRecord& tea = alice.at("Alice drinks green tea in the morning");
  EXPECT_EQ(tea.type, MemoryType::kPreference);
  EXPECT_EQ(tea.key, "drink.morning");
  EXPECT_EQ(json::parse(tea.metadata), json::parse(R"({"team":{"name":"infra"}})"));
  EXPECT_EQ(util::FormatTimestamp(tea.created_at), "2025-03-01T09:00:00.000Z");
  const MemoryRecord& home = alice.at("Alice lives in Porto");
  EXPECT_EQ(home.key, "home.city");
  EXPECT_EQ(json::parse(home.data), json::parse(R"({"city":"Lisbon"})"));
  EXPECT_EQ(json::parse(home.metadata), json::parse(R"({"checked":true})"));

  auto history = engine_->GetHistory("alice", home.id);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].event, HistoryEventType::kAdd);
  EXPECT_EQ((*history)[1].event, HistoryEventType::kUpdate);
  EXPECT_EQ(json::parse((*history)[1].old_value)["text"], "Alice lives in Lisbon");
  EXPECT_EQ(json::parse((*history)[1].new_value)["text"], "Alice lives in Porto");

  // The deleted episode stays deleted, with its history.
  ListOptions all;
  all.include_superseded = true;
  all.scope = "project/alpha";
  auto alpha = engine_->ListMemories("alice", all);
  ASSERT_TRUE(alpha.ok()) << alpha.status().ToString();
  for (const MemoryRecord& r : alpha->items) {
    EXPECT_NE(r.text, "Alice met Bob about the launch");
  }

  auto bob = Live("bob");
  ASSERT_EQ(bob.size(), 1u);
  ASSERT_TRUE(bob.begin()->second.expires_at.has_value());
  EXPECT_EQ(util::FormatTimestamp(*bob.begin()->second.expires_at), "2099-01-01T00:00:00.000Z");

  auto items = engine_->GetSessionItems("alice", "s1");
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].content, "I moved to Porto last week");
  EXPECT_EQ(json::parse((*items)[1].tool_calls)[0]["id"], "c1");
  EXPECT_EQ((*items)[2].role, Role::kTool);
  EXPECT_EQ((*items)[2].tool_call_id, "c1");
}

TEST_F(SchemaOneStoreTest, OldRecordsAreSearchedFilteredAndSupersededByNewWrites) {
  SearchOptions lexical;
  lexical.mode = SearchMode::kLexical;
  auto hits = engine_->Search("alice", "where does alice live porto", lexical);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().record.text, "Alice lives in Porto");
  lexical.filter = R"({"team.name": "infra"})";
  hits = engine_->Search("alice", "alice", lexical);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ(hits->front().record.key, "drink.morning");

  // A new fact with the old key replaces the old record, as the write rules say.
  NewMemory moved;
  moved.owner_id = "alice";
  moved.type = MemoryType::kFact;
  moved.key = "home.city";
  moved.text = "Alice lives in Faro";
  ASSERT_TRUE(engine_->AddMemory(moved).ok());
  auto alice = Live("alice");
  EXPECT_EQ(alice.count("Alice lives in Porto"), 0u);
  EXPECT_EQ(alice.count("Alice lives in Faro"), 1u);
}

}  // namespace
}  // namespace engram
