#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/json_codec.h"
#include "util/time.h"

namespace engram::cli {

namespace {

using nlohmann::json;

void PrintBlock(const CoreBlock& b) {
  std::cout << "[" << b.label << "] (scope " << b.scope << ", " << b.value.size()
            << " bytes, limit " << b.limit << " characters)\n"
            << b.value << "\n";
}

// Options shared by the subcommands; they outlive parsing inside the callbacks that hold them.
struct Args {
  std::string owner, scope = "global", session, query, label, limit_text;
  std::vector<std::string> words;
  size_t budget = 2000, max_relevant = 10, max_standing = 20, turns = 3, previous_turns = 2,
         limit = 0;
  bool dry_run = false, no_previous = false;
};

}  // namespace

void AddContextCommands(CLI::App& app, Cli& cli, std::function<Status()>& command) {
  auto a = std::make_shared<Args>();

  // ---- context ----
  auto* context = app.add_subcommand(
      "context", "What an agent should see next: blocks, facts, relevant memories, recent turns");
  context->add_option("--owner", a->owner, "Owner whose memory this is")->required();
  context->add_option("--scope", a->scope, "Scope, e.g. project/alpha (default global)");
  context->add_option("--session", a->session, "Session: its summary and recent turns");
  context->add_option("--query", a->query, "The request at hand: finds relevant memories");
  context->add_option("--budget", a->budget, "Token budget (default 2000)");
  context->add_option("--max-relevant", a->max_relevant, "Relevant memories, at most (10)");
  context->add_option("--max-standing", a->max_standing, "Standing facts, at most (20)");
  context->add_option("--turns", a->turns, "Recent turns of the session (3)");
  context->add_option("--previous-turns", a->previous_turns,
                      "Last turns of the owner's previous session, budget permitting (2)");
  context->add_flag("--no-previous", a->no_previous,
                    "Leave out the owner's previous session (its summary and last turns)");
  context->callback([a, &cli, &command] {
    command = [a, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine(/*with_embedder=*/true));
      ContextOptions o;
      o.scope = a->scope;
      o.session_id = a->session;
      o.query = a->query;
      o.token_budget = a->budget;
      o.max_relevant = a->max_relevant;
      o.max_standing = a->max_standing;
      o.recent_turns = a->turns;
      o.previous_turns = a->previous_turns;
      o.previous_session = !a->no_previous;
      ENGRAM_ASSIGN_OR_RETURN(Context c, engine->AssembleContext(a->owner, o));
      if (cli.json_output()) {
        Emit(core::ContextToJson(c));
        return Status::Ok();
      }
      std::cout << c.rendered;
      std::cout << "\n# " << c.token_count << " of " << c.token_budget << " tokens, "
                << c.items.size() << " items";
      if (!c.omitted.empty())
        std::cout << ", " << c.omitted.size() << " left out for lack of budget";
      std::cout << "\n";
      return Status::Ok();
    };
  });

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
  breplace->add_option("old", a->query, "Text to replace (must occur in the block)")->required();
  breplace->add_option("new", a->limit_text, "Replacement (may be empty)")->required();
  breplace->callback([a, &cli, &command, print] {
    command = [a, &cli, print]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(
          CoreBlock b, engine->ReplaceInBlock(a->owner, a->scope, a->label, a->query, a->limit_text,
                                              {"cli", ""}));
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
}

}  // namespace engram::cli
