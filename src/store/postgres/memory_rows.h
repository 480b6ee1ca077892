// The memories table's columns as the PostgreSQL store reads and writes them.
#pragma once

#include <utility>
#include <vector>

#include "engram/types.h"
#include "store/postgres/connection.h"

namespace engram::store::pg {

#define ENGRAM_PG_MEMORY_COLUMNS                                                                   \
  "id, owner_id, scope, agent_id, session_id, type, key, text, data, metadata, source, "           \
  "confidence, created_at, updated_at, valid_from, valid_to, last_verified_at, last_accessed_at, " \
  "access_count, expires_at, superseded_by, deleted_at"

// The ENGRAM_PG_MEMORY_COLUMNS of a row that start at column `first`.
Result<MemoryRecord> ReadMemory(const Rows& rows, int row, int first);
// The 22 columns as parameters $1..$22, in ENGRAM_PG_MEMORY_COLUMNS order.
std::vector<Param> MemoryParams(const MemoryRecord& r);
// The rows of a "SELECT rid, " ENGRAM_PG_MEMORY_COLUMNS statement.
Result<std::vector<std::pair<int64_t, MemoryRecord>>> ReadRidsAndMemories(const Rows& rows);

}  // namespace engram::store::pg
