// The OpenAPI 3.1 document of a Router: one operation per route, built from the routes' own
// descriptions (RouteDoc), so the document cannot drift from what the server serves.
#pragma once

#include <nlohmann/json.hpp>

#include "server/router.h"

namespace engram::server {

nlohmann::json BuildOpenApi(const Router& router);

// The shared schemas (#/components/schemas/...) that route descriptions refer to.
nlohmann::json ComponentSchemas();

}  // namespace engram::server
