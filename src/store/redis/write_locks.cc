#include "store/redis/write_locks.h"

#include <algorithm>
#include <random>
#include <thread>

#include "store/redis/scripts.h"

namespace engram::store::redis {

WriteLocks::WriteLocks(Connection* conn, std::string token, int lease_ms, int busy_timeout_ms)
    : conn_(conn),
      token_(std::move(token)),
      lease_ms_(lease_ms),
      busy_timeout_ms_(busy_timeout_ms) {}

bool WriteLocks::Holds(const std::string& key) const {
  return std::find(keys_.begin(), keys_.end(), key) != keys_.end();
}

Status WriteLocks::Take(const std::string& key, std::string_view what) {
  if (Holds(key)) return Status::Ok();
  ENGRAM_RETURN_IF_ERROR(Renew());
  const std::string lease = std::to_string(lease_ms_);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms_);
  auto wait = std::chrono::microseconds(200);
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, conn_->Command({"SET", key, token_, "NX", "PX", lease}));
    if (!IsNil(*r)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("redis: another writer held " + std::string(what) + " for " +
                                 std::to_string(busy_timeout_ms_) + " ms");
    }
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, std::chrono::microseconds(5000));
  }
  if (keys_.empty()) renewed_ = std::chrono::steady_clock::now();
  keys_.push_back(key);
  return Status::Ok();
}

Status WriteLocks::Renew() {
  const auto now = std::chrono::steady_clock::now();
  if (keys_.empty() || now - renewed_ < std::chrono::milliseconds(lease_ms_ / 3)) {
    return Status::Ok();
  }
  const std::string lease = std::to_string(lease_ms_);
  for (const std::string& key : keys_) {
    ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, conn_->Eval(scripts::kRenewLock, {key}, {token_, lease}));
    ENGRAM_ASSIGN_OR_RETURN(int64_t renewed, Int(*r));
    if (renewed != 1) {
      return Status::Unavailable("redis: a write lock expired; nothing was written");
    }
  }
  renewed_ = now;
  return Status::Ok();
}

void WriteLocks::Release() {
  if (conn_->healthy()) {
    for (const std::string& key : keys_) (void)conn_->Eval(scripts::kUnlock, {key}, {token_});
  }
  keys_.clear();
}

std::string NewLockToken() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) out += kHex[rng() & 15];
  return out;
}

}  // namespace engram::store::redis
