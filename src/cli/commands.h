// The engram command's subcommands, one function per command group, one file each. Each adds
// its subcommands to the application; the one the user picked sets `command`, which main runs
// after parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/common.h"

namespace engram::cli {

// What every command group needs: the application to add subcommands to, the global options,
// the engine and output mode (cli), and the slot for the chosen command. All outlive parsing
// and the command's run.
struct CommandContext {
  CLI::App& app;
  Globals& globals;
  Cli& cli;
  std::function<Status()>& command;
};

// The required --owner option every per-owner subcommand takes.
inline void AddOwnerOption(CLI::App* sub, std::string& owner) {
  sub->add_option("--owner", owner, "Owner whose memory this is")->required();
}

// export, and import of archives (export_command.cc).
void AddExportCommand(const CommandContext& ctx);
// Imports an archive file's text (portable/archive_file.h); `owner`, when set, renames the
// archive's one owner.
Status ImportArchive(Cli& cli, const std::string& text, const std::string& owner);

// copy: owners from one store to another, verified (copy_command.cc).
void AddCopyCommand(const CommandContext& ctx);

// files export, files sync (files_command.cc).
void AddFilesCommands(const CommandContext& ctx);

// add, get, list, update, delete, forget, history (memory_commands.cc).
void AddMemoryCommands(const CommandContext& ctx);

// search, context (search_commands.cc).
void AddSearchCommands(const CommandContext& ctx);

// block set, append, replace, show, list, delete (block_commands.cc).
void AddBlockCommands(const CommandContext& ctx);

// session add, show, pop, summary, summarize, end, clear (session_commands.cc).
void AddSessionCommands(const CommandContext& ctx);

// graph add, rel, observe, show, neighbors, path, forget (graph_commands.cc), and import and
// export (AddGraphIoCommands).
void AddGraphCommands(const CommandContext& ctx);

// graph import, export: the MCP memory server's JSONL file (graph_io_command.cc).
void AddGraphIoCommands(CLI::App& graph, Cli& cli, std::function<Status()>& command);

// import: memories from a JSONL file (import_command.cc).
void AddImportCommand(const CommandContext& ctx);

// gc, reindex (maintenance_commands.cc).
void AddMaintenanceCommands(const CommandContext& ctx);

// owners: the owners with memories (owners_command.cc).
void AddOwnersCommand(const CommandContext& ctx);

// eval locomo (eval_commands.cc).
void AddEvalCommands(const CommandContext& ctx);

// eval scenarios, under the `eval` command: the write-path scenario runner (docs/scenarios.md,
// scenarios_command.cc).
// The global --policy (or $ENGRAM_POLICY) is the base policy of every scenario.
void AddScenariosCommand(CLI::App& eval, Globals& g, Cli& cli, std::function<Status()>& command);

// chat: the agent loop in the terminal (assemble context, call the model, store the exchange,
// extract memories, print the reply). Sets globals.llm_provider / llm_model from its options
// (chat_command.cc).
void AddChatCommand(const CommandContext& ctx);

// serve: the HTTP/JSON API (docs/http.md) until SIGTERM or SIGINT; returns OK (exit 0) after
// in-flight requests finished (serve.cc).
void AddServeCommand(const CommandContext& ctx);

// mcp: the MCP server on stdin/stdout for one owner (docs/mcp.md) (mcp_command.cc).
void AddMcpCommand(const CommandContext& ctx);

}  // namespace engram::cli
