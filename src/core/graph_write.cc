// GraphEngine's writes: entities (merged by name), observations, relations (single-valued types
// end the edge they replace, also when observed out of order), retraction and erasure.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <type_traits>

#include "core/graph_engine.h"
#include "core/graph_json.h"
#include "core/validate.h"
#include "graph/names.h"
#include "graph/relation_types.h"
#include "util/text.h"
#include "util/time.h"

namespace engram {

const char* GraphWriteEventName(GraphWriteEvent event) {
  switch (event) {
    case GraphWriteEvent::kAdded:
      return "added";
    case GraphWriteEvent::kUpdated:
      return "updated";
    case GraphWriteEvent::kExisting:
      return "existing";
  }
  return "added";
}

namespace core {

namespace {

constexpr size_t kMaxNameBytes = 256;
constexpr size_t kMaxTypeBytes = 64;
constexpr size_t kMaxObservationBytes = 4096;
constexpr size_t kMaxSourceBytes = 1024;
constexpr size_t kMaxBatch = 1000;

Status ValidateName(std::string_view field, std::string_view name) {
  ENGRAM_RETURN_IF_ERROR(ValidateText(field, name, kMaxNameBytes));
  if (graph::NameKey(name).empty()) {
    return Status::InvalidArgument(std::string(field) + " has no letters or digits");
  }
  return Status::Ok();
}

Status ValidateCommon(std::string_view owner_id, std::string_view scope, std::string_view source,
                      double confidence) {
  ENGRAM_RETURN_IF_ERROR(ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(ValidateScope(scope));
  ENGRAM_RETURN_IF_ERROR(ValidateText("source", source, kMaxSourceBytes, /*allow_empty=*/true));
  if (!std::isfinite(confidence) || confidence < 0 || confidence > 1) {
    return Status::InvalidArgument("confidence must be a number between 0 and 1");
  }
  return Status::Ok();
}

Status ValidateEntity(const NewEntity& e) {
  ENGRAM_RETURN_IF_ERROR(ValidateCommon(e.owner_id, e.scope, e.source, e.confidence));
  ENGRAM_RETURN_IF_ERROR(ValidateName("name", e.name));
  ENGRAM_RETURN_IF_ERROR(ValidateText("type", e.type, kMaxTypeBytes, /*allow_empty=*/true));
  for (const std::string& a : e.aliases) ENGRAM_RETURN_IF_ERROR(ValidateName("alias", a));
  for (const std::string& o : e.observations) {
    ENGRAM_RETURN_IF_ERROR(ValidateText("observation", o, kMaxObservationBytes));
  }
  return Status::Ok();
}

Status ValidateRelation(const NewRelation& r) {
  ENGRAM_RETURN_IF_ERROR(ValidateCommon(r.owner_id, r.scope, r.source, r.confidence));
  ENGRAM_RETURN_IF_ERROR(ValidateName("from", r.from));
  ENGRAM_RETURN_IF_ERROR(ValidateName("to", r.to));
  ENGRAM_RETURN_IF_ERROR(ValidateText("type", r.type, kMaxTypeBytes));
  if (graph::RelationTypeKey(r.type).empty()) {
    return Status::InvalidArgument("relation type has no letters or digits");
  }
  for (const auto& [field, t] : {std::pair{"valid_from", r.valid_from}, {"valid_to", r.valid_to}}) {
    if (t) ENGRAM_RETURN_IF_ERROR(util::CheckTimestampRange(field, *t));
  }
  if (r.valid_from && r.valid_to && *r.valid_to <= *r.valid_from) {
    return Status::InvalidArgument("valid_to must be after valid_from");
  }
  return Status::Ok();
}

// Prefixes a batch item's error with its index.
Status AtIndex(size_t i, const Status& st, const char* noun = "item") {
  return st.WithPrefix(std::string(noun) + " " + std::to_string(i) + ": ");
}

// Reads at once, per owner, the entities the items name (the entities' observations, the edges
// leaving the relations' ends), so that the writes find them in the batch.
Status Prefetch(GraphBatch& batch, std::span<const NewEntity> entities,
                std::span<const NewRelation> relations) {
  std::map<std::string_view, std::set<std::string>> keys;  // owner -> keys
  for (const NewEntity& e : entities) {
    std::set<std::string>& k = keys[e.owner_id];
    k.insert(graph::NameKey(e.name));
    for (const std::string& a : e.aliases) k.insert(graph::NameKey(a));
  }
  for (const NewRelation& r : relations) {
    std::set<std::string>& k = keys[r.owner_id];
    k.insert(graph::NameKey(r.from));
    k.insert(graph::NameKey(r.to));
  }
  for (const auto& [owner, k] : keys) {
    ENGRAM_RETURN_IF_ERROR(batch.Prefetch(owner, std::vector<std::string>(k.begin(), k.end()),
                                          !entities.empty(), !relations.empty()));
  }
  return Status::Ok();
}

// Validates every item, then writes them all in one transaction: all or nothing, an error
// naming the index of the item that failed.
template <typename Out, typename In, typename Validate, typename Write>
Result<std::vector<Out>> WriteBatch(store::GraphStore& store, std::span<const In> items,
                                    std::string_view noun, Timestamp now, Validate validate,
                                    Write write) {
  if (items.size() > kMaxBatch) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxBatch) + " " +
                                   std::string(noun) + " per call");
  }
  for (size_t i = 0; i < items.size(); ++i) ENGRAM_RETURN_IF_ERROR(AtIndex(i, validate(items[i])));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store.BeginWrite());
  GraphBatch batch(*txn);
  if constexpr (std::is_same_v<In, NewEntity>) {
    ENGRAM_RETURN_IF_ERROR(Prefetch(batch, items, {}));
  } else {
    ENGRAM_RETURN_IF_ERROR(Prefetch(batch, {}, items));
  }
  std::vector<Out> out;
  for (size_t i = 0; i < items.size(); ++i) {
    Result<Out> w = write(batch, items[i], now);
    if (!w.ok()) return AtIndex(i, w.status());
    out.push_back(std::move(*w));
  }
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return out;
}

