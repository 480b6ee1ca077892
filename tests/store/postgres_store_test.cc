// What only the PostgreSQL backend has: schema versions and concurrent migrations, lost
// connections, unreachable servers, statement timeouts, BM25 scores that match SQLite's,
// statements pipelined within a write, and the LISTEN/NOTIFY watch on the change counter with its
// polling fallback.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <thread>

#include "pg/postgres_server.h"
#include "store/factory.h"
#include "store/postgres/change_watch.h"
#include "store/postgres/connection.h"
#include "store/postgres/schema.h"
#include "store/sqlite/sqlite_store.h"
#include "test_util.h"

namespace engram::store {
namespace {

MemoryRecord Record(const std::string& owner, int n, const std::string& text) {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-7000-8000-%012d", n);
  MemoryRecord r;
  r.id = id;
  r.owner_id = owner;
  r.scope = "global";
  r.text = text;
  r.created_at = n;
  r.updated_at = n;
  return r;
}

// Runs SQL on the database over a connection of its own; false on failure.
bool Sql(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  const ExecStatusType st = PQresultStatus(r);
  PQclear(r);
  PQfinish(conn);
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

// Ends every other session on the database, as a server restart or a network cut would.
void CutConnections(const std::string& uri) {
  ASSERT_TRUE(Sql(uri,
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  " WHERE datname = current_database() AND pid <> pg_backend_pid()"));
}

// Waits up to `limit` for `done()`; whether it came.
template <typename F>
bool Within(std::chrono::milliseconds limit, F done) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A memory write of another process: bumps the change counter and commits.
void WriteElsewhere(Store& store) {
  auto txn = store.BeginWrite();
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  ASSERT_TRUE((*txn)->BumpChangeCounter().ok());
  ASSERT_TRUE((*txn)->Commit().ok());
}

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ENGRAM_REQUIRE_POSTGRES(server);
    server_ = server;
    uri_ = server->NewDatabase();
    ASSERT_FALSE(uri_.empty());
  }

  testing::PostgresServer* server_ = nullptr;
  std::string uri_;
};

TEST_F(PostgresStoreTest, ANewerSchemaIsRefusedAndLeftAlone) {
  ASSERT_TRUE(OpenPostgresStore({uri_}).ok());
  ASSERT_TRUE(Sql(uri_, "INSERT INTO schema_version VALUES (999)"));
  auto store = OpenPostgresStore({uri_});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("newer"), std::string::npos);
  auto conn = pg::Connection::Open(uri_);
  ASSERT_TRUE(conn.ok());
  EXPECT_EQ(*pg::CurrentSchemaVersion(**conn), 999);
}

// Servers starting together on a fresh database: one migrates, the others wait for it and
// find nothing left to do.
TEST_F(PostgresStoreTest, ServersStartingTogetherMigrateOnce) {
  std::vector<std::thread> threads;
  std::vector<Status> results(4);
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = OpenPostgresStore({uri_}).status(); });
  }
  for (auto& t : threads) t.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  auto conn = pg::Connection::Open(uri_);
  ASSERT_TRUE(conn.ok());
  auto rows = (*conn)->Query(
      "SELECT count(*), count(DISTINCT version), max(version)"
      " FROM schema_version");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->Int(0, 0), pg::LatestSchemaVersion());
  EXPECT_EQ(rows->Int(0, 1), pg::LatestSchemaVersion());
  EXPECT_EQ(rows->Int(0, 2), pg::LatestSchemaVersion());
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailable) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  auto store = OpenPostgresStore({"postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(store.status().message().find("cannot connect"), std::string::npos)
      << store.status().message();
}

// A connection lost in the middle of a write: the write fails, nothing of it is stored, and
// the next transaction reconnects.
TEST_F(PostgresStoreTest, ALostConnectionFailsTheWriteWholeThenReconnects) {
  auto store = OpenPostgresStore({uri_});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  {
    auto txn = (*store)->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->InsertMemory(Record("alice", 1, "first half"), {}).ok());
    CutConnections(uri_);
    Result<int64_t> second = (*txn)->InsertMemory(Record("alice", 2, "second half"), {});
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), Status::Code::kUnavailable) << second.status().ToString();
    EXPECT_FALSE((*txn)->Commit().ok());
  }
  auto read = (*store)->BeginRead();
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  auto first = (*read)->GetMemory("alice", Record("alice", 1, "").id);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->has_value());
  // Idle pooled connections that died are replaced too.
  read->reset();
  CutConnections(uri_);
  auto write = (*store)->BeginWrite();
  ASSERT_TRUE(write.ok()) << write.status().ToString();
  ASSERT_TRUE((*write)->InsertMemory(Record("alice", 3, "after the cut"), {}).ok());
  EXPECT_TRUE((*write)->Commit().ok());
}

