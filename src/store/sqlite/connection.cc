#include "store/sqlite/connection.h"

#include <bit>
#include <cstring>
#include <memory>

namespace engram::store::sqlite {

Status StatusFromSqlite(int rc, std::string_view what, sqlite3* db) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(msg + " (the database is locked by another writer)");
    case SQLITE_CONSTRAINT:
      return Status::AlreadyExists(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::Corruption(msg);
    case SQLITE_TOOBIG:
      return Status::TooLarge(msg);
    default:
      return Status::IOError(msg);
  }
}

Stmt::~Stmt() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void Stmt::Bind(int pos, std::string_view text) {
  sqlite3_bind_text(stmt_, pos, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void Stmt::Bind(int pos, int64_t value) {
  sqlite3_bind_int64(stmt_, pos, value);
}
void Stmt::Bind(int pos, double value) {
  sqlite3_bind_double(stmt_, pos, value);
}
void Stmt::BindNull(int pos) {
  sqlite3_bind_null(stmt_, pos);
}
void Stmt::BindOptional(int pos, std::string_view text) {
  if (text.empty()) {
    BindNull(pos);
  } else {
    Bind(pos, text);
  }
}
void Stmt::BindOptional(int pos, const std::optional<int64_t>& value) {
  if (value) {
    Bind(pos, *value);
  } else {
    BindNull(pos);
  }
}

void Stmt::BindFloats(int pos, const std::vector<float>& values) {
  static_assert(std::endian::native == std::endian::little, "vectors are stored little-endian");
  sqlite3_bind_blob(stmt_, pos, values.data(), static_cast<int>(values.size() * sizeof(float)),
                    SQLITE_TRANSIENT);
}

void Stmt::BindBlob(int pos, std::string_view bytes) {
  static constexpr char kNone = 0;  // a non-null pointer: SQLite binds NULL for a null one
  sqlite3_bind_blob64(stmt_, pos, bytes.empty() ? &kNone : bytes.data(), bytes.size(),
                      SQLITE_TRANSIENT);
}

bool Stmt::Step(Status* status) {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) *status = StatusFromSqlite(rc, "sqlite step", sqlite3_db_handle(stmt_));
  return false;
}

Status Stmt::Run() {
  Status st;
  while (Step(&st)) {
  }
  sqlite3_reset(stmt_);  // ready for the next bind-and-run with the same statement
  return st;
}

std::string Stmt::ColumnText(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  if (p == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
int64_t Stmt::ColumnInt(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
double Stmt::ColumnDouble(int col) const {
  return sqlite3_column_double(stmt_, col);
}
bool Stmt::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}
std::optional<int64_t> Stmt::ColumnOptionalInt(int col) const {
  if (ColumnIsNull(col)) return std::nullopt;
  return ColumnInt(col);
}

std::vector<float> Stmt::ColumnFloats(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const size_t bytes = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
  std::vector<float> out(bytes / sizeof(float));
  if (p != nullptr && !out.empty()) std::memcpy(out.data(), p, out.size() * sizeof(float));
  return out;
}

std::string Stmt::ColumnBlob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  const size_t bytes = static_cast<size_t>(sqlite3_column_bytes(stmt_, col));
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), bytes);
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, bool read_only,
                                                     int busy_timeout_ms) {
  sqlite3* db = nullptr;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = StatusFromSqlite(rc, "cannot open database '" + path + "'", db);
    sqlite3_close(db);
    return st;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status Connection::Exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc == SQLITE_OK) return Status::Ok();
  Status st = StatusFromSqlite(rc, "sqlite exec", db_);
  sqlite3_free(err);
  return st;
}

Result<std::unique_ptr<Stmt>> Connection::Prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return StatusFromSqlite(rc, "sqlite prepare", db_);
    it = cache_.emplace(sql, stmt).first;
  }
  return std::make_unique<Stmt>(it->second);
}

Status Connection::Error(std::string_view what) const {
  return StatusFromSqlite(sqlite3_errcode(db_), what, db_);
}

}  // namespace engram::store::sqlite
