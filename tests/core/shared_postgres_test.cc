// Several engines on one PostgreSQL database, as several `engram serve` processes behind a load
// balancer: what one writes the others read at once and search within a second (once the
// change notification arrives, or the fallback polls), a delete or supersession on one is never
// a stale hit on another, concurrent writers of one key leave one current record, duplicates
// are caught across engines, and graph writers take turns across engines.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <thread>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "pg/postgres_server.h"
#include "store/factory.h"
#include "store/postgres/change_watch.h"

namespace engram {
namespace {

class SharedPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ENGRAM_REQUIRE_POSTGRES(server);
    url_ = server->NewDatabase();
    ASSERT_FALSE(url_.empty());
    a_ = Open();
    b_ = Open();
    ASSERT_TRUE(a_ && b_);
  }

  std::unique_ptr<Engine> Open() {
    Options options;
    options.store = url_;
    options.embedder = embedder_;
    auto engine = Engine::Open(options);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  static MemoryRecord Add(Engine& e, const std::string& text, const std::string& key = "") {
    NewMemory m;
    m.owner_id = "alice";
    m.text = text;
    m.key = key;
    auto r = e.AddMemory(m);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : MemoryRecord{};
  }

  static std::vector<std::string> Ids(Engine& e, const std::string& query, SearchMode mode) {
    SearchOptions o;
    o.mode = mode;
    auto hits = e.Search("alice", query, o);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    std::vector<std::string> out;
    if (hits.ok()) {
      for (const auto& h : *hits) out.push_back(h.record.id);
    }
    return out;
  }

  // Whether `done()` comes true within a second: the promise for a write of one engine to be
  // searchable on another.
  template <typename F>
  static bool WithinASecond(F done) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Runs SQL over a connection of its own to the server's "postgres" database (so it works
  // while the test's database takes no connections); false on failure.
  bool Sql(const std::string& sql) {
    const std::string admin = url_.substr(0, url_.rfind('/') + 1) + "postgres";
    PGconn* conn = PQconnectdb(admin.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    PQfinish(conn);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  }

  std::string url_;
  std::shared_ptr<testing::HashingEmbedder> embedder_ =
      std::make_shared<testing::HashingEmbedder>();
  std::unique_ptr<Engine> a_, b_;
};

constexpr SearchMode kModes[] = {SearchMode::kHybrid, SearchMode::kLexical, SearchMode::kVector};

TEST_F(SharedPostgresTest, AWriteOnOneIsReadAndSearchedOnTheOther) {
  Add(*a_, "the office wifi password changed on monday");
  ASSERT_EQ(Ids(*b_, "wifi password", SearchMode::kHybrid).size(), 1u);  // b's index is loaded
  const MemoryRecord r = Add(*a_, "the deploy window is friday evening");
  auto got = b_->GetMemory("alice", r.id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->text, r.text);
  for (SearchMode mode : kModes) {
    EXPECT_TRUE(WithinASecond([&] {
      const auto ids = Ids(*b_, "deploy window friday", mode);
      return !ids.empty() && ids[0] == r.id;
    })) << static_cast<int>(mode);
  }
}

TEST_F(SharedPostgresTest, ADeleteOrSupersessionOnOneIsNeverAStaleHitOnTheOther) {
  const MemoryRecord old_theme = Add(*a_, "ui theme is dark blue", "ui.theme");
  const MemoryRecord gone = Add(*a_, "parking spot number forty two");
  for (SearchMode mode : kModes) {
    ASSERT_EQ(Ids(*b_, "parking spot", mode).front(), gone.id);  // loaded on b
    ASSERT_EQ(Ids(*b_, "ui theme", mode).front(), old_theme.id);
  }
  ASSERT_TRUE(a_->DeleteMemory("alice", gone.id, {}).ok());
  const MemoryRecord new_theme = Add(*a_, "ui theme is light green", "ui.theme");
  for (SearchMode mode : kModes) {
    for (const auto& id : Ids(*b_, "parking spot number forty two", mode)) EXPECT_NE(id, gone.id);
    for (const auto& id : Ids(*b_, "ui theme dark blue", mode)) EXPECT_NE(id, old_theme.id);
  }
  EXPECT_FALSE(b_->GetMemory("alice", gone.id).ok());
  ASSERT_TRUE(a_->ForgetOwner("alice").ok());
  for (SearchMode mode : kModes) EXPECT_TRUE(Ids(*b_, "ui theme light green", mode).empty());
  EXPECT_FALSE(b_->GetMemory("alice", new_theme.id).ok());
}

// b follows a's writes from what changed since its partition was loaded: a new text brings its
// new vector, new metadata its new filter value, and the other records stay.
TEST_F(SharedPostgresTest, AnUpdateOnOneChangesWhatTheOtherFinds) {
  const MemoryRecord stays = Add(*a_, "the boiler is serviced every october");
  const MemoryRecord changes = Add(*a_, "the cat sleeps on the sofa");
  SearchOptions filtered;
  filtered.filter = R"({"metadata.room": "kitchen"})";
  ASSERT_EQ(Ids(*b_, "cat sofa", SearchMode::kVector).front(), changes.id);  // loaded on b
  ASSERT_TRUE(b_->Search("alice", "dog mailman", filtered)->empty());
  MemoryUpdate update;
  update.text = "the dog barks at the mailman";
  update.metadata = R"({"room": "kitchen"})";
  ASSERT_TRUE(a_->UpdateMemory("alice", changes.id, update).ok());
  for (SearchMode mode : kModes) {
    EXPECT_TRUE(WithinASecond([&] {
      const auto ids = Ids(*b_, "dog barks mailman", mode);
      return !ids.empty() && ids.front() == changes.id;
    })) << static_cast<int>(mode);
  }
  auto hits = b_->Search("alice", "dog mailman", filtered);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].record.id, changes.id);
  EXPECT_EQ(Ids(*b_, "boiler serviced october", SearchMode::kVector).front(), stays.id);
}

// With the listening connections cut, b polls the counter until its listener is back: a's write
// is searchable on b within a second all the same, and a supersession or delete on a is never a
// hit on b, even before b notices the change (hits are re-read in b's snapshot). The database
// keeps accepting connections: b's pool may need a new one at any time (a background write of
// access statistics, say); postgres_store_test blocks the listener's reconnection instead.
TEST_F(SharedPostgresTest, WithoutNotificationsTheOtherPollsAndIsNeverStale) {
  const MemoryRecord old_theme = Add(*a_, "ui theme is dark blue", "ui.theme");
  const MemoryRecord gone = Add(*a_, "parking spot number forty two");
  ASSERT_EQ(Ids(*b_, "ui theme", SearchMode::kVector).front(), old_theme.id);  // loaded on b
  const std::string db = url_.substr(url_.rfind('/') + 1);
  ASSERT_TRUE(Sql(std::string("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                              "application_name = '") +
                  store::pg::kListenerName + "' AND datname = '" + db + "'"));
  ASSERT_TRUE(Ids(*b_, "ui theme", SearchMode::kVector).size() >= 1u);  // b's counter read now
  const MemoryRecord new_theme = Add(*a_, "ui theme is light green", "ui.theme");
  ASSERT_TRUE(a_->DeleteMemory("alice", gone.id, {}).ok());
  for (SearchMode mode : kModes) {
    for (const auto& id : Ids(*b_, "ui theme dark blue", mode)) EXPECT_NE(id, old_theme.id);
    for (const auto& id : Ids(*b_, "parking spot forty two", mode)) EXPECT_NE(id, gone.id);
  }
  EXPECT_TRUE(WithinASecond([&] {
    const auto ids = Ids(*b_, "ui theme light green", SearchMode::kVector);
    return !ids.empty() && ids.front() == new_theme.id;
  }));
}

TEST_F(SharedPostgresTest, ConcurrentWritersOfOneKeyLeaveOneCurrentRecord) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    Engine& e = t % 2 ? *b_ : *a_;
    threads.emplace_back([&e, t] {
      for (int i = 0; i < 5; ++i) {
        Add(e, "favourite colour is shade " + std::to_string(t * 10 + i), "favourite.colour");
      }
    });
  }
  for (auto& th : threads) th.join();
  for (Engine* e : {a_.get(), b_.get()}) {
    ListOptions current;
    current.key = "favourite.colour";
    auto page = e->ListMemories("alice", current);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->items.size(), 1u);
    current.include_superseded = true;
    current.limit = 100;
    EXPECT_EQ(e->ListMemories("alice", current)->items.size(), 30u);
  }
}

