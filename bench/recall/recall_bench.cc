// recall_bench: how fast engram stores and recalls memories of one owner, at 10k to 1M memories.
//
// Vectors are realistic: USE-lite embeddings of the 5,882 LoCoMo dialogue turns and, beyond
// them, copies of those vectors with Gaussian noise of per-dimension sigma, renormalised.
// Queries are USE-lite embeddings of LoCoMo QA questions. The engine embeds through a
// TableEmbedder that looks these vectors up, so search latency excludes query embedding; USE-lite
// itself is timed separately (query latency, ingest with embedding).
//
// Every N runs in a child process, so each reports its own peak RSS (VmHWM). Stages print as they
// finish, so a run cut short still shows how far it got. Run with --help for the parameters;
// each also reads an environment variable (RECALL_N, RECALL_QUERIES, ...).
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <numbers>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "embed/use_lite/use_lite_embedder.h"
#include "engram/engine.h"
#include "index/distance.h"
#include "process_stats.h"
#include "table_embedder.h"

namespace {

using Clock = std::chrono::steady_clock;
using engram::Engine;
using engram::SearchMode;
using engram::SearchOptions;
using engram::bench::LoadAverage;
using engram::bench::ProcStatusMb;
using nlohmann::json;

constexpr const char* kOwner = "bench_owner";
constexpr size_t kTopK = 10;
constexpr size_t kWarmup = 10;
// The engine scans an owner's vectors exactly up to this many, HNSW above (core/recall.cc).
constexpr uint64_t kEngineExactUpTo = 20'000;
// Results within this of the k-th exact score count as found: ties and float rounding.
constexpr float kScoreTolerance = 1e-5f;

struct Config {
  std::vector<uint64_t> sizes = {10'000, 100'000};
  size_t queries = 1000;
  double sigma = 0.01;
  size_t batch = 1000;
  bool durable = true;
  size_t live_add = 1000;
  std::string dir;
  // A store URL (e.g. postgres://...) used instead of a SQLite file per scenario; the bench
  // owner's memories there are forgotten first.
  std::string store;
  // Options::index_cache with --store: where the saved indexes go ("none": nowhere, each process
  // rebuilds them); default <dir>/index-cache.
  std::string index_cache;
  bool keep = false;         // keep each scenario's store in <dir>/n<N>
  bool reopen_only = false;  // only time reopening the store that a --keep run left there
  bool episodes = false;     // store the turns as episodes (one conversation) instead of facts
  std::string model_dir = engram::UseLiteEmbedder::DefaultModelDir();
  std::string locomo = std::string(ENGRAM_SHARED_DIR) + "/data/locomo/locomo10.json";
};

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

[[noreturn]] void Die(const std::string& what, const engram::Status& status) {
  std::fprintf(stderr, "recall_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

template <typename T>
T Check(engram::Result<T> result, const std::string& what) {
  if (!result.ok()) Die(what, result.status());
  return std::move(result).value();
}

struct Percentiles {
  double p50 = 0, p95 = 0, p99 = 0, mean = 0;
};

// Nearest-rank percentiles, as the peers' harnesses compute them.
Percentiles Summarise(std::vector<double> ms) {
  Percentiles p;
  if (ms.empty()) return p;
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(q * ms.size()))];
  };
  p.p50 = at(0.50);
  p.p95 = at(0.95);
  p.p99 = at(0.99);
  for (double x : ms) p.mean += x;
  p.mean /= static_cast<double>(ms.size());
  return p;
}

json ToJson(const Percentiles& p) {
  return {{"p50_ms", p.p50}, {"p95_ms", p.p95}, {"p99_ms", p.p99}, {"mean_ms", p.mean}};
}

struct Locomo {
  std::vector<std::string> turns;
  std::vector<std::string> questions;
};

Locomo LoadLocomo(const std::string& path) {
  Locomo out;
  std::ifstream in(path);
  const json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) {
    std::fprintf(stderr, "recall_bench: cannot read LoCoMo from %s\n", path.c_str());
    std::exit(1);
  }
  for (const auto& sample : doc) {
    const auto& conversation = sample.value("conversation", json::object());
    for (int n = 1; conversation.contains("session_" + std::to_string(n)); ++n) {
      for (const auto& turn : conversation["session_" + std::to_string(n)]) {
        if (turn.contains("text") && turn["text"].is_string()) out.turns.push_back(turn["text"]);
      }
    }
    for (const auto& qa : sample.value("qa", json::array())) {
      if (qa.contains("question") && qa["question"].is_string()) {
        out.questions.push_back(qa["question"]);
      }
    }
  }
  return out;
}

