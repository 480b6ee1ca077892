// PgGraphTransaction: entity, observation and relation versions and the graph's history. The
// SQL mirrors store/sqlite/graph.cc. Connections plan each statement for its values
// (force_custom_plan), so the "empty list: all" and "no as_of: current" terms fold away.
#include "store/postgres/graph.h"

#include <nlohmann/json.hpp>
#include <set>

namespace engram::store::pg {

namespace {

// The versions a read sees: current ones, or those believed at as_of (parameter N).
#define ENGRAM_PG_GRAPH_VIEW(N, FROM)                                                \
  "(CASE WHEN $" #N "::bigint IS NULL THEN expired_at IS NULL ELSE " FROM " <= $" #N \
  " AND (expired_at IS NULL OR expired_at > $" #N ") END)"

#define ENGRAM_PG_IN_LIST(COLUMN, N) \
  "(cardinality($" #N "::text[]) = 0 OR " COLUMN " = ANY($" #N "::text[]))"

#define ENGRAM_PG_ENTITY_COLUMNS                                                                 \
  "e.id, e.owner_id, e.scope, e.name, e.type, e.aliases, e.source, e.confidence, e.created_at, " \
  "e.updated_at, e.expired_at"

#define ENGRAM_PG_RELATION_COLUMNS                                                             \
  "rid, id, owner_id, scope, from_id, type, to_id, valid_from, valid_to, source, confidence, " \
  "created_at, updated_at, expired_at"

#define ENGRAM_PG_GRAPH_HISTORY_COLUMNS \
  "seq, owner_id, kind, object_id, event, actor, reason, old_value, new_value, at"

std::vector<Entity> ReadEntities(const Rows& rows) {
  std::vector<Entity> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    Entity e;
    e.id = rows.Text(i, 0);
    e.owner_id = rows.Text(i, 1);
    e.scope = rows.Text(i, 2);
    e.name = rows.Text(i, 3);
    e.type = rows.Text(i, 4);
    nlohmann::json aliases = nlohmann::json::parse(rows.Text(i, 5), nullptr, false);
    if (aliases.is_array()) {
      for (const auto& a : aliases) {
        if (a.is_string()) e.aliases.push_back(a.get<std::string>());
      }
    }
    e.source = rows.Text(i, 6);
    e.confidence = rows.Double(i, 7);
    e.created_at = rows.Int(i, 8);
    e.updated_at = rows.Int(i, 9);
    e.expired_at = rows.OptionalInt(i, 10);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Relation> ReadRelations(const Rows& rows) {
  std::vector<Relation> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    Relation r;  // column 0 is the rid
    r.id = rows.Text(i, 1);
    r.owner_id = rows.Text(i, 2);
    r.scope = rows.Text(i, 3);
    r.from_id = rows.Text(i, 4);
    r.type = rows.Text(i, 5);
    r.to_id = rows.Text(i, 6);
    r.valid_from = rows.OptionalInt(i, 7);
    r.valid_to = rows.OptionalInt(i, 8);
    r.source = rows.Text(i, 9);
    r.confidence = rows.Double(i, 10);
    r.created_at = rows.Int(i, 11);
    r.updated_at = rows.Int(i, 12);
    r.expired_at = rows.OptionalInt(i, 13);
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<Observation> ReadObservations(const Rows& rows) {
  std::vector<Observation> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({rows.Text(i, 0), rows.Text(i, 1), rows.Text(i, 2), rows.Text(i, 3),
                   rows.Int(i, 4), rows.OptionalInt(i, 5)});
  }
  return out;
}

std::vector<GraphHistoryEvent> ReadGraphHistory(const Rows& rows) {
  std::vector<GraphHistoryEvent> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) {
    out.push_back({rows.Int(i, 0), rows.Text(i, 1), rows.Text(i, 2), rows.Text(i, 3),
                   rows.Text(i, 4), rows.Text(i, 5), rows.Text(i, 6), rows.Text(i, 7),
                   rows.Text(i, 8), rows.Int(i, 9)});
  }
  return out;
}

std::vector<std::string> FirstColumn(const Rows& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Text(i, 0));
  return out;
}

}  // namespace

