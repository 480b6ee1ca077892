#include "server/graph_schemas.h"

#include "server/schema.h"

namespace engram::server {

using nlohmann::json;
using schema::ArrayOf;
using schema::Nullable;
using schema::Object;
using schema::Ref;
using schema::Type;

void AddGraphSchemas(json& s) {
  const json time = Ref("Time");
  const json event = json{{"type", "string"}, {"enum", {"added", "updated", "existing"}}};
  s["Observation"] = Object({{"id", Type("string")},
                             {"text", Type("string")},
                             {"source", Type("string")},
                             {"created_at", Type("string")},
                             {"expired_at", Nullable("string")}},
                            {"id", "text", "source", "created_at", "expired_at"});
  s["Entity"] = Object(
      {{"id", Type("string")},
       {"owner_id", Type("string")},
       {"scope", Type("string")},
       {"name", Type("string")},
       {"type", Type("string")},
       {"aliases", ArrayOf(Type("string"))},
       {"observations",
        ArrayOf(json{{"oneOf", {Ref("Observation"), Type("string", "the text, in paths")}}})},
       {"source", Type("string")},
       {"confidence", Type("number")},
       {"created_at", Type("string")},
       {"updated_at", Type("string")},
       {"expired_at", Nullable("string")}},
      {"id", "owner_id", "scope", "name", "type", "aliases", "observations", "created_at",
       "updated_at"});
  s["Relation"] = Object(
      {{"id", Type("string")},
       {"owner_id", Type("string")},
       {"scope", Type("string")},
       {"from", Type("string")},
       {"from_id", Type("string")},
       {"type", Type("string", "lower_snake_case")},
       {"to", Type("string")},
       {"to_id", Type("string")},
       {"valid_from", Nullable("string")},
       {"valid_to", Nullable("string")},
       {"source", Type("string")},
       {"confidence", Type("number")},
       {"created_at", Type("string")},
       {"updated_at", Type("string")},
       {"expired_at", Nullable("string")}},
      {"id", "scope", "from", "type", "to", "valid_from", "valid_to", "created_at", "updated_at"});
  s["EntityWrite"] = Object({{"event", event}, {"entity", Ref("Entity")}}, {"event", "entity"});
  s["RelationWrite"] = Object(
      {{"event", event}, {"relation", Ref("Relation")}, {"closed", ArrayOf(Ref("Relation"))}},
      {"event", "relation", "closed"});
  s["Neighborhood"] = Object(
      {{"start", Ref("Entity")},
       {"neighbors",
        ArrayOf(Object(
            {{"depth", Type("integer")}, {"via", Ref("Relation")}, {"entity", Ref("Entity")}},
            {"depth", "via", "entity"}))},
       {"relations", ArrayOf(Ref("Relation"))}},
      {"start", "neighbors", "relations"});
  s["GraphPath"] =
      Object({{"entities", ArrayOf(Ref("Entity"))}, {"relations", ArrayOf(Ref("Relation"))}},
             {"entities", "relations"});
  s["GraphHistoryEvent"] = Object({{"seq", Type("integer")},
                                   {"kind", Type("string", "entity|relation|observation")},
                                   {"object_id", Type("string")},
                                   {"event", Type("string", "add|update|close|delete")},
                                   {"actor", Type("string")},
                                   {"reason", Type("string")},
                                   {"old_value", json::object()},
                                   {"new_value", json::object()},
                                   {"at", Type("string")}},
                                  {"seq", "kind", "object_id", "event", "at"});
  s["NewEntity"] = Object({{"name", Type("string")},
                           {"type", Type("string", "free text, e.g. person")},
                           {"scope", Type("string", "global (default) or a path: project/alpha")},
                           {"aliases", ArrayOf(Type("string"))},
                           {"observations", ArrayOf(Type("string"))},
                           {"source", Type("string", "provenance")},
                           {"confidence", Type("number", "0..1, default 1")}},
                          {"name"});
  s["NewRelation"] =
      Object({{"from", Type("string", "an entity's name or alias")},
              {"type", Type("string", "stored in lower_snake_case")},
              {"to", Type("string", "an entity's name or alias")},
              {"scope", Type("string", "where the ends are resolved and the edge is kept")},
              {"valid_from", time},
              {"valid_to", time},
              {"source", Type("string", "provenance")},
              {"confidence", Type("number", "0..1, default 1")}},
             {"from", "type", "to"});
}

}  // namespace engram::server
