// engram files export / sync: an owner's memory as Markdown files a person edits
// (portable/memory_files.h, docs/memory-files.md).
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "portable/memory_files.h"

namespace engram::cli {

namespace {

using nlohmann::json;

struct FilesArgs {
  std::string owner, dir;
  bool dry_run = false;
};

json PlanJson(const portable::SyncPlan& plan) {
  json steps = json::array();
  for (const portable::SyncStep& s : plan.steps) {
    steps.push_back({{"file", s.file}, {"action", s.action}, {"id", s.id}, {"text", s.text}});
  }
  return json{{"unchanged", plan.unchanged}, {"steps", std::move(steps)}};
}

void PrintPlan(const portable::SyncPlan& plan, bool dry_run) {
  for (const std::string& file : plan.unchanged) std::cout << "unchanged  " << file << "\n";
  for (const portable::SyncStep& s : plan.steps) {
    std::cout << (s.action == "conflict" ? "CONFLICT" : s.action) << "  " << s.file;
    if (!s.id.empty()) std::cout << "  " << s.id;
    std::cout << ": " << OneLine(s.text) << "\n";
  }
  if (plan.steps.empty()) std::cout << "nothing to sync\n";
  if (dry_run && !plan.steps.empty() && !plan.has_conflicts()) {
    std::cout << "(dry run: nothing was changed)\n";
  }
}

}  // namespace

void AddFilesCommands(const CommandContext& ctx) {
  Cli& cli = ctx.cli;
  auto a = std::make_shared<FilesArgs>();
  auto* files = ctx.app.add_subcommand(
      "files", "Memory as Markdown files: SOUL.md, MEMORY.md, memory/YYYY-MM-DD.md");
  files->require_subcommand(1);

  auto* exp = files->add_subcommand("export", "Write the owner's memory files into DIR");
  AddOwnerOption(exp, a->owner);
  exp->add_option("dir", a->dir, "Folder to write (created when missing)")->required();
  exp->callback([a, &cli, &command = ctx.command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      std::vector<std::string> written;
      ENGRAM_RETURN_IF_ERROR(portable::ExportMemoryFiles(*engine, a->owner, a->dir, &written));
      if (cli.json_output()) {
        Emit(json{{"files", written}});
      } else {
        for (const std::string& f : written) std::cout << "wrote " << f << "\n";
      }
      return Status::Ok();
    };
  });

  auto* sync = files->add_subcommand(
      "sync", "Apply edits of DIR's memory files to the store (conflicts change nothing)");
  AddOwnerOption(sync, a->owner);
  sync->add_option("dir", a->dir, "Folder written by `engram files export`")->required();
  sync->add_flag("--dry-run", a->dry_run, "Show the plan, change nothing");
  sync->callback([a, &cli, &command = ctx.command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine(/*with_embedder=*/true));
      portable::SyncPlan plan;
      Progress progress("applying change", 0, cli.json_output());
      Status st = portable::SyncMemoryFiles(
          *engine, a->owner, a->dir, !a->dry_run, &plan,
          [&](size_t i, size_t n, const std::string& file) { progress.Update(i, n, file); });
      progress.Clear();
      if (cli.json_output()) {
        Emit(PlanJson(plan));
      } else {
        PrintPlan(plan, a->dry_run);
      }
      return st;
    };
  });
}

}  // namespace engram::cli
