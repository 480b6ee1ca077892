#include "server/mem0_shapes.h"

#include <algorithm>

#include "core/json_codec.h"
#include "server/api.h"
#include "server/params.h"

namespace engram::server::mem0 {

using nlohmann::json;

Result<std::string> ResolveOwner(const Call& call, const std::optional<std::string>& user_id) {
  std::string owner = user_id.value_or("");
  if (owner.empty() && call.principal != nullptr) owner = call.principal->SoleOwner();
  if (owner.empty()) {
    return Status::InvalidArgument(
        "user_id is required (this key is not bound to exactly one owner)");
  }
  ENGRAM_RETURN_IF_ERROR(CheckOwner(*call.principal, owner));
  return owner;
}

Result<Ids> IdsFromBody(const json& body) {
  Ids ids;
  ENGRAM_RETURN_IF_ERROR(GetString(body, "user_id", &ids.user_id));
  ENGRAM_RETURN_IF_ERROR(GetString(body, "agent_id", &ids.agent_id));
  ENGRAM_RETURN_IF_ERROR(GetString(body, "run_id", &ids.run_id));
  return ids;
}

Ids IdsFromQuery(const Call& call) {
  Ids ids;
  ids.user_id = call.Query("user_id");
  ids.agent_id = call.Query("agent_id");
  ids.run_id = call.Query("run_id");
  return ids;
}

Status SplitFilters(json filters, Ids* ids, std::string* rest) {
  if (!filters.is_object()) return Status::InvalidArgument("filters must be a JSON object");
  auto take = [&](json& obj) -> Status {
    for (const char* name : {"user_id", "agent_id", "run_id"}) {
      auto it = obj.find(name);
      if (it == obj.end()) continue;
      if (!it->is_string()) {
        return Status::InvalidArgument(std::string("filters.") + name + " must be a string");
      }
      std::optional<std::string>& slot = std::string(name) == "user_id"    ? ids->user_id
                                         : std::string(name) == "agent_id" ? ids->agent_id
                                                                           : ids->run_id;
      if (slot && *slot != it->get<std::string>()) {
        return Status::InvalidArgument(std::string(name) + " differs between body and filters");
      }
      slot = it->get<std::string>();
      obj.erase(it);
    }
    return Status::Ok();
  };
  ENGRAM_RETURN_IF_ERROR(take(filters));
  if (auto a = filters.find("AND"); a != filters.end() && a->is_array()) {
    json kept = json::array();
    for (json& clause : *a) {
      if (clause.is_object()) ENGRAM_RETURN_IF_ERROR(take(clause));
      if (!clause.is_object() || !clause.empty()) kept.push_back(std::move(clause));
    }
    if (kept.empty()) {
      filters.erase("AND");
    } else {
      *a = std::move(kept);
    }
  }
  *rest = filters.empty() ? std::string() : filters.dump();
  return Status::Ok();
}

json Item(const MemoryRecord& r) {
  json full = core::MemoryToJson(r);
  return json{{"id", r.id},
              {"memory", r.text},
              {"metadata", full["metadata"]},
              {"created_at", full["created_at"]},
              {"updated_at", full["updated_at"]},
              {"expiration_date", full["expires_at"]},
              {"user_id", r.owner_id},
              {"agent_id", full["agent_id"]},
              {"run_id", full["session_id"]},
              {"type", full["type"]},
              {"key", full["key"]},
              {"scope", r.scope}};
}

Result<std::vector<MemoryRecord>> AllMatching(Engine& engine, const std::string& owner,
                                              const Ids& ids, bool include_superseded, size_t max) {
  ListOptions o;
  o.agent_id = ids.agent_id;
  o.session_id = ids.run_id;
  o.include_superseded = include_superseded;
  o.limit = std::min<size_t>(max, 1000);
  std::vector<MemoryRecord> out;
  while (out.size() < max) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, engine.ListMemories(owner, o));
    for (MemoryRecord& r : page.items) {
      if (out.size() < max) out.push_back(std::move(r));
    }
    if (page.next_cursor.empty()) break;
    o.cursor = page.next_cursor;
  }
  return out;
}

Route MakeRoute(const char* method, std::string path, RouteDoc doc, Handler handler) {
  Route r;
  r.method = method;
  r.path = std::move(path);
  r.access = Access::kOwner;
  r.doc = std::move(doc);
  r.doc.tag = "mem0";
  r.handler = std::move(handler);
  return r;
}

}  // namespace engram::server::mem0
