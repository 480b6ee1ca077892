#include "core/graph_batch.h"

#include <algorithm>

namespace engram::core {

namespace {

bool InScopes(const std::vector<std::string>& scopes, const std::string& scope) {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

// Replaces the version of `item` in `list` (same id) or appends it, at the end either way: a new
// version is the newest row.
template <typename T>
void Upsert(std::vector<T>& list, const T& item) {
  std::erase_if(list, [&](const T& x) { return x.id == item.id; });
  list.push_back(item);
}

}  // namespace

std::string GraphBatch::Key(std::string_view owner_id, std::string_view part) {
  std::string key(owner_id);
  key += '\0';
  key += part;
  return key;
}

Status GraphBatch::Prefetch(std::string_view owner_id, const std::vector<std::string>& keys,
                            bool observations, bool edges) {
  if (keys.empty()) return Status::Ok();
  ENGRAM_ASSIGN_OR_RETURN(auto found, txn_.FindEntitiesByKeys(owner_id, {}, keys, std::nullopt));
  for (const std::string& k : keys) by_key_.try_emplace(Key(owner_id, k));
  std::vector<std::string> ids;
  for (store::KeyedEntity& k : found) {
    std::vector<Entity>& list = by_key_[Key(owner_id, k.key)];
    if (std::none_of(list.begin(), list.end(),
                     [&](const Entity& x) { return x.id == k.entity.id; })) {
      ids.push_back(k.entity.id);
      list.push_back(std::move(k.entity));
    }
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  // Only what is not held already: what is held is current.
  auto unread = [&](const auto& held) {
    std::vector<std::string> out;
    for (const std::string& id : ids) {
      if (!held.contains(Key(owner_id, id))) out.push_back(id);
    }
    return out;
  };
  if (const std::vector<std::string> of = unread(observations_); observations && !of.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(auto held, txn_.ListObservations(owner_id, of, std::nullopt));
    for (const std::string& id : of) observations_.try_emplace(Key(owner_id, id));
    for (Observation& o : held) observations_[Key(owner_id, o.entity_id)].push_back(std::move(o));
  }
  if (const std::vector<std::string> of = unread(edges_); edges && !of.empty()) {
    store::EdgeQuery q{std::string(owner_id), {}, of, true, false, {}, std::nullopt, std::nullopt};
    ENGRAM_ASSIGN_OR_RETURN(auto leaving, txn_.ListRelations(q));
    for (const std::string& id : of) edges_.try_emplace(Key(owner_id, id));
    for (Relation& r : leaving) edges_[Key(owner_id, r.from_id)].push_back(std::move(r));
  }
  return Status::Ok();
}

Result<std::vector<Entity>> GraphBatch::FindByKey(std::string_view owner_id,
                                                  const std::vector<std::string>& scopes,
                                                  const std::string& key) {
  auto it = by_key_.find(Key(owner_id, key));
  if (it == by_key_.end()) {
    ENGRAM_ASSIGN_OR_RETURN(auto found, txn_.FindEntitiesByKey(owner_id, {}, key, std::nullopt));
    it = by_key_.emplace(Key(owner_id, key), std::move(found)).first;
  }
  std::vector<Entity> out;
  for (const Entity& e : it->second) {
    if (InScopes(scopes, e.scope)) out.push_back(e);
  }
  return out;
}

Result<std::vector<Observation>> GraphBatch::Observations(std::string_view owner_id,
                                                          const std::string& entity_id) {
  auto it = observations_.find(Key(owner_id, entity_id));
  if (it == observations_.end()) {
    ENGRAM_ASSIGN_OR_RETURN(auto held, txn_.ListObservations(owner_id, {entity_id}, std::nullopt));
    it = observations_.emplace(Key(owner_id, entity_id), std::move(held)).first;
  }
  return it->second;
}

Result<std::vector<Relation>> GraphBatch::EdgesFrom(std::string_view owner_id,
                                                    const std::vector<std::string>& scopes,
                                                    const std::string& from_id,
                                                    const std::string& type) {
  auto it = edges_.find(Key(owner_id, from_id));
  if (it == edges_.end()) {
    store::EdgeQuery q{std::string(owner_id), {},          {from_id}, true, false, {},
                       std::nullopt,          std::nullopt};
    ENGRAM_ASSIGN_OR_RETURN(auto leaving, txn_.ListRelations(q));
    it = edges_.emplace(Key(owner_id, from_id), std::move(leaving)).first;
  }
  std::vector<Relation> out;
  for (const Relation& r : it->second) {
    if (r.type == type && InScopes(scopes, r.scope)) out.push_back(r);
  }
  return out;
}

Status GraphBatch::PutEntity(const Entity& e, const std::vector<std::string>& keys, bool fresh) {
  ENGRAM_RETURN_IF_ERROR(txn_.PutEntity(e, keys));
  Entity stored = e;
  stored.observations.clear();
  for (const std::string& k : keys) {
    // A key no read asked for stays unread: a later read of it finds this version in the store.
    if (auto it = by_key_.find(Key(e.owner_id, k)); it != by_key_.end()) Upsert(it->second, stored);
  }
  if (fresh) {
    observations_[Key(e.owner_id, e.id)].clear();
    edges_[Key(e.owner_id, e.id)].clear();
  }
  return Status::Ok();
}

Status GraphBatch::InsertObservation(std::string_view owner_id, const Observation& o) {
  ENGRAM_RETURN_IF_ERROR(txn_.InsertObservation(owner_id, o));
  auto it = observations_.find(Key(owner_id, o.entity_id));
  if (it != observations_.end()) it->second.push_back(o);
  return Status::Ok();
}

Status GraphBatch::PutRelation(const Relation& r) {
  ENGRAM_RETURN_IF_ERROR(txn_.PutRelation(r));
  auto it = edges_.find(Key(r.owner_id, r.from_id));
  if (it != edges_.end()) {
    Relation stored = r;
    stored.from_name.clear();
    stored.to_name.clear();
    Upsert(it->second, stored);
  }
  return Status::Ok();
}

}  // namespace engram::core