Result<std::vector<Entity>> PgGraphTransaction::GetEntities(std::string_view owner_id,
                                                            const std::vector<std::string>& ids,
                                                            std::optional<Timestamp> as_of) {
  if (ids.empty()) return std::vector<Entity>{};
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT " ENGRAM_PG_ENTITY_COLUMNS " FROM graph_entities e WHERE owner_id = $1"
            " AND id = ANY($2::text[]) AND " ENGRAM_PG_GRAPH_VIEW(3, "updated_at"),
            {P(owner_id), TextArray(ids), P(as_of)}));
  return ReadEntities(rows);
}

Result<std::vector<Entity>> PgGraphTransaction::GetEntitiesWithObservations(
    std::string_view owner_id, const std::vector<std::string>& ids,
    std::optional<Timestamp> as_of) {
  if (ids.empty()) return std::vector<Entity>{};
  // One row per observation (one with NULLs for an entity without any), by entity, then as
  // ListObservations orders them.
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT " ENGRAM_PG_ENTITY_COLUMNS ", o.id, o.entity_id, o.text, o.source,"
            " o.created_at, o.expired_at FROM graph_entities e LEFT JOIN graph_observations o ON"
            " o.owner_id = e.owner_id AND o.entity_id = e.id AND (CASE WHEN $3::bigint IS NULL"
            " THEN o.expired_at IS NULL ELSE o.created_at <= $3 AND (o.expired_at IS NULL OR"
            " o.expired_at > $3) END) WHERE e.owner_id = $1 AND e.id = ANY($2::text[]) AND (CASE"
            " WHEN $3::bigint IS NULL THEN e.expired_at IS NULL ELSE e.updated_at <= $3 AND"
            " (e.expired_at IS NULL OR e.expired_at > $3) END) ORDER BY e.id, o.created_at, o.rid",
            {P(owner_id), TextArray(ids), P(as_of)}));
  std::vector<Entity> rows_entities = ReadEntities(rows);
  std::vector<Entity> out;
  for (int i = 0; i < rows.size(); ++i) {
    if (out.empty() || out.back().id != rows_entities[i].id) {
      out.push_back(std::move(rows_entities[i]));
    }
    if (!rows.IsNull(i, 11)) {
      out.back().observations.push_back({rows.Text(i, 11), rows.Text(i, 12), rows.Text(i, 13),
                                         rows.Text(i, 14), rows.Int(i, 15),
                                         rows.OptionalInt(i, 16)});
    }
  }
  return out;
}

Result<std::vector<Entity>> PgGraphTransaction::FindEntitiesByKey(
    std::string_view owner_id, const std::vector<std::string>& scopes, std::string_view key,
    std::optional<Timestamp> as_of) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT " ENGRAM_PG_ENTITY_COLUMNS " FROM graph_entities e WHERE e.rid IN (SELECT"
            " k.entity_rid FROM graph_entity_keys k WHERE k.owner_id = $1 AND k.key = $2)"
            " AND " ENGRAM_PG_IN_LIST("e.scope", 3) " AND " ENGRAM_PG_GRAPH_VIEW(4, "updated_at"),
            {P(owner_id), P(key), TextArray(scopes), P(as_of)}));
  return ReadEntities(rows);
}

Result<std::vector<KeyedEntity>> PgGraphTransaction::FindEntitiesByKeys(
    std::string_view owner_id, const std::vector<std::string>& scopes,
    const std::vector<std::string>& keys, std::optional<Timestamp> as_of) {
  // The EXISTS runs once, before the rest (an InitPlan): an owner without entities costs one
  // index probe.
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT DISTINCT " ENGRAM_PG_ENTITY_COLUMNS ", k.key FROM graph_entity_keys k JOIN"
            " graph_entities e ON e.rid = k.entity_rid WHERE EXISTS (SELECT 1 FROM"
            " graph_entity_keys WHERE owner_id = $1) AND k.owner_id = $1 AND k.key ="
            " ANY($2::text[]) AND " ENGRAM_PG_IN_LIST("e.scope", 3) " AND " ENGRAM_PG_GRAPH_VIEW(
                4, "e.updated_at"),
            {P(owner_id), TextArray(keys), TextArray(scopes), P(as_of)}));
  std::vector<Entity> entities = ReadEntities(rows);
  std::vector<KeyedEntity> out;
  out.reserve(entities.size());
  for (int i = 0; i < rows.size(); ++i) out.push_back({rows.Text(i, 11), std::move(entities[i])});
  return out;
}

