// engram session: the ordered items of one conversation, its summary, its end.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/json_codec.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct SessionArgs {
  std::string owner, session, scope, role, tool_calls, tool_call_id;
  std::vector<std::string> words;
  size_t last = 0, turns = 0, recent = 20;
};

}  // namespace

void AddSessionCommands(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<SessionArgs>();
  auto* sess = app.add_subcommand("session", "Session state: ordered items of one conversation");
  sess->require_subcommand(1);
  auto session_opts = [&](CLI::App* sub) {
    AddOwnerOption(sub, a->owner);
    sub->add_option("--session", a->session, "Session id")->required();
  };
  auto* sadd = sess->add_subcommand("add", "Append an item");
  session_opts(sadd);
  sadd->add_option("--role", a->role, "user|assistant|system|tool")->required();
  sadd->add_option("--tool-calls", a->tool_calls, "Assistant tool calls: JSON array of {id, ...}");
  sadd->add_option("--tool-call-id", a->tool_call_id, "Tool result: the call it answers");
  sadd->add_option("text", a->words, "Item content ('-' reads stdin)");
  sadd->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      // With the policy's extract_on_session_append, user items go through RememberTurn.
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/true, false, /*with_llm=*/true));
      engram::SessionItem item;
      ENGRAM_ASSIGN_OR_RETURN(item.role, engram::ParseRole(a->role));
      ENGRAM_ASSIGN_OR_RETURN(item.content, ReadText(a->words, 64 << 20));
      item.tool_calls = a->tool_calls;
      item.tool_call_id = a->tool_call_id;
      ENGRAM_ASSIGN_OR_RETURN(auto added, engine->AddSessionItems(a->owner, a->session, {item}));
      cli.json_output() ? Emit(engram::core::SessionItemToJson(added.front()))
                        : PrintItem(added.front());
      return Status::Ok();
    };
  });
  auto* sshow = sess->add_subcommand("show", "Show a session's items in order");
  session_opts(sshow);
  sshow->add_option("--last", a->last, "Only the last N items");
  sshow->add_option("--turns", a->turns, "Only the last N turns (a turn starts at a user item)");
  sshow->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      if (a->last && a->turns) return Status::InvalidArgument("use --last or --turns, not both");
      Result<std::vector<engram::SessionItem>> items =
          a->turns
              ? engine->GetSessionWindow(a->owner, a->session, a->turns)
              : engine->GetSessionItems(a->owner, a->session,
                                        a->last ? std::optional<size_t>(a->last) : std::nullopt);
      if (!items.ok()) return items.status();
      if (cli.json_output()) {
        json out = json::array();
        for (const auto& item : *items) out.push_back(engram::core::SessionItemToJson(item));
        Emit(json{{"session_id", a->session}, {"items", out}});
      } else {
        for (const auto& item : *items) PrintItem(item);
        if (items->empty()) std::cout << "(no items)\n";
      }
      return Status::Ok();
    };
  });
  auto* spop = sess->add_subcommand("pop", "Remove and print the most recent item");
  session_opts(spop);
  spop->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(auto item, engine->PopSessionItem(a->owner, a->session));
      if (cli.json_output()) {
        Emit(item ? engram::core::SessionItemToJson(*item) : json(nullptr));
      } else if (item) {
        PrintItem(*item);
      } else {
        std::cout << "(session is empty)\n";
      }
      return Status::Ok();
    };
  });
  auto* ssummary = sess->add_subcommand("summary", "Show the session's rolling summary, or set it");
  session_opts(ssummary);
  ssummary->add_option("text", a->words,
                       "New summary ('-' reads stdin); none shows the current one");
  ssummary->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      if (!a->words.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadText(a->words, 64 << 20));
        ENGRAM_ASSIGN_OR_RETURN(engram::SessionSummary summary,
                                engine->SetSessionSummary(a->owner, a->session, text));
        cli.json_output() ? Emit(engram::core::SessionSummaryToJson(summary))
                          : void(std::cout << summary.text << "\n");
        return Status::Ok();
      }
      ENGRAM_ASSIGN_OR_RETURN(auto summary, engine->GetSessionSummary(a->owner, a->session));
      if (cli.json_output()) {
        Emit(summary ? engram::core::SessionSummaryToJson(*summary) : json(nullptr));
      } else {
        std::cout << (summary ? summary->text : "(no summary)") << "\n";
      }
      return Status::Ok();
    };
  });
  auto* ssummarize = sess->add_subcommand(
      "summarize", "Fold what fell out of the last N turns into the rolling summary");
  session_opts(ssummarize);
  ssummarize->add_option("--keep-turns", a->turns, "Turns that stay in the window (default 3)");
  ssummarize->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/false, false, /*with_llm=*/true));
      ENGRAM_ASSIGN_OR_RETURN(
          auto summary, engine->SummarizeSession(a->owner, a->session, a->turns ? a->turns : 3));
      if (cli.json_output()) {
        Emit(summary ? engram::core::SessionSummaryToJson(*summary) : json(nullptr));
      } else {
        std::cout << (summary ? summary->text : "(nothing to summarize)") << "\n";
      }
      return Status::Ok();
    };
  });
  auto* send =
      sess->add_subcommand("end", "Summarize the whole session and keep the summary as a memory");
  session_opts(send);
  send->add_option("--scope", a->scope, "Scope of the summary memory (default global)");
  send->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/true, false, /*with_llm=*/true));
      ENGRAM_ASSIGN_OR_RETURN(
          auto record,
          engine->EndSession(a->owner, a->scope.empty() ? "global" : a->scope, a->session));
      if (cli.json_output()) {
        Emit(record ? engram::core::MemoryToJson(*record) : json(nullptr));
      } else if (record) {
        PrintRecord(*record);
      } else {
        std::cout << "(empty session: nothing kept)\n";
      }
      return Status::Ok();
    };
  });
  auto* srecent = sess->add_subcommand(
      "recent", "The owner's last items across all sessions, in time order, with their session");
  AddOwnerOption(srecent, a->owner);
  srecent->add_option("--last", a->recent, "How many items (1..1000, default 20)");
  srecent->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(auto items, engine->GetRecentItems(a->owner, a->recent));
      if (cli.json_output()) {
        json out = json::array();
        for (const auto& item : items) out.push_back(engram::core::OwnerItemToJson(item));
        Emit(json{{"items", out}});
      } else {
        for (const auto& item : items) {
          std::cout << "[" << item.session_id << "] ";
          PrintItem(item.item);
        }
        if (items.empty()) std::cout << "(no items)\n";
      }
      return Status::Ok();
    };
  });
  auto* sclear = sess->add_subcommand("clear", "Remove every item of the session");
  session_opts(sclear);
  sclear->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(int64_t removed, engine->ClearSession(a->owner, a->session));
      if (cli.json_output()) {
        Emit(json{{"removed", removed}});
      } else {
        std::cout << "cleared " << removed << " items\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
