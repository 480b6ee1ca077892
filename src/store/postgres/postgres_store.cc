#include "store/postgres/postgres_store.h"

#include <mutex>
#include <vector>

#include "store/postgres/schema.h"
#include "store/postgres/transaction.h"

namespace engram::store {

namespace pg {

PgTransaction::~PgTransaction() {
  if (!done_ && conn_->healthy()) conn_->Exec("ROLLBACK");
  release_(std::move(conn_));
}

Status PgTransaction::Commit() {
  if (done_) return Status::Internal("transaction already finished");
  ENGRAM_RETURN_IF_ERROR(conn_->Exec("COMMIT"));  // on failure the destructor rolls back
  done_ = true;
  return Status::Ok();
}

Result<Rows> PgTransaction::Query(const char* sql, const std::vector<Param>& params) {
  if (done_) return Status::Internal("transaction already finished");
  return conn_->Query(sql, params);
}

Result<int64_t> PgTransaction::SingleInt(const char* sql, const std::vector<Param>& params) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.size() == 0) return Status::Internal("query returned no row");
  return rows.Int(0, 0);
}

}  // namespace pg

namespace {

using pg::Connection;

// Writers of one database take turns (the Transaction contract: a write transaction is exclusive
// among writers), whichever process they run in. The lock ends with the transaction.
constexpr const char* kBeginWrite = "BEGIN; SELECT pg_advisory_xact_lock(7308604897068083201)";
// A read sees one snapshot for all its statements.
constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
// Idle connections kept for reuse; more are opened when more transactions run at once.
constexpr size_t kMaxIdleConnections = 16;

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(PostgresOptions options) : options_(std::move(options)) {}

  std::string backend() const override { return "postgres"; }

  Result<std::unique_ptr<Transaction>> BeginRead() override { return Begin(kBeginRead); }
  Result<std::unique_ptr<Transaction>> BeginWrite() override { return Begin(kBeginWrite); }

  Result<std::unique_ptr<Connection>> Connect() {
    ENGRAM_ASSIGN_OR_RETURN(auto conn,
                            Connection::Open(options_.conninfo, options_.statement_timeout_ms));
    // The optional-parameter filters ("$n IS NULL OR col = $n") need a plan for the values at
    // hand: a generic plan cannot drop the terms whose parameter is null.
    ENGRAM_RETURN_IF_ERROR(conn->Exec("SET plan_cache_mode = force_custom_plan"));
    return conn;
  }

  void Release(std::unique_ptr<Connection> conn) {
    if (!conn || !conn->healthy()) return;  // a broken connection is dropped; the next opens anew
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(conn));
  }

 private:
  Result<std::unique_ptr<Transaction>> Begin(const char* begin) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    Status st = conn ? conn->Exec(begin) : Status::Unavailable("no idle connection");
    if (!st.ok()) {
      // A pooled connection may have outlived its server (a restart, a network cut): one fresh
      // try before giving up.
      if (conn && conn->healthy()) return st;
      ENGRAM_ASSIGN_OR_RETURN(conn, Connect());
      ENGRAM_RETURN_IF_ERROR(conn->Exec(begin));
    }
    return std::unique_ptr<Transaction>(new pg::PgTransaction(
        std::move(conn), [this](std::unique_ptr<Connection> c) { Release(std::move(c)); }));
  }

  PostgresOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options) {
  if (options.conninfo.empty()) return Status::InvalidArgument("postgres: empty connection string");
  auto store = std::make_unique<PostgresStore>(options);
  ENGRAM_ASSIGN_OR_RETURN(auto conn, store->Connect());
  ENGRAM_RETURN_IF_ERROR(pg::MigrateSchema(*conn).status());
  store->Release(std::move(conn));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace engram::store
