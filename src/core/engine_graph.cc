// Engine: the knowledge graph's public calls, forwarded to Engine::Impl::graph()
// (core/graph_engine.h).
#include "core/engine_impl.h"
#include "engram/engine.h"

namespace engram {

Result<std::vector<EntityWrite>> Engine::AddEntities(std::span<const NewEntity> entities) {
  return impl_->graph().AddEntities(entities);
}
Result<std::vector<RelationWrite>> Engine::AddRelations(std::span<const NewRelation> relations) {
  return impl_->graph().AddRelations(relations);
}
Result<GraphImportReport> Engine::ImportGraph(std::span<const NewEntity> entities,
                                              std::span<const NewRelation> relations) {
  return impl_->graph().ImportGraph(entities, relations);
}
Result<std::vector<Observation>> Engine::AddObservations(std::string_view owner_id,
                                                         std::string_view scope,
                                                         std::string_view entity,
                                                         std::span<const std::string> texts,
                                                         const ChangeInfo& change) {
  return impl_->graph().AddObservations(owner_id, scope, entity, texts, change);
}
Result<int64_t> Engine::DeleteObservations(std::string_view owner_id, std::string_view scope,
                                           std::string_view entity,
                                           std::span<const std::string> texts,
                                           const ChangeInfo& change) {
  return impl_->graph().DeleteObservations(owner_id, scope, entity, texts, change);
}
Result<int64_t> Engine::DeleteRelations(std::string_view owner_id, std::string_view scope,
                                        std::span<const RelationRef> relations,
                                        const ChangeInfo& change) {
  return impl_->graph().DeleteRelations(owner_id, scope, relations, change);
}
Result<GraphDeleteReport> Engine::DeleteEntities(std::string_view owner_id, std::string_view scope,
                                                 std::span<const std::string> names, bool erase,
                                                 const ChangeInfo& change) {
  return impl_->graph().DeleteEntities(owner_id, scope, names, erase, change);
}
Result<Entity> Engine::GetEntity(std::string_view owner_id, std::string_view name,
                                 const GraphReadOptions& options) {
  return impl_->graph().GetEntity(owner_id, name, options);
}
Result<Graph> Engine::ReadGraph(std::string_view owner_id, const GraphReadOptions& options) {
  return impl_->graph().ReadGraph(owner_id, options);
}
Result<Graph> Engine::SearchGraph(std::string_view owner_id, std::string_view query,
                                  const GraphReadOptions& options) {
  return impl_->graph().SearchGraph(owner_id, query, options);
}
Result<Graph> Engine::OpenEntities(std::string_view owner_id, std::span<const std::string> names,
                                   const GraphReadOptions& options) {
  return impl_->graph().OpenEntities(owner_id, names, options);
}
Result<std::vector<Entity>> Engine::MentionedEntities(std::string_view owner_id,
                                                      std::string_view text,
                                                      const GraphReadOptions& options) {
  return impl_->graph().MentionedEntities(owner_id, text, options);
}
Result<Neighborhood> Engine::Neighbors(std::string_view owner_id, std::string_view name,
                                       const NeighborOptions& options) {
  return impl_->graph().Neighbors(owner_id, name, options);
}
Result<std::optional<GraphPath>> Engine::FindPath(std::string_view owner_id, std::string_view from,
                                                  std::string_view to, size_t max_hops,
                                                  GraphDirection direction,
                                                  const GraphReadOptions& options) {
  return impl_->graph().FindPath(owner_id, from, to, max_hops, direction, options);
}
Result<std::vector<GraphHistoryEvent>> Engine::GetEntityHistory(std::string_view owner_id,
                                                                std::string_view scope,
                                                                std::string_view name) {
  return impl_->graph().GetEntityHistory(owner_id, scope, name);
}

}  // namespace engram
