#include "core/json_codec.h"

#include "util/json.h"
#include "util/time.h"

namespace engram::core {

nlohmann::json OptionalTimeToJson(const std::optional<Timestamp>& t) {
  return t ? nlohmann::json(util::FormatTimestamp(*t)) : nlohmann::json(nullptr);
}

nlohmann::json OptionalStringToJson(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

namespace {

using nlohmann::json;

json ParseStored(const std::string& s) {
  if (s.empty()) return nullptr;
  // Stored before the depth limit, a deeper value is shown as its text: printing it as JSON
  // would recurse once per level and indent every line by its depth.
  return util::ParseJsonOr(json(s), s);
}

}  // namespace

json MemoryToJson(const MemoryRecord& r) {
  return json{
      {"id", r.id},
      {"owner_id", r.owner_id},
      {"scope", r.scope},
      {"agent_id", OptionalStringToJson(r.agent_id)},
      {"session_id", OptionalStringToJson(r.session_id)},
      {"type", MemoryTypeName(r.type)},
      {"key", OptionalStringToJson(r.key)},
      {"text", r.text},
      {"data", ParseStored(r.data)},
      {"metadata", ParseStored(r.metadata)},
      {"source", OptionalStringToJson(r.source)},
      {"confidence", r.confidence},
      {"created_at", util::FormatTimestamp(r.created_at)},
      {"updated_at", util::FormatTimestamp(r.updated_at)},
      {"valid_from", OptionalTimeToJson(r.valid_from)},
      {"valid_to", OptionalTimeToJson(r.valid_to)},
      {"last_verified_at", OptionalTimeToJson(r.last_verified_at)},
      {"last_accessed_at", OptionalTimeToJson(r.last_accessed_at)},
      {"access_count", r.access_count},
      {"expires_at", OptionalTimeToJson(r.expires_at)},
      {"superseded_by", OptionalStringToJson(r.superseded_by)},
      {"deleted_at", OptionalTimeToJson(r.deleted_at)},
  };
}

json SessionItemToJson(const SessionItem& item) {
  json out{{"seq", item.seq},
           {"role", RoleName(item.role)},
           {"content", item.content},
           {"created_at", util::FormatTimestamp(item.created_at)}};
  if (!item.tool_calls.empty()) out["tool_calls"] = ParseStored(item.tool_calls);
  if (!item.tool_call_id.empty()) out["tool_call_id"] = item.tool_call_id;
  return out;
}

json OwnerItemToJson(const OwnerItem& item) {
  json out = SessionItemToJson(item.item);
  out["session_id"] = item.session_id;
  return out;
}

json HistoryEventToJson(const HistoryEvent& e) {
  return json{{"seq", e.seq},
              {"memory_id", e.memory_id},
              {"event", HistoryEventTypeName(e.event)},
              {"actor", OptionalStringToJson(e.actor)},
              {"reason", OptionalStringToJson(e.reason)},
              {"old_value", ParseStored(e.old_value)},
              {"new_value", ParseStored(e.new_value)},
              {"at", util::FormatTimestamp(e.at)}};
}

json ForgetReportToJson(const ForgetReport& r) {
  return json{{"memories", r.memories},
              {"history_events", r.history_events},
              {"sessions", r.sessions},
              {"session_items", r.session_items},
              {"checkpoints", r.checkpoints}};
}

json WriteResultToJson(const WriteResult& r) {
  return json{{"event", WriteEventName(r.event)},
              {"memory", MemoryToJson(r.record)},
              {"superseded_ids", r.superseded_ids}};
}

json CoreBlockToJson(const CoreBlock& b) {
  return json{{"id", b.id},       {"scope", b.scope},
              {"label", b.label}, {"value", b.value},
              {"limit", b.limit}, {"updated_at", util::FormatTimestamp(b.updated_at)}};
}

json SessionSummaryToJson(const SessionSummary& s) {
  return json{{"text", s.text},
              {"updated_at", util::FormatTimestamp(s.updated_at)},
              {"through_seq", s.through_seq}};
}

json TurnReportToJson(const TurnReport& r) {
  json writes = json::array();
  for (const WriteResult& w : r.writes) writes.push_back(WriteResultToJson(w));
  json forgotten = json::array();
  for (const MemoryRecord& m : r.forgotten) forgotten.push_back(MemoryToJson(m));
  return json{{"disposition", DispositionName(r.disposition)},
              {"reason", r.reason},
              {"writes", std::move(writes)},
              {"forgotten", std::move(forgotten)},
              {"skipped", r.skipped},
              {"llm_error", r.llm_error.empty() ? json(nullptr) : json(r.llm_error)}};
}

json GcReportToJson(const GcReport& r) {
  return json{{"expired_memories", r.expired_memories},
              {"history_events", r.history_events},
              {"session_items", r.session_items}};
}

namespace {
json ContextItemToJson(const ContextItem& item) {
  json out{{"section", ContextSectionName(item.section)},
           {"reason", item.reason},
           {"score", item.score},
           {"tokens", item.tokens},
           {"text", item.text}};
  if (!item.memory_id.empty()) out["memory_id"] = item.memory_id;
  if (item.session_seq != 0) out["session_seq"] = item.session_seq;
  return out;
}
}  // namespace

json ContextToJson(const Context& c) {
  json items = json::array(), omitted = json::array();
  for (const ContextItem& i : c.items) items.push_back(ContextItemToJson(i));
  for (const ContextItem& i : c.omitted) omitted.push_back(ContextItemToJson(i));
  return json{{"items", std::move(items)},
              {"omitted", std::move(omitted)},
              {"token_count", c.token_count},
              {"token_budget", c.token_budget},
              {"rendered", c.rendered}};
}

json SearchHitToJson(const SearchHit& hit, bool explain) {
  json out = MemoryToJson(hit.record);
  out["score"] = hit.score;
  if (explain) {
    const ScoreExplanation& e = hit.explanation;
    auto rank = [](int r) { return r ? json(r) : json(nullptr); };
    out["explanation"] = {{"lexical_rank", rank(e.lexical_rank)},
                          {"lexical_score", e.lexical_score},
                          {"vector_rank", rank(e.vector_rank)},
                          {"vector_similarity", e.vector_similarity},
                          {"relevance", e.relevance},
                          {"date", e.date},
                          {"context", e.context},
                          {"answer", e.answer},
                          {"graph", e.graph},
                          {"graph_reason", e.graph_reason},
                          {"recency", e.recency},
                          {"confidence", e.confidence},
                          {"final", e.final_score}};
  }
  return out;
}

namespace {

Result<std::optional<Timestamp>> TimeField(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::optional<Timestamp>();
  if (it->is_number_integer()) {
    const bool huge =
        it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(util::kMaxTimestamp);
    ENGRAM_RETURN_IF_ERROR(
        util::CheckTimestampRange(name, huge ? util::kMaxTimestamp + 1 : it->get<int64_t>()));
    return std::optional<Timestamp>(it->get<int64_t>());
  }
  if (it->is_string()) {
    Result<Timestamp> t = util::ParseTimestamp(it->get<std::string>());
    if (!t.ok()) return Status::InvalidArgument(std::string(name) + ": " + t.status().message());
    return std::optional<Timestamp>(*t);
  }
  return Status::InvalidArgument(std::string(name) + " must be ISO-8601 text or epoch ms");
}

Status StringField(const json& j, const char* name, std::string* out) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return Status::Ok();
  if (!it->is_string()) return Status::InvalidArgument(std::string(name) + " must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

}  // namespace

Result<NewMemory> NewMemoryFromJson(const json& j, const std::string& owner_id) {
  if (!j.is_object()) return Status::InvalidArgument("a memory must be a JSON object");
  NewMemory m;
  m.owner_id = owner_id;
  std::string owner_in_json;
  ENGRAM_RETURN_IF_ERROR(StringField(j, "owner_id", &owner_in_json));
  if (!owner_in_json.empty() && owner_in_json != owner_id) {
    return Status::PermissionDenied("owner_id in the memory differs from the caller's owner");
  }
  if (!j.contains("text")) return Status::InvalidArgument("text is required");
  ENGRAM_RETURN_IF_ERROR(StringField(j, "text", &m.text));
  ENGRAM_RETURN_IF_ERROR(StringField(j, "scope", &m.scope));
  if (m.scope.empty()) m.scope = "global";
  ENGRAM_RETURN_IF_ERROR(StringField(j, "agent_id", &m.agent_id));
  ENGRAM_RETURN_IF_ERROR(StringField(j, "session_id", &m.session_id));
  ENGRAM_RETURN_IF_ERROR(StringField(j, "key", &m.key));
  ENGRAM_RETURN_IF_ERROR(StringField(j, "source", &m.source));
  std::string type;
  ENGRAM_RETURN_IF_ERROR(StringField(j, "type", &type));
  if (!type.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(m.type, ParseMemoryType(type));
  }
  if (auto it = j.find("data"); it != j.end() && !it->is_null()) m.data = DumpJson(*it);
  if (auto it = j.find("metadata"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) return Status::InvalidArgument("metadata must be a JSON object");
    m.metadata = DumpJson(*it);
  }
  if (auto it = j.find("confidence"); it != j.end() && !it->is_null()) {
    if (!it->is_number()) return Status::InvalidArgument("confidence must be a number");
    m.confidence = it->get<double>();
  }
  ENGRAM_ASSIGN_OR_RETURN(m.observed_at, TimeField(j, "observed_at"));
  if (!m.observed_at) {
    ENGRAM_ASSIGN_OR_RETURN(m.observed_at, TimeField(j, "created_at"));
  }
  ENGRAM_ASSIGN_OR_RETURN(m.valid_from, TimeField(j, "valid_from"));
  ENGRAM_ASSIGN_OR_RETURN(m.valid_to, TimeField(j, "valid_to"));
  ENGRAM_ASSIGN_OR_RETURN(m.expires_at, TimeField(j, "expires_at"));
  return m;
}

namespace {

std::string Compact(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// nlohmann's pretty layout (dump(indent)) down to kMaxPrettyDepth, compact below.
void AppendPretty(const json& value, int indent, int depth, std::string& out) {
  const bool nonempty_container = value.is_structured() && !value.empty();
  if (!nonempty_container || depth >= kMaxPrettyDepth) {
    out += Compact(value);
    return;
  }
  const bool object = value.is_object();
  out += object ? "{\n" : "[\n";
  const std::string inner(static_cast<size_t>(indent) * (depth + 1), ' ');
  bool first = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out += inner;
    if (object) {
      out += Compact(json(it.key()));
      out += ": ";
    }
    AppendPretty(*it, indent, depth + 1, out);
  }
  out += '\n';
  out.append(static_cast<size_t>(indent) * depth, ' ');
  out += object ? '}' : ']';
}

}  // namespace

std::string DumpJson(const json& value, int indent) {
  if (indent < 0) return Compact(value);
  std::string out;
  AppendPretty(value, indent, 0, out);
  return out;
}

}  // namespace engram::core
