// Where a process keeps files derived from one PostgreSQL database (its saved vector indexes):
// a subfolder of the configured cache folder named after the database's identity, so that two
// databases never share one and a database that is replaced (dropped and created again, restored
// into another cluster, or brought back to an earlier point in time) gets a new one; and the
// pruning of the subfolders that can no longer serve.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "engram/status.h"
#include "store/postgres/connection.h"

namespace engram::store::pg {

// Who a database is, and what else its cluster holds now. Every piece is readable by any user.
struct CacheIdentity {
  std::string system;    // pg_control_system's system identifier, unique to each initdb
  int64_t database = 0;  // the database's oid, new when one of the same name is created again
  // The WAL timeline, 8 hex digits: new after a point-in-time recovery or a standby's promotion,
  // after which the change counter and row ids may repeat values of the abandoned history.
  std::string timeline;
  std::string schema;                // md5 of current_schema(), 8 hex digits
  std::vector<int64_t> databases;    // the oids of the cluster's databases
  std::vector<std::string> schemas;  // the md5s (8 hex digits) of this database's schemas

  // "postgres-<system>-<database>-<timeline>-<schema>".
  std::string FolderName() const;
};

// Unavailable when the connection fails; FailedPrecondition when the server reports no identity
// (e.g. a standby still in recovery).
Result<CacheIdentity> ReadCacheIdentity(Connection& conn);

// Folders in `root` unused for this long are removed by PruneCacheFolders.
inline constexpr std::chrono::hours kCacheFolderMaxIdle{24 * 30};

// Marks `current`'s folder in `root` as used now (its modification time), then removes the
// folders of `root` that can no longer serve: of a database of current's cluster that is gone, of
// a schema of current's database that is gone, of an earlier timeline of current's database and
// schema, and every engram PostgreSQL folder (of any cluster) unused for max_idle. Only folders
// named as FolderName names them, owned by this user and not symbolic links are touched: their
// files are removed, then the folder (one holding anything else stays). Best effort: a folder
// that cannot be removed stays, and is tried again at the next open.
void PruneCacheFolders(const std::string& root, const CacheIdentity& current,
                       std::chrono::seconds max_idle = kCacheFolderMaxIdle);

}  // namespace engram::store::pg