// Writers take turns across processes; one that waits longer than its lock timeout (the busy
// timeout of the open settings) fails with Unavailable instead of hanging.
TEST_F(PostgresStoreTest, AWriterWaitingPastTheLockTimeoutFails) {
  auto holder = OpenPostgresStore({uri_, 30000, 30000});
  auto waiter = OpenPostgresStore({uri_, 200, 30000});
  ASSERT_TRUE(holder.ok() && waiter.ok());
  auto held = (*holder)->BeginWrite();
  ASSERT_TRUE(held.ok());
  auto blocked = (*waiter)->BeginWrite();
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(blocked.status().message().find("lock timeout"), std::string::npos)
      << blocked.status().message();
  held->reset();  // the holder rolls back: the waiter's next write goes through
  auto next = (*waiter)->BeginWrite();
  ASSERT_TRUE(next.ok()) << next.status().ToString();
}

// The statement timeout is libpq's, set in the URL; a statement past it fails with Unavailable.
TEST_F(PostgresStoreTest, TheStatementTimeoutOfTheUrlApplies) {
  auto holder = OpenBackend(uri_, {30000, false, ""});
  auto waiter = OpenBackend(uri_ + "?options=-c%20statement_timeout%3D300", {30000, false, ""});
  ASSERT_TRUE(holder.ok() && waiter.ok()) << waiter.status().ToString();
  auto held = holder->memory->BeginWrite();
  ASSERT_TRUE(held.ok());
  const auto start = std::chrono::steady_clock::now();
  auto blocked = waiter->memory->BeginWrite();
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(blocked.status().message().find("statement timeout"), std::string::npos)
      << blocked.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

// The same records and query give SQLite's BM25 scores (words both stemmers agree on).
TEST_F(PostgresStoreTest, LexicalScoresMatchTheSqliteBackend) {
  testing::TempDir dir;
  auto sqlite = OpenSqliteStore({dir.File("s.db"), 2000, false});
  auto postgres = OpenPostgresStore({uri_});
  ASSERT_TRUE(sqlite.ok() && postgres.ok());
  const std::vector<std::string> texts = {
      "coffee in the morning keeps the team awake", "the team moved the standup to the morning",
      "paris in spring with coffee and croissants", "coffee coffee coffee all day long",
      "the garden needs water every morning",       "a long walk along the river in paris",
      "team lunch on friday near the river",
  };
  for (Store* s : {sqlite->get(), postgres->get()}) {
    auto txn = s->BeginWrite();
    ASSERT_TRUE(txn.ok());
    for (size_t i = 0; i < texts.size(); ++i) {
      MemoryRecord r = Record(i % 3 == 2 ? "bob" : "alice", static_cast<int>(i + 1), texts[i]);
      if (i == 1) r.key = "team.standup";
      ASSERT_TRUE((*txn)->InsertMemory(r, {}).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto a = (*sqlite)->BeginRead();
  auto b = (*postgres)->BeginRead();
  // Store statistics (owner size unknown) and the owner's own (alice has 5 records).
  for (size_t owner_records : {size_t{0}, size_t{5}}) {
    for (const std::vector<std::string>& terms : std::vector<std::vector<std::string>>{
             {"coffee", "morning"}, {"team", "river"}, {"standup"}, {"paris", "absent"}}) {
      auto x = (*a)->LexicalSearch("alice", terms, 10, owner_records);
      auto y = (*b)->LexicalSearch("alice", terms, 10, owner_records);
      ASSERT_TRUE(x.ok() && y.ok()) << y.status().ToString();
      ASSERT_EQ(x->idf.size(), y->idf.size());
      for (size_t i = 0; i < x->idf.size(); ++i) EXPECT_NEAR(x->idf[i], y->idf[i], 1e-9);
      ASSERT_EQ(x->hits.size(), y->hits.size()) << terms[0];
      for (size_t i = 0; i < x->hits.size(); ++i) {
        EXPECT_EQ(x->hits[i].rid, y->hits[i].rid) << terms[0] << " #" << i;
        EXPECT_NEAR(x->hits[i].score, y->hits[i].score, 1e-6) << terms[0] << " #" << i;
      }
    }
  }
}

// BM25's collection statistics follow inserts, tombstones, replacements and erasures.
TEST_F(PostgresStoreTest, LexicalTotalsFollowEveryWrite) {
  auto store = OpenPostgresStore({uri_});
  ASSERT_TRUE(store.ok());
  auto totals = [&] {
    auto conn = pg::Connection::Open(uri_);
    auto rows = (*conn)->Query(
        "SELECT rows, tokens, (SELECT count(*) FROM memories WHERE"
        " deleted_at IS NULL), (SELECT coalesce(sum(lexical_length), 0)"
        " FROM memories) FROM lexical_totals");
    EXPECT_TRUE(rows.ok());
    EXPECT_EQ(rows->Int(0, 0), rows->Int(0, 2));
    EXPECT_EQ(rows->Int(0, 1), rows->Int(0, 3));
    return std::pair(rows->Int(0, 0), rows->Int(0, 1));
  };
  auto txn = (*store)->BeginWrite();
  MemoryRecord r = Record("alice", 1, "three small words");
  r.key = "a.key";
  ASSERT_TRUE((*txn)->InsertMemory(r, {}).ok());
  ASSERT_TRUE((*txn)->InsertMemory(Record("bob", 2, "two words"), {}).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(totals(), (std::pair<int64_t, int64_t>(2, 7)));
  txn = (*store)->BeginWrite();
  r.text = "now four small words";
  ASSERT_TRUE((*txn)->ReplaceMemory(r, {}).ok());
  r.deleted_at = 9;
  MemoryRecord gone = Record("bob", 2, "two words");
  gone.deleted_at = 9;
  ASSERT_TRUE((*txn)->ReplaceMemory(gone, {}).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(totals(), (std::pair<int64_t, int64_t>(1, 6)));
  txn = (*store)->BeginWrite();
  ASSERT_TRUE((*txn)->EraseMemory("alice", r.id, true).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  EXPECT_EQ(totals(), (std::pair<int64_t, int64_t>(0, 0)));
}

// Vectors are float32 bytes in the database and come back bit for bit.
TEST_F(PostgresStoreTest, VectorsRoundTripExactly) {
  auto store = OpenPostgresStore({uri_});
  ASSERT_TRUE(store.ok());
  const std::vector<float> v = {0.1f, -2.5e-8f, 3.4028235e38f, -0.0f, 1.0f / 3.0f};
  auto txn = (*store)->BeginWrite();
  const int64_t seq = *(*txn)->BumpChangeCounter();
  const int64_t rid = *(*txn)->InsertMemory(Record("alice", 1, "vector"), {});
  ASSERT_TRUE((*txn)->PutVector(rid, v, seq).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  auto read = (*store)->BeginRead();
  auto got = (*read)->GetVector(rid);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), v.size());
  EXPECT_EQ(std::memcmp(got->data(), v.data(), v.size() * sizeof(float)), 0);
}

// History rows and vectors are sent without waiting (pipeline mode) and read with the next
// statement: what they wrote is there for that statement and after the commit, and one that failed
// fails the next statement and the commit, and nothing of the transaction is written.
TEST_F(PostgresStoreTest, StatementsSentWithoutWaitingFailTheTransactionWhole) {
  auto store = OpenPostgresStore({uri_});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::vector<float> v = {0.5f, -0.25f};
  {
    auto txn = (*store)->BeginWrite();
    ASSERT_TRUE(txn.ok());
    const int64_t seq = *(*txn)->BumpChangeCounter();
    const int64_t rid = *(*txn)->InsertMemory(Record("alice", 1, "kept"), {});
    ASSERT_TRUE((*txn)->PutVector(rid, v, seq).ok());
    HistoryEvent e;
    e.memory_id = Record("alice", 1, "").id;
    e.owner_id = "alice";
    e.event = HistoryEventType::kAdd;
    e.at = 1;
    ASSERT_TRUE((*txn)->AppendHistory(e).ok());
    auto in_txn = (*txn)->GetVector(rid);  // the next statement sees them
    ASSERT_TRUE(in_txn.ok()) << in_txn.status().ToString();
    EXPECT_EQ(*in_txn, v);
    ASSERT_TRUE((*txn)->AppendHistory(e).ok());  // pending at the commit
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  {
    auto read = (*store)->BeginRead();
    ASSERT_TRUE(read.ok());
    auto history = (*read)->GetHistory("alice", Record("alice", 1, "").id);
    ASSERT_TRUE(history.ok()) << history.status().ToString();
    EXPECT_EQ(history->size(), 2u);
  }
  for (const bool fail_at_commit : {false, true}) {
    auto txn = (*store)->BeginWrite();
    ASSERT_TRUE(txn.ok());
    const int64_t seq = *(*txn)->BumpChangeCounter();
    ASSERT_TRUE((*txn)->InsertMemory(Record("bob", 2, "lost with the transaction"), {}).ok());
    // A vector of a record that does not exist breaks the foreign key, once the server runs it.
    ASSERT_TRUE((*txn)->PutVector(987654321, v, seq).ok());
    if (!fail_at_commit) {
      auto next = (*txn)->MemoryRid("bob", Record("bob", 2, "").id);
      ASSERT_FALSE(next.ok());
      EXPECT_NE(next.status().message().find("memory_vectors"), std::string::npos)
          << next.status().ToString();
    }
    EXPECT_FALSE((*txn)->Commit().ok());
    txn->reset();
    auto read = (*store)->BeginRead();
    ASSERT_TRUE(read.ok()) << read.status().ToString();  // the connection is usable again
    auto bob = (*read)->GetMemory("bob", Record("bob", 2, "").id);
    ASSERT_TRUE(bob.ok()) << bob.status().ToString();
    EXPECT_FALSE(bob->has_value());
  }
}

TEST_F(PostgresStoreTest, ANotificationMarksTheCounterReadStale) {
  auto writer = OpenPostgresStore({uri_});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  pg::ChangeWatch watch(uri_);
  ASSERT_TRUE(Within(std::chrono::seconds(5), [&] { return watch.listening(); }));
  EXPECT_FALSE(watch.Current().has_value());
  watch.Remember(41, watch.Generation());
  EXPECT_EQ(watch.Current(), 41);
  // Nothing written: the read stays current, past the polling interval too (no polling while
  // the listener is up).
  std::this_thread::sleep_for(2 * pg::kPollInterval);
  EXPECT_EQ(watch.Current(), 41);
  WriteElsewhere(**writer);
  EXPECT_TRUE(Within(std::chrono::seconds(1), [&] { return !watch.Current().has_value(); }));
  // A read that began before a notification is not kept.
  const uint64_t before = watch.Generation();
  WriteElsewhere(**writer);
  ASSERT_TRUE(Within(std::chrono::seconds(1), [&] { return watch.Generation() != before; }));
  watch.Remember(42, before);
  EXPECT_FALSE(watch.Current().has_value());
}

TEST_F(PostgresStoreTest, WithoutTheListenerACounterReadIsTrustedForThePollIntervalOnly) {
  pg::ChangeWatch watch(uri_);
  ASSERT_TRUE(Within(std::chrono::seconds(5), [&] { return watch.listening(); }));
  watch.Remember(7, watch.Generation());
  // The listener's connection is cut and cannot come back until the database accepts
  // connections again.
  const std::string db = uri_.substr(uri_.rfind('/') + 1);
  const std::string admin = uri_.substr(0, uri_.rfind('/') + 1) + "postgres";
  ASSERT_TRUE(Sql(admin, "ALTER DATABASE \"" + db + "\" ALLOW_CONNECTIONS false"));
  ASSERT_TRUE(Sql(admin, std::string("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                     " WHERE application_name = '") +
                             pg::kListenerName + "' AND datname = '" + db + "'"));
  ASSERT_TRUE(Within(std::chrono::seconds(2), [&] { return !watch.listening(); }));
  EXPECT_FALSE(watch.Current().has_value()) << "what was missed is not known";
  watch.Remember(8, watch.Generation());
  EXPECT_EQ(watch.Current(), 8);
  std::this_thread::sleep_for(pg::kPollInterval + std::chrono::milliseconds(50));
  EXPECT_FALSE(watch.Current().has_value()) << "polled again after the interval";
  ASSERT_TRUE(Sql(admin, "ALTER DATABASE \"" + db + "\" ALLOW_CONNECTIONS true"));
  ASSERT_TRUE(Within(std::chrono::seconds(3), [&] { return watch.listening(); }));
  watch.Remember(9, watch.Generation());
  auto writer = OpenPostgresStore({uri_});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  WriteElsewhere(**writer);
  EXPECT_TRUE(Within(std::chrono::seconds(1), [&] { return !watch.Current().has_value(); }));
}

}  // namespace
}  // namespace engram::store
