#include "server/http_server.h"

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <random>

#include "core/json_codec.h"
#include "server/errors.h"

namespace engram::server {

namespace {

// A client-chosen request id is kept only when it cannot forge or garble a log line.
bool IsSafeRequestId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Api& api, ServerOptions options) : api_(api), options_(std::move(options)) {
    std::random_device rd;
    prefix_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    const size_t threads = options_.threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_read_timeout(options_.read_timeout_s, 0);
    server_.set_write_timeout(options_.write_timeout_s, 0);
    server_.set_keep_alive_timeout(options_.keep_alive_timeout_s);
    // Every request goes through the Api (which owns the route table): one catch-all handler
    // per method. (httplib's pre-routing hook would run before the body is read.)
    const httplib::Server::Handler all = [this](const httplib::Request& req,
                                                httplib::Response& res) { Serve(req, res); };
    server_.Get(".*", all);
    server_.Post(".*", all);
    server_.Put(".*", all);
    server_.Patch(".*", all);
    server_.Delete(".*", all);
    server_.Options(".*", all);
    // Errors httplib raises itself, before the Api sees the request: 413 for a body over
    // the limit, 400 for an unparsable request line or headers, 414 for a long URI.
    server_.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) {
          if (res.has_header("X-Request-Id")) return httplib::Server::HandlerResponse::Unhandled;
          const std::string id = NewRequestId(req);
          const char* code = res.status == 413   ? "too_large"
                             : res.status == 414 ? "uri_too_long"
                                                 : "bad_request";
          const std::string message = res.status == 413
                                          ? "the request body is larger than " +
                                                std::to_string(options_.max_body_bytes) + " bytes"
                                          : "the request could not be parsed";
          res.set_content(core::DumpJson(ErrorBody(code, message)), "application/json");
          res.set_header("X-Request-Id", id);
          api_.metrics().Record(req.method, "unmatched", res.status, 0);
          Log(id, req.method, "unmatched", res.status, 0);
          return httplib::Server::HandlerResponse::Handled;
        }));
  }

  int BindPort() {
    return options_.port == 0
               ? server_.bind_to_any_port(options_.host)
               : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
  }

  Status Run() {
    if (!server_.listen_after_bind() && !stopping_) {
      return Status::Unavailable("the HTTP server stopped unexpectedly");
    }
    return Status::Ok();
  }

  void Stop() {
    stopping_ = true;
    server_.stop();
  }

 private:
  std::string NewRequestId(const httplib::Request& req) {
    const std::string given = req.get_header_value("X-Request-Id");
    if (IsSafeRequestId(given)) return given;
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx-%06llx", static_cast<unsigned long long>(prefix_),
                  static_cast<unsigned long long>(++counter_));
    return buf;
  }

  void Serve(const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    HttpRequest request;
    request.method = req.method;
    request.target = req.target;
    request.body = req.body;
    request.authorization = req.get_header_value("Authorization");
    request.x_api_key = req.get_header_value("X-API-Key");
    request.request_id = NewRequestId(req);
    auto mount = mounts_.find(req.path);
    HttpResponse response = mount == mounts_.end()
                                ? api_.Handle(request)
                                : mount->second(request, [&req](const std::string& name) {
                                    return req.get_header_value(name);
                                  });
    res.status = response.status;
    res.set_content(response.body, response.content_type.c_str());
    for (const auto& [name, value] : response.headers) res.set_header(name.c_str(), value);
    res.set_header("X-Request-Id", request.request_id);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    Log(request.request_id, request.method, response.route, response.status, ms);
  }

  void Log(const std::string& id, const std::string& method, const std::string& route, int status,
           double ms) {
    if (options_.log == nullptr) return;
    // The method is echoed from the request line: keep only what a method can be.
    std::string safe_method;
    for (char c : method.substr(0, 16)) safe_method += (c >= 'A' && c <= 'Z') ? c : '?';
    std::lock_guard<std::mutex> lock(log_mu_);
    std::fprintf(options_.log, "engram: access id=%s method=%s route=%s status=%d ms=%.2f\n",
                 id.c_str(), safe_method.c_str(), route.c_str(), status, ms);
    std::fflush(options_.log);
  }

  friend class HttpServer;
  Api& api_;
  ServerOptions options_;
  std::map<std::string, MountHandler> mounts_;
  httplib::Server server_;
  uint64_t prefix_ = 0;
  std::atomic<uint64_t> counter_{0};
  std::atomic<bool> stopping_{false};
  std::mutex log_mu_;
};

HttpServer::HttpServer(Api& api, ServerOptions options)
    : impl_(std::make_unique<Impl>(api, std::move(options))) {}

HttpServer::~HttpServer() = default;

void HttpServer::Mount(const std::string& path, MountHandler handler) {
  impl_->mounts_[path] = std::move(handler);
}

Status HttpServer::Bind() {
  const int port = impl_->BindPort();
  if (port <= 0) return Status::Unavailable("cannot listen on the requested address and port");
  port_ = port;
  return Status::Ok();
}

Status HttpServer::Run() {
  return impl_->Run();
}

void HttpServer::Stop() {
  impl_->Stop();
}

}  // namespace engram::server
