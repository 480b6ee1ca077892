// The local index cache of engines on PostgreSQL (Options::index_cache): a restarted engine loads
// a large owner's saved index from its cache folder and applies what other engines wrote to the
// database meanwhile (deletes, supersessions, rewrites, erasure of an owner, new records), so it
// answers exactly as one that rebuilt the index from the database; each database has its own
// folder; files that cannot be trusted or are too far behind are rebuilt.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "pg/postgres_server.h"
#include "store/factory.h"
#include "test_util.h"

namespace engram {
namespace {

class PostgresIndexCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ENGRAM_REQUIRE_POSTGRES(server);
    server_ = server;
    url_ = server_->NewDatabase();
    ASSERT_FALSE(url_.empty());
  }

  // An engine on `url` (the test's database when empty) keeping its saved indexes in the test's
  // cache folder when `cached`, else nowhere (another server, or a reference that rebuilds).
  // `cache` replaces the test's cache folder; a save interval replaces the default.
  std::unique_ptr<Engine> Open(bool cached, const std::string& url = "",
                               const std::string& cache = "", int64_t save_interval_ms = -1) {
    Options o;
    o.store = url.empty() ? url_ : url;
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.approximate_above = 50;
    if (cached) o.index_cache = cache.empty() ? cache_.path() : cache;
    if (save_interval_ms >= 0) o.index_save_interval_ms = save_interval_ms;
    auto engine = Engine::Open(o);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  // The files in the cache (`root` when given), every database's folder, sorted; those ending in
  // `extension` only when it is given.
  std::vector<std::string> CacheFiles(const std::string& extension = "",
                                      const std::string& root = "") const {
    std::vector<std::string> out;
    std::error_code ec;  // a file removed while listed is left out
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(root.empty() ? cache_.path() : root, ec)) {
      if (e.is_regular_file() && e.path().string().ends_with(extension)) {
        out.push_back(e.path().string());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  // Every file of the cache with its bytes: what a save changes even when it keeps a name.
  std::vector<std::string> CacheImage() const {
    std::vector<std::string> out;
    for (const std::string& file : CacheFiles()) {
      std::ifstream in(file, std::ios::binary);
      out.push_back(file + "\n" + std::string(std::istreambuf_iterator<char>(in), {}));
    }
    return out;
  }
  // The database folders in the cache.
  size_t CacheFolders() const {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(cache_.path())) n += e.is_directory();
    return n;
  }

  // 120 memories of owner u (three scopes, two types, keys, metadata) and 60 of owner v; ids of
  // u's in order.
  static std::vector<std::string> AddMemories(Engine& engine) {
    std::vector<NewMemory> batch;
    for (int i = 0; i < 120; ++i) {
      NewMemory m;
      m.owner_id = "u";
      m.text = "note " + std::to_string(i) + " about topic" + std::to_string(i % 12) + " and item" +
               std::to_string(i);
      m.scope = i % 3 == 0 ? "global" : i % 3 == 1 ? "project/a" : "project/b";
      m.type = i % 4 == 0 ? MemoryType::kPreference : MemoryType::kFact;
      if (i % 5 == 0) m.key = "key" + std::to_string(i);
      if (i % 2 == 0) m.metadata = std::string(R"({"team": ")") + (i % 4 ? "blue" : "red") + "\"}";
      batch.push_back(m);
    }
    for (int i = 0; i < 60; ++i) {
      NewMemory m;
      m.owner_id = "v";
      m.text = "private note " + std::to_string(i) + " of v about topic" + std::to_string(i % 12);
      batch.push_back(m);
    }
    auto added = engine.AddMemories(batch);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    std::vector<std::string> ids;
    if (added.ok()) {
      for (size_t i = 0; i < 120; ++i) ids.push_back((*added)[i].id);
    }
    return ids;
  }

  // Every answer of a battery of searches of owner `owner` (filters the saved records carry,
  // vector and hybrid mode): "<id> <score>" per hit.
  static std::vector<std::string> Answers(Engine& engine, const std::string& owner = "u") {
    std::vector<SearchOptions> forms(5);
    forms[1].type = MemoryType::kPreference;
    forms[2].scope = "project/a";
    forms[3].key = "key15";
    forms[4].filter = R"({"team": "red"})";
    std::vector<std::string> out;
    for (SearchOptions o : forms) {
      o.top_k = 30;
      o.record_access = false;
      for (SearchMode mode : {SearchMode::kVector, SearchMode::kHybrid}) {
        o.mode = mode;
        for (const char* query : {"topic1 note", "topic5 item7", "zebras renamed", "settled"}) {
          auto hits = engine.Search(owner, query, o);
          EXPECT_TRUE(hits.ok()) << hits.status().ToString();
          if (!hits.ok()) continue;
          out.push_back(std::string(query) + ":");
          for (const auto& h : *hits) out.push_back(h.record.id + " " + std::to_string(h.score));
        }
      }
    }
    return out;
  }

  static void Search(Engine& engine, const std::string& owner) {
    ASSERT_TRUE(engine.Search(owner, "topic1 note", SearchOptions{}).ok());
  }

  // The database's change counter (the number of the last write).
  int64_t ChangeCounter() const {
    PGconn* conn = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(conn, "SELECT value FROM store_meta WHERE name = 'change_counter'");
    const int64_t value = PQntuples(r) == 1 ? std::stoll(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    PQfinish(conn);
    return value;
  }

  testing::PostgresServer* server_ = nullptr;
  std::string url_;
  testing::TempDir cache_;
};

// The heart of it: engine A saves its index and stops; engine B (another server) deletes,
// supersedes, rewrites, adds and forgets a whole owner; A restarts, loads its saved files (not
// rebuilt: they are unchanged after its first searches) and answers exactly as an engine that
// rebuilt from the database. Nothing B removed comes back.
TEST_F(PostgresIndexCacheTest, ARestartLoadsTheCacheAndAppliesWhatOthersWroteMeanwhile) {
  auto a = Open(/*cached=*/true);
  ASSERT_NE(a, nullptr);
  const std::vector<std::string> ids = AddMemories(*a);
  ASSERT_EQ(ids.size(), 120u);
  Search(*a, "u");
  Search(*a, "v");
  const std::vector<std::string> saved = CacheFiles();
  ASSERT_EQ(saved.size(), 4u);  // a graph and its records per owner
  ASSERT_EQ(CacheFolders(), 1u);
  for (const std::string& file : saved) EXPECT_EQ(testing::FileMode(file), 0600u) << file;
  a.reset();  // the process stops

  auto b = Open(/*cached=*/false);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->DeleteMemory("u", ids[1]).ok());
  ASSERT_TRUE(b->DeleteMemory("u", ids[7]).ok());  // the best match of "topic7 item7"
  MemoryUpdate rewrite;
  rewrite.text = "note 3 renamed about zebras";
  ASSERT_TRUE(b->UpdateMemory("u", ids[3], rewrite).ok());
  MemoryUpdate team;
  team.metadata = R"({"team": "red"})";
  ASSERT_TRUE(b->UpdateMemory("u", ids[5], team).ok());
  NewMemory successor;  // supersedes memory 10 (key10, project/a)
  successor.owner_id = "u";
  successor.scope = "project/a";
  successor.key = "key10";
  successor.text = "note 10 again about topic10, now settled";
  ASSERT_TRUE(b->AddMemory(successor).ok());
  NewMemory fresh;
  fresh.owner_id = "u";
  fresh.text = "fresh note about topic1 and zebras";
  ASSERT_TRUE(b->AddMemory(fresh).ok());
  ASSERT_TRUE(b->ForgetOwner("v").ok());
  b.reset();

  a = Open(/*cached=*/true);
  ASSERT_NE(a, nullptr);
  const std::vector<std::string> from_cache = Answers(*a);
  EXPECT_EQ(CacheFiles(), saved);  // loaded from the saved pair, not rebuilt
  for (const size_t gone : {1, 7, 10}) {
    for (const std::string& line : from_cache) {
      EXPECT_NE(line.rfind(ids[gone], 0), 0u) << "memory " << gone << " came back";
    }
  }
  SearchOptions vector_mode;
  vector_mode.mode = SearchMode::kVector;
  auto top = a->Search("u", "topic7 item7 note 7", vector_mode);
  ASSERT_TRUE(top.ok());
  ASSERT_FALSE(top->empty());
  EXPECT_NE(top->front().record.id, ids[7]);
  auto forgotten = a->Search("v", "private note of v", vector_mode);
  ASSERT_TRUE(forgotten.ok());
  EXPECT_TRUE(forgotten->empty());

  auto rebuilt = Open(/*cached=*/false);
  ASSERT_NE(rebuilt, nullptr);
  EXPECT_EQ(Answers(*rebuilt), from_cache);

  // Closing saves both caught-up partitions again, and no file of the stale pairs is left.
  a.reset();
  const std::vector<std::string> after = CacheFiles();
  EXPECT_EQ(after.size(), 4u);
  for (const std::string& file : saved) {
    EXPECT_EQ(std::count(after.begin(), after.end(), file), 0) << file;
  }
  a = Open(/*cached=*/true);
  EXPECT_EQ(Answers(*a), from_cache);
  EXPECT_EQ(CacheFiles(), after);
}

// Two engines (two servers on one machine) share one cache folder and keep writing: each one's
// saves stay correct for the other, which applies what it did not see.
TEST_F(PostgresIndexCacheTest, TwoRunningEnginesShareOneCacheFolder) {
  auto a = Open(/*cached=*/true);
  auto b = Open(/*cached=*/true);
  ASSERT_TRUE(a && b);
  const std::vector<std::string> ids = AddMemories(*a);
  Search(*a, "u");
  Search(*b, "u");
  ASSERT_TRUE(b->DeleteMemory("u", ids[2]).ok());
  MemoryUpdate rewrite;
  rewrite.text = "note 4 renamed about zebras";
  ASSERT_TRUE(a->UpdateMemory("u", ids[4], rewrite).ok());
  Search(*a, "u");
  Search(*b, "u");
  b.reset();  // saves what it saw
  a.reset();
  a = Open(/*cached=*/true);
  const std::vector<std::string> from_cache = Answers(*a);
  auto rebuilt = Open(/*cached=*/false);
  EXPECT_EQ(Answers(*rebuilt), from_cache);
}

// Each database has its own folder, named after its identity: another database on the same
// server, and a database dropped and created again under the same name, never read the first
// one's files.
TEST_F(PostgresIndexCacheTest, EachDatabaseHasItsOwnFolder) {
  store::OpenSettings settings;
  settings.cache_dir = cache_.path();
  auto first = store::OpenBackend(url_, settings);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->local_dir.rfind(cache_.path() + "/postgres-", 0), 0u) << first->local_dir;
  auto again = store::OpenBackend(url_, settings);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->local_dir, first->local_dir);
  const std::string other_url = server_->NewDatabase();
  auto other = store::OpenBackend(other_url, settings);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->local_dir, first->local_dir);
  EXPECT_TRUE(store::OpenBackend(url_, store::OpenSettings{})->local_dir.empty());

  // The same owner and the same number of writes in a database created again under one name.
  const std::string name = "engram_recreated";
  ASSERT_TRUE(server_->Exec("CREATE DATABASE " + name));
  const std::string url = server_->Uri(name);
  std::string folder;
  {
    auto engine = Open(/*cached=*/true, url);
    ASSERT_NE(engine, nullptr);
    AddMemories(*engine);
    Search(*engine, "u");
    folder = store::OpenBackend(url, settings)->local_dir;
  }
  ASSERT_TRUE(server_->Exec("DROP DATABASE " + name + " WITH (FORCE)"));
  ASSERT_TRUE(server_->Exec("CREATE DATABASE " + name));
  auto engine = Open(/*cached=*/true, url);
  ASSERT_NE(engine, nullptr);
  std::vector<NewMemory> batch(180);
  for (int i = 0; i < 180; ++i) {
    batch[static_cast<size_t>(i)].owner_id = "u";
    batch[static_cast<size_t>(i)].text = "other database, memory " + std::to_string(i);
  }
  ASSERT_TRUE(engine->AddMemories(batch).ok());
  const std::vector<std::string> answers = Answers(*engine);
  EXPECT_NE(store::OpenBackend(url, settings)->local_dir, folder);
  EXPECT_FALSE(std::filesystem::exists(folder));  // the dropped database's, pruned at open
  EXPECT_EQ(CacheFolders(), 1u);
  auto rebuilt = Open(/*cached=*/false, url);
  EXPECT_EQ(Answers(*rebuilt), answers);
}