std::vector<std::string> KeysOf(const Entity& e) {
  std::vector<std::string> keys = {graph::NameKey(e.name)};
  for (const std::string& a : e.aliases) keys.push_back(graph::NameKey(a));
  return keys;
}

bool Covers(const Relation& r, Timestamp t) {
  return (!r.valid_from || *r.valid_from <= t) && (!r.valid_to || *r.valid_to > t);
}

std::string Snapshot(const Entity& e) {
  return EntityToJson(e, false).dump();
}
std::string Snapshot(const Relation& r) {
  return RelationToJson(r).dump();
}
std::string Snapshot(const Observation& o) {
  return ObservationToJson(o).dump();
}

}  // namespace

Status GraphEngine::Available() const {
  if (store_) return Status::Ok();
  return Status::FailedPrecondition(
      "the " + backend_ + " store keeps no knowledge graph; use a sqlite:// or postgres:// store");
}

std::string GraphEngine::Redacted(std::string_view text) const {
  return redactor_->Redact(text).text;
}

Status GraphEngine::History(store::GraphTransaction& txn, std::string_view owner_id,
                            const char* kind, const std::string& object_id, const char* event,
                            const std::string& before, const std::string& after,
                            const ChangeInfo& change, Timestamp at) {
  return txn.AppendGraphHistory({0, std::string(owner_id), kind, object_id, event, change.actor,
                                 change.reason, before, after, at});
}

Status GraphEngine::Observe(GraphBatch& batch, const Entity& entity,
                            std::span<const std::string> texts, const std::string& source,
                            const ChangeInfo& change, Timestamp now,
                            std::vector<Observation>* added) {
  ENGRAM_ASSIGN_OR_RETURN(auto current, batch.Observations(entity.owner_id, entity.id));
  std::set<std::string> held;
  for (const Observation& o : current) held.insert(util::NormalizeForDedup(o.text));
  for (const std::string& raw : texts) {
    Observation o{ids_.Next(now), entity.id, Redacted(raw), source, now, std::nullopt};
    if (!held.insert(util::NormalizeForDedup(o.text)).second) continue;
    ENGRAM_RETURN_IF_ERROR(batch.InsertObservation(entity.owner_id, o));
    ENGRAM_RETURN_IF_ERROR(History(batch.txn(), entity.owner_id, "observation", o.id, "add", "",
                                   Snapshot(o), change, now));
    added->push_back(std::move(o));
  }
  return Status::Ok();
}

