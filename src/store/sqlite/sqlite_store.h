// The embedded SQLite backend of Store and SessionStore: one database file in WAL mode, one writer
// connection and a pool of reader connections, so reads proceed while a write is in progress.
// URL: "sqlite://" + the file's path ("sqlite:///var/lib/engram/engram.db").
#pragma once

#include <memory>
#include <string>

#include "engram/status.h"
#include "store/factory.h"
#include "store/store.h"

namespace engram::store {

struct SqliteOptions {
  std::string path;  // created, with its parent folders, if missing
  int busy_timeout_ms = 5000;
  bool durable_commits = true;  // synchronous=FULL when true, NORMAL otherwise
};

// The durable-memory store of the database file (created with its schema if missing).
Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

// The opener registered for "sqlite" (backends.cc): both stores over one database. The index
// folder is "<path>.index".
Result<OpenedBackend> OpenSqliteUrl(const StoreUrl& url, const OpenSettings& settings);

}  // namespace engram::store
