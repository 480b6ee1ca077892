#include <nlohmann/json.hpp>

#include "store/sqlite/transaction.h"

namespace engram::store::sqlite {

namespace {

#define ENGRAM_MEMORY_COLUMNS                                                                      \
  "id, owner_id, scope, agent_id, session_id, type, key, text, data, metadata, source, "           \
  "confidence, created_at, updated_at, valid_from, valid_to, last_verified_at, last_accessed_at, " \
  "access_count, expires_at, superseded_by, deleted_at"

// Reads the ENGRAM_MEMORY_COLUMNS that start at column `first`.
Result<MemoryRecord> ReadMemory(const Stmt& stmt, int first = 0) {
  const sqlite::ColumnReader s(stmt, first);
  MemoryRecord r;
  r.id = s.ColumnText(0);
  r.owner_id = s.ColumnText(1);
  r.scope = s.ColumnText(2);
  r.agent_id = s.ColumnText(3);
  r.session_id = s.ColumnText(4);
  Result<MemoryType> type = ParseMemoryType(s.ColumnText(5));
  if (!type.ok()) return Status::Corruption("memory " + r.id + ": " + type.status().message());
  r.type = *type;
  r.key = s.ColumnText(6);
  r.text = s.ColumnText(7);
  r.data = s.ColumnText(8);
  r.metadata = s.ColumnText(9);
  r.source = s.ColumnText(10);
  r.confidence = s.ColumnDouble(11);
  r.created_at = s.ColumnInt(12);
  r.updated_at = s.ColumnInt(13);
  r.valid_from = s.ColumnOptionalInt(14);
  r.valid_to = s.ColumnOptionalInt(15);
  r.last_verified_at = s.ColumnOptionalInt(16);
  r.last_accessed_at = s.ColumnOptionalInt(17);
  r.access_count = s.ColumnInt(18);
  r.expires_at = s.ColumnOptionalInt(19);
  r.superseded_by = s.ColumnText(20);
  r.deleted_at = s.ColumnOptionalInt(21);
  return r;
}

// Binds the 22 memory columns in ENGRAM_MEMORY_COLUMNS order, starting at position 1.
void BindMemory(Stmt& s, const MemoryRecord& r) {
  s.Bind(1, r.id);
  s.Bind(2, r.owner_id);
  s.Bind(3, r.scope);
  s.BindOptional(4, r.agent_id);
  s.BindOptional(5, r.session_id);
  s.Bind(6, std::string_view(MemoryTypeName(r.type)));
  s.BindOptional(7, r.key);
  s.Bind(8, r.text);
  s.Bind(9, r.data);
  s.Bind(10, r.metadata);
  s.BindOptional(11, r.source);
  s.Bind(12, r.confidence);
  s.Bind(13, r.created_at);
  s.Bind(14, r.updated_at);
  s.BindOptional(15, r.valid_from);
  s.BindOptional(16, r.valid_to);
  s.BindOptional(17, r.last_verified_at);
  s.BindOptional(18, r.last_accessed_at);
  s.Bind(19, r.access_count);
  s.BindOptional(20, r.expires_at);
  s.BindOptional(21, r.superseded_by);
  s.BindOptional(22, r.deleted_at);
}

// The filter of a MemoryQuery; parameters ?1..?16 as bound by BindMemoryQuery (?13: limit).
#define ENGRAM_MEMORY_QUERY_WHERE                                             \
  "owner_id = ?1 AND deleted_at IS NULL"                                      \
  " AND (?2 IS NULL OR scope IN (SELECT value FROM json_each(?2)))"           \
  " AND (?3 IS NULL OR type = ?3) AND (?4 IS NULL OR key = ?4)"               \
  " AND (?5 IS NULL OR session_id = ?5) AND (?6 IS NULL OR agent_id = ?6)"    \
  " AND (?7 IS NULL OR created_at >= ?7) AND (?8 IS NULL OR created_at < ?8)" \
  " AND (?9 OR superseded_by IS NULL OR ?15 IS NOT NULL)"                     \
  " AND (?15 IS NULL OR (coalesce(valid_from, created_at) <= ?15"             \
  " AND (valid_to IS NULL OR valid_to > ?15)))"                               \
  " AND (?10 IS NULL OR expires_at IS NULL OR expires_at > ?10)"              \
  " AND (?11 IS NULL OR created_at < ?11 OR (created_at = ?11 AND id < ?12))" \
  " AND (?14 IS NULL OR content_hash = ?14) AND (?16 IS NULL OR claim_hash = ?16)"

// ListMemories' statement. The general filter's "(?N IS NULL OR col = ?N)" terms hide the
// indexes from the planner, which then walks the owner's time index to avoid a sort, reading
// every row of the owner for a lookup by hash or key (every write makes such lookups). A leading
// plain equality and a "+" that keeps the time index out of the ORDER BY let it use the right
// index; those lookups return a few rows, so the sort costs nothing.
const char* ListMemoriesSql(const MemoryQuery& q) {
#define ENGRAM_LIST_MEMORIES(lead, order)                                                \
  "SELECT " ENGRAM_MEMORY_COLUMNS " FROM memories WHERE " lead ENGRAM_MEMORY_QUERY_WHERE \
  " ORDER BY " order "created_at DESC, id DESC LIMIT ?13"
  if (q.claim_hash) return ENGRAM_LIST_MEMORIES("claim_hash = ?16 AND ", "+");
  if (q.content_hash) return ENGRAM_LIST_MEMORIES("content_hash = ?14 AND ", "+");
  if (q.key) return ENGRAM_LIST_MEMORIES("key = ?4 AND ", "+");
  return ENGRAM_LIST_MEMORIES("", "");
#undef ENGRAM_LIST_MEMORIES
}

// The rows of a "SELECT rid, " ENGRAM_MEMORY_COLUMNS statement.
Result<std::vector<std::pair<int64_t, MemoryRecord>>> ReadRidsAndMemories(Stmt& s) {
  std::vector<std::pair<int64_t, MemoryRecord>> out;
  Status st;
  while (s.Step(&st)) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(s, 1));
    out.emplace_back(s.ColumnInt(0), std::move(r));
  }
  if (!st.ok()) return st;
  return out;
}

