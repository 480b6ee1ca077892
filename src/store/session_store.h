// SessionStore: the storage interface of session state, a conversation's items and its rolling
// summary. It is apart from the durable memory of store.h because its lifetime differs: items are
// working state, read and rewritten at every turn and deleted by retention, while memories and
// their history are kept. So session state may live in another backend than memories (Redis, say,
// beside PostgreSQL); with one URL for both, one backend serves both interfaces.
//
// Transactions follow store.h's contract: a read transaction sees one consistent snapshot; a write
// transaction is exclusive among writers and its changes become visible, all together, when
// Commit() returns OK; one destroyed without a successful Commit() rolls back. Stores do not
// validate input (the engine does) but must keep owners apart: every method that takes an owner
// touches only that owner's rows. A session is (owner_id, session_id); its items are numbered by
// seq from 1, in order, by the engine.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::store {

class SessionTransaction {
 public:
  virtual ~SessionTransaction() = default;
  // Makes the changes durable and visible. After it, the transaction may not be used.
  virtual Status Commit() = 0;

  // Highest seq in the session; 0 when it has no items.
  virtual Result<int64_t> LastSessionSeq(std::string_view owner_id,
                                         std::string_view session_id) = 0;
  // Seq of the n-th last item (n >= 1), counting only items of `role` when set; 0 when the
  // session has fewer such items.
  virtual Result<int64_t> NthLastSessionSeq(std::string_view owner_id, std::string_view session_id,
                                            size_t n, std::optional<Role> role) = 0;
  // Seq of the last item before `seq` whose role is not tool; 0 when none.
  virtual Result<int64_t> PrecedingNonToolSeq(std::string_view owner_id,
                                              std::string_view session_id, int64_t seq) = 0;
  // Stores items whose seq the caller assigned (consecutive, above LastSessionSeq).
  virtual Status AppendSessionItems(std::string_view owner_id, std::string_view session_id,
                                    const std::vector<SessionItem>& items) = 0;
  // Items with seq >= from_seq, in order.
  virtual Result<std::vector<SessionItem>> GetSessionItems(std::string_view owner_id,
                                                           std::string_view session_id,
                                                           int64_t from_seq) = 0;
  // Deletes items with seq >= from_seq; returns how many.
  virtual Result<int64_t> DeleteSessionItems(std::string_view owner_id, std::string_view session_id,
                                             int64_t from_seq) = 0;
  // Deletes the session: its items and its own row (summary included); returns the item count.
  virtual Result<int64_t> DeleteSession(std::string_view owner_id, std::string_view session_id) = 0;
  // The session's rolling summary; nullopt when none was set.
  virtual Result<std::optional<SessionSummary>> GetSessionSummary(std::string_view owner_id,
                                                                  std::string_view session_id) = 0;
  // Sets the session's rolling summary, creating the session's row when needed.
  virtual Status PutSessionSummary(std::string_view owner_id, std::string_view session_id,
                                   const SessionSummary& summary) = 0;
  // The owner's last `limit` session items across all sessions, newest first (by created_at,
  // then session id, then seq).
  virtual Result<std::vector<OwnerItem>> RecentOwnerItems(std::string_view owner_id,
                                                          size_t limit) = 0;
  // The owner's session other than `except` that was active last (by its last item; a session
  // without items by its last change); nullopt when there is none. Summary left unset.
  virtual Result<std::optional<SessionInfo>> LastActiveSession(std::string_view owner_id,
                                                               std::string_view except) = 0;
  // The owners that have a session, sorted (export).
  virtual Result<std::vector<std::string>> ListSessionOwners() = 0;
  // Every session of the owner by session id, with its summary (export): started_at and
  // last_active_at as LastActiveSession reports them.
  virtual Result<std::vector<SessionInfo>> ListSessions(std::string_view owner_id) = 0;
  // Deletes, in every session, the items created before `cutoff`, and then the tool results left
  // at the head of a session without the call they answer. Returns how many items went.
  virtual Result<int64_t> DeleteSessionItemsBefore(Timestamp cutoff) = 0;
  // Deletes every session of the owner, items and summaries. The report counts session_items
  // and sessions; its memory counts stay 0 (Transaction::DeleteOwner counts those).
  virtual Result<ForgetReport> DeleteOwnerSessions(std::string_view owner_id) = 0;
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;
  // Short backend name, e.g. "sqlite".
  virtual std::string backend() const = 0;
  virtual Result<std::unique_ptr<SessionTransaction>> BeginRead() = 0;
  virtual Result<std::unique_ptr<SessionTransaction>> BeginWrite() = 0;
};

}  // namespace engram::store
