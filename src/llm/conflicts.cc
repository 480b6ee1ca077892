#include "llm/conflicts.h"

#include <algorithm>
#include <map>
#include <utility>

#include "llm/llm_text.h"
#include "llm/structured.h"

namespace engram::llm {
namespace {

using nlohmann::json;

constexpr char kConflictsSystemPrompt[] =
    R"(You keep an assistant's long-term memory about a user consistent.

You get new candidate memories, each with the most similar memories already stored. For every candidate, nominate exactly one action:
- "add": the candidate is new information, independent of the stored memories shown.
- "update": the candidate and a stored memory describe the same thing and both stay true; the stored one should be rewritten with the added detail or corrected wording. target_id: that memory's id.
- "supersede": the candidate contradicts or replaces a stored memory because something changed (a new city, a changed preference); the stored one is no longer current. target_id: that memory's id.
- "none": the candidate says nothing the stored memories do not already say.
target_id must be one of the ids listed under that candidate, or null for "add" and "none".
text: for "add", "update" and "supersede", the one third-person sentence to store (for "update", merge both); null for "none".
Give one nomination per candidate, using the candidate's index.)";

json BuildConflictsSchema() {
  const json nomination = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"candidate", "action", "target_id", "text"}},
      {"properties",
       {{"candidate", {{"type", "integer"}, {"minimum", 0}}},
        {"action", {{"type", "string"}, {"enum", {"add", "update", "supersede", "none"}}}},
        {"target_id", {{"type", {"string", "null"}}}},
        {"text", {{"type", {"string", "null"}}}}}}};
  return {{"type", "object"},
          {"additionalProperties", false},
          {"required", {"nominations"}},
          {"properties", {{"nominations", {{"type", "array"}, {"items", nomination}}}}}};
}

ConflictAction ParseAction(const std::string& name) {
  if (name == "update") return ConflictAction::kUpdate;
  if (name == "supersede") return ConflictAction::kSupersede;
  if (name == "none") return ConflictAction::kNone;
  return ConflictAction::kAdd;
}

// Each index in `asked` exactly once, and no other.
Status CheckCoverage(const json& answer, const std::vector<size_t>& asked) {
  std::map<size_t, int> seen;
  for (const json& n : answer["nominations"]) {
    // The schema makes it a non-negative integer; the bound comes before the cast, which a huge
    // double would overflow.
    const double index = n["candidate"].get<double>();
    const size_t i = index <= static_cast<double>(asked.back()) ? static_cast<size_t>(index) : 0;
    if (index > static_cast<double>(asked.back()) ||
        !std::binary_search(asked.begin(), asked.end(), i)) {
      return Status::InvalidArgument("$.nominations: candidate " + n["candidate"].dump() +
                                     " was not asked about");
    }
    if (++seen[i] > 1) {
      return Status::InvalidArgument("$.nominations: candidate " + std::to_string(i) +
                                     " has more than one nomination");
    }
  }
  for (const size_t i : asked) {
    if (!seen.contains(i)) {
      return Status::InvalidArgument("$.nominations: candidate " + std::to_string(i) +
                                     " has no nomination");
    }
  }
  return Status::Ok();
}

}  // namespace

const char* ConflictActionName(ConflictAction action) {
  switch (action) {
    case ConflictAction::kUpdate:
      return "update";
    case ConflictAction::kSupersede:
      return "supersede";
    case ConflictAction::kNone:
      return "none";
    case ConflictAction::kAdd:
      break;
  }
  return "add";
}

const json& ResolutionSchema() {
  static const json schema = BuildConflictsSchema();
  return schema;
}

Result<std::vector<Nomination>> ResolveConflicts(LlmClient& client, CallBudget& budget,
                                                 std::span<const hygiene::Candidate> candidates,
                                                 std::span<const std::vector<LiveMemory>> similar,
                                                 const ResolveOptions& options) {
  if (similar.size() != candidates.size()) {
    return Status::InvalidArgument("ResolveConflicts: " + std::to_string(candidates.size()) +
                                   " candidates but " + std::to_string(similar.size()) +
                                   " lists of similar memories");
  }
  std::vector<Nomination> nominations(candidates.size());
  std::vector<size_t> asked;  // ascending
  json rendered = json::array();
  for (size_t i = 0; i < candidates.size(); ++i) {
    nominations[i].text = candidates[i].text;  // "add" as it is, unless the model says otherwise
    if (similar[i].empty()) continue;
    asked.push_back(i);
    json memories = json::array();
    for (const LiveMemory& m : similar[i]) {
      memories.push_back({{"id", m.id},
                          {"type", MemoryTypeName(m.type)},
                          {"key", m.key},
                          {"text", TruncateUtf8(m.text, options.max_text_bytes)}});
    }
    rendered.push_back({{"candidate", i},
                        {"type", MemoryTypeName(candidates[i].type)},
                        {"key", candidates[i].key},
                        {"text", TruncateUtf8(candidates[i].text, options.max_text_bytes)},
                        {"similar_stored_memories", std::move(memories)}});
  }
  if (asked.empty()) return nominations;

  CompletionRequest request;
  request.system = kConflictsSystemPrompt;
  request.messages.push_back({MessageRole::kUser, json{{"candidates", rendered}}.dump()});
  request.max_tokens = options.max_tokens;
  request.temperature = 0;
  request.schema_name = "nominations";
  request.budget = &budget;
  ENGRAM_ASSIGN_OR_RETURN(
      json answer, CompleteJson(client, std::move(request), ResolutionSchema(),
                                [&asked](const json& a) { return CheckCoverage(a, asked); }));

  for (const json& n : answer["nominations"]) {
    const size_t i = static_cast<size_t>(n["candidate"].get<double>());
    Nomination& out = nominations[i];
    out.action = ParseAction(n["action"].get<std::string>());
    if (n["text"].is_string() && !n["text"].get<std::string>().empty()) {
      out.text = n["text"].get<std::string>();
    }
    if (out.action == ConflictAction::kNone) {
      out.text.clear();
      continue;
    }
    if (out.action == ConflictAction::kAdd) continue;
    const std::string target = n["target_id"].is_string() ? n["target_id"].get<std::string>() : "";
    const auto shown = std::find_if(similar[i].begin(), similar[i].end(),
                                    [&target](const LiveMemory& m) { return m.id == target; });
    if (target.empty() || shown == similar[i].end()) {
      out.flag = std::string(target.empty() ? "no" : "unknown") + " target id for " +
                 ConflictActionName(out.action) + "; added instead";
      out.action = ConflictAction::kAdd;
      out.text = candidates[i].text;  // the model's text may merge in a memory that is not there
      out.flagged = true;
      continue;
    }
    out.target_id = target;
  }
  return nominations;
}

}  // namespace engram::llm
