// engram search and engram context: the read path from the shell.
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "core/json_codec.h"

namespace engram::cli {

namespace {

using nlohmann::json;

// The options of these subcommands; they outlive parsing inside the callbacks that hold them.
struct SearchArgs {
  std::string owner, scope, session, type, key, filter, since, until, valid_at, mode = "hybrid";
  std::vector<std::string> words;
  size_t limit = 10;
  double threshold = 0;
  bool explain = false, no_recency = false, no_answer_fit = false, no_graph = false;
};

struct ContextArgs {
  std::string owner, scope = "global", session, query;
  size_t budget = 2000, max_relevant = 10, max_standing = 20, max_related = 10, turns = 3,
         previous_turns = 2;
  bool no_previous = false;
};

}  // namespace

void AddSearchCommands(const CommandContext& ctx) {
  CLI::App& app = ctx.app;
  Cli& cli = ctx.cli;
  std::function<Status()>& command = ctx.command;
  auto a = std::make_shared<SearchArgs>();

  auto* search = app.add_subcommand("search", "Find the memories most relevant to a query");
  AddOwnerOption(search, a->owner);
  search->add_option("--scope", a->scope, "Only what is visible at this scope");
  search->add_option("--type", a->type, "Only this type");
  search->add_option("--key", a->key, "Only this key");
  search->add_option("--session", a->session, "Only from this session");
  search->add_option("--filter", a->filter, "JSON filter on fields and metadata (docs/search.md)");
  search->add_option("--since", a->since, "Created at or after (ISO-8601)");
  search->add_option("--until", a->until, "Created before (ISO-8601)");
  search->add_option("--valid-at", a->valid_at, "What was true at this time (ISO-8601)");
  search->add_option("--limit", a->limit, "How many hits (default 10)");
  search->add_option("--mode", a->mode, "hybrid|lexical|vector");
  search->add_option("--threshold", a->threshold, "Drop hits scoring below this (0..1)");
  search->add_flag("--explain", a->explain, "Show how each score was made");
  search->add_flag("--no-recency", a->no_recency, "Do not weigh by recency");
  search->add_flag("--no-answer-fit", a->no_answer_fit,
                   "Do not favour memories of the kind the question asks for (hybrid)");
  search->add_flag("--no-graph", a->no_graph,
                   "Do not favour memories linked to the entities the query names (hybrid)");
  search->add_option("query", a->words, "What to look for")->required();
  search->callback([=, &cli, &command] {
    const bool type_given = search->count("--type") > 0, limit_given = search->count("--limit") > 0;
    command = [=, &cli]() -> Status {
      engram::SearchOptions o;
      if (a->mode == "hybrid") {
        o.mode = engram::SearchMode::kHybrid;
      } else if (a->mode == "lexical") {
        o.mode = engram::SearchMode::kLexical;
      } else if (a->mode == "vector") {
        o.mode = engram::SearchMode::kVector;
      } else {
        return Status::InvalidArgument("unknown mode '" + a->mode +
                                       "': expected hybrid, lexical or vector");
      }
      ENGRAM_ASSIGN_OR_RETURN(engram::Engine * engine,
                              cli.engine(o.mode != engram::SearchMode::kLexical));
      if (!a->scope.empty()) o.scope = a->scope;
      if (type_given) {
        ENGRAM_ASSIGN_OR_RETURN(o.type, engram::ParseMemoryType(a->type));
      }
      if (!a->key.empty()) o.key = a->key;
      if (!a->session.empty()) o.session_id = a->session;
      o.filter = a->filter;
      ENGRAM_ASSIGN_OR_RETURN(o.created_from, OptionalTime(a->since));
      ENGRAM_ASSIGN_OR_RETURN(o.valid_at, OptionalTime(a->valid_at));
      ENGRAM_ASSIGN_OR_RETURN(o.created_until, OptionalTime(a->until));
      o.top_k = limit_given ? a->limit : 10;
      o.threshold = a->threshold;
      o.use_recency = !a->no_recency;
      o.use_answer_fit = !a->no_answer_fit;
      o.use_graph = !a->no_graph;
      ENGRAM_ASSIGN_OR_RETURN(std::string query, ReadText(a->words, 64 << 20));
      ENGRAM_ASSIGN_OR_RETURN(auto hits, engine->Search(a->owner, query, o));
      if (cli.json_output()) {
        json out = json::array();
        for (const auto& h : hits) out.push_back(engram::core::SearchHitToJson(h, a->explain));
        Emit(json{{"query", query}, {"hits", out}});
        return Status::Ok();
      }
      if (hits.empty()) std::cout << "(no matches)\n";
      for (const auto& h : hits) {
        char score[32];
        std::snprintf(score, sizeof score, "%.3f", h.score);
        std::cout << score << "  " << h.record.id << "  " << engram::MemoryTypeName(h.record.type)
                  << "  " << h.record.scope << "  " << OneLine(h.record.text) << "\n";
        if (a->explain) {
          const auto& e = h.explanation;
          std::printf(
              "       lexical rank %s (bm25 %.2f) | vector rank %s (cos %.3f) | relevance "
              "%.3f (date %.3f, context %.3f, answer %.3f, graph %.3f%s) x recency %.3f x "
              "confidence %.2f = %.3f\n",
              e.lexical_rank ? std::to_string(e.lexical_rank).c_str() : "-", e.lexical_score,
              e.vector_rank ? std::to_string(e.vector_rank).c_str() : "-", e.vector_similarity,
              e.relevance, e.date, e.context, e.answer, e.graph,
              e.graph_reason.empty() ? "" : (": " + e.graph_reason).c_str(), e.recency,
              e.confidence, e.final_score);
          std::fflush(stdout);
        }
      }
      return Status::Ok();
    };
  });

  // ---- context ----
  auto context_args = std::make_shared<ContextArgs>();
  auto* context = app.add_subcommand(
      "context", "What an agent should see next: blocks, facts, relevant memories, recent turns");
  context->add_option("--owner", context_args->owner, "Owner whose memory this is")->required();
  context->add_option("--scope", context_args->scope, "Scope, e.g. project/alpha (default global)");
  context->add_option("--session", context_args->session, "Session: its summary and recent turns");
  context->add_option("--query", context_args->query,
                      "The request at hand: finds relevant memories");
  context->add_option("--budget", context_args->budget, "Token budget (default 2000)");
  context->add_option("--max-relevant", context_args->max_relevant,
                      "Relevant memories, at most (10)");
  context->add_option("--max-standing", context_args->max_standing, "Standing facts, at most (20)");
  context->add_option("--max-related", context_args->max_related,
                      "Knowledge-graph facts about the entities the query names, at most (10)");
  context->add_option("--turns", context_args->turns, "Recent turns of the session (3)");
  context->add_option("--previous-turns", context_args->previous_turns,
                      "Last turns of the owner's previous session, budget permitting (2)");
  context->add_flag("--no-previous", context_args->no_previous,
                    "Leave out the owner's previous session (its summary and last turns)");
  context->callback([context_args, &cli, &command] {
    command = [context_args, &cli]() -> Status {
      ENGRAM_ASSIGN_OR_RETURN(Engine * engine, cli.engine(/*with_embedder=*/true));
      ContextOptions o;
      o.scope = context_args->scope;
      o.session_id = context_args->session;
      o.query = context_args->query;
      o.token_budget = context_args->budget;
      o.max_relevant = context_args->max_relevant;
      o.max_standing = context_args->max_standing;
      o.max_related = context_args->max_related;
      o.recent_turns = context_args->turns;
      o.previous_turns = context_args->previous_turns;
      o.previous_session = !context_args->no_previous;
      ENGRAM_ASSIGN_OR_RETURN(Context c, engine->AssembleContext(context_args->owner, o));
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
}

}  // namespace engram::cli
