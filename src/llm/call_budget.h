// CallBudget: a cap on the LLM calls one write may make, so that a single turn has a bounded cost
// and latency whatever the model answers (a repair attempt is a call like any other).
//
// Contracts:
//   - One budget per write (or per turn); LlmClient::Complete charges it once per logical call,
//     before sending, and makes no request when it is spent. Retries of one call after 429/5xx
//     or a timeout are not charged again: they are the transport's business, bounded by its
//     RetryPolicy.
//   - Charge() on a spent budget returns FailedPrecondition with a message that starts with
//     "LLM call budget" and names the limit (Status has no ResourceExhausted code; see
//     IsBudgetExhausted).
//   - Thread-safe: calls made for one write from several threads share the count.
#pragma once

#include <atomic>

#include "engram/status.h"

namespace engram::llm {

class CallBudget {
 public:
  static constexpr int kDefaultMaxCalls = 4;

  // `max_calls` <= 0 makes a budget that refuses every call (LLM use switched off for a write).
  explicit CallBudget(int max_calls = kDefaultMaxCalls) : max_calls_(max_calls) {}
  CallBudget(const CallBudget&) = delete;
  CallBudget& operator=(const CallBudget&) = delete;

  // Takes one call from the budget; FailedPrecondition (nothing taken) when none is left.
  Status Charge();

  int max_calls() const { return max_calls_; }
  int used() const { return used_.load(std::memory_order_acquire); }
  int remaining() const { return max_calls_ > used() ? max_calls_ - used() : 0; }

 private:
  const int max_calls_;
  std::atomic<int> used_{0};
};

// True for the Status a spent budget returns, so callers can tell "the model was not asked" from
// "the model failed".
bool IsBudgetExhausted(const Status& status);

}  // namespace engram::llm
