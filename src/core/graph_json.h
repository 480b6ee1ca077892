// The wire JSON of the knowledge graph's records, shared by the CLI and the servers, and the
// snapshots its history rows keep. Timestamps are ISO-8601 strings; absent ones are null.
#pragma once

#include <nlohmann/json.hpp>

#include "engram/graph.h"

namespace engram::core {

nlohmann::json ObservationToJson(const Observation& o);
// With "observations": their texts and, with detailed, the observation objects.
nlohmann::json EntityToJson(const Entity& e, bool detailed = true);
nlohmann::json RelationToJson(const Relation& r);
// {"event", "entity"} / {"event", "relation", "closed": [...]}.
nlohmann::json EntityWriteToJson(const EntityWrite& w);
nlohmann::json RelationWriteToJson(const RelationWrite& w);
// {"entities": [...], "relations": [...]}
nlohmann::json GraphToJson(const Graph& g);
// {"start", "neighbors": [{"depth", "via", "entity"}...], "relations"}
nlohmann::json NeighborhoodToJson(const Neighborhood& n);
// {"entities", "relations"}, or null when there is no path.
nlohmann::json PathToJson(const std::optional<GraphPath>& path);
nlohmann::json GraphDeleteReportToJson(const GraphDeleteReport& r);
// Values are the stored snapshots, embedded as JSON (null when absent).
nlohmann::json GraphHistoryEventToJson(const GraphHistoryEvent& e);

}  // namespace engram::core
