// The wire JSON of engram records, shared by the CLI and the servers. Timestamps are ISO-8601
// strings; absent optional fields are null. History snapshots have a storage codec of their own
// (snapshot_codec.h); the history calls show them as stored.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::core {

// A time as ISO-8601 text, null when absent.
nlohmann::json OptionalTimeToJson(const std::optional<Timestamp>& t);
// A string, null when empty.
nlohmann::json OptionalStringToJson(const std::string& s);

nlohmann::json MemoryToJson(const MemoryRecord& record);
nlohmann::json SessionItemToJson(const SessionItem& item);
// A session item with its "session_id" (Engine::GetRecentItems).
nlohmann::json OwnerItemToJson(const OwnerItem& item);
// History values are the stored JSON snapshots, embedded as JSON (null when absent).
nlohmann::json HistoryEventToJson(const HistoryEvent& event);
nlohmann::json ForgetReportToJson(const ForgetReport& report);

nlohmann::json SearchHitToJson(const SearchHit& hit, bool explain);
// {"event": "added"|"deduplicated"|"superseded", "memory": {...}, "superseded_ids": [...]}
nlohmann::json WriteResultToJson(const WriteResult& result);
nlohmann::json CoreBlockToJson(const CoreBlock& block);
nlohmann::json SessionSummaryToJson(const SessionSummary& summary);
nlohmann::json TurnReportToJson(const TurnReport& report);
nlohmann::json GcReportToJson(const GcReport& report);
// {"items": [...], "omitted": [...], "token_count", "token_budget", "rendered"}
nlohmann::json ContextToJson(const Context& context);

// A NewMemory from a JSON object with the fields of MemoryToJson ("text" required; "owner_id",
// when present, must equal owner_id). Timestamps may be ISO-8601 text or epoch milliseconds;
// "observed_at" (or "created_at") is when it was said. InvalidArgument names the bad field.
Result<NewMemory> NewMemoryFromJson(const nlohmann::json& j, const std::string& owner_id);

// Levels of nesting that DumpJson(value, indent >= 0) lays out on lines of their own, counted from
// the outermost value; anything nested deeper is written compactly on its parent's line.
inline constexpr int kMaxPrettyDepth = 10;

// Serializes without throwing: invalid UTF-8 (which validation keeps out) would be replaced.
// indent < 0 writes the compact form. indent >= 0 writes nlohmann's pretty form for the first
// kMaxPrettyDepth levels and the compact form below them, so no line is indented by more than
// indent * kMaxPrettyDepth spaces. Every line holds at least one byte of the compact form, so the
// output is at most (indent * kMaxPrettyDepth + 3) times the compact form's size however deeply
// the value nests (23 times for indent 2). Either way the output is valid JSON of the same value.
std::string DumpJson(const nlohmann::json& value, int indent = -1);

}  // namespace engram::core
