// JSON forms of engram records, shared by the CLI, the history snapshots and the servers.
// Timestamps are ISO-8601 strings; absent optional fields are null.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engram/types.h"

namespace engram::core {

nlohmann::json MemoryToJson(const MemoryRecord& record);
nlohmann::json SessionItemToJson(const SessionItem& item);
// History values are the stored JSON snapshots, embedded as JSON (null when absent).
nlohmann::json HistoryEventToJson(const HistoryEvent& event);
nlohmann::json ForgetReportToJson(const ForgetReport& report);

// Serializes without throwing: invalid UTF-8 (which validation keeps out) would be replaced.
std::string DumpJson(const nlohmann::json& value, int indent = -1);

}  // namespace engram::core
