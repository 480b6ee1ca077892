// LlmClient: the interface through which engram asks a language model for a completion, whatever
// the provider (Anthropic Messages, OpenAI Chat Completions and compatible servers). Built in:
// the clients of src/llm (llm_factory.h builds one from the environment); an application may pass
// its own implementation as Options::llm.
//
// Contracts:
//   - Complete() checks the request (src/llm/llm_client.h: CheckRequest), charges request.budget
//   once (no request is
//     sent when it is spent) and then asks the provider; subclasses implement DoComplete() only,
//     so every client counts calls the same way.
//   - A completion is the provider's answer as text: the concatenated text blocks, never tool
//     calls or thinking. An empty text is a valid completion (callers decide whether it is an
//     error); structured output lives in src/llm/structured.h on top of this interface.
//   - Errors: InvalidArgument for a request that cannot be sent (nothing sent); the budget's
//     FailedPrecondition; the transport's Unavailable / PermissionDenied / InvalidArgument /
//     TooLarge, with the provider's own error type and message when it sent one. No error message
//     ever contains an API key.
//   - Implementations are thread-safe: one client serves concurrent writes.
//
// CallBudget: a cap on the LLM calls one write may make, so that a single turn has a bounded cost
// and latency whatever the model answers (a repair attempt is a call like any other).
//
// Contracts:
//   - One budget per write (or per turn); LlmClient::Complete charges it once per logical call,
//     before sending, and makes no request when it is spent. Retries of one call after 429/5xx
//     or a timeout are not charged again: they are the transport's business, bounded by its
//     retry policy.
//   - Charge() on a spent budget returns FailedPrecondition with a message that starts with
//     "LLM call budget" and names the limit (Status has no ResourceExhausted code; see
//     IsBudgetExhausted in src/llm/call_budget.h).
//   - Thread-safe: calls made for one write from several threads share the count.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

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

enum class MessageRole { kUser, kAssistant };
const char* MessageRoleName(MessageRole role);  // "user", "assistant"

struct Message {
  MessageRole role = MessageRole::kUser;
  std::string text;  // valid UTF-8, non-empty
};

struct CompletionRequest {
  std::string system;                 // system prompt; may be empty
  std::vector<Message> messages;      // at least one; the last one is usually the user's
  int max_tokens = 1024;              // > 0: the most tokens the answer may have
  std::optional<double> temperature;  // unset: the provider's default; else in [0, 2]
  // Structured output: a JSON Schema (the subset of structured.h) the answer must match. Clients
  // pass it to providers with native support (OpenAI response_format); structured.h also states
  // it in the prompt and validates the answer, so providers without support work too.
  std::optional<nlohmann::json> json_schema;
  std::string schema_name = "answer";    // [A-Za-z0-9_-]{1,64}: what providers call the schema
  std::chrono::milliseconds timeout{0};  // one attempt's limit; zero: the client's default
  CallBudget* budget = nullptr;          // charged once per Complete(); null: unlimited
};

// Why the model stopped, normalised across providers.
enum class StopReason {
  kEndTurn,       // a natural end (Anthropic end_turn, OpenAI stop)
  kMaxTokens,     // cut at max_tokens: the text is incomplete
  kStopSequence,  // a stop sequence matched
  kRefusal,       // the model or a content filter declined
  kOther,         // anything else (tool use, unknown values); see Completion::stop_reason
};

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

struct Completion {
  std::string text;
  StopReason stop = StopReason::kOther;
  std::string stop_reason;  // the provider's own value, e.g. "end_turn", "length"; may be empty
  Usage usage;
};

class LlmClient {
 public:
  virtual ~LlmClient() = default;

  // See the contracts above.
  Result<Completion> Complete(const CompletionRequest& request);

  // "<provider>:<model>", e.g. "anthropic:claude-haiku-4-5" or "127.0.0.1:11434:llama3.2" for an
  // OpenAI-compatible server that is not OpenAI: what produced a memory, for its metadata.
  virtual std::string model_id() const = 0;
  // The wire format: "anthropic" or "openai" (for every OpenAI-compatible server).
  virtual std::string provider() const = 0;

 protected:
  // One call to the provider, with retries; the request has passed CheckRequest.
  virtual Result<Completion> DoComplete(const CompletionRequest& request) = 0;
};

}  // namespace engram::llm
