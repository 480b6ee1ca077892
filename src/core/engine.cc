#include "engram/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "core/context.h"
#include "core/filter.h"
#include "core/json_codec.h"
#include "core/recall.h"
#include "core/validate.h"
#include "hygiene/classify.h"
#include "hygiene/extract.h"
#include "hygiene/redact.h"
#include "index/distance.h"
#include "llm/conflicts.h"
#include "llm/extraction.h"
#include "llm/llm_text.h"
#include "llm/summary.h"
#include "store/sqlite/sqlite_store.h"
#include "util/claim.h"
#include "util/ids.h"
#include "util/text.h"
#include "util/utf8.h"

namespace engram {

namespace {

constexpr size_t kMaxListLimit = 1000;

Status ValidateConfidence(double c) {
  if (!std::isfinite(c) || c < 0 || c > 1) {
    return Status::InvalidArgument("confidence must be a number between 0 and 1");
  }
  return Status::Ok();
}

Status ValidateValidity(const std::optional<Timestamp>& from, const std::optional<Timestamp>& to) {
  if (from && to && *to < *from) {
    return Status::InvalidArgument("valid_to is earlier than valid_from");
  }
  return Status::Ok();
}

Status MemoryIdError(std::string_view id) {
  if (!util::LooksLikeUuid(id)) {
    return Status::InvalidArgument(
        "invalid memory id '" + std::string(id.substr(0, 64)) +
        "': expected a UUID such as 0192f0c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6");
  }
  return Status::Ok();
}

Status NotFound(std::string_view id) {
  return Status::NotFound("memory " + std::string(id) + " not found");
}

// Cursor: "<created_at>:<id>", base64url-encoded so clients treat it as opaque.
std::string EncodeCursor(const MemoryRecord& last) {
  return util::Base64UrlEncode(std::to_string(last.created_at) + ":" + last.id);
}

Status DecodeCursor(std::string_view cursor, store::MemoryQuery* q) {
  const Status bad = Status::InvalidArgument("malformed cursor: pass next_cursor unchanged");
  std::string raw;
  if (!util::Base64UrlDecode(cursor, &raw)) return bad;
  const size_t colon = raw.find(':');
  if (colon == std::string::npos || colon == 0) return bad;
  const std::string id = raw.substr(colon + 1);
  if (!util::LooksLikeUuid(id)) return bad;
  int64_t created = 0;
  for (size_t i = 0; i < colon; ++i) {
    const char c = raw[i];
    if (!((c >= '0' && c <= '9') || (c == '-' && i == 0))) return bad;
  }
  try {
    created = std::stoll(raw.substr(0, colon));
  } catch (const std::exception&) {
    return bad;
  }
  q->before_created_at = created;
  q->before_id = id;
  return Status::Ok();
}

std::string Snapshot(const MemoryRecord& r) {
  return core::DumpJson(core::MemoryToJson(r));
}

// The ids of an assistant item's tool calls.
std::set<std::string> ToolCallIds(const SessionItem& item) {
  std::set<std::string> ids;
  if (item.role != Role::kAssistant || item.tool_calls.empty()) return ids;
  const auto calls = nlohmann::json::parse(item.tool_calls, nullptr, false);
  if (!calls.is_array()) return ids;
  for (const auto& call : calls) {
    if (call.is_object() && call.contains("id") && call["id"].is_string()) {
      ids.insert(call["id"].get<std::string>());
    }
  }
  return ids;
}

Status ValidateToolCalls(size_t index, const std::string& tool_calls) {
  const std::string where = "item " + std::to_string(index) + ": tool_calls";
  const auto calls = nlohmann::json::parse(tool_calls, nullptr, false);
  if (calls.is_discarded()) return Status::InvalidArgument(where + " is not valid JSON");
  if (!calls.is_array()) return Status::InvalidArgument(where + " must be a JSON array");
  for (const auto& call : calls) {
    if (!call.is_object() || !call.contains("id") || !call["id"].is_string() ||
        call["id"].get<std::string>().empty()) {
      return Status::InvalidArgument(where + " must hold objects with a non-empty string \"id\"");
    }
  }
  return Status::Ok();
}

}  // namespace

class Engine::Impl {
 public:
  Status ValidateNewMemory(const NewMemory& m) const {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", m.owner_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateScope(m.scope));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("agent_id", m.agent_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("session_id", m.session_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("key", m.key));
    ENGRAM_RETURN_IF_ERROR(core::ValidateText("text", m.text, options_.max_text_bytes));
    ENGRAM_RETURN_IF_ERROR(core::ValidateJson("data", m.data, options_.max_json_bytes, false));
    ENGRAM_RETURN_IF_ERROR(
        core::ValidateJson("metadata", m.metadata, options_.max_json_bytes, true));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("source", m.source));
    ENGRAM_RETURN_IF_ERROR(ValidateConfidence(m.confidence));
    for (const std::string& id : m.supersedes) ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
    return ValidateValidity(m.valid_from, m.valid_to);
  }

  Impl(Options options, std::unique_ptr<store::Store> store)
      : options_(std::move(options)),
        store_(std::move(store)),
        redactor_(hygiene::RedactorOptions{options_.redact_secrets, {}}),
        recall_(options_.embedder ? options_.embedder->dimension() : 0, options_.approximate_above,
                options_.embedder ? options_.path + ".index" : "") {
    if (!options_.clock) options_.clock = std::make_shared<SystemClock>();
  }

  ~Impl() {
    StopAccessWriter();
    std::lock_guard lock(counter_mu_);
    if (known_counter_ >= 0) recall_.SaveDirty(known_counter_);
  }

  // Refuses a store whose vectors come from another model; records the model in a new store.
  // Tags the recall index's files with the store's id (given to the store on its first open with
  // an embedder) and the model, so files of another store or model are never used.
  Status CheckEmbedderModel() {
    if (!options_.embedder) return Status::Ok();
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(auto model, txn->GetMeta("embedder.model"));
    ENGRAM_ASSIGN_OR_RETURN(auto store_id, txn->GetMeta("store.id"));
    const std::string mine = ModelTag();
    if (model && *model != mine) {
      Status mismatch = Status::FailedPrecondition("the store's vectors come from '" + *model +
                                                   "' but this engine embeds with '" + mine +
                                                   "'; run `engram reindex` to re-embed with it");
      if (!options_.accept_model_change) return mismatch;
      model_mismatch_ = mismatch;
    }
    if (!store_id || !model) {
      if (!store_id) {
        store_id = ids_.Next(Now());
        ENGRAM_RETURN_IF_ERROR(txn->PutMeta("store.id", *store_id));
      }
      if (!model) ENGRAM_RETURN_IF_ERROR(txn->PutMeta("embedder.model", mine));
      ENGRAM_RETURN_IF_ERROR(txn->Commit());
    }
    recall_.set_file_tag(*store_id + " " + mine);
    return Status::Ok();
  }

  Timestamp Now() const { return options_.clock->Now(); }

  Result<MemoryRecord> AddMemory(const NewMemory& m) {
    ENGRAM_ASSIGN_OR_RETURN(auto results, WriteMemories(std::span(&m, 1)));
    return std::move(results.front().record);
  }