Result<std::vector<Entity>> PgGraphTransaction::ListEntities(std::string_view owner_id,
                                                             const std::vector<std::string>& scopes,
                                                             std::optional<Timestamp> as_of) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT " ENGRAM_PG_ENTITY_COLUMNS " FROM graph_entities e WHERE owner_id = $1"
            " AND " ENGRAM_PG_IN_LIST("scope", 2) " AND " ENGRAM_PG_GRAPH_VIEW(
                3, "updated_at") " ORDER BY name, id",
            {P(owner_id), TextArray(scopes), P(as_of)}));
  return ReadEntities(rows);
}

Status PgGraphTransaction::PutEntity(const Entity& e, const std::vector<std::string>& keys) {
  ENGRAM_RETURN_IF_ERROR(
      Send("UPDATE graph_entities SET expired_at = $3 WHERE owner_id = $1"
           " AND id = $2 AND expired_at IS NULL",
           {P(e.owner_id), P(e.id), P(e.updated_at)}));
  Entity current = e;
  current.expired_at.reset();
  return InsertEntityVersion(current, keys);
}

Status PgGraphTransaction::Commit() {
  if (inserted_ >= kAnalyzeAfterRows) {
    ENGRAM_RETURN_IF_ERROR(
        Send("ANALYZE graph_entities, graph_entity_keys, graph_observations, graph_relations", {}));
  }
  return txn_.Commit();
}

Status PgGraphTransaction::InsertEntityVersion(const Entity& e,
                                               const std::vector<std::string>& keys) {
  ++inserted_;
  const std::set<std::string> distinct(keys.begin(), keys.end());
  return Send(
      "WITH version AS (INSERT INTO graph_entities(id, owner_id, scope, name, type,"
      " aliases, source, confidence, created_at, updated_at, expired_at) VALUES ($1, $2,"
      " $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING rid)"
      " INSERT INTO graph_entity_keys(owner_id, key, entity_rid)"
      " SELECT $2, k, version.rid FROM version, unnest($12::text[]) AS k",
      {P(e.id), P(e.owner_id), P(e.scope), P(e.name), P(e.type),
       P(nlohmann::json(e.aliases).dump()), OptionalText(e.source), P(e.confidence),
       P(e.created_at), P(e.updated_at), P(e.expired_at),
       TextArray(std::vector<std::string>(distinct.begin(), distinct.end()))});
}

Status PgGraphTransaction::Expire(const char* sql, std::string_view what, std::string_view owner_id,
                                  std::string_view id, Timestamp at) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query(sql, {P(owner_id), P(id), P(at)}));
  if (rows.Affected() == 0) return Status::NotFound("no current " + std::string(what));
  return Status::Ok();
}

Status PgGraphTransaction::ExpireEntity(std::string_view owner_id, std::string_view id,
                                        Timestamp at) {
  return Expire(
      "UPDATE graph_entities SET expired_at = $3 WHERE owner_id = $1 AND id = $2 AND"
      " expired_at IS NULL",
      "entity", owner_id, id, at);
}

Result<std::vector<Observation>> PgGraphTransaction::ListObservations(
    std::string_view owner_id, const std::vector<std::string>& entity_ids,
    std::optional<Timestamp> as_of) {
  if (entity_ids.empty()) return std::vector<Observation>{};
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT id, entity_id, text, source, created_at, expired_at FROM graph_observations"
            " WHERE owner_id = $1 AND entity_id = ANY($2::text[]) AND " ENGRAM_PG_GRAPH_VIEW(
                3, "created_at") " ORDER BY entity_id, created_at, rid",
            {P(owner_id), TextArray(entity_ids), P(as_of)}));
  return ReadObservations(rows);
}

