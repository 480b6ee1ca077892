// The engram command: every engine operation from the shell.
//
// Exit status: 0 on success, 1 when the engine refuses or fails (one line on stderr naming the
// problem), 2 on a usage error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <span>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/serve.h"
#include "core/json_codec.h"
#include "embed/embedder_factory.h"
#include "engram/engine.h"
#include "eval/locomo.h"
#include "util/time.h"

namespace {

using engram::Result;
using engram::Status;
using nlohmann::json;
using namespace engram::cli;

}  // namespace

int main(int argc, char** argv) {
  Globals g;
  Cli cli(g);
  CLI::App app{"engram: memory for LLM agents (embedded SQLite store)"};
  app.fallthrough();
  app.require_subcommand(1);
  app.add_option("--db", g.db,
                 "SQLite database file (default: $ENGRAM_DB or ~/.local/share/engram/engram.db)");
  app.add_flag("--json", g.json, "Print JSON");
  app.add_option(
      "--policy", g.policy,
      "Write and retention policy, a JSON file (default: $ENGRAM_POLICY; docs/policy.md)");

  std::function<Status()> command;
  std::string owner, scope, session, agent, type = "fact", key, meta, data, source, observed,
                                            expires, id, role, tool_call_id, tool_calls, cursor,
                                            since, until, as_of, valid_at;
  std::vector<std::string> words;
  double confidence = 1.0;
  size_t limit = 50, last = 0, turns = 0;
  bool all = false, from_turn = false, yes = false;

  auto owner_opt = [&](CLI::App* sub) {
    sub->add_option("--owner", owner, "Owner whose memory this is")->required();
  };

  // ---- add ----
  auto* add = app.add_subcommand("add", "Store a memory");
  owner_opt(add);
  add->add_option("--scope", scope, "Scope, e.g. project/alpha (default global)");
  add->add_option("--session", session, "Session the memory came from");
  add->add_option("--agent", agent, "Agent that wrote it");
  add->add_option("--type", type, "fact|preference|episode|procedure|summary|block");
  add->add_option("--key", key, "What it is about, e.g. ui.theme");
  add->add_option("--meta", meta, "Metadata JSON object");
  add->add_option("--data", data, "Structured data (JSON)");
  add->add_option("--source", source, "Where it came from");
  add->add_option("--confidence", confidence, "0..1");
  add->add_option("--observed-at", observed, "When it was said (ISO-8601)");
  add->add_option("--expires-at", expires, "When it expires (ISO-8601)");
  add->add_flag("--from-turn", from_turn,
                "Treat the text as a conversation turn: classify it and store what the offline "
                "extraction rules find (docs/extraction.md)");
  add->add_option("--role", role, "With --from-turn: who said it (default user)");
  add->add_option("text", words, "The memory text ('-' reads stdin)")->required();
  add->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/true, false, /*with_llm=*/from_turn));
      if (from_turn) {
        ENGRAM_ASSIGN_OR_RETURN(engram::Role turn_role,
                                engram::ParseRole(role.empty() ? "user" : role));
        ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadText(words, 64 << 20));
        ENGRAM_ASSIGN_OR_RETURN(std::optional<engram::Timestamp> at, OptionalTime(observed));
        ENGRAM_ASSIGN_OR_RETURN(engram::TurnReport report,
                                engine->RememberTurn(owner, scope.empty() ? "global" : scope,
                                                     session, turn_role, text, at));
        if (cli.json_output()) {
          Emit(engram::core::TurnReportToJson(report));
          return Status::Ok();
        }
        std::cout << report.disposition << " (" << report.reason << ")\n";
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
      m.owner_id = owner;
      if (!scope.empty()) m.scope = scope;
      m.session_id = session;
      m.agent_id = agent;
      ENGRAM_ASSIGN_OR_RETURN(m.type, engram::ParseMemoryType(type));
      m.key = key;
      if (!meta.empty()) m.metadata = meta;
      if (!data.empty()) m.data = data;
      m.source = source.empty() ? "cli" : source;
      m.confidence = confidence;
      ENGRAM_ASSIGN_OR_RETURN(m.observed_at, OptionalTime(observed));
      ENGRAM_ASSIGN_OR_RETURN(m.expires_at, OptionalTime(expires));
      ENGRAM_ASSIGN_OR_RETURN(m.text, ReadText(words, 64 << 20));
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
  owner_opt(get);
  get->add_option("id", id, "Memory id")->required();
  get->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(engram::MemoryRecord r, engine->GetMemory(owner, id));
      cli.json_output() ? Emit(engram::core::MemoryToJson(r)) : PrintRecord(r);
      return Status::Ok();
    };
  });

  // ---- list ----
  auto* list = app.add_subcommand("list", "List memories, newest first");
  owner_opt(list);
  list->add_option("--scope", scope,
                   "Only what is visible at this scope (it, its ancestors, global)");
  list->add_option("--type", type, "Only this type");
  list->add_option("--key", key, "Only this key");
  list->add_option("--session", session, "Only from this session");
  list->add_option("--limit", limit, "Page size (1..1000)");
  list->add_option("--cursor", cursor, "Continue after a previous page");
  list->add_option("--since", since, "Created at or after (ISO-8601)");
  list->add_option("--until", until, "Created before (ISO-8601)");
  list->add_option("--as-of", as_of, "What engram believed at this time (ISO-8601)");
  list->add_option("--valid-at", valid_at, "What was true at this time (ISO-8601)");
  list->add_flag("--include-superseded", all, "Also list records a newer one replaced");
  list->callback([&] {
    const bool type_given = list->count("--type") > 0;
    command = [&, type_given]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      engram::ListOptions o;
      if (!scope.empty()) o.scope = scope;
      if (type_given) {
        ENGRAM_ASSIGN_OR_RETURN(o.type, engram::ParseMemoryType(type));
      }
      if (!key.empty()) o.key = key;
      if (!session.empty()) o.session_id = session;
      ENGRAM_ASSIGN_OR_RETURN(o.created_from, OptionalTime(since));
      ENGRAM_ASSIGN_OR_RETURN(o.created_until, OptionalTime(until));
      o.limit = limit;
      o.cursor = cursor;
      ENGRAM_ASSIGN_OR_RETURN(o.as_of, OptionalTime(as_of));
      ENGRAM_ASSIGN_OR_RETURN(o.valid_at, OptionalTime(valid_at));
      o.include_superseded = all;
      ENGRAM_ASSIGN_OR_RETURN(engram::MemoryPage page, engine->ListMemories(owner, o));
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
  owner_opt(update);
  update->add_option("id", id, "Memory id")->required();
  update->add_option("--key", key, "New key");
  update->add_option("--meta", meta, "New metadata JSON object");
  update->add_option("--confidence", confidence, "New confidence 0..1");
  update->add_option("text", words, "New text ('-' reads stdin)");
  update->callback([&] {
    const bool key_given = update->count("--key") > 0,
               conf_given = update->count("--confidence") > 0;
    command = [&, key_given, conf_given]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/!words.empty()));
      engram::MemoryUpdate u;
      if (!words.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadText(words, 64 << 20));
        u.text = std::move(text);
      }
      if (key_given) u.key = key;
      if (!meta.empty()) u.metadata = meta;
      if (conf_given) u.confidence = confidence;
      u.change.actor = "cli";
      ENGRAM_ASSIGN_OR_RETURN(engram::MemoryRecord r, engine->UpdateMemory(owner, id, u));
      cli.json_output() ? Emit(engram::core::MemoryToJson(r)) : PrintRecord(r);
      return Status::Ok();
    };
  });

  // ---- delete ----
  auto* del = app.add_subcommand("delete", "Delete a memory (history is kept)");
  owner_opt(del);
  del->add_option("id", id, "Memory id")->required();
  del->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_RETURN_IF_ERROR(engine->DeleteMemory(owner, id, {"cli", ""}));
      if (cli.json_output()) {
        Emit(json{{"deleted", id}});
      } else {
        std::cout << "deleted " << id << "\n";
      }
      return Status::Ok();
    };
  });

  // ---- forget ----
  auto* forget = app.add_subcommand("forget", "Erase an owner's data");
  owner_opt(forget);
  forget->add_flag("--all", all, "Erase every memory, history row and session of the owner");
  forget->add_option("--query", words,
                     "Delete the memories that contain every word of this text (shown first)");
  forget->add_option("--scope", scope, "With --query: only what is visible at this scope");
  forget->add_flag("--yes", yes, "With --query: delete without asking");
  forget->callback([&] {
    command = [&]() -> Status {
      if (all == !words.empty()) {
        return Status::InvalidArgument(
            "forget needs --all (everything of the owner) or --query TEXT (matching memories)");
      }
      if (!words.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
        ENGRAM_ASSIGN_OR_RETURN(std::string query, ReadText(words, 64 << 10));
        ENGRAM_ASSIGN_OR_RETURN(
            std::vector<engram::MemoryRecord> matches,
            engram::cli::MatchingMemories(
                *engine, owner, query,
                scope.empty() ? std::nullopt : std::optional<std::string>(scope)));
        if (!cli.json_output() || !yes) {
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
        if (!yes) {
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
                                engine->DeleteMemories(owner, ids, {"cli", "forget --query"}));
        cli.json_output() ? Emit(json{{"deleted", deleted}, {"ids", ids}})
                          : void(std::cout << "deleted " << deleted << " memories\n");
        return Status::Ok();
      }
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(engram::ForgetReport report, engine->ForgetOwner(owner));
      if (cli.json_output()) {
        Emit(engram::core::ForgetReportToJson(report));
      } else {
        std::cout << "forgot owner " << owner << ": " << report.memories << " memories, "
                  << report.history_events << " history events, " << report.sessions
                  << " sessions, " << report.session_items << " session items\n";
      }
      return Status::Ok();
    };
  });

  // ---- history ----
  auto* history = app.add_subcommand("history", "Show every change of a memory");
  owner_opt(history);
  history->add_option("id", id, "Memory id")->required();
  history->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(auto events, engine->GetHistory(owner, id));
      if (cli.json_output()) {
        json out = json::array();
        for (const auto& e : events) out.push_back(engram::core::HistoryEventToJson(e));
        Emit(out);
        return Status::Ok();
      }
      for (const auto& e : events) {
        auto text_of = [](const std::string& snapshot) -> std::string {
          if (snapshot.empty()) return "-";
          json j = json::parse(snapshot, nullptr, false);
          return j.is_object() && j.contains("text") && j["text"].is_string()
                     ? OneLine(j["text"].get<std::string>(), 60)
                     : "?";
        };
        std::cout << engram::util::FormatTimestamp(e.at) << "  " << e.event << "  by "
                  << OrDash(e.actor) << "  " << text_of(e.old_value) << " -> "
                  << text_of(e.new_value);
        if (!e.reason.empty()) std::cout << "  (" << e.reason << ")";
        std::cout << "\n";
      }
      return Status::Ok();
    };
  });

  // ---- search ----
  std::string mode = "hybrid", filter;
  double threshold = 0;
  bool explain = false, no_recency = false;
  auto* search = app.add_subcommand("search", "Find the memories most relevant to a query");
  owner_opt(search);
  search->add_option("--scope", scope, "Only what is visible at this scope");
  search->add_option("--type", type, "Only this type");
  search->add_option("--key", key, "Only this key");
  search->add_option("--session", session, "Only from this session");
  search->add_option("--filter", filter, "JSON filter on fields and metadata (docs/search.md)");
  search->add_option("--since", since, "Created at or after (ISO-8601)");
  search->add_option("--until", until, "Created before (ISO-8601)");
  search->add_option("--valid-at", valid_at, "What was true at this time (ISO-8601)");
  search->add_option("--limit", limit, "How many hits (default 10)");
  search->add_option("--mode", mode, "hybrid|lexical|vector");
  search->add_option("--threshold", threshold, "Drop hits scoring below this (0..1)");
  search->add_flag("--explain", explain, "Show how each score was made");
  search->add_flag("--no-recency", no_recency, "Do not weigh by recency");
  search->add_option("query", words, "What to look for")->required();
  search->callback([&] {
    const bool type_given = search->count("--type") > 0, limit_given = search->count("--limit") > 0;
    command = [&, type_given, limit_given]() -> Status {
      engram::SearchOptions o;
      if (mode == "hybrid") {
        o.mode = engram::SearchMode::kHybrid;
      } else if (mode == "lexical") {
        o.mode = engram::SearchMode::kLexical;
      } else if (mode == "vector") {
        o.mode = engram::SearchMode::kVector;
      } else {
        return Status::InvalidArgument("unknown mode '" + mode +
                                       "': expected hybrid, lexical or vector");
      }
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(o.mode != engram::SearchMode::kLexical));
      if (!scope.empty()) o.scope = scope;
      if (type_given) {
        ENGRAM_ASSIGN_OR_RETURN(o.type, engram::ParseMemoryType(type));
      }
      if (!key.empty()) o.key = key;
      if (!session.empty()) o.session_id = session;
      o.filter = filter;
      ENGRAM_ASSIGN_OR_RETURN(o.created_from, OptionalTime(since));
      ENGRAM_ASSIGN_OR_RETURN(o.valid_at, OptionalTime(valid_at));
      ENGRAM_ASSIGN_OR_RETURN(o.created_until, OptionalTime(until));
      o.top_k = limit_given ? limit : 10;
      o.threshold = threshold;
      o.use_recency = !no_recency;
      ENGRAM_ASSIGN_OR_RETURN(std::string query, ReadText(words, 64 << 20));
      ENGRAM_ASSIGN_OR_RETURN(auto hits, engine->Search(owner, query, o));
      if (cli.json_output()) {
        json out = json::array();
        for (const auto& h : hits) out.push_back(engram::core::SearchHitToJson(h, explain));
        Emit(json{{"query", query}, {"hits", out}});
        return Status::Ok();
      }
      if (hits.empty()) std::cout << "(no matches)\n";
      for (const auto& h : hits) {
        char score[32];
        std::snprintf(score, sizeof score, "%.3f", h.score);
        std::cout << score << "  " << h.record.id << "  " << engram::MemoryTypeName(h.record.type)
                  << "  " << h.record.scope << "  " << OneLine(h.record.text) << "\n";
        if (explain) {
          const auto& e = h.explanation;
          std::printf(
              "       lexical rank %s (bm25 %.2f) | vector rank %s (cos %.3f) | relevance "
              "%.3f x recency %.3f x confidence %.2f = %.3f\n",
              e.lexical_rank ? std::to_string(e.lexical_rank).c_str() : "-", e.lexical_score,
              e.vector_rank ? std::to_string(e.vector_rank).c_str() : "-", e.vector_similarity,
              e.relevance, e.recency, e.confidence, e.final_score);
          std::fflush(stdout);
        }
      }
      return Status::Ok();
    };
  });

  // ---- import ----
  std::string file;
  auto* import_cmd = app.add_subcommand("import", "Add memories from a JSONL file (one per line)");
  owner_opt(import_cmd);
  import_cmd->add_option("file", file, "JSONL file ('-' reads stdin)")->required();
  import_cmd->callback([&] {
    command = [&]() -> Status {
      std::ifstream in_file;
      std::istream* in = &std::cin;
      if (file != "-") {
        in_file.open(file);
        if (!in_file) return Status::NotFound("cannot open '" + file + "'");
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
        Result<engram::NewMemory> m = engram::core::NewMemoryFromJson(j, owner);
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

  // ---- reindex ----
  auto* reindex =
      app.add_subcommand("reindex", "Re-embed every memory with the configured embedder");
  reindex->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/true, /*accept_model_change=*/true));
      ENGRAM_ASSIGN_OR_RETURN(int64_t n, engine->Reindex());
      if (cli.json_output()) {
        Emit(json{{"reindexed", n}});
      } else {
        std::cout << "re-embedded " << n << " memories\n";
      }
      return Status::Ok();
    };
  });

  // ---- eval ----
  size_t conversations = 0;
  std::vector<size_t> ks = {1, 5, 10, 25};
  auto* eval = app.add_subcommand("eval", "Evaluate recall on a benchmark");
  eval->require_subcommand(1);
  AddScenariosCommand(*eval, g, cli, command);
  auto* locomo = eval->add_subcommand("locomo", "LoCoMo evidence recall@k over dialog turns");
  locomo->add_option("file", file, "locomo10.json")->required();
  locomo->add_option("--conversations", conversations, "Only the first N conversations");
  locomo->add_option("--k", ks, "Cut-offs (default 1,5,10,25)")->delimiter(',');
  locomo->callback([&] {
    command = [&]() -> Status {
      engram::eval::LocomoOptions o;
      o.data_path = file;
      o.max_conversations = conversations;
      if (ks.empty()) return Status::InvalidArgument("--k needs at least one cut-off");
      for (size_t k : ks) {
        if (k == 0 || k > 1000) return Status::InvalidArgument("--k values must be 1..1000");
      }
      o.ks = ks;
      ENGRAM_ASSIGN_OR_RETURN(o.embedder, engram::EmbedderFromEnvironment());
      std::string tmpl = (std::filesystem::temp_directory_path() / "engram-eval-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr)
        return Status::IOError("cannot create a temporary folder");
      o.work_dir = tmpl;
      Result<engram::eval::LocomoReport> report = engram::eval::RunLocomo(o);
      std::error_code ec;
      std::filesystem::remove_all(tmpl, ec);
      if (!report.ok()) return report.status();
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
        for (const auto& run : report->runs) {
          std::printf("%s: %.2f ms per search\n", run.name.c_str(), run.mean_search_ms);
        }
      }
      return Status::Ok();
    };
  });

  // ---- session ----
  auto* sess = app.add_subcommand("session", "Session state: ordered items of one conversation");
  sess->require_subcommand(1);
  auto session_opts = [&](CLI::App* sub) {
    owner_opt(sub);
    sub->add_option("--session", session, "Session id")->required();
  };
  auto* sadd = sess->add_subcommand("add", "Append an item");
  session_opts(sadd);
  sadd->add_option("--role", role, "user|assistant|system|tool")->required();
  sadd->add_option("--tool-calls", tool_calls, "Assistant tool calls: JSON array of {id, ...}");
  sadd->add_option("--tool-call-id", tool_call_id, "Tool result: the call it answers");
  sadd->add_option("text", words, "Item content ('-' reads stdin)");
  sadd->callback([&] {
    command = [&]() -> Status {
      // With the policy's extract_on_session_append, user items go through RememberTurn.
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/true, false, /*with_llm=*/true));
      engram::SessionItem item;
      ENGRAM_ASSIGN_OR_RETURN(item.role, engram::ParseRole(role));
      ENGRAM_ASSIGN_OR_RETURN(item.content, ReadText(words, 64 << 20));
      item.tool_calls = tool_calls;
      item.tool_call_id = tool_call_id;
      ENGRAM_ASSIGN_OR_RETURN(auto added, engine->AddSessionItems(owner, session, {item}));
      cli.json_output() ? Emit(engram::core::SessionItemToJson(added.front()))
                        : PrintItem(added.front());
      return Status::Ok();
    };
  });
  auto* sshow = sess->add_subcommand("show", "Show a session's items in order");
  session_opts(sshow);
  sshow->add_option("--last", last, "Only the last N items");
  sshow->add_option("--turns", turns, "Only the last N turns (a turn starts at a user item)");
  sshow->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      if (last && turns) return Status::InvalidArgument("use --last or --turns, not both");
      Result<std::vector<engram::SessionItem>> items =
          turns ? engine->GetSessionWindow(owner, session, turns)
                : engine->GetSessionItems(owner, session,
                                          last ? std::optional<size_t>(last) : std::nullopt);
      if (!items.ok()) return items.status();
      if (cli.json_output()) {
        json out = json::array();
        for (const auto& item : *items) out.push_back(engram::core::SessionItemToJson(item));
        Emit(json{{"session_id", session}, {"items", out}});
      } else {
        for (const auto& item : *items) PrintItem(item);
        if (items->empty()) std::cout << "(no items)\n";
      }
      return Status::Ok();
    };
  });
  auto* spop = sess->add_subcommand("pop", "Remove and print the most recent item");
  session_opts(spop);
  spop->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(auto item, engine->PopSessionItem(owner, session));
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
  ssummary->add_option("text", words, "New summary ('-' reads stdin); none shows the current one");
  ssummary->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      if (!words.empty()) {
        ENGRAM_ASSIGN_OR_RETURN(std::string text, ReadText(words, 64 << 20));
        ENGRAM_ASSIGN_OR_RETURN(engram::SessionSummary summary,
                                engine->SetSessionSummary(owner, session, text));
        cli.json_output() ? Emit(engram::core::SessionSummaryToJson(summary))
                          : void(std::cout << summary.text << "\n");
        return Status::Ok();
      }
      ENGRAM_ASSIGN_OR_RETURN(auto summary, engine->GetSessionSummary(owner, session));
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
  ssummarize->add_option("--keep-turns", turns, "Turns that stay in the window (default 3)");
  ssummarize->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/false, false, /*with_llm=*/true));
      ENGRAM_ASSIGN_OR_RETURN(auto summary,
                              engine->SummarizeSession(owner, session, turns ? turns : 3));
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
  send->add_option("--scope", scope, "Scope of the summary memory (default global)");
  send->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(/*with_embedder=*/true, false, /*with_llm=*/true));
      ENGRAM_ASSIGN_OR_RETURN(auto record,
                              engine->EndSession(owner, scope.empty() ? "global" : scope, session));
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
  auto* sclear = sess->add_subcommand("clear", "Remove every item of the session");
  session_opts(sclear);
  sclear->callback([&] {
    command = [&]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine, cli.engine());
      ENGRAM_ASSIGN_OR_RETURN(int64_t removed, engine->ClearSession(owner, session));
      if (cli.json_output()) {
        Emit(json{{"removed", removed}});
      } else {
        std::cout << "cleared " << removed << " items\n";
      }
      return Status::Ok();
    };
  });

  engram::cli::AddContextCommands(app, cli, command);
  engram::cli::AddChatCommand(app, g, cli, command);
  engram::cli::AddServeCommand(app, command, [&] { return cli.engine(/*with_embedder=*/true); });
  engram::cli::AddMcpCommand(app, command, [&] { return cli.engine(/*with_embedder=*/true); });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "engram: usage error: " << e.what() << " (see engram --help)\n";
    return 2;
  }
  if (!command) {
    std::cerr << "engram: usage error: no command given (see engram --help)\n";
    return 2;
  }
  return cli.Run(command);
}
