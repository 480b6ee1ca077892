#include "store/postgres/connection.h"

#include <charconv>
#include <cstring>

namespace engram::store::pg {

Param P(double v) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest exact form
  return std::string(buf, ec == std::errc() ? end : buf);
}

namespace {

// An array element in double quotes, so commas, braces and spaces in it stay data.
void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

// libpq's messages span lines ("...failed: Connection refused\n\tIs the server running...");
// a Status message is one line.
std::string OneLine(std::string_view msg) {
  std::string out;
  bool space = false;
  for (char c : msg) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Param TextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    AppendQuoted(out, values[i]);
  }
  return out + "}";
}

Param IntArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "}";
}

Param DoubleArray(const std::vector<double>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += *P(values[i]);
  }
  return out + "}";
}

Param FloatBytes(const std::vector<float>& values) {
  static_assert(sizeof(float) == 4);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + values.size() * 8);
  for (float f : values) {
    unsigned char bytes[4];
    std::memcpy(bytes, &f, 4);  // engram runs on little-endian machines, as the SQLite store
    for (unsigned char b : bytes) {
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
  return out;
}

Param Bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string Rows::Text(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Rows::Int(int row, int col) const {
  if (IsNull(row, col)) return 0;
  const char* s = PQgetvalue(result_.get(), row, col);
  int64_t v = 0;
  std::from_chars(s, s + PQgetlength(result_.get(), row, col), v);
  return v;
}

double Rows::Double(int row, int col) const {
  if (IsNull(row, col)) return 0;
  const char* s = PQgetvalue(result_.get(), row, col);
  double v = 0;
  std::from_chars(s, s + PQgetlength(result_.get(), row, col), v);
  return v;
}

bool Rows::Bool(int row, int col) const {
  return !IsNull(row, col) && PQgetvalue(result_.get(), row, col)[0] == 't';
}

std::optional<int64_t> Rows::OptionalInt(int row, int col) const {
  if (IsNull(row, col)) return std::nullopt;
  return Int(row, col);
}

std::vector<float> Rows::Floats(int row, int col) const {
  std::vector<float> out;
  if (IsNull(row, col)) return out;
  const char* s = PQgetvalue(result_.get(), row, col);
  const size_t n = static_cast<size_t>(PQgetlength(result_.get(), row, col));
  if (n < 2 || s[0] != '\\' || s[1] != 'x') return out;  // bytea_output is hex
  const size_t bytes = (n - 2) / 2;
  out.resize(bytes / 4);
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  for (size_t i = 0; i < out.size() * 4; ++i) {
    dst[i] = static_cast<unsigned char>(HexValue(s[2 + 2 * i]) << 4 | HexValue(s[3 + 2 * i]));
  }
  return out;
}

std::string Rows::Bytes(int row, int col) const {
  std::string out;
  if (IsNull(row, col)) return out;
  const char* s = PQgetvalue(result_.get(), row, col);
  const size_t n = static_cast<size_t>(PQgetlength(result_.get(), row, col));
  if (n < 2 || s[0] != '\\' || s[1] != 'x') return out;  // bytea_output is hex
  out.resize((n - 2) / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(HexValue(s[2 + 2 * i]) << 4 | HexValue(s[3 + 2 * i]));
  }
  return out;
}

int64_t Rows::Affected() const {
  const char* n = PQcmdTuples(result_.get());
  int64_t v = 0;
  std::from_chars(n, n + std::strlen(n), v);
  return v;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& conninfo,
                                                     const char* fallback_application_name) {
  // dbname with expand_dbname: the whole string or URI, as PQconnectdb reads it.
  const char* keys[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.c_str(), fallback_application_name, nullptr};
  PGconn* raw = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (raw == nullptr) return Status::Unavailable("postgres: out of memory while connecting");
  std::unique_ptr<Connection> conn(new Connection(raw));
  if (PQstatus(raw) != CONNECTION_OK) {
    return Status::Unavailable("postgres: cannot connect: " + OneLine(PQerrorMessage(raw)));
  }
  // Quiet notices (e.g. "relation already exists, skipping").
  ENGRAM_RETURN_IF_ERROR(conn->Exec("SET client_min_messages = warning"));
  return conn;
}

Connection::~Connection() {
  PQfinish(conn_);
}

bool Connection::healthy() const {
  return !broken_ && PQstatus(conn_) == CONNECTION_OK;
}

Status Connection::ErrorStatus(const PGresult* result, std::string_view what) const {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string msg = "postgres: " + std::string(what) + ": " +
                          OneLine(result ? PQresultErrorMessage(result) : PQerrorMessage(conn_));
  const std::string_view code = state ? state : "";
  if (!healthy() || code.starts_with("08") || code.starts_with("57P")) {
    return Status::Unavailable(msg);  // the connection or the server went away
  }
  if (code == "23505") return Status::AlreadyExists(msg);
  // Serialization failures, deadlocks, lock and statement timeouts: retryable.
  if (code == "40001" || code == "40P01" || code == "55P03" || code == "57014") {
    return Status::Unavailable(msg);
  }
  return Status::IOError(msg);
}

Result<std::string> Connection::Prepared(const char* sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  ENGRAM_RETURN_IF_ERROR(Drain());  // PQprepare waits for its answer: not in pipeline mode
  // Appended, not concatenated: "s" + std::string&& trips g++ 12's -Wrestrict at -O3.
  std::string name = "s";
  name += std::to_string(prepared_.size());
  Rows prep(PQprepare(conn_, name.c_str(), sql, 0, nullptr));
  if (PQresultStatus(prep.result_.get()) != PGRES_COMMAND_OK) {
    return ErrorStatus(prep.result_.get(), "prepare");
  }
  prepared_.emplace(sql, name);
  return name;
}

Result<std::vector<const char*>> Connection::Values(const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const Param& p : params) {
    // libpq takes C strings: a NUL would silently cut the value (PostgreSQL text has none).
    if (p && p->find('\0') != std::string::npos) {
      return Status::InvalidArgument("postgres: a value contains a NUL byte");
    }
    values.push_back(p ? p->c_str() : nullptr);
  }
  return values;
}

Status Connection::Send(const char* sql, const std::vector<Param>& params) {
  ENGRAM_ASSIGN_OR_RETURN(const std::string name, Prepared(sql));
  ENGRAM_ASSIGN_OR_RETURN(const std::vector<const char*> values, Values(params));
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF && PQenterPipelineMode(conn_) != 1) {
    return ErrorStatus(nullptr, "pipeline");
  }
  if (PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                          nullptr, nullptr, 0) != 1) {
    return ErrorStatus(nullptr, "send");
  }
  ++unsynced_;
  // Read what is queued now and then, so the answers waiting in buffers stay small.
  if (++sent_ >= kMaxQueued) return Drain();
  return Status::Ok();
}

