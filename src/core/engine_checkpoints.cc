// Engine: the checkpoint calls, forwarded to Engine::Impl::checkpoints()
// (core/checkpoint_engine.h).
#include "core/engine_impl.h"
#include "engram/engine.h"

namespace engram {

Result<Checkpoint> Engine::PutCheckpoint(const NewCheckpoint& checkpoint) {
  return impl_->checkpoints().Put(checkpoint);
}
Result<int64_t> Engine::PutCheckpointWrites(std::string_view owner_id, std::string_view thread_id,
                                            std::string_view checkpoint_ns,
                                            std::string_view checkpoint_id,
                                            std::string_view task_id, std::string_view task_path,
                                            std::span<const NewWrite> writes) {
  return impl_->checkpoints().PutWrites(owner_id, thread_id, checkpoint_ns, checkpoint_id, task_id,
                                        task_path, writes);
}
Result<std::optional<CheckpointTuple>> Engine::GetCheckpoint(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::optional<std::string_view> checkpoint_id) {
  return impl_->checkpoints().Get(owner_id, thread_id, checkpoint_ns, checkpoint_id);
}
Result<std::vector<CheckpointTuple>> Engine::ListCheckpoints(std::string_view owner_id,
                                                             const CheckpointListOptions& options) {
  return impl_->checkpoints().List(owner_id, options);
}
Result<int64_t> Engine::DeleteThread(std::string_view owner_id, std::string_view thread_id) {
  return impl_->checkpoints().DeleteThread(owner_id, thread_id);
}
Result<int64_t> Engine::CopyThread(std::string_view owner_id, std::string_view from,
                                   std::string_view to) {
  return impl_->checkpoints().CopyThread(owner_id, from, to);
}
Result<int64_t> Engine::PruneThread(std::string_view owner_id, std::string_view thread_id,
                                    size_t keep_latest) {
  return impl_->checkpoints().PruneThread(owner_id, thread_id, keep_latest);
}

}  // namespace engram
