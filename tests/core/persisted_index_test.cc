// Saved vector indexes of large owners: what a reopened engine loads, brings up to date and
// falls back from (damaged files, failing file systems, old stores).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "engram/engine.h"
#include "faulty_file_system.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram {
namespace {

constexpr Timestamp kDay = 86'400'000;

// Large partitions keep an HNSW index on disk; a reopened engine loads it and applies only what
// changed since it was saved.
class PersistedIndexTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> NewEngine(const std::string& path,
                                    std::shared_ptr<const FileSystem> fs = nullptr) {
    Options o;
    o.path = path;
    o.file_system = std::move(fs);
    o.clock = clock_;
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.durable_commits = false;
    o.approximate_above = 50;
    auto engine = Engine::Open(o);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(*engine) : nullptr;
  }
  std::unique_ptr<Engine> NewEngine() { return NewEngine(dir_.File("engram.db")); }
  void Open() {
    engine_.reset();
    engine_ = NewEngine();
  }
  // The saved files, sorted; only those ending in `extension` when it is given.
  std::vector<std::string> IndexFiles(const std::string& extension = "") {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_.File("engram.db.index"), ec)) {
      if (e.path().string().ends_with(extension)) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> Top(const std::string& query, size_t k = 3) {
    SearchOptions o;
    o.mode = SearchMode::kVector;
    o.top_k = k;
    auto hits = engine_->Search("u", query, o);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    std::vector<std::string> out;
    for (const auto& h : *hits) out.push_back(h.record.text);
    return out;
  }

  // Every answer of a battery of searches (each filter a saved record carries, vector and
  // hybrid mode): "<id> <score>" per hit.
  std::vector<std::string> Answers() {
    std::vector<SearchOptions> forms(9);
    forms[1].type = MemoryType::kPreference;
    forms[2].scope = "project/a";
    forms[3].key = "key15";
    forms[4].filter = R"({"team": "red"})";
    forms[5].filter = R"({"AND": [{"team": {"in": ["blue", "green"]}}, {"key": {"ne": "x"}}]})";
    forms[6].valid_at = clock_->Now();
    forms[7].created_from = kCreatedAt + 60;
    forms[8].filter = R"({"confidence": {"lt": 0.5}})";
    std::vector<std::string> out;
    for (SearchOptions o : forms) {
      o.top_k = 30;
      o.record_access = false;
      for (SearchMode mode : {SearchMode::kVector, SearchMode::kHybrid}) {
        o.mode = mode;
        for (const char* query : {"topic1 note", "topic5 item7", "renamed"}) {
          auto hits = engine_->Search("u", query, o);
          EXPECT_TRUE(hits.ok()) << hits.status().ToString();
          if (!hits.ok()) continue;
          out.push_back(std::string(query) + ":");
          for (const auto& h : *hits) out.push_back(h.record.id + " " + std::to_string(h.score));
        }
      }
    }
    return out;
  }

  static constexpr Timestamp kCreatedAt = 1'790'000'000'000;
  testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kCreatedAt);
  std::unique_ptr<Engine> engine_;
};

