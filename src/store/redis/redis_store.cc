#include "store/redis/redis_store.h"

#include <mutex>
#include <vector>

#include "store/redis/checkpoint_transaction.h"
#include "store/redis/connection.h"
#include "store/redis/transaction.h"
#include "store/redis/write_locks.h"

namespace engram::store {

namespace {

using redis::Connection;
using redis::RedisConfig;

// A writer that dies holding a lock stops blocking the others after this long; a commit after
// it is refused (scripts::kCommit, kCommitCheckpoints) rather than applied without the lock.
// Live writers renew their locks.
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

class RedisSessionStore final : public SessionStore {
 public:
  RedisSessionStore(std::shared_ptr<Pool> pool, int busy_timeout_ms) : pool_(std::move(pool)) {
    context_ = std::make_shared<const redis::TransactionContext>(redis::TransactionContext{
        redis::KeyLayout(pool_->config().prefix), pool_->config().ttl_s, kLockLeaseMs,
        busy_timeout_ms,
        [pool = pool_](std::unique_ptr<Connection> conn) { pool->Give(std::move(conn)); }});
  }

  std::string backend() const override { return "redis"; }

  Result<std::unique_ptr<SessionTransaction>> BeginRead() override { return Begin(false); }
  // Takes no lock yet: the transaction takes each owner's as it first touches the owner.
  Result<std::unique_ptr<SessionTransaction>> BeginWrite() override { return Begin(true); }

 private:
  Result<std::unique_ptr<SessionTransaction>> Begin(bool writer) {
    ENGRAM_ASSIGN_OR_RETURN(auto conn, pool_->Take());
    return std::unique_ptr<SessionTransaction>(
        new redis::RedisSessionTransaction(context_, std::move(conn), writer));
  }

  std::shared_ptr<Pool> pool_;
  std::shared_ptr<const redis::TransactionContext> context_;
};

class RedisCheckpointStore final : public CheckpointStore {
 public:
  RedisCheckpointStore(std::shared_ptr<Pool> pool, int busy_timeout_ms) : pool_(std::move(pool)) {
    context_ = std::make_shared<const redis::CheckpointContext>(redis::CheckpointContext{
        redis::KeyLayout(pool_->config().prefix), pool_->config().ttl_s, kLockLeaseMs,
        busy_timeout_ms,
        [pool = pool_](std::unique_ptr<Connection> conn) { pool->Give(std::move(conn)); }});
  }

  std::string backend() const override { return "redis"; }

  Result<std::unique_ptr<CheckpointTransaction>> BeginRead() override { return Begin(false); }
  Result<std::unique_ptr<CheckpointTransaction>> BeginWrite() override { return Begin(true); }

 private:
  Result<std::unique_ptr<CheckpointTransaction>> Begin(bool writer) {
    ENGRAM_ASSIGN_OR_RETURN(auto conn, pool_->Take());
    return std::unique_ptr<CheckpointTransaction>(
        new redis::RedisCheckpointTransaction(context_, std::move(conn), writer));
  }

  std::shared_ptr<Pool> pool_;
  std::shared_ptr<const redis::CheckpointContext> context_;
};

}  // namespace

Result<OpenedBackend> OpenRedisUrl(const StoreUrl& url, const OpenSettings& settings) {
  ENGRAM_ASSIGN_OR_RETURN(RedisConfig config, redis::ParseRedisUrl(url));
  auto pool = std::make_shared<Pool>(std::move(config));
  ENGRAM_ASSIGN_OR_RETURN(auto conn, pool->Take());
  ENGRAM_RETURN_IF_ERROR(conn->Command({"PING"}).status());
  pool->Give(std::move(conn));
  OpenedBackend out;
  out.sessions = std::make_shared<RedisSessionStore>(pool, settings.busy_timeout_ms);
  out.checkpoints =
      std::make_shared<RedisCheckpointStore>(std::move(pool), settings.busy_timeout_ms);
  return out;
}

}  // namespace engram::store
