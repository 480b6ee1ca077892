// Breadth-first traversal of the knowledge graph over an edge source, one call per hop, so it
// runs the same on every backend; a source may answer several hops from one read (Prefetching)
// where reads cost round trips (docs/graph.md measures it).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engram/graph.h"
#include "engram/status.h"

namespace engram::graph {

// The edges of the view being read that touch any of `ids` in the allowed directions.
using EdgeSource =
    std::function<Result<std::vector<Relation>>(const std::vector<std::string>& ids)>;

// What one read of several rounds of edges gives (store::EdgeBall): every edge of the entities
// within rounds - 1 steps of those asked for, in ListRelations' order.
struct EdgeRounds {
  std::vector<Relation> edges;
  size_t rounds = 0;
};
// Reads the edges of up to `rounds` rounds from `ids` (GraphTransaction::ListRelationsWithin).
using RoundsSource =
    std::function<Result<EdgeRounds>(const std::vector<std::string>& ids, size_t rounds)>;

// An EdgeSource over reads of several rounds that follow edges leaving (out) and entering (in)
// the entities asked for: a call whose entities all lie within the rounds the last read covered
// gets the edges of theirs in that read, in its order (what one read per call would give); any
// other call reads again, asking for `rounds()` rounds (at least 1).
EdgeSource Prefetching(RoundsSource read, bool out, bool in, std::function<size_t()> rounds);

struct Reached {
  std::string id;
  size_t depth = 0;
  Relation via;  // the edge that reached it first
};

// Every entity within `depth` hops of start (start excluded), at its smallest depth, in the order
// reached; *followed gets every edge seen, each once.
Result<std::vector<Reached>> Expand(const std::string& start, size_t depth,
                                    GraphDirection direction, const EdgeSource& edges,
                                    std::vector<Relation>* followed);

// The edges of a shortest path from `from` to `to` of at most max_hops, in order; nullopt when
// there is none. An empty path when from == to. Searches from both ends: `forward` gives the
// edges `direction` follows from a set of entities, `backward` those it follows into them.
Result<std::optional<std::vector<Relation>>> ShortestPath(const std::string& from,
                                                          const std::string& to, size_t max_hops,
                                                          GraphDirection direction,
                                                          const EdgeSource& forward,
                                                          const EdgeSource& backward);

}  // namespace engram::graph
