// engram graph: the knowledge graph's entities, relations and observations (docs/graph.md).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/graph_json.h"
#include "util/time.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct GraphArgs {
  std::string owner, scope = "global", name, type, to, source, as_of, valid_at, valid_from,
                     valid_to, direction = "both";
  std::vector<std::string> aliases, observations, names, relation_types, entity_types;
  bool all_times = false, erase = false, history = false;
  size_t depth = 1, max_hops = 4;
};

std::string TypeSuffix(const Entity& e) {
  return e.type.empty() ? "" : " (" + e.type + ")";
}

// "Alice -manages-> Project Alpha" seen from `from_id`; "<-reports_to-" for an incoming edge.
std::string Arrow(const Relation& r, const std::string& from_id) {
  return r.from_id == from_id ? " -" + r.type + "-> " : " <-" + r.type + "- ";
}

std::string Validity(const Relation& r) {
  std::string out;
  if (r.valid_from) out += " from " + util::FormatTimestamp(*r.valid_from);
  if (r.valid_to) out += " until " + util::FormatTimestamp(*r.valid_to);
  return out;
}

void PrintEntity(const Entity& e) {
  std::cout << e.name << TypeSuffix(e) << "  [scope " << e.scope << ", id " << e.id << "]\n";
  if (!e.aliases.empty()) {
    std::cout << "  aliases:";
    for (size_t i = 0; i < e.aliases.size(); ++i) std::cout << (i ? ", " : " ") << e.aliases[i];
    std::cout << "\n";
  }
  for (const Observation& o : e.observations) std::cout << "  - " << o.text << "\n";
}

void PrintEdge(const Relation& r) {
  std::cout << r.from_name << Arrow(r, r.from_id) << r.to_name << Validity(r) << "\n";
}

Result<GraphReadOptions> ReadOptions(const GraphArgs& a) {
  GraphReadOptions o;
  o.scope = a.scope;
  ENGRAM_ASSIGN_OR_RETURN(o.as_of, OptionalTime(a.as_of));
  ENGRAM_ASSIGN_OR_RETURN(o.valid_at, OptionalTime(a.valid_at));
  o.all_times = a.all_times;
  return o;
}

Result<GraphDirection> Direction(const std::string& s) {
  if (s == "out") return GraphDirection::kOut;
  if (s == "in") return GraphDirection::kIn;
  if (s == "both") return GraphDirection::kBoth;
  return Status::InvalidArgument("--direction must be out, in or both");
}

void AddReadOptions(CLI::App* sub, GraphArgs& a) {
  sub->add_option("--scope", a.scope, "Scope to read at (default global)");
  sub->add_option("--as-of", a.as_of, "What the engine believed at this time (ISO-8601)");
  sub->add_option("--valid-at", a.valid_at, "Edges true in the world at this time (ISO-8601)");
  sub->add_flag("--all-times", a.all_times, "Edges of every world time, ended ones too");
}

}  // namespace