// 120 memories in three scopes, two types, with keys, metadata, expiry and validity; ids[i] is
// memory i. Memory i's text names topic(i % 12) and item(i).
std::vector<std::string> AddVariedMemories(Engine& engine, ManualClock& clock) {
  std::vector<NewMemory> batch;
  const Timestamp now = clock.Now();
  for (int i = 0; i < 120; ++i) {
    NewMemory m;
    m.owner_id.append("u");
    m.text = "note " + std::to_string(i) + " about topic" + std::to_string(i % 12) + " and item" +
             std::to_string(i);
    m.scope = i % 3 == 0 ? "global" : i % 3 == 1 ? "project/a" : "project/b";
    m.type = i % 4 == 0 ? MemoryType::kPreference : MemoryType::kFact;
    m.observed_at = now + i;
    if (i % 5 == 0) m.key = "key" + std::to_string(i);
    if (i % 2 == 0) {
      m.metadata = std::string(R"({"team": ")") + (i % 4 == 0 ? "red" : "blue") + R"(", "n": )" +
                   std::to_string(i) + "}";
    }
    if (i % 7 == 0) m.expires_at = now + (i % 14 == 0 ? 1 : 30) * kDay;
    if (i % 11 == 0) {
      m.valid_from = now - 10 * kDay;
      m.valid_to = now + 10 * kDay;
    }
    batch.push_back(m);
  }
  auto added = engine.AddMemories(batch);
  EXPECT_TRUE(added.ok()) << added.status().ToString();
  std::vector<std::string> ids;
  if (added.ok()) {
    for (const auto& r : *added) ids.push_back(r.id);
  }
  return ids;
}

// The saved index files are a cache: a file system that fails to write, read or map them costs
// a rebuild from the store, never an error or a different answer, and leaves no stray file.
TEST_F(PersistedIndexTest, IndexFileFailuresNeverChangeAnswers) {
  auto fs = std::make_shared<testing::FaultyFileSystem>(testing::FileFault::kAppend);
  engine_ = NewEngine(dir_.File("engram.db"), fs);
  ASSERT_NE(engine_, nullptr);
  AddVariedMemories(*engine_, *clock_);
  const std::vector<std::string> expected = Answers();
  EXPECT_GT(fs->injected(), 0);
  engine_.reset();
  EXPECT_TRUE(IndexFiles().empty());

  fs->set_fault(testing::FileFault::kNone);
  engine_ = NewEngine(dir_.File("engram.db"), fs);
  EXPECT_EQ(Answers(), expected);
  EXPECT_EQ(IndexFiles().size(), 2u);
  for (testing::FileFault fault : {testing::FileFault::kRead, testing::FileFault::kMap}) {
    engine_.reset();
    fs->set_fault(fault);
    const int before = fs->injected();
    engine_ = NewEngine(dir_.File("engram.db"), fs);
    EXPECT_EQ(Answers(), expected);
    EXPECT_GT(fs->injected(), before);
  }
}

// The partition loaded from the saved graph and records, brought up to date with what changed
// since (deletes, supersedes, updates of text, metadata, key, confidence, validity and expiry,
// expiry by the clock, erasure by garbage collection, new records), by the saving engine and by
// another one on the same file, answers exactly as one loaded from the store alone.
TEST_F(PersistedIndexTest, SavedRecordsPlusLaterChangesAnswerLikeAFullLoad) {
  Open();
  const std::vector<std::string> ids = AddVariedMemories(*engine_, *clock_);
  ASSERT_EQ(ids.size(), 120u);
  Top("topic1 note");  // builds the graph and saves it with the records
  ASSERT_EQ(IndexFiles().size(), 2u);
  // Private: they copy the records.
  EXPECT_EQ(testing::FileMode(dir_.File("engram.db.index")), 0700u);
  for (const std::string& file : IndexFiles()) EXPECT_EQ(testing::FileMode(file), 0600u) << file;

  // This engine keeps its partition and writes; another one (another process) writes too.
  auto update = [&](Engine& engine, int i, std::function<void(MemoryUpdate&)> edit) {
    MemoryUpdate u;
    edit(u);
    auto r = engine.UpdateMemory("u", ids[static_cast<size_t>(i)], u);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  };
  ASSERT_TRUE(engine_->DeleteMemory("u", ids[1]).ok());
  update(*engine_, 2, [](MemoryUpdate& u) { u.metadata = R"({"team": "green"})"; });
  std::unique_ptr<Engine> other = NewEngine();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->DeleteMemory("u", ids[4]).ok());
  update(*other, 3, [](MemoryUpdate& u) { u.text = "note 3 renamed about zebras"; });
  update(*other, 6, [](MemoryUpdate& u) { u.key = "renamed"; });
  update(*other, 8, [](MemoryUpdate& u) { u.confidence = 0.2; });
  update(*other, 9, [&](MemoryUpdate& u) { u.valid_to = clock_->Now() - kDay; });
  update(*other, 12, [&](MemoryUpdate& u) { u.expires_at = clock_->Now() - 1; });
  update(*other, 16, [](MemoryUpdate& u) { u.metadata = "{}"; });
  update(*other, 18, [](MemoryUpdate& u) { u.metadata = R"({"team": "red", "extra": [1, 2]})"; });
  NewMemory successor;  // supersedes memory 10 (key10, project/a)
  successor.owner_id = "u";
  successor.scope = "project/a";
  successor.key = "key10";
  successor.text = "note 10 again about topic10, now settled";
  successor.observed_at = clock_->Now() + 1000;
  ASSERT_TRUE(other->AddMemory(successor).ok());
  for (int i = 0; i < 3; ++i) {
    NewMemory m;
    m.owner_id = "u";
    m.scope = "project/c";
    m.text = "fresh note " + std::to_string(i) + " about topic1 and item" + std::to_string(i);
    m.metadata = R"({"team": "red"})";
    ASSERT_TRUE(other->AddMemory(m).ok());
  }
  clock_->Advance(2 * kDay);  // memories 0, 14, 28, ... expire; garbage collection erases them
  auto gc = other->CollectGarbage();
  ASSERT_TRUE(gc.ok()) << gc.status().ToString();
  EXPECT_GT(gc->expired_memories, 0);
  update(*engine_, 5, [](MemoryUpdate& u) { u.metadata = R"({"team": "blue", "late": true})"; });
  other.reset();
  engine_.reset();  // saves its partition, which misses the other engine's writes
  const std::vector<std::string> saved = IndexFiles();
  ASSERT_EQ(saved.size(), 2u);

  Open();
  const std::vector<std::string> from_saved = Answers();
  EXPECT_EQ(IndexFiles(), saved);  // loaded from the pair: nothing was rebuilt or re-saved
  // Deleted, superseded, expired and erased memories never come back.
  for (const size_t gone : {1, 4, 10, 12, 14, 28}) {
    for (const std::string& line : from_saved) {
      EXPECT_NE(line.rfind(ids[gone], 0), 0u) << "memory " << gone << " came back";
    }
  }

  engine_.reset();
  std::filesystem::remove_all(dir_.File("engram.db.index"));
  Open();
  EXPECT_EQ(Answers(), from_saved);
}