// The benchmark's vectors, addressed as TableEmbedder numbers: document n < base count is
// USE-lite vector n; document n beyond is a noisy copy of vector n % base count; n >= kQueryBase
// is query n - kQueryBase. Noise is seeded by n, so a vector is the same whenever it is rebuilt.
// Without base vectors (--reopen-only), only queries may be asked for.
class Corpus {
 public:
  static constexpr uint64_t kQueryBase = uint64_t{1} << 40;

  Corpus(int dim, std::vector<float> base, std::vector<float> queries, double sigma)
      : dim_(dim), base_(std::move(base)), queries_(std::move(queries)), sigma_(sigma) {}

  int dim() const { return dim_; }
  size_t base_count() const { return base_.size() / Dim(); }
  size_t query_count() const { return queries_.size() / Dim(); }
  std::span<const float> Query(size_t j) const { return {queries_.data() + j * Dim(), Dim()}; }

  void VectorOf(uint64_t n, std::span<float> out) const {
    if (n >= kQueryBase) {
      const auto q = Query(n - kQueryBase);
      std::copy(q.begin(), q.end(), out.begin());
      return;
    }
    const float* b = base_.data() + (n % base_count()) * Dim();
    if (n < base_count()) {
      std::copy(b, b + Dim(), out.begin());
      return;
    }
    uint64_t state = n * 0x9e3779b97f4a7c15u + 0x5eed;
    std::vector<double> v(Dim());
    double norm = 0;
    for (size_t d = 0; d < Dim(); d += 2) {
      // Box-Muller: two standard normals from two uniforms in (0, 1).
      const double r = std::sqrt(-2 * std::log(Uniform(state)));
      const double theta = 2 * std::numbers::pi * Uniform(state);
      v[d] = b[d] + sigma_ * r * std::cos(theta);
      if (d + 1 < Dim()) v[d + 1] = b[d + 1] + sigma_ * r * std::sin(theta);
    }
    for (double x : v) norm += x * x;
    norm = std::sqrt(norm);
    for (size_t d = 0; d < Dim(); ++d) out[d] = static_cast<float>(v[d] / norm);
  }

 private:
  size_t Dim() const { return static_cast<size_t>(dim_); }
  static double Uniform(uint64_t& state) {  // splitmix64
    uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return (static_cast<double>(z >> 11) + 0.5) * 0x1.0p-53;
  }

  int dim_;
  std::vector<float> base_;
  std::vector<float> queries_;
  double sigma_;
};

// Memory n of a scenario: its LoCoMo turn with its vector number, so lexical search sees real
// text. Every tenth is a preference, the set the filtered queries select; with --episodes the
// others are episodes written seconds apart, one long conversation, so every hit of a search
// has turns around it to lend context to.
bool IsPreference(uint64_t n) {
  return n % 10 == 0;
}

engram::NewMemory MemoryOf(const Config& cfg, const Locomo& locomo, uint64_t n) {
  engram::NewMemory m;
  m.owner_id = kOwner;
  m.type = IsPreference(n) ? engram::MemoryType::kPreference
           : cfg.episodes  ? engram::MemoryType::kEpisode
                           : engram::MemoryType::kFact;
  m.text = locomo.turns[n % locomo.turns.size()] + " #" + std::to_string(n);
  return m;
}

std::string QueryText(const Locomo& locomo, size_t j) {
  return locomo.questions[j] + " #" + std::to_string(Corpus::kQueryBase + j);
}

using Ranked = std::vector<std::pair<float, uint64_t>>;  // (score, n), best first

struct Truth {
  std::vector<Ranked> all;          // exact top k over the owner's memories
  std::vector<Ranked> preferences;  // exact top k over its preferences
};

