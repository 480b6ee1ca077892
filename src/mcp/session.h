// Session: one MCP connection's JSON-RPC 2.0 state machine, independent of the transport.
//
// Follows the MCP specification, protocol version 2025-06-18 (older versions 2025-03-26 and
// 2024-11-05 are accepted when a client asks for them): initialize / notifications/initialized,
// ping, tools/list and tools/call. Protocol errors are JSON-RPC errors (-32700 parse error,
// -32600 invalid request, -32601 unknown method, -32602 invalid params such as an unknown
// tool); a tool that fails returns a result with isError true (tools.h). JSON-RPC batches were
// removed from MCP in 2025-06-18 and are refused with -32600.
//
// The session is bound to one principal (the API key over HTTP, --owner over stdio) for its
// whole life; every tool call runs as that principal. Thread-safe: the HTTP transport may
// deliver a session's requests concurrently.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "mcp/tools.h"
#include "server/auth.h"

namespace engram::mcp {

inline constexpr const char* kProtocolVersion = "2025-06-18";

// engram's version, as serverInfo.version.
const char* Version();

// True for the protocol versions this server speaks.
bool SupportedProtocolVersion(std::string_view version);

// JSON-RPC 2.0 error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

// A JSON-RPC error response.
nlohmann::json ErrorResponse(const nlohmann::json& id, int code, std::string_view message);

class Session {
 public:
  // `tools` must outlive the session.
  Session(const Tools& tools, server::Principal principal, std::string server_version);

  // Handles one JSON-RPC message (already parsed). Returns the response to send, or nullopt
  // for a notification or a response (which get none).
  std::optional<nlohmann::json> Handle(const nlohmann::json& message);
  // Parses one message first: text that is not JSON gets a -32700 response with a null id.
  std::optional<nlohmann::json> HandleText(std::string_view text);

  // The version agreed at initialize; empty before.
  std::string protocol_version() const;
  bool initialized() const;
  const server::Principal& principal() const { return principal_; }

 private:
  nlohmann::json Initialize(const nlohmann::json& id, const nlohmann::json& params);

  const Tools& tools_;
  const server::Principal principal_;
  const std::string server_version_;
  mutable std::mutex mu_;
  std::string protocol_version_;  // set by initialize
  bool initialized_ = false;      // notifications/initialized received
};

}  // namespace engram::mcp
