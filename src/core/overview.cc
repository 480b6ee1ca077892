// The overview a dashboard starts from: the owners the store holds and an owner's counts, both
// aggregated by the store (store::Transaction::ListOwners, MemoryStatsOf).
#include "core/engine_impl.h"
#include "core/validate.h"
#include "engram/engine.h"
#include "util/ids.h"

namespace engram {

namespace {

constexpr Timestamp kDayMs = 86'400'000;
constexpr MemoryType kTypes[] = {MemoryType::kFact,    MemoryType::kPreference,
                                 MemoryType::kEpisode, MemoryType::kProcedure,
                                 MemoryType::kSummary, MemoryType::kBlock};

// The start (00:00 UTC) of the day holding t.
Timestamp DayStart(Timestamp t) {
  const Timestamp r = t % kDayMs;
  return t - (r < 0 ? r + kDayMs : r);
}

// Every type, in kTypes order, with its count in `found` (0 when absent).
std::vector<std::pair<MemoryType, int64_t>> AllTypes(
    const std::vector<std::pair<MemoryType, int64_t>>& found) {
  std::vector<std::pair<MemoryType, int64_t>> out;
  for (MemoryType t : kTypes) {
    int64_t n = 0;
    for (const auto& [type, count] : found) {
      if (type == t) n += count;
    }
    out.emplace_back(t, n);
  }
  return out;
}

}  // namespace

Result<OwnerPage> Engine::Impl::ListOwners(std::string_view cursor, size_t limit) {
  if (limit == 0 || limit > kMaxListLimit) {
    return Status::InvalidArgument("limit must be between 1 and " + std::to_string(kMaxListLimit));
  }
  std::string after;
  if (!cursor.empty() && (!util::Base64UrlDecode(cursor, &after) || after.empty())) {
    return Status::InvalidArgument("malformed cursor: pass next_cursor unchanged");
  }
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(auto rows, txn->ListOwners(Now(), after, limit + 1));
  OwnerPage page;
  for (store::OwnerCount& row : rows) {
    if (page.items.size() == limit) {
      page.next_cursor = util::Base64UrlEncode(page.items.back().owner_id);
      break;
    }
    page.items.push_back({std::move(row.owner_id), row.live});
  }
  return page;
}

Result<OwnerStats> Engine::Impl::GetOwnerStats(std::string_view owner_id,
                                               const OwnerStatsOptions& o) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  if (o.days == 0 || o.days > kMaxStatsDays) {
    return Status::InvalidArgument("days must be 1.." + std::to_string(kMaxStatsDays));
  }
  store::MemoryStatsQuery q;
  q.owner_id = owner_id;
  if (o.scope) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateScope(*o.scope));
    q.scopes = core::VisibleScopes(*o.scope);
  }
  q.now = Now();
  const Timestamp today = DayStart(q.now);
  q.added_from = today - static_cast<Timestamp>(o.days - 1) * kDayMs;
  q.added_until = today + kDayMs;
  for (int64_t days : kAgeBucketDays) q.age_bounds.push_back(days * kDayMs);

  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(store::MemoryStats found, txn->MemoryStatsOf(q));

  OwnerStats out;
  out.now = q.now;
  out.superseded = found.superseded;
  out.by_type = AllTypes(found.live_by_type);
  for (const auto& [type, n] : out.by_type) out.live += n;
  for (size_t d = 0; d < o.days; ++d) {
    OwnerStats::Day day;
    day.start = q.added_from + static_cast<Timestamp>(d) * kDayMs;
    for (const store::MemoryStats::Added& a : found.added) {
      if (a.day == static_cast<int64_t>(d)) day.by_type.emplace_back(a.type, a.count);
    }
    out.added_per_day.push_back(std::move(day));
  }
  for (size_t b = 0; b < found.by_age.size(); ++b) {
    OwnerStats::AgeBucket bucket;
    if (b < std::size(kAgeBucketDays)) bucket.max_days = kAgeBucketDays[b];
    bucket.count = found.by_age[b];
    out.age_days.push_back(bucket);
  }
  return out;
}

Result<OwnerPage> Engine::ListOwners(std::string_view cursor, size_t limit) {
  return impl_->ListOwners(cursor, limit);
}

Result<OwnerStats> Engine::GetOwnerStats(std::string_view owner_id,
                                         const OwnerStatsOptions& options) {
  return impl_->GetOwnerStats(owner_id, options);
}

}  // namespace engram