void AddGraphCommands(const CommandContext& ctx) {
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<GraphArgs>();
  auto* graph =
      ctx.app.add_subcommand("graph", "Knowledge graph: entities, relations, observations");
  graph->require_subcommand(1);
  AddGraphIoCommands(*graph, cli, command);
  const ChangeInfo change{"cli", ""};

  auto* add = graph->add_subcommand("add", "Create an entity (or add aliases and observations)");
  AddOwnerOption(add, a->owner);
  add->add_option("--scope", a->scope, "Scope (default global)");
  add->add_option("--type", a->type, "Entity type, e.g. person, project");
  add->add_option("--alias", a->aliases, "Another name of the entity (repeatable)");
  add->add_option("--observe", a->observations, "An observation about it (repeatable)");
  add->add_option("--source", a->source, "Where this came from");
  add->add_option("name", a->name, "The entity's name")->required();
  add->callback([a, &cli, &command, change] {
    command = [a, &cli, change]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      NewEntity e;
      e.owner_id = a->owner;
      e.scope = a->scope;
      e.name = a->name;
      e.type = a->type;
      e.aliases = a->aliases;
      e.observations = a->observations;
      e.source = a->source;
      e.change = change;
      ENGRAM_ASSIGN_OR_RETURN(auto writes, engine->AddEntities({&e, 1}));
      const EntityWrite& w = writes.front();
      if (cli.json_output()) {
        Emit(core::EntityWriteToJson(w));
      } else {
        std::cout << GraphWriteEventName(w.event) << ": ";
        PrintEntity(w.entity);
      }
      return Status::Ok();
    };
  });

  auto* rel = graph->add_subcommand("rel", "Relate two entities: FROM TYPE TO");
  AddOwnerOption(rel, a->owner);
  rel->add_option("--scope", a->scope,
                  "Scope the names are resolved at and the edge kept in (default global)");
  rel->add_option("--valid-from", a->valid_from, "When it became true (ISO-8601; default now)");
  rel->add_option("--valid-to", a->valid_to, "When it stopped being true (ISO-8601)");
  rel->add_option("--source", a->source, "Where this came from");
  rel->add_option("from", a->name, "The entity the edge leaves")->required();
  rel->add_option("type", a->type, "The relation, e.g. works_at, manages")->required();
  rel->add_option("to", a->to, "The entity the edge enters")->required();
  rel->callback([a, &cli, &command, change] {
    command = [a, &cli, change]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      NewRelation r;
      r.owner_id = a->owner;
      r.scope = a->scope;
      r.from = a->name;
      r.type = a->type;
      r.to = a->to;
      ENGRAM_ASSIGN_OR_RETURN(r.valid_from, OptionalTime(a->valid_from));
      ENGRAM_ASSIGN_OR_RETURN(r.valid_to, OptionalTime(a->valid_to));
      r.source = a->source;
      r.change = change;
      ENGRAM_ASSIGN_OR_RETURN(auto writes, engine->AddRelations({&r, 1}));
      const RelationWrite& w = writes.front();
      if (cli.json_output()) {
        Emit(core::RelationWriteToJson(w));
        return Status::Ok();
      }
      std::cout << GraphWriteEventName(w.event) << ": ";
      PrintEdge(w.relation);
      for (const Relation& c : w.closed) {
        std::cout << "ended: ";
        PrintEdge(c);
      }
      return Status::Ok();
    };
  });

  auto* observe = graph->add_subcommand("observe", "Add observations to an entity");
  AddOwnerOption(observe, a->owner);
  observe->add_option("--scope", a->scope, "Scope the name is resolved at (default global)");
  observe->add_option("entity", a->name, "The entity")->required();
  observe->add_option("texts", a->observations, "One observation per argument")->required();
  observe->callback([a, &cli, &command, change] {
    command = [a, &cli, change]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(auto added, engine->AddObservations(a->owner, a->scope, a->name,
                                                                  a->observations, change));
      if (cli.json_output()) {
        json out = json::array();
        for (const Observation& o : added) out.push_back(core::ObservationToJson(o));
        Emit(out);
      } else {
        std::cout << "added " << added.size() << " observation" << (added.size() == 1 ? "" : "s")
                  << " to " << a->name << "\n";
      }
      return Status::Ok();
    };
  });

  auto* show = graph->add_subcommand("show", "An entity, its observations and its edges");
  AddOwnerOption(show, a->owner);
  AddReadOptions(show, *a);
  show->add_flag("--history", a->history, "Also its history rows");
  show->add_option("entity", a->name, "The entity")->required();
  show->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      NeighborOptions o;
      ENGRAM_ASSIGN_OR_RETURN(o.read, ReadOptions(*a));
      ENGRAM_ASSIGN_OR_RETURN(Neighborhood n, engine->Neighbors(a->owner, a->name, o));
      std::vector<GraphHistoryEvent> history;
      if (a->history) {
        ENGRAM_ASSIGN_OR_RETURN(history, engine->GetEntityHistory(a->owner, a->scope, a->name));
      }
      if (cli.json_output()) {
        json out = core::EntityToJson(n.start);
        out["relations"] = json::array();
        for (const Relation& r : n.relations) out["relations"].push_back(core::RelationToJson(r));
        if (a->history) {
          out["history"] = json::array();
          for (const auto& h : history) out["history"].push_back(core::GraphHistoryEventToJson(h));
        }
        Emit(out);
        return Status::Ok();
      }
      PrintEntity(n.start);
      for (const Relation& r : n.relations) {
        const bool out_edge = r.from_id == n.start.id;
        std::cout << "  "
                  << (out_edge ? "-" + r.type + "-> " + r.to_name
                               : "<-" + r.type + "- " + r.from_name)
                  << Validity(r) << "\n";
      }
      for (const auto& h : history) {
        std::cout << "  " << util::FormatTimestamp(h.at) << " " << h.kind << " " << h.event
                  << " by " << OrDash(h.actor) << "\n";
      }
      return Status::Ok();
    };
  });

  auto* neighbors = graph->add_subcommand("neighbors", "Entities within N hops of one");
  AddOwnerOption(neighbors, a->owner);
  AddReadOptions(neighbors, *a);
  neighbors->add_option("--depth", a->depth, "Hops, 1 to 6 (default 1)");
  neighbors->add_option("--rel", a->relation_types, "Follow only this relation (repeatable)");
  neighbors->add_option("--type", a->entity_types, "List only entities of this type (repeatable)");
  neighbors->add_option("--direction", a->direction, "out, in or both (default both)");
  neighbors->add_option("entity", a->name, "The entity to start from")->required();
  neighbors->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      NeighborOptions o;
      ENGRAM_ASSIGN_OR_RETURN(o.read, ReadOptions(*a));
      ENGRAM_ASSIGN_OR_RETURN(o.direction, Direction(a->direction));
      o.depth = a->depth;
      o.relation_types = a->relation_types;
      o.entity_types = a->entity_types;
      ENGRAM_ASSIGN_OR_RETURN(Neighborhood n, engine->Neighbors(a->owner, a->name, o));
      if (cli.json_output()) {
        Emit(core::NeighborhoodToJson(n));
        return Status::Ok();
      }
      for (const Neighbor& x : n.neighbors) {
        std::cout << x.depth << "  " << x.entity.name << TypeSuffix(x.entity) << "  via "
                  << x.via.from_name << Arrow(x.via, x.via.from_id) << x.via.to_name
                  << Validity(x.via) << "\n";
      }
      if (n.neighbors.empty()) std::cout << "(no neighbours)\n";
      return Status::Ok();
    };
  });

  auto* path = graph->add_subcommand("path", "A shortest path between two entities");
  AddOwnerOption(path, a->owner);
  AddReadOptions(path, *a);
  path->add_option("--max-hops", a->max_hops, "Longest path searched, 1 to 6 (default 4)");
  path->add_option("--direction", a->direction, "out, in or both (default both)");
  path->add_option("from", a->name, "Start")->required();
  path->add_option("to", a->to, "End")->required();
  path->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(GraphReadOptions o, ReadOptions(*a));
      ENGRAM_ASSIGN_OR_RETURN(GraphDirection d, Direction(a->direction));
      ENGRAM_ASSIGN_OR_RETURN(auto p,
                              engine->FindPath(a->owner, a->name, a->to, a->max_hops, d, o));
      if (cli.json_output()) {
        Emit(core::PathToJson(p));
        return Status::Ok();
      }
      if (!p) {
        std::cout << "(no path within " << a->max_hops << " hops)\n";
        return Status::Ok();
      }
      std::cout << p->entities[0].name;
      for (size_t i = 0; i < p->relations.size(); ++i) {
        std::cout << Arrow(p->relations[i], p->entities[i].id) << p->entities[i + 1].name;
      }
      std::cout << "\n";
      return Status::Ok();
    };
  });

  auto* forget =
      graph->add_subcommand("forget", "Delete entities with their edges and observations");
  AddOwnerOption(forget, a->owner);
  forget->add_option("--scope", a->scope, "Scope the names are resolved at (default global)");
  forget->add_flag("--erase", a->erase, "Remove their rows and history for good");
  forget->add_option("entities", a->names, "The entities")->required();
  forget->callback([a, &cli, &command, change] {
    command = [a, &cli, change]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(
          GraphDeleteReport r,
          engine->DeleteEntities(a->owner, a->scope, a->names, a->erase, change));
      if (cli.json_output()) {
        Emit(core::GraphDeleteReportToJson(r));
      } else {
        std::cout << (a->erase ? "erased " : "deleted ") << r.entities << " entities, "
                  << r.relations << " relations, " << r.observations << " observations\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
