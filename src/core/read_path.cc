// The read path: candidates from lexical and vector search, fused and scored.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "core/answer_fit.h"
#include "core/engine_impl.h"
#include "core/filter.h"
#include "core/graph_signal.h"
#include "core/query_time.h"
#include "core/validate.h"

namespace engram {

namespace {
// Lexical evidence weighs kLexicalBoost * n^3 / (n^3 + kLexicalScaleRecords^3) of
// SearchOptions::lexical_weight in an owner of n records (see Search). Tuned on LoCoMo
// conversations 0-4 (about 550 turns an owner) and the paraphrase set (owners of 1-45 memories).
constexpr double kLexicalBoost = 3;
constexpr double kLexicalScaleRecords = 200;
// The share of its relevance a candidate episode lends to the turns 1, 2 and 3 places from it.
constexpr double kContextShare[] = {0.4, 0.2, 0.1};
constexpr int kContextTurns = static_cast<int>(std::size(kContextShare));
// The share of the gap to 1 that a candidate observed in the time a query names gains. Tuned on
// LoCoMo conversations 0-4 (0.1-0.3 alike; docs/search.md).
constexpr double kDateShare = 0.2;
// The share of relevance that answer fit (core/answer_fit.h) holds: a memory of the kind the
// question asks for, or keyed by a topic it names, gains it; the others lose it. It is read from
// each memory's text, so only the first kAnswerHead candidates (or top_k, if more) are read and
// reordered. Tuned on the dev scenarios and LoCoMo conversations 0-4 (docs/search.md).
constexpr double kAnswerShare = 0.15;
constexpr size_t kAnswerHead = 10;
// A key naming the question's topic is stronger evidence: more than half, so the memory ranks
// above the one the encoder finds nearest, as an exact lexical match does.
constexpr double kTopicShare = 0.6;
// The share of relevance that the knowledge graph holds when the query names an entity linked to
// memories (core/graph_signal.h). Chosen on the example of tests/core/search_signals_test.cc.
constexpr double kGraphShare = 0.6;

// Hits by final score, best first; the newer row first among equals.
bool BestFirst(const std::pair<int64_t, ScoreExplanation>& a,
               const std::pair<int64_t, ScoreExplanation>& b) {
  return a.second.final_score != b.second.final_score ? a.second.final_score > b.second.final_score
                                                      : a.first > b.first;
}

// Mixes evidence in [0, 1] into relevance with the given share; returns the change.
double Mix(double share, double evidence, double* relevance) {
  const double mixed = (1 - share) * *relevance + share * evidence;
  const double change = mixed - *relevance;
  *relevance = mixed;
  return change;
}

// A turn of a conversation is read with the turns around it: an answer holds little of the
// question it answers ("Yes, last Friday!"), and a question is answered by the turns after it.
// Each candidate episode lends kContextShare[d - 1] of its relevance to the turns d places from
// it; what a turn is lent (capped at 1) fills that share of the gap between its own relevance and
// 1. Turns that were no candidate join the list.
template <typename Accept>
void AddConversationContext(const core::OwnerPartition& partition, const Accept& accept,
                            std::unordered_map<int64_t, ScoreExplanation>* cands) {
  std::unordered_map<int64_t, double> lent;
  std::vector<std::pair<int64_t, int>> neighbours;
  for (const auto& [rid, e] : *cands) {
    if (e.relevance <= 0) continue;
    neighbours.clear();
    partition.Neighbours(rid, kContextTurns, &neighbours);
    for (const auto& [other, distance] : neighbours) {
      lent[other] += kContextShare[static_cast<size_t>(distance - 1)] * e.relevance;
    }
  }
  for (const auto& [rid, amount] : lent) {
    auto it = cands->find(rid);
    if (it == cands->end()) {
      if (!accept(rid)) continue;
      it = cands->emplace(rid, ScoreExplanation{}).first;
    }
    ScoreExplanation& e = it->second;
    e.context = std::min(1.0, amount) * (1 - e.relevance);
    e.relevance += e.context;
  }
}

}  // namespace

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
  // The memories linked in the graph to what the query names, looked up before the partition is
  // held: the graph is read through its own transactions.
  const bool hybrid = o.mode == SearchMode::kHybrid;
  const core::QuestionNeeds needs = hybrid && (o.use_answer_fit || o.use_graph)
                                        ? core::ReadQuestion(query)
                                        : core::QuestionNeeds{};
  std::unordered_map<int64_t, core::GraphLink> links;
  if (hybrid && o.use_graph) {
    ENGRAM_ASSIGN_OR_RETURN(links,
                            core::GraphLinkedMemories(graph(), *txn, owner_id, query, needs.words,
                                                      o.scope.value_or("global")));
  }
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
  std::unordered_map<int64_t, double> coverage;  // core::LexicalCoverage of each lexical hit
  if (o.mode != SearchMode::kVector) {
    const std::vector<std::string> terms = core::QueryTerms(query);
    if (!terms.empty()) {
      ENGRAM_ASSIGN_OR_RETURN(store::LexicalResult lexical,
                              txn->LexicalSearch(owner_id, terms, depth * 4, partition->size()));
      double information = 0;
      for (double idf : lexical.idf) information += idf;
      int rank = 0;
      for (const auto& h : lexical.hits) {
        const double share = core::LexicalCoverage(h.score, information);
        // Hits come best first: once one holds too little of the query, so do the rest.
        if (!core::IsLexicalEvidence(share)) break;
        if (!accept(h.rid)) continue;
        auto& e = cands[h.rid];
        e.lexical_rank = ++rank;
        e.lexical_score = h.score;
        coverage[h.rid] = share;
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
  // The vector side's evidence is how far a cosine stands above the other candidates': the
  // spread of cosines tells how much the encoder tells these memories apart for this query.
  // kCosineSlack keeps the farthest candidate above 0 and makes a lone candidate's evidence 1.
  constexpr double kCosineSlack = 0.01;
  double min_cosine = 1, max_cosine = 0;
  for (const auto& [rid, e] : cands) {
    if (!e.vector_rank) continue;
    min_cosine = std::min(min_cosine, e.vector_similarity);
    max_cosine = std::max(max_cosine, e.vector_similarity);
  }
  const double cosine_spread = std::max(0.0, max_cosine - min_cosine) + kCosineSlack;
  // BM25 statistics drawn from few memories are noise: in an owner of ten, any word said once
  // looks as rare as a name, and a question that shares one incidental word with a memory
  // outweighs the encoder. Drawn from hundreds, they beat it: USE-lite barely tells the turns of
  // one conversation apart. So lexical evidence weighs almost nothing in a small owner (0.1% of
  // lexical_weight at 12 records, 3% at 45), as much as the default vector_weight at about 120
  // records, and nearly three times lexical_weight from several hundred (2.9 at 600).
  const double cube = std::pow(static_cast<double>(partition->size()), 3);
  const double lexical_reliability =
      kLexicalBoost * cube / (cube + std::pow(kLexicalScaleRecords, 3));
  for (auto& [rid, e] : cands) {
    switch (o.mode) {
      case SearchMode::kLexical:
        e.relevance = max_lexical > 0 ? e.lexical_score / max_lexical : 0;
        break;
      case SearchMode::kVector:
        e.relevance = std::max(0.0, e.vector_similarity);
        break;
      case SearchMode::kHybrid: {
        const auto it = coverage.find(rid);
        e.relevance = core::FuseHybrid(
            {e.lexical_rank, it == coverage.end() ? 0 : it->second, e.vector_rank,
             e.vector_rank ? (e.vector_similarity - min_cosine + kCosineSlack) / cosine_spread
                           : 0.0},
            o.lexical_weight * lexical_reliability, o.vector_weight);
        // A match holding the whole query (a name, a place, an identifier) fills the vector
        // side's share of the weight of the gap to 1, so it ranks above the candidate the
        // encoder finds nearest unless lexical evidence already weighs enough to order them.
        if (e.lexical_rank && o.lexical_weight > 0 && it != coverage.end() &&
            core::IsExactMatch(it->second)) {
          const double vector_share =
              o.vector_weight / (o.lexical_weight * lexical_reliability + o.vector_weight);
          e.relevance += vector_share * (1 - e.relevance);
        }
        break;
      }
    }
  }
  // A query that names a date ("on 9 November, 2022", "in July 2023") is about what was said or
  // learnt then: the candidates observed in that stretch of time fill kDateShare of the gap
  // between their relevance and 1, before they lend context to their turns.
  if (const std::optional<core::TimeWindow> window = core::NamedTimeWindow(query)) {
    for (auto& [rid, e] : cands) {
      const Timestamp at = partition->Find(rid)->created_at;
      if (at >= window->from && at < window->until) {
        e.date = kDateShare * (1 - e.relevance);
        e.relevance += e.date;
      }
    }
  }
  // Memories linked to what the query names join the candidates, and the graph's evidence is
  // mixed into every candidate's relevance: those it does not reach lose its share.
  if (!links.empty()) {
    for (const auto& [rid, link] : links) {
      if (!cands.count(rid) && accept(rid)) cands.emplace(rid, ScoreExplanation{});
    }
    for (auto& [rid, e] : cands) {
      const auto it = links.find(rid);
      e.graph = Mix(kGraphShare, it == links.end() ? 0 : it->second.evidence, &e.relevance);
      if (it != links.end()) e.graph_reason = it->second.reason;
    }
  }
  AddConversationContext(*partition, accept, &cands);
  std::vector<std::pair<int64_t, ScoreExplanation>> ranked;
  for (auto& [rid, e] : cands) {
    const core::RecallDoc* d = partition->Find(rid);
    e.recency = o.use_recency ? core::RecencyFactor(d->created_at, now, HalfLife(d->type)) : 1;
    e.confidence = 0.5 + 0.5 * d->confidence;
    e.final_score = e.relevance * e.recency * e.confidence;
    if (e.final_score >= o.threshold && e.final_score > 0) ranked.emplace_back(rid, e);
  }
  std::sort(ranked.begin(), ranked.end(), BestFirst);
  const bool fit = o.use_answer_fit && !needs.empty();
  const size_t head = fit ? std::max(o.top_k, kAnswerHead) : o.top_k;
  if (ranked.size() > head) ranked.resize(head);
  lock.unlock();

  std::vector<int64_t> rids;
  for (const auto& [rid, e] : ranked) rids.push_back(rid);
  ENGRAM_ASSIGN_OR_RETURN(auto records, txn->GetMemoriesByRid(owner_id, rids));
  std::unordered_map<int64_t, MemoryRecord> by_rid;
  for (auto& [rid, r] : records) by_rid.emplace(rid, std::move(r));
  // Answer fit reorders the head: by whether it is of the kind the question asks for, every
  // memory of it gains or loses kAnswerShare of relevance, then, by whether its key is a topic
  // the question names, kTopicShare. A share no memory of the head earns changes nothing.
  std::vector<core::Fit> fits;
  for (const auto& [rid, e] : ranked) {
    const auto it = by_rid.find(rid);
    fits.push_back(fit && it != by_rid.end()
                       ? core::FitsQuestion(needs, it->second.key, it->second.text)
                       : core::Fit::kNone);
  }
  bool reordered = false;
  for (const auto& [level, share] :
       {std::pair{core::Fit::kKind, kAnswerShare}, std::pair{core::Fit::kTopic, kTopicShare}}) {
    const core::Fit least = level;  // clang before 16 cannot capture a structured binding
    if (std::none_of(fits.begin(), fits.end(), [&](core::Fit f) { return f >= least; })) continue;
    for (size_t i = 0; i < ranked.size(); ++i) {
      ScoreExplanation& e = ranked[i].second;
      e.answer += Mix(share, fits[i] >= level ? 1 : 0, &e.relevance);
      e.final_score = e.relevance * e.recency * e.confidence;
    }
    reordered = true;
  }
  if (reordered) {
    std::erase_if(ranked, [&](const auto& r) {
      return !(r.second.final_score >= o.threshold && r.second.final_score > 0);
    });
    std::sort(ranked.begin(), ranked.end(), BestFirst);
  }
  if (ranked.size() > o.top_k) ranked.resize(o.top_k);
  rids.clear();
  for (const auto& [rid, e] : ranked) rids.push_back(rid);
  std::vector<SearchHit> out;
  for (const auto& [rid, e] : ranked) {
    auto it = by_rid.find(rid);
    if (it == by_rid.end()) continue;  // deleted after the partition saw it
    // Superseded by another process after the partition saw it (it learns of it at the next
    // change it notices).
    if (!o.valid_at && !it->second.superseded_by.empty()) continue;
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
