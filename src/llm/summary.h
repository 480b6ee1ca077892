// Rolling summary: what falls out of a session's window is folded into the session's summary by
// the model, keeping decisions, preferences, facts about the user and open tasks.
//
// Contracts:
//   - One call (free text, no schema), charged to `budget`. No call when `dropped` is empty: the
//     previous summary is returned as it is.
//   - The caller drops whole exchanges: tool calls and their results are never split. A tool
//     result in `dropped` whose call (an assistant item's tool_calls id) is not also in `dropped`
//     is InvalidArgument, before anything is sent.
//   - Items are sent as JSON (role, content cut to SummarizeOptions::max_item_bytes, tool calls,
//     tool_call_id); the previous summary in full.
//   - The answer, trimmed, is the new summary. An empty answer, a refusal or an answer cut off at
//     max_tokens is Unavailable: a partial summary would silently lose what it did not reach, so
//     the caller keeps the items in the window and tries again later.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "engram/status.h"
#include "engram/types.h"
#include "llm/call_budget.h"
#include "llm/llm_client.h"

namespace engram::llm {

struct SummarizeOptions {
  int max_tokens = 1024;
  size_t max_item_bytes = 4 << 10;
};

Result<std::string> Summarize(LlmClient& client, CallBudget& budget,
                              std::string_view previous_summary,
                              std::span<const SessionItem> dropped,
                              const SummarizeOptions& options = {});

}  // namespace engram::llm
