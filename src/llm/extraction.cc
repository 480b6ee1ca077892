#include "llm/extraction.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <utility>

#include "hygiene/slot_triples.h"
#include "llm/llm_text.h"
#include "llm/structured.h"
#include "util/time.h"
#include "util/utf8.h"

namespace engram::llm {
namespace {

using nlohmann::json;

constexpr char kSystemPrompt[] =
    R"(You extract durable memories about the user from a conversation, for an assistant's long-term memory.

Extract only what the user states about themselves (or their family, pets, team, deadlines and standing instructions to the assistant), or about the people, teams, projects, services, customers and places of their world ("Lena runs the mobile team", "our billing API depends on the ledger service"), that will still matter in later conversations. Assistant, system and tool turns are context only, never evidence. Extract nothing from questions, hypotheticals ("if I lived in Paris"), plans that are not yet true, small talk, or statements about the conversation itself. Return an empty list when nothing qualifies; most turns contain nothing.

Each memory:
- type: "fact" (about the user's life), "preference" (likes, dislikes, settings, rules for the assistant), "episode" (a dated event or deadline), "procedure" (when X happens, do Y).
- key: what the memory is about, never its value, so that a later change of value has the same key. Dot-separated lower-case slugs; multi-word items joined with "-". Use this vocabulary:
  user.name, user.age, user.birthday, user.birth_year, user.birthplace, user.origin, user.location.city, user.employer, user.role, user.industry, user.school, user.tools.<tool>, user.speaks.<language>, team.stack.<tool>,
  pref.ui.theme, pref.code.indentation, pref.units, pref.units.temperature, pref.likes.<item>, pref.favorite.<category>, pref.rule.<action>,
  diet.allergy.<item, singular>, diet.avoid.<item, singular>, diet.intolerance.<item>, diet.style, diet.observance, health.condition.<condition>,
  family.<relation>.name, family.<relation>.birthday, family.pet.<species>.name, deadline.<task>, proc.<trigger>,
  world.<subject>.<relation> for a fact of the user's world that holds one value at a time ("world.mobile_team.led_by"), world.<subject>.<relation>.<object> for one that accumulates ("world.billing_api.depends_on.ledger_service"), note.<topic> (anything else).
- text: one third-person sentence that stands alone, e.g. "The user prefers dark mode."
- confidence: 0 to 1; explicit statements ("my name is Dana") high, inferences lower.
- value: the value itself as a short string ("dark", "Dana", "2026-03-06"), or null.
- valid_from: "YYYY-MM-DD" when the user says since when it holds ("since 2020", "I moved to Berlin in 2021"), resolved against the turn's observed_at; otherwise null. Deadlines go in value, not here.
- triples: the knowledge-graph edges the memory states, often none: each {subject, subject_type, relation, object, object_type}. The user is the subject "user" of type "person". Names as written without "the"/"our" ("payments service"); types one lower-case word (person, team, service, project, organization, place, tool...); relation in lower_snake_case (works_at, lives_in, depends_on, runs_on, uses, part_of, reports_to; "X runs/leads the Y team" is Y -led_by-> X and "X owns Y" is Y -owned_by-> X, so that a new leader or owner replaces the old one). A pronoun is never an entity: leave the triple out when you cannot name both ends.
Use each key at most once.)";

json BuildSchema() {
  json triple_fields = json::object();
  for (const char* name : {"subject", "subject_type", "relation", "object", "object_type"}) {
    triple_fields[name] = {{"type", "string"}};
  }
  const json triple = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"subject", "subject_type", "relation", "object", "object_type"}},
      {"properties", triple_fields}};
  const json memory = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"type", "key", "text", "confidence", "value", "valid_from", "triples"}},
      {"properties",
       {{"type", {{"type", "string"}, {"enum", {"fact", "preference", "episode", "procedure"}}}},
        {"key", {{"type", "string"}}},
        {"text", {{"type", "string"}}},
        {"confidence", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
        {"value", {{"type", {"string", "null"}}}},
        {"valid_from", {{"type", {"string", "null"}}}},
        {"triples", {{"type", "array"}, {"items", triple}}}}}};
  return {{"type", "object"},
          {"additionalProperties", false},
          {"required", {"memories"}},
          {"properties", {{"memories", {{"type", "array"}, {"items", memory}}}}}};
}

std::string NormalizeKey(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key;
}

