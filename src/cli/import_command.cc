// engram import: memories from a JSONL file.
#include <fstream>
#include <iostream>
#include <memory>
#include <span>

#include "cli/commands.h"
#include "core/json_codec.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct Args {
  std::string owner, file;
};

}  // namespace

void AddImportCommand(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<Args>();
  auto owner_opt = [a](CLI::App* sub) {
    sub->add_option("--owner", a->owner, "Owner whose memory this is")->required();
  };

  auto* import_cmd = app.add_subcommand("import", "Add memories from a JSONL file (one per line)");
  owner_opt(import_cmd);
  import_cmd->add_option("file", a->file, "JSONL file ('-' reads stdin)")->required();
  import_cmd->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      std::ifstream in_file;
      std::istream* in = &std::cin;
      if (a->file != "-") {
        in_file.open(a->file);
        if (!in_file) return Status::NotFound("cannot open '" + a->file + "'");
        in = &in_file;
      }
      // Every line is checked before anything is written: a bad line writes nothing.
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine(/*with_embedder=*/true));
      std::vector<engram::NewMemory> memories;
      std::string line;
      for (size_t n = 1; std::getline(*in, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        json j = json::parse(line, nullptr, false);
        if (j.is_discarded()) {
          return Status::InvalidArgument("line " + std::to_string(n) + ": not valid JSON");
        }
        Result<engram::NewMemory> m = engram::core::NewMemoryFromJson(j, a->owner);
        if (!m.ok()) {
          return Status::InvalidArgument("line " + std::to_string(n) + ": " + m.status().message());
        }
        m->change.actor = "import";
        if (m->source.empty()) m->source = "import";
        if (Status st = engine->ValidateMemory(*m); !st.ok()) {
          return Status::InvalidArgument("line " + std::to_string(n) + ": " + st.message());
        }
        memories.push_back(std::move(*m));
      }
      constexpr size_t kBatch = 500;
      size_t added = 0;
      for (size_t i = 0; i < memories.size(); i += kBatch) {
        const size_t n = std::min(kBatch, memories.size() - i);
        auto batch = engine->AddMemories(std::span(memories).subspan(i, n));
        if (!batch.ok()) {
          return Status(batch.status().code() == engram::Status::Code::kInvalidArgument
                            ? Status::InvalidArgument("after " + std::to_string(added) +
                                                      " imported: " + batch.status().message())
                            : batch.status());
        }
        added += n;
      }
      if (cli.json_output()) {
        Emit(json{{"imported", added}});
      } else {
        std::cout << "imported " << added << " memories\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
