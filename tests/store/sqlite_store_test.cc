// What only the SQLite backend has: its migrations of older stores and its FTS5 functions.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <tuple>
#include <vector>

#include "engram/engine.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/fts_functions.h"
#include "store/sqlite/schema.h"
#include "test_util.h"
#include "util/claim.h"
#include "util/text.h"

namespace engram::store {
namespace {

using sqlite::Connection;

std::unique_ptr<Connection> OpenRaw(const std::string& path) {
  auto conn = Connection::Open(path, false, 1000);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  return conn.ok() ? std::move(*conn) : nullptr;
}

std::set<int64_t> Rids(Transaction& txn, const std::string& owner,
                       const std::vector<std::string>& terms) {
  auto hits = txn.LexicalSearch(owner, terms, 100, 0);
  EXPECT_TRUE(hits.ok()) << hits.status().ToString();
  std::set<int64_t> out;
  if (hits.ok()) {
    for (const auto& h : hits->hits) out.insert(h.rid);
  }
  return out;
}

// The hashes the engine gives the store with a record (Engine::Impl::HashesOf).
TextHashes HashesOf(const MemoryRecord& r) {
  return {util::ContentHash(r.text), util::ClaimHash(r.text)};
}

// A store written before the owner joined the lexical index (schema 5) is searchable per owner
// once opened, and stays so through later writes.
TEST(SqliteStoreTest, MigratesAVersion5StoreToTheOwnerTaggedIndex) {
  testing::TempDir dir;
  const std::string path = dir.File("old.db");
  {
    auto conn = OpenRaw(path);
    ASSERT_TRUE(sqlite::MigrateSchema(*conn, 5).ok());
    ASSERT_TRUE(conn->Exec(R"sql(
INSERT INTO memories(rid, id, owner_id, scope, type, key, text, created_at, updated_at, deleted_at)
VALUES (1, 'm1', 'alice', 'global', 'fact', NULL, 'deploy notes for friday', 1, 1, NULL),
       (2, 'm2', 'alice', 'global', 'fact', 'deploy.day', 'ship on monday', 2, 2, NULL),
       (3, 'm3', 'alice', 'global', 'fact', NULL, 'deploy was cancelled', 3, 3, 4),
       (4, 'm4', 'bob', 'global', 'fact', NULL, 'bob will deploy', 4, 4, NULL),
       (5, 'm5', 'alice-x', 'global', 'fact', NULL, 'deploy elsewhere', 5, 5, NULL);
)sql")
                    .ok());
  }
  auto store = OpenSqliteStore({path, 1000, false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  {
    auto txn = (*store)->BeginRead();
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(Rids(**txn, "alice", {"deploy"}), (std::set<int64_t>{1, 2}));
    EXPECT_EQ(Rids(**txn, "bob", {"deploy"}), (std::set<int64_t>{4}));
    EXPECT_EQ(Rids(**txn, "alice-x", {"deploy"}), (std::set<int64_t>{5}));
    EXPECT_EQ(Rids(**txn, "alice", {"friday", "monday"}), (std::set<int64_t>{1, 2}));
  }
  {
    auto txn = (*store)->BeginWrite();
    ASSERT_TRUE(txn.ok());
    MemoryRecord r;
    r.id = "m6";
    r.owner_id = "bob";
    r.scope = "global";
    r.text = "deploy again";
    auto rid = (*txn)->InsertMemory(r, HashesOf(r));
    ASSERT_TRUE(rid.ok());
    auto old = (*txn)->GetMemory("alice", "m1");
    ASSERT_TRUE(old.ok() && old->has_value());
    MemoryRecord deleted = **old;
    deleted.deleted_at = 9;
    ASSERT_TRUE((*txn)->ReplaceMemory(deleted, HashesOf(deleted)).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
    auto read = (*store)->BeginRead();
    EXPECT_EQ(Rids(**read, "alice", {"deploy"}), (std::set<int64_t>{2}));
    EXPECT_EQ(Rids(**read, "bob", {"deploy"}), (std::set<int64_t>{4, *rid}));
  }
  store->reset();
  auto conn = OpenRaw(path);
  auto version = conn->Prepare("SELECT max(version) FROM schema_version");
  Status st;
  ASSERT_TRUE((*version)->Step(&st));
  EXPECT_EQ((*version)->ColumnInt(0), sqlite::LatestSchemaVersion());
}

// engram_bm25 is BM25 with Lucene's IDF (store::LexicalIdf), k1 kBm25K1 and b kBm25B, each
// column's occurrences weighted by its argument, and "n=" setting the row count;
// engram_fts_stats gives the counts.
TEST(SqliteStoreTest, EngramBm25IsBm25WithLuceneIdfAndTheCountsOfEngramFtsStats) {
  testing::TempDir dir;
  auto conn = OpenRaw(dir.File("fts.db"));
  ASSERT_TRUE(sqlite::RegisterFtsFunctions(conn->handle()).ok());
  ASSERT_TRUE(conn->Exec(R"sql(
CREATE VIRTUAL TABLE t USING fts5(a, b);
INSERT INTO t(a, b) VALUES ('red apple pie', 'fruit'), ('green apple', 'apple'),
  ('a red car and a red bus', ''), ('nothing here', 'at all'), ('more words', 'apple pie'),
  ('one', 'two'), ('three', 'four');
)sql")
                  .ok());
  auto stats = conn->Prepare(
      "SELECT engram_fts_stats(t) FROM t WHERE t MATCH 'red OR apple OR pie' LIMIT 1");
  Status st;
  ASSERT_TRUE((*stats)->Step(&st)) << st.ToString();
  ASSERT_EQ(std::string((*stats)->ColumnText(0)), "7 2 3 2");
  stats->reset();
  // "apple" in rows 1, 2 and 5: its occurrences weighted 1 in a and 0.5 in b, and each row's
  // length in tokens of both columns (26 tokens in 7 rows).
  const std::vector<std::tuple<int64_t, double, double>> apple = {
      {1, 1.0, 4}, {2, 1.5, 3}, {5, 0.5, 4}};
  const double avgdl = 26.0 / 7;
  for (const auto& [counts, rows] : {std::pair<std::string, int64_t>{"3", 7}, {"n=70 3", 70}}) {
    auto scores = conn->Prepare(
        "SELECT rowid, engram_bm25(t, ?1, 1.0, 0.5) FROM t WHERE t MATCH 'apple' ORDER BY rowid");
    (*scores)->Bind(1, std::string_view(counts));
    size_t matched = 0;
    while ((*scores)->Step(&st)) {
      ASSERT_LT(matched, apple.size());
      const auto& [rowid, f, length] = apple[matched++];
      EXPECT_EQ((*scores)->ColumnInt(0), rowid);
      const double norm = kBm25K1 * (1 - kBm25B + kBm25B * length / avgdl);
      EXPECT_NEAR((*scores)->ColumnDouble(1), LexicalIdf(rows, 3) * f * (kBm25K1 + 1) / (f + norm),
                  1e-9)
          << counts << " row " << rowid;
    }
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(matched, apple.size());
  }
  // The phrase mask names the phrases each row holds.
  auto masks = conn->Prepare(
      "SELECT engram_phrase_mask(t) FROM t WHERE t MATCH 'red OR apple OR pie' ORDER BY rowid");
  std::vector<int64_t> got;
  while ((*masks)->Step(&st)) got.push_back((*masks)->ColumnInt(0));
  EXPECT_EQ(got, (std::vector<int64_t>{7, 2, 1, 6}));
}

}  // namespace
// Rows of a store from before content and claim hashes (schema 3) get both when an engine
// first opens it, so exact-duplicate and claim lookups find them; the store then notes the
// hashes' version, and later opens leave the rows alone.
TEST(SqliteStoreTest, AnEngineFillsInTextHashesOfAnOldStoreOnce) {
  testing::TempDir dir;
  const std::string path = dir.File("old.db");
  {
    auto conn = OpenRaw(path);
    ASSERT_TRUE(sqlite::MigrateSchema(*conn, 3).ok());
    ASSERT_TRUE(conn->Exec(R"sql(
INSERT INTO memories(rid, id, owner_id, scope, type, key, text, created_at, updated_at)
VALUES (1, 'm1', 'alice', 'global', 'fact', NULL, 'The deploy is on Friday.', 1, 1);
)sql")
                    .ok());
  }
  Options options;
  options.path = path;
  ASSERT_TRUE(Engine::Open(options).ok());
  auto count = [&](MemoryQuery q) {
    q.owner_id = "alice";
    auto store = OpenSqliteStore({path, 1000, false});
    auto txn = (*store)->BeginRead();
    auto rows = (*txn)->ListMemories(q);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->size() : 0;
  };
  MemoryQuery by_content;
  by_content.content_hash = util::ContentHash("The deploy is on Friday.");
  EXPECT_EQ(count(by_content), 1u);
  MemoryQuery by_claim;
  by_claim.claim_hash = util::ClaimHash("The deploy is on Friday.");
  EXPECT_EQ(count(by_claim), 1u);
  // The next open leaves the rows alone: a hash changed by hand stays.
  ASSERT_TRUE(OpenRaw(path)->Exec("UPDATE memories SET claim_hash = 'kept'").ok());
  ASSERT_TRUE(Engine::Open(options).ok());
  MemoryQuery kept;
  kept.claim_hash = "kept";
  EXPECT_EQ(count(kept), 1u);
}

// A store hashed by an older ClaimKey (another claim_hash_version) gets its claim hashes
// recomputed when an engine opens it, so claims of old rows match new texts.
TEST(SqliteStoreTest, AnEngineRecomputesClaimHashesOfAnOlderClaimVersion) {
  testing::TempDir dir;
  const std::string path = dir.File("stale.db");
  {
    auto conn = OpenRaw(path);
    ASSERT_TRUE(sqlite::MigrateSchema(*conn).ok());
    ASSERT_TRUE(conn->Exec(R"sql(
INSERT INTO memories(rid, id, owner_id, scope, type, key, text, created_at, updated_at,
                     content_hash, claim_hash)
VALUES (1, 'm1', 'alice', 'global', 'fact', NULL, 'Max''s part-time job.', 1, 1, 'x', 'stale');
INSERT INTO store_meta(name, value) VALUES ('claim_hash_version', '1');
)sql")
                    .ok());
  }
  Options options;
  options.path = path;
  ASSERT_TRUE(Engine::Open(options).ok());
  auto store = OpenSqliteStore({path, 1000, false});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto txn = (*store)->BeginRead();
  ASSERT_TRUE(txn.ok());
  MemoryQuery by_claim;
  by_claim.owner_id = "alice";
  by_claim.claim_hash = util::ClaimHash("Max's part-time job.");
  auto claimed = (*txn)->ListMemories(by_claim);
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(claimed->size(), 1u);
  auto meta = (*txn)->GetMeta("claim_hash_version");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->value_or(""), std::to_string(util::kClaimHashVersion));
}

}  // namespace engram::store
