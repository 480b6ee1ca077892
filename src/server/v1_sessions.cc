// The /v1 session-state routes: items, window, summary, summarize, end.
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

namespace {

Result<SessionItem> ItemFromJson(const json& j) {
  ENGRAM_RETURN_IF_ERROR(CheckFields(j, {"role", "content", "tool_calls", "tool_call_id"}));
  if (!j.is_object()) return Status::InvalidArgument("an item must be a JSON object");
  SessionItem item;
  ENGRAM_ASSIGN_OR_RETURN(std::string role, RequireString(j, "role"));
  ENGRAM_ASSIGN_OR_RETURN(item.role, ParseRole(role));
  std::optional<std::string> content, call_id, calls;
  ENGRAM_RETURN_IF_ERROR(GetString(j, "content", &content));
  ENGRAM_RETURN_IF_ERROR(GetString(j, "tool_call_id", &call_id));
  if (auto it = j.find("tool_calls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Status::InvalidArgument("tool_calls must be an array");
    calls = it->dump();
  }
  item.content = content.value_or("");
  item.tool_call_id = call_id.value_or("");
  item.tool_calls = calls.value_or("");
  return item;
}

}  // namespace

void AddSessionRoutes(Router& router, Engine& engine) {
  const std::string base = std::string(kOwner) + "/sessions/{session}";
  auto session = [](const Call& call) -> const std::string& { return call.path.at("session"); };

  router.Add(MakeRoute(
      "GET", std::string(kOwner) + "/recent", 200,
      {"getRecentItems",
       "The owner's last items across all sessions, oldest first, each with its session id",
       "sessions",
       {{"last_n", "integer", "how many items (1..1000, default 20)"}},
       nullptr,
       true,
       Object({{"items", ArrayOf(Ref("OwnerItem"))}}, {"items"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"last_n"}));
        std::optional<size_t> last_n;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "last_n", SIZE_MAX, &last_n));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<OwnerItem> items,
                                engine.GetRecentItems(Owner(call), last_n.value_or(20)));
        json out = json::array();
        for (const OwnerItem& item : items) out.push_back(core::OwnerItemToJson(item));
        return Ok(json{{"items", out}});
      }));

  router.Add(MakeRoute("POST", base + "/items", 201,
                       {"addSessionItems",
                        "Append items to a session atomically, in order",
                        "sessions",
                        {},
                        Object({{"items", ArrayOf(Ref("NewSessionItem"))}}, {"items"}),
                        true,
                        Object({{"items", ArrayOf(Ref("SessionItem"))}}, {"items"})},
                       [&engine, session](Call& call) -> Result<Reply> {
                         ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"items"}));
                         const json& list = call.body["items"];
                         if (!list.is_array() || list.empty()) {
                           return Status::InvalidArgument("items must be a non-empty array");
                         }
                         std::vector<SessionItem> items;
                         for (size_t i = 0; i < list.size(); ++i) {
                           Result<SessionItem> item = ItemFromJson(list[i]);
                           if (!item.ok()) {
                             return Status::InvalidArgument("items[" + std::to_string(i) +
                                                            "]: " + item.status().message());
                           }
                           items.push_back(std::move(*item));
                         }
                         ENGRAM_ASSIGN_OR_RETURN(
                             std::vector<SessionItem> added,
                             engine.AddSessionItems(Owner(call), session(call), items));
                         return Ok(json{{"items", ItemList(added)}}, 201);
                       }));

  router.Add(MakeRoute(
      "GET", base + "/items", 200,
      {"getSessionItems",
       "A session's items in order: all, the last last_n (never cutting a tool call from its "
       "result), or the last `turns` turns",
       "sessions",
       {{"last_n", "integer", "only the last N items"},
        {"turns", "integer", "only the last N turns (a turn starts at a user item)"}},
       nullptr,
       true,
       Object({{"session_id", Type("string")}, {"items", ArrayOf(Ref("SessionItem"))}},
              {"session_id", "items"})},
      [&engine, session](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"last_n", "turns"}));
        std::optional<size_t> last_n, turns;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "last_n", SIZE_MAX, &last_n));
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "turns", SIZE_MAX, &turns));
        if (last_n && turns) return Status::InvalidArgument("use last_n or turns, not both");
        Result<std::vector<SessionItem>> items =
            turns ? engine.GetSessionWindow(Owner(call), session(call), *turns)
                  : engine.GetSessionItems(Owner(call), session(call), last_n);
        if (!items.ok()) return items.status();
        return Ok(json{{"session_id", session(call)}, {"items", ItemList(*items)}});
      }));

  router.Add(
      MakeRoute("POST", base + "/pop", 200,
                {"popSessionItem",
                 "Remove and return the most recent item (null when the session is empty)",
                 "sessions",
                 {},
                 nullptr,
                 true,
                 Object({{"item", json{{"oneOf", {Ref("SessionItem"), Type("null")}}}}}, {"item"})},
                [&engine, session](Call& call) -> Result<Reply> {
                  ENGRAM_ASSIGN_OR_RETURN(std::optional<SessionItem> item,
                                          engine.PopSessionItem(Owner(call), session(call)));
                  return Ok(json{{"item", item ? core::SessionItemToJson(*item) : json(nullptr)}});
                }));

  router.Add(MakeRoute("DELETE", base + "/items", 200,
                       {"clearSession",
                        "Remove every item of the session",
                        "sessions",
                        {},
                        nullptr,
                        true,
                        Object({{"removed", Type("integer")}}, {"removed"})},
                       [&engine, session](Call& call) -> Result<Reply> {
                         ENGRAM_ASSIGN_OR_RETURN(int64_t removed,
                                                 engine.ClearSession(Owner(call), session(call)));
                         return Ok(json{{"removed", removed}});
                       }));

  router.Add(MakeRoute(
      "GET", base + "/summary", 200,
      {"getSessionSummary",
       "The session's rolling summary (null when none was set)",
       "sessions",
       {},
       nullptr,
       true,
       Object({{"summary", json{{"oneOf", {Ref("SessionSummary"), Type("null")}}}}}, {"summary"})},
      [&engine, session](Call& call) -> Result<Reply> {
        ENGRAM_ASSIGN_OR_RETURN(std::optional<SessionSummary> s,
                                engine.GetSessionSummary(Owner(call), session(call)));
        return Ok(json{{"summary", s ? core::SessionSummaryToJson(*s) : json(nullptr)}});
      }));

  router.Add(MakeRoute(
      "POST", base + "/summarize", 200,
      {"summarizeSession",
       "Fold the items older than the last keep_turns turns into the rolling summary (by the "
       "language model when one is configured, else extractively)",
       "sessions",
       {},
       Object({{"keep_turns", Type("integer", "turns to leave unfolded (default 3)")}}),
       false,
       Object({{"summary", json{{"oneOf", {Ref("SessionSummary"), Type("null")}}}}}, {"summary"})},
      [&engine, session](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"keep_turns"}));
        std::optional<size_t> keep;
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "keep_turns", 100000, &keep));
        ENGRAM_ASSIGN_OR_RETURN(
            std::optional<SessionSummary> s,
            engine.SummarizeSession(Owner(call), session(call), keep.value_or(3)));
        return Ok(json{{"summary", s ? core::SessionSummaryToJson(*s) : json(nullptr)}});
      }));

  router.Add(MakeRoute(
      "POST", base + "/end", 200,
      {"endSession",
       "Fold the whole session into its summary and keep that as a summary memory (key "
       "session.<id>) at a scope",
       "sessions",
       {},
       Object({{"scope", Type("string", "where the summary memory lives (default global)")}}),
       false,
       Object({{"memory", json{{"oneOf", {Ref("Memory"), Type("null")}}}}}, {"memory"})},
      [&engine, session](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"scope"}));
        std::optional<std::string> scope;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "scope", &scope));
        ENGRAM_ASSIGN_OR_RETURN(
            std::optional<MemoryRecord> m,
            engine.EndSession(Owner(call), scope.value_or("global"), session(call)));
        return Ok(json{{"memory", m ? core::MemoryToJson(*m) : json(nullptr)}});
      }));

  router.Add(
      MakeRoute("PUT", base + "/summary", 200,
                {"setSessionSummary",
                 "Replace the session's rolling summary",
                 "sessions",
                 {},
                 Object({{"text", Type("string")}}, {"text"}),
                 true,
                 Object({{"summary", Ref("SessionSummary")}}, {"summary"})},
                [&engine, session](Call& call) -> Result<Reply> {
                  ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"text"}));
                  ENGRAM_ASSIGN_OR_RETURN(std::string text, RequireString(call.body, "text"));
                  ENGRAM_ASSIGN_OR_RETURN(
                      SessionSummary s, engine.SetSessionSummary(Owner(call), session(call), text));
                  return Ok(json{{"summary", core::SessionSummaryToJson(s)}});
                }));
}

}  // namespace engram::server::v1
