// What a dashboard shows of the store: the owners it holds and one owner's counts
// (Engine::ListOwners, Engine::GetOwnerStats). Counted by the store, never by reading records.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engram/types.h"

namespace engram {

// An owner with memories in the store.
struct OwnerSummary {
  std::string owner_id;
  int64_t memories = 0;  // live ones: not deleted, superseded or expired
};

struct OwnerPage {
  std::vector<OwnerSummary> items;  // by owner id (byte order)
  std::string next_cursor;          // empty on the last page
};

struct OwnerStatsOptions {
  std::optional<std::string> scope;  // only what is visible at this scope; unset: every scope
  size_t days = 30;                  // days of added_per_day, 1..kMaxStatsDays, today included
};
inline constexpr size_t kMaxStatsDays = 366;
// Upper bounds (days, inclusive) of the age buckets of live memories; a last bucket is open.
inline constexpr int64_t kAgeBucketDays[] = {1, 7, 30, 90, 365};

// An owner's memories, not expired. Every memory type is listed in each by_type, 0 when none.
struct OwnerStats {
  Timestamp now = 0;
  int64_t live = 0;                                     // not superseded
  int64_t superseded = 0;                               // replaced by newer records
  std::vector<std::pair<MemoryType, int64_t>> by_type;  // live ones
  struct Day {
    Timestamp start = 0;                                  // 00:00 UTC
    std::vector<std::pair<MemoryType, int64_t>> by_type;  // added that day, superseded included
  };
  std::vector<Day> added_per_day;  // oldest first, `days` of them, the last one today
  struct AgeBucket {
    std::optional<int64_t> max_days;  // unset: the open bucket
    int64_t count = 0;
  };
  std::vector<AgeBucket> age_days;  // live memories by age, one per kAgeBucketDays and one more
};

}  // namespace engram
