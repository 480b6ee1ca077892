// The graph of memories: a memory whose key is a slot of rules/graph_slots.txt states an edge
// from the user's entity, and one whose data holds "triples" (statements about the user's world,
// the model's extraction) states those (hygiene/slot_triples.h); each is written with the
// memory's id as its source. The edge follows the memory: a superseded memory's open edge is
// retracted (a single-valued type was ended already by its successor's edge), a deleted memory's
// edges are retracted. The graph lives in its own transactions: the memories are committed first,
// and a failure here is returned naming them, so writing them again (deduplicated) completes the
// graph.
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "core/engine_impl.h"
#include "hygiene/slot_triples.h"

namespace engram {
namespace {

Status GraphError(const Status& st) {
  return st.WithPrefix("the memories were written, their graph triples not: ");
}

}  // namespace

Status Engine::Impl::GraphFromWrites(std::span<const WriteResult> results) {
  if (!options_.graph_from_memories || !graph().available()) return Status::Ok();
  for (const WriteResult& w : results) {
    const MemoryRecord& r = w.record;
    const ChangeInfo change{"memory", "from memory " + r.id};
    std::set<std::string> keep;  // the edges this memory states, kept when they were there already
    // The entities whose edges the memory's predecessors may have stated.
    std::set<std::string> subjects{std::string(hygiene::kUserEntity)};
    GraphReadOptions at;
    at.scope = r.scope;
    for (const hygiene::SlotTriple& triple : hygiene::MemoryTriples(r.key, r.data)) {
      // A value that was a secret (redacted in the memory already) names no entity.
      if (triple.object.find("[REDACTED:") != std::string::npos ||
          triple.subject.find("[REDACTED:") != std::string::npos)
        continue;
      subjects.insert(triple.subject);
      const std::pair<std::string, std::string> ends[] = {{triple.subject, triple.subject_type},
                                                          {triple.object, triple.object_type}};
      for (const auto& [name, type] : ends) {
        // An entity already visible keeps its type: the memory names it, it does not retype it.
        Result<Entity> known = graph().GetEntity(r.owner_id, name, at);
        if (known.ok()) continue;
        if (known.status().code() != Status::Code::kNotFound) return GraphError(known.status());
        const NewEntity e{r.owner_id, r.scope, name, type, {}, {}, r.id, 1.0, change};
        if (auto added = graph().AddEntities(std::span(&e, 1)); !added.ok()) {
          return GraphError(added.status());
        }
      }
      NewRelation rel;
      rel.owner_id = r.owner_id;
      rel.scope = r.scope;
      rel.from = triple.subject;
      rel.type = triple.relation;
      rel.to = triple.object;
      rel.valid_from = r.valid_from.value_or(r.created_at);
      rel.source = r.id;
      rel.confidence = r.confidence;
      rel.change = change;
      auto written = graph().AddRelations(std::span(&rel, 1));
      if (!written.ok()) return GraphError(written.status());
      keep.insert(written->front().relation.id);
    }
    if (w.superseded_ids.empty()) continue;
    for (const std::string& id : w.superseded_ids) {
      Result<MemoryRecord> old = GetMemory(r.owner_id, id);
      if (!old.ok()) continue;  // gone already: its edges went with it
      for (const hygiene::SlotTriple& triple : hygiene::MemoryTriples(old->key, old->data)) {
        subjects.insert(triple.subject);
      }
    }
    for (const std::string& subject : subjects) {
      auto retracted = graph().RetractSourced(r.owner_id, r.scope, subject, w.superseded_ids, keep,
                                              /*open_only=*/true, change);
      if (!retracted.ok()) return GraphError(retracted.status());
    }
  }
  return Status::Ok();
}

Status Engine::Impl::GraphForgetMemories(std::span<const MemoryRecord> deleted) {
  if (!options_.graph_from_memories || !graph().available()) return Status::Ok();
  // (owner, scope, subject) -> the deleted memories that stated edges from the subject
  std::map<std::tuple<std::string, std::string, std::string>, std::vector<std::string>> ids;
  for (const MemoryRecord& r : deleted) {
    for (const hygiene::SlotTriple& triple : hygiene::MemoryTriples(r.key, r.data)) {
      std::vector<std::string>& sources = ids[{r.owner_id, r.scope, triple.subject}];
      if (sources.empty() || sources.back() != r.id) sources.push_back(r.id);
    }
  }
  for (const auto& [where, sources] : ids) {
    const ChangeInfo change{"memory", "its memory was deleted"};
    auto retracted =
        graph().RetractSourced(std::get<0>(where), std::get<1>(where), std::get<2>(where), sources,
                               {}, /*open_only=*/false, change);
    if (!retracted.ok()) return GraphError(retracted.status());
  }
  return Status::Ok();
}

}  // namespace engram
