#include "llm/llm_client.h"

#include <string>

#include "util/utf8.h"

namespace engram::llm {

const char* MessageRoleName(MessageRole role) {
  return role == MessageRole::kAssistant ? "assistant" : "user";
}

Status CheckRequest(const CompletionRequest& request) {
  if (request.messages.empty()) return Status::InvalidArgument("LLM request has no messages");
  if (!util::IsValidUtf8(request.system)) {
    return Status::InvalidArgument("LLM request: system prompt is not valid UTF-8");
  }
  for (size_t i = 0; i < request.messages.size(); ++i) {
    const std::string& text = request.messages[i].text;
    // Providers reject empty turns (Anthropic: "all messages must have non-empty content"), so
    // this fails here, before a request is paid for.
    if (text.empty() || !util::IsValidUtf8(text)) {
      return Status::InvalidArgument("LLM request: message " + std::to_string(i) +
                                     " is empty or not valid UTF-8");
    }
  }
  if (request.max_tokens <= 0) {
    return Status::InvalidArgument("LLM request: max_tokens must be positive");
  }
  if (request.temperature && !(*request.temperature >= 0 && *request.temperature <= 2)) {
    return Status::InvalidArgument("LLM request: temperature must be in [0, 2]");
  }
  const std::string& name = request.schema_name;
  bool name_ok = !name.empty() && name.size() <= 64;
  for (const char c : name) {
    name_ok = name_ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '-');
  }
  if (!name_ok) {
    return Status::InvalidArgument("LLM request: schema_name must match [A-Za-z0-9_-]{1,64}");
  }
  if (request.json_schema && !request.json_schema->is_object()) {
    return Status::InvalidArgument("LLM request: json_schema must be a JSON object");
  }
  if (request.timeout.count() < 0) {
    return Status::InvalidArgument("LLM request: timeout must not be negative");
  }
  return Status::Ok();
}

Result<Completion> LlmClient::Complete(const CompletionRequest& request) {
  ENGRAM_RETURN_IF_ERROR(CheckRequest(request));
  if (request.budget != nullptr) ENGRAM_RETURN_IF_ERROR(request.budget->Charge());
  return DoComplete(request);
}

}  // namespace engram::llm
