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
}

}  // namespace engram::server::v1
