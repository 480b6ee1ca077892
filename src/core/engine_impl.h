// Engine::Impl: the engine's shared state and the declaration of every job it does. Private to
// src/core. Each job lives in its own file:
//   engine.cc        Engine::Open and the public Engine calls, forwarded here
//   engine_impl.cc   construction, the embedder-model check, and what the jobs share: loading
//                    a live record, history snapshots, redaction, embedding, write transactions
//                    and keeping the in-memory recall index in step with the store
//   write_path.cc    add, batch write (dedup, near-dup, supersession, caps), update, delete
//   turn_policy.cc   RememberTurn: classify a turn, extract candidates (rules or model), admit
//   listing.cc       get, list (paged and as_of), history, counts
//   read_path.cc     Search: candidates, fusion and scoring
//   sessions.cc      session items, windows, rolling summaries, ending a session
//   blocks.cc        core blocks
//   maintenance.cc   garbage collection, reindexing
//   access_stats.cc  access statistics written in batches by a background thread
//   engine_graph.cc  the knowledge graph's public calls, forwarded to graph() (graph_engine.h)
//   engine_checkpoints.cc  the checkpoint calls, forwarded to checkpoints() (checkpoint_engine.h)
//   memory_graph.cc  the triples of keyed memories, written and retracted beside them
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/checkpoint_engine.h"
#include "core/graph_engine.h"
#include "core/recall.h"
#include "engram/engine.h"
#include "hygiene/extract.h"
#include "hygiene/redact.h"
#include "hygiene/turn_intent.h"
#include "llm/conflicts.h"
#include "store/factory.h"
#include "store/session_store.h"
#include "store/store.h"
#include "util/ids.h"

namespace engram {

class Engine::Impl {
 public:
  Impl(Options options, store::Stores stores);
  ~Impl();

  // Refuses a store whose vectors come from another model; records the model in a new store.
  // Tags the recall index's files with the store's id (given to the store on its first open with
  // an embedder) and the model, so files of another store or model are never used.
  Status CheckEmbedderModel();
  // Recomputes every record's text hashes once when the store's were made by another
  // util::kClaimHashVersion (or none: rows written before hashes were kept), so exact-duplicate
  // and same-claim lookups of old records match new texts.
  Status RehashTextsIfStale();

  Timestamp Now() const { return options_.clock->Now(); }

  // The knowledge graph (graph_engine.h), kept in the memory store's backend.
  core::GraphEngine& graph() { return *graph_; }
  // Checkpoints of agent state (checkpoint_engine.h).
  core::CheckpointEngine& checkpoints() { return *checkpoints_; }

  // ---- write path (write_path.cc) ----

  Status ValidateNewMemory(const NewMemory& m) const;

  Result<MemoryRecord> AddMemory(const NewMemory& m);

  Result<std::vector<WriteResult>> WriteMemories(std::span<const NewMemory> batch);

  Result<MemoryRecord> UpdateMemory(std::string_view owner_id, std::string_view id,
                                    const MemoryUpdate& u);

  Status DeleteMemory(std::string_view owner_id, std::string_view id, const ChangeInfo& change);

  Result<int64_t> DeleteMemories(std::string_view owner_id, std::span<const std::string> ids,
                                 const ChangeInfo& change);

  Result<ForgetReport> ForgetOwner(std::string_view owner_id);

  // ---- the graph of memories (memory_graph.cc) ----

  // Writes the triples `r` states (and the user's name as an alias of the user's entity), then
  // retracts the edges from `subjects` whose source is one of `sources` and that r does not state
  // again (only the open ones when open_only).
  Status StateMemoryTriples(const MemoryRecord& r, std::span<const std::string> sources,
                            std::set<std::string> subjects, bool open_only);
  // Adds the name a user.name memory gives as an alias of the user's entity.
  Status AliasUserName(const MemoryRecord& r);

  // Writes the triples of the written memories (Options::graph_from_memories) and retracts the
  // open edges of the memories they superseded.
  Status GraphFromWrites(std::span<const WriteResult> results);
  // Makes the edges of an updated memory those its new key and data state: the new triples are
  // written, its edges that they do not state again are retracted.
  Status GraphFromUpdate(const MemoryRecord& before, const MemoryRecord& after);
  // Retracts the edges of deleted memories.
  Status GraphForgetMemories(std::span<const MemoryRecord> deleted);

  // ---- turn policy (turn_policy.cc) ----