// Exact top-k of every query by brute force, streaming the n document vectors in chunks so the
// benchmark holds no copy of the corpus (its peak RSS stays the engine's). Threads take
// interleaved chunks; their heaps are merged at the end.
Truth ExactTopK(const Corpus& corpus, uint64_t n, size_t queries) {
  const size_t dim = static_cast<size_t>(corpus.dim());
  const size_t threads = std::max(1u, std::thread::hardware_concurrency());
  constexpr size_t kChunk = 2048;
  auto min_first = [](const auto& a, const auto& b) { return a.first > b.first; };
  auto push = [&](Ranked& heap, float score, uint64_t label) {
    if (heap.size() < kTopK) {
      heap.emplace_back(score, label);
      std::push_heap(heap.begin(), heap.end(), min_first);
    } else if (score > heap.front().first) {
      std::pop_heap(heap.begin(), heap.end(), min_first);
      heap.back() = {score, label};
      std::push_heap(heap.begin(), heap.end(), min_first);
    }
  };
  std::vector<Truth> partial(threads);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      Truth& mine = partial[t];
      mine.all.resize(queries);
      mine.preferences.resize(queries);
      std::vector<float> rows(kChunk * dim), scores(kChunk);
      for (uint64_t begin = t * kChunk; begin < n; begin += threads * kChunk) {
        const size_t count = std::min<uint64_t>(kChunk, n - begin);
        for (size_t i = 0; i < count; ++i) corpus.VectorOf(begin + i, {&rows[i * dim], dim});
        for (size_t j = 0; j < queries; ++j) {
          engram::index::InnerProductBatch(corpus.Query(j).data(), rows.data(), count, dim,
                                           scores.data());
          for (size_t i = 0; i < count; ++i) {
            push(mine.all[j], scores[i], begin + i);
            if (IsPreference(begin + i)) push(mine.preferences[j], scores[i], begin + i);
          }
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  Truth truth;
  truth.all.resize(queries);
  truth.preferences.resize(queries);
  for (size_t j = 0; j < queries; ++j) {
    for (const Truth& p : partial) {
      for (const auto& [score, label] : p.all[j]) push(truth.all[j], score, label);
      for (const auto& [score, label] : p.preferences[j]) push(truth.preferences[j], score, label);
    }
    std::sort_heap(truth.all[j].begin(), truth.all[j].end(), min_first);
    std::sort_heap(truth.preferences[j].begin(), truth.preferences[j].end(), min_first);
  }
  return truth;
}

// The engine of a scenario's store. With --store, a fresh one (`fresh`) starts without the
// bench owner's memories and with `embedder`'s model (the store may hold another's).
// With --store, `cached` says whether the engine keeps its saved indexes in cfg.index_cache.
std::unique_ptr<Engine> OpenEngine(const Config& cfg, const std::string& path,
                                   std::shared_ptr<engram::Embedder> embedder, bool fresh = false,
                                   bool cached = true) {
  engram::Options options;
  if (cfg.store.empty()) {
    options.path = path;
  } else {
    options.store = cfg.store;
    options.accept_model_change = fresh;
    if (cached && cfg.index_cache != "none") options.index_cache = cfg.index_cache;
  }
  options.embedder = std::move(embedder);
  options.durable_commits = cfg.durable;
  auto engine = Check(Engine::Open(options), "open " + (cfg.store.empty() ? path : "--store"));
  if (!cfg.store.empty() && fresh) {
    Check(engine->ForgetOwner(kOwner), "forget the bench owner");
    Check(engine->Reindex(), "reindex the emptied store");
  }
  return engine;
}

// Vector mode, top 10: what the recall figures search with.
SearchOptions VectorMode() {
  SearchOptions o;
  o.mode = SearchMode::kVector;
  o.top_k = kTopK;
  return o;
}

// An engine opened on path and searched once, as a new process would be: the seconds of
// Engine::Open and of that first Search (which loads the owner's partition).
struct Reopened {
  std::unique_ptr<Engine> engine;
  double open_s = 0;
  double first_query_s = 0;
};

Reopened OpenAndSearchOnce(const Config& cfg, const std::string& path,
                           std::shared_ptr<engram::Embedder> embedder, const std::string& query,
                           bool cached = true) {
  Reopened r;
  auto start = Clock::now();
  r.engine = OpenEngine(cfg, path, std::move(embedder), /*fresh=*/false, cached);
  r.open_s = Seconds(start);
  start = Clock::now();
  Check(r.engine->Search(kOwner, query, VectorMode()), "first Search");
  r.first_query_s = Seconds(start);
  return r;
}

// Adds memories first..last-1 in batches; returns the seconds taken.
double Ingest(Engine& engine, const Config& cfg, uint64_t first, uint64_t last,
              const std::function<engram::NewMemory(uint64_t)>& memory_of, bool progress) {
  const auto start = Clock::now();
  std::vector<engram::NewMemory> batch;
  uint64_t next_report = first + (last - first) / 10;
  for (uint64_t n = first; n < last;) {
    batch.clear();
    for (; n < last && batch.size() < cfg.batch; ++n) batch.push_back(memory_of(n));
    Check(engine.AddMemories(batch), "AddMemories");
    if (progress && n >= next_report && n < last) {
      std::printf("  ingested %llu of %llu (%.1f s)\n", static_cast<unsigned long long>(n - first),
                  static_cast<unsigned long long>(last - first), Seconds(start));
      std::fflush(stdout);
      next_report += (last - first) / 10;
    }
  }
  return Seconds(start);
}

// Found fraction of the exact top k (see kScoreTolerance).
double Recall(const Corpus& corpus, size_t j, const Ranked& exact,
              const std::vector<engram::SearchHit>& hits) {
  if (exact.empty()) return 1;
  const float kth = exact.back().first;
  std::vector<float> v(static_cast<size_t>(corpus.dim()));
  size_t found = 0;
  for (size_t h = 0; h < std::min(hits.size(), kTopK); ++h) {
    const int64_t n = engram::bench::TextNumber(hits[h].record.text);
    if (n < 0) continue;
    corpus.VectorOf(static_cast<uint64_t>(n), v);
    const float score = engram::index::InnerProduct(corpus.Query(j).data(), v.data(), v.size());
    if (score >= kth - kScoreTolerance) ++found;
  }
  return static_cast<double>(found) / static_cast<double>(exact.size());
}

struct QueryRun {
  Percentiles latency;
  double recall = -1;  // -1: not measured
  size_t short_results = 0;
};

// kWarmup untimed queries, then `queries` timed ones; recall when `exact` is given.
QueryRun RunQueries(Engine& engine, const Corpus& corpus, const Locomo& locomo, size_t queries,
                    const SearchOptions& options, const std::vector<Ranked>* exact) {
  for (size_t j = 0; j < std::min(kWarmup, queries); ++j) {
    Check(engine.Search(kOwner, QueryText(locomo, j), options), "Search");
  }
  QueryRun run;
  std::vector<double> ms;
  double recall_sum = 0;
  for (size_t j = 0; j < queries; ++j) {
    const std::string text = QueryText(locomo, j);
    const auto start = Clock::now();
    auto hits = Check(engine.Search(kOwner, text, options), "Search");
    ms.push_back(Seconds(start) * 1e3);
    if (hits.size() < kTopK) ++run.short_results;
    if (exact) recall_sum += Recall(corpus, j, (*exact)[j], hits);
  }
  run.latency = Summarise(std::move(ms));
  if (exact) run.recall = recall_sum / static_cast<double>(queries);
  return run;
}

void PrintRun(const char* name, const QueryRun& run) {
  std::printf("  %-34s p50 %7.3f ms  p95 %7.3f ms  p99 %7.3f ms", name, run.latency.p50,
              run.latency.p95, run.latency.p99);
  if (run.recall >= 0) std::printf("  recall@10 %.4f", run.recall);
  std::printf("  short %zu\n", run.short_results);
  std::fflush(stdout);
}

json ToJson(const QueryRun& run) {
  json out = ToJson(run.latency);
  if (run.recall >= 0) out["recall_at_10"] = run.recall;
  out["short"] = run.short_results;
  return out;
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file()) bytes += entry.file_size();
  }
  return bytes;
}

