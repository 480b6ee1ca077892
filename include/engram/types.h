// The records engram keeps: durable memories, their history, and session items.
//
// JSON-valued fields (data, metadata, tool_calls, history values) are carried as serialized JSON
// text so that this header has no dependency beyond the standard library; the engine validates
// them on the way in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram {

// Milliseconds since the Unix epoch, UTC.
using Timestamp = int64_t;

enum class MemoryType { kFact, kPreference, kEpisode, kProcedure, kSummary, kBlock };

// "fact", "preference", "episode", "procedure", "summary", "block".
const char* MemoryTypeName(MemoryType type);
// Parses a name produced by MemoryTypeName; InvalidArgument otherwise.
Result<MemoryType> ParseMemoryType(std::string_view name);

// One durable memory. Identity is (owner_id, id); owner_id is the hard isolation boundary.
struct MemoryRecord {
  std::string id;  // UUIDv7, sortable by creation time
  std::string owner_id;
  std::string scope;     // "global" or a path such as "project/alpha/task/42"
  std::string agent_id;  // empty when none
  std::string session_id;
  MemoryType type = MemoryType::kFact;
  std::string key;  // what the record is about, e.g. "ui.theme"; empty when none
  std::string text;
  std::string data = "{}";      // JSON value
  std::string metadata = "{}";  // JSON object
  std::string source;
  double confidence = 1.0;  // in [0, 1]
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  std::optional<Timestamp> valid_from;  // when it became true in the world
  std::optional<Timestamp> valid_to;    // when it stopped being true
  std::optional<Timestamp> last_verified_at;
  std::optional<Timestamp> last_accessed_at;
  int64_t access_count = 0;
  std::optional<Timestamp> expires_at;
  std::string superseded_by;  // id of the record that replaced this one; empty when current
  std::optional<Timestamp> deleted_at;  // tombstone
};

// What a write did with one input memory.
enum class WriteEvent {
  kAdded,         // stored as a new record
  kDeduplicated,  // the same text, type and scope was already live: that record was re-verified
  kSuperseded,    // stored, and it replaced the live records with the same key and scope
  kUpdated,       // an existing record was refined in place (a model's "update" nomination)
};
// "added", "deduplicated", "superseded", "updated"
const char* WriteEventName(WriteEvent event);

// Who made a change and why; recorded in the history row.
struct ChangeInfo {
  std::string actor = "api";
  std::string reason;
};

// Input of Engine::AddMemory. Fields left empty take the defaults noted.
struct NewMemory {
  std::string owner_id;  // required
  std::string scope = "global";
  std::string agent_id;
  std::string session_id;
  MemoryType type = MemoryType::kFact;
  std::string key;
  std::string text;             // required, non-empty, valid UTF-8
  std::string data = "{}";      // any JSON value
  std::string metadata = "{}";  // JSON object
  std::string source;
  double confidence = 1.0;
  std::optional<Timestamp> observed_at;  // when it was said; defaults to now (sets created_at)
  std::optional<Timestamp> valid_from;
  std::optional<Timestamp> valid_to;
  std::optional<Timestamp> expires_at;
  // Ids of the owner's live records this one replaces, whatever their key: they are superseded
  // in the same transaction (NotFound fails the write).
  std::vector<std::string> supersedes;
  ChangeInfo change;
};

// Input of Engine::UpdateMemory: only the fields that are set change.
struct MemoryUpdate {
  std::optional<std::string> text;
  std::optional<std::string> key;
  std::optional<std::string> data;
  std::optional<std::string> metadata;
  std::optional<double> confidence;
  std::optional<Timestamp> valid_from;
  std::optional<Timestamp> valid_to;
  std::optional<Timestamp> expires_at;
  ChangeInfo change;
};

struct WriteResult {
  MemoryRecord record;  // the stored record, or the re-verified existing one
  WriteEvent event = WriteEvent::kAdded;
  std::vector<std::string> superseded_ids;  // records this one replaced
};

// What a history row records.
enum class HistoryEventType {
  kAdd,        // the record was stored
  kUpdate,     // fields changed in place (an update, a block edit)
  kDelete,     // tombstoned
  kVerify,     // stated again: re-verified instead of stored twice
  kSupersede,  // replaced by a newer record (superseded_by, valid_to)
};
// "add", "update", "delete", "verify", "supersede": the names on the wire and in storage.
const char* HistoryEventTypeName(HistoryEventType type);
// Parses a name produced by HistoryEventTypeName; InvalidArgument otherwise.
Result<HistoryEventType> ParseHistoryEventType(std::string_view name);

// One row of a memory's audit history. Values are JSON snapshots of the record ("" when absent:
// no old value for "add", no new value for "delete").
struct HistoryEvent {
  int64_t seq = 0;  // increasing across the store
  std::string memory_id;
  std::string owner_id;
  HistoryEventType event = HistoryEventType::kAdd;
  std::string actor;
  std::string reason;
  std::string old_value;
  std::string new_value;
  Timestamp at = 0;
};