// Dot-separated slugs of [a-z0-9_-], at least two, at most 128 bytes.
bool IsValidKey(const std::string& key) {
  if (key.empty() || key.size() > 128 || key.find('.') == std::string::npos) return false;
  if (key.front() == '.' || key.back() == '.' || key.find("..") != std::string::npos) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

std::optional<Timestamp> ParseDate(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  if (text.size() != 10) return std::nullopt;  // dates only: a time of day is not asked for
  Result<Timestamp> t = util::ParseTimestamp(text);
  if (!t.ok()) return std::nullopt;
  return *t;
}

Status CheckMeaning(const json& answer, size_t max_candidates) {
  const json& memories = answer["memories"];
  if (memories.size() > max_candidates) {
    return Status::InvalidArgument("$.memories: at most " + std::to_string(max_candidates) +
                                   " memories, got " + std::to_string(memories.size()));
  }
  for (size_t i = 0; i < memories.size(); ++i) {
    const json& m = memories[i];
    const std::string at = "$.memories[" + std::to_string(i) + "]";
    if (!IsValidKey(NormalizeKey(m["key"].get<std::string>()))) {
      return Status::InvalidArgument(at +
                                     ".key: must be dot-separated lower-case slugs such as "
                                     "\"pref.ui.theme\"");
    }
    const std::string text = m["text"].get<std::string>();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
      return Status::InvalidArgument(at + ".text: must not be empty");
    }
    if (!m["valid_from"].is_null() && !ParseDate(m["valid_from"])) {
      return Status::InvalidArgument(at + ".valid_from: must be a YYYY-MM-DD date or null");
    }
    // A triple the graph would refuse refuses the whole answer: nothing of it is written.
    for (size_t k = 0; k < m["triples"].size(); ++k) {
      std::string why;
      if (!hygiene::TripleFromJson(m["triples"][k], &why)) {
        return Status::InvalidArgument(at + ".triples[" + std::to_string(k) + "]: " + why);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

const json& ExtractionSchema() {
  static const json schema = BuildSchema();
  return schema;
}

Result<std::vector<hygiene::Candidate>> ExtractCandidates(LlmClient& client, CallBudget& budget,
                                                          std::span<const Turn> turns,
                                                          Timestamp now,
                                                          const ExtractOptions& options) {
  json rendered = json::array();
  bool has_user_text = false;
  for (size_t i = 0; i < turns.size(); ++i) {
    const Turn& turn = turns[i];
    if (!util::IsValidUtf8(turn.text)) {
      return Status::InvalidArgument("turn " + std::to_string(i) + " is not valid UTF-8");
    }
    if (turn.text.empty()) continue;
    has_user_text = has_user_text || turn.role == Role::kUser;
    rendered.push_back({{"role", RoleName(turn.role)},
                        {"observed_at", util::FormatTimestamp(turn.observed_at)},
                        {"text", TruncateUtf8(turn.text, options.max_turn_bytes)}});
  }
  if (!has_user_text) return std::vector<hygiene::Candidate>{};

  CompletionRequest request;
  request.system = kSystemPrompt;
  request.messages.push_back(
      {MessageRole::kUser, json{{"now", util::FormatTimestamp(now)}, {"turns", rendered}}.dump()});
  request.max_tokens = options.max_tokens;
  request.temperature = 0;
  request.schema_name = "memories";
  request.budget = &budget;
  const size_t max_candidates = options.max_candidates;
  ENGRAM_ASSIGN_OR_RETURN(json answer, CompleteJson(client, std::move(request), ExtractionSchema(),
                                                    [max_candidates](const json& a) {
                                                      return CheckMeaning(a, max_candidates);
                                                    }));

  std::vector<hygiene::Candidate> all;
  for (const json& m : answer["memories"]) {
    hygiene::Candidate c;
    c.type = *ParseMemoryType(m["type"].get<std::string>());  // the schema's enum guarantees it
    c.key = NormalizeKey(m["key"].get<std::string>());
    c.text = m["text"].get<std::string>();
    c.confidence = m["confidence"].get<double>();
    json data = json::object();
    if (m["value"].is_string()) data["value"] = m["value"];
    if (!m["triples"].empty()) data["triples"] = m["triples"];
    c.data = data.dump();
    c.valid_from = ParseDate(m["valid_from"]);
    all.push_back(std::move(c));
  }
  // One key per answer, the later statement winning in its own position, as offline.
  std::map<std::string, size_t> last;
  for (size_t k = 0; k < all.size(); ++k) last[all[k].key] = k;
  std::vector<hygiene::Candidate> candidates;
  for (size_t k = 0; k < all.size(); ++k) {
    if (last[all[k].key] == k) candidates.push_back(std::move(all[k]));
  }
  return candidates;
}

}  // namespace engram::llm
