#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace engram::util {

// A counting semaphore that admits waiters in the order they arrived. std::counting_semaphore
// and std::mutex promise no order, so under load a late thread can pass the ones already waiting
// again and again: a server's median stays low while its tail grows to seconds. Here a permit
// released while threads wait goes straight to the longest waiting one.
class FifoSemaphore {
 public:
  explicit FifoSemaphore(size_t permits) : available_(permits) {}
  FifoSemaphore(const FifoSemaphore&) = delete;
  FifoSemaphore& operator=(const FifoSemaphore&) = delete;

  // Blocks until this caller holds a permit; callers are served first come, first served.
  void acquire();
  // Gives a permit back: to the longest waiting caller if there is one.
  void release();

  // How many callers are waiting for a permit now.
  size_t waiting();

  // Satisfies BasicLockable with one permit, for std::unique_lock and std::lock_guard.
  void lock() { acquire(); }
  void unlock() { release(); }

 private:
  struct Waiter {
    std::condition_variable cv;
    bool granted = false;
  };

  std::mutex mu_;
  size_t available_;
  std::deque<Waiter*> waiters_;
};

}  // namespace engram::util
