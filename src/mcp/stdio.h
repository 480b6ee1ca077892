// The stdio transport of MCP: newline-delimited JSON-RPC messages on standard input, responses
// on standard output, one per line (no embedded newlines); nothing else is written to the
// output stream, so logs go to stderr.
#pragma once

#include <istream>
#include <ostream>

#include "engram/status.h"
#include "mcp/session.h"

namespace engram::mcp {

// Serves `session` until `in` ends (the client closed its end). Blank lines are skipped.
Status ServeStdio(Session& session, std::istream& in, std::ostream& out);

}  // namespace engram::mcp
