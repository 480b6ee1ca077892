// WorkerTeam: a few long-lived helper threads that share the chunks of one loop with the thread
// that asks, for splitting short compute-bound work (one query's matmuls, a batch of texts)
// across cores without a thread start per call.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace engram::util {

class WorkerTeam {
 public:
  // threads counts the calling thread: a team of 1 has no helpers and runs everything inline;
  // 0 means one per hardware thread.
  explicit WorkerTeam(int threads);
  ~WorkerTeam();

  WorkerTeam(const WorkerTeam&) = delete;
  WorkerTeam& operator=(const WorkerTeam&) = delete;

  // Threads a ParallelFor can use, the caller included.
  int size() const { return static_cast<int>(helpers_.size()) + 1; }

  // Runs fn(i) once for every i in [0, n) and returns when all have returned. The caller runs
  // chunks too, so progress never waits for a helper to wake. Safe to call from several threads
  // at once and from inside fn: a call that finds the helpers working for another call runs all
  // its chunks inline. fn must not throw.
  void ParallelFor(int n, const std::function<void(int)>& fn);

 private:
  struct Job {
    const std::function<void(int)>* fn = nullptr;
    int n = 0;
    std::atomic<int> next{0};   // next chunk to claim
    std::atomic<int> done{0};   // chunks finished
    std::atomic<int> users{0};  // helpers that hold a pointer to this job
  };

  static void RunChunks(Job& job);
  void HelperLoop();

  std::atomic<bool> busy_{false};  // a ParallelFor owns the helpers
  std::atomic<uint64_t> generation_{0};
  std::mutex mu_;  // guards job_ and stop_; cv_ waits on it
  std::condition_variable cv_;
  Job* job_ = nullptr;
  bool stop_ = false;
  std::vector<std::thread> helpers_;
};

}  // namespace engram::util
