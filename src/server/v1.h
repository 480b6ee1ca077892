// The engram REST API under /v1: every engine operation, owner-scoped as
// /v1/owners/{owner}/..., plus the admin-only /v1/gc. docs/http.md lists the routes.
#pragma once

#include "engram/engine.h"
#include "server/router.h"

namespace engram::server {

// `default_mode`: the search mode of a request that names none.
void RegisterV1Routes(Router& router, Engine& engine, SearchMode default_mode);

}  // namespace engram::server