#define ENGRAM_HISTORY_COLUMNS \
  "seq, memory_id, owner_id, event, actor, reason, old_value, new_value, at"

// The rows of a "SELECT " ENGRAM_HISTORY_COLUMNS statement.
Result<std::vector<HistoryEvent>> ReadHistory(Stmt& s) {
  std::vector<HistoryEvent> out;
  Status st;
  while (s.Step(&st)) {
    HistoryEvent e;
    e.seq = s.ColumnInt(0);
    e.memory_id = s.ColumnText(1);
    e.owner_id = s.ColumnText(2);
    Result<HistoryEventType> type = ParseHistoryEventType(s.ColumnText(3));
    if (!type.ok()) return Status::Corruption("history row: " + type.status().message());
    e.event = *type;
    e.actor = s.ColumnText(4);
    e.reason = s.ColumnText(5);
    e.old_value = s.ColumnText(6);
    e.new_value = s.ColumnText(7);
    e.at = s.ColumnInt(8);
    out.push_back(std::move(e));
  }
  if (!st.ok()) return st;
  return out;
}

void BindMemoryQuery(Stmt& s, const MemoryQuery& q) {
  s.Bind(1, q.owner_id);
  if (q.scopes.empty()) {
    s.BindNull(2);
  } else {
    s.Bind(2, nlohmann::json(q.scopes).dump());
  }
  if (q.type) {
    s.Bind(3, std::string_view(MemoryTypeName(*q.type)));
  } else {
    s.BindNull(3);
  }
  q.key ? s.Bind(4, *q.key) : s.BindNull(4);
  q.session_id ? s.Bind(5, *q.session_id) : s.BindNull(5);
  q.agent_id ? s.Bind(6, *q.agent_id) : s.BindNull(6);
  s.BindOptional(7, q.created_from);
  s.BindOptional(8, q.created_until);
  s.Bind(9, int64_t{q.include_superseded ? 1 : 0});
  s.BindOptional(10, q.live_at);
  s.BindOptional(11, q.before_created_at);
  s.Bind(12, q.before_id);
  s.Bind(13, static_cast<int64_t>(q.limit));
  q.content_hash ? s.Bind(14, *q.content_hash) : s.BindNull(14);
  q.claim_hash ? s.Bind(16, *q.claim_hash) : s.BindNull(16);
  s.BindOptional(15, q.valid_at);
}

}  // namespace

