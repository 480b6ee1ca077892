// engram graph import / export: the knowledge graph as the official MCP memory server's JSONL file
// (MEMORY_FILE_PATH): one {"type": "entity", "name", "entityType", "observations"} or
// {"type": "relation", "from", "to", "relationType"} object per line.
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "portable/foreign.h"

namespace engram::cli {

namespace {

using nlohmann::json;

struct IoArgs {
  std::string owner, scope = "global", file;
};

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
  ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
  ENGRAM_ASSIGN_OR_RETURN(
      portable::ForeignReport r,
      portable::ImportMcpGraph(*engine, a->file == "-" ? std::cin : file, a->owner, a->scope));
  if (cli.json_output()) {
    Emit(json{{"entities", r.entities}, {"relations", r.relations}});
  } else {
    std::cout << "imported " << r.entities << " new entities and " << r.relations
              << " new relations\n";
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
