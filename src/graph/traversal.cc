#include "graph/traversal.h"

#include <algorithm>
#include <cstdint>
#include <memory>
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

EdgeSource Prefetching(RoundsSource read, bool out, bool in, std::function<size_t()> rounds) {
  struct Held {
    std::vector<Relation> edges;
    std::unordered_set<std::string> covered;  // whose edges `edges` holds
  };
  auto held = std::make_shared<Held>();
  return [=](const std::vector<std::string>& ids) -> Result<std::vector<Relation>> {
    const bool hit = !held->covered.empty() &&
                     std::all_of(ids.begin(), ids.end(),
                                 [&](const std::string& id) { return held->covered.contains(id); });
    if (!hit) {
      ENGRAM_ASSIGN_OR_RETURN(EdgeRounds got, read(ids, std::max<size_t>(rounds(), 1)));
      if (got.rounds <= 1) {
        // One round is exactly the edges asked for; nothing in it answers a later call.
        held->edges.clear();
        held->covered.clear();
        return std::move(got.edges);
      }
      held->edges = std::move(got.edges);
      held->covered = {ids.begin(), ids.end()};
      // The entities each further round asked for: the far ends of the previous round's edges.
      std::unordered_set<std::string> frontier = held->covered;
      for (size_t round = 1; round < got.rounds && !frontier.empty(); ++round) {
        std::unordered_set<std::string> next;
        auto reach = [&](const std::string& id) {
          if (held->covered.insert(id).second) next.insert(id);
        };
        for (const Relation& r : held->edges) {
          if (out && frontier.contains(r.from_id)) reach(r.to_id);
          if (in && frontier.contains(r.to_id)) reach(r.from_id);
        }
        frontier = std::move(next);
      }
    }
    const std::unordered_set<std::string> asked(ids.begin(), ids.end());
    std::vector<Relation> answer;
    for (const Relation& r : held->edges) {
      if ((out && asked.contains(r.from_id)) || (in && asked.contains(r.to_id))) {
        answer.push_back(r);
      }
    }
    return answer;
  };
}

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
                                                          const EdgeSource& forward,
                                                          const EdgeSource& backward) {
  if (from == to) return std::optional<std::vector<Relation>>(std::vector<Relation>{});
  // One breadth-first search from each end; each step grows the smaller frontier by one hop.
  struct Side {
    std::unordered_map<std::string, Relation> parent;  // entity -> edge it was reached by
    std::unordered_map<std::string, size_t> depth;
    std::vector<std::string> frontier;
  };
  Side sides[2];
  sides[0].depth[from] = 0;
  sides[0].frontier = {from};
  sides[1].depth[to] = 0;
  sides[1].frontier = {to};
  const GraphDirection back = direction == GraphDirection::kOut  ? GraphDirection::kIn
                              : direction == GraphDirection::kIn ? GraphDirection::kOut
                                                                 : GraphDirection::kBoth;
  for (size_t hops = 0; hops < max_hops; ++hops) {
    if (sides[0].frontier.empty() || sides[1].frontier.empty()) break;
    const int s = sides[0].frontier.size() <= sides[1].frontier.size() ? 0 : 1;
    Side& side = sides[s];
    const Side& other = sides[1 - s];
    ENGRAM_ASSIGN_OR_RETURN(std::vector<Relation> hop,
                            (s == 0 ? forward : backward)(side.frontier));
    const std::unordered_set<std::string> current(side.frontier.begin(), side.frontier.end());
    const size_t next_depth = side.depth.at(side.frontier.front()) + 1;
    side.frontier.clear();
    std::string meet;
    size_t best = SIZE_MAX;
    for (const Relation& r : hop) {
      Step(r, s == 0 ? direction : back, current, [&](const std::string& next) {
        if (!side.depth.emplace(next, next_depth).second) return;
        side.parent.emplace(next, r);
        side.frontier.push_back(next);
        auto it = other.depth.find(next);
        if (it != other.depth.end() && next_depth + it->second < best) {
          best = next_depth + it->second;
          meet = next;
        }
      });
    }
    if (meet.empty()) continue;
    // from ... meet, then meet ... to; each half walks back along its parents.
    std::vector<Relation> path;
    for (std::string at = meet; at != from;) {
      const Relation& r = sides[0].parent.at(at);
      path.push_back(r);
      at = r.to_id == at ? r.from_id : r.to_id;  // the end it was reached from
    }
    std::reverse(path.begin(), path.end());
    for (std::string at = meet; at != to;) {
      const Relation& r = sides[1].parent.at(at);
      path.push_back(r);
      at = r.to_id == at ? r.from_id : r.to_id;
    }
    if (path.size() > max_hops) break;
    return std::optional<std::vector<Relation>>(std::move(path));
  }
  return std::optional<std::vector<Relation>>();
}

}  // namespace engram::graph
