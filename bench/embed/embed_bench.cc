// Benchmark of UseLiteEmbedder on LoCoMo dialogue turns (built-in sentences if absent).
//
// Usage: embed_bench [model_dir] [max_sentences]
// Prints model load time; sentences/s on one thread, on all cores through the embedder's own
// threads (one caller), and with one caller per core; and the latency percentiles of embedding
// one 12-token query on one thread and with the matmuls split across all cores.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "embed/use_lite/use_lite_embedder.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point from) {
  return std::chrono::duration<double>(Clock::now() - from).count();
}

// CPU time of the calling thread in seconds: unlike wall time, it excludes time spent
// descheduled, which matters on a shared machine.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five;
  in >> one >> five;
  return in ? one + " " + five : "unknown";
}

std::vector<std::string> LoadTurns(const std::string& path) {
  std::vector<std::string> turns;
  std::ifstream in(path);
  if (!in) return turns;
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return turns;
  for (const auto& sample : doc) {
    if (!sample.is_object() || !sample.contains("conversation")) continue;
    const auto& conversation = sample["conversation"];
    for (int n = 1; conversation.contains("session_" + std::to_string(n)); ++n) {
      for (const auto& turn : conversation["session_" + std::to_string(n)]) {
        if (turn.contains("text") && turn["text"].is_string()) {
          turns.push_back(turn["text"].get<std::string>());
        }
      }
    }
  }
  return turns;
}

const std::vector<std::string> kBuiltin = {
    "The user prefers dark mode in the code editor.",
    "Which colour theme does the user like?",
    "My name is Dana and I prefer dark mode.",
    "How do I reset my password?",
    "The stock market fell sharply today.",
    "Project Alpha's deadline is March 2026.",
    "I went hiking with my sister last weekend and we saw a family of deer near the lake.",
    "Remind me to call the dentist on Tuesday morning.",
};

// Embeds `texts` in batches of `batch` on `threads` threads; returns sentences per second.
double Throughput(engram::UseLiteEmbedder& embedder, const std::vector<std::string>& texts,
                  size_t batch, int threads) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      std::vector<std::vector<float>> out;
      for (size_t begin; (begin = next.fetch_add(batch)) < texts.size();) {
        const size_t n = std::min(batch, texts.size() - begin);
        if (!embedder.Embed(std::span(texts).subspan(begin, n), &out).ok()) failed = true;
      }
    });
  }
  for (auto& t : pool) t.join();
  const double elapsed = Seconds(start);
  if (failed) {
    std::fprintf(stderr, "Embed failed\n");
    std::exit(1);
  }
  return static_cast<double>(texts.size()) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string model_dir = argc > 1 ? argv[1] : engram::UseLiteEmbedder::DefaultModelDir();
  const size_t max_sentences = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 2000;

  double best_load = 1e9;
  std::unique_ptr<engram::UseLiteEmbedder> embedder;  // all cores
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    auto opened = engram::UseLiteEmbedder::Open(model_dir);
    const double load = Seconds(start);
    if (!opened.ok()) {
      std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
      return 1;
    }
    best_load = std::min(best_load, load);
    embedder = std::move(opened).value();
  }
  auto single_opened = engram::UseLiteEmbedder::Open(model_dir, 1);
  if (!single_opened.ok()) return 1;
  std::unique_ptr<engram::UseLiteEmbedder> single = std::move(single_opened).value();

  const std::string locomo = std::string(ENGRAM_SHARED_DIR) + "/data/locomo/locomo10.json";
  std::vector<std::string> texts = LoadTurns(locomo);
  const char* source = "LoCoMo turns";
  if (texts.empty()) {
    source = "built-in sentences";
    while (texts.size() < max_sentences)
      texts.insert(texts.end(), kBuiltin.begin(), kBuiltin.end());
  }
  if (texts.size() > max_sentences) texts.resize(max_sentences);
  size_t tokens = 0;
  for (const auto& t : texts) tokens += std::min<size_t>(embedder->Tokenize(t)->size(), 128);

  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("machine: %d cores, load average (1, 5 min) %s\n", cores, LoadAverage().c_str());
  std::printf("model: %s (%s, dim %d)\n", model_dir.c_str(), embedder->model_id().c_str(),
              embedder->dimension());
  std::printf("model load: %.1f ms (best of 3)\n", best_load * 1e3);
  std::printf("corpus: %zu %s, %.1f tokens each on average\n", texts.size(), source,
              static_cast<double>(tokens) / texts.size());
  Throughput(*single, std::vector<std::string>(texts.begin(), texts.begin() + 64), 32, 1);
  std::printf("1 thread,  batches of 1:  %8.1f sentences/s\n", Throughput(*single, texts, 1, 1));
  std::printf("1 thread,  batches of 32: %8.1f sentences/s\n", Throughput(*single, texts, 32, 1));
  std::printf("%d threads, one caller, batches of 32:   %8.1f sentences/s\n", cores,
              Throughput(*embedder, texts, 32, 1));
  std::printf("%d threads, %d callers, batches of 1:  %8.1f sentences/s\n", cores, cores,
              Throughput(*single, texts, 1, cores));
  std::printf("%d threads, %d callers, batches of 32: %8.1f sentences/s\n", cores, cores,
              Throughput(*single, texts, 32, cores));

  const std::vector<std::string> query = {"Project Alpha's deadline is March 2026."};
  const size_t query_tokens = embedder->Tokenize(query[0])->size();
  auto latency = [&](engram::UseLiteEmbedder& e, const char* how) {
    std::vector<std::vector<float>> out;
    for (int i = 0; i < 50; ++i) (void)e.Embed(query, &out);
    std::vector<double> wall;
    std::vector<double> cpu;
    for (int i = 0; i < 1000; ++i) {
      const auto start = Clock::now();
      const double cpu_start = ThreadCpuSeconds();
      (void)e.Embed(query, &out);
      cpu.push_back((ThreadCpuSeconds() - cpu_start) * 1e6);
      wall.push_back(Seconds(start) * 1e6);
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    const size_t p50 = wall.size() / 2;
    const size_t p99 = wall.size() * 99 / 100;
    std::printf(
        "latency of one %zu-token query (%s, %zu runs): p50 %.0f us, p99 %.0f us, min %.0f us "
        "(calling thread's CPU time: p50 %.0f us)\n",
        query_tokens, how, wall.size(), wall[p50], wall[p99], wall[0], cpu[p50]);
  };
  latency(*single, "1 thread");
  latency(*embedder, "matmuls split across all cores");
  std::printf("load average after: %s\n", LoadAverage().c_str());
  return 0;
}
