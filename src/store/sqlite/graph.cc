// SqliteGraphTransaction: entity, observation and relation versions and the graph's history.
// Lists of ids, scopes and types are bound as JSON arrays and read with json_each, so every
// statement is one cached literal.
#include "store/sqlite/graph.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

namespace engram::store::sqlite {

namespace {

// A JSON array of strings, written directly: a graph read binds lists of a hundred ids, where
// building an nlohmann::json of them first cost a few percent of a neighbourhood's time (perf).
std::string JsonList(const std::vector<std::string>& values) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "[";
  for (const std::string& v : values) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (const char c : v) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (u < 0x20) {
        out += "\\u00";
        out += kHex[u >> 4];
        out += kHex[u & 15];
      } else {
        out += c;
      }
    }
    out += '"';
  }
  out += ']';
  return out;
}

void BindAsOf(Stmt& s, int pos, const std::optional<Timestamp>& as_of) {
  s.BindOptional(pos, as_of);
}

// The versions a read sees: current ones, or those believed at as_of (parameter N).
#define ENGRAM_GRAPH_VIEW(N, FROM)                                           \
  "(CASE WHEN ?" #N " IS NULL THEN expired_at IS NULL ELSE " FROM " <= ?" #N \
  " AND (expired_at IS NULL OR expired_at > ?" #N ") END)"

#define ENGRAM_IN_LIST(COLUMN, N) \
  "(?" #N " = '[]' OR " COLUMN " IN (SELECT value FROM json_each(?" #N ")))"

#define ENGRAM_ENTITY_COLUMNS                                                                    \
  "e.id, e.owner_id, e.scope, e.name, e.type, e.aliases, e.source, e.confidence, e.created_at, " \
  "e.updated_at, e.expired_at"

#define ENGRAM_RELATION_COLUMNS                                                                \
  "rid, id, owner_id, scope, from_id, type, to_id, valid_from, valid_to, source, confidence, " \
  "created_at, updated_at, expired_at"

Entity ReadEntity(const Stmt& s) {
  Entity e;
  e.id = s.ColumnText(0);
  e.owner_id = s.ColumnText(1);
  e.scope = s.ColumnText(2);
  e.name = s.ColumnText(3);
  e.type = s.ColumnText(4);
  // Most entities have no alias: "[]" needs no parse.
  if (const std::string list = s.ColumnText(5); list != "[]") {
    nlohmann::json aliases = nlohmann::json::parse(list, nullptr, false);
    if (aliases.is_array()) {
      for (const auto& a : aliases) {
        if (a.is_string()) e.aliases.push_back(a.get<std::string>());
      }
    }
  }
  e.source = s.ColumnText(6);
  e.confidence = s.ColumnDouble(7);
  e.created_at = s.ColumnInt(8);
  e.updated_at = s.ColumnInt(9);
  e.expired_at = s.ColumnOptionalInt(10);
  return e;
}

Relation ReadRelation(const Stmt& s) {
  Relation r;  // column 0 is the rid
  r.id = s.ColumnText(1);
  r.owner_id = s.ColumnText(2);
  r.scope = s.ColumnText(3);
  r.from_id = s.ColumnText(4);
  r.type = s.ColumnText(5);
  r.to_id = s.ColumnText(6);
  r.valid_from = s.ColumnOptionalInt(7);
  r.valid_to = s.ColumnOptionalInt(8);
  r.source = s.ColumnText(9);
  r.confidence = s.ColumnDouble(10);
  r.created_at = s.ColumnInt(11);
  r.updated_at = s.ColumnInt(12);
  r.expired_at = s.ColumnOptionalInt(13);
  return r;
}

Result<std::vector<Entity>> Entities(Stmt& s) {
  std::vector<Entity> out;
  Status st;
  while (s.Step(&st)) out.push_back(ReadEntity(s));
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::string>> Strings(Stmt& s) {
  std::vector<std::string> out;
  Status st;
  while (s.Step(&st)) out.push_back(s.ColumnText(0));
  if (!st.ok()) return st;
  return out;
}

}  // namespace

