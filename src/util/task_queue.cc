#include "util/task_queue.h"

#include <algorithm>

namespace engram::util {

TaskQueue::TaskQueue(size_t workers, size_t max_waiting) : max_waiting_(max_waiting) {
  workers = std::max<size_t>(workers, 1);
  workers_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) workers_.emplace_back([this] { Work(); });
}

TaskQueue::~TaskQueue() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : workers_) t.join();
}

bool TaskQueue::Run(const std::function<void()>& task) {
  Task t;
  t.fn = &task;
  std::unique_lock lock(mu_);
  // A task waits only when no worker is free to take it.
  if (queue_.size() >= idle_ && queue_.size() - idle_ >= max_waiting_) return false;
  queue_.push_back(&t);
  ready_.notify_one();
  t.cv.wait(lock, [&t] { return t.done; });
  return true;
}

size_t TaskQueue::waiting() {
  std::lock_guard lock(mu_);
  return queue_.size() > idle_ ? queue_.size() - idle_ : 0;
}

void TaskQueue::Work() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, nothing left to run
    Task* t = queue_.front();
    queue_.pop_front();
    lock.unlock();
    (*t->fn)();
    lock.lock();
    t->done = true;
    // Notified under the lock: the task lives on its submitter's stack, gone once it returns.
    t->cv.notify_one();
  }
}

}  // namespace engram::util
