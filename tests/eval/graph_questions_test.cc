// The graph question set (tests/data/graph/questions.jsonl) with the built-in encoder: questions
// naming an entity whose answer the graph links to it. The set is what it claims; with the graph
// hybrid search ranks the "tune" half at least as well as without (the weights were chosen on
// it); the "report" half is printed, not asserted (docs/search.md quotes it).
#include "eval/graph_questions.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "embed/use_lite/use_lite_embedder.h"
#include "graph/names.h"
#include "test_util.h"

namespace engram::eval {
namespace {

const std::string kSet = std::string(ENGRAM_TEST_DATA_DIR) + "/graph/questions.jsonl";
// Held out: written after the signal's weights and rules were chosen, never tuned on.
const std::string kHeldOut = std::string(ENGRAM_TEST_DATA_DIR) + "/graph/questions_heldout.jsonl";

// Checks what a set claims: every question names an entity of its owner (an edge's end) and its
// memory states an edge. Returns the questions per split.
std::map<std::string, size_t> CheckSet(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::map<std::string, size_t> splits;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    std::vector<std::string> names;
    std::vector<size_t> sources;
    for (const auto& e : j["edges"]) {
      names.push_back(graph::NameKey(e[0].get<std::string>()));
      names.push_back(graph::NameKey(e[2].get<std::string>()));
      sources.push_back(e[3].get<size_t>());
    }
    for (const auto& q : j["questions"]) {
      const std::string question = q[0];
      std::string words = " ";
      for (const std::string& w : graph::NameWords(question)) words += w + " ";
      EXPECT_TRUE(std::any_of(
          names.begin(), names.end(),
          [&](const std::string& n) { return words.find(" " + n + " ") != std::string::npos; }))
          << "'" << question << "' names no entity of " << j["owner"];
      EXPECT_NE(std::find(sources.begin(), sources.end(), q[1].get<size_t>()), sources.end())
          << "the answer to '" << question << "' states no edge";
      splits[j["split"].get<std::string>()] += 1;
    }
  }
  return splits;
}

// Both splits of the set have questions, and the held-out set has at least 40.
TEST(GraphQuestions, EveryQuestionNamesAnEntityAndItsAnswerStatesAnEdge) {
  const std::map<std::string, size_t> splits = CheckSet(kSet);
  EXPECT_GE(splits.count("tune") ? splits.at("tune") : 0, 12u);
  EXPECT_GE(splits.count("report") ? splits.at("report") : 0, 12u);
  const std::map<std::string, size_t> held_out = CheckSet(kHeldOut);
  EXPECT_GE(held_out.count("heldout") ? held_out.at("heldout") : 0, 40u);
}

TEST(GraphQuestions, AMalformedLineIsNamed) {
  testing::TempDir dir;
  const std::string path = dir.File("bad.jsonl");
  std::ofstream(path) << R"({"owner": "o", "split": "tune", "memories": ["a"],)"
                      << R"( "edges": [["x", "knows", "y", 3]], "questions": []})"
                      << "\n";
  GraphQuestionsOptions o;
  o.data_path = path;
  o.work_dir = dir.path();
  auto report = RunGraphQuestions(o);
  ASSERT_FALSE(report.ok());
  EXPECT_TRUE(report.status().IsInvalidArgument());
  EXPECT_NE(report.status().message().find("bad.jsonl:1: an edge must be"), std::string::npos)
      << report.status().ToString();
}

TEST(GraphQuestions, TheGraphRanksTheTuneHalfAtLeastAsWellAsWithout) {
  auto embedder = UseLiteEmbedder::Open(UseLiteEmbedder::DefaultModelDir());
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString()
                             << " (run scripts/install_model.sh to install the model)";
  testing::TempDir dir;
  GraphQuestionsOptions o;
  o.data_path = kSet;
  o.work_dir = dir.path();
  o.embedder = std::move(*embedder);
  auto report = RunGraphQuestions(o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::printf("%s", GraphQuestionsReportToMarkdown(*report).c_str());
  const GraphQuestionsScore* with = nullptr;
  const GraphQuestionsScore* without = nullptr;
  for (const GraphQuestionsScore& s : report->scores) {
    if (s.split == "tune") (s.graph ? with : without) = &s;
  }
  ASSERT_TRUE(with && without);
  EXPECT_EQ(with->questions, without->questions);
  EXPECT_GE(with->top1, without->top1);
  EXPECT_GE(with->top3, without->top3);
  // The graph changes something: some tune question ranks differently with it.
  size_t changed = 0;
  for (size_t i = 0; i < report->answers.size(); ++i) {
    const GraphAnswer& a = report->answers[i];
    if (a.split != "tune" || a.graph) continue;
    for (const GraphAnswer& b : report->answers) {
      if (b.graph && b.owner == a.owner && b.question == a.question && b.rank != a.rank) ++changed;
    }
  }
  EXPECT_GT(changed, 0u);
}

}  // namespace
}  // namespace engram::eval
