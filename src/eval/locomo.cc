#include "eval/locomo.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include "engram/engine.h"
#include "util/time.h"

namespace engram::eval {

using nlohmann::json;

namespace {

int MonthNumber(std::string name) {
  static const char* kMonths[] = {"january",   "february", "march",    "april",
                                  "may",       "june",     "july",     "august",
                                  "september", "october",  "november", "december"};
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  for (int i = 0; i < 12; ++i) {
    if (std::string(kMonths[i]).rfind(name, 0) == 0 && name.size() >= 3) return i + 1;
  }
  return 0;
}

struct Turn {
  std::string dia_id;
  std::string speaker;
  std::string text;
  int session = 0;
  Timestamp at = 0;
};

struct Question {
  std::string text;
  int category = 0;
  std::vector<std::string> evidence;
};

struct Conversation {
  std::string id;
  std::vector<Turn> turns;
  std::vector<Question> questions;
  Timestamp last = 0;
};

Result<std::vector<Conversation>> Load(const std::string& path, size_t max_conversations) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot open LoCoMo file '" + path + "'");
  json data = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded() || !data.is_array()) {
    return Status::InvalidArgument("'" + path + "' is not a LoCoMo JSON array");
  }
  std::vector<Conversation> out;
  static const std::regex kSessionKey(R"(^session_(\d+)$)");
  for (const auto& sample : data) {
    if (max_conversations && out.size() == max_conversations) break;
    Conversation c;
    c.id = sample.value("sample_id", "conv-" + std::to_string(out.size()));
    const json& conv = sample.at("conversation");
    // Sessions in numeric order; conv-26 has date keys without sessions, so iterate sessions.
    std::vector<std::pair<int, const json*>> sessions;
    for (const auto& [key, value] : conv.items()) {
      std::smatch m;
      if (std::regex_match(key, m, kSessionKey) && value.is_array()) {
        sessions.emplace_back(std::stoi(m[1]), &value);
      }
    }
    std::sort(sessions.begin(), sessions.end());
    for (const auto& [n, turns] : sessions) {
      const std::string date_key = "session_" + std::to_string(n) + "_date_time";
      ENGRAM_ASSIGN_OR_RETURN(Timestamp at, ParseLocomoDate(conv.value(date_key, std::string())));
      int index = 0;
      for (const auto& t : *turns) {
        Turn turn;
        turn.dia_id = t.value("dia_id", "");
        turn.speaker = t.value("speaker", "");
        // The official RAG protocol's unit text: speaker said, "text" [and shared caption].
        turn.text = turn.speaker + " said, \"" + t.value("text", "") + "\"";
        if (t.contains("blip_caption") && t["blip_caption"].is_string()) {
          turn.text += " and shared " + t["blip_caption"].get<std::string>();
        }
        turn.session = n;
        turn.at = at + 1000 * index++;  // keeps the turns of a session in order
        c.last = std::max(c.last, turn.at);
        c.turns.push_back(std::move(turn));
      }
    }
    for (const auto& qa : sample.at("qa")) {
      Question q;
      q.text = qa.value("question", "");
      q.category = qa.value("category", 0);
      q.evidence = NormalizeEvidence(qa.value("evidence", json::array()));
      c.questions.push_back(std::move(q));
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

Result<Timestamp> ParseLocomoDate(std::string_view text) {
  static const std::regex kDate(
      R"(^\s*(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})\s*$)",
      std::regex::icase);
  std::cmatch m;
  if (!std::regex_match(text.begin(), text.end(), m, kDate)) {
    return Status::InvalidArgument("unrecognised LoCoMo date '" + std::string(text.substr(0, 64)) +
                                   "'");
  }
  int hour = std::stoi(m[1].str()) % 12;
  if (m[3].str()[0] == 'p' || m[3].str()[0] == 'P') hour += 12;
  const int minute = std::stoi(m[2].str());
  const int day = std::stoi(m[4].str());
  const int month = MonthNumber(m[5].str());
  const int year = std::stoi(m[6].str());
  if (month == 0 || day < 1 || day > 31 || minute > 59) {
    return Status::InvalidArgument("unrecognised LoCoMo date '" + std::string(text) + "'");
  }
  char iso[32];
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:00Z", year, month, day, hour, minute);
  return util::ParseTimestamp(iso);
}

std::vector<std::string> NormalizeEvidence(const json& evidence) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  if (!evidence.is_array()) return out;
  static const std::regex kId(R"(D:?(\d+):0*(\d+))");
  for (const auto& e : evidence) {
    if (!e.is_string()) continue;
    const std::string raw = e.get<std::string>();
    bool any = false;
    for (auto it = std::sregex_iterator(raw.begin(), raw.end(), kId); it != std::sregex_iterator();
         ++it) {
      std::string id = "D" + (*it)[1].str() + ":" + (*it)[2].str();
      any = true;
      if (seen.insert(id).second) out.push_back(std::move(id));
    }
    // An id that cannot be read (e.g. "D") still counts: it can never be retrieved.
    if (!any && seen.insert(raw).second) out.push_back(raw);
  }
  return out;
}

Result<LocomoReport> RunLocomo(const LocomoOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(std::vector<Conversation> conversations,
                          Load(options.data_path, options.max_conversations));
  LocomoReport report;
  report.ks = options.ks;
  report.conversations = conversations.size();
  const size_t depth = *std::max_element(options.ks.begin(), options.ks.end());

  Timestamp last = 0;
  for (const auto& c : conversations) last = std::max(last, c.last);
  auto clock = std::make_shared<ManualClock>(last + 86'400'000);
  Options engine_options;
  engine_options.path = options.work_dir + "/locomo-eval.db";
  engine_options.embedder = options.embedder;
  engine_options.clock = clock;
  engine_options.durable_commits = false;
  ENGRAM_ASSIGN_OR_RETURN(auto engine, Engine::Open(engine_options));

  const auto t0 = std::chrono::steady_clock::now();
  for (const auto& c : conversations) {
    // Each conversation is its own owner: its own corpus, as in the protocol.
    ENGRAM_RETURN_IF_ERROR(engine->ForgetOwner(c.id).status());
    std::vector<NewMemory> batch;
    for (const Turn& t : c.turns) {
      NewMemory m;
      m.owner_id = c.id;
      m.type = MemoryType::kEpisode;
      m.text = t.text;
      m.observed_at = t.at;
      m.source = "locomo";
      m.metadata =
          json{{"dia_id", t.dia_id}, {"speaker", t.speaker}, {"session", t.session}}.dump();
      batch.push_back(std::move(m));
      if (batch.size() == 500) {
        ENGRAM_RETURN_IF_ERROR(engine->AddMemories(batch).status());
        batch.clear();
      }
    }
    if (!batch.empty()) ENGRAM_RETURN_IF_ERROR(engine->AddMemories(batch).status());
    report.turns += c.turns.size();
  }
  report.ingest_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  struct Config {
    std::string name;
    SearchMode mode;
    bool recency;
  };
  // The defaults first: they are what users get.
  std::vector<Config> configs = {{"default", SearchOptions{}.mode, SearchOptions{}.use_recency},
                                 {"lexical", SearchMode::kLexical, false}};
  if (options.embedder) {
    configs.push_back({"vector", SearchMode::kVector, false});
    configs.push_back({"hybrid", SearchMode::kHybrid, false});
  } else {
    configs.front().mode = SearchMode::kLexical;
  }
  if (!options.runs.empty()) {
    std::erase_if(configs, [&](const Config& c) {
      return std::find(options.runs.begin(), options.runs.end(), c.name) == options.runs.end();
    });
    if (configs.empty()) return Status::InvalidArgument("no LoCoMo run has any of those names");
  }
  for (const Config& config : configs) {
    LocomoRun run;
    run.name = config.name;
    LocomoScores all;
    double total_ms = 0;
    size_t searches = 0;
    for (size_t ci = 0; ci < conversations.size(); ++ci) {
      const Conversation& c = conversations[ci];
      LocomoScores& half = ci < kLocomoTuningConversations ? run.tuning : run.held_out;
      for (const Question& q : c.questions) {
        SearchOptions so;
        so.mode = config.mode;
        so.top_k = depth;
        so.use_recency = config.recency;
        so.record_access = false;
        const auto s0 = std::chrono::steady_clock::now();
        ENGRAM_ASSIGN_OR_RETURN(auto hits, engine->Search(c.id, q.text, so));
        total_ms += std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0)
                        .count();
        ++searches;
        std::vector<std::string> ids;
        for (const auto& h : hits) {
          json meta = json::parse(h.record.metadata, nullptr, false);
          ids.push_back(meta.is_object() ? meta.value("dia_id", "") : "");
        }
        for (size_t k : options.ks) {
          double recall = 1.0;  // no evidence counts as found, as in the official metric
          if (!q.evidence.empty()) {
            size_t found = 0;
            const size_t n = std::min(k, ids.size());
            for (const auto& e : q.evidence) {
              found += std::find(ids.begin(), ids.begin() + static_cast<long>(n), e) !=
                       ids.begin() + static_cast<long>(n);
            }
            recall = double(found) / double(q.evidence.size());
          }
          for (LocomoScores* s : {&all, &half}) {
            s->recall[q.category][k] += recall;
            s->recall[0][k] += recall;
          }
        }
        for (LocomoScores* s : {&all, &half}) {
          ++s->questions[q.category];
          ++s->questions[0];
        }
      }
    }
    for (LocomoScores* s : {&all, &run.tuning, &run.held_out}) {
      for (auto& [category, by_k] : s->recall) {
        for (auto& [k, sum] : by_k) sum /= double(s->questions[category]);
      }
    }
    run.recall = std::move(all.recall);
    run.questions = std::move(all.questions);
    run.mean_search_ms = searches ? total_ms / double(searches) : 0;
    report.runs.push_back(std::move(run));
  }
  return report;
}

namespace {

json ScoresToJson(const std::map<int, std::map<size_t, double>>& recall,
                  const std::map<int, size_t>& questions) {
  json r = json::object();
  for (const auto& [category, by_k] : recall) {
    json row = json::object();
    for (const auto& [k, v] : by_k) {
      std::string name = "@";  // appended, not "@" + ...: g++ 12's -Wrestrict false positive at -O3
      name += std::to_string(k);
      row[name] = v;
    }
    r[category == 0 ? "overall" : std::to_string(category)] = row;
  }
  json q = json::object();
  for (const auto& [category, n] : questions) {
    q[category == 0 ? "overall" : std::to_string(category)] = n;
  }
  return {{"recall", r}, {"questions", q}};
}

std::string Markdown(
    const LocomoReport& report,
    const std::function<const std::map<int, std::map<size_t, double>>&(const LocomoRun&)>&
        recall_of) {
  std::ostringstream out;
  out << "| retrieval | k | cat 1 | cat 2 | cat 3 | cat 4 | cat 5 | overall |\n"
      << "|---|---|---|---|---|---|---|---|\n";
  char buf[32];
  for (const auto& run : report.runs) {
    const auto& recall = recall_of(run);
    if (recall.empty()) continue;
    for (size_t k : report.ks) {
      out << "| " << run.name << " | " << k;
      for (int category : {1, 2, 3, 4, 5, 0}) {
        auto it = recall.find(category);
        if (it == recall.end()) {
          out << " | -";
          continue;
        }
        std::snprintf(buf, sizeof buf, "%.1f", 100 * it->second.at(k));
        out << " | " << (category == 0 ? "**" : "") << buf << (category == 0 ? "**" : "");
      }
      out << " |\n";
    }
  }
  return out.str();
}

}  // namespace

json ReportToJson(const LocomoReport& report) {
  json runs = json::array();
  for (const auto& run : report.runs) {
    json entry = ScoresToJson(run.recall, run.questions);
    entry["name"] = run.name;
    entry["tuning"] = ScoresToJson(run.tuning.recall, run.tuning.questions);
    if (!run.held_out.questions.empty()) {
      entry["held_out"] = ScoresToJson(run.held_out.recall, run.held_out.questions);
    }
    entry["mean_search_ms"] = run.mean_search_ms;
    runs.push_back(std::move(entry));
  }
  return json{{"conversations", report.conversations},
              {"turns", report.turns},
              {"ingest_seconds", report.ingest_seconds},
              {"tuning_conversations", "0-" + std::to_string(kLocomoTuningConversations - 1)},
              {"runs", runs}};
}

std::string ReportToMarkdown(const LocomoReport& report) {
  return Markdown(
      report, [](const LocomoRun& run) -> const auto& { return run.recall; });
}

std::string ReportToMarkdown(const LocomoReport& report, bool held_out) {
  return Markdown(
      report, [held_out](const LocomoRun& run) -> const auto& {
        return held_out ? run.held_out.recall : run.tuning.recall;
      });
}

}  // namespace engram::eval
