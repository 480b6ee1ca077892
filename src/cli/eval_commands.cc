// engram eval: recall on benchmarks (locomo, paraphrase, graph); scenarios_command.cc adds
// scenarios.
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "embed/embedder_factory.h"
#include "eval/embedding_cache.h"
#include "eval/graph_questions.h"
#include "eval/locomo.h"
#include "eval/paraphrase.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct EvalArgs {
  std::string file;
  size_t conversations = 0;
  std::vector<size_t> ks = {1, 5, 10, 25};
  std::vector<std::string> runs;
  std::string embed_cache;
};

}  // namespace

void AddEvalCommands(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<EvalArgs>();
  auto* eval = app.add_subcommand("eval", "Evaluate recall on a benchmark");
  eval->require_subcommand(1);
  AddScenariosCommand(*eval, ctx.globals, cli, command);
  auto* locomo = eval->add_subcommand("locomo", "LoCoMo evidence recall@k over dialog turns");
  locomo->add_option("file", a->file, "locomo10.json")->required();
  locomo->add_option("--conversations", a->conversations, "Only the first N conversations");
  locomo->add_option("--k", a->ks, "Cut-offs (default 1,5,10,25)")->delimiter(',');
  locomo->add_option("--runs", a->runs, "Only these runs (default,lexical,vector,hybrid)")
      ->delimiter(',');
  locomo->add_option("--embed-cache", a->embed_cache,
                     "File of turn and question vectors reused across runs (made when absent)");
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
      o.runs = a->runs;
      ENGRAM_ASSIGN_OR_RETURN(o.embedder, engram::EmbedderFromEnvironment());
      std::shared_ptr<engram::eval::CachingEmbedder> cache;
      if (!a->embed_cache.empty() && o.embedder) {
        cache = std::make_shared<engram::eval::CachingEmbedder>(o.embedder, a->embed_cache);
        o.embedder = cache;
      }
      std::string tmpl = (std::filesystem::temp_directory_path() / "engram-eval-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr)
        return Status::IOError("cannot create a temporary folder");
      o.work_dir = tmpl;
      Result<engram::eval::LocomoReport> report = engram::eval::RunLocomo(o);
      std::error_code ec;
      std::filesystem::remove_all(tmpl, ec);
      if (!report.ok()) return report.status();
      if (cache) ENGRAM_RETURN_IF_ERROR(cache->Save());
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
        if (report->conversations > engram::eval::kLocomoTuningConversations) {
          std::printf("conversations 0-%zu (where retrieval was tuned):\n\n%s\n",
                      engram::eval::kLocomoTuningConversations - 1,
                      engram::eval::ReportToMarkdown(*report, /*held_out=*/false).c_str());
          std::printf("conversations %zu-%zu (held out):\n\n%s\n",
                      engram::eval::kLocomoTuningConversations, report->conversations - 1,
                      engram::eval::ReportToMarkdown(*report, /*held_out=*/true).c_str());
        }
        for (const auto& run : report->runs) {
          std::printf("%s: %.2f ms per search\n", run.name.c_str(), run.mean_search_ms);
        }
      }
      return Status::Ok();
    };
  });

  auto* paraphrase = eval->add_subcommand(
      "paraphrase", "Top-1/top-3 recall of questions that share no word with their memory");
  paraphrase->add_option("file", a->file, "JSONL set, e.g. tests/data/paraphrase_recall.jsonl")
      ->required();
  paraphrase->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      engram::eval::ParaphraseOptions o;
      o.data_path = a->file;
      ENGRAM_ASSIGN_OR_RETURN(o.embedder, engram::EmbedderFromEnvironment());
      std::string tmpl = (std::filesystem::temp_directory_path() / "engram-eval-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr)
        return Status::IOError("cannot create a temporary folder");
      o.work_dir = tmpl;
      Result<engram::eval::ParaphraseReport> report = engram::eval::RunParaphrase(o);
      std::error_code ec;
      std::filesystem::remove_all(tmpl, ec);
      if (!report.ok()) return report.status();
      if (cli.json_output()) {
        Emit(engram::eval::ParaphraseReportToJson(*report));
      } else {
        std::printf("paraphrase set: %zu owners, %zu memories (embedder: %s)\n\n%s", report->owners,
                    report->memories, o.embedder ? o.embedder->model_id().c_str() : "none",
                    engram::eval::ParaphraseReportToMarkdown(*report).c_str());
      }
      return Status::Ok();
    };
  });

  auto* graph = eval->add_subcommand(
      "graph",
      "Top-1/top-3 of questions naming an entity, hybrid search with and without the graph");
  graph->add_option("file", a->file, "JSONL set, e.g. tests/data/graph/questions.jsonl")
      ->required();
  graph->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      engram::eval::GraphQuestionsOptions o;
      o.data_path = a->file;
      ENGRAM_ASSIGN_OR_RETURN(o.embedder, engram::EmbedderFromEnvironment());
      std::string tmpl = (std::filesystem::temp_directory_path() / "engram-eval-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr)
        return Status::IOError("cannot create a temporary folder");
      o.work_dir = tmpl;
      Result<engram::eval::GraphQuestionsReport> report = engram::eval::RunGraphQuestions(o);
      std::error_code ec;
      std::filesystem::remove_all(tmpl, ec);
      if (!report.ok()) return report.status();
      if (cli.json_output()) {
        Emit(engram::eval::GraphQuestionsReportToJson(*report));
      } else {
        std::printf("graph set: %zu owners, %zu memories, %zu edges (embedder: %s)\n\n%s",
                    report->owners, report->memories, report->edges,
                    o.embedder ? o.embedder->model_id().c_str() : "none",
                    engram::eval::GraphQuestionsReportToMarkdown(*report).c_str());
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
