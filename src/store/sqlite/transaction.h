// The SQLite backend's transactions over one database: SqliteTransaction (durable memory, its
// methods in memories.cc, recall.cc and lexical.cc) and SqliteSessionTransaction (session state,
// sessions.cc), each on an OpenTransaction (sqlite_store.cc).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/session_store.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/group_commit.h"
#include "store/store.h"

namespace engram::store::sqlite {

// The change counter as the transaction sees it: the number of the write, when it bumped it. Every
// write of a record stamps it into change_seq.
#define ENGRAM_CHANGE_COUNTER \
  "(SELECT CAST(value AS INTEGER) FROM store_meta WHERE name = 'change_counter')"

// A transaction open on a connection: rolls back unless committed, then hands the connection
// back.
class OpenTransaction {
 public:
  // Takes over an open transaction: a read on conn, which `release` hands back on destruction;
  // or, when `writer` is set, a write begun with writer->Begin() (conn is its connection).
  OpenTransaction(Connection* conn, std::function<void()> release, GroupCommit* writer)
      : writer_(writer), conn_(conn), release_(std::move(release)) {}
  OpenTransaction(const OpenTransaction&) = delete;
  OpenTransaction& operator=(const OpenTransaction&) = delete;
  ~OpenTransaction();

  Status Commit();

 private:
  GroupCommit* writer_;
  Connection* conn_;
  std::function<void()> release_;
  bool done_ = false;
  uint64_t ticket_ = 0;  // a write's place in commit order (GroupCommit::Finish)
};

// The one integer a statement returns.
Result<int64_t> SingleInt(Stmt& s);
// Runs a statement whose ?1 is the owner; returns how many rows it changed.
Result<int64_t> DeleteWhereOwner(Connection& conn, const char* sql, std::string_view owner_id);

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(Connection* conn, std::function<void()> release, GroupCommit* writer = nullptr)
      : txn_(conn, std::move(release), writer), conn_(conn) {}

  Status Commit() override { return txn_.Commit(); }
  Result<std::optional<MemoryRecord>> GetMemory(std::string_view owner_id,
                                                std::string_view id) override;
  Result<std::vector<MemoryRecord>> ListMemories(const MemoryQuery& q) override;
  Result<std::vector<std::vector<MemoryRecord>>> ListMemoriesEach(
      std::span<const MemoryQuery> queries) override;
  Result<int64_t> CountMemories(const MemoryQuery& q) override;
  Result<std::vector<std::pair<MemoryType, int64_t>>> CountLiveByType(Timestamp now) override;
  Result<std::vector<OwnerCount>> ListOwners(Timestamp now, std::string_view after,
                                             size_t limit) override;
  Result<MemoryStats> MemoryStatsOf(const MemoryStatsQuery& q) override;
  Result<std::vector<std::pair<int64_t, MemoryRecord>>> ListExpired(Timestamp now,
                                                                    size_t limit) override;
  Result<int64_t> EraseMemory(std::string_view owner_id, std::string_view id,
                              bool erase_history) override;
  Result<int64_t> InsertMemory(const MemoryRecord& r, const TextHashes& hashes) override;
  Result<int64_t> MemoryRid(std::string_view owner_id, std::string_view id) override;
  Result<std::vector<int64_t>> SessionRids(std::string_view owner_id,
                                           std::string_view session_id) override;
  Result<std::vector<std::pair<int64_t, MemoryRecord>>> GetMemoriesByRid(
      std::string_view owner_id, const std::vector<int64_t>& rids) override;
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
  Result<LexicalResult> LexicalSearch(std::string_view owner_id,
                                      const std::vector<std::string>& terms, size_t limit,
                                      size_t owner_records) override;
  Status RecordAccess(const std::vector<int64_t>& rids, Timestamp at) override;
  Result<int64_t> ChangeCounter() override;
  Result<int64_t> BumpChangeCounter() override;
  Result<std::optional<std::string>> GetMeta(std::string_view name) override;
  Status PutMeta(std::string_view name, std::string_view value) override;
  Status ReplaceMemory(const MemoryRecord& r, const TextHashes& hashes) override;
  Status AppendHistory(const HistoryEvent& e) override;
  Result<std::vector<std::string>> SnapshotsAsOf(std::string_view owner_id, Timestamp at) override;
  Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id,
                                               std::string_view memory_id) override;
  Result<ForgetReport> DeleteOwner(std::string_view owner_id) override;
  Result<std::vector<std::string>> ListAllOwners() override;
  Result<std::vector<std::pair<int64_t, MemoryRecord>>> ListAllMemories(
      std::string_view owner_id) override;
  Result<std::vector<HistoryEvent>> GetOwnerHistory(std::string_view owner_id) override;

 private:
  // The number of rows of the lexical index (every owner's) and, per phrase, of those that
  // contain it in text or key: BM25's statistics. False when no row contains any phrase.
  Result<bool> CountFtsMatches(const std::vector<std::string>& phrases, int64_t* rows,
                               std::vector<int64_t>* dfs);

  // For each of `phrases` phrases after the first (the owner tag) of an FTS5 expression, the
  // number of rows matching the expression that contain it.
  Result<std::vector<int64_t>> PhraseCounts(const std::string& match, size_t phrases);

  // The owner's rows matching an FTS5 expression (which restricts the owner), best first by
  // engram_bm25 with the phrases' document counts.
  Result<std::vector<LexicalHit>> RankFts(const std::string& match, const std::string& counts,
                                          size_t limit);
  OpenTransaction txn_;
  Connection* conn_;
};

class SqliteSessionTransaction final : public SessionTransaction {
 public:
  SqliteSessionTransaction(Connection* conn, std::function<void()> release,
                           GroupCommit* writer = nullptr)
      : txn_(conn, std::move(release), writer), conn_(conn) {}

  Status Commit() override { return txn_.Commit(); }
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
  Result<std::optional<SessionSummary>> GetSessionSummary(std::string_view owner_id,
                                                          std::string_view session_id) override;
  Status PutSessionSummary(std::string_view owner_id, std::string_view session_id,
                           const SessionSummary& summary) override;
  Result<std::vector<OwnerItem>> RecentOwnerItems(std::string_view owner_id, size_t limit) override;
  Result<std::optional<SessionInfo>> LastActiveSession(std::string_view owner_id,
                                                       std::string_view except) override;
  Result<int64_t> DeleteSessionItemsBefore(Timestamp cutoff) override;
  Result<int64_t> DeleteSession(std::string_view owner_id, std::string_view session_id) override;
  Result<ForgetReport> DeleteOwnerSessions(std::string_view owner_id) override;
  Result<std::vector<std::string>> ListSessionOwners() override;
  Result<std::vector<SessionInfo>> ListSessions(std::string_view owner_id) override;

 private:
  OpenTransaction txn_;
  Connection* conn_;
};

}  // namespace engram::store::sqlite