Result<EntityWrite> GraphEngine::WriteEntity(GraphBatch& batch, const NewEntity& in,
                                             Timestamp now) {
  const std::string name = Redacted(in.name);
  const std::string type = Redacted(in.type);
  const std::vector<std::string> here = {in.scope};
  ENGRAM_ASSIGN_OR_RETURN(auto found, batch.FindByKey(in.owner_id, here, graph::NameKey(name)));
  EntityWrite out;
  Entity& e = out.entity;
  if (found.empty()) {
    e = Entity{ids_.Next(now),      in.owner_id,   in.scope, name, type,        {}, {},
               Redacted(in.source), in.confidence, now,      now,  std::nullopt};
  } else {
    e = found.front();
    if (!type.empty() && !e.type.empty() && graph::NameKey(type) != graph::NameKey(e.type)) {
      return Status::InvalidArgument("entity '" + e.name + "' exists with type '" + e.type +
                                     "', not '" + type + "'");
    }
    out.event = GraphWriteEvent::kExisting;
  }
  const Entity before = e;
  if (e.type.empty() && !type.empty()) e.type = type;
  std::vector<std::string> keys = KeysOf(e);
  for (const std::string& raw : in.aliases) {
    const std::string alias = Redacted(raw);
    const std::string key = graph::NameKey(alias);
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    ENGRAM_ASSIGN_OR_RETURN(auto taken, batch.FindByKey(in.owner_id, here, key));
    if (!taken.empty()) {
      return Status::InvalidArgument("alias '" + alias + "' already names entity '" +
                                     taken.front().name + "' at scope " + in.scope);
    }
    e.aliases.push_back(alias);
    keys.push_back(key);
  }
  const bool changed = e.type != before.type || e.aliases != before.aliases;
  if (found.empty() || changed) {
    e.updated_at = now;
    ENGRAM_RETURN_IF_ERROR(batch.PutEntity(e, keys, found.empty()));
    ENGRAM_RETURN_IF_ERROR(
        History(batch.txn(), e.owner_id, "entity", e.id, found.empty() ? "add" : "update",
                found.empty() ? "" : Snapshot(before), Snapshot(e), in.change, now));
    if (!found.empty()) out.event = GraphWriteEvent::kUpdated;
  }
  ENGRAM_ASSIGN_OR_RETURN(e.observations, batch.Observations(e.owner_id, e.id));
  std::vector<Observation> added;
  ENGRAM_RETURN_IF_ERROR(
      Observe(batch, e, in.observations, Redacted(in.source), in.change, now, &added));
  if (!added.empty() && out.event == GraphWriteEvent::kExisting) {
    out.event = GraphWriteEvent::kUpdated;
  }
  e.observations.insert(e.observations.end(), added.begin(), added.end());
  return out;
}

Result<std::vector<EntityWrite>> GraphEngine::AddEntities(std::span<const NewEntity> entities) {
  ENGRAM_RETURN_IF_ERROR(Available());
  return WriteBatch<EntityWrite>(*store_, entities, "entities", Now(), ValidateEntity,
                                 [this](GraphBatch& batch, const NewEntity& e, Timestamp now) {
                                   return WriteEntity(batch, e, now);
                                 });
}

