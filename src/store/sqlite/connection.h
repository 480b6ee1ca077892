// Thin RAII layer over the SQLite C API: one connection with a cache of prepared statements.
// A Connection is used by one thread at a time (the store hands connections out).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::store::sqlite {

// A prepared statement borrowed from a Connection's cache; reset and unbound on destruction.
class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binders take 1-based parameter positions.
  void Bind(int pos, std::string_view text);
  void Bind(int pos, int64_t value);
  void Bind(int pos, double value);
  void BindNull(int pos);
  // Binds text, or NULL when empty.
  void BindOptional(int pos, std::string_view text);
  void BindOptional(int pos, const std::optional<int64_t>& value);
  // Binds floats as a little-endian float32 BLOB.
  void BindFloats(int pos, const std::vector<float>& values);
  // Binds bytes as a BLOB (never NULL, also when empty).
  void BindBlob(int pos, std::string_view bytes);

  // Advances: true with a row, false when done. Errors go to *status.
  bool Step(Status* status);
  // Runs a statement that returns no rows, then resets it so it can be bound and run again.
  Status Run();

  std::string ColumnText(int col) const;
  int64_t ColumnInt(int col) const;
  double ColumnDouble(int col) const;
  bool ColumnIsNull(int col) const;
  std::optional<int64_t> ColumnOptionalInt(int col) const;
  // A float32 BLOB column; empty when NULL.
  std::vector<float> ColumnFloats(int col) const;
  // A BLOB column's bytes.
  std::string ColumnBlob(int col) const;

 private:
  sqlite3_stmt* stmt_;
};

// Reads columns of a row relative to a first column, so one row decoder serves queries that
// select extra columns in front.
class ColumnReader {
 public:
  ColumnReader(const Stmt& stmt, int first) : stmt_(stmt), first_(first) {}
  std::string ColumnText(int col) const { return stmt_.ColumnText(first_ + col); }
  int64_t ColumnInt(int col) const { return stmt_.ColumnInt(first_ + col); }
  double ColumnDouble(int col) const { return stmt_.ColumnDouble(first_ + col); }
  std::optional<int64_t> ColumnOptionalInt(int col) const {
    return stmt_.ColumnOptionalInt(first_ + col);
  }

 private:
  const Stmt& stmt_;
  int first_;
};

class Connection {
 public:
  // Opens the file (read_only: no writes, the file must exist).
  static Result<std::unique_ptr<Connection>> Open(const std::string& path, bool read_only,
                                                  int busy_timeout_ms);
  ~Connection();

  // Runs one or more statements without parameters.
  Status Exec(const char* sql);
  // A cached prepared statement for sql (which must outlive the connection: use literals).
  Result<std::unique_ptr<Stmt>> Prepare(const char* sql);
  int64_t Changes() const { return sqlite3_changes64(db_); }
  int64_t LastInsertRowid() const { return sqlite3_last_insert_rowid(db_); }
  // An error status for the last failed call, with context.
  Status Error(std::string_view what) const;
  // The underlying handle, to register functions on it.
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::map<const char*, sqlite3_stmt*> cache_;
};

// Maps a SQLite result code to a Status.
Status StatusFromSqlite(int rc, std::string_view what, sqlite3* db);

}  // namespace engram::store::sqlite
