// CompleteJson end to end through both clients and their fake servers: a good answer, a fenced
// one, malformed JSON then a good repair, malformed twice, a schema violation, an empty answer,
// a budget spent before the repair; and ParseJsonAnswer on its own.
#include "llm/structured.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm_fake_provider.h"

namespace engram::llm {
namespace {

using nlohmann::json;
using testing::kTestKey;

const json kSchema = json::parse(R"({"type": "object", "additionalProperties": false,
    "required": ["theme", "confidence"],
    "properties": {"theme": {"type": "string", "enum": ["dark", "light"]},
                   "confidence": {"type": "number", "minimum": 0, "maximum": 1}}})");

json Answer(const std::string& text) {
  return {{"action", "answer"}, {"text", text}};
}

class StructuredOpenAiTest : public testing::FakeProviderTest<testing::kOpenAiScript> {};

TEST_F(StructuredOpenAiTest, AGoodAnswerIsParsedWithOneCall) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue(json::array({Answer(R"({"theme": "dark", "confidence": 0.9})")})));
  auto value = CompleteJson(*client, Hello(), kSchema);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ((*value)["theme"], "dark");
  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  const json body = json::parse(requests[0]["body"].get<std::string>());
  // The schema is stated in the system prompt (after the caller's) and sent natively.
  const std::string system = body["messages"][0]["content"];
  EXPECT_TRUE(system.starts_with("Be brief.\n\nAnswer with a single JSON value")) << system;
  EXPECT_NE(system.find(kSchema.dump()), std::string::npos);
  EXPECT_EQ(body["response_format"]["json_schema"]["name"], "answer");
}

TEST_F(StructuredOpenAiTest, AFencedAnswerIsAccepted) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue(json::array(
      {Answer("Here you go:\n```json\n{\"theme\": \"light\", \"confidence\": 1}\n```\n")})));
  auto value = CompleteJson(*client, Hello(), kSchema);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ((*value)["theme"], "light");
}

TEST_F(StructuredOpenAiTest, MalformedThenAGoodRepair) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue(json::array({Answer(R"({"theme": "dark", "confidence": )"),
                                            Answer(R"({"theme": "dark", "confidence": 0.7})")})));
  auto value = CompleteJson(*client, Hello(), kSchema);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ((*value)["confidence"], 0.7);

  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 2u);
  const json repair = json::parse(requests[1]["body"].get<std::string>())["messages"];
  ASSERT_EQ(repair.size(), 4u);  // system, user, the bad answer, the complaint
  EXPECT_EQ(repair[2]["role"], "assistant");
  EXPECT_EQ(repair[2]["content"], R"({"theme": "dark", "confidence": )");
  EXPECT_EQ(repair[3]["role"], "user");
  EXPECT_NE(repair[3]["content"].get<std::string>().find("not valid JSON (syntax error at byte"),
            std::string::npos)
      << repair[3]["content"];
}

TEST_F(StructuredOpenAiTest, MalformedTwiceIsAClearError) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue(
      json::array({Answer("Sure! The theme is dark."), Answer("{\"theme\": dark}")})));
  auto value = CompleteJson(*client, Hello(), kSchema);
  EXPECT_EQ(value.status().code(), Status::Code::kUnavailable);
  const std::string& m = value.status().message();
  EXPECT_NE(m.find("did not match schema 'answer' after a repair attempt: not valid JSON"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("Sure"), std::string::npos) << m;  // the answer's text is not quoted
  EXPECT_EQ(m.find(kTestKey), std::string::npos) << m;
  EXPECT_EQ(server_->Requests().size(), 2u);  // exactly one repair
}

TEST_F(StructuredOpenAiTest, ASchemaViolationNamesThePathAndCutOffsSaySo) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue(
      {Answer(R"({"theme": "blue", "confidence": 0.5})"),
       {{"action", "answer"}, {"text", R"({"theme": "dark"})"}, {"finish_reason", "length"}}}));
  auto value = CompleteJson(*client, Hello(), kSchema);
  EXPECT_EQ(value.status().code(), Status::Code::kUnavailable);
  const std::string& m = value.status().message();
  EXPECT_NE(m.find("$.confidence: required but missing (the answer was cut off at max_tokens"),
            std::string::npos)
      << m;
  const json repair = json::parse(server_->Requests()[1]["body"].get<std::string>())["messages"];
  EXPECT_NE(repair[3]["content"].get<std::string>().find(R"($.theme: not one of ["dark","light"])"),
            std::string::npos);
}

