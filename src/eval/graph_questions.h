// The graph question evaluation: does the knowledge graph, as a signal of hybrid search, put
// first the memory that answers a question naming an entity (docs/search.md, "Graph")? Data
// (tests/data/graph/questions.jsonl), one owner per line:
//   {"owner": "...", "split": "tune" | "report", "memories": ["text", ...],
//    "edges": [["from", "relation type", "to", index of the memory that states it], ...],
//    "questions": [["question", index of the memory that answers it], ...]}
// Every owner's memories are stored as facts, the ends of its edges as entities and its edges
// with their memory as source (as the extraction writes them); every question is searched in its
// owner with hybrid search with and without the graph, and top-1 / top-3 are reported per split:
// the signal's weights are chosen on "tune" only, "report" is the figure to quote.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/embedder.h"
#include "engram/status.h"

namespace engram::eval {

struct GraphQuestionsOptions {
  std::string data_path;               // the JSONL file
  std::string work_dir;                // where the throwaway store is created
  std::shared_ptr<Embedder> embedder;  // null: lexical only
};

// One question's outcome in one run.
struct GraphAnswer {
  std::string owner;
  std::string split;
  std::string question;
  std::string expected;
  bool graph = false;  // searched with use_graph
  int rank = 0;        // 1-based rank of the expected memory; 0 when not in the first 10
};

// Questions of one split answered at rank 1 and within the first 3, with or without the graph.
struct GraphQuestionsScore {
  std::string split;
  bool graph = false;
  size_t questions = 0;
  size_t top1 = 0;
  size_t top3 = 0;
};

struct GraphQuestionsReport {
  size_t owners = 0;
  size_t memories = 0;
  size_t edges = 0;
  std::vector<GraphQuestionsScore> scores;  // per split (file order), without then with graph
  std::vector<GraphAnswer> answers;
};

// Reads and runs the set. InvalidArgument for a malformed line (its number named).
Result<GraphQuestionsReport> RunGraphQuestions(const GraphQuestionsOptions& options);

nlohmann::json GraphQuestionsReportToJson(const GraphQuestionsReport& report);
// A Markdown table: one row per split and configuration, top-1 / top-3 in %.
std::string GraphQuestionsReportToMarkdown(const GraphQuestionsReport& report);

}  // namespace engram::eval
