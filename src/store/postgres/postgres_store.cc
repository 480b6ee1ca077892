#include "store/postgres/postgres_store.h"

#include <mutex>
#include <vector>

#include "store/postgres/cache_folder.h"
#include "store/postgres/graph.h"
#include "store/postgres/schema.h"
#include "store/postgres/transaction.h"
#include "util/private_folder.h"

namespace engram::store {

namespace pg {

OpenTransaction::~OpenTransaction() {
  if (!done_ && conn_->healthy() && !(end_without_waiting_ && conn_->SendEnd("ROLLBACK").ok())) {
    conn_->Drain();  // what was sent without waiting: a failure of it no longer matters
    if (conn_->in_transaction()) conn_->Exec("ROLLBACK");
  }
  release_(std::move(conn_));
}

Status OpenTransaction::Commit() {
  if (done_) return Status::Internal("transaction already finished");
  ENGRAM_RETURN_IF_ERROR(conn_->Commit());  // on failure the destructor rolls back
  done_ = true;
  return Status::Ok();
}

Result<Rows> OpenTransaction::Query(const char* sql, const std::vector<Param>& params) {
  if (done_) return Status::Internal("transaction already finished");
  return conn_->Query(sql, params);
}

Status OpenTransaction::Send(const char* sql, const std::vector<Param>& params) {
  if (done_) return Status::Internal("transaction already finished");
  return conn_->Send(sql, params);
}

Result<std::vector<Rows>> OpenTransaction::QueryEach(const std::vector<Statement>& statements) {
  if (done_) return Status::Internal("transaction already finished");
  return conn_->QueryEach(statements);
}

Result<int64_t> OpenTransaction::SingleInt(const char* sql, const std::vector<Param>& params) {
  ENGRAM_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.size() == 0) return Status::Internal("query returned no row");
  return rows.Int(0, 0);
}

}  // namespace pg

namespace {

using pg::Connection;

// Writers of each interface take turns (the contract of store.h and session_store.h: a write
// transaction is exclusive among writers), whichever process they run in. A lock ends with its
// transaction.
constexpr const char* kBeginMemoryWrite =
    "BEGIN; SELECT pg_advisory_xact_lock(7308604897068083201)";
constexpr const char* kBeginSessionWrite =
    "BEGIN; SELECT pg_advisory_xact_lock(7308604897068083202)";
constexpr const char* kBeginCheckpointWrite =
    "BEGIN; SELECT pg_advisory_xact_lock(7308604897068083203)";
constexpr const char* kBeginGraphWrite = "BEGIN; SELECT pg_advisory_xact_lock(7308604897068083204)";
// A read sees one snapshot for all its statements.
constexpr const char* kBeginRead = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
// Idle connections kept for reuse; more are opened when more transactions run at once.
constexpr size_t kMaxIdleConnections = 16;

// One database: a pool of connections shared by the memory and session stores.
class Database : public std::enable_shared_from_this<Database> {
 public:
  explicit Database(PostgresOptions options) : options_(std::move(options)) {}

  Result<std::unique_ptr<Connection>> Connect() {
    ENGRAM_ASSIGN_OR_RETURN(auto conn, Connection::Open(options_.conninfo));
    // The optional-parameter filters ("$n IS NULL OR col = $n") need a plan for the values at
    // hand: a generic plan cannot drop the terms whose parameter is null.
    std::string setup = "SET plan_cache_mode = force_custom_plan; SET lock_timeout = " +
                        std::to_string(options_.lock_timeout_ms);
    ENGRAM_RETURN_IF_ERROR(conn->Exec(setup));
    if (options_.default_statement_timeout_ms > 0) {
      ENGRAM_ASSIGN_OR_RETURN(pg::Rows current,
                              conn->Query("SELECT current_setting('statement_timeout') = '0'"));
      if (current.Bool(0, 0)) {
        ENGRAM_RETURN_IF_ERROR(conn->Exec("SET statement_timeout = " +
                                          std::to_string(options_.default_statement_timeout_ms)));
      }
    }
    return conn;
  }

