// The /v1 read routes: memory search and context assembly.
#include "core/json_codec.h"
#include "server/params.h"
#include "server/schema.h"
#include "server/v1_routes.h"

namespace engram::server::v1 {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Object;
using schema::Ref;
using schema::Type;

}  // namespace

void AddSearchRoutes(Router& router, Engine& engine, SearchMode default_mode) {
  const std::string base = std::string(kOwner) + "/memories";

  router.Add(MakeRoute(
      "POST", base + "/search", 200,
      {"searchMemories",
       "The live memories most relevant to a query, best first (hybrid BM25 + vectors, or one "
       "retriever), with filters and optional score explanations",
       "memories",
       {},
       Ref("SearchRequest"),
       true,
       Object({{"query", Type("string")}, {"hits", ArrayOf(Ref("SearchHit"))}}, {"query", "hits"})},
      [&engine, default_mode](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(
            CheckFields(call.body, {"query", "scope", "type", "key", "session_id", "filter",
                                    "since", "until", "valid_at", "top_k", "threshold", "mode",
                                    "use_recency", "use_answer_fit", "use_graph", "explain"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string query, RequireString(call.body, "query"));
        SearchOptions o;
        o.mode = default_mode;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "scope", &o.scope));
        std::optional<std::string> type, mode;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "type", &type));
        if (type) {
          ENGRAM_ASSIGN_OR_RETURN(o.type, TypeParam(*type));
        }
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "key", &o.key));
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "session_id", &o.session_id));
        std::optional<std::string> filter;
        ENGRAM_RETURN_IF_ERROR(GetJsonText(call.body, "filter", /*object_only=*/true, &filter));
        o.filter = filter.value_or("");
        ENGRAM_RETURN_IF_ERROR(GetTime(call.body, "since", &o.created_from));
        ENGRAM_RETURN_IF_ERROR(GetTime(call.body, "until", &o.created_until));
        ENGRAM_RETURN_IF_ERROR(GetTime(call.body, "valid_at", &o.valid_at));
        std::optional<size_t> top_k;
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "top_k", 1000, &top_k));
        if (top_k) o.top_k = *top_k;
        std::optional<double> threshold;
        ENGRAM_RETURN_IF_ERROR(GetNumber(call.body, "threshold", &threshold));
        o.threshold = threshold.value_or(0);
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "mode", &mode));
        if (mode) {
          ENGRAM_ASSIGN_OR_RETURN(o.mode, ParseMode(*mode));
        }
        std::optional<bool> recency, answer_fit, graph, explain;
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "use_recency", &recency));
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "use_answer_fit", &answer_fit));
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "use_graph", &graph));
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "explain", &explain));
        o.use_recency = recency.value_or(true);
        o.use_answer_fit = answer_fit.value_or(true);
        o.use_graph = graph.value_or(true);
        ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, engine.Search(Owner(call), query, o));
        json out = json::array();
        for (const SearchHit& h : hits) {
          out.push_back(core::SearchHitToJson(h, explain.value_or(false)));
        }
        return Ok(json{{"query", query}, {"hits", std::move(out)}});
      }));

  router.Add(MakeRoute(
      "POST", std::string(kOwner) + "/context", 200,
      {"assembleContext",
       "What the agent should see at its next turn, within a token budget: core blocks, recent "
       "turns, the session summary, memories relevant to the query, standing facts",
       "context",
       {},
       Ref("ContextRequest"),
       false,
       Ref("Context")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(
            call.body,
            {"scope", "session_id", "query", "token_budget", "max_relevant", "max_standing",
             "max_related", "recent_turns", "previous_session", "previous_turns"}));
        ContextOptions o;
        std::optional<std::string> scope, session, query;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "scope", &scope));
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "session_id", &session));
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "query", &query));
        if (scope) o.scope = *scope;
        if (session) o.session_id = *session;
        if (query) o.query = *query;
        std::optional<size_t> budget, relevant, standing, related, turns;
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "token_budget", 1'000'000, &budget));
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "max_relevant", 1000, &relevant));
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "max_standing", 1000, &standing));
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "max_related", 1000, &related));
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "recent_turns", 1000, &turns));
        if (budget) o.token_budget = *budget;
        if (relevant) o.max_relevant = *relevant;
        if (standing) o.max_standing = *standing;
        if (related) o.max_related = *related;
        if (turns) o.recent_turns = *turns;
        std::optional<size_t> previous_turns;
        std::optional<bool> previous;
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "previous_turns", 1000, &previous_turns));
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "previous_session", &previous));
        if (previous_turns) o.previous_turns = *previous_turns;
        if (previous) o.previous_session = *previous;
        ENGRAM_ASSIGN_OR_RETURN(Context c, engine.AssembleContext(Owner(call), o));
        return Ok(core::ContextToJson(c));
      }));
}

}  // namespace engram::server::v1
