// The signals hybrid search adds to the two retrievers (docs/search.md): answer fit (the kind
// of answer a question asks for, the topic a memory's key is about) and the knowledge graph
// (memories linked to the entities a query names). Built-in encoder, small owners: where the
// encoder alone ranks a wrong memory first.
#include <gtest/gtest.h>

#include <array>

#include "core/answer_fit.h"
#include "engram/engine.h"
#include "test_util.h"
#include "use_lite_engine.h"

namespace engram {
namespace {

TEST(AnswerFit, QuestionsAskForKindsAndTopics) {
  using core::ReadQuestion;
  auto FitsQuestion = [](const core::QuestionNeeds& needs, std::string_view key,
                         std::string_view text) {
    return core::FitsQuestion(needs, key, text) != core::Fit::kNone;
  };
  // The opening names the kind; the key's topics answer the words.
  EXPECT_TRUE(FitsQuestion(ReadQuestion("When is the sync?"), "", "Standup is at 9:30"));
  EXPECT_FALSE(FitsQuestion(ReadQuestion("When is the sync?"), "", "Standup is in room B"));
  EXPECT_TRUE(FitsQuestion(ReadQuestion("Where does she live?"), "", "Her flat is in Porto"));
  EXPECT_FALSE(FitsQuestion(ReadQuestion("Where does she live?"), "", "She likes tea"));
  EXPECT_TRUE(FitsQuestion(ReadQuestion("who should I email?"), "", "Rafael is our contact"));
  EXPECT_TRUE(FitsQuestion(ReadQuestion("How long is the commute?"), "", "It takes 40 minutes"));
  EXPECT_EQ(core::FitsQuestion(ReadQuestion("which company employs me?"), "user.employer",
                               "The user works at Globex"),
            core::Fit::kTopic);
  EXPECT_FALSE(
      FitsQuestion(ReadQuestion("which company employs me?"), "user.role", "The user is a tester"));
  // A question with no kind and no topic its key names: nothing fits.
  EXPECT_FALSE(FitsQuestion(ReadQuestion("tell me about tea"), "user.role", "User is a tester"));
  EXPECT_TRUE(ReadQuestion("").empty());
}

class SearchSignals : public ::testing::Test {
 protected:
  void SetUp() override { testing::OpenUseLiteEngine(dir_.File("engram.db"), &engine_); }

  // Stores facts of owner "u", with keys when given; returns their ids in order.
  std::vector<std::string> Remember(const std::vector<std::pair<std::string, std::string>>& facts) {
    std::vector<NewMemory> batch;
    for (const auto& [text, key] : facts) {
      NewMemory m;
      m.owner_id = "u";
      m.text = text;
      m.key = key;
      batch.push_back(std::move(m));
    }
    auto added = engine_->AddMemories(batch);
    EXPECT_TRUE(added.ok()) << added.status().ToString();
    std::vector<std::string> ids;
    if (added.ok()) {
      for (const MemoryRecord& r : *added) ids.push_back(r.id);
    }
    return ids;
  }