  // The process's watch on the change counter, started by the first read of durable memory (a
  // command that never searches opens no listening connection).
  std::shared_ptr<pg::ChangeWatch> Watch() {
    std::lock_guard lock(mu_);
    if (!watch_) watch_ = std::make_shared<pg::ChangeWatch>(options_.conninfo);
    return watch_;
  }
  // The watch, when a read started it; null before.
  std::shared_ptr<pg::ChangeWatch> StartedWatch() {
    std::lock_guard lock(mu_);
    return watch_;
  }

  void Release(std::unique_ptr<Connection> conn) {
    if (!conn || !conn->healthy()) return;  // a broken connection is dropped; the next opens anew
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(conn));
  }

  // Txn is PgTransaction, PgSessionTransaction, PgCheckpointTransaction or PgGraphTransaction,
  // on a connection where `begin` ran.
  template <typename Txn>
  Result<std::unique_ptr<Txn>> Begin(const char* begin) {
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
      // A pooled connection may have outlived its server session (a restart, a network cut):
      // one fresh connection before giving up.
      if (conn && conn->healthy()) {
        conn->Exec("ROLLBACK");
        Release(std::move(conn));
        return st;
      }
      ENGRAM_ASSIGN_OR_RETURN(conn, Connect());
      st = conn->Exec(begin);
      if (!st.ok()) {
        if (conn->healthy()) conn->Exec("ROLLBACK");
        Release(std::move(conn));
        return st;
      }
    }
    return Wrap<Txn>(std::move(conn));
  }

  // Begin for a read whose `begin` travels with its first statement (Connection::Send): an idle
  // connection the server has closed is replaced first, without a round trip.
  template <typename Txn>
  Result<std::unique_ptr<Txn>> BeginPipelined(const char* begin) {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        conn = std::move(idle_.back());
        idle_.pop_back();
      }
    }
    if (!conn || !conn->Alive()) {
      ENGRAM_ASSIGN_OR_RETURN(conn, Connect());
    }
    ENGRAM_RETURN_IF_ERROR(conn->Send(begin));
    return Wrap<Txn>(std::move(conn));
  }

 private:
  PostgresOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::shared_ptr<pg::ChangeWatch> watch_;

  template <typename Txn>
  std::unique_ptr<Txn> Wrap(std::unique_ptr<Connection> conn) {
    // The transaction keeps the pool alive: it may outlive its store.
    return std::make_unique<Txn>(
        std::move(conn),
        [db = shared_from_this()](std::unique_ptr<Connection> c) { db->Release(std::move(c)); });
  }
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::string backend() const override { return "postgres"; }
  Result<std::unique_ptr<Transaction>> BeginRead() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->Begin<pg::PgTransaction>(kBeginRead));
    txn->Watch(db_->Watch(), /*read_only=*/true);
    return std::unique_ptr<Transaction>(std::move(txn));
  }
  Result<std::unique_ptr<Transaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->Begin<pg::PgTransaction>(kBeginMemoryWrite));
    txn->Watch(db_->StartedWatch(), /*read_only=*/false);
    return std::unique_ptr<Transaction>(std::move(txn));
  }

 private:
  std::shared_ptr<Database> db_;
};

class PostgresSessionStore final : public SessionStore {
 public:
  explicit PostgresSessionStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::string backend() const override { return "postgres"; }
  Result<std::unique_ptr<SessionTransaction>> BeginRead() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->Begin<pg::PgSessionTransaction>(kBeginRead));
    return std::unique_ptr<SessionTransaction>(std::move(txn));
  }
  Result<std::unique_ptr<SessionTransaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->Begin<pg::PgSessionTransaction>(kBeginSessionWrite));
    return std::unique_ptr<SessionTransaction>(std::move(txn));
  }

 private:
  std::shared_ptr<Database> db_;
};

class PostgresCheckpointStore final : public CheckpointStore {
 public:
  explicit PostgresCheckpointStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::string backend() const override { return "postgres"; }
  Result<std::unique_ptr<CheckpointTransaction>> BeginRead() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->Begin<pg::PgCheckpointTransaction>(kBeginRead));
    return std::unique_ptr<CheckpointTransaction>(std::move(txn));
  }
  Result<std::unique_ptr<CheckpointTransaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn,
                            db_->Begin<pg::PgCheckpointTransaction>(kBeginCheckpointWrite));
    return std::unique_ptr<CheckpointTransaction>(std::move(txn));
  }

 private:
  std::shared_ptr<Database> db_;
};

