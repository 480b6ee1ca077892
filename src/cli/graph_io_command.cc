// engram graph import / export: the knowledge graph as the official MCP memory server's JSONL file
// (MEMORY_FILE_PATH): one {"type": "entity", "name", "entityType", "observations"} or
// {"type": "relation", "from", "to", "relationType"} object per line.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <span>

#include "cli/commands.h"
#include "graph/names.h"

namespace engram::cli {

namespace {

using nlohmann::json;

constexpr size_t kBatch = 1000;  // Engine::AddEntities / AddRelations take at most this many

struct IoArgs {
  std::string owner, scope = "global", file;
};

Status LineError(size_t line, const std::string& what) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + what);
}

Result<std::string> Field(const json& o, const char* name, size_t line) {
  auto it = o.find(name);
  if (it == o.end() || !it->is_string()) {
    return LineError(line, std::string(name) + " must be a string");
  }
  return it->get<std::string>();
}

// The file's entities and relations, for `owner` at `scope`; InvalidArgument naming the first bad
// line (nothing is written then).
Status Parse(std::istream& in, const IoArgs& a, std::vector<NewEntity>* entities,
             std::vector<NewRelation>* relations) {
  std::string text;
  for (size_t line = 1; std::getline(in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json o = json::parse(text, nullptr, false);
    if (!o.is_object()) return LineError(line, "not a JSON object");
    ENGRAM_ASSIGN_OR_RETURN(std::string type, Field(o, "type", line));
    if (type == "entity") {
      NewEntity e;
      e.owner_id = a.owner;
      e.scope = a.scope;
      ENGRAM_ASSIGN_OR_RETURN(e.name, Field(o, "name", line));
      ENGRAM_ASSIGN_OR_RETURN(e.type, Field(o, "entityType", line));
      auto obs = o.find("observations");
      if (obs == o.end() || !obs->is_array()) {
        return LineError(line, "observations must be an array of strings");
      }
      for (const json& s : *obs) {
        if (!s.is_string()) return LineError(line, "observations must be an array of strings");
        e.observations.push_back(s.get<std::string>());
      }
      e.source = "import";
      e.change = {"cli", "import"};
      entities->push_back(std::move(e));
    } else if (type == "relation") {
      NewRelation r;
      r.owner_id = a.owner;
      r.scope = a.scope;
      ENGRAM_ASSIGN_OR_RETURN(r.from, Field(o, "from", line));
      ENGRAM_ASSIGN_OR_RETURN(r.to, Field(o, "to", line));
      ENGRAM_ASSIGN_OR_RETURN(r.type, Field(o, "relationType", line));
      r.source = "import";
      r.change = {"cli", "import"};
      relations->push_back(std::move(r));
    } else {
      return LineError(line, "type must be entity or relation");
    }
  }
  return Status::Ok();
}

// One line of the file, its members in the official server's order.
std::string Line(nlohmann::ordered_json o) {
  return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

void AddGraphIoCommands(CLI::App& graph, Cli& cli, std::function<Status()>& command) {
  auto a = std::make_shared<IoArgs>();

  auto* import = graph.add_subcommand(
      "import", "Read a JSONL file of the MCP memory server (entities, then relations)");
  AddOwnerOption(import, a->owner);
  import->add_option("--scope", a->scope, "Scope to keep them at (default global)");
  import->add_option("file", a->file, "The file ('-' reads stdin)")->required();
  import->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      std::ifstream file;
  if (a->file != "-") {
    file.open(a->file);
    if (!file) return Status::IOError("cannot read '" + a->file + "'");
  }
  std::vector<NewEntity> entities;
  std::vector<NewRelation> relations;
  ENGRAM_RETURN_IF_ERROR(Parse(a->file == "-" ? std::cin : file, *a, &entities, &relations));
  ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
  // Every relation's ends must be in the file or in the graph before anything is written.
  GraphReadOptions at_scope;
  at_scope.scope = a->scope;
  std::set<std::string> named;
  for (const NewEntity& e : entities) named.insert(graph::NameKey(e.name));
  for (size_t i = 0; i < relations.size(); ++i) {
    for (const std::string& end : {relations[i].from, relations[i].to}) {
      if (named.contains(graph::NameKey(end))) continue;
      Status st = engine->GetEntity(a->owner, end, at_scope).status();
      if (!st.ok()) return st.WithPrefix("relation " + std::to_string(i) + ": ");
    }
  }
  size_t added = 0, related = 0;
  for (size_t at = 0; at < entities.size(); at += kBatch) {
    std::span<const NewEntity> chunk(entities.data() + at, std::min(kBatch, entities.size() - at));
    ENGRAM_ASSIGN_OR_RETURN(auto writes, engine->AddEntities(chunk));
    for (const EntityWrite& w : writes) added += w.event == GraphWriteEvent::kAdded;
  }
  for (size_t at = 0; at < relations.size(); at += kBatch) {
    std::span<const NewRelation> chunk(relations.data() + at,
                                       std::min(kBatch, relations.size() - at));
    ENGRAM_ASSIGN_OR_RETURN(auto writes, engine->AddRelations(chunk));
    for (const RelationWrite& w : writes) related += w.event == GraphWriteEvent::kAdded;
  }
  if (cli.json_output()) {
    Emit(json{{"entities", added}, {"relations", related}});
  } else {
    std::cout << "imported " << added << " new entities and " << related << " new relations\n";
  }
  return Status::Ok();
};
}  // namespace engram::cli
);

auto* exp = graph.add_subcommand("export", "Print the graph as the MCP memory server's JSONL");
AddOwnerOption(exp, a->owner);
exp->add_option("--scope", a->scope, "Scope to read at (default global)");
exp->callback([a, &cli, &command] {
  command = [a, &cli]() -> Status {
    ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
    GraphReadOptions o;
    o.scope = a->scope;
    ENGRAM_ASSIGN_OR_RETURN(Graph g, engine->ReadGraph(a->owner, o));
    for (const Entity& e : g.entities) {
      json observations = json::array();
      for (const Observation& ob : e.observations) observations.push_back(ob.text);
      std::cout << Line({{"type", "entity"},
                         {"name", e.name},
                         {"entityType", e.type},
                         {"observations", std::move(observations)}});
    }
    for (const Relation& r : g.relations) {
      std::cout << Line({{"type", "relation"},
                         {"from", r.from_name},
                         {"to", r.to_name},
                         {"relationType", r.type}});
    }
    return Status::Ok();
  };
});
}

}  // namespace engram::cli
