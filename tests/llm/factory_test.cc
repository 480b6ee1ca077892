// LLM configuration from the environment, read through an injected lookup so that tests do not
// touch the process environment.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "llm/anthropic_client.h"
#include "llm/llm_factory.h"

namespace engram::llm {
namespace {

using Vars = std::map<std::string, std::string>;

constexpr char kKey[] = "sk-ant-test-SECRET-0000";

class Env {
 public:
  explicit Env(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  EnvLookup Lookup() const {
    return [this](const char* name) -> const char* {
      const auto it = vars_.find(name);
      return it == vars_.end() ? nullptr : it->second.c_str();
    };
  }

 private:
  std::map<std::string, std::string> vars_;
};

Result<std::unique_ptr<LlmClient>> ClientFrom(const Env& env, const LlmOverrides& o = {}) {
  ENGRAM_ASSIGN_OR_RETURN(LlmSettings settings, LlmSettingsFromEnvironment(o, env.Lookup()));
  return CreateLlmClient(settings);
}

TEST(LlmFactoryTest, NoneIsTheDefault) {
  const Env env(Vars{{"ANTHROPIC_API_KEY", kKey}});
  auto settings = LlmSettingsFromEnvironment({}, env.Lookup());
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->provider, "none");
  EXPECT_TRUE(settings->api_key.empty());  // keys are read for the chosen provider only
  EXPECT_EQ(settings->max_calls_per_write, CallBudget::kDefaultMaxCalls);
  auto client = ClientFrom(env);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ(*client, nullptr);
  EXPECT_EQ(*ClientFrom(Env(Vars{{"ENGRAM_LLM", ""}})), nullptr);  // empty counts as unset
}

TEST(LlmFactoryTest, AnthropicDefaultsAndVariables) {
  auto client = ClientFrom(Env(Vars{{"ENGRAM_LLM", "anthropic"}, {"ANTHROPIC_API_KEY", kKey}}));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->provider(), "anthropic");
  EXPECT_EQ((*client)->model_id(), std::string("anthropic:") + kDefaultAnthropicModel);

  const Env env(Vars{{"ENGRAM_LLM", "anthropic"},
                     {"ANTHROPIC_BASE_URL", "http://127.0.0.1:8080"},
                     {"ENGRAM_LLM_MODEL", "claude-sonnet-4-5"},
                     {"ENGRAM_LLM_TIMEOUT_MS", "1500"},
                     {"ENGRAM_LLM_MAX_CALLS", "2"}});
  auto settings = LlmSettingsFromEnvironment({}, env.Lookup());
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->timeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(settings->max_calls_per_write, 2);
  auto local = CreateLlmClient(*settings);  // loopback: no key needed
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ((*local)->model_id(), "anthropic:claude-sonnet-4-5");
}

TEST(LlmFactoryTest, OpenAiCompatibleServersByBaseUrl) {
  auto openai = ClientFrom(Env(Vars{{"ENGRAM_LLM", "openai"}, {"OPENAI_API_KEY", kKey}}));
  ASSERT_TRUE(openai.ok());
  EXPECT_EQ((*openai)->model_id(), "openai:gpt-4o-mini");
  auto ollama = ClientFrom(Env(Vars{{"ENGRAM_LLM", "openai"},
                                    {"OPENAI_BASE_URL", "http://127.0.0.1:11434"},
                                    {"ENGRAM_LLM_MODEL", "llama3.2"}}));
  ASSERT_TRUE(ollama.ok()) << ollama.status().ToString();
  EXPECT_EQ((*ollama)->model_id(), "127.0.0.1:11434:llama3.2");
  EXPECT_EQ((*ollama)->provider(), "openai");
}

TEST(LlmFactoryTest, OverridesWinOverTheEnvironment) {
  const Env env(
      {{"ENGRAM_LLM", "anthropic"}, {"ENGRAM_LLM_MODEL", "claude-x"}, {"OPENAI_API_KEY", kKey}});
  auto client = ClientFrom(env, {.provider = "openai", .model = "gpt-y"});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  EXPECT_EQ((*client)->model_id(), "openai:gpt-y");
}

TEST(LlmFactoryTest, MissingKeysAndBadValuesAreClearErrors) {
  auto no_key = ClientFrom(Env(Vars{{"ENGRAM_LLM", "anthropic"}}));
  EXPECT_EQ(no_key.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(no_key.status().message().find("ANTHROPIC_API_KEY is not set"), std::string::npos);
  auto no_openai_key = ClientFrom(
      Env(Vars{{"ENGRAM_LLM", "openai"}, {"OPENAI_BASE_URL", "https://llm.example.com"}}));
  EXPECT_EQ(no_openai_key.status().code(), Status::Code::kFailedPrecondition);

  auto unknown = ClientFrom(Env(Vars{{"ENGRAM_LLM", "gemini"}}));
  EXPECT_TRUE(unknown.status().IsInvalidArgument());
  EXPECT_NE(unknown.status().message().find("expected anthropic, openai or none"),
            std::string::npos);
  for (const char* bad : {"0", "-5", "12ms", "99999999999999999999"}) {
    auto timeout = ClientFrom(Env(Vars{{"ENGRAM_LLM", "openai"}, {"ENGRAM_LLM_TIMEOUT_MS", bad}}));
    EXPECT_TRUE(timeout.status().IsInvalidArgument()) << bad;
    EXPECT_NE(timeout.status().message().find("ENGRAM_LLM_TIMEOUT_MS"), std::string::npos);
  }
  EXPECT_TRUE(ClientFrom(Env(Vars{{"ENGRAM_LLM_MAX_CALLS", "x"}})).status().IsInvalidArgument());
  EXPECT_TRUE(ClientFrom(Env(Vars{{"ENGRAM_LLM_ALLOW_INSECURE_HTTP", "yes"}}))
                  .status()
                  .IsInvalidArgument());

  // Plain http to the LAN only when allowed; the key never shows in the error.
  const std::map<std::string, std::string> lan = {{"ENGRAM_LLM", "anthropic"},
                                                  {"ANTHROPIC_API_KEY", kKey},
                                                  {"ANTHROPIC_BASE_URL", "http://10.1.2.3:8000"}};
  auto refused = ClientFrom(Env(lan));
  EXPECT_TRUE(refused.status().IsInvalidArgument());
  EXPECT_EQ(refused.status().message().find("SECRET"), std::string::npos);
  auto allowed_env = lan;
  allowed_env["ENGRAM_LLM_ALLOW_INSECURE_HTTP"] = "1";
  EXPECT_TRUE(ClientFrom(Env(allowed_env)).ok());
}

}  // namespace
}  // namespace engram::llm
