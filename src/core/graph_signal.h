// The knowledge graph as a signal of hybrid search: the memories a query reaches through the
// entities it names (docs/search.md, "Graph"). A triple written from a memory carries the
// memory's id as its source, so an edge touching a named entity points back to the memory that
// states it, and an edge one hop further to the memory that states what the named entity leads
// to ("which deadlines concern projects Alice manages": Alice -> manages -> Project Alpha ->
// deadline -> March 2026).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/graph_engine.h"
#include "store/store.h"

namespace engram::core {

// What the graph says of one memory: evidence in (0, 1] and why.
struct GraphLink {
  double evidence = 0;
  std::string reason;  // "Alice is named", "1 hop from Alice"
};

// The memories (by rid) that state an edge touching an entity the query names, or an edge of
// one of that entity's neighbours, as the graph stands now at `scope`, with evidence by the
// rules of docs/search.md ("Graph"): an edge whose type the query names (`query_words`, as
// QuestionNeeds::words) is stronger evidence, and then more so one hop further (what the
// question asks for lies at the end of the path); otherwise an edge touching the named entity is
// stronger than one beyond it. Empty when the store keeps no graph, the query names no entity,
// or no edge has a memory as source. The user's own entity is not counted as named: every keyed
// memory of the owner is about it.
Result<std::unordered_map<int64_t, GraphLink>> GraphLinkedMemories(
    GraphEngine& graph, store::Transaction& txn, std::string_view owner_id, std::string_view query,
    const std::vector<std::string>& query_words, const std::string& scope);

}  // namespace engram::core
