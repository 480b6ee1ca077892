#include "store/postgres/memory_rows.h"

namespace engram::store::pg {

Result<MemoryRecord> ReadMemory(const Rows& rows, int row, int first) {
  auto text = [&](int c) { return rows.Text(row, first + c); };
  auto opt = [&](int c) { return rows.OptionalInt(row, first + c); };
  MemoryRecord r;
  r.id = text(0);
  r.owner_id = text(1);
  r.scope = text(2);
  r.agent_id = text(3);
  r.session_id = text(4);
  Result<MemoryType> type = ParseMemoryType(text(5));
  if (!type.ok()) return Status::Corruption("memory " + r.id + ": " + type.status().message());
  r.type = *type;
  r.key = text(6);
  r.text = text(7);
  r.data = text(8);
  r.metadata = text(9);
  r.source = text(10);
  r.confidence = rows.Double(row, first + 11);
  r.created_at = rows.Int(row, first + 12);
  r.updated_at = rows.Int(row, first + 13);
  r.valid_from = opt(14);
  r.valid_to = opt(15);
  r.last_verified_at = opt(16);
  r.last_accessed_at = opt(17);
  r.access_count = rows.Int(row, first + 18);
  r.expires_at = opt(19);
  r.superseded_by = text(20);
  r.deleted_at = opt(21);
  return r;
}

std::vector<Param> MemoryParams(const MemoryRecord& r) {
  return {P(r.id),
          P(r.owner_id),
          P(r.scope),
          OptionalText(r.agent_id),
          OptionalText(r.session_id),
          P(MemoryTypeName(r.type)),
          OptionalText(r.key),
          P(r.text),
          P(r.data),
          P(r.metadata),
          OptionalText(r.source),
          P(r.confidence),
          P(r.created_at),
          P(r.updated_at),
          P(r.valid_from),
          P(r.valid_to),
          P(r.last_verified_at),
          P(r.last_accessed_at),
          P(r.access_count),
          P(r.expires_at),
          OptionalText(r.superseded_by),
          P(r.deleted_at)};
}

Result<std::vector<std::pair<int64_t, MemoryRecord>>> ReadRidsAndMemories(const Rows& rows) {
  std::vector<std::pair<int64_t, MemoryRecord>> out;
  for (int i = 0; i < rows.size(); ++i) {
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, ReadMemory(rows, i, 1));
    out.emplace_back(rows.Int(i, 0), std::move(r));
  }
  return out;
}

}  // namespace engram::store::pg
