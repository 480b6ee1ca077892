// PgTransaction: records, history, owner deletion, the change counter and store settings.
#include <nlohmann/json.hpp>

#include "store/postgres/memory_rows.h"
#include "store/postgres/transaction.h"

namespace engram::store::pg {

namespace {

// The filter of a MemoryQuery; parameters $1..$15 as MemoryQueryParams binds them ($16: limit).
#define ENGRAM_PG_MEMORY_QUERY_WHERE                                                    \
  "owner_id = $1 AND deleted_at IS NULL"                                                \
  " AND ($2::text[] IS NULL OR scope = ANY($2::text[]))"                                \
  " AND ($3::text IS NULL OR type = $3::text) AND ($4::text IS NULL OR key = $4::text)" \
  " AND ($5::text IS NULL OR session_id = $5::text)"                                    \
  " AND ($6::text IS NULL OR agent_id = $6::text)"                                      \
  " AND ($7::bigint IS NULL OR created_at >= $7::bigint)"                               \
  " AND ($8::bigint IS NULL OR created_at < $8::bigint)"                                \
  " AND ($9::boolean OR superseded_by IS NULL OR $14::bigint IS NOT NULL)"              \
  " AND ($14::bigint IS NULL OR (coalesce(valid_from, created_at) <= $14::bigint"       \
  " AND (valid_to IS NULL OR valid_to > $14::bigint)))"                                 \
  " AND ($10::bigint IS NULL OR expires_at IS NULL OR expires_at > $10::bigint)"        \
  " AND ($11::bigint IS NULL OR created_at < $11::bigint"                               \
  " OR (created_at = $11::bigint AND id < $12::text))"                                  \
  " AND ($13::text IS NULL OR content_hash = $13::text)"                                \
  " AND ($15::text IS NULL OR claim_hash = $15::text)"

// ListMemories' statement: a leading plain equality for lookups by hash or key, so that even a
// generic plan uses their indexes rather than the owner's time index.
const char* ListMemoriesSql(const MemoryQuery& q) {
#define ENGRAM_PG_LIST_MEMORIES(lead)                                                          \
  "SELECT " ENGRAM_PG_MEMORY_COLUMNS " FROM memories WHERE " lead ENGRAM_PG_MEMORY_QUERY_WHERE \
  " ORDER BY created_at DESC, id DESC LIMIT $16"
  if (q.claim_hash) return ENGRAM_PG_LIST_MEMORIES("claim_hash = $15 AND ");
  if (q.content_hash) return ENGRAM_PG_LIST_MEMORIES("content_hash = $13 AND ");
  if (q.key) return ENGRAM_PG_LIST_MEMORIES("key = $4 AND ");
  return ENGRAM_PG_LIST_MEMORIES("");
#undef ENGRAM_PG_LIST_MEMORIES
}

std::vector<Param> MemoryQueryParams(const MemoryQuery& q) {
  std::vector<Param> p;
  p.push_back(P(q.owner_id));
  p.push_back(q.scopes.empty() ? Param() : TextArray(q.scopes));
  p.push_back(q.type ? P(MemoryTypeName(*q.type)) : Param());
  p.push_back(P(q.key));
  p.push_back(P(q.session_id));
  p.push_back(P(q.agent_id));
  p.push_back(P(q.created_from));
  p.push_back(P(q.created_until));
  p.push_back(std::string(q.include_superseded ? "true" : "false"));
  p.push_back(P(q.live_at));
  p.push_back(P(q.before_created_at));
  p.push_back(P(q.before_id));
  p.push_back(P(q.content_hash));
  p.push_back(P(q.valid_at));
  p.push_back(P(q.claim_hash));
  return p;
}

#define ENGRAM_PG_HISTORY_COLUMNS \
  "seq, memory_id, owner_id, event, actor, reason, old_value, new_value, at"

// The rows of a "SELECT " ENGRAM_PG_HISTORY_COLUMNS statement.
Result<std::vector<HistoryEvent>> ReadHistory(const Rows& rows) {
  std::vector<HistoryEvent> out;
  for (int i = 0; i < rows.size(); ++i) {
    HistoryEvent e;
    e.seq = rows.Int(i, 0);
    e.memory_id = rows.Text(i, 1);
    e.owner_id = rows.Text(i, 2);
    Result<HistoryEventType> type = ParseHistoryEventType(rows.Text(i, 3));
    if (!type.ok()) return Status::Corruption("history row: " + type.status().message());
    e.event = *type;
    e.actor = rows.Text(i, 4);
    e.reason = rows.Text(i, 5);
    e.old_value = rows.Text(i, 6);
    e.new_value = rows.Text(i, 7);
    e.at = rows.Int(i, 8);
    out.push_back(std::move(e));
  }
  return out;
}

// The change counter as the transaction sees it: the number of the write, when it bumped it.
#define ENGRAM_PG_CHANGE_COUNTER \
  "(SELECT value::bigint FROM store_meta WHERE name = 'change_counter')"

}  // namespace

Result<std::optional<MemoryRecord>> PgTransaction::GetMemory(std::string_view owner_id,
                                                             std::string_view id) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT " ENGRAM_PG_MEMORY_COLUMNS " FROM memories"
                                           " WHERE id = $1 AND owner_id = $2",
                                           {P(id), P(owner_id)}));
  if (rows.size() == 0) return std::optional<MemoryRecord>();
  ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(rows, 0, 0));
  return std::optional<MemoryRecord>(std::move(r));
}

