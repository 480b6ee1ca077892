// The embedded SQLite backend of Store: one database file in WAL mode, one writer connection
// and a pool of reader connections, so reads proceed while a write is in progress.
#pragma once

#include <memory>
#include <string>

#include "engram/status.h"
#include "store/store.h"

namespace engram::store {

struct SqliteOptions {
  std::string path;  // created, with its parent folders, if missing
  int busy_timeout_ms = 5000;
  bool durable_commits = true;  // synchronous=FULL when true, NORMAL otherwise
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options);

}  // namespace engram::store