Result<std::vector<Entity>> SqliteGraphTransaction::GetEntities(std::string_view owner_id,
                                                                const std::vector<std::string>& ids,
                                                                std::optional<Timestamp> as_of) {
  if (ids.empty()) return std::vector<Entity>{};
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT " ENGRAM_ENTITY_COLUMNS
                             " FROM graph_entities e WHERE owner_id = ?1 AND id IN (SELECT value "
                             "FROM json_each(?2)) AND " ENGRAM_GRAPH_VIEW(3, "updated_at")));
  s->Bind(1, owner_id);
  s->Bind(2, JsonList(ids));
  BindAsOf(*s, 3, as_of);
  return Entities(*s);
}

Result<std::vector<Entity>> SqliteGraphTransaction::GetEntitiesWithObservations(
    std::string_view owner_id, const std::vector<std::string>& ids,
    std::optional<Timestamp> as_of) {
  if (ids.empty()) return std::vector<Entity>{};
  // Two reads: here a read is a function call, not a round trip.
  ENGRAM_ASSIGN_OR_RETURN(auto entities, GetEntities(owner_id, ids, as_of));
  ENGRAM_ASSIGN_OR_RETURN(auto observations, ListObservations(owner_id, ids, as_of));
  std::unordered_map<std::string_view, Entity*> by_id;
  for (Entity& e : entities) by_id[e.id] = &e;
  for (Observation& o : observations) {
    if (auto it = by_id.find(o.entity_id); it != by_id.end()) {
      it->second->observations.push_back(std::move(o));
    }
  }
  return entities;
}

Result<std::vector<Entity>> SqliteGraphTransaction::FindEntitiesByKey(
    std::string_view owner_id, const std::vector<std::string>& scopes, std::string_view key,
    std::optional<Timestamp> as_of) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s,
      conn_->Prepare("SELECT DISTINCT " ENGRAM_ENTITY_COLUMNS
                     " FROM graph_entity_keys k JOIN graph_entities e ON e.rid = k.entity_rid"
                     " WHERE k.owner_id = ?1 AND k.key = ?2 AND " ENGRAM_IN_LIST(
                         "e.scope", 3) " AND " ENGRAM_GRAPH_VIEW(4, "updated_at")));
  s->Bind(1, owner_id);
  s->Bind(2, key);
  s->Bind(3, JsonList(scopes));
  BindAsOf(*s, 4, as_of);
  return Entities(*s);
}

Result<std::vector<KeyedEntity>> SqliteGraphTransaction::FindEntitiesByKeys(
    std::string_view owner_id, const std::vector<std::string>& scopes,
    const std::vector<std::string>& keys, std::optional<Timestamp> as_of) {
  // The owner's first key row gates the rest: an owner without entities costs one probe.
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT DISTINCT " ENGRAM_ENTITY_COLUMNS ", k.key FROM (SELECT 1 FROM"
                             " graph_entity_keys WHERE owner_id = ?1 LIMIT 1) AS any_key CROSS JOIN"
                             " json_each(?2) AS wanted CROSS JOIN graph_entity_keys k CROSS JOIN"
                             " graph_entities e WHERE k.owner_id = ?1 AND k.key = wanted.value AND"
                             " e.rid = k.entity_rid AND " ENGRAM_IN_LIST(
                                 "e.scope", 3) " AND " ENGRAM_GRAPH_VIEW(4, "e.updated_at")));
  s->Bind(1, owner_id);
  s->Bind(2, JsonList(keys));
  s->Bind(3, JsonList(scopes));
  BindAsOf(*s, 4, as_of);
  std::vector<KeyedEntity> out;
  Status st;
  while (s->Step(&st)) out.push_back({s->ColumnText(11), ReadEntity(*s)});
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<Entity>> SqliteGraphTransaction::ListEntities(
    std::string_view owner_id, const std::vector<std::string>& scopes,
    std::optional<Timestamp> as_of) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare(
                  "SELECT " ENGRAM_ENTITY_COLUMNS
                  " FROM graph_entities e WHERE owner_id = ?1 AND " ENGRAM_IN_LIST(
                      "scope", 2) " AND " ENGRAM_GRAPH_VIEW(3, "updated_at") " ORDER BY name, id"));
  s->Bind(1, owner_id);
  s->Bind(2, JsonList(scopes));
  BindAsOf(*s, 3, as_of);
  return Entities(*s);
}

