// The paraphrase recall evaluation: does search put a memory first when the question shares no
// content word with it? Data (tests/data/paraphrase_recall.jsonl), one owner per line:
//   {"owner": "...", "domain": "...", "memories": ["text", ...],
//    "questions": [["question", index of the memory that answers it], ...]}
// Every owner's memories are stored as facts of their own owner; every question is searched in
// its owner with several retrieval configurations, and top-1 / top-3 accuracy is reported per
// configuration, overall and by owner size (small: up to 10 memories; larger: more).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/embedder.h"
#include "engram/status.h"

namespace engram::eval {

struct ParaphraseOptions {
  std::string data_path;               // the JSONL file
  std::string work_dir;                // where the throwaway store is created
  std::shared_ptr<Embedder> embedder;  // null: lexical only
};

// Questions answered at rank 1 and within the first 3, of `questions`.
struct ParaphraseScore {
  size_t questions = 0;
  size_t top1 = 0;
  size_t top3 = 0;
};

struct ParaphraseRun {
  std::string name;  // "default", "lexical", "vector"
  ParaphraseScore all, small, larger;
};

// One question's outcome in one run (for tests that pin single examples).
struct ParaphraseAnswer {
  std::string owner;
  std::string question;
  std::string expected;
  std::string run;
  int rank = 0;  // 1-based rank of the expected memory; 0 when not in the first 10
};

struct ParaphraseReport {
  size_t owners = 0;
  size_t memories = 0;
  std::vector<ParaphraseRun> runs;
  std::vector<ParaphraseAnswer> answers;
};

// Reads and runs the set. InvalidArgument for a malformed line (its number named).
Result<ParaphraseReport> RunParaphrase(const ParaphraseOptions& options);

nlohmann::json ParaphraseReportToJson(const ParaphraseReport& report);
// A Markdown table: one row per run, top-1 / top-3 in % overall, small owners, larger owners.
std::string ParaphraseReportToMarkdown(const ParaphraseReport& report);

}  // namespace engram::eval
