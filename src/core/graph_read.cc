// GraphEngine's reads: name resolution, whole-graph reads, search, neighbours, paths, history.
#include <algorithm>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/graph_engine.h"
#include "core/validate.h"
#include "graph/names.h"
#include "graph/traversal.h"
#include "util/time.h"
#include "util/tokenize.h"

namespace engram::core {

namespace {

std::vector<std::string> IdsOf(const std::vector<Entity>& entities) {
  std::vector<std::string> ids;
  ids.reserve(entities.size());
  for (const Entity& e : entities) ids.push_back(e.id);
  return ids;
}

}  // namespace

Result<GraphEngine::View> GraphEngine::ViewOf(std::string_view owner_id,
                                              const GraphReadOptions& o) const {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(ValidateScope(o.scope));
  for (const auto& [field, t] : {std::pair{"as_of", o.as_of}, {"valid_at", o.valid_at}}) {
    if (t) ENGRAM_RETURN_IF_ERROR(util::CheckTimestampRange(field, *t));
  }
  if (o.all_times && o.valid_at) {
    return Status::InvalidArgument("valid_at and all_times exclude each other");
  }
  View view{VisibleScopes(o.scope), o.as_of, std::nullopt};
  if (!o.all_times) view.valid_at = o.valid_at ? o.valid_at : o.as_of ? o.as_of : Now();
  return view;
}

Result<Entity> GraphEngine::Narrowest(std::vector<Entity> found, std::string_view name) {
  if (found.empty()) {
    return Status::NotFound("no entity named '" + std::string(name.substr(0, 256)) +
                            "' (create it first)");
  }
  // The narrowest scope wins: every visible scope is an ancestor of the next, so the longest.
  return std::move(*std::max_element(
      found.begin(), found.end(),
      [](const Entity& a, const Entity& b) { return a.scope.size() < b.scope.size(); }));
}

Result<Entity> GraphEngine::Resolve(store::GraphTransaction& txn, std::string_view owner_id,
                                    const View& view, std::string_view name) {
  const std::string key = graph::NameKey(name);
  if (key.empty()) return Status::InvalidArgument("an entity name has no letters or digits");
  ENGRAM_ASSIGN_OR_RETURN(auto found,
                          txn.FindEntitiesByKey(owner_id, view.scopes, key, view.as_of));
  return Narrowest(std::move(found), name);
}

Result<std::vector<Result<Entity>>> GraphEngine::ResolveAll(store::GraphTransaction& txn,
                                                            std::string_view owner_id,
                                                            const View& view,
                                                            std::span<const std::string> names) {
  std::vector<std::string> keys;
  for (const std::string& name : names) {
    keys.push_back(graph::NameKey(name));
    if (keys.back().empty()) {
      return Status::InvalidArgument("an entity name has no letters or digits");
    }
  }
  std::unordered_map<std::string, std::vector<Entity>> by_key;
  if (!keys.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(auto found,
                            txn.FindEntitiesByKeys(owner_id, view.scopes, keys, view.as_of));
    for (store::KeyedEntity& k : found) by_key[k.key].push_back(std::move(k.entity));
  }
  std::vector<Result<Entity>> out;
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = by_key.find(keys[i]);
    out.push_back(Narrowest(it == by_key.end() ? std::vector<Entity>{} : it->second, names[i]));
  }
  return out;
}

Result<Entity> GraphEngine::Resolve(GraphBatch& batch, std::string_view owner_id,
                                    const std::vector<std::string>& scopes, std::string_view name) {
  const std::string key = graph::NameKey(name);
  if (key.empty()) return Status::InvalidArgument("an entity name has no letters or digits");
  ENGRAM_ASSIGN_OR_RETURN(auto found, batch.FindByKey(owner_id, scopes, key));
  return Narrowest(std::move(found), name);
}

