// Typed reading of request inputs (JSON body fields and query parameters) with errors that name
// the field. Unknown body fields and query parameters are rejected (422), so a typo such as
// "scpoe" never silently widens a query or drops a value.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "engram/status.h"
#include "engram/types.h"
#include "server/router.h"

namespace engram::server {

// OK when `body` is a JSON object (null counts as {}) whose fields are all in `allowed`.
Status CheckFields(const nlohmann::json& body, std::initializer_list<std::string_view> allowed);
// OK when every query parameter is in `allowed`.
Status CheckQuery(const Call& call, std::initializer_list<std::string_view> allowed);

// Body fields. Absent or null leaves *out unset; a value of the wrong type is InvalidArgument.
Status GetString(const nlohmann::json& o, const char* name, std::optional<std::string>* out);
Status GetBool(const nlohmann::json& o, const char* name, std::optional<bool>* out);
Status GetNumber(const nlohmann::json& o, const char* name, std::optional<double>* out);
// A non-negative integer no larger than max.
Status GetCount(const nlohmann::json& o, const char* name, size_t max, std::optional<size_t>* out);
// ISO-8601 text or epoch milliseconds.
Status GetTime(const nlohmann::json& o, const char* name, std::optional<Timestamp>* out);
// Any JSON value, serialized (data); or an object only (metadata, with object_only).
Status GetJsonText(const nlohmann::json& o, const char* name, bool object_only,
                   std::optional<std::string>* out);
// A required non-empty string.
Result<std::string> RequireString(const nlohmann::json& o, const char* name);

// Query parameters, same rules.
Status QueryString(const Call& call, const char* name, std::optional<std::string>* out);
Status QueryCount(const Call& call, const char* name, size_t max, std::optional<size_t>* out);
Status QueryBool(const Call& call, const char* name, std::optional<bool>* out);
Status QueryTime(const Call& call, const char* name, std::optional<Timestamp>* out);

}  // namespace engram::server
