// RedisCheckpointTransaction: CheckpointTransaction over Redis (keys: layout.h; docs/redis.md).
//
// Reads answer each call with one command or script, so a call sees one state and never half a
// commit; Redis keeps no snapshots, so two calls of a read transaction may see a commit made
// between them (as the session store's reads may).
//
// A write transaction takes the checkpoint write lock of each owner it touches before it reads
// or changes anything of that owner (write_locks.h): writers of one owner take turns, writers of
// different owners do not wait for each other. It buffers its changes as Redis commands and sends
// them at Commit in one script (scripts::kCommitCheckpoints), which applies them only while every
// lock is still the transaction's. A thread it changed is read from its image (the stored thread,
// loaded once, with the buffered changes applied), so it reads its own writes; other threads are
// read from Redis, which no other writer of their owner changes meanwhile.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "store/checkpoint_store.h"
#include "store/redis/connection.h"
#include "store/redis/layout.h"
#include "store/redis/write_locks.h"

namespace engram::store::redis {

// What the checkpoint transactions of one store share.
struct CheckpointContext {
  KeyLayout keys;
  // Seconds a thread lives after its last write (0: kept); every write to a thread refreshes all
  // of its keys and its owner's index of threads.
  int64_t ttl_s = 0;
  int lock_lease_ms = 10000;
  int busy_timeout_ms = 5000;
  // Hands a connection back to the store's pool (dropped there when unhealthy).
  std::function<void(std::unique_ptr<Connection>)> release;
};

// A thread as stored, in a write transaction that changed it.
struct ThreadImage {
  std::map<std::string, Checkpoint> checkpoints;     // by member (layout.h)
  std::map<std::string, ThreadChannelValue> values;  // by ValueField
  std::map<std::string, std::map<std::string, CheckpointWrite>>
      writes;  // by :wk member, WriteField
};

class RedisCheckpointTransaction final : public CheckpointTransaction {
 public:
  // `writer`: a write transaction (it takes locks as it goes).
  RedisCheckpointTransaction(std::shared_ptr<const CheckpointContext> context,
                             std::unique_ptr<Connection> conn, bool writer);
  ~RedisCheckpointTransaction() override;

  Status Commit() override;
  Result<std::optional<Checkpoint>> GetCheckpoint(
      std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
      std::optional<std::string_view> checkpoint_id) override;
  Result<std::vector<Checkpoint>> ListCheckpoints(const CheckpointQuery& query) override;
  Status PutCheckpoint(const Checkpoint& checkpoint,
                       const std::vector<ChannelValue>& values) override;
  Result<std::vector<ChannelValue>> GetChannelValues(std::string_view owner_id,
                                                     std::string_view thread_id,
                                                     std::string_view checkpoint_ns,
                                                     std::string_view checkpoint_id) override;
  Result<int64_t> PutWrites(std::string_view owner_id, std::string_view thread_id,
                            std::string_view checkpoint_ns, std::string_view checkpoint_id,
                            const std::vector<PendingWrite>& writes) override;
  Result<std::vector<PendingWrite>> GetWrites(std::string_view owner_id, std::string_view thread_id,
                                              std::string_view checkpoint_ns,
                                              std::string_view checkpoint_id) override;
  Result<int64_t> CountCheckpoints(std::string_view owner_id, std::string_view thread_id) override;
  Result<int64_t> CopyThread(std::string_view owner_id, std::string_view from,
                             std::string_view to) override;
  Result<int64_t> PruneThread(std::string_view owner_id, std::string_view thread_id,
                              size_t keep) override;
  Result<int64_t> DeleteThread(std::string_view owner_id, std::string_view thread_id) override;
  Result<int64_t> DeleteOwnerCheckpoints(std::string_view owner_id) override;
  Result<std::vector<std::string>> ListCheckpointOwners() override;
  Result<std::vector<ThreadChannelValue>> ListOwnerChannelValues(
      std::string_view owner_id) override;
  Result<std::vector<CheckpointWrite>> ListOwnerWrites(std::string_view owner_id) override;

 private:
  using ThreadRef = std::pair<std::string, std::string>;  // owner, thread
  // A change made before the thread's image was loaded, applied to it when it is.
  using Pending = std::variant<Checkpoint, ThreadChannelValue, CheckpointWrite>;

  Status Usable() const;
  // In a write transaction: takes the owner's lock (before anything of the owner is read).
  Status Enter(std::string_view owner_id);
  Status Writable(std::string_view owner_id);
  Result<ReplyPtr> Run(const std::vector<std::string_view>& args);
  Result<ReplyPtr> Eval(const Script& script, const std::vector<std::string_view>& keys,
                        const std::vector<std::string_view>& args);
  bool Local(std::string_view owner_id, std::string_view thread_id) const;
  // The thread's image, loaded (with the pending changes applied) on first use.
  Result<ThreadImage*> Image(std::string_view owner_id, std::string_view thread_id);
  // A thread as Redis holds it.
  Result<ThreadImage> LoadThread(std::string_view owner_id, std::string_view thread_id);
  // The owner's threads: stored and changed here.
  Result<std::vector<std::string>> Threads(std::string_view owner_id);
  // Calls `visit` with the image of each of the owner's threads: this transaction's own when it
  // changed the thread, otherwise as Redis holds it.
  Status ForEachThread(std::string_view owner_id,
                       const std::function<void(const ThreadImage&)>& visit);
  // Buffers one command for the commit; the thread is written (its TTL refreshed).
  void Buffer(const ThreadRef& thread, std::vector<std::string> command);
  // Buffer the commands that store one checkpoint, value or write, and apply it to the thread's
  // image (or keep it pending until the image is loaded).
  void Store(const ThreadRef& thread, const Checkpoint& checkpoint);
  void Store(const ThreadRef& thread, const ThreadChannelValue& value);
  void Store(const ThreadRef& thread, const CheckpointWrite& write);
  // True when the owner has a checkpoint (as this transaction sees it).
  Result<bool> OwnerHasCheckpoints(std::string_view owner_id);

  std::shared_ptr<const CheckpointContext> context_;
  std::unique_ptr<Connection> conn_;
  WriteLocks locks_;
  const bool writer_;
  bool done_ = false;
  std::vector<std::vector<std::string>> commands_;
  std::vector<ThreadRef> written_;  // threads written, in order, once each
  std::map<ThreadRef, ThreadImage> images_;
  std::map<ThreadRef, std::vector<Pending>> pending_;
};

}  // namespace engram::store::redis
