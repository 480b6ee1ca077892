// The write path: add, batch write (dedup, near-duplicates, supersession, per-type caps),
// update and delete. Every change is one transaction with its history rows.
#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "core/engine_impl.h"
#include "core/validate.h"
#include "index/distance.h"
#include "util/claim.h"
#include "util/text.h"

namespace engram {

Status Engine::Impl::ValidateNewMemory(const NewMemory& m) const {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", m.owner_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateScope(m.scope));
  ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("agent_id", m.agent_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("session_id", m.session_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("key", m.key));
  ENGRAM_RETURN_IF_ERROR(core::ValidateText("text", m.text, options_.max_text_bytes));
  ENGRAM_RETURN_IF_ERROR(core::ValidateJson("data", m.data, options_.max_json_bytes, false));
  ENGRAM_RETURN_IF_ERROR(core::ValidateJson("metadata", m.metadata, options_.max_json_bytes, true));
  ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("source", m.source));
  ENGRAM_RETURN_IF_ERROR(ValidateConfidence(m.confidence));
  for (const std::string& id : m.supersedes) ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
  ENGRAM_RETURN_IF_ERROR(ValidateTime("observed_at", m.observed_at));
  ENGRAM_RETURN_IF_ERROR(ValidateTime("expires_at", m.expires_at));
  return ValidateValidity(m.valid_from, m.valid_to);
}

Result<MemoryRecord> Engine::Impl::AddMemory(const NewMemory& m) {
  ENGRAM_ASSIGN_OR_RETURN(auto results, WriteMemories(std::span(&m, 1)));
  return std::move(results.front().record);
}

Result<std::vector<WriteResult>> Engine::Impl::WriteMemories(std::span<const NewMemory> batch) {
  ENGRAM_RETURN_IF_ERROR(model_mismatch_);
  if (batch.size() > options_.max_items_per_append) {
    return Status::TooLarge("a batch holds " + std::to_string(batch.size()) +
                            " memories; the limit is " +
                            std::to_string(options_.max_items_per_append));
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    Status st = ValidateNewMemory(batch[i]);
    if (!st.ok()) {
      if (batch.size() == 1) return st;
      return Status(
          st.code() == Status::Code::kTooLarge
              ? Status::TooLarge("memory " + std::to_string(i) + ": " + st.message())
              : Status::InvalidArgument("memory " + std::to_string(i) + ": " + st.message()));
    }
  }
  const Timestamp now = Now();
  std::vector<MemoryRecord> records;
  std::vector<std::string> texts;
  std::vector<std::vector<std::string>> redacted(batch.size());  // per record, for history
  for (const NewMemory& m : batch) {
    MemoryRecord r;
    r.id = ids_.Next(now);
    r.owner_id = m.owner_id;
    r.scope = m.scope;
    r.agent_id = m.agent_id;
    r.session_id = m.session_id;
    r.type = m.type;
    r.key = m.key;
    r.text = m.text;
    r.data = m.data;
    r.metadata = m.metadata;
    r.source = m.source;
    r.confidence = m.confidence;
    r.created_at = m.observed_at.value_or(now);
    r.updated_at = now;
    r.valid_from = m.valid_from;
    r.valid_to = m.valid_to;
    r.expires_at = m.expires_at;
    if (const auto& ttl = options_.policy.For(r.type).ttl_ms; ttl && !r.expires_at) {
      r.expires_at = r.created_at + *ttl;
    }
    // Secrets are replaced before the record reaches the embedder, the store or any index.
    std::vector<std::string>& notes = redacted[records.size()];
    RedactText("text", &r.text, &notes);
    RedactText("key", &r.key, &notes);
    RedactText("source", &r.source, &notes);
    ENGRAM_RETURN_IF_ERROR(RedactJson("data", &r.data, &notes));
    ENGRAM_RETURN_IF_ERROR(RedactJson("metadata", &r.metadata, &notes));
    texts.push_back(r.text);
    records.push_back(std::move(r));
  }
  // Embedding happens before the write transaction so the write lock is never held for it.
  std::vector<std::vector<float>> vectors(records.size());
  if (options_.embedder && !texts.empty()) {
    ENGRAM_RETURN_IF_ERROR(options_.embedder->Embed(texts, &vectors));
    if (vectors.size() != texts.size()) {
      return Status::Internal("the embedder returned the wrong number of vectors");
    }
  }
  int64_t seq = 0;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
  std::vector<WriteResult> results;
  // Records whose partition entry must follow the commit: (rid, record, new vector or none).
  std::vector<std::tuple<int64_t, MemoryRecord, std::optional<std::vector<float>>>> reflect;
  for (size_t i = 0; i < records.size(); ++i) {
    MemoryRecord& r = records[i];
    const ChangeInfo& change = batch[i].change;
    WriteResult result;
    // The lookups of steps 1, 1b and 2 below, in one round trip to a database server.
    std::vector<store::MemoryQuery> lookups;
    const std::optional<size_t> exact = AddExactDuplicateQuery(r, now, &lookups);
    const std::optional<size_t> near = AddNearDuplicateQuery(r, vectors[i], now, &lookups);
    std::optional<size_t> same_key;
    if (!r.key.empty()) {
      store::MemoryQuery q;
      q.owner_id = r.owner_id;
      q.scopes = {r.scope};
      q.key = r.key;
      q.live_at = now;
      q.limit = 1000;
      same_key = lookups.size();
      lookups.push_back(std::move(q));
    }
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::vector<MemoryRecord>> found,
                            txn->ListMemoriesEach(lookups));
    // 1. The same text, type and scope already live: re-verify it instead of storing it twice.
    std::optional<MemoryRecord> dup;
    if (exact) dup = ExactDuplicate(r, std::move(found[*exact]));
    std::string why = "stated again";
    if (!dup && near) {
      // 1b. The same claim in other words (Policy::near_duplicate_similarity), stored before
      // or earlier in this batch.
      ENGRAM_ASSIGN_OR_RETURN(dup, NearDuplicate(*txn, r, vectors[i], std::move(found[*near])));
      if (dup) why = "stated again in other words: " + r.text;
    }
    if (dup) {
      MemoryRecord old = *dup;
      dup->last_verified_at = now;
      dup->confidence = std::max(dup->confidence, r.confidence);
      dup->updated_at = now;
      ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(*dup, HashesOf(*dup)));
      ENGRAM_RETURN_IF_ERROR(
          AppendHistory(*txn, HistoryEventType::kVerify, &old, &*dup, {change.actor, why}, now));
      ENGRAM_ASSIGN_OR_RETURN(int64_t dup_rid, txn->MemoryRid(dup->owner_id, dup->id));
      reflect.emplace_back(dup_rid, *dup, std::nullopt);
      result.record = std::move(*dup);
      result.event = WriteEvent::kDeduplicated;
      results.push_back(std::move(result));
      continue;
    }
    // 2. A key names what the record is about: only one live record per key and scope is
    // current. The newer observation wins; an older one (a replayed history) is stored as
    // already superseded.
    std::vector<MemoryRecord> rivals;
    if (same_key) rivals = std::move(found[*same_key]);
    for (const MemoryRecord& rival : rivals) {
      if (rival.created_at > r.created_at && r.superseded_by.empty()) {
        r.superseded_by = rival.id;
        r.valid_to = rival.valid_from.value_or(rival.created_at);
      }
    }
    ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn->InsertMemory(r, HashesOf(r)));
    if (!vectors[i].empty()) ENGRAM_RETURN_IF_ERROR(txn->PutVector(rid, vectors[i], seq));
    ENGRAM_RETURN_IF_ERROR(AppendHistory(*txn, HistoryEventType::kAdd, nullptr, &r,
                                         {change.actor, WithRedactions(change.reason, redacted[i])},
                                         now));
    // Records the caller names as replaced, whatever their key.
    for (const std::string& target_id : batch[i].supersedes) {
      ENGRAM_ASSIGN_OR_RETURN(MemoryRecord target, LoadLive(*txn, r.owner_id, target_id));
      if (target.superseded_by.empty() &&
          std::none_of(rivals.begin(), rivals.end(),
                       [&](const MemoryRecord& x) { return x.id == target.id; })) {
        rivals.push_back(std::move(target));
      }
    }
    if (r.superseded_by.empty()) {
      for (MemoryRecord rival : rivals) {
        const MemoryRecord old = rival;
        rival.superseded_by = r.id;
        rival.valid_to = r.valid_from.value_or(r.created_at);
        rival.updated_at = now;
        ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(rival, HashesOf(rival)));
        ENGRAM_RETURN_IF_ERROR(AppendHistory(*txn, HistoryEventType::kSupersede, &old, &rival,
                                             {change.actor, "superseded by " + r.id}, now));
        ENGRAM_ASSIGN_OR_RETURN(int64_t rival_rid, txn->MemoryRid(rival.owner_id, rival.id));
        reflect.emplace_back(rival_rid, rival, std::nullopt);
        result.superseded_ids.push_back(rival.id);
      }
    }
    reflect.emplace_back(rid, r, std::move(vectors[i]));
    result.record = r;
    result.event = result.superseded_ids.empty() ? WriteEvent::kAdded : WriteEvent::kSuperseded;
    results.push_back(std::move(result));
  }
  std::vector<std::pair<int64_t, MemoryRecord>> evicted;
  std::set<std::pair<std::string, MemoryType>> capped;  // each (owner, type) once
  for (const MemoryRecord& r : records) {
    if (options_.policy.For(r.type).max_records > 0) capped.emplace(r.owner_id, r.type);
  }
  for (const auto& [owner, type] : capped) {
    ENGRAM_RETURN_IF_ERROR(EnforceMaxRecords(*txn, owner, type, now, &evicted));
  }
  ENGRAM_ASSIGN_OR_RETURN(Reflecting reflecting, CommitWrite(*txn, seq));
  for (auto& [rid, record, vector] : reflect) Reflect(rid, record, std::move(vector));
  std::vector<MemoryRecord> evicted_records;
  for (auto& [rid, record] : evicted) {
    Unreflect(record.owner_id, rid);
    evicted_records.push_back(std::move(record));
  }
  reflecting.unlock();
  txn.reset();  // the graph may share the store's write lock
  ENGRAM_RETURN_IF_ERROR(GraphFromWrites(results));
  // An evicted memory's edges go with it, as a deleted one's do.
  ENGRAM_RETURN_IF_ERROR(GraphForgetMemories(evicted_records));
  return results;
}

