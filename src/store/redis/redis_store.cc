#include "store/redis/redis_store.h"

#include <chrono>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "store/redis/connection.h"
#include "store/redis/transaction.h"

namespace engram::store {

namespace {

using redis::Connection;
using redis::RedisConfig;

// A writer that dies holding the lock stops blocking the others after this long; a commit after
// it is refused (scripts::kCommit) rather than applied without the lock. Live writers renew it.
constexpr int kLockLeaseMs = 10000;
// Idle connections kept for reuse; more are opened when more transactions run at once.
constexpr size_t kMaxIdleConnections = 16;

class Pool : public std::enable_shared_from_this<Pool> {
 public:
  explicit Pool(RedisConfig config) : config_(std::move(config)) {}

  // An idle connection, or a new one: after a lost connection the next call reconnects.
  Result<std::unique_ptr<Connection>> Take() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
    }
    return Connection::Open(config_);
  }

  void Give(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mu_);
    if (!conn || !conn->healthy()) {
      // The server went away or restarted: the idle connections are as dead as this one.
      idle_.clear();
      return;
    }
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(conn));
  }

  const RedisConfig& config() const { return config_; }

 private:
  const RedisConfig config_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

std::string NewToken() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) out += kHex[rng() & 15];
  return out;
}

class RedisSessionStore final : public SessionStore {
 public:
  RedisSessionStore(std::shared_ptr<Pool> pool, int busy_timeout_ms)
      : pool_(std::move(pool)), busy_timeout_ms_(busy_timeout_ms) {
    context_ = std::make_shared<const redis::TransactionContext>(redis::TransactionContext{
        redis::KeyLayout(pool_->config().prefix), pool_->config().ttl_s, kLockLeaseMs,
        [pool = pool_](std::unique_ptr<Connection> conn) { pool->Give(std::move(conn)); }});
  }

  std::string backend() const override { return "redis"; }

  Result<std::unique_ptr<SessionTransaction>> BeginRead() override {
    ENGRAM_ASSIGN_OR_RETURN(auto conn, pool_->Take());
    return std::unique_ptr<SessionTransaction>(
        new redis::RedisSessionTransaction(context_, std::move(conn), ""));
  }

  Result<std::unique_ptr<SessionTransaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto conn, pool_->Take());
    const std::string token = NewToken();
    const std::string lock = context_->keys.Lock();
    const std::string lease = std::to_string(kLockLeaseMs);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(busy_timeout_ms_);
    auto wait = std::chrono::microseconds(200);
    while (true) {
      Result<redis::ReplyPtr> r = conn->Command({"SET", lock, token, "NX", "PX", lease});
      if (!r.ok()) {
        pool_->Give(std::move(conn));
        return r.status();
      }
      if (!redis::IsNil(**r)) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        pool_->Give(std::move(conn));
        return Status::Unavailable("redis: another writer held the session write lock for " +
                                   std::to_string(busy_timeout_ms_) + " ms");
      }
      std::this_thread::sleep_for(wait);
      wait = std::min(wait * 2, std::chrono::microseconds(5000));
    }
    return std::unique_ptr<SessionTransaction>(
        new redis::RedisSessionTransaction(context_, std::move(conn), token));
  }

 private:
  std::shared_ptr<Pool> pool_;
  const int busy_timeout_ms_;
  std::shared_ptr<const redis::TransactionContext> context_;
};

}  // namespace

Result<OpenedBackend> OpenRedisUrl(const StoreUrl& url, const OpenSettings& settings) {
  ENGRAM_ASSIGN_OR_RETURN(RedisConfig config, redis::ParseRedisUrl(url));
  auto pool = std::make_shared<Pool>(std::move(config));
  ENGRAM_ASSIGN_OR_RETURN(auto conn, pool->Take());
  ENGRAM_RETURN_IF_ERROR(conn->Command({"PING"}).status());
  pool->Give(std::move(conn));
  OpenedBackend out;
  out.sessions = std::make_shared<RedisSessionStore>(std::move(pool), settings.busy_timeout_ms);
  return out;
}

}  // namespace engram::store
