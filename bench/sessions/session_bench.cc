// session_bench: the latency of session state as an agent sees it, through the engine.
//
// Opens an engine with its memories in a fresh SQLite file and its session state at --sessions
// ("" : in that SQLite file too), then, round robin over --sessions-count sessions of one owner,
// times --appends appends of one turn (a user item and an assistant item, one AddSessionItems
// call) and then --reads reads of the last 20 items (GetSessionItems with last_n = 20). Prints
// one line per operation: p50, p99 and mean in microseconds, and calls per second, from one
// client thread; and the same as one "JSON {...}" line, for scripts.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "engram/engine.h"

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& what, const engram::Status& st) {
  std::fprintf(stderr, "session_bench: %s: %s\n", what.c_str(), st.ToString().c_str());
  std::exit(1);
}

void Report(const std::string& label, const std::string& op, std::vector<double> us) {
  std::sort(us.begin(), us.end());
  const auto at = [&](double p) { return us[static_cast<size_t>(p * (us.size() - 1))]; };
  const double mean = std::accumulate(us.begin(), us.end(), 0.0) / us.size();
  std::printf("%-22s %-14s n=%-6zu p50=%8.1f us  p99=%8.1f us  mean=%8.1f us  %8.0f calls/s\n",
              label.c_str(), op.c_str(), us.size(), at(0.5), at(0.99), mean, 1e6 / mean);
  std::printf(
      "JSON {\"bench\": \"session\", \"label\": \"%s\", \"op\": \"%s\", \"n\": %zu, "
      "\"p50_us\": %.1f, \"p99_us\": %.1f, \"mean_us\": %.1f}\n",
      label.c_str(), op.c_str(), us.size(), at(0.5), at(0.99), mean);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"session_bench: append and read-last-20 latency of session state"};
  std::string sessions, label = "sqlite", dir = "/tmp/engram-session-bench";
  size_t appends = 2000, reads = 2000, sessions_count = 20;
  bool durable = true;
  app.add_option("--sessions", sessions, "Sessions URL (default: with the memories, in SQLite)");
  app.add_option("--label", label, "Name printed on each line");
  app.add_option("--dir", dir, "Folder for the SQLite file (emptied first)");
  app.add_option("--appends", appends, "Timed appends (one turn of two items each)");
  app.add_option("--reads", reads, "Timed reads of the last 20 items");
  app.add_option("--sessions-count", sessions_count, "Sessions the calls go round");
  app.add_option("--durable", durable, "SQLite fsync per commit (1) or not (0)");
  CLI11_PARSE(app, argc, argv);
  if (appends == 0 || reads == 0 || sessions_count == 0) {
    std::fprintf(stderr, "session_bench: --appends, --reads and --sessions-count must be > 0\n");
    return 2;
  }

  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  engram::Options options;
  options.path = dir + "/engram.db";
  options.sessions = sessions;
  options.durable_commits = durable;
  auto engine = engram::Engine::Open(options);
  if (!engine.ok()) Die("open", engine.status());

  const auto session = [&](size_t i) { return "s" + std::to_string(i % sessions_count); };
  std::vector<engram::SessionItem> turn(2);
  turn[0].role = engram::Role::kUser;
  turn[1].role = engram::Role::kAssistant;
  // One untimed turn per session first: the first append of a session also folds the owner's
  // previous session, which is not the steady state measured here.
  for (size_t i = 0; i < sessions_count; ++i) {
    turn[0].content = "hello";
    turn[1].content = "hi, how can I help?";
    auto r = (*engine)->AddSessionItems("bench", session(i), turn);
    if (!r.ok()) Die("warm-up append", r.status());
  }

  std::vector<double> us;
  us.reserve(std::max(appends, reads));
  for (size_t i = 0; i < appends; ++i) {
    turn[0].content = "question " + std::to_string(i) + ": what should I pack for the trip?";
    turn[1].content = "answer " + std::to_string(i) + ": a rain jacket and warm socks.";
    const auto start = Clock::now();
    auto r = (*engine)->AddSessionItems("bench", session(i), turn);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (!r.ok()) Die("append", r.status());
  }
  Report(label, "append", us);

  us.clear();
  for (size_t i = 0; i < reads; ++i) {
    const auto start = Clock::now();
    auto r = (*engine)->GetSessionItems("bench", session(i), size_t{20});
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    if (!r.ok()) Die("read", r.status());
    if (r->size() != 20) {
      std::fprintf(stderr, "session_bench: read %zu items, not 20\n", r->size());
      return 1;
    }
  }
  Report(label, "read-last-20", us);
  return 0;
}
