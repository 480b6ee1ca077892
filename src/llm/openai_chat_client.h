// OpenAiChatClient: an LlmClient over the OpenAI Chat Completions API, for OpenAI itself and any
// compatible server by base URL (Ollama, vLLM, llama.cpp server, LM Studio).
//
// Wire format (https://platform.openai.com/docs/api-reference/chat/create):
//   POST {base_url}/v1/chat/completions
//   headers: Authorization: Bearer KEY (only when a key is set), Content-Type: application/json
//   body:    {"model": M, "messages": [{"role": "system", "content": S} (when S is not empty),
//             {"role": "user"|"assistant", "content": "text"}, ...],
//             "max_completion_tokens": N (api.openai.com) or "max_tokens": N (other servers,
//             which mostly know only the older name), "temperature": T (only when set),
//             "response_format": {"type": "json_schema", "json_schema": {"name": schema_name,
//             "schema": SCHEMA, "strict": true}} (only with a json_schema)}
//   answer:  {"choices": [{"message": {"content": "..."|null, "refusal": ...},
//             "finish_reason": "stop"|"length"|"content_filter"|...}],
//             "usage": {"prompt_tokens": I, "completion_tokens": O}}
// The schema is sent without "minimum"/"maximum": strict mode of some servers and models rejects
// numeric bounds, and structured.h checks them on the answer anyway. A null content with a
// "refusal" is an empty completion with StopReason::kRefusal.
//
// Errors: see LlmClient and provider_http.h. An answer without choices[0].message is Unavailable.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "engram/status.h"
#include "llm/llm_client.h"
#include "net/http_client.h"

namespace engram::llm {

inline constexpr char kDefaultOpenAiBaseUrl[] = "https://api.openai.com";
inline constexpr char kDefaultOpenAiModel[] = "gpt-4o-mini";

struct OpenAiChatConfig {
  std::string base_url = kDefaultOpenAiBaseUrl;  // "/v1" appended unless present
  std::string api_key;  // required unless base_url is loopback (Ollama, llama.cpp, ...)
  std::string model = kDefaultOpenAiModel;
  std::chrono::milliseconds timeout{60'000};  // per attempt, unless a request sets its own
  // model_id() prefix; empty: "openai" for api.openai.com, else the base URL's host[:port], as
  // the same model name on two servers may be different weights.
  std::string provider_label;
  net::HttpOptions http;
  net::RetryPolicy retry;
};

class OpenAiChatClient : public LlmClient {
 public:
  // InvalidArgument for a base URL the HTTP client refuses or an empty model;
  // FailedPrecondition for a missing key with a non-loopback base URL. Makes no request.
  static Result<std::unique_ptr<OpenAiChatClient>> Create(OpenAiChatConfig config);

  std::string model_id() const override { return model_id_; }
  std::string provider() const override { return "openai"; }
  const std::string& endpoint() const { return endpoint_; }

 protected:
  Result<Completion> DoComplete(const CompletionRequest& request) override;

 private:
  OpenAiChatClient(OpenAiChatConfig config, std::string endpoint, std::string model_id,
                   bool official);

  const OpenAiChatConfig config_;
  const std::string endpoint_;
  const std::string model_id_;
  const bool official_;  // api.openai.com: max_completion_tokens instead of max_tokens
  net::HttpClient http_;
};

}  // namespace engram::llm
