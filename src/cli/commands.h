// Subcommands of the engram command defined outside main.cc, one function per group. Each adds
// its subcommands to `app`; the one the user picked sets `command`, which main runs after
// parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/common.h"

namespace engram::cli {

// context, block (set, append, replace, show, list, delete), gc.
void AddContextCommands(CLI::App& app, Cli& cli, std::function<Status()>& command);

// eval scenarios, under the `eval` command: the write-path scenario runner (docs/scenarios.md).
// The global --policy (or $ENGRAM_POLICY) is the base policy of every scenario.
void AddScenariosCommand(CLI::App& eval, Globals& g, Cli& cli, std::function<Status()>& command);

// chat: the agent loop in the terminal (assemble context, call the model, store the exchange,
// extract memories, print the reply). Sets g.llm_provider / g.llm_model from its options.
void AddChatCommand(CLI::App& app, Globals& g, Cli& cli, std::function<Status()>& command);

// mcp: the MCP server on stdin/stdout for one owner (docs/mcp.md). `open_engine` opens the
// engine with the configured embedder.
void AddMcpCommand(CLI::App& app, std::function<Status()>& command,
                   std::function<Result<Engine*>()> open_engine);

}  // namespace engram::cli
