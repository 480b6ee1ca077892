// A thin layer over one libpq connection: statements with text parameters (prepared once per
// connection and reused), results read by column, and SQLSTATEs mapped to Status codes. Not
// thread-safe: one connection serves one transaction at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engram/status.h"

namespace engram::store::pg {

// One statement parameter in libpq's text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;

// A parameter from a value: integers and doubles in decimal, strings as they are.
inline Param P(std::string_view s) {
  return std::string(s);
}
inline Param P(int64_t v) {
  return std::to_string(v);
}
Param P(double v);
template <typename T>
Param P(const std::optional<T>& v) {
  return v ? P(*v) : Param();
}
// A text value whose empty form is stored as NULL (the store's optional strings).
inline Param OptionalText(const std::string& s) {
  return s.empty() ? Param() : Param(s);
}
// PostgreSQL array literals, for "= ANY($n::text[])" and unnest.
Param TextArray(const std::vector<std::string>& values);
Param IntArray(const std::vector<int64_t>& values);
Param DoubleArray(const std::vector<double>& values);
// A bytea parameter in text (hex) form: little-endian float32s.
Param FloatBytes(const std::vector<float>& values);
// A bytea parameter in text (hex) form: any bytes.
Param Bytes(std::string_view bytes);

// A statement and its parameters.
struct Statement {
  const char* sql;
  std::vector<Param> params;
};

// The rows of a statement. Columns are read in text form.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, PQclear) {}
  int size() const { return PQntuples(result_.get()); }
  bool IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string Text(int row, int col) const;  // "" for NULL
  int64_t Int(int row, int col) const;       // 0 for NULL
  double Double(int row, int col) const;
  bool Bool(int row, int col) const;  // 't'
  std::optional<int64_t> OptionalInt(int row, int col) const;
  std::vector<float> Floats(int row, int col) const;  // a bytea of float32s; empty for NULL
  std::string Bytes(int row, int col) const;          // a bytea's bytes; empty for NULL
  // Rows touched by an INSERT, UPDATE or DELETE.
  int64_t Affected() const;

 private:
  friend class Connection;
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class Connection {
 public:
  // Connects with a libpq connection string or URI (postgres://...), named
  // `fallback_application_name` in pg_stat_activity unless the string sets application_name.
  // Unavailable when the server cannot be reached.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                  const char* fallback_application_name = "engram");
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a statement (prepared on first use, by its text) with its parameters.
  Result<Rows> Query(const char* sql, const std::vector<Param>& params = {});
  // Runs the statements (each prepared on first use) in one round trip, in libpq's pipeline mode,
  // behind any that Send queued; their rows, in order. Fails with the first error among all of
  // them (which aborted the transaction).
  Result<std::vector<Rows>> QueryEach(const std::vector<Statement>& statements);
  // Runs one or more statements without parameters (DDL, BEGIN, ROLLBACK).
  Status Exec(const std::string& sql);
  // Commits the open transaction: in the round trip of the statements Send queued, when there
  // are. Fails, not only when COMMIT does, but when the server rolled the transaction back
  // instead, or skipped the COMMIT (a statement of it had failed, e.g. one sent without waiting):
  // the transaction is then still open, and must be rolled back.
  Status Commit();
  // Sends a statement (prepared on first use) without waiting for its result, in libpq's
  // pipeline mode: for statements run for their effect alone. The next Query, QueryEach, Exec,
  // Commit or Drain reads the results of everything sent before it goes on, in the same round
  // trip as its own statement, and fails with the first error among them; a statement that failed
  // aborted the transaction, so nothing of it is committed. Every kMaxQueued statements Send
  // reads the results itself (one round trip) and returns their first error.
  static constexpr int kMaxQueued = 1000;
  Status Send(const char* sql, const std::vector<Param>& params = {});
  // Sends a statement that ends a transaction (ROLLBACK of a read) behind those queued and
  // everything to the server, without waiting for any answer: the connection's next Query, Exec,
  // Commit or Drain reads them first (an error among them is its error).
  Status SendEnd(const char* sql);
  // Reads the results of the statements Send and SendEnd queued and leaves pipeline mode; the
  // first error among them. OK when none is queued. With `tail`, the results of the last `count`
  // of them are appended there, in order.
  Status Drain(std::vector<Rows>* tail = nullptr, int count = 0);
  // Reads what the server sent, without waiting: false when that shows the connection is gone
  // (the server ended the session: a restart, an administrator's pg_terminate_backend).
  bool Alive();
  // False once the server has gone away: the connection must not be reused.
  bool healthy() const;
  // Whether a transaction is open (or a statement running) on it.
  bool in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  // The notifications received since the last call (LISTEN); reads what the socket holds
  // without waiting.
  std::vector<std::string> TakeNotifications();
  int socket() const { return PQsocket(conn_); }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Status ErrorStatus(const PGresult* result, std::string_view what) const;
  // The name of the statement prepared for `sql`, preparing it first (out of pipeline mode).
  Result<std::string> Prepared(const char* sql);
  // The parameters as libpq takes them; InvalidArgument for a value with a NUL byte.
  static Result<std::vector<const char*>> Values(const std::vector<Param>& params);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
  int sent_ = 0;         // statements queued whose results are not read yet
  int unsynced_ = 0;     // those of them queued after the last sync point
  int syncs_ = 0;        // sync points sent whose results are not read yet
  bool broken_ = false;  // left in a state where it cannot be reused (a failed pipeline exit)
};

}  // namespace engram::store::pg