Status Connection::SendEnd(const char* sql) {
  ENGRAM_RETURN_IF_ERROR(Send(sql));
  if (PQpipelineSync(conn_) != 1) return ErrorStatus(nullptr, "pipeline");  // sends it all
  ++syncs_;
  unsynced_ = 0;
  return Status::Ok();
}

bool Connection::Alive() {
  PQconsumeInput(conn_);  // reads EOF too: the status becomes CONNECTION_BAD
  return healthy();
}

Status Connection::Drain(std::vector<Rows>* tail, int count) {
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF) return Status::Ok();
  Status first = Status::Ok();
  auto keep_first = [&first](Status s) {
    if (first.ok()) first = std::move(s);
  };
  if (unsynced_ > 0 || syncs_ == 0) {
    if (PQpipelineSync(conn_) == 1) {
      ++syncs_;
    } else {
      keep_first(ErrorStatus(nullptr, "pipeline"));
      syncs_ = 0;
    }
  }
  // Each statement's results end with a null, each sync point's with PGRES_PIPELINE_SYNC, in the
  // order they were sent. A statement after a failed one reports PGRES_PIPELINE_ABORTED: the
  // failure is the first one's.
  while (syncs_ > 0 && healthy()) {
    PGresult* raw = PQgetResult(conn_);
    if (raw == nullptr) {
      if (sent_ == 0) break;  // nothing more will come
      --sent_;
      continue;
    }
    Rows result(raw);
    const ExecStatusType st = PQresultStatus(raw);
    if (st == PGRES_PIPELINE_SYNC) {
      --syncs_;
    } else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
      keep_first(ErrorStatus(raw, "query"));
    } else if (sent_ <= count && tail != nullptr) {
      tail->push_back(std::move(result));
    }
  }
  if (syncs_ > 0) keep_first(Status::Unavailable("postgres: the pipeline ended early"));
  sent_ = unsynced_ = syncs_ = 0;
  if (PQexitPipelineMode(conn_) != 1) {
    broken_ = true;  // still in pipeline mode: no synchronous call would work on it
    keep_first(Status::Unavailable("postgres: cannot leave pipeline mode: " +
                                   OneLine(PQerrorMessage(conn_))));
  }
  return first;
}