Status GraphEngine::LoadObservations(store::GraphTransaction& txn, std::string_view owner_id,
                                     const View& view, std::vector<Entity>* entities) {
  ENGRAM_ASSIGN_OR_RETURN(auto observations,
                          txn.ListObservations(owner_id, IdsOf(*entities), view.as_of));
  std::unordered_map<std::string, Entity*> by_id;
  for (Entity& e : *entities) by_id[e.id] = &e;
  for (Observation& o : observations) {
    auto it = by_id.find(o.entity_id);
    if (it != by_id.end()) it->second->observations.push_back(std::move(o));
  }
  return Status::Ok();
}

Status GraphEngine::NameEnds(store::GraphTransaction& txn, std::string_view owner_id,
                             const View& view, std::vector<Relation>* relations) {
  std::vector<std::string> ids;
  for (const Relation& r : *relations) {
    ids.push_back(r.from_id);
    ids.push_back(r.to_id);
  }
  ENGRAM_ASSIGN_OR_RETURN(auto entities, txn.GetEntities(owner_id, ids, view.as_of));
  std::unordered_map<std::string, std::string> names;
  for (const Entity& e : entities) names[e.id] = e.name;
  std::erase_if(*relations, [&](Relation& r) {
    auto from = names.find(r.from_id), to = names.find(r.to_id);
    if (from == names.end() || to == names.end()) return true;
    r.from_name = from->second;
    r.to_name = to->second;
    return false;
  });
  return Status::Ok();
}

Result<Graph> GraphEngine::GraphOf(store::GraphTransaction& txn, std::string_view owner_id,
                                   const View& view, std::vector<Entity> entities, bool touching) {
  Graph g;
  std::unordered_set<std::string> ids;
  for (const Entity& e : entities) ids.insert(e.id);
  store::EdgeQuery q{
      std::string(owner_id), view.scopes, IdsOf(entities), true, touching, {}, view.as_of,
      view.valid_at};
  if (!q.entity_ids.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(g.relations, txn.ListRelations(q));
  }
  if (!touching) {
    std::erase_if(g.relations, [&](const Relation& r) { return !ids.contains(r.to_id); });
  }
  std::vector<std::string> wanted = IdsOf(entities);
  std::unordered_set<std::string> asked = ids;
  for (const Relation& r : g.relations) {
    for (const std::string& end : {r.from_id, r.to_id}) {
      if (asked.insert(end).second) wanted.push_back(end);
    }
  }
  ENGRAM_ASSIGN_OR_RETURN(auto rows, txn.GetEntitiesWithObservations(owner_id, wanted, view.as_of));
  std::unordered_map<std::string, Entity> by_id;
  for (Entity& e : rows) by_id.emplace(e.id, std::move(e));
  for (Entity& e : entities) {
    if (auto it = by_id.find(e.id); it != by_id.end()) e.observations = it->second.observations;
  }
  // An edge whose other end the view does not see is dropped, as NameEnds does.
  std::erase_if(g.relations, [&](Relation& r) {
    auto from = by_id.find(r.from_id), to = by_id.find(r.to_id);
    if (from == by_id.end() || to == by_id.end()) return true;
    r.from_name = from->second.name;
    r.to_name = to->second.name;
    return false;
  });
  g.entities = std::move(entities);
  std::sort(g.entities.begin(), g.entities.end(),
            [](const Entity& a, const Entity& b) { return a.name < b.name; });
  return g;
}

Result<Entity> GraphEngine::GetEntity(std::string_view owner_id, std::string_view name,
                                      const GraphReadOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(View view, ViewOf(owner_id, options));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(Entity e, Resolve(*txn, owner_id, view, name));
  std::vector<Entity> one = {std::move(e)};
  ENGRAM_RETURN_IF_ERROR(LoadObservations(*txn, owner_id, view, &one));
  return std::move(one.front());
}

Result<Graph> GraphEngine::ReadGraph(std::string_view owner_id, const GraphReadOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(View view, ViewOf(owner_id, options));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(auto entities, txn->ListEntities(owner_id, view.scopes, view.as_of));
  return GraphOf(*txn, owner_id, view, std::move(entities), /*touching=*/false);
}

