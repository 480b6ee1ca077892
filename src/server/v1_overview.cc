// The /v1 routes a dashboard starts from: who the key is (whoami) and what an owner holds
// (stats: counts by type, memories added per day, the age of live memories).
#include <array>

#include "server/params.h"
#include "server/schema.h"
#include "server/v1_routes.h"
#include "util/time.h"

namespace engram::server::v1 {

namespace {

using nlohmann::json;
using schema::ArrayOf;
using schema::Object;
using schema::Type;

constexpr std::array<MemoryType, 6> kTypes = {MemoryType::kFact,    MemoryType::kPreference,
                                              MemoryType::kEpisode, MemoryType::kProcedure,
                                              MemoryType::kSummary, MemoryType::kBlock};

// {type: n}: every type with all_types, else those with n > 0.
json TypeCounts(const std::vector<std::pair<MemoryType, int64_t>>& counts, bool all_types) {
  json out = json::object();
  for (const auto& [type, n] : counts) {
    if (all_types || n > 0) out[MemoryTypeName(type)] = n;
  }
  return out;
}

json TypeCountsSchema() {
  json props = json::object();
  for (MemoryType t : kTypes) props[MemoryTypeName(t)] = Type("integer");
  return json{{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
}

}  // namespace

void AddOverviewRoutes(Router& router, Engine& engine) {
  router.Add(MakeRoute(
      "GET", "/v1/whoami", 200,
      {"whoami",
       "The calling key: its name in logs and history (key#N), whether it is an admin key, and "
       "the owners it covers (empty for admin keys, which cover every owner)",
       "system",
       {},
       nullptr,
       true,
       Object({{"name", Type("string")},
               {"admin", Type("boolean")},
               {"owners", ArrayOf(Type("string"))}},
              {"name", "admin", "owners"})},
      [](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {}));
        return Ok(json{{"name", call.principal->name},
                       {"admin", call.principal->admin},
                       {"owners", call.principal->owners}});
      },
      Access::kAnyKey));

  router.Add(MakeRoute(
      "GET", std::string(kOwner) + "/stats", 200,
      {"ownerStats",
       "What an owner holds: live memories by type, records replaced by newer ones, memories "
       "added per UTC day by type over the last `days` days (superseded ones included), and the "
       "age of live memories in buckets of at most 1, 7, 30, 90, 365 days and older (max_days "
       "null)",
       "memories",
       {{"scope", "string", "only what is visible at this scope (it, its ancestors, global)"},
        {"days", "integer", "days of added_per_day, 1..366 (default 30), today included"}},
       nullptr,
       true,
       Object({{"now", Type("string")},
               {"live", Type("integer")},
               {"superseded", Type("integer")},
               {"by_type", TypeCountsSchema()},
               {"added_per_day", ArrayOf(Object({{"day", Type("string", "YYYY-MM-DD (UTC)")},
                                                 {"by_type", TypeCountsSchema()}},
                                                {"day", "by_type"}))},
               {"age_days", ArrayOf(Object({{"max_days", schema::Nullable("integer")},
                                            {"count", Type("integer")}},
                                           {"max_days", "count"}))}},
              {"now", "live", "superseded", "by_type", "added_per_day", "age_days"})},
      [&engine](Call& call) -> Result<Reply> {
        ENGRAM_RETURN_IF_ERROR(CheckQuery(call, {"scope", "days"}));
        OwnerStatsOptions o;
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "scope", &o.scope));
        std::optional<size_t> days;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "days", kMaxStatsDays, &days));
        if (days && *days == 0) return Status::InvalidArgument("days must be 1..366");
        o.days = days.value_or(30);
        ENGRAM_ASSIGN_OR_RETURN(OwnerStats stats, engine.GetOwnerStats(Owner(call), o));

        json added = json::array();
        for (const OwnerStats::Day& d : stats.added_per_day) {
          added.push_back(json{{"day", util::FormatTimestamp(d.start).substr(0, 10)},
                               {"by_type", TypeCounts(d.by_type, false)}});
        }
        json age = json::array();
        for (const OwnerStats::AgeBucket& b : stats.age_days) {
          age.push_back(
              json{{"max_days", b.max_days ? json(*b.max_days) : json()}, {"count", b.count}});
        }
        return Ok(json{{"now", util::FormatTimestamp(stats.now)},
                       {"live", stats.live},
                       {"superseded", stats.superseded},
                       {"by_type", TypeCounts(stats.by_type, true)},
                       {"added_per_day", std::move(added)},
                       {"age_days", std::move(age)}});
      }));
}

}  // namespace engram::server::v1
