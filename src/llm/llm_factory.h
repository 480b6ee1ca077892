// Chooses and configures the LLM client from the environment, so every face of engram (library,
// CLI, servers) does it the same way. Style and rules as embed/embedder_factory.h.
//
//   ENGRAM_LLM=none (default)   no LLM: the offline rules extract, nothing is summarized by a model
//   ENGRAM_LLM=anthropic        ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL (https://api.anthropic.com)
//   ENGRAM_LLM=openai           OPENAI_API_KEY, OPENAI_BASE_URL (https://api.openai.com); any
//                               OpenAI-compatible server, e.g. Ollama at http://127.0.0.1:11434
//   ENGRAM_LLM_MODEL            default claude-haiku-4-5 (anthropic), gpt-4o-mini (openai)
//   ENGRAM_LLM_TIMEOUT_MS       per attempt, default 60000
//   ENGRAM_LLM_MAX_CALLS        LLM calls one write may make (CallBudget), default 4
//   ENGRAM_LLM_ALLOW_INSECURE_HTTP=1   plain http:// to a non-loopback host (a model server on
//                                      the LAN); off by default, so keys never travel in clear
//
// Contracts: an empty variable counts as unset. A value that does not parse is InvalidArgument
// naming the variable (and never showing a key). A missing key for a non-loopback base URL is
// FailedPrecondition naming the variable to set. Nothing is sent over the network.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "engram/status.h"
#include "llm/llm_client.h"

namespace engram::llm {

struct LlmSettings {
  std::string provider = "none";  // "anthropic", "openai" or "none"
  std::string model;              // empty: the provider's default
  std::string base_url;           // empty: the provider's default
  std::string api_key;
  std::chrono::milliseconds timeout{60'000};
  int max_calls_per_write = CallBudget::kDefaultMaxCalls;
  bool allow_insecure_http = false;
};

// What a caller (e.g. `engram chat --provider P --model M`) wants instead of the environment;
// empty fields leave the environment's choice.
struct LlmOverrides {
  std::string provider;
  std::string model;
};

// Reads a variable; nullptr when unset. Tests pass a map instead of the process environment.
using EnvLookup = std::function<const char*(const char*)>;

// The settings the environment (or `lookup`) describes, with `overrides` applied. The key and
// base URL are read for the chosen provider only.
Result<LlmSettings> LlmSettingsFromEnvironment(const LlmOverrides& overrides = {},
                                               const EnvLookup& lookup = nullptr);

// The client `settings` describe; null for provider "none". The clients' Create errors.
Result<std::unique_ptr<LlmClient>> CreateLlmClient(const LlmSettings& settings);

// Both in one step.
Result<std::unique_ptr<LlmClient>> LlmClientFromEnvironment(const LlmOverrides& overrides = {});

}  // namespace engram::llm