Result<Graph> GraphEngine::SearchGraph(std::string_view owner_id, std::string_view query,
                                       const GraphReadOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(View view, ViewOf(owner_id, options));
  ENGRAM_RETURN_IF_ERROR(ValidateText("query", query, 1024));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(auto entities, txn->ListEntities(owner_id, view.scopes, view.as_of));
  ENGRAM_RETURN_IF_ERROR(LoadObservations(*txn, owner_id, view, &entities));
  const std::string needle = util::LowerAscii(query);
  auto has = [&](std::string_view text) {
    return util::LowerAscii(text).find(needle) != std::string::npos;
  };
  std::erase_if(entities, [&](const Entity& e) {
    return !has(e.name) && !has(e.type) && std::none_of(e.aliases.begin(), e.aliases.end(), has) &&
           std::none_of(e.observations.begin(), e.observations.end(),
                        [&](const Observation& o) { return has(o.text); });
  });
  for (Entity& e : entities) e.observations.clear();  // GraphOf loads them again
  return GraphOf(*txn, owner_id, view, std::move(entities), /*touching=*/true);
}

Result<Graph> GraphEngine::OpenEntities(std::string_view owner_id,
                                        std::span<const std::string> names,
                                        const GraphReadOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(View view, ViewOf(owner_id, options));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(auto resolved, ResolveAll(*txn, owner_id, view, names));
  std::vector<Entity> entities;
  for (Result<Entity>& e : resolved) {
    if (!e.ok() && !e.status().IsNotFound()) return e.status();
    const bool fresh = e.ok() && std::none_of(entities.begin(), entities.end(),
                                              [&](const Entity& x) { return x.id == e->id; });
    if (fresh) entities.push_back(std::move(*e));
  }
  return GraphOf(*txn, owner_id, view, std::move(entities), /*touching=*/true);
}

Result<std::vector<Entity>> GraphEngine::MentionedEntities(std::string_view owner_id,
                                                           std::string_view text,
                                                           const GraphReadOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(View view, ViewOf(owner_id, options));
  std::vector<std::string> words = graph::NameWords(text);
  if (words.size() > kMaxMentionText) words.resize(kMaxMentionText);
  // Every run of up to kMaxMentionWords words is a candidate name, all looked up in one read.
  auto key_at = [&](size_t i, size_t n) {
    std::string name = words[i];
    for (size_t j = i + 1; j < i + n; ++j) name += " " + words[j];
    return graph::NameKey(name);
  };
  std::vector<std::string> keys;
  for (size_t i = 0; i < words.size(); ++i) {
    for (size_t n = 1; n <= std::min(kMaxMentionWords, words.size() - i); ++n) {
      if (std::string key = key_at(i, n); !key.empty()) keys.push_back(std::move(key));
    }
  }
  std::vector<Entity> mentioned;
  if (keys.empty()) return mentioned;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(auto found,
                          txn->FindEntitiesByKeys(owner_id, view.scopes, keys, view.as_of));
  if (found.empty()) return mentioned;
  // As Resolve: per key, the entity of the narrowest visible scope.
  std::unordered_map<std::string, Entity> by_key;
  for (store::KeyedEntity& k : found) {
    auto [it, fresh] = by_key.try_emplace(k.key, k.entity);
    if (!fresh && k.entity.scope.size() > it->second.scope.size()) it->second = k.entity;
  }
  // The longest name at each place wins; the scan goes on after it.
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < words.size();) {
    size_t taken = 1;
    for (size_t n = std::min(kMaxMentionWords, words.size() - i); n > 0; --n) {
      auto it = by_key.find(key_at(i, n));
      if (it == by_key.end()) continue;
      if (seen.insert(it->second.id).second) mentioned.push_back(it->second);
      taken = n;
      break;
    }
    i += taken;
  }
  ENGRAM_RETURN_IF_ERROR(LoadObservations(*txn, owner_id, view, &mentioned));
  return mentioned;
}