Result<RelationWrite> GraphEngine::WriteRelation(GraphBatch& batch, const NewRelation& in,
                                                 Timestamp now) {
  const View view{VisibleScopes(in.scope), std::nullopt, std::nullopt};
  ENGRAM_ASSIGN_OR_RETURN(Entity from, Resolve(batch, in.owner_id, view.scopes, Redacted(in.from)));
  ENGRAM_ASSIGN_OR_RETURN(Entity to, Resolve(batch, in.owner_id, view.scopes, Redacted(in.to)));
  const std::string type = graph::RelationTypeKey(Redacted(in.type));
  const Timestamp t = in.valid_from.value_or(now);
  ENGRAM_ASSIGN_OR_RETURN(std::vector<Relation> edges,
                          batch.EdgesFrom(in.owner_id, view.scopes, from.id, type));
  RelationWrite out;
  for (const Relation& r : edges) {
    if (r.to_id == to.id && Covers(r, t)) {
      out.relation = r;
      out.event = GraphWriteEvent::kExisting;
      out.relation.from_name = from.name;
      out.relation.to_name = to.name;
      return out;
    }
  }
  Relation& n = out.relation;
  n = Relation{ids_.Next(now),
               in.owner_id,
               in.scope,
               from.id,
               from.name,
               type,
               to.id,
               to.name,
               t,
               in.valid_to,
               Redacted(in.source),
               in.confidence,
               now,
               now,
               std::nullopt};
  if (graph::IsSingleValued(type)) {
    std::optional<Timestamp> ends;  // when the value observed at t stopped holding
    for (const Relation& r : edges) {
      if (Covers(r, t)) {
        Relation closed = r;
        closed.valid_to = t;
        closed.updated_at = now;
        ENGRAM_RETURN_IF_ERROR(batch.PutRelation(closed));
        ENGRAM_RETURN_IF_ERROR(History(batch.txn(), in.owner_id, "relation", r.id, "close",
                                       Snapshot(r), Snapshot(closed), in.change, now));
        if (r.valid_to && (!ends || *r.valid_to < *ends)) ends = r.valid_to;
        out.closed.push_back(std::move(closed));
      } else if (r.valid_from && *r.valid_from > t && (!ends || *r.valid_from < *ends)) {
        ends = r.valid_from;  // a newer value was observed first: this one is already over
      }
    }
    if (!n.valid_to && ends) n.valid_to = ends;
  }
  ENGRAM_RETURN_IF_ERROR(batch.PutRelation(n));
  ENGRAM_RETURN_IF_ERROR(
      History(batch.txn(), in.owner_id, "relation", n.id, "add", "", Snapshot(n), in.change, now));
  if (!out.closed.empty()) {
    ENGRAM_RETURN_IF_ERROR(NameEnds(batch.txn(), in.owner_id, view, &out.closed));
  }
  return out;
}

Result<std::vector<RelationWrite>> GraphEngine::AddRelations(
    std::span<const NewRelation> relations) {
  ENGRAM_RETURN_IF_ERROR(Available());
  return WriteBatch<RelationWrite>(*store_, relations, "relations", Now(), ValidateRelation,
                                   [this](GraphBatch& batch, const NewRelation& r, Timestamp now) {
                                     return WriteRelation(batch, r, now);
                                   });
}

Result<GraphImportReport> GraphEngine::ImportGraph(std::span<const NewEntity> entities,
                                                   std::span<const NewRelation> relations) {
  ENGRAM_RETURN_IF_ERROR(Available());
  for (size_t i = 0; i < entities.size(); ++i) {
    ENGRAM_RETURN_IF_ERROR(AtIndex(i, ValidateEntity(entities[i]), "entity"));
  }
  for (size_t i = 0; i < relations.size(); ++i) {
    ENGRAM_RETURN_IF_ERROR(AtIndex(i, ValidateRelation(relations[i]), "relation"));
  }
  const Timestamp now = Now();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  GraphBatch batch(*txn);
  ENGRAM_RETURN_IF_ERROR(Prefetch(batch, entities, relations));
  GraphImportReport report;
  for (size_t i = 0; i < entities.size(); ++i) {
    Result<EntityWrite> w = WriteEntity(batch, entities[i], now);
    if (!w.ok()) return AtIndex(i, w.status(), "entity");
    (w->event == GraphWriteEvent::kAdded     ? report.entities_added
     : w->event == GraphWriteEvent::kUpdated ? report.entities_updated
                                             : report.entities_existing) += 1;
  }
  for (size_t i = 0; i < relations.size(); ++i) {
    Result<RelationWrite> w = WriteRelation(batch, relations[i], now);
    if (!w.ok()) return AtIndex(i, w.status(), "relation");
    (w->event == GraphWriteEvent::kAdded ? report.relations_added : report.relations_existing) += 1;
  }
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return report;
}

