// Archives: everything engram keeps of one owner, as Engine::ExportOwner reads it and
// Engine::ImportOwner writes it back (docs/export.md; the file formats are src/portable/).
// Nothing is lost on the way: ids, times, history, supersession links, validity, expiry, access
// statistics, vectors, session items and summaries, every version of the knowledge graph, and the
// checkpoints of agent state with their channel values and pending writes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/checkpoints.h"
#include "engram/graph.h"
#include "engram/types.h"

namespace engram {

// One record as the store keeps it, with its vector (empty: it has none, or none was exported).
struct ArchivedMemory {
  MemoryRecord record;
  std::vector<float> vector;
};

// One session: its id, rolling summary (when set) and items.
struct ArchivedSession {
  std::string session_id;
  std::optional<SessionSummary> summary;
  std::vector<SessionItem> items;  // by seq
};

struct OwnerArchive {
  std::string owner_id;
  // Every record, deleted and superseded ones included, oldest first by (created_at, id). Core
  // blocks are records of type kBlock.
  std::vector<ArchivedMemory> memories;
  // Every history row, in the store's order (their seq left 0: the importing store numbers them).
  std::vector<HistoryEvent> history;
  std::vector<ArchivedSession> sessions;  // by session id
  // Every version of the graph, expired ones included, in the order they were written
  // (entities without observations, relations without names), and its history (seq left 0).
  std::vector<Entity> entities;
  std::vector<Observation> observations;
  std::vector<Relation> relations;
  std::vector<GraphHistoryEvent> graph_history;
  // Checkpoints of agent state (engram/checkpoints.h), each with its created_at as stored, by
  // (thread_id, checkpoint_ns, checkpoint_id); the channel values of every thread and namespace
  // by (thread_id, checkpoint_ns, channel, version); the pending writes by (thread_id,
  // checkpoint_ns, checkpoint_id, task_id, idx). Strings order by bytes.
  std::vector<Checkpoint> checkpoints;
  std::vector<ThreadChannelValue> channel_values;
  std::vector<CheckpointWrite> checkpoint_writes;
};

// What an export reads.
struct ArchiveParts {
  bool memories = true;  // records other than blocks
  bool blocks = true;    // records of type kBlock
  bool history = true;   // history rows (of the records exported)
  bool vectors = true;   // the records' vectors
  bool sessions = true;
  bool graph = true;        // left out when the store's backend keeps no graph
  bool checkpoints = true;  // left out when no backend keeps checkpoints
};

// How far Engine::ImportOwner is: `done` of `total` in `stage` ("embedding": records embedded
// again, reported per batch; "writing": rows written, memories and history one by one, then
// sessions, graph and checkpoints per store).
using ImportProgress = std::function<void(std::string_view stage, size_t done, size_t total)>;

// What Engine::ImportOwner wrote.
struct ImportReport {
  int64_t memories = 0;
  int64_t history_events = 0;
  int64_t reembedded = 0;  // records whose vector was computed again (another model, or none)
  int64_t sessions = 0;
  int64_t session_items = 0;
  int64_t entities = 0;  // entity versions
  int64_t observations = 0;
  int64_t relations = 0;  // relation versions
  int64_t graph_events = 0;
  int64_t checkpoints = 0;
  int64_t channel_values = 0;
  int64_t checkpoint_writes = 0;
};

}  // namespace engram
