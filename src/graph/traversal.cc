#include "graph/traversal.h"

#include <unordered_map>
#include <unordered_set>

namespace engram::graph {

namespace {

// The entities one edge leads to from the frontier, as the direction allows.
template <typename F>
void Step(const Relation& r, GraphDirection direction,
          const std::unordered_set<std::string>& frontier, F&& visit) {
  if (direction != GraphDirection::kIn && frontier.contains(r.from_id)) visit(r.to_id);
  if (direction != GraphDirection::kOut && frontier.contains(r.to_id)) visit(r.from_id);
}

}  // namespace

Result<std::vector<Reached>> Expand(const std::string& start, size_t depth,
                                    GraphDirection direction, const EdgeSource& edges,
                                    std::vector<Relation>* followed) {
  std::vector<Reached> out;
  std::unordered_set<std::string> seen = {start};
  std::unordered_set<std::string> seen_edges;
  std::vector<std::string> frontier = {start};
  for (size_t d = 1; d <= depth && !frontier.empty(); ++d) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<Relation> hop, edges(frontier));
    const std::unordered_set<std::string> current(frontier.begin(), frontier.end());
    frontier.clear();
    for (Relation& r : hop) {
      Step(r, direction, current, [&](const std::string& next) {
        if (!seen.insert(next).second) return;
        frontier.push_back(next);
        out.push_back({next, d, r});
      });
      if (followed && seen_edges.insert(r.id).second) followed->push_back(std::move(r));
    }
  }
  return out;
}

Result<std::optional<std::vector<Relation>>> ShortestPath(const std::string& from,
                                                          const std::string& to, size_t max_hops,
                                                          GraphDirection direction,
                                                          const EdgeSource& edges) {
  if (from == to) return std::optional<std::vector<Relation>>(std::vector<Relation>{});
  std::unordered_map<std::string, Relation> parent;  // entity -> edge it was reached by
  std::unordered_set<std::string> seen = {from};
  std::vector<std::string> frontier = {from};
  for (size_t d = 1; d <= max_hops && !frontier.empty(); ++d) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<Relation> hop, edges(frontier));
    const std::unordered_set<std::string> current(frontier.begin(), frontier.end());
    frontier.clear();
    for (const Relation& r : hop) {
      Step(r, direction, current, [&](const std::string& next) {
        if (!seen.insert(next).second) return;
        parent.emplace(next, r);
        frontier.push_back(next);
      });
    }
    if (!seen.contains(to)) continue;
    std::vector<Relation> path;
    for (std::string at = to; at != from;) {
      const Relation& r = parent.at(at);
      path.push_back(r);
      at = r.to_id == at ? r.from_id : r.to_id;  // the end it was reached from
    }
    return std::optional<std::vector<Relation>>(std::vector<Relation>(path.rbegin(), path.rend()));
  }
  return std::optional<std::vector<Relation>>();
}

}  // namespace engram::graph