Result<std::optional<MemoryRecord>> SqliteTransaction::GetMemory(std::string_view owner_id,
                                                                 std::string_view id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT " ENGRAM_MEMORY_COLUMNS
                                                 " FROM memories WHERE id = ?1 AND owner_id = ?2"));
  s->Bind(1, id);
  s->Bind(2, owner_id);
  Status st;
  if (!s->Step(&st)) {
    if (!st.ok()) return st;
    return std::optional<MemoryRecord>();
  }
  ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(*s));
  return std::optional<MemoryRecord>(std::move(r));
}

Result<std::vector<MemoryRecord>> SqliteTransaction::ListMemories(const MemoryQuery& q) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare(ListMemoriesSql(q)));
  BindMemoryQuery(*s, q);
  std::vector<MemoryRecord> out;
  Status st;
  while (s->Step(&st)) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(*s));
    out.push_back(std::move(r));
  }
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::vector<MemoryRecord>>> SqliteTransaction::ListMemoriesEach(
    std::span<const MemoryQuery> queries) {
  // In-process: one query after the other costs no round trip.
  std::vector<std::vector<MemoryRecord>> out;
  for (const MemoryQuery& q : queries) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> rows, ListMemories(q));
    out.push_back(std::move(rows));
  }
  return out;
}

Result<int64_t> SqliteTransaction::CountMemories(const MemoryQuery& q) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT count(*) FROM memories WHERE " ENGRAM_MEMORY_QUERY_WHERE));
  BindMemoryQuery(*s, q);
  return SingleInt(*s);
}

Result<std::vector<std::pair<MemoryType, int64_t>>> SqliteTransaction::CountLiveByType(
    Timestamp now) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT type, count(*) FROM memories WHERE deleted_at IS NULL"
                             " AND superseded_by IS NULL"
                             " AND (expires_at IS NULL OR expires_at > ?1) GROUP BY type"));
  s->Bind(1, now);
  std::vector<std::pair<MemoryType, int64_t>> out;
  Status st;
  while (s->Step(&st)) {
    Result<MemoryType> type = ParseMemoryType(s->ColumnText(0));
    if (!type.ok()) return Status::Corruption("a memory has an unknown type");
    out.emplace_back(*type, s->ColumnInt(1));
  }
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::pair<int64_t, MemoryRecord>>> SqliteTransaction::ListExpired(Timestamp now,
                                                                                     size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT rid, " ENGRAM_MEMORY_COLUMNS
                             " FROM memories WHERE expires_at <= ?1 AND deleted_at IS NULL"
                             " ORDER BY expires_at, rid LIMIT ?2"));
  s->Bind(1, now);
  s->Bind(2, static_cast<int64_t>(limit));
  return ReadRidsAndMemories(*s);
}

Result<int64_t> SqliteTransaction::EraseMemory(std::string_view owner_id, std::string_view id,
                                               bool erase_history) {
  ENGRAM_ASSIGN_OR_RETURN(auto s,
                          conn_->Prepare("DELETE FROM memories WHERE owner_id = ?1 AND id = ?2"));
  s->Bind(1, owner_id);
  s->Bind(2, id);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  if (!erase_history) return int64_t{0};
  ENGRAM_ASSIGN_OR_RETURN(
      auto h, conn_->Prepare("DELETE FROM memory_history WHERE owner_id = ?1 AND memory_id = ?2"));
  h->Bind(1, owner_id);
  h->Bind(2, id);
  ENGRAM_RETURN_IF_ERROR(h->Run());
  return conn_->Changes();
}

