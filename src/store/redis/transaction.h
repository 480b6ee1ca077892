// RedisSessionTransaction: SessionTransaction over Redis.
//
// A read transaction answers each call with one command or script, so each call sees one state
// and never half a commit (commits are one script). Redis keeps no snapshots; a read transaction
// keeps the appends of others out of its view by remembering each session's last seq when it
// first reads the session and reading no item past it. Deletions (a pop, a clear, retention)
// committed between two of its calls are seen by the later call.
//
// A write transaction takes the session write lock of each owner it touches before it reads or
// changes anything of that owner (write_locks.h: a key set with NX and a lease, renewed while the
// transaction works), so writers of one owner in every process sharing the Redis take turns as
// the interface requires, and writers of different owners do not wait for each other. Retention,
// which touches every owner, takes their locks one by one in owner order. It buffers its changes;
// Commit sends them in one script, which applies them only while every lock is still this
// transaction's. Reads of sessions it changed are answered from their images (session_image.h),
// so it sees its own writes; other reads go to Redis, which no other writer of the owner changes
// meanwhile.
#pragma once

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
#include "store/redis/write_locks.h"
#include "store/session_store.h"

namespace engram::store::redis {

// What the transactions of one store share.
struct TransactionContext {
  KeyLayout keys;
  int64_t ttl_s = 0;
  // How long a write lock outlives a writer that stopped renewing it (a crashed process); a
  // write transaction renews its locks while it works.
  int lock_lease_ms = 10000;
  // How long a writer waits for another's lock of the same owner, then fails with Unavailable.
  int busy_timeout_ms = 5000;
  // Hands a connection back to the store's pool (dropped there when unhealthy).
  std::function<void(std::unique_ptr<Connection>)> release;
};

class RedisSessionTransaction final : public SessionTransaction {
 public:
  // `writer`: a write transaction (it takes locks as it goes).
  RedisSessionTransaction(std::shared_ptr<const TransactionContext> context,
                          std::unique_ptr<Connection> conn, bool writer);
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
  // In a write transaction: takes the owner's lock (before anything of the owner is read).
  Status Enter(std::string_view owner_id);
  Status Writable(std::string_view owner_id);
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
  WriteLocks locks_;
  const bool writer_;
  bool done_ = false;
  std::vector<SessionOp> ops_;
  std::set<SessionRef> changed_;
  std::set<std::string, std::less<>> changed_owners_;
  std::map<SessionRef, SessionImage> images_;
  std::map<SessionRef, int64_t> seq_caps_;  // read transactions only
};

}  // namespace engram::store::redis