Status SqliteGraphTransaction::PutEntity(const Entity& e, const std::vector<std::string>& keys) {
  {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE graph_entities SET expired_at = ?3"
                                                   " WHERE owner_id = ?1 AND id = ?2 AND"
                                                   " expired_at IS NULL"));
    s->Bind(1, e.owner_id);
    s->Bind(2, e.id);
    s->Bind(3, e.updated_at);
    ENGRAM_RETURN_IF_ERROR(s->Run());
  }
  Entity current = e;
  current.expired_at.reset();
  return InsertEntityVersion(current, keys);
}

Status SqliteGraphTransaction::InsertEntityVersion(const Entity& e,
                                                   const std::vector<std::string>& keys) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("INSERT INTO graph_entities(id, owner_id, scope, name, type, aliases,"
                             " source, confidence, created_at, updated_at, expired_at) VALUES (?1,"
                             " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  s->Bind(1, e.id);
  s->Bind(2, e.owner_id);
  s->Bind(3, e.scope);
  s->Bind(4, e.name);
  s->Bind(5, e.type);
  s->Bind(6, JsonList(e.aliases));
  s->BindOptional(7, e.source);
  s->Bind(8, e.confidence);
  s->Bind(9, e.created_at);
  s->Bind(10, e.updated_at);
  s->BindOptional(11, e.expired_at);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  const int64_t rid = conn_->LastInsertRowid();
  ENGRAM_ASSIGN_OR_RETURN(auto k, conn_->Prepare("INSERT INTO graph_entity_keys(owner_id, key,"
                                                 " entity_rid) VALUES (?1, ?2, ?3)"));
  for (const std::string& key : std::set<std::string>(keys.begin(), keys.end())) {
    k->Bind(1, e.owner_id);
    k->Bind(2, key);
    k->Bind(3, rid);
    ENGRAM_RETURN_IF_ERROR(k->Run());
  }
  return Status::Ok();
}

Status SqliteGraphTransaction::Expire(const char* sql, std::string_view what,
                                      std::string_view owner_id, std::string_view id,
                                      Timestamp at) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
  s->Bind(1, owner_id);
  s->Bind(2, id);
  s->Bind(3, at);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  if (conn_->Changes() == 0) return Status::NotFound("no current " + std::string(what));
  return Status::Ok();
}

Status SqliteGraphTransaction::ExpireEntity(std::string_view owner_id, std::string_view id,
                                            Timestamp at) {
  return Expire(
      "UPDATE graph_entities SET expired_at = ?3 WHERE owner_id = ?1 AND id = ?2 AND"
      " expired_at IS NULL",
      "entity", owner_id, id, at);
}

Result<std::vector<Observation>> SqliteGraphTransaction::ListObservations(
    std::string_view owner_id, const std::vector<std::string>& entity_ids,
    std::optional<Timestamp> as_of) {
  std::vector<Observation> out;
  if (entity_ids.empty()) return out;
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT id, entity_id, text, source, created_at, expired_at FROM"
                             " graph_observations WHERE owner_id = ?1 AND entity_id IN (SELECT"
                             " value FROM json_each(?2)) AND " ENGRAM_GRAPH_VIEW(
                                 3, "created_at") " ORDER BY entity_id, created_at, rid"));
  s->Bind(1, owner_id);
  s->Bind(2, JsonList(entity_ids));
  BindAsOf(*s, 3, as_of);
  Status st;
  while (s->Step(&st)) {
    out.push_back({s->ColumnText(0), s->ColumnText(1), s->ColumnText(2), s->ColumnText(3),
                   s->ColumnInt(4), s->ColumnOptionalInt(5)});
  }
  if (!st.ok()) return st;
  return out;
}

Status SqliteGraphTransaction::InsertObservation(std::string_view owner_id, const Observation& o) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("INSERT INTO graph_observations(id, owner_id, entity_id, text, source,"
                             " created_at, expired_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  s->Bind(1, o.id);
  s->Bind(2, owner_id);
  s->Bind(3, o.entity_id);
  s->Bind(4, o.text);
  s->BindOptional(5, o.source);
  s->Bind(6, o.created_at);
  s->BindOptional(7, o.expired_at);
  return s->Run();
}

Status SqliteGraphTransaction::ExpireObservation(std::string_view owner_id, std::string_view id,
                                                 Timestamp at) {
  return Expire(
      "UPDATE graph_observations SET expired_at = ?3 WHERE owner_id = ?1 AND id = ?2"
      " AND expired_at IS NULL",
      "observation", owner_id, id, at);
}

