// The /v1 routes a dashboard starts from: who the key is (whoami) and what an owner holds
// (stats: counts by type, memories added per day, the age of live memories).
#include <array>
#include <map>

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

constexpr Timestamp kDayMs = 86'400'000;
constexpr std::array<MemoryType, 6> kTypes = {MemoryType::kFact,    MemoryType::kPreference,
                                              MemoryType::kEpisode, MemoryType::kProcedure,
                                              MemoryType::kSummary, MemoryType::kBlock};
// Upper bounds (days, inclusive) of the age buckets of live memories; the last bucket is open.
constexpr std::array<int64_t, 5> kAgeBucketDays = {1, 7, 30, 90, 365};

int64_t DayOf(Timestamp t) {
  return t >= 0 ? t / kDayMs : -((-t + kDayMs - 1) / kDayMs);
}

json TypeCounts(const std::map<MemoryType, int64_t>& counts, bool all_types) {
  json out = json::object();
  for (MemoryType t : kTypes) {
    auto it = counts.find(t);
    const int64_t n = it == counts.end() ? 0 : it->second;
    if (all_types || n > 0) out[MemoryTypeName(t)] = n;
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
        ListOptions o;
        ENGRAM_RETURN_IF_ERROR(QueryString(call, "scope", &o.scope));
        std::optional<size_t> days;
        ENGRAM_RETURN_IF_ERROR(QueryCount(call, "days", 366, &days));
        if (days && *days == 0) return Status::InvalidArgument("days must be 1..366");
        const int64_t window = static_cast<int64_t>(days.value_or(30));
        o.include_superseded = true;
        o.limit = 1000;

        const Timestamp now = engine.Now();
        const int64_t today = DayOf(now);
        std::map<MemoryType, int64_t> live;
        std::map<int64_t, std::map<MemoryType, int64_t>> per_day;
        std::array<int64_t, kAgeBucketDays.size() + 1> ages{};
        int64_t live_total = 0, superseded = 0;
        // Every record of the owner, a page at a time: the counts hold for the whole owner.
        while (true) {
          ENGRAM_ASSIGN_OR_RETURN(MemoryPage page, engine.ListMemories(Owner(call), o));
          for (const MemoryRecord& m : page.items) {
            const int64_t day = DayOf(m.created_at);
            if (day > today - window && day <= today) ++per_day[day][m.type];
            if (!m.superseded_by.empty()) {
              ++superseded;
              continue;
            }
            ++live_total;
            ++live[m.type];
            const Timestamp age = std::max<Timestamp>(0, now - m.created_at);
            size_t b = 0;
            while (b < kAgeBucketDays.size() && age > kAgeBucketDays[b] * kDayMs) ++b;
            ++ages[b];
          }
          if (page.next_cursor.empty()) break;
          o.cursor = page.next_cursor;
        }

        json added = json::array();
        for (int64_t d = today - window + 1; d <= today; ++d) {
          auto it = per_day.find(d);
          added.push_back(json{
              {"day", util::FormatTimestamp(d * kDayMs).substr(0, 10)},
              {"by_type", it == per_day.end() ? json::object() : TypeCounts(it->second, false)}});
        }
        json age = json::array();
        for (size_t b = 0; b < ages.size(); ++b) {
          age.push_back(
              json{{"max_days", b < kAgeBucketDays.size() ? json(kAgeBucketDays[b]) : json()},
                   {"count", ages[b]}});
        }
        return Ok(json{{"now", util::FormatTimestamp(now)},
                       {"live", live_total},
                       {"superseded", superseded},
                       {"by_type", TypeCounts(live, true)},
                       {"added_per_day", std::move(added)},
                       {"age_days", std::move(age)}});
      }));
}

}  // namespace engram::server::v1
