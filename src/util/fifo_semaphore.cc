#include "util/fifo_semaphore.h"

namespace engram::util {

void FifoSemaphore::acquire() {
  std::unique_lock lock(mu_);
  if (available_ > 0 && waiters_.empty()) {
    --available_;
    return;
  }
  Waiter me;
  waiters_.push_back(&me);
  me.cv.wait(lock, [&me] { return me.granted; });
}

void FifoSemaphore::release() {
  std::lock_guard lock(mu_);
  if (waiters_.empty()) {
    ++available_;
    return;
  }
  Waiter* next = waiters_.front();
  waiters_.pop_front();
  next->granted = true;
  // Notified under the lock: the waiter's condition variable lives on its stack and is gone as
  // soon as it can see `granted` and return.
  next->cv.notify_one();
}

size_t FifoSemaphore::waiting() {
  std::lock_guard lock(mu_);
  return waiters_.size();
}

}  // namespace engram::util
