#include "store/sqlite/transaction.h"

namespace engram::store::sqlite {

namespace {

Result<SessionItem> ReadSessionItem(const Stmt& s) {
  SessionItem item;
  item.seq = s.ColumnInt(0);
  Result<Role> role = ParseRole(s.ColumnText(1));
  if (!role.ok()) return Status::Corruption("session item: " + role.status().message());
  item.role = *role;
  item.content = s.ColumnText(2);
  item.tool_calls = s.ColumnText(3);
  item.tool_call_id = s.ColumnText(4);
  item.created_at = s.ColumnInt(5);
  return item;
}

}  // namespace

Result<int64_t> SqliteSessionTransaction::LastSessionSeq(std::string_view owner_id,
                                                         std::string_view session_id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT coalesce(max(seq), 0) FROM session_items"
                                                 " WHERE owner_id = ?1 AND session_id = ?2"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  return SingleInt(*s);
}

Result<int64_t> SqliteSessionTransaction::NthLastSessionSeq(std::string_view owner_id,
                                                            std::string_view session_id, size_t n,
                                                            std::optional<Role> role) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT coalesce((SELECT seq FROM session_items"
                                                 " WHERE owner_id = ?1 AND session_id = ?2"
                                                 " AND (?3 IS NULL OR role = ?3)"
                                                 " ORDER BY seq DESC LIMIT 1 OFFSET ?4), 0)"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  if (role) {
    s->Bind(3, std::string_view(RoleName(*role)));
  } else {
    s->BindNull(3);
  }
  s->Bind(4, static_cast<int64_t>(n) - 1);
  return SingleInt(*s);
}

Result<int64_t> SqliteSessionTransaction::PrecedingNonToolSeq(std::string_view owner_id,
                                                              std::string_view session_id,
                                                              int64_t seq) {
  ENGRAM_ASSIGN_OR_RETURN(auto s,
                          conn_->Prepare("SELECT coalesce(max(seq), 0) FROM session_items"
                                         " WHERE owner_id = ?1 AND session_id = ?2 AND seq < ?3"
                                         " AND role <> 'tool'"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  s->Bind(3, seq);
  return SingleInt(*s);
}

Status SqliteSessionTransaction::AppendSessionItems(std::string_view owner_id,
                                                    std::string_view session_id,
                                                    const std::vector<SessionItem>& items) {
  if (items.empty()) return Status::Ok();
  ENGRAM_ASSIGN_OR_RETURN(
      auto upsert,
      conn_->Prepare("INSERT INTO sessions (owner_id, session_id, created_at, updated_at)"
                     " VALUES (?1, ?2, ?3, ?3) ON CONFLICT (owner_id, session_id)"
                     " DO UPDATE SET updated_at = excluded.updated_at"));
  upsert->Bind(1, owner_id);
  upsert->Bind(2, session_id);
  upsert->Bind(3, items.back().created_at);
  ENGRAM_RETURN_IF_ERROR(upsert->Run());
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("INSERT INTO session_items (owner_id, session_id, seq, role,"
                             " content, tool_calls, tool_call_id, created_at)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  for (const SessionItem& item : items) {
    s->Bind(1, owner_id);
    s->Bind(2, session_id);
    s->Bind(3, item.seq);
    s->Bind(4, std::string_view(RoleName(item.role)));
    s->Bind(5, item.content);
    s->BindOptional(6, item.tool_calls);
    s->BindOptional(7, item.tool_call_id);
    s->Bind(8, item.created_at);
    Status st = s->Run();
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Result<std::vector<SessionItem>> SqliteSessionTransaction::GetSessionItems(
    std::string_view owner_id, std::string_view session_id, int64_t from_seq) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT seq, role, content, tool_calls, tool_call_id, created_at"
                             " FROM session_items WHERE owner_id = ?1 AND session_id = ?2"
                             " AND seq >= ?3 ORDER BY seq"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  s->Bind(3, from_seq);
  std::vector<SessionItem> out;
  Status st;
  while (s->Step(&st)) {
    ENGRAM_ASSIGN_OR_RETURN(SessionItem item, ReadSessionItem(*s));
    out.push_back(std::move(item));
  }
  if (!st.ok()) return st;
  return out;
}

Result<int64_t> SqliteSessionTransaction::DeleteSessionItems(std::string_view owner_id,
                                                             std::string_view session_id,
                                                             int64_t from_seq) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("DELETE FROM session_items WHERE owner_id = ?1"
                                                 " AND session_id = ?2 AND seq >= ?3"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  s->Bind(3, from_seq);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  return conn_->Changes();
}

Result<std::optional<SessionSummary>> SqliteSessionTransaction::GetSessionSummary(
    std::string_view owner_id, std::string_view session_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT summary, summary_updated_at, summary_through_seq FROM sessions"
                             " WHERE owner_id = ?1 AND session_id = ?2 AND summary IS NOT NULL"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  Status st;
  if (!s->Step(&st)) {
    if (!st.ok()) return st;
    return std::optional<SessionSummary>();
  }
  return std::optional<SessionSummary>(
      SessionSummary{s->ColumnText(0), s->ColumnInt(1), s->ColumnInt(2)});
}

Status SqliteSessionTransaction::PutSessionSummary(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   const SessionSummary& summary) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s,
      conn_->Prepare("INSERT INTO sessions (owner_id, session_id, created_at, updated_at,"
                     " summary, summary_updated_at, summary_through_seq)"
                     " VALUES (?1, ?2, ?3, ?3, ?4, ?3, ?5)"
                     " ON CONFLICT (owner_id, session_id) DO UPDATE SET"
                     " summary = excluded.summary, summary_updated_at = excluded.updated_at,"
                     " summary_through_seq = excluded.summary_through_seq,"
                     " updated_at = excluded.updated_at"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  s->Bind(3, summary.updated_at);
  s->Bind(4, summary.text);
  s->Bind(5, summary.through_seq);
  return s->Run();
}

Result<std::vector<OwnerItem>> SqliteSessionTransaction::RecentOwnerItems(std::string_view owner_id,
                                                                          size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT seq, role, content, tool_calls, tool_call_id, created_at,"
                             " session_id FROM session_items WHERE owner_id = ?1"
                             " ORDER BY created_at DESC, session_id DESC, seq DESC LIMIT ?2"));
  s->Bind(1, owner_id);
  s->Bind(2, static_cast<int64_t>(limit));
  std::vector<OwnerItem> out;
  Status st;
  while (s->Step(&st)) {
    OwnerItem item;
    ENGRAM_ASSIGN_OR_RETURN(item.item, ReadSessionItem(*s));
    item.session_id = s->ColumnText(6);
    out.push_back(std::move(item));
  }
  if (!st.ok()) return st;
  return out;
}

Result<std::optional<SessionInfo>> SqliteSessionTransaction::LastActiveSession(
    std::string_view owner_id, std::string_view except) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s,
      conn_->Prepare("SELECT s.session_id, coalesce(min(i.created_at), s.created_at),"
                     " coalesce(max(i.created_at), s.updated_at) AS last, count(i.seq)"
                     " FROM sessions AS s LEFT JOIN session_items AS i"
                     " ON i.owner_id = s.owner_id AND i.session_id = s.session_id"
                     " WHERE s.owner_id = ?1 AND s.session_id <> ?2"
                     " GROUP BY s.session_id ORDER BY last DESC, s.session_id DESC LIMIT 1"));
  s->Bind(1, owner_id);
  s->Bind(2, except);
  Status st;
  if (!s->Step(&st)) {
    if (!st.ok()) return st;
    return std::optional<SessionInfo>();
  }
  SessionInfo info;
  info.session_id = s->ColumnText(0);
  info.started_at = s->ColumnInt(1);
  info.last_active_at = s->ColumnInt(2);
  info.items = s->ColumnInt(3);
  return std::optional<SessionInfo>(std::move(info));
}

Result<int64_t> SqliteSessionTransaction::DeleteSessionItemsBefore(Timestamp cutoff) {
  ENGRAM_ASSIGN_OR_RETURN(auto old,
                          conn_->Prepare("DELETE FROM session_items WHERE created_at < ?1"));
  old->Bind(1, cutoff);
  ENGRAM_RETURN_IF_ERROR(old->Run());
  int64_t removed = conn_->Changes();
  // A tool result whose call was removed would start the session with an orphan, which the
  // providers' APIs reject.
  ENGRAM_ASSIGN_OR_RETURN(
      auto orphans,
      conn_->Prepare("DELETE FROM session_items AS t WHERE t.role = 'tool' AND t.seq <"
                     " coalesce((SELECT min(seq) FROM session_items AS o"
                     " WHERE o.owner_id = t.owner_id AND o.session_id = t.session_id"
                     " AND o.role <> 'tool'), 9223372036854775807)"));
  ENGRAM_RETURN_IF_ERROR(orphans->Run());
  return removed + conn_->Changes();
}

Result<int64_t> SqliteSessionTransaction::DeleteSession(std::string_view owner_id,
                                                        std::string_view session_id) {
  ENGRAM_ASSIGN_OR_RETURN(int64_t removed, DeleteSessionItems(owner_id, session_id, 0));
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("DELETE FROM sessions WHERE owner_id = ?1 AND session_id = ?2"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  return removed;
}

Result<ForgetReport> SqliteSessionTransaction::DeleteOwnerSessions(std::string_view owner_id) {
  ForgetReport report;
  ENGRAM_ASSIGN_OR_RETURN(
      report.session_items,
      DeleteWhereOwner(*conn_, "DELETE FROM session_items WHERE owner_id = ?1", owner_id));
  ENGRAM_ASSIGN_OR_RETURN(
      report.sessions,
      DeleteWhereOwner(*conn_, "DELETE FROM sessions WHERE owner_id = ?1", owner_id));
  return report;
}

Result<std::vector<std::string>> SqliteSessionTransaction::ListSessionOwners() {
  ENGRAM_ASSIGN_OR_RETURN(auto s,
                          conn_->Prepare("SELECT DISTINCT owner_id FROM sessions ORDER BY 1"));
  std::vector<std::string> out;
  Status st;
  while (s->Step(&st)) out.push_back(s->ColumnText(0));
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<SessionInfo>> SqliteSessionTransaction::ListSessions(std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT s.session_id, coalesce(min(i.created_at), s.created_at),"
                             " coalesce(max(i.created_at), s.updated_at), count(i.seq), s.summary,"
                             " s.summary_updated_at, s.summary_through_seq"
                             " FROM sessions AS s LEFT JOIN session_items AS i"
                             " ON i.owner_id = s.owner_id AND i.session_id = s.session_id"
                             " WHERE s.owner_id = ?1 GROUP BY s.session_id ORDER BY s.session_id"));
  s->Bind(1, owner_id);
  std::vector<SessionInfo> out;
  Status st;
  while (s->Step(&st)) {
    SessionInfo info;
    info.session_id = s->ColumnText(0);
    info.started_at = s->ColumnInt(1);
    info.last_active_at = s->ColumnInt(2);
    info.items = s->ColumnInt(3);
    if (!s->ColumnIsNull(4)) {
      info.summary = SessionSummary{s->ColumnText(4), s->ColumnInt(5), s->ColumnInt(6)};
    }
    out.push_back(std::move(info));
  }
  if (!st.ok()) return st;
  return out;
}

}  // namespace engram::store::sqlite
