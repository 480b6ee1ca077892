// The PostgreSQL backend's transactions, each on a pooled connection: PgTransaction (durable
// memory; its methods in memories.cc, recall.cc and lexical.cc), PgSessionTransaction (session
// state, sessions.cc) and PgCheckpointTransaction (checkpoints.cc). The SQL mirrors the SQLite
// backend's.
#pragma once

#include <functional>
#include <memory>

#include "store/checkpoint_store.h"
#include "store/postgres/change_watch.h"
#include "store/postgres/connection.h"
#include "store/session_store.h"
#include "store/store.h"

namespace engram::store::pg {

using ReleaseConnection = std::function<void(std::unique_ptr<Connection>)>;

// A transaction open on a connection: rolls back unless committed, then hands the connection
// back through `release`.
class OpenTransaction {
 public:
  OpenTransaction(std::unique_ptr<Connection> conn, ReleaseConnection release)
      : conn_(std::move(conn)), release_(std::move(release)) {}
  OpenTransaction(const OpenTransaction&) = delete;
  OpenTransaction& operator=(const OpenTransaction&) = delete;
  ~OpenTransaction();

  Status Commit();
  // Runs a statement of this transaction. After an error the transaction is dead (PostgreSQL
  // aborts it): every later statement fails and the destructor rolls back.
  Result<Rows> Query(const char* sql, const std::vector<Param>& params = {});
  // The first column of the first row.
  Result<int64_t> SingleInt(const char* sql, const std::vector<Param>& params = {});
  // Sends a statement run for its effect alone, without waiting (Connection::Send): its error,
  // if any, fails the transaction's next statement or its commit.
  Status Send(const char* sql, const std::vector<Param>& params);
  // For a transaction that writes nothing: ended without a commit, by a ROLLBACK sent without
  // waiting for its answer (Connection::SendEnd), which the connection's next user reads.
  void EndWithoutWaiting() { end_without_waiting_ = true; }
  // Runs the statements in one round trip (Connection::QueryEach); their rows, in order.
  Result<std::vector<Rows>> QueryEach(const std::vector<Statement>& statements);

 private:
  std::unique_ptr<Connection> conn_;
  ReleaseConnection release_;
  bool done_ = false;
  bool end_without_waiting_ = false;
};

class PgTransaction final : public Transaction {
 public:
  PgTransaction(std::unique_ptr<Connection> conn, ReleaseConnection release)
      : txn_(std::move(conn), std::move(release)) {}
  // The process's watch on the change counter: a read transaction takes the counter from it
  // when it is current; a write transaction that bumped the counter tells it on commit.
  void Watch(std::shared_ptr<ChangeWatch> watch, bool read_only) {
    watch_ = std::move(watch);
    read_only_ = read_only;
  }

  Status Commit() override;

