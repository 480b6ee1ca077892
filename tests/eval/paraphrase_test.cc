// The paraphrase set (tests/data/paraphrase_recall.jsonl) with the built-in encoder: questions
// that share no content word with their memory, beside memories that share incidental words
// ("user", "prefers"). Hybrid search must rank at least as well as vector search alone, there
// and on the held-out set (tests/data/paraphrase_heldout.jsonl), which no rule was tuned on.
#include "eval/paraphrase.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <set>

#include "core/recall.h"
#include "embed/use_lite/use_lite_embedder.h"
#include "test_util.h"

namespace engram::eval {
namespace {

const std::string kSet = std::string(ENGRAM_TEST_DATA_DIR) + "/paraphrase_recall.jsonl";
const std::string kHeldOut = std::string(ENGRAM_TEST_DATA_DIR) + "/paraphrase_heldout.jsonl";

std::shared_ptr<Embedder> UseLite() {
  auto embedder = UseLiteEmbedder::Open(UseLiteEmbedder::DefaultModelDir());
  EXPECT_TRUE(embedder.ok()) << embedder.status().ToString()
                             << " (run scripts/install_model.sh to install the model)";
  return embedder.ok() ? std::move(*embedder) : nullptr;
}

// A word's crude stem, so "prefer" and "prefers" count as one word.
std::string Stem(std::string w) {
  for (const char* suffix : {"ing", "ed", "es", "s", "ly", "er"}) {
    const std::string s = suffix;
    if (w.size() >= s.size() + 3 && w.compare(w.size() - s.size(), s.size(), s) == 0) {
      return w.substr(0, w.size() - s.size());
    }
  }
  return w;
}

std::set<std::string> ContentStems(const std::string& text) {
  std::set<std::string> out;
  for (const std::string& term : core::QueryTerms(text)) {
    if (term != "user") out.insert(Stem(term));
  }
  return out;
}

// Checks that no question of the set at `path` shares a content word (beyond "user") with the
// memory that answers it; returns the number of pairs.
size_t CheckNoSharedContentWord(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  size_t pairs = 0;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    for (const auto& q : j["questions"]) {
      ++pairs;
      const std::string question = q[0], memory = j["memories"][q[1].get<size_t>()];
      for (const std::string& w : ContentStems(question)) {
        EXPECT_FALSE(ContentStems(memory).count(w))
            << "'" << question << "' shares '" << w << "' with '" << memory << "'";
      }
    }
  }
  return pairs;
}

// The sets are what they claim: at least 150 pairs (and 80 held out), and no question shares a
// content word with the memory that answers it.
TEST(Paraphrase, SetQuestionsShareNoContentWordWithTheirMemory) {
  EXPECT_GE(CheckNoSharedContentWord(kSet), 150u);
  EXPECT_GE(CheckNoSharedContentWord(kHeldOut), 80u);
}

class ParaphraseRecall : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    report_ = new Result<ParaphraseReport>(Status::Internal("not run"));
    held_out_ = new Result<ParaphraseReport>(Status::Internal("not run"));
    auto embedder = UseLite();
    if (!embedder) return;
    ParaphraseOptions o;
    o.data_path = kSet;
    o.work_dir = dir_.path();
    o.embedder = embedder;
    *report_ = RunParaphrase(o);
    o.data_path = kHeldOut;
    o.work_dir = held_out_dir_.path();
    *held_out_ = RunParaphrase(o);
  }
  static void TearDownTestSuite() {
    delete report_;
    delete held_out_;
  }

  static const ParaphraseRun* Run(const std::string& name,
                                  const Result<ParaphraseReport>* report = report_) {
    for (const auto& run : (*report)->runs) {
      if (run.name == name) return &run;
    }
    return nullptr;
  }
  // The rank the default search gives the expected memory of `question`.
  static int DefaultRank(const std::string& owner, const std::string& question) {
    for (const auto& a : (*report_)->answers) {
      if (a.run == "default" && a.owner == owner && a.question == question) return a.rank;
    }
    return -1;
  }

  static inline testing::TempDir dir_;
  static inline Result<ParaphraseReport>* report_ = nullptr;
  static inline testing::TempDir held_out_dir_;
  static inline Result<ParaphraseReport>* held_out_ = nullptr;
};

// Issue 12 asks hybrid to beat vector search alone at top-1 here and never rank below it. Nothing
// in this set is lexical by design, and owners this small (1-45 memories) give lexical evidence
// almost no weight (docs/search.md); answer fit (the kind of answer a question asks for) is what
// hybrid adds. Before the evidence rules it was at 25%.
TEST_F(ParaphraseRecall, HybridRanksAtLeastAsWellAsVectorAlone) {
  ASSERT_TRUE(report_->ok()) << report_->status().ToString();
  std::printf("%s", ParaphraseReportToMarkdown(**report_).c_str());
  const ParaphraseRun* hybrid = Run("default");
  const ParaphraseRun* vector = Run("vector");
  ASSERT_TRUE(hybrid && vector);
  EXPECT_GE(hybrid->all.questions, 150u);
  EXPECT_GE(hybrid->small.top1, vector->small.top1);
  EXPECT_GE(hybrid->small.top3, vector->small.top3);
  EXPECT_GT(hybrid->all.top1, vector->all.top1);
  EXPECT_GE(hybrid->all.top3, vector->all.top3);
  EXPECT_GE(hybrid->larger.top1, vector->larger.top1);
  EXPECT_GE(double(hybrid->all.top1), 0.7 * double(hybrid->all.questions));
}

// The held-out set, written after the ranking rules and never tuned on: hybrid may not rank
// below the encoder alone (when it was written, both answered 66.7% first; hybrid 86.2% within
// three, the encoder 85.1%).
TEST_F(ParaphraseRecall, HeldOutHybridRanksAtLeastAsWellAsVectorAlone) {
  ASSERT_TRUE(held_out_->ok()) << held_out_->status().ToString();
  std::printf("held out:\n%s", ParaphraseReportToMarkdown(**held_out_).c_str());
  const ParaphraseRun* hybrid = Run("default", held_out_);
  const ParaphraseRun* vector = Run("vector", held_out_);
  ASSERT_TRUE(hybrid && vector);
  EXPECT_GE(hybrid->all.top1, vector->all.top1);
  EXPECT_GE(hybrid->all.top3, vector->all.top3);
  EXPECT_GE(hybrid->small.top1, vector->small.top1);
  EXPECT_GE(hybrid->larger.top1, vector->larger.top1);
}

// The six facts of issue 12: the questions that fusion used to answer with "user"-only matches.
TEST_F(ParaphraseRecall, SixFactsOfTheIssueRankTheirAnswerFirst) {
  ASSERT_TRUE(report_->ok()) << report_->status().ToString();
  for (const char* question :
       {"What is the name of the user's pet?", "Which colour theme does the user like?",
        "What does the user do for a living?", "What coding language does the user favour?"}) {
    EXPECT_EQ(DefaultRank("issue12-six-facts", question), 1) << question;
  }
}

// Seed 003's three memories: the Python preference, not the memory that shares "prefers".
TEST_F(ParaphraseRecall, Seed003PythonQuestionFindsPythonFirst) {
  ASSERT_TRUE(report_->ok()) << report_->status().ToString();
  EXPECT_EQ(DefaultRank("seed-003", "What programming language does the user prefer?"), 1);
}

}  // namespace
}  // namespace engram::eval
