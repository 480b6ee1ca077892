// The graph of memories: a memory whose key is a slot of rules/graph_slots.txt states an edge
// from the user's entity, and one whose data holds "triples" (statements about the user's world,
// the model's extraction) states those (hygiene/slot_triples.h); each is written with the
// memory's id as its source. The edge follows the memory: a superseded memory's open edge is
// retracted (a single-valued type was ended already by its successor's edge), a deleted memory's
// edges are retracted. The graph lives in its own transactions: the memories are committed first,
// and a failure here is returned naming them, so writing them again (deduplicated) completes the
// graph.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>
#include <utility>

#include "core/engine_impl.h"
#include "graph/names.h"
#include "hygiene/slot_triples.h"

namespace engram {
namespace {

Status GraphError(const Status& st) {
  return st.WithPrefix("the memories were written, their graph triples not: ");
}

}  // namespace

Status Engine::Impl::AliasUserName(const MemoryRecord& r) {
  if (r.key != hygiene::kUserNameKey) return Status::Ok();
  const nlohmann::json data = nlohmann::json::parse(r.data, nullptr, false);
  if (!data.is_object() || !data.contains("name") || !data["name"].is_string()) {
    return Status::Ok();
  }
  const std::string name = data["name"].get<std::string>();
  if (name.find("[REDACTED:") != std::string::npos || graph::NameKey(name).empty()) {
    return Status::Ok();
  }
  GraphReadOptions at;
  at.scope = r.scope;
  // The user's entity visible at the memory's scope, else a new one there.
  std::string scope = r.scope;
  Result<Entity> user = graph().GetEntity(r.owner_id, hygiene::kUserEntity, at);
  if (user.ok()) {
    scope = user->scope;
  } else if (!user.status().IsNotFound()) {
    return GraphError(user.status());
  }
  // A name that already names another entity there stays that entity's: two are never merged.
  Result<Entity> named = graph().GetEntity(r.owner_id, name, at);
  if (named.ok()) return Status::Ok();
  if (!named.status().IsNotFound()) return GraphError(named.status());
  const NewEntity e{r.owner_id,
                    scope,
                    std::string(hygiene::kUserEntity),
                    std::string(hygiene::kUserEntityType),
                    {name},
                    {},
                    r.id,
                    1.0,
                    {"memory", "from memory " + r.id}};
  if (auto added = graph().AddEntities(std::span(&e, 1)); !added.ok()) {
    return GraphError(added.status());
  }
  return Status::Ok();
}

Status Engine::Impl::StateMemoryTriples(const MemoryRecord& r, std::span<const std::string> sources,
                                        std::set<std::string> subjects, bool open_only) {
  const ChangeInfo change{"memory", "from memory " + r.id};
  std::set<std::string> keep;  // the edges this memory states, kept when they were there already
  subjects.insert(std::string(hygiene::kUserEntity));
  GraphReadOptions at;
  at.scope = r.scope;
  ENGRAM_RETURN_IF_ERROR(AliasUserName(r));
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
  if (sources.empty()) return Status::Ok();
  for (const std::string& subject : subjects) {
    auto retracted =
        graph().RetractSourced(r.owner_id, r.scope, subject, sources, keep, open_only, change);
    if (!retracted.ok()) return GraphError(retracted.status());
  }
  return Status::Ok();
}

Status Engine::Impl::GraphFromWrites(std::span<const WriteResult> results) {
  if (!options_.graph_from_memories || !graph().available()) return Status::Ok();
  for (const WriteResult& w : results) {
    // The entities whose edges the memory's predecessors may have stated.
    std::set<std::string> subjects;
    for (const std::string& id : w.superseded_ids) {
      Result<MemoryRecord> old = GetMemory(w.record.owner_id, id);
      if (!old.ok()) continue;  // gone already: its edges went with it
      for (const hygiene::SlotTriple& triple : hygiene::MemoryTriples(old->key, old->data)) {
        subjects.insert(triple.subject);
      }
    }
    ENGRAM_RETURN_IF_ERROR(
        StateMemoryTriples(w.record, w.superseded_ids, std::move(subjects), /*open_only=*/true));
  }
  return Status::Ok();
}

Status Engine::Impl::GraphFromUpdate(const MemoryRecord& before, const MemoryRecord& after) {
  if (!options_.graph_from_memories || !graph().available()) return Status::Ok();
  if (before.key == after.key && before.data == after.data) return Status::Ok();
  std::set<std::string> subjects;
  for (const hygiene::SlotTriple& triple : hygiene::MemoryTriples(before.key, before.data)) {
    subjects.insert(triple.subject);
  }
  // Its own edges, ended ones too: what the memory no longer says it never said.
  const std::string sources[] = {after.id};
  return StateMemoryTriples(after, sources, std::move(subjects), /*open_only=*/false);
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
