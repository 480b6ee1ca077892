// engram add, get, list, update, delete, forget, history: one memory at a time.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <span>

#include "cli/commands.h"
#include "core/json_codec.h"
#include "util/json.h"
#include "util/time.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct MemoryArgs {
  std::string owner, scope, session, agent, type = "fact", key, meta, data, source, observed,
                                            expires, id, role, cursor, since, until, as_of,
                                            valid_at;
  std::vector<std::string> words;
  double confidence = 1.0;
  size_t limit = 50;
  bool all = false, from_turn = false, yes = false;
};

}  // namespace

void AddMemoryCommands(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<MemoryArgs>();

  // ---- add ----
  auto* add = app.add_subcommand("add", "Store a memory");
  AddOwnerOption(add, a->owner);
  add->add_option("--scope", a->scope, "Scope, e.g. project/alpha (default global)");
  add->add_option("--session", a->session, "Session the memory came from");
  add->add_option("--agent", a->agent, "Agent that wrote it");
  add->add_option("--type", a->type, "fact|preference|episode|procedure|summary|block");
  add->add_option("--key", a->key, "What it is about, e.g. ui.theme");
  add->add_option("--meta", a->meta, "Metadata JSON object");
  add->add_option("--data", a->data, "Structured data (JSON)");
  add->add_option("--source", a->source, "Where it came from");
  add->add_option("--confidence", a->confidence, "0..1");
  add->add_option("--observed-at", a->observed, "When it was said (ISO-8601)");
  add->add_option("--expires-at", a->expires, "When it expires (ISO-8601)");
  add->add_flag("--from-turn", a->from_turn,
                "Treat the text as a conversation turn: classify it and store what the offline "
                "extraction rules find (docs/extraction.md)");
  add->add_option("--role", a->role, "With --from-turn: who said it (default user)");
  add->add_option("text", a->words, "The memory text ('-' reads stdin)")->required();
  add->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/true, false, /*with_llm=*/a->from_turn));
      if (a->from_turn) {
        ENGRAM_ASSIGN_OR_RETURN(engram::Role turn_role,
                                engram::ParseRole(a->role.empty() ? "user" : a->role));
        ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadText(a->words, 64 << 20));
        ENGRAM_ASSIGN_OR_RETURN(std::optional<engram::Timestamp> at, OptionalTime(a->observed));
        ENGRAM_ASSIGN_OR_RETURN(
            engram::TurnReport report,
            engine->RememberTurn(a->owner, a->scope.empty() ? "global" : a->scope, a->session,
                                 turn_role, text, at));
        if (cli.json_output()) {
          Emit(engram::core::TurnReportToJson(report));
          return Status::Ok();
        }
        std::cout << DispositionName(report.disposition) << " (" << report.reason << ")\n";
        if (!report.llm_error.empty()) {
          std::cerr << "engram: warning: the model failed, offline rules used: " << report.llm_error
                    << "\n";
        }
        for (const engram::WriteResult& w : report.writes) {
          std::cout << "  " << engram::WriteEventName(w.event) << " " << w.record.id << "  "
                    << engram::MemoryTypeName(w.record.type) << "  " << OrDash(w.record.key) << "  "
                    << OneLine(w.record.text) << "\n";
        }
        for (const std::string& skipped : report.skipped) {
          std::cout << "  skipped " << skipped << "\n";
        }
        return Status::Ok();
      }
      engram::NewMemory m;
      m.owner_id = a->owner;
      if (!a->scope.empty()) m.scope = a->scope;
      m.session_id = a->session;
      m.agent_id = a->agent;
      ENGRAM_ASSIGN_OR_RETURN(m.type, engram::ParseMemoryType(a->type));
      m.key = a->key;
      if (!a->meta.empty()) m.metadata = a->meta;
      if (!a->data.empty()) m.data = a->data;
      m.source = a->source.empty() ? "cli" : a->source;
      m.confidence = a->confidence;
      ENGRAM_ASSIGN_OR_RETURN(m.observed_at, OptionalTime(a->observed));
      ENGRAM_ASSIGN_OR_RETURN(m.expires_at, OptionalTime(a->expires));
      ENGRAM_ASSIGN_OR_RETURN(m.text, ReadText(a->words, 64 << 20));
      m.change.actor = "cli";
      ENGRAM_ASSIGN_OR_RETURN(auto results, engine->WriteMemories(std::span(&m, 1)));
      const engram::WriteResult& w = results.front();
      if (cli.json_output()) {
        json out = engram::core::MemoryToJson(w.record);
        out["event"] = engram::WriteEventName(w.event);
        out["superseded_ids"] = w.superseded_ids;
        Emit(out);
      } else {
        switch (w.event) {
          case engram::WriteEvent::kAdded:
            std::cout << "added " << w.record.id << "\n";
            break;
          case engram::WriteEvent::kDeduplicated:
            std::cout << "already known: re-verified " << w.record.id << "\n";
            break;
          case engram::WriteEvent::kSuperseded:
            std::cout << "added " << w.record.id << ", superseding";
            for (const auto& old : w.superseded_ids) std::cout << " " << old;
            std::cout << "\n";
            break;
          case engram::WriteEvent::kUpdated:  // only a model's nomination updates in place
            std::cout << "updated " << w.record.id << "\n";
            break;
        }
        PrintRecord(w.record);
      }
      return Status::Ok();
    };
  });

  // ---- get ----
  auto* get = app.add_subcommand("get", "Show one memory");
  AddOwnerOption(get, a->owner);
  get->add_option("id", a->id, "Memory id")->required();
  get->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(engram::MemoryRecord r, engine->GetMemory(a->owner, a->id));
      cli.json_output() ? Emit(engram::core::MemoryToJson(r)) : PrintRecord(r);
      return Status::Ok();
    };
  });

  // ---- list ----
  auto* list = app.add_subcommand("list", "List memories, newest first");
  AddOwnerOption(list, a->owner);
  list->add_option("--scope", a->scope,
                   "Only what is visible at this scope (it, its ancestors, global)");
  list->add_option("--type", a->type, "Only this type");
  list->add_option("--key", a->key, "Only this key");
  list->add_option("--session", a->session, "Only from this session");
  list->add_option("--limit", a->limit, "Page size (1..1000)");
  list->add_option("--cursor", a->cursor, "Continue after a previous page");
  list->add_option("--since", a->since, "Created at or after (ISO-8601)");
  list->add_option("--until", a->until, "Created before (ISO-8601)");
  list->add_option("--as-of", a->as_of, "What engram believed at this time (ISO-8601)");
  list->add_option("--valid-at", a->valid_at, "What was true at this time (ISO-8601)");
  list->add_flag("--include-superseded", a->all, "Also list records a newer one replaced");
  list->callback([=, &cli, &command] {
    const bool type_given = list->count("--type") > 0;
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      engram::ListOptions o;
      if (!a->scope.empty()) o.scope = a->scope;
      if (type_given) {
        ENGRAM_ASSIGN_OR_RETURN(o.type, engram::ParseMemoryType(a->type));
      }
      if (!a->key.empty()) o.key = a->key;
      if (!a->session.empty()) o.session_id = a->session;
      ENGRAM_ASSIGN_OR_RETURN(o.created_from, OptionalTime(a->since));
      ENGRAM_ASSIGN_OR_RETURN(o.created_until, OptionalTime(a->until));
      o.limit = a->limit;
      o.cursor = a->cursor;
      ENGRAM_ASSIGN_OR_RETURN(o.as_of, OptionalTime(a->as_of));
      ENGRAM_ASSIGN_OR_RETURN(o.valid_at, OptionalTime(a->valid_at));
      o.include_superseded = a->all;
      ENGRAM_ASSIGN_OR_RETURN(engram::MemoryPage page, engine->ListMemories(a->owner, o));
      if (cli.json_output()) {
        json items = json::array();
        for (const auto& r : page.items) items.push_back(engram::core::MemoryToJson(r));
        Emit(json{
            {"items", items},
            {"next_cursor", page.next_cursor.empty() ? json(nullptr) : json(page.next_cursor)}});
        return Status::Ok();
      }
      for (const auto& r : page.items) {
        std::cout << r.id << "  " << engram::util::FormatTimestamp(r.created_at) << "  "
                  << engram::MemoryTypeName(r.type) << "  " << r.scope << "  " << OrDash(r.key)
                  << "  " << OneLine(r.text) << "\n";
      }
      if (page.items.empty()) std::cout << "(no memories)\n";
      if (!page.next_cursor.empty()) std::cout << "(more: --cursor " << page.next_cursor << ")\n";
      return Status::Ok();
    };
  });

  // ---- update ----
  auto* update = app.add_subcommand("update", "Change a memory (history keeps the old value)");
  AddOwnerOption(update, a->owner);
  update->add_option("id", a->id, "Memory id")->required();
  update->add_option("--key", a->key, "New key");
  update->add_option("--meta", a->meta, "New metadata JSON object");
  update->add_option("--confidence", a->confidence, "New confidence 0..1");
  update->add_option("text", a->words, "New text ('-' reads stdin)");
  update->callback([=, &cli, &command] {
    const bool key_given = update->count("--key") > 0,
               conf_given = update->count("--confidence") > 0;
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/!a->words.empty()));
      engram::MemoryUpdate u;
      if (!a->words.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadText(a->words, 64 << 20));
        u.text = std::move(text);
      }
      if (key_given) u.key = a->key;
      if (!a->meta.empty()) u.metadata = a->meta;
      if (conf_given) u.confidence = a->confidence;
      u.change.actor = "cli";
      ENGRAM_ASSIGN_OR_RETURN(engram::MemoryRecord r, engine->UpdateMemory(a->owner, a->id, u));
      cli.json_output() ? Emit(engram::core::MemoryToJson(r)) : PrintRecord(r);
      return Status::Ok();
    };
  });

  // ---- delete ----
  auto* del = app.add_subcommand("delete", "Delete a memory (history is kept)");
  AddOwnerOption(del, a->owner);
  del->add_option("id", a->id, "Memory id")->required();
  del->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_RETURN_IF_ERROR(engine->DeleteMemory(a->owner, a->id, {"cli", ""}));
      if (cli.json_output()) {
        Emit(json{{"deleted", a->id}});
      } else {
        std::cout << "deleted " << a->id << "\n";
      }
      return Status::Ok();
    };
  });

  // ---- forget ----
  auto* forget = app.add_subcommand("forget", "Erase an owner's data");
  AddOwnerOption(forget, a->owner);
  forget->add_flag("--all", a->all, "Erase every memory, history row and session of the owner");
  forget->add_option("--query", a->words,
                     "Delete the memories that contain every word of this text (shown first)");
  forget->add_option("--scope", a->scope, "With --query: only what is visible at this scope");
  forget->add_flag("--yes", a->yes, "With --query: delete without asking");
  forget->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      if (a->all == !a->words.empty()) {
        return Status::InvalidArgument(
            "forget needs --all (everything of the owner) or --query TEXT (matching memories)");
      }
      if (!a->words.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
        ENGRAM_ASSIGN_OR_RETURN(std::string query, ReadText(a->words, 64 << 10));
        ENGRAM_ASSIGN_OR_RETURN(
            std::vector<engram::MemoryRecord> matches,
            engram::cli::MatchingMemories(
                *engine, a->owner, query,
                a->scope.empty() ? std::nullopt : std::optional<std::string>(a->scope)));
        if (!cli.json_output() || !a->yes) {
          for (const auto& r : matches) {
            (cli.json_output() ? std::cerr : std::cout)
                << r.id << "  " << engram::MemoryTypeName(r.type) << "  " << OneLine(r.text)
                << "\n";
          }
        }
        if (matches.empty()) {
          cli.json_output() ? Emit(json{{"deleted", 0}, {"ids", json::array()}})
                            : void(std::cout << "nothing matches\n");
          return Status::Ok();
        }
        if (!a->yes) {
          if (!isatty(STDIN_FILENO)) {
            return Status::FailedPrecondition(
                std::to_string(matches.size()) +
                " memories match; pass --yes to delete them without a terminal to confirm");
          }
          std::cout << "delete these " << matches.size() << " memories? [y/N] " << std::flush;
          std::string answer;
          std::getline(std::cin, answer);
          if (answer != "y" && answer != "Y" && answer != "yes") {
            std::cout << "nothing deleted\n";
            return Status::Ok();
          }
        }
        std::vector<std::string> ids;
        for (const auto& r : matches) ids.push_back(r.id);
        ENGRAM_ASSIGN_OR_RETURN(int64_t deleted,
                                engine->DeleteMemories(a->owner, ids, {"cli", "forget --query"}));
        cli.json_output() ? Emit(json{{"deleted", deleted}, {"ids", ids}})
                          : void(std::cout << "deleted " << deleted << " memories\n");
        return Status::Ok();
      }
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(engram::ForgetReport report, engine->ForgetOwner(a->owner));
      if (cli.json_output()) {
        Emit(engram::core::ForgetReportToJson(report));
      } else {
        std::cout << "forgot owner " << a->owner << ": " << report.memories << " memories, "
                  << report.history_events << " history events, " << report.sessions
                  << " sessions, " << report.session_items << " session items\n";
      }
      return Status::Ok();
    };
  });

  // ---- history ----
  auto* history = app.add_subcommand("history", "Show every change of a memory");
  AddOwnerOption(history, a->owner);
  history->add_option("id", a->id, "Memory id")->required();
  history->callback([=, &cli, &command] {
    command = [=, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(auto events, engine->GetHistory(a->owner, a->id));
      if (cli.json_output()) {
        json out = json::array();
        for (const auto& e : events) out.push_back(engram::core::HistoryEventToJson(e));
        Emit(out);
        return Status::Ok();
      }
      for (const auto& e : events) {
        auto text_of = [](const std::string& snapshot) -> std::string {
          if (snapshot.empty()) return "-";
          const json j = util::ParseJsonOr(json(), snapshot);
          return j.is_object() && j.contains("text") && j["text"].is_string()
                     ? OneLine(j["text"].get<std::string>(), 60)
                     : "?";
        };
        std::cout << engram::util::FormatTimestamp(e.at) << "  "
                  << engram::HistoryEventTypeName(e.event) << "  by " << OrDash(e.actor) << "  "
                  << text_of(e.old_value) << " -> " << text_of(e.new_value);
        if (!e.reason.empty()) std::cout << "  (" << e.reason << ")";
        std::cout << "\n";
      }
      return Status::Ok();
    };
  });
}

}  // namespace engram::cli
