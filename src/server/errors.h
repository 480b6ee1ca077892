// How errors look on the wire: {"error": {"code": "<snake_case>", "message": "..."}} and the
// HTTP status of each engine Status code (docs/http.md, "Errors").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "engram/status.h"

namespace engram::server {

// The HTTP status of a failed engine call. InvalidArgument is 422 (the request was well-formed
// JSON but a field is wrong); 400 is kept for requests the server cannot parse at all.
int HttpStatusFor(const Status& status);

nlohmann::json ErrorBody(std::string_view code, std::string_view message);
// ErrorBody with the Status's code name ("not_found") and message.
nlohmann::json ErrorBody(const Status& status);

}  // namespace engram::server
