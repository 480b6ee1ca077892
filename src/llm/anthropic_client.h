// AnthropicClient: an LlmClient over the Anthropic Messages API.
//
// Wire format (https://docs.anthropic.com/en/api/messages):
//   POST {base_url}/v1/messages
//   headers: x-api-key: KEY (omitted when no key: loopback servers only), anthropic-version:
//            2023-06-01, content-type: application/json
//   body:    {"model": M, "max_tokens": N, "system": S (omitted when empty),
//             "messages": [{"role": "user"|"assistant", "content": "text"}, ...],
//             "temperature": T (only when set)}
//   answer:  {"type": "message", "content": [{"type": "text", "text": ...}, ...],
//             "stop_reason": "end_turn"|"max_tokens"|"stop_sequence"|"refusal"|...,
//             "usage": {"input_tokens": I, "output_tokens": O}}
//   errors:  {"type": "error", "error": {"type": "not_found_error", "message": ...}}
// The text of all "text" blocks is concatenated; other blocks (thinking, tool_use) are ignored.
// A request's json_schema is not sent: structured.h states it in the system prompt and validates
// the answer, which works with every Claude model.
//
// Errors: see LlmClient and provider_http.h. An answer without a "content" array is Unavailable.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "engram/status.h"
#include "llm/llm_client.h"
#include "net/http_client.h"

namespace engram::llm {

inline constexpr char kDefaultAnthropicBaseUrl[] = "https://api.anthropic.com";
// Small, fast and cheap: extraction, conflict resolution and summaries do not need a large model.
inline constexpr char kDefaultAnthropicModel[] = "claude-haiku-4-5";

struct AnthropicConfig {
  std::string base_url = kDefaultAnthropicBaseUrl;  // "/v1" appended unless present
  std::string api_key;  // required unless base_url is loopback (a local proxy or fake)
  std::string model = kDefaultAnthropicModel;
  std::string version = "2023-06-01";         // the anthropic-version header
  std::chrono::milliseconds timeout{60'000};  // per attempt, unless a request sets its own
  net::HttpOptions http;
  net::RetryPolicy retry;
};

class AnthropicClient : public LlmClient {
 public:
  // InvalidArgument for a base URL the HTTP client refuses (not http(s), plain http to a
  // non-loopback host) or an empty model; FailedPrecondition for a missing key with a
  // non-loopback base URL. Makes no request.
  static Result<std::unique_ptr<AnthropicClient>> Create(AnthropicConfig config);

  std::string model_id() const override { return model_id_; }
  std::string provider() const override { return "anthropic"; }
  const std::string& endpoint() const { return endpoint_; }

 protected:
  Result<Completion> DoComplete(const CompletionRequest& request) override;

 private:
  AnthropicClient(AnthropicConfig config, std::string endpoint, std::string model_id);

  const AnthropicConfig config_;
  const std::string endpoint_;
  const std::string model_id_;
  net::HttpClient http_;
};

}  // namespace engram::llm