// Graph writes are exclusive across engines: racing writers of one entity make one, and racing
// values of a single-valued relation leave one current edge, the latest in world time.
TEST_F(SharedPostgresTest, ConcurrentGraphWritersLeaveOneEntityAndOneCurrentEdge) {
  constexpr int kWriters = 6;
  constexpr Timestamp kStart = 1'780'000'000'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    Engine& e = t % 2 ? *b_ : *a_;
    threads.emplace_back([&e, t] {
      std::vector<NewEntity> entities(2);
      entities[0].name = "Alice";
      entities[1].name = "Company " + std::to_string(t);
      for (NewEntity& n : entities) n.owner_id = "alice";
      auto added = e.AddEntities(entities);
      ASSERT_TRUE(added.ok()) << added.status().ToString();
      NewRelation r;
      r.owner_id = "alice";
      r.from = "Alice";
      r.type = "works_at";
      r.to = entities[1].name;
      r.valid_from = kStart + t * 1000;
      auto related = e.AddRelations({&r, 1});
      EXPECT_TRUE(related.ok()) << related.status().ToString();
    });
  }
  for (auto& th : threads) th.join();
  for (Engine* e : {a_.get(), b_.get()}) {
    GraphReadOptions all_times;
    all_times.all_times = true;
    auto g = e->ReadGraph("alice", all_times);
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    EXPECT_EQ(g->entities.size(), kWriters + 1u);  // one Alice
    ASSERT_EQ(g->relations.size(), static_cast<size_t>(kWriters));
    std::vector<std::string> current;
    for (const Relation& r : g->relations) {
      if (!r.valid_to) current.push_back(r.to_name);
    }
    EXPECT_EQ(current, std::vector<std::string>{"Company 5"});
  }
}

TEST_F(SharedPostgresTest, DuplicatesAreCaughtAcrossEngines) {
  const MemoryRecord first = Add(*a_, "the standup is at nine fifteen");
  const MemoryRecord second = Add(*b_, "The standup is at nine fifteen.");
  EXPECT_EQ(second.id, first.id);
  ListOptions all;
  EXPECT_EQ(a_->ListMemories("alice", all)->items.size(), 1u);
}

TEST_F(SharedPostgresTest, SessionsAndBlocksAreShared) {
  std::vector<SessionItem> items(2);
  items[0].content = "hello from a";
  items[1].role = Role::kAssistant;
  items[1].content = "hello back";
  ASSERT_TRUE(a_->AddSessionItems("alice", "s1", items).ok());
  auto got = b_->GetSessionItems("alice", "s1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[1].content, "hello back");
  ASSERT_TRUE(b_->SetBlock("alice", "global", "persona", "a careful assistant").ok());
  auto block = a_->GetBlock("alice", "global", "persona");
  ASSERT_TRUE(block.ok()) << block.status().ToString();
  EXPECT_EQ(block->value, "a careful assistant");
}

// Hashes made by an older claim-hash version are recomputed by the engine, whatever the
// backend, when it opens the store: an exact duplicate of an old record is then found.
TEST_F(SharedPostgresTest, AnEngineRehashesTextsOfAnOlderHashVersion) {
  const MemoryRecord old = Add(*a_, "The deploy is on Friday.");
  {
    auto stores = store::OpenStores(url_, "", {});
    ASSERT_TRUE(stores.ok()) << stores.status().ToString();
    auto txn = stores->memory->BeginWrite();
    ASSERT_TRUE(txn.ok());
    auto rows = (*txn)->LiveTexts(0, 10);
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 1u);
    ASSERT_TRUE((*txn)->SetTextHashes(rows->front().first, {"stale", "stale"}).ok());
    ASSERT_TRUE((*txn)->PutMeta("claim_hash_version", "1").ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  a_.reset();
  b_.reset();
  std::unique_ptr<Engine> reopened = Open();
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(Add(*reopened, "The deploy is on Friday.").id, old.id);
}

}  // namespace
}  // namespace engram