// Saved records that are damaged, of another store, or missing (a store saved before records
// were) are not trusted: the engine reads every record from the store and answers as a full load
// does, then saves a good pair again.
TEST_F(PersistedIndexTest, RecordsThatCannotBeTrustedFallBackToAFullLoad) {
  // Another store whose files carry the same names as this one's (same owner, same number of
  // writes), and whose records and graph cover every row id of this one.
  testing::TempDir other_dir;
  {
    std::unique_ptr<Engine> other = NewEngine(other_dir.File("engram.db"));
    ASSERT_NE(other, nullptr);
    std::vector<NewMemory> batch(150);
    for (int i = 0; i < 150; ++i) {
      batch[static_cast<size_t>(i)].owner_id.append("u");
      batch[static_cast<size_t>(i)].text =
          "unrelated memory about topic1 number " + std::to_string(i);
    }
    ASSERT_TRUE(other->AddMemories(batch).ok());
    ASSERT_TRUE(other->Search("u", "topic1", SearchOptions{}).ok());
  }
  Open();
  const std::vector<std::string> ids = AddVariedMemories(*engine_, *clock_);
  Top("topic1 note");
  engine_.reset();
  const std::string backup = dir_.File("backup");
  std::filesystem::copy(dir_.File("engram.db.index"), backup);
  const std::string records = IndexFiles(".records").at(0);
  const std::string graph = IndexFiles(".hnsw").at(0);
  std::ifstream in(records, std::ios::binary);
  const std::string good(std::istreambuf_iterator<char>(in), {});

  Open();  // changes after the save, by an engine that did not load the partition
  ASSERT_TRUE(engine_->DeleteMemory("u", ids[3]).ok());
  MemoryUpdate u;
  u.metadata = R"({"team": "green"})";
  ASSERT_TRUE(engine_->UpdateMemory("u", ids[5], u).ok());
  engine_.reset();
  std::filesystem::remove_all(dir_.File("engram.db.index"));
  Open();
  const std::vector<std::string> reference = Answers();
  engine_.reset();

  const std::vector<std::pair<std::string, std::function<void()>>> damages = {
      {"truncated", [&] { std::filesystem::resize_file(records, good.size() / 2); }},
      {"a flipped byte",
       [&] {
         std::string bad = good;
         bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 1);
         std::ofstream(records, std::ios::binary | std::ios::trunc) << bad;
       }},
      {"of another store",
       [&] {
         for (const auto& e :
              std::filesystem::directory_iterator(other_dir.File("engram.db.index"))) {
           std::filesystem::copy_file(e.path(),
                                      dir_.File("engram.db.index/") + e.path().filename().string(),
                                      std::filesystem::copy_options::overwrite_existing);
         }
       }},
      {"missing", [&] { std::filesystem::remove(records); }},
  };
  for (const auto& [name, damage] : damages) {
    std::filesystem::remove_all(dir_.File("engram.db.index"));
    std::filesystem::copy(backup, dir_.File("engram.db.index"));
    ASSERT_EQ(IndexFiles(), (std::vector<std::string>{graph, records}));
    damage();
    Open();
    EXPECT_EQ(Answers(), reference) << "records " << name;
    EXPECT_EQ(IndexFiles().size(), 2u) << "records " << name;
    EXPECT_NE(IndexFiles(".hnsw").at(0), graph) << "records " << name << ": saved again";
    engine_.reset();
  }
}

