// Where a process keeps files derived from one PostgreSQL database (its saved vector indexes):
// a subfolder of the configured cache folder named after the database's identity, so that two
// databases never share one and a database that is replaced (dropped and created again, restored
// into another cluster, or brought back to an earlier point in time) gets a new one.
#pragma once

#include <string>

#include "engram/status.h"
#include "store/postgres/connection.h"

namespace engram::store::pg {

// "<root>/postgres-<system identifier>-<database oid>-<timeline>-<schema hash>": the cluster
// (pg_control_system's system identifier, unique to each initdb), the database (its oid, new when
// a database of the same name is created again), the WAL timeline (new after a point-in-time
// recovery or a standby's promotion, after which the change counter and row ids may repeat values
// of the abandoned history) and the schema the tables are in (md5 of current_schema(), 8 hex
// digits). Every piece is readable by any user. Unavailable when the connection fails;
// FailedPrecondition when the server reports no identity (e.g. a standby still in recovery).
Result<std::string> CacheFolder(Connection& conn, const std::string& root);

}  // namespace engram::store::pg
