#include <nlohmann/json.hpp>

#include "store/sqlite/transaction.h"

namespace engram::store::sqlite {

namespace {

// What LoadIndexedMemories and LoadIndexedChanges read: memories m LEFT JOIN memory_vectors v,
// with the vector only when written after ?2.
#define ENGRAM_INDEXED_COLUMNS                                                           \
  "m.rid, m.scope, m.type, m.key, m.created_at, m.valid_from, m.valid_to, m.expires_at," \
  " m.superseded_by IS NOT NULL, m.confidence, CASE WHEN v.seq > ?2 THEN v.vector END,"  \
  " m.metadata, v.rid IS NOT NULL, m.deleted_at IS NOT NULL"

Result<std::vector<IndexedMemory>> ReadIndexedMemories(Stmt& s) {
  std::vector<IndexedMemory> out;
  Status st;
  while (s.Step(&st)) {
    IndexedMemory m;
    m.rid = s.ColumnInt(0);
    m.scope = s.ColumnText(1);
    ENGRAM_ASSIGN_OR_RETURN(m.type, ParseMemoryType(s.ColumnText(2)));
    m.key = s.ColumnText(3);
    m.created_at = s.ColumnInt(4);
    m.valid_from = s.ColumnOptionalInt(5);
    m.valid_to = s.ColumnOptionalInt(6);
    m.expires_at = s.ColumnOptionalInt(7);
    m.superseded = s.ColumnInt(8) != 0;
    m.confidence = s.ColumnDouble(9);
    m.vector = s.ColumnFloats(10);
    m.metadata = s.ColumnText(11);
    m.has_vector = s.ColumnInt(12) != 0;
    m.deleted = s.ColumnInt(13) != 0;
    out.push_back(std::move(m));
  }
  if (!st.ok()) return st;
  return out;
}

}  // namespace

Result<std::vector<IndexedMemory>> SqliteTransaction::LoadIndexedMemories(
    std::string_view owner_id, int64_t vectors_after_seq) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT " ENGRAM_INDEXED_COLUMNS
                             " FROM memories m LEFT JOIN memory_vectors v ON v.rid = m.rid"
                             " WHERE m.owner_id = ?1 AND m.deleted_at IS NULL ORDER BY m.rid"));
  s->Bind(1, owner_id);
  s->Bind(2, vectors_after_seq);
  return ReadIndexedMemories(*s);
}

Result<std::vector<IndexedMemory>> SqliteTransaction::LoadIndexedChanges(std::string_view owner_id,
                                                                         int64_t after_seq) {
  // A range of memories_by_owner_change, then each row by its rid.
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("SELECT " ENGRAM_INDEXED_COLUMNS
                             " FROM memories m LEFT JOIN memory_vectors v ON v.rid = m.rid"
                             " WHERE m.owner_id = ?1 AND m.change_seq > ?2 ORDER BY m.rid"));
  s->Bind(1, owner_id);
  s->Bind(2, after_seq);
  return ReadIndexedMemories(*s);
}

Result<std::vector<int64_t>> SqliteTransaction::LiveRidsWrittenUpTo(std::string_view owner_id,
                                                                    int64_t seq) {
  // memories_by_owner_change covers the query: no table row is read.
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT rid FROM memories WHERE owner_id = ?1"
                                                 " AND change_seq <= ?2 AND deleted_at IS NULL"));
  s->Bind(1, owner_id);
  s->Bind(2, seq);
  std::vector<int64_t> out;
  Status st;
  while (s->Step(&st)) out.push_back(s->ColumnInt(0));
  if (!st.ok()) return st;
  return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> SqliteTransaction::LiveTexts(int64_t after_rid,
                                                                                  size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT rid, text FROM memories WHERE rid > ?1"
                                                 " AND deleted_at IS NULL ORDER BY rid LIMIT ?2"));
  s->Bind(1, after_rid);
  s->Bind(2, static_cast<int64_t>(limit));
  std::vector<std::pair<int64_t, std::string>> out;
  Status st;
  while (s->Step(&st)) out.emplace_back(s->ColumnInt(0), s->ColumnText(1));
  if (!st.ok()) return st;
  return out;
}

Status SqliteTransaction::SetTextHashes(int64_t rid, const TextHashes& hashes) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE memories SET content_hash = ?2,"
                                                 " claim_hash = ?3 WHERE rid = ?1"));
  s->Bind(1, rid);
  s->Bind(2, hashes.content);
  s->Bind(3, hashes.claim);
  return s->Run();
}

Status SqliteTransaction::PutVector(int64_t rid, const std::vector<float>& vector, int64_t seq) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn_->Prepare("INSERT OR REPLACE INTO memory_vectors(rid,"
                                                 " vector, seq) VALUES (?1, ?2, ?3)"));
  s->Bind(1, rid);
  s->BindFloats(2, vector);
  s->Bind(3, seq);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  // Usually the record was written (stamped) in this write already: then nothing is written.
  ENGRAM_ASSIGN_OR_RETURN(
      auto stamp,
      conn_->Prepare("UPDATE memories SET change_seq = ?2 WHERE rid = ?1 AND change_seq < ?2"));
  stamp->Bind(1, rid);
  stamp->Bind(2, seq);
  return stamp->Run();
}

Result<std::vector<float>> SqliteTransaction::GetVector(int64_t rid) {
  ENGRAM_ASSIGN_OR_RETURN(auto s,
                          conn_->Prepare("SELECT vector FROM memory_vectors WHERE rid = ?1"));
  s->Bind(1, rid);
  Status st;
  if (!s->Step(&st)) {
    if (!st.ok()) return st;
    return std::vector<float>();
  }
  return s->ColumnFloats(0);
}

Status SqliteTransaction::DeleteAllVectors() {
  return conn_->Exec(
      "DELETE FROM memory_vectors; UPDATE memories SET change_seq = " ENGRAM_CHANGE_COUNTER
      " WHERE deleted_at IS NULL");
}

Status SqliteTransaction::RecordAccess(const std::vector<int64_t>& rids, Timestamp at) {
  ENGRAM_ASSIGN_OR_RETURN(
      auto s, conn_->Prepare("UPDATE memories SET access_count = access_count + hits.n,"
                             " last_accessed_at = max(coalesce(last_accessed_at, 0), ?2)"
                             " FROM (SELECT value AS rid, count(*) AS n FROM json_each(?1)"
                             " GROUP BY value) AS hits WHERE memories.rid = hits.rid"));
  s->Bind(1, nlohmann::json(rids).dump());
  s->Bind(2, at);
  return s->Run();
}

}  // namespace engram::store::sqlite
