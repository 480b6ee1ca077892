// PgTransaction's aggregates for dashboards: the owners the store holds and an owner's counts,
// computed in SQL so that nothing reads every record.
#include "store/postgres/transaction.h"

namespace engram::store::pg {

namespace {

// The rows MemoryStatsOf counts; $1 owner, $2 scopes (text[] or NULL), $3 now.
#define ENGRAM_PG_STATS_WHERE                                 \
  " FROM memories WHERE owner_id = $1 AND deleted_at IS NULL" \
  " AND ($2::text[] IS NULL OR scope = ANY($2::text[]))"      \
  " AND (expires_at IS NULL OR expires_at > $3::bigint)"

std::vector<Param> StatsParams(const MemoryStatsQuery& q) {
  return {P(q.owner_id), q.scopes.empty() ? Param() : TextArray(q.scopes), P(q.now)};
}

Result<MemoryType> TypeOf(const Rows& rows, int row, int col) {
  Result<MemoryType> type = ParseMemoryType(rows.Text(row, col));
  if (!type.ok()) return Status::Corruption("a memory has an unknown type");
  return type;
}

}  // namespace

Result<std::vector<OwnerCount>> PgTransaction::ListOwners(Timestamp now, std::string_view after,
                                                          size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT owner_id, count(*) FILTER (WHERE superseded_by IS NULL AND (expires_at IS NULL"
            " OR expires_at > $1::bigint)) FROM memories WHERE deleted_at IS NULL"
            " AND owner_id > $2 GROUP BY owner_id ORDER BY owner_id LIMIT $3",
            {P(now), P(after), P(static_cast<int64_t>(limit))}));
  std::vector<OwnerCount> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back({rows.Text(i, 0), rows.Int(i, 1)});
  return out;
}

Result<MemoryStats> PgTransaction::MemoryStatsOf(const MemoryStatsQuery& q) {
  MemoryStats out;
  ENGRAM_ASSIGN_OR_RETURN(
      Rows live,
      Query("SELECT type, superseded_by IS NULL, count(*)" ENGRAM_PG_STATS_WHERE " GROUP BY 1, 2",
            StatsParams(q)));
  for (int i = 0; i < live.size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryType type, TypeOf(live, i, 0));
    if (live.Bool(i, 1)) {
      out.live_by_type.emplace_back(type, live.Int(i, 2));
    } else {
      out.superseded += live.Int(i, 2);
    }
  }

  std::vector<Param> params = StatsParams(q);
  params.push_back(P(q.added_from));
  params.push_back(P(q.added_until));
  ENGRAM_ASSIGN_OR_RETURN(
      Rows added,
      Query(
          "SELECT (created_at - $4::bigint) / 86400000 AS day, type, count(*)" ENGRAM_PG_STATS_WHERE
          " AND created_at >= $4::bigint"
          " AND created_at < $5::bigint GROUP BY day, type ORDER BY day, type",
          params));
  for (int i = 0; i < added.size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryType type, TypeOf(added, i, 1));
    out.added.push_back({added.Int(i, 0), type, added.Int(i, 2)});
  }

  params = StatsParams(q);
  params.push_back(IntArray(q.age_bounds));
  // A record's bucket: how many bounds its age is above.
  ENGRAM_ASSIGN_OR_RETURN(Rows ages, Query("SELECT (SELECT count(*) FROM unnest($4::bigint[]) AS b"
                                           " WHERE b < GREATEST(0, $3::bigint - created_at)) AS "
                                           "bucket, count(*)" ENGRAM_PG_STATS_WHERE
                                           " AND superseded_by IS NULL GROUP BY bucket",
                                           params));
  out.by_age.assign(q.age_bounds.size() + 1, 0);
  for (int i = 0; i < ages.size(); ++i) {
    const int64_t bucket = ages.Int(i, 0);
    if (bucket >= 0 && static_cast<size_t>(bucket) < out.by_age.size()) {
      out.by_age[static_cast<size_t>(bucket)] = ages.Int(i, 1);
    }
  }
  return out;
}

#undef ENGRAM_PG_STATS_WHERE

}  // namespace engram::store::pg
