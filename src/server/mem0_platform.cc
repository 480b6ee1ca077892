// The Mem0 platform routes that have no counterpart on Mem0's open-source server, as the `mem0ai`
// MemoryClient calls them: GET /v1/ping/ (its first call), POST /v3/memories/ (getAll, paged,
// identifiers in `filters`) and PUT/DELETE /v1/batch/. The routes both servers have are
// registered by mem0.cc under both paths.
#include <algorithm>

#include "server/api.h"
#include "server/mem0_shapes.h"
#include "server/params.h"
#include "server/schema.h"

namespace engram::server::mem0 {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Object;
using schema::Ref;
using schema::Type;

// Mem0's batch limit.
constexpr size_t kMaxBatch = 1000;

// {"memories": [{"memory_id", ...}, ...]}: the ids, each checked to be a live memory of the owner
// before anything is written, so a bad entry leaves every memory as it was.
Result<std::vector<std::string>> BatchIds(Engine& engine, const std::string& owner,
                                          const json& body, bool with_text,
                                          std::vector<std::string>* texts) {
  ENGRAM_RETURN_IF_ERROR(CheckFields(body, {"memories"}));
  auto list = body.find("memories");
  if (list == body.end() || !list->is_array() || list->empty()) {
    return Status::InvalidArgument("memories must be a non-empty array");
  }
  if (list->size() > kMaxBatch) {
    return Status::InvalidArgument("a batch holds at most " + std::to_string(kMaxBatch) +
                                   " memories");
  }
  std::vector<std::string> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& m = (*list)[i];
    const std::string where = "memories[" + std::to_string(i) + "]: ";
    if (!m.is_object()) return Status::InvalidArgument(where + "must be an object");
    if (Status st =
            with_text ? CheckFields(m, {"memory_id", "text"}) : CheckFields(m, {"memory_id"});
        !st.ok()) {
      return Status::InvalidArgument(where + st.message());
    }
    Result<std::string> id = RequireString(m, "memory_id");
    if (!id.ok()) return Status::InvalidArgument(where + id.status().message());
    if (with_text) {
      Result<std::string> text = RequireString(m, "text");
      if (!text.ok()) return Status::InvalidArgument(where + text.status().message());
      texts->push_back(std::move(*text));
    }
    if (Result<MemoryRecord> r = engine.GetMemory(owner, *id); !r.ok()) {
      return r.status().WithPrefix(where);
    }
    ids.push_back(std::move(*id));
  }
  return ids;
}

}  // namespace

