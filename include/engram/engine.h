// Engine: the embedded memory engine. One object per open store; thread-safe.
//
// Every call names the owner whose data it touches; no call reads or changes another owner's
// records (an id of another owner is reported as not found). Every write is one transaction:
// when a call returns OK its effect is committed, and when it fails nothing was written.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/embedder.h"
#include "engram/options.h"
#include "engram/status.h"
#include "engram/types.h"

namespace engram {

class Engine {
 public:
  // Opens (creating if needed) the store at options.path and migrates its schema forward.
  // FailedPrecondition if the file was written by a newer engram.
  static Result<std::unique_ptr<Engine>> Open(const Options& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // ---- Durable memory ----

  // Stores a new memory and its "add" history row, applying the write rules of WriteMemories.
  // Returns the stored record (or the existing one it duplicated).
  Result<MemoryRecord> AddMemory(const NewMemory& memory);
  // Writes memories in one transaction (all or none), embedded in one batch, and says what
  // happened to each:
  //  - an exact duplicate (same normalized text, type and scope, live; episodes excepted, as the
  //    same words on another day are another event) is not stored again; the existing record is
  //    re-verified (last_verified_at, confidence) with a "verify" history row;
  //  - a record with a key supersedes the live records with that key in that scope (they get
  //    superseded_by and valid_to, and a "supersede" history row), unless it was observed before
  //    them, in which case it is stored as already superseded by the newest.
  // At most Options::max_items_per_append; an invalid one fails the batch, naming its index.
  Result<std::vector<WriteResult>> WriteMemories(std::span<const NewMemory> memories);
  // The check AddMemory applies before writing: OK, or the error AddMemory would return.
  Status ValidateMemory(const NewMemory& memory) const;
  // WriteMemories, returning only the records.
  Result<std::vector<MemoryRecord>> AddMemories(std::span<const NewMemory> memories);
  // The record with this id, if it belongs to owner and is not deleted.
  Result<MemoryRecord> GetMemory(std::string_view owner_id, std::string_view id);
  // One page of the owner's live records matching options, newest first.
  Result<MemoryPage> ListMemories(std::string_view owner_id, const ListOptions& options);
  // Changes the set fields; the old and new values go to history. Returns the new record.
  Result<MemoryRecord> UpdateMemory(std::string_view owner_id, std::string_view id,
                                    const MemoryUpdate& update);
  // Tombstones the record (it is no longer returned) and records a "delete" history row.
  Status DeleteMemory(std::string_view owner_id, std::string_view id,
                      const ChangeInfo& change = {});
  // Every history row of the record, oldest first; also for deleted records.
  Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id, std::string_view id);
  // Erases every row of the owner (memories, history, sessions) in one transaction.
  Result<ForgetReport> ForgetOwner(std::string_view owner_id);

  // ---- Recall ----

  // The owner's live records most relevant to `query`, best first, with an explanation of each
  // score. Hybrid mode fuses BM25 and vector ranks (reciprocal rank fusion), then weighs by
  // recency (per type) and confidence. Superseded, deleted and expired records never appear.
  // Vector and hybrid modes need an embedder (FailedPrecondition otherwise).
  Result<std::vector<SearchHit>> Search(std::string_view owner_id, std::string_view query,
                                        const SearchOptions& options);
  // Re-embeds every live record with the engine's embedder and records its model in the store.
  // Returns how many records were embedded.
  Result<int64_t> Reindex();

  // ---- Session state ----

  // Appends items atomically, in order; returns them with seq and created_at assigned.
  // A tool item must name a tool_call_id; tool_calls must be a JSON array of objects with "id".
  Result<std::vector<SessionItem>> AddSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   std::vector<SessionItem> items);
  // The session's items in order: all of them, or the last `last_n`. The slice is widened
  // backwards so that it never starts with a tool result whose tool call it would cut off.
  Result<std::vector<SessionItem>> GetSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   std::optional<size_t> last_n = std::nullopt);
  // The items of the last `turns` turns; a turn starts at a user item. Never splits a tool call
  // from its result.
  Result<std::vector<SessionItem>> GetSessionWindow(std::string_view owner_id,
                                                    std::string_view session_id, size_t turns);
  // Removes and returns the most recent item; nullopt when the session is empty.
  Result<std::optional<SessionItem>> PopSessionItem(std::string_view owner_id,
                                                    std::string_view session_id);
  // Removes every item of the session; returns how many were removed.
  Result<int64_t> ClearSession(std::string_view owner_id, std::string_view session_id);

  // The engine's current time.
  Timestamp Now() const;

 private:
  class Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram
