// engram owners: the owners the store holds memories of, with their counts of live memories.
#include <iostream>
#include <memory>

#include "cli/commands.h"

namespace engram::cli {

namespace {

using nlohmann::json;

struct OwnersArgs {
  size_t limit = 100;
  std::string cursor;
};

}  // namespace

void AddOwnersCommand(const CommandContext& ctx) {
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<OwnersArgs>();
  auto* owners = ctx.app.add_subcommand(
      "owners", "List the owners with memories and their counts of live memories, by owner id");
  owners->add_option("--limit", a->limit, "Owners per page, 1 to 1000 (default 100)");
  owners->add_option("--cursor", a->cursor, "Continue after a previous page");
  owners->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(OwnerPage page, engine->ListOwners(a->cursor, a->limit));
      if (cli.json_output()) {
        json items = json::array();
        for (const OwnerSummary& o : page.items) {
          items.push_back(json{{"owner_id", o.owner_id}, {"memories", o.memories}});
        }
        Emit(json{
            {"owners", std::move(items)},
            {"next_cursor", page.next_cursor.empty() ? json(nullptr) : json(page.next_cursor)}});
        return Status::Ok();
      }
      for (const OwnerSummary& o : page.items) {
        std::cout << o.owner_id << "  " << o.memories
                  << (o.memories == 1 ? " memory\n" : " memories\n");
      }
      if (!page.next_cursor.empty()) std::cout << "(more: --cursor " << page.next_cursor << ")\n";
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