Result<int64_t> SqliteTransaction::InsertMemory(const MemoryRecord& r, const TextHashes& hashes) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s,
      conn_->Prepare("INSERT INTO memories (" ENGRAM_MEMORY_COLUMNS
                     ", content_hash, claim_hash, change_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
                     " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,"
                     " ?23, ?24, " ENGRAM_CHANGE_COUNTER ")"));
  BindMemory(*s, r);
  s->Bind(23, hashes.content);
  s->Bind(24, hashes.claim);
  Status st = s->Run();
  if (st.code() == Status::Code::kAlreadyExists) {
    return Status::AlreadyExists("memory id " + r.id + " already exists");
  }
  if (!st.ok()) return st;
  return conn_->LastInsertRowid();
}

Result<int64_t> SqliteTransaction::MemoryRid(std::string_view owner_id, std::string_view id) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT rid FROM memories WHERE id = ?1 AND owner_id = ?2"));
  s->Bind(1, id);
  s->Bind(2, owner_id);
  Status st;
  if (!s->Step(&st)) {
    return st.ok() ? Status::NotFound("memory " + std::string(id) + " not found") : st;
  }
  return s->ColumnInt(0);
}

Result<std::vector<int64_t>> SqliteTransaction::SessionRids(std::string_view owner_id,
                                                            std::string_view session_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT rid FROM memories WHERE owner_id = ?1 AND session_id = ?2"
                             " AND deleted_at IS NULL"));
  s->Bind(1, owner_id);
  s->Bind(2, session_id);
  std::vector<int64_t> out;
  Status st;
  while (s->Step(&st)) out.push_back(s->ColumnInt(0));
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::pair<int64_t, MemoryRecord>>> SqliteTransaction::GetMemoriesByRid(
    std::string_view owner_id, const std::vector<int64_t>& rids) {
  // "+owner_id" keeps the planner on the rid primary key: through the owner index it would
  // read every row of the owner (86% of a search's time at 30k records).
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT rid, " ENGRAM_MEMORY_COLUMNS
                             " FROM memories WHERE rid IN (SELECT value FROM json_each(?1))"
                             " AND +owner_id = ?2 AND deleted_at IS NULL"));
  s->Bind(1, nlohmann::json(rids).dump());
  s->Bind(2, owner_id);
  return ReadRidsAndMemories(*s);
}

Result<int64_t> SqliteTransaction::ChangeCounter() {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT CAST(value AS INTEGER) FROM store_meta"
                                                 " WHERE name = 'change_counter'"));
  return SingleInt(*s);
}

Result<int64_t> SqliteTransaction::BumpChangeCounter() {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("UPDATE store_meta SET value = CAST(value AS INTEGER) + 1"
                             " WHERE name = 'change_counter' RETURNING CAST(value AS INTEGER)"));
  return SingleInt(*s);
}

Result<std::optional<std::string>> SqliteTransaction::GetMeta(std::string_view name) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT value FROM store_meta WHERE name = ?1"));
  s->Bind(1, name);
  Status st;
  if (!s->Step(&st)) {
    if (!st.ok()) return st;
    return std::optional<std::string>();
  }
  return std::optional<std::string>(s->ColumnText(0));
}

Status SqliteTransaction::PutMeta(std::string_view name, std::string_view value) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("INSERT OR REPLACE INTO store_meta(name, value) VALUES (?1, ?2)"));
  s->Bind(1, name);
  s->Bind(2, value);
  return s->Run();
}

