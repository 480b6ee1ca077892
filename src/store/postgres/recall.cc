// PgTransaction: what the in-process recall index is built from and kept current with.
#include "store/postgres/transaction.h"

namespace engram::store::pg {

namespace {

// What LoadIndexedMemories and LoadIndexedChanges read: memories m LEFT JOIN memory_vectors v,
// with the vector only when written after $2.
#define ENGRAM_PG_INDEXED_COLUMNS                                                        \
  "m.rid, m.scope, m.type, m.key, m.created_at, m.valid_from, m.valid_to, m.expires_at," \
  " m.superseded_by IS NOT NULL, m.confidence, CASE WHEN v.seq > $2 THEN v.vector END,"  \
  " m.metadata, v.rid IS NOT NULL, m.deleted_at IS NOT NULL"

Result<std::vector<IndexedMemory>> ReadIndexedMemories(const Rows& rows) {
  std::vector<IndexedMemory> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) {
    IndexedMemory m;
    m.rid = rows.Int(i, 0);
    m.scope = rows.Text(i, 1);
    ENGRAM_ASSIGN_OR_RETURN(m.type, ParseMemoryType(rows.Text(i, 2)));
    m.key = rows.Text(i, 3);
    m.created_at = rows.Int(i, 4);
    m.valid_from = rows.OptionalInt(i, 5);
    m.valid_to = rows.OptionalInt(i, 6);
    m.expires_at = rows.OptionalInt(i, 7);
    m.superseded = rows.Bool(i, 8);
    m.confidence = rows.Double(i, 9);
    m.vector = rows.Floats(i, 10);
    m.metadata = rows.Text(i, 11);
    m.has_vector = rows.Bool(i, 12);
    m.deleted = rows.Bool(i, 13);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

Result<std::vector<IndexedMemory>> PgTransaction::LoadIndexedMemories(std::string_view owner_id,
                                                                      int64_t vectors_after_seq) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT " ENGRAM_PG_INDEXED_COLUMNS
                                " FROM memories m LEFT JOIN memory_vectors v ON v.rid = m.rid"
                                " WHERE m.owner_id = $1 AND m.deleted_at IS NULL ORDER BY m.rid",
                                {P(owner_id), P(vectors_after_seq)}));
  return ReadIndexedMemories(rows);
}

Result<std::vector<IndexedMemory>> PgTransaction::LoadIndexedChanges(std::string_view owner_id,
                                                                     int64_t after_seq) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT " ENGRAM_PG_INDEXED_COLUMNS
                                " FROM memories m LEFT JOIN memory_vectors v ON v.rid = m.rid"
                                " WHERE m.owner_id = $1 AND m.change_seq > $2 ORDER BY m.rid",
                                {P(owner_id), P(after_seq)}));
  return ReadIndexedMemories(rows);
}

Result<std::vector<int64_t>> PgTransaction::LiveRidsWrittenUpTo(std::string_view owner_id,
                                                                int64_t seq) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT rid FROM memories WHERE owner_id = $1"
                                           " AND change_seq <= $2 AND deleted_at IS NULL",
                                           {P(owner_id), P(seq)}));
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(rows.Int(i, 0));
  return out;
}

Result<std::vector<std::pair<int64_t, std::string>>> PgTransaction::LiveTexts(int64_t after_rid,
                                                                              size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query("SELECT rid, text FROM memories WHERE rid > $1"
                                           " AND deleted_at IS NULL ORDER BY rid LIMIT $2",
                                           {P(after_rid), P(static_cast<int64_t>(limit))}));
  std::vector<std::pair<int64_t, std::string>> out;
  for (int i = 0; i < rows.size(); ++i) out.emplace_back(rows.Int(i, 0), rows.Text(i, 1));
  return out;
}

Status PgTransaction::SetTextHashes(int64_t rid, const TextHashes& hashes) {
  return Query("UPDATE memories SET content_hash = $2, claim_hash = $3 WHERE rid = $1",
               {P(rid), P(hashes.content), P(hashes.claim)})
      .status();
}

Status PgTransaction::PutVector(int64_t rid, const std::vector<float>& vector, int64_t seq) {
  // One statement: the vector, and the record's stamp (usually already seq: then unchanged).
  // Sent without waiting: it goes with the transaction's next statement (one round trip).
  return Send(
      "WITH v AS (INSERT INTO memory_vectors(rid, vector, seq) VALUES ($1, $2, $3)"
      " ON CONFLICT (rid) DO UPDATE SET vector = excluded.vector, seq = excluded.seq)"
      " UPDATE memories SET change_seq = $3 WHERE rid = $1 AND change_seq < $3",
      {P(rid), FloatBytes(vector), P(seq)});
}

Result<std::vector<float>> PgTransaction::GetVector(int64_t rid) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows,
                          Query("SELECT vector FROM memory_vectors WHERE rid = $1", {P(rid)}));
  if (rows.size() == 0) return std::vector<float>();
  return rows.Floats(0, 0);
}

Status PgTransaction::DeleteAllVectors() {
  ENGRAM_RETURN_IF_ERROR(Query("DELETE FROM memory_vectors").status());
  return Query(
             "UPDATE memories SET change_seq = (SELECT value::bigint FROM store_meta"
             " WHERE name = 'change_counter') WHERE deleted_at IS NULL")
      .status();
}

}  // namespace engram::store::pg
