// GraphEngine: the knowledge graph's rules over a store::GraphStore, behind the Engine's graph
// calls (their contracts are in engram/engine.h). Private to src/core:
//   graph_write.cc  entities, observations, relations (single-valued edges, replays), deletion,
//                   imports; through a GraphBatch (graph_batch.h), the reads a batch shares
//   graph_read.cc   lookups, whole-graph reads, search, neighbours, paths, history
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/graph_batch.h"
#include "engram/clock.h"
#include "engram/graph.h"
#include "engram/types.h"
#include "hygiene/redact.h"
#include "store/graph_store.h"
#include "util/ids.h"

namespace engram::core {

class GraphEngine {
 public:
  // `store` may be null (the backend keeps no graph): every call is then FailedPrecondition.
  // clock and redactor outlive the engine.
  GraphEngine(std::shared_ptr<store::GraphStore> store, std::string backend, const Clock* clock,
              const hygiene::Redactor* redactor)
      : store_(std::move(store)),
        backend_(std::move(backend)),
        clock_(clock),
        redactor_(redactor) {}

  // The graph's store; null when the backend keeps none (export and import, core/archive.cc).
  store::GraphStore* store() const { return store_.get(); }
  // Whether the backend keeps a graph (every call is FailedPrecondition otherwise).
  bool available() const { return store_ != nullptr; }

  // ---- graph_write.cc ----
  Result<std::vector<EntityWrite>> AddEntities(std::span<const NewEntity> entities);
  Result<std::vector<RelationWrite>> AddRelations(std::span<const NewRelation> relations);
  Result<GraphImportReport> ImportGraph(std::span<const NewEntity> entities,
                                        std::span<const NewRelation> relations);
  Result<std::vector<Observation>> AddObservations(std::string_view owner_id,
                                                   std::string_view scope, std::string_view entity,
                                                   std::span<const std::string> texts,
                                                   const ChangeInfo& change);
  Result<int64_t> DeleteObservations(std::string_view owner_id, std::string_view scope,
                                     std::string_view entity, std::span<const std::string> texts,
                                     const ChangeInfo& change);
  Result<int64_t> DeleteRelations(std::string_view owner_id, std::string_view scope,
                                  std::span<const RelationRef> relations, const ChangeInfo& change);
  Result<GraphDeleteReport> DeleteEntities(std::string_view owner_id, std::string_view scope,
                                           std::span<const std::string> names, bool erase,
                                           const ChangeInfo& change);
  // Retracts the current edges leaving `from` (resolved at `scope`) whose source is one of
  // `sources`, except the edges whose ids are in `keep`; with open_only, only those without an
  // end (valid_to). Returns how many went: 0 when `from` is unknown. The graph of memories
  // (memory_graph.cc) retracts the edges of deleted and superseded memories so.
  Result<int64_t> RetractSourced(std::string_view owner_id, std::string_view scope,
                                 std::string_view from, std::span<const std::string> sources,
                                 const std::set<std::string>& keep, bool open_only,
                                 const ChangeInfo& change);
  // Erases the owner's graph and its history (Engine::ForgetOwner); nothing when no graph.
  Result<GraphDeleteReport> ForgetOwner(std::string_view owner_id);

  // ---- graph_read.cc ----
  Result<Entity> GetEntity(std::string_view owner_id, std::string_view name,
                           const GraphReadOptions& options);
  Result<Graph> ReadGraph(std::string_view owner_id, const GraphReadOptions& options);
  Result<Graph> SearchGraph(std::string_view owner_id, std::string_view query,
                            const GraphReadOptions& options);
  Result<Graph> OpenEntities(std::string_view owner_id, std::span<const std::string> names,
                             const GraphReadOptions& options);
  Result<std::vector<Entity>> MentionedEntities(std::string_view owner_id, std::string_view text,
                                                const GraphReadOptions& options);
  Result<Neighborhood> Neighbors(std::string_view owner_id, std::string_view name,
                                 const NeighborOptions& options);
  Result<std::optional<GraphPath>> FindPath(std::string_view owner_id, std::string_view from,
                                            std::string_view to, size_t max_hops,
                                            GraphDirection direction,
                                            const GraphReadOptions& options);
  Result<std::vector<GraphHistoryEvent>> GetEntityHistory(std::string_view owner_id,
                                                          std::string_view scope,
                                                          std::string_view name);