  // memories.cc
  Result<std::optional<MemoryRecord>> GetMemory(std::string_view owner_id,
                                                std::string_view id) override;
  Result<std::vector<MemoryRecord>> ListMemories(const MemoryQuery& query) override;
  Result<std::vector<std::vector<MemoryRecord>>> ListMemoriesEach(
      std::span<const MemoryQuery> queries) override;
  Result<int64_t> CountMemories(const MemoryQuery& query) override;
  Result<std::vector<std::pair<MemoryType, int64_t>>> CountLiveByType(Timestamp now) override;
  Result<std::vector<OwnerCount>> ListOwners(Timestamp now, std::string_view after,
                                             size_t limit) override;
  Result<MemoryStats> MemoryStatsOf(const MemoryStatsQuery& q) override;
  Result<std::vector<std::pair<int64_t, MemoryRecord>>> ListExpired(Timestamp now,
                                                                    size_t limit) override;
  Result<int64_t> EraseMemory(std::string_view owner_id, std::string_view id,
                              bool erase_history) override;
  Result<int64_t> InsertMemory(const MemoryRecord& record, const TextHashes& hashes) override;
  Result<int64_t> MemoryRid(std::string_view owner_id, std::string_view id) override;
  Result<std::vector<int64_t>> SessionRids(std::string_view owner_id,
                                           std::string_view session_id) override;
  Result<std::vector<std::pair<int64_t, MemoryRecord>>> GetMemoriesByRid(
      std::string_view owner_id, const std::vector<int64_t>& rids) override;
  Status ReplaceMemory(const MemoryRecord& record, const TextHashes& hashes) override;
  Status AppendHistory(const HistoryEvent& event) override;
  Result<std::vector<std::string>> SnapshotsAsOf(std::string_view owner_id, Timestamp at) override;
  Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id,
                                               std::string_view memory_id) override;
  Result<ForgetReport> DeleteOwner(std::string_view owner_id) override;
  Result<std::vector<std::string>> ListAllOwners() override;
  Result<std::vector<std::pair<int64_t, MemoryRecord>>> ListAllMemories(
      std::string_view owner_id) override;
  Result<std::vector<HistoryEvent>> GetOwnerHistory(std::string_view owner_id) override;
  Status RecordAccess(const std::vector<int64_t>& rids, Timestamp at) override;
  Result<int64_t> ChangeCounter() override;
  Result<int64_t> BumpChangeCounter() override;
  Result<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status PutMeta(std::string_view name, std::string_view value) override;

  // recall.cc
  Result<std::vector<IndexedMemory>> LoadIndexedMemories(std::string_view owner_id,
                                                         int64_t vectors_after_seq) override;
  Result<std::vector<IndexedMemory>> LoadIndexedChanges(std::string_view owner_id,
                                                        int64_t after_seq) override;
  Result<std::vector<int64_t>> LiveRidsWrittenUpTo(std::string_view owner_id, int64_t seq) override;
  Result<std::vector<std::pair<int64_t, std::string>>> LiveTexts(int64_t after_rid,
                                                                 size_t limit) override;
  Status SetTextHashes(int64_t rid, const TextHashes& hashes) override;
  Status PutVector(int64_t rid, const std::vector<float>& vector, int64_t seq) override;
  Result<std::vector<float>> GetVector(int64_t rid) override;
  Status DeleteAllVectors() override;

  // lexical.cc
  Result<LexicalResult> LexicalSearch(std::string_view owner_id,
                                      const std::vector<std::string>& terms, size_t limit,
                                      size_t owner_records) override;

 private:
  Result<Rows> Query(const char* sql, const std::vector<Param>& params = {}) {
    return txn_.Query(sql, params);
  }
  Result<int64_t> SingleInt(const char* sql, const std::vector<Param>& params = {}) {
    return txn_.SingleInt(sql, params);
  }
  Status Send(const char* sql, const std::vector<Param>& params) { return txn_.Send(sql, params); }
  Result<std::vector<Rows>> QueryEach(const std::vector<Statement>& statements) {
    return txn_.QueryEach(statements);
  }

  OpenTransaction txn_;
  std::shared_ptr<ChangeWatch> watch_;
  bool read_only_ = false;
  bool bumped_ = false;  // BumpChangeCounter ran
};

class PgSessionTransaction final : public SessionTransaction {
 public:
  PgSessionTransaction(std::unique_ptr<Connection> conn, ReleaseConnection release)
      : txn_(std::move(conn), std::move(release)) {}

  Status Commit() override { return txn_.Commit(); }