  std::vector<SearchHit> Search(const std::string& query, SearchOptions o = {}) {
    o.record_access = false;
    auto hits = engine_->Search("u", query, o);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    return hits.ok() ? *hits : std::vector<SearchHit>{};
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

// The hits with their relevance parts, for failure messages.
std::string Describe(const std::vector<SearchHit>& hits) {
  std::string out;
  for (const SearchHit& h : hits) {
    const ScoreExplanation& e = h.explanation;
    out += "\n  " + h.record.text + ": cos " + std::to_string(e.vector_similarity) + " relevance " +
           std::to_string(e.relevance) + " answer " + std::to_string(e.answer) + " graph " +
           std::to_string(e.graph) + " (" + e.graph_reason + ")";
  }
  return out;
}

// Dev scenarios sup-d02 and sup-d40: the employer, not the role, answers "who is my employer?".
TEST_F(SearchSignals, AKeysTopicAnswersTheQuestionThatNamesIt) {
  const auto ids = Remember({{"The user is a data analyst.", "user.role"},
                             {"The user works at Contoso.", "user.employer"},
                             {"The user lives in Leeds.", "user.location.city"}});
  SearchOptions off;
  off.use_answer_fit = false;
  for (const std::string q : {"who is my employer?", "which company employs me?"}) {
    const auto hits = Search(q);
    ASSERT_FALSE(hits.empty());
    EXPECT_EQ(hits[0].record.id, ids[1]) << q;
    EXPECT_GT(hits[0].explanation.answer, 0) << q;
  }
  // Without it the encoder puts the role first: the signal is what ranks the employer first.
  const auto without = Search("who is my employer?", off);
  ASSERT_FALSE(without.empty());
  EXPECT_NE(without[0].record.id, ids[1]);
}

// Issue #15: "which deadlines concern projects Alice manages" over a small graph.
TEST_F(SearchSignals, TheGraphRanksTheDeadlineOfAProjectTheNamedPersonManages) {
  const auto ids = Remember({{"Alice manages Project Alpha", ""},
                             {"Project Alpha must ship by March 2026", ""},
                             {"Bob manages Project Beta", ""},
                             {"Project Beta must ship by June 2026", ""},
                             {"Project Gamma must ship by May 2026", ""},
                             {"Alice prefers dark mode", ""}});
  ASSERT_EQ(ids.size(), 6u);
  std::vector<NewEntity> entities;
  for (const std::string name : {"Alice", "Bob", "Project Alpha", "Project Beta", "Project Gamma",
                                 "March 2026", "June 2026", "May 2026"}) {
    NewEntity e;
    e.owner_id = "u";
    e.name = name;
    entities.push_back(std::move(e));
  }
  ASSERT_TRUE(engine_->AddEntities(entities).ok());
  // Each edge's source is the memory that states it.
  const std::vector<std::array<std::string, 4>> edges = {
      {"Alice", "manages", "Project Alpha", ids[0]},
      {"Project Alpha", "deadline", "March 2026", ids[1]},
      {"Bob", "manages", "Project Beta", ids[2]},
      {"Project Beta", "deadline", "June 2026", ids[3]},
      {"Project Gamma", "deadline", "May 2026", ids[4]}};
  std::vector<NewRelation> relations;
  for (const auto& [from, type, to, source] : edges) {
    NewRelation r;
    r.owner_id = "u";
    r.from = from;
    r.type = type;
    r.to = to;
    r.source = source;
    relations.push_back(std::move(r));
  }
  auto added = engine_->AddRelations(relations);
  ASSERT_TRUE(added.ok()) << added.status().ToString();

  const std::string q = "which deadlines concern projects Alice manages";
  const auto hits = Search(q);
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].record.id, ids[1]) << Describe(hits);
  EXPECT_GT(hits[0].explanation.graph, 0);
  EXPECT_EQ(hits[0].explanation.graph_reason, "1 hop from Alice, the query names \"deadline\"");
  // Without the graph another memory comes first; Beta's and Gamma's deadlines, which the graph
  // does not link to Alice, lose the graph's share.
  SearchOptions off;
  off.use_graph = false;
  const auto without = Search(q, off);
  ASSERT_FALSE(without.empty());
  EXPECT_NE(without[0].record.id, ids[1]) << Describe(without);
  for (const SearchHit& h : hits) {
    if (h.record.id == ids[3] || h.record.id == ids[4]) {
      EXPECT_LT(h.explanation.graph, 0);
    }
  }
  // A query naming no entity leaves every score as it was.
  const auto plain = Search("which deadlines are close?");
  const auto plain_off = Search("which deadlines are close?", off);
  ASSERT_EQ(plain.size(), plain_off.size());
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i].record.id, plain_off[i].record.id);
    EXPECT_DOUBLE_EQ(plain[i].score, plain_off[i].score);
    EXPECT_EQ(plain[i].explanation.graph, 0);
  }
}

}  // namespace
}  // namespace engram
