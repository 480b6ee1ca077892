// Store: the storage interface of durable memory behind the engine: memories, their history,
// what the recall index loads and the lexical search. Session state (items, rolling summaries)
// has an interface of its own, session_store.h, since it may live elsewhere. Backends open by URL
// (factory.h); the embedded default is sqlite/.
//
// All access goes through a Transaction. A read transaction sees one consistent snapshot; a
// write transaction is exclusive among writers and its changes become visible, all together,
// when Commit() returns OK. A Transaction destroyed without a successful Commit() rolls back.
// Stores do not validate input (the engine does) but must keep owners apart: every method takes
// the owner and touches only that owner's rows. Stores keep the TextHashes the engine gives with
// every record it inserts or replaces, so MemoryQuery::content_hash and claim_hash find exact
// duplicates and same claims.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::store {

// The hashes of a record's text that exact and same-claim lookups compare (MemoryQuery::
// content_hash, claim_hash). The engine computes them, so every backend keeps the same values; a
// store keeps them as given.
struct TextHashes {
  std::string content;  // util::ContentHash(text)
  std::string claim;    // util::ClaimHash(text), as of util::kClaimHashVersion
};

// Resolved filters of a memory listing, newest first by (created_at, id).
struct MemoryQuery {
  std::string owner_id;
  std::vector<std::string> scopes;  // visible scopes; empty means every scope
  std::optional<MemoryType> type;
  std::optional<std::string> key;
  std::optional<std::string> session_id;
  std::optional<std::string> agent_id;
  std::optional<std::string> content_hash;  // util::ContentHash of the text
  std::optional<std::string> claim_hash;    // util::ClaimHash of the text
  std::optional<Timestamp> created_from;    // inclusive
  std::optional<Timestamp> created_until;   // exclusive
  bool include_superseded = false;
  // Only records valid at this time (coalesce(valid_from, created_at) <= t < valid_to), whether
  // superseded or not.
  std::optional<Timestamp> valid_at;
  // Records whose expires_at is at or before this time are left out; unset keeps them.
  std::optional<Timestamp> live_at;
  // Paging: only records strictly older than (created_at, id).
  std::optional<Timestamp> before_created_at;
  std::string before_id;
  size_t limit = 50;
};

// What the in-memory recall index keeps of one record.
struct IndexedMemory {
  int64_t rid = 0;  // the store's row number; labels the record in vector indexes
  std::string scope;
  MemoryType type = MemoryType::kFact;
  std::string key;
  Timestamp created_at = 0;
  std::optional<Timestamp> valid_from;
  std::optional<Timestamp> valid_to;
  std::optional<Timestamp> expires_at;
  bool superseded = false;
  double confidence = 1.0;
  std::string metadata;       // JSON object
  bool has_vector = false;    // the store holds a vector for the record
  std::vector<float> vector;  // the vector, when has_vector and it was asked for
  bool deleted = false;       // tombstoned (only LoadIndexedChanges returns such records)
};

struct LexicalHit {
  int64_t rid = 0;
  double score = 0;  // BM25; higher is better
};

struct LexicalResult {
  std::vector<LexicalHit> hits;  // best first
  // Per query term, in order: the IDF (LexicalIdf) its matches were scored with.
  std::vector<double> idf;
};

// The IDF of a term found in `df` of `rows` rows, as lexical scores weigh it (Lucene's BM25):
// ln(1 + (rows - df + 0.5) / (df + 0.5)). Always above 0; a term in every row weighs little,
// one in none the most.
double LexicalIdf(int64_t rows, int64_t df);

// BM25's term-frequency saturation and length normalisation, in both backends. Lower than
// Lucene's 1.2 and 0.75: a conversation turn or a fact says a word once or twice, and a longer
// one is longer because it says more, not because it repeats itself. Tuned on LoCoMo
// conversations 0-4 (recall@5 66.8 -> 68.0, docs/search.md).
inline constexpr double kBm25K1 = 0.9;
inline constexpr double kBm25B = 0.4;

// An owner with memories in the store (ListOwners).
struct OwnerCount {
  std::string owner_id;
  int64_t live = 0;  // records not deleted, superseded or expired
};

// What MemoryStatsOf counts: the owner's records that are not tombstoned nor expired at `now`.
struct MemoryStatsQuery {
  std::string owner_id;
  std::vector<std::string> scopes;  // visible scopes; empty means every scope
  Timestamp now = 0;
  // Records created in [added_from, added_until) are counted per day of 86,400,000 ms from
  // added_from, superseded ones included.
  Timestamp added_from = 0;
  Timestamp added_until = 0;
  // Ascending upper bounds (inclusive, ms) of the age buckets of live records; a last, open
  // bucket follows. Age is now - created_at, at least 0.
  std::vector<int64_t> age_bounds;
};

struct MemoryStats {
  std::vector<std::pair<MemoryType, int64_t>> live_by_type;  // types without records absent
  int64_t superseded = 0;
  struct Added {
    int64_t day = 0;  // whole days since added_from
    MemoryType type = MemoryType::kFact;
    int64_t count = 0;
  };
  std::vector<Added> added;     // by day, then type; empty days and types absent
  std::vector<int64_t> by_age;  // age_bounds.size() + 1 counts of live records
};

// Owners with at most this many records get lexical statistics of their own (LexicalSearch).
inline constexpr size_t kOwnerLexicalStatsRecords = 4096;

class Transaction {
 public:
  virtual ~Transaction() = default;
  // Makes the changes durable and visible. After it, the transaction may not be used.
  virtual Status Commit() = 0;

  // ---- memories ----
  // The record, tombstoned ones included; nullopt when the owner has no record with this id.
  virtual Result<std::optional<MemoryRecord>> GetMemory(std::string_view owner_id,
                                                        std::string_view id) = 0;
  // Live (not tombstoned) records matching the query.
  virtual Result<std::vector<MemoryRecord>> ListMemories(const MemoryQuery& query) = 0;
  // What ListMemories answers to each query, in the queries' order, in one round trip to a
  // database server (the write path's duplicate and same-key lookups of one record).
  virtual Result<std::vector<std::vector<MemoryRecord>>> ListMemoriesEach(
      std::span<const MemoryQuery> queries) = 0;
  // How many live records match the query (limit and paging ignored).
  virtual Result<int64_t> CountMemories(const MemoryQuery& query) = 0;
  // Live records (not deleted, superseded or expired at `now`) of all owners, by type; types
  // without records are absent. An aggregate for metrics: it returns no owner's data.
  virtual Result<std::vector<std::pair<MemoryType, int64_t>>> CountLiveByType(Timestamp now) = 0;
  // Owners with records not tombstoned, by owner id, after `after` (paging), at most `limit`;
  // each with its count of live records at `now`.
  virtual Result<std::vector<OwnerCount>> ListOwners(Timestamp now, std::string_view after,
                                                     size_t limit) = 0;
  // The owner's counts for dashboards, aggregated by the backend (MemoryStatsQuery).
  virtual Result<MemoryStats> MemoryStatsOf(const MemoryStatsQuery& query) = 0;
  // Up to `limit` records of any owner, not tombstoned, whose expires_at is at or before `now`:
  // (rid, record), oldest expiry first.
  virtual Result<std::vector<std::pair<int64_t, MemoryRecord>>> ListExpired(Timestamp now,
                                                                            size_t limit) = 0;
  // Removes the record's row (and its vector and lexical entry) for good; with erase_history its
  // history rows too. Returns how many history rows were erased.
  virtual Result<int64_t> EraseMemory(std::string_view owner_id, std::string_view id,
                                      bool erase_history) = 0;
  // Returns the new row's rid. AlreadyExists if the id is taken. Stamps the record with the
  // change counter as the transaction sees it (after BumpChangeCounter: the number of this
  // write), as ReplaceMemory, PutVector and DeleteAllVectors do: a record's stamp is the number
  // of the last write of it or of its vector (LoadIndexedChanges). Keeps `hashes` with it.
  virtual Result<int64_t> InsertMemory(const MemoryRecord& record, const TextHashes& hashes) = 0;
  // The rid of the owner's record; NotFound when there is none.
  virtual Result<int64_t> MemoryRid(std::string_view owner_id, std::string_view id) = 0;
  // The rids of the owner's live (not tombstoned) records written in this session.
  virtual Result<std::vector<int64_t>> SessionRids(std::string_view owner_id,
                                                   std::string_view session_id) = 0;
  // The owner's records with these rids (tombstoned ones left out), in no particular order.
  virtual Result<std::vector<std::pair<int64_t, MemoryRecord>>> GetMemoriesByRid(
      std::string_view owner_id, const std::vector<int64_t>& rids) = 0;
  // Overwrites every column of the record (owner_id, id), its hashes included, and stamps it as
  // InsertMemory does; NotFound if it does not exist.
  virtual Status ReplaceMemory(const MemoryRecord& record, const TextHashes& hashes) = 0;
  // Appends a history row; its seq is assigned by the store.
  virtual Status AppendHistory(const HistoryEvent& event) = 0;
  // For every record of the owner with a history row at or before `at`: the new_value of its
  // last such row ("" when that row was a deletion).
  virtual Result<std::vector<std::string>> SnapshotsAsOf(std::string_view owner_id,
                                                         Timestamp at) = 0;
  // The record's history, oldest first.
  virtual Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id,
                                                       std::string_view memory_id) = 0;
  // ---- recall ----
  // Every live record of the owner with what the recall index needs; vectors only of the records
  // whose vector was written by a write with seq > vectors_after_seq (-1: every vector).
  virtual Result<std::vector<IndexedMemory>> LoadIndexedMemories(std::string_view owner_id,
                                                                 int64_t vectors_after_seq) = 0;
  // The owner's records stamped by a write numbered above after_seq (see InsertMemory),
  // tombstoned ones included, with their vectors when written after it. With
  // LiveRidsWrittenUpTo, brings what the recall index saved at after_seq up to date; records
  // erased since (EraseMemory, DeleteOwner) are in neither answer.
  virtual Result<std::vector<IndexedMemory>> LoadIndexedChanges(std::string_view owner_id,
                                                                int64_t after_seq) = 0;
  // The rids of the owner's live records stamped by a write numbered at or below seq.
  virtual Result<std::vector<int64_t>> LiveRidsWrittenUpTo(std::string_view owner_id,
                                                           int64_t seq) = 0;
  // Live records of every owner with rid > after_rid, in rid order, at most limit: (rid, text).
  virtual Result<std::vector<std::pair<int64_t, std::string>>> LiveTexts(int64_t after_rid,
                                                                         size_t limit) = 0;
  // Replaces the hashes of a record (after util::kClaimHashVersion changed).
  virtual Status SetTextHashes(int64_t rid, const TextHashes& hashes) = 0;
  // Stores (replacing) the vector of a record, written by the write numbered seq (the value
  // BumpChangeCounter returned in this transaction), and stamps the record with seq.
  virtual Status PutVector(int64_t rid, const std::vector<float>& vector, int64_t seq) = 0;
  // The record's vector; empty when it has none.
  virtual Result<std::vector<float>> GetVector(int64_t rid) = 0;
  // Deletes every vector (before re-embedding with another model) and stamps every live record.
  virtual Status DeleteAllVectors() = 0;
  // Up to `limit` of the owner's live records that contain any of the terms (words, compared
  // after the backend's stemming and folding) in their text or key, best first by BM25 (text
  // weighing 1, key 0.5). A backend may find candidates through the rarer terms only, the
  // frequent ones then adding to their scores, as long as it still returns `limit` records when
  // that many match.
  // owner_records: the owner's record count as the caller knows it (0: unknown). An owner of at
  // most kOwnerLexicalStatsRecords records is scored with its own statistics (its rows and the
  // terms' counts among them), so a word in most of its memories weighs little whatever the
  // rest of the store holds; a larger owner with the whole store's.
  virtual Result<LexicalResult> LexicalSearch(std::string_view owner_id,
                                              const std::vector<std::string>& terms, size_t limit,
                                              size_t owner_records) = 0;
  // Adds one access (count and time) to each record per time its rid is listed.
  virtual Status RecordAccess(const std::vector<int64_t>& rids, Timestamp at) = 0;
  // A counter that every write transaction of any process increments (BumpChangeCounter), so a
  // process can tell whether someone else wrote since it last looked.
  virtual Result<int64_t> ChangeCounter() = 0;
  virtual Result<int64_t> BumpChangeCounter() = 0;
  // Store-wide settings; nullopt when unset.
  virtual Result<std::optional<std::string>> GetMeta(std::string_view name) = 0;
  virtual Status PutMeta(std::string_view name, std::string_view value) = 0;

  // ---- whole-owner reads (export; an import writes with InsertMemory, AppendHistory and
  // PutVector, which keep ids, times and counters as given) ----
  // The owners that have a memory or a history row, sorted.
  virtual Result<std::vector<std::string>> ListAllOwners() = 0;
  // Every record of the owner, tombstoned and superseded ones included, with its rid, oldest
  // first by (created_at, id).
  virtual Result<std::vector<std::pair<int64_t, MemoryRecord>>> ListAllMemories(
      std::string_view owner_id) = 0;
  // Every history row of the owner (those of erased records included), by seq.
  virtual Result<std::vector<HistoryEvent>> GetOwnerHistory(std::string_view owner_id) = 0;

  // Deletes every memory and history row of the owner. The report counts memories and
  // history_events; its session counts stay 0 (SessionTransaction::DeleteOwnerSessions).
  virtual Result<ForgetReport> DeleteOwner(std::string_view owner_id) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Short backend name, e.g. "sqlite".
  virtual std::string backend() const = 0;
  virtual Result<std::unique_ptr<Transaction>> BeginRead() = 0;
  virtual Result<std::unique_ptr<Transaction>> BeginWrite() = 0;
};

}  // namespace engram::store
