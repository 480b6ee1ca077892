// Tools: the MCP tools engram offers, and how a call runs.
//
// The knowledge-graph tools have the names, input schemas and result shapes of the official MCP
// memory server (@modelcontextprotocol/server-memory), over the /v1 graph routes (v1_graph.cc).
//
// Each tool is a thin mapping onto one /v1 route of the HTTP API (server/v1.h): the tool's
// arguments become the route's body or query parameters and the owner comes from the caller's
// credential, so MCP clients get the same validation, limits and JSON shapes as REST clients.
// The route handlers are called in process; no HTTP request is made.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "server/auth.h"
#include "server/router.h"

namespace engram::mcp {

// Tool names, in the order tools/list gives them.
inline constexpr const char* kToolNames[] = {
    "add_memory",       "search_memories", "list_memories",       "delete_memory",
    "get_context",      "edit_core_block", "create_entities",     "create_relations",
    "add_observations", "delete_entities", "delete_observations", "delete_relations",
    "read_graph",       "search_nodes",    "open_nodes"};

class Tools {
 public:
  // `routes` must hold the /v1 routes (RegisterV1Routes) and outlive the Tools.
  explicit Tools(const server::Router& routes);

  // The tools/list result's "tools" array: name, title, description, inputSchema, annotations.
  const nlohmann::json& List() const { return list_; }
  bool Has(const std::string& name) const;

  // Runs tool `name` (which must exist: Has) for `principal` with `arguments` (a JSON object)
  // and returns the CallToolResult: {"content": [{"type": "text", "text"}], "structuredContent",
  // "isError"}. Failures of the tool (a bad argument, an unknown id, an owner the credential
  // does not cover) are results with isError true, so the model can read and correct them.
  // An owner the credential does not cover is refused before anything else is looked at, with
  // the same message whether or not that owner exists.
  nlohmann::json Call(const server::Principal& principal, const std::string& name,
                      const nlohmann::json& arguments) const;

 private:
  const server::Router& routes_;
  nlohmann::json list_;
};

}  // namespace engram::mcp
