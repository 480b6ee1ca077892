#include "eval/scenario_file.h"

#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "engram/graph.h"
#include "util/time.h"

namespace engram::eval {

using nlohmann::json;

namespace {

constexpr const char* kDefaultStart = "2026-03-02T09:00:00Z";

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Reads the fields of one JSON object, failing on a wrong type and, at the end, on any field it
// was not asked for.
class Fields {
 public:
  Fields(const json& object, std::string where) : object_(object), where_(std::move(where)) {}

  bool Has(const char* name) const { return object_.contains(name); }
  // Marks a field the caller reads itself.
  void Accept(const char* name) { used_.insert(name); }

  Status String(const char* name, std::string& out) {
    used_.insert(name);
    auto it = object_.find(name);
    if (it == object_.end()) return Status::Ok();
    if (!it->is_string() || it->get<std::string>().empty()) {
      return Error(std::string("'") + name + "' must be a non-empty string");
    }
    out = it->get<std::string>();
    return Status::Ok();
  }
  Status Size(const char* name, size_t& out) {
    used_.insert(name);
    auto it = object_.find(name);
    if (it == object_.end()) return Status::Ok();
    if (!it->is_number_unsigned() || it->get<uint64_t>() == 0) {
      return Error(std::string("'") + name + "' must be a positive integer");
    }
    out = it->get<size_t>();
    return Status::Ok();
  }
  Status Int(const char* name, std::optional<int64_t>& out) {
    used_.insert(name);
    auto it = object_.find(name);
    if (it == object_.end()) return Status::Ok();
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return Error(std::string("'") + name + "' must be a non-negative integer");
    }
    out = it->get<int64_t>();
    return Status::Ok();
  }
  Status Number(const char* name, std::optional<double>& out) {
    used_.insert(name);
    auto it = object_.find(name);
    if (it == object_.end()) return Status::Ok();
    if (!it->is_number()) return Error(std::string("'") + name + "' must be a number");
    out = it->get<double>();
    return Status::Ok();
  }
  Status True(const char* name) {
    used_.insert(name);
    if (object_.at(name) != json(true)) return Error(std::string("'") + name + "' must be true");
    return Status::Ok();
  }
  // A string or an array of non-empty strings.
  Status Texts(const char* name, std::vector<std::string>& out) {
    used_.insert(name);
    auto it = object_.find(name);
    if (it == object_.end()) return Status::Ok();
    if (it->is_string()) {
      if (!it->get<std::string>().empty()) {
        out.push_back(it->get<std::string>());
        return Status::Ok();
      }
    } else if (it->is_array() && !it->empty()) {
      for (const json& v : *it) {
        if (!v.is_string() || v.get<std::string>().empty()) break;
        out.push_back(v.get<std::string>());
      }
      if (out.size() == it->size()) return Status::Ok();
    }
    return Error(std::string("'") + name + "' must be a non-empty string or array of them");
  }
  Status Time(const char* name, std::optional<Timestamp>& out) {
    std::string text;
    ENGRAM_RETURN_IF_ERROR(String(name, text));
    if (text.empty()) return Status::Ok();
    Result<Timestamp> t = util::ParseTimestamp(text);
    if (!t.ok()) return Error(std::string("'") + name + "': " + t.status().message());
    out = *t;
    return Status::Ok();
  }
  Status Duration(const char* name, std::optional<Timestamp>& out) {
    std::string text;
    ENGRAM_RETURN_IF_ERROR(String(name, text));
    if (text.empty()) return Status::Ok();
    Result<Timestamp> d = ParseDuration(text);
    if (!d.ok()) return Error(std::string("'") + name + "': " + d.status().message());
    out = *d;
    return Status::Ok();
  }
  Status Type(const char* name, std::optional<MemoryType>& out) {
    std::string text;
    ENGRAM_RETURN_IF_ERROR(String(name, text));
    if (text.empty()) return Status::Ok();
    Result<MemoryType> t = ParseMemoryType(text);
    if (!t.ok()) return Error(std::string("'") + name + "': " + t.status().message());
    out = *t;
    return Status::Ok();
  }
  // Fails on the first field no reader asked for.
  Status Done() const {
    for (const auto& [name, value] : object_.items()) {
      if (!used_.count(name)) return Error("unknown field '" + name + "'");
    }
    return Status::Ok();
  }
  Status Error(const std::string& message) const {
    return Status::InvalidArgument(where_ + ": " + message);
  }

