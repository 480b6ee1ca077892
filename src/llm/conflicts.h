// LLM contradiction resolution: for each candidate memory, given the most similar live memories,
// the model nominates add, update, supersede or nothing; the engine then applies the nomination
// deterministically, with history. This file only asks and checks; it changes nothing.
//
// Contracts:
//   - All candidates that have similar memories go in ONE CompleteJson call (two with the
//     repair), charged to `budget`, so a turn costs a bounded number of calls whatever its size.
//     A candidate with no similar memory is nominated "add" without asking; when no candidate has
//     one, no call is made.
//   - Exactly one nomination per candidate, in candidate order. An answer that skips or repeats a
//     candidate is invalid (repaired once, then an error): a fact is never silently dropped.
//   - update / supersede must name a target among the ids shown for THAT candidate. A target that
//     is missing or not shown (a model's invention, or another candidate's memory) turns the
//     nomination into "add" with `flagged` set and `flag` saying why: adding is the choice that
//     loses nothing, and the flag makes the model's mistake visible.
//   - text: what to store (the merged sentence for update / supersede); the candidate's text when
//     the model gave none. Empty for "none".
//   - InvalidArgument when `similar` does not have one entry per candidate.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "engram/status.h"
#include "engram/types.h"
#include "hygiene/extract.h"
#include "llm/call_budget.h"
#include "llm/llm_client.h"

namespace engram::llm {

// A live memory shown to the model next to a candidate.
struct LiveMemory {
  std::string id;
  std::string key;  // may be empty
  std::string text;
  MemoryType type = MemoryType::kFact;
};

enum class ConflictAction {
  kAdd,        // a new memory, independent of the ones shown
  kUpdate,     // the same memory, refined (more detail, corrected wording); target keeps its id
  kSupersede,  // the world changed: the target stops being current, the new text replaces it
  kNone,       // nothing new: the candidate is already known
};
const char* ConflictActionName(ConflictAction action);  // "add", "update", "supersede", "none"

struct Nomination {
  ConflictAction action = ConflictAction::kAdd;
  std::string target_id;  // for kUpdate / kSupersede: one of the ids shown for the candidate
  std::string text;
  bool flagged = false;  // the model's nomination was changed (see above)
  std::string flag;      // why, e.g. "unknown target id for supersede; added instead"
};

struct ResolveOptions {
  int max_tokens = 2048;
  size_t max_text_bytes = 2 << 10;  // each candidate's and memory's text is cut to this
};

// `similar[i]` are the live memories most similar to `candidates[i]`.
Result<std::vector<Nomination>> ResolveConflicts(LlmClient& client, CallBudget& budget,
                                                 std::span<const hygiene::Candidate> candidates,
                                                 std::span<const std::vector<LiveMemory>> similar,
                                                 const ResolveOptions& options = {});

// The JSON Schema resolution answers must match (exposed for tests and docs).
const nlohmann::json& ResolutionSchema();

}  // namespace engram::llm
