// CheckpointEngine: validation, LangGraph's write indexes, latest-by-id reads, listing with a
// metadata filter, and thread copy, prune and delete, each in one transaction.
#include <nlohmann/json.hpp>

#include "core/checkpoint_engine.h"
#include "core/validate.h"

namespace engram {

std::optional<int64_t> SpecialWriteIndex(const std::string& channel) {
  if (channel == kErrorChannel) return -1;
  if (channel == kScheduledChannel) return -2;
  if (channel == kInterruptChannel) return -3;
  if (channel == kResumeChannel) return -4;
  return std::nullopt;
}

namespace core {

namespace {

using nlohmann::json;

// Rows read per page of a listing whose filter or limit the store cannot apply.
constexpr size_t kListPage = 256;

Status ValidateType(std::string_view field, std::string_view type) {
  ENGRAM_RETURN_IF_ERROR(ValidateId(field, type));
  if (type.size() > kMaxCheckpointTypeBytes) {
    return Status::InvalidArgument(std::string(field) + " is longer than " +
                                   std::to_string(kMaxCheckpointTypeBytes) + " bytes");
  }
  return Status::Ok();
}

Status ValidateThread(std::string_view owner_id, std::string_view thread_id) {
  ENGRAM_RETURN_IF_ERROR(ValidateId("owner_id", owner_id));
  return ValidateId("thread_id", thread_id);
}

Status TooLarge(std::string_view what) {
  return Status::TooLarge(std::string(what) + " is larger than " +
                          std::to_string(kMaxCheckpointBytes) + " bytes");
}

}  // namespace

Status ValidateCheckpointFields(const Checkpoint& c) {
  ENGRAM_RETURN_IF_ERROR(ValidateThread(c.owner_id, c.thread_id));
  ENGRAM_RETURN_IF_ERROR(ValidateOptionalId("checkpoint_ns", c.checkpoint_ns));
  ENGRAM_RETURN_IF_ERROR(ValidateId("checkpoint_id", c.checkpoint_id));
  ENGRAM_RETURN_IF_ERROR(ValidateOptionalId("parent_checkpoint_id", c.parent_checkpoint_id));
  ENGRAM_RETURN_IF_ERROR(ValidateType("checkpoint.type", c.checkpoint.type));
  ENGRAM_RETURN_IF_ERROR(ValidateJson("metadata", c.metadata, kMaxCheckpointMetadata, true));
  for (const auto& [channel, version] : c.channel_versions) {
    ENGRAM_RETURN_IF_ERROR(ValidateId("channel_versions key", channel));
    ENGRAM_RETURN_IF_ERROR(ValidateId("channel_versions." + channel, version));
  }
  return Status::Ok();
}

Status ValidateChannelValue(const std::string& at, const ChannelValue& v) {
  ENGRAM_RETURN_IF_ERROR(ValidateId(at + ".channel", v.channel));
  ENGRAM_RETURN_IF_ERROR(ValidateId(at + ".version", v.version));
  return ValidateType(at + ".type", v.value.type);
}

Status ValidateWriteFields(const std::string& at, const PendingWrite& w) {
  ENGRAM_RETURN_IF_ERROR(ValidateId(at + ".task_id", w.task_id));
  ENGRAM_RETURN_IF_ERROR(ValidateText(at + ".task_path", w.task_path, 4096, /*allow_empty=*/true));
  ENGRAM_RETURN_IF_ERROR(ValidateId(at + ".channel", w.channel));
  return ValidateType(at + ".type", w.value.type);
}

namespace {

Status ValidateCheckpoint(const NewCheckpoint& input) {
  ENGRAM_RETURN_IF_ERROR(ValidateCheckpointFields(input.checkpoint));
  size_t bytes = input.checkpoint.checkpoint.data.size();
  for (size_t i = 0; i < input.channel_values.size(); ++i) {
    const ChannelValue& v = input.channel_values[i];
    ENGRAM_RETURN_IF_ERROR(ValidateChannelValue("channel_values[" + std::to_string(i) + "]", v));
    bytes += v.value.data.size();
  }
  if (bytes > kMaxCheckpointBytes) return TooLarge("the checkpoint with its channel values");
  return Status::Ok();
}

// True when `metadata` has every top-level key of `filter` with an equal JSON value.
bool Matches(const json& filter, const std::string& metadata) {
  if (filter.empty()) return true;
  const json m = json::parse(metadata, nullptr, false);
  if (!m.is_object()) return false;
  for (const auto& [key, value] : filter.items()) {
    auto it = m.find(key);
    if (it == m.end() || *it != value) return false;
  }
  return true;
}

}  // namespace

Status CheckpointEngine::Available() const {
  if (!store_) return Status::FailedPrecondition("the store's backend keeps no checkpoints");
  return Status::Ok();
}

Result<CheckpointTuple> CheckpointEngine::Complete(store::CheckpointTransaction& txn,
                                                   Checkpoint checkpoint) {
  CheckpointTuple t;
  const Checkpoint& c = checkpoint;
  ENGRAM_ASSIGN_OR_RETURN(t.channel_values, txn.GetChannelValues(c.owner_id, c.thread_id,
                                                                 c.checkpoint_ns, c.checkpoint_id));
  ENGRAM_ASSIGN_OR_RETURN(t.pending_writes,
                          txn.GetWrites(c.owner_id, c.thread_id, c.checkpoint_ns, c.checkpoint_id));
  t.checkpoint = std::move(checkpoint);
  return t;
}

Result<Checkpoint> CheckpointEngine::Put(const NewCheckpoint& input) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateCheckpoint(input));
  Checkpoint stored = input.checkpoint;
  stored.created_at = clock_->Now();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_RETURN_IF_ERROR(txn->PutCheckpoint(stored, input.channel_values));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return stored;
}