// The change counter a saved graph reflects (the newest one in `root`); -1 when none.
int64_t SavedSeq(const std::vector<std::string>& graphs) {
  int64_t seq = -1;
  for (const std::string& path : graphs) {
    const std::string name = std::filesystem::path(path).stem().string();  // <owner hash>-<seq>
    seq = std::max<int64_t>(seq, std::stoll(name.substr(name.rfind('-') + 1)));
  }
  return seq;
}

// A running engine saves the changed index every Options::index_save_interval_ms while writers
// and searchers go on, and each saved pair holds every write up to the counter it names: an
// engine that starts from a copy of the cache taken at any moment (as after a kill: the running
// engine never closed over it) answers exactly as one that rebuilt from the database.
TEST_F(PostgresIndexCacheTest, ARunningEngineSavesPeriodicallyAndLosesNoCommittedWrite) {
  auto a = Open(/*cached=*/true, "", "", /*save_interval_ms=*/20);
  ASSERT_NE(a, nullptr);
  AddMemories(*a);
  Search(*a, "u");  // builds the graph and saves it at once
  const int64_t built = SavedSeq(CacheFiles(".hnsw"));
  ASSERT_GE(built, 0);

  std::atomic<int> writers_left{2};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 40; ++i) {
        NewMemory m;
        m.owner_id = "u";
        m.text = "writer " + std::to_string(w) + " note " + std::to_string(i) + " about topic" +
                 std::to_string(i % 12);
        if (!a->AddMemory(m).ok()) ++failures;
      }
      --writers_left;
    });
  }
  threads.emplace_back([&] {
    SearchOptions o;
    o.record_access = false;
    while (writers_left > 0) {
      if (!a->Search("u", "topic3 note", o).ok()) ++failures;
    }
  });
  // Copies of the cache as the writers go on; a copy may catch one file of a pair only.
  std::vector<std::unique_ptr<testing::TempDir>> copies;
  while (writers_left > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(15));
    copies.push_back(std::make_unique<testing::TempDir>());
    std::error_code ec;
    std::filesystem::copy(cache_.path(), copies.back()->path(),
                          std::filesystem::copy_options::recursive, ec);
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  // The last write is saved within an interval or two (the engine is left open): a copy then
  // holds the pair of the database's change counter.
  const int64_t counter = ChangeCounter();
  int64_t final_seq = -1;
  for (int tries = 0; tries < 500 && final_seq != counter; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    copies.push_back(std::make_unique<testing::TempDir>());
    std::error_code ec;
    std::filesystem::copy(cache_.path(), copies.back()->path(),
                          std::filesystem::copy_options::recursive, ec);
    const int64_t seq = SavedSeq(CacheFiles(".hnsw", copies.back()->path()));
    if (SavedSeq(CacheFiles(".records", copies.back()->path())) == seq) final_seq = seq;
  }
  ASSERT_EQ(final_seq, counter) << "the last write was not saved";
  ASSERT_GT(final_seq, built);
  const std::string last = copies.back()->path();

  auto reference = Open(/*cached=*/false);
  const std::vector<std::string> expected = Answers(*reference);
  size_t tried = 0;
  for (const auto& copy : copies) {
    const int64_t seq = SavedSeq(CacheFiles(".hnsw", copy->path()));
    if (seq <= built || SavedSeq(CacheFiles(".records", copy->path())) != seq) continue;
    auto b = Open(/*cached=*/true, "", copy->path());
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(Answers(*b), expected) << "from the pair saved at " << seq;
    ++tried;
  }
  EXPECT_GE(tried, 1u);
  // The final pair holds every write: loaded as it is, not rebuilt (nothing saved again).
  const std::vector<std::string> image = CacheFiles("", last);
  auto b = Open(/*cached=*/true, "", last);
  ASSERT_NE(b, nullptr);
  Search(*b, "u");
  EXPECT_EQ(CacheFiles("", last), image);
}