// A store written before records were stamped with their write's number (schema 6) opens, and
// its saved graph, which has no records beside it, is still used.
TEST_F(PersistedIndexTest, StoreFromBeforeChangeStampsIsUpgraded) {
  Open();
  const std::vector<std::string> ids = AddVariedMemories(*engine_, *clock_);
  Top("topic1 note");
  engine_.reset();
  std::filesystem::remove(IndexFiles(".records").at(0));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("engram.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "DROP TABLE graph_entity_keys; DROP TABLE graph_entities;"
                         "DROP TABLE graph_observations; DROP TABLE graph_relations;"
                         "DROP TABLE graph_history;"
                         "DROP TABLE checkpoints; DROP TABLE checkpoint_values;"
                         "DROP TABLE checkpoint_writes;"
                         "DROP INDEX memories_by_owner_change;"
                         "ALTER TABLE memories DROP COLUMN change_seq;"
                         "DELETE FROM schema_version WHERE version >= 7;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);

  Open();
  ASSERT_TRUE(engine_->DeleteMemory("u", ids[3]).ok());
  const std::vector<std::string> upgraded = Answers();
  EXPECT_EQ(IndexFiles().size(), 2u);  // the graph, and now its records
  engine_.reset();
  Open();  // from the pair
  EXPECT_EQ(Answers(), upgraded);
  engine_.reset();
  std::filesystem::remove_all(dir_.File("engram.db.index"));
  Open();
  EXPECT_EQ(Answers(), upgraded);
}

TEST_F(PersistedIndexTest, ReopenAppliesChangesMadeAfterTheSave) {
  Open();
  std::vector<NewMemory> batch;
  for (int i = 0; i < 200; ++i) {
    NewMemory m;
    m.owner_id = "u";
    m.text = "note " + std::to_string(i) + " about topic" + std::to_string(i);
    batch.push_back(m);
  }
  auto added = engine_->AddMemories(batch);
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(Top("topic7 note", 1), std::vector<std::string>{"note 7 about topic7"});
  ASSERT_EQ(IndexFiles(".hnsw").size(), 1u);  // built on first search, and kept
  const std::string first_file = IndexFiles(".hnsw")[0];

  Open();  // loads the saved index
  ASSERT_TRUE(engine_->DeleteMemory("u", (*added)[7].id).ok());
  MemoryUpdate u;
  u.text = "note 8 rewritten about zebras";
  ASSERT_TRUE(engine_->UpdateMemory("u", (*added)[8].id, u).ok());
  NewMemory fresh;
  fresh.owner_id = "u";
  fresh.text = "a brand new note about giraffes";
  ASSERT_TRUE(engine_->AddMemory(fresh).ok());
  engine_.reset();  // the loaded partition was not searched: the saved file is unchanged
  ASSERT_EQ(IndexFiles(".hnsw"), std::vector<std::string>{first_file});

  Open();  // the file predates the three writes; they are applied from the store
  for (const auto& t : Top("topic7 note", 5)) EXPECT_NE(t, "note 7 about topic7");
  EXPECT_EQ(Top("zebras rewritten", 1), std::vector<std::string>{"note 8 rewritten about zebras"});
  EXPECT_EQ(Top("giraffes brand new", 1),
            std::vector<std::string>{"a brand new note about giraffes"});
  engine_.reset();  // saves the now newer partition
  ASSERT_EQ(IndexFiles(".hnsw").size(), 1u);
  EXPECT_NE(IndexFiles(".hnsw")[0], first_file);

  // A damaged graph is ignored and rebuilt, never trusted.
  std::filesystem::resize_file(IndexFiles(".hnsw")[0], 100);
  Open();
  EXPECT_EQ(Top("giraffes brand new", 1),
            std::vector<std::string>{"a brand new note about giraffes"});
  EXPECT_EQ(Top("topic9 note", 1), std::vector<std::string>{"note 9 about topic9"});
}

TEST_F(PersistedIndexTest, ForgettingTheOwnerRemovesItsIndex) {
  Open();
  std::vector<NewMemory> batch(100);
  for (int i = 0; i < 100; ++i) {
    batch[i].owner_id.append("u");
    batch[i].text = "memory " + std::to_string(i);
  }
  ASSERT_TRUE(engine_->AddMemories(batch).ok());
  Top("memory 5");
  ASSERT_EQ(IndexFiles().size(), 2u);  // the graph and the records
  ASSERT_TRUE(engine_->ForgetOwner("u").ok());
  EXPECT_TRUE(IndexFiles().empty());
  EXPECT_TRUE(Top("memory 5").empty());
}

}  // namespace
}  // namespace engram
