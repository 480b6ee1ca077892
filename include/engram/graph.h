// The knowledge graph's records: entities (people, projects, places...) with aliases and
// observations, and typed relations between them over time (docs/graph.md).
//
// Time is bi-temporal, as for memories: a relation is true in the world from valid_from until
// valid_to (world time), and the engine believed each version of a record from updated_at until
// expired_at (system time). Nothing is changed in place: a change expires the current version and
// adds a new one, with a history row, so a read `as_of` T sees what the engine believed at T and a
// read `valid_at` T sees what was true in the world at T.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engram/types.h"

namespace engram {

// A statement about one entity ("prefers dark mode"), kept as given (after redaction).
struct Observation {
  std::string id;  // UUIDv7
  std::string entity_id;
  std::string text;
  std::string source;  // provenance: the memory, turn or tool it came from; empty when none
  Timestamp created_at = 0;
  std::optional<Timestamp> expired_at;  // when it was deleted; unset while current
};

// One entity. Identity is (owner_id, id); within an owner and scope no two current entities share
// a name or alias after normalization (case, whitespace and punctuation ignored).
struct Entity {
  std::string id;  // UUIDv7
  std::string owner_id;
  std::string scope;
  std::string name;  // as first given
  std::string type;  // free text, e.g. "person", "project"; empty when unknown
  std::vector<std::string> aliases;
  std::vector<Observation> observations;  // current ones (or those at as_of), oldest first
  std::string source;
  double confidence = 1.0;
  Timestamp created_at = 0;             // first version
  Timestamp updated_at = 0;             // this version
  std::optional<Timestamp> expired_at;  // this version was replaced or deleted
};

// A directed, typed edge: from --type--> to. Types are lower_snake_case ("works_at").
struct Relation {
  std::string id;  // UUIDv7, kept by every version of the edge
  std::string owner_id;
  std::string scope;
  std::string from_id;
  std::string from_name;  // the entities' names, filled in by the engine's reads
  std::string type;
  std::string to_id;
  std::string to_name;
  std::optional<Timestamp> valid_from;  // world time; set by every write
  std::optional<Timestamp> valid_to;    // unset: still true
  std::string source;
  double confidence = 1.0;
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  std::optional<Timestamp> expired_at;
};

// Input of Engine::AddEntities. Adding a name that already names a current entity at the scope
// (by name or alias) adds the new aliases and observations to it instead.
struct NewEntity {
  std::string owner_id;  // required
  std::string scope = "global";
  std::string name;  // required
  std::string type;
  std::vector<std::string> aliases;
  std::vector<std::string> observations;
  std::string source;
  double confidence = 1.0;
  ChangeInfo change;
};

// Input of Engine::AddRelations: entities are named (name or alias), resolved at `scope` (the
// narrowest visible scope wins); both must exist.
struct NewRelation {
  std::string owner_id;  // required
  std::string scope = "global";
  std::string from;
  std::string type;  // normalized to lower_snake_case
  std::string to;
  std::optional<Timestamp> valid_from;  // defaults to now
  std::optional<Timestamp> valid_to;
  std::string source;
  double confidence = 1.0;
  ChangeInfo change;
};

// An edge named by its ends and type, for deletion.
struct RelationRef {
  std::string from;
  std::string type;
  std::string to;
};

// What a write did with one entity or relation.
enum class GraphWriteEvent {
  kAdded,     // a new entity or edge
  kUpdated,   // an existing entity got new aliases or observations
  kExisting,  // nothing new: the entity or the same current edge was there already
};
// "added", "updated", "existing".
const char* GraphWriteEventName(GraphWriteEvent event);

struct EntityWrite {
  Entity entity;
  GraphWriteEvent event = GraphWriteEvent::kAdded;
};

struct RelationWrite {
  Relation relation;
  GraphWriteEvent event = GraphWriteEvent::kAdded;
  // Edges of a single-valued type (rules/graph_single_valued.txt) this one ended: their new
  // versions, with valid_to set.
  std::vector<Relation> closed;
};

// What Engine::ImportGraph wrote: how many items of each GraphWriteEvent.
struct GraphImportReport {
  int64_t entities_added = 0;
  int64_t entities_updated = 0;
  int64_t entities_existing = 0;
  int64_t relations_added = 0;
  int64_t relations_existing = 0;
};

// Which version of the graph a read sees. Unset as_of: the current one. Unset valid_at: edges true
// at as_of (or now); with all_times, edges of every world time.
struct GraphReadOptions {
  std::string scope = "global";  // sees entities and edges of the scope and its ancestors
  std::optional<Timestamp> as_of;
  std::optional<Timestamp> valid_at;
  bool all_times = false;
};

enum class GraphDirection { kOut, kIn, kBoth };

struct NeighborOptions {
  GraphReadOptions read;
  size_t depth = 1;                         // 1..kMaxGraphDepth
  std::vector<std::string> relation_types;  // followed edges; empty: all
  std::vector<std::string> entity_types;    // listed neighbours; empty: all (all are traversed)
  GraphDirection direction = GraphDirection::kBoth;
};

inline constexpr size_t kMaxGraphDepth = 6;
// Engine::MentionedEntities: the longest name it finds in a text, in words, and how many words
// of the text it reads.
inline constexpr size_t kMaxMentionWords = 6;
inline constexpr size_t kMaxMentionText = 64;

// One entity reached from the start, at its smallest depth, by the edge that reached it first.
struct Neighbor {
  Entity entity;
  size_t depth = 0;
  Relation via;
};

struct Neighborhood {
  Entity start;
  std::vector<Neighbor> neighbors;  // by depth, then name
  std::vector<Relation> relations;  // every edge followed, oldest first
};

// A path: entities[0] is the start, relations[i] joins entities[i] and entities[i + 1] (either
// way round).
struct GraphPath {
  std::vector<Entity> entities;
  std::vector<Relation> relations;
};

// Entities and the relations among them.
struct Graph {
  std::vector<Entity> entities;  // by name
  std::vector<Relation> relations;
};

// A deleted entity's count of what went with it.
struct GraphDeleteReport {
  int64_t entities = 0;
  int64_t relations = 0;
  int64_t observations = 0;
};

// One row of the graph's audit history. kind is "entity", "relation" or "observation"; event
// "add", "update", "close" (a single-valued edge ended by a newer one) or "delete"; values are
// JSON snapshots ("" when absent).
struct GraphHistoryEvent {
  int64_t seq = 0;
  std::string owner_id;
  std::string kind;
  std::string object_id;
  std::string event;
  std::string actor;
  std::string reason;
  std::string old_value;
  std::string new_value;
  Timestamp at = 0;
};

}  // namespace engram
