// Shared fixture pieces for tests that drive the LLM clients against the fake provider servers
// (tests/fakes/fake_anthropic.py, tests/fakes/fake_openai.py) on loopback.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fakes/fake_server.h"
#include "llm/anthropic_client.h"
#include "llm/openai_chat_client.h"

namespace engram::llm::testing {

// A key that must never show up in an error message.
inline constexpr char kTestKey[] = "sk-test-0123456789abcdefSECRET";

// Records the waits a RetryPolicy asks for instead of sleeping.
class SleepRecorder {
 public:
  net::RetryPolicy Policy(int max_attempts) {
    net::RetryPolicy policy;
    policy.max_attempts = max_attempts;
    policy.initial_backoff = std::chrono::milliseconds(100);
    policy.sleep = [this](std::chrono::milliseconds d) {
      std::lock_guard<std::mutex> lock(mu_);
      waits_.push_back(d);
    };
    return policy;
  }
  std::vector<std::chrono::milliseconds> waits() {
    std::lock_guard<std::mutex> lock(mu_);
    return waits_;
  }

 private:
  std::mutex mu_;
  std::vector<std::chrono::milliseconds> waits_;
};

// One fake server per test suite (starting python costs ~100 ms), reset before each test.
template <const char* kScript>
class FakeProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    server_ = engram::testing::FakeServer::Start(kScript, {}, &error).release();
    ASSERT_NE(server_, nullptr) << error;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_TRUE(server_->Reset());
  }

  static std::string BaseUrl() { return server_->Url(""); }
  static nlohmann::json LastBody() {
    const auto requests = server_->Requests();
    if (requests.empty()) return nullptr;
    return nlohmann::json::parse(requests.back()["body"].get<std::string>());
  }

  std::unique_ptr<AnthropicClient> Anthropic(int max_attempts = 1, std::string key = kTestKey) {
    AnthropicConfig config;
    config.base_url = BaseUrl();
    config.api_key = std::move(key);
    config.model = "claude-test";
    config.retry = sleeper_.Policy(max_attempts);
    auto client = AnthropicClient::Create(std::move(config));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::unique_ptr<OpenAiChatClient> OpenAi(int max_attempts = 1, std::string key = kTestKey) {
    OpenAiChatConfig config;
    config.base_url = BaseUrl();
    config.api_key = std::move(key);
    config.model = "gpt-test";
    config.retry = sleeper_.Policy(max_attempts);
    auto client = OpenAiChatClient::Create(std::move(config));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  static CompletionRequest Hello() {
    CompletionRequest request;
    request.system = "Be brief.";
    request.messages = {{MessageRole::kUser, "Hello"}};
    request.max_tokens = 64;
    return request;
  }

  static engram::testing::FakeServer* server_;
  SleepRecorder sleeper_;
};

template <const char* kScript>
engram::testing::FakeServer* FakeProviderTest<kScript>::server_ = nullptr;

inline constexpr char kAnthropicScript[] = "fake_anthropic.py";
inline constexpr char kOpenAiScript[] = "fake_openai.py";

}  // namespace engram::llm::testing
