// CheckpointStore: the storage interface of agent-state checkpoints (engram/checkpoints.h):
// checkpoints, the channel values they name by version, and pending writes. A backend that keeps
// them serves it in OpenedBackend::checkpoints (factory.h).
//
// Transactions follow store.h's contract: a read transaction sees one consistent snapshot; a write
// transaction is exclusive among writers and its changes become visible together when Commit()
// returns OK; one destroyed without a successful Commit() rolls back. Stores do not validate input
// (the engine does) but keep owners apart: every method takes the owner and touches only its rows.
// Bytes are kept exactly (any byte value, NUL included); strings compare and order by bytes, so
// UTF-8 text orders by code point.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/checkpoints.h"
#include "engram/status.h"

namespace engram::store {

// Where a listing resumes: the last checkpoint of the previous page.
struct CheckpointCursor {
  std::string checkpoint_id;
  std::string thread_id;
  std::string checkpoint_ns;
};

// A page of the owner's checkpoints in list order: checkpoint_id descending, then thread_id and
// checkpoint_ns ascending.
struct CheckpointQuery {
  std::string owner_id;
  std::optional<std::string> thread_id;      // unset: every thread
  std::optional<std::string> checkpoint_ns;  // unset: every namespace
  std::optional<std::string> before;         // only checkpoint_id < before
  std::optional<CheckpointCursor> after;     // only checkpoints after this one in list order
  size_t limit = 100;
};

class CheckpointTransaction {
 public:
  virtual ~CheckpointTransaction() = default;
  // Makes the changes durable and visible. After it, the transaction may not be used.
  virtual Status Commit() = 0;

  // The checkpoint with this id, or with the greatest id in the namespace when `checkpoint_id`
  // is unset; nullopt when there is none.
  virtual Result<std::optional<Checkpoint>> GetCheckpoint(
      std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
      std::optional<std::string_view> checkpoint_id) = 0;
  virtual Result<std::vector<Checkpoint>> ListCheckpoints(const CheckpointQuery& query) = 0;
  // Stores the checkpoint, replacing one with the same identity, and its channel values,
  // replacing those stored for the same (channel, version) in its thread and namespace.
  virtual Status PutCheckpoint(const Checkpoint& checkpoint,
                               const std::vector<ChannelValue>& values) = 0;
  // The stored values of the versions the checkpoint names, by channel; empty when the
  // checkpoint is unknown.
  virtual Result<std::vector<ChannelValue>> GetChannelValues(std::string_view owner_id,
                                                             std::string_view thread_id,
                                                             std::string_view checkpoint_ns,
                                                             std::string_view checkpoint_id) = 0;
  // Stores writes against a checkpoint (which need not exist). A write with idx < 0 replaces
  // the one at (task_id, idx); any other is stored only when (task_id, idx) holds none yet.
  // Returns how many were stored.
  virtual Result<int64_t> PutWrites(std::string_view owner_id, std::string_view thread_id,
                                    std::string_view checkpoint_ns, std::string_view checkpoint_id,
                                    const std::vector<PendingWrite>& writes) = 0;
  // The writes against a checkpoint, by (task_path, task_id, idx).
  virtual Result<std::vector<PendingWrite>> GetWrites(std::string_view owner_id,
                                                      std::string_view thread_id,
                                                      std::string_view checkpoint_ns,
                                                      std::string_view checkpoint_id) = 0;
  // How many checkpoints the thread holds, in every namespace.
  virtual Result<int64_t> CountCheckpoints(std::string_view owner_id,
                                           std::string_view thread_id) = 0;
  // Copies every checkpoint, channel value and write of thread `from` to thread `to` (which the
  // caller made sure is empty). Returns how many checkpoints were copied.
  virtual Result<int64_t> CopyThread(std::string_view owner_id, std::string_view from,
                                     std::string_view to) = 0;
  // Keeps the `keep` checkpoints with the greatest ids in each namespace of the thread and
  // deletes the others, the writes against no kept checkpoint, and the channel values no kept
  // checkpoint names. Returns how many checkpoints went.
  virtual Result<int64_t> PruneThread(std::string_view owner_id, std::string_view thread_id,
                                      size_t keep) = 0;
  // Deletes the thread's checkpoints, values and writes in every namespace; returns how many
  // checkpoints went.
  virtual Result<int64_t> DeleteThread(std::string_view owner_id, std::string_view thread_id) = 0;
  // Deletes every checkpoint, value and write of the owner; returns how many checkpoints went.
  virtual Result<int64_t> DeleteOwnerCheckpoints(std::string_view owner_id) = 0;

  // ---- whole-owner reads (export; ListCheckpoints pages through the checkpoints, and an import
  // writes with PutCheckpoint and PutWrites, which keep every field as given) ----
  // The owners that have a checkpoint, sorted.
  virtual Result<std::vector<std::string>> ListCheckpointOwners() = 0;
  // Every channel value of the owner, in every thread and namespace, in no particular order
  // (those no checkpoint names included).
  virtual Result<std::vector<ThreadChannelValue>> ListOwnerChannelValues(
      std::string_view owner_id) = 0;
  // Every pending write of the owner, in no particular order (those against a checkpoint that
  // does not exist included).
  virtual Result<std::vector<CheckpointWrite>> ListOwnerWrites(std::string_view owner_id) = 0;
};

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;
  // Short backend name, e.g. "sqlite".
  virtual std::string backend() const = 0;
  virtual Result<std::unique_ptr<CheckpointTransaction>> BeginRead() = 0;
  virtual Result<std::unique_ptr<CheckpointTransaction>> BeginWrite() = 0;
};

}  // namespace engram::store
