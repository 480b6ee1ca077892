// SqliteTransaction's aggregates for dashboards: the owners the store holds and an owner's counts,
// computed in SQL so that nothing reads every record.
#include <nlohmann/json.hpp>

#include "store/sqlite/transaction.h"

namespace engram::store::sqlite {

namespace {

// The rows MemoryStatsOf counts; ?1 owner, ?2 scopes (JSON array or NULL), ?3 now.
#define ENGRAM_STATS_WHERE                                          \
  " FROM memories WHERE owner_id = ?1 AND deleted_at IS NULL"       \
  " AND (?2 IS NULL OR scope IN (SELECT value FROM json_each(?2)))" \
  " AND (expires_at IS NULL OR expires_at > ?3)"

void BindStats(Stmt& s, const MemoryStatsQuery& q) {
  s.Bind(1, q.owner_id);
  if (q.scopes.empty()) {
    s.BindNull(2);
  } else {
    s.Bind(2, nlohmann::json(q.scopes).dump());
  }
  s.Bind(3, q.now);
}

Result<MemoryType> TypeOf(Stmt& s, int col) {
  Result<MemoryType> type = ParseMemoryType(s.ColumnText(col));
  if (!type.ok()) return Status::Corruption("a memory has an unknown type");
  return type;
}

}  // namespace

Result<std::vector<OwnerCount>> SqliteTransaction::ListOwners(Timestamp now, std::string_view after,
                                                              size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT owner_id, sum(superseded_by IS NULL AND (expires_at IS NULL"
                             " OR expires_at > ?1)) FROM memories WHERE deleted_at IS NULL"
                             " AND owner_id > ?2 GROUP BY owner_id ORDER BY owner_id LIMIT ?3"));
  s->Bind(1, now);
  s->Bind(2, after);
  s->Bind(3, static_cast<int64_t>(limit));
  std::vector<OwnerCount> out;
  Status st;
  while (s->Step(&st)) out.push_back({s->ColumnText(0), s->ColumnInt(1)});
  if (!st.ok()) return st;
  return out;
}

Result<MemoryStats> SqliteTransaction::MemoryStatsOf(const MemoryStatsQuery& q) {
  MemoryStats out;
  Status st;
  {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare("SELECT type, superseded_by IS NULL, count(*)" ENGRAM_STATS_WHERE
                               " GROUP BY 1, 2"));
    BindStats(*s, q);
    while (s->Step(&st)) {
      ENGRAM_ASSIGN_OR_RETURN(MemoryType type, TypeOf(*s, 0));
      if (s->ColumnInt(1) != 0) {
        out.live_by_type.emplace_back(type, s->ColumnInt(2));
      } else {
        out.superseded += s->ColumnInt(2);
      }
    }
    if (!st.ok()) return st;
  }
  {
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare(
                    "SELECT (created_at - ?4) / 86400000 AS day, type, count(*)" ENGRAM_STATS_WHERE
                    " AND created_at >= ?4 AND created_at < ?5"
                    " GROUP BY day, type ORDER BY day, type"));
    BindStats(*s, q);
    s->Bind(4, q.added_from);
    s->Bind(5, q.added_until);
    while (s->Step(&st)) {
      ENGRAM_ASSIGN_OR_RETURN(MemoryType type, TypeOf(*s, 1));
      out.added.push_back({s->ColumnInt(0), type, s->ColumnInt(2)});
    }
    if (!st.ok()) return st;
  }
  {
    // A record's bucket: how many bounds its age is above.
    ENGRAM_ASSIGN_OR_RETURN(
        auto s, conn_->Prepare(
                    "SELECT (SELECT count(*) FROM json_each(?4)"
                    " WHERE value < max(0, ?3 - created_at)) AS bucket, count(*)" ENGRAM_STATS_WHERE
                    " AND superseded_by IS NULL GROUP BY bucket"));
    BindStats(*s, q);
    s->Bind(4, nlohmann::json(q.age_bounds).dump());
    out.by_age.assign(q.age_bounds.size() + 1, 0);
    while (s->Step(&st)) {
      const int64_t bucket = s->ColumnInt(0);
      if (bucket >= 0 && static_cast<size_t>(bucket) < out.by_age.size()) {
        out.by_age[static_cast<size_t>(bucket)] = s->ColumnInt(1);
      }
    }
    if (!st.ok()) return st;
  }
  return out;
}

#undef ENGRAM_STATS_WHERE

}  // namespace engram::store::sqlite