Status PgGraphTransaction::InsertObservation(std::string_view owner_id, const Observation& o) {
  ++inserted_;
  return Send(
      "INSERT INTO graph_observations(id, owner_id, entity_id, text, source, created_at,"
      " expired_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {P(o.id), P(owner_id), P(o.entity_id), P(o.text), OptionalText(o.source), P(o.created_at),
       P(o.expired_at)});
}

Status PgGraphTransaction::ExpireObservation(std::string_view owner_id, std::string_view id,
                                             Timestamp at) {
  return Expire(
      "UPDATE graph_observations SET expired_at = $3 WHERE owner_id = $1 AND id = $2"
      " AND expired_at IS NULL",
      "observation", owner_id, id, at);
}

// The filters of an EdgeQuery: $2 scopes, $3 types, $4 as_of, $5 valid_at.
#define ENGRAM_PG_EDGE_FILTERS \
  " AND " ENGRAM_PG_IN_LIST("scope", 2) " AND " ENGRAM_PG_IN_LIST(                            \
      "type", 3) " AND " ENGRAM_PG_GRAPH_VIEW(4, "updated_at") " AND ($5::bigint IS NULL OR"  \
                                                               " ((valid_from IS NULL OR"     \
                                                               " valid_from <= $5) AND"       \
                                                               " (valid_to IS NULL OR"        \
                                                               " valid_to > $5)))"

Result<std::vector<Relation>> PgGraphTransaction::ListRelations(const EdgeQuery& q) {
  // One branch per direction, so each uses its index; UNION drops an edge both branches find.
  static constexpr const char* kAll =
      "SELECT " ENGRAM_PG_RELATION_COLUMNS
      " FROM graph_relations WHERE owner_id = $1" ENGRAM_PG_EDGE_FILTERS " ORDER BY rid";
  static constexpr const char* kTouching =
      "SELECT " ENGRAM_PG_RELATION_COLUMNS
      " FROM graph_relations WHERE owner_id = $1 AND $7::boolean AND from_id ="
      " ANY($6::text[])" ENGRAM_PG_EDGE_FILTERS " UNION SELECT " ENGRAM_PG_RELATION_COLUMNS
      " FROM graph_relations WHERE owner_id = $1 AND $8::boolean AND to_id ="
      " ANY($6::text[])" ENGRAM_PG_EDGE_FILTERS " ORDER BY rid";
  std::vector<Param> params = {P(q.owner_id), TextArray(q.scopes), TextArray(q.types), P(q.as_of),
                               P(q.valid_at)};
  if (!q.entity_ids.empty()) {
    params.push_back(TextArray(q.entity_ids));
    params.push_back(P(q.out ? "true" : "false"));
    params.push_back(P(q.in ? "true" : "false"));
  }
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query(q.entity_ids.empty() ? kAll : kTouching, params));
  return ReadRelations(rows);
}

Result<EdgeBall> PgGraphTransaction::ListRelationsWithin(const EdgeQuery& q, size_t rounds) {
  // reach: the entities whose edges a round asks for, with the round that first may ask ($9
  // rounds in all); then the edges of all of them, as ListRelations selects them.
  static constexpr const char* kWithin =
      "WITH RECURSIVE reach(id, round) AS (SELECT DISTINCT unnest($6::text[]) COLLATE \"C\", 1 "
      "UNION SELECT"
      " n.id, reach.round + 1 FROM reach CROSS JOIN LATERAL (SELECT to_id AS id FROM"
      " graph_relations WHERE $7::boolean AND owner_id = $1 AND from_id ="
      " reach.id" ENGRAM_PG_EDGE_FILTERS
      " UNION ALL SELECT from_id FROM graph_relations WHERE"
      " $8::boolean AND owner_id = $1 AND to_id = reach.id" ENGRAM_PG_EDGE_FILTERS
      ") AS n WHERE reach.round < $9)"
      " SELECT " ENGRAM_PG_RELATION_COLUMNS
      " FROM graph_relations WHERE owner_id = $1 AND $7::boolean AND from_id IN (SELECT id FROM"
      " reach)" ENGRAM_PG_EDGE_FILTERS " UNION SELECT " ENGRAM_PG_RELATION_COLUMNS
      " FROM graph_relations WHERE owner_id = $1 AND $8::boolean AND to_id IN (SELECT id FROM"
      " reach)" ENGRAM_PG_EDGE_FILTERS " ORDER BY rid";
  if (q.entity_ids.empty() || rounds < 1) {
    return Status::InvalidArgument("ListRelationsWithin needs entities and at least one round");
  }
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query(kWithin, {P(q.owner_id), TextArray(q.scopes), TextArray(q.types), P(q.as_of),
                      P(q.valid_at), TextArray(q.entity_ids), P(q.out ? "true" : "false"),
                      P(q.in ? "true" : "false"), P(static_cast<int64_t>(rounds))}));
  return EdgeBall{ReadRelations(rows), rounds};
}
#undef ENGRAM_PG_EDGE_FILTERS

