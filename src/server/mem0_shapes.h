// What the Mem0-compatible routes share (mem0.cc: Mem0's open-source REST server paths;
// mem0_platform.cc: the hosted platform's paths that the `mem0ai` MemoryClient calls): the owner
// from Mem0's user_id, Mem0's identifiers, its memory shape and its filters.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engram/engine.h"
#include "server/router.h"

namespace engram::server::mem0 {

// Mem0's user_id is engram's owner. When absent, a key bound to exactly one owner means that
// owner; naming an owner the key does not cover is PermissionDenied.
Result<std::string> ResolveOwner(const Call& call, const std::optional<std::string>& user_id);

// Mem0 identifiers from the body (POST/PUT) or the query string (GET/DELETE).
struct Ids {
  std::optional<std::string> user_id, agent_id, run_id;
  bool any() const { return user_id || agent_id || run_id; }
};
Result<Ids> IdsFromBody(const nlohmann::json& body);
Ids IdsFromQuery(const Call& call);

// Pulls user_id, agent_id and run_id out of Mem0 filters ({"user_id": "alice", ...}, or inside a
// top-level {"AND": [...]}) into *ids, leaving the rest, serialized, for engram's filter language
// (docs/search.md), which Mem0's filter syntax is a subset of ("" when nothing is left).
Status SplitFilters(nlohmann::json filters, Ids* ids, std::string* rest);

// A memory as Mem0 returns it, built from engram's own JSON form.
nlohmann::json Item(const MemoryRecord& r);

// Up to `max` live records of the owner matching the agent and run ids, newest first
// (superseded ones too with include_superseded).
Result<std::vector<MemoryRecord>> AllMatching(Engine& engine, const std::string& owner,
                                              const Ids& ids, bool include_superseded, size_t max);

// The routes only the hosted platform has (mem0_platform.cc): GET /v1/ping, the paged
// POST /v3/memories and PUT/DELETE /v1/batch.
void RegisterMem0PlatformRoutes(Router& router, Engine& engine);

// An owner-level route tagged "mem0" in the OpenAPI document.
Route MakeRoute(const char* method, std::string path, RouteDoc doc, Handler handler);

}  // namespace engram::server::mem0
