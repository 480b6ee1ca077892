// graph_bench --edges N [--entities M] [--queries Q] [--dir D]: builds a random graph of M entities
// and N "knows" edges in one owner through Engine::AddEntities / AddRelations, then times
// Neighbors at depth 1 and 2 and FindPath (at most 4 hops) from random entities: p50 and p95.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engram/engine.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

void Report(const char* what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::printf("%-22s p50 %8.3f ms  p95 %8.3f ms  (%zu queries)\n", what, ms[ms.size() / 2],
              ms[ms.size() * 95 / 100], ms.size());
}

}  // namespace

int main(int argc, char** argv) {
  size_t edges = 10000, entities = 0, queries = 200;
  std::string dir = "/tmp/engram_graph_bench";
  CLI::App app{"graph_bench"};
  app.add_option("--edges", edges, "Edges in the owner's graph");
  app.add_option("--entities", entities, "Entities (default edges / 5)");
  app.add_option("--queries", queries, "Queries per measurement");
  app.add_option("--dir", dir, "Folder for the database (emptied first)");
  CLI11_PARSE(app, argc, argv);
  if (entities == 0) entities = std::max<size_t>(edges / 5, 2);
  std::filesystem::remove_all(dir);
  engram::Options options;
  options.path = dir + "/graph.db";
  options.durable_commits = false;
  auto engine = engram::Engine::Open(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "%s\n", engine.status().ToString().c_str());
    return 1;
  }
  auto name = [](size_t i) { return "entity " + std::to_string(i); };
  std::mt19937_64 rng(42);
  const auto t0 = Clock::now();
  for (size_t at = 0; at < entities; at += 1000) {
    std::vector<engram::NewEntity> batch;
    for (size_t i = at; i < std::min(entities, at + 1000); ++i) {
      engram::NewEntity e;
      e.owner_id = "bench";
      e.name = name(i);
      e.type = "node";
      batch.push_back(std::move(e));
    }
    if (auto w = (*engine)->AddEntities(batch); !w.ok()) {
      std::fprintf(stderr, "%s\n", w.status().ToString().c_str());
      return 1;
    }
  }
  std::uniform_int_distribution<size_t> pick(0, entities - 1);
  for (size_t at = 0; at < edges; at += 1000) {
    std::vector<engram::NewRelation> batch;
    for (size_t i = at; i < std::min(edges, at + 1000); ++i) {
      engram::NewRelation r;
      r.owner_id = "bench";
      r.from = name(pick(rng));
      r.type = "knows";
      r.to = name(pick(rng));
      batch.push_back(std::move(r));
    }
    if (auto w = (*engine)->AddRelations(batch); !w.ok()) {
      std::fprintf(stderr, "%s\n", w.status().ToString().c_str());
      return 1;
    }
  }
  std::printf("built %zu entities, %zu edges in %.1f s\n", entities, edges,
              Ms(Clock::now() - t0) / 1000);
  auto time = [&](const char* what, const std::function<bool()>& query) {
    std::vector<double> ms;
    for (size_t q = 0; q < queries; ++q) {
      const auto start = Clock::now();
      if (!query()) return;
      ms.push_back(Ms(Clock::now() - start));
    }
    Report(what, std::move(ms));
  };
  for (size_t depth : {1, 2}) {
    engram::NeighborOptions o;
    o.depth = depth;
    const std::string what = "neighbors depth " + std::to_string(depth);
    time(what.c_str(), [&] { return (*engine)->Neighbors("bench", name(pick(rng)), o).ok(); });
  }
  time("path (<= 4 hops)",
       [&] { return (*engine)->FindPath("bench", name(pick(rng)), name(pick(rng)), 4).ok(); });
  return 0;
}
