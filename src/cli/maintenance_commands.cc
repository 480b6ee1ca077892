// engram gc and engram reindex: maintenance of the whole store.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/json_codec.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct Args {
  bool dry_run = false;
};

}  // namespace

void AddMaintenanceCommands(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<Args>();

  // ---- gc ----
  auto* gc = app.add_subcommand(
      "gc", "Erase expired memories and session items past the policy's retention");
  gc->add_flag("--dry-run", a->dry_run, "Count what would go, change nothing");
  gc->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(GcReport r, engine->CollectGarbage(a->dry_run));
      if (cli.json_output()) {
        json out = core::GcReportToJson(r);
        out["dry_run"] = a->dry_run;
        Emit(out);
      } else {
        std::cout << (a->dry_run ? "would erase " : "erased ") << r.expired_memories
                  << " expired memories (" << r.history_events << " history rows) and "
                  << r.session_items << " old session items\n";
      }
      return Status::Ok();
    };
  });

  // ---- reindex ----
  auto* reindex =
      app.add_subcommand("reindex", "Re-embed every memory with the configured embedder");
  reindex->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/true, /*accept_model_change=*/true));
      ENGRAM_ASSIGN_OR_RETURN(int64_t n, engine->Reindex());
      if (cli.json_output()) {
        Emit(json{{"reindexed", n}});
      } else {
        std::cout << "re-embedded " << n << " memories\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