Result<std::vector<MemoryRecord>> PgTransaction::ListMemories(const MemoryQuery& q) {
  std::vector<Param> params = MemoryQueryParams(q);
  params.push_back(P(static_cast<int64_t>(q.limit)));
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query(ListMemoriesSql(q), params));
  std::vector<MemoryRecord> out;
  for (int i = 0; i < rows.size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(rows, i, 0));
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<std::vector<MemoryRecord>>> PgTransaction::ListMemoriesEach(
    std::span<const MemoryQuery> queries) {
  std::vector<Statement> statements;
  for (const MemoryQuery& q : queries) {
    std::vector<Param> params = MemoryQueryParams(q);
    params.push_back(P(static_cast<int64_t>(q.limit)));
    statements.push_back({ListMemoriesSql(q), std::move(params)});
  }
  ENGRAM_ASSIGN_OR_RETURN(std::vector<Rows> results, QueryEach(statements));
  std::vector<std::vector<MemoryRecord>> out(results.size());
  for (size_t k = 0; k < results.size(); ++k) {
    for (int i = 0; i < results[k].size(); ++i) {
      ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(results[k], i, 0));
      out[k].push_back(std::move(r));
    }
  }
  return out;
}

Result<int64_t> PgTransaction::CountMemories(const MemoryQuery& q) {
  return SingleInt("SELECT count(*) FROM memories WHERE " ENGRAM_PG_MEMORY_QUERY_WHERE,
                   MemoryQueryParams(q));
}

Result<std::vector<std::pair<MemoryType, int64_t>>> PgTransaction::CountLiveByType(Timestamp now) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT type, count(*) FROM memories WHERE deleted_at IS NULL"
                                " AND superseded_by IS NULL AND (expires_at IS NULL OR"
                                " expires_at > $1) GROUP BY type",
                                {P(now)}));
  std::vector<std::pair<MemoryType, int64_t>> out;
  for (int i = 0; i < rows.size(); ++i) {
    Result<MemoryType> type = ParseMemoryType(rows.Text(i, 0));
    if (!type.ok()) return Status::Corruption("a memory has an unknown type");
    out.emplace_back(*type, rows.Int(i, 1));
  }
  return out;
}

Result<std::vector<std::pair<int64_t, MemoryRecord>>> PgTransaction::ListExpired(Timestamp now,
                                                                                 size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT rid, " ENGRAM_PG_MEMORY_COLUMNS " FROM memories"
                                           " WHERE expires_at <= $1 AND deleted_at IS NULL"
                                           " ORDER BY expires_at, rid LIMIT $2",
                                           {P(now), P(static_cast<int64_t>(limit))}));
  return ReadRidsAndMemories(rows);
}

