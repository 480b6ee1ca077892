#include "llm/openai_chat_client.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>

#include "llm/provider_http.h"
#include "util/utf8.h"

namespace engram::llm {
namespace {

using nlohmann::json;

StopReason NormalizeFinishReason(const std::string& reason) {
  if (reason == "stop") return StopReason::kEndTurn;
  if (reason == "length") return StopReason::kMaxTokens;
  if (reason == "content_filter") return StopReason::kRefusal;
  return StopReason::kOther;
}

// `schema` without numeric bounds, at every depth (see the header for why).
json WithoutNumericBounds(json schema) {
  if (schema.is_object()) {
    schema.erase("minimum");
    schema.erase("maximum");
    if (auto p = schema.find("properties"); p != schema.end() && p->is_object()) {
      for (auto& property : p->items()) property.value() = WithoutNumericBounds(property.value());
    }
    if (auto items = schema.find("items"); items != schema.end()) {
      *items = WithoutNumericBounds(std::move(*items));
    }
  }
  return schema;
}

}  // namespace

Result<std::unique_ptr<OpenAiChatClient>> OpenAiChatClient::Create(OpenAiChatConfig config) {
  const Status url_ok = net::CheckUrl(config.base_url, config.http);
  if (!url_ok.ok()) return Status::InvalidArgument("OpenAI base URL: " + url_ok.message());
  if (config.model.empty() || !util::IsValidUtf8(config.model)) {
    return Status::InvalidArgument("OpenAI model name is empty or not valid UTF-8");
  }
  if (config.api_key.empty() && !IsLoopbackUrl(config.base_url)) {
    return Status::FailedPrecondition("OPENAI_API_KEY is not set (required for " +
                                      net::DescribeUrl(config.base_url) +
                                      "; only loopback servers may go without a key)");
  }
  const net::UrlParts url = *net::ParseUrl(config.base_url);
  std::string host = url.host;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const bool official = host == "api.openai.com";
  std::string provider = config.provider_label;
  if (provider.empty()) {
    provider = official ? "openai" : host + (url.port.empty() ? "" : ":" + url.port);
  }
  std::string endpoint = JoinEndpoint(config.base_url, "/v1/chat/completions");
  std::string model_id = provider + ":" + config.model;
  return std::unique_ptr<OpenAiChatClient>(
      new OpenAiChatClient(std::move(config), std::move(endpoint), std::move(model_id), official));
}

OpenAiChatClient::OpenAiChatClient(OpenAiChatConfig config, std::string endpoint,
                                   std::string model_id, bool official)
    : config_(std::move(config)),
      endpoint_(std::move(endpoint)),
      model_id_(std::move(model_id)),
      official_(official),
      http_(config_.http) {}

Result<Completion> OpenAiChatClient::DoComplete(const CompletionRequest& request) {
  json messages = json::array();
  if (!request.system.empty()) {
    messages.push_back({{"role", "system"}, {"content", request.system}});
  }
  for (const Message& m : request.messages) {
    messages.push_back({{"role", MessageRoleName(m.role)}, {"content", m.text}});
  }
  json body = {{"model", config_.model}, {"messages", std::move(messages)}};
  body[official_ ? "max_completion_tokens" : "max_tokens"] = request.max_tokens;
  if (request.temperature) body["temperature"] = *request.temperature;
  if (request.json_schema) {
    body["response_format"] = {{"type", "json_schema"},
                               {"json_schema",
                                {{"name", request.schema_name},
                                 {"schema", WithoutNumericBounds(*request.json_schema)},
                                 {"strict", true}}}};
  }

  net::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url = endpoint_;
  http_request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (!config_.api_key.empty()) {
    http_request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
  }
  // Texts are valid UTF-8 (CheckRequest), so replacing never happens; it only rules out throws.
  http_request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  http_request.timeout = request.timeout.count() > 0 ? request.timeout : config_.timeout;
  ENGRAM_ASSIGN_OR_RETURN(json reply,
                          PostJson(http_, config_.retry, http_request, config_.api_key));

  const std::string where = "chat completion from " + net::DescribeUrl(endpoint_) + ": ";
  // Some compatible servers answer 200 with an error object instead of a choice.
  if (reply.contains("error") && !reply.contains("choices")) {
    return Status::Unavailable(where + DescribeProviderError(reply.dump(), config_.api_key));
  }
  const auto choices = reply.find("choices");
  if (choices == reply.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object()) {
    return Status::Unavailable(where + "no \"choices\"");
  }
  const json& choice = (*choices)[0];
  const auto message = choice.find("message");
  if (message == choice.end() || !message->is_object()) {
    return Status::Unavailable(where + "choices[0] has no \"message\"");
  }
  Completion completion;
  const auto content = message->find("content");
  if (content != message->end() && content->is_string()) {
    completion.text = content->get<std::string>();
  } else if (content != message->end() && !content->is_null()) {
    return Status::Unavailable(where + "choices[0].message.content is not a string");
  }
  completion.stop_reason = StringOf(choice, "finish_reason");
  completion.stop = NormalizeFinishReason(completion.stop_reason);
  if (completion.text.empty() && !StringOf(*message, "refusal").empty()) {
    completion.stop = StopReason::kRefusal;
  }
  if (const auto usage = reply.find("usage"); usage != reply.end()) {
    completion.usage.input_tokens = TokenCount(*usage, "prompt_tokens");
    completion.usage.output_tokens = TokenCount(*usage, "completion_tokens");
  }
  return completion;
}

}  // namespace engram::llm
