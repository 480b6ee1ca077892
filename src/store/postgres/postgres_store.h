// The PostgreSQL backend of Store: several engram processes may share one database. Writes are
// exclusive among writers of the whole database (a transaction-scoped advisory lock), as SQLite's
// are; reads run in REPEATABLE READ snapshots on pooled connections. The schema is migrated on
// open (schema.h). docs/postgres.md.
#pragma once

#include <memory>
#include <string>

#include "engram/status.h"
#include "store/store.h"

namespace engram::store {

struct PostgresOptions {
  // A libpq connection URI (postgres://user@host:port/db?...) or key=value string.
  std::string conninfo;
  // Each statement longer than this fails with Unavailable (0: the server's setting).
  int statement_timeout_ms = 30000;
};

// Connects, migrates the schema and returns the store. Unavailable when the database cannot be
// reached; FailedPrecondition when its schema is newer than this build.
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options);

}  // namespace engram::store