Result<std::vector<Relation>> SqliteGraphTransaction::ListRelations(const EdgeQuery& q) {
  // One branch per direction, so each uses its index. The rows come unsorted (UNION ALL, no
  // ORDER BY) and are put in rid order here, an edge both branches find kept once: sorting them
  // in SQL copied every row into a temporary b-tree (a tenth of a neighbourhood's time, perf).
#define ENGRAM_EDGE_FILTERS \
  " AND " ENGRAM_IN_LIST("scope", 2) " AND " ENGRAM_IN_LIST("type", 3) " AND " ENGRAM_GRAPH_VIEW( \
      4, "updated_at") " AND (?5 IS NULL OR ((valid_from IS NULL OR valid_from <= ?5) AND"        \
                       " (valid_to IS NULL OR valid_to > ?5)))"
  const char* all_sql =
      "SELECT " ENGRAM_RELATION_COLUMNS
      " FROM graph_relations WHERE owner_id = ?1" ENGRAM_EDGE_FILTERS " ORDER BY rid";
  const char* touching_sql =
      "SELECT " ENGRAM_RELATION_COLUMNS
      " FROM graph_relations WHERE owner_id = ?1 AND ?7 AND from_id IN (SELECT value FROM"
      " json_each(?6))" ENGRAM_EDGE_FILTERS " UNION ALL SELECT " ENGRAM_RELATION_COLUMNS
      " FROM graph_relations WHERE owner_id = ?1 AND ?8 AND to_id IN (SELECT value FROM"
      " json_each(?6))" ENGRAM_EDGE_FILTERS;
#undef ENGRAM_EDGE_FILTERS
  const bool touching = !q.entity_ids.empty();
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(touching ? touching_sql : all_sql));
  s->Bind(1, q.owner_id);
  s->Bind(2, JsonList(q.scopes));
  s->Bind(3, JsonList(q.types));
  BindAsOf(*s, 4, q.as_of);
  s->BindOptional(5, q.valid_at);
  if (touching) {
    s->Bind(6, JsonList(q.entity_ids));
    s->Bind(7, static_cast<int64_t>(q.out));
    s->Bind(8, static_cast<int64_t>(q.in));
  }
  std::vector<std::pair<int64_t, Relation>> rows;
  Status st;
  while (s->Step(&st)) rows.emplace_back(s->ColumnInt(0), ReadRelation(*s));
  if (!st.ok()) return st;
  if (touching) {
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    rows.erase(std::unique(rows.begin(), rows.end(),
                           [](const auto& a, const auto& b) { return a.first == b.first; }),
               rows.end());
  }
  std::vector<Relation> out;
  out.reserve(rows.size());
  for (auto& [rid, r] : rows) out.push_back(std::move(r));
  return out;
}

Result<EdgeBall> SqliteGraphTransaction::ListRelationsWithin(const EdgeQuery& query,
                                                             size_t /*rounds*/) {
  // A read here is a call, not a round trip: one round, and the caller asks again for the next.
  ENGRAM_ASSIGN_OR_RETURN(std::vector<Relation> edges, ListRelations(query));
  return EdgeBall{std::move(edges), 1};
}

Status SqliteGraphTransaction::PutRelation(const Relation& r) {
  {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE graph_relations SET expired_at = ?3"
                                                   " WHERE owner_id = ?1 AND id = ?2 AND"
                                                   " expired_at IS NULL"));
    s->Bind(1, r.owner_id);
    s->Bind(2, r.id);
    s->Bind(3, r.updated_at);
    ENGRAM_RETURN_IF_ERROR(s->Run());
  }
  Relation current = r;
  current.expired_at.reset();
  return InsertRelationVersion(current);
}

Status SqliteGraphTransaction::InsertRelationVersion(const Relation& r) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s,
      conn_->Prepare("INSERT INTO graph_relations(id, owner_id, scope, from_id, type, to_id,"
                     " valid_from, valid_to, source, confidence, created_at, updated_at,"
                     " expired_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                     " ?12, ?13)"));
  s->Bind(1, r.id);
  s->Bind(2, r.owner_id);
  s->Bind(3, r.scope);
  s->Bind(4, r.from_id);
  s->Bind(5, r.type);
  s->Bind(6, r.to_id);
  s->BindOptional(7, r.valid_from);
  s->BindOptional(8, r.valid_to);
  s->BindOptional(9, r.source);
  s->Bind(10, r.confidence);
  s->Bind(11, r.created_at);
  s->Bind(12, r.updated_at);
  s->BindOptional(13, r.expired_at);
  return s->Run();
}

