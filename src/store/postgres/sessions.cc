// PgTransaction: session items, rolling summaries and the owner's recent activity.
#include "store/postgres/transaction.h"

namespace engram::store::pg {

namespace {

#define ENGRAM_PG_ITEM_COLUMNS "seq, role, content, tool_calls, tool_call_id, created_at"

Result<SessionItem> ReadSessionItem(const Rows& rows, int i) {
  SessionItem item;
  item.seq = rows.Int(i, 0);
  Result<Role> role = ParseRole(rows.Text(i, 1));
  if (!role.ok()) return Status::Corruption("session item: " + role.status().message());
  item.role = *role;
  item.content = rows.Text(i, 2);
  item.tool_calls = rows.Text(i, 3);
  item.tool_call_id = rows.Text(i, 4);
  item.created_at = rows.Int(i, 5);
  return item;
}

}  // namespace

Result<int64_t> PgSessionTransaction::LastSessionSeq(std::string_view owner_id,
                                                     std::string_view session_id) {
  return SingleInt(
      "SELECT coalesce(max(seq), 0) FROM session_items"
      " WHERE owner_id = $1 AND session_id = $2",
      {P(owner_id), P(session_id)});
}

Result<int64_t> PgSessionTransaction::NthLastSessionSeq(std::string_view owner_id,
                                                        std::string_view session_id, size_t n,
                                                        std::optional<Role> role) {
  return SingleInt(
      "SELECT coalesce((SELECT seq FROM session_items"
      " WHERE owner_id = $1 AND session_id = $2 AND ($3::text IS NULL OR role = $3)"
      " ORDER BY seq DESC LIMIT 1 OFFSET $4), 0)",
      {P(owner_id), P(session_id), role ? P(RoleName(*role)) : Param(),
       P(static_cast<int64_t>(n) - 1)});
}

Result<int64_t> PgSessionTransaction::PrecedingNonToolSeq(std::string_view owner_id,
                                                          std::string_view session_id,
                                                          int64_t seq) {
  return SingleInt(
      "SELECT coalesce(max(seq), 0) FROM session_items WHERE owner_id = $1"
      " AND session_id = $2 AND seq < $3 AND role <> 'tool'",
      {P(owner_id), P(session_id), P(seq)});
}

Status PgSessionTransaction::AppendSessionItems(std::string_view owner_id,
                                                std::string_view session_id,
                                                const std::vector<SessionItem>& items) {
  if (items.empty()) return Status::Ok();
  ENGRAM_RETURN_IF_ERROR(Query("INSERT INTO sessions (owner_id, session_id, created_at,"
                               " updated_at) VALUES ($1, $2, $3, $3)"
                               " ON CONFLICT (owner_id, session_id)"
                               " DO UPDATE SET updated_at = excluded.updated_at",
                               {P(owner_id), P(session_id), P(items.back().created_at)})
                             .status());
  // One statement for the whole batch: the columns as parallel arrays.
  std::vector<int64_t> seqs, times;
  std::vector<std::string> roles, contents, calls, call_ids;
  std::vector<int64_t> has_calls, has_call_ids;
  for (const SessionItem& item : items) {
    seqs.push_back(item.seq);
    roles.emplace_back(RoleName(item.role));
    contents.push_back(item.content);
    calls.push_back(item.tool_calls);
    call_ids.push_back(item.tool_call_id);
    has_calls.push_back(item.tool_calls.empty() ? 0 : 1);
    has_call_ids.push_back(item.tool_call_id.empty() ? 0 : 1);
    times.push_back(item.created_at);
  }
  return Query(
             "INSERT INTO session_items (owner_id, session_id, seq, role, content,"
             " tool_calls, tool_call_id, created_at)"
             " SELECT $1, $2, s, r, c, CASE WHEN hc = 1 THEN tc END,"
             " CASE WHEN hi = 1 THEN ti END, t"
             " FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[],"
             " $8::text[], $9::bigint[], $10::bigint[]) AS x(s, r, c, tc, hc, ti, hi, t)",
             {P(owner_id), P(session_id), IntArray(seqs), TextArray(roles), TextArray(contents),
              TextArray(calls), IntArray(has_calls), TextArray(call_ids), IntArray(has_call_ids),
              IntArray(times)})
      .status();
}

Result<std::vector<SessionItem>> PgSessionTransaction::GetSessionItems(std::string_view owner_id,
                                                                       std::string_view session_id,
                                                                       int64_t from_seq) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT " ENGRAM_PG_ITEM_COLUMNS " FROM session_items"
                       " WHERE owner_id = $1 AND session_id = $2 AND seq >= $3 ORDER BY seq",
                       {P(owner_id), P(session_id), P(from_seq)}));
  std::vector<SessionItem> out;
  for (int i = 0; i < rows.size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(SessionItem item, ReadSessionItem(rows, i));
    out.push_back(std::move(item));
  }
  return out;
}