  // The memories of the turn's world statements that say "it", with "it" resolved against what
  // was said before in the turn and the session (world_turns.cc), each with its sentence; those
  // whose "it" is ambiguous or unknown are left out.
  Result<std::vector<std::pair<std::string_view, hygiene::Candidate>>> ResolvedWorldCandidates(
      std::string_view owner_id, std::string_view session_id, std::string_view text);

  Result<TurnReport> RememberTurn(std::string_view owner_id, std::string_view scope,
                                  std::string_view session_id, Role role, std::string_view text,
                                  std::optional<Timestamp> observed_at);

  // ---- listing (listing.cc) ----

  Result<MemoryRecord> GetMemory(std::string_view owner_id, std::string_view id);

  Result<MemoryPage> ListMemories(std::string_view owner_id, const ListOptions& o);

  Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id, std::string_view id);

  Result<std::vector<std::pair<MemoryType, int64_t>>> CountLiveMemories();

  // ---- overview (overview.cc) ----

  Result<OwnerPage> ListOwners(std::string_view cursor, size_t limit);
  Result<OwnerStats> GetOwnerStats(std::string_view owner_id, const OwnerStatsOptions& o);
  core::RecallIndex& recall() { return recall_; }

  // ---- read path (read_path.cc) ----

  Result<std::vector<SearchHit>> Search(std::string_view owner_id, std::string_view query,
                                        const SearchOptions& o);

  // ---- sessions (sessions.cc) ----

  Result<std::optional<SessionSummary>> GetSessionSummary(std::string_view owner_id,
                                                          std::string_view session_id);

  Result<SessionSummary> SetSessionSummary(std::string_view owner_id, std::string_view session_id,
                                           std::string_view text);

  Result<std::optional<SessionSummary>> SummarizeSession(std::string_view owner_id,
                                                         std::string_view session_id,
                                                         size_t keep_turns);

  Result<std::optional<MemoryRecord>> EndSession(std::string_view owner_id, std::string_view scope,
                                                 std::string_view session_id);

