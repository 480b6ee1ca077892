// CheckpointEngine: the rules of agent-state checkpoints (engram/checkpoints.h) over a
// store::CheckpointStore, behind the Engine's checkpoint calls (their contracts are in
// engram/engine.h). Private to src/core; checkpoints.cc holds it.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/archive.h"
#include "engram/checkpoints.h"
#include "engram/clock.h"
#include "store/checkpoint_store.h"

namespace engram::core {

// The invariants a stored checkpoint, channel value and pending write keep (ids, types, metadata
// JSON), as Put and PutWrites check them and an import checks an archive's; `at` names the
// value or write in the error.
Status ValidateCheckpointFields(const Checkpoint& checkpoint);
Status ValidateChannelValue(const std::string& at, const ChannelValue& value);
Status ValidateWriteFields(const std::string& at, const PendingWrite& write);

class CheckpointEngine {
 public:
  // `store` may be null (no backend keeps checkpoints): every call is then FailedPrecondition.
  // The clock outlives the engine.
  CheckpointEngine(std::shared_ptr<store::CheckpointStore> store, const Clock* clock)
      : store_(std::move(store)), clock_(clock) {}

  Result<Checkpoint> Put(const NewCheckpoint& input);
  Result<int64_t> PutWrites(std::string_view owner_id, std::string_view thread_id,
                            std::string_view checkpoint_ns, std::string_view checkpoint_id,
                            std::string_view task_id, std::string_view task_path,
                            std::span<const NewWrite> writes);
  Result<std::optional<CheckpointTuple>> Get(std::string_view owner_id, std::string_view thread_id,
                                             std::string_view checkpoint_ns,
                                             std::optional<std::string_view> checkpoint_id);
  Result<std::vector<CheckpointTuple>> List(std::string_view owner_id,
                                            const CheckpointListOptions& options);
  Result<int64_t> DeleteThread(std::string_view owner_id, std::string_view thread_id);
  Result<int64_t> CopyThread(std::string_view owner_id, std::string_view from, std::string_view to);
  Result<int64_t> PruneThread(std::string_view owner_id, std::string_view thread_id,
                              size_t keep_latest);
  // Erases the owner's checkpoints (Engine::ForgetOwner); 0 when no backend keeps them.
  Result<int64_t> ForgetOwner(std::string_view owner_id);

  // ---- archives (checkpoint_archive.cc; engram/archive.h) ----
  // The owners that have a checkpoint; none when no backend keeps checkpoints.
  Result<std::vector<std::string>> Owners();
  // Reads the owner's checkpoints, channel values and pending writes into `out`, in one read
  // transaction, ordered as OwnerArchive says; nothing when no backend keeps checkpoints.
  Status Export(std::string_view owner_id, OwnerArchive* out);
  // What must hold before an import writes anything: the archive's checkpoint part keeps the
  // invariants (every row of its owner; each channel value in a thread and namespace that has a
  // checkpoint in it; no identity twice), a backend keeps checkpoints when it has some
  // (FailedPrecondition), and no thread of it has checkpoints in the store (AlreadyExists).
  Status CheckImport(const OwnerArchive& archive);
  // Writes the archive's checkpoint part as it is (created_at included) in one transaction and
  // counts it in *report.
  Status Import(const OwnerArchive& archive, ImportReport* report);

 private:
  Status Available() const;
  // The tuple of a stored checkpoint: its channel values and pending writes.
  Result<CheckpointTuple> Complete(store::CheckpointTransaction& txn, Checkpoint checkpoint);

  std::shared_ptr<store::CheckpointStore> store_;
  const Clock* clock_;
};

}  // namespace engram::core
