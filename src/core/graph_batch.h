// GraphBatch: what one write transaction of the knowledge graph has read and written (entities
// by key, observations, edges), kept current as the transaction writes, so that a batch of writes
// reads the store once for each thing, not once per item that needs it. The graph writes
// (graph_write.cc) read and write through it; an import (Engine::ImportGraph) first reads
// everything its items name at once (Prefetch). Private to src/core.
//
// It holds current versions only (as a read without as_of sees them) and trusts that every write
// of the transaction that changes them goes through it.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engram/graph.h"
#include "store/graph_store.h"

namespace engram::core {

class GraphBatch {
 public:
  explicit GraphBatch(store::GraphTransaction& txn) : txn_(txn) {}

  store::GraphTransaction& txn() { return txn_; }

  // Reads at once the current entities of the owner with one of these keys (at every scope) and,
  // as asked, their observations and the edges leaving them. Reads nothing when keys is empty.
  Status Prefetch(std::string_view owner_id, const std::vector<std::string>& keys,
                  bool observations, bool edges);

  // The current entities at `scopes` (non-empty) one of whose keys is `key`, in no order.
  Result<std::vector<Entity>> FindByKey(std::string_view owner_id,
                                        const std::vector<std::string>& scopes,
                                        const std::string& key);
  // The entity's current observations, oldest first.
  Result<std::vector<Observation>> Observations(std::string_view owner_id,
                                                const std::string& entity_id);
  // The current edges of `type` leaving `from_id` at `scopes` (non-empty), in the order they
  // were written (as ListRelations gives them).
  Result<std::vector<Relation>> EdgesFrom(std::string_view owner_id,
                                          const std::vector<std::string>& scopes,
                                          const std::string& from_id, const std::string& type);

  // GraphTransaction::PutEntity. `keys` include every key of the version it replaces (a write
  // only adds aliases); `fresh`: a new entity, without observations or edges yet.
  Status PutEntity(const Entity& e, const std::vector<std::string>& keys, bool fresh);
  // GraphTransaction::InsertObservation of a current observation.
  Status InsertObservation(std::string_view owner_id, const Observation& o);
  // GraphTransaction::PutRelation.
  Status PutRelation(const Relation& r);

 private:
  static std::string Key(std::string_view owner_id, std::string_view part);

  store::GraphTransaction& txn_;
  // owner + key -> the current entities with that key, at every scope (observations empty)
  std::unordered_map<std::string, std::vector<Entity>> by_key_;
  // owner + entity id -> its current observations
  std::unordered_map<std::string, std::vector<Observation>> observations_;
  // owner + entity id -> the current edges leaving it, of every type and scope, in write order
  std::unordered_map<std::string, std::vector<Relation>> edges_;
};

}  // namespace engram::core
