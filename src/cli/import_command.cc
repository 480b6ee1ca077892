// engram import: memories from a JSONL file.
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <set>
#include <span>
#include <tuple>

#include "cli/commands.h"
#include "core/json_codec.h"
#include "util/json.h"
#include "util/text.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct Args {
  std::string owner, file;
};

// Whether an episode with m's scope, text and observed time is stored already or came earlier
// in the file (recorded in *seen).
Result<bool> EpisodeKnown(Engine& engine, const NewMemory& m,
                          std::set<std::tuple<std::string, Timestamp, std::string>>* seen) {
  const std::string text = util::NormalizeForDedup(m.text);
  if (!seen->emplace(m.scope, *m.observed_at, text).second) return true;
  ListOptions o;
  o.scope = m.scope;
  o.type = MemoryType::kEpisode;
  o.created_from = *m.observed_at;
  o.created_until = *m.observed_at + 1;
  o.limit = 1000;
  ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, engine.ListMemories(m.owner_id, o));
  for (const MemoryRecord& r : page.items) {
    if (r.scope == m.scope && util::NormalizeForDedup(r.text) == text) return true;
  }
  return false;
}

}  // namespace

void AddImportCommand(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<Args>();

  auto* import_cmd = app.add_subcommand("import", "Add memories from a JSONL file (one per line)");
  AddOwnerOption(import_cmd, a->owner);
  import_cmd->add_option("file", a->file, "JSONL file ('-' reads stdin)")->required();
  import_cmd->callback([=, &cli, &command, &g = ctx.globals] {
    command = [=, &cli, &g]() -> Status {
      std::ifstream in_file;
      std::istream* in = &std::cin;
      if (a->file != "-") {
        in_file.open(a->file);
        if (!in_file) return Status::NotFound("cannot open '" + a->file + "'");
        in = &in_file;
      }
      // Every line is checked before anything is written, and everything is written in one
      // transaction: a bad line, a failure or a crash leaves the store as it was.
      g.max_items_per_write = std::numeric_limits<size_t>::max();
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine(/*with_embedder=*/true));
      std::vector<engram::NewMemory> memories;
      // Episodes are events: one with the same scope, text and time as one stored before (a
      // re-run of the file) or earlier in the file is the same event, not another.
      std::set<std::tuple<std::string, Timestamp, std::string>> episodes;
      size_t skipped = 0;
      std::string line;
      for (size_t n = 1; std::getline(*in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        Result<json> j = util::ParseJson(line);
        if (!j.ok()) {
          return Status::InvalidArgument("line " + std::to_string(n) +
                                         ": not valid JSON: " + j.status().message());
        }
        Result<engram::NewMemory> m = engram::core::NewMemoryFromJson(*j, a->owner);
        if (!m.ok()) {
          return Status::InvalidArgument("line " + std::to_string(n) + ": " + m.status().message());
        }
        m->change.actor = "import";
        if (m->source.empty()) m->source = "import";
        if (Status st = engine->ValidateMemory(*m); !st.ok()) {
          return Status::InvalidArgument("line " + std::to_string(n) + ": " + st.message());
        }
        if (m->type == MemoryType::kEpisode && m->observed_at) {
          ENGRAM_ASSIGN_OR_RETURN(const bool known, EpisodeKnown(*engine, *m, &episodes));
          if (known) {
            ++skipped;
            continue;
          }
        }
        memories.push_back(std::move(*m));
      }
      size_t added = 0, known = skipped;
      if (!memories.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(std::vector<WriteResult> results, engine->WriteMemories(memories));
        for (const WriteResult& w : results) {
          (w.event == WriteEvent::kDeduplicated ? known : added) += 1;
        }
      }
      if (cli.json_output()) {
        Emit(json{{"imported", added}, {"already_stored", known}});
      } else {
        std::cout << "imported " << added << " memories";
        if (known) std::cout << " (" << known << " already stored)";
        std::cout << "\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
