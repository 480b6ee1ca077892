// The /v1 durable-memory routes: write, list, read, change, delete, history, forget.
#include <span>

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

// Writes: one memory or a batch, turns through extraction, a batch delete.
void AddWriteRoutes(Router& router, Engine& engine, const std::string& base) {
  const json kMemoryInput = MemoryInputSchema();

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
}

// Reads: a page of memories, one memory, its history.
void AddReadRoutes(Router& router, Engine& engine, const std::string& base) {
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

  const std::string one = base + "/{id}";
  router.Add(MakeRoute(
      "GET", one, 200,
      {"getMemory", "One live memory", "memories", {}, nullptr, true, Ref("Memory")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {}));
        ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, engine.GetMemory(Owner(call), call.path.at("id")));
        return Ok(core::MemoryToJson(r));
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
}

// Changes of one memory, and erasing an owner.
void AddChangeRoutes(Router& router, Engine& engine, const std::string& base) {
  const std::string one = base + "/{id}";
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

  router.Add(
      MakeRoute("DELETE", kOwner, 200,
                {"forgetOwner",
                 "Erase every row of the owner (memories, history, sessions, graph, checkpoints)",
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

}  // namespace

void AddMemoryRoutes(Router& router, Engine& engine) {
  const std::string base = std::string(kOwner) + "/memories";
  AddWriteRoutes(router, engine, base);
  AddReadRoutes(router, engine, base);
  AddChangeRoutes(router, engine, base);
}

}  // namespace engram::server::v1
