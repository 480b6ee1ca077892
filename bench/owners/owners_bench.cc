// owners_bench: many owners with few memories each, searched under a memory budget for their
// in-memory partitions (Options::index_memory, `engram serve --index-memory`).
//
// Stores --owners owners x --per-owner memories (512-d vectors, as USE-lite's, looked up by a
// bench::TableEmbedder so no model runs), then searches every owner once in random order (its
// first search: the partition is loaded from the store, and older ones are dropped to keep the
// budget), then searches a set of owners that fits in the budget again and again (warm searches).
// Prints the latency percentiles of both, the process's RSS along the way and the engine's own
// count of partition bytes. Queries are hybrid searches with varied texts and vectors.
//
// --http sends every search through engram's HTTP server instead (the one `engram serve` runs,
// on a loopback port in this process, answered by its route table and JSON encoding) with a
// keep-alive HTTP client: the latencies are then a client's, and the RSS includes the server.
// The ingest still writes through the engine (it is not what is measured).
#include <httplib.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engram/engine.h"
#include "process_stats.h"
#include "server/api.h"
#include "server/http_server.h"
#include "table_embedder.h"

namespace {

using Clock = std::chrono::steady_clock;
using engram::bench::LoadAverage;
using engram::bench::ProcStatusMb;

constexpr int kDim = 512;
const char* const kTopics[] = {"hiking",           "coffee",    "the dentist", "chess",
                               "a trip to Lisbon", "sourdough", "running",     "the piano",
                               "a cousin",         "tax forms"};

[[noreturn]] void Die(const std::string& what, const engram::Status& st) {
  std::fprintf(stderr, "owners_bench: %s: %s\n", what.c_str(), st.ToString().c_str());
  std::exit(1);
}

// A pseudo-random unit vector for n: memories of one owner unrelated, as most are.
void VectorOf(uint64_t n, std::span<float> out) {
  std::mt19937_64 rng(n * 0x9E3779B97F4A7C15ull + 1);
  std::normal_distribution<float> normal;
  double norm = 0;
  for (float& x : out) {
    x = normal(rng);
    norm += double(x) * x;
  }
  for (float& x : out) x = static_cast<float>(x / std::sqrt(norm));
}

std::string OwnerName(size_t i) {
  return "owner-" + std::to_string(i);
}

double Percentile(std::vector<double> ms, double p) {
  if (ms.empty()) return 0;
  std::sort(ms.begin(), ms.end());
  return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
}

void PrintUsage(const char* when, engram::Engine& engine, double rss_before_search) {
  const engram::Engine::IndexMemoryUse u = engine.IndexMemory();
  const double rss = ProcStatusMb("VmRSS");
  // RssFile is mostly the database's pages that SQLite reads through its memory map: the OS's page
  // cache, shared and reclaimable. RssAnon is the process's own memory, what the budget bounds.
  std::printf(
      "  %s: RSS %.1f MiB (+%.1f MiB since before the first search; anonymous %.1f MiB, file "
      "pages %.1f MiB), %zu partitions loaded, %.1f MiB counted of a %.1f MiB budget (%.1f KiB "
      "each), %llu dropped\n",
      when, rss, rss - rss_before_search, ProcStatusMb("RssAnon"), ProcStatusMb("RssFile"),
      u.partitions, static_cast<double>(u.bytes) / 1048576, static_cast<double>(u.budget) / 1048576,
      u.partitions ? static_cast<double>(u.bytes) / 1024 / static_cast<double>(u.partitions) : 0.0,
      static_cast<unsigned long long>(u.evictions));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  size_t owners = 100'000;
  size_t per_owner = 10;
  size_t budget = size_t{64} << 20;
  size_t warm_queries = 20'000;
  std::string dir = "/tmp/owners_bench";
  bool keep = false;
  bool http = false;
  CLI::App app{"many owners with few memories under a partition memory budget"};
  app.add_option("--owners", owners, "owners (default 100000)");
  app.add_option("--per-owner", per_owner, "memories per owner (default 10)");
  app.add_option("--index-memory", budget, "partition memory budget, e.g. 64M (default 64M)")
      ->transform(CLI::AsSizeValue(false));
  app.add_option("--warm-queries", warm_queries, "searches of loaded owners (default 20000)");
  app.add_option("--dir", dir, "working folder; emptied first unless --keep finds a store there");
  app.add_flag("--keep", keep, "reuse the store in --dir when it has one (skips the ingest)");
  app.add_flag("--http", http, "search through engram's HTTP server on a loopback port");
  CLI11_PARSE(app, argc, argv);

  const std::string db = dir + "/owners.db";
  const bool reuse = keep && std::filesystem::exists(db);
  if (!reuse) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  engram::Options options;
  options.path = db;
  options.embedder = std::make_shared<engram::bench::TableEmbedder>("owners-bench", kDim, VectorOf);
  options.durable_commits = false;
  options.index_memory = budget;
  auto opened = engram::Engine::Open(options);
  if (!opened.ok()) Die("open", opened.status());
  engram::Engine& engine = **opened;
  std::printf("owners_bench: %zu owners x %zu memories, budget %.1f MiB, searches %s, load %s\n",
              owners, per_owner, static_cast<double>(budget) / 1048576,
              http ? "over HTTP" : "in process", LoadAverage().c_str());

  if (!reuse) {
    // 100 owners per transaction: the ingest is not what is measured here.
    const auto start = Clock::now();
    std::vector<engram::NewMemory> batch;
    for (size_t i = 0; i < owners; ++i) {
      for (size_t j = 0; j < per_owner; ++j) {
        engram::NewMemory m;
        m.owner_id = OwnerName(i);
        m.text = "talked about " + std::string(kTopics[(i + j) % 10]) + " on day " +
                 std::to_string(j) + " #" + std::to_string(i * per_owner + j);
        batch.push_back(std::move(m));
      }
      if (batch.size() >= 100 * per_owner || i + 1 == owners) {
        auto r = engine.WriteMemories(batch);
        if (!r.ok()) Die("write", r.status());
        batch.clear();
      }
    }
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("  ingest: %zu memories in %.1f s\n", owners * per_owner, s);
  }

  // The server as `engram serve` runs it (no keys, on loopback), when searches go over HTTP.
  std::unique_ptr<engram::server::Api> api;
  std::unique_ptr<engram::server::HttpServer> server;
  std::unique_ptr<httplib::Client> client;
  std::thread serving;
  if (http) {
    engram::server::ApiOptions api_options;
    api_options.allow_anonymous = true;
    api = std::make_unique<engram::server::Api>(engine, std::move(api_options));
    engram::server::ServerOptions server_options;
    server_options.log = nullptr;
    server = std::make_unique<engram::server::HttpServer>(*api, server_options);
    if (engram::Status st = server->Bind(); !st.ok()) Die("bind", st);
    serving = std::thread([&server] {
      if (engram::Status st = server->Run(); !st.ok()) Die("serve", st);
    });
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    client->set_keep_alive(true);
    // The request's headers and body go out in two writes: without this, Nagle's algorithm
    // holds the body until the server's delayed ACK (~40 ms).
    client->set_tcp_nodelay(true);
  }
  // One search of `owner` for `text`: the owners of its hits, in order (an error ends the run).
  auto hit_owners = [&](size_t owner, const std::string& text) {
    std::vector<std::string> out;
    if (!http) {
      auto hits = engine.Search(OwnerName(owner), text, engram::SearchOptions{});
      if (!hits.ok()) Die("search", hits.status());
      for (const auto& h : *hits) out.push_back(h.record.owner_id);
      return out;
    }
    auto reply = client->Post("/v1/owners/" + OwnerName(owner) + "/memories/search",
                              nlohmann::json{{"query", text}}.dump(), "application/json");
    if (!reply || reply->status != 200) {
      std::fprintf(stderr, "owners_bench: search over HTTP failed: %s\n",
                   reply ? reply->body.c_str() : httplib::to_string(reply.error()).c_str());
      std::exit(1);
    }
    const nlohmann::json body = nlohmann::json::parse(reply->body);
    for (const auto& h : body["hits"]) {
      out.push_back(h["owner_id"].get<std::string>());
    }
    return out;
  };

  std::mt19937_64 rng(7);
  uint64_t query_number = owners * per_owner;  // vectors no memory has
  auto search = [&](size_t owner) {
    const std::string text =
        "what about " + std::string(kTopics[rng() % 10]) + " #" + std::to_string(query_number++);
    const auto start = Clock::now();
    const std::vector<std::string> hits = hit_owners(owner, text);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    for (const std::string& o : hits) {
      if (o != OwnerName(owner)) {
        std::fprintf(stderr, "owners_bench: a search of %s found a memory of %s\n",
                     OwnerName(owner).c_str(), o.c_str());
        std::exit(1);
      }
    }
    if (hits.empty()) {
      std::fprintf(stderr, "owners_bench: a search of %s found nothing\n",
                   OwnerName(owner).c_str());
      std::exit(1);
    }
    return ms;
  };

  const double rss_before = ProcStatusMb("VmRSS");
  PrintUsage("before the first search", engine, rss_before);
  std::vector<size_t> order(owners);
  for (size_t i = 0; i < owners; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<double> first;
  first.reserve(owners);
  double rss_max = rss_before;
  const auto first_start = Clock::now();
  for (size_t k = 0; k < owners; ++k) {
    first.push_back(search(order[k]));
    if ((k + 1) % 1000 == 0) rss_max = std::max(rss_max, ProcStatusMb("VmRSS"));
    if ((k + 1) % (owners / 5 > 0 ? owners / 5 : 1) == 0) {
      PrintUsage(("after " + std::to_string(k + 1) + " first searches").c_str(), engine,
                 rss_before);
    }
  }
  const double first_s = std::chrono::duration<double>(Clock::now() - first_start).count();
  std::printf(
      "  first search of each owner: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu in %.1f s)\n",
      Percentile(first, 0.5), Percentile(first, 0.99), Percentile(first, 1.0), owners, first_s);
  std::printf("  RSS sampled every 1000 first searches: max %.1f MiB (+%.1f MiB)\n", rss_max,
              rss_max - rss_before);

  // The most recently searched owners are the ones loaded: half of them, so none is dropped.
  const size_t loaded = engine.IndexMemory().partitions;
  const size_t hot = std::max<size_t>(1, std::min(owners, loaded / 2));
  std::vector<double> warm;
  warm.reserve(warm_queries);
  const uint64_t evictions_before = engine.IndexMemory().evictions;
  for (size_t q = 0; q < warm_queries; ++q) warm.push_back(search(order[owners - 1 - rng() % hot]));
  std::printf(
      "  warm search (%zu owners, all loaded; %llu dropped meanwhile): p50 %.2f ms, p99 %.2f ms "
      "(%zu searches)\n",
      hot, static_cast<unsigned long long>(engine.IndexMemory().evictions - evictions_before),
      Percentile(warm, 0.5), Percentile(warm, 0.99), warm_queries);
  PrintUsage("end", engine, rss_before);
  std::printf("  peak RSS (VmHWM) %.1f MiB\n", ProcStatusMb("VmHWM"));
  if (server) {
    server->Stop();
    serving.join();
  }
  return 0;
}