  Result<std::vector<SessionItem>> AddSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   std::vector<SessionItem> items);

  Result<std::vector<SessionItem>> GetSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   std::optional<size_t> last_n);

  Result<std::vector<SessionItem>> GetSessionWindow(std::string_view owner_id,
                                                    std::string_view session_id, size_t turns);

  Result<std::optional<SessionItem>> PopSessionItem(std::string_view owner_id,
                                                    std::string_view session_id);

  Result<int64_t> ClearSession(std::string_view owner_id, std::string_view session_id);

  Result<std::vector<OwnerItem>> GetRecentItems(std::string_view owner_id, size_t last_n);

  Result<std::optional<SessionInfo>> GetPreviousSession(std::string_view owner_id,
                                                        std::string_view session_id);

  // ---- core blocks (blocks.cc) ----

  enum class BlockEdit { kSet, kAppend, kReplace };

  // One read-modify-write of a block in one transaction, so concurrent appends never lose one.
  Result<CoreBlock> EditBlock(std::string_view owner_id, std::string_view scope,
                              std::string_view label, BlockEdit edit, std::string_view text,
                              std::string_view replacement, std::optional<size_t> limit,
                              const ChangeInfo& change);

  Result<CoreBlock> GetBlock(std::string_view owner_id, std::string_view scope,
                             std::string_view label);

  Result<std::vector<CoreBlock>> ListBlocks(std::string_view owner_id, std::string_view scope);

  Status DeleteBlock(std::string_view owner_id, std::string_view scope, std::string_view label,
                     const ChangeInfo& change);

  // ---- export and import (archive.cc) ----

  Result<std::vector<std::string>> ListAllOwners();

  Result<OwnerArchive> ExportOwner(std::string_view owner_id, const ArchiveParts& parts);

  Result<ImportReport> ImportOwner(const OwnerArchive& archive, std::string_view vectors_model,
                                   const ImportProgress& progress);

  std::string EmbeddingModel() const { return options_.embedder ? ModelTag() : ""; }

  // ---- maintenance (maintenance.cc) ----

  Result<GcReport> CollectGarbage(bool dry_run);

  Result<int64_t> Reindex();

  // ---- saving the recall index (engine_impl.cc) ----

  // Starts the thread that saves the changed partitions every Options::index_save_interval_ms,
  // when the index keeps files and the interval is set.
  void StartIndexSaver();
  // Saves the changed partitions as reflecting every write up to the change counter this process
  // knows: read while no committed write is still on its way into the index (reflect_mu_
  // exclusive, briefly), so every write up to it is in the saved files.
  void SaveIndexes();

 private:
  static constexpr size_t kMaxListLimit = 1000;
  static constexpr size_t kDefaultBlockLimit = 2000;
  // Confidence of a disclosure kept verbatim as an episode: below what typed rules give, so a
  // policy's min_confidence can keep such episodes out.
  static constexpr double kUntypedDisclosureConfidence = 0.6;
  static constexpr size_t kExtractiveSummaryChars = 4000;
  static constexpr size_t kMaxRecentItems = 1000;  // GetRecentItems
  static constexpr size_t kAccessBatch = 256;
  static constexpr std::chrono::seconds kAccessDelay{5};

  // ---- shared by the jobs (engine_impl.cc) ----

  static Status ValidateConfidence(double c);
  // valid_from and valid_to within the accepted years (util::CheckTimestampRange), in order.
  static Status ValidateValidity(const std::optional<Timestamp>& from,
                                 const std::optional<Timestamp>& to);
  // An optional time within the accepted years.
  static Status ValidateTime(std::string_view field, const std::optional<Timestamp>& t);
  // InvalidArgument unless id looks like a memory id (a UUID).
  static Status MemoryIdError(std::string_view id);
  static Status NotFound(std::string_view id);
  // The record as a history row stores it.
  static std::string Snapshot(const MemoryRecord& r);
  // The hashes the store keeps with r (store::TextHashes): computed here, so every backend
  // holds the same.
  static store::TextHashes HashesOf(const MemoryRecord& r);
  // Appends the history row of one change to a record, the only way the engine writes one:
  // `before` and `after` are the record around the change, nullptr where there is none (no
  // before for kAdd, no after for kDelete).
  static Status AppendHistory(store::Transaction& txn, HistoryEventType type,
                              const MemoryRecord* before, const MemoryRecord* after,
                              const ChangeInfo& change, Timestamp at);
  // The owner's record, unless it is missing or deleted.
  static Result<MemoryRecord> LoadLive(store::Transaction& txn, std::string_view owner_id,
                                       std::string_view id);

  // "<model_id>/<dimension>": what the store records about its vectors.
  std::string ModelTag() const;

  // The vector of text, or nothing when the engine has no embedder.
  Status EmbedOne(std::string_view text, std::vector<float>* out);

  // A write transaction on durable memory, numbered by the change counter (*seq), which also
  // tags the vectors it stores.
  Result<std::unique_ptr<store::Transaction>> BeginMemoryWrite(int64_t* seq);

  // Commits a write and notes its number so that this process's own writes are not mistaken for
  // another process's. The lock it returns is held from before the commit: keep it until the
  // change is in the recall index (Reflect, Unreflect, Drop), so that a save never labels a file
  // with a change counter whose write it lacks (SaveIndexes).
  using Reflecting = std::shared_lock<std::shared_mutex>;
  Result<Reflecting> CommitWrite(store::Transaction& txn, int64_t seq);

  // Drops the in-memory partitions when another process wrote since this one last looked;
  // returns the change counter txn sees.
  Result<int64_t> SyncWithOtherWriters(store::Transaction& txn);

  // Applies a committed add or update to the owner's partition, if loaded; a vector of nullopt
  // leaves the partition's vector as it is.
  void Reflect(int64_t rid, const MemoryRecord& r, std::optional<std::vector<float>> vector);

  void Unreflect(const std::string& owner_id, int64_t rid);

  // Redacts secrets from a text field in place; notes "<kind> in <field>" for the history.
  void RedactText(const char* field, std::string* text, std::vector<std::string>* notes) const;

  // The same for a JSON field. JSON that cannot be scanned entirely is refused
  // (InvalidArgument): a secret must never be stored because it sat where the scan could not
  // reach.
  Status RedactJson(const char* field, std::string* json, std::vector<std::string>* notes) const;

  // A caller's history reason with its secrets replaced, naming what was redacted elsewhere.
  std::string WithRedactions(const std::string& caller_reason,
                             const std::vector<std::string>& notes) const;

  // ---- write path helpers (write_path.cc) ----

  // The exact duplicates of r are looked for among the live, current records of the same owner,
  // scope and type with the same content hash: appends that query to *out and returns its place
  // there; none for an episode (episodes are events: the same words on another day are another
  // episode, so they are never duplicates).
  static std::optional<size_t> AddExactDuplicateQuery(const MemoryRecord& r, Timestamp now,
                                                      std::vector<store::MemoryQuery>* out);
  // Of what that query found, the record whose text normalizes to the same as r's (and whose
  // key agrees when r has one).
  static std::optional<MemoryRecord> ExactDuplicate(const MemoryRecord& r,
                                                    std::vector<MemoryRecord> same);

  // The near duplicates of r are looked for among the live, current records of the same owner,
  // scope, type and key with the same claim hash (util::ClaimHash): appends that query to *out
  // and returns its place there; none when the policy merges none or r may not merge.
  std::optional<size_t> AddNearDuplicateQuery(const MemoryRecord& r,
                                              const std::vector<float>& vector, Timestamp now,
                                              std::vector<store::MemoryQuery>* out) const;
  // Of what that query found, the record that makes the same claim as r (util::SameClaim) with
  // a vector within the policy's near-duplicate similarity. Rows written earlier in this
  // transaction are seen too.
  Result<std::optional<MemoryRecord>> NearDuplicate(store::Transaction& txn, const MemoryRecord& r,
                                                    const std::vector<float>& vector,
                                                    std::vector<MemoryRecord> same) const;

  // Episodes are events (the same words on another day are another one); blocks are edited in
  // place. Neither is ever merged into another record.
  static bool MayMerge(MemoryType type);

  // Deletes the owner's least recently used live records of `type` beyond the policy's
  // max_records, each with a "delete" history row; *evicted gets each one's rid and record.
  Status EnforceMaxRecords(store::Transaction& txn, const std::string& owner_id, MemoryType type,
                           Timestamp now, std::vector<std::pair<int64_t, MemoryRecord>>* evicted);

  // Marks a live record deleted with a "delete" history row; returns its rid.
  Result<int64_t> Tombstone(store::Transaction& txn, const MemoryRecord& old,
                            const ChangeInfo& change, Timestamp now) const;

  // ---- turn policy helpers (turn_policy.cc) ----

  // Candidates of one turn by the model, and its nomination for each (one extraction call and
  // one resolution call, within the per-write call budget).
  Status ModelCandidates(std::string_view owner_id, std::string_view scope, Role role,
                         std::string_view text, Timestamp when,
                         std::vector<hygiene::Candidate>* candidates,
                         std::vector<llm::Nomination>* nominations);

  static std::string FormatScore(double v);

  // ---- turns that edit memory (chat_edits.cc) ----

  // Deletes the owner's memories visible at `scope` that a forget request's topic names
  // (core::NamedByForget: its words, or a vector close to the topic's), and the one memory that
  // the `request` as said is clearly closest to in meaning ("delete what you know about my pay":
  // "My salary is 85k"); returns them.
  Result<std::vector<MemoryRecord>> ForgetTopic(std::string_view owner_id, std::string_view scope,
                                                const std::string& topic, std::string_view request);
  // Applies a correction said in chat (`said`: the turn) to the memories holding the wrong value,
  // else to the turn just before that holds it: the assistant's guess or the user's own words
  // kept only in the session; returns the writes (none when nothing held the value).
  Result<std::vector<WriteResult>> CorrectInChat(std::string_view owner_id, std::string_view scope,
                                                 std::string_view session_id,
                                                 const hygiene::Correction& fix,
                                                 std::string_view said, Timestamp when);
  // "6B! 4B is my old place.": a turn opening with a bare value (hygiene::ParseValueFragment)
  // corrects the turn just before it when that turn, said moments ago, holds another value of
  // the same shape; nullopt otherwise.
  Result<std::optional<hygiene::Correction>> BareCorrection(std::string_view owner_id,
                                                            std::string_view session_id,
                                                            std::string_view said, Timestamp when);
  // The live memory that `m` restates in other words, if any: the closest in meaning (cosine
  // >= kRestatedSimilarity, of m's text or of `said`, the user's own words it came from, so a
  // first-person memory is compared with first-person words) naming the same particulars
  // (core::SameAnchors) under another key.
  Result<std::optional<MemoryRecord>> RestatedMemory(std::string_view owner_id,
                                                     std::string_view scope, const NewMemory& m,
                                                     std::string_view said);
  // The live memory a turn announcing a change gives a new value of, if any (at most one id).
  Result<std::vector<std::string>> ChangedMemory(std::string_view owner_id, std::string_view scope,
                                                 std::string_view text);

  // ---- listing helpers (listing.cc) ----

  // The owner's records as the engine knew them at `at`, from the last history row of each
  // at or before it, filtered like a listing.
  Result<MemoryPage> ListAsOf(const store::MemoryQuery& q, Timestamp at, size_t limit);

  // ---- read path helpers (read_path.cc) ----

  double HalfLife(MemoryType type) const;

  // ---- session helpers (sessions.cc) ----

  // The offline rolling summary: the previous one, then a line per user statement that is not
  // filler and per assistant answer, the oldest lines dropped past kExtractiveSummaryChars.
  static std::string ExtractiveSummary(const std::string& previous,
                                       const std::vector<SessionItem>& dropped);

  static Status ValidateSession(std::string_view owner_id, std::string_view session_id);

  // SummarizeSession, by the model when `use_model` and one is configured, else extractively.
  Result<std::optional<SessionSummary>> FoldSession(std::string_view owner_id,
                                                    std::string_view session_id, size_t keep_turns,
                                                    bool use_model);

  // When `session_id` has just started: folds the owner's previous session, extractively, if it
  // has been quiet for Options::session_quiet_ms and holds items its summary does not cover.
  Status FoldQuietPreviousSession(std::string_view owner_id, std::string_view session_id);

  // Moves a slice start that falls on a tool result back to the assistant item that made the
  // call, so the call is never cut from its result.
  static Result<int64_t> WidenOverToolResults(store::SessionTransaction& txn,
                                              std::string_view owner_id,
                                              std::string_view session_id, int64_t from);

  // ---- block helpers (blocks.cc) ----

  static Status ValidateBlockAddress(std::string_view owner_id, std::string_view scope,
                                     std::string_view label);

  static Status BlockNotFound(std::string_view scope, std::string_view label);

  // The live block `label` of exactly this scope.
  static Result<std::optional<MemoryRecord>> FindBlock(store::Transaction& txn,
                                                       std::string_view owner_id,
                                                       std::string_view scope,
                                                       std::string_view label, Timestamp now);

  static CoreBlock BlockOf(const MemoryRecord& r);

  // ---- access statistics (access_stats.cc) ----

  // Access statistics are buffered and written in batches by a background thread: a write
  // transaction (and its fsync) on the searching thread would add milliseconds to a search and
  // queue readers behind the writer.
  void NoteAccess(const std::vector<int64_t>& rids, Timestamp at);

  // Moves the pending statistics out: (rids, time of the latest of those searches).
  std::pair<std::vector<int64_t>, Timestamp> TakePendingAccessLocked();

  // Writes the pending statistics in txn, for a decision that needs them (least recently used).
  Status WritePendingAccess(store::Transaction& txn);

  // Writes the pending statistics when kAccessBatch hits are pending, every kAccessDelay
  // otherwise, and once more on shutdown.
  void AccessWriterLoop();

  void WriteAccess(const std::vector<int64_t>& rids, Timestamp at);

  void StopAccessWriter();

  Options options_;
  std::shared_ptr<store::Store> store_;            // memories and their history
  std::shared_ptr<store::SessionStore> sessions_;  // session items and summaries
  hygiene::Redactor redactor_;
  util::UuidV7Generator ids_;
  core::RecallIndex recall_;
  std::unique_ptr<core::GraphEngine> graph_;             // set once the clock is
  std::unique_ptr<core::CheckpointEngine> checkpoints_;  // set once the clock is
  Status model_mismatch_;  // set when opened with accept_model_change on another model's store
  std::mutex counter_mu_;
  int64_t known_counter_ = -1;
  // Shared by each writer from before its commit until its change is in the recall index;
  // exclusive only while SaveIndexes reads known_counter_.
  std::shared_mutex reflect_mu_;
  std::thread saver_thread_;
  std::mutex saver_mu_;  // guards stop_saver_
  std::condition_variable saver_cv_;
  bool stop_saver_ = false;
  std::once_flag access_thread_started_;
  std::thread access_thread_;
  std::mutex access_mu_;  // guards pending_access_, pending_access_at_ and stop_access_writer_
  std::condition_variable access_cv_;
  std::vector<int64_t> pending_access_;
  Timestamp pending_access_at_ = 0;
  bool stop_access_writer_ = false;
};

}  // namespace engram
