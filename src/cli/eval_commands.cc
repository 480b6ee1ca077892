// engram eval: recall on benchmarks.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "embed/embedder_factory.h"
#include "eval/locomo.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct Args {
  std::string file;
  size_t conversations = 0;
  std::vector<size_t> ks = {1, 5, 10, 25};
};

}  // namespace

void AddEvalCommands(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<Args>();
  auto* eval = app.add_subcommand("eval", "Evaluate recall on a benchmark");
  eval->require_subcommand(1);
  AddScenariosCommand(*eval, ctx.globals, cli, command);
  auto* locomo = eval->add_subcommand("locomo", "LoCoMo evidence recall@k over dialog turns");
  locomo->add_option("file", a->file, "locomo10.json")->required();
  locomo->add_option("--conversations", a->conversations, "Only the first N conversations");
  locomo->add_option("--k", a->ks, "Cut-offs (default 1,5,10,25)")->delimiter(',');
  locomo->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      engram::eval::LocomoOptions o;
      o.data_path = a->file;
      o.max_conversations = a->conversations;
      if (a->ks.empty()) return Status::InvalidArgument("--k needs at least one cut-off");
      for (size_t k : a->ks) {
        if (k == 0 || k > 1000) return Status::InvalidArgument("--k values must be 1..1000");
      }
      o.ks = a->ks;
      ENGRAM_ASSIGN_OR_RETURN(o.embedder, engram::EmbedderFromEnvironment());
      std::string tmpl = (std::filesystem::temp_directory_path() / "engram-eval-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr)
        return Status::IOError("cannot create a temporary folder");
      o.work_dir = tmpl;
      Result<engram::eval::LocomoReport> report = engram::eval::RunLocomo(o);
      std::error_code ec;
      std::filesystem::remove_all(tmpl, ec);
      if (!report.ok()) return report.status();
      if (cli.json_output()) {
        Emit(engram::eval::ReportToJson(*report));
      } else {
        std::printf("LoCoMo: %zu conversations, %zu turns, ingest %.1f s (embedder: %s)\n",
                    report->conversations, report->turns, report->ingest_seconds,
                    o.embedder ? o.embedder->model_id().c_str() : "none");
        std::printf(
            "evidence recall@k (%%) by question category (1 multi-hop, 2 temporal, 3 "
            "open-domain, 4 single-hop, 5 adversarial)\n\n%s\n",
            engram::eval::ReportToMarkdown(*report).c_str());
        for (const auto& run : report->runs) {
          std::printf("%s: %.2f ms per search\n", run.name.c_str(), run.mean_search_ms);
        }
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
