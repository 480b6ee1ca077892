#include "eval/scenarios.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "engram/engine.h"

namespace engram::eval {

using nlohmann::json;

namespace {

std::string Quote(const std::string& s) {
  return "\"" + s + "\"";
}

std::string Shorten(const std::string& s, size_t max = 160) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (out.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out = out.substr(0, cut) + "...";
  }
  return out;
}

// Texts as "1. "a" 2. "b"", for reports; "(none)" when empty.
std::string Numbered(const std::vector<std::string>& texts) {
  if (texts.empty()) return "(none)";
  std::string out;
  for (size_t i = 0; i < texts.size(); ++i) {
    out += (i ? " " : "") + std::to_string(i + 1) + ". " + Quote(Shorten(texts[i]));
  }
  return out;
}

// The owner's live memories (not deleted, superseded or expired) matching the filters.
Result<std::vector<MemoryRecord>> LiveMemories(Engine& engine, const std::string& owner,
                                               const std::optional<std::string>& scope,
                                               const std::optional<MemoryType>& type,
                                               const std::string& key) {
  ListOptions o;
  o.scope = scope;
  o.type = type;
  if (!key.empty()) o.key = key;
  o.limit = 1000;
  std::vector<MemoryRecord> out;
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, engine.ListMemories(owner, o));
    std::move(page.items.begin(), page.items.end(), std::back_inserter(out));
    if (page.next_cursor.empty()) break;
    o.cursor = page.next_cursor;
  }
  return out;
}

std::vector<std::string> TextsContaining(const std::vector<MemoryRecord>& records,
                                         const std::string& needle) {
  std::vector<std::string> out;
  for (const MemoryRecord& r : records) {
    if (ContainsWords(r.text, needle)) out.push_back(r.text);
  }
  return out;
}

// The outcome of one probe: empty `expected` means it passed.
struct Outcome {
  std::string expected;
  std::string got;
};

// Checks that every `contains` text is in some of `texts` and no `lacks` text is in any.
Outcome MatchTexts(const ScenarioProbe& p, const std::vector<std::string>& texts,
                   const std::string& what) {
  auto found = [&](const std::string& needle) {
    return std::any_of(texts.begin(), texts.end(),
                       [&](const std::string& t) { return ContainsWords(t, needle); });
  };
  std::string expected;
  for (const std::string& needle : p.contains) {
    if (!found(needle))
      expected += (expected.empty() ? "" : "; ") + what + " contains " + Quote(needle);
  }
  for (const std::string& needle : p.lacks) {
    if (found(needle))
      expected += (expected.empty() ? "" : "; ") + what + " lacks " + Quote(needle);
  }
  return {expected, expected.empty() ? "" : Numbered(texts)};
}

// Where in the files under `dir` the bytes of `secret` occur; empty when nowhere.
std::string FindBytes(const std::filesystem::path& dir, const std::string& secret) {
  std::string where;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.find(secret) != std::string::npos) {
      where += (where.empty() ? "" : ", ") + entry.path().filename().string();
    }
  }
  return where;
}

class ScenarioRun {
 public:
  ScenarioRun(Engine& engine, ManualClock& clock, const Policy& policy, bool has_embedder,
              std::filesystem::path dir)
      : engine_(engine),
        clock_(clock),
        policy_(policy),
        has_embedder_(has_embedder),
        dir_(std::move(dir)) {}

