// engram block: core blocks, labelled text always in context.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/json_codec.h"

namespace engram::cli {

namespace {

using nlohmann::json;

void PrintBlock(const CoreBlock& b) {
  std::cout << "[" << b.label << "] (scope " << b.scope << ", " << b.value.size()
            << " bytes, limit " << b.limit << " characters)\n"
            << b.value << "\n";
}

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct BlockArgs {
  std::string owner, scope = "global", label, old_text, new_text;
  std::vector<std::string> words;
  size_t limit = 0;
};

}  // namespace

void AddBlockCommands(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<BlockArgs>();

  // ---- block ----
  auto* block = app.add_subcommand("block", "Core blocks: labelled text always in context");
  block->require_subcommand(1);
  auto address = [a](CLI::App* sub) {
    sub->add_option("--owner", a->owner, "Owner whose block this is")->required();
    sub->add_option("--scope", a->scope, "Scope (default global)");
    sub->add_option("--label", a->label, "Block label, e.g. persona or human")->required();
  };
  auto print = [&cli](const CoreBlock& b) {
    cli.json_output() ? Emit(core::CoreBlockToJson(b)) : PrintBlock(b);
  };

  auto* bset = block->add_subcommand("set", "Create or replace a block");
  address(bset);
  bset->add_option("--limit", a->limit, "Character limit (default: the block's, or 2000)");
  bset->add_option("text", a->words, "The value ('-' reads stdin)")->required();
  bset->callback([a, &cli, &command, print] {
    command = [a, &cli, print]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadText(a->words, 64 << 20));
      ENGRAM_ASSIGN_OR_RETURN(
          CoreBlock b,
          engine->SetBlock(a->owner, a->scope, a->label, text,
                           a->limit ? std::optional<size_t>(a->limit) : std::nullopt, {"cli", ""}));
      print(b);
      return Status::Ok();
    };
  });

  auto* bappend = block->add_subcommand("append", "Append a line to a block");
  address(bappend);
  bappend->add_option("text", a->words, "The text ('-' reads stdin)")->required();
  bappend->callback([a, &cli, &command, print] {
    command = [a, &cli, print]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadText(a->words, 64 << 20));
      ENGRAM_ASSIGN_OR_RETURN(
          CoreBlock b, engine->AppendToBlock(a->owner, a->scope, a->label, text, {"cli", ""}));
      print(b);
      return Status::Ok();
    };
  });

  auto* breplace = block->add_subcommand("replace", "Replace text in a block");
  address(breplace);
  breplace->add_option("old", a->old_text, "Text to replace (must occur in the block)")->required();
  breplace->add_option("new", a->new_text, "Replacement (may be empty)")->required();
  breplace->callback([a, &cli, &command, print] {
    command = [a, &cli, print]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(CoreBlock b,
                              engine->ReplaceInBlock(a->owner, a->scope, a->label, a->old_text,
                                                     a->new_text, {"cli", ""}));
      print(b);
      return Status::Ok();
    };
  });

  auto* bshow = block->add_subcommand("show", "Show one block");
  address(bshow);
  bshow->callback([a, &cli, &command, print] {
    command = [a, &cli, print]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(CoreBlock b, engine->GetBlock(a->owner, a->scope, a->label));
      print(b);
      return Status::Ok();
    };
  });

  auto* bdelete = block->add_subcommand("delete", "Delete a block (history is kept)");
  address(bdelete);
  bdelete->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_RETURN_IF_ERROR(engine->DeleteBlock(a->owner, a->scope, a->label, {"cli", ""}));
      cli.json_output() ? Emit(json{{"deleted", a->label}})
                        : void(std::cout << "deleted block " << a->label << "\n");
      return Status::Ok();
    };
  });

  auto* blist = block->add_subcommand("list", "The blocks visible at a scope");
  blist->add_option("--owner", a->owner, "Owner whose blocks these are")->required();
  blist->add_option("--scope", a->scope, "Scope (default global)");
  blist->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(std::vector<CoreBlock> blocks,
                              engine->ListBlocks(a->owner, a->scope));
      if (cli.json_output()) {
        json out = json::array();
        for (const CoreBlock& b : blocks) out.push_back(core::CoreBlockToJson(b));
        Emit(out);
      } else {
        for (const CoreBlock& b : blocks) PrintBlock(b);
        if (blocks.empty()) std::cout << "(no blocks)\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