void RegisterMem0PlatformRoutes(Router& router, Engine& engine) {
  Route ping =
      MakeRoute("GET", "/v1/ping",
                {"mem0PlatformPing",
                 "Mem0 platform (MemoryClient): check the key; any valid key gets status ok",
                 "",
                 {},
                 nullptr,
                 true,
                 Object({{"status", Type("string")},
                         {"org_id", Type("null")},
                         {"project_id", Type("null")},
                         {"user_email", Type("null")}},
                        {"status"})},
                [](Call&) -> Result<Reply> {
                  // No organisation, project or e-mail: engram has owners, which every call
                  // names.
                  return Ok(json{{"status", "ok"},
                                 {"org_id", nullptr},
                                 {"project_id", nullptr},
                                 {"user_email", nullptr}});
                });
  ping.access = Access::kAnyKey;
  router.Add(std::move(ping));

  router.Add(MakeRoute(
      "POST", "/v3/memories",
      {"mem0PlatformGetAll",
       "Mem0 platform (MemoryClient.getAll): the owner's memories, newest first, a page at a "
       "time; user_id, agent_id and run_id come in filters (other filters are not supported "
       "here: use search)",
       "",
       {{"page", "integer", "1-based page (default 1)"},
        {"page_size", "integer", "memories per page (default 100, at most 1000)"}},
       Object({{"filters", Type("object")}}),
       false,
       Ref("Mem0Page")},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"page", "page_size"}));
        ENGRAM_RETURN_IF_ERROR(CheckFields(call.body, {"filters"}));
        std::optional<size_t> page, page_size;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "page", SIZE_MAX, &page));
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "page_size", 1000, &page_size));
        if (page == size_t{0} || page_size == size_t{0}) {
          return Status::InvalidArgument("page and page_size start at 1");
        }
        Ids ids;
        if (call.body.is_object() && call.body.contains("filters")) {
          std::string rest;
          ENGRAM_RETURN_IF_ERROR(SplitFilters(call.body["filters"], &ids, &rest));
          if (!rest.empty()) {
            return Status::InvalidArgument(
                "getAll filters may name only user_id, agent_id and run_id (got " + rest + ")");
          }
        }
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, ids.user_id));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> all,
                                AllMatching(engine, owner, ids, false, SIZE_MAX));
        const size_t n = page.value_or(1), size = page_size.value_or(100);
        const size_t from = n - 1 > all.size() / size ? all.size() : (n - 1) * size;
        const size_t to = std::min(all.size(), from + size);
        json results = json::array();
        for (size_t i = from; i < to; ++i) results.push_back(Item(all[i]));
        auto link = [size](size_t p) {
          return "/v3/memories/?page=" + std::to_string(p) + "&page_size=" + std::to_string(size);
        };
        return Ok(json{{"count", all.size()},
                       {"next", to < all.size() ? json(link(n + 1)) : json(nullptr)},
                       {"previous", n > 1 ? json(link(n - 1)) : json(nullptr)},
                       {"results", std::move(results)}});
      }));

  const json batch_reply = Object({{"message", Type("string")}}, {"message"});
  router.Add(MakeRoute(
      "PUT", "/v1/batch",
      {"mem0PlatformBatchUpdate",
       "Mem0 platform (MemoryClient.batchUpdate): replace the text of up to 1000 memories of the "
       "key's owner; every id is checked before the first is changed",
       "",
       {{"user_id", "string", "the engram owner (default: the key's only owner)"}},
       Object(
           {{"memories", ArrayOf(Object({{"memory_id", Type("string")}, {"text", Type("string")}},
                                        {"memory_id", "text"}))}},
           {"memories"}),
       true,
       batch_reply},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, call.Query("user_id")));
        std::vector<std::string> texts;
        ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                                BatchIds(engine, owner, call.body, true, &texts));
        for (size_t i = 0; i < ids.size(); ++i) {
          MemoryUpdate u;
          u.text = texts[i];
          u.change.actor = "api:" + call.principal->name;
          u.change.reason = "mem0 batch update";
          ENGRAM_RETURN_IF_ERROR(engine.UpdateMemory(owner, ids[i], u).status());
        }
        return Ok(
            json{{"message", "Successfully updated " + std::to_string(ids.size()) + " memories"}});
      }));

  router.Add(MakeRoute(
      "DELETE", "/v1/batch",
      {"mem0PlatformBatchDelete",
       "Mem0 platform (MemoryClient.batchDelete): delete up to 1000 memories of the key's owner "
       "in one transaction (history is kept)",
       "",
       {{"user_id", "string", "the engram owner (default: the key's only owner)"}},
       Object({{"memories", ArrayOf(Object({{"memory_id", Type("string")}}, {"memory_id"}))}},
              {"memories"}),
       true,
       batch_reply},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"user_id"}));
        ENGRAM_ASSIGN_OR_RETURN(std::string owner, ResolveOwner(call, call.Query("user_id")));
        ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> ids,
                                BatchIds(engine, owner, call.body, false, nullptr));
        ChangeInfo change;
        change.actor = "api:" + call.principal->name;
        change.reason = "mem0 batch delete";
        ENGRAM_ASSIGN_OR_RETURN(int64_t n, engine.DeleteMemories(owner, ids, change));
        return Ok(json{{"message", "Successfully deleted " + std::to_string(n) + " memories"}});
      }));
}

}  // namespace engram::server::mem0
