#include "util/worker_team.h"

#include <chrono>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace engram::util {
namespace {

// How long an idle helper keeps polling before it sleeps. The parallel loops of one query come
// microseconds apart; a sleeping helper takes tens of microseconds to wake.
constexpr std::chrono::microseconds kSpinBeforeSleep{100};

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Polls until done() holds; yields the core now and then, in case the thread it waits for is
// not running (more threads than cores).
template <typename Done>
void AwaitPolling(Done done) {
  for (int spins = 1; !done(); ++spins) {
    if (spins % 1024 == 0) {
      std::this_thread::yield();
    } else {
      CpuRelax();
    }
  }
}

}  // namespace

WorkerTeam::WorkerTeam(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  for (int i = 1; i < threads; ++i) helpers_.emplace_back([this] { HelperLoop(); });
}

WorkerTeam::~WorkerTeam() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : helpers_) t.join();
}

void WorkerTeam::RunChunks(Job& job) {
  for (;;) {
    const int i = job.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= job.n) return;
    (*job.fn)(i);
    job.done.fetch_add(1, std::memory_order_release);
  }
}

void WorkerTeam::ParallelFor(int n, const std::function<void(int)>& fn) {
  bool idle = false;
  if (n <= 1 || helpers_.empty() ||
      !busy_.compare_exchange_strong(idle, true, std::memory_order_acquire)) {
    for (int i = 0; i < n; ++i) fn(i);
    return;
  }
  Job job;
  job.fn = &fn;
  job.n = n;
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = &job;
    generation_.fetch_add(1, std::memory_order_relaxed);
  }
  cv_.notify_all();
  RunChunks(job);
  // The chunks still running are on helpers that are awake: wait for them by polling.
  AwaitPolling([&] { return job.done.load(std::memory_order_acquire) == n; });
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = nullptr;  // no helper can pick the job up from here on
  }
  AwaitPolling([&] { return job.users.load(std::memory_order_acquire) == 0; });
  busy_.store(false, std::memory_order_release);
}

void WorkerTeam::HelperLoop() {
  uint64_t seen = 0;
  for (;;) {
    const auto until = std::chrono::steady_clock::now() + kSpinBeforeSleep;
    for (int spins = 1; generation_.load(std::memory_order_relaxed) == seen; ++spins) {
      CpuRelax();
      if (spins % 64 == 0 && std::chrono::steady_clock::now() > until) break;
    }
    Job* job = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_relaxed) != seen; });
      if (stop_) return;
      seen = generation_.load(std::memory_order_relaxed);
      job = job_;
      if (job == nullptr) continue;
      // Taken under mu_, so the caller, which clears job_ under mu_ before waiting for users to
      // drop to 0, never returns while this helper can still touch the job.
      job->users.fetch_add(1, std::memory_order_relaxed);
    }
    RunChunks(*job);
    job->users.fetch_sub(1, std::memory_order_release);
  }
}

}  // namespace engram::util