// Filters of Engine::ListMemories. Results are newest first (created_at, then id).
struct ListOptions {
  // When set, only records visible at this scope: the scope itself, its ancestors and "global".
  // When unset, records of every scope of the owner.
  std::optional<std::string> scope;
  std::optional<MemoryType> type;
  std::optional<std::string> key;
  std::optional<std::string> session_id;
  std::optional<std::string> agent_id;
  std::optional<Timestamp> created_from;   // inclusive
  std::optional<Timestamp> created_until;  // exclusive
  bool include_superseded = false;
  // What was true in the world at this time: records whose validity (valid_from, or created_at
  // when unset, up to valid_to) covers it, superseded ones included.
  std::optional<Timestamp> valid_at;
  // What the engine believed at this time, replayed from history: each record as it was then,
  // without those added later or deleted or superseded by then. Not paged (no cursor).
  std::optional<Timestamp> as_of;
  size_t limit = 50;   // 1..1000
  std::string cursor;  // next_cursor of the previous page; empty for the first page
};

struct MemoryPage {
  std::vector<MemoryRecord> items;
  std::string next_cursor;  // empty when this is the last page
};

// What Engine::ForgetOwner removed.
struct ForgetReport {
  int64_t memories = 0;
  int64_t history_events = 0;
  int64_t sessions = 0;
  int64_t session_items = 0;
  int64_t checkpoints = 0;
};

// Which retrievers a search uses.
enum class SearchMode { kHybrid, kLexical, kVector };

// Input of Engine::Search.
struct SearchOptions {
  std::optional<std::string> scope;  // as in ListOptions
  std::optional<MemoryType> type;
  std::optional<std::string> key;
  std::optional<std::string> session_id;
  // JSON filter over record fields and metadata; see docs/search.md. Empty: no filter.
  std::string filter;
  std::optional<Timestamp> created_from;   // inclusive
  std::optional<Timestamp> created_until;  // exclusive
  std::optional<Timestamp> valid_at;       // as in ListOptions (superseded records included)
  size_t top_k = 10;                       // 1..1000
  double threshold = 0;                    // hits whose final score is below it are dropped
  SearchMode mode = SearchMode::kHybrid;
  bool use_recency = true;    // weigh by recency decay per type (episodes decay)
  bool record_access = true;  // count the returned hits as accessed
  // Hybrid fusion weights of the two retrievers' reciprocal ranks. The defaults were tuned on
  // LoCoMo (docs/locomo.md): with the built-in USE-lite encoder, BM25 is the stronger retriever
  // on conversational turns, and vectors add the paraphrases it misses.
  double lexical_weight = 1.0;
  double vector_weight = 0.5;
  // Hybrid only: a share of relevance for memories of the kind the question asks for ("who" a
  // person, "when" a time) or keyed by a topic it names (docs/search.md, "Answer fit").
  bool use_answer_fit = true;
  // Hybrid only: a share of relevance for memories linked in the knowledge graph to the entities
  // the query names and to their neighbours (docs/search.md, "Graph"). No-op without a graph.
  bool use_graph = true;
};

// Why a hit scored what it did. Ranks are 1-based; 0 means the retriever did not return it.
struct ScoreExplanation {
  int lexical_rank = 0;
  double lexical_score = 0;  // BM25
  int vector_rank = 0;
  double vector_similarity = 0;  // cosine
  double relevance = 0;  // fused relevance in [0, 1] before weighting, date and context included
  // The part of relevance gained because the query names the date the memory was observed on
  // ("on 9 November, 2022"), in [0, 1].
  double date = 0;
  // The part of relevance lent by the neighbouring turns of a conversation (episodes), in [0, 1].
  double context = 0;
  // The part of relevance gained (or, below 0, lost) by answer fit: what the memory fits of the
  // question's kind and topics, mixed in with the share in docs/search.md.
  double answer = 0;
  // The part of relevance gained (or lost) by the knowledge graph signal, and why: e.g.
  // "Alice is named" or "1 hop from Alice"; empty when the graph played no part.
  double graph = 0;
  std::string graph_reason;
  double recency = 1;     // decay factor in (0, 1]
  double confidence = 1;  // confidence factor in [0.5, 1]
  double final_score = 0;
};

struct SearchHit {
  MemoryRecord record;
  double score = 0;
  ScoreExplanation explanation;
};

enum class Role { kUser, kAssistant, kSystem, kTool };
const char* RoleName(Role role);  // "user", "assistant", "system", "tool"
Result<Role> ParseRole(std::string_view name);

// One item of a session, in the shape of the OpenAI Agents SDK session protocol.
struct SessionItem {
  int64_t seq = 0;  // 1-based position in the session, assigned on append
  Role role = Role::kUser;
  std::string content;
  // Assistant items: JSON array of tool calls, each an object with a string "id". Else empty.
  std::string tool_calls;
  // Tool items: the id of the call this item answers. Required for Role::kTool.
  std::string tool_call_id;
  Timestamp created_at = 0;
};

