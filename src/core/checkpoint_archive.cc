// CheckpointEngine's archive calls: an owner's checkpoints, channel values and pending writes
// read whole for an export and written back as they were by an import.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/checkpoint_engine.h"
#include "core/validate.h"

namespace engram::core {

namespace {

// Rows read per page of an owner's checkpoints.
constexpr size_t kExportPage = 512;

using ThreadNs = std::pair<std::string, std::string>;  // thread, namespace

Status Bad(std::string_view what, size_t index, const Status& st) {
  return Status::InvalidArgument(std::string(what) + " " + std::to_string(index) + ": " +
                                 st.message());
}

}  // namespace

Result<std::vector<std::string>> CheckpointEngine::Owners() {
  if (!store_) return std::vector<std::string>();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  return txn->ListCheckpointOwners();
}

Status CheckpointEngine::Export(std::string_view owner_id, OwnerArchive* out) {
  if (!store_) return Status::Ok();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  store::CheckpointQuery q{std::string(owner_id), {}, {}, {}, {}, kExportPage};
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<Checkpoint> page, txn->ListCheckpoints(q));
    if (page.empty()) break;
    const Checkpoint& last = page.back();
    q.after = store::CheckpointCursor{last.checkpoint_id, last.thread_id, last.checkpoint_ns};
    const bool more = page.size() == kExportPage;
    for (Checkpoint& c : page) out->checkpoints.push_back(std::move(c));
    if (!more) break;
  }
  ENGRAM_ASSIGN_OR_RETURN(out->channel_values, txn->ListOwnerChannelValues(owner_id));
  ENGRAM_ASSIGN_OR_RETURN(out->checkpoint_writes, txn->ListOwnerWrites(owner_id));
  std::sort(out->checkpoints.begin(), out->checkpoints.end(),
            [](const Checkpoint& a, const Checkpoint& b) {
              return std::tie(a.thread_id, a.checkpoint_ns, a.checkpoint_id) <
                     std::tie(b.thread_id, b.checkpoint_ns, b.checkpoint_id);
            });
  std::sort(out->channel_values.begin(), out->channel_values.end(),
            [](const ThreadChannelValue& a, const ThreadChannelValue& b) {
              return std::tie(a.thread_id, a.checkpoint_ns, a.value.channel, a.value.version) <
                     std::tie(b.thread_id, b.checkpoint_ns, b.value.channel, b.value.version);
            });
  std::sort(out->checkpoint_writes.begin(), out->checkpoint_writes.end(),
            [](const CheckpointWrite& a, const CheckpointWrite& b) {
              return std::tie(a.thread_id, a.checkpoint_ns, a.checkpoint_id, a.write.task_id,
                              a.write.idx) < std::tie(b.thread_id, b.checkpoint_ns, b.checkpoint_id,
                                                      b.write.task_id, b.write.idx);
            });
  return Status::Ok();
}

