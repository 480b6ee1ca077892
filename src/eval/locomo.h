// The LoCoMo retrieval evaluation: evidence recall@k over dialog turns, per question category,
// for lexical, vector and hybrid search (Maharana et al., ACL 2024; protocol of the paper's
// Table 3: one corpus per conversation, one unit per turn, recall = share of a question's
// evidence turns among the top k, questions without evidence count as 1).
//
// Conversations 0-4 are where engram's retrieval is tuned; 5-9 are held out. Every run reports
// both halves separately beside the whole.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/embedder.h"
#include "engram/status.h"
#include "engram/types.h"

namespace engram::eval {

struct LocomoOptions {
  std::string data_path;               // locomo10.json
  std::string work_dir;                // where the throwaway store is created
  std::shared_ptr<Embedder> embedder;  // null: lexical only
  std::vector<size_t> ks = {1, 5, 10, 25};
  size_t max_conversations = 0;  // 0: all
  // Only the runs with these names ("default", "lexical", "vector", "hybrid"); empty: all.
  std::vector<std::string> runs;
};

// Conversations [0, kLocomoTuningConversations) are the tuning half; the rest are held out.
inline constexpr size_t kLocomoTuningConversations = 5;

// Recall of one run over a set of questions.
struct LocomoScores {
  // recall[category][k] in [0, 1]; category 0 is overall.
  std::map<int, std::map<size_t, double>> recall;
  std::map<int, size_t> questions;  // per category; 0 is overall
};

// One retrieval configuration's results.
// "default" is SearchOptions as a user gets them (hybrid, recency on); the others name their
// mode, with recency off.
struct LocomoRun {
  std::string name;
  // Over every conversation: recall[category][k] in [0, 1]; category 0 is overall.
  std::map<int, std::map<size_t, double>> recall;
  std::map<int, size_t> questions;  // per category; 0 is overall
  LocomoScores tuning;              // conversations 0-4
  LocomoScores held_out;            // conversations 5-9 (empty when not run)
  double mean_search_ms = 0;
};

struct LocomoReport {
  size_t conversations = 0;
  size_t turns = 0;
  double ingest_seconds = 0;
  std::vector<size_t> ks;
  std::vector<LocomoRun> runs;
};

// "1:56 pm on 8 May, 2023" -> timestamp (UTC). InvalidArgument otherwise.
Result<Timestamp> ParseLocomoDate(std::string_view text);
// Evidence ids cleaned of the file's known quirks ("D8:6; D9:17", "D:11:26", "D30:05").
std::vector<std::string> NormalizeEvidence(const nlohmann::json& evidence);

Result<LocomoReport> RunLocomo(const LocomoOptions& options);

nlohmann::json ReportToJson(const LocomoReport& report);
// A Markdown table: one row per run and k, columns per category and overall (in %), over every
// conversation.
std::string ReportToMarkdown(const LocomoReport& report);
// The same table over the tuning half (held_out false) or the held-out half (true).
std::string ReportToMarkdown(const LocomoReport& report, bool held_out);

}  // namespace engram::eval
