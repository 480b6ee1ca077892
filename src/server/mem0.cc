#include "server/mem0.h"

#include <algorithm>
#include <cctype>
#include <span>

#include "core/json_codec.h"
#include "server/api.h"
#include "server/mem0_shapes.h"
#include "server/params.h"
#include "server/schema.h"
#include "util/json.h"
#include "util/time.h"

namespace engram::server {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Object;
using schema::Ref;
using schema::Type;
using namespace mem0;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Mem0's event names: ADD, UPDATE (engram superseded an older record with the same key, or a
// model refined an existing record in place), NONE (already known: the record was re-verified).
json Mem0WriteResult(const WriteResult& w) {
  json out{{"id", w.record.id}, {"memory", w.record.text}};
  switch (w.event) {
    case WriteEvent::kAdded:
      out["event"] = "ADD";
      break;
    case WriteEvent::kDeduplicated:
      out["event"] = "NONE";
      break;
    case WriteEvent::kSuperseded:
      out["event"] = "UPDATE";
      out["superseded_ids"] = w.superseded_ids;
      break;
    case WriteEvent::kUpdated:
      out["event"] = "UPDATE";
      break;
  }
  return out;
}

struct Message {
  Role role;
  std::string content;
};

// Mem0 accepts a list of {"role", "content"} or a bare string (one user message).
Result<std::vector<Message>> ParseMessages(const json& body) {
  auto it = body.find("messages");
  if (it == body.end() || it->is_null()) return Status::InvalidArgument("messages is required");
  std::vector<Message> out;
  if (it->is_string()) {
    out.push_back({Role::kUser, it->get<std::string>()});
  } else if (it->is_array()) {
    for (size_t i = 0; i < it->size(); ++i) {
      const json& m = (*it)[i];
      const std::string where = "messages[" + std::to_string(i) + "]: ";
      Result<std::string> role = RequireString(m, "role");
      if (!role.ok()) return Status::InvalidArgument(where + role.status().message());
      Result<Role> r = ParseRole(*role);
      if (!r.ok()) return Status::InvalidArgument(where + r.status().message());
      std::optional<std::string> content;
      if (Status st = GetString(m, "content", &content); !st.ok()) {
        return Status::InvalidArgument(where + st.message());
      }
      out.push_back({*r, content.value_or("")});
    }
  } else {
    return Status::InvalidArgument("messages must be an array of {role, content} or a string");
  }
  if (out.empty()) return Status::InvalidArgument("messages is empty");
  return out;
}

std::string SnapshotText(const std::string& snapshot) {
  if (snapshot.empty()) return "";
  json j = util::ParseJsonOr(json(), snapshot);
  if (j.is_object() && j.contains("text") && j["text"].is_string()) {
    return j["text"].get<std::string>();
  }
  return "";
}

const std::vector<QueryParamDoc> kIdQuery = {
    {"user_id", "string", "Mem0 user_id: the engram owner (default: the key's only owner)"},
    {"agent_id", "string", "only memories written by this agent"},
    {"run_id", "string", "only memories of this run (engram session)"}};
const QueryParamDoc kUserQuery{"user_id", "string",
                               "the engram owner (default: the key's only owner)"};

// Registers a route at Mem0's open-source server path and, when `platform_path` is given, the
// same handler at the hosted platform's path that the `mem0ai` MemoryClient calls (it adds
// trailing slashes, which the router ignores), as operation `platform_op`.
void AddRoute(Router& router, const char* method, std::string path, RouteDoc doc, Handler handler,
              const char* platform_path = nullptr, const char* platform_op = nullptr) {
  if (platform_path != nullptr) {
    RouteDoc platform = doc;
    platform.operation_id = platform_op;
    platform.summary =
        "Mem0 platform (MemoryClient): " + doc.summary.substr(doc.summary.find(':') + 2);
    router.Add(MakeRoute(method, platform_path, std::move(platform), handler));
  }
  router.Add(MakeRoute(method, std::move(path), std::move(doc), std::move(handler)));
}

}  // namespace