Result<MemoryRecord> Engine::Impl::UpdateMemory(std::string_view owner_id, std::string_view id,
                                                const MemoryUpdate& u) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
  if (!u.text && !u.key && !u.data && !u.metadata && !u.confidence && !u.valid_from &&
      !u.valid_to && !u.expires_at) {
    return Status::InvalidArgument("the update changes nothing");
  }
  if (u.text) ENGRAM_RETURN_IF_ERROR(core::ValidateText("text", *u.text, options_.max_text_bytes));
  if (u.key) ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("key", *u.key));
  if (u.data) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateJson("data", *u.data, options_.max_json_bytes, false));
  }
  if (u.metadata) {
    ENGRAM_RETURN_IF_ERROR(
        core::ValidateJson("metadata", *u.metadata, options_.max_json_bytes, true));
  }
  if (u.confidence) ENGRAM_RETURN_IF_ERROR(ValidateConfidence(*u.confidence));

  ENGRAM_RETURN_IF_ERROR(model_mismatch_);
  int64_t seq = 0;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
  ENGRAM_ASSIGN_OR_RETURN(MemoryRecord old, LoadLive(*txn, owner_id, id));
  MemoryRecord r = old;
  std::vector<std::string> notes;
  if (u.text) {
    r.text = *u.text;
    RedactText("text", &r.text, &notes);
  }
  if (u.key) {
    r.key = *u.key;
    RedactText("key", &r.key, &notes);
  }
  if (u.data) {
    r.data = *u.data;
    ENGRAM_RETURN_IF_ERROR(RedactJson("data", &r.data, &notes));
  }
  if (u.metadata) {
    r.metadata = *u.metadata;
    ENGRAM_RETURN_IF_ERROR(RedactJson("metadata", &r.metadata, &notes));
  }
  if (u.confidence) r.confidence = *u.confidence;
  if (u.valid_from) r.valid_from = *u.valid_from;
  if (u.valid_to) r.valid_to = *u.valid_to;
  if (u.expires_at) r.expires_at = *u.expires_at;
  ENGRAM_RETURN_IF_ERROR(ValidateValidity(r.valid_from, r.valid_to));
  ENGRAM_RETURN_IF_ERROR(ValidateTime("expires_at", r.expires_at));
  const Timestamp now = Now();
  r.updated_at = now;
  ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn->MemoryRid(owner_id, id));
  std::vector<float> vector;
  if (r.text != old.text) {
    // Embedding inside the write transaction keeps the read-modify-write atomic; updates of
    // text are rare enough that holding the write lock for one embedding is acceptable.
    ENGRAM_RETURN_IF_ERROR(EmbedOne(r.text, &vector));
    if (!vector.empty()) ENGRAM_RETURN_IF_ERROR(txn->PutVector(rid, vector, seq));
  }
  ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(r, HashesOf(r)));
  ENGRAM_RETURN_IF_ERROR(AppendHistory(*txn, HistoryEventType::kUpdate, &old, &r,
                                       {u.change.actor, WithRedactions(u.change.reason, notes)},
                                       now));
  ENGRAM_ASSIGN_OR_RETURN(Reflecting reflecting, CommitWrite(*txn, seq));
  // Text unchanged: the partition keeps the vector it has.
  Reflect(rid, r, r.text != old.text ? std::optional(std::move(vector)) : std::nullopt);
  reflecting.unlock();
  txn.reset();  // the graph may share the store's write lock
  ENGRAM_RETURN_IF_ERROR(GraphFromUpdate(old, r));
  return r;
}

