#include "core/graph_signal.h"

#include <algorithm>

#include "core/answer_fit.h"
#include "hygiene/slot_triples.h"

namespace engram::core {

namespace {

// Evidence of an edge, by whether the query names its type and whether it touches the named
// entity or lies one hop beyond it. A question naming an entity and a relation beyond it asks
// for the end of the path ("which deadlines concern projects Alice manages": the deadline edge,
// reached through Alice's "manages"), so that edge is the strongest evidence and the edge on the
// way to it weaker; without a named type, what touches the entity comes first ("what do we know
// about Alice"). Chosen on that example (docs/search.md): no data set of graph questions exists.
constexpr double kNamedTypeBeyond = 1.0;
constexpr double kNamedTypeTouching = 0.4;
constexpr double kTouching = 0.3;
constexpr double kBeyond = 0.2;

// Whether one of the words of a relation type ("works_at": "works", "at") is a query word.
bool NamesType(const std::string& type, const std::vector<std::string>& query_words) {
  size_t start = 0;
  while (start <= type.size()) {
    const size_t end = std::min(type.find('_', start), type.size());
    const std::string word = StemWord(std::string_view(type).substr(start, end - start));
    if (!word.empty() &&
        std::find(query_words.begin(), query_words.end(), word) != query_words.end()) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

}  // namespace

Result<std::unordered_map<int64_t, GraphLink>> GraphLinkedMemories(
    GraphEngine& graph, store::Transaction& txn, std::string_view owner_id, std::string_view query,
    const std::vector<std::string>& query_words, const std::string& scope) {
  std::unordered_map<int64_t, GraphLink> out;
  if (!graph.available()) return out;
  GraphReadOptions read;
  read.scope = scope;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<Entity> named,
                          graph.MentionedEntities(owner_id, query, read));
  std::unordered_map<std::string, int64_t> rids;  // memory id -> rid; -1 when not a memory
  auto rid_of = [&](const std::string& source) -> Result<int64_t> {
    if (source.empty()) return -1;
    if (auto it = rids.find(source); it != rids.end()) return it->second;
    Result<int64_t> rid = txn.MemoryRid(owner_id, source);
    if (!rid.ok() && !rid.status().IsNotFound()) return rid.status();
    return rids[source] = rid.ok() ? *rid : -1;
  };
  for (const Entity& e : named) {
    if (e.name == hygiene::kUserEntity) continue;
    NeighborOptions no;
    no.read = read;
    no.depth = 2;
    ENGRAM_ASSIGN_OR_RETURN(Neighborhood hood, graph.Neighbors(owner_id, e.name, no));
    for (const Relation& r : hood.relations) {
      const bool touches = r.from_id == hood.start.id || r.to_id == hood.start.id;
      const bool named_type = NamesType(r.type, query_words);
      GraphLink link{named_type ? (touches ? kNamedTypeTouching : kNamedTypeBeyond)
                                : (touches ? kTouching : kBeyond),
                     (touches ? e.name + " is named" : "1 hop from " + e.name) +
                         (named_type ? ", the query names \"" + r.type + "\"" : "")};
      ENGRAM_ASSIGN_OR_RETURN(int64_t rid, rid_of(r.source));
      if (rid < 0) continue;
      GraphLink& best = out[rid];
      if (link.evidence > best.evidence) best = std::move(link);
    }
  }
  return out;
}

}  // namespace engram::core
