// The PostgreSQL store's schema: an append-only list of migrations and the version table that
// records how far a database has come.
#pragma once

#include "engram/status.h"
#include "store/postgres/connection.h"

namespace engram::store::pg {

// The schema version this build writes.
int LatestSchemaVersion();

// The database's schema version (0: engram never ran there).
Result<int> CurrentSchemaVersion(Connection& conn);

// Brings the database to the latest version in one transaction, under an advisory lock so that
// servers starting together do not race (the second waits, then finds nothing to do). A
// database of a newer version is refused with FailedPrecondition and left untouched. Returns the
// version the database had before.
Result<int> MigrateSchema(Connection& conn);

}  // namespace engram::store::pg
