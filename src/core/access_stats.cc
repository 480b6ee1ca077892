// Access statistics, buffered and written in batches by a background thread.
#include <algorithm>

#include "core/engine_impl.h"

namespace engram {

void Engine::Impl::NoteAccess(const std::vector<int64_t>& rids, Timestamp at) {
  std::call_once(access_thread_started_,
                 [this] { access_thread_ = std::thread([this] { AccessWriterLoop(); }); });
  bool full = false;
  {
    std::lock_guard lock(access_mu_);
    pending_access_.insert(pending_access_.end(), rids.begin(), rids.end());
    pending_access_at_ = std::max(pending_access_at_, at);
    full = pending_access_.size() >= kAccessBatch;
  }
  if (full) access_cv_.notify_one();
}

std::pair<std::vector<int64_t>, Timestamp> Engine::Impl::TakePendingAccessLocked() {
  std::pair<std::vector<int64_t>, Timestamp> taken;
  taken.first.swap(pending_access_);
  taken.second = pending_access_at_;
  pending_access_at_ = 0;
  return taken;
}

Status Engine::Impl::WritePendingAccess(store::Transaction& txn) {
  std::pair<std::vector<int64_t>, Timestamp> pending;
  {
    std::lock_guard lock(access_mu_);
    pending = TakePendingAccessLocked();
  }
  if (pending.first.empty()) return Status::Ok();
  return txn.RecordAccess(pending.first, pending.second);
}

void Engine::Impl::AccessWriterLoop() {
  std::unique_lock lock(access_mu_);
  for (;;) {
    access_cv_.wait_for(lock, kAccessDelay, [this] {
      return stop_access_writer_ || pending_access_.size() >= kAccessBatch;
    });
    const bool stop = stop_access_writer_;
    if (!pending_access_.empty()) {
      auto [rids, at] = TakePendingAccessLocked();
      lock.unlock();
      WriteAccess(rids, at);
      lock.lock();
    }
    if (stop && pending_access_.empty()) return;
  }
}

void Engine::Impl::WriteAccess(const std::vector<int64_t>& rids, Timestamp at) {
  auto txn = store_->BeginWrite();
  if (!txn.ok()) return;  // statistics only: a busy store skips this batch
  if ((*txn)->RecordAccess(rids, at).ok()) (*txn)->Commit();
}

void Engine::Impl::StopAccessWriter() {
  {
    std::lock_guard lock(access_mu_);
    stop_access_writer_ = true;
  }
  access_cv_.notify_one();
  if (access_thread_.joinable()) access_thread_.join();
}

}  // namespace engram
