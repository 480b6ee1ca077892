// Engine::Search: hybrid recall, filters, isolation, hygiene of results, explanations.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram {
namespace {

constexpr Timestamp kDay = 86'400'000;

class SearchTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open(std::shared_ptr<Embedder> embedder = std::make_shared<testing::HashingEmbedder>()) {
    engine_.reset();
    auto e = Engine::Open(OptionsWith(embedder));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }
  Options OptionsWith(std::shared_ptr<Embedder> embedder) {
    Options o;
    o.path = dir_.File("engram.db");
    o.clock = clock_;
    o.embedder = std::move(embedder);
    o.durable_commits = false;
    return o;
  }
  MemoryRecord Add(const std::string& text, std::function<void(NewMemory&)> edit = {},
                   const std::string& owner = "u") {
    NewMemory m;
    m.owner_id = owner;
    m.text = text;
    if (edit) edit(m);
    auto r = engine_->AddMemory(m);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : MemoryRecord{};
  }
  std::vector<std::string> Texts(const std::string& query, SearchOptions o = {},
                                 const std::string& owner = "u") {
    auto hits = engine_->Search(owner, query, o);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    std::vector<std::string> out;
    if (hits.ok()) {
      for (const auto& h : *hits) out.push_back(h.record.text);
    }
    return out;
  }

  testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'790'000'000'000);
  std::unique_ptr<Engine> engine_;
};

TEST_F(SearchTest, SessionFilterKeepsOnlyThatSessionsLiveMemories) {
  Add("Standup notes: the deploy moved to Friday", [](NewMemory& m) { m.session_id = "s1"; });
  Add("Standup notes: the deploy is blocked", [](NewMemory& m) { m.session_id = "s2"; });
  const MemoryRecord gone =
      Add("Standup notes: the deploy was cancelled", [](NewMemory& m) { m.session_id = "s1"; });
  Add(
      "Standup notes: the deploy moved again", [](NewMemory& m) { m.session_id = "s1"; }, "v");
  ASSERT_TRUE(engine_->DeleteMemory("u", gone.id).ok());
  SearchOptions o;
  o.session_id = "s1";
  for (SearchMode mode : {SearchMode::kLexical, SearchMode::kVector, SearchMode::kHybrid}) {
    o.mode = mode;
    EXPECT_EQ(Texts("standup deploy", o),
              std::vector<std::string>{"Standup notes: the deploy moved to Friday"});
  }
}

TEST_F(SearchTest, EachModeFindsTheMatchingMemoryFirst) {
  Add("The user prefers dark mode in the editor");
  Add("Project Falcon ships on March 3rd");
  Add("Dana has a dog named Biscuit");
  for (SearchMode mode : {SearchMode::kHybrid, SearchMode::kLexical, SearchMode::kVector}) {
    SearchOptions o;
    o.mode = mode;
    auto texts = Texts("when does falcon ship", o);
    ASSERT_FALSE(texts.empty()) << int(mode);
    EXPECT_EQ(texts.front(), "Project Falcon ships on March 3rd") << int(mode);
  }
}

TEST_F(SearchTest, HitsExplainTheirScore) {
  Add("Dana has a dog named Biscuit");
  Add("Biscuit likes long walks");
  auto hits = engine_->Search("u", "dog named biscuit", {});
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  const auto& e = hits->front().explanation;
  EXPECT_EQ(e.lexical_rank, 1);
  EXPECT_GT(e.lexical_score, 0);
  EXPECT_EQ(e.vector_rank, 1);
  EXPECT_GT(e.vector_similarity, 0.3);
  EXPECT_GT(e.relevance, 0.5);  // first in both lists: the vector's full evidence and more
  EXPECT_LE(e.relevance, 1.0);
  EXPECT_DOUBLE_EQ(e.recency, 1.0);
  EXPECT_DOUBLE_EQ(e.final_score, hits->front().score);
  for (size_t i = 1; i < hits->size(); ++i) EXPECT_LE((*hits)[i].score, (*hits)[i - 1].score);
}

TEST_F(SearchTest, OtherOwnersAreInvisible) {
  Add("alice's secret: the vault code is in the blue folder", {}, "alice");
  Add("bob likes folders", {}, "bob");
  Add("bob plays tennis", {}, "bob");
  // (Bob's statistics are his own: "folder" is in one of his two memories.)
  auto texts = Texts("blue folder", {}, "bob");
  ASSERT_FALSE(texts.empty());
  EXPECT_EQ(texts[0], "bob likes folders");
  for (const auto& t : texts) EXPECT_EQ(t.find("vault"), std::string::npos) << t;
  EXPECT_TRUE(Texts("vault code", {}, "carol").empty());
}

