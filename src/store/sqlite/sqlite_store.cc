// The SQLite backend: one database file in WAL mode, one writer connection and a pool of reader
// connections, shared by the durable-memory store and the session store over that file.
#include "store/sqlite/sqlite_store.h"

#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

#include "store/sqlite/checkpoints.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/fts_functions.h"
#include "store/sqlite/graph.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/transaction.h"
#include "util/private_folder.h"

namespace engram::store {

namespace sqlite {

OpenTransaction::~OpenTransaction() {
  if (writer_) {
    if (!done_) writer_->Rollback();
    if (ticket_ != 0) writer_->Finish(ticket_);
    return;
  }
  if (!done_) conn_->Exec("ROLLBACK");
  release_();
}

Status OpenTransaction::Commit() {
  if (done_) return Status::Internal("transaction already finished");
  if (writer_) {
    done_ = true;  // committed or not, the write has given the connection up
    return writer_->Commit(&ticket_);
  }
  Status st = conn_->Exec("COMMIT");
  if (!st.ok()) return st;  // the destructor rolls back
  done_ = true;
  return st;
}

Result<int64_t> DeleteWhereOwner(Connection& conn, const char* sql, std::string_view owner_id) {
  ENGRAM_ASSIGN_OR_RETURN(auto s, conn.Prepare(sql));
  s->Bind(1, owner_id);
  ENGRAM_RETURN_IF_ERROR(s->Run());
  return conn.Changes();
}

Result<int64_t> SingleInt(Stmt& s) {
  Status st;
  if (!s.Step(&st)) return st.ok() ? Status::Internal("query returned no row") : st;
  return s.ColumnInt(0);
}

}  // namespace sqlite

namespace {

using sqlite::Connection;
using sqlite::SqliteCheckpointTransaction;
using sqlite::SqliteGraphTransaction;
using sqlite::SqliteSessionTransaction;
using sqlite::SqliteTransaction;

// The most of the database file mapped into memory (address space, not memory used).
constexpr int64_t kMmapBytes = int64_t{1} << 30;

// One database file: the writer connection, shared by write transactions through group commit,
// and a pool of readers.
class Database {
 public:
  Database(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_(std::move(writer)), group_commit_(writer_.get()) {}

  // Txn is SqliteTransaction, SqliteSessionTransaction, SqliteGraphTransaction or
  // SqliteCheckpointTransaction: each takes (conn, release, lock).
  template <typename Txn>
  Result<std::unique_ptr<Txn>> BeginWrite() {
    ENGRAM_RETURN_IF_ERROR(group_commit_.Begin());
    return std::make_unique<Txn>(
        writer_.get(), [] {}, &group_commit_);
  }

  template <typename Txn>
  Result<std::unique_ptr<Txn>> BeginRead() {
    std::unique_ptr<Connection> conn;
    {
      std::lock_guard lock(readers_mu_);
      if (!readers_.empty()) {
        conn = std::move(readers_.back());
        readers_.pop_back();
      }
    }
    if (!conn) {
      ENGRAM_ASSIGN_OR_RETURN(conn, OpenConnection(options_, /*writer=*/false));
    }
    ENGRAM_RETURN_IF_ERROR(conn->Exec("BEGIN"));
    Connection* raw = conn.release();
    return std::make_unique<Txn>(raw, [this, raw] {
      std::lock_guard lock(readers_mu_);
      readers_.emplace_back(raw);
    });
  }

  static Result<std::unique_ptr<Connection>> OpenConnection(const SqliteOptions& options,
                                                            bool writer) {
    ENGRAM_ASSIGN_OR_RETURN(auto conn,
                            Connection::Open(options.path, false, options.busy_timeout_ms));
    ENGRAM_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON"));
    // Pages are read through a memory map shared by every connection (the OS page cache)
    // instead of one pread each into a per-connection cache: a graph hop reads many scattered
    // pages (bench/graph measures it).
    ENGRAM_RETURN_IF_ERROR(
        conn->Exec(("PRAGMA mmap_size = " + std::to_string(kMmapBytes)).c_str()));
    ENGRAM_RETURN_IF_ERROR(sqlite::RegisterFtsFunctions(conn->handle()));
    if (writer) {
      ENGRAM_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode = WAL"));
      ENGRAM_RETURN_IF_ERROR(conn->Exec(options.durable_commits ? "PRAGMA synchronous = FULL"
                                                                : "PRAGMA synchronous = NORMAL"));
    } else {
      ENGRAM_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only = ON"));
    }
    return conn;
  }

 private:
  SqliteOptions options_;
  std::unique_ptr<Connection> writer_;
  sqlite::GroupCommit group_commit_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;
};

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::string backend() const override { return "sqlite"; }
  Result<std::unique_ptr<Transaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginWrite<SqliteTransaction>());
    return std::unique_ptr<Transaction>(std::move(txn));
  }
  Result<std::unique_ptr<Transaction>> BeginRead() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginRead<SqliteTransaction>());
    return std::unique_ptr<Transaction>(std::move(txn));
  }

 private:
  std::shared_ptr<Database> db_;
};

