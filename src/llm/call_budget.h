// CallBudget is public (engram/llm_client.h); this is what engram's own code adds to it.
#pragma once

#include "engram/llm_client.h"
#include "engram/status.h"

namespace engram::llm {

// True for the Status a spent budget returns, so callers can tell "the model was not asked" from
// "the model failed".
bool IsBudgetExhausted(const Status& status);

}  // namespace engram::llm