 private:
  const json& object_;
  std::string where_;
  std::set<std::string> used_;
};

// The one verb of an event or probe object among `verbs`.
Result<std::string> Verb(const json& object, std::initializer_list<const char*> verbs,
                         const std::string& where) {
  std::string found;
  for (const char* verb : verbs) {
    if (!object.contains(verb)) continue;
    if (!found.empty()) {
      return Status::InvalidArgument(where + ": both '" + found + "' and '" + verb + "'");
    }
    found = verb;
  }
  if (found.empty()) {
    std::string names;
    for (const char* verb : verbs) names += std::string(names.empty() ? "" : ", ") + verb;
    return Status::InvalidArgument(where + ": needs one of " + names);
  }
  return found;
}

Result<ScenarioEvent> ParseEvent(const json& object, const std::string& where) {
  if (!object.is_object()) return Status::InvalidArgument(where + ": must be an object");
  ENGRAM_ASSIGN_OR_RETURN(std::string verb,
                          Verb(object,
                               {"user", "assistant", "add", "update", "delete", "forget_owner",
                                "advance", "gc", "end_session", "summarize"},
                               where));
  Fields f(object, where);
  ScenarioEvent e;
  std::optional<Timestamp> after;
  ENGRAM_RETURN_IF_ERROR(f.Time("at", e.at));
  ENGRAM_RETURN_IF_ERROR(f.Duration("after", after));
  if (after) e.after_ms = *after;
  ENGRAM_RETURN_IF_ERROR(f.String("owner", e.owner));
  ENGRAM_RETURN_IF_ERROR(f.String("scope", e.scope));
  ENGRAM_RETURN_IF_ERROR(f.String("session", e.session));
  if (verb == "user" || verb == "assistant") {
    e.kind = ScenarioEvent::Kind::kTurn;
    e.role = verb == "user" ? Role::kUser : Role::kAssistant;
    ENGRAM_RETURN_IF_ERROR(f.String(verb.c_str(), e.text));
  } else if (verb == "add") {
    e.kind = ScenarioEvent::Kind::kAdd;
    ENGRAM_RETURN_IF_ERROR(f.String("add", e.text));
    std::optional<MemoryType> type;
    ENGRAM_RETURN_IF_ERROR(f.Type("type", type));
    if (type) e.type = *type;
    ENGRAM_RETURN_IF_ERROR(f.String("key", e.key));
    ENGRAM_RETURN_IF_ERROR(f.Number("confidence", e.confidence));
    ENGRAM_RETURN_IF_ERROR(f.Duration("expires_in", e.expires_in_ms));
  } else if (verb == "update") {
    e.kind = ScenarioEvent::Kind::kUpdate;
    ENGRAM_RETURN_IF_ERROR(f.String("update", e.match));
    ENGRAM_RETURN_IF_ERROR(f.String("text", e.text));
    if (e.text.empty()) return f.Error("'update' needs 'text'");
  } else if (verb == "delete") {
    e.kind = ScenarioEvent::Kind::kDelete;
    ENGRAM_RETURN_IF_ERROR(f.String("delete", e.match));
  } else if (verb == "forget_owner") {
    e.kind = ScenarioEvent::Kind::kForgetOwner;
    ENGRAM_RETURN_IF_ERROR(f.True("forget_owner"));
  } else if (verb == "advance") {
    e.kind = ScenarioEvent::Kind::kAdvance;
    std::optional<Timestamp> by;
    ENGRAM_RETURN_IF_ERROR(f.Duration("advance", by));
    if (!by) return f.Error("'advance' must be a duration such as \"3d\"");
    e.after_ms = *by;
  } else if (verb == "gc") {
    e.kind = ScenarioEvent::Kind::kGc;
    ENGRAM_RETURN_IF_ERROR(f.True("gc"));
  } else if (verb == "end_session") {
    e.kind = ScenarioEvent::Kind::kEndSession;
    ENGRAM_RETURN_IF_ERROR(f.String("end_session", e.session));
  } else {
    e.kind = ScenarioEvent::Kind::kSummarize;
    ENGRAM_RETURN_IF_ERROR(f.String("summarize", e.session));
    e.keep_turns = 1;
    std::optional<int64_t> keep;
    ENGRAM_RETURN_IF_ERROR(f.Int("keep_turns", keep));
    if (keep) e.keep_turns = static_cast<size_t>(*keep);
  }
  ENGRAM_RETURN_IF_ERROR(f.Done());
  return e;
}

Result<ScenarioProbe> ParseProbe(const json& object, const std::string& where) {
  if (!object.is_object()) return Status::InvalidArgument(where + ": must be an object");
  ENGRAM_ASSIGN_OR_RETURN(
      std::string verb, Verb(object,
                             {"search", "list_contains", "list_lacks", "count", "key", "no_secret",
                              "sees_nothing", "context", "neighbors"},
                             where));
  Fields f(object, where);
  ScenarioProbe p;
  p.label = object.dump();
  std::string scope;
  ENGRAM_RETURN_IF_ERROR(f.String("scope", scope));
  if (!scope.empty()) p.scope = scope;
  ENGRAM_RETURN_IF_ERROR(f.Type("type", p.type));
  ENGRAM_RETURN_IF_ERROR(f.String("note", p.label));  // a note replaces the raw JSON in reports
  if (verb != "sees_nothing") ENGRAM_RETURN_IF_ERROR(f.String("owner", p.owner));
  const bool matches = verb == "search" || verb == "context" || verb == "neighbors";
  if (matches) {
    ENGRAM_RETURN_IF_ERROR(f.String(verb.c_str(), p.query));
    ENGRAM_RETURN_IF_ERROR(f.Texts("contains", p.contains));
    ENGRAM_RETURN_IF_ERROR(f.Texts("lacks", p.lacks));
    if (p.contains.empty() && p.lacks.empty()) {
      return f.Error("'" + verb + "' needs 'contains' or 'lacks'");
    }
  }
  if (verb == "search") {
    p.kind = ScenarioProbe::Kind::kSearch;
    ENGRAM_RETURN_IF_ERROR(f.Size("top", p.top));
    ENGRAM_RETURN_IF_ERROR(f.String("key", p.key));
  } else if (verb == "context") {
    p.kind = ScenarioProbe::Kind::kContext;
    ENGRAM_RETURN_IF_ERROR(f.String("session", p.session));
    ENGRAM_RETURN_IF_ERROR(f.Size("budget", p.budget));
  } else if (verb == "neighbors") {
    p.kind = ScenarioProbe::Kind::kNeighbors;
    ENGRAM_RETURN_IF_ERROR(f.Size("depth", p.depth));
    if (p.query.empty()) return f.Error("'neighbors' needs an entity name");
    if (p.depth < 1 || p.depth > kMaxGraphDepth) {
      return f.Error("'depth' must be 1.." + std::to_string(kMaxGraphDepth));
    }
  } else if (verb == "list_contains" || verb == "list_lacks") {
    p.kind = verb == "list_contains" ? ScenarioProbe::Kind::kListContains
                                     : ScenarioProbe::Kind::kListLacks;
    ENGRAM_RETURN_IF_ERROR(f.String(verb.c_str(), p.text));
    ENGRAM_RETURN_IF_ERROR(f.String("key", p.key));
  } else if (verb == "count") {
    p.kind = ScenarioProbe::Kind::kCount;
    ENGRAM_RETURN_IF_ERROR(f.String("count", p.text));
    ENGRAM_RETURN_IF_ERROR(f.Int("min", p.min));
    ENGRAM_RETURN_IF_ERROR(f.Int("max", p.max));
    ENGRAM_RETURN_IF_ERROR(f.String("key", p.key));
    if (!p.min && !p.max) return f.Error("'count' needs 'min' or 'max'");
  } else if (verb == "key") {
    p.kind = ScenarioProbe::Kind::kKey;
    ENGRAM_RETURN_IF_ERROR(f.String("key", p.key));
    ENGRAM_RETURN_IF_ERROR(f.String("value", p.text));
    if (p.text.empty()) return f.Error("'key' needs 'value'");
  } else if (verb == "no_secret") {
    p.kind = ScenarioProbe::Kind::kNoSecret;
    ENGRAM_RETURN_IF_ERROR(f.String("no_secret", p.text));
  } else {
    p.kind = ScenarioProbe::Kind::kSeesNothing;
    ENGRAM_RETURN_IF_ERROR(f.String("sees_nothing", p.owner));
    ENGRAM_RETURN_IF_ERROR(f.String("query", p.query));
    if (p.query.empty()) return f.Error("'sees_nothing' needs 'query'");
  }
  ENGRAM_RETURN_IF_ERROR(f.Done());
  return p;
}

Result<Scenario> ParseScenario(const json& object, size_t line) {
  const std::string where = "line " + std::to_string(line);
  if (!object.is_object()) return Status::InvalidArgument(where + ": must be a JSON object");
  Fields f(object, where);
  Scenario s;
  s.line = line;
  ENGRAM_RETURN_IF_ERROR(f.String("id", s.id));
  ENGRAM_RETURN_IF_ERROR(f.String("category", s.category));
  if (s.id.empty() || s.category.empty()) return f.Error("needs 'id' and 'category'");
  const std::string at = where + " (" + s.id + ")";
  ENGRAM_RETURN_IF_ERROR(f.String("owner", s.owner));
  ENGRAM_RETURN_IF_ERROR(f.String("note", s.note));
  std::optional<Timestamp> start;
  ENGRAM_RETURN_IF_ERROR(f.Time("start", start));
  s.start = start ? *start : *util::ParseTimestamp(kDefaultStart);
  if (f.Has("policy")) {
    f.Accept("policy");
    if (!object["policy"].is_object()) return f.Error("'policy' must be an object");
    s.policy_json = object["policy"].dump();
  }
  for (const char* list : {"events", "probes"}) {
    f.Accept(list);
    auto it = object.find(list);
    if (it == object.end() || !it->is_array() || it->empty()) {
      return f.Error(std::string("needs a non-empty '") + list + "' array");
    }
  }
  ENGRAM_RETURN_IF_ERROR(f.Done());
  for (size_t i = 0; i < object["events"].size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(
        ScenarioEvent e, ParseEvent(object["events"][i], at + " event " + std::to_string(i + 1)));
    if (e.owner.empty()) e.owner = s.owner;
    s.events.push_back(std::move(e));
  }
  for (size_t i = 0; i < object["probes"].size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(
        ScenarioProbe p, ParseProbe(object["probes"][i], at + " probe " + std::to_string(i + 1)));
    if (p.owner.empty()) p.owner = s.owner;
    s.probes.push_back(std::move(p));
  }
  return s;
}

}  // namespace