Result<std::vector<Observation>> GraphEngine::AddObservations(std::string_view owner_id,
                                                              std::string_view scope,
                                                              std::string_view entity,
                                                              std::span<const std::string> texts,
                                                              const ChangeInfo& change) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateCommon(owner_id, scope, "", 1));
  for (const std::string& t : texts) {
    ENGRAM_RETURN_IF_ERROR(ValidateText("observation", t, kMaxObservationBytes));
  }
  const Timestamp now = Now();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  GraphBatch batch(*txn);
  ENGRAM_ASSIGN_OR_RETURN(Entity e,
                          Resolve(batch, owner_id, VisibleScopes(scope), Redacted(entity)));
  std::vector<Observation> added;
  ENGRAM_RETURN_IF_ERROR(Observe(batch, e, texts, "", change, now, &added));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return added;
}

Result<int64_t> GraphEngine::DeleteObservations(std::string_view owner_id, std::string_view scope,
                                                std::string_view entity,
                                                std::span<const std::string> texts,
                                                const ChangeInfo& change) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateCommon(owner_id, scope, "", 1));
  const Timestamp now = Now();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  const View view{VisibleScopes(scope), std::nullopt, std::nullopt};
  ENGRAM_ASSIGN_OR_RETURN(Entity e, Resolve(*txn, owner_id, view, Redacted(entity)));
  std::set<std::string> gone;
  for (const std::string& t : texts) gone.insert(util::NormalizeForDedup(Redacted(t)));
  ENGRAM_ASSIGN_OR_RETURN(auto current, txn->ListObservations(owner_id, {e.id}, std::nullopt));
  int64_t count = 0;
  for (const Observation& o : current) {
    if (!gone.contains(util::NormalizeForDedup(o.text))) continue;
    ENGRAM_RETURN_IF_ERROR(Retire(*txn, owner_id, o, change, now));
    ++count;
  }
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return count;
}

Result<int64_t> GraphEngine::DeleteRelations(std::string_view owner_id, std::string_view scope,
                                             std::span<const RelationRef> relations,
                                             const ChangeInfo& change) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateCommon(owner_id, scope, "", 1));
  const Timestamp now = Now();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  const View view{VisibleScopes(scope), std::nullopt, std::nullopt};
  int64_t count = 0;
  for (size_t i = 0; i < relations.size(); ++i) {
    const RelationRef& ref = relations[i];
    Result<Entity> from = Resolve(*txn, owner_id, view, Redacted(ref.from));
    if (!from.ok()) return AtIndex(i, from.status());
    Result<Entity> to = Resolve(*txn, owner_id, view, Redacted(ref.to));
    if (!to.ok()) return AtIndex(i, to.status());
    store::EdgeQuery q{std::string(owner_id),
                       view.scopes,
                       {from->id},
                       true,
                       false,
                       {graph::RelationTypeKey(Redacted(ref.type))},
                       std::nullopt,
                       std::nullopt};
    ENGRAM_ASSIGN_OR_RETURN(auto edges, txn->ListRelations(q));
    for (const Relation& r : edges) {
      if (r.to_id != to->id) continue;
      ENGRAM_RETURN_IF_ERROR(Retire(*txn, owner_id, r, change, now));
      ++count;
    }
  }
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return count;
}

Result<int64_t> GraphEngine::RetractSourced(std::string_view owner_id, std::string_view scope,
                                            std::string_view from,
                                            std::span<const std::string> sources,
                                            const std::set<std::string>& keep, bool open_only,
                                            const ChangeInfo& change) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateCommon(owner_id, scope, "", 1));
  const Timestamp now = Now();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  const View view{VisibleScopes(scope), std::nullopt, std::nullopt};
  Result<Entity> subject = Resolve(*txn, owner_id, view, Redacted(from));
  if (!subject.ok()) {
    if (subject.status().code() == Status::Code::kNotFound) return int64_t{0};
    return subject.status();
  }
  const std::set<std::string_view> wanted(sources.begin(), sources.end());
  store::EdgeQuery q{std::string(owner_id), view.scopes, {subject->id}, true, false, {},
                     std::nullopt,          std::nullopt};
  ENGRAM_ASSIGN_OR_RETURN(auto edges, txn->ListRelations(q));
  int64_t count = 0;
  for (const Relation& r : edges) {
    if (!wanted.contains(r.source) || keep.contains(r.id) || (open_only && r.valid_to)) continue;
    ENGRAM_RETURN_IF_ERROR(Retire(*txn, owner_id, r, change, now));
    ++count;
  }
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return count;
}

