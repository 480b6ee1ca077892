// index_bench: build, search, save and load figures for FlatIndex and HnswIndex.
//
// Usage: index_bench [--n 10000,100000] [--dim 512] [--queries 200] [--m 16] [--efc 200]
//                    [--ef 64,128] [--cluster-size 100] [--spread 0.8] [--threads 1]
//                    [--dir /tmp] [--keep] [--load PATH]
// ENGRAM_BENCH_N overrides the default --n list (e.g. ENGRAM_BENCH_N=1000000 for the big run).
// --threads sets AddBatch's build threads (searches are always single-threaded). --keep leaves
// the saved index in --dir; --load PATH benchmarks searches on a saved index
// instead of building one (a 1M build takes long; build it once with --keep).
//
// Data: realistic embeddings are unit vectors that cluster by topic, not uniform noise (the
// worst case for graph indexes). The generator draws N / cluster-size centres uniformly on the
// sphere, then each vector is normalize(centre + spread / sqrt(dim) * g), g ~ N(0, I): the noise
// has norm ~spread. With the defaults (100 per cluster, spread 0.8) a vector's cosine to its
// centre is ~0.78, two vectors of one cluster have cosine ~0.6 and of different clusters ~0:
// the range the built-in USE-lite encoder gives for related sentences (0.45-0.8 in
// shared/models/use-lite-golden.json) and for unrelated ones (-0.05-0.15). Queries are fresh
// draws around the same centres (not in the index). Everything is seeded: runs are reproducible.
// --cluster-size N --spread 1.6 approaches uniform data.
//
// Reported: build time and rate; top-10 search latency p50/p95/p99 (single thread) for flat and
// HNSW at each ef; recall@10 against the flat index; filtered searches at several
// selectivities (a hash-set filter, as a store would pass); save size and time; load time; peak
// RSS (VmHWM).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "index/distance.h"
#include "index/flat_index.h"
#include "index/hnsw_index.h"

namespace {

using engram::index::FlatIndex;
using engram::index::HnswIndex;
using engram::index::HnswParams;
using engram::index::HnswSearchOptions;
using engram::index::HnswSearchStats;
using engram::index::LabelFilter;
using engram::index::VectorHit;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<size_t> n = {10000, 100000};
  int dim = 512;
  size_t queries = 200;
  int m = 16;
  int efc = 200;
  std::vector<size_t> ef = {64, 128};
  size_t cluster_size = 100;
  float spread = 0.8f;
  std::string dir = "/tmp";
  bool keep = false;
  std::string load;
  int threads = 1;
};

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// CPU seconds used by this process: unlike wall time, not inflated when other processes share
// the cores (this machine's two cores usually are).
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// "10000,100000" -> {10000, 100000}.
std::vector<size_t> ParseList(const std::string& s) {
  std::vector<size_t> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(std::strtoull(s.substr(start, comma - start).c_str(), nullptr, 10));
    start = comma + 1;
  }
  return out;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  if (const char* env = std::getenv("ENGRAM_BENCH_N")) o.n = ParseList(env);
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : "";
    bool used = true;
    if (a == "--n") {
      o.n = ParseList(v);
    } else if (a == "--dim") {
      o.dim = std::atoi(v);
    } else if (a == "--queries") {
      o.queries = std::strtoull(v, nullptr, 10);
    } else if (a == "--m") {
      o.m = std::atoi(v);
    } else if (a == "--efc") {
      o.efc = std::atoi(v);
    } else if (a == "--ef") {
      o.ef = ParseList(v);
    } else if (a == "--cluster-size") {
      o.cluster_size = std::strtoull(v, nullptr, 10);
    } else if (a == "--spread") {
      o.spread = std::strtof(v, nullptr);
    } else if (a == "--dir") {
      o.dir = v;
    } else if (a == "--threads") {
      o.threads = std::atoi(v);
    } else if (a == "--load") {
      o.load = v;
    } else if (a == "--keep") {
      o.keep = true;
      used = false;
    } else {
      std::fprintf(stderr, "unknown argument %s (see the comment atop index_bench.cc)\n", argv[i]);
      std::exit(2);
    }
    if (used) ++i;
  }
  return o;
}

// Rows [0, n) are the data set, rows [n, n + queries) the queries; see the header comment.
std::vector<float> Generate(size_t n, size_t queries, int dim, size_t cluster_size, float spread) {
  const size_t clusters = std::max<size_t>(1, n / std::max<size_t>(1, cluster_size));
  std::mt19937_64 rng(20240601);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  const auto normalise = [dim](float* v) {
    double s = 0;
    for (int i = 0; i < dim; ++i) s += double{v[i]} * v[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(s));
    for (int i = 0; i < dim; ++i) v[i] *= inv;
  };
  std::vector<float> centres(clusters * dim);
  for (float& x : centres) x = gauss(rng);
  for (size_t c = 0; c < clusters; ++c) normalise(&centres[c * dim]);
  const float sigma = spread / std::sqrt(static_cast<float>(dim));
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<float> out((n + queries) * dim);
  for (size_t i = 0; i < n + queries; ++i) {
    const float* c = &centres[pick(rng) * dim];
    float* v = &out[i * dim];
    for (int j = 0; j < dim; ++j) v[j] = c[j] + sigma * gauss(rng);
    normalise(v);
  }
  return out;
}