Status PgGraphTransaction::PutRelation(const Relation& r) {
  ENGRAM_RETURN_IF_ERROR(
      Send("UPDATE graph_relations SET expired_at = $3 WHERE owner_id = $1"
           " AND id = $2 AND expired_at IS NULL",
           {P(r.owner_id), P(r.id), P(r.updated_at)}));
  Relation current = r;
  current.expired_at.reset();
  return InsertRelationVersion(current);
}

Status PgGraphTransaction::InsertRelationVersion(const Relation& r) {
  ++inserted_;
  return Send(
      "INSERT INTO graph_relations(id, owner_id, scope, from_id, type, to_id, valid_from,"
      " valid_to, source, confidence, created_at, updated_at, expired_at) VALUES ($1, $2,"
      " $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
      {P(r.id), P(r.owner_id), P(r.scope), P(r.from_id), P(r.type), P(r.to_id), P(r.valid_from),
       P(r.valid_to), OptionalText(r.source), P(r.confidence), P(r.created_at), P(r.updated_at),
       P(r.expired_at)});
}

Status PgGraphTransaction::ExpireRelation(std::string_view owner_id, std::string_view id,
                                          Timestamp at) {
  return Expire(
      "UPDATE graph_relations SET expired_at = $3 WHERE owner_id = $1 AND id = $2 AND"
      " expired_at IS NULL",
      "relation", owner_id, id, at);
}

Status PgGraphTransaction::AppendGraphHistory(const GraphHistoryEvent& e) {
  return Send(
      "INSERT INTO graph_history(owner_id, kind, object_id, event, actor, reason,"
      " old_value, new_value, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      {P(e.owner_id), P(e.kind), P(e.object_id), P(e.event), OptionalText(e.actor),
       OptionalText(e.reason), OptionalText(e.old_value), OptionalText(e.new_value), P(e.at)});
}

Result<std::vector<GraphHistoryEvent>> PgGraphTransaction::GetGraphHistory(
    std::string_view owner_id, const std::vector<std::string>& object_ids) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT " ENGRAM_PG_GRAPH_HISTORY_COLUMNS
                                           " FROM graph_history WHERE owner_id ="
                                           " $1 AND object_id = ANY($2::text[]) ORDER BY seq",
                                           {P(owner_id), TextArray(object_ids)}));
  return ReadGraphHistory(rows);
}

Result<std::vector<std::string>> PgGraphTransaction::ListGraphOwners() {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT owner_id FROM graph_entities UNION SELECT owner_id FROM"
                       " graph_relations UNION SELECT owner_id FROM graph_history ORDER BY 1"));
  return FirstColumn(rows);
}

