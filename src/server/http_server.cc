#include "server/http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "core/json_codec.h"
#include "server/connection.h"
#include "server/errors.h"
#include "util/task_queue.h"

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

// A thread per connection, started on demand up to `max` and kept for the next connection;
// connections beyond `max` wait in order. Shutdown runs what is queued, then joins.
class ConnectionThreads : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(size_t max) : max_(max) {}
  ~ConnectionThreads() override { shutdown(); }

  void enqueue(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(fn));
    // Each waiting thread takes one queued connection; a connection beyond them gets a thread.
    if (queue_.size() > idle_ && threads_.size() < max_) {
      threads_.emplace_back([this] { Work(); });
    } else {
      cv_.notify_one();
    }
  }

  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutdown_) return;
      shutdown_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void Work() {
    while (true) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ++idle_;
        cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
        --idle_;
        if (queue_.empty()) return;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }

  const size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool shutdown_ = false;
};

// httplib's server with engram's connection handling (server/connection.h) in place of its
// own keep-alive loop.
class Listener : public httplib::Server {
 public:
  Listener(const ServerOptions& options, int wake_fd) : options_(options), wake_fd_(wake_fd) {}

  // httplib listens with a backlog of 5: connections opened at once beyond it are dropped by the
  // kernel and their clients see resets or retries after seconds. Listening again on the bound
  // socket raises it (the kernel caps it at net.core.somaxconn).
  void WidenBacklog() { ::listen(svr_sock_, SOMAXCONN); }

 private:
  bool process_and_close_socket(::socket_t sock) override {
    const int one = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ConnectionStream stream(sock, wake_fd_, options_.max_body_bytes, options_.write_timeout_s);
    bool ok = true;
    while (stream.WaitForRequest(std::chrono::seconds(options_.keep_alive_timeout_s),
                                 std::chrono::seconds(options_.read_timeout_s),
                                 stream.Stopping())) {
      const bool stopping = stream.Stopping();
      bool closed = false;
      ok = process_request(stream, /*close_connection=*/stopping || stream.must_close(), closed,
                           nullptr);
      if (!stream.Flush() || !ok || closed || stopping || stream.must_close()) break;
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  const ServerOptions& options_;
  const int wake_fd_;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Api& api, ServerOptions options)
      : api_(api),
        options_(std::move(options)),
        wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
        server_(options_, wake_fd_),
        handlers_(options_.threads, options_.max_queued) {
    std::random_device rd;
    prefix_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    const size_t connections = std::max(options_.max_connections, options_.threads);
    server_.new_task_queue = [connections] { return new ConnectionThreads(connections); };
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
          if (!ContentLengthIsValid(req)) res.status = 400;
          const char* code = res.status == 413   ? "too_large"
                             : res.status == 414 ? "uri_too_long"
                                                 : "bad_request";
          const std::string message =
              res.status == 413 ? "the request body is larger than " +
                                      std::to_string(options_.max_body_bytes) + " bytes"
              : !ContentLengthIsValid(req) ? "Content-Length must be one decimal byte count"
                                           : "the request could not be parsed";
          res.set_content(core::DumpJson(ErrorBody(code, message)), "application/json");
          res.set_header("X-Request-Id", id);
          api_.metrics().Record(req.method, "unmatched", res.status, 0);
          Log(id, req.method, "unmatched", res.status, 0);
          return httplib::Server::HandlerResponse::Handled;
        }));
  }

  int BindPort() {
    const int port =
        options_.port == 0
            ? server_.bind_to_any_port(options_.host)
            : (server_.bind_to_port(options_.host, options_.port) ? options_.port : -1);
    if (port > 0) server_.WidenBacklog();
    return port;
  }

  Status Run() {
    if (!server_.listen_after_bind() && !stopping_) {
      return Status::Unavailable("the HTTP server stopped unexpectedly");
    }
    return Status::Ok();
  }

  ~Impl() { ::close(wake_fd_); }

  void Stop() {
    stopping_ = true;
    // Wakes every connection waiting for a request: each answers what it already received.
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
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

  // Content-Length, when sent, is one decimal number (httplib reads "-1" as 2^64-1 and "abc"
  // as 0).
  static bool ContentLengthIsValid(const httplib::Request& req) {
    const size_t count = req.get_header_value_count("Content-Length");
    if (count == 0) return true;
    const std::string value = req.get_header_value("Content-Length");
    for (size_t i = 1; i < count; ++i) {
      if (req.get_header_value("Content-Length", i) != value) return false;
    }
    return !value.empty() && value.size() <= 18 &&
           value.find_first_not_of("0123456789") == std::string::npos;
  }

  void Serve(const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    if (!ContentLengthIsValid(req)) {
      res.status = 400;
      return;  // the error handler writes the body
    }
    HttpRequest request;
    request.method = req.method;
    request.target = req.target;
    request.body = req.body;
    request.authorization = req.get_header_value("Authorization");
    request.x_api_key = req.get_header_value("X-API-Key");
    request.request_id = NewRequestId(req);
    const MountHandler* mount = FindMount(req.path);
    HttpResponse response;
    std::exception_ptr failure;
    // The handler runs on one of options_.threads workers, in arrival order, unless too many
    // requests wait already; a failure is rethrown here, where httplib answers it with a 500.
    const bool ran = handlers_.Run([&] {
      try {
        response = mount == nullptr ? api_.Handle(request)
                                    : (*mount)(request, [&req](const std::string& name) {
                                        return req.get_header_value(name);
                                      });
      } catch (...) {
        failure = std::current_exception();
      }
    });
    if (!ran) {
      Overloaded(req, res);
      return;
    }
    if (failure) std::rethrow_exception(failure);
    res.status = response.status;
    if (response.stream) {
      // Runs on the connection's thread after the handler returned, outside the handler limit
      // above: the answer's data was read already, and a slow reader only holds its own
      // connection.
      res.set_chunked_content_provider(response.content_type, [stream = std::move(response.stream)](
                                                                  size_t, httplib::DataSink& sink) {
        const bool ok = stream(
            [&sink](std::string_view piece) { return sink.write(piece.data(), piece.size()); });
        if (ok) sink.done();
        return ok;
      });
    } else {
      res.set_content(response.body, response.content_type.c_str());
    }
    for (const auto& [name, value] : response.headers) res.set_header(name.c_str(), value);
    res.set_header("X-Request-Id", request.request_id);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    Log(request.request_id, request.method, response.route, response.status, ms);
  }

  void Overloaded(const httplib::Request& req, httplib::Response& res) {
    const std::string id = NewRequestId(req);
    res.status = 503;
    res.set_content(
        core::DumpJson(ErrorBody(
            "overloaded", "the server is at capacity: " + std::to_string(options_.max_queued) +
                              " requests are waiting; retry after a second")),
        "application/json");
    res.set_header("Retry-After", "1");
    res.set_header("X-Request-Id", id);
    api_.metrics().Record(req.method, "overloaded", 503, 0);
    Log(id, req.method, "overloaded", 503, 0);
  }

  const MountHandler* FindMount(const std::string& path) const {
    if (auto it = mounts_.find(path); it != mounts_.end()) return &it->second;
    for (const auto& [prefix, handler] : tree_mounts_) {
      if (path == prefix || path.rfind(prefix + "/", 0) == 0) return &handler;
    }
    return nullptr;
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
  std::map<std::string, MountHandler> tree_mounts_;
  const int wake_fd_;
  Listener server_;
  util::TaskQueue handlers_;
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

void HttpServer::MountTree(const std::string& prefix, MountHandler handler) {
  impl_->tree_mounts_[prefix] = std::move(handler);
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
