// The SQLite schema and its forward migrations.
#pragma once

#include "engram/status.h"
#include "store/sqlite/connection.h"

namespace engram::store::sqlite {

// Version of the schema this build writes.
int LatestSchemaVersion();

// Brings the database to target_version (tests make old stores with a lower one), all steps in
// one transaction. FailedPrecondition if the database is newer than this build.
Status MigrateSchema(Connection& conn, int target_version = LatestSchemaVersion());

}  // namespace engram::store::sqlite
