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

}  // namespace engram::cli
