#include "mcp/http_endpoint.h"

#include <random>

#include "core/json_codec.h"
#include "server/errors.h"
#include "util/json.h"

namespace engram::mcp {

using nlohmann::json;

namespace {

server::HttpResponse JsonReply(int status, const json& body) {
  server::HttpResponse r;
  r.status = status;
  r.body = core::DumpJson(body);
  return r;
}

// A transport-level refusal: a JSON-RPC error body (what MCP clients read) with an HTTP status.
server::HttpResponse RpcError(int status, int code, std::string_view message) {
  return JsonReply(status, ErrorResponse(nullptr, code, message));
}

bool AcceptsJson(const std::string& accept) {
  return accept.empty() || accept.find("application/json") != std::string::npos ||
         accept.find("*/*") != std::string::npos ||
         accept.find("application/*") != std::string::npos;
}

}  // namespace

HttpEndpoint::HttpEndpoint(server::Api& api, const Tools& tools, std::string server_version,
                           size_t max_sessions, size_t max_sessions_per_key)
    : api_(api),
      tools_(tools),
      server_version_(std::move(server_version)),
      max_sessions_(max_sessions == 0 ? 1 : max_sessions),
      max_sessions_per_key_(max_sessions_per_key == 0 ? 1 : max_sessions_per_key) {}

void HttpEndpoint::EvictIdlest(const std::string& principal) {
  auto idle = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->second.principal != principal) continue;
    if (idle == sessions_.end() || it->second.last_used < idle->second.last_used) idle = it;
  }
  if (idle == sessions_.end()) return;
  if (--sessions_per_key_[principal] == 0) sessions_per_key_.erase(principal);
  sessions_.erase(idle);
}

size_t HttpEndpoint::session_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sessions_.size();
}

std::string HttpEndpoint::NewSessionId() {
  // std::random_device reads the kernel's CSPRNG on Linux: ids cannot be guessed.
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 8; ++i) {
    uint32_t v = rd();
    for (int j = 0; j < 8; ++j, v >>= 4) id += hex[v & 15];
  }
  return id;
}

std::shared_ptr<Session> HttpEndpoint::Find(const std::string& id,
                                            const server::Principal& principal) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(id);
  if (it == sessions_.end() || it->second.principal != principal.name) return nullptr;
  it->second.last_used = std::chrono::steady_clock::now();
  return it->second.session;
}

server::HttpResponse HttpEndpoint::Handle(const server::HttpRequest& request,
                                          const server::HttpServer::HeaderLookup& header) {
  const auto start = std::chrono::steady_clock::now();
  server::HttpResponse r;
  std::optional<server::Principal> principal = api_.Authenticate(request);
  if (!principal) {
    r = JsonReply(401, server::ErrorBody("unauthorized",
                                         "a valid API key is required (Authorization: Bearer "
                                         "KEY or X-API-Key)"));
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
  } else if (std::optional<server::HttpResponse> limited = api_.TakeRateLimit(*principal)) {
    r = std::move(*limited);
  } else if (request.method == "POST") {
    r = Post(request, header, *principal);
  } else if (request.method == "DELETE") {
    const std::string id = header("Mcp-Session-Id");
    if (id.empty()) {
      r = RpcError(400, kInvalidRequest, "Mcp-Session-Id header required");
    } else if (!Find(id, *principal)) {
      r = RpcError(404, kInvalidRequest, "unknown or ended session");
    } else {
      std::lock_guard<std::mutex> lock(mu_);
      if (sessions_.erase(id) && --sessions_per_key_[principal->name] == 0) {
        sessions_per_key_.erase(principal->name);
      }
      r.status = 204;
      r.content_type = "text/plain";
    }
  } else {
    r = JsonReply(405, server::ErrorBody("method_not_allowed",
                                         "use POST for MCP messages and DELETE to end a session; "
                                         "this server offers no SSE stream"));
    r.headers.emplace_back("Allow", "POST, DELETE");
  }
  r.route = "/mcp";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  api_.metrics().Record(request.method, r.route, r.status, seconds);
  return r;
}

server::HttpResponse HttpEndpoint::Post(const server::HttpRequest& request,
                                        const server::HttpServer::HeaderLookup& header,
                                        const server::Principal& principal) {
  if (!AcceptsJson(header("Accept"))) {
    return RpcError(406, kInvalidRequest, "Accept must allow application/json");
  }
  Result<json> parsed = util::ParseJson(request.body);
  if (!parsed.ok()) return RpcError(400, kParseError, "parse error: " + parsed.status().message());
  json message = std::move(*parsed);
  const std::string version = header("MCP-Protocol-Version");
  if (!version.empty() && !SupportedProtocolVersion(version)) {
    return RpcError(400, kInvalidRequest, "unsupported MCP-Protocol-Version: " + version);
  }
  const bool initialize = message.is_object() && message.contains("id") &&
                          message.value("method", json()) == "initialize";
  const std::string id = header("Mcp-Session-Id");
  if (initialize) {
    auto session = std::make_shared<Session>(tools_, principal, server_version_);
    std::optional<json> response = session->Handle(message);
    server::HttpResponse r = JsonReply(200, response.value_or(json(nullptr)));
    if (response && response->contains("result")) {
      const std::string new_id = NewSessionId();
      std::lock_guard<std::mutex> lock(mu_);
      if (sessions_per_key_[principal.name] >= max_sessions_per_key_) {
        EvictIdlest(principal.name);
      } else if (sessions_.size() >= max_sessions_) {
        auto largest = sessions_per_key_.begin();
        for (auto it = sessions_per_key_.begin(); it != sessions_per_key_.end(); ++it) {
          if (it->second > largest->second) largest = it;
        }
        EvictIdlest(largest->first);
      }
      sessions_[new_id] = Entry{session, principal.name, std::chrono::steady_clock::now()};
      ++sessions_per_key_[principal.name];
      r.headers.emplace_back("Mcp-Session-Id", new_id);
    }
    return r;
  }
  if (id.empty()) {
    return RpcError(400, kInvalidRequest, "Mcp-Session-Id header required (send initialize first)");
  }
  std::shared_ptr<Session> session = Find(id, principal);
  if (!session) return RpcError(404, kInvalidRequest, "unknown or ended session");
  std::optional<json> response = session->Handle(message);
  if (!response) {
    server::HttpResponse accepted;
    accepted.status = 202;
    accepted.content_type = "text/plain";
    return accepted;
  }
  return JsonReply(200, *response);
}

}  // namespace engram::mcp