void RegisterMem0Routes(Router& router, Engine& engine, SearchMode default_mode) {
  AddRoute(
      router, "POST", "/memories",
      {"mem0AddMemories",
       "Mem0: remember messages. infer (default true) runs engram's write policy on each "
       "message (RememberTurn); infer=false stores each non-system message as an episode",
       "",
       {},
       Ref("Mem0AddRequest"),
       true,
       Ref("Mem0Results")},
      [&engine](Call& call) -> Result<Reply> {
        if (!call.body.is_object()) {
          return Status::InvalidArgument("the request body must be a JSON object");
        }
        ENGRAM_ASSIGN_OR_RETURN(Ids ids, IdsFromBody(call.body));
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, ids.user_id));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<Message> messages, ParseMessages(call.body));
        std::optional<bool> infer;
        ENGRAM_RETURN_IF_ERROR(GetBool(call.body, "infer", &infer));
        std::optional<std::string> metadata;
        ENGRAM_RETURN_IF_ERROR(GetJsonText(call.body, "metadata", true, &metadata));
        // Mem0's timestamp (when it was said) is in Unix seconds; expiration_date a date.
        std::optional<Timestamp> observed_at, expires_at;
        if (auto t = call.body.find("timestamp"); t != call.body.end() && !t->is_null()) {
          if (!t->is_number_integer()) {
            return Status::InvalidArgument("timestamp must be an integer (Unix seconds)");
          }
          const int64_t seconds = t->get<int64_t>();
          if (seconds > util::kMaxTimestamp / 1000 || seconds < -util::kMaxTimestamp / 1000) {
            return Status::InvalidArgument("timestamp is out of range");
          }
          observed_at = seconds * 1000;
          ENGRAM_RETURN_IF_ERROR(util::CheckTimestampRange("timestamp", *observed_at));
        }
        ENGRAM_RETURN_IF_ERROR(GetTime(call.body, "expiration_date", &expires_at));
        json results = json::array();
        if (infer.value_or(true)) {
          if (expires_at) {
            return Status::InvalidArgument(
                "expiration_date needs infer: false (extracted memories expire by the policy's "
                "TTLs)");
          }
          for (const Message& m : messages) {
            ENGRAM_ASSIGN_OR_RETURN(TurnReport report,
                                    engine.RememberTurn(owner, "global", ids.run_id.value_or(""),
                                                        m.role, m.content, observed_at));
            for (const WriteResult& w : report.writes) results.push_back(Mem0WriteResult(w));
          }
        } else {
          std::vector<NewMemory> memories;
          for (const Message& m : messages) {
            if (m.role == Role::kSystem) continue;
            NewMemory nm;
            nm.owner_id = owner;
            nm.type = MemoryType::kEpisode;
            nm.text = m.content;
            nm.agent_id = ids.agent_id.value_or("");
            nm.session_id = ids.run_id.value_or("");
            nm.metadata = metadata.value_or("{}");
            nm.observed_at = observed_at;
            nm.expires_at = expires_at;
            nm.source = "mem0";
            nm.change.actor = "api:" + call.principal->name;
            memories.push_back(std::move(nm));
          }
          if (!memories.empty()) {
            ENGRAM_ASSIGN_OR_RETURN(std::vector<WriteResult> writes,
                                    engine.WriteMemories(std::span<const NewMemory>(memories)));
            for (const WriteResult& w : writes) results.push_back(Mem0WriteResult(w));
          }
        }
        return Ok(json{{"results", std::move(results)}});
      },
      "/v3/memories/add", "mem0PlatformAdd");

  router.Add(MakeRoute(
      "GET", "/memories",
      {"mem0GetAll",
       "Mem0: the owner's memories, newest first (at least one of user_id, agent_id, run_id)", "",
       [] {
         std::vector<QueryParamDoc> q = kIdQuery;
         q.push_back({"limit", "integer", "at most this many (default 100, at most 1000)"});
         return q;
       }(),
       nullptr, true, Ref("Mem0Results")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id", "agent_id", "run_id", "limit"}));
        Ids ids = IdsFromQuery(call);
        if (!ids.any()) {
          return Status::InvalidArgument("at least one of user_id, agent_id, run_id is required");
        }
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, ids.user_id));
        std::optional<size_t> limit;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "limit", 1000, &limit));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> records,
                                AllMatching(engine, owner, ids, false, limit.value_or(100)));
        json out = json::array();
        for (const MemoryRecord& r : records) out.push_back(Item(r));
        return Ok(json{{"results", std::move(out)}});
      }));

  AddRoute(
      router, "DELETE", "/memories",
      {"mem0DeleteAll",
       "Mem0: delete every memory of the owner matching agent_id/run_id, in one transaction "
       "(history is kept)",
       "", kIdQuery, nullptr, true,
       Object({{"message", Type("string")}, {"deleted", Type("integer")}}, {"message"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id", "agent_id", "run_id"}));
        Ids ids = IdsFromQuery(call);
        if (!ids.any()) {
          return Status::InvalidArgument("at least one of user_id, agent_id, run_id is required");
        }
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, ids.user_id));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> records,
                                AllMatching(engine, owner, ids, true, SIZE_MAX));
        std::vector<std::string> del;
        for (const MemoryRecord& r : records) del.push_back(r.id);
        int64_t n = 0;
        if (!del.empty()) {
          ChangeInfo change;
          change.actor = "api:" + call.principal->name;
          change.reason = "mem0 delete_all";
          ENGRAM_ASSIGN_OR_RETURN(n, engine.DeleteMemories(owner, del, change));
        }
        return Ok(json{{"message", "All relevant memories deleted"}, {"deleted", n}});
      },
      "/v1/memories", "mem0PlatformDeleteAll");

  AddRoute(
      router, "POST", "/search",
      {"mem0Search",
       "Mem0: the owner's memories most relevant to a query, best first (hybrid search)",
       "",
       {},
       Ref("Mem0SearchRequest"),
       true,
       Ref("Mem0Results")},
      [&engine, default_mode](Call& call) -> Result<Reply> {
        if (!call.body.is_object()) {
          return Status::InvalidArgument("the request body must be a JSON object");
        }
        ENGRAM_ASSIGN_OR_RETURN(std::string query, RequireString(call.body, "query"));
        ENGRAM_ASSIGN_OR_RETURN(Ids ids, IdsFromBody(call.body));
        SearchOptions o;
        o.mode = default_mode;
        if (auto f = call.body.find("filters"); f != call.body.end() && !f->is_null()) {
          ENGRAM_RETURN_IF_ERROR(SplitFilters(*f, &ids, &o.filter));
        }
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, ids.user_id));
        std::optional<size_t> top_k, limit;
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "top_k", 1000, &top_k));
        ENGRAM_RETURN_IF_ERROR(GetCount(call.body, "limit", 1000, &limit));
        const size_t k = top_k ? *top_k : limit.value_or(10);
        if (k == 0) return Status::InvalidArgument("top_k must be at least 1");
        std::optional<double> threshold;
        ENGRAM_RETURN_IF_ERROR(GetNumber(call.body, "threshold", &threshold));
        o.threshold = threshold.value_or(0);
        o.session_id = ids.run_id;
        // The engine's search has no agent filter: fetch more and keep the agent's own.
        o.top_k = ids.agent_id ? std::min<size_t>(1000, k * 4) : k;
        ENGRAM_ASSIGN_OR_RETURN(std::vector<SearchHit> hits, engine.Search(owner, query, o));
        json out = json::array();
        for (const SearchHit& h : hits) {
          if (ids.agent_id && h.record.agent_id != *ids.agent_id) continue;
          if (out.size() == k) break;
          json item = Item(h.record);
          item["score"] = h.score;
          out.push_back(std::move(item));
        }
        return Ok(json{{"results", std::move(out)}});
      },
      "/v3/memories/search", "mem0PlatformSearch");

  AddRoute(
      router, "GET", "/memories/{memory_id}",
      {"mem0Get", "Mem0: one memory", "", {kUserQuery}, nullptr, true, Ref("Mem0Memory")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, call.Query("user_id")));
        ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, engine.GetMemory(owner, call.path.at("memory_id")));
        return Ok(Item(r));
      },
      "/v1/memories/{memory_id}", "mem0PlatformGet");

  AddRoute(
      router, "PUT", "/memories/{memory_id}",
      {"mem0Update",
       "Mem0: replace a memory's text (history keeps the old one); the new text may be sent as "
       "text, memory, data or content; expiration_date sets when it expires",
       "",
       {kUserQuery},
       Ref("Mem0UpdateRequest"),
       true,
       Object({{"message", Type("string")}, {"id", Type("string")}, {"memory", Type("string")}},
              {"message"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id"}));
        if (!call.body.is_object()) {
          return Status::InvalidArgument("the request body must be a JSON object");
        }
        std::optional<std::string> user_id = call.Query("user_id");
        if (!user_id) ENGRAM_RETURN_IF_ERROR(GetString(call.body, "user_id", &user_id));
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, user_id));
        MemoryUpdate u;
        for (const char* name : {"text", "memory", "data", "content"}) {
          if (u.text) break;
          ENGRAM_RETURN_IF_ERROR(GetString(call.body, name, &u.text));
        }
        ENGRAM_RETURN_IF_ERROR(GetJsonText(call.body, "metadata", true, &u.metadata));
        ENGRAM_RETURN_IF_ERROR(GetTime(call.body, "expiration_date", &u.expires_at));
        if (!u.text && !u.metadata && !u.expires_at) {
          return Status::InvalidArgument(
              "the new text is required (text, memory, data or content)");
        }
        u.change.actor = "api:" + call.principal->name;
        ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r,
                                engine.UpdateMemory(owner, call.path.at("memory_id"), u));
        return Ok(
            json{{"message", "Memory updated successfully!"}, {"id", r.id}, {"memory", r.text}});
      },
      "/v1/memories/{memory_id}", "mem0PlatformUpdate");

  AddRoute(
      router, "DELETE", "/memories/{memory_id}",
      {"mem0Delete",
       "Mem0: delete one memory (history is kept)",
       "",
       {kUserQuery},
       nullptr,
       true,
       Object({{"message", Type("string")}}, {"message"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, call.Query("user_id")));
        ChangeInfo change;
        change.actor = "api:" + call.principal->name;
        ENGRAM_RETURN_IF_ERROR(engine.DeleteMemory(owner, call.path.at("memory_id"), change));
        return Ok(json{{"message", "Memory deleted successfully"}});
      },
      "/v1/memories/{memory_id}", "mem0PlatformDelete");

  AddRoute(
      router, "GET", "/memories/{memory_id}/history",
      {"mem0History",
       "Mem0: every change of a memory, oldest first",
       "",
       {kUserQuery},
       nullptr,
       true,
       ArrayOf(Ref("Mem0HistoryEntry"))},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, call.Query("user_id")));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<HistoryEvent> events,
                                engine.GetHistory(owner, call.path.at("memory_id")));
        json out = json::array();
        for (const HistoryEvent& e : events) {
          json j = core::HistoryEventToJson(e);
          const std::string old_text = SnapshotText(e.old_value),
                            new_text = SnapshotText(e.new_value);
          out.push_back(json{{"id", std::to_string(e.seq)},
                             {"memory_id", e.memory_id},
                             {"old_memory", old_text.empty() ? json(nullptr) : json(old_text)},
                             {"new_memory", new_text.empty() ? json(nullptr) : json(new_text)},
                             {"event", Upper(HistoryEventTypeName(e.event))},
                             {"created_at", j["at"]},
                             {"updated_at", j["at"]},
                             {"is_deleted", e.event == HistoryEventType::kDelete},
                             {"actor_id", j["actor"]},
                             {"role", nullptr}});
        }
        return Ok(std::move(out));
      },
      "/v1/memories/{memory_id}/history", "mem0PlatformHistory");

  router.Add(MakeRoute(
      "POST", "/reset",
      {"mem0Reset",
       "Mem0: erase everything of the owner (memories, history, sessions). Unlike Mem0, never "
       "other owners' data",
       "",
       {kUserQuery},
       Object({{"user_id", Type("string")}}),
       false,
       Object({{"message", Type("string")}, {"forgotten", Ref("ForgetReport")}}, {"message"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id"}));
        std::optional<std::string> user_id = call.Query("user_id");
        if (!user_id) ENGRAM_RETURN_IF_ERROR(GetString(call.body, "user_id", &user_id));
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, user_id));
        ENGRAM_ASSIGN_OR_RETURN(ForgetReport report, engine.ForgetOwner(owner));
        return Ok(json{{"message", "All memories reset"},
                       {"forgotten", core::ForgetReportToJson(report)}});
      }));
  RegisterMem0PlatformRoutes(router, engine);
}

}  // namespace engram::server
