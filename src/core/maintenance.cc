// Maintenance: garbage collection of expired records and old session items; reindexing.
#include "core/engine_impl.h"

namespace engram {

Result<GcReport> Engine::Impl::CollectGarbage(bool dry_run) {
  const Timestamp now = Now();
  GcReport report;
  std::vector<std::pair<int64_t, std::string>> erased;  // (rid, owner)
  Reflecting reflecting;
  {
    int64_t seq = 0;
    ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
    while (true) {
      ENGRAM_ASSIGN_OR_RETURN(auto expired, txn->ListExpired(now, 1000));
      if (expired.empty()) break;
      for (const auto& [rid, r] : expired) {
        ENGRAM_ASSIGN_OR_RETURN(
            int64_t history, txn->EraseMemory(r.owner_id, r.id, !options_.policy.gc_keep_history));
        report.history_events += history;
        ++report.expired_memories;
        erased.emplace_back(rid, r.owner_id);
      }
    }
    if (!dry_run) {
      ENGRAM_ASSIGN_OR_RETURN(reflecting, CommitWrite(*txn, seq));
    }
  }  // a dry run's transaction rolls back here
  if (!dry_run) {
    for (const auto& [rid, owner] : erased) Unreflect(owner, rid);
  }
  if (reflecting.owns_lock()) reflecting.unlock();
  // Session state may live in another store: a transaction of its own, after the memories'.
  if (options_.policy.session_retention_ms) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(report.session_items, txn->DeleteSessionItemsBefore(
                                                      now - *options_.policy.session_retention_ms));
    if (!dry_run) ENGRAM_RETURN_IF_ERROR(txn->Commit());
  }
  return report;
}

Result<int64_t> Engine::Impl::Reindex() {
  if (!options_.embedder) return Status::FailedPrecondition("reindex needs an embedder");
  int64_t seq = 0;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
  ENGRAM_RETURN_IF_ERROR(txn->DeleteAllVectors());
  int64_t done = 0, after = 0;
  constexpr size_t kBatch = 256;
  while (true) {
    ENGRAM_ASSIGN_OR_RETURN(auto rows, txn->LiveTexts(after, kBatch));
    if (rows.empty()) break;
    std::vector<std::string> texts;
    for (auto& [rid, text] : rows) texts.push_back(std::move(text));
    std::vector<std::vector<float>> vectors;
    ENGRAM_RETURN_IF_ERROR(options_.embedder->Embed(texts, &vectors));
    for (size_t i = 0; i < rows.size(); ++i) {
      ENGRAM_RETURN_IF_ERROR(txn->PutVector(rows[i].first, vectors[i], seq));
    }
    done += static_cast<int64_t>(rows.size());
    after = rows.back().first;
  }
  ENGRAM_RETURN_IF_ERROR(txn->PutMeta("embedder.model", ModelTag()));
  ENGRAM_ASSIGN_OR_RETURN(Reflecting reflecting, CommitWrite(*txn, seq));
  recall_.ClearAndRemoveFiles();
  model_mismatch_ = Status::Ok();
  return done;
}

}  // namespace engram
