// AnthropicClient and OpenAiChatClient against fake servers that speak each provider's wire
// format: the recorded requests must have the documented shape, and replayed answers (good,
// errors, 429 with Retry-After, 500, 529, timeouts, empty, malformed, very long histories) must
// turn into the right Completion or Status, never showing the key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm/anthropic_client.h"
#include "llm/openai_chat_client.h"
#include "llm/provider_http.h"
#include "llm_fake_provider.h"

namespace engram::llm {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::kTestKey;

void ExpectNoKey(const Status& status) {
  EXPECT_EQ(status.message().find(kTestKey), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find("SECRET"), std::string::npos) << status.message();
}

// ---- Anthropic Messages API ----

class AnthropicClientTest : public testing::FakeProviderTest<testing::kAnthropicScript> {};

TEST_F(AnthropicClientTest, SendsTheDocumentedRequestAndParsesTheAnswer) {
  auto client = Anthropic();
  ASSERT_TRUE(server_->Enqueue({{{"action", "answer"}, {"text", "Hi there"}}}));
  CompletionRequest request = Hello();
  request.messages.push_back({MessageRole::kAssistant, "Hello! How can I help?"});
  request.messages.push_back({MessageRole::kUser, "Say hi"});
  request.temperature = 0.2;
  auto completion = client->Complete(request);
  ASSERT_TRUE(completion.ok()) << completion.status().ToString();
  EXPECT_EQ(completion->text, "Hi there");
  EXPECT_EQ(completion->stop, StopReason::kEndTurn);
  EXPECT_EQ(completion->stop_reason, "end_turn");
  EXPECT_EQ(completion->usage.input_tokens, 8);  // the fake counts words
  EXPECT_EQ(completion->usage.output_tokens, 2);

  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["method"], "POST");
  EXPECT_EQ(requests[0]["path"], "/v1/messages");
  const json& headers = requests[0]["headers"];
  EXPECT_EQ(headers["x-api-key"], kTestKey);
  EXPECT_EQ(headers["anthropic-version"], "2023-06-01");
  EXPECT_EQ(headers["content-type"], "application/json");
  EXPECT_FALSE(headers.contains("authorization"));
  const json body = json::parse(requests[0]["body"].get<std::string>());
  EXPECT_EQ(body, json::parse(R"({"model": "claude-test", "max_tokens": 64,
      "system": "Be brief.", "temperature": 0.2, "messages": [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Say hi"}]})"));
  EXPECT_EQ(client->model_id(), "anthropic:claude-test");
  EXPECT_EQ(client->provider(), "anthropic");
}

TEST_F(AnthropicClientTest, OmitsEmptySystemAndUnsetTemperatureAndNeverSendsTheSchema) {
  auto client = Anthropic();
  CompletionRequest request = Hello();
  request.system.clear();
  request.json_schema = json{{"type", "object"}};
  ASSERT_TRUE(client->Complete(request).ok());
  const json body = LastBody();
  EXPECT_FALSE(body.contains("system"));
  EXPECT_FALSE(body.contains("temperature"));
  EXPECT_EQ(body.size(), 3u) << body.dump();  // model, max_tokens, messages
}

TEST_F(AnthropicClientTest, ConcatenatesTextBlocksAndIgnoresOthers) {
  auto client = Anthropic();
  ASSERT_TRUE(server_->Enqueue({{{"action", "answer"},
                                 {"blocks", json::parse(R"([
      {"type": "thinking", "thinking": "hmm", "signature": "x"},
      {"type": "text", "text": "part one, "},
      {"type": "tool_use", "id": "t1", "name": "f", "input": {}},
      {"type": "text", "text": "part two"}])")},
                                 {"stop_reason", "max_tokens"}}}));
  auto completion = client->Complete(Hello());
  ASSERT_TRUE(completion.ok()) << completion.status().ToString();
  EXPECT_EQ(completion->text, "part one, part two");
  EXPECT_EQ(completion->stop, StopReason::kMaxTokens);
}

TEST_F(AnthropicClientTest, AnEmptyAnswerIsAnEmptyCompletion) {
  auto client = Anthropic();
  ASSERT_TRUE(server_->Enqueue({{{"action", "answer"}, {"blocks", json::array()}}}));
  auto completion = client->Complete(Hello());
  ASSERT_TRUE(completion.ok()) << completion.status().ToString();
  EXPECT_EQ(completion->text, "");
}

TEST_F(AnthropicClientTest, ErrorBodiesBecomePreciseStatusesWithoutTheKey) {
  auto client = Anthropic();
  ASSERT_TRUE(server_->Enqueue(
      {{{"action", "reply"},
        {"status", 404},
        {"body",
         {{"type", "error"},
          {"error", {{"type", "not_found_error"}, {"message", "model: claude-test"}}}}}},
       {{"action", "reply"},
        {"status", 401},
        {"body",
         {{"type", "error"},
          {"error",
           {{"type", "authentication_error"},
            {"message", std::string("invalid x-api-key ") + kTestKey}}}}}},
       {{"action", "reply"}, {"status", 413}}}));
  auto not_found = client->Complete(Hello());
  EXPECT_TRUE(not_found.status().IsInvalidArgument());
  EXPECT_NE(not_found.status().message().find("HTTP 404 (not_found_error: model: claude-test)"),
            std::string::npos)
      << not_found.status().message();

  auto denied = client->Complete(Hello());
  EXPECT_EQ(denied.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(denied.status().message().find("authentication_error: invalid x-api-key [redacted]"),
            std::string::npos)
      << denied.status().message();
  ExpectNoKey(denied.status());

  auto too_large = client->Complete(Hello());
  EXPECT_EQ(too_large.status().code(), Status::Code::kTooLarge);
  EXPECT_NE(too_large.status().message().find("request_too_large"), std::string::npos);
}

TEST_F(AnthropicClientTest, RetriesA429AfterItsRetryAfterThenSucceeds) {
  auto client = Anthropic(/*max_attempts=*/3);
  ASSERT_TRUE(
      server_->Enqueue({{{"action", "reply"}, {"status", 429}, {"headers", {{"Retry-After", "2"}}}},
                        {{"action", "answer"}, {"text", "after the wait"}}}));
  auto completion = client->Complete(Hello());
  ASSERT_TRUE(completion.ok()) << completion.status().ToString();
  EXPECT_EQ(completion->text, "after the wait");
  EXPECT_EQ(sleeper_.waits(), std::vector<milliseconds>{milliseconds(2000)});
  EXPECT_EQ(server_->Requests().size(), 2u);
}

TEST_F(AnthropicClientTest, OverloadedUntilTheLastAttemptIsUnavailableAndNamesTheErrorType) {
  auto client = Anthropic(/*max_attempts=*/3);
  const json overloaded = {{"action", "reply"}, {"status", 529}};
  ASSERT_TRUE(server_->Enqueue({overloaded, overloaded, overloaded}));
  auto completion = client->Complete(Hello());
  EXPECT_EQ(completion.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(completion.status().message().find("HTTP 529 after 3 attempts (overloaded_error"),
            std::string::npos)
      << completion.status().message();
  EXPECT_EQ(sleeper_.waits().size(), 2u);  // exponential backoff between the three attempts
  EXPECT_EQ(server_->Requests().size(), 3u);
}

TEST_F(AnthropicClientTest, ATimeoutIsUnavailable) {
  auto client = Anthropic();
  ASSERT_TRUE(server_->Enqueue({{{"action", "stall"}, {"seconds", 2}}}));
  CompletionRequest request = Hello();
  request.timeout = milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  auto completion = client->Complete(request);
  EXPECT_EQ(completion.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(completion.status().message().find("timed out"), std::string::npos)
      << completion.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

TEST_F(AnthropicClientTest, SendsAVeryLongHistoryWhole) {
  auto client = Anthropic();
  CompletionRequest request = Hello();
  request.messages.clear();
  for (int i = 0; i <= 500; ++i) {  // 250 exchanges and a last user turn
    request.messages.push_back({i % 2 == 0 ? MessageRole::kUser : MessageRole::kAssistant,
                                "turn " + std::to_string(i) + " " + std::string(200, 'x')});
  }
  ASSERT_TRUE(client->Complete(request).ok());
  const json body = LastBody();
  ASSERT_EQ(body["messages"].size(), 501u);
  EXPECT_EQ(body["messages"][499]["role"], "assistant");
  EXPECT_EQ(body["messages"][500]["role"], "user");
  EXPECT_EQ(body["messages"][500]["content"].get<std::string>().substr(0, 8), "turn 500");
}

TEST_F(AnthropicClientTest, ACallBudgetStopsCallsBeforeTheyAreSent) {
  auto client = Anthropic(/*max_attempts=*/3);
  CallBudget budget(2);
  CompletionRequest request = Hello();
  request.budget = &budget;
  // A retried call is one call: the 429 and its retry cost one unit.
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", 429}}}));
  EXPECT_TRUE(client->Complete(request).ok());
  EXPECT_TRUE(client->Complete(request).ok());
  auto third = client->Complete(request);
  EXPECT_EQ(third.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(IsBudgetExhausted(third.status()));
  EXPECT_EQ(third.status().message(), "LLM call budget of 2 calls per write is spent");
  EXPECT_EQ(server_->Requests().size(), 3u);
  EXPECT_EQ(budget.used(), 2);
  EXPECT_EQ(budget.remaining(), 0);
}

TEST_F(AnthropicClientTest, AnAnswerThatIsNotTheDocumentedShapeIsUnavailable) {
  auto client = Anthropic();
  ASSERT_TRUE(server_->Enqueue({{{"action", "malformed"}},
                                {{"action", "reply"}, {"status", 200}, {"body", {{"id", "x"}}}}}));
  auto not_json = client->Complete(Hello());
  EXPECT_EQ(not_json.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(not_json.status().message().find("not a JSON object"), std::string::npos);
  auto no_content = client->Complete(Hello());
  EXPECT_EQ(no_content.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(no_content.status().message().find("no \"content\" array"), std::string::npos);
}

TEST_F(AnthropicClientTest, BadRequestsAreRefusedBeforeSending) {
  auto client = Anthropic();
  CompletionRequest request = Hello();
  request.messages.push_back({MessageRole::kUser, ""});
  EXPECT_TRUE(client->Complete(request).status().IsInvalidArgument());
  request = Hello();
  request.messages.clear();
  EXPECT_TRUE(client->Complete(request).status().IsInvalidArgument());
  request = Hello();
  request.max_tokens = 0;
  EXPECT_TRUE(client->Complete(request).status().IsInvalidArgument());
  request = Hello();
  request.messages[0].text = "\xff\xfe";
  EXPECT_TRUE(client->Complete(request).status().IsInvalidArgument());
  request = Hello();
  request.temperature = 3;
  EXPECT_TRUE(client->Complete(request).status().IsInvalidArgument());
  request = Hello();
  request.schema_name = "has space";
  EXPECT_TRUE(client->Complete(request).status().IsInvalidArgument());
  EXPECT_TRUE(server_->Requests().empty());
}

TEST(AnthropicConfigTest, KeysAndUrlsAreCheckedAtCreation) {
  AnthropicConfig config;  // https://api.anthropic.com, no key
  auto no_key = AnthropicClient::Create(config);
  EXPECT_EQ(no_key.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(no_key.status().message().find("ANTHROPIC_API_KEY"), std::string::npos);

  config.api_key = kTestKey;
  config.base_url = "http://llm.example.com";
  auto insecure = AnthropicClient::Create(config);
  EXPECT_TRUE(insecure.status().IsInvalidArgument());
  ExpectNoKey(insecure.status());

  config.base_url = "https://proxy.example.com/anthropic/v1/";
  auto proxied = AnthropicClient::Create(config);
  ASSERT_TRUE(proxied.ok());
  EXPECT_EQ((*proxied)->endpoint(), "https://proxy.example.com/anthropic/v1/messages");

  config.api_key.clear();
  config.base_url = "http://127.0.0.1:9";  // loopback: a local proxy may hold the key
  EXPECT_TRUE(AnthropicClient::Create(config).ok());
  config.model.clear();
  EXPECT_TRUE(AnthropicClient::Create(config).status().IsInvalidArgument());
}

// ---- OpenAI Chat Completions (and compatible servers) ----

class OpenAiChatClientTest : public testing::FakeProviderTest<testing::kOpenAiScript> {};

TEST_F(OpenAiChatClientTest, SendsTheDocumentedRequestAndParsesTheAnswer) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue({{{"action", "answer"}, {"text", "{\"a\": 1}"}}}));
  CompletionRequest request = Hello();
  request.temperature = 0;
  request.schema_name = "thing";
  request.json_schema = json::parse(R"({"type": "object", "required": ["a"],
      "additionalProperties": false,
      "properties": {"a": {"type": "integer", "minimum": 0, "maximum": 9}}})");
  auto completion = client->Complete(request);
  ASSERT_TRUE(completion.ok()) << completion.status().ToString();
  EXPECT_EQ(completion->text, "{\"a\": 1}");
  EXPECT_EQ(completion->stop, StopReason::kEndTurn);
  EXPECT_EQ(completion->stop_reason, "stop");
  EXPECT_EQ(completion->usage.input_tokens, 3);
  EXPECT_EQ(completion->usage.output_tokens, 2);

  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["path"], "/v1/chat/completions");
  EXPECT_EQ(requests[0]["headers"]["authorization"], std::string("Bearer ") + kTestKey);
  EXPECT_EQ(requests[0]["headers"]["content-type"], "application/json");
  const json body = json::parse(requests[0]["body"].get<std::string>());
  // A server other than api.openai.com gets max_tokens; numeric bounds stay on our side.
  EXPECT_EQ(body, json::parse(R"({"model": "gpt-test", "max_tokens": 64, "temperature": 0.0,
      "messages": [{"role": "system", "content": "Be brief."},
                   {"role": "user", "content": "Hello"}],
      "response_format": {"type": "json_schema", "json_schema": {"name": "thing", "strict": true,
        "schema": {"type": "object", "required": ["a"], "additionalProperties": false,
                   "properties": {"a": {"type": "integer"}}}}}})"));
  EXPECT_EQ(client->model_id(), "127.0.0.1:" + std::to_string(server_->port()) + ":gpt-test");
  EXPECT_EQ(client->provider(), "openai");
}

TEST_F(OpenAiChatClientTest, ALoopbackServerNeedsNoKey) {
  auto client = OpenAi(1, /*key=*/"");
  CompletionRequest request = Hello();
  request.system.clear();
  ASSERT_TRUE(client->Complete(request).ok());
  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0]["headers"].contains("authorization"));
  const json body = json::parse(requests[0]["body"].get<std::string>());
  EXPECT_EQ(body["messages"].size(), 1u);  // no empty system message
  EXPECT_FALSE(body.contains("response_format"));
}

TEST_F(OpenAiChatClientTest, Retries500ThenSucceeds) {
  auto client = OpenAi(/*max_attempts=*/3);
  ASSERT_TRUE(server_->Enqueue(
      {{{"action", "reply"}, {"status", 500}}, {{"action", "answer"}, {"text", "fine now"}}}));
  auto completion = client->Complete(Hello());
  ASSERT_TRUE(completion.ok()) << completion.status().ToString();
  EXPECT_EQ(completion->text, "fine now");
  ASSERT_EQ(sleeper_.waits().size(), 1u);
  EXPECT_GE(sleeper_.waits()[0], milliseconds(50));  // backoff drawn from [50, 100] ms
  EXPECT_LE(sleeper_.waits()[0], milliseconds(100));
}

TEST_F(OpenAiChatClientTest, A500OnEveryAttemptIsUnavailable) {
  auto client = OpenAi(/*max_attempts=*/2);
  const json failure = {{"action", "reply"}, {"status", 500}};
  ASSERT_TRUE(server_->Enqueue({failure, failure}));
  auto completion = client->Complete(Hello());
  EXPECT_EQ(completion.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(completion.status().message().find("HTTP 500 after 2 attempts (server_error: fake "
                                               "error 500)"),
            std::string::npos)
      << completion.status().message();
}

TEST_F(OpenAiChatClientTest, AnEchoedKeyNeverReachesTheMessage) {
  auto client = OpenAi();
  // The fake echoes the bearer key in its 401 message, as OpenAI does.
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", 401}}}));
  auto completion = client->Complete(Hello());
  EXPECT_EQ(completion.status().code(), Status::Code::kPermissionDenied);
  EXPECT_NE(completion.status().message().find("Incorrect API key provided: [redacted]"),
            std::string::npos)
      << completion.status().message();
  ExpectNoKey(completion.status());
}

TEST_F(OpenAiChatClientTest, RetryAfterMsIsHonoured) {
  auto client = OpenAi(/*max_attempts=*/2);
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"},
                                 {"status", 429},
                                 {"headers", {{"retry-after-ms", "250"}, {"Retry-After", "1"}}}}}));
  ASSERT_TRUE(client->Complete(Hello()).ok());
  EXPECT_EQ(sleeper_.waits(), std::vector<milliseconds>{milliseconds(250)});
}

