// Api: the whole HTTP API as a function from a request to a response, with no sockets involved.
//
// Api::Handle authenticates the request, finds its route, checks that the key covers the owner
// the request names, parses the JSON body, runs the handler and records metrics. The HTTP front
// end (http_server.h) feeds it requests from the network; tests call it directly; further
// protocols (MCP) mount their routes on router() before serving starts.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engram/engine.h"
#include "server/auth.h"
#include "server/metrics.h"
#include "server/router.h"

namespace engram::server {

struct ApiOptions {
  // Configured keys. When there are none, every request runs as AnonymousPrincipal() if
  // allow_anonymous is set, and fails with 401 otherwise.
  KeySet keys;
  bool allow_anonymous = false;
  // Bodies larger than this are refused with 413 before they are parsed.
  size_t max_body_bytes = size_t{1} << 20;
  // Per key (or anonymous caller): requests per second allowed on average, with bursts of twice
  // that; 0 turns rate limiting off. Over the limit: 429 with Retry-After.
  double rate_limit_per_second = 0;
  // Seconds on a monotonic clock, read by the rate limiter; empty: std::chrono::steady_clock.
  // Tests set it to decide when time passes.
  std::function<double()> clock;
  // Search mode when a request names none: hybrid needs an embedder, so a server without one
  // (ENGRAM_EMBEDDER=none) defaults to lexical.
  SearchMode default_search_mode = SearchMode::kHybrid;
};

struct HttpRequest {
  std::string method;
  std::string target;  // path and query as sent, still percent-encoded
  std::string body;
  std::string authorization;  // the Authorization header; empty when absent
  std::string x_api_key;      // the X-API-Key header; empty when absent
  std::string request_id;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // When set, the body is written by it instead, in pieces (Reply::stream).
  std::function<bool(const std::function<bool(std::string_view)>& write)> stream;
  std::vector<std::pair<std::string, std::string>> headers;
  // The matched route template, or "unmatched": what logs and metrics name.
  std::string route = "unmatched";
};

// PermissionDenied unless `principal` may act for `owner`. The message is the same whether or
// not the owner exists, so a refused caller learns nothing about other owners.
Status CheckOwner(const Principal& principal, const std::string& owner);

class Api {
 public:
  // `engine` must outlive the Api. Registers the /v1, Mem0 and system routes.
  Api(Engine& engine, ApiOptions options);
  ~Api();
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  // Thread-safe once serving has started (no more routes are added then).
  HttpResponse Handle(const HttpRequest& request);

  // The principal of the key `request` presents, by the same rules as every route (anonymous
  // when serving without keys); nullopt when the request must be refused with 401. For
  // protocols served beside the route table (MCP's /mcp, mcp/http_endpoint.h).
  std::optional<Principal> Authenticate(const HttpRequest& request) const;

  // A 429 response with Retry-After when `principal` is over the rate limit; otherwise counts
  // one request against its budget and returns nullopt. Every route applies it; protocols served
  // beside the route table call it after Authenticate.
  std::optional<HttpResponse> TakeRateLimit(const Principal& principal);

  // The OpenAPI 3.1 description of every route (openapi.h).
  nlohmann::json OpenApi() const;

  Router& router() { return router_; }
  const Router& router() const { return router_; }
  Metrics& metrics() { return metrics_; }

 private:
  class RateLimiter;
  // Everything after timing and before metrics: may fill response.route.
  HttpResponse Dispatch(const HttpRequest& request);

  Engine& engine_;
  ApiOptions options_;
  Router router_;
  Metrics metrics_;
  std::unique_ptr<RateLimiter> limiter_;
};

}  // namespace engram::server