TEST_F(StructuredOpenAiTest, ACheckOfMeaningAlsoTriggersTheRepair) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue(json::array({Answer(R"({"theme": "light", "confidence": 0.5})"),
                                            Answer(R"({"theme": "dark", "confidence": 0.5})")})));
  auto value = CompleteJson(*client, Hello(), kSchema, [](const json& v) {
    return v["theme"] == "dark" ? Status::Ok() : Status::InvalidArgument("$.theme: must be dark");
  });
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(server_->Requests().size(), 2u);
}

TEST_F(StructuredOpenAiTest, AnEmptyAnswerIsAClearErrorWithoutARepair) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue(json::array({Answer("  \n")})));
  auto value = CompleteJson(*client, Hello(), kSchema);
  EXPECT_EQ(value.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(value.status().message().find("gave an empty answer (stop reason stop)"),
            std::string::npos)
      << value.status().message();
  EXPECT_EQ(server_->Requests().size(), 1u);
}

TEST_F(StructuredOpenAiTest, ABudgetSpentBeforeTheRepairIsReported) {
  auto client = OpenAi();
  CallBudget budget(1);
  CompletionRequest request = Hello();
  request.budget = &budget;
  ASSERT_TRUE(server_->Enqueue(json::array({Answer("not json")})));
  auto value = CompleteJson(*client, request, kSchema);
  EXPECT_EQ(value.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(
      value.status().message().find(") (no repair: LLM call budget of 1 calls per write is spent)"),
      std::string::npos)
      << value.status().message();
  EXPECT_EQ(server_->Requests().size(), 1u);
}

TEST_F(StructuredOpenAiTest, AnUnsupportedSchemaSendsNothing) {
  auto client = OpenAi();
  auto value = CompleteJson(*client, Hello(), json{{"type", "string"}, {"format", "date"}});
  EXPECT_TRUE(value.status().IsInvalidArgument());
  EXPECT_TRUE(server_->Requests().empty());
}

TEST_F(StructuredOpenAiTest, TransportErrorsPassThrough) {
  auto client = OpenAi();
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", 500}}}));
  auto value = CompleteJson(*client, Hello(), kSchema);
  EXPECT_EQ(value.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(value.status().message().find("HTTP 500"), std::string::npos);
}

class StructuredAnthropicTest : public testing::FakeProviderTest<testing::kAnthropicScript> {};

TEST_F(StructuredAnthropicTest, TheSchemaTravelsInTheSystemPromptAndRepairsWork) {
  auto client = Anthropic();
  ASSERT_TRUE(server_->Enqueue(
      {Answer(R"({"theme": "dark"})"), Answer(R"({"theme": "dark", "confidence": 1})")}));
  auto value = CompleteJson(*client, Hello(), kSchema);
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 2u);
  const json first = json::parse(requests[0]["body"].get<std::string>());
  EXPECT_NE(first["system"].get<std::string>().find(kSchema.dump()), std::string::npos);
  const json second = json::parse(requests[1]["body"].get<std::string>());
  ASSERT_EQ(second["messages"].size(), 3u);
  EXPECT_EQ(second["messages"][1]["role"], "assistant");
  EXPECT_NE(second["messages"][2]["content"].get<std::string>().find(
                "$.confidence: required but missing"),
            std::string::npos);
}

TEST(ParseJsonAnswerTest, FencesAndWhitespace) {
  EXPECT_EQ(*ParseJsonAnswer(" {\"a\":1} \n"), json({{"a", 1}}));
  EXPECT_EQ(*ParseJsonAnswer("```json\n[1, 2]\n```"), json({1, 2}));
  EXPECT_EQ(*ParseJsonAnswer("```\n\"x\"\n```"), json("x"));
  EXPECT_EQ(*ParseJsonAnswer("```json\n{\"open\": true}\n"), json({{"open", true}}));
  EXPECT_EQ(ParseJsonAnswer("").status().message(), "empty answer");
  EXPECT_EQ(ParseJsonAnswer("```json\n```").status().message(), "empty answer");
  EXPECT_EQ(ParseJsonAnswer("{\"a\": nope}").status().message(),
            "not valid JSON (syntax error at byte 8)");
}

}  // namespace
}  // namespace engram::llm
