// engram export, and the archive half of engram import: whole owners as archive files
// (portable/archive_file.h, docs/export.md).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/progress.h"
#include "portable/archive_io.h"

namespace engram::cli {

namespace {

using nlohmann::json;

struct ExportArgs {
  std::string owner, format = "jsonl",
                     include = "memories,history,sessions,blocks,graph,vectors,checkpoints";
  std::string output;
};

}  // namespace

Status ImportArchive(Cli& cli, const std::string& text, const std::string& owner) {
  ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine(/*with_embedder=*/true));
  // "importing owner 2/3 alice", then within the owner "embedding 512/2000 alice" and
  // "writing 41200/250000 alice".
  Progress progress("importing owner", 0, cli.json_output());
  std::string who_now, stage_now;
  ENGRAM_ASSIGN_OR_RETURN(auto reports, portable::ImportArchive(
                                            *engine, text, owner,
                                            [&](size_t i, size_t n, const std::string& who) {
                                              who_now = who;
                                              stage_now.clear();
                                              progress.Rename("importing owner");
                                              progress.Update(i, n, who);
                                            },
                                            [&](std::string_view stage, size_t done, size_t total) {
                                              if (stage != stage_now) {
                                                stage_now = std::string(stage);
                                                progress.Rename(stage_now);
                                              }
                                              progress.Update(done, total, who_now);
                                            }));
  progress.Clear();
  json out = json::object();
  for (const auto& [who, r] : reports) {
    out[who] = portable::ImportReportJson(r);
    if (cli.json_output()) continue;
    std::cout << "imported owner " << who << ": " << r.memories << " memories, " << r.history_events
              << " history rows, " << r.sessions << " sessions (" << r.session_items << " items), "
              << r.entities << " entity and " << r.relations << " relation versions, "
              << r.checkpoints << " checkpoints (" << r.checkpoint_writes << " pending writes)";
    if (r.reembedded) std::cout << "; " << r.reembedded << " embedded again";
    std::cout << "\n";
  }
  if (cli.json_output()) Emit(json{{"owners", std::move(out)}});
  return Status::Ok();
}

void AddExportCommand(const CommandContext& ctx) {
  Cli& cli = ctx.cli;
  auto a = std::make_shared<ExportArgs>();
  auto* exp = ctx.app.add_subcommand(
      "export",
      "Write owners' memories, history, sessions, blocks, graph and checkpoints to an archive");
  exp->add_option("--owner", a->owner, "Only this owner (default: every owner)");
  exp->add_option("--format", a->format, "jsonl (default) or yaml")
      ->check(CLI::IsMember({"jsonl", "yaml"}));
  exp->add_option("--include", a->include,
                  "Comma-separated parts (default "
                  "memories,history,sessions,blocks,graph,vectors,checkpoints)");
  exp->add_option("-o,--output", a->output, "File to write (default standard output)");
  exp->callback([a, &cli, &command = ctx.command] {
    command = [a, &cli]() -> Status {
      Result<ArchiveParts> parsed = portable::ParseArchiveParts(a->include);
      if (!parsed.ok()) return Status::InvalidArgument("--include: " + parsed.status().message());
      const ArchiveParts parts = *parsed;
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine(/*with_embedder=*/parts.vectors));
      std::vector<std::string> owners;
      if (!a->owner.empty()) owners.push_back(a->owner);
      const auto format =
          a->format == "yaml" ? portable::ArchiveFormat::kYaml : portable::ArchiveFormat::kJsonl;
      Progress progress("reading owner", 0, cli.json_output());
      ENGRAM_ASSIGN_OR_RETURN(const portable::ExportSnapshot snapshot,
                              portable::ReadExport(*engine, owners, parts, ENGRAM_VERSION,
                                                   [&](size_t i, size_t n, const std::string& who) {
                                                     progress.Update(i, n, who);
                                                   }));
      // Written line by line as it is made (portable::StreamArchive), never held whole.
      progress.Rename("writing line");
      const size_t total = portable::ArchiveLineCount(snapshot.owners);
      size_t done = 0;
      auto write_to = [&](std::ostream& out) {
        return portable::StreamArchive(format, snapshot.header, snapshot.owners,
                                       [&](std::string_view piece) {
                                         out << piece;
                                         // The first piece is the header, the rest lines.
                                         if (done > 0 && done <= total) {
                                           progress.Update(done, total, "");
                                         }
                                         ++done;
                                         return static_cast<bool>(out);
                                       });
      };
      if (a->output.empty() || a->output == "-") {
        const bool ok = write_to(std::cout) && (std::cout << std::flush);
        progress.Clear();
        return ok ? Status::Ok() : Status::IOError("cannot write the archive");
      }
      // Written beside the target and renamed into place: a failed export leaves no half file.
      const std::string tmp = a->output + ".tmp";
      Status st;
      {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) return Status::IOError("cannot write '" + tmp + "'");
        write_to(out);
        out.flush();
        if (!out) st = Status::IOError("cannot write '" + tmp + "'");
      }
      progress.Clear();
      if (st.ok() && std::rename(tmp.c_str(), a->output.c_str()) != 0) {
        st = Status::IOError("cannot rename '" + tmp + "' to '" + a->output + "'");
      }
      if (!st.ok()) std::remove(tmp.c_str());
      return st;
    };
  });
}

}  // namespace engram::cli
