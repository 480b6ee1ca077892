// `engram serve`: the HTTP/JSON API (docs/http.md) over the CLI's database.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "engram/engine.h"

namespace engram::cli {

// Adds the "serve" subcommand to `app`. When it is chosen, `command` is set to a function that
// serves until SIGTERM or SIGINT and then returns OK (exit 0) after in-flight requests finished.
// `open_engine` opens the engine with the configured embedder; the caller owns and closes it.
void AddServeCommand(CLI::App& app, std::function<Status()>& command,
                     std::function<Result<Engine*>()> open_engine);

}  // namespace engram::cli
