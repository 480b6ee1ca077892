// The knowledge graph's shared schemas in /openapi.json (#/components/schemas/Entity, ...): the
// records as core/graph_json.h writes them, and the inputs of the full-model writes.
#pragma once

#include <nlohmann/json.hpp>

namespace engram::server {

// Adds Entity, Observation, Relation, EntityWrite, RelationWrite, Neighborhood, GraphPath,
// GraphHistoryEvent, NewEntity and NewRelation to `schemas`.
void AddGraphSchemas(nlohmann::json& schemas);

}  // namespace engram::server
