#include "server/v1_routes.h"

#include "core/json_codec.h"
#include "server/params.h"
#include "server/schema.h"

namespace engram::server::v1 {

using nlohmann::json;

ChangeInfo Change(const Call& call, std::optional<std::string> reason) {
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

namespace {

// The memory fields a client may send (core::NewMemoryFromJson reads them), plus "reason".
Status CheckMemoryFields(const json& m) {
  return CheckFields(
      m, {"text", "type", "key", "scope", "agent_id", "session_id", "data", "metadata", "source",
          "confidence", "observed_at", "created_at", "valid_from", "valid_to", "expires_at",
          "owner_id", "reason", "supersedes"});
}

}  // namespace

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

std::string BlockScope(const Call& call) {
  std::optional<std::string> s = call.Query("scope");
  return s && !s->empty() ? *s : std::string("global");
}

Route MakeRoute(const char* method, std::string path, int status, RouteDoc doc, Handler handler,
                Access access) {
  Route r;
  r.method = method;
  r.path = std::move(path);
  r.access = access;
  r.success_status = status;
  r.doc = std::move(doc);
  r.handler = std::move(handler);
  return r;
}

json MemoryInputSchema() {
  return schema::Ref("NewMemory");
}

}  // namespace engram::server::v1
