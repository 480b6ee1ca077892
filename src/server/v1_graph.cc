// The /v1 knowledge-graph routes. Their bodies and answers have the shapes of the official MCP
// memory server's tools ({name, entityType, observations}, {from, to, relationType}), so the MCP
// tools of the same names (mcp/tools.cc) map onto them one to one. The graph is read and written
// at the global scope. docs/graph.md.
#include <set>

#include "graph/names.h"
#include "server/params.h"
#include "server/schema.h"
#include "server/v1_routes.h"

namespace engram::server::v1 {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Object;
using schema::Type;

constexpr const char* kScope = "global";

json EntitySchema() {
  return Object({{"name", Type("string")},
                 {"entityType", Type("string")},
                 {"observations", ArrayOf(Type("string"))}},
                {"name", "entityType", "observations"});
}
json RelationSchema() {
  return Object(
      {{"from", Type("string")}, {"to", Type("string")}, {"relationType", Type("string")}},
      {"from", "to", "relationType"});
}
json GraphSchema() {
  return Object({{"entities", ArrayOf(EntitySchema())}, {"relations", ArrayOf(RelationSchema())}},
                {"entities", "relations"});
}
json MessageSchema() {
  return Object({{"success", Type("boolean")}, {"message", Type("string")}},
                {"success", "message"});
}

json EntityOut(const Entity& e) {
  json observations = json::array();
  for (const Observation& o : e.observations) observations.push_back(o.text);
  return {{"name", e.name}, {"entityType", e.type}, {"observations", std::move(observations)}};
}
json RelationOut(const std::string& from, const std::string& to, const std::string& type) {
  return {{"from", from}, {"to", to}, {"relationType", type}};
}
json GraphOut(const Graph& g) {
  json entities = json::array(), relations = json::array();
  for (const Entity& e : g.entities) entities.push_back(EntityOut(e));
  for (const Relation& r : g.relations) {
    relations.push_back(RelationOut(r.from_name, r.to_name, r.type));
  }
  return {{"entities", std::move(entities)}, {"relations", std::move(relations)}};
}
json Message(const std::string& text) {
  return {{"success", true}, {"message", text}};
}

// body[name]: an array of objects, each with exactly `fields`.
Result<std::vector<json>> Objects(const json& body, const char* name,
                                  std::initializer_list<std::string_view> fields) {
  auto it = body.is_object() ? body.find(name) : body.end();
  if (it == body.end() || !it->is_array()) {
    return Status::InvalidArgument(std::string(name) + " is required (an array)");
  }
  std::vector<json> out;
  for (const json& o : *it) {
    if (!o.is_object()) return Status::InvalidArgument(std::string(name) + " holds objects");
    ENGRAM_RETURN_IF_ERROR(CheckFields(o, fields));
    out.push_back(o);
  }
  return out;
}

// o[name]: an array of strings.
Result<std::vector<std::string>> Strings(const json& o, const char* name) {
  auto it = o.is_object() ? o.find(name) : o.end();
  if (it == o.end() || !it->is_array()) {
    return Status::InvalidArgument(std::string(name) + " is required (an array of strings)");
  }
  std::vector<std::string> out;
  for (const json& s : *it) {
    if (!s.is_string()) return Status::InvalidArgument(std::string(name) + " holds strings");
    out.push_back(s.get<std::string>());
  }
  return out;
}

Result<std::string> Text(const json& o, const char* name) {
  return RequireString(o, name);
}

// Whether `name` names a current entity of the owner.
Result<bool> Exists(Engine& engine, const std::string& owner, const std::string& name) {
  Result<Entity> e = engine.GetEntity(owner, name);
  if (e.ok()) return true;
  if (e.status().IsNotFound()) return false;
  return e.status();
}

Route GraphRoute(const char* method, const std::string& path, const char* id, const char* summary,
                 json request, json response, Handler handler) {
  const bool has_body = !request.is_null();
  return MakeRoute(method, path, 200,
                   {id, summary, "graph", {}, std::move(request), has_body, std::move(response)},
                   std::move(handler));
}

}  // namespace