// One item of an owner's history across sessions (Engine::GetRecentItems).
struct OwnerItem {
  std::string session_id;
  SessionItem item;
};

// A core block: a labelled text always included in context (Letta-style "persona", "human" or a
// label of the caller's), with a character limit. It is stored as a memory of type kBlock whose
// key is the label, so it has history (Engine::GetHistory with its id), isolation and export like
// every memory. One live block per (owner, scope, label).
struct CoreBlock {
  std::string id;  // the memory record's id
  std::string scope;
  std::string label;
  std::string value;
  size_t limit = 0;  // in characters (Unicode code points)
  Timestamp updated_at = 0;
};

// The rolling summary of a session: what fell out of its window, condensed.
struct SessionSummary {
  std::string text;
  Timestamp updated_at = 0;
  int64_t through_seq = 0;  // the items up to this seq are folded in (0: set by hand)
};

// What is known of one session of an owner (Engine::GetPreviousSession).
struct SessionInfo {
  std::string session_id;
  Timestamp started_at = 0;      // its first item (when it has none: when its row was made)
  Timestamp last_active_at = 0;  // its last item (when it has none: its last change)
  int64_t items = 0;             // items it holds now
  std::optional<SessionSummary> summary;
};

// Where a turn belongs: nowhere (filler), only in its session, or also in durable memory.
enum class Disposition { kDiscard, kSessionOnly, kPromote };
// "discard", "session_only", "promote": the names on the wire.
const char* DispositionName(Disposition disposition);

// What Engine::RememberTurn did with one turn.
struct TurnReport {
  Disposition disposition = Disposition::kSessionOnly;
  std::string reason;               // why, e.g. "filler", "question", "extracted memory"
  std::vector<WriteResult> writes;  // the memories stored or re-verified
  // A forget request said in chat ("please forget what I told you about X"): the memories it
  // named, now deleted.
  std::vector<MemoryRecord> forgotten;
  // Candidates found but not stored, each as "<key>: <reason>" (e.g. below the policy's minimum
  // confidence for its type, or already known according to the model).
  std::vector<std::string> skipped;
  // Set when a language model is configured and failed (timeout, malformed answer, spent call
  // budget): what failed. The offline rules were applied instead, so nothing the turn said is
  // lost, and the caller keeps the turn in its session.
  std::string llm_error;
};

// What Engine::CollectGarbage removed (or, in a dry run, would remove).
struct GcReport {
  int64_t expired_memories = 0;  // expired records erased
  int64_t history_events = 0;    // their history rows erased (0 when the policy keeps history)
  int64_t session_items = 0;     // session items older than the retention
};

// Input of Engine::AssembleContext.
struct ContextOptions {
  std::string scope = "global";
  std::string session_id;  // empty: no summary and no recent turns
  std::string query;       // empty: no relevant-memory search
  size_t token_budget = 2000;
  size_t max_relevant = 10;  // memories found by searching for the query
  size_t max_standing = 20;  // facts and preferences of the scope, most recently verified first
  // Knowledge-graph facts (observations and edges within two hops) about the entities the query
  // names; none when the store keeps no graph.
  size_t max_related = 10;
  size_t recent_turns = 3;  // turns (a user item and what follows it) of the session
  // With a session: the summary of the owner's previous session (the one active most recently
  // before this one) and, budget permitting, its last `previous_turns` turns. 0 turns: only the
  // summary; previous_session false: neither.
  bool previous_session = true;
  size_t previous_turns = 2;
};

// The sections of an assembled context, in rendering order.
enum class ContextSection {
  kBlock,     // core blocks
  kPrevious,  // the summary and last turns of the owner's previous session
  kSummary,   // the rolling summary of this session
  kStanding,  // facts and preferences of the scope
  kRelevant,  // memories found by searching for the query
  kRelated,   // knowledge-graph facts about the entities the query names
  kTurn,      // recent turns of this session
};
// "block", "previous", "summary", "standing", "relevant", "related", "turn": the names on the
// wire.
const char* ContextSectionName(ContextSection section);

// One piece of an assembled context.
struct ContextItem {
  ContextSection section = ContextSection::kBlock;
  std::string reason;       // why it was included, e.g. "core block", "search rank 2"
  double score = 0;         // search score for kRelevant, 1 for items included unconditionally
  size_t tokens = 0;        // estimated tokens of `text`
  std::string text;         // as rendered
  std::string memory_id;    // memories and blocks; empty otherwise
  int64_t session_seq = 0;  // turns; 0 otherwise
};

struct Context {
  std::vector<ContextItem> items;    // included, in rendering order
  std::vector<ContextItem> omitted;  // left out for lack of budget, most important first
  size_t token_count = 0;            // estimated tokens of `rendered`
  size_t token_budget = 0;
  std::string rendered;  // a text block ready for a system prompt
};

}  // namespace engram
