// HttpEndpoint: MCP's Streamable HTTP transport (specification 2025-06-18) at /mcp.
//
// - POST /mcp: one JSON-RPC message per request (Accept must allow application/json; clients
//   send "application/json, text/event-stream"). Requests are answered with one
//   application/json response; notifications and responses with 202 and no body. This server
//   never streams, so it never answers with text/event-stream.
// - initialize creates a session and returns its id in the Mcp-Session-Id header; every later
//   request must send it (400 without, 404 for an unknown or ended one). A session belongs to
//   the API key that created it: another key using its id gets 404 as if it did not exist.
// - MCP-Protocol-Version, when sent, must be a version this server speaks (400 otherwise).
// - DELETE /mcp with Mcp-Session-Id ends the session (204). GET /mcp is 405: the server sends
//   no messages of its own, so it offers no SSE stream.
// - Authentication is the API's (Api::Authenticate: Authorization: Bearer KEY or X-API-Key);
//   a missing or unknown key is 401 before anything else.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mcp/session.h"
#include "mcp/tools.h"
#include "server/api.h"
#include "server/http_server.h"

namespace engram::mcp {

class HttpEndpoint {
 public:
  // `api` and `tools` must outlive the endpoint. At most `max_sessions` sessions are kept, and
  // at most `max_sessions_per_key` of one API key. A new session beyond its key's share drops
  // that key's session idle longest; beyond the total, the idlest session of the key holding
  // the most goes. One key can never push out another key's sessions by opening its own.
  HttpEndpoint(server::Api& api, const Tools& tools, std::string server_version,
               size_t max_sessions = 4096, size_t max_sessions_per_key = 64);

  // Thread-safe.
  server::HttpResponse Handle(const server::HttpRequest& request,
                              const server::HttpServer::HeaderLookup& header);

  size_t session_count() const;

 private:
  struct Entry {
    std::shared_ptr<Session> session;
    std::string principal;  // Principal::name of the key that created it
    std::chrono::steady_clock::time_point last_used;
  };
  server::HttpResponse Post(const server::HttpRequest& request,
                            const server::HttpServer::HeaderLookup& header,
                            const server::Principal& principal);
  // The session `id` if it exists and belongs to `principal`; null otherwise.
  std::shared_ptr<Session> Find(const std::string& id, const server::Principal& principal);
  std::string NewSessionId();

  server::Api& api_;
  const Tools& tools_;
  const std::string server_version_;
  // Drops one session of `principal` (the one idle longest). Needs mu_.
  void EvictIdlest(const std::string& principal);

  const size_t max_sessions_;
  const size_t max_sessions_per_key_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> sessions_;
  std::map<std::string, size_t> sessions_per_key_;  // by Principal::name
};

}  // namespace engram::mcp