  Status Apply(const ScenarioEvent& e) {
    if (e.kind == ScenarioEvent::Kind::kAdvance) {
      clock_.Advance(e.after_ms);
      return Status::Ok();
    }
    if (e.at) {
      clock_.Set(*e.at);
    } else {
      clock_.Advance(e.after_ms);
    }
    switch (e.kind) {
      case ScenarioEvent::Kind::kTurn: {
        SessionItem item;
        item.role = e.role;
        item.content = e.text;
        ENGRAM_RETURN_IF_ERROR(engine_.AddSessionItems(e.owner, e.session, {item}).status());
        // With extract_on_session_append the append already ran the write path on user turns.
        if (e.role == Role::kUser && policy_.extract_on_session_append) return Status::Ok();
        return engine_.RememberTurn(e.owner, e.scope, e.session, e.role, e.text).status();
      }
      case ScenarioEvent::Kind::kAdd: {
        NewMemory m;
        m.owner_id = e.owner;
        m.scope = e.scope;
        m.type = e.type;
        m.key = e.key;
        m.text = e.text;
        m.source = "scenario";
        if (e.confidence) m.confidence = *e.confidence;
        if (e.expires_in_ms) m.expires_at = clock_.Now() + *e.expires_in_ms;
        return engine_.AddMemory(m).status();
      }
      case ScenarioEvent::Kind::kUpdate: {
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> live, Matching(e));
        if (live.size() != 1) {
          return Status::InvalidArgument("update: " + std::to_string(live.size()) +
                                         " live memories contain " + Quote(e.match) +
                                         ", expected one");
        }
        MemoryUpdate u;
        u.text = e.text;
        u.change = {"scenario", "update"};
        return engine_.UpdateMemory(e.owner, live[0].id, u).status();
      }
      case ScenarioEvent::Kind::kDelete: {
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> live, Matching(e));
        if (live.empty()) {
          return Status::NotFound("delete: no live memory contains " + Quote(e.match));
        }
        std::vector<std::string> ids;
        for (const MemoryRecord& r : live) ids.push_back(r.id);
        return engine_.DeleteMemories(e.owner, ids, {"scenario", "delete"}).status();
      }
      case ScenarioEvent::Kind::kForgetOwner:
        return engine_.ForgetOwner(e.owner).status();
      case ScenarioEvent::Kind::kGc:
        return engine_.CollectGarbage().status();
      case ScenarioEvent::Kind::kEndSession:
        return engine_.EndSession(e.owner, e.scope, e.session).status();
      case ScenarioEvent::Kind::kSummarize:
        return engine_.SummarizeSession(e.owner, e.session, e.keep_turns).status();
      case ScenarioEvent::Kind::kAdvance:
        break;
    }
    return Status::Ok();
  }

  Outcome Check(const ScenarioProbe& p) {
    Result<Outcome> outcome = Probe(p);
    if (!outcome.ok()) return {"the probe to run", "error: " + outcome.status().ToString()};
    return *outcome;
  }

 private:
  Result<std::vector<MemoryRecord>> Matching(const ScenarioEvent& e) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> live,
                            LiveMemories(engine_, e.owner, std::nullopt, std::nullopt, ""));
    std::erase_if(live, [&](const MemoryRecord& r) { return !ContainsWords(r.text, e.match); });
    return live;
  }

  Result<Outcome> Probe(const ScenarioProbe& p) {
    switch (p.kind) {
      case ScenarioProbe::Kind::kSearch: {
        SearchOptions o;
        o.scope = p.scope;
        o.type = p.type;
        if (!p.key.empty()) o.key = p.key;
        o.top_k = p.top;
        o.mode = has_embedder_ ? SearchMode::kHybrid : SearchMode::kLexical;
        o.record_access = false;
        ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, engine_.Search(p.owner, p.query, o));
        std::vector<std::string> texts;
        for (const SearchHit& h : hits) texts.push_back(h.record.text);
        return MatchTexts(p, texts, "top " + std::to_string(p.top));
      }
      case ScenarioProbe::Kind::kContext: {
        ContextOptions o;
        if (p.scope) o.scope = *p.scope;
        o.session_id = p.session;
        o.query = p.query;
        o.token_budget = p.budget;
        ENGRAM_ASSIGN_OR_RETURN(Context context, engine_.AssembleContext(p.owner, o));
        return MatchTexts(p, {context.rendered}, "context");
      }
      case ScenarioProbe::Kind::kNeighbors: {
        // Each current edge within `depth` hops as "from relation to" ("mobile team led_by
        // Marco"); an entity the graph does not know has none.
        NeighborOptions o;
        if (p.scope) o.read.scope = *p.scope;
        o.depth = p.depth;
        Result<Neighborhood> around = engine_.Neighbors(p.owner, p.query, o);
        std::vector<std::string> edges;
        if (around.ok()) {
          for (const Relation& r : around->relations) {
            edges.push_back(r.from_name + " " + r.type + " " + r.to_name);
          }
        } else if (around.status().code() != Status::Code::kNotFound) {
          return around.status();
        }
        return MatchTexts(p, edges, "edges of " + Quote(p.query));
      }
      case ScenarioProbe::Kind::kListContains:
      case ScenarioProbe::Kind::kListLacks: {
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> live,
                                LiveMemories(engine_, p.owner, p.scope, p.type, p.key));
        std::vector<std::string> with = TextsContaining(live, p.text);
        if (p.kind == ScenarioProbe::Kind::kListContains && with.empty()) {
          std::vector<std::string> all;
          for (const MemoryRecord& r : live) all.push_back(r.text);
          return Outcome{"a live memory contains " + Quote(p.text), Numbered(all)};
        }
        if (p.kind == ScenarioProbe::Kind::kListLacks && !with.empty()) {
          return Outcome{"no live memory contains " + Quote(p.text), Numbered(with)};
        }
        return Outcome{};
      }
      case ScenarioProbe::Kind::kCount: {
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> live,
                                LiveMemories(engine_, p.owner, p.scope, p.type, p.key));
        std::vector<std::string> with = TextsContaining(live, p.text);
        const auto n = static_cast<int64_t>(with.size());
        if ((p.min && n < *p.min) || (p.max && n > *p.max)) {
          std::string range =
              p.min && p.max
                  ? (*p.min == *p.max ? std::to_string(*p.min)
                                      : std::to_string(*p.min) + ".." + std::to_string(*p.max))
              : p.min ? "at least " + std::to_string(*p.min)
                      : "at most " + std::to_string(*p.max);
          return Outcome{range + " live memories contain " + Quote(p.text),
                         std::to_string(n) + ": " + Numbered(with)};
        }
        return Outcome{};
      }
      case ScenarioProbe::Kind::kKey: {
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> live,
                                LiveMemories(engine_, p.owner, p.scope, p.type, p.key));
        if (live.size() == 1 && ContainsWords(live[0].text, p.text)) return Outcome{};
        std::vector<std::string> texts;
        for (const MemoryRecord& r : live) texts.push_back(r.text);
        return Outcome{"one live memory with key " + Quote(p.key) + ", containing " + Quote(p.text),
                       Numbered(texts)};
      }
      case ScenarioProbe::Kind::kNoSecret: {
        std::string where = FindBytes(dir_, p.text);
        if (where.empty()) return Outcome{};
        return Outcome{Quote(p.text) + " stored nowhere", "found in " + where};
      }
      case ScenarioProbe::Kind::kSeesNothing: {
        SearchOptions o;
        o.mode = has_embedder_ ? SearchMode::kHybrid : SearchMode::kLexical;
        o.record_access = false;
        ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, engine_.Search(p.owner, p.query, o));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> live,
                                LiveMemories(engine_, p.owner, p.scope, p.type, ""));
        if (hits.empty() && live.empty()) return Outcome{};
        std::vector<std::string> found, listed;
        for (const SearchHit& h : hits) found.push_back(h.record.text);
        for (const MemoryRecord& r : live) listed.push_back(r.text);
        return Outcome{"owner " + Quote(p.owner) + " finds and lists nothing",
                       "search: " + Numbered(found) + "; list: " + Numbered(listed)};
      }
    }
    return Outcome{};
  }

 private:
  Engine& engine_;
  ManualClock& clock_;
  const Policy& policy_;
  bool has_embedder_;
  std::filesystem::path dir_;
};

