#include "core/snapshot_codec.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "core/json_codec.h"
#include "util/json.h"
#include "util/time.h"

namespace engram::core {

namespace {

using nlohmann::json;

// data and metadata as JSON values; text that does not parse (stored before validation was as
// strict) is kept as a string.
json Embedded(const std::string& s) {
  if (s.empty()) return nullptr;
  return util::ParseJsonOr(json(s), s);
}

}  // namespace

std::string EncodeSnapshot(const MemoryRecord& r) {
  return DumpJson(json{
      {"id", r.id},
      {"owner_id", r.owner_id},
      {"scope", r.scope},
      {"agent_id", OptionalStringToJson(r.agent_id)},
      {"session_id", OptionalStringToJson(r.session_id)},
      {"type", MemoryTypeName(r.type)},
      {"key", OptionalStringToJson(r.key)},
      {"text", r.text},
      {"data", Embedded(r.data)},
      {"metadata", Embedded(r.metadata)},
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
  });
}

Result<MemoryRecord> DecodeSnapshot(std::string_view snapshot) {
  const json j = util::ParseJsonOr(json::value_t::discarded, snapshot);
  if (!j.is_object()) return Status::Corruption("a memory snapshot is not a JSON object");
  if (auto it = j.find("format"); it != j.end() && *it != 1) {
    return Status::Corruption("a memory snapshot has an unknown format");
  }
  MemoryRecord r;
  const Status bad = Status::Corruption("a memory snapshot has a malformed field");
  auto text = [&](const char* name, std::string* out) {
    auto it = j.find(name);
    if (it != j.end() && it->is_string()) *out = it->get<std::string>();
  };
  auto time = [&](const char* name) -> std::optional<Timestamp> {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    Result<Timestamp> t = util::ParseTimestamp(it->get<std::string>());
    return t.ok() ? std::optional<Timestamp>(*t) : std::nullopt;
  };
  text("id", &r.id);
  text("owner_id", &r.owner_id);
  text("scope", &r.scope);
  text("agent_id", &r.agent_id);
  text("session_id", &r.session_id);
  text("key", &r.key);
  text("text", &r.text);
  text("source", &r.source);
  text("superseded_by", &r.superseded_by);
  std::string type;
  text("type", &type);
  Result<MemoryType> parsed = ParseMemoryType(type);
  if (!parsed.ok() || r.id.empty()) return bad;
  r.type = *parsed;
  if (auto it = j.find("data"); it != j.end()) r.data = DumpJson(*it);
  if (auto it = j.find("metadata"); it != j.end() && it->is_object()) r.metadata = DumpJson(*it);
  r.confidence = j.value("confidence", 1.0);
  r.access_count = j.value("access_count", int64_t{0});
  auto created = time("created_at"), updated = time("updated_at");
  if (!created || !updated) return bad;
  r.created_at = *created;
  r.updated_at = *updated;
  r.valid_from = time("valid_from");
  r.valid_to = time("valid_to");
  r.last_verified_at = time("last_verified_at");
  r.last_accessed_at = time("last_accessed_at");
  r.expires_at = time("expires_at");
  r.deleted_at = time("deleted_at");
  return r;
}

}  // namespace engram::core
