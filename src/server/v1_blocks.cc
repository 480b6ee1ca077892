// The /v1 core-block routes: labelled text always in context.
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

void AddBlockRoutes(Router& router, Engine& engine) {
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

}  // namespace engram::server::v1
