// `engram serve`: the HTTP/JSON API (docs/http.md) over the CLI's database.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "mcp/http_endpoint.h"
#include "mcp/tools.h"
#include "net/http_client.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/static_files.h"

namespace engram::cli {

namespace {

struct ServeFlags {
  std::string host = "127.0.0.1";
  int port = 8420;
  std::string keys_file;
  bool insecure_no_auth = false;
  size_t threads = 8;
  size_t max_queued = 256;
  size_t max_connections = 1024;
  size_t max_body_bytes = size_t{1} << 20;
  double rate_limit = 0;
  int timeout_s = 30;
  std::string ui_dir;  // empty: the default places (DefaultUiDirs)
};

// Where the web page's built files are looked for when --ui-dir is not given: beside the binary
// (the build tree: build/engram and build/ui) and in an installed layout (bin/engram and
// share/engram/ui).
std::vector<std::filesystem::path> DefaultUiDirs() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const std::filesystem::path bin = exe.parent_path();
  return {bin / "ui", bin.parent_path() / "share" / "engram" / "ui"};
}

// The web page at /ui: from --ui-dir (an error when it holds no built page), or the first default
// place that does; without one, /ui answers 404 saying how to build it.
Result<server::StaticFiles> LoadUi(const ServeFlags& f) {
  if (!f.ui_dir.empty()) return server::StaticFiles::Load(f.ui_dir);
  for (const std::filesystem::path& dir : DefaultUiDirs()) {
    Result<server::StaticFiles> ui = server::StaticFiles::Load(dir.string());
    if (ui.ok() || ui.status().code() != Status::Code::kNotFound) return ui;
  }
  return server::StaticFiles::Missing(
      "the web page is not built: run scripts/setup.sh (or npm ci && npm run build in ui/), or "
      "pass --ui-dir");
}

// Keys from --keys and ENGRAM_API_KEYS, and whether serving without them is allowed.
Result<server::KeySet> LoadKeys(const ServeFlags& f) {
  server::KeySet keys;
  if (!f.keys_file.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(keys, server::KeySet::LoadFile(f.keys_file));
  }
  if (const char* env = std::getenv("ENGRAM_API_KEYS"); env && *env) {
    ENGRAM_ASSIGN_OR_RETURN(server::KeySet from_env, server::KeySet::Parse(env, "ENGRAM_API_KEYS"));
    ENGRAM_RETURN_IF_ERROR(keys.Merge(std::move(from_env)));
  }
  if (!keys.empty() && f.insecure_no_auth) {
    return Status::InvalidArgument("--insecure-no-auth cannot be combined with API keys");
  }
  if (keys.empty()) {
    if (!f.insecure_no_auth) {
      return Status::InvalidArgument(
          "refusing to serve without API keys: pass --keys FILE or set ENGRAM_API_KEYS "
          "(--insecure-no-auth serves without keys, on a loopback address only)");
    }
    if (!net::IsLoopbackHost(f.host)) {
      return Status::InvalidArgument("--insecure-no-auth is only allowed on a loopback host, not " +
                                     f.host);
    }
  }
  return keys;
}

Status Serve(const ServeFlags& f, const std::function<Result<Engine*>()>& open_engine) {
  ENGRAM_ASSIGN_OR_RETURN(server::KeySet keys, LoadKeys(f));
  ENGRAM_ASSIGN_OR_RETURN(server::StaticFiles ui, LoadUi(f));
  // SIGTERM and SIGINT are blocked before any thread starts, so every thread inherits the mask
  // and only the waiter below receives them (no async-signal-safety concerns in handlers).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ENGRAM_ASSIGN_OR_RETURN(Engine * engine, open_engine());
  server::ApiOptions api_options;
  api_options.keys = std::move(keys);
  api_options.allow_anonymous = f.insecure_no_auth;
  api_options.max_body_bytes = f.max_body_bytes;
  api_options.rate_limit_per_second = f.rate_limit;
  // Hybrid search needs vectors; without an embedder, requests that name no mode search
  // lexically instead of failing.
  if (const char* e = std::getenv("ENGRAM_EMBEDDER"); e && std::string(e) == "none") {
    api_options.default_search_mode = SearchMode::kLexical;
  }
  server::Api api(*engine, std::move(api_options));

  server::ServerOptions options;
  options.host = f.host;
  options.port = f.port;
  options.threads = f.threads;
  options.max_queued = f.max_queued;
  options.max_connections = f.max_connections;
  options.max_body_bytes = f.max_body_bytes;
  options.read_timeout_s = f.timeout_s;
  options.write_timeout_s = f.timeout_s;
  server::HttpServer http(api, options);
  // MCP's Streamable HTTP transport at /mcp (docs/mcp.md), behind the same keys.
  mcp::Tools mcp_tools(api.router());
  mcp::HttpEndpoint mcp_endpoint(api, mcp_tools, mcp::Version());
  http.Mount("/mcp", [&mcp_endpoint](const server::HttpRequest& request,
                                     const server::HttpServer::HeaderLookup& header) {
    return mcp_endpoint.Handle(request, header);
  });
  // The web page (docs/ui.md): static files; its data comes from the API with the user's key.
  http.MountTree("/ui", [&ui, &api](const server::HttpRequest& request,
                                    const server::HttpServer::HeaderLookup& header) {
    const auto start = std::chrono::steady_clock::now();
    server::HttpResponse r = ui.Serve(request.method, request.target, header("If-None-Match"));
    api.metrics().Record(
        request.method, r.route, r.status,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return r;
  });
  ENGRAM_RETURN_IF_ERROR(http.Bind());
  const bool v6 = f.host.find(':') != std::string::npos && f.host.front() != '[';
  std::cout << "listening on http://" << (v6 ? "[" + f.host + "]" : f.host) << ":" << http.port()
            << std::endl;
  std::cerr << "engram: serving "
            << (f.insecure_no_auth ? "WITHOUT authentication" : "with API keys") << ", "
            << f.threads << " threads" << std::endl;

  std::atomic<bool> done{false};
  std::thread waiter([&] {
    const timespec tick{0, 200'000'000};
    while (!done) {
      const int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGTERM || sig == SIGINT) {
        std::cerr << "engram: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
                  << ": finishing in-flight requests" << std::endl;
        // A signal that lands before Run() has started its accept loop would find nothing to
        // stop, so keep asking until Run() returns (stopping twice is harmless).
        while (!done) {
          http.Stop();
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return;
      }
    }
  });
  Status st = http.Run();
  done = true;
  waiter.join();
  if (st.ok()) std::cerr << "engram: stopped" << std::endl;
  return st;
}

}  // namespace

void AddServeCommand(const CommandContext& ctx) {
  std::function<Result<Engine*>()> open_engine = [&cli = ctx.cli] {
    return cli.engine(/*with_embedder=*/true);
  };
  auto flags = std::make_shared<ServeFlags>();
  auto* serve = ctx.app.add_subcommand("serve", "Serve the HTTP/JSON API (docs/http.md)");
  serve->add_option("--host", flags->host, "Address to listen on (default 127.0.0.1)");
  serve->add_option("--port", flags->port, "Port (default 8420; 0 picks a free one)");
  serve->add_option("--keys", flags->keys_file,
                    "API keys file: {\"KEY\": {\"owners\": [...]} | {\"admin\": true}}");
  serve->add_flag("--insecure-no-auth", flags->insecure_no_auth,
                  "Serve without API keys (loopback hosts only)");
  serve
      ->add_option("--max-connections", flags->max_connections,
                   "Connections served at once; more wait to be accepted (default 1024)")
      ->check(CLI::Range(size_t{1}, size_t{65536}));
  serve->add_option("--threads", flags->threads, "Requests handled at once (default 8)")
      ->check(CLI::Range(1, 256));
  serve
      ->add_option("--max-queue", flags->max_queued,
                   "Requests waiting for a handler; more get 503 + Retry-After (default 256)")
      ->check(CLI::Range(size_t{0}, size_t{65536}));
  serve->add_option("--max-body", flags->max_body_bytes, "Largest request body in bytes (1 MiB)")
      ->check(CLI::Range(size_t{1024}, size_t{1} << 30));
  serve
      ->add_option("--rate-limit", flags->rate_limit,
                   "Requests per second per key, bursts of twice that (default 0: no limit)")
      ->check(CLI::NonNegativeNumber);
  serve->add_option("--timeout", flags->timeout_s, "Read and write timeout in seconds (30)")
      ->check(CLI::Range(1, 3600));
  serve->add_option("--ui-dir", flags->ui_dir,
                    "The web page's built files, served at /ui (default: ui/ beside the binary, "
                    "or ../share/engram/ui)");
  serve
      ->add_option("--index-memory", ctx.globals.index_memory,
                   "Memory for the owners' search indexes, e.g. 512M or 4G; the least recently "
                   "searched are dropped past it (default: a quarter of the machine's memory)")
      ->transform(CLI::AsSizeValue(/*kb_is_1000=*/false));
  serve
      ->add_option("--index-save-interval", ctx.globals.index_save_interval_s,
                   "Seconds between saves of the large owners' search indexes that changed, so "
                   "that a killed server restarts from them (default 300; 0: only on stop)")
      ->check(CLI::Range(int64_t{0}, int64_t{86400}));
  serve->callback([&command = ctx.command, flags, open_engine] {
    command = [flags, open_engine]() -> Status { return Serve(*flags, open_engine); };
  });
}

}  // namespace engram::cli
