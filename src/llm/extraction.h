// LLM extraction: typed, keyed memory candidates from conversation turns, the model-backed
// counterpart of hygiene::ExtractCandidates (same Candidate struct, same key vocabulary), so both
// plug into one place in the write path.
//
// Contracts:
//   - One CompleteJson call (two with the repair), charged to `budget`. No call, and no
//     candidates, when no user turn has text: only the user's own statements are evidence;
//     assistant, system and tool turns are context.
//   - Candidates are facts, preferences, episodes or procedures about the user, with a key in the
//     vocabulary of src/hygiene/extract.cc (docs/extraction.md): "user.name", "pref.ui.theme",
//     "pref.likes.<item>", "diet.allergy.<item>", "deadline.<task>", "proc.<trigger>",
//     "world.<subject>.<relation>[.<object>]", ...
//     Keys are lower-cased; a key must be dot-separated lower-case slugs ([a-z0-9_-]) of at most
//     128 bytes, else the answer is repaired like any invalid answer.
//   - text is a non-empty third-person sentence; confidence in [0, 1]; data holds "value": V when
//     the model gave a value, and "triples" when it gave knowledge-graph edges (the same objects
//     as offline world statements: hygiene::MemoryTriples, written by the graph of memories);
//     valid_from is midnight UTC of a "YYYY-MM-DD" the model gave (a date that does not parse is
//     an invalid answer).
//   - Each triple passes hygiene::TripleProblem (names non-empty, relation lower_snake_case, two
//     different ends); one that does not makes the whole answer invalid (repaired once, then an
//     error naming the triple and why), so no memory of a refused answer is written.
//   - As offline: when one answer yields a key twice, only the later candidate is kept.
//   - Turn texts are sent as JSON strings, cut to ExtractOptions::max_turn_bytes each.
//   - Errors: CompleteJson's; InvalidArgument for a turn that is not valid UTF-8.
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

// One conversation turn as the extractor sees it.
struct Turn {
  Role role = Role::kUser;
  std::string text;
  Timestamp observed_at = 0;  // when it was said; anchors relative dates ("tomorrow")
};

struct ExtractOptions {
  int max_tokens = 2048;
  size_t max_turn_bytes = 8 << 10;
  size_t max_candidates = 32;  // more in one answer is an invalid answer
};

Result<std::vector<hygiene::Candidate>> ExtractCandidates(LlmClient& client, CallBudget& budget,
                                                          std::span<const Turn> turns,
                                                          Timestamp now,
                                                          const ExtractOptions& options = {});

// The JSON Schema extraction answers must match (exposed for tests and docs).
const nlohmann::json& ExtractionSchema();

}  // namespace engram::llm