void AddGraphRoutes(Router& router, Engine& engine) {
  const std::string base = std::string(kOwner) + "/graph";

  router.Add(GraphRoute(
      "POST", base + "/entities", "createEntities",
      "Create entities; names already in the graph are left as they are (returns those created)",
      Object({{"entities", ArrayOf(EntitySchema())}}, {"entities"}),
      Object({{"entities", ArrayOf(EntitySchema())}}, {"entities"}),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"entities"}));
        ENGRAM_ASSIGN_OR_RETURN(
            auto items, Objects(call.body, "entities", {"name", "entityType", "observations"}));
        std::vector<NewEntity> fresh;
        std::set<std::string> keys;
        for (const json& item : items) {
          NewEntity e;
          e.owner_id = Owner(call);
          e.scope = kScope;
          ENGRAM_ASSIGN_OR_RETURN(e.name, Text(item, "name"));
          ENGRAM_ASSIGN_OR_RETURN(e.type, Text(item, "entityType"));
          ENGRAM_ASSIGN_OR_RETURN(e.observations, Strings(item, "observations"));
          e.change = Change(call);
          ENGRAM_ASSIGN_OR_RETURN(bool exists, Exists(engine, e.owner_id, e.name));
          if (!exists && keys.insert(graph::NameKey(e.name)).second) fresh.push_back(std::move(e));
        }
        ENGRAM_ASSIGN_OR_RETURN(auto writes, engine.AddEntities(fresh));
        json out = json::array();
        for (const EntityWrite& w : writes) out.push_back(EntityOut(w.entity));
        return Ok(json{{"entities", std::move(out)}});
      }));

  router.Add(GraphRoute(
      "POST", base + "/relations", "createRelations",
      "Create relations between existing entities (returns those created; an unknown entity is "
      "not_found and nothing is written)",
      Object({{"relations", ArrayOf(RelationSchema())}}, {"relations"}),
      Object({{"relations", ArrayOf(RelationSchema())}}, {"relations"}),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"relations"}));
        ENGRAM_ASSIGN_OR_RETURN(auto items,
                                Objects(call.body, "relations", {"from", "to", "relationType"}));
        std::vector<NewRelation> relations;
        for (const json& item : items) {
          NewRelation r;
          r.owner_id = Owner(call);
          r.scope = kScope;
          ENGRAM_ASSIGN_OR_RETURN(r.from, Text(item, "from"));
          ENGRAM_ASSIGN_OR_RETURN(r.to, Text(item, "to"));
          ENGRAM_ASSIGN_OR_RETURN(r.type, Text(item, "relationType"));
          r.change = Change(call);
          relations.push_back(std::move(r));
        }
        ENGRAM_ASSIGN_OR_RETURN(auto writes, engine.AddRelations(relations));
        json out = json::array();
        for (size_t i = 0; i < writes.size(); ++i) {
          if (writes[i].event != GraphWriteEvent::kAdded) continue;
          // As stored: the entities' own names and the type's key, redacted.
          const Relation& r = writes[i].relation;
          out.push_back(RelationOut(r.from_name, r.to_name, r.type));
        }
        return Ok(json{{"relations", std::move(out)}});
      }));

  const json results_schema =
      Object({{"results", ArrayOf(Object({{"entityName", Type("string")},
                                          {"addedObservations", ArrayOf(Type("string"))}},
                                         {"entityName", "addedObservations"}))}},
             {"results"});
  router.Add(GraphRoute(
      "POST", base + "/observations", "addObservations",
      "Add observations to existing entities (returns those added; an unknown entity is "
      "not_found and nothing is written)",
      Object({{"observations", ArrayOf(Object({{"entityName", Type("string")},
                                               {"contents", ArrayOf(Type("string"))}},
                                              {"entityName", "contents"}))}},
             {"observations"}),
      results_schema, [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"observations"}));
        ENGRAM_ASSIGN_OR_RETURN(auto items,
                                Objects(call.body, "observations", {"entityName", "contents"}));
        std::vector<std::pair<std::string, std::vector<std::string>>> adds;
        for (const json& item : items) {
          ENGRAM_ASSIGN_OR_RETURN(std::string name, Text(item, "entityName"));
          ENGRAM_ASSIGN_OR_RETURN(auto contents, Strings(item, "contents"));
          ENGRAM_ASSIGN_OR_RETURN(bool exists, Exists(engine, Owner(call), name));
          if (!exists) return Status::NotFound("Entity with name " + name + " not found");
          adds.emplace_back(std::move(name), std::move(contents));
        }
        json out = json::array();
        for (const auto& [name, contents] : adds) {
          ENGRAM_ASSIGN_OR_RETURN(auto added, engine.AddObservations(Owner(call), kScope, name,
                                                                     contents, Change(call)));
          json texts = json::array();
          for (const Observation& o : added) texts.push_back(o.text);
          out.push_back({{"entityName", name}, {"addedObservations", std::move(texts)}});
        }
        return Ok(json{{"results", std::move(out)}});
      }));

  router.Add(GraphRoute(
      "POST", base + "/entities/delete", "deleteEntities",
      "Delete entities with their observations and relations",
      Object({{"entityNames", ArrayOf(Type("string"))}}, {"entityNames"}), MessageSchema(),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"entityNames"}));
        ENGRAM_ASSIGN_OR_RETURN(auto names, Strings(call.body, "entityNames"));
        std::vector<std::string> present, missing;
        for (const std::string& name : names) {
          ENGRAM_ASSIGN_OR_RETURN(bool exists, Exists(engine, Owner(call), name));
          (exists ? present : missing).push_back(name);
        }
        ENGRAM_RETURN_IF_ERROR(
            engine.DeleteEntities(Owner(call), kScope, present, false, Change(call)).status());
        std::string message = "Entities deleted successfully";
        if (!missing.empty()) {
          message = "Deleted " + std::to_string(present.size()) + " of " +
                    std::to_string(names.size()) + " entities. Not found: ";
          for (size_t i = 0; i < missing.size(); ++i) message += (i ? ", " : "") + missing[i];
        }
        return Ok(Message(message));
      }));

  router.Add(GraphRoute(
      "POST", base + "/observations/delete", "deleteObservations",
      "Delete observations of entities",
      Object({{"deletions", ArrayOf(Object({{"entityName", Type("string")},
                                            {"observations", ArrayOf(Type("string"))}},
                                           {"entityName", "observations"}))}},
             {"deletions"}),
      MessageSchema(), [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"deletions"}));
        ENGRAM_ASSIGN_OR_RETURN(auto items,
                                Objects(call.body, "deletions", {"entityName", "observations"}));
        int64_t deleted = 0;
        size_t requested = 0;
        std::vector<std::string> missing;
        for (const json& item : items) {
          ENGRAM_ASSIGN_OR_RETURN(std::string name, Text(item, "entityName"));
          ENGRAM_ASSIGN_OR_RETURN(auto texts, Strings(item, "observations"));
          requested += texts.size();
          ENGRAM_ASSIGN_OR_RETURN(bool exists, Exists(engine, Owner(call), name));
          if (!exists) {
            missing.push_back(name);
            continue;
          }
          ENGRAM_ASSIGN_OR_RETURN(
              int64_t n, engine.DeleteObservations(Owner(call), kScope, name, texts, Change(call)));
          deleted += n;
        }
        std::string message = "Observations deleted successfully";
        if (static_cast<size_t>(deleted) != requested) {
          message = "Deleted " + std::to_string(deleted) + " of " + std::to_string(requested) +
                    " observations.";
          if (!missing.empty()) {
            message += " Entities not found: ";
            for (size_t i = 0; i < missing.size(); ++i) message += (i ? ", " : "") + missing[i];
          }
        }
        return Ok(Message(message));
      }));

  router.Add(GraphRoute(
      "POST", base + "/relations/delete", "deleteRelations", "Delete relations",
      Object({{"relations", ArrayOf(RelationSchema())}}, {"relations"}), MessageSchema(),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"relations"}));
        ENGRAM_ASSIGN_OR_RETURN(auto items,
                                Objects(call.body, "relations", {"from", "to", "relationType"}));
        std::vector<RelationRef> refs;
        for (const json& item : items) {
          RelationRef r;
          ENGRAM_ASSIGN_OR_RETURN(r.from, Text(item, "from"));
          ENGRAM_ASSIGN_OR_RETURN(r.to, Text(item, "to"));
          ENGRAM_ASSIGN_OR_RETURN(r.type, Text(item, "relationType"));
          ENGRAM_ASSIGN_OR_RETURN(bool from, Exists(engine, Owner(call), r.from));
          ENGRAM_ASSIGN_OR_RETURN(bool to, Exists(engine, Owner(call), r.to));
          if (from && to) refs.push_back(std::move(r));  // else it matches nothing
        }
        ENGRAM_ASSIGN_OR_RETURN(int64_t deleted,
                                engine.DeleteRelations(Owner(call), kScope, refs, Change(call)));
        const std::string message = static_cast<size_t>(deleted) == items.size()
                                        ? "Relations deleted successfully"
                                        : "Deleted " + std::to_string(deleted) + " of " +
                                              std::to_string(items.size()) +
                                              " relations. The rest matched nothing.";
        return Ok(Message(message));
      }));

  router.Add(GraphRoute("GET", base, "readGraph", "The whole graph: every entity and relation",
                        nullptr, GraphSchema(), [&engine](Call& call) -> Result<Reply> {
                          ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {}));
                          ENGRAM_ASSIGN_OR_RETURN(Graph g, engine.ReadGraph(Owner(call)));
                          return Ok(GraphOut(g));
                        }));

  router.Add(GraphRoute(
      "POST", base + "/search", "searchNodes",
      "Entities whose name, type or an observation contains the query (ignoring case), and the "
      "relations touching them",
      Object({{"query", Type("string")}}, {"query"}), GraphSchema(),
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"query"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string query, Text(call.body, "query"));
        ENGRAM_ASSIGN_OR_RETURN(Graph g, engine.SearchGraph(Owner(call), query));
        return Ok(GraphOut(g));
      }));

  router.Add(
      GraphRoute("POST", base + "/open", "openNodes",
                 "The named entities (unknown names left out) and the relations touching them",
                 Object({{"names", ArrayOf(Type("string"))}}, {"names"}), GraphSchema(),
                 [&engine](Call& call) -> Result<Reply> {
                   ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"names"}));
                   ENGRAM_ASSIGN_OR_RETURN(auto names, Strings(call.body, "names"));
                   ENGRAM_ASSIGN_OR_RETURN(Graph g, engine.OpenEntities(Owner(call), names));
                   return Ok(GraphOut(g));
                 }));
}

}  // namespace engram::server::v1