Status SqliteGraphTransaction::ExpireRelation(std::string_view owner_id, std::string_view id,
                                              Timestamp at) {
  return Expire(
      "UPDATE graph_relations SET expired_at = ?3 WHERE owner_id = ?1 AND id = ?2 AND"
      " expired_at IS NULL",
      "relation", owner_id, id, at);
}

Status SqliteGraphTransaction::AppendGraphHistory(const GraphHistoryEvent& e) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("INSERT INTO graph_history(owner_id, kind, object_id, event, actor,"
                             " reason, old_value, new_value, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
                             " ?7, ?8, ?9)"));
  s->Bind(1, e.owner_id);
  s->Bind(2, e.kind);
  s->Bind(3, e.object_id);
  s->Bind(4, e.event);
  s->BindOptional(5, e.actor);
  s->BindOptional(6, e.reason);
  s->BindOptional(7, e.old_value);
  s->BindOptional(8, e.new_value);
  s->Bind(9, e.at);
  return s->Run();
}

Result<std::vector<GraphHistoryEvent>> SqliteGraphTransaction::GetGraphHistory(
    std::string_view owner_id, const std::vector<std::string>& object_ids) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT seq, owner_id, kind, object_id, event, actor, reason,"
                             " old_value, new_value, at FROM graph_history WHERE owner_id = ?1"
                             " AND object_id IN (SELECT value FROM json_each(?2)) ORDER BY seq"));
  s->Bind(1, owner_id);
  s->Bind(2, JsonList(object_ids));
  std::vector<GraphHistoryEvent> out;
  Status st;
  while (s->Step(&st)) {
    out.push_back({s->ColumnInt(0), s->ColumnText(1), s->ColumnText(2), s->ColumnText(3),
                   s->ColumnText(4), s->ColumnText(5), s->ColumnText(6), s->ColumnText(7),
                   s->ColumnText(8), s->ColumnInt(9)});
  }
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::string>> SqliteGraphTransaction::ListGraphOwners() {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT owner_id FROM graph_entities UNION SELECT owner_id FROM"
                             " graph_relations UNION SELECT owner_id FROM graph_history"
                             " ORDER BY 1"));
  return Strings(*s);
}

Result<GraphVersions> SqliteGraphTransaction::ListGraphVersions(std::string_view owner_id) {
  GraphVersions out;
  {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT " ENGRAM_ENTITY_COLUMNS
                                                   " FROM graph_entities e WHERE owner_id = ?1"
                                                   " ORDER BY rid"));
    s->Bind(1, owner_id);
    ENGRAM_ASSIGN_OR_RETURN(out.entities, Entities(*s));
  }
  {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT id, entity_id, text, source, created_at, expired_at FROM"
                               " graph_observations WHERE owner_id = ?1 ORDER BY rid"));
    s->Bind(1, owner_id);
    Status st;
    while (s->Step(&st)) {
      out.observations.push_back({s->ColumnText(0), s->ColumnText(1), s->ColumnText(2),
                                  s->ColumnText(3), s->ColumnInt(4), s->ColumnOptionalInt(5)});
    }
    if (!st.ok()) return st;
  }
  {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT " ENGRAM_RELATION_COLUMNS
                                                   " FROM graph_relations WHERE owner_id = ?1"
                                                   " ORDER BY rid"));
    s->Bind(1, owner_id);
    Status st;
    while (s->Step(&st)) out.relations.push_back(ReadRelation(*s));
    if (!st.ok()) return st;
  }
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT seq, owner_id, kind, object_id, event, actor, reason,"
                             " old_value, new_value, at FROM graph_history WHERE owner_id = ?1"
                             " ORDER BY seq"));
  s->Bind(1, owner_id);
  Status st;
  while (s->Step(&st)) {
    out.history.push_back({s->ColumnInt(0), s->ColumnText(1), s->ColumnText(2), s->ColumnText(3),
                           s->ColumnText(4), s->ColumnText(5), s->ColumnText(6), s->ColumnText(7),
                           s->ColumnText(8), s->ColumnInt(9)});
  }
  if (!st.ok()) return st;
  return out;
}

