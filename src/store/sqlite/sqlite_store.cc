#include "store/sqlite/sqlite_store.h"

#include <filesystem>
#include <functional>
#include <mutex>
#include <vector>

#include "store/sqlite/connection.h"
#include "store/sqlite/fts_functions.h"
#include "store/sqlite/schema.h"
#include "store/sqlite/transaction.h"
#include "util/claim.h"
#include "util/text.h"

namespace engram::store {

namespace {

using sqlite::Connection;
using sqlite::SqliteTransaction;

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer)
      : options_(std::move(options)), writer_(std::move(writer)) {}

  std::string backend() const override { return "sqlite"; }

  Result<std::unique_ptr<Transaction>> BeginWrite() override {
    std::unique_lock lock(writer_mu_);
    // IMMEDIATE takes the write lock now, so a busy database fails here rather than mid-way.
    ENGRAM_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
    return std::unique_ptr<Transaction>(new SqliteTransaction(
        writer_.get(), [] {}, std::move(lock)));
  }

  Result<std::unique_ptr<Transaction>> BeginRead() override {
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
    return std::unique_ptr<Transaction>(new SqliteTransaction(raw, [this, raw] {
      std::lock_guard lock(readers_mu_);
      readers_.emplace_back(raw);
    }));
  }

  static Result<std::unique_ptr<Connection>> OpenConnection(const SqliteOptions& options,
                                                            bool writer) {
    ENGRAM_ASSIGN_OR_RETURN(auto conn,
                            Connection::Open(options.path, false, options.busy_timeout_ms));
    ENGRAM_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys = ON"));
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
  std::mutex writer_mu_;
  std::unique_ptr<Connection> writer_;
  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Connection>> readers_;
};

// Rows written before schema version 4 have no content or claim hash, and rows hashed by an
// older util::ClaimKey have claim hashes that new texts no longer match; SQL cannot compute them,
// so the store does, once, in one transaction, and then notes in store_meta that every row has
// them (the store writes both with every row), so that later opens skip the table scan.
Status BackfillTextHashes(Connection& conn) {
  const std::string version = std::to_string(util::kClaimHashVersion);
  ENGRAM_ASSIGN_OR_RETURN(
      auto done, conn.Prepare("SELECT (SELECT value FROM store_meta WHERE name = "
                              "'text_hashes_complete'), (SELECT value FROM store_meta WHERE name = "
                              "'claim_hash_version')"));
  Status st;
  if (!done->Step(&st)) return st;
  const bool hashed = !done->ColumnText(0).empty();
  const bool current = done->ColumnText(1) == version;
  done.reset();
  if (hashed && current) return st;
  ENGRAM_RETURN_IF_ERROR(conn.Exec("BEGIN IMMEDIATE"));
  std::vector<std::pair<int64_t, std::string>> rows;
  {
    ENGRAM_ASSIGN_OR_RETURN(auto s,
                            conn.Prepare(current ? "SELECT rid, text FROM memories WHERE"
                                                   " content_hash IS NULL OR claim_hash IS NULL"
                                                 : "SELECT rid, text FROM memories"));
    while (s->Step(&st)) rows.emplace_back(s->ColumnInt(0), s->ColumnText(1));
  }
  if (st.ok()) {
    ENGRAM_ASSIGN_OR_RETURN(auto u,
                            conn.Prepare("UPDATE memories SET content_hash = ?2, claim_hash = ?3"
                                         " WHERE rid = ?1"));
    for (const auto& [rid, text] : rows) {
      u->Bind(1, rid);
      u->Bind(2, util::ContentHash(text));
      u->Bind(3, util::ClaimHash(text));
      st = u->Run();
      if (!st.ok()) break;
    }
  }
  if (st.ok()) {
    const std::string mark =
        "INSERT OR REPLACE INTO store_meta(name, value) VALUES ('text_hashes_complete', '1'),"
        " ('claim_hash_version', '" +
        version + "')";
    st = conn.Exec(mark.c_str());
  }
  if (!st.ok()) {
    conn.Exec("ROLLBACK");
    return st;
  }
  return conn.Exec("COMMIT");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("database path is empty");
  std::error_code ec;
  const auto parent = std::filesystem::path(options.path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Status::IOError("cannot create folder '" + parent.string() + "': " + ec.message());
  }
  ENGRAM_ASSIGN_OR_RETURN(auto writer, SqliteStore::OpenConnection(options, /*writer=*/true));
  ENGRAM_RETURN_IF_ERROR(sqlite::MigrateSchema(*writer));
  ENGRAM_RETURN_IF_ERROR(BackfillTextHashes(*writer));
  return std::unique_ptr<Store>(new SqliteStore(options, std::move(writer)));
}

}  // namespace engram::store
