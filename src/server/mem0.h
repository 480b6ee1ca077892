// Mem0-compatible routes, so a client written for Mem0's open-source REST server can be pointed
// at engram: POST/GET/DELETE /memories, GET/PUT/DELETE /memories/{memory_id},
// GET /memories/{memory_id}/history, POST /search, POST /reset, with Mem0's request and
// response shapes (docs/http.md, "Mem0 compatibility", lists how each maps onto engram); and the
// hosted platform's paths that Mem0's npm MemoryClient calls (/v1/ping, /v3/memories/add, ...,
// /v1/batch).
//
// Unlike Mem0's server, the owner (Mem0's user_id) is bound to the API key: user_id defaults to
// the key's owner when the key has exactly one, and naming another owner is 403.
#pragma once

#include "engram/engine.h"
#include "server/router.h"

namespace engram::server {

// `default_mode`: the search mode of POST /search.
void RegisterMem0Routes(Router& router, Engine& engine, SearchMode default_mode);

}  // namespace engram::server
