// The engram command: every engine operation from the shell. The subcommands live in one file
// per command group (cli/commands.h).
//
// Exit status: 0 on success, 1 when the engine refuses or fails (one line on stderr naming the
// problem), 2 on a usage error.
#include <CLI/CLI.hpp>
#include <functional>
#include <iostream>

#include "cli/commands.h"
#include "cli/common.h"

int main(int argc, char** argv) {
  using namespace engram::cli;
  Globals g;
  Cli cli(g);
  CLI::App app{"engram: memory for LLM agents (embedded SQLite store)"};
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--store", g.store,
                 "Where memories live, a URL such as sqlite:///path/engram.db (default: "
                 "$ENGRAM_STORE, else the --db file)");
  app.add_option("--db", g.db,
                 "SQLite database file, short for --store sqlite://PATH (default: $ENGRAM_DB or "
                 "~/.local/share/engram/engram.db)");
  app.add_option("--sessions", g.sessions,
                 "Where session items and summaries live, a store URL such as "
                 "redis://[user:password@]host:port/db?ttl=SECONDS (default: $ENGRAM_SESSIONS, "
                 "else with the memories)");
  app.add_option("--index-cache", g.index_cache,
                 "Folder for the saved vector indexes of a postgres:// store, one subfolder per "
                 "database (default: $ENGRAM_INDEX_CACHE, else ~/.cache/engram/index; none: "
                 "rebuild them in each process)");
  app.add_option("--approximate-above", g.approximate_above,
                 "An owner with more vectors than this is searched through an HNSW index instead "
                 "of an exact scan (default 10000)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", g.json, "Print JSON");
  app.add_option(
      "--policy", g.policy,
      "Write and retention policy, a JSON file (default: $ENGRAM_POLICY; docs/policy.md)");

  std::function<engram::Status()> command;
  const CommandContext ctx{app, g, cli, command};
  AddMemoryCommands(ctx);
  AddSearchCommands(ctx);
  AddImportCommand(ctx);
  AddExportCommand(ctx);
  AddCopyCommand(ctx);
  AddFilesCommands(ctx);
  AddMaintenanceCommands(ctx);
  AddOwnersCommand(ctx);
  AddEvalCommands(ctx);
  AddSessionCommands(ctx);
  AddBlockCommands(ctx);
  AddGraphCommands(ctx);
  AddChatCommand(ctx);
  AddServeCommand(ctx);
  AddMcpCommand(ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "engram: usage error: " << e.what() << " (see engram --help)\n";
    return 2;
  }
  if (!command) {
    std::cerr << "engram: usage error: no command given (see engram --help)\n";
    return 2;
  }
  return cli.Run(command);
}
