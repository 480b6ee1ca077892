// `engram mcp --owner O`: the MCP server over stdio (docs/mcp.md).
#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "mcp/session.h"
#include "mcp/stdio.h"
#include "mcp/tools.h"
#include "server/router.h"
#include "server/v1.h"

namespace engram::cli {

namespace {

Status ServeMcp(const std::string& owner, const std::function<Result<Engine*>()>& open_engine) {
  if (owner.empty()) return Status::InvalidArgument("--owner must not be empty");
  ENGRAM_ASSIGN_OR_RETURN(Engine * engine, open_engine());
  // Hybrid search needs vectors; without an embedder, calls that name no mode are lexical.
  SearchMode mode = SearchMode::kHybrid;
  if (const char* e = std::getenv("ENGRAM_EMBEDDER"); e && std::string(e) == "none") {
    mode = SearchMode::kLexical;
  }
  server::Router routes;
  server::RegisterV1Routes(routes, *engine, mode);
  mcp::Tools tools(routes);
  // Whoever starts the process owns it: the session acts for --owner and nobody else.
  server::Principal principal;
  principal.name = "mcp-stdio";
  principal.owners = {owner};
  mcp::Session session(tools, principal, mcp::Version());
  std::cerr << "engram: MCP server on stdio for owner " << owner << std::endl;
  return mcp::ServeStdio(session, std::cin, std::cout);
}

}  // namespace

void AddMcpCommand(const CommandContext& ctx) {
  std::function<Result<Engine*>()> open_engine = [&cli = ctx.cli] {
    return cli.engine(/*with_embedder=*/true);
  };
  auto owner = std::make_shared<std::string>();
  auto* mcp = ctx.app.add_subcommand(
      "mcp", "Serve the MCP tools on stdin/stdout for one owner (docs/mcp.md)");
  mcp->add_option("--owner", *owner, "The owner every tool call acts for")->required();
  mcp->callback([&command = ctx.command, owner, open_engine] {
    command = [owner, open_engine]() -> Status { return ServeMcp(*owner, open_engine); };
  });
}

}  // namespace engram::cli