TEST_F(SearchTest, ScopeKeepsProjectsApart) {
  Add("deploy with kubectl apply", [](NewMemory& m) { m.scope = "project/alpha"; });
  Add("deploy with terraform", [](NewMemory& m) { m.scope = "project/beta"; });
  Add("deploy only on weekdays", [](NewMemory& m) { m.scope = "global"; });
  SearchOptions o;
  o.scope = "project/beta";
  auto texts = Texts("how do we deploy", o);
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "deploy with kubectl apply"), 0);
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "deploy with terraform"), 1);
  EXPECT_EQ(std::count(texts.begin(), texts.end(), "deploy only on weekdays"), 1);
}

TEST_F(SearchTest, DeletedSupersededAndExpiredNeverComeBack) {
  MemoryRecord gone = Add("the wifi password hint is sunflower");
  Add("the wifi router is in the hall", [&](NewMemory& m) { m.expires_at = clock_->Now() + kDay; });
  ASSERT_TRUE(engine_->DeleteMemory("u", gone.id).ok());
  EXPECT_EQ(Texts("wifi sunflower").size(), 1u);
  clock_->Advance(2 * kDay);
  EXPECT_TRUE(Texts("wifi router hall").empty());
}

TEST_F(SearchTest, UpdatesAreSearchableAtOnce) {
  MemoryRecord r = Add("favourite colour is green");
  EXPECT_EQ(Texts("favourite colour").size(), 1u);  // loads the partition
  MemoryUpdate u;
  u.text = "favourite colour is purple";
  ASSERT_TRUE(engine_->UpdateMemory("u", r.id, u).ok());
  SearchOptions lexical;
  lexical.mode = SearchMode::kLexical;
  EXPECT_TRUE(Texts("green", lexical).empty());
  EXPECT_EQ(Texts("purple", lexical), std::vector<std::string>{"favourite colour is purple"});
  SearchOptions vec;
  vec.mode = SearchMode::kVector;
  vec.top_k = 1;
  EXPECT_EQ(Texts("purple colour", vec), std::vector<std::string>{"favourite colour is purple"});
}

TEST_F(SearchTest, FiltersOnFieldsAndMetadata) {
  Add("Caroline went to the support group", [](NewMemory& m) {
    m.type = MemoryType::kEpisode;
    m.metadata = R"({"speaker":"Caroline","session":1,"tags":["lgbtq","support"]})";
  });
  Add("Melanie went to the pottery class", [](NewMemory& m) {
    m.type = MemoryType::kEpisode;
    m.metadata = R"({"speaker":"Melanie","session":2,"tags":["art"]})";
  });
  Add("Melanie prefers tea", [](NewMemory& m) {
    m.type = MemoryType::kPreference;
    m.key = "drink";
    m.metadata = R"({"speaker":"Melanie","session":3})";
  });
  auto with = [&](const std::string& filter) {
    SearchOptions o;
    o.filter = filter;
    auto t = Texts("went to class group tea", o);
    std::sort(t.begin(), t.end());
    return t;
  };
  EXPECT_EQ(with(R"({"speaker": "Melanie"})").size(), 2u);
  EXPECT_EQ(with(R"({"metadata.speaker": {"ne": "Melanie"}})").size(), 1u);
  EXPECT_EQ(with(R"({"session": {"gte": 2}})").size(), 2u);
  EXPECT_EQ(with(R"({"session": {"lt": 2}})").size(), 1u);
  EXPECT_EQ(with(R"({"session": {"in": [1, 3]}})").size(), 2u);
  EXPECT_EQ(with(R"({"session": {"nin": [1, 3]}})").size(), 1u);
  EXPECT_EQ(with(R"({"tags": {"contains": "art"}})"),
            std::vector<std::string>{"Melanie went to the pottery class"});
  EXPECT_EQ(with(R"({"AND": [{"speaker": "Melanie"}, {"type": "episode"}]})").size(), 1u);
  EXPECT_EQ(with(R"({"OR": [{"speaker": "Caroline"}, {"key": "drink"}]})").size(), 2u);
  EXPECT_EQ(with(R"({"NOT": {"type": "episode"}})"),
            std::vector<std::string>{"Melanie prefers tea"});
  EXPECT_EQ(with(R"({"speaker": "Nobody"})").size(), 0u);
  SearchOptions o;
  o.type = MemoryType::kPreference;
  EXPECT_EQ(Texts("tea", o).size(), 1u);
  o = {};
  o.key = "drink";
  EXPECT_EQ(Texts("melanie", o).size(), 1u);
}

