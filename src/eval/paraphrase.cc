#include "eval/paraphrase.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "engram/engine.h"

namespace engram::eval {

using nlohmann::json;

namespace {

// Owners with at most this many memories count as small.
constexpr size_t kSmallOwner = 10;
// How deep a search looks for the expected memory.
constexpr size_t kDepth = 10;

struct Owner {
  std::string id;
  std::vector<std::string> memories;
  std::vector<std::pair<std::string, size_t>> questions;
};

Result<std::vector<Owner>> LoadParaphraseSet(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open paraphrase set '" + path + "'");
  std::vector<Owner> out;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("owner") || !j["owner"].is_string() ||
        !j.contains("memories") || !j["memories"].is_array() || !j.contains("questions") ||
        !j["questions"].is_array()) {
      return Status::InvalidArgument(where + "expected {\"owner\", \"memories\", \"questions\"}");
    }
    Owner o;
    o.id = j["owner"].get<std::string>();
    for (const auto& m : j["memories"]) {
      if (!m.is_string()) return Status::InvalidArgument(where + "a memory is not a string");
      o.memories.push_back(m.get<std::string>());
    }
    for (const auto& q : j["questions"]) {
      if (!q.is_array() || q.size() != 2 || !q[0].is_string() || !q[1].is_number_unsigned() ||
          q[1].get<size_t>() >= o.memories.size()) {
        return Status::InvalidArgument(where + "a question must be [\"text\", memory index]");
      }
      o.questions.emplace_back(q[0].get<std::string>(), q[1].get<size_t>());
    }
    out.push_back(std::move(o));
  }
  return out;
}

void Count(ParaphraseScore& s, int rank) {
  ++s.questions;
  s.top1 += rank == 1;
  s.top3 += rank >= 1 && rank <= 3;
}

json ScoreJson(const ParaphraseScore& s) {
  const double n = s.questions ? double(s.questions) : 1;
  return {{"questions", s.questions}, {"top1", s.top1 / n}, {"top3", s.top3 / n}};
}

}  // namespace

Result<ParaphraseReport> RunParaphrase(const ParaphraseOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<Owner> owners, LoadParaphraseSet(options.data_path));
  Options engine_options;
  engine_options.path = options.work_dir + "/paraphrase-eval.db";
  engine_options.embedder = options.embedder;
  engine_options.durable_commits = false;
  ENGRAM_ASSIGN_OR_RETURN(auto engine, Engine::Open(engine_options));

  ParaphraseReport report;
  // Each memory's id, per owner, in file order.
  std::vector<std::vector<std::string>> ids;
  for (const Owner& o : owners) {
    ENGRAM_RETURN_IF_ERROR(engine->ForgetOwner(o.id).status());
    std::vector<NewMemory> batch;
    for (const std::string& text : o.memories) {
      NewMemory m;
      m.owner_id = o.id;
      m.type = MemoryType::kFact;
      m.text = text;
      m.source = "paraphrase-eval";
      batch.push_back(std::move(m));
    }
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> added, engine->AddMemories(batch));
    if (added.size() != o.memories.size()) {
      return Status::Internal("owner " + o.id + ": a memory was not stored as written");
    }
    ids.emplace_back();
    for (const auto& r : added) ids.back().push_back(r.id);
    ++report.owners;
    report.memories += o.memories.size();
  }

  struct Config {
    std::string name;
    SearchMode mode;
  };
  std::vector<Config> configs = {{"default", SearchMode::kHybrid},
                                 {"lexical", SearchMode::kLexical}};
  if (options.embedder) configs.push_back({"vector", SearchMode::kVector});
  if (!options.embedder) configs.front().mode = SearchMode::kLexical;
  for (const Config& config : configs) {
    ParaphraseRun run;
    run.name = config.name;
    for (size_t oi = 0; oi < owners.size(); ++oi) {
      const Owner& o = owners[oi];
      for (const auto& [question, expected] : o.questions) {
        SearchOptions so;  // the defaults a user gets, but the mode
        so.mode = config.mode;
        so.top_k = kDepth;
        so.record_access = false;
        ENGRAM_ASSIGN_OR_RETURN(auto hits, engine->Search(o.id, question, so));
        int rank = 0;
        for (size_t i = 0; i < hits.size(); ++i) {
          if (hits[i].record.id == ids[oi][expected]) {
            rank = static_cast<int>(i) + 1;
            break;
          }
        }
        Count(run.all, rank);
        Count(o.memories.size() <= kSmallOwner ? run.small : run.larger, rank);
        report.answers.push_back({o.id, question, o.memories[expected], config.name, rank});
      }
    }
    report.runs.push_back(std::move(run));
  }
  return report;
}

json ParaphraseReportToJson(const ParaphraseReport& report) {
  json runs = json::array();
  for (const auto& run : report.runs) {
    runs.push_back({{"name", run.name},
                    {"all", ScoreJson(run.all)},
                    {"small_owners", ScoreJson(run.small)},
                    {"larger_owners", ScoreJson(run.larger)}});
  }
  json misses = json::array();
  for (const auto& a : report.answers) {
    if (a.run == "default" && a.rank != 1) {
      misses.push_back({{"owner", a.owner},
                        {"question", a.question},
                        {"expected", a.expected},
                        {"rank", a.rank}});
    }
  }
  return {{"owners", report.owners},
          {"memories", report.memories},
          {"runs", runs},
          {"default_misses", misses}};
}

std::string ParaphraseReportToMarkdown(const ParaphraseReport& report) {
  std::ostringstream out;
  out << "| retrieval | questions | top-1 | top-3 | small owners top-1 | top-3 "
         "| larger owners top-1 | top-3 |\n"
      << "|---|---|---|---|---|---|---|---|\n";
  char buf[64];
  auto pct = [&](size_t n, size_t of) {
    std::snprintf(buf, sizeof buf, "%.1f", of ? 100.0 * double(n) / double(of) : 0.0);
    return std::string(buf);
  };
  for (const auto& run : report.runs) {
    out << "| " << run.name << " | " << run.all.questions << " | "
        << pct(run.all.top1, run.all.questions) << " | " << pct(run.all.top3, run.all.questions)
        << " | " << pct(run.small.top1, run.small.questions) << " | "
        << pct(run.small.top3, run.small.questions) << " | "
        << pct(run.larger.top1, run.larger.questions) << " | "
        << pct(run.larger.top3, run.larger.questions) << " |\n";
  }
  return out.str();
}

}  // namespace engram::eval
