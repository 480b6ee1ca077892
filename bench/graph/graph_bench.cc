// graph_bench --input DIR [--store URL] [--owner O] [--import | --reuse] [--json]: loads the graph
// that bench/graph/compare.mjs generated (DIR/edges.csv: "from,to" entity numbers, one "knows" edge
// a line, entity i named "e<i>"; DIR/entities.txt: how many) into one owner through
// Engine::AddEntities / AddRelations in batches of 1000 (with --import: one Engine::ImportGraph,
// as `engram graph import` loads a file; with --reuse: nothing, the store holds the graph an
// earlier run loaded from the same folder), prints the load's rows (entities + edges) per second,
// then times Neighbors at depth 1 and 2 (both directions) from
// the entities of DIR/starts.txt and FindPath (at most 4 hops) between the pairs of DIR/pairs.csv.
// Prints p50/p95 per measurement, or with --json one JSON object per line that also carries each
// query's answer size (neighbours; path length or -1), which compare.mjs checks against Kuzu's.
// Not part of the test suite (docs/graph.md).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engram/engine.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// This thread's CPU time in ms: on a loaded machine it varies less than the wall clock.
double CpuMs() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

std::string Name(size_t i) {
  return "e" + std::to_string(i);
}

// The lines of DIR/file as pairs "a,b" (b = 0 when the line has one number).
std::vector<std::pair<size_t, size_t>> ReadPairs(const std::filesystem::path& file) {
  std::vector<std::pair<size_t, size_t>> out;
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const size_t comma = line.find(',');
    out.emplace_back(std::stoul(line.substr(0, comma)),
                     comma == std::string::npos ? 0 : std::stoul(line.substr(comma + 1)));
  }
  return out;
}

