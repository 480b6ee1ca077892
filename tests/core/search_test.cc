// Engine::Search: hybrid recall, filters, isolation, hygiene of results, explanations.
#include <gtest/gtest.h>

#include <map>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"
#include "util/time.h"

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
  MemoryRecord old = Add("the wifi network is called harbor");
  EXPECT_EQ(Texts("wifi network harbor").front(), "the wifi network is called harbor");
  Add("the wifi network is called lighthouse", [&](NewMemory& m) { m.supersedes = {old.id}; });
  ASSERT_TRUE(engine_->DeleteMemory("u", gone.id).ok());
  clock_->Advance(2 * kDay);
  SearchOptions lexical;
  lexical.mode = SearchMode::kLexical;
  SearchOptions vector;
  vector.mode = SearchMode::kVector;
  for (const SearchOptions& o : {SearchOptions(), lexical, vector}) {
    // Every word of each gone memory is asked for: only the live successor may answer.
    EXPECT_EQ(Texts("wifi password hint sunflower router hall network called harbor", o),
              std::vector<std::string>{"the wifi network is called lighthouse"});
  }
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

// docs/search.md: `metadata.<path>` dots walk nested objects, strings compare by bytes,
// `contains` is a substring of a string; a missing field matches only `ne` and `nin`.
TEST_F(SearchTest, FiltersWalkNestedMetadataAndCompareStrings) {
  Add("deploy checklist for alpha", [](NewMemory& m) {
    m.metadata = R"({"project":{"name":"alpha","owner":{"team":"infra"}},"level":"b"})";
  });
  Add("deploy checklist for beta", [](NewMemory& m) {
    m.metadata = R"({"project":{"name":"beta","owner":{"team":"web"}},"level":"d"})";
  });
  Add("deploy checklist without a project");
  auto with = [&](const std::string& filter) {
    SearchOptions o;
    o.filter = filter;
    auto t = Texts("deploy checklist", o);
    std::sort(t.begin(), t.end());
    return t;
  };
  const std::vector<std::string> alpha{"deploy checklist for alpha"};
  const std::vector<std::string> beta{"deploy checklist for beta"};
  EXPECT_EQ(with(R"({"metadata.project.owner.team": "infra"})"), alpha);
  EXPECT_EQ(with(R"({"project.name": {"ne": "alpha"}})"),
            (std::vector<std::string>{"deploy checklist for beta",
                                      "deploy checklist without a project"}));
  EXPECT_EQ(with(R"({"project.name": {"lt": "zeta"}})").size(), 2u);  // not the missing one
  EXPECT_EQ(with(R"({"level": {"gt": "c"}})"), beta);
  EXPECT_EQ(with(R"({"level": {"lte": "b"}})"), alpha);
  EXPECT_EQ(with(R"({"AND": [{"level": {"gte": "b"}}, {"level": {"lt": "c"}}]})"), alpha);
  EXPECT_EQ(with(R"({"project.name": {"contains": "et"}})"), beta);
  EXPECT_EQ(with(R"({"project.owner.team": {"in": ["web", "data"]}})"), beta);
  EXPECT_EQ(with(R"({"project.name.first": "a"})").size(), 0u);  // past a string: missing
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

// A query that names a date lifts the memories observed then (docs/search.md): they fill 0.2 of
// the gap between their relevance and 1; the others keep theirs.
TEST_F(SearchTest, MemoriesObservedOnTheDateAQueryNamesAreLifted) {
  for (int i = 0; i < 10; ++i)
    Add("note " + std::string(1, static_cast<char>('a' + i)) + " about groceries");
  const MemoryRecord march = Add("Sam and I went to the pottery class downtown", [](NewMemory& m) {
    m.observed_at = *util::ParseTimestamp("2024-03-09T15:00:00Z");
  });
  const MemoryRecord may = Add("went to the pottery class", [](NewMemory& m) {
    m.observed_at = *util::ParseTimestamp("2024-05-20T15:00:00Z");
  });
  SearchOptions o;
  o.mode = SearchMode::kLexical;  // relevance from BM25 alone: the same for both queries
  auto relevance = [&](const std::string& query, bool date_part = false) {
    std::map<std::string, double> out;
    auto hits = engine_->Search("u", query, o);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    if (hits.ok()) {
      for (const auto& h : *hits) {
        out[h.record.id] = date_part ? h.explanation.date : h.explanation.relevance;
      }
    }
    return out;
  };
  const auto other_year = relevance("pottery class on 9 March, 2019");
  const auto that_day = relevance("pottery class on 9 March, 2024");
  ASSERT_EQ(other_year.size(), 2u);
  ASSERT_EQ(that_day.size(), 2u);
  const double base = other_year.at(march.id);
  ASSERT_LT(base, 1);
  EXPECT_NEAR(that_day.at(march.id), base + 0.2 * (1 - base), 1e-9);
  EXPECT_DOUBLE_EQ(that_day.at(may.id), other_year.at(may.id));
  // --explain shows the lift as the date part of relevance.
  const auto date_part = relevance("pottery class on 9 March, 2024", true);
  EXPECT_NEAR(date_part.at(march.id), 0.2 * (1 - base), 1e-9);
  EXPECT_EQ(date_part.at(may.id), 0);
  EXPECT_EQ(relevance("pottery class on 9 March, 2019", true).at(march.id), 0);
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