TEST_F(OpenAiChatClientTest, StopReasonsAndRefusals) {
  auto client = OpenAi();
  ASSERT_TRUE(
      server_->Enqueue({{{"action", "answer"}, {"text", "cut"}, {"finish_reason", "length"}},
                        {{"action", "answer"}, {"text", nullptr}, {"refusal", "I can't"}},
                        {{"action", "answer"}, {"text", ""}}}));
  auto cut = client->Complete(Hello());
  ASSERT_TRUE(cut.ok());
  EXPECT_EQ(cut->stop, StopReason::kMaxTokens);
  auto refused = client->Complete(Hello());
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->text, "");
  EXPECT_EQ(refused->stop, StopReason::kRefusal);
  auto empty = client->Complete(Hello());
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->text, "");
  EXPECT_EQ(empty->stop, StopReason::kEndTurn);
}

TEST_F(OpenAiChatClientTest, AnAnswerThatIsNotTheDocumentedShapeIsUnavailable) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue(
      {{{"action", "malformed"}},
       {{"action", "reply"}, {"status", 200}, {"body", {{"choices", json::array()}}}},
       {{"action", "reply"}, {"status", 200}, {"body", {{"error", "model not loaded"}}}}}));
  EXPECT_EQ(client->Complete(Hello()).status().code(), Status::Code::kUnavailable);
  auto no_choice = client->Complete(Hello());
  EXPECT_EQ(no_choice.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(no_choice.status().message().find("no \"choices\""), std::string::npos);
  auto error = client->Complete(Hello());
  EXPECT_EQ(error.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(error.status().message().find("model not loaded"), std::string::npos);
}

TEST(OpenAiChatConfigTest, OfficialHostUsesMaxCompletionTokensAndNeedsAKey) {
  OpenAiChatConfig config;
  auto no_key = OpenAiChatClient::Create(config);
  EXPECT_EQ(no_key.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(no_key.status().message().find("OPENAI_API_KEY"), std::string::npos);
  config.api_key = kTestKey;
  auto official = OpenAiChatClient::Create(config);
  ASSERT_TRUE(official.ok());
  EXPECT_EQ((*official)->endpoint(), "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ((*official)->model_id(), "openai:gpt-4o-mini");
  config.base_url = "https://api.openai.com/v1";  // the SDKs' customary form
  EXPECT_EQ((*OpenAiChatClient::Create(config))->endpoint(),
            "https://api.openai.com/v1/chat/completions");
  config.base_url = "http://10.0.0.5:11434";
  EXPECT_TRUE(OpenAiChatClient::Create(config).status().IsInvalidArgument());
  config.http.allow_insecure_http = true;
  EXPECT_TRUE(OpenAiChatClient::Create(config).ok());
}

// ---- Shared pieces ----

TEST(ProviderHttpTest, ScrubsKeysAndKeyLikeTokens) {
  EXPECT_EQ(ScrubSecrets("bad key abc123 here", "abc123"), "bad key [redacted] here");
  EXPECT_EQ(ScrubSecrets("Incorrect API key provided: sk-proj-****abcd.", ""),
            "Incorrect API key provided: [redacted]");
  EXPECT_EQ(ScrubSecrets("task-list ask-me", ""), "task-list ask-me");
}

TEST(ProviderHttpTest, DescribesEachErrorShape) {
  EXPECT_EQ(DescribeProviderError(R"({"type":"error","error":{"type":"t","message":"m"}})", ""),
            "t: m");
  EXPECT_EQ(DescribeProviderError(R"({"error":{"message":"m","type":null,"code":"c"}})", ""),
            "c: m");
  EXPECT_EQ(DescribeProviderError(R"({"error":"plain"})", ""), "plain");
  EXPECT_EQ(DescribeProviderError(R"({"detail":"vllm says"})", ""), "vllm says");
  EXPECT_EQ(DescribeProviderError("<html>bad gateway</html>", ""), "");
  const std::string longer = R"({"error":{"message":")" + std::string(1000, 'a') + "\"}}";
  EXPECT_EQ(DescribeProviderError(longer, "").size(), 303u);  // 300 bytes and "..."
}

}  // namespace
}  // namespace engram::llm