Result<int64_t> PgTransaction::EraseMemory(std::string_view owner_id, std::string_view id,
                                           bool erase_history) {
  ENGRAM_RETURN_IF_ERROR(
      Query("DELETE FROM memories WHERE owner_id = $1 AND id = $2", {P(owner_id), P(id)}).status());
  if (!erase_history) return int64_t{0};
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("DELETE FROM memory_history WHERE owner_id = $1 AND memory_id = $2",
                                {P(owner_id), P(id)}));
  return rows.Affected();
}

Result<int64_t> PgTransaction::InsertMemory(const MemoryRecord& r, const TextHashes& hashes) {
  std::vector<Param> params = MemoryParams(r);
  params.push_back(hashes.content);
  params.push_back(hashes.claim);
  // ON CONFLICT keeps the transaction alive (an error would abort it) for the caller to go on.
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("INSERT INTO memories (" ENGRAM_PG_MEMORY_COLUMNS ", content_hash, claim_hash,"
            " change_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
            " $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, " ENGRAM_PG_CHANGE_COUNTER ")"
            " ON CONFLICT (id) DO NOTHING RETURNING rid",
            params));
  if (rows.size() == 0) return Status::AlreadyExists("memory id " + r.id + " already exists");
  return rows.Int(0, 0);
}

Result<int64_t> PgTransaction::MemoryRid(std::string_view owner_id, std::string_view id) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("SELECT rid FROM memories WHERE id = $1 AND owner_id = $2", {P(id), P(owner_id)}));
  if (rows.size() == 0) return Status::NotFound("memory " + std::string(id) + " not found");
  return rows.Int(0, 0);
}

Result<std::vector<int64_t>> PgTransaction::SessionRids(std::string_view owner_id,
                                                        std::string_view session_id) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT rid FROM memories WHERE owner_id = $1 AND"
                                           " session_id = $2 AND deleted_at IS NULL",
                                           {P(owner_id), P(session_id)}));
  std::vector<int64_t> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Int(i, 0));
  return out;
}

Result<std::vector<std::pair<int64_t, MemoryRecord>>> PgTransaction::GetMemoriesByRid(
    std::string_view owner_id, const std::vector<int64_t>& rids) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT rid, " ENGRAM_PG_MEMORY_COLUMNS " FROM memories"
                       " WHERE rid = ANY($1::bigint[]) AND owner_id = $2 AND deleted_at IS NULL",
                       {IntArray(rids), P(owner_id)}));
  return ReadRidsAndMemories(rows);
}

Status PgTransaction::ReplaceMemory(const MemoryRecord& r, const TextHashes& hashes) {
  std::vector<Param> params = MemoryParams(r);
  params.push_back(hashes.content);
  params.push_back(hashes.claim);
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      Query("UPDATE memories SET scope = $3, agent_id = $4, session_id = $5, type = $6,"
            " key = $7, text = $8, data = $9, metadata = $10, source = $11, confidence = $12,"
            " created_at = $13, updated_at = $14, valid_from = $15, valid_to = $16,"
            " last_verified_at = $17, last_accessed_at = $18, access_count = $19,"
            " expires_at = $20, superseded_by = $21, deleted_at = $22, content_hash = $23,"
            " claim_hash = $24, change_seq = " ENGRAM_PG_CHANGE_COUNTER
            " WHERE id = $1 AND owner_id = $2",
            params));
  if (rows.Affected() == 0) return Status::NotFound("memory " + r.id + " not found");
  return Status::Ok();
}

Status PgTransaction::AppendHistory(const HistoryEvent& e) {
  // Sent without waiting: it goes with the transaction's next statement (one round trip).
  return Send(
      "INSERT INTO memory_history (memory_id, owner_id, event, actor, reason,"
      " old_value, new_value, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
      {P(e.memory_id), P(e.owner_id), P(HistoryEventTypeName(e.event)), OptionalText(e.actor),
       OptionalText(e.reason), OptionalText(e.old_value), OptionalText(e.new_value), P(e.at)});
}

Result<std::vector<std::string>> PgTransaction::SnapshotsAsOf(std::string_view owner_id,
                                                              Timestamp at) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT DISTINCT ON (memory_id) coalesce(new_value, '')"
                                           " FROM memory_history WHERE owner_id = $1 AND at <= $2"
                                           " ORDER BY memory_id, seq DESC",
                                           {P(owner_id), P(at)}));
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Text(i, 0));
  return out;
}

