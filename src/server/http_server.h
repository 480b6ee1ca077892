// HttpServer: serves an Api over HTTP/1.1; cpp-httplib parses requests and writes responses,
// server/connection.h owns each connection's socket.
//
// Each connection has its own thread (up to max_connections; more wait to be accepted), and at
// most `threads` requests run their handler at once: a slow or idle client costs a sleeping
// thread, never a worker, so /healthz answers while clients trickle bytes. Requests beyond them
// wait in arrival order, at most `max_queued`; one that finds the queue full is answered at once
// with 503 `overloaded` and Retry-After: 1 (backpressure instead of a wait past clients' timeouts). A request must
// arrive whole within read_timeout_s of its first byte. On Stop, a request already received
// is still answered (with Connection: close); idle connections close.
//
// Every request gets a request id (the client's X-Request-Id when it is a short token, else a
// fresh one), returned as X-Request-Id, and one access log line on the log stream:
//   engram: access id=7f3a... method=GET route=/v1/owners/{owner}/memories status=200 ms=1.84
// The line names the route template, never the concrete path (owner and memory ids), the body
// or the key.
#pragma once

#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "engram/status.h"
#include "server/api.h"

namespace engram::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                   // 0: an ephemeral port, see HttpServer::port()
  size_t threads = 8;             // handlers running at once
  size_t max_queued = 256;        // requests waiting for a handler; more are answered 503 at once
  size_t max_connections = 1024;  // connections served at once
  size_t max_body_bytes = size_t{1} << 20;
  int read_timeout_s = 10;
  int write_timeout_s = 10;
  int keep_alive_timeout_s = 5;
  FILE* log = stderr;  // access log; null disables it
};

class HttpServer {
 public:
  // `api` must outlive the server.
  HttpServer(Api& api, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves the exact path `path` with `handler` instead of the Api's route table: for protocols
  // that need request and response headers the route table does not carry (MCP's /mcp,
  // mcp/http_endpoint.h). `header(name)` is a request header's value, empty when absent. The
  // handler authenticates (Api::Authenticate) and records metrics itself. Call before Run().
  using HeaderLookup = std::function<std::string(const std::string& name)>;
  using MountHandler = std::function<HttpResponse(const HttpRequest&, const HeaderLookup& header)>;
  void Mount(const std::string& path, MountHandler handler);
  // Like Mount, for `prefix` and every path under `prefix` + "/" (the web page's files,
  // server/static_files.h). An exact Mount wins.
  void MountTree(const std::string& prefix, MountHandler handler);

  // Binds the listening socket; Unavailable when the address cannot be bound.
  Status Bind();
  // The bound port (after Bind).
  int port() const { return port_; }
  // Accepts and serves until Stop(); returns after every accepted request was answered.
  Status Run();
  // Stops accepting; Run() returns once in-flight requests are done. Safe from any thread.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace engram::server
