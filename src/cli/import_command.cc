// engram import: an archive of `engram export` (export_command.cc), or memories from a JSONL file
// (one memory per line, added through the write rules).
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <set>
#include <span>
#include <sstream>
#include <tuple>

#include "cli/commands.h"
#include "core/json_codec.h"
#include "portable/archive_file.h"
#include "portable/foreign.h"
#include "util/json.h"
#include "util/text.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct ImportArgs {
  std::string owner, file, from, scope = "global";
};

// `import --from`: another memory system's file (portable/foreign.h).
Status ImportForeign(Cli& cli, const ImportArgs& a) {
  if (a.owner.empty()) return Status::InvalidArgument("--owner is required with --from");
  if (a.from == "openai-session" && a.file == "-") {
    return Status::InvalidArgument("an Agents SDK session database is read from a file, not stdin");
  }
  std::ifstream file;
  if (a.file != "-" && a.from != "openai-session") {
    file.open(a.file, std::ios::binary);
    if (!file) return Status::NotFound("cannot open '" + a.file + "'");
  }
  std::istream& in = a.file == "-" ? std::cin : file;
  ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine(/*with_embedder=*/true));
  portable::ForeignReport r;
  if (a.from == "mcp") {
    ENGRAM_ASSIGN_OR_RETURN(r, portable::ImportMcpGraph(*engine, in, a.owner, a.scope));
  } else if (a.from == "mem0") {
    ENGRAM_ASSIGN_OR_RETURN(r, portable::ImportMem0(*engine, in, a.owner, a.scope));
  } else {
    ENGRAM_ASSIGN_OR_RETURN(r, portable::ImportAgentsSessions(*engine, a.file, a.owner));
  }
  if (cli.json_output()) {
    Emit(json{{"memories", r.memories},
              {"already_stored", r.already_known},
              {"entities", r.entities},
              {"relations", r.relations},
              {"sessions", r.sessions},
              {"session_items", r.session_items},
              {"skipped", r.skipped}});
  } else if (a.from == "mcp") {
    std::cout << "imported " << r.entities << " new entities and " << r.relations
              << " new relations\n";
  } else if (a.from == "mem0") {
    std::cout << "imported " << r.memories << " memories";
    if (r.already_known) std::cout << " (" << r.already_known << " already stored)";
    std::cout << "\n";
  } else {
    std::cout << "imported " << r.sessions << " sessions (" << r.session_items << " items";
    if (r.skipped) std::cout << ", " << r.skipped << " items without text skipped";
    std::cout << ")\n";
  }
  return Status::Ok();
}

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
  auto a = std::make_shared<ImportArgs>();

  auto* import_cmd = app.add_subcommand(
      "import", "Import an engram archive, or add memories from a JSONL file (one per line)");
  import_cmd->add_option("--owner", a->owner,
                         "Owner of the memories (required for a JSONL file of memories); with an "
                         "archive of one owner, the owner to import it as");
  import_cmd
      ->add_option("--from", a->from,
                   "Another system's file: mcp (the MCP memory server's JSONL graph), mem0 "
                   "(a get_all JSON dump), openai-session (an Agents SDK SQLiteSession "
                   "database)")
      ->check(CLI::IsMember({"mcp", "mem0", "openai-session"}));
  import_cmd->add_option("--scope", a->scope, "Scope for --from mcp and mem0 (default global)");
  import_cmd->add_option("file", a->file, "The file ('-' reads stdin)")->required();
  import_cmd->callback([=, &cli, &command, &g = ctx.globals] {
    command = [=, &cli, &g]() -> Status {
      if (!a->from.empty()) return ImportForeign(cli, *a);
      std::ifstream in_file;
      if (a->file != "-") {
        in_file.open(a->file, std::ios::binary);
        if (!in_file) return Status::NotFound("cannot open '" + a->file + "'");
      }
      std::stringstream buffer;
      buffer << (a->file == "-" ? std::cin.rdbuf() : in_file.rdbuf());
      const std::string text = buffer.str();
      // An archive starts with its header line; anything else is a file of memories.
      portable::ArchiveFormat format;
      if (portable::IsArchive(text, &format)) return ImportArchive(cli, text, a->owner);
      if (a->owner.empty()) {
        return Status::InvalidArgument("--owner is required to import a JSONL file of memories");
      }
      std::istringstream lines(text);
      std::istream* in = &lines;
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