Result<Neighborhood> GraphEngine::Neighbors(std::string_view owner_id, std::string_view name,
                                            const NeighborOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(View view, ViewOf(owner_id, options.read));
  if (options.depth < 1 || options.depth > kMaxGraphDepth) {
    return Status::InvalidArgument("depth must be between 1 and " + std::to_string(kMaxGraphDepth));
  }
  std::vector<std::string> types;
  for (const std::string& t : options.relation_types) types.push_back(graph::RelationTypeKey(t));
  std::unordered_set<std::string> entity_types;
  for (const std::string& t : options.entity_types) entity_types.insert(graph::NameKey(t));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  Neighborhood out;
  ENGRAM_ASSIGN_OR_RETURN(out.start, Resolve(*txn, owner_id, view, name));
  const bool out_edges = options.direction != GraphDirection::kIn;
  const bool in_edges = options.direction != GraphDirection::kOut;
  // All the hops in as few reads as the store can (one where reads are round trips).
  size_t asked = 0;
  graph::EdgeSource prefetching = graph::Prefetching(
      [&](const std::vector<std::string>& ids, size_t rounds) -> Result<graph::EdgeRounds> {
        ENGRAM_ASSIGN_OR_RETURN(
            store::EdgeBall ball,
            txn->ListRelationsWithin({std::string(owner_id), view.scopes, ids, out_edges, in_edges,
                                      types, view.as_of, view.valid_at},
                                     rounds));
        return graph::EdgeRounds{std::move(ball.edges), ball.hops};
      },
      out_edges, in_edges, [&] { return options.depth + 1 - asked; });
  graph::EdgeSource edges = [&](const std::vector<std::string>& ids) {
    ++asked;
    return prefetching(ids);
  };
  ENGRAM_ASSIGN_OR_RETURN(auto reached, graph::Expand(out.start.id, options.depth,
                                                      options.direction, edges, &out.relations));
  // The start and the entities reached, with their observations, in one read.
  std::vector<std::string> ids = {out.start.id};
  for (const graph::Reached& r : reached) ids.push_back(r.id);
  ENGRAM_ASSIGN_OR_RETURN(auto entities,
                          txn->GetEntitiesWithObservations(owner_id, ids, view.as_of));
  // Every edge followed joins two of the start and the entities reached, so these rows name
  // them all; an edge to an entity the view does not see is dropped, as NameEnds does.
  std::unordered_map<std::string, std::string> names = {{out.start.id, out.start.name}};
  for (const Entity& e : entities) names.emplace(e.id, e.name);
  std::unordered_map<std::string, Entity> by_id;
  for (Entity& e : entities) by_id.emplace(e.id, std::move(e));
  if (auto it = by_id.find(out.start.id); it != by_id.end()) {
    out.start.observations = std::move(it->second.observations);
  }
  // Listed by depth, then name: the order is found on pointers, so the records move once.
  std::vector<std::pair<graph::Reached*, Entity*>> listed;
  for (graph::Reached& r : reached) {
    auto it = by_id.find(r.id);
    if (it == by_id.end()) continue;
    if (!entity_types.empty() && !entity_types.contains(graph::NameKey(it->second.type))) continue;
    listed.emplace_back(&r, &it->second);
  }
  std::stable_sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
    return a.first->depth != b.first->depth ? a.first->depth < b.first->depth
                                            : a.second->name < b.second->name;
  });
  out.neighbors.reserve(listed.size());
  for (auto& [r, e] : listed) out.neighbors.push_back({std::move(*e), r->depth, std::move(r->via)});
  auto named = [&](Relation& r) {
    auto from = names.find(r.from_id), to = names.find(r.to_id);
    if (from == names.end() || to == names.end()) return false;
    r.from_name = from->second;
    r.to_name = to->second;
    return true;
  };
  for (Neighbor& n : out.neighbors) named(n.via);  // its ends are listed entities
  std::erase_if(out.relations, [&](Relation& r) { return !named(r); });
  return out;
}