Result<std::vector<HistoryEvent>> PgTransaction::GetHistory(std::string_view owner_id,
                                                            std::string_view memory_id) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT " ENGRAM_PG_HISTORY_COLUMNS
                                           " FROM memory_history WHERE owner_id = $1"
                                           " AND memory_id = $2 ORDER BY seq",
                                           {P(owner_id), P(memory_id)}));
  return ReadHistory(rows);
}

Result<std::vector<std::string>> PgTransaction::ListAllOwners() {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT owner_id FROM memories UNION SELECT owner_id"
                                           " FROM memory_history ORDER BY 1",
                                           {}));
  std::vector<std::string> out;
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Text(i, 0));
  return out;
}

Result<std::vector<std::pair<int64_t, MemoryRecord>>> PgTransaction::ListAllMemories(
    std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT rid, " ENGRAM_PG_MEMORY_COLUMNS " FROM memories WHERE owner_id = $1"
                       " ORDER BY created_at, id",
                       {P(owner_id)}));
  return ReadRidsAndMemories(rows);
}

Result<std::vector<HistoryEvent>> PgTransaction::GetOwnerHistory(std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT " ENGRAM_PG_HISTORY_COLUMNS
                                           " FROM memory_history WHERE owner_id = $1 ORDER BY seq",
                                           {P(owner_id)}));
  return ReadHistory(rows);
}

Result<ForgetReport> PgTransaction::DeleteOwner(std::string_view owner_id) {
  ForgetReport report;
  auto erase = [&](const char* sql, int64_t* count) -> Status {
    ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query(sql, {P(owner_id)}));
    *count = rows.Affected();
    return Status::Ok();
  };
  ENGRAM_RETURN_IF_ERROR(erase("DELETE FROM memories WHERE owner_id = $1", &report.memories));
  ENGRAM_RETURN_IF_ERROR(
      erase("DELETE FROM memory_history WHERE owner_id = $1", &report.history_events));
  return report;
}

Status PgTransaction::RecordAccess(const std::vector<int64_t>& rids, Timestamp at) {
  return Query(
             "UPDATE memories SET access_count = access_count + hits.n,"
             " last_accessed_at = greatest(coalesce(last_accessed_at, 0), $2)"
             " FROM (SELECT r AS rid, count(*) AS n FROM unnest($1::bigint[]) AS r GROUP BY r)"
             " AS hits WHERE memories.rid = hits.rid",
             {IntArray(rids), P(at)})
      .status();
}

Status PgTransaction::Commit() {
  ENGRAM_RETURN_IF_ERROR(txn_.Commit());
  if (bumped_ && watch_) watch_->Invalidate();
  return Status::Ok();
}

Result<int64_t> PgTransaction::ChangeCounter() {
  constexpr const char* kRead =
      "SELECT value::bigint FROM store_meta WHERE name = 'change_counter'";
  if (!watch_ || !read_only_) return SingleInt(kRead, {});
  if (std::optional<int64_t> current = watch_->Current()) return *current;
  const uint64_t generation = watch_->Generation();
  ENGRAM_ASSIGN_OR_RETURN(int64_t counter, SingleInt(kRead, {}));
  watch_->Remember(counter, generation);
  return counter;
}

Result<int64_t> PgTransaction::BumpChangeCounter() {
  // The notification is delivered to the listeners (change_watch.h) when this commits.
  ENGRAM_ASSIGN_OR_RETURN(
      int64_t counter,
      SingleInt("WITH bumped AS (UPDATE store_meta SET value = (value::bigint + 1)::text"
                " WHERE name = 'change_counter' RETURNING value)"
                " SELECT value::bigint, pg_notify('engram_changes', value) FROM bumped",
                {}));
  bumped_ = true;
  return counter;
}

Result<std::optional<std::string>> PgTransaction::GetMeta(std::string_view name) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT value FROM store_meta WHERE name = $1", {P(name)}));
  if (rows.size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(rows.Text(0, 0));
}

Status PgTransaction::PutMeta(std::string_view name, std::string_view value) {
  return Query(
             "INSERT INTO store_meta(name, value) VALUES ($1, $2)"
             " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
             {P(name), P(value)})
      .status();
}

}  // namespace engram::store::pg
