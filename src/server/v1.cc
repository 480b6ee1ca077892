#include "server/v1.h"

#include <span>

#include "core/json_codec.h"
#include "server/params.h"
#include "server/schema.h"

namespace engram::server {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Object;
using schema::Ref;
using schema::Type;

constexpr const char* kOwner = "/v1/owners/{owner}";

// Who made a change, for history rows: the key's name, never the key.
ChangeInfo Change(const Call& call, std::optional<std::string> reason = std::nullopt) {
  ChangeInfo c;
  c.actor = "api:" + (call.principal ? call.principal->name : std::string("anonymous"));
  if (reason) c.reason = std::move(*reason);
  return c;
}

const std::string& Owner(const Call& call) {
  return call.path.at("owner");
}

json Nullable(const std::string& s) {
  return s.empty() ? json(nullptr) : json(s);
}

// The memory fields a client may send (core::NewMemoryFromJson reads them), plus "reason".
Status CheckMemoryFields(const json& m) {
  return CheckFields(
      m, {"text", "type", "key", "scope", "agent_id", "session_id", "data", "metadata", "source",
          "confidence", "observed_at", "created_at", "valid_from", "valid_to", "expires_at",
          "owner_id", "reason", "supersedes"});
}

Result<NewMemory> MemoryFromBody(const Call& call, const json& m) {
  ENGRAM_RETURN_IF_ERROR(CheckMemoryFields(m));
  ENGRAM_ASSIGN_OR_RETURN(NewMemory memory, core::NewMemoryFromJson(m, Owner(call)));
  std::optional<std::string> reason;
  ENGRAM_RETURN_IF_ERROR(GetString(m, "reason", &reason));
  memory.change = Change(call, reason);
  if (auto it = m.find("supersedes"); it != m.end() && !it->is_null()) {
    if (!it->is_array()) return Status::InvalidArgument("supersedes must be an array of ids");
    for (const json& id : *it) {
      if (!id.is_string()) return Status::InvalidArgument("supersedes must be an array of ids");
      memory.supersedes.push_back(id.get<std::string>());
    }
  }
  if (memory.source.empty()) memory.source = "api";
  return memory;
}

Result<MemoryType> TypeParam(const std::string& name) {
  return ParseMemoryType(name);
}

Result<SearchMode> ParseMode(const std::string& mode) {
  if (mode == "hybrid") return SearchMode::kHybrid;
  if (mode == "lexical") return SearchMode::kLexical;
  if (mode == "vector") return SearchMode::kVector;
  return Status::InvalidArgument("mode must be hybrid, lexical or vector");
}

json MemoryList(const std::vector<MemoryRecord>& records) {
  json out = json::array();
  for (const MemoryRecord& r : records) out.push_back(core::MemoryToJson(r));
  return out;
}

json ItemList(const std::vector<SessionItem>& items) {
  json out = json::array();
  for (const SessionItem& i : items) out.push_back(core::SessionItemToJson(i));
  return out;
}

// The block scope of a /blocks route: ?scope=, "global" when absent.
std::string BlockScope(const Call& call) {
  std::optional<std::string> s = call.Query("scope");
  return s && !s->empty() ? *s : std::string("global");
}

Route MakeRoute(const char* method, std::string path, int status, RouteDoc doc, Handler handler,
                Access access = Access::kOwner) {
  Route r;
  r.method = method;
  r.path = std::move(path);
  r.access = access;
  r.success_status = status;
  r.doc = std::move(doc);
  r.handler = std::move(handler);
  return r;
}

const json kMemoryInput = Ref("NewMemory");

// ---- durable memory ----

void AddMemoryRoutes(Router& router, Engine& engine, SearchMode default_mode) {
  const std::string base = std::string(kOwner) + "/memories";

  router.Add(MakeRoute(
      "POST", base, 201,
      {"addMemories",
       "Store one memory, or a batch ({\"memories\": [...]}) in one transaction; says for each "
       "whether it was added, deduplicated or superseded an older one",
       "memories",
       {},
       json{{"oneOf", {kMemoryInput, Object({{"memories", ArrayOf(kMemoryInput)}}, {"memories"})}}},
       true,
       json{{"oneOf",
             {Ref("WriteResult"),
              Object({{"results", ArrayOf(Ref("WriteResult"))}}, {"results"})}}}},
      [&engine](Call& call) -> Result<Reply> {
        const bool batch = call.body.is_object() && call.body.contains("memories");
        std::vector<NewMemory> memories;
        if (batch) {
          ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"memories"}));
          const json& list = call.body["memories"];
          if (!list.is_array() || list.empty()) {
            return Status::InvalidArgument("memories must be a non-empty array");
          }
          for (size_t i = 0; i < list.size(); ++i) {
            Result<NewMemory> m = MemoryFromBody(call, list[i]);
            if (!m.ok()) {
              return Status(m.status().code() == Status::Code::kInvalidArgument
                                ? Status::InvalidArgument("memories[" + std::to_string(i) +
                                                          "]: " + m.status().message())
                                : m.status());
            }
            memories.push_back(std::move(*m));
          }
        } else {
          ENGRAM_ASSIGN_OR_RETURN(NewMemory m, MemoryFromBody(call, call.body));
          memories.push_back(std::move(m));
        }
        ENGRAM_ASSIGN_OR_RETURN(std::vector<WriteResult> results,
                                engine.WriteMemories(std::span<const NewMemory>(memories)));
        bool created = false;
        json out = json::array();
        for (const WriteResult& w : results) {
          created = created || w.event == WriteEvent::kAdded || w.event == WriteEvent::kSuperseded;
          out.push_back(core::WriteResultToJson(w));
        }
        // 201 when a new record was stored; 200 when every input was already known (or refined
        // an existing record in place).
        const int status = created ? 201 : 200;
        if (batch) return Ok(json{{"results", std::move(out)}}, status);
        return Ok(std::move(out[0]), status);
      }));

  router.Add(MakeRoute(
      "POST", base + "/from-turns", 200,
      {"rememberTurns",
       "Run the write policy on conversation turns: classify each, extract typed memories from "
       "user turns and store them (one transaction per turn)",
       "memories",
       {},
       Object({{"scope", Type("string")},
               {"session_id", Type("string")},
               {"turns", ArrayOf(Object({{"role", Type("string", "user|assistant|system|tool")},
                                         {"content", Type("string")},
                                         {"observed_at", Ref("Time")}},
                                        {"role", "content"}))}},
              {"turns"}),
       true,
       Object({{"reports", ArrayOf(Ref("TurnReport"))}}, {"reports"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"scope", "session_id", "turns"}));
        std::optional<std::string> scope, session;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "scope", &scope));
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "session_id", &session));
        const json& turns = call.body["turns"];
        if (!turns.is_array() || turns.empty()) {
          return Status::InvalidArgument("turns must be a non-empty array");
        }
        if (turns.size() > 1000) return Status::TooLarge("at most 1000 turns per request");
        // Every turn is checked before the first is stored, so a bad turn writes nothing.
        struct Turn {
          Role role;
          std::string content;
          std::optional<Timestamp> at;
        };
        std::vector<Turn> parsed;
        for (size_t i = 0; i < turns.size(); ++i) {
          const std::string where = "turns[" + std::to_string(i) + "]: ";
          Status st = CheckFields(turns[i], {"role", "content", "observed_at"});
          Turn t{Role::kUser, "", std::nullopt};
          Result<std::string> role = st.ok() ? RequireString(turns[i], "role") : st;
          if (!role.ok()) return Status::InvalidArgument(where + role.status().message());
          Result<Role> r = ParseRole(*role);
          if (!r.ok()) return Status::InvalidArgument(where + r.status().message());
          t.role = *r;
          Result<std::string> content = RequireString(turns[i], "content");
          if (!content.ok()) return Status::InvalidArgument(where + content.status().message());
          t.content = std::move(*content);
          if (Status ts = GetTime(turns[i], "observed_at", &t.at); !ts.ok()) {
            return Status::InvalidArgument(where + ts.message());
          }
          parsed.push_back(std::move(t));
        }
        json reports = json::array();
        for (const Turn& t : parsed) {
          ENGRAM_ASSIGN_OR_RETURN(
              TurnReport report,
              engine.RememberTurn(Owner(call), scope.value_or("global"), session.value_or(""),
                                  t.role, t.content, t.at));
          reports.push_back(core::TurnReportToJson(report));
        }
        return Ok(json{{"reports", std::move(reports)}});
      }));

  router.Add(MakeRoute(
      "GET", base, 200,
      {"listMemories",
       "One page of the owner's live memories, newest first; as_of replays what engram believed "
       "then (not paged), valid_at what was true then",
       "memories",
       {{"scope", "string", "only what is visible at this scope (it, its ancestors, global)"},
        {"type", "string", "fact|preference|episode|procedure|summary|block"},
        {"key", "string", "only this key"},
        {"session_id", "string", "only from this session"},
        {"agent_id", "string", "only written by this agent"},
        {"since", "string", "created at or after (ISO-8601)"},
        {"until", "string", "created before (ISO-8601)"},
        {"valid_at", "string", "what was true at this time (ISO-8601)"},
        {"as_of", "string", "what engram believed at this time (ISO-8601)"},
        {"include_superseded", "boolean", "also records a newer one replaced"},
        {"limit", "integer", "page size, 1..1000 (default 50)"},
        {"cursor", "string", "next_cursor of the previous page"}},
       nullptr,
       true,
       Ref("MemoryPage")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(
            CheckQuery(call, {"scope", "type", "key", "session_id", "agent_id", "since", "until",
                              "valid_at", "as_of", "include_superseded", "limit", "cursor"}));
        ListOptions o;
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "scope", &o.scope));
        if (auto t = call.Query("type")) {
          ENGRAM_ASSIGN_OR_RETURN(o.type, TypeParam(*t));
        }
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "key", &o.key));
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "session_id", &o.session_id));
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "agent_id", &o.agent_id));
        ENGRAM_RETURN_IF_ERROR(QueryTime(call, "since", &o.created_from));
        ENGRAM_RETURN_IF_ERROR(QueryTime(call, "until", &o.created_until));
        ENGRAM_RETURN_IF_ERROR(QueryTime(call, "valid_at", &o.valid_at));
        ENGRAM_RETURN_IF_ERROR(QueryTime(call, "as_of", &o.as_of));
        std::optional<bool> superseded;
        ENGRAM_RETURN_IF_ERROR(QueryBool(call, "include_superseded", &superseded));
        o.include_superseded = superseded.value_or(false);
        std::optional<size_t> limit;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "limit", 1000, &limit));
        if (limit) o.limit = *limit;
        o.cursor = call.Query("cursor").value_or("");
        ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, engine.ListMemories(Owner(call), o));
        return Ok(
            json{{"items", MemoryList(page.items)}, {"next_cursor", Nullable(page.next_cursor)}});
      }));

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
        ENGRAM_RETURN_IF_ERROR(CheckFields(
            call.body, {"query", "scope", "type", "key", "session_id", "filter", "since", "until",
                        "valid_at", "top_k", "threshold", "mode", "use_recency", "explain"}));
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
        std::optional<bool> recency, explain;
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "use_recency", &recency));
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "explain", &explain));
        o.use_recency = recency.value_or(true);
        ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, engine.Search(Owner(call), query, o));
        json out = json::array();
        for (const SearchHit& h : hits) {
          out.push_back(core::SearchHitToJson(h, explain.value_or(false)));
        }
        return Ok(json{{"query", query}, {"hits", std::move(out)}});
      }));

  router.Add(MakeRoute(
      "POST", base + "/delete", 200,
      {"deleteMemories",
       "Delete several memories in one transaction: all of them, or none when one is unknown",
       "memories",
       {},
       Object({{"ids", ArrayOf(Type("string"))}, {"reason", Type("string")}}, {"ids"}),
       true,
       Object({{"deleted", Type("integer")}}, {"deleted"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"ids", "reason"}));
        const json& ids_json = call.body["ids"];
        if (!ids_json.is_array() || ids_json.empty()) {
          return Status::InvalidArgument("ids must be a non-empty array of strings");
        }
        std::vector<std::string> ids;
        for (const json& id : ids_json) {
          if (!id.is_string()) return Status::InvalidArgument("ids must be strings");
          ids.push_back(id.get<std::string>());
        }
        std::optional<std::string> reason;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "reason", &reason));
        ENGRAM_ASSIGN_OR_RETURN(int64_t n,
                                engine.DeleteMemories(Owner(call), ids, Change(call, reason)));
        return Ok(json{{"deleted", n}});
      }));

  const std::string one = base + "/{id}";
  router.Add(MakeRoute(
      "GET", one, 200,
      {"getMemory", "One live memory", "memories", {}, nullptr, true, Ref("Memory")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {}));
        ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, engine.GetMemory(Owner(call), call.path.at("id")));
        return Ok(core::MemoryToJson(r));
      }));

  router.Add(
      MakeRoute("PATCH", one, 200,
                {"updateMemory",
                 "Change the given fields of a memory; history keeps the old value",
                 "memories",
                 {},
                 Object({{"text", Type("string")},
                         {"key", Type("string")},
                         {"data", json::object()},
                         {"metadata", Type("object")},
                         {"confidence", Type("number")},
                         {"valid_from", Ref("Time")},
                         {"valid_to", Ref("Time")},
                         {"expires_at", Ref("Time")},
                         {"reason", Type("string")}}),
                 true,
                 Ref("Memory")},
                [&engine](Call& call) -> Result<Reply> {
                  ENGRAM_RETURN_IF_ERROR(
                      CheckFields(call.body, {"text", "key", "data", "metadata", "confidence",
                                              "valid_from", "valid_to", "expires_at", "reason"}));
                  MemoryUpdate u;
                  ENGRAM_RETURN_IF_ERROR(GetString(call.body, "text", &u.text));
                  ENGRAM_RETURN_IF_ERROR(GetString(call.body, "key", &u.key));
                  ENGRAM_RETURN_IF_ERROR(GetJsonText(call.body, "data", false, &u.data));
                  ENGRAM_RETURN_IF_ERROR(GetJsonText(call.body, "metadata", true, &u.metadata));
                  ENGRAM_RETURN_IF_ERROR(GetNumber(call.body, "confidence", &u.confidence));
                  ENGRAM_RETURN_IF_ERROR(GetTime(call.body, "valid_from", &u.valid_from));
                  ENGRAM_RETURN_IF_ERROR(GetTime(call.body, "valid_to", &u.valid_to));
                  ENGRAM_RETURN_IF_ERROR(GetTime(call.body, "expires_at", &u.expires_at));
                  std::optional<std::string> reason;
                  ENGRAM_RETURN_IF_ERROR(GetString(call.body, "reason", &reason));
                  u.change = Change(call, reason);
                  ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r,
                                          engine.UpdateMemory(Owner(call), call.path.at("id"), u));
                  return Ok(core::MemoryToJson(r));
                }));

  router.Add(MakeRoute("DELETE", one, 200,
                       {"deleteMemory",
                        "Tombstone a memory (it is no longer returned; its history stays)",
                        "memories",
                        {{"reason", "string", "why, recorded in history"}},
                        nullptr,
                        true,
                        Object({{"deleted", Type("string")}}, {"deleted"})},
                       [&engine](Call& call) -> Result<Reply> {
                         ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"reason"}));
                         ENGRAM_RETURN_IF_ERROR(engine.DeleteMemory(
                             Owner(call), call.path.at("id"), Change(call, call.Query("reason"))));
                         return Ok(json{{"deleted", call.path.at("id")}});
                       }));

  router.Add(MakeRoute("GET", one + "/history", 200,
                       {"memoryHistory",
                        "Every change of a memory, oldest first (also for deleted memories)",
                        "memories",
                        {},
                        nullptr,
                        true,
                        Object({{"events", ArrayOf(Ref("HistoryEvent"))}}, {"events"})},
                       [&engine](Call& call) -> Result<Reply> {
                         ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {}));
                         ENGRAM_ASSIGN_OR_RETURN(
                             std::vector<HistoryEvent> events,
                             engine.GetHistory(Owner(call), call.path.at("id")));
                         json out = json::array();
                         for (const HistoryEvent& e : events)
                           out.push_back(core::HistoryEventToJson(e));
                         return Ok(json{{"events", std::move(out)}});
                       }));

  router.Add(
      MakeRoute("DELETE", kOwner, 200,
                {"forgetOwner",
                 "Erase every row of the owner (memories, history, sessions) in one transaction",
                 "memories",
                 {},
                 nullptr,
                 true,
                 Ref("ForgetReport")},
                [&engine](Call& call) -> Result<Reply> {
                  ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {}));
                  ENGRAM_ASSIGN_OR_RETURN(ForgetReport report, engine.ForgetOwner(Owner(call)));
                  return Ok(core::ForgetReportToJson(report));
                }));
}