Status SqliteTransaction::ReplaceMemory(const MemoryRecord& r, const TextHashes& hashes) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s,
      conn_->Prepare("UPDATE memories SET scope = ?3, agent_id = ?4, session_id = ?5, type = ?6,"
                     " key = ?7, text = ?8, data = ?9, metadata = ?10, source = ?11,"
                     " confidence = ?12, created_at = ?13, updated_at = ?14, valid_from = ?15,"
                     " valid_to = ?16, last_verified_at = ?17, last_accessed_at = ?18,"
                     " access_count = ?19, expires_at = ?20, superseded_by = ?21, deleted_at = ?22,"
                     " content_hash = ?23, claim_hash = ?24, change_seq = " ENGRAM_CHANGE_COUNTER
                     " WHERE id = ?1 AND owner_id = ?2"));
  BindMemory(*s, r);
  s->Bind(23, hashes.content);
  s->Bind(24, hashes.claim);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  if (conn_->Changes() == 0) return Status::NotFound("memory " + r.id + " not found");
  return Status::Ok();
}

Status SqliteTransaction::AppendHistory(const HistoryEvent& e) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("INSERT INTO memory_history (memory_id, owner_id, event, actor,"
                             " reason, old_value, new_value, at)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  s->Bind(1, e.memory_id);
  s->Bind(2, e.owner_id);
  s->Bind(3, HistoryEventTypeName(e.event));
  s->BindOptional(4, e.actor);
  s->BindOptional(5, e.reason);
  s->BindOptional(6, e.old_value);
  s->BindOptional(7, e.new_value);
  s->Bind(8, e.at);
  return s->Run();
}

Result<std::vector<std::string>> SqliteTransaction::SnapshotsAsOf(std::string_view owner_id,
                                                                  Timestamp at) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT coalesce(h.new_value, '') FROM memory_history h"
                             " JOIN (SELECT memory_id, max(seq) AS seq FROM memory_history"
                             " WHERE owner_id = ?1 AND at <= ?2 GROUP BY memory_id) last"
                             " ON h.seq = last.seq"));
  s->Bind(1, owner_id);
  s->Bind(2, at);
  std::vector<std::string> out;
  Status st;
  while (s->Step(&st)) out.push_back(s->ColumnText(0));
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<HistoryEvent>> SqliteTransaction::GetHistory(std::string_view owner_id,
                                                                std::string_view memory_id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s,
                          conn_->Prepare("SELECT " ENGRAM_HISTORY_COLUMNS " FROM memory_history"
                                         " WHERE owner_id = ?1 AND memory_id = ?2 ORDER BY seq"));
  s->Bind(1, owner_id);
  s->Bind(2, memory_id);
  return ReadHistory(*s);
}

Result<std::vector<std::string>> SqliteTransaction::ListAllOwners() {
  ENGRAM_ASSIGN_OR_RETURN(auto s,
                          conn_->Prepare("SELECT owner_id FROM memories UNION"
                                         " SELECT owner_id FROM memory_history ORDER BY 1"));
  std::vector<std::string> out;
  Status st;
  while (s->Step(&st)) out.push_back(s->ColumnText(0));
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::pair<int64_t, MemoryRecord>>> SqliteTransaction::ListAllMemories(
    std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT rid, " ENGRAM_MEMORY_COLUMNS
                                                 " FROM memories WHERE owner_id = ?1"
                                                 " ORDER BY created_at, id"));
  s->Bind(1, owner_id);
  return ReadRidsAndMemories(*s);
}

Result<std::vector<HistoryEvent>> SqliteTransaction::GetOwnerHistory(std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT " ENGRAM_HISTORY_COLUMNS
                                                 " FROM memory_history WHERE owner_id = ?1"
                                                 " ORDER BY seq"));
  s->Bind(1, owner_id);
  return ReadHistory(*s);
}

Result<ForgetReport> SqliteTransaction::DeleteOwner(std::string_view owner_id) {
  ForgetReport report;
  ENGRAM_ASSIGN_OR_RETURN(
      report.memories,
      DeleteWhereOwner(*conn_, "DELETE FROM memories WHERE owner_id = ?1", owner_id));
  ENGRAM_ASSIGN_OR_RETURN(
      report.history_events,
      DeleteWhereOwner(*conn_, "DELETE FROM memory_history WHERE owner_id = ?1", owner_id));
  return report;
}

}  // namespace engram::store::sqlite