class PostgresGraphStore final : public GraphStore {
 public:
  explicit PostgresGraphStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  std::string backend() const override { return "postgres"; }
  Result<std::unique_ptr<GraphTransaction>> BeginRead() override {
    // Graph reads are a few statements each: BEGIN goes with the first, ROLLBACK unanswered.
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginPipelined<pg::PgGraphTransaction>(kBeginRead));
    txn->EndWithoutWaiting();
    return std::unique_ptr<GraphTransaction>(std::move(txn));
  }
  Result<std::unique_ptr<GraphTransaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->Begin<pg::PgGraphTransaction>(kBeginGraphWrite));
    return std::unique_ptr<GraphTransaction>(std::move(txn));
  }

 private:
  std::shared_ptr<Database> db_;
};

// The fix named when the index cache folder cannot be used.
constexpr std::string_view kCacheFolder = "index cache folder";
constexpr std::string_view kChooseCacheFolder =
    "use another with --index-cache DIR, or none (Options::index_cache)";

// Connects and migrates; *before: the schema version the database had. With a cache root,
// *cache_dir becomes the database's folder in it (pg::CacheIdentity), or "" when the server does
// not say who it is: the index is then rebuilt on open, as without a cache. With
// `private_folders`, the root and that folder are created 0700 and must be private, and the
// folders of the root that can no longer serve are pruned (pg::PruneCacheFolders).
Result<std::shared_ptr<Database>> OpenDatabase(const PostgresOptions& options, int* before,
                                               const std::string& cache_root = "",
                                               bool private_folders = false,
                                               std::string* cache_dir = nullptr) {
  if (options.conninfo.empty()) return Status::InvalidArgument("postgres: no connection string");
  auto db = std::make_shared<Database>(options);
  ENGRAM_ASSIGN_OR_RETURN(auto conn, db->Connect());
  ENGRAM_ASSIGN_OR_RETURN(*before, pg::MigrateSchema(*conn));
  if (!cache_root.empty()) {
    Result<pg::CacheIdentity> id = pg::ReadCacheIdentity(*conn);
    *cache_dir = id.ok() ? cache_root + "/" + id->FolderName() : "";
    if (private_folders && id.ok()) {
      ENGRAM_RETURN_IF_ERROR(
          util::EnsurePrivateFolder(cache_root, true, kCacheFolder, kChooseCacheFolder));
      ENGRAM_RETURN_IF_ERROR(
          util::EnsurePrivateFolder(*cache_dir, true, kCacheFolder, kChooseCacheFolder));
      pg::PruneCacheFolders(cache_root, *id);
    }
  }
  db->Release(std::move(conn));
  return db;
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options) {
  int before = 0;
  ENGRAM_ASSIGN_OR_RETURN(auto db, OpenDatabase(options, &before));
  return std::unique_ptr<Store>(new PostgresStore(std::move(db)));
}

Result<OpenedBackend> OpenPostgresUrl(const StoreUrl& url, const OpenSettings& settings) {
  PostgresOptions options;
  options.conninfo = "postgresql://" + url.rest;
  options.lock_timeout_ms = settings.busy_timeout_ms;
  int before = 0;
  OpenedBackend out;
  ENGRAM_ASSIGN_OR_RETURN(auto db, OpenDatabase(options, &before, settings.cache_dir,
                                                settings.private_local_dir, &out.local_dir));
  const int latest = pg::LatestSchemaVersion();
  out.schema = "schema version " + std::to_string(latest) +
               (before == latest ? ", current" : ", migrated from " + std::to_string(before));
  out.memory = std::make_shared<PostgresStore>(db);
  out.sessions = std::make_shared<PostgresSessionStore>(db);
  out.graph = std::make_shared<PostgresGraphStore>(db);
  out.checkpoints = std::make_shared<PostgresCheckpointStore>(std::move(db));
  return out;
}

}  // namespace engram::store
