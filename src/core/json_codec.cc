#include "core/json_codec.h"

#include "util/time.h"

namespace engram::core {

namespace {

using nlohmann::json;

json OptionalTime(const std::optional<Timestamp>& t) {
  return t ? json(util::FormatTimestamp(*t)) : json(nullptr);
}
json OptionalString(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}
json ParseStored(const std::string& s) {
  if (s.empty()) return nullptr;
  json parsed = json::parse(s, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(s) : parsed;
}

}  // namespace

json MemoryToJson(const MemoryRecord& r) {
  return json{
      {"id", r.id},
      {"owner_id", r.owner_id},
      {"scope", r.scope},
      {"agent_id", OptionalString(r.agent_id)},
      {"session_id", OptionalString(r.session_id)},
      {"type", MemoryTypeName(r.type)},
      {"key", OptionalString(r.key)},
      {"text", r.text},
      {"data", ParseStored(r.data)},
      {"metadata", ParseStored(r.metadata)},
      {"source", OptionalString(r.source)},
      {"confidence", r.confidence},
      {"created_at", util::FormatTimestamp(r.created_at)},
      {"updated_at", util::FormatTimestamp(r.updated_at)},
      {"valid_from", OptionalTime(r.valid_from)},
      {"valid_to", OptionalTime(r.valid_to)},
      {"last_verified_at", OptionalTime(r.last_verified_at)},
      {"last_accessed_at", OptionalTime(r.last_accessed_at)},
      {"access_count", r.access_count},
      {"expires_at", OptionalTime(r.expires_at)},
      {"superseded_by", OptionalString(r.superseded_by)},
      {"deleted_at", OptionalTime(r.deleted_at)},
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

json HistoryEventToJson(const HistoryEvent& e) {
  return json{{"seq", e.seq},
              {"memory_id", e.memory_id},
              {"event", e.event},
              {"actor", OptionalString(e.actor)},
              {"reason", OptionalString(e.reason)},
              {"old_value", ParseStored(e.old_value)},
              {"new_value", ParseStored(e.new_value)},
              {"at", util::FormatTimestamp(e.at)}};
}

json ForgetReportToJson(const ForgetReport& r) {
  return json{{"memories", r.memories},
              {"history_events", r.history_events},
              {"sessions", r.sessions},
              {"session_items", r.session_items}};
}

std::string DumpJson(const json& value, int indent) {
  return value.dump(indent, ' ', false, json::error_handler_t::replace);
}

}  // namespace engram::core