// One scenario: N memories in one owner, then cold open, latency, recall, live ingest, RSS.
void RunScenario(const Config& cfg, const Corpus& corpus, const Locomo& locomo, uint64_t n) {
  const double rss_at_start = ProcStatusMb("VmRSS");
  const size_t queries = std::min(cfg.queries, corpus.query_count());
  const std::string dir = cfg.dir + "/n" + std::to_string(n);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/engram.db";
  auto embedder = std::make_shared<engram::bench::TableEmbedder>(
      "bench-locomo-use-lite", corpus.dim(),
      [&corpus](uint64_t v, std::span<float> out) { corpus.VectorOf(v, out); });
  auto memory_of = [&](uint64_t i) { return MemoryOf(cfg, locomo, i); };

  std::printf("== N=%llu memories in one owner (sigma %.3g, %zu queries, load %s)\n",
              static_cast<unsigned long long>(n), cfg.sigma, queries, LoadAverage().c_str());
  auto start = Clock::now();
  const Truth truth = ExactTopK(corpus, n, queries);
  std::printf("  exact top-10 by brute force: %.1f s\n", Seconds(start));
  std::fflush(stdout);

  auto engine = OpenEngine(cfg, path, embedder, /*fresh=*/true);
  const double ingest_s = Ingest(*engine, cfg, 0, n, memory_of, /*progress=*/n >= 100'000);
  std::printf("  ingest (precomputed vectors):      %8.0f memories/s (%.1f s)\n", n / ingest_s,
              ingest_s);
  std::fflush(stdout);
  engine.reset();
  const uint64_t db_bytes = DirectoryBytes(dir);

  Reopened opened = OpenAndSearchOnce(cfg, path, embedder, QueryText(locomo, 0));
  engine = std::move(opened.engine);
  const double open_s = opened.open_s;
  const double first_query_s = opened.first_query_s;
  const SearchOptions vector_mode = VectorMode();
  std::printf("  reopen: Engine::Open %.3f s, first Search %.3f s (loads the owner's vectors%s)\n",
              open_s, first_query_s, n > kEngineExactUpTo ? " and builds HNSW" : "");
  std::fflush(stdout);

  const QueryRun vector_run = RunQueries(*engine, corpus, locomo, queries, vector_mode, &truth.all);
  PrintRun("vector:", vector_run);
  SearchOptions filtered = vector_mode;
  filtered.type = engram::MemoryType::kPreference;
  const QueryRun filtered_run =
      RunQueries(*engine, corpus, locomo, queries, filtered, &truth.preferences);
  PrintRun("vector, type=preference (10%):", filtered_run);
  SearchOptions hybrid;
  hybrid.top_k = kTopK;
  const QueryRun hybrid_run = RunQueries(*engine, corpus, locomo, queries, hybrid, nullptr);
  PrintRun("hybrid (default search):", hybrid_run);
  // The same without the graph signal: the owner has no entity, so the two should match.
  SearchOptions no_graph = hybrid;
  no_graph.use_graph = false;
  const QueryRun no_graph_run = RunQueries(*engine, corpus, locomo, queries, no_graph, nullptr);
  PrintRun("hybrid, use_graph off:", no_graph_run);

  double live_s = 0;
  if (cfg.live_add > 0) {
    live_s = Ingest(*engine, cfg, n, n + cfg.live_add, memory_of, /*progress=*/false);
    std::printf("  ingest into the loaded owner:      %8.0f memories/s (%zu more)\n",
                cfg.live_add / live_s, cfg.live_add);
  }
  const double hwm = ProcStatusMb("VmHWM");
  std::printf("  peak RSS (VmHWM) %.0f MB (%.0f MB at start of scenario); store %.0f MB on disk\n",
              hwm, rss_at_start, db_bytes / 1048576.0);

  // A later process: the owner's HNSW index was saved beside the store, so opening reads it and
  // only the vectors written after it instead of rebuilding.
  engine.reset();
  opened = OpenAndSearchOnce(cfg, path, embedder, QueryText(locomo, 1));
  engine = std::move(opened.engine);
  const double reopen_s = opened.open_s;
  const double reopen_first_query_s = opened.first_query_s;
  std::printf("  reopen with the saved index: Engine::Open %.3f s, first Search %.3f s\n", reopen_s,
              reopen_first_query_s);
  std::fflush(stdout);
  // A database server's store: the same reopen without the local index cache, as every process
  // did before there was one (the index rebuilt from the database).
  double uncached_s = -1, uncached_first_query_s = -1;
  if (!cfg.store.empty() && cfg.index_cache != "none") {
    engine.reset();
    opened = OpenAndSearchOnce(cfg, path, embedder, QueryText(locomo, 2), /*cached=*/false);
    engine = std::move(opened.engine);
    uncached_s = opened.open_s;
    uncached_first_query_s = opened.first_query_s;
    std::printf("  reopen without the index cache: Engine::Open %.3f s, first Search %.3f s\n",
                uncached_s, uncached_first_query_s);
    std::fflush(stdout);
  }

  json out = {{"scenario", "recall"},
              {"n", n},
              {"dim", corpus.dim()},
              {"sigma", cfg.sigma},
              {"queries", queries},
              {"batch", cfg.batch},
              {"durable_commits", cfg.durable},
              {"episodes", cfg.episodes},
              {"ingest_per_s", n / ingest_s},
              {"ingest_s", ingest_s},
              {"open_s", open_s},
              {"first_query_s", first_query_s},
              {"reopen_s", reopen_s},
              {"reopen_first_query_s", reopen_first_query_s},
              {"vector", ToJson(vector_run)},
              {"vector_type_filter", ToJson(filtered_run)},
              {"hybrid", ToJson(hybrid_run)},
              {"hybrid_no_graph", ToJson(no_graph_run)},
              {"peak_rss_mb", hwm},
              {"rss_at_start_mb", rss_at_start},
              {"store_mb", db_bytes / 1048576.0},
              {"loadavg", LoadAverage()}};
  if (cfg.live_add > 0) out["live_ingest_per_s"] = cfg.live_add / live_s;
  if (uncached_s >= 0) {
    out["reopen_uncached_s"] = uncached_s;
    out["reopen_uncached_first_query_s"] = uncached_first_query_s;
  }
  std::printf("JSON %s\n", out.dump().c_str());
  std::fflush(stdout);
  engine.reset();
  if (!cfg.keep) std::filesystem::remove_all(dir);
}

// Opens the store a --keep run left in <dir>/n<N> and times Engine::Open and the first Search,
// as a later process would see them, then the latency of vector search (no recall: the
// documents' vectors are not computed). The store is left as it is (but for access statistics),
// so the run can be repeated.
void RunReopen(const Config& cfg, const Corpus& corpus, const Locomo& locomo, uint64_t n) {
  const std::string path = cfg.dir + "/n" + std::to_string(n) + "/engram.db";
  if (!std::filesystem::exists(path)) {
    std::fprintf(stderr, "recall_bench: no store at %s (make one with --keep)\n", path.c_str());
    std::exit(1);
  }
  auto embedder = std::make_shared<engram::bench::TableEmbedder>(
      "bench-locomo-use-lite", corpus.dim(),
      [&corpus](uint64_t v, std::span<float> out) { corpus.VectorOf(v, out); });
  std::printf("== N=%llu: reopening %s (load %s)\n", static_cast<unsigned long long>(n),
              path.c_str(), LoadAverage().c_str());
  Reopened opened = OpenAndSearchOnce(cfg, path, embedder, QueryText(locomo, 1));
  const double open_s = opened.open_s;
  const double first_query_s = opened.first_query_s;
  std::printf("  reopen with the saved index: Engine::Open %.3f s, first Search %.3f s\n", open_s,
              first_query_s);
  std::fflush(stdout);
  const QueryRun vector_run =
      RunQueries(*opened.engine, corpus, locomo, std::min(cfg.queries, corpus.query_count()),
                 VectorMode(), /*exact=*/nullptr);
  PrintRun("vector, after reopening:", vector_run);
  const double hwm = ProcStatusMb("VmHWM");
  std::printf("  peak RSS (VmHWM) %.0f MB\n", hwm);
  const json out = {{"scenario", "reopen"},         {"n", n},
                    {"reopen_s", open_s},           {"reopen_first_query_s", first_query_s},
                    {"vector", ToJson(vector_run)}, {"peak_rss_mb", hwm},
                    {"loadavg", LoadAverage()}};
  std::printf("JSON %s\n", out.dump().c_str());
  std::fflush(stdout);
}

// Embeds texts in one call (the embedder shares them across its threads); returns the vectors
// row-major.
std::vector<float> EmbedAll(engram::UseLiteEmbedder& embedder,
                            const std::vector<std::string>& texts) {
  const size_t dim = static_cast<size_t>(embedder.dimension());
  std::vector<std::vector<float>> vectors;
  if (auto st = embedder.Embed(texts, &vectors); !st.ok()) Die("embed", st);
  std::vector<float> out(texts.size() * dim);
  for (size_t i = 0; i < texts.size(); ++i) {
    std::copy(vectors[i].begin(), vectors[i].end(), out.begin() + i * dim);
  }
  return out;
}

// Latency of embedding each question alone: (all questions, the 12-token ones) in ms, and
// their vectors row-major into *vectors when not null.
std::pair<std::vector<double>, std::vector<double>> QueryLatency(
    engram::UseLiteEmbedder& embedder, const std::vector<std::string>& questions,
    std::vector<float>* vectors) {
  std::vector<std::vector<float>> out;
  for (size_t j = 0; j < std::min<size_t>(50, questions.size()); ++j) {
    const auto st = embedder.Embed(std::span(questions).subspan(j, 1), &out);
    if (!st.ok()) Die("embed question", st);
  }
  const size_t dim = static_cast<size_t>(embedder.dimension());
  if (vectors != nullptr) vectors->assign(questions.size() * dim, 0.0f);
  std::vector<double> all_ms, twelve_ms;
  for (size_t j = 0; j < questions.size(); ++j) {
    const auto start = Clock::now();
    const auto st = embedder.Embed(std::span(questions).subspan(j, 1), &out);
    const double ms = Seconds(start) * 1e3;
    if (!st.ok()) Die("embed question", st);
    if (vectors != nullptr) std::copy(out[0].begin(), out[0].end(), vectors->begin() + j * dim);
    all_ms.push_back(ms);
    if (Check(embedder.Tokenize(questions[j]), "tokenize").size() == 12) twelve_ms.push_back(ms);
  }
  return {all_ms, twelve_ms};
}

// USE-lite figures: query embedding latency on the LoCoMo questions (whose vectors become the
// queries), ingest with embedding, and the turns' vectors. Returns the corpus.
// With cfg.reopen_only, only the questions are embedded, untimed.
Corpus EmbedLocomo(const Config& cfg, const Locomo& locomo) {
  std::shared_ptr<engram::UseLiteEmbedder> embedder =
      Check(engram::UseLiteEmbedder::Open(cfg.model_dir), "open USE-lite at " + cfg.model_dir);
  const size_t dim = static_cast<size_t>(embedder->dimension());
  if (cfg.reopen_only) {
    return Corpus(static_cast<int>(dim), {}, EmbedAll(*embedder, locomo.questions), cfg.sigma);
  }
  std::printf("== USE-lite (%s, dim %zu) on LoCoMo: %zu turns, %zu questions\n",
              embedder->model_id().c_str(), dim, locomo.turns.size(), locomo.questions.size());

  std::shared_ptr<engram::UseLiteEmbedder> single =
      Check(engram::UseLiteEmbedder::Open(cfg.model_dir, 1), "open USE-lite at " + cfg.model_dir);
  const auto [all_1t_ms, twelve_1t_ms] = QueryLatency(*single, locomo.questions, nullptr);
  single.reset();
  std::vector<float> queries;
  const auto [all_ms, twelve_ms] = QueryLatency(*embedder, locomo.questions, &queries);
  const Percentiles all_1t = Summarise(all_1t_ms), twelve_1t = Summarise(twelve_1t_ms);
  const Percentiles all = Summarise(all_ms), twelve = Summarise(twelve_ms);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf(
      "  query embedding, 1 thread, all %zu questions:  p50 %.3f ms p95 %.3f ms p99 %.3f ms\n",
      all_ms.size(), all_1t.p50, all_1t.p95, all_1t.p99);
  std::printf(
      "  query embedding, 1 thread, %zu 12-token ones:   p50 %.3f ms p95 %.3f ms p99 %.3f ms\n",
      twelve_ms.size(), twelve_1t.p50, twelve_1t.p95, twelve_1t.p99);
  std::printf(
      "  query embedding, %u threads, all questions:    p50 %.3f ms p95 %.3f ms p99 %.3f ms\n",
      cores, all.p50, all.p95, all.p99);
  std::printf(
      "  query embedding, %u threads, 12-token ones:    p50 %.3f ms p95 %.3f ms p99 %.3f ms\n",
      cores, twelve.p50, twelve.p95, twelve.p99);

  auto start = Clock::now();
  std::vector<float> base = EmbedAll(*embedder, locomo.turns);
  const double embed_all_s = Seconds(start);
  std::printf("  turns embedded on %u threads: %.0f sentences/s\n", cores,
              locomo.turns.size() / embed_all_s);

  Corpus corpus(static_cast<int>(dim), std::move(base), std::move(queries), cfg.sigma);

  // Ingest of the turns as they are, once embedded by the engine (USE-lite on every core) and
  // once with the vectors precomputed.
  const std::string dir = cfg.dir + "/locomo";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto engine = OpenEngine(cfg, dir + "/use_lite.db", embedder, /*fresh=*/true);
  const double with_s = Ingest(
      *engine, cfg, 0, locomo.turns.size(),
      [&](uint64_t n) {
        engram::NewMemory m;
        m.owner_id = kOwner;
        m.text = locomo.turns[n];
        return m;
      },
      false);
  engine.reset();
  auto table = std::make_shared<engram::bench::TableEmbedder>(
      "bench-locomo-use-lite", corpus.dim(),
      [&corpus](uint64_t v, std::span<float> vec) { corpus.VectorOf(v, vec); });
  engine = OpenEngine(cfg, dir + "/table.db", table, /*fresh=*/true);
  const double without_s = Ingest(
      *engine, cfg, 0, locomo.turns.size(), [&](uint64_t n) { return MemoryOf(cfg, locomo, n); },
      false);
  engine.reset();
  std::filesystem::remove_all(dir);
  const double n = static_cast<double>(locomo.turns.size());
  std::printf("  ingest of the turns, USE-lite in AddMemories: %8.0f memories/s\n", n / with_s);
  std::printf("  ingest of the turns, precomputed vectors:     %8.0f memories/s\n", n / without_s);
  json out_json = {{"scenario", "embedding"},
                   {"model", embedder->model_id()},
                   {"dim", dim},
                   {"query_embed_all", ToJson(all)},
                   {"query_embed_all_1_thread", ToJson(all_1t)},
                   {"questions", all_ms.size()},
                   {"query_embed_12_tokens", ToJson(twelve)},
                   {"query_embed_12_tokens_1_thread", ToJson(twelve_1t)},
                   {"questions_12_tokens", twelve_ms.size()},
                   {"embed_all_cores_per_s", n / embed_all_s},
                   {"ingest_with_embedding_per_s", n / with_s},
                   {"ingest_precomputed_per_s", n / without_s},
                   {"batch", cfg.batch},
                   {"durable_commits", cfg.durable}};
  std::printf("JSON %s\n", out_json.dump().c_str());
  std::fflush(stdout);
  return corpus;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  CLI::App app{"engram recall benchmark: ingest, search latency and recall@10 at N memories"};
  app.add_option("--n", cfg.sizes, "memory counts, one scenario each (e.g. 10000,100000,1000000)")
      ->delimiter(',')
      ->envname("RECALL_N");
  app.add_option("--queries", cfg.queries, "timed queries per mode (at most 1986)")
      ->envname("RECALL_QUERIES");
  app.add_option("--sigma", cfg.sigma, "per-dimension noise of the copies beyond the 5,882 turns")
      ->envname("RECALL_SIGMA");
  app.add_option("--batch", cfg.batch, "memories per AddMemories call")->envname("RECALL_BATCH");
  app.add_option("--durable", cfg.durable, "Options::durable_commits (fsync per commit)")
      ->envname("RECALL_DURABLE");
  app.add_option("--live-add", cfg.live_add, "memories added after the searches (0: none)")
      ->envname("RECALL_LIVE_ADD");
  auto* dir =
      app.add_option("--dir", cfg.dir, "folder for the stores (default: a new one under /tmp)")
          ->envname("RECALL_DIR");
  app.add_option("--store", cfg.store,
                 "store URL instead of a SQLite file per scenario, e.g. postgres://host/db (its "
                 "bench owner is emptied first; store size not measured)")
      ->envname("RECALL_STORE");
  app.add_option("--index-cache", cfg.index_cache,
                 "with --store: the folder for saved indexes (Options::index_cache; default "
                 "<dir>/index-cache; none: rebuild on each open)")
      ->envname("RECALL_INDEX_CACHE");
  app.add_flag("--keep", cfg.keep, "keep each scenario's store in <dir>/n<N>")->needs(dir);
  app.add_flag("--reopen-only", cfg.reopen_only,
               "only time reopening the store a --keep run left in <dir>/n<N>")
      ->needs(dir);
  app.add_flag("--episodes", cfg.episodes,
               "store the turns as episodes of one conversation, not facts (search context)")
      ->envname("RECALL_EPISODES");
  app.add_option("--model-dir", cfg.model_dir, "USE-lite model folder")
      ->envname("ENGRAM_MODEL_DIR");
  app.add_option("--locomo", cfg.locomo, "locomo10.json")->envname("RECALL_LOCOMO");
  CLI11_PARSE(app, argc, argv);
  const bool own_dir = cfg.dir.empty();
  if (own_dir) cfg.dir = "/tmp/engram-recall-bench-" + std::to_string(getpid());
  if (cfg.index_cache.empty()) cfg.index_cache = cfg.dir + "/index-cache";

  const Locomo locomo = LoadLocomo(cfg.locomo);
  std::printf("recall_bench: batch %zu, durable_commits %s, %u cores, load %s\n", cfg.batch,
              cfg.durable ? "true" : "false", std::thread::hardware_concurrency(),
              LoadAverage().c_str());
  const Corpus corpus = EmbedLocomo(cfg, locomo);

  int failed = 0;
  for (uint64_t n : cfg.sizes) {
    std::fflush(stdout);  // else the child would print the parent's buffered output again
    const pid_t pid = fork();
    if (pid == 0) {
      if (cfg.reopen_only) {
        RunReopen(cfg, corpus, locomo, n);
      } else {
        RunScenario(cfg, corpus, locomo, n);
      }
      std::fflush(stdout);
      _exit(0);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "recall_bench: scenario N=%llu failed\n",
                   static_cast<unsigned long long>(n));
      ++failed;
    }
  }
  if (own_dir) std::filesystem::remove_all(cfg.dir);
  return failed == 0 ? 0 : 1;
}
