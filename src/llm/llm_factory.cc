#include "llm/llm_factory.h"

#include <cstdlib>
#include <utility>

#include "llm/anthropic_client.h"
#include "llm/openai_chat_client.h"
#include "util/env.h"

namespace engram::llm {
Result<LlmSettings> LlmSettingsFromEnvironment(const LlmOverrides& overrides,
                                               const EnvLookup& lookup) {
  const auto env = [&lookup](const char* name) -> std::string {
    const char* value = lookup ? lookup(name) : std::getenv(name);
    return value == nullptr ? "" : value;
  };
  LlmSettings settings;
  if (std::string p = !overrides.provider.empty() ? overrides.provider : env("ENGRAM_LLM");
      !p.empty()) {
    settings.provider = std::move(p);
  }
  const std::string& provider = settings.provider;
  if (provider != "none" && provider != "anthropic" && provider != "openai") {
    // Named as the caller gave it: the override (a flag) or the environment variable.
    return Status::InvalidArgument((overrides.provider.empty() ? "ENGRAM_LLM='" : "provider '") +
                                   provider.substr(0, 32) +
                                   "' is not an LLM provider: expected anthropic, openai or none");
  }
  settings.model = !overrides.model.empty() ? overrides.model : env("ENGRAM_LLM_MODEL");
  if (provider == "anthropic") {
    settings.api_key = env("ANTHROPIC_API_KEY");
    settings.base_url = env("ANTHROPIC_BASE_URL");
  } else if (provider == "openai") {
    settings.api_key = env("OPENAI_API_KEY");
    settings.base_url = env("OPENAI_BASE_URL");
  }
  int64_t timeout_ms = settings.timeout.count();
  ENGRAM_RETURN_IF_ERROR(
      util::ParsePositiveInt("ENGRAM_LLM_TIMEOUT_MS", env("ENGRAM_LLM_TIMEOUT_MS"), &timeout_ms));
  settings.timeout = std::chrono::milliseconds(timeout_ms);
  ENGRAM_RETURN_IF_ERROR(util::ParsePositiveInt("ENGRAM_LLM_MAX_CALLS", env("ENGRAM_LLM_MAX_CALLS"),
                                                &settings.max_calls_per_write));
  if (const std::string allow = env("ENGRAM_LLM_ALLOW_INSECURE_HTTP"); !allow.empty()) {
    if (allow != "0" && allow != "1") {
      return Status::InvalidArgument("ENGRAM_LLM_ALLOW_INSECURE_HTTP must be 0 or 1");
    }
    settings.allow_insecure_http = allow == "1";
  }
  return settings;
}

namespace {

// Both clients' configs have the same fields for what settings carry.
template <typename Client, typename Config>
Result<std::unique_ptr<LlmClient>> Build(const LlmSettings& settings) {
  Config config;
  if (!settings.base_url.empty()) config.base_url = settings.base_url;
  if (!settings.model.empty()) config.model = settings.model;
  config.api_key = settings.api_key;
  config.timeout = settings.timeout;
  config.http.allow_insecure_http = settings.allow_insecure_http;
  ENGRAM_ASSIGN_OR_RETURN(auto client, Client::Create(std::move(config)));
  return std::unique_ptr<LlmClient>(std::move(client));
}

}  // namespace

Result<std::unique_ptr<LlmClient>> CreateLlmClient(const LlmSettings& settings) {
  if (settings.provider == "none") return std::unique_ptr<LlmClient>();
  if (settings.provider == "anthropic") return Build<AnthropicClient, AnthropicConfig>(settings);
  if (settings.provider == "openai") return Build<OpenAiChatClient, OpenAiChatConfig>(settings);
  return Status::InvalidArgument("LLM provider '" + settings.provider.substr(0, 32) +
                                 "' is not anthropic, openai or none");
}

Result<std::unique_ptr<LlmClient>> LlmClientFromEnvironment(const LlmOverrides& overrides) {
  ENGRAM_ASSIGN_OR_RETURN(LlmSettings settings, LlmSettingsFromEnvironment(overrides));
  return CreateLlmClient(settings);
}

}  // namespace engram::llm
