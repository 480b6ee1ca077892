// Pieces shared by the /v1 route groups (v1_*.cc): the owner path prefix, who made a change,
// and the route constructor. Private to src/server.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engram/engine.h"
#include "server/router.h"

namespace engram::server::v1 {

inline constexpr const char* kOwner = "/v1/owners/{owner}";

// Who made a change, for history rows: the key's name, never the key.
ChangeInfo Change(const Call& call, std::optional<std::string> reason = std::nullopt);
// The {owner} path parameter.
const std::string& Owner(const Call& call);
// null for an empty string.
nlohmann::json Nullable(const std::string& s);
// A NewMemory from one memory object of a request body (fields, "reason", "supersedes").
Result<NewMemory> MemoryFromBody(const Call& call, const nlohmann::json& m);
Result<MemoryType> TypeParam(const std::string& name);
Result<SearchMode> ParseMode(const std::string& mode);
nlohmann::json MemoryList(const std::vector<MemoryRecord>& records);
nlohmann::json ItemList(const std::vector<SessionItem>& items);
// The block scope of a /blocks route: ?scope=, "global" when absent.
std::string BlockScope(const Call& call);
Route MakeRoute(const char* method, std::string path, int status, RouteDoc doc, Handler handler,
                Access access = Access::kOwner);
// The request schema of one memory.
nlohmann::json MemoryInputSchema();

// The route groups, one file each; RegisterV1Routes (v1.cc) adds them all.
// v1_memories.cc: add, from-turns, list, get, update, delete, batch delete, history, forget owner.
void AddMemoryRoutes(Router& router, Engine& engine);
// v1_search.cc: search and context assembly. `default_mode`: the mode of a search naming none.
void AddSearchRoutes(Router& router, Engine& engine, SearchMode default_mode);
// v1_sessions.cc: session items, window, summary, summarize, end; the owner's recent items.
void AddSessionRoutes(Router& router, Engine& engine);
// v1_blocks.cc: core blocks.
void AddBlockRoutes(Router& router, Engine& engine);
// v1_graph.cc: the knowledge graph, in the shapes of the MCP memory server's tools.
void AddGraphRoutes(Router& router, Engine& engine);
// v1_graph_model.cc: the graph's full model: an entity, neighbours, history, path, writes.
void AddGraphModelRoutes(Router& router, Engine& engine);
// v1_overview.cc: the calling key (whoami) and an owner's counts (stats), for dashboards.
void AddOverviewRoutes(Router& router, Engine& engine);
// v1_checkpoints.cc: LangGraph checkpoints (put, get, writes, list, delete/copy/prune a thread).
void AddCheckpointRoutes(Router& router, Engine& engine);
// Their component schemas (openapi.cc).
void AddCheckpointSchemas(nlohmann::json& schemas);
// v1_admin.cc: admin-only maintenance (gc).
void AddAdminRoutes(Router& router, Engine& engine);
// v1_portable.cc: an owner's archive export and (admin) import.
void AddPortableRoutes(Router& router, Engine& engine);

}  // namespace engram::server::v1