TEST_F(SearchTest, TimeRangeFilters) {
  Add("old note about taxes", [&](NewMemory& m) { m.observed_at = clock_->Now() - 400 * kDay; });
  Add("new note about taxes");
  SearchOptions o;
  o.created_from = clock_->Now() - 30 * kDay;
  EXPECT_EQ(Texts("taxes", o), std::vector<std::string>{"new note about taxes"});
  o = {};
  o.filter = R"({"created_at": {"lt": "2025-09-01"}})";
  EXPECT_EQ(Texts("taxes", o), std::vector<std::string>{"old note about taxes"});
}

// Recency lifts recent episodes a little and never buries old ones (docs/search.md): at most 3%
// of a score, however old.
TEST_F(SearchTest, RecencyLiftsRecentEpisodesAndNeverBuriesOldOnes) {
  Add("went hiking at the lake", [&](NewMemory& m) {
    m.type = MemoryType::kEpisode;
    m.observed_at = clock_->Now() - 60 * kDay;
  });
  Add("hiking at the lake is a favourite", [&](NewMemory& m) {
    m.type = MemoryType::kFact;
    m.observed_at = clock_->Now() - 60 * kDay;
  });
  auto hits = engine_->Search("u", "hiking lake", {});
  ASSERT_TRUE(hits.ok());
  ASSERT_EQ(hits->size(), 2u);
  for (const auto& h : *hits) {
    if (h.record.type == MemoryType::kEpisode) {
      EXPECT_NEAR(h.explanation.recency, 0.97 + 0.03 * 0.25, 1e-4);  // two half-lives
    } else {
      EXPECT_DOUBLE_EQ(h.explanation.recency, 1.0);
    }
  }
  SearchOptions flat;
  flat.use_recency = false;
  auto unweighted = engine_->Search("u", "hiking lake", flat);
  for (const auto& h : *unweighted) EXPECT_DOUBLE_EQ(h.explanation.recency, 1.0);
  // Five years on, the episode still has all but 3% of its score, and ranks first when it is
  // the better match.
  Add("went swimming in the lake", [&](NewMemory& m) {
    m.type = MemoryType::kEpisode;
    m.observed_at = clock_->Now() - 5 * 365 * kDay;
  });
  auto old = engine_->Search("u", "swimming", {});
  ASSERT_TRUE(old.ok());
  ASSERT_FALSE(old->empty());
  EXPECT_EQ(old->front().record.text, "went swimming in the lake");
  EXPECT_GE(old->front().explanation.recency, 0.97);
}

TEST_F(SearchTest, TurnsAroundAHitShareItsRelevance) {
  const Timestamp t0 = clock_->Now() - kDay;
  auto turn = [&](const std::string& text, Timestamp at, MemoryType type = MemoryType::kEpisode) {
    Add(text, [&](NewMemory& m) {
      m.type = type;
      m.observed_at = at;
    });
  };
  turn("Dana said, \"Did you finally adopt a kitten?\"", t0);
  turn("Lee said, \"Yes, we brought her home on Saturday!\"", t0 + 1000);
  turn("Dana said, \"Lovely.\"", t0 + 2000);
  turn("Lee keeps a spare key under the mat", t0 + 3000, MemoryType::kFact);  // not a turn
  turn("Lee said, \"Off to the gym now.\"", t0 + 2 * 60 * 60 * 1000);         // after a gap
  SearchOptions o;
  o.mode = SearchMode::kLexical;  // the test embedder's vectors would add candidates of their own
  auto hits = engine_->Search("u", "adopt kitten", o);
  ASSERT_TRUE(hits.ok()) << hits.status().ToString();
  ASSERT_EQ(hits->size(), 3u);
  EXPECT_EQ((*hits)[0].record.text, "Dana said, \"Did you finally adopt a kitten?\"");
  EXPECT_DOUBLE_EQ((*hits)[0].explanation.context, 0);
  // The answer holds none of the question's words; it is found as the next turn (0.4 of the
  // hit's relevance), the turn after it at half that.
  EXPECT_EQ((*hits)[1].record.text, "Lee said, \"Yes, we brought her home on Saturday!\"");
  EXPECT_EQ((*hits)[1].explanation.lexical_rank, 0);
  EXPECT_NEAR((*hits)[1].explanation.context, 0.4, 1e-9);
  EXPECT_EQ((*hits)[2].record.text, "Dana said, \"Lovely.\"");
  EXPECT_NEAR((*hits)[2].explanation.context, 0.2, 1e-9);
  // A filter applies to the turns context brings too.
  o.created_from = t0 + 1500;
  auto filtered = engine_->Search("u", "adopt kitten", o);
  ASSERT_TRUE(filtered.ok());
  EXPECT_TRUE(filtered->empty());
}