Result<Rows> Connection::Query(const char* sql, const std::vector<Param>& params) {
  if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) {
    // Behind statements sent before: in the same round trip as theirs.
    ENGRAM_ASSIGN_OR_RETURN(std::vector<Rows> rows, QueryEach({{sql, params}}));
    return std::move(rows.front());
  }
  ENGRAM_ASSIGN_OR_RETURN(const std::string name, Prepared(sql));
  ENGRAM_ASSIGN_OR_RETURN(const std::vector<const char*> values, Values(params));
  Rows rows(PQexecPrepared(conn_, name.c_str(), static_cast<int>(values.size()), values.data(),
                           nullptr, nullptr, 0));
  const ExecStatusType st = PQresultStatus(rows.result_.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    return ErrorStatus(rows.result_.get(), "query");
  }
  return rows;
}

Result<std::vector<Rows>> Connection::QueryEach(const std::vector<Statement>& statements) {
  std::vector<Rows> rows;
  if (statements.empty()) return rows;
  // Preparing waits for an answer, which reads the results of whatever was sent before: every
  // statement is prepared before the first one is sent.
  for (const Statement& s : statements) ENGRAM_RETURN_IF_ERROR(Prepared(s.sql).status());
  const int count = static_cast<int>(statements.size());
  // Send reads the queue itself at kMaxQueued, which would drop these statements' rows: the queue
  // is read first when they would reach it.
  if (sent_ + count >= kMaxQueued) ENGRAM_RETURN_IF_ERROR(Drain());
  for (const Statement& s : statements) ENGRAM_RETURN_IF_ERROR(Send(s.sql, s.params));
  ENGRAM_RETURN_IF_ERROR(Drain(&rows, count));
  if (rows.size() != statements.size()) {
    return Status::Internal("postgres: a pipelined statement returned no result");
  }
  return rows;
}

Status Connection::Exec(const std::string& sql) {
  ENGRAM_RETURN_IF_ERROR(Drain());
  Rows rows(PQexec(conn_, sql.c_str()));
  const ExecStatusType st = PQresultStatus(rows.result_.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    return ErrorStatus(rows.result_.get(), "exec");
  }
  return Status::Ok();
}

Status Connection::Commit() {
  std::optional<Rows> commit;
  if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) {
    // Behind the statements sent before, in their round trip. After a failed one the server
    // skips the COMMIT: Drain reports that failure, and the transaction is still open.
    if (PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
      return ErrorStatus(nullptr, "commit");
    }
    ++sent_;
    ++unsynced_;
    std::vector<Rows> tail;
    ENGRAM_RETURN_IF_ERROR(Drain(&tail, 1));
    if (tail.empty()) return Status::Internal("postgres: COMMIT returned no result");
    commit.emplace(std::move(tail.front()));
  } else {
    commit.emplace(PQexec(conn_, "COMMIT"));
    if (PQresultStatus(commit->result_.get()) != PGRES_COMMAND_OK) {
      return ErrorStatus(commit->result_.get(), "commit");
    }
  }
  // An aborted transaction "commits" as a rollback, with status OK.
  if (std::strcmp(PQcmdStatus(commit->result_.get()), "COMMIT") != 0) {
    return Status::IOError("postgres: the transaction was rolled back: a statement of it failed");
  }
  return Status::Ok();
}

std::vector<std::string> Connection::TakeNotifications() {
  std::vector<std::string> out;
  PQconsumeInput(conn_);
  while (PGnotify* n = PQnotifies(conn_)) {
    out.emplace_back(n->extra ? n->extra : "");
    PQfreemem(n);
  }
  return out;
}

}  // namespace engram::store::pg