Result<GraphDeleteReport> SqliteGraphTransaction::EraseEntities(
    std::string_view owner_id, const std::vector<std::string>& ids) {
  const std::string list = JsonList(ids);
  auto collect = [&](const char* sql) -> Result<std::vector<std::string>> {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
    s->Bind(1, owner_id);
    s->Bind(2, list);
    return Strings(*s);
  };
  ENGRAM_ASSIGN_OR_RETURN(auto entities,
                          collect("SELECT DISTINCT id FROM graph_entities WHERE owner_id = ?1"
                                  " AND id IN (SELECT value FROM json_each(?2))"));
  ENGRAM_ASSIGN_OR_RETURN(
      auto relations,
      collect("SELECT DISTINCT id FROM graph_relations WHERE owner_id = ?1 AND (from_id IN"
              " (SELECT value FROM json_each(?2)) OR to_id IN (SELECT value FROM json_each(?2)))"));
  ENGRAM_ASSIGN_OR_RETURN(
      auto observations,
      collect("SELECT DISTINCT id FROM graph_observations WHERE owner_id = ?1 AND entity_id IN"
              " (SELECT value FROM json_each(?2))"));
  std::vector<std::string> all = entities;
  all.insert(all.end(), relations.begin(), relations.end());
  all.insert(all.end(), observations.begin(), observations.end());
  const std::string all_list = JsonList(all);
  const std::string relation_list = JsonList(relations);
  const std::pair<const char*, const std::string*> steps[] = {
      {"DELETE FROM graph_history WHERE owner_id = ?1 AND object_id IN (SELECT value FROM"
       " json_each(?2))",
       &all_list},
      {"DELETE FROM graph_relations WHERE owner_id = ?1 AND id IN (SELECT value FROM"
       " json_each(?2))",
       &relation_list},
      {"DELETE FROM graph_observations WHERE owner_id = ?1 AND entity_id IN (SELECT value FROM"
       " json_each(?2))",
       &list},
      {"DELETE FROM graph_entity_keys WHERE entity_rid IN (SELECT rid FROM graph_entities WHERE"
       " owner_id = ?1 AND id IN (SELECT value FROM json_each(?2)))",
       &list},
      {"DELETE FROM graph_entities WHERE owner_id = ?1 AND id IN (SELECT value FROM"
       " json_each(?2))",
       &list},
  };
  for (const auto& [sql, values] : steps) {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
    s->Bind(1, owner_id);
    s->Bind(2, *values);
    ENGRAM_RETURN_IF_ERROR(s->Run());
  }
  return GraphDeleteReport{static_cast<int64_t>(entities.size()),
                           static_cast<int64_t>(relations.size()),
                           static_cast<int64_t>(observations.size())};
}

Result<GraphDeleteReport> SqliteGraphTransaction::DeleteOwnerGraph(std::string_view owner_id) {
  GraphDeleteReport report;
  const std::pair<const char*, int64_t*> counts[] = {
      {"SELECT count(DISTINCT id) FROM graph_entities WHERE owner_id = ?1", &report.entities},
      {"SELECT count(DISTINCT id) FROM graph_relations WHERE owner_id = ?1", &report.relations},
      {"SELECT count(DISTINCT id) FROM graph_observations WHERE owner_id = ?1",
       &report.observations},
  };
  for (const auto& [sql, out] : counts) {
    ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
    s->Bind(1, owner_id);
    ENGRAM_ASSIGN_OR_RETURN(*out, SingleInt(*s));
  }
  for (const char* sql : {"DELETE FROM graph_history WHERE owner_id = ?1",
                          "DELETE FROM graph_relations WHERE owner_id = ?1",
                          "DELETE FROM graph_observations WHERE owner_id = ?1",
                          "DELETE FROM graph_entity_keys WHERE owner_id = ?1",
                          "DELETE FROM graph_entities WHERE owner_id = ?1"}) {
    ENGRAM_RETURN_IF_ERROR(DeleteWhereOwner(*conn_, sql, owner_id).status());
  }
  return report;
}

}  // namespace engram::store::sqlite
