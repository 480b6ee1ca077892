// Which relation types hold one value at a time (data: src/hygiene/rules/graph_single_valued.txt).
#pragma once

#include <string_view>

namespace engram::graph {

// True when a new edge of this type (as RelationTypeKey gives it) from an entity ends the one it
// replaces ("works_at", "lives_in", "deadline"); false when edges accumulate ("likes", "uses").
bool IsSingleValued(std::string_view type);

}  // namespace engram::graph