Status GraphEngine::Retire(store::GraphTransaction& txn, std::string_view owner_id,
                           const Relation& r, const ChangeInfo& change, Timestamp now) {
  ENGRAM_RETURN_IF_ERROR(txn.ExpireRelation(owner_id, r.id, now));
  return History(txn, owner_id, "relation", r.id, "delete", Snapshot(r), "", change, now);
}

Status GraphEngine::Retire(store::GraphTransaction& txn, std::string_view owner_id,
                           const Observation& o, const ChangeInfo& change, Timestamp now) {
  ENGRAM_RETURN_IF_ERROR(txn.ExpireObservation(owner_id, o.id, now));
  return History(txn, owner_id, "observation", o.id, "delete", Snapshot(o), "", change, now);
}

Status GraphEngine::RetractEntity(store::GraphTransaction& txn, const Entity& e,
                                  const ChangeInfo& change, Timestamp now,
                                  GraphDeleteReport* report) {
  store::EdgeQuery q{e.owner_id, {}, {e.id}, true, true, {}, std::nullopt, std::nullopt};
  ENGRAM_ASSIGN_OR_RETURN(auto edges, txn.ListRelations(q));
  for (const Relation& r : edges) {
    ENGRAM_RETURN_IF_ERROR(Retire(txn, e.owner_id, r, change, now));
    ++report->relations;
  }
  ENGRAM_ASSIGN_OR_RETURN(auto observations,
                          txn.ListObservations(e.owner_id, {e.id}, std::nullopt));
  for (const Observation& o : observations) {
    ENGRAM_RETURN_IF_ERROR(Retire(txn, e.owner_id, o, change, now));
    ++report->observations;
  }
  ENGRAM_RETURN_IF_ERROR(txn.ExpireEntity(e.owner_id, e.id, now));
  ENGRAM_RETURN_IF_ERROR(
      History(txn, e.owner_id, "entity", e.id, "delete", Snapshot(e), "", change, now));
  ++report->entities;
  return Status::Ok();
}

Result<GraphDeleteReport> GraphEngine::DeleteEntities(std::string_view owner_id,
                                                      std::string_view scope,
                                                      std::span<const std::string> names,
                                                      bool erase, const ChangeInfo& change) {
  ENGRAM_RETURN_IF_ERROR(Available());
  ENGRAM_RETURN_IF_ERROR(ValidateCommon(owner_id, scope, "", 1));
  const Timestamp now = Now();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  const View view{VisibleScopes(scope), std::nullopt, std::nullopt};
  std::vector<Entity> entities;
  for (size_t i = 0; i < names.size(); ++i) {
    Result<Entity> e = Resolve(*txn, owner_id, view, Redacted(names[i]));
    if (!e.ok()) return AtIndex(i, e.status());
    const bool seen = std::any_of(entities.begin(), entities.end(),
                                  [&](const Entity& x) { return x.id == e->id; });
    if (!seen) entities.push_back(std::move(*e));
  }
  GraphDeleteReport report;
  if (erase) {
    std::vector<std::string> ids;
    for (const Entity& e : entities) ids.push_back(e.id);
    ENGRAM_ASSIGN_OR_RETURN(report, txn->EraseEntities(owner_id, ids));
  } else {
    for (const Entity& e : entities) {
      ENGRAM_RETURN_IF_ERROR(RetractEntity(*txn, e, change, now, &report));
    }
  }
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return report;
}

Result<GraphDeleteReport> GraphEngine::ForgetOwner(std::string_view owner_id) {
  if (!store_) return GraphDeleteReport{};
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(GraphDeleteReport report, txn->DeleteOwnerGraph(owner_id));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return report;
}

}  // namespace core
}  // namespace engram