  // sessions.cc
  Result<int64_t> LastSessionSeq(std::string_view owner_id, std::string_view session_id) override;
  Result<int64_t> NthLastSessionSeq(std::string_view owner_id, std::string_view session_id,
                                    size_t n, std::optional<Role> role) override;
  Result<int64_t> PrecedingNonToolSeq(std::string_view owner_id, std::string_view session_id,
                                      int64_t seq) override;
  Status AppendSessionItems(std::string_view owner_id, std::string_view session_id,
                            const std::vector<SessionItem>& items) override;
  Result<std::vector<SessionItem>> GetSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   int64_t from_seq) override;
  Result<int64_t> DeleteSessionItems(std::string_view owner_id, std::string_view session_id,
                                     int64_t from_seq) override;
  Result<int64_t> DeleteSession(std::string_view owner_id, std::string_view session_id) override;
  Result<std::optional<SessionSummary>> GetSessionSummary(std::string_view owner_id,
                                                          std::string_view session_id) override;
  Status PutSessionSummary(std::string_view owner_id, std::string_view session_id,
                           const SessionSummary& summary) override;
  Result<std::vector<OwnerItem>> RecentOwnerItems(std::string_view owner_id, size_t limit) override;
  Result<std::optional<SessionInfo>> LastActiveSession(std::string_view owner_id,
                                                       std::string_view except) override;
  Result<int64_t> DeleteSessionItemsBefore(Timestamp cutoff) override;

  Result<ForgetReport> DeleteOwnerSessions(std::string_view owner_id) override;
  Result<std::vector<std::string>> ListSessionOwners() override;
  Result<std::vector<SessionInfo>> ListSessions(std::string_view owner_id) override;

 private:
  Result<Rows> Query(const char* sql, const std::vector<Param>& params = {}) {
    return txn_.Query(sql, params);
  }
  Result<int64_t> SingleInt(const char* sql, const std::vector<Param>& params = {}) {
    return txn_.SingleInt(sql, params);
  }

  OpenTransaction txn_;
};

class PgCheckpointTransaction final : public CheckpointTransaction {
 public:
  PgCheckpointTransaction(std::unique_ptr<Connection> conn, ReleaseConnection release)
      : txn_(std::move(conn), std::move(release)) {}

  Status Commit() override { return txn_.Commit(); }

  // checkpoints.cc
  Result<std::optional<Checkpoint>> GetCheckpoint(
      std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
      std::optional<std::string_view> checkpoint_id) override;
  Result<std::vector<Checkpoint>> ListCheckpoints(const CheckpointQuery& query) override;
  Status PutCheckpoint(const Checkpoint& checkpoint,
                       const std::vector<ChannelValue>& values) override;
  Result<std::vector<ChannelValue>> GetChannelValues(std::string_view owner_id,
                                                     std::string_view thread_id,
                                                     std::string_view checkpoint_ns,
                                                     std::string_view checkpoint_id) override;
  Result<int64_t> PutWrites(std::string_view owner_id, std::string_view thread_id,
                            std::string_view checkpoint_ns, std::string_view checkpoint_id,
                            const std::vector<PendingWrite>& writes) override;
  Result<std::vector<PendingWrite>> GetWrites(std::string_view owner_id, std::string_view thread_id,
                                              std::string_view checkpoint_ns,
                                              std::string_view checkpoint_id) override;
  Result<int64_t> CountCheckpoints(std::string_view owner_id, std::string_view thread_id) override;
  Result<int64_t> CopyThread(std::string_view owner_id, std::string_view from,
                             std::string_view to) override;
  Result<int64_t> PruneThread(std::string_view owner_id, std::string_view thread_id,
                              size_t keep) override;
  Result<int64_t> DeleteThread(std::string_view owner_id, std::string_view thread_id) override;
  Result<int64_t> DeleteOwnerCheckpoints(std::string_view owner_id) override;
  Result<std::vector<std::string>> ListCheckpointOwners() override;
  Result<std::vector<ThreadChannelValue>> ListOwnerChannelValues(
      std::string_view owner_id) override;
  Result<std::vector<CheckpointWrite>> ListOwnerWrites(std::string_view owner_id) override;

 private:
  Result<Rows> Query(const char* sql, const std::vector<Param>& params = {}) {
    return txn_.Query(sql, params);
  }

  OpenTransaction txn_;
};

}  // namespace engram::store::pg
