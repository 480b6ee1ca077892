// GraphStore: the storage interface of the knowledge graph (engram/graph.h): entity, observation
// and relation versions and their history. Beside store.h (durable memory) and session_store.h
// (session state); a backend that keeps a graph serves it in OpenedBackend::graph (factory.h).
//
// Transactions follow store.h's contract: a read transaction sees one consistent snapshot; a write
// transaction is exclusive among writers and its changes become visible together when Commit()
// returns OK; one destroyed without a successful Commit() rolls back. Stores do not validate input
// (the engine does) but keep owners apart: every method takes the owner and touches only its rows.
//
// Versions: rows are never changed except to expire them. A version is current while expired_at
// is unset; a read with `as_of` T sees the versions with updated_at <= T < expired_at (or unset
// expired_at); observations use created_at for updated_at. Reads without as_of see current rows.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/graph.h"
#include "engram/status.h"

namespace engram::store {

// Relations touching a set of entities, newest version per edge as the view sees it.
struct EdgeQuery {
  std::string owner_id;
  std::vector<std::string> scopes;      // visible scopes; empty: every scope
  std::vector<std::string> entity_ids;  // edges leaving (out) or entering (in) these; empty: all
  bool out = true;
  bool in = true;
  std::vector<std::string> types;  // empty: every type
  std::optional<Timestamp> as_of;
  // Only edges with valid_from <= t < valid_to (unset valid_from or valid_to: unbounded).
  std::optional<Timestamp> valid_at;
};

// An entity one of whose keys is `key` (FindEntitiesByKeys).
struct KeyedEntity {
  std::string key;
  Entity entity;
};

// The edges within some hops of a set of entities (ListRelationsWithin).
struct EdgeBall {
  // The edges of the first `hops` rounds (see ListRelationsWithin), each once, in the order
  // ListRelations gives (the order the versions were written).
  std::vector<Relation> edges;
  size_t hops = 0;  // 1 <= hops <= the rounds asked for
};

// Every version of an owner's graph (ListGraphVersions).
struct GraphVersions {
  std::vector<Entity> entities;
  std::vector<Observation> observations;
  std::vector<Relation> relations;
  std::vector<GraphHistoryEvent> history;  // by seq
};

class GraphTransaction {
 public:
  virtual ~GraphTransaction() = default;
  // Makes the changes durable and visible. After it, the transaction may not be used.
  virtual Status Commit() = 0;

  // ---- entities (observations left empty) ----
  // The entities with these ids (unknown ones left out), in no particular order.
  virtual Result<std::vector<Entity>> GetEntities(std::string_view owner_id,
                                                  const std::vector<std::string>& ids,
                                                  std::optional<Timestamp> as_of) = 0;
  // GetEntities with each entity's observations (as ListObservations gives them), in one read
  // where reads are round trips.
  virtual Result<std::vector<Entity>> GetEntitiesWithObservations(
      std::string_view owner_id, const std::vector<std::string>& ids,
      std::optional<Timestamp> as_of) = 0;
  // The entities in `scopes` (empty: every scope) one of whose keys (as given to PutEntity) is
  // `key`.
  virtual Result<std::vector<Entity>> FindEntitiesByKey(std::string_view owner_id,
                                                        const std::vector<std::string>& scopes,
                                                        std::string_view key,
                                                        std::optional<Timestamp> as_of) = 0;
  // FindEntitiesByKey for many keys in one read: each entity found once per key of `keys` it
  // has, in no particular order. Cheap when the owner has no entity at all (one index probe):
  // every hybrid search asks it.
  virtual Result<std::vector<KeyedEntity>> FindEntitiesByKeys(
      std::string_view owner_id, const std::vector<std::string>& scopes,
      const std::vector<std::string>& keys, std::optional<Timestamp> as_of) = 0;
  // Every entity in `scopes` (empty: every scope), by name.
  virtual Result<std::vector<Entity>> ListEntities(std::string_view owner_id,
                                                   const std::vector<std::string>& scopes,
                                                   std::optional<Timestamp> as_of) = 0;
  // Stores a new version of the entity (owner_id, id) that starts at e.updated_at, expiring the
  // current one at that time if there is one; `keys` (the normalized name and aliases) find it.
  virtual Status PutEntity(const Entity& e, const std::vector<std::string>& keys) = 0;
  // Expires the current version at `at`; NotFound when there is none.
  virtual Status ExpireEntity(std::string_view owner_id, std::string_view id, Timestamp at) = 0;