TEST_F(SearchTest, ConfidenceAndThreshold) {
  Add("the office is on floor 3", [](NewMemory& m) { m.confidence = 0.2; });
  auto hits = engine_->Search("u", "office floor", {});
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_NEAR(hits->front().explanation.confidence, 0.6, 1e-6);
  SearchOptions o;
  o.threshold = 0.99;
  EXPECT_TRUE(Texts("office floor", o).empty());
}

TEST_F(SearchTest, AccessIsCounted) {
  MemoryRecord r = Add("the standup is at 9:30");
  clock_->Advance(1000);
  EXPECT_EQ(Texts("standup").size(), 1u);
  EXPECT_EQ(Texts("standup meeting").size(), 1u);
  Open();  // closing the engine writes the buffered access statistics
  auto got = engine_->GetMemory("u", r.id);
  EXPECT_EQ(got->access_count, 2);
  EXPECT_EQ(got->last_accessed_at, clock_->Now());
}

TEST_F(SearchTest, SeesWritesOfAnotherEngineOnTheSameFile) {
  Add("first fact about rust");
  EXPECT_EQ(Texts("rust").size(), 1u);
  auto other = Engine::Open(OptionsWith(std::make_shared<testing::HashingEmbedder>()));
  ASSERT_TRUE(other.ok());
  NewMemory m;
  m.owner_id = "u";
  m.text = "second fact about rust";
  ASSERT_TRUE((*other)->AddMemory(m).ok());
  EXPECT_EQ(Texts("rust").size(), 2u);
}

TEST_F(SearchTest, BadRequestsAreRefused) {
  SearchOptions o;
  o.filter = "{nope";
  EXPECT_TRUE(engine_->Search("u", "x", o).status().IsInvalidArgument());
  o.filter = R"({"speaker": {"between": [1, 2]}})";
  auto r = engine_->Search("u", "x", o);
  EXPECT_NE(r.status().message().find("unknown operator 'between'"), std::string::npos);
  o = {};
  o.top_k = 0;
  EXPECT_TRUE(engine_->Search("u", "x", o).status().IsInvalidArgument());
  EXPECT_TRUE(engine_->Search("u", "", {}).status().IsInvalidArgument());
  EXPECT_TRUE(engine_->Search("u", "bad \xFF", {}).status().IsInvalidArgument());
  EXPECT_TRUE(engine_->Search("", "x", {}).status().IsInvalidArgument());
}

TEST_F(SearchTest, WithoutEmbedderOnlyLexicalWorks) {
  Add("lexical only engines still find words");
  Open(nullptr);
  EXPECT_EQ(engine_->Search("u", "engines", {}).status().code(), Status::Code::kFailedPrecondition);
  SearchOptions o;
  o.mode = SearchMode::kLexical;
  EXPECT_EQ(Texts("engines", o).size(), 1u);
}

TEST_F(SearchTest, AnotherModelNeedsReindex) {
  Add("vectors come from a model");
  engine_.reset();
  auto other = std::make_shared<testing::HashingEmbedder>(32, "another-model");
  auto refused = Engine::Open(OptionsWith(other));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("reindex"), std::string::npos);

  Options o = OptionsWith(other);
  o.accept_model_change = true;
  auto reopened = Engine::Open(o);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  engine_ = std::move(*reopened);
  EXPECT_EQ(engine_->Search("u", "model", {}).status().code(), Status::Code::kFailedPrecondition);
  NewMemory m;
  m.owner_id = "u";
  m.text = "a write would mix models";
  EXPECT_EQ(engine_->AddMemory(m).status().code(), Status::Code::kFailedPrecondition);
  SearchOptions lexical;
  lexical.mode = SearchMode::kLexical;
  EXPECT_EQ(Texts("model", lexical).size(), 1u);  // lexical search does not need vectors
  auto n = engine_->Reindex();
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(Texts("vectors model").size(), 1u);
  Open(other);  // the store now belongs to the new model
}

TEST_F(SearchTest, BatchAddIsAllOrNothing) {
  std::vector<NewMemory> batch(3);
  for (int i = 0; i < 3; ++i) {
    batch[i].owner_id = "u";
    batch[i].text = "batch memory " + std::to_string(i);
  }
  batch[2].metadata = "[]";
  auto r = engine_->AddMemories(batch);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("memory 2"), std::string::npos);
  EXPECT_TRUE(Texts("batch memory").empty());
  batch[2].metadata = "{}";
  ASSERT_TRUE(engine_->AddMemories(batch).ok());
  SearchOptions o;
  o.top_k = 10;
  EXPECT_EQ(Texts("batch memory", o).size(), 3u);
}

}  // namespace
}  // namespace engram

namespace engram {
namespace {

// Large partitions keep an HNSW index on disk; a reopened engine loads it and applies only what
// changed since it was saved.
class PersistedIndexTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> NewEngine(const std::string& path) {
    Options o;
    o.path = path;
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
