// The /v1 knowledge-graph routes of the full model (docs/graph.md), beside the MCP memory server's
// shapes of v1_graph.cc: one entity with its aliases and observations, its neighbours, its history,
// a shortest path, and entity and relation writes with scope, aliases, world time, source and
// confidence. Records are written as core/graph_json.h writes them (engram --json).
#include "core/graph_json.h"
#include "server/params.h"
#include "server/schema.h"
#include "server/v1_routes.h"

namespace engram::server::v1 {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Object;
using schema::Ref;
using schema::Type;

const std::vector<QueryParamDoc>& ReadParams() {
  static const std::vector<QueryParamDoc> params = {
      {"scope", "string", "sees the scope, its ancestors and global (default global)"},
      {"as_of", "string", "what the engine believed then (ISO-8601 or epoch ms)"},
      {"valid_at", "string", "edges true in the world then (default: now)"},
      {"all_times", "boolean", "edges of every world time, ended ones too"}};
  return params;
}

std::vector<QueryParamDoc> WithReadParams(std::vector<QueryParamDoc> params) {
  params.insert(params.end(), ReadParams().begin(), ReadParams().end());
  return params;
}

Result<GraphReadOptions> ReadOptions(const Call& call) {
  GraphReadOptions o;
  std::optional<std::string> scope;
  ENGRAM_RETURN_IF_ERROR(QueryString(call, "scope", &scope));
  if (scope) o.scope = *scope;
  ENGRAM_RETURN_IF_ERROR(QueryTime(call, "as_of", &o.as_of));
  ENGRAM_RETURN_IF_ERROR(QueryTime(call, "valid_at", &o.valid_at));
  std::optional<bool> all_times;
  ENGRAM_RETURN_IF_ERROR(QueryBool(call, "all_times", &all_times));
  o.all_times = all_times.value_or(false);
  return o;
}

Result<GraphDirection> Direction(const Call& call) {
  std::optional<std::string> d = call.Query("direction");
  if (!d || *d == "both") return GraphDirection::kBoth;
  if (*d == "out") return GraphDirection::kOut;
  if (*d == "in") return GraphDirection::kIn;
  return Status::InvalidArgument("direction must be out, in or both");
}

// A list parameter: comma-separated, and it may repeat. Empty items are refused.
Result<std::vector<std::string>> QueryList(const Call& call, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [key, value] : call.query) {
    if (key != name) continue;
    size_t start = 0;
    while (true) {
      const size_t comma = value.find(',', start);
      std::string item = value.substr(start, comma == std::string::npos ? comma : comma - start);
      if (item.empty()) {
        return Status::InvalidArgument(std::string(name) + " holds an empty item");
      }
      out.push_back(std::move(item));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

// A required, non-empty query parameter.
Result<std::string> RequiredQuery(const Call& call, const char* name) {
  std::optional<std::string> v = call.Query(name);
  if (!v || v->empty()) return Status::InvalidArgument(std::string(name) + " is required");
  return *v;
}

// o[name]: absent, or an array of strings.
Status OptionalStrings(const json& o, const char* name, std::vector<std::string>* out) {
  auto it = o.find(name);
  if (it == o.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) return Status::InvalidArgument(std::string(name) + " must be an array");
  for (const json& s : *it) {
    if (!s.is_string()) return Status::InvalidArgument(std::string(name) + " holds strings");
    out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

// body[name]: a non-empty array of objects.
Result<std::vector<json>> Items(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_array() || it->empty()) {
    return Status::InvalidArgument(std::string(name) + " is required (a non-empty array)");
  }
  std::vector<json> out;
  for (const json& o : *it) {
    if (!o.is_object()) return Status::InvalidArgument(std::string(name) + " holds objects");
    out.push_back(o);
  }
  return out;
}

// Prefixes an error with the item it is about.
Status At(const char* name, size_t i, const Status& s) {
  return s.WithPrefix(std::string(name) + "[" + std::to_string(i) + "]: ");
}

Status ReadCommon(const json& item, std::string* scope, std::string* source, double* confidence) {
  std::optional<std::string> s;
  ENGRAM_RETURN_IF_ERROR(GetString(item, "scope", &s));
  if (s) *scope = *s;
  std::optional<std::string> src;
  ENGRAM_RETURN_IF_ERROR(GetString(item, "source", &src));
  if (src) *source = *src;
  std::optional<double> c;
  ENGRAM_RETURN_IF_ERROR(GetNumber(item, "confidence", &c));
  if (c) {
    if (*c < 0 || *c > 1) return Status::InvalidArgument("confidence must be between 0 and 1");
    *confidence = *c;
  }
  return Status::Ok();
}

Result<NewEntity> EntityFromBody(const Call& call, const json& item) {
  ENGRAM_RETURN_IF_ERROR(CheckFields(
      item, {"name", "type", "scope", "aliases", "observations", "source", "confidence"}));
  NewEntity e;
  e.owner_id = Owner(call);
  ENGRAM_ASSIGN_OR_RETURN(e.name, RequireString(item, "name"));
  std::optional<std::string> type;
  ENGRAM_RETURN_IF_ERROR(GetString(item, "type", &type));
  if (type) e.type = *type;
  ENGRAM_RETURN_IF_ERROR(ReadCommon(item, &e.scope, &e.source, &e.confidence));
  ENGRAM_RETURN_IF_ERROR(OptionalStrings(item, "aliases", &e.aliases));
  ENGRAM_RETURN_IF_ERROR(OptionalStrings(item, "observations", &e.observations));
  e.change = Change(call);
  return e;
}

Result<NewRelation> RelationFromBody(const Call& call, const json& item) {
  ENGRAM_RETURN_IF_ERROR(CheckFields(
      item, {"from", "type", "to", "scope", "valid_from", "valid_to", "source", "confidence"}));
  NewRelation r;
  r.owner_id = Owner(call);
  ENGRAM_ASSIGN_OR_RETURN(r.from, RequireString(item, "from"));
  ENGRAM_ASSIGN_OR_RETURN(r.type, RequireString(item, "type"));
  ENGRAM_ASSIGN_OR_RETURN(r.to, RequireString(item, "to"));
  ENGRAM_RETURN_IF_ERROR(ReadCommon(item, &r.scope, &r.source, &r.confidence));
  ENGRAM_RETURN_IF_ERROR(GetTime(item, "valid_from", &r.valid_from));
  ENGRAM_RETURN_IF_ERROR(GetTime(item, "valid_to", &r.valid_to));
  r.change = Change(call);
  return r;
}

Route GraphRoute(const char* method, const std::string& path, const char* id, const char* summary,
                 std::vector<QueryParamDoc> query, json request, json response, Handler handler) {
  const bool has_body = !request.is_null();
  return MakeRoute(
      method, path, 200,
      {id, summary, "graph", std::move(query), std::move(request), has_body, std::move(response)},
      std::move(handler));
}

}  // namespace

void AddGraphModelRoutes(Router& router, Engine& engine) {
  const std::string base = std::string(kOwner) + "/graph";
  const std::string entity = base + "/entities/{name}";

  router.Add(GraphRoute(
      "GET", entity, "getEntity",
      "One entity, found by name or alias (ignoring case and punctuation), with its aliases and "
      "observations",
      ReadParams(), nullptr, Ref("Entity"), [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope", "as_of", "valid_at", "all_times"}));
        ENGRAM_ASSIGN_OR_RETURN(GraphReadOptions o, ReadOptions(call));
        ENGRAM_ASSIGN_OR_RETURN(Entity e, engine.GetEntity(Owner(call), call.path.at("name"), o));
        return Ok(core::EntityToJson(e));
      }));

  router.Add(GraphRoute(
      "GET", entity + "/neighbors", "getNeighbors",
      "The entities within `depth` hops, breadth-first, each at its smallest depth with the edge "
      "that reached it, and every edge followed",
      WithReadParams(
          {{"depth", "integer", "1..6 (default 1)"},
           {"relation_types", "string", "edges followed, comma-separated (may repeat); all"},
           {"entity_types", "string",
            "entities listed, comma-separated (may repeat); all are traversed"},
           {"direction", "string", "out, in or both (default)"}}),
      nullptr, Ref("Neighborhood"), [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope", "as_of", "valid_at", "all_times", "depth",
                                                 "relation_types", "entity_types", "direction"}));
        NeighborOptions o;
        ENGRAM_ASSIGN_OR_RETURN(o.read, ReadOptions(call));
        std::optional<size_t> depth;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "depth", kMaxGraphDepth, &depth));
        if (depth && *depth == 0) {
          return Status::InvalidArgument("depth must be 1.." + std::to_string(kMaxGraphDepth));
        }
        o.depth = depth.value_or(1);
        ENGRAM_ASSIGN_OR_RETURN(o.relation_types, QueryList(call, "relation_types"));
        ENGRAM_ASSIGN_OR_RETURN(o.entity_types, QueryList(call, "entity_types"));
        ENGRAM_ASSIGN_OR_RETURN(o.direction, Direction(call));
        ENGRAM_ASSIGN_OR_RETURN(Neighborhood n,
                                engine.Neighbors(Owner(call), call.path.at("name"), o));
        return Ok(core::NeighborhoodToJson(n));
      }));

  router.Add(GraphRoute(
      "GET", entity + "/history", "getEntityHistory",
      "The history rows of the entity, of its current observations and of the current edges "
      "touching it, oldest first",
      {{"scope", "string", "where the name is resolved (default global)"}}, nullptr,
      Object({{"events", ArrayOf(Ref("GraphHistoryEvent"))}}, {"events"}),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope"}));
        std::optional<std::string> scope;
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "scope", &scope));
        ENGRAM_ASSIGN_OR_RETURN(
            auto events,
            engine.GetEntityHistory(Owner(call), scope.value_or("global"), call.path.at("name")));
        json out = json::array();
        for (const GraphHistoryEvent& e : events) out.push_back(core::GraphHistoryEventToJson(e));
        return Ok(json{{"events", std::move(out)}});
      }));

  router.Add(GraphRoute(
      "GET", base + "/path", "findPath",
      "A shortest path of at most max_hops edges between two entities; path is null when there "
      "is none",
      WithReadParams({{"from", "string", "an entity's name or alias", true},
                      {"to", "string", "an entity's name or alias", true},
                      {"max_hops", "integer", "1..6 (default 4)"},
                      {"direction", "string",
                       "out (edges from `from` towards `to`), in, or both "
                       "(default)"}}),
      nullptr, Object({{"path", json{{"oneOf", {Ref("GraphPath"), Type("null")}}}}}, {"path"}),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope", "as_of", "valid_at", "all_times", "from",
                                                 "to", "max_hops", "direction"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string from, RequiredQuery(call, "from"));
        ENGRAM_ASSIGN_OR_RETURN(std::string to, RequiredQuery(call, "to"));
        std::optional<size_t> hops;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "max_hops", kMaxGraphDepth, &hops));
        if (hops && *hops == 0) {
          return Status::InvalidArgument("max_hops must be 1.." + std::to_string(kMaxGraphDepth));
        }
        ENGRAM_ASSIGN_OR_RETURN(GraphDirection direction, Direction(call));
        ENGRAM_ASSIGN_OR_RETURN(GraphReadOptions o, ReadOptions(call));
        ENGRAM_ASSIGN_OR_RETURN(
            auto path, engine.FindPath(Owner(call), from, to, hops.value_or(4), direction, o));
        return Ok(json{{"path", core::PathToJson(path)}});
      }));

  router.Add(GraphRoute(
      "POST", base + "/entities/add", "addEntities",
      "Create entities with the full model, in one transaction; a name or alias already current "
      "at the scope gets the new aliases and observations (updated) or nothing (existing)",
      {}, Object({{"entities", ArrayOf(Ref("NewEntity"))}}, {"entities"}),
      Object({{"results", ArrayOf(Ref("EntityWrite"))}}, {"results"}),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"entities"}));
        ENGRAM_ASSIGN_OR_RETURN(auto items, Items(call.body, "entities"));
        std::vector<NewEntity> entities;
        for (size_t i = 0; i < items.size(); ++i) {
          Result<NewEntity> e = EntityFromBody(call, items[i]);
          if (!e.ok()) return At("entities", i, e.status());
          entities.push_back(std::move(*e));
        }
        ENGRAM_ASSIGN_OR_RETURN(auto writes, engine.AddEntities(entities));
        json out = json::array();
        for (const EntityWrite& w : writes) out.push_back(core::EntityWriteToJson(w));
        return Ok(json{{"results", std::move(out)}});
      }));

  router.Add(GraphRoute(
      "POST", base + "/relations/add", "addRelations",
      "Create relations with the full model, in one transaction (an unknown end is not_found and "
      "nothing is written); a single-valued type ends the edge it replaces (closed)",
      {}, Object({{"relations", ArrayOf(Ref("NewRelation"))}}, {"relations"}),
      Object({{"results", ArrayOf(Ref("RelationWrite"))}}, {"results"}),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"relations"}));
        ENGRAM_ASSIGN_OR_RETURN(auto items, Items(call.body, "relations"));
        std::vector<NewRelation> relations;
        for (size_t i = 0; i < items.size(); ++i) {
          Result<NewRelation> r = RelationFromBody(call, items[i]);
          if (!r.ok()) return At("relations", i, r.status());
          relations.push_back(std::move(*r));
        }
        ENGRAM_ASSIGN_OR_RETURN(auto writes, engine.AddRelations(relations));
        json out = json::array();
        for (const RelationWrite& w : writes) out.push_back(core::RelationWriteToJson(w));
        return Ok(json{{"results", std::move(out)}});
      }));
}

}  // namespace engram::server::v1