Result<std::optional<GraphPath>> GraphEngine::FindPath(std::string_view owner_id,
                                                       std::string_view from, std::string_view to,
                                                       size_t max_hops, GraphDirection direction,
                                                       const GraphReadOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(View view, ViewOf(owner_id, options));
  if (max_hops < 1 || max_hops > kMaxGraphDepth) {
    return Status::InvalidArgument("max_hops must be between 1 and " +
                                   std::to_string(kMaxGraphDepth));
  }
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  const std::string ends_named[] = {std::string(from), std::string(to)};
  ENGRAM_ASSIGN_OR_RETURN(auto ends, ResolveAll(*txn, owner_id, view, ends_named));
  ENGRAM_ASSIGN_OR_RETURN(Entity start, std::move(ends[0]));
  ENGRAM_ASSIGN_OR_RETURN(Entity end, std::move(ends[1]));
  // Forward: the edges the direction follows out of a set; backward: those it follows into it.
  // Each side reads two hops at a time (fewer near max_hops) where the store can.
  size_t asked = 0;
  auto edges = [&](bool forward) -> graph::EdgeSource {
    const bool out = forward ? direction != GraphDirection::kIn : direction != GraphDirection::kOut;
    const bool in = forward ? direction != GraphDirection::kOut : direction != GraphDirection::kIn;
    graph::EdgeSource prefetching = graph::Prefetching(
        [&, out, in](const std::vector<std::string>& ids,
                     size_t rounds) -> Result<graph::EdgeRounds> {
          ENGRAM_ASSIGN_OR_RETURN(
              store::EdgeBall ball,
              txn->ListRelationsWithin(
                  {std::string(owner_id), view.scopes, ids, out, in, {}, view.as_of, view.valid_at},
                  rounds));
          return graph::EdgeRounds{std::move(ball.edges), ball.hops};
        },
        out, in, [&] { return std::min<size_t>(2, max_hops + 1 - asked); });
    return [&asked, prefetching](const std::vector<std::string>& ids) {
      ++asked;
      return prefetching(ids);
    };
  };
  ENGRAM_ASSIGN_OR_RETURN(auto hops, graph::ShortestPath(start.id, end.id, max_hops, direction,
                                                         edges(true), edges(false)));
  if (!hops) return std::optional<GraphPath>();
  GraphPath path;
  path.relations = std::move(*hops);
  std::vector<std::string> ids = {start.id};
  for (const Relation& r : path.relations) {
    ids.push_back(r.from_id == ids.back() ? r.to_id : r.from_id);
  }
  ENGRAM_ASSIGN_OR_RETURN(auto entities, txn->GetEntities(owner_id, ids, view.as_of));
  std::unordered_map<std::string, Entity> by_id;
  for (Entity& e : entities) by_id.emplace(e.id, std::move(e));
  for (const std::string& id : ids) {
    auto it = by_id.find(id);
    if (it == by_id.end()) return Status::Internal("a path entity vanished during the read");
    path.entities.push_back(it->second);
  }
  for (Relation& r : path.relations) {  // its ends are path entities
    r.from_name = by_id.at(r.from_id).name;
    r.to_name = by_id.at(r.to_id).name;
  }
  return std::optional<GraphPath>(std::move(path));
}

Result<std::vector<GraphHistoryEvent>> GraphEngine::GetEntityHistory(std::string_view owner_id,
                                                                     std::string_view scope,
                                                                     std::string_view name) {
  GraphReadOptions options;
  options.scope = std::string(scope);
  options.all_times = true;
  ENGRAM_ASSIGN_OR_RETURN(View view, ViewOf(owner_id, options));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(Entity e, Resolve(*txn, owner_id, view, name));
  std::vector<std::string> ids = {e.id};
  ENGRAM_ASSIGN_OR_RETURN(auto observations, txn->ListObservations(owner_id, {e.id}, std::nullopt));
  for (const Observation& o : observations) ids.push_back(o.id);
  ENGRAM_ASSIGN_OR_RETURN(
      auto edges,
      txn->ListRelations(
          {std::string(owner_id), {}, {e.id}, true, true, {}, std::nullopt, std::nullopt}));
  for (const Relation& r : edges) ids.push_back(r.id);
  return txn->GetGraphHistory(owner_id, ids);
}

}  // namespace engram::core
