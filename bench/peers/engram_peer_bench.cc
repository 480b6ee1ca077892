// engram_peer_bench: the peers' shared workload (peers/common.hpp beside the repo) run through
// the engram engine, so its figures line up with Chroma's, LanceDB's, hnswlib's and FAISS's.
//
// Item i: vector vecFromSeed(i), owner user_(i % USERS). Query j: vecFromSeed(1000000 + j),
// searched in owner user_(j % USERS) (owner isolation is engram's filter), top K, vector mode.
// The engine embeds through a TableEmbedder over the harness's own arrays, so no time goes to
// embedding. Insert time runs until every item is searchable: AddMemories in batches of BATCH,
// plus the first search of each owner, which loads its partition. Prints the peers' report line
// and JSON line (common.hpp's runAndReport).
//
// Env: N, Q, K, DIM, USERS (as the peers), BATCH (1000), ENGRAM_DURABLE (1: fsync per commit),
// ENGRAM_RECORD_ACCESS (1: searches count their hits as accessed, the engine's default).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common.hpp"
#include "engram/engine.h"
#include "table_embedder.h"

namespace {

constexpr uint32_t kQuerySeedBase = 1000000;  // common.hpp's makeQueries: vecFromSeed(1000000 + j)

std::string Owner(long i) {
  return "user_" + std::to_string(i % bench::USERS);
}

template <typename T>
T Check(engram::Result<T> result, const char* what) {
  if (!result.ok()) {
    std::fprintf(stderr, "engram_peer_bench: %s: %s\n", what, result.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(result).value();
}

}  // namespace

int main() {
  const std::vector<float> data = bench::makeData();
  const std::vector<float> queries = bench::makeQueries();
  const size_t dim = static_cast<size_t>(bench::DIM);
  auto embedder = std::make_shared<engram::bench::TableEmbedder>(
      "peers-vec-from-seed", static_cast<int>(bench::DIM), [&](uint64_t n, std::span<float> out) {
        const float* v =
            n >= kQuerySeedBase ? &queries[(n - kQuerySeedBase) * dim] : &data[n * dim];
        std::copy(v, v + dim, out.begin());
      });

  const std::string dir = "/tmp/engram-peer-bench-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  engram::Options options;
  // ENGRAM_PEER_STORE: another store URL (bench/postgres/peers_pg.sh runs it on PostgreSQL).
  const char* store = std::getenv("ENGRAM_PEER_STORE");
  if (store && *store) {
    options.store = store;
  } else {
    options.path = dir + "/engram.db";
  }
  options.embedder = embedder;
  options.durable_commits = bench::envi("ENGRAM_DURABLE", 1) != 0;
  auto engine = Check(engram::Engine::Open(options), "open");

  engram::SearchOptions search;
  search.mode = engram::SearchMode::kVector;
  search.top_k = static_cast<size_t>(bench::K);
  search.record_access = bench::envi("ENGRAM_RECORD_ACCESS", 1) != 0;
  const size_t batch_size = static_cast<size_t>(bench::envi("BATCH", 1000));

  const double start = bench::nowMs();
  std::vector<engram::NewMemory> batch;
  for (long i = 0; i < bench::N;) {
    batch.clear();
    for (; i < bench::N && batch.size() < batch_size; ++i) {
      engram::NewMemory m;
      m.owner_id = Owner(i);
      m.scope = "bench";
      m.text = "memory #" + std::to_string(i) + " of " + Owner(i);
      batch.push_back(std::move(m));
    }
    Check(engine->AddMemories(batch), "AddMemories");
  }
  for (long u = 0; u < std::min(bench::USERS, bench::N); ++u) {
    Check(engine->Search(Owner(u), "query #" + std::to_string(kQuerySeedBase), search), "Search");
  }
  const double insert_s = (bench::nowMs() - start) / 1000;

  bench::runAndReport(
      "engram[vector]", insert_s, -1, data, queries,
      [&](long j) {
        auto hits =
            Check(engine->Search(Owner(j), "query #" + std::to_string(kQuerySeedBase + j), search),
                  "Search");
        std::vector<long> ids;
        for (const auto& hit : hits) ids.push_back(engram::bench::TextNumber(hit.record.text));
        return ids;
      },
      std::string(store && *store
                      ? "store " + std::string(store).substr(0, std::string(store).find(':')) + ", "
                      : "in-process, ") +
          "durable_commits=" + (options.durable_commits ? "true" : "false") +
          ", record_access=" + (search.record_access ? "true" : "false"));
  engine.reset();
  std::filesystem::remove_all(dir);
  return 0;
}
