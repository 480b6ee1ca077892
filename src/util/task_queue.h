#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace engram::util {

// A fixed set of worker threads that run submitted tasks in the order they arrived, with a bounded
// wait: a server runs its request handlers here, so whatever a handler leaves per thread (stack
// pages, thread-local scratch buffers) is kept by `workers` threads, not by every connection's.
class TaskQueue {
 public:
  // Starts `workers` threads (at least one); a task waits when all are busy, at most
  // `max_waiting` tasks at a time.
  TaskQueue(size_t workers, size_t max_waiting);
  // Runs what was accepted, then joins the workers.
  ~TaskQueue();
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  // Runs `task` on a worker and returns once it has run: true. False at once, without running
  // it, when `max_waiting` tasks already wait for a worker.
  bool Run(const std::function<void()>& task);

  // How many tasks wait for a worker now.
  size_t waiting();

 private:
  struct Task {
    const std::function<void()>* fn;
    std::condition_variable cv;  // its submitter waits on it
    bool done = false;
  };

  void Work();

  const size_t max_waiting_;
  std::mutex mu_;
  std::condition_variable ready_;  // a task arrived, or stopping
  std::deque<Task*> queue_;
  size_t idle_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace engram::util