Result<std::vector<Outcome>> RunOne(const Scenario& s, const ScenarioOptions& options,
                                    const std::filesystem::path& dir) {
  Policy policy = options.policy;
  if (!s.policy_json.empty()) {
    Result<Policy> parsed = ParsePolicy(s.policy_json);
    if (!parsed.ok()) {
      return Status::InvalidArgument("line " + std::to_string(s.line) + " (" + s.id +
                                     ") policy: " + parsed.status().message());
    }
    policy = *parsed;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("cannot create '" + dir.string() + "': " + ec.message());
  auto clock = std::make_shared<ManualClock>(s.start);
  Options o;
  o.path = (dir / "store.db").string();
  o.clock = clock;
  o.embedder = options.embedder;
  o.durable_commits = false;
  o.policy = policy;
  ENGRAM_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Open(o));
  ScenarioRun run(*engine, *clock, policy, options.embedder != nullptr, dir);
  std::vector<Outcome> outcomes;
  for (size_t i = 0; i < s.events.size(); ++i) {
    Status st = run.Apply(s.events[i]);
    if (!st.ok()) {
      // The scenario cannot be judged past a refused event: every probe fails, saying why.
      const std::string got = "event " + std::to_string(i + 1) + " failed: " + st.ToString();
      for (size_t p = 0; p < s.probes.size(); ++p) outcomes.push_back({"the events to apply", got});
      return outcomes;
    }
  }
  for (const ScenarioProbe& p : s.probes) outcomes.push_back(run.Check(p));
  return outcomes;
}

