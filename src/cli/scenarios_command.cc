// engram eval scenarios: the write-path scenario runner (docs/scenarios.md).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "embed/embedder_factory.h"
#include "eval/scenarios.h"

namespace engram::cli {

void AddScenariosCommand(CLI::App& eval, Globals& g, Cli& cli, std::function<Status()>& command) {
  struct ScenariosArgs {
    std::string file, category;
  };
  auto args = std::make_shared<ScenariosArgs>();
  auto* sub = eval.add_subcommand(
      "scenarios", "Replay write-path scenarios (JSONL) into fresh stores and score their probes");
  sub->add_option("file", args->file, "Scenario file, one JSON object per line")->required();
  sub->add_option("--category", args->category, "Only the scenarios of this category");
  sub->callback([&g, &cli, &command, args] {
    command = [&g, &cli, args]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(std::vector<eval::Scenario> scenarios,
                              eval::LoadScenarioFile(args->file));
      eval::ScenarioOptions o;
      o.category = args->category;
      std::string policy = g.policy;
      if (const char* env = std::getenv("ENGRAM_POLICY"); policy.empty() && env && *env) {
        policy = env;
      }
      if (!policy.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(o.policy, LoadPolicyFile(policy));
      }
      ENGRAM_ASSIGN_OR_RETURN(o.embedder, EmbedderFromEnvironment());
      std::string tmpl =
          (std::filesystem::temp_directory_path() / "engram-scenarios-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr) {
        return Status::IOError("cannot create a temporary folder");
      }
      o.work_dir = tmpl;
      Result<eval::ScenarioReport> report = eval::RunScenarios(scenarios, o);
      std::error_code ec;
      std::filesystem::remove_all(tmpl, ec);
      if (!report.ok()) return report.status();
      if (cli.json_output()) {
        Emit(eval::ScenarioReportToJson(*report));
      } else {
        std::printf("%zu scenarios from %s (embedder: %s)\n\n%s", report->overall.scenarios,
                    args->file.c_str(), o.embedder ? o.embedder->model_id().c_str() : "none",
                    eval::ScenarioReportToText(*report).c_str());
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
