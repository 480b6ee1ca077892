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

#include "engram/checkpoints.h"
#include "engram/clock.h"
#include "store/checkpoint_store.h"

namespace engram::core {

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

 private:
  Status Available() const;
  // The tuple of a stored checkpoint: its channel values and pending writes.
  Result<CheckpointTuple> Complete(store::CheckpointTransaction& txn, Checkpoint checkpoint);

  std::shared_ptr<store::CheckpointStore> store_;
  const Clock* clock_;
};

}  // namespace engram::core