 private:
  // What a read sees: versions (as_of) and world time (valid_at; unset: every time).
  struct View {
    std::vector<std::string> scopes;
    std::optional<Timestamp> as_of;
    std::optional<Timestamp> valid_at;
  };

  Timestamp Now() const { return clock_->Now(); }
  Status Available() const;
  // Validates the owner and scope and resolves the read options.
  Result<View> ViewOf(std::string_view owner_id, const GraphReadOptions& options) const;
  std::string Redacted(std::string_view text) const;

  // The entity `name` (a name or alias) visible at the view's scopes; NotFound otherwise.
  static Result<Entity> Resolve(store::GraphTransaction& txn, std::string_view owner_id,
                                const View& view, std::string_view name);
  // The entity of `found` (FindEntitiesByKey's answer for `name`) at the narrowest scope;
  // NotFound when it is empty.
  static Result<Entity> Narrowest(std::vector<Entity> found, std::string_view name);
  // Resolve for several names in one read: for each name, its entity or Resolve's error
  // (InvalidArgument, for a name without letters or digits, fails the whole call).
  static Result<std::vector<Result<Entity>>> ResolveAll(store::GraphTransaction& txn,
                                                        std::string_view owner_id, const View& view,
                                                        std::span<const std::string> names);
  // Resolve within a write batch, at the scopes visible from `scope`.
  static Result<Entity> Resolve(GraphBatch& batch, std::string_view owner_id,
                                const std::vector<std::string>& scopes, std::string_view name);
  // Fills the entities' observations.
  static Status LoadObservations(store::GraphTransaction& txn, std::string_view owner_id,
                                 const View& view, std::vector<Entity>* entities);
  // Fills from_name and to_name; drops edges whose ends the view does not see.
  static Status NameEnds(store::GraphTransaction& txn, std::string_view owner_id, const View& view,
                         std::vector<Relation>* relations);
  // The entities with their observations and the edges among them (touching: the edges with
  // at least one end among them), as the view sees them: two reads, the edges, then the
  // entities' observations and the edges' other ends (GetEntitiesWithObservations).
  static Result<Graph> GraphOf(store::GraphTransaction& txn, std::string_view owner_id,
                               const View& view, std::vector<Entity> entities, bool touching);

  // Writes one history row.
  static Status History(store::GraphTransaction& txn, std::string_view owner_id, const char* kind,
                        const std::string& object_id, const char* event, const std::string& before,
                        const std::string& after, const ChangeInfo& change, Timestamp at);
  // Expires a relation or an observation and writes its "delete" history row.
  static Status Retire(store::GraphTransaction& txn, std::string_view owner_id, const Relation& r,
                       const ChangeInfo& change, Timestamp now);
  static Status Retire(store::GraphTransaction& txn, std::string_view owner_id,
                       const Observation& o, const ChangeInfo& change, Timestamp now);
  // Adds the observations `entity` lacks; appends them to *added.
  Status Observe(GraphBatch& batch, const Entity& entity, std::span<const std::string> texts,
                 const std::string& source, const ChangeInfo& change, Timestamp now,
                 std::vector<Observation>* added);
  // Adds or merges one entity.
  Result<EntityWrite> WriteEntity(GraphBatch& batch, const NewEntity& e, Timestamp now);
  // Adds one edge, ending what a single-valued type replaces.
  Result<RelationWrite> WriteRelation(GraphBatch& batch, const NewRelation& r, Timestamp now);
  // Retracts an entity, its observations and its edges; adds to *report.
  Status RetractEntity(store::GraphTransaction& txn, const Entity& e, const ChangeInfo& change,
                       Timestamp now, GraphDeleteReport* report);

  std::shared_ptr<store::GraphStore> store_;
  std::string backend_;
  const Clock* clock_;
  const hygiene::Redactor* redactor_;
  util::UuidV7Generator ids_;
};

}  // namespace engram::core
