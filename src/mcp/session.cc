#include "mcp/session.h"

#include "util/json.h"

namespace engram::mcp {

using nlohmann::json;

const char* Version() {
  return ENGRAM_VERSION;
}

bool SupportedProtocolVersion(std::string_view version) {
  return version == "2025-06-18" || version == "2025-03-26" || version == "2024-11-05";
}

json ErrorResponse(const json& id, int code, std::string_view message) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

namespace {

json ResultResponse(const json& id, json result) {
  return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

// A JSON-RPC id is a string or an integer (MCP forbids null).
bool ValidId(const json& id) {
  return id.is_string() || id.is_number_integer() || id.is_number_unsigned();
}

}  // namespace

Session::Session(const Tools& tools, server::Principal principal, std::string server_version)
    : tools_(tools), principal_(std::move(principal)), server_version_(std::move(server_version)) {}

std::string Session::protocol_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return protocol_version_;
}

bool Session::initialized() const {
  std::lock_guard<std::mutex> lock(mu_);
  return initialized_;
}

std::optional<json> Session::HandleText(std::string_view text) {
  Result<json> message = util::ParseJson(text);
  if (!message.ok()) {
    return ErrorResponse(nullptr, kParseError, "parse error: " + message.status().message());
  }
  return Handle(*message);
}

json Session::Initialize(const json& id, const json& params) {
  if (!params.is_object() || !params.contains("protocolVersion") ||
      !params["protocolVersion"].is_string()) {
    return ErrorResponse(id, kInvalidParams, "initialize needs params.protocolVersion");
  }
  // Version negotiation: the client's version when this server speaks it, else the latest.
  const std::string asked = params["protocolVersion"].get<std::string>();
  const std::string version = SupportedProtocolVersion(asked) ? asked : kProtocolVersion;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!protocol_version_.empty()) {
      return ErrorResponse(id, kInvalidRequest, "the session is already initialized");
    }
    protocol_version_ = version;
  }
  return ResultResponse(
      id, json{{"protocolVersion", version},
               {"capabilities", {{"tools", {{"listChanged", false}}}}},
               {"serverInfo",
                {{"name", "engram"}, {"title", "engram memory"}, {"version", server_version_}}},
               {"instructions",
                "engram is this user's long-term memory. Call get_context at the start of a "
                "task, search_memories before answering questions about the user or past work, "
                "add_memory for durable facts and preferences worth keeping, and "
                "edit_core_block for the always-visible profile."}});
}

std::optional<json> Session::Handle(const json& message) {
  if (message.is_array()) {
    return ErrorResponse(nullptr, kInvalidRequest,
                         "JSON-RPC batches are not supported (removed in MCP 2025-06-18)");
  }
  if (!message.is_object() || message.value("jsonrpc", json()) != "2.0") {
    json id = message.is_object() && message.contains("id") && ValidId(message["id"])
                  ? message["id"]
                  : json(nullptr);
    return ErrorResponse(id, kInvalidRequest, "not a JSON-RPC 2.0 message");
  }
  const bool has_method = message.contains("method");
  const bool has_id = message.contains("id");
  if (!has_method) {
    // A response to a request of ours: this server sends none, so there is nothing to match.
    if (has_id && (message.contains("result") || message.contains("error"))) return std::nullopt;
    return ErrorResponse(nullptr, kInvalidRequest, "a request needs a method");
  }
  if (!message["method"].is_string()) {
    return ErrorResponse(has_id && ValidId(message["id"]) ? message["id"] : json(nullptr),
                         kInvalidRequest, "method must be a string");
  }
  const std::string method = message["method"].get<std::string>();
  const json params = message.value("params", json::object());

  if (!has_id) {  // a notification: never answered
    if (method == "notifications/initialized") {
      std::lock_guard<std::mutex> lock(mu_);
      if (!protocol_version_.empty()) initialized_ = true;
    }
    return std::nullopt;
  }
  const json& id = message["id"];
  if (!ValidId(id))
    return ErrorResponse(nullptr, kInvalidRequest, "id must be a string or integer");
  if (!params.is_object()) return ErrorResponse(id, kInvalidParams, "params must be an object");

  if (method == "initialize") return Initialize(id, params);
  if (method == "ping") return ResultResponse(id, json::object());
  if (protocol_version().empty()) {
    return ErrorResponse(id, kInvalidRequest, "the session is not initialized: send initialize");
  }
  if (method == "tools/list") return ResultResponse(id, json{{"tools", tools_.List()}});
  if (method == "tools/call") {
    if (!params.contains("name") || !params["name"].is_string()) {
      return ErrorResponse(id, kInvalidParams, "tools/call needs params.name");
    }
    const std::string name = params["name"].get<std::string>();
    if (!tools_.Has(name)) return ErrorResponse(id, kInvalidParams, "unknown tool: " + name);
    const json arguments = params.value("arguments", json::object());
    if (!arguments.is_object()) {
      return ErrorResponse(id, kInvalidParams, "tools/call arguments must be an object");
    }
    return ResultResponse(id, tools_.Call(principal_, name, arguments));
  }
  return ErrorResponse(id, kMethodNotFound, "method not found: " + method);
}

}  // namespace engram::mcp
