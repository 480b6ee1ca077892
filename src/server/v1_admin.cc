// The /v1 admin-only routes.
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

  router.Add(MakeRoute(
      "GET", "/v1/owners", 200,
      {"listOwners",
       "The owners with memories, by owner id, each with its count of live memories (admin keys "
       "only)",
       "admin",
       {{"limit", "integer", "page size, 1..1000 (default 100)"},
        {"cursor", "string", "next_cursor of the previous page"}},
       nullptr,
       true,
       Object({{"owners", ArrayOf(Object({{"owner_id", Type("string")},
                                          {"memories", Type("integer", "live memories")}},
                                         {"owner_id", "memories"}))},
               {"next_cursor", schema::Nullable("string")}},
              {"owners", "next_cursor"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"limit", "cursor"}));
        std::optional<size_t> limit;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "limit", 1000, &limit));
        std::optional<std::string> cursor;
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "cursor", &cursor));
        ENGRAM_ASSIGN_OR_RETURN(OwnerPage page,
                                engine.ListOwners(cursor.value_or(""), limit.value_or(100)));
        json owners = json::array();
        for (const OwnerSummary& o : page.items) {
          owners.push_back(json{{"owner_id", o.owner_id}, {"memories", o.memories}});
        }
        return Ok(json{{"owners", std::move(owners)}, {"next_cursor", Nullable(page.next_cursor)}});
      },
      Access::kAdmin));
}

}  // namespace engram::server::v1
