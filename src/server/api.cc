#include "server/api.h"

#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <unordered_map>

#include "core/json_codec.h"
#include "server/errors.h"
#include "server/mem0.h"
#include "server/openapi.h"
#include "server/v1.h"
#include "util/json.h"
#include "util/utf8.h"

namespace engram::server {

using nlohmann::json;

Status CheckOwner(const Principal& principal, const std::string& owner) {
  if (principal.CanActFor(owner)) return Status::Ok();
  return Status::PermissionDenied("this API key does not cover the requested owner");
}

// A token bucket per principal name: `rate` tokens per second, holding at most 2 * rate.
class Api::RateLimiter {
 public:
  RateLimiter(double rate, std::function<double()> clock)
      : rate_(rate), burst_(std::max(1.0, 2 * rate)), clock_(std::move(clock)) {
    if (!clock_) {
      clock_ = [] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
      };
    }
  }

  // 0 when the request may proceed, else seconds until it could.
  double Take(const std::string& who) {
    const double now = clock_();
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, fresh] = buckets_.try_emplace(who, Bucket{burst_, now});
    Bucket& b = it->second;
    if (!fresh) {
      b.tokens = std::min(burst_, b.tokens + (now - b.at) * rate_);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return (1 - b.tokens) / rate_;
  }

 private:
  struct Bucket {
    double tokens;
    double at;
  };
  const double rate_, burst_;
  std::function<double()> clock_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

namespace {

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = core::DumpJson(body);
  return r;
}

HttpResponse Error(int status, std::string_view code, std::string_view message) {
  return JsonResponse(status, ErrorBody(code, message));
}

HttpResponse StatusError(const Status& st) {
  HttpResponse r = JsonResponse(HttpStatusFor(st), ErrorBody(st));
  // A busy store or an unreachable provider clears quickly: tell the client when to retry.
  if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

void RegisterSystemRoutes(Api& api, Engine& engine) {
  Router& router = api.router();
  Route health;
  health.method = "GET";
  health.path = "/healthz";
  health.access = Access::kPublic;
  health.handler = [&engine](Call&) -> Result<Reply> {
    Reply r;
    r.body = {{"status", "ok"}, {"time", engine.Now()}};
    return r;
  };
  health.doc = {
      "healthz",
      "Liveness: the server answers and the engine is open",
      "system",
      {},
      nullptr,
      true,
      json{{"type", "object"},
           {"required", {"status"}},
           {"properties",
            {{"status", {{"const", "ok"}}},
             {"time", {{"type", "integer"}, {"description", "engine clock, epoch ms"}}}}}}};
  router.Add(std::move(health));

  Route metrics;
  metrics.method = "GET";
  metrics.path = "/metrics";
  metrics.access = Access::kAdmin;
  metrics.handler = [&api, &engine](Call&) -> Result<Reply> {
    std::vector<std::pair<std::string, int64_t>> counts;
    // A failed count leaves the gauge out rather than failing the scrape: request metrics are
    // still worth having when the store is busy.
    if (auto c = engine.CountLiveMemories(); c.ok()) {
      for (const auto& [type, n] : *c) counts.emplace_back(MemoryTypeName(type), n);
    }
    const Engine::IndexMemoryUse index = engine.IndexMemory();
    const std::vector<Metrics::Gauge> gauges = {
        {"engram_index_partitions", "Owners whose search partition is loaded in memory.",
         static_cast<double>(index.partitions)},
        {"engram_index_bytes", "Estimated bytes of the loaded search partitions.",
         static_cast<double>(index.bytes)},
        {"engram_index_budget_bytes", "Memory budget of the search partitions (--index-memory).",
         static_cast<double>(index.budget)},
        {"engram_index_evictions_total",
         "Search partitions dropped to keep the budget; loaded again on their next search.",
         static_cast<double>(index.evictions), true},
    };
    Reply r;
    r.text = api.metrics().Render(counts, gauges);
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  };
  metrics.doc = {"metrics",
                 "Prometheus metrics: requests and latency by route and status, memories by type",
                 "system",
                 {},
                 nullptr,
                 true,
                 json{{"type", "string"}},
                 "text/plain"};
  router.Add(std::move(metrics));

  Route openapi;
  openapi.method = "GET";
  openapi.path = "/openapi.json";
  openapi.access = Access::kPublic;
  openapi.handler = [&api](Call&) -> Result<Reply> {
    Reply r;
    r.body = api.OpenApi();
    return r;
  };
  openapi.doc = {"openapi", "This OpenAPI 3.1 document", "system", {}, nullptr,
                 true,      json{{"type", "object"}}};
  router.Add(std::move(openapi));
}

}  // namespace

Api::Api(Engine& engine, ApiOptions options) : engine_(engine), options_(std::move(options)) {
  if (options_.rate_limit_per_second > 0) {
    limiter_ = std::make_unique<RateLimiter>(options_.rate_limit_per_second, options_.clock);
  }
  RegisterV1Routes(router_, engine_, options_.default_search_mode);
  RegisterMem0Routes(router_, engine_, options_.default_search_mode);
  RegisterSystemRoutes(*this, engine_);
}

Api::~Api() = default;

json Api::OpenApi() const {
  return BuildOpenApi(router_);
}

std::optional<Principal> Api::Authenticate(const HttpRequest& request) const {
  if (!options_.keys.empty()) {
    return options_.keys.Authenticate(PresentedKey(request.authorization, request.x_api_key));
  }
  if (options_.allow_anonymous) return AnonymousPrincipal();
  return std::nullopt;
}

HttpResponse Api::Handle(const HttpRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  HttpResponse response;
  try {
    response = Dispatch(request);
  } catch (const std::exception&) {
    // A handler bug must not take the server down or leak details: log-free 500.
    std::string route = response.route;
    response = Error(500, "internal", "internal error while handling the request");
    response.route = route;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  metrics_.Record(request.method, response.route, response.status, seconds);
  return response;
}

std::optional<HttpResponse> Api::TakeRateLimit(const Principal& principal) {
  if (!limiter_) return std::nullopt;
  const double wait = limiter_->Take(principal.name);
  if (wait <= 0) return std::nullopt;
  HttpResponse r = Error(429, "rate_limited", "too many requests for this API key; retry later");
  r.headers.emplace_back("Retry-After", std::to_string(static_cast<int>(std::ceil(wait))));
  return r;
}

HttpResponse Api::Dispatch(const HttpRequest& request) {
  std::vector<std::string> segments;
  Call call;
  call.request_id = request.request_id;
  if (Status st = ParseTarget(request.target, &segments, &call.query); !st.ok()) {
    return Error(400, "bad_request", st.message());
  }
  Router::Match match = router_.Find(request.method, segments);
  if (match.route == nullptr) {
    if (match.path_exists) {
      return Error(405, "method_not_allowed",
                   "method " + request.method + " is not allowed on this path");
    }
    return Error(404, "route_not_found", "no route matches this path (see /openapi.json)");
  }
  const Route& route = *match.route;
  auto with_route = [&route](HttpResponse r) {
    r.route = route.path;
    return r;
  };
  call.path = std::move(match.params);

  std::optional<Principal> principal;
  if (route.access != Access::kPublic) {
    if (!options_.keys.empty()) {
      principal =
          options_.keys.Authenticate(PresentedKey(request.authorization, request.x_api_key));
      if (!principal) {
        HttpResponse r = with_route(
            Error(401, "unauthorized",
                  "a valid API key is required (Authorization: Bearer KEY or X-API-Key)"));
        r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return r;
      }
    } else if (options_.allow_anonymous) {
      principal = AnonymousPrincipal();
    } else {
      return with_route(Error(401, "unauthorized", "no API keys are configured"));
    }
    if (std::optional<HttpResponse> limited = TakeRateLimit(*principal)) {
      return with_route(std::move(*limited));
    }
    if (route.access == Access::kAdmin && !principal->admin) {
      return with_route(Error(403, "permission_denied", "this route needs an admin key"));
    }
    // Checked before the body is even parsed, so a key of another owner learns nothing (not
    // whether the owner exists, nor whether its request would have been valid).
    if (auto owner = call.path.find("owner"); owner != call.path.end()) {
      if (Status st = CheckOwner(*principal, owner->second); !st.ok()) {
        return with_route(StatusError(st));
      }
    }
    call.principal = &*principal;
  }

  if (!route.doc.request_schema.is_null()) {
    if (request.body.size() > options_.max_body_bytes) {
      return with_route(Error(
          413, "too_large",
          "the request body is larger than " + std::to_string(options_.max_body_bytes) + " bytes"));
    }
    if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
      if (route.doc.body_required) {
        return with_route(Error(400, "malformed_json", "a JSON request body is required"));
      }
    } else {
      const size_t bad = util::FindInvalidUtf8(request.body);
      if (bad != std::string::npos) {
        return with_route(
            Error(400, "invalid_utf8",
                  "the request body is not valid UTF-8 (byte " + std::to_string(bad) + ")"));
      }
      Result<json> body = util::ParseJson(request.body);
      if (!body.ok()) return with_route(Error(400, "malformed_json", body.status().message()));
      call.body = std::move(*body);
    }
  }

  Result<Reply> reply = route.handler(call);
  if (!reply.ok()) return with_route(StatusError(reply.status()));
  HttpResponse r;
  r.status = reply->status;
  if (!reply->content_type.empty()) {
    r.content_type = reply->content_type;
    r.body = std::move(reply->text);
    r.stream = std::move(reply->stream);
  } else {
    r.body = core::DumpJson(reply->body);
  }
  return with_route(std::move(r));
}

}  // namespace engram::server