std::optional<size_t> Engine::Impl::AddExactDuplicateQuery(const MemoryRecord& r, Timestamp now,
                                                           std::vector<store::MemoryQuery>* out) {
  if (r.type == MemoryType::kEpisode) return std::nullopt;
  store::MemoryQuery q;
  q.owner_id = r.owner_id;
  q.scopes = {r.scope};
  q.type = r.type;
  q.content_hash = util::ContentHash(r.text);
  q.live_at = now;
  q.limit = 10;
  out->push_back(std::move(q));
  return out->size() - 1;
}

std::optional<MemoryRecord> Engine::Impl::ExactDuplicate(const MemoryRecord& r,
                                                         std::vector<MemoryRecord> same) {
  const std::string normalized = util::NormalizeForDedup(r.text);
  for (MemoryRecord& candidate : same) {
    if (!r.key.empty() && candidate.key != r.key) continue;
    if (util::NormalizeForDedup(candidate.text) == normalized) return std::move(candidate);
  }
  return std::nullopt;
}

std::optional<size_t> Engine::Impl::AddNearDuplicateQuery(
    const MemoryRecord& r, const std::vector<float>& vector, Timestamp now,
    std::vector<store::MemoryQuery>* out) const {
  if (options_.policy.near_duplicate_similarity <= 0 || !MayMerge(r.type) || vector.empty()) {
    return std::nullopt;
  }
  store::MemoryQuery q;
  q.owner_id = r.owner_id;
  q.scopes = {r.scope};
  q.type = r.type;
  if (!r.key.empty()) q.key = r.key;
  q.claim_hash = util::ClaimHash(r.text);
  q.live_at = now;
  q.limit = 10;
  out->push_back(std::move(q));
  return out->size() - 1;
}