  Result<std::vector<WriteResult>> WriteMemories(std::span<const NewMemory> batch) {
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
      RedactJson("data", &r.data, &notes);
      RedactJson("metadata", &r.metadata, &notes);
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
      // 1. The same text, type and scope already live: re-verify it instead of storing it twice.
      ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> dup, FindExactDuplicate(*txn, r, now));
      std::string why = "stated again";
      if (!dup) {
        // 1b. The same claim in other words (Policy::near_duplicate_similarity), stored before
        // or earlier in this batch.
        ENGRAM_ASSIGN_OR_RETURN(dup, FindNearDuplicate(*txn, r, vectors[i], now));
        if (dup) why = "stated again in other words: " + r.text;
      }
      if (dup) {
        MemoryRecord old = *dup;
        dup->last_verified_at = now;
        dup->confidence = std::max(dup->confidence, r.confidence);
        dup->updated_at = now;
        ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(*dup));
        ENGRAM_RETURN_IF_ERROR(
            txn->AppendHistory({0, dup->id, dup->owner_id, "verify", change.actor, why,
                                Snapshot(old), Snapshot(*dup), now}));
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
      if (!r.key.empty()) {
        store::MemoryQuery q;
        q.owner_id = r.owner_id;
        q.scopes = {r.scope};
        q.key = r.key;
        q.live_at = now;
        q.limit = 1000;
        ENGRAM_ASSIGN_OR_RETURN(rivals, txn->ListMemories(q));
      }
      for (const MemoryRecord& rival : rivals) {
        if (rival.created_at > r.created_at && r.superseded_by.empty()) {
          r.superseded_by = rival.id;
          r.valid_to = rival.valid_from.value_or(rival.created_at);
        }
      }
      ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn->InsertMemory(r));
      if (!vectors[i].empty()) ENGRAM_RETURN_IF_ERROR(txn->PutVector(rid, vectors[i], seq));
      ENGRAM_RETURN_IF_ERROR(
          txn->AppendHistory({0, r.id, r.owner_id, "add", change.actor,
                              WithRedactions(change.reason, redacted[i]), "", Snapshot(r), now}));
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
          ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(rival));
          ENGRAM_RETURN_IF_ERROR(
              txn->AppendHistory({0, rival.id, rival.owner_id, "supersede", change.actor,
                                  "superseded by " + r.id, Snapshot(old), Snapshot(rival), now}));
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
    std::vector<std::pair<int64_t, std::string>> evicted;  // (rid, owner)
    std::set<std::pair<std::string, MemoryType>> capped;   // each (owner, type) once
    for (const MemoryRecord& r : records) {
      if (options_.policy.For(r.type).max_records > 0) capped.emplace(r.owner_id, r.type);
    }
    for (const auto& [owner, type] : capped) {
      ENGRAM_RETURN_IF_ERROR(EnforceMaxRecords(*txn, owner, type, now, &evicted));
    }
    ENGRAM_RETURN_IF_ERROR(CommitWrite(*txn, seq));
    for (auto& [rid, record, vector] : reflect) Reflect(rid, record, std::move(vector));
    for (const auto& [rid, owner] : evicted) Unreflect(owner, rid);
    return results;
  }

  // A live, current record of the same owner, scope, type and key that makes the same claim as
  // r (util::SameClaim, found by its hash) with a vector within the policy's near-duplicate
  // similarity. Rows written earlier in this transaction are seen too.
  Result<std::optional<MemoryRecord>> FindNearDuplicate(store::Transaction& txn,
                                                        const MemoryRecord& r,
                                                        const std::vector<float>& vector,
                                                        Timestamp now) const {
    const double threshold = options_.policy.near_duplicate_similarity;
    if (threshold <= 0 || !MayMerge(r.type) || vector.empty()) {
      return std::optional<MemoryRecord>();
    }
    store::MemoryQuery q;
    q.owner_id = r.owner_id;
    q.scopes = {r.scope};
    q.type = r.type;
    if (!r.key.empty()) q.key = r.key;
    q.claim_hash = util::ClaimHash(r.text);
    q.live_at = now;
    q.limit = 10;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> same, txn.ListMemories(q));
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

  // Episodes are events (the same words on another day are another one); blocks are edited in
  // place. Neither is ever merged into another record.
  static bool MayMerge(MemoryType type) {
    return type != MemoryType::kEpisode && type != MemoryType::kBlock;
  }

  // Deletes the owner's least recently used live records of `type` beyond the policy's
  // max_records, each with a "delete" history row.
  Status EnforceMaxRecords(store::Transaction& txn, const std::string& owner_id, MemoryType type,
                           Timestamp now, std::vector<std::pair<int64_t, std::string>>* evicted) {
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
      return std::max(
          {r.updated_at, r.last_accessed_at.value_or(0), r.last_verified_at.value_or(0)});
    };
    std::sort(live.begin(), live.end(), [&](const MemoryRecord& a, const MemoryRecord& b) {
      return last_used(a) != last_used(b) ? last_used(a) < last_used(b) : a.id < b.id;
    });
    const std::string reason = "over the policy's max_records (" + std::to_string(cap) + ") for " +
                               MemoryTypeName(type) + "; least recently used";
    for (size_t k = 0; k + cap < live.size(); ++k) {
      ENGRAM_ASSIGN_OR_RETURN(int64_t rid, Tombstone(txn, live[k], {"policy", reason}, now));
      evicted->emplace_back(rid, owner_id);
    }
    return Status::Ok();
  }

  // Marks a live record deleted with a "delete" history row; returns its rid.
  static Result<int64_t> Tombstone(store::Transaction& txn, const MemoryRecord& old,
                                   const ChangeInfo& change, Timestamp now) {
    MemoryRecord r = old;
    r.deleted_at = now;
    r.updated_at = now;
    ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn.MemoryRid(r.owner_id, r.id));
    ENGRAM_RETURN_IF_ERROR(txn.ReplaceMemory(r));
    ENGRAM_RETURN_IF_ERROR(txn.AppendHistory(
        {0, r.id, r.owner_id, "delete", change.actor, change.reason, Snapshot(old), "", now}));
    return rid;
  }

  // A live, current record of the same owner, scope and type whose text normalizes to the same
  // as r's (and whose key agrees when r has one). Episodes are events: the same words on another
  // day are another episode, so they are never duplicates.
  static Result<std::optional<MemoryRecord>> FindExactDuplicate(store::Transaction& txn,
                                                                const MemoryRecord& r,
                                                                Timestamp now) {
    if (r.type == MemoryType::kEpisode) return std::optional<MemoryRecord>();
    store::MemoryQuery q;
    q.owner_id = r.owner_id;
    q.scopes = {r.scope};
    q.type = r.type;
    q.content_hash = util::ContentHash(r.text);
    q.live_at = now;
    q.limit = 10;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> same, txn.ListMemories(q));
    const std::string normalized = util::NormalizeForDedup(r.text);
    for (MemoryRecord& candidate : same) {
      if (!r.key.empty() && candidate.key != r.key) continue;
      if (util::NormalizeForDedup(candidate.text) == normalized) {
        return std::optional<MemoryRecord>(std::move(candidate));
      }
    }
    return std::optional<MemoryRecord>();
  }

  Result<MemoryRecord> GetMemory(std::string_view owner_id, std::string_view id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    return LoadLive(*txn, owner_id, id);
  }

  Result<MemoryPage> ListMemories(std::string_view owner_id, const ListOptions& o) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    if (o.limit == 0 || o.limit > kMaxListLimit) {
      return Status::InvalidArgument("limit must be between 1 and " +
                                     std::to_string(kMaxListLimit));
    }
    store::MemoryQuery q;
    q.owner_id = owner_id;
    if (o.scope) {
      ENGRAM_RETURN_IF_ERROR(core::ValidateScope(*o.scope));
      q.scopes = core::VisibleScopes(*o.scope);
    }
    if (o.key) ENGRAM_RETURN_IF_ERROR(core::ValidateId("key", *o.key));
    if (o.session_id) ENGRAM_RETURN_IF_ERROR(core::ValidateId("session_id", *o.session_id));
    if (o.agent_id) ENGRAM_RETURN_IF_ERROR(core::ValidateId("agent_id", *o.agent_id));
    q.type = o.type;
    q.key = o.key;
    q.session_id = o.session_id;
    q.agent_id = o.agent_id;
    q.created_from = o.created_from;
    q.created_until = o.created_until;
    q.include_superseded = o.include_superseded;
    q.valid_at = o.valid_at;
    q.live_at = Now();
    if (o.as_of) {
      if (!o.cursor.empty()) {
        return Status::InvalidArgument("as_of listings are not paged: raise limit instead");
      }
      return ListAsOf(q, *o.as_of, o.limit);
    }
    if (!o.cursor.empty()) ENGRAM_RETURN_IF_ERROR(DecodeCursor(o.cursor, &q));
    q.limit = o.limit + 1;  // one extra row tells whether another page exists

    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> rows, txn->ListMemories(q));
    MemoryPage page;
    if (rows.size() > o.limit) {
      rows.resize(o.limit);
      page.next_cursor = EncodeCursor(rows.back());
    }
    page.items = std::move(rows);
    return page;
  }

  // The owner's records as the engine knew them at `at`, from the last history row of each
  // at or before it, filtered like a listing.
  Result<MemoryPage> ListAsOf(const store::MemoryQuery& q, Timestamp at, size_t limit) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> snapshots, txn->SnapshotsAsOf(q.owner_id, at));
    std::vector<MemoryRecord> rows;
    for (const std::string& snapshot : snapshots) {
      if (snapshot.empty()) continue;  // deleted by then
      ENGRAM_ASSIGN_OR_RETURN(
          MemoryRecord r, core::MemoryFromJson(nlohmann::json::parse(snapshot, nullptr, false)));
      if (r.deleted_at || (r.expires_at && *r.expires_at <= at)) continue;
      if (!q.include_superseded && !q.valid_at && !r.superseded_by.empty()) continue;
      if (!q.scopes.empty() &&
          std::find(q.scopes.begin(), q.scopes.end(), r.scope) == q.scopes.end()) {
        continue;
      }
      if ((q.type && r.type != *q.type) || (q.key && r.key != *q.key) ||
          (q.session_id && r.session_id != *q.session_id) ||
          (q.agent_id && r.agent_id != *q.agent_id) ||
          (q.created_from && r.created_at < *q.created_from) ||
          (q.created_until && r.created_at >= *q.created_until)) {
        continue;
      }
      if (q.valid_at && (r.valid_from.value_or(r.created_at) > *q.valid_at ||
                         (r.valid_to && *r.valid_to <= *q.valid_at))) {
        continue;
      }
      rows.push_back(std::move(r));
    }
    std::sort(rows.begin(), rows.end(), [](const MemoryRecord& a, const MemoryRecord& b) {
      return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
    });
    if (rows.size() > limit) rows.resize(limit);
    MemoryPage page;
    page.items = std::move(rows);
    return page;
  }

  Result<MemoryRecord> UpdateMemory(std::string_view owner_id, std::string_view id,
                                    const MemoryUpdate& u) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
    if (!u.text && !u.key && !u.data && !u.metadata && !u.confidence && !u.valid_from &&
        !u.valid_to && !u.expires_at) {
      return Status::InvalidArgument("the update changes nothing");
    }
    if (u.text)
      ENGRAM_RETURN_IF_ERROR(core::ValidateText("text", *u.text, options_.max_text_bytes));
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
    if (u.key) r.key = *u.key;
    if (u.data) {
      r.data = *u.data;
      RedactJson("data", &r.data, &notes);
    }
    if (u.metadata) {
      r.metadata = *u.metadata;
      RedactJson("metadata", &r.metadata, &notes);
    }
    if (u.confidence) r.confidence = *u.confidence;
    if (u.valid_from) r.valid_from = *u.valid_from;
    if (u.valid_to) r.valid_to = *u.valid_to;
    if (u.expires_at) r.expires_at = *u.expires_at;
    ENGRAM_RETURN_IF_ERROR(ValidateValidity(r.valid_from, r.valid_to));
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
    ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(r));
    ENGRAM_RETURN_IF_ERROR(txn->AppendHistory({0, r.id, r.owner_id, "update", u.change.actor,
                                               WithRedactions(u.change.reason, notes),
                                               Snapshot(old), Snapshot(r), now}));
    ENGRAM_RETURN_IF_ERROR(CommitWrite(*txn, seq));
    // Text unchanged: the partition keeps the vector it has.
    Reflect(rid, r, r.text != old.text ? std::optional(std::move(vector)) : std::nullopt);
    return r;
  }

  Status DeleteMemory(std::string_view owner_id, std::string_view id, const ChangeInfo& change) {
    const std::string ids[] = {std::string(id)};
    return DeleteMemories(owner_id, ids, change).status();
  }

  Result<int64_t> DeleteMemories(std::string_view owner_id, std::span<const std::string> ids,
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
    std::set<std::string_view> seen;
    for (const std::string& id : ids) {
      if (!seen.insert(id).second) continue;
      ENGRAM_ASSIGN_OR_RETURN(MemoryRecord old, LoadLive(*txn, owner_id, id));
      ENGRAM_ASSIGN_OR_RETURN(int64_t rid, Tombstone(*txn, old, change, now));
      rids.push_back(rid);
    }
    ENGRAM_RETURN_IF_ERROR(CommitWrite(*txn, seq));
    for (int64_t rid : rids) Unreflect(std::string(owner_id), rid);
    return static_cast<int64_t>(rids.size());
  }

  Result<TurnReport> RememberTurn(std::string_view owner_id, std::string_view scope,
                                  std::string_view session_id, Role role, std::string_view text,
                                  std::optional<Timestamp> observed_at) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateScope(scope));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("session_id", session_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateText("text", text, options_.max_session_item_bytes));
    const hygiene::Classification c = hygiene::ClassifyTurn(role, text);
    TurnReport report;
    report.disposition = hygiene::DispositionName(c.disposition);
    report.reason = std::string(c.reason);
    if (c.disposition != hygiene::Disposition::kPromote) return report;

    const Timestamp when = observed_at.value_or(Now());
    auto base = [&](MemoryType type) {
      NewMemory m;
      m.owner_id = std::string(owner_id);
      m.scope = std::string(scope);
      m.session_id = std::string(session_id);
      m.type = type;
      m.source = "turn";
      m.observed_at = when;
      m.change = {"extractor", "extracted from a user turn"};
      return m;
    };
    std::vector<NewMemory> writes;
    auto admit = [&](NewMemory m, const std::string& label) {
      const double floor = options_.policy.For(m.type).min_confidence;
      if (m.confidence < floor) {
        report.skipped.push_back(label + ": confidence " + FormatScore(m.confidence) +
                                 " is below the policy's minimum " + FormatScore(floor) + " for " +
                                 MemoryTypeName(m.type));
        return;
      }
      writes.push_back(std::move(m));
    };
    // The model, when configured, extracts and says how each candidate relates to what is
    // already known; when it fails, the offline rules take over and the failure is reported.
    std::vector<hygiene::Candidate> candidates;
    std::vector<llm::Nomination> nominations;
    bool by_model = false;
    if (options_.llm) {
      Status st = ModelCandidates(owner_id, scope, role, text, when, &candidates, &nominations);
      if (st.ok()) {
        by_model = true;
      } else {
        report.llm_error = st.ToString();
        candidates.clear();
        nominations.clear();
      }
    }
    if (!by_model) candidates = hygiene::ExtractCandidates(text, when);
    std::vector<std::pair<std::string, MemoryUpdate>> updates;  // (target id, change)
    for (size_t i = 0; i < candidates.size(); ++i) {
      const hygiene::Candidate& cand = candidates[i];
      NewMemory m = base(cand.type);
      m.key = cand.key;
      m.text = cand.text;
      m.data = cand.data;
      m.confidence = cand.confidence;
      m.valid_from = cand.valid_from;
      if (by_model) {
        const llm::Nomination& nom = nominations[i];
        m.change = {"llm", std::string("extracted by ") + options_.llm->model_id() +
                               "; nominated " + llm::ConflictActionName(nom.action) +
                               (nom.flagged ? " (" + nom.flag + ")" : "")};
        if (!nom.text.empty()) m.text = nom.text;
        if (nom.action == llm::ConflictAction::kNone) {
          report.skipped.push_back((cand.key.empty() ? "candidate" : cand.key) +
                                   ": already known, according to the model");
          continue;
        }
        if (nom.action == llm::ConflictAction::kSupersede) m.supersedes = {nom.target_id};
        if (nom.action == llm::ConflictAction::kUpdate) {
          if (m.confidence < options_.policy.For(m.type).min_confidence) continue;
          MemoryUpdate u;
          u.text = m.text;
          u.change = m.change;
          updates.emplace_back(nom.target_id, std::move(u));
          continue;
        }
      }
      admit(std::move(m), cand.key);
    }
    if (candidates.empty() && !by_model) {
      // A disclosure no rule types ("I usually run before work") is kept as what was said.
      NewMemory m = base(MemoryType::kEpisode);
      m.text = std::string(text);
      m.confidence = kUntypedDisclosureConfidence;
      admit(std::move(m), "episode");
    }
    if (!writes.empty()) {
      ENGRAM_ASSIGN_OR_RETURN(report.writes, WriteMemories(writes));
    }
    for (auto& [target, update] : updates) {
      ENGRAM_ASSIGN_OR_RETURN(MemoryRecord updated, UpdateMemory(owner_id, target, update));
      report.writes.push_back({std::move(updated), WriteEvent::kUpdated, {}});
    }
    return report;
  }

  // Candidates of one turn by the model, and its nomination for each (one extraction call and
  // one resolution call, within the per-write call budget).
  Status ModelCandidates(std::string_view owner_id, std::string_view scope, Role role,
                         std::string_view text, Timestamp when,
                         std::vector<hygiene::Candidate>* candidates,
                         std::vector<llm::Nomination>* nominations) {
    llm::CallBudget budget(options_.llm_max_calls_per_write);
    const std::vector<llm::Turn> turns{{role, std::string(text), when}};
    ENGRAM_ASSIGN_OR_RETURN(*candidates,
                            llm::ExtractCandidates(*options_.llm, budget, turns, when));
    std::vector<std::vector<llm::LiveMemory>> similar;
    for (const hygiene::Candidate& cand : *candidates) {
      SearchOptions so;
      so.scope = std::string(scope);
      so.top_k = 3;
      so.use_recency = false;
      so.record_access = false;
      if (!options_.embedder) so.mode = SearchMode::kLexical;
      ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, Search(owner_id, cand.text, so));
      std::vector<llm::LiveMemory> shown;
      for (const SearchHit& hit : hits) {
        if (hit.record.type == MemoryType::kBlock) continue;
        shown.push_back({hit.record.id, hit.record.key, hit.record.text, hit.record.type});
      }
      similar.push_back(std::move(shown));
    }
    ENGRAM_ASSIGN_OR_RETURN(*nominations,
                            llm::ResolveConflicts(*options_.llm, budget, *candidates, similar));
    if (nominations->size() != candidates->size()) {
      return Status::Internal("the model's nominations do not match its candidates");
    }
    return Status::Ok();
  }

  Result<GcReport> CollectGarbage(bool dry_run) {
    int64_t seq = 0;
    ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
    const Timestamp now = Now();
    GcReport report;
    std::vector<std::pair<int64_t, std::string>> erased;  // (rid, owner)
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
    if (options_.policy.session_retention_ms) {
      ENGRAM_ASSIGN_OR_RETURN(
          report.session_items,
          txn->DeleteSessionItemsBefore(now - *options_.policy.session_retention_ms));
    }
    if (dry_run) return report;  // the transaction rolls back
    ENGRAM_RETURN_IF_ERROR(CommitWrite(*txn, seq));
    for (const auto& [rid, owner] : erased) Unreflect(owner, rid);
    return report;
  }

  Result<std::optional<SessionSummary>> GetSessionSummary(std::string_view owner_id,
                                                          std::string_view session_id) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    return txn->GetSessionSummary(owner_id, session_id);
  }

  Result<SessionSummary> SetSessionSummary(std::string_view owner_id, std::string_view session_id,
                                           std::string_view text) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateText("summary", text, options_.max_text_bytes));
    SessionSummary summary{std::string(text), Now(), 0};
    std::vector<std::string> ignored;
    RedactText("summary", &summary.text, &ignored);
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    // A summary set by hand still covers what the one it replaces had folded in.
    ENGRAM_ASSIGN_OR_RETURN(auto previous, txn->GetSessionSummary(owner_id, session_id));
    if (previous) summary.through_seq = previous->through_seq;
    ENGRAM_RETURN_IF_ERROR(txn->PutSessionSummary(owner_id, session_id, summary));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return summary;
  }

  Result<std::optional<SessionSummary>> SummarizeSession(std::string_view owner_id,
                                                         std::string_view session_id,
                                                         size_t keep_turns) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    std::optional<SessionSummary> previous;
    std::vector<SessionItem> dropped;
    {
      ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
      ENGRAM_ASSIGN_OR_RETURN(previous, txn->GetSessionSummary(owner_id, session_id));
      int64_t window_start = std::numeric_limits<int64_t>::max();  // keep nothing
      if (keep_turns > 0) {
        ENGRAM_ASSIGN_OR_RETURN(
            window_start, txn->NthLastSessionSeq(owner_id, session_id, keep_turns, Role::kUser));
        if (window_start == 0) return previous;  // the session fits in its window
      }
      const int64_t from = previous ? previous->through_seq + 1 : 1;
      ENGRAM_ASSIGN_OR_RETURN(auto items, txn->GetSessionItems(owner_id, session_id, from));
      for (SessionItem& item : items) {
        if (item.seq >= window_start) break;
        dropped.push_back(std::move(item));
      }
    }
    if (dropped.empty()) return previous;
    const std::string before = previous ? previous->text : "";
    std::string text;
    if (options_.llm) {
      llm::CallBudget budget(options_.llm_max_calls_per_write);
      ENGRAM_ASSIGN_OR_RETURN(text, llm::Summarize(*options_.llm, budget, before, dropped));
    } else {
      text = ExtractiveSummary(before, dropped);
    }
    if (text.empty()) return previous;
    SessionSummary summary{std::move(text), Now(), dropped.back().seq};
    std::vector<std::string> ignored;
    RedactText("summary", &summary.text, &ignored);
    if (summary.text.size() > options_.max_text_bytes) {
      summary.text = llm::TruncateUtf8(summary.text, options_.max_text_bytes - 3);
    }
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    // Another writer may have folded the same items meanwhile: the furthest summary wins.
    ENGRAM_ASSIGN_OR_RETURN(auto current, txn->GetSessionSummary(owner_id, session_id));
    if (current && current->through_seq >= summary.through_seq) return current;
    ENGRAM_RETURN_IF_ERROR(txn->PutSessionSummary(owner_id, session_id, summary));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return std::optional<SessionSummary>(std::move(summary));
  }

  Result<std::optional<MemoryRecord>> EndSession(std::string_view owner_id, std::string_view scope,
                                                 std::string_view session_id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateScope(scope));
    ENGRAM_ASSIGN_OR_RETURN(std::optional<SessionSummary> summary,
                            SummarizeSession(owner_id, session_id, 0));
    if (!summary) return std::optional<MemoryRecord>();
    NewMemory m;
    m.owner_id = std::string(owner_id);
    m.scope = std::string(scope);
    m.session_id = std::string(session_id);
    m.type = MemoryType::kSummary;
    m.key = "session." + std::string(session_id);
    m.text = summary->text;
    m.source = "session";
    m.change = {"engine", "session ended"};
    ENGRAM_ASSIGN_OR_RETURN(auto results, WriteMemories(std::span(&m, 1)));
    return std::optional<MemoryRecord>(std::move(results.front().record));
  }

  // ---- core blocks ----

  enum class BlockEdit { kSet, kAppend, kReplace };

  // One read-modify-write of a block in one transaction, so concurrent appends never lose one.
  Result<CoreBlock> EditBlock(std::string_view owner_id, std::string_view scope,
                              std::string_view label, BlockEdit edit, std::string_view text,
                              std::string_view replacement, std::optional<size_t> limit,
                              const ChangeInfo& change) {
    ENGRAM_RETURN_IF_ERROR(ValidateBlockAddress(owner_id, scope, label));
    ENGRAM_RETURN_IF_ERROR(core::ValidateText("value", text, options_.max_text_bytes,
                                              /*allow_empty=*/edit == BlockEdit::kSet));
    ENGRAM_RETURN_IF_ERROR(
        core::ValidateText("replacement", replacement, options_.max_text_bytes, true));
    if (limit && (*limit == 0 || *limit > options_.max_text_bytes)) {
      return Status::InvalidArgument("a block's limit must be between 1 and " +
                                     std::to_string(options_.max_text_bytes) + " characters");
    }
    int64_t seq = 0;
    ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
    const Timestamp now = Now();
    ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> existing,
                            FindBlock(*txn, owner_id, scope, label, now));
    if (!existing && edit == BlockEdit::kReplace) return BlockNotFound(scope, label);
    const size_t max_chars = limit      ? *limit
                             : existing ? BlockOf(*existing).limit
                                        : kDefaultBlockLimit;
    std::string value = existing ? existing->text : "";
    switch (edit) {
      case BlockEdit::kSet:
        value = std::string(text);
        break;
      case BlockEdit::kAppend:
        value += (value.empty() ? "" : "\n") + std::string(text);
        break;
      case BlockEdit::kReplace: {
        size_t at = value.find(text);
        if (at == std::string::npos) {
          return Status::NotFound("block '" + std::string(label) +
                                  "' does not contain the text to replace");
        }
        std::string out;
        size_t from = 0;
        for (; at != std::string::npos; at = value.find(text, from)) {
          out.append(value, from, at - from).append(replacement);
          from = at + text.size();
        }
        value = out + value.substr(from);
        break;
      }
    }
    std::vector<std::string> notes;
    RedactText("value", &value, &notes);
    const size_t chars = util::CountCodePoints(value);
    if (chars > max_chars) {
      return Status::InvalidArgument("block '" + std::string(label) + "' would hold " +
                                     std::to_string(chars) + " characters, over its limit of " +
                                     std::to_string(max_chars));
    }
    const std::string data = nlohmann::json{{"limit", max_chars}}.dump();
    MemoryRecord r;
    if (existing) {
      const MemoryRecord old = *existing;
      r = *existing;
      r.text = value;
      r.data = data;
      r.updated_at = now;
      ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(r));
      ENGRAM_RETURN_IF_ERROR(txn->AppendHistory({0, r.id, r.owner_id, "update", change.actor,
                                                 WithRedactions(change.reason, notes),
                                                 Snapshot(old), Snapshot(r), now}));
    } else {
      r.id = ids_.Next(now);
      r.owner_id = std::string(owner_id);
      r.scope = std::string(scope);
      r.type = MemoryType::kBlock;
      r.key = std::string(label);
      r.text = value;
      r.data = data;
      r.source = "block";
      r.created_at = now;
      r.updated_at = now;
      ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn->InsertMemory(r));
      (void)rid;
      ENGRAM_RETURN_IF_ERROR(
          txn->AppendHistory({0, r.id, r.owner_id, "add", change.actor,
                              WithRedactions(change.reason, notes), "", Snapshot(r), now}));
    }
    ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn->MemoryRid(owner_id, r.id));
    ENGRAM_RETURN_IF_ERROR(CommitWrite(*txn, seq));
    // Blocks are always in context, never found by vector: they carry no vector.
    Reflect(rid, r, std::nullopt);
    return BlockOf(r);
  }

  Result<CoreBlock> GetBlock(std::string_view owner_id, std::string_view scope,
                             std::string_view label) {
    ENGRAM_RETURN_IF_ERROR(ValidateBlockAddress(owner_id, scope, label));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> r,
                            FindBlock(*txn, owner_id, scope, label, Now()));
    if (!r) return BlockNotFound(scope, label);
    return BlockOf(*r);
  }

  Result<std::vector<CoreBlock>> ListBlocks(std::string_view owner_id, std::string_view scope) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateScope(scope));
    store::MemoryQuery q;
    q.owner_id = owner_id;
    q.scopes = core::VisibleScopes(scope);
    q.type = MemoryType::kBlock;
    q.live_at = Now();
    q.limit = kMaxListLimit;
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> rows, txn->ListMemories(q));
    // Visible scopes run from global to the scope itself: a narrower one overrides a label.
    std::map<std::string, std::pair<size_t, CoreBlock>> by_label;
    for (const MemoryRecord& r : rows) {
      const size_t depth = static_cast<size_t>(
          std::find(q.scopes.begin(), q.scopes.end(), r.scope) - q.scopes.begin());
      auto it = by_label.find(r.key);
      if (it == by_label.end() || depth > it->second.first) by_label[r.key] = {depth, BlockOf(r)};
    }
    std::vector<CoreBlock> out;
    for (auto& [label, entry] : by_label) out.push_back(std::move(entry.second));
    return out;
  }

  Status DeleteBlock(std::string_view owner_id, std::string_view scope, std::string_view label,
                     const ChangeInfo& change) {
    ENGRAM_RETURN_IF_ERROR(ValidateBlockAddress(owner_id, scope, label));
    std::string id;
    {
      ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
      ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> r,
                              FindBlock(*txn, owner_id, scope, label, Now()));
      if (!r) return BlockNotFound(scope, label);
      id = r->id;
    }
    return DeleteMemory(owner_id, id, change);
  }

  Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id, std::string_view id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(std::vector<HistoryEvent> events, txn->GetHistory(owner_id, id));
    if (events.empty()) return NotFound(id);
    return events;
  }

  Result<ForgetReport> ForgetOwner(std::string_view owner_id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    int64_t seq = 0;
    ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
    ENGRAM_ASSIGN_OR_RETURN(ForgetReport report, txn->DeleteOwner(owner_id));
    ENGRAM_RETURN_IF_ERROR(CommitWrite(*txn, seq));
    recall_.Drop(std::string(owner_id));
    return report;
  }

  Result<std::vector<SearchHit>> Search(std::string_view owner_id, std::string_view query,
                                        const SearchOptions& o) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateText("query", query, options_.max_text_bytes));
    if (o.top_k == 0 || o.top_k > kMaxListLimit) {
      return Status::InvalidArgument("top_k must be between 1 and " +
                                     std::to_string(kMaxListLimit));
    }
    if (!std::isfinite(o.threshold)) return Status::InvalidArgument("threshold must be a number");
    if (!(o.lexical_weight >= 0) || !(o.vector_weight >= 0) ||
        o.lexical_weight + o.vector_weight <= 0 || !std::isfinite(o.lexical_weight) ||
        !std::isfinite(o.vector_weight)) {
      return Status::InvalidArgument("fusion weights must be non-negative and not both zero");
    }
    if (o.mode != SearchMode::kLexical) {
      if (!options_.embedder) {
        return Status::FailedPrecondition(
            "vector search needs an embedder; configure one or search with mode lexical");
      }
      ENGRAM_RETURN_IF_ERROR(model_mismatch_);
    }
    std::vector<std::string> visible;
    if (o.scope) {
      ENGRAM_RETURN_IF_ERROR(core::ValidateScope(*o.scope));
      visible = core::VisibleScopes(*o.scope);
    }
    if (o.key) ENGRAM_RETURN_IF_ERROR(core::ValidateId("key", *o.key));
    if (o.session_id) ENGRAM_RETURN_IF_ERROR(core::ValidateId("session_id", *o.session_id));
    ENGRAM_ASSIGN_OR_RETURN(core::Filter filter, core::Filter::Parse(o.filter));

    std::vector<float> query_vector;
    if (o.mode != SearchMode::kLexical) ENGRAM_RETURN_IF_ERROR(EmbedOne(query, &query_vector));

    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(int64_t snapshot_seq, SyncWithOtherWriters(*txn));
    ENGRAM_ASSIGN_OR_RETURN(auto partition, recall_.Get(std::string(owner_id), *txn, snapshot_seq));
    std::shared_lock lock(partition->mutex());

    const Timestamp now = Now();
    std::vector<int32_t> scope_ids;
    for (const auto& sc : visible) {
      if (int32_t sid = partition->ScopeId(sc); sid >= 0) scope_ids.push_back(sid);
    }
    // session_id is not kept in memory: a session filter is resolved through the store's index.
    std::set<int64_t> session_rids;
    if (o.session_id) {
      ENGRAM_ASSIGN_OR_RETURN(auto rids, txn->SessionRids(owner_id, *o.session_id));
      session_rids.insert(rids.begin(), rids.end());
    }
    auto accept = [&](int64_t rid) {
      const core::RecallDoc* d = partition->Find(rid);
      if (d == nullptr) return false;
      if (o.valid_at) {
        if (d->valid_from.value_or(d->created_at) > *o.valid_at) return false;
        if (d->valid_to && *d->valid_to <= *o.valid_at) return false;
      } else if (d->superseded) {
        return false;
      }
      if (d->expires_at && *d->expires_at <= now) return false;
      if (o.scope && std::find(scope_ids.begin(), scope_ids.end(), d->scope_id) == scope_ids.end())
        return false;
      if (o.type && d->type != *o.type) return false;
      if (o.key && d->key != *o.key) return false;
      if (o.created_from && d->created_at < *o.created_from) return false;
      if (o.created_until && d->created_at >= *o.created_until) return false;
      if (o.session_id && !session_rids.count(rid)) return false;
      core::FilterSubject subject{d->type,       partition->ScopeName(d->scope_id),
                                  d->key,        d->created_at,
                                  d->valid_from, d->valid_to,
                                  d->confidence, d->metadata.get()};
      return filter.Matches(subject);
    };

    // Each retriever contributes a ranked candidate list several times top_k deep.
    const size_t depth = std::max<size_t>(o.top_k * 5, 50);
    std::unordered_map<int64_t, ScoreExplanation> cands;
    if (o.mode != SearchMode::kVector) {
      const std::vector<std::string> terms = core::QueryTerms(query);
      if (!terms.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(auto hits, txn->LexicalSearch(owner_id, terms, depth * 4));
        int rank = 0;
        for (const auto& h : hits) {
          if (!accept(h.rid)) continue;
          auto& e = cands[h.rid];
          e.lexical_rank = ++rank;
          e.lexical_score = h.score;
          if (static_cast<size_t>(rank) >= depth) break;
        }
      }
    }
    if (o.mode != SearchMode::kLexical && partition->vectors()) {
      auto hits = partition->vectors()->Search(
          query_vector, depth, [&](uint64_t label) { return accept(static_cast<int64_t>(label)); });
      int rank = 0;
      for (const auto& h : hits) {
        if (h.score <= 0) break;  // orthogonal or opposite: unrelated, whatever its rank
        auto& e = cands[static_cast<int64_t>(h.label)];
        e.vector_rank = ++rank;
        e.vector_similarity = h.score;
      }
    }

    double max_lexical = 0;
    for (const auto& [rid, e] : cands) max_lexical = std::max(max_lexical, e.lexical_score);
    std::vector<std::pair<int64_t, ScoreExplanation>> ranked;
    for (auto& [rid, e] : cands) {
      const core::RecallDoc* d = partition->Find(rid);
      switch (o.mode) {
        case SearchMode::kLexical:
          e.relevance = max_lexical > 0 ? e.lexical_score / max_lexical : 0;
          break;
        case SearchMode::kVector:
          e.relevance = std::max(0.0, e.vector_similarity);
          break;
        case SearchMode::kHybrid: {
          // Weighted reciprocal rank fusion, scaled so first place in both lists scores 1.
          double rrf = 0;
          if (e.lexical_rank) rrf += o.lexical_weight / (core::kRrfK + e.lexical_rank);
          if (e.vector_rank) rrf += o.vector_weight / (core::kRrfK + e.vector_rank);
          e.relevance = rrf * (core::kRrfK + 1) / (o.lexical_weight + o.vector_weight);
          break;
        }
      }
      e.recency = o.use_recency ? core::RecencyWeight(d->created_at, now, HalfLife(d->type)) : 1;
      e.confidence = 0.5 + 0.5 * d->confidence;
      e.final_score = e.relevance * e.recency * e.confidence;
      if (e.final_score >= o.threshold && e.final_score > 0) ranked.emplace_back(rid, e);
    }
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second.final_score != b.second.final_score
                 ? a.second.final_score > b.second.final_score
                 : a.first > b.first;
    });
    if (ranked.size() > o.top_k) ranked.resize(o.top_k);
    lock.unlock();

    std::vector<int64_t> rids;
    for (const auto& [rid, e] : ranked) rids.push_back(rid);
    ENGRAM_ASSIGN_OR_RETURN(auto records, txn->GetMemoriesByRid(owner_id, rids));
    std::unordered_map<int64_t, MemoryRecord> by_rid;
    for (auto& [rid, r] : records) by_rid.emplace(rid, std::move(r));
    std::vector<SearchHit> out;
    for (const auto& [rid, e] : ranked) {
      auto it = by_rid.find(rid);
      if (it == by_rid.end()) continue;  // deleted after the partition saw it
      out.push_back({std::move(it->second), e.final_score, e});
    }
    txn.reset();
    if (o.record_access && !rids.empty()) NoteAccess(rids, now);
    return out;
  }

  Result<int64_t> Reindex() {
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
    ENGRAM_RETURN_IF_ERROR(CommitWrite(*txn, seq));
    recall_.ClearAndRemoveFiles();
    model_mismatch_ = Status::Ok();
    return done;
  }

  Result<std::vector<SessionItem>> AddSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   std::vector<SessionItem> items) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    if (items.size() > options_.max_items_per_append) {
      return Status::TooLarge("an append holds " + std::to_string(items.size()) +
                              " items; the limit is " +
                              std::to_string(options_.max_items_per_append));
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const SessionItem& item = items[i];
      const std::string where = "item " + std::to_string(i);
      if (!item.tool_calls.empty()) {
        if (item.role != Role::kAssistant) {
          return Status::InvalidArgument(where + ": only assistant items carry tool_calls");
        }
        ENGRAM_RETURN_IF_ERROR(ValidateToolCalls(i, item.tool_calls));
      }
      const bool may_be_empty = !item.tool_calls.empty();
      ENGRAM_RETURN_IF_ERROR(core::ValidateText(where + ": content", item.content,
                                                options_.max_session_item_bytes, may_be_empty));
      if (item.role == Role::kTool) {
        ENGRAM_RETURN_IF_ERROR(core::ValidateId(where + ": tool_call_id", item.tool_call_id));
      } else if (!item.tool_call_id.empty()) {
        return Status::InvalidArgument(where + ": only tool items carry a tool_call_id");
      }
    }
    if (items.empty()) return items;

    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner_id, session_id));
    // A tool result must answer a call of the assistant item right before it (tool results of
    // the same call may follow each other), as in the OpenAI and Anthropic APIs.
    std::set<std::string> open_calls;
    if (items.front().role == Role::kTool && last > 0) {
      ENGRAM_ASSIGN_OR_RETURN(int64_t prev,
                              txn->PrecedingNonToolSeq(owner_id, session_id, last + 1));
      if (prev > 0) {
        ENGRAM_ASSIGN_OR_RETURN(auto prev_items, txn->GetSessionItems(owner_id, session_id, prev));
        open_calls = ToolCallIds(prev_items.front());
      }
    }
    const Timestamp now = Now();
    std::vector<std::string> ignored;  // session items have no history; the marker names the kind
    for (SessionItem& item : items) {
      RedactText("content", &item.content, &ignored);
      if (!item.tool_calls.empty()) RedactJson("tool_calls", &item.tool_calls, &ignored);
    }
    for (size_t i = 0; i < items.size(); ++i) {
      SessionItem& item = items[i];
      if (item.role == Role::kTool) {
        if (!open_calls.count(item.tool_call_id)) {
          return Status::InvalidArgument("item " + std::to_string(i) + ": tool_call_id '" +
                                         item.tool_call_id.substr(0, 64) +
                                         "' answers no tool call of the preceding assistant item");
        }
      } else {
        open_calls = ToolCallIds(item);
      }
      item.seq = last + 1 + static_cast<int64_t>(i);
      item.created_at = now;
    }
    ENGRAM_RETURN_IF_ERROR(txn->AppendSessionItems(owner_id, session_id, items));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    txn.reset();  // releases the write lock that RememberTurn takes
    if (options_.policy.extract_on_session_append) {
      for (const SessionItem& item : items) {
        if (item.role != Role::kUser) continue;
        Result<TurnReport> r =
            RememberTurn(owner_id, "global", session_id, item.role, item.content, item.created_at);
        if (!r.ok()) {
          // The turn stays in the session; the caller must see that its memories were not kept.
          return r.status().WithPrefix("items " + std::to_string(items.front().seq) + ".." +
                                       std::to_string(items.back().seq) +
                                       " were stored, but extracting memories from item " +
                                       std::to_string(item.seq) + " failed: ");
        }
      }
    }
    return items;
  }

  Result<std::vector<SessionItem>> GetSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   std::optional<size_t> last_n) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    int64_t from = 0;
    if (last_n) {
      if (*last_n == 0) return std::vector<SessionItem>();
      ENGRAM_ASSIGN_OR_RETURN(from,
                              txn->NthLastSessionSeq(owner_id, session_id, *last_n, std::nullopt));
      ENGRAM_ASSIGN_OR_RETURN(from, WidenOverToolResults(*txn, owner_id, session_id, from));
    }
    return txn->GetSessionItems(owner_id, session_id, from);
  }

  Result<std::vector<SessionItem>> GetSessionWindow(std::string_view owner_id,
                                                    std::string_view session_id, size_t turns) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    if (turns == 0) return Status::InvalidArgument("a window needs at least one turn");
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(int64_t from,
                            txn->NthLastSessionSeq(owner_id, session_id, turns, Role::kUser));
    // Fewer user turns than asked: the whole session (from == 0) is the window.
    return txn->GetSessionItems(owner_id, session_id, from);
  }

  Result<std::optional<SessionItem>> PopSessionItem(std::string_view owner_id,
                                                    std::string_view session_id) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner_id, session_id));
    if (last == 0) return std::optional<SessionItem>();
    ENGRAM_ASSIGN_OR_RETURN(auto items, txn->GetSessionItems(owner_id, session_id, last));
    ENGRAM_RETURN_IF_ERROR(txn->DeleteSessionItems(owner_id, session_id, last).status());
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return std::optional<SessionItem>(std::move(items.front()));
  }

  Result<int64_t> ClearSession(std::string_view owner_id, std::string_view session_id) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(int64_t removed, txn->DeleteSession(owner_id, session_id));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return removed;
  }

  Result<std::vector<std::pair<MemoryType, int64_t>>> CountLiveMemories() {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(auto found, txn->CountLiveByType(Now()));
    std::vector<std::pair<MemoryType, int64_t>> out;
    for (MemoryType t : {MemoryType::kFact, MemoryType::kPreference, MemoryType::kEpisode,
                         MemoryType::kProcedure, MemoryType::kSummary, MemoryType::kBlock}) {
      int64_t n = 0;
      for (const auto& [type, count] : found) {
        if (type == t) n = count;
      }
      out.emplace_back(t, n);
    }
    return out;
  }

 private:
  static constexpr size_t kDefaultBlockLimit = 2000;
  // Confidence of a disclosure kept verbatim as an episode: below what typed rules give, so a
  // policy's min_confidence can keep such episodes out.
  static constexpr double kUntypedDisclosureConfidence = 0.6;

  // The offline rolling summary: the previous one, then a line per user statement that is not
  // filler and per assistant answer, the oldest lines dropped past kExtractiveSummaryChars.
  static std::string ExtractiveSummary(const std::string& previous,
                                       const std::vector<SessionItem>& dropped) {
    constexpr size_t kLine = 240;
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < previous.size()) {
      size_t end = previous.find('\n', start);
      if (end == std::string::npos) end = previous.size();
      if (end > start) lines.push_back(previous.substr(start, end - start));
      start = end + 1;
    }
    for (const SessionItem& item : dropped) {
      const bool answer = item.role == Role::kAssistant && item.tool_calls.empty();
      const bool statement =
          item.role == Role::kUser &&
          hygiene::Classify(item.role, item.content) != hygiene::Disposition::kDiscard;
      if (!answer && !statement) continue;  // tool traffic, system prompts, filler
      std::string line = std::string("- ") + RoleName(item.role) + ": ";
      for (char c : item.content) line += (c == '\n' || c == '\r') ? ' ' : c;
      lines.push_back(llm::TruncateUtf8(line, kLine));
    }
    size_t total = 0, first = lines.size();
    while (first > 0 && total + lines[first - 1].size() + 1 <= kExtractiveSummaryChars) {
      total += lines[--first].size() + 1;
    }
    std::string out;
    for (size_t i = first; i < lines.size(); ++i) out += (out.empty() ? "" : "\n") + lines[i];
    return out;
  }
  static constexpr size_t kExtractiveSummaryChars = 4000;

  static std::string FormatScore(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
  }

  static Status ValidateBlockAddress(std::string_view owner_id, std::string_view scope,
                                     std::string_view label) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateScope(scope));
    const bool ok =
        !label.empty() && label.size() <= 64 && std::all_of(label.begin(), label.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                 c == '-';
        });
    if (!ok) {
      return Status::InvalidArgument("invalid block label '" + std::string(label.substr(0, 64)) +
                                     "': use 1 to 64 of a-z 0-9 _ . -");
    }
    return Status::Ok();
  }

  static Status BlockNotFound(std::string_view scope, std::string_view label) {
    return Status::NotFound("block '" + std::string(label) + "' not found at scope '" +
                            std::string(scope) + "'");
  }

  // The live block `label` of exactly this scope.
  static Result<std::optional<MemoryRecord>> FindBlock(store::Transaction& txn,
                                                       std::string_view owner_id,
                                                       std::string_view scope,
                                                       std::string_view label, Timestamp now) {
    store::MemoryQuery q;
    q.owner_id = owner_id;
    q.scopes = {std::string(scope)};
    q.type = MemoryType::kBlock;
    q.key = std::string(label);
    q.live_at = now;
    q.limit = 1;
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> rows, txn.ListMemories(q));
    if (rows.empty()) return std::optional<MemoryRecord>();
    return std::optional<MemoryRecord>(std::move(rows.front()));
  }

  static CoreBlock BlockOf(const MemoryRecord& r) {
    CoreBlock b{r.id, r.scope, r.key, r.text, kDefaultBlockLimit, r.updated_at};
    const nlohmann::json data = nlohmann::json::parse(r.data, nullptr, false);
    if (data.is_object() && data.contains("limit") && data["limit"].is_number_unsigned()) {
      b.limit = data["limit"].get<size_t>();
    }
    return b;
  }

  void Unreflect(const std::string& owner_id, int64_t rid) {
    if (auto p = recall_.IfLoaded(owner_id)) {
      std::unique_lock lock(p->mutex());
      p->Remove(rid);
    }
  }

  static Status ValidateSession(std::string_view owner_id, std::string_view session_id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    return core::ValidateId("session_id", session_id);
  }

  // The owner's record, unless it is missing or deleted.
  static Result<MemoryRecord> LoadLive(store::Transaction& txn, std::string_view owner_id,
                                       std::string_view id) {
    ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> r, txn.GetMemory(owner_id, id));
    if (!r) return NotFound(id);
    if (r->deleted_at) return Status::NotFound("memory " + std::string(id) + " was deleted");
    return std::move(*r);
  }

  // Moves a slice start that falls on a tool result back to the assistant item that made the
  // call, so the call is never cut from its result.
  static Result<int64_t> WidenOverToolResults(store::Transaction& txn, std::string_view owner_id,
                                              std::string_view session_id, int64_t from) {
    if (from <= 1) return from;
    ENGRAM_ASSIGN_OR_RETURN(auto first, txn.GetSessionItems(owner_id, session_id, from));
    if (first.empty() || first.front().role != Role::kTool) return from;
    ENGRAM_ASSIGN_OR_RETURN(int64_t prev, txn.PrecedingNonToolSeq(owner_id, session_id, from));
    return prev > 0 ? prev : from;
  }

  // "<model_id>/<dimension>": what the store records about its vectors.
  std::string ModelTag() const {
    return options_.embedder->model_id() + "/" + std::to_string(options_.embedder->dimension());
  }

  double HalfLife(MemoryType type) const {
    if (type == MemoryType::kEpisode) return options_.episode_half_life_days;
    if (type == MemoryType::kSummary) return options_.summary_half_life_days;
    return 0;
  }

  // The vector of text, or nothing when the engine has no embedder.
  Status EmbedOne(std::string_view text, std::vector<float>* out) {
    out->clear();
    if (!options_.embedder) return Status::Ok();
    std::vector<std::string> texts{std::string(text)};
    std::vector<std::vector<float>> vectors;
    ENGRAM_RETURN_IF_ERROR(options_.embedder->Embed(texts, &vectors));
    if (vectors.size() != 1 ||
        static_cast<int>(vectors[0].size()) != options_.embedder->dimension()) {
      return Status::Internal("the embedder returned a malformed vector");
    }
    *out = std::move(vectors[0]);
    return Status::Ok();
  }

  // A write transaction on durable memory, numbered by the change counter (*seq), which also
  // tags the vectors it stores.
  Result<std::unique_ptr<store::Transaction>> BeginMemoryWrite(int64_t* seq) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(*seq, txn->BumpChangeCounter());
    return txn;
  }

  // Commits a write and notes its number so that this process's own writes are not mistaken for
  // another process's.
  Status CommitWrite(store::Transaction& txn, int64_t seq) {
    ENGRAM_RETURN_IF_ERROR(txn.Commit());
    std::lock_guard lock(counter_mu_);
    if (seq == known_counter_ + 1) known_counter_ = seq;
    return Status::Ok();
  }

  // Drops the in-memory partitions when another process wrote since this one last looked;
  // returns the change counter txn sees.
  Result<int64_t> SyncWithOtherWriters(store::Transaction& txn) {
    ENGRAM_ASSIGN_OR_RETURN(int64_t counter, txn.ChangeCounter());
    std::lock_guard lock(counter_mu_);
    if (counter != known_counter_) {
      recall_.Clear();
      known_counter_ = counter;
    }
    return counter;
  }

  // Applies a committed add or update to the owner's partition, if loaded; a vector of nullopt
  // leaves the partition's vector as it is.
  void Reflect(int64_t rid, const MemoryRecord& r, std::optional<std::vector<float>> vector) {
    auto p = recall_.IfLoaded(r.owner_id);
    if (!p) return;
    store::IndexedMemory m;
    m.rid = rid;
    m.scope = r.scope;
    m.type = r.type;
    m.key = r.key;
    m.created_at = r.created_at;
    m.valid_from = r.valid_from;
    m.valid_to = r.valid_to;
    m.expires_at = r.expires_at;
    m.superseded = !r.superseded_by.empty();
    m.confidence = r.confidence;
    m.metadata = r.metadata;
    if (vector) m.vector = std::move(*vector);
    std::unique_lock lock(p->mutex());
    p->Upsert(rid, m, /*replace_vector=*/vector.has_value());
  }

  // Access statistics are buffered and written in batches by a background thread: a write
  // transaction (and its fsync) on the searching thread would add milliseconds to a search and
  // queue readers behind the writer.
  void NoteAccess(const std::vector<int64_t>& rids, Timestamp at) {
    std::call_once(access_thread_started_,
                   [this] { access_thread_ = std::thread([this] { AccessWriterLoop(); }); });
    bool full = false;
    {
      std::lock_guard lock(access_mu_);
      pending_access_.insert(pending_access_.end(), rids.begin(), rids.end());
      pending_access_at_ = std::max(pending_access_at_, at);
      full = pending_access_.size() >= kAccessBatch;
    }
    if (full) access_cv_.notify_one();
  }

  // Moves the pending statistics out: (rids, time of the latest of those searches).
  std::pair<std::vector<int64_t>, Timestamp> TakePendingAccessLocked() {
    std::pair<std::vector<int64_t>, Timestamp> taken;
    taken.first.swap(pending_access_);
    taken.second = pending_access_at_;
    pending_access_at_ = 0;
    return taken;
  }

  // Writes the pending statistics in txn, for a decision that needs them (least recently used).
  Status WritePendingAccess(store::Transaction& txn) {
    std::pair<std::vector<int64_t>, Timestamp> pending;
    {
      std::lock_guard lock(access_mu_);
      pending = TakePendingAccessLocked();
    }
    if (pending.first.empty()) return Status::Ok();
    return txn.RecordAccess(pending.first, pending.second);
  }

  // Writes the pending statistics when kAccessBatch hits are pending, every kAccessDelay
  // otherwise, and once more on shutdown.
  void AccessWriterLoop() {
    std::unique_lock lock(access_mu_);
    for (;;) {
      access_cv_.wait_for(lock, kAccessDelay, [this] {
        return stop_access_writer_ || pending_access_.size() >= kAccessBatch;
      });
      const bool stop = stop_access_writer_;
      if (!pending_access_.empty()) {
        auto [rids, at] = TakePendingAccessLocked();
        lock.unlock();
        WriteAccess(rids, at);
        lock.lock();
      }
      if (stop && pending_access_.empty()) return;
    }
  }

  void WriteAccess(const std::vector<int64_t>& rids, Timestamp at) {
    auto txn = store_->BeginWrite();
    if (!txn.ok()) return;  // statistics only: a busy store skips this batch
    if ((*txn)->RecordAccess(rids, at).ok()) (*txn)->Commit();
  }

  void StopAccessWriter() {
    {
      std::lock_guard lock(access_mu_);
      stop_access_writer_ = true;
    }
    access_cv_.notify_one();
    if (access_thread_.joinable()) access_thread_.join();
  }

  // Redacts secrets from a text field in place; notes "<kind> in <field>" for the history.
  void RedactText(const char* field, std::string* text, std::vector<std::string>* notes) const {
    hygiene::RedactedText r = redactor_.Redact(*text);
    if (!r.changed()) return;
    for (const auto& red : r.redactions) notes->push_back(red.kind + " in " + field);
    *text = std::move(r.text);
  }

  // The same for a JSON field; JSON that does not parse is left to validation.
  void RedactJson(const char* field, std::string* json, std::vector<std::string>* notes) const {
    Result<hygiene::RedactedText> r = redactor_.RedactJson(*json);
    if (!r.ok() || !r->changed()) return;
    for (const auto& red : r->redactions) {
      notes->push_back(red.kind + " in " + field + (red.where.empty() ? "" : " " + red.where));
    }
    *json = std::move(r->text);
  }

  // A history reason that also names what was redacted.
  static std::string WithRedactions(const std::string& reason,
                                    const std::vector<std::string>& notes) {
    if (notes.empty()) return reason;
    std::string out = reason.empty() ? "" : reason + "; ";
    out += "redacted:";
    for (size_t i = 0; i < notes.size(); ++i) out += (i ? ", " : " ") + notes[i];
    return out;
  }

  Options options_;
  std::unique_ptr<store::Store> store_;
  hygiene::Redactor redactor_;
  util::UuidV7Generator ids_;
  core::RecallIndex recall_;
  Status model_mismatch_;  // set when opened with accept_model_change on another model's store
  std::mutex counter_mu_;
  int64_t known_counter_ = -1;
  static constexpr size_t kAccessBatch = 256;
  static constexpr std::chrono::seconds kAccessDelay{5};
  std::once_flag access_thread_started_;
  std::thread access_thread_;
  std::mutex access_mu_;  // guards pending_access_, pending_access_at_ and stop_access_writer_
  std::condition_variable access_cv_;
  std::vector<int64_t> pending_access_;
  Timestamp pending_access_at_ = 0;
  bool stop_access_writer_ = false;
};

