// Checkpoints of agent state, as LangGraph's checkpointers keep them (docs/checkpoints.md).
//
// A thread (owner_id, thread_id) holds checkpoints in namespaces (checkpoint_ns; "" is the root
// graph, a subgraph has its own). Checkpoint ids order as strings: the greatest id is the
// latest (LangGraph's ids are UUIDv6, sortable by time). Everything a saver serialized is kept
// byte for byte as given, with the serializer's type tag, and never redacted: a changed byte
// would make the state unreadable.
//
// Channel values are kept apart from the checkpoint, as LangGraph's database savers keep them:
// a checkpoint names each channel's version (channel_versions), and a value is stored once per
// (thread, namespace, channel, version), by the checkpoint that produced that version. Reading a
// checkpoint returns the values of the versions it names, so a checkpoint that changed one
// channel stores only that one and still reads back whole.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engram/types.h"

namespace engram {

// A serialized value: the serializer's type tag ("json", "bytes", ...) and its bytes.
struct TypedBytes {
  std::string type;
  std::string data;  // any bytes

  bool operator==(const TypedBytes&) const = default;
};

// The value of one channel at one version.
struct ChannelValue {
  std::string channel;
  std::string version;
  TypedBytes value;

  bool operator==(const ChannelValue&) const = default;
};

// A write a task made against a checkpoint, not yet applied (LangGraph's pending writes).
struct PendingWrite {
  std::string task_id;
  std::string task_path;  // "" when the saver sent none
  // The write's position in the task's list, or one of the special indexes below.
  int64_t idx = 0;
  std::string channel;
  TypedBytes value;

  bool operator==(const PendingWrite&) const = default;
};

// LangGraph's WRITES_IDX_MAP: the channels whose writes take a fixed negative index. A write to
// one of them replaces the task's previous one; any other write is kept only if the task has
// none at its index yet (so a retried task cannot duplicate its writes).
inline constexpr const char* kErrorChannel = "__error__";          // idx -1
inline constexpr const char* kScheduledChannel = "__scheduled__";  // idx -2
inline constexpr const char* kInterruptChannel = "__interrupt__";  // idx -3
inline constexpr const char* kResumeChannel = "__resume__";        // idx -4
// The special index of `channel`, or nullopt for an ordinary channel.
std::optional<int64_t> SpecialWriteIndex(const std::string& channel);

// One stored checkpoint. Identity is (owner_id, thread_id, checkpoint_ns, checkpoint_id).
struct Checkpoint {
  std::string owner_id;
  std::string thread_id;
  std::string checkpoint_ns;  // "" for the root graph
  std::string checkpoint_id;
  std::string parent_checkpoint_id;  // "" when it has no parent
  TypedBytes checkpoint;             // the serialized checkpoint (without its channel values)
  std::string metadata = "{}";       // JSON object, as given
  // The version of each channel the checkpoint sees; the values live in ChannelValues.
  std::map<std::string, std::string> channel_versions;
  Timestamp created_at = 0;  // when engram stored it
};

// A checkpoint with what a saver's get_tuple returns beside it.
struct CheckpointTuple {
  Checkpoint checkpoint;
  // The stored values of the versions in channel_versions, by channel (a version without a
  // stored value is left out).
  std::vector<ChannelValue> channel_values;
  // Ordered by (task_path, task_id, idx), strings by code point: the order LangGraph applies
  // a superstep's writes in.
  std::vector<PendingWrite> pending_writes;
};

// A channel value with the thread and namespace that keep it (an owner's whole state, as an export
// reads it).
struct ThreadChannelValue {
  std::string thread_id;
  std::string checkpoint_ns;
  ChannelValue value;

  bool operator==(const ThreadChannelValue&) const = default;
};

// A pending write with the checkpoint it was made against (which need not exist).
struct CheckpointWrite {
  std::string thread_id;
  std::string checkpoint_ns;
  std::string checkpoint_id;
  PendingWrite write;

  bool operator==(const CheckpointWrite&) const = default;
};

// Input of Engine::PutCheckpoint: the checkpoint (created_at is set by the engine) and the
// values of the channels it changed.
struct NewCheckpoint {
  Checkpoint checkpoint;
  // Each at a version the checkpoint names in channel_versions; a value already stored for
  // that (channel, version) is replaced.
  std::vector<ChannelValue> channel_values;
};

// A write of Engine::PutCheckpointWrites, in the task's order.
struct NewWrite {
  std::string channel;
  TypedBytes value;
};

// Input of Engine::ListCheckpoints. Unset filters match everything.
struct CheckpointListOptions {
  std::optional<std::string> thread_id;      // unset: every thread of the owner
  std::optional<std::string> checkpoint_ns;  // unset: every namespace
  std::optional<std::string> before;         // only ids less than this one
  std::optional<size_t> limit;               // at most this many
  // A JSON object: only checkpoints whose metadata has each of its top-level keys with an
  // equal JSON value. "" or "{}": no filter.
  std::string metadata_filter;
};

// Largest accepted sizes, checked before anything is written.
inline constexpr size_t kMaxCheckpointIdBytes = 256;       // thread, namespace, ids, task ids
inline constexpr size_t kMaxCheckpointTypeBytes = 64;      // type tags
inline constexpr size_t kMaxCheckpointBytes = 16 << 20;    // a checkpoint, or all its values
inline constexpr size_t kMaxCheckpointMetadata = 1 << 20;  // metadata JSON
inline constexpr size_t kMaxWritesPerCall = 1000;

}  // namespace engram