class SqliteGraphStore final : public GraphStore {
 public:
  explicit SqliteGraphStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::string backend() const override { return "sqlite"; }
  Result<std::unique_ptr<GraphTransaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginWrite<SqliteGraphTransaction>());
    return std::unique_ptr<GraphTransaction>(std::move(txn));
  }
  Result<std::unique_ptr<GraphTransaction>> BeginRead() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginRead<SqliteGraphTransaction>());
    return std::unique_ptr<GraphTransaction>(std::move(txn));
  }

 private:
  std::shared_ptr<Database> db_;
};

class SqliteCheckpointStore final : public CheckpointStore {
 public:
  explicit SqliteCheckpointStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::string backend() const override { return "sqlite"; }
  Result<std::unique_ptr<CheckpointTransaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginWrite<SqliteCheckpointTransaction>());
    return std::unique_ptr<CheckpointTransaction>(std::move(txn));
  }
  Result<std::unique_ptr<CheckpointTransaction>> BeginRead() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginRead<SqliteCheckpointTransaction>());
    return std::unique_ptr<CheckpointTransaction>(std::move(txn));
  }

 private:
  std::shared_ptr<Database> db_;
};

class SqliteSessionStore final : public SessionStore {
 public:
  explicit SqliteSessionStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  std::string backend() const override { return "sqlite"; }
  Result<std::unique_ptr<SessionTransaction>> BeginWrite() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginWrite<SqliteSessionTransaction>());
    return std::unique_ptr<SessionTransaction>(std::move(txn));
  }
  Result<std::unique_ptr<SessionTransaction>> BeginRead() override {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, db_->BeginRead<SqliteSessionTransaction>());
    return std::unique_ptr<SessionTransaction>(std::move(txn));
  }

 private:
  std::shared_ptr<Database> db_;
};

Result<std::shared_ptr<Database>> OpenDatabase(const SqliteOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("database path is empty");
  std::error_code ec;
  const auto parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::IOError("cannot create folder '" + parent.string() + "': " + ec.message());
  }
  ENGRAM_ASSIGN_OR_RETURN(auto writer, Database::OpenConnection(options, /*writer=*/true));
  ENGRAM_RETURN_IF_ERROR(sqlite::MigrateSchema(*writer));
  return std::make_shared<Database>(options, std::move(writer));
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  ENGRAM_ASSIGN_OR_RETURN(auto db, OpenDatabase(options));
  return std::unique_ptr<Store>(new SqliteStore(std::move(db)));
}

Result<OpenedBackend> OpenSqliteUrl(const StoreUrl& url, const OpenSettings& settings) {
  if (url.rest.empty()) {
    return Status::InvalidArgument("a sqlite:// URL names the database file, e.g. " +
                                   SqliteUrl("/var/lib/engram/engram.db"));
  }
  SqliteOptions options;
  options.path = url.rest;
  options.busy_timeout_ms = settings.busy_timeout_ms;
  options.durable_commits = settings.durable_commits;
  ENGRAM_ASSIGN_OR_RETURN(auto db, OpenDatabase(options));
  OpenedBackend out;
  out.memory = std::make_shared<SqliteStore>(db);
  out.sessions = std::make_shared<SqliteSessionStore>(db);
  out.graph = std::make_shared<SqliteGraphStore>(db);
  out.checkpoints = std::make_shared<SqliteCheckpointStore>(std::move(db));
  out.local_dir = options.path + ".index";
  if (settings.private_local_dir) {
    ENGRAM_RETURN_IF_ERROR(util::EnsurePrivateFolder(
        out.local_dir, false, "index folder",
        "remove it (it only caches the database's vector index; it is made again, private)"));
  }
  return out;
}

}  // namespace engram::store