Result<int64_t> PgSessionTransaction::DeleteSessionItems(std::string_view owner_id,
                                                         std::string_view session_id,
                                                         int64_t from_seq) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("DELETE FROM session_items WHERE owner_id = $1"
                                           " AND session_id = $2 AND seq >= $3",
                                           {P(owner_id), P(session_id), P(from_seq)}));
  return rows.Affected();
}

Result<int64_t> PgSessionTransaction::DeleteSession(std::string_view owner_id,
                                                    std::string_view session_id) {
  ENGRAM_ASSIGN_OR_RETURN(int64_t removed, DeleteSessionItems(owner_id, session_id, 0));
  ENGRAM_RETURN_IF_ERROR(Query("DELETE FROM sessions WHERE owner_id = $1 AND session_id = $2",
                               {P(owner_id), P(session_id)})
                             .status());
  return removed;
}

Result<std::optional<SessionSummary>> PgSessionTransaction::GetSessionSummary(
    std::string_view owner_id, std::string_view session_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT summary, summary_updated_at, summary_through_seq FROM sessions"
                       " WHERE owner_id = $1 AND session_id = $2 AND summary IS NOT NULL",
                       {P(owner_id), P(session_id)}));
  if (rows.size() == 0) return std::optional<SessionSummary>();
  return std::optional<SessionSummary>(
      SessionSummary{rows.Text(0, 0), rows.Int(0, 1), rows.Int(0, 2)});
}

Status PgSessionTransaction::PutSessionSummary(std::string_view owner_id,
                                               std::string_view session_id,
                                               const SessionSummary& summary) {
  return Query(
             "INSERT INTO sessions (owner_id, session_id, created_at, updated_at, summary,"
             " summary_updated_at, summary_through_seq) VALUES ($1, $2, $3, $3, $4, $3, $5)"
             " ON CONFLICT (owner_id, session_id) DO UPDATE SET summary = excluded.summary,"
             " summary_updated_at = excluded.updated_at,"
             " summary_through_seq = excluded.summary_through_seq,"
             " updated_at = excluded.updated_at",
             {P(owner_id), P(session_id), P(summary.updated_at), P(summary.text),
              P(summary.through_seq)})
      .status();
}

Result<std::vector<OwnerItem>> PgSessionTransaction::RecentOwnerItems(std::string_view owner_id,
                                                                      size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT " ENGRAM_PG_ITEM_COLUMNS ", session_id FROM session_items"
                                " WHERE owner_id = $1"
                                " ORDER BY created_at DESC, session_id DESC, seq DESC LIMIT $2",
                                {P(owner_id), P(static_cast<int64_t>(limit))}));
  std::vector<OwnerItem> out;
  for (int i = 0; i < rows.size(); ++i) {
    OwnerItem item;
    ENGRAM_ASSIGN_OR_RETURN(item.item, ReadSessionItem(rows, i));
    item.session_id = rows.Text(i, 6);
    out.push_back(std::move(item));
  }
  return out;
}