// ---- session state ----

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

void AddSessionRoutes(Router& router, Engine& engine) {
  const std::string base = std::string(kOwner) + "/sessions/{session}";
  auto session = [](const Call& call) -> const std::string& { return call.path.at("session"); };

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

// ---- context and core blocks ----

void AddContextRoutes(Router& router, Engine& engine) {
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
        ENGRAM_RETURN_IF_ERROR(
            CheckFields(call.body, {"scope", "session_id", "query", "token_budget", "max_relevant",
                                    "max_standing", "recent_turns"}));
        ContextOptions o;
        std::optional<std::string> scope, session, query;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "scope", &scope));
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "session_id", &session));
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "query", &query));
        if (scope) o.scope = *scope;
        if (session) o.session_id = *session;
        if (query) o.query = *query;
        std::optional<size_t> budget, relevant, standing, turns;
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "token_budget", 1'000'000, &budget));
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "max_relevant", 1000, &relevant));
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "max_standing", 1000, &standing));
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "recent_turns", 1000, &turns));
        if (budget) o.token_budget = *budget;
        if (relevant) o.max_relevant = *relevant;
        if (standing) o.max_standing = *standing;
        if (turns) o.recent_turns = *turns;
        ENGRAM_ASSIGN_OR_RETURN(Context c, engine.AssembleContext(Owner(call), o));
        return Ok(core::ContextToJson(c));
      }));

  const std::string base = std::string(kOwner) + "/blocks";
  const QueryParamDoc scope_doc{"scope", "string", "the block's scope (default global)"};
  router.Add(MakeRoute(
      "GET", base, 200,
      {"listBlocks",
       "The core blocks visible at a scope (its own, its ancestors' and global; the narrower "
       "scope wins a label)",
       "blocks",
       {{"scope", "string", "the scope to look from (default global)"}},
       nullptr,
       true,
       Object({{"blocks", ArrayOf(Ref("CoreBlock"))}}, {"blocks"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope"}));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<CoreBlock> blocks,
                                engine.ListBlocks(Owner(call), BlockScope(call)));
        json out = json::array();
        for (const CoreBlock& b : blocks) out.push_back(core::CoreBlockToJson(b));
        return Ok(json{{"blocks", std::move(out)}});
      }));

  const std::string one = base + "/{label}";
  router.Add(MakeRoute("GET", one, 200,
                       {"getBlock",
                        "The block with this label at exactly this scope",
                        "blocks",
                        {scope_doc},
                        nullptr,
                        true,
                        Ref("CoreBlock")},
                       [&engine](Call& call) -> Result<Reply> {
                         ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope"}));
                         ENGRAM_ASSIGN_OR_RETURN(
                             CoreBlock b,
                             engine.GetBlock(Owner(call), BlockScope(call), call.path.at("label")));
                         return Ok(core::CoreBlockToJson(b));
                       }));

  router.Add(MakeRoute(
      "PUT", one, 200,
      {"setBlock",
       "Create or replace a block (value within its character limit)",
       "blocks",
       {scope_doc},
       Object({{"value", Type("string")},
               {"limit", Type("integer", "characters; default: the block's, or 2000")},
               {"reason", Type("string")}},
              {"value"}),
       true,
       Ref("CoreBlock")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope"}));
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"value", "limit", "reason"}));
        std::optional<std::string> value, reason;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "value", &value));
        if (!value) return Status::InvalidArgument("value is required");
        std::optional<size_t> limit;
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "limit", 1'000'000, &limit));
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "reason", &reason));
        ENGRAM_ASSIGN_OR_RETURN(
            CoreBlock b, engine.SetBlock(Owner(call), BlockScope(call), call.path.at("label"),
                                         *value, limit, Change(call, reason)));
        return Ok(core::CoreBlockToJson(b));
      }));

  router.Add(MakeRoute(
      "POST", one + "/append", 200,
      {"appendToBlock",
       "Append text on a new line (creating the block when missing)",
       "blocks",
       {scope_doc},
       Object({{"text", Type("string")}, {"reason", Type("string")}}, {"text"}),
       true,
       Ref("CoreBlock")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope"}));
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"text", "reason"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string text, RequireString(call.body, "text"));
        std::optional<std::string> reason;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "reason", &reason));
        ENGRAM_ASSIGN_OR_RETURN(
            CoreBlock b, engine.AppendToBlock(Owner(call), BlockScope(call), call.path.at("label"),
                                              text, Change(call, reason)));
        return Ok(core::CoreBlockToJson(b));
      }));

  router.Add(MakeRoute(
      "POST", one + "/replace", 200,
      {"replaceInBlock",
       "Replace every occurrence of old_text by new_text (404 when the block lacks old_text)",
       "blocks",
       {scope_doc},
       Object(
           {{"old_text", Type("string")}, {"new_text", Type("string")}, {"reason", Type("string")}},
           {"old_text", "new_text"}),
       true,
       Ref("CoreBlock")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope"}));
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"old_text", "new_text", "reason"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string old_text, RequireString(call.body, "old_text"));
        std::optional<std::string> new_text, reason;
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "new_text", &new_text));
        if (!new_text) return Status::InvalidArgument("new_text is required");
        ENGRAM_RETURN_IF_ERROR(GetString(call.body, "reason", &reason));
        ENGRAM_ASSIGN_OR_RETURN(
            CoreBlock b, engine.ReplaceInBlock(Owner(call), BlockScope(call), call.path.at("label"),
                                               old_text, *new_text, Change(call, reason)));
        return Ok(core::CoreBlockToJson(b));
      }));

  router.Add(MakeRoute("DELETE", one, 200,
                       {"deleteBlock",
                        "Delete a block (its history is kept)",
                        "blocks",
                        {scope_doc},
                        nullptr,
                        true,
                        Object({{"deleted", Type("string")}}, {"deleted"})},
                       [&engine](Call& call) -> Result<Reply> {
                         ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope"}));
                         ENGRAM_RETURN_IF_ERROR(engine.DeleteBlock(
                             Owner(call), BlockScope(call), call.path.at("label"), Change(call)));
                         return Ok(json{{"deleted", call.path.at("label")}});
                       }));
}

void AddAdminRoutes(Router& router, Engine& engine) {
  router.Add(MakeRoute(
      "POST", "/v1/gc", 200,
      {"collectGarbage",
       "Erase expired memories and old session items of every owner by the retention policy "
       "(admin keys only)",
       "admin",
       {},
       Object({{"dry_run", Type("boolean", "count without changing anything")}}),
       false,
       Ref("GcReport")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"dry_run"}));
        std::optional<bool> dry_run;
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "dry_run", &dry_run));
        ENGRAM_ASSIGN_OR_RETURN(GcReport report, engine.CollectGarbage(dry_run.value_or(false)));
        json out = core::GcReportToJson(report);
        out["dry_run"] = dry_run.value_or(false);
        return Ok(std::move(out));
      },
      Access::kAdmin));
}

}  // namespace

void RegisterV1Routes(Router& router, Engine& engine, SearchMode default_mode) {
  AddMemoryRoutes(router, engine, default_mode);
  AddSessionRoutes(router, engine);
  AddContextRoutes(router, engine);
  AddAdminRoutes(router, engine);
}

}  // namespace engram::server