  // ---- observations ----
  // The observations of these entities, by entity, oldest first.
  virtual Result<std::vector<Observation>> ListObservations(
      std::string_view owner_id, const std::vector<std::string>& entity_ids,
      std::optional<Timestamp> as_of) = 0;
  // Stores o as given (its expired_at too).
  virtual Status InsertObservation(std::string_view owner_id, const Observation& o) = 0;
  // Expires the current observation at `at`; NotFound when there is none.
  virtual Status ExpireObservation(std::string_view owner_id, std::string_view id,
                                   Timestamp at) = 0;

  // ---- relations (names left empty) ----
  virtual Result<std::vector<Relation>> ListRelations(const EdgeQuery& query) = 0;
  // What `rounds` rounds of ListRelations return together, in fewer reads: round 1 asks for the
  // edges of query.entity_ids, each next round for those of the entities the previous rounds
  // reached for the first time (an edge's far end: its to_id for an edge it leaves, when
  // query.out, its from_id for one it enters, when query.in), the query's other filters
  // holding throughout. So the answer holds every edge the query admits at an entity within
  // hops - 1 steps of query.entity_ids. A store whose reads cost a round trip answers all the
  // rounds asked in one statement; one whose reads are cheap may answer fewer (at least one)
  // and say so in `hops`. query.entity_ids must not be empty; rounds >= 1.
  virtual Result<EdgeBall> ListRelationsWithin(const EdgeQuery& query, size_t rounds) = 0;
  // Stores a new version of the relation (owner_id, id) as PutEntity does.
  virtual Status PutRelation(const Relation& r) = 0;
  // Expires the current version at `at`; NotFound when there is none.
  virtual Status ExpireRelation(std::string_view owner_id, std::string_view id, Timestamp at) = 0;

  // ---- whole-owner reads and writes (export and import) ----
  // The owners that have a graph row, sorted.
  virtual Result<std::vector<std::string>> ListGraphOwners() = 0;
  // Every version of the owner's entities, observations and relations, expired ones included, in
  // the order they were written (entities' observations left empty, relations' names too), and
  // the owner's graph history.
  virtual Result<GraphVersions> ListGraphVersions(std::string_view owner_id) = 0;
  // Write versions exactly as given (expired_at included), expiring nothing: an import replays
  // GraphVersions in order into a graph without the owner's rows. `keys` as for PutEntity.
  virtual Status InsertEntityVersion(const Entity& e, const std::vector<std::string>& keys) = 0;
  virtual Status InsertRelationVersion(const Relation& r) = 0;

  // ---- history and erasure ----
  // Appends a history row; its seq is assigned by the store.
  virtual Status AppendGraphHistory(const GraphHistoryEvent& event) = 0;
  // The history rows of these objects, oldest first.
  virtual Result<std::vector<GraphHistoryEvent>> GetGraphHistory(
      std::string_view owner_id, const std::vector<std::string>& object_ids) = 0;
  // Removes every version of these entities, their observations and the relations touching them,
  // and the history of all of those, for good. Counts what was removed (distinct ids).
  virtual Result<GraphDeleteReport> EraseEntities(std::string_view owner_id,
                                                  const std::vector<std::string>& ids) = 0;
  // Removes the owner's whole graph and its history.
  virtual Result<GraphDeleteReport> DeleteOwnerGraph(std::string_view owner_id) = 0;
};

class GraphStore {
 public:
  virtual ~GraphStore() = default;
  // Short backend name, e.g. "sqlite".
  virtual std::string backend() const = 0;
  virtual Result<std::unique_ptr<GraphTransaction>> BeginRead() = 0;
  virtual Result<std::unique_ptr<GraphTransaction>> BeginWrite() = 0;
};

}  // namespace engram::store