Result<Timestamp> ParseDuration(std::string_view text) {
  if (text.size() < 2) return Status::InvalidArgument("bad duration '" + std::string(text) + "'");
  int64_t value = 0;
  for (char c : text.substr(0, text.size() - 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || value > 1'000'000'000) {
      return Status::InvalidArgument("bad duration '" + std::string(text) +
                                     "' (a number and s, m, h, d or w)");
    }
    value = value * 10 + (c - '0');
  }
  switch (text.back()) {
    case 's':
      return value * 1000;
    case 'm':
      return value * 60'000;
    case 'h':
      return value * 3'600'000;
    case 'd':
      return value * 86'400'000;
    case 'w':
      return value * 7 * 86'400'000;
    default:
      return Status::InvalidArgument("bad duration '" + std::string(text) +
                                     "' (a number and s, m, h, d or w)");
  }
}

Result<std::vector<Scenario>> ParseScenarios(std::string_view text) {
  std::vector<Scenario> out;
  std::set<std::string> ids;
  std::istringstream in{std::string(text)};
  std::string row;
  for (size_t line = 1; std::getline(in, row); ++line) {
    const size_t first = row.find_first_not_of(" \t\r");
    if (first == std::string::npos || row[first] == '#') continue;
    json object = json::parse(row, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) {
      return Status::InvalidArgument("line " + std::to_string(line) + ": not valid JSON");
    }
    ENGRAM_ASSIGN_OR_RETURN(Scenario s, ParseScenario(object, line));
    if (!ids.insert(s.id).second) {
      return Status::InvalidArgument("line " + std::to_string(line) + ": duplicate id '" + s.id +
                                     "'");
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) return Status::InvalidArgument("no scenarios in the file");
  return out;
}

Result<std::vector<Scenario>> LoadScenarioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open scenario file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  Result<std::vector<Scenario>> scenarios = ParseScenarios(text.str());
  if (!scenarios.ok()) {
    return Status::InvalidArgument(path + ": " + scenarios.status().message());
  }
  return scenarios;
}

bool ContainsWords(std::string_view haystack, std::string_view needle) {
  if (needle.empty() || needle.size() > haystack.size()) return false;
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  for (size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    size_t j = 0;
    while (j < needle.size() && lower(haystack[i + j]) == lower(needle[j])) ++j;
    if (j < needle.size()) continue;
    const bool start_ok = !IsWordChar(needle.front()) || i == 0 || !IsWordChar(haystack[i - 1]);
    const size_t end = i + needle.size();
    const bool end_ok =
        !IsWordChar(needle.back()) || end == haystack.size() || !IsWordChar(haystack[end]);
    if (start_ok && end_ok) return true;
  }
  return false;
}

}  // namespace engram::eval