Status CheckpointEngine::CheckImport(const OwnerArchive& a) {
  const bool any =
      !a.checkpoints.empty() || !a.channel_values.empty() || !a.checkpoint_writes.empty();
  if (!any) return Status::Ok();
  std::set<std::tuple<std::string, std::string, std::string>> ids;
  std::set<ThreadNs> spaces;
  std::set<std::string> threads;
  for (size_t i = 0; i < a.checkpoints.size(); ++i) {
    const Checkpoint& c = a.checkpoints[i];
    if (c.owner_id != a.owner_id) {
      return Status::InvalidArgument("checkpoint " + std::to_string(i) +
                                     " belongs to another owner than the archive's");
    }
    Status st = ValidateCheckpointFields(c);
    if (st.ok() && c.checkpoint.data.size() > kMaxCheckpointBytes) {
      st = Status::TooLarge("the checkpoint is larger than " + std::to_string(kMaxCheckpointBytes) +
                            " bytes");
    }
    if (st.ok() && !ids.emplace(c.thread_id, c.checkpoint_ns, c.checkpoint_id).second) {
      st = Status::InvalidArgument("the checkpoint is in the archive twice");
    }
    if (!st.ok()) return Bad("checkpoint", i, st);
    spaces.emplace(c.thread_id, c.checkpoint_ns);
    threads.insert(c.thread_id);
  }
  std::set<std::tuple<std::string, std::string, std::string, std::string>> values;
  for (size_t i = 0; i < a.channel_values.size(); ++i) {
    const ThreadChannelValue& v = a.channel_values[i];
    Status st = ValidateChannelValue("value", v.value);
    if (st.ok() && v.value.value.data.size() > kMaxCheckpointBytes) {
      st = Status::TooLarge("the value is larger than " + std::to_string(kMaxCheckpointBytes) +
                            " bytes");
    }
    if (st.ok() && !spaces.contains({v.thread_id, v.checkpoint_ns})) {
      st = Status::InvalidArgument("its thread and namespace have no checkpoint in the archive");
    }
    if (st.ok() &&
        !values.emplace(v.thread_id, v.checkpoint_ns, v.value.channel, v.value.version).second) {
      st = Status::InvalidArgument("the value is in the archive twice");
    }
    if (!st.ok()) return Bad("channel value", i, st);
  }
  std::set<std::tuple<std::string, std::string, std::string, std::string, int64_t>> writes;
  for (size_t i = 0; i < a.checkpoint_writes.size(); ++i) {
    const CheckpointWrite& w = a.checkpoint_writes[i];
    Status st = ValidateId("thread_id", w.thread_id);
    if (st.ok()) st = ValidateOptionalId("checkpoint_ns", w.checkpoint_ns);
    if (st.ok()) st = ValidateId("checkpoint_id", w.checkpoint_id);
    if (st.ok()) st = ValidateWriteFields("write", w.write);
    if (st.ok() && w.write.value.data.size() > kMaxCheckpointBytes) {
      st = Status::TooLarge("the write is larger than " + std::to_string(kMaxCheckpointBytes) +
                            " bytes");
    }
    if (st.ok() &&
        !writes.emplace(w.thread_id, w.checkpoint_ns, w.checkpoint_id, w.write.task_id, w.write.idx)
             .second) {
      st = Status::InvalidArgument("the write is in the archive twice");
    }
    if (!st.ok()) return Bad("checkpoint write", i, st);
    threads.insert(w.thread_id);
  }
  if (!store_) {
    return Status::FailedPrecondition("the archive has checkpoints; no backend keeps them here");
  }
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  for (const std::string& thread : threads) {
    ENGRAM_ASSIGN_OR_RETURN(int64_t stored, txn->CountCheckpoints(a.owner_id, thread));
    if (stored > 0) {
      return Status::AlreadyExists("thread " + thread + " already has checkpoints");
    }
  }
  return Status::Ok();
}

Status CheckpointEngine::Import(const OwnerArchive& a, ImportReport* report) {
  if (a.checkpoints.empty() && a.checkpoint_writes.empty()) return Status::Ok();
  // Each thread and namespace's values go with its first checkpoint (CheckImport made sure it
  // has one): a store keeps values by (thread, namespace, channel, version), whichever
  // checkpoint brought them.
  std::map<ThreadNs, std::vector<ChannelValue>> values;
  for (const ThreadChannelValue& v : a.channel_values) {
    values[{v.thread_id, v.checkpoint_ns}].push_back(v.value);
  }
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<PendingWrite>> writes;
  for (const CheckpointWrite& w : a.checkpoint_writes) {
    writes[{w.thread_id, w.checkpoint_ns, w.checkpoint_id}].push_back(w.write);
  }
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  for (const Checkpoint& c : a.checkpoints) {
    auto it = values.find({c.thread_id, c.checkpoint_ns});
    if (it == values.end()) {
      ENGRAM_RETURN_IF_ERROR(txn->PutCheckpoint(c, {}));
      continue;
    }
    ENGRAM_RETURN_IF_ERROR(txn->PutCheckpoint(c, it->second));
    values.erase(it);
  }
  int64_t stored = 0;
  for (const auto& [at, rows] : writes) {
    const auto& [thread, ns, checkpoint] = at;
    ENGRAM_ASSIGN_OR_RETURN(int64_t n, txn->PutWrites(a.owner_id, thread, ns, checkpoint, rows));
    stored += n;
  }
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  report->checkpoints = static_cast<int64_t>(a.checkpoints.size());
  report->channel_values = static_cast<int64_t>(a.channel_values.size());
  report->checkpoint_writes = stored;
  return Status::Ok();
}

}  // namespace engram::core
