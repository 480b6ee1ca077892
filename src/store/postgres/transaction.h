// PgTransaction: one transaction on one pooled connection. Its methods are defined by subject in
// memories.cc, recall.cc, lexical.cc and sessions.cc; the SQL mirrors the SQLite backend's.
#pragma once

#include <functional>
#include <memory>

#include "store/postgres/connection.h"
#include "store/store.h"

namespace engram::store::pg {

class PgTransaction final : public Transaction {
 public:
  // Takes over an open transaction on conn; `release` gets the connection back when the
  // transaction ends (rolled back unless committed).
  PgTransaction(std::unique_ptr<Connection> conn,
                std::function<void(std::unique_ptr<Connection>)> release)
      : conn_(std::move(conn)), release_(std::move(release)) {}
  ~PgTransaction() override;

  Status Commit() override;

  // memories.cc
  Result<std::optional<MemoryRecord>> GetMemory(std::string_view owner_id,
                                                std::string_view id) override;
  Result<std::vector<MemoryRecord>> ListMemories(const MemoryQuery& query) override;
  Result<int64_t> CountMemories(const MemoryQuery& query) override;
  Result<std::vector<std::pair<MemoryType, int64_t>>> CountLiveByType(Timestamp now) override;
  Result<std::vector<std::pair<int64_t, MemoryRecord>>> ListExpired(Timestamp now,
                                                                    size_t limit) override;
  Result<int64_t> EraseMemory(std::string_view owner_id, std::string_view id,
                              bool erase_history) override;
  Result<int64_t> InsertMemory(const MemoryRecord& record) override;
  Result<int64_t> MemoryRid(std::string_view owner_id, std::string_view id) override;
  Result<std::vector<int64_t>> SessionRids(std::string_view owner_id,
                                           std::string_view session_id) override;
  Result<std::vector<std::pair<int64_t, MemoryRecord>>> GetMemoriesByRid(
      std::string_view owner_id, const std::vector<int64_t>& rids) override;
  Status ReplaceMemory(const MemoryRecord& record) override;
  Status AppendHistory(const HistoryEvent& event) override;
  Result<std::vector<std::string>> SnapshotsAsOf(std::string_view owner_id, Timestamp at) override;
  Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id,
                                               std::string_view memory_id) override;
  Result<ForgetReport> DeleteOwner(std::string_view owner_id) override;
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
  Status PutVector(int64_t rid, const std::vector<float>& vector, int64_t seq) override;
  Result<std::vector<float>> GetVector(int64_t rid) override;
  Status DeleteAllVectors() override;

  // lexical.cc
  Result<LexicalResult> LexicalSearch(std::string_view owner_id,
                                      const std::vector<std::string>& terms, size_t limit,
                                      size_t owner_records) override;

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

 private:
  // Runs a statement of this transaction. After an error the transaction is dead (PostgreSQL
  // aborts it): every later statement fails and the destructor rolls back.
  Result<Rows> Query(const char* sql, const std::vector<Param>& params = {});
  Result<int64_t> SingleInt(const char* sql, const std::vector<Param>& params);

  std::unique_ptr<Connection> conn_;
  std::function<void(std::unique_ptr<Connection>)> release_;
  bool done_ = false;
};

}  // namespace engram::store::pg