Result<GraphVersions> PgGraphTransaction::ListGraphVersions(std::string_view owner_id) {
  GraphVersions out;
  ENGRAM_ASSIGN_OR_RETURN(Rows entities,
                          Query("SELECT " ENGRAM_PG_ENTITY_COLUMNS " FROM graph_entities e"
                                " WHERE owner_id = $1 ORDER BY rid",
                                {P(owner_id)}));
  out.entities = ReadEntities(entities);
  ENGRAM_ASSIGN_OR_RETURN(Rows observations,
                          Query("SELECT id, entity_id, text, source, created_at, expired_at"
                                " FROM graph_observations WHERE owner_id = $1 ORDER BY rid",
                                {P(owner_id)}));
  out.observations = ReadObservations(observations);
  ENGRAM_ASSIGN_OR_RETURN(Rows relations,
                          Query("SELECT " ENGRAM_PG_RELATION_COLUMNS " FROM graph_relations"
                                " WHERE owner_id = $1 ORDER BY rid",
                                {P(owner_id)}));
  out.relations = ReadRelations(relations);
  ENGRAM_ASSIGN_OR_RETURN(Rows history,
                          Query("SELECT " ENGRAM_PG_GRAPH_HISTORY_COLUMNS " FROM graph_history"
                                " WHERE owner_id = $1 ORDER BY seq",
                                {P(owner_id)}));
  out.history = ReadGraphHistory(history);
  return out;
}

Result<GraphDeleteReport> PgGraphTransaction::EraseEntities(std::string_view owner_id,
                                                            const std::vector<std::string>& ids) {
  const Param list = TextArray(ids);
  ENGRAM_ASSIGN_OR_RETURN(Rows entities,
                          Query("SELECT DISTINCT id FROM graph_entities WHERE owner_id = $1"
                                " AND id = ANY($2::text[])",
                                {P(owner_id), list}));
  ENGRAM_ASSIGN_OR_RETURN(Rows relations,
                          Query("SELECT DISTINCT id FROM graph_relations WHERE owner_id = $1"
                                " AND (from_id = ANY($2::text[]) OR to_id = ANY($2::text[]))",
                                {P(owner_id), list}));
  ENGRAM_ASSIGN_OR_RETURN(Rows observations,
                          Query("SELECT DISTINCT id FROM graph_observations WHERE owner_id = $1"
                                " AND entity_id = ANY($2::text[])",
                                {P(owner_id), list}));
  std::vector<std::string> all = FirstColumn(entities);
  const std::vector<std::string> relation_ids = FirstColumn(relations);
  const std::vector<std::string> observation_ids = FirstColumn(observations);
  all.insert(all.end(), relation_ids.begin(), relation_ids.end());
  all.insert(all.end(), observation_ids.begin(), observation_ids.end());
  const std::pair<const char*, Param> steps[] = {
      {"DELETE FROM graph_history WHERE owner_id = $1 AND object_id = ANY($2::text[])",
       TextArray(all)},
      {"DELETE FROM graph_relations WHERE owner_id = $1 AND id = ANY($2::text[])",
       TextArray(relation_ids)},
      {"DELETE FROM graph_observations WHERE owner_id = $1 AND entity_id = ANY($2::text[])", list},
      // Keys go with their versions (ON DELETE CASCADE).
      {"DELETE FROM graph_entities WHERE owner_id = $1 AND id = ANY($2::text[])", list},
  };
  for (const auto& [sql, values] : steps) {
    ENGRAM_RETURN_IF_ERROR(Query(sql, {P(owner_id), values}).status());
  }
  return GraphDeleteReport{entities.size(), relations.size(), observations.size()};
}

Result<GraphDeleteReport> PgGraphTransaction::DeleteOwnerGraph(std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows counts,
      Query("SELECT (SELECT count(DISTINCT id) FROM graph_entities WHERE owner_id = $1),"
            " (SELECT count(DISTINCT id) FROM graph_relations WHERE owner_id = $1),"
            " (SELECT count(DISTINCT id) FROM graph_observations WHERE owner_id = $1)",
            {P(owner_id)}));
  for (const char* sql : {"DELETE FROM graph_history WHERE owner_id = $1",
                          "DELETE FROM graph_relations WHERE owner_id = $1",
                          "DELETE FROM graph_observations WHERE owner_id = $1",
                          "DELETE FROM graph_entity_keys WHERE owner_id = $1",
                          "DELETE FROM graph_entities WHERE owner_id = $1"}) {
    ENGRAM_RETURN_IF_ERROR(Query(sql, {P(owner_id)}).status());
  }
  return GraphDeleteReport{counts.Int(0, 0), counts.Int(0, 1), counts.Int(0, 2)};
}

}  // namespace engram::store::pg