Result<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  store::SqliteOptions sqlite;
  sqlite.path = options.path;
  sqlite.busy_timeout_ms = options.busy_timeout_ms;
  sqlite.durable_commits = options.durable_commits;
  ENGRAM_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(sqlite));
  auto impl = std::make_unique<Impl>(options, std::move(store));
  ENGRAM_RETURN_IF_ERROR(impl->CheckEmbedderModel());
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<MemoryRecord> Engine::AddMemory(const NewMemory& memory) {
  return impl_->AddMemory(memory);
}
Result<MemoryRecord> Engine::GetMemory(std::string_view owner_id, std::string_view id) {
  return impl_->GetMemory(owner_id, id);
}
Result<MemoryPage> Engine::ListMemories(std::string_view owner_id, const ListOptions& options) {
  return impl_->ListMemories(owner_id, options);
}
Result<MemoryRecord> Engine::UpdateMemory(std::string_view owner_id, std::string_view id,
                                          const MemoryUpdate& update) {
  return impl_->UpdateMemory(owner_id, id, update);
}
Status Engine::DeleteMemory(std::string_view owner_id, std::string_view id,
                            const ChangeInfo& change) {
  return impl_->DeleteMemory(owner_id, id, change);
}
Result<std::vector<HistoryEvent>> Engine::GetHistory(std::string_view owner_id,
                                                     std::string_view id) {
  return impl_->GetHistory(owner_id, id);
}
Result<ForgetReport> Engine::ForgetOwner(std::string_view owner_id) {
  return impl_->ForgetOwner(owner_id);
}
Result<int64_t> Engine::DeleteMemories(std::string_view owner_id, std::span<const std::string> ids,
                                       const ChangeInfo& change) {
  return impl_->DeleteMemories(owner_id, ids, change);
}
Result<TurnReport> Engine::RememberTurn(std::string_view owner_id, std::string_view scope,
                                        std::string_view session_id, Role role,
                                        std::string_view text,
                                        std::optional<Timestamp> observed_at) {
  return impl_->RememberTurn(owner_id, scope, session_id, role, text, observed_at);
}
Result<GcReport> Engine::CollectGarbage(bool dry_run) {
  return impl_->CollectGarbage(dry_run);
}
Result<std::optional<SessionSummary>> Engine::GetSessionSummary(std::string_view owner_id,
                                                                std::string_view session_id) {
  return impl_->GetSessionSummary(owner_id, session_id);
}
Result<SessionSummary> Engine::SetSessionSummary(std::string_view owner_id,
                                                 std::string_view session_id,
                                                 std::string_view text) {
  return impl_->SetSessionSummary(owner_id, session_id, text);
}
Result<std::optional<SessionSummary>> Engine::SummarizeSession(std::string_view owner_id,
                                                               std::string_view session_id,
                                                               size_t keep_turns) {
  return impl_->SummarizeSession(owner_id, session_id, keep_turns);
}
Result<std::optional<MemoryRecord>> Engine::EndSession(std::string_view owner_id,
                                                       std::string_view scope,
                                                       std::string_view session_id) {
  return impl_->EndSession(owner_id, scope, session_id);
}
Result<CoreBlock> Engine::SetBlock(std::string_view owner_id, std::string_view scope,
                                   std::string_view label, std::string_view value,
                                   std::optional<size_t> limit, const ChangeInfo& change) {
  return impl_->EditBlock(owner_id, scope, label, Impl::BlockEdit::kSet, value, "", limit, change);
}
Result<CoreBlock> Engine::AppendToBlock(std::string_view owner_id, std::string_view scope,
                                        std::string_view label, std::string_view text,
                                        const ChangeInfo& change) {
  return impl_->EditBlock(owner_id, scope, label, Impl::BlockEdit::kAppend, text, "", std::nullopt,
                          change);
}
Result<CoreBlock> Engine::ReplaceInBlock(std::string_view owner_id, std::string_view scope,
                                         std::string_view label, std::string_view old_text,
                                         std::string_view new_text, const ChangeInfo& change) {
  return impl_->EditBlock(owner_id, scope, label, Impl::BlockEdit::kReplace, old_text, new_text,
                          std::nullopt, change);
}
Result<CoreBlock> Engine::GetBlock(std::string_view owner_id, std::string_view scope,
                                   std::string_view label) {
  return impl_->GetBlock(owner_id, scope, label);
}
Result<std::vector<CoreBlock>> Engine::ListBlocks(std::string_view owner_id,
                                                  std::string_view scope) {
  return impl_->ListBlocks(owner_id, scope);
}
Status Engine::DeleteBlock(std::string_view owner_id, std::string_view scope,
                           std::string_view label, const ChangeInfo& change) {
  return impl_->DeleteBlock(owner_id, scope, label, change);
}
Result<Context> Engine::AssembleContext(std::string_view owner_id, const ContextOptions& options) {
  return core::AssembleContext(*this, owner_id, options);
}
Result<std::vector<SessionItem>> Engine::AddSessionItems(std::string_view owner_id,
                                                         std::string_view session_id,
                                                         std::vector<SessionItem> items) {
  return impl_->AddSessionItems(owner_id, session_id, std::move(items));
}
Result<std::vector<SessionItem>> Engine::GetSessionItems(std::string_view owner_id,
                                                         std::string_view session_id,
                                                         std::optional<size_t> last_n) {
  return impl_->GetSessionItems(owner_id, session_id, last_n);
}
Result<std::vector<SessionItem>> Engine::GetSessionWindow(std::string_view owner_id,
                                                          std::string_view session_id,
                                                          size_t turns) {
  return impl_->GetSessionWindow(owner_id, session_id, turns);
}
Result<std::optional<SessionItem>> Engine::PopSessionItem(std::string_view owner_id,
                                                          std::string_view session_id) {
  return impl_->PopSessionItem(owner_id, session_id);
}
Result<int64_t> Engine::ClearSession(std::string_view owner_id, std::string_view session_id) {
  return impl_->ClearSession(owner_id, session_id);
}
Status Engine::ValidateMemory(const NewMemory& memory) const {
  return impl_->ValidateNewMemory(memory);
}
Result<std::vector<MemoryRecord>> Engine::AddMemories(std::span<const NewMemory> memories) {
  ENGRAM_ASSIGN_OR_RETURN(auto results, impl_->WriteMemories(memories));
  std::vector<MemoryRecord> records;
  for (auto& r : results) records.push_back(std::move(r.record));
  return records;
}
Result<std::vector<WriteResult>> Engine::WriteMemories(std::span<const NewMemory> memories) {
  return impl_->WriteMemories(memories);
}
Result<std::vector<SearchHit>> Engine::Search(std::string_view owner_id, std::string_view query,
                                              const SearchOptions& options) {
  return impl_->Search(owner_id, query, options);
}
Result<int64_t> Engine::Reindex() {
  return impl_->Reindex();
}
Timestamp Engine::Now() const {
  return impl_->Now();
}

Result<std::vector<std::pair<MemoryType, int64_t>>> Engine::CountLiveMemories() {
  return impl_->CountLiveMemories();
}

}  // namespace engram