Result<int64_t> CheckpointEngine::PutWrites(std::string_view owner_id, std::string_view thread_id,
                                            std::string_view checkpoint_ns,
                                            std::string_view checkpoint_id,
                                            std::string_view task_id, std::string_view task_path,
                                            std::span<const NewWrite> writes) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateThread(owner_id, thread_id));
  ENGRAM_RETURN_IF_ERROR(ValidateOptionalId("checkpoint_ns", checkpoint_ns));
  ENGRAM_RETURN_IF_ERROR(ValidateId("checkpoint_id", checkpoint_id));
  ENGRAM_RETURN_IF_ERROR(ValidateId("task_id", task_id));
  ENGRAM_RETURN_IF_ERROR(ValidateText("task_path", task_path, 4096, /*allow_empty=*/true));
  if (writes.size() > kMaxWritesPerCall) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxWritesPerCall) +
                                   " writes per call");
  }
  std::vector<PendingWrite> rows;
  size_t bytes = 0;
  for (size_t i = 0; i < writes.size(); ++i) {
    const NewWrite& w = writes[i];
    const std::string at = "writes[" + std::to_string(i) + "]";
    ENGRAM_RETURN_IF_ERROR(ValidateId(at + ".channel", w.channel));
    ENGRAM_RETURN_IF_ERROR(ValidateType(at + ".type", w.value.type));
    bytes += w.value.data.size();
    // LangGraph's rule: a special channel's write takes its fixed index, any other its place.
    const int64_t idx = SpecialWriteIndex(w.channel).value_or(static_cast<int64_t>(i));
    rows.push_back({std::string(task_id), std::string(task_path), idx, w.channel, w.value});
  }
  if (bytes > kMaxCheckpointBytes) return TooLarge("the writes");
  if (rows.empty()) return 0;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t stored,
                          txn->PutWrites(owner_id, thread_id, checkpoint_ns, checkpoint_id, rows));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return stored;
}

