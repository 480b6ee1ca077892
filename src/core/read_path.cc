// The read path: candidates from lexical and vector search, fused and scored.
#include <algorithm>
#include <cmath>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "core/engine_impl.h"
#include "core/filter.h"
#include "core/validate.h"

namespace engram {

Result<std::vector<SearchHit>> Engine::Impl::Search(std::string_view owner_id,
                                                    std::string_view query,
                                                    const SearchOptions& o) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateText("query", query, options_.max_text_bytes));
  if (o.top_k == 0 || o.top_k > kMaxListLimit) {
    return Status::InvalidArgument("top_k must be between 1 and " + std::to_string(kMaxListLimit));
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

double Engine::Impl::HalfLife(MemoryType type) const {
  if (type == MemoryType::kEpisode) return options_.episode_half_life_days;
  if (type == MemoryType::kSummary) return options_.summary_half_life_days;
  return 0;
}

}  // namespace engram
