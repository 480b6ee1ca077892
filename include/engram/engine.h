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
#include <utility>
#include <vector>

#include "engram/archive.h"
#include "engram/checkpoints.h"
#include "engram/embedder.h"
#include "engram/graph.h"
#include "engram/options.h"
#include "engram/overview.h"
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
  // Erases every row of the owner (memories, history, sessions, graph, checkpoints); each store
  // in a transaction of its own, so calling it again finishes what a failure left.
  Result<ForgetReport> ForgetOwner(std::string_view owner_id);
  // Tombstones these records in one transaction, each with a "delete" history row: all of them,
  // or none when one is unknown (NotFound). Returns how many were deleted.
  Result<int64_t> DeleteMemories(std::string_view owner_id, std::span<const std::string> ids,
                                 const ChangeInfo& change = {});

  // ---- Export and import (engram/archive.h, docs/export.md) ----

  // Every owner that has memories, history, sessions, a graph or checkpoints, sorted (what an
  // export of all owners covers; ListOwners pages through the owners with memories).
  Result<std::vector<std::string>> ListAllOwners();
  // Everything of the owner that `parts` names, each store read in one snapshot.
  Result<OwnerArchive> ExportOwner(std::string_view owner_id, const ArchiveParts& parts = {});
  // Writes an archive back exactly as it was exported: the write rules are not applied (the
  // records are already their outcome), the invariants are checked (valid ids, scopes, texts,
  // JSON, times; history, graph and checkpoint rows of the archive's owner). AlreadyExists,
  // writing nothing, when the store holds a record, session or graph object of the owner with one
  // of the archive's ids, or checkpoints in one of its threads. Vectors are kept when
  // `vectors_model` is EmbeddingModel(), else the records that carry one are embedded again (an
  // archive without vectors, vectors_model empty: the records the write path would embed). One
  // transaction per store (memories, sessions, graph, checkpoints), the memories' first.
  // `progress`, when set, is told how far it is (ImportProgress).
  Result<ImportReport> ImportOwner(const OwnerArchive& archive, std::string_view vectors_model,
                                   const ImportProgress& progress = nullptr);
  // "<model id>/<dimension>" of the engine's embedder; empty without one.
  std::string EmbeddingModel() const;

  // ---- Write policy ----

  // Classifies one conversation turn (discard / keep in session only / promote) and, when it is
  // promoted, stores what the offline extraction rules find in it (docs/extraction.md) through
  // WriteMemories, so dedup and supersession apply; a user disclosure no rule types is stored as
  // an episode. Candidates below the policy's minimum confidence for their type are skipped and
  // reported. Only user turns are promoted. `observed_at` defaults to now.
  Result<TurnReport> RememberTurn(std::string_view owner_id, std::string_view scope,
                                  std::string_view session_id, Role role, std::string_view text,
                                  std::optional<Timestamp> observed_at = std::nullopt);
  // Erases expired memories (and, unless the policy keeps it, their history) and session items
  // older than the policy's retention, across all owners, in one transaction. With dry_run,
  // counts without changing anything.
  Result<GcReport> CollectGarbage(bool dry_run = false);

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
  // With Policy::extract_on_session_append, user items then go through RememberTurn (scope
  // global); if that fails, the items stay stored and the error says so.
  // The first append to a session folds the owner's previous session (GetPreviousSession) into
  // its rolling summary when that session has been quiet for Options::session_quiet_ms and holds
  // items its summary does not cover: extractively, so that starting a session never waits on a
  // model. If that fold fails, the items stay stored and the error says so.
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

  // The owner's last `last_n` session items (1..1000) across all of the owner's sessions,
  // oldest first (by time, then session, then seq), each with its session id: the owner's recent
  // history, for a new session that should not start blank. A tool call may be cut from its result
  // at the start of the slice.
  Result<std::vector<OwnerItem>> GetRecentItems(std::string_view owner_id, size_t last_n);
  // The owner's session other than `session_id` that was active last (by its last item), with
  // its rolling summary when it has one; nullopt when the owner has no other session. Context
  // assembly brings its summary and last turns into a new session.
  Result<std::optional<SessionInfo>> GetPreviousSession(std::string_view owner_id,
                                                        std::string_view session_id);

  // The session's rolling summary, if one was set.
  Result<std::optional<SessionSummary>> GetSessionSummary(std::string_view owner_id,
                                                          std::string_view session_id);
  // Folds the items that fell out of the session's last `keep_turns` turns, and were not folded
  // before, into its rolling summary: by the language model when one is configured (decisions,
  // preferences, open tasks), else extractively (each user statement that is not filler and each
  // assistant answer, one line each, the oldest lines dropped past 4000 characters). Whole turns
  // only, so a tool call is never split from its result. Returns the summary; nullopt when there
  // is none and nothing to fold. A model failure is an error: the items stay, and the next call
  // tries again.
  Result<std::optional<SessionSummary>> SummarizeSession(std::string_view owner_id,
                                                         std::string_view session_id,
                                                         size_t keep_turns);
  // Folds the whole session into its summary and keeps that as a memory of type kSummary at
  // `scope` with key "session.<session_id>" (so ending a session again supersedes it). nullopt
  // when the session has no items and no summary.
  Result<std::optional<MemoryRecord>> EndSession(std::string_view owner_id, std::string_view scope,
                                                 std::string_view session_id);
  // Replaces the session's rolling summary (redacted like every stored text).
  Result<SessionSummary> SetSessionSummary(std::string_view owner_id, std::string_view session_id,
                                           std::string_view text);

  // ---- Core blocks ----

  // Creates or replaces the block `label` at `scope`. `limit` defaults to the block's current
  // limit, or 2000 characters for a new block. InvalidArgument when the value is over the limit
  // or the label is not [a-z0-9_.-]{1,64}; nothing is written then.
  Result<CoreBlock> SetBlock(std::string_view owner_id, std::string_view scope,
                             std::string_view label, std::string_view value,
                             std::optional<size_t> limit = std::nullopt,
                             const ChangeInfo& change = {});
  // Appends `text` on a new line (creating the block when missing); InvalidArgument if the
  // result would be over the limit.
  Result<CoreBlock> AppendToBlock(std::string_view owner_id, std::string_view scope,
                                  std::string_view label, std::string_view text,
                                  const ChangeInfo& change = {});
  // Replaces every occurrence of `old_text` by `new_text`; NotFound when the block does not
  // contain old_text (so an edit based on a stale read fails instead of doing nothing).
  Result<CoreBlock> ReplaceInBlock(std::string_view owner_id, std::string_view scope,
                                   std::string_view label, std::string_view old_text,
                                   std::string_view new_text, const ChangeInfo& change = {});
  // The block `label` of exactly this scope.
  Result<CoreBlock> GetBlock(std::string_view owner_id, std::string_view scope,
                             std::string_view label);
  // The blocks visible at `scope` (its own, its ancestors' and global), by label; where two
  // scopes define one label, the narrower scope's block wins.
  Result<std::vector<CoreBlock>> ListBlocks(std::string_view owner_id, std::string_view scope);
  // Deletes the block (history is kept).
  Status DeleteBlock(std::string_view owner_id, std::string_view scope, std::string_view label,
                     const ChangeInfo& change = {});

  // ---- Knowledge graph (engram/graph.h, docs/graph.md) ----
  // Entities are named within an owner and resolved at a scope: by name or declared alias after
  // normalization (case, whitespace, punctuation), the narrowest visible scope first; a name no
  // entity has is NotFound, never matched loosely. Texts are redacted like memories. Every change
  // writes a graph history row. FailedPrecondition when the store's backend keeps no graph.

  // Creates entities in one transaction; a name already current at the scope gets the new
  // aliases and observations instead (InvalidArgument if its type differs, or if an alias names
  // another entity there).
  Result<std::vector<EntityWrite>> AddEntities(std::span<const NewEntity> entities);
  // Adds edges in one transaction (NotFound, naming the index, when an end is unknown). The same
  // edge already true at valid_from is kExisting. An edge of a single-valued type ends the edge it
  // replaces at valid_from; one observed before a newer value is stored already ended there.
  Result<std::vector<RelationWrite>> AddRelations(std::span<const NewRelation> relations);
  // Imports a whole graph (a file of the MCP memory server, docs/graph.md) all or nothing, of any
  // size: every item is validated first (InvalidArgument naming "entity i" or "relation i"),
  // then the entities are written in order and the relations after them, each as AddEntities
  // and AddRelations write it, in ONE transaction on every backend: an error at any item
  // (NotFound for a relation to an unknown entity, naming "relation i") writes nothing. Each
  // item sees the items before it (a relation may name an entity of the same call; a name
  // given twice is merged). The items may name several owners and scopes.
  Result<GraphImportReport> ImportGraph(std::span<const NewEntity> entities,
                                        std::span<const NewRelation> relations);
  // Adds the observations the entity does not hold yet (compared as normalized text); returns
  // those added.
  Result<std::vector<Observation>> AddObservations(std::string_view owner_id,
                                                   std::string_view scope, std::string_view entity,
                                                   std::span<const std::string> texts,
                                                   const ChangeInfo& change = {});
  // Deletes the entity's observations with these texts; returns how many went.
  Result<int64_t> DeleteObservations(std::string_view owner_id, std::string_view scope,
                                     std::string_view entity, std::span<const std::string> texts,
                                     const ChangeInfo& change = {});
  // Retracts the current edges (of any world time) that match; returns how many went.
  Result<int64_t> DeleteRelations(std::string_view owner_id, std::string_view scope,
                                  std::span<const RelationRef> relations,
                                  const ChangeInfo& change = {});
  // Deletes entities with their observations and every edge touching them, in one transaction
  // (NotFound when one is unknown). With erase, their rows and history are removed for good.
  Result<GraphDeleteReport> DeleteEntities(std::string_view owner_id, std::string_view scope,
                                           std::span<const std::string> names, bool erase,
                                           const ChangeInfo& change = {});
  // One entity with its observations, as the read options see it.
  Result<Entity> GetEntity(std::string_view owner_id, std::string_view name,
                           const GraphReadOptions& options = {});
  // Every entity visible at the scope with its observations, and the edges among them.
  Result<Graph> ReadGraph(std::string_view owner_id, const GraphReadOptions& options = {});
  // The entities whose name, alias, type or an observation contains `query` (ignoring case), and
  // the edges with at least one end among them (as the MCP memory server's search_nodes).
  Result<Graph> SearchGraph(std::string_view owner_id, std::string_view query,
                            const GraphReadOptions& options = {});
  // The named entities (unknown names left out) and the edges with at least one end among them.
  Result<Graph> OpenEntities(std::string_view owner_id, std::span<const std::string> names,
                             const GraphReadOptions& options = {});
  // The entities `text` names, in the order it names them, each once: every run of up to
  // kMaxMentionWords words (after name normalization; a possessive "'s" dropped) that is an
  // entity's name or alias, the longest run first ("Project Alpha" before "Alpha"), with their
  // observations. Only the first kMaxMentionText words of the text are read.
  Result<std::vector<Entity>> MentionedEntities(std::string_view owner_id, std::string_view text,
                                                const GraphReadOptions& options = {});
  // The entities within options.depth hops of `name`.
  Result<Neighborhood> Neighbors(std::string_view owner_id, std::string_view name,
                                 const NeighborOptions& options = {});
  // A shortest path of at most max_hops (1..kMaxGraphDepth) edges; nullopt when none.
  Result<std::optional<GraphPath>> FindPath(std::string_view owner_id, std::string_view from,
                                            std::string_view to, size_t max_hops,
                                            GraphDirection direction = GraphDirection::kBoth,
                                            const GraphReadOptions& options = {});
  // The history rows of a current entity, of its current observations and of the current edges
  // touching it, oldest first.
  Result<std::vector<GraphHistoryEvent>> GetEntityHistory(std::string_view owner_id,
                                                          std::string_view scope,
                                                          std::string_view name);

  // ---- Checkpoints of agent state (engram/checkpoints.h, docs/checkpoints.md) ----
  // LangGraph's checkpointer semantics. Ids, namespaces, channels and versions are identifiers
  // (at most 256 bytes of UTF-8, no control characters; the namespace may be empty); bytes are
  // kept as given. FailedPrecondition when no backend keeps checkpoints.

  // Stores a checkpoint (replacing one with the same identity) and the values of the channels
  // it changed, in one transaction. Returns it with created_at set.
  Result<Checkpoint> PutCheckpoint(const NewCheckpoint& checkpoint);
  // Stores a task's writes against a checkpoint, in one transaction: a write to one of
  // LangGraph's special channels (SpecialWriteIndex) takes its negative index and replaces the
  // task's previous one; any other takes its position in `writes` and is kept only if the task
  // has no write at that index yet. Returns how many were stored.
  Result<int64_t> PutCheckpointWrites(std::string_view owner_id, std::string_view thread_id,
                                      std::string_view checkpoint_ns,
                                      std::string_view checkpoint_id, std::string_view task_id,
                                      std::string_view task_path, std::span<const NewWrite> writes);
  // The checkpoint with this id, or the latest (greatest id) of the namespace when unset, with
  // its channel values and pending writes; nullopt when there is none.
  Result<std::optional<CheckpointTuple>> GetCheckpoint(
      std::string_view owner_id, std::string_view thread_id, std::string_view checkpoint_ns,
      std::optional<std::string_view> checkpoint_id = std::nullopt);
  // The owner's checkpoints matching the options, newest id first (then by thread and
  // namespace), each with its channel values and pending writes.
  Result<std::vector<CheckpointTuple>> ListCheckpoints(std::string_view owner_id,
                                                       const CheckpointListOptions& options);
  // Deletes the thread's checkpoints, values and writes in every namespace; returns how many
  // checkpoints went (0 for an unknown thread).
  Result<int64_t> DeleteThread(std::string_view owner_id, std::string_view thread_id);
  // Copies every checkpoint, value and write of thread `from` to the new thread `to`. NotFound
  // when `from` has no checkpoints, AlreadyExists when `to` has some. Returns the count copied.
  Result<int64_t> CopyThread(std::string_view owner_id, std::string_view from, std::string_view to);
  // Keeps the latest `keep_latest` (>= 1) checkpoints of each namespace of the thread and
  // deletes the others with their writes and the channel values no kept checkpoint names.
  // Returns how many checkpoints went.
  Result<int64_t> PruneThread(std::string_view owner_id, std::string_view thread_id,
                              size_t keep_latest);

  // ---- Context assembly ----

  // What an agent should see at its next turn, within options.token_budget (estimated tokens,
  // docs/context.md): core blocks, the summary and last turns of the owner's previous session,
  // the session's rolling summary, standing facts and preferences of the scope, the memories
  // most relevant to the query, and the most recent turns. Items are admitted by priority
  // (blocks, recent turns, summary, previous session's summary, relevant, standing, previous
  // session's turns) until the budget is spent; what did not fit is reported in
  // Context::omitted.
  Result<Context> AssembleContext(std::string_view owner_id, const ContextOptions& options);

  // The engine's current time.
  Timestamp Now() const;

  // Live memories (not deleted, superseded or expired) of all owners, per type, for operators'
  // metrics; every type is listed, with 0 when it has none.
  Result<std::vector<std::pair<MemoryType, int64_t>>> CountLiveMemories();

  // The owners with memories, by owner id, `limit` (1..1000) at a time from `cursor` (a page's
  // next_cursor; empty: the first page). For admin tools; counted by the store.
  Result<OwnerPage> ListOwners(std::string_view cursor, size_t limit);
  // The owner's counts for dashboards (engram/overview.h), counted by the store.
  Result<OwnerStats> GetOwnerStats(std::string_view owner_id, const OwnerStatsOptions& options);

  // The search partitions loaded in memory now, against their budget (Options::index_memory),
  // for operators' metrics.
  struct IndexMemoryUse {
    size_t partitions = 0;   // owners whose partition is loaded
    size_t bytes = 0;        // their estimated size
    size_t budget = 0;       // the budget in effect (the default resolved)
    uint64_t evictions = 0;  // partitions dropped to keep the budget since Open
  };
  IndexMemoryUse IndexMemory() const;

 private:
  class Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace engram