Result<std::optional<CheckpointTuple>> CheckpointEngine::Get(
    std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
    std::optional<std::string_view> checkpoint_id) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateThread(owner_id, thread_id));
  ENGRAM_RETURN_IF_ERROR(ValidateOptionalId("checkpoint_ns", checkpoint_ns));
  if (checkpoint_id) ENGRAM_RETURN_IF_ERROR(ValidateId("checkpoint_id", *checkpoint_id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(std::optional<Checkpoint> found,
                          txn->GetCheckpoint(owner_id, thread_id, checkpoint_ns, checkpoint_id));
  if (!found) return std::optional<CheckpointTuple>();
  ENGRAM_ASSIGN_OR_RETURN(CheckpointTuple tuple, Complete(*txn, std::move(*found)));
  return std::optional<CheckpointTuple>(std::move(tuple));
}

Result<std::vector<CheckpointTuple>> CheckpointEngine::List(std::string_view owner_id,
                                                            const CheckpointListOptions& o) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateId("owner_id", owner_id));
  if (o.thread_id) ENGRAM_RETURN_IF_ERROR(ValidateId("thread_id", *o.thread_id));
  if (o.checkpoint_ns)
    ENGRAM_RETURN_IF_ERROR(ValidateOptionalId("checkpoint_ns", *o.checkpoint_ns));
  if (o.before) ENGRAM_RETURN_IF_ERROR(ValidateId("before", *o.before));
  json filter = json::object();
  if (!o.metadata_filter.empty()) {
    ENGRAM_RETURN_IF_ERROR(ValidateJson("filter", o.metadata_filter, kMaxCheckpointMetadata, true));
    filter = json::parse(o.metadata_filter);
  }
  std::vector<CheckpointTuple> out;
  const size_t limit = o.limit.value_or(SIZE_MAX);
  if (limit == 0) return out;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  store::CheckpointQuery q{std::string(owner_id), o.thread_id, o.checkpoint_ns, o.before, {}, 0};
  // Pages in list order until the limit is met: the metadata filter is applied here, so a page
  // may keep fewer rows than it read.
  while (out.size() < limit) {
    q.limit = filter.empty() ? std::min(limit - out.size(), kListPage) : kListPage;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<Checkpoint> page, txn->ListCheckpoints(q));
    if (!page.empty()) {  // the cursor, before the page's rows are moved out
      const Checkpoint& last = page.back();
      q.after = store::CheckpointCursor{last.checkpoint_id, last.thread_id, last.checkpoint_ns};
    }
    for (Checkpoint& c : page) {
      if (out.size() == limit) break;
      if (!Matches(filter, c.metadata)) continue;
      ENGRAM_ASSIGN_OR_RETURN(CheckpointTuple t, Complete(*txn, std::move(c)));
      out.push_back(std::move(t));
    }
    if (page.size() < q.limit) break;
  }
  return out;
}

Result<int64_t> CheckpointEngine::DeleteThread(std::string_view owner_id,
                                               std::string_view thread_id) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateThread(owner_id, thread_id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t deleted, txn->DeleteThread(owner_id, thread_id));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return deleted;
}

Result<int64_t> CheckpointEngine::CopyThread(std::string_view owner_id, std::string_view from,
                                             std::string_view to) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateThread(owner_id, from));
  ENGRAM_RETURN_IF_ERROR(ValidateId("target_thread_id", to));
  if (from == to) return Status::InvalidArgument("a thread cannot be copied onto itself");
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t source, txn->CountCheckpoints(owner_id, from));
  if (source == 0) return Status::NotFound("the thread has no checkpoints");
  ENGRAM_ASSIGN_OR_RETURN(int64_t target, txn->CountCheckpoints(owner_id, to));
  if (target > 0) return Status::AlreadyExists("the target thread already has checkpoints");
  ENGRAM_ASSIGN_OR_RETURN(int64_t copied, txn->CopyThread(owner_id, from, to));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return copied;
}

Result<int64_t> CheckpointEngine::PruneThread(std::string_view owner_id, std::string_view thread_id,
                                              size_t keep_latest) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateThread(owner_id, thread_id));
  if (keep_latest == 0) {
    return Status::InvalidArgument("keep_latest must be at least 1 (delete the thread instead)");
  }
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t pruned, txn->PruneThread(owner_id, thread_id, keep_latest));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return pruned;
}

Result<int64_t> CheckpointEngine::ForgetOwner(std::string_view owner_id) {
  if (!store_) return 0;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t deleted, txn->DeleteOwnerCheckpoints(owner_id));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return deleted;
}

}  // namespace core
}  // namespace engram