json ScoreToJson(const CategoryScore& c) {
  return json{{"scenarios", c.scenarios},
              {"scenarios_passed", c.scenarios_passed},
              {"probes", c.probes},
              {"probes_passed", c.probes_passed}};
}

std::string Ratio(size_t passed, size_t total) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%zu/%zu %5.1f%%", passed, total,
                total ? 100.0 * double(passed) / double(total) : 0.0);
  return buf;
}

}  // namespace

Result<ScenarioReport> RunScenarios(const std::vector<Scenario>& scenarios,
                                    const ScenarioOptions& options) {
  ScenarioReport report;
  size_t index = 0;
  for (const Scenario& s : scenarios) {
    if (!options.category.empty() && s.category != options.category) continue;
    const std::filesystem::path dir =
        std::filesystem::path(options.work_dir) / ("scenario-" + std::to_string(index++));
    ENGRAM_ASSIGN_OR_RETURN(std::vector<Outcome> outcomes, RunOne(s, options, dir));
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    CategoryScore& c = report.categories[s.category];
    bool all = true;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const bool passed = outcomes[i].expected.empty();
      all = all && passed;
      ++c.probes;
      ++report.overall.probes;
      c.probes_passed += passed;
      report.overall.probes_passed += passed;
      if (!passed) {
        report.failures.push_back(
            {s.id, s.category, i + 1, s.probes[i].label, outcomes[i].expected, outcomes[i].got});
      }
    }
    ++c.scenarios;
    ++report.overall.scenarios;
    c.scenarios_passed += all;
    report.overall.scenarios_passed += all;
  }
  if (report.overall.scenarios == 0) {
    return Status::InvalidArgument("no scenario of category '" + options.category + "'");
  }
  return report;
}

json ScenarioReportToJson(const ScenarioReport& report) {
  json categories = json::object();
  for (const auto& [name, score] : report.categories) categories[name] = ScoreToJson(score);
  json failures = json::array();
  for (const ProbeFailure& f : report.failures) {
    failures.push_back({{"scenario", f.scenario},
                        {"category", f.category},
                        {"probe", f.probe},
                        {"label", f.label},
                        {"expected", f.expected},
                        {"got", f.got}});
  }
  return json{
      {"categories", categories}, {"overall", ScoreToJson(report.overall)}, {"failures", failures}};
}

std::string ScenarioReportToText(const ScenarioReport& report) {
  std::ostringstream out;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-20s %-20s %s\n", "category", "scenarios passed",
                "probes passed");
  out << buf;
  auto row = [&](const std::string& name, const CategoryScore& c) {
    std::snprintf(buf, sizeof buf, "%-20s %-20s %s\n", name.c_str(),
                  Ratio(c.scenarios_passed, c.scenarios).c_str(),
                  Ratio(c.probes_passed, c.probes).c_str());
    out << buf;
  };
  for (const auto& [name, score] : report.categories) row(name, score);
  row("overall", report.overall);
  if (!report.failures.empty()) {
    out << "\nfailures (" << report.failures.size() << "):\n";
    for (const ProbeFailure& f : report.failures) {
      out << "  " << f.scenario << " probe " << f.probe << ": " << Shorten(f.label, 200) << "\n"
          << "    expected: " << f.expected << "\n"
          << "    got:      " << f.got << "\n";
    }
  }
  return out.str();
}

}  // namespace engram::eval