long PeakRssKb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

struct Latency {
  double p50, p95, p99, mean;
};

Latency Summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  const auto at = [&us](double q) {
    return us[std::min(us.size() - 1, static_cast<size_t>(q * static_cast<double>(us.size())))];
  };
  double sum = 0;
  for (double x : us) sum += x;
  return {at(0.50), at(0.95), at(0.99), sum / static_cast<double>(us.size())};
}

double Recall(const std::vector<VectorHit>& got, const std::vector<VectorHit>& truth) {
  if (truth.empty()) return 1.0;
  size_t found = 0;
  for (const VectorHit& t : truth) {
    for (const VectorHit& g : got) found += g.label == t.label;
  }
  return static_cast<double>(found) / static_cast<double>(truth.size());
}

void PrintLatency(const char* what, const Latency& l, double recall, double distances) {
  std::printf("  %-28s p50 %8.1f us  p95 %8.1f us  p99 %8.1f us  mean %8.1f us", what, l.p50, l.p95,
              l.p99, l.mean);
  if (recall >= 0) std::printf("  recall@10 %.4f", recall);
  if (distances >= 0) std::printf("  dists/query %.0f", distances);
  std::printf("\n");
  std::fflush(stdout);
}

void RunOne(const Options& o, size_t n) {
  const int dim = o.dim;
  const size_t nq = o.queries;
  std::printf(
      "== N=%zu dim=%d queries=%zu M=%d ef_construction=%d cluster_size=%zu spread=%.2f "
      "kernel=%s\n",
      n, dim, nq, o.m, o.efc, o.cluster_size, o.spread, engram::index::InnerProductKernelName());
  std::fflush(stdout);
  auto t0 = Clock::now();
  std::vector<float> data = Generate(n, nq, dim, o.cluster_size, o.spread);
  std::printf("  generated in %.1f s\n", Seconds(t0));
  const auto row = [&data, dim](size_t i) {
    return std::span<const float>(data.data() + i * dim, static_cast<size_t>(dim));
  };
  const auto query = [&row, n](size_t q) { return row(n + q); };

  // Flat: build, timing, and the ground truth.
  FlatIndex flat(dim);
  flat.Reserve(n);
  t0 = Clock::now();
  for (size_t i = 0; i < n; ++i) (void)flat.Add(i, row(i));
  std::printf("  flat build                   %.2f s\n", Seconds(t0));
  std::vector<std::vector<VectorHit>> truth(nq);
  std::vector<double> us(nq);
  for (size_t q = 0; q < nq; ++q) {
    t0 = Clock::now();
    truth[q] = flat.Search(query(q), 10);
    us[q] = Seconds(t0) * 1e6;
  }
  PrintLatency("flat search", Summarise(us), -1, -1);

  // HNSW: build (or load), then searches.
  HnswParams params;
  params.M = o.m;
  params.ef_construction = o.efc;
  HnswIndex hnsw(dim, params);
  if (!o.load.empty()) {
    t0 = Clock::now();
    auto loaded = HnswIndex::Load(o.load);
    if (!loaded.ok()) {
      std::fprintf(stderr, "load failed: %s\n", loaded.status().ToString().c_str());
      std::exit(1);
    }
    hnsw = std::move(loaded).value();
    std::printf("  hnsw loaded from %s in %.2f s (%zu vectors)\n", o.load.c_str(), Seconds(t0),
                hnsw.size());
  } else {
    hnsw.Reserve(n);
    std::vector<uint64_t> labels(n);
    for (size_t i = 0; i < n; ++i) labels[i] = i;
    t0 = Clock::now();
    const double cpu0 = ProcessCpuSeconds();
    // AddBatch in 5% chunks: the same graph as one Add per vector when --threads is 1, and a
    // progress line per chunk.
    const size_t step = std::max<size_t>(1, n / 20);
    for (size_t i = 0; i < n; i += step) {
      const size_t count = std::min(step, n - i);
      const auto st =
          hnsw.AddBatch(std::span<const uint64_t>(labels).subspan(i, count),
                        std::span<const float>(data).subspan(i * dim, count * dim), o.threads);
      if (!st.ok()) {
        std::fprintf(stderr, "add failed: %s\n", st.ToString().c_str());
        std::exit(1);
      }
      const double s = Seconds(t0);
      const size_t done = i + count;
      std::fprintf(stderr, "  ... hnsw build %zu/%zu, %.0f s, %.0f vectors/s, eta %.0f s\n", done,
                   n, s, static_cast<double>(done) / s,
                   s / static_cast<double>(done) * static_cast<double>(n - done));
    }
    const double build_s = Seconds(t0);
    const double build_cpu = ProcessCpuSeconds() - cpu0;
    std::printf("  hnsw build, %d thread(s)     %.1f s  (%.0f vectors/s; cpu %.1f s)\n", o.threads,
                build_s, static_cast<double>(n) / build_s, build_cpu);
  }
  std::fflush(stdout);
  // Untimed warm-up: page in the graph and this thread's visited table.
  for (size_t q = 0; q < std::min<size_t>(nq, 10); ++q) (void)hnsw.Search(query(q), 10);
  for (size_t ef : o.ef) {
    double recall = 0;
    size_t distances = 0;
    for (size_t q = 0; q < nq; ++q) {
      HnswSearchStats stats;
      t0 = Clock::now();
      const auto got = hnsw.Search(query(q), 10, {}, HnswSearchOptions{ef}, &stats);
      us[q] = Seconds(t0) * 1e6;
      recall += Recall(got, truth[q]);
      distances += stats.distances;
    }
    const std::string what = "hnsw search ef=" + std::to_string(ef);
    PrintLatency(what.c_str(), Summarise(us), recall / static_cast<double>(nq),
                 static_cast<double>(distances) / static_cast<double>(nq));
  }

  // Filtered searches: a random subset of labels in a hash set, the filter a store would pass.
  for (double selectivity : {0.5, 0.1, 0.03, 0.01}) {
    std::unordered_set<uint64_t> allowed;
    std::mt19937_64 rng(7);
    std::bernoulli_distribution coin(selectivity);
    for (uint64_t l = 0; l < n; ++l) {
      if (coin(rng)) allowed.insert(l);
    }
    const LabelFilter filter = [&allowed](uint64_t l) { return allowed.count(l) > 0; };
    std::vector<double> flat_us(nq);
    double recall = 0;
    size_t distances = 0, scans = 0;
    for (size_t q = 0; q < nq; ++q) {
      t0 = Clock::now();
      const auto want = flat.Search(query(q), 10, filter);
      flat_us[q] = Seconds(t0) * 1e6;
      HnswSearchStats stats;
      t0 = Clock::now();
      const auto got = hnsw.Search(query(q), 10, filter, HnswSearchOptions{o.ef.front()}, &stats);
      us[q] = Seconds(t0) * 1e6;
      recall += Recall(got, want);
      distances += stats.distances;
      scans += stats.exact_scan;
    }
    char what[64];
    std::snprintf(what, sizeof(what), "flat filter %.0f%%", selectivity * 100);
    PrintLatency(what, Summarise(flat_us), -1, -1);
    std::snprintf(what, sizeof(what), "hnsw filter %.0f%% ef=%zu", selectivity * 100, o.ef.front());
    PrintLatency(what, Summarise(us), recall / static_cast<double>(nq),
                 static_cast<double>(distances) / static_cast<double>(nq));
    std::printf("  %-28s exact fallback in %zu/%zu queries\n", "", scans, nq);
  }

  // Save and load.
  if (o.load.empty()) {
    const std::string path = o.dir + "/index_bench_" + std::to_string(n) + ".hnsw";
    t0 = Clock::now();
    const auto st = hnsw.Save(path);
    if (!st.ok()) {
      std::fprintf(stderr, "save failed: %s\n", st.ToString().c_str());
      std::exit(1);
    }
    const double save_s = Seconds(t0);
    std::ifstream f(path, std::ios::binary | std::ios::ate);
    const double mb = static_cast<double>(f.tellg()) / (1 << 20);
    std::printf("  hnsw save                    %.2f s  %.1f MiB  (%s)\n", save_s, mb,
                path.c_str());
    t0 = Clock::now();
    std::optional<HnswIndex> loaded;
    {
      auto result = HnswIndex::Load(path);
      if (!result.ok()) {
        std::fprintf(stderr, "load failed: %s\n", result.status().ToString().c_str());
        std::exit(1);
      }
      loaded.emplace(std::move(result).value());
    }
    const double load_s = Seconds(t0);
    size_t mismatches = 0;
    for (size_t q = 0; q < std::min<size_t>(nq, 50); ++q) {
      const auto a = hnsw.Search(query(q), 10);
      const auto b = loaded->Search(query(q), 10);
      mismatches +=
          a.size() != b.size() ||
          !std::equal(a.begin(), a.end(), b.begin(), [](const VectorHit& x, const VectorHit& y) {
            return x.label == y.label && x.score == y.score;
          });
    }
    // Load again after freeing the first copy. On this VM the first touch of never-used memory
    // (host backing, zeroing) can cost more than reading the file; the second load mostly gets
    // memory the first one already warmed, and shows the cost of Load itself.
    loaded.reset();
    t0 = Clock::now();
    const bool again_ok = HnswIndex::Load(path).ok();
    const double again_s = Seconds(t0);
    std::printf(
        "  hnsw load                    %.2f s  (%.0f MiB/s); again %.2f s (%.0f MiB/s)%s\n",
        load_s, mb / load_s, again_s, mb / again_s, again_ok ? "" : " FAILED");
    std::printf("  loaded index answers identically: %s\n", mismatches == 0 ? "yes" : "NO");
    if (!o.keep) std::remove(path.c_str());
  }
  std::printf("  peak RSS (VmHWM)             %.0f MiB\n", static_cast<double>(PeakRssKb()) / 1024);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  for (size_t n : o.n) RunOne(o, n);
  return 0;
}