// Files that cannot be trusted (damaged records, a truncated graph) or that are too far behind
// (most vectors rewritten since they were saved) are rebuilt from the database at once, and the
// answers are those of a rebuild.
TEST_F(PostgresIndexCacheTest, DamagedOrFarBehindFilesAreRebuilt) {
  std::vector<std::string> ids;
  {
    auto a = Open(/*cached=*/true);
    ids = AddMemories(*a);
    Search(*a, "u");
  }
  ASSERT_EQ(CacheFiles(".records").size(), 1u);
  auto reference = Open(/*cached=*/false);
  const std::vector<std::string> expected = Answers(*reference);
  const std::vector<std::pair<std::string, std::function<void()>>> damages = {
      {"a flipped byte in the records",
       [&] {
         const std::string records = CacheFiles(".records").at(0);
         std::ifstream in(records, std::ios::binary);
         std::string bytes(std::istreambuf_iterator<char>(in), {});
         in.close();
         bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
         std::ofstream(records, std::ios::binary | std::ios::trunc) << bytes;
       }},
      {"a truncated graph", [&] { std::filesystem::resize_file(CacheFiles(".hnsw").at(0), 100); }},
  };
  for (const auto& [name, damage] : damages) {
    damage();
    const std::vector<std::string> damaged = CacheImage();
    auto a = Open(/*cached=*/true);
    EXPECT_EQ(Answers(*a), expected) << name;
    EXPECT_NE(CacheImage(), damaged) << name << ": saved again at once";
  }

  // While the engine is down another one rewrites the text (so the vector) of 40 of u's 120
  // memories: catching up would add 40 vectors one by one; a rebuild is cheaper.
  const std::vector<std::string> before = CacheFiles();
  {
    auto b = Open(/*cached=*/false);
    for (size_t i = 0; i < 40; ++i) {
      MemoryUpdate u;
      u.text = "note " + std::to_string(i) + " renamed about zebras";
      ASSERT_TRUE(b->UpdateMemory("u", ids[i], u).ok());
    }
  }
  reference = Open(/*cached=*/false);
  const std::vector<std::string> rewritten = Answers(*reference);
  auto a = Open(/*cached=*/true);
  EXPECT_EQ(Answers(*a), rewritten);
  EXPECT_NE(CacheFiles(), before);  // rebuilt and saved at its first search
}

}  // namespace
}  // namespace engram