Result<std::optional<SessionInfo>> PgSessionTransaction::LastActiveSession(
    std::string_view owner_id, std::string_view except) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT s.session_id, coalesce(min(i.created_at), s.created_at),"
                                " coalesce(max(i.created_at), s.updated_at) AS last, count(i.seq)"
                                " FROM sessions AS s LEFT JOIN session_items AS i"
                                " ON i.owner_id = s.owner_id AND i.session_id = s.session_id"
                                " WHERE s.owner_id = $1 AND s.session_id <> $2"
                                " GROUP BY s.session_id, s.created_at, s.updated_at"
                                " ORDER BY last DESC, s.session_id DESC LIMIT 1",
                                {P(owner_id), P(except)}));
  if (rows.size() == 0) return std::optional<SessionInfo>();
  SessionInfo info;
  info.session_id = rows.Text(0, 0);
  info.started_at = rows.Int(0, 1);
  info.last_active_at = rows.Int(0, 2);
  info.items = rows.Int(0, 3);
  return std::optional<SessionInfo>(std::move(info));
}

Result<int64_t> PgSessionTransaction::DeleteSessionItemsBefore(Timestamp cutoff) {
  ENGRAM_ASSIGN_OR_RETURN(Rows old,
                          Query("DELETE FROM session_items WHERE created_at < $1", {P(cutoff)}));
  // A tool result whose call was removed would start the session with an orphan, which the
  // providers' APIs reject.
  ENGRAM_ASSIGN_OR_RETURN(Rows orphans,
                          Query("DELETE FROM session_items AS t WHERE t.role = 'tool' AND t.seq <"
                                " coalesce((SELECT min(seq) FROM session_items AS o"
                                " WHERE o.owner_id = t.owner_id AND o.session_id = t.session_id"
                                " AND o.role <> 'tool'), 9223372036854775807)"));
  return old.Affected() + orphans.Affected();
}

Result<ForgetReport> PgSessionTransaction::DeleteOwnerSessions(std::string_view owner_id) {
  ForgetReport report;
  ENGRAM_ASSIGN_OR_RETURN(Rows items,
                          Query("DELETE FROM session_items WHERE owner_id = $1", {P(owner_id)}));
  report.session_items = items.Affected();
  ENGRAM_ASSIGN_OR_RETURN(Rows sessions,
                          Query("DELETE FROM sessions WHERE owner_id = $1", {P(owner_id)}));
  report.sessions = sessions.Affected();
  return report;
}

Result<std::vector<std::string>> PgSessionTransaction::ListSessionOwners() {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT DISTINCT owner_id FROM sessions ORDER BY 1", {}));
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Text(i, 0));
  return out;
}

Result<std::vector<SessionInfo>> PgSessionTransaction::ListSessions(std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT s.session_id, coalesce(min(i.created_at), s.created_at),"
                       " coalesce(max(i.created_at), s.updated_at), count(i.seq), s.summary,"
                       " s.summary_updated_at, s.summary_through_seq"
                       " FROM sessions AS s LEFT JOIN session_items AS i"
                       " ON i.owner_id = s.owner_id AND i.session_id = s.session_id"
                       " WHERE s.owner_id = $1 GROUP BY s.session_id, s.created_at, s.updated_at,"
                       " s.summary, s.summary_updated_at, s.summary_through_seq"
                       " ORDER BY s.session_id",
                       {P(owner_id)}));
  std::vector<SessionInfo> out;
  for (int r = 0; r < rows.size(); ++r) {
    SessionInfo info;
    info.session_id = rows.Text(r, 0);
    info.started_at = rows.Int(r, 1);
    info.last_active_at = rows.Int(r, 2);
    info.items = rows.Int(r, 3);
    if (!rows.IsNull(r, 4)) {
      info.summary = SessionSummary{rows.Text(r, 4), rows.Int(r, 5), rows.Int(r, 6)};
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace engram::store::pg