Result<std::optional<MemoryRecord>> Engine::Impl::NearDuplicate(
    store::Transaction& txn, const MemoryRecord& r, const std::vector<float>& vector,
    std::vector<MemoryRecord> same) const {
  const double threshold = options_.policy.near_duplicate_similarity;
  for (MemoryRecord& candidate : same) {
    // A keyless record merges only with keyless ones; equal hashes are confirmed (collisions).
    if (candidate.key != r.key || !util::SameClaim(candidate.text, r.text)) continue;
    ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn.MemoryRid(r.owner_id, candidate.id));
    ENGRAM_ASSIGN_OR_RETURN(std::vector<float> other, txn.GetVector(rid));
    if (other.size() != vector.size()) continue;
    const double dot = index::InnerProduct(vector.data(), other.data(), vector.size());
    const double na = index::InnerProduct(vector.data(), vector.data(), vector.size());
    const double nb = index::InnerProduct(other.data(), other.data(), other.size());
    if (na > 0 && nb > 0 && dot / std::sqrt(na * nb) >= threshold) {
      return std::optional<MemoryRecord>(std::move(candidate));
    }
  }
  return std::optional<MemoryRecord>();
}

bool Engine::Impl::MayMerge(MemoryType type) {
  return type != MemoryType::kEpisode && type != MemoryType::kBlock;
}

Status Engine::Impl::EnforceMaxRecords(store::Transaction& txn, const std::string& owner_id,
                                       MemoryType type, Timestamp now,
                                       std::vector<std::pair<int64_t, MemoryRecord>>* evicted) {
  const size_t cap = options_.policy.For(type).max_records;
  if (cap == 0) return Status::Ok();
  store::MemoryQuery q;
  q.owner_id = owner_id;
  q.type = type;
  q.live_at = now;
  ENGRAM_ASSIGN_OR_RETURN(int64_t count, txn.CountMemories(q));
  if (count <= static_cast<int64_t>(cap)) return Status::Ok();
  ENGRAM_RETURN_IF_ERROR(WritePendingAccess(txn));
  q.limit = static_cast<size_t>(count);
  ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> live, txn.ListMemories(q));
  auto last_used = [](const MemoryRecord& r) {
    return std::max({r.updated_at, r.last_accessed_at.value_or(0), r.last_verified_at.value_or(0)});
  };
  std::sort(live.begin(), live.end(), [&](const MemoryRecord& a, const MemoryRecord& b) {
    return last_used(a) != last_used(b) ? last_used(a) < last_used(b) : a.id < b.id;
  });
  const std::string reason = "over the policy's max_records (" + std::to_string(cap) + ") for " +
                             MemoryTypeName(type) + "; least recently used";
  for (size_t k = 0; k + cap < live.size(); ++k) {
    ENGRAM_ASSIGN_OR_RETURN(int64_t rid, Tombstone(txn, live[k], {"policy", reason}, now));
    evicted->emplace_back(rid, std::move(live[k]));
  }
  return Status::Ok();
}

