#include "core/graph_json.h"

#include "util/time.h"

namespace engram::core {

namespace {

using nlohmann::json;

json Time(const std::optional<Timestamp>& t) {
  return t ? json(util::FormatTimestamp(*t)) : json(nullptr);
}

json Stored(const std::string& value) {
  return value.empty() ? json(nullptr) : json::parse(value, nullptr, false);
}

}  // namespace

json ObservationToJson(const Observation& o) {
  return {{"id", o.id},
          {"text", o.text},
          {"source", o.source},
          {"created_at", util::FormatTimestamp(o.created_at)},
          {"expired_at", Time(o.expired_at)}};
}

json EntityToJson(const Entity& e, bool detailed) {
  json observations = json::array();
  for (const Observation& o : e.observations) {
    observations.push_back(detailed ? ObservationToJson(o) : json(o.text));
  }
  return {{"id", e.id},
          {"owner_id", e.owner_id},
          {"scope", e.scope},
          {"name", e.name},
          {"type", e.type},
          {"aliases", e.aliases},
          {"observations", std::move(observations)},
          {"source", e.source},
          {"confidence", e.confidence},
          {"created_at", util::FormatTimestamp(e.created_at)},
          {"updated_at", util::FormatTimestamp(e.updated_at)},
          {"expired_at", Time(e.expired_at)}};
}

json RelationToJson(const Relation& r) {
  return {{"id", r.id},
          {"owner_id", r.owner_id},
          {"scope", r.scope},
          {"from", r.from_name},
          {"from_id", r.from_id},
          {"type", r.type},
          {"to", r.to_name},
          {"to_id", r.to_id},
          {"valid_from", Time(r.valid_from)},
          {"valid_to", Time(r.valid_to)},
          {"source", r.source},
          {"confidence", r.confidence},
          {"created_at", util::FormatTimestamp(r.created_at)},
          {"updated_at", util::FormatTimestamp(r.updated_at)},
          {"expired_at", Time(r.expired_at)}};
}

json EntityWriteToJson(const EntityWrite& w) {
  return {{"event", GraphWriteEventName(w.event)}, {"entity", EntityToJson(w.entity)}};
}

json RelationWriteToJson(const RelationWrite& w) {
  json closed = json::array();
  for (const Relation& r : w.closed) closed.push_back(RelationToJson(r));
  return {{"event", GraphWriteEventName(w.event)},
          {"relation", RelationToJson(w.relation)},
          {"closed", std::move(closed)}};
}

json GraphToJson(const Graph& g) {
  json entities = json::array(), relations = json::array();
  for (const Entity& e : g.entities) entities.push_back(EntityToJson(e));
  for (const Relation& r : g.relations) relations.push_back(RelationToJson(r));
  return {{"entities", std::move(entities)}, {"relations", std::move(relations)}};
}

json NeighborhoodToJson(const Neighborhood& n) {
  json neighbors = json::array(), relations = json::array();
  for (const Neighbor& x : n.neighbors) {
    neighbors.push_back(
        {{"depth", x.depth}, {"via", RelationToJson(x.via)}, {"entity", EntityToJson(x.entity)}});
  }
  for (const Relation& r : n.relations) relations.push_back(RelationToJson(r));
  return {{"start", EntityToJson(n.start)},
          {"neighbors", std::move(neighbors)},
          {"relations", std::move(relations)}};
}

json PathToJson(const std::optional<GraphPath>& path) {
  if (!path) return nullptr;
  json entities = json::array(), relations = json::array();
  for (const Entity& e : path->entities) entities.push_back(EntityToJson(e, false));
  for (const Relation& r : path->relations) relations.push_back(RelationToJson(r));
  return {{"entities", std::move(entities)}, {"relations", std::move(relations)}};
}

json GraphDeleteReportToJson(const GraphDeleteReport& r) {
  return {{"entities", r.entities}, {"relations", r.relations}, {"observations", r.observations}};
}

json GraphHistoryEventToJson(const GraphHistoryEvent& e) {
  return {{"seq", e.seq},
          {"kind", e.kind},
          {"object_id", e.object_id},
          {"event", e.event},
          {"actor", e.actor},
          {"reason", e.reason},
          {"old_value", Stored(e.old_value)},
          {"new_value", Stored(e.new_value)},
          {"at", util::FormatTimestamp(e.at)}};
}

}  // namespace engram::core
