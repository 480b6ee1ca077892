// RedisSessionTransaction: SessionTransaction over Redis.
//
// A read transaction answers each call with one command or script, so each call sees one state
// and never half a commit (commits are one script). Redis keeps no snapshots; a read transaction
// keeps the appends of others out of its view by remembering each session's last seq when it
// first reads the session and reading no item past it. Deletions (a pop, a clear, retention)
// committed between two of its calls are seen by the later call.
//
// A write transaction holds the store's write lock (a key set with NX and a lease, taken at
// BeginWrite, so writers in every process sharing the Redis take turns as the interface requires;
// renewed while the transaction works) and buffers its changes; Commit sends them in one script,
// which applies them only while the lock is still this transaction's. Reads of sessions it changed
// are answered from their images (session_image.h), so it sees its own writes; other reads go to
// Redis, which no other writer changes meanwhile.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "store/redis/connection.h"
#include "store/redis/layout.h"
#include "store/redis/session_image.h"
#include "store/session_store.h"

namespace engram::store::redis {

// What the transactions of one store share.
struct TransactionContext {
  KeyLayout keys;
  int64_t ttl_s = 0;
  // How long the write lock outlives a writer that stopped renewing it (a crashed process); a
  // write transaction renews it while it works.
  int lock_lease_ms = 10000;
  // Hands a connection back to the store's pool (dropped there when unhealthy).
  std::function<void(std::unique_ptr<Connection>)> release;
};

class RedisSessionTransaction final : public SessionTransaction {
 public:
  // `lock_token` "" for a read transaction; else the token of the write lock it holds.
  RedisSessionTransaction(std::shared_ptr<const TransactionContext> context,
                          std::unique_ptr<Connection> conn, std::string lock_token);
  ~RedisSessionTransaction() override;

  Status Commit() override;
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
  Result<std::vector<std::string>> ListSessionOwners() override;
  Result<std::vector<SessionInfo>> ListSessions(std::string_view owner_id) override;
  Result<int64_t> DeleteSessionItemsBefore(Timestamp cutoff) override;
  Result<ForgetReport> DeleteOwnerSessions(std::string_view owner_id) override;

 private:
  using SessionRef = std::pair<std::string, std::string>;  // owner, session

  Status Usable() const;
  Status Writable() const;
  // Extends the write lock's lease when a third of it has passed; Unavailable when it was lost.
  Status RenewLock();
  // True when the session has buffered changes or an image: read it from Image().
  bool Local(std::string_view owner_id, std::string_view session_id) const;
  // The session's image, loaded with the buffered changes applied on first use.
  Result<SessionImage*> Image(std::string_view owner_id, std::string_view session_id);
  // Images of every session of the owner, stored or buffered.
  Result<std::vector<std::pair<std::string, SessionImage*>>> OwnerImages(std::string_view owner_id);
  // Buffers a change and applies it to the session's image when there is one.
  void Record(SessionOp op);
  Result<ReplyPtr> Run(const std::vector<std::string_view>& args);
  Result<ReplyPtr> Eval(const Script& script, const std::vector<std::string_view>& keys,
                        const std::vector<std::string_view>& args);
  Result<std::vector<std::string>> StoredSessionIds(std::string_view owner_id);
  Result<std::vector<SessionRef>> AllStoredSessions();
  // A read transaction's bound on the session's seqs: "+inf" until its first read of the
  // session, which records the last seq it saw (NoteLastSeq).
  std::string SeqCap(std::string_view owner_id, std::string_view session_id) const;
  void NoteLastSeq(std::string_view owner_id, std::string_view session_id, int64_t last);

  std::shared_ptr<const TransactionContext> context_;
  std::unique_ptr<Connection> conn_;
  const std::string lock_token_;
  bool done_ = false;
  std::chrono::steady_clock::time_point lock_renewed_ = std::chrono::steady_clock::now();
  std::vector<SessionOp> ops_;
  std::set<SessionRef> changed_;
  std::set<std::string, std::less<>> changed_owners_;
  std::map<SessionRef, SessionImage> images_;
  std::map<SessionRef, int64_t> seq_caps_;  // read transactions only
};

}  // namespace engram::store::redis
