// Store files written by old engram binaries, one per SQLite schema version (schema1.db by the
// first engram that had a store, commit 2b13bb8, through tests/data/stores/make_schema1_store.sh;
// schema2.db and later by the commits listed in tests/data/stores/make_store.sh) open with
// today's engine and migrate to the latest version: every record, its history and the session
// items read back as written, the hashes later versions index are filled in for old rows, search
// finds the old text (the lexical index rebuilt with owner tags, the old vectors where the old
// binary stored them), and the store takes new writes under today's write rules. Each file is
// copied first, so the committed fixtures never change.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "embed/use_lite/use_lite_embedder.h"
#include "engram/engine.h"
#include "store/sqlite/schema.h"
#include "test_util.h"
#include "util/time.h"

namespace engram {
namespace {

using nlohmann::json;

class OldStoreTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    std::filesystem::copy_file(
        ENGRAM_SOURCE_DIR "/tests/data/stores/schema" + std::to_string(GetParam()) + ".db", path_);
  }

  // Opens the copy; with_model: with the built-in encoder the binaries of version 2 and later
  // embedded the memories with.
  void Open(bool with_model = false) {
    Options o;
    o.path = path_;
    o.durable_commits = false;
    if (with_model) {
      auto embedder = UseLiteEmbedder::Open(UseLiteEmbedder::DefaultModelDir());
      ASSERT_TRUE(embedder.ok()) << embedder.status().ToString()
                                 << " (run scripts/install_model.sh to install the model)";
      o.embedder = std::move(*embedder);
    }
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

  // One integer from the copy, read with SQLite directly.
  int64_t Count(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    EXPECT_NE(n, -1) << sql << ": " << sqlite3_errmsg(db);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.File("old.db");
  std::unique_ptr<Engine> engine_;
};

TEST_P(OldStoreTest, RecordsHistoryAndSessionsReadBackAsWritten) {
  ASSERT_EQ(Count("SELECT max(version) FROM schema_version"), GetParam());
  Open();
  EXPECT_EQ(Count("SELECT max(version) FROM schema_version"), store::sqlite::LatestSchemaVersion());
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
  ASSERT_EQ(bob.count("Bob's parking spot is B12"), 1u);
  ASSERT_TRUE(bob.at("Bob's parking spot is B12").expires_at.has_value());
  EXPECT_EQ(util::FormatTimestamp(*bob.at("Bob's parking spot is B12").expires_at),
            "2099-01-01T00:00:00.000Z");

  auto items = engine_->GetSessionItems("alice", "s1");
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].content, "I moved to Porto last week");
  EXPECT_EQ(json::parse((*items)[1].tool_calls)[0]["id"], "c1");
  EXPECT_EQ((*items)[2].role, Role::kTool);
  EXPECT_EQ((*items)[2].tool_call_id, "c1");

  // The hashes that versions 4 and 5 index are filled in for the old rows when the store opens.
  EXPECT_EQ(Count("SELECT count(*) FROM memories WHERE deleted_at IS NULL AND "
                  "(content_hash IS NULL OR claim_hash IS NULL)"),
            0);
}

TEST_P(OldStoreTest, OldRecordsAreSearchedFilteredAndSupersededByNewWrites) {
  Open();
  SearchOptions lexical;
  lexical.mode = SearchMode::kLexical;
  auto hits = engine_->Search("alice", "where does alice live porto", lexical);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().record.text, "Alice lives in Porto");
  // The lexical index matches the owner: Bob's search finds none of Alice's words.
  hits = engine_->Search("bob", "alice porto green tea", lexical);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  EXPECT_TRUE(hits->empty());
  lexical.filter = R"({"team.name": "infra"})";
  hits = engine_->Search("alice", "alice", lexical);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ(hits->front().record.key, "drink.morning");

  // The old record's content hash makes the same preference said again a duplicate.
  NewMemory again;
  again.owner_id = "alice";
  again.type = MemoryType::kPreference;
  again.key = "drink.morning";
  again.text = "Alice drinks green tea in the morning";
  auto same = engine_->WriteMemories(std::span(&again, 1));
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same->front().event, WriteEvent::kDeduplicated);

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
  EXPECT_EQ(alice.size(), 2u);
}

// From version 2 on, the old binary embedded each memory: the vectors it stored are searched as
// they are (same model), without re-embedding.
// (Schema 1 kept no vectors.)
class OldStoreVectorsTest : public OldStoreTest {};

TEST_P(OldStoreVectorsTest, TheOldBinarysVectorsAreSearched) {
  ASSERT_EQ(Count("SELECT count(*) FROM memory_vectors v JOIN memories m ON m.rid = v.rid "
                  "WHERE m.deleted_at IS NULL"),
            4);
  Open(/*with_model=*/true);
  SearchOptions vector;
  vector.mode = SearchMode::kVector;
  auto hits = engine_->Search("bob", "which instrument does he play", vector);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().record.text, "Bob plays the cello in an orchestra");
  hits = engine_->Search("alice", "what does she drink early in the day", vector);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().record.text, "Alice drinks green tea in the morning");
  for (const SearchHit& h : *hits) EXPECT_EQ(h.record.owner_id, "alice");
}

std::string SchemaName(const ::testing::TestParamInfo<int>& p) {
  return "Schema" + std::to_string(p.param);
}
INSTANTIATE_TEST_SUITE_P(SchemaVersions, OldStoreTest, ::testing::Range(1, 9), SchemaName);
INSTANTIATE_TEST_SUITE_P(SchemaVersions, OldStoreVectorsTest, ::testing::Range(2, 9), SchemaName);

}  // namespace
}  // namespace engram
