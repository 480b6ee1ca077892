#include "llm/anthropic_client.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "llm/provider_http.h"
#include "util/utf8.h"

namespace engram::llm {
namespace {

using nlohmann::json;

StopReason NormalizeStop(const std::string& reason) {
  if (reason == "end_turn") return StopReason::kEndTurn;
  if (reason == "max_tokens") return StopReason::kMaxTokens;
  if (reason == "stop_sequence") return StopReason::kStopSequence;
  if (reason == "refusal") return StopReason::kRefusal;
  return StopReason::kOther;
}

}  // namespace

Result<std::unique_ptr<AnthropicClient>> AnthropicClient::Create(AnthropicConfig config) {
  const Status url_ok = net::CheckUrl(config.base_url, config.http);
  if (!url_ok.ok()) return Status::InvalidArgument("Anthropic base URL: " + url_ok.message());
  if (config.model.empty() || !util::IsValidUtf8(config.model)) {
    return Status::InvalidArgument("Anthropic model name is empty or not valid UTF-8");
  }
  if (config.api_key.empty() && !IsLoopbackUrl(config.base_url)) {
    return Status::FailedPrecondition("ANTHROPIC_API_KEY is not set (required for " +
                                      net::DescribeUrl(config.base_url) + ")");
  }
  std::string endpoint = JoinEndpoint(config.base_url, "/v1/messages");
  std::string model_id = "anthropic:" + config.model;
  return std::unique_ptr<AnthropicClient>(
      new AnthropicClient(std::move(config), std::move(endpoint), std::move(model_id)));
}

AnthropicClient::AnthropicClient(AnthropicConfig config, std::string endpoint, std::string model_id)
    : config_(std::move(config)),
      endpoint_(std::move(endpoint)),
      model_id_(std::move(model_id)),
      http_(config_.http) {}

Result<Completion> AnthropicClient::DoComplete(const CompletionRequest& request) {
  json messages = json::array();
  for (const Message& m : request.messages) {
    messages.push_back({{"role", MessageRoleName(m.role)}, {"content", m.text}});
  }
  json body = {{"model", config_.model},
               {"max_tokens", request.max_tokens},
               {"messages", std::move(messages)}};
  if (!request.system.empty()) body["system"] = request.system;
  if (request.temperature) body["temperature"] = *request.temperature;

  net::HttpRequest http_request;
  http_request.method = "POST";
  http_request.url = endpoint_;
  http_request.headers = {{"content-type", "application/json"},
                          {"accept", "application/json"},
                          {"anthropic-version", config_.version}};
  if (!config_.api_key.empty()) http_request.headers.emplace_back("x-api-key", config_.api_key);
  // Texts are valid UTF-8 (CheckRequest), so replacing never happens; it only rules out throws.
  http_request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  http_request.timeout = request.timeout.count() > 0 ? request.timeout : config_.timeout;
  ENGRAM_ASSIGN_OR_RETURN(json reply,
                          PostJson(http_, config_.retry, http_request, config_.api_key));

  const std::string where = "Anthropic answer from " + net::DescribeUrl(endpoint_) + ": ";
  // A 200 that carries an error object (proxies do this) is the provider's error, not an answer.
  if (StringOf(reply, "type") == "error") {
    return Status::Unavailable(where + DescribeProviderError(reply.dump(), config_.api_key));
  }
  const auto content = reply.find("content");
  if (content == reply.end() || !content->is_array()) {
    return Status::Unavailable(where + "no \"content\" array");
  }
  Completion completion;
  for (const json& block : *content) {
    if (StringOf(block, "type") != "text") continue;
    const auto text = block.find("text");
    if (text == block.end() || !text->is_string()) {
      return Status::Unavailable(where + "a text block has no \"text\" string");
    }
    completion.text += text->get<std::string>();
  }
  completion.stop_reason = StringOf(reply, "stop_reason");
  completion.stop = NormalizeStop(completion.stop_reason);
  if (const auto usage = reply.find("usage"); usage != reply.end()) {
    completion.usage.input_tokens = TokenCount(*usage, "input_tokens");
    completion.usage.output_tokens = TokenCount(*usage, "output_tokens");
  }
  return completion;
}

}  // namespace engram::llm
