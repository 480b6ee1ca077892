// What engram's own code adds to the public interface (engram/llm_client.h): checking a request,
// and telling a spent budget (call_budget.h).
#pragma once

#include "engram/llm_client.h"
#include "engram/status.h"
#include "llm/call_budget.h"

namespace engram::llm {

// OK when `request` can be sent: at least one message, every text non-empty valid UTF-8 (the
// system prompt may be empty), max_tokens > 0, temperature in [0, 2], a valid schema_name, a
// json_schema that is an object, a non-negative timeout. InvalidArgument naming the field
// otherwise (never its text).
Status CheckRequest(const CompletionRequest& request);

}  // namespace engram::llm
