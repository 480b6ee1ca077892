// engram gc, reindex and migrate: maintenance of the whole store.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/json_codec.h"
#include "store/factory.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct MaintenanceArgs {
  bool dry_run = false;
};

}  // namespace

void AddMaintenanceCommands(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  const Globals& g = ctx.globals;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<MaintenanceArgs>();

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

  // ---- migrate ----
  auto* migrate = app.add_subcommand(
      "migrate", "Bring the stores' schemas to this engram's version (servers also do on start)");
  migrate->callback([&g, &cli, &command] {
    command = [&g, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(const std::string memory_url, StoreUrl(g));
      const std::string sessions_url = SessionsUrl(g);
      json out = json::object();
      for (const auto& [what, url] :
           {std::pair<std::string, std::string>{"store", memory_url}, {"sessions", sessions_url}}) {
        if (url.empty() || (what == "sessions" && url == memory_url)) continue;
        ENGRAM_ASSIGN_OR_RETURN(store::OpenedBackend opened,
                                store::OpenBackend(url, store::OpenSettings{}));
        const std::string schema = opened.schema.empty() ? "schema current" : opened.schema;
        out[what] = schema;
        if (!cli.json_output()) std::cout << what << ": " << schema << "\n";
      }
      if (cli.json_output()) Emit(out);
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