Result<int64_t> Engine::Impl::Tombstone(store::Transaction& txn, const MemoryRecord& old,
                                        const ChangeInfo& change, Timestamp now) const {
  MemoryRecord r = old;
  r.deleted_at = now;
  r.updated_at = now;
  ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn.MemoryRid(r.owner_id, r.id));
  ENGRAM_RETURN_IF_ERROR(txn.ReplaceMemory(r, HashesOf(r)));
  ENGRAM_RETURN_IF_ERROR(AppendHistory(txn, HistoryEventType::kDelete, &old, nullptr,
                                       {change.actor, WithRedactions(change.reason, {})}, now));
  return rid;
}

Status Engine::Impl::DeleteMemory(std::string_view owner_id, std::string_view id,
                                  const ChangeInfo& change) {
  const std::string ids[] = {std::string(id)};
  return DeleteMemories(owner_id, ids, change).status();
}

Result<int64_t> Engine::Impl::DeleteMemories(std::string_view owner_id,
                                             std::span<const std::string> ids,
                                             const ChangeInfo& change) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  if (ids.size() > options_.max_items_per_append) {
    return Status::TooLarge("a delete names " + std::to_string(ids.size()) +
                            " memories; the limit is " +
                            std::to_string(options_.max_items_per_append));
  }
  for (const std::string& id : ids) ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
  int64_t seq = 0;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
  const Timestamp now = Now();
  std::vector<int64_t> rids;
  std::vector<MemoryRecord> deleted;
  std::set<std::string_view> seen;
  for (const std::string& id : ids) {
    if (!seen.insert(id).second) continue;
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord old, LoadLive(*txn, owner_id, id));
    ENGRAM_ASSIGN_OR_RETURN(int64_t rid, Tombstone(*txn, old, change, now));
    rids.push_back(rid);
    deleted.push_back(std::move(old));
  }
  ENGRAM_ASSIGN_OR_RETURN(Reflecting reflecting, CommitWrite(*txn, seq));
  for (int64_t rid : rids) Unreflect(std::string(owner_id), rid);
  reflecting.unlock();
  txn.reset();  // the graph may share the store's write lock
  ENGRAM_RETURN_IF_ERROR(GraphForgetMemories(deleted));
  return static_cast<int64_t>(rids.size());
}

Result<ForgetReport> Engine::Impl::ForgetOwner(std::string_view owner_id) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  int64_t seq = 0;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
  ENGRAM_ASSIGN_OR_RETURN(ForgetReport report, txn->DeleteOwner(owner_id));
  ENGRAM_ASSIGN_OR_RETURN(Reflecting reflecting, CommitWrite(*txn, seq));
  txn.reset();  // one SQLite file may hold both stores: its write lock is taken again below
  recall_.Drop(std::string(owner_id));
  reflecting.unlock();
  // Session state may live in another store, so it goes in a transaction of its own; a failure
  // here leaves the memories gone and the sessions in place, and forgetting again finishes it.
  ENGRAM_ASSIGN_OR_RETURN(auto sessions, sessions_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(ForgetReport session_report, sessions->DeleteOwnerSessions(owner_id));
  ENGRAM_RETURN_IF_ERROR(sessions->Commit());
  sessions.reset();  // the graph may share its write lock too
  report.sessions = session_report.sessions;
  report.session_items = session_report.session_items;
  // The knowledge graph lives with the memories but is erased in a transaction of its own, like
  // the sessions: forgetting again finishes what a failure here left.
  ENGRAM_RETURN_IF_ERROR(graph_->ForgetOwner(owner_id).status());
  ENGRAM_ASSIGN_OR_RETURN(report.checkpoints, checkpoints_->ForgetOwner(owner_id));
  return report;
}

}  // namespace engram