int Fail(const engram::Status& st) {
  std::fprintf(stderr, "%s\n", st.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, store, owner = "bench";
  bool json = false, import = false, reuse = false;
  CLI::App app{"graph_bench"};
  app.add_option("--input", input, "Folder written by compare.mjs")->required();
  app.add_option("--store", store, "Store URL (default: a fresh SQLite file in the input folder)");
  app.add_option("--owner", owner, "Owner of the graph (forgotten first)");
  app.add_flag("--json", json, "One JSON object per measurement");
  app.add_flag("--import", import, "Load with one Engine::ImportGraph call");
  app.add_flag("--reuse", reuse, "Time the graph an earlier run left in --store (no load)")
      ->excludes("--import");
  CLI11_PARSE(app, argc, argv);
  const std::filesystem::path dir(input);
  std::vector<std::pair<size_t, size_t>> edges, starts, pairs;
  size_t entities = 0;
  try {
    edges = ReadPairs(dir / "edges.csv");
    starts = ReadPairs(dir / "starts.txt");
    pairs = ReadPairs(dir / "pairs.csv");
    entities = ReadPairs(dir / "entities.txt").at(0).first;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "graph_bench: %s\n", e.what());
    return 1;
  }
  engram::Options options;
  if (store.empty()) {
    if (reuse) {
      std::fprintf(stderr, "graph_bench: --reuse needs --store\n");
      return 1;
    }
    std::filesystem::remove(dir / "engram.db");
    options.path = (dir / "engram.db").string();
  } else {
    options.store = store;
  }
  options.durable_commits = false;
  auto engine = engram::Engine::Open(options);
  if (!engine.ok()) return Fail(engine.status());
  if (!reuse) {
    if (auto f = (*engine)->ForgetOwner(owner); !f.ok()) return Fail(f.status());
  }
  std::vector<engram::NewEntity> all_entities;
  for (size_t i = 0; i < entities; ++i) {
    engram::NewEntity e;
    e.owner_id = owner;
    e.name = Name(i);
    e.type = "node";
    all_entities.push_back(std::move(e));
  }
  std::vector<engram::NewRelation> all_edges;
  for (const auto& [from, to] : edges) {
    engram::NewRelation r;
    r.owner_id = owner;
    r.from = Name(from);
    r.type = "knows";
    r.to = Name(to);
    all_edges.push_back(std::move(r));
  }
  const auto t0 = Clock::now();
  if (reuse) {
    // The graph is there already.
  } else if (import) {
    if (auto w = (*engine)->ImportGraph(all_entities, all_edges); !w.ok()) return Fail(w.status());
  } else {
    const std::span<const engram::NewEntity> es(all_entities);
    for (size_t at = 0; at < es.size(); at += 1000) {
      auto w = (*engine)->AddEntities(es.subspan(at, std::min<size_t>(1000, es.size() - at)));
      if (!w.ok()) return Fail(w.status());
    }
    const std::span<const engram::NewRelation> rs(all_edges);
    for (size_t at = 0; at < rs.size(); at += 1000) {
      auto w = (*engine)->AddRelations(rs.subspan(at, std::min<size_t>(1000, rs.size() - at)));
      if (!w.ok()) return Fail(w.status());
    }
  }
  const double load_s = Ms(Clock::now() - t0) / 1000;
  const double rows_per_s = static_cast<double>(entities + edges.size()) / load_s;
  if (json) {
    std::printf("%s\n", nlohmann::json({{"what", "load"},
                                        {"entities", entities},
                                        {"edges", edges.size()},
                                        {"seconds", load_s},
                                        {"rows_per_s", rows_per_s}})
                            .dump()
                            .c_str());
  } else {
    std::printf("loaded %zu entities, %zu edges in %.1f s (%.0f rows/s, %s)\n", entities,
                edges.size(), load_s, rows_per_s,
                reuse    ? "reused"
                : import ? "one import"
                         : "batches of 1000");
  }
  // Times `query` over `n` inputs; it returns the answer's size, or a Status on failure.
  auto time = [&](const std::string& what, size_t n,
                  const std::function<engram::Result<int64_t>(size_t)>& query) -> bool {
    std::vector<double> ms, cpu;
    std::vector<int64_t> sizes;
    for (size_t q = 0; q < n; ++q) {
      const auto start = Clock::now();
      const double cpu_start = CpuMs();
      engram::Result<int64_t> size = query(q);
      cpu.push_back(CpuMs() - cpu_start);
      ms.push_back(Ms(Clock::now() - start));
      if (!size.ok()) {
        Fail(size.status());
        return false;
      }
      sizes.push_back(*size);
    }
    std::sort(ms.begin(), ms.end());
    std::sort(cpu.begin(), cpu.end());
    const double p50 = ms[n / 2], p95 = ms[n * 95 / 100], cpu50 = cpu[n / 2];
    if (json) {
      std::printf("%s\n", nlohmann::json({{"what", what},
                                          {"p50", p50},
                                          {"p95", p95},
                                          {"cpu_p50", cpu50},
                                          {"queries", n},
                                          {"sizes", sizes}})
                              .dump()
                              .c_str());
    } else {
      std::printf("%-22s p50 %8.3f ms  p95 %8.3f ms  cpu p50 %8.3f ms  (%zu queries)\n",
                  what.c_str(), p50, p95, cpu50, n);
    }
    return true;
  };
  for (size_t depth : {1, 2}) {
    engram::NeighborOptions o;
    o.depth = depth;
    const bool ok = time("neighbors depth " + std::to_string(depth), starts.size(),
                         [&](size_t q) -> engram::Result<int64_t> {
                           auto n = (*engine)->Neighbors(owner, Name(starts[q].first), o);
                           if (!n.ok()) return n.status();
                           return static_cast<int64_t>(n->neighbors.size());
                         });
    if (!ok) return 1;
  }
  const bool ok = time("path (<= 4 hops)", pairs.size(), [&](size_t q) -> engram::Result<int64_t> {
    auto p = (*engine)->FindPath(owner, Name(pairs[q].first), Name(pairs[q].second), 4);
    if (!p.ok()) return p.status();
    return *p ? static_cast<int64_t>((*p)->relations.size()) : int64_t{-1};
  });
  return ok ? 0 : 1;
}
