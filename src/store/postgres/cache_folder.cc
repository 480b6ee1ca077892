#include "store/postgres/cache_folder.h"

namespace engram::store::pg {

Result<std::string> CacheFolder(Connection& conn, const std::string& root) {
  // The timeline is the first 8 hex digits of the current WAL file's name (pg_walfile_name uses
  // the timeline WAL is being inserted on; pg_control_checkpoint's lags behind a promotion until
  // the next checkpoint).
  ENGRAM_ASSIGN_OR_RETURN(
      Rows rows,
      conn.Query(
          "SELECT s.system_identifier::text, d.oid::bigint,"
          " substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8),"
          " substr(md5(current_schema()), 1, 8)"
          " FROM pg_control_system() s, pg_database d WHERE d.datname = current_database()"));
  if (rows.size() != 1 || rows.Text(0, 0).empty() || rows.Text(0, 3).empty()) {
    return Status::FailedPrecondition("postgres: the server reports no identity for its database");
  }
  return root + "/postgres-" + rows.Text(0, 0) + "-" + std::to_string(rows.Int(0, 1)) + "-" +
         rows.Text(0, 2) + "-" + rows.Text(0, 3);
}

}  // namespace engram::store::pg
