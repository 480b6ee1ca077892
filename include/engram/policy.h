// Policy: the write and retention rules of a store, usually read from a JSON file
// (docs/policy.md). Every field has a default, so an empty object is a valid policy.
//
//   {
//     "types": {
//       "episode":    {"ttl_days": 180, "min_confidence": 0.5, "max_records": 5000},
//       "preference": {"min_confidence": 0.6}
//     },
//     "near_duplicate_similarity": 0.85,
//     "extract_on_session_append": true,
//     "gc": {"session_retention_days": 30, "keep_history": true}
//   }
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engram/status.h"
#include "engram/types.h"

namespace engram {

struct TypePolicy {
  // A record of this type written without expires_at expires this long after it was observed.
  std::optional<int64_t> ttl_ms;
  // Extracted candidates (Engine::RememberTurn) below this confidence are not stored. Explicit
  // writes (AddMemory) are stored whatever their confidence: the caller decided.
  double min_confidence = 0;
  // Live records of this type per owner (0: no limit). A write that goes over it deletes the
  // records least recently used (accessed, verified or created), with a "delete" history row.
  size_t max_records = 0;
};

struct Policy {
  // Indexed by MemoryType.
  std::array<TypePolicy, 6> types{};
  // A new memory whose vector has at least this cosine similarity with a live record of the same
  // owner, scope, type and key, and says the same thing (no different number, name or negation),
  // re-verifies that record instead of adding a second one. 0 turns near-duplicate merging off;
  // it needs an embedder. Episodes are never merged: the same words on another day are another
  // event.
  double near_duplicate_similarity = 0.85;
  // Engine::AddSessionItems also runs Engine::RememberTurn on each user item.
  bool extract_on_session_append = false;
  // Engine::CollectGarbage: session items older than this are removed (unset: kept).
  std::optional<int64_t> session_retention_ms;
  // Engine::CollectGarbage: true keeps the history rows of the memories it prunes (an audit of
  // what was once known); false erases them with the records.
  bool gc_keep_history = true;

  const TypePolicy& For(MemoryType type) const { return types[static_cast<size_t>(type)]; }
  TypePolicy& For(MemoryType type) { return types[static_cast<size_t>(type)]; }
};

// Parses a policy from JSON text; InvalidArgument naming the offending field otherwise (unknown
// fields are errors too, so a typo never silently leaves a rule unset).
Result<Policy> ParsePolicy(std::string_view json);
// Reads and parses a policy file; NotFound when the file does not exist.
Result<Policy> LoadPolicyFile(const std::string& path);

}  // namespace engram
