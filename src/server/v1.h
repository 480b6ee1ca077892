// The engram REST API under /v1: every engine operation, owner-scoped as
// /v1/owners/{owner}/..., plus the admin-only /v1/gc. docs/http.md lists the routes.
#pragma once

#include "engram/engine.h"
#include "server/router.h"

namespace engram::server {

void RegisterV1Routes(Router& router, Engine& engine);

}  // namespace engram::server
