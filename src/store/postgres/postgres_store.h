// The PostgreSQL backend of Store, SessionStore, GraphStore and CheckpointStore: several engram
// processes may share one database. URL: "postgres://user:password@host:port/database?param=value"
// (or "postgresql://"), passed to libpq as it is, so every libpq parameter applies (sslmode,
// connect_timeout, options=-c%20statement_timeout%3D5000, ...). Write transactions of each
// interface are exclusive among its writers in every process (transaction-scoped advisory locks),
// as SQLite's are; reads run in REPEATABLE READ snapshots on pooled connections. The schema is
// migrated on open (schema.h). docs/postgres.md.
#pragma once

#include <memory>
#include <string>

#include "engram/status.h"
#include "store/factory.h"
#include "store/store.h"

namespace engram::store {

struct PostgresOptions {
  // A libpq connection URI (postgres://user@host:port/db?...) or key=value string.
  std::string conninfo;
  // How long a write waits for another writer's lock before failing with Unavailable
  // (lock_timeout; 0: forever).
  int lock_timeout_ms = 5000;
  // A statement running longer fails with Unavailable. Applied when the connection string and
  // the server leave statement_timeout unset (0); 0 here leaves it unset too.
  int default_statement_timeout_ms = 30000;
};

// The durable-memory store of the database (its schema migrated first). Unavailable when the
// database cannot be reached; FailedPrecondition when its schema is newer than this build.
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options);

// The opener registered for "postgres" and "postgresql" (backends.cc): every store over one
// pool of connections. Its local folder is the database's subfolder of OpenSettings::cache_dir
// (CacheFolder in cache_folder.h); none without one, and each process then builds its vector
// index from the database.
Result<OpenedBackend> OpenPostgresUrl(const StoreUrl& url, const OpenSettings& settings);

}  // namespace engram::store
