// engram chat end to end: the real binary against local servers speaking each provider's wire
// format (tests/fakes/fake_anthropic.py, fake_openai.py), chosen by the environment or by
// --provider / --model.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_test.h"
#include "fakes/fake_server.h"

namespace engram {
namespace {

class CliChatTest : public CliTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    const bool anthropic = GetParam() == "anthropic";
    std::string error;
    server_ =
        testing::FakeServer::Start(anthropic ? "fake_anthropic.py" : "fake_openai.py", {}, &error);
    ASSERT_NE(server_, nullptr) << error;
    const std::string prefix = anthropic ? "ANTHROPIC" : "OPENAI";
    env_.emplace_back(std::make_unique<ScopedEnv>("ENGRAM_LLM", GetParam()));
    env_.emplace_back(
        std::make_unique<ScopedEnv>((prefix + "_BASE_URL").c_str(), server_->Url("")));
    env_.emplace_back(
        std::make_unique<ScopedEnv>((prefix + "_API_KEY").c_str(), "sk-test-key-never-shown"));
  }
  // The system prompt of a recorded model request, in either wire format.
  std::string SystemPrompt(const json& body) {
    if (GetParam() == "anthropic") return body.value("system", "");
    return body["messages"][0]["role"] == "system"
               ? body["messages"][0]["content"].get<std::string>()
               : "";
  }
  std::vector<json> ChatRequests() {
    std::vector<json> out;
    for (const json& r : server_->Requests()) {
      const json body = json::parse(r["body"].get<std::string>(), nullptr, false);
      // The answer to the user, not an extraction or summary request (those ask for JSON or
      // name the session's items).
      if (body.is_object() && !body.contains("response_format") &&
          SystemPrompt(body).find("long-term memory") != std::string::npos) {
        out.push_back(body);
      }
    }
    return out;
  }

  std::unique_ptr<testing::FakeServer> server_;
  std::vector<std::unique_ptr<ScopedEnv>> env_;
};

TEST_P(CliChatTest, ASecondSessionInANewProcessSendsTheRememberedPreference) {
  RunResult first = Engram({"chat", "--owner", "dana", "--session", "session_1"},
                           "My name is Dana and I prefer dark mode.\n");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "ok\n");  // the fake model's answer
  EXPECT_EQ(first.err.find("sk-test-key"), std::string::npos);
  ASSERT_TRUE(server_->Reset());

  RunResult second = Engram({"chat", "--owner", "dana", "--session", "session_2"},
                            "What UI preference did I mention?\n");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::vector<json> chats = ChatRequests();
  ASSERT_EQ(chats.size(), 1u);
  EXPECT_NE(SystemPrompt(chats[0]).find("dark mode"), std::string::npos) << chats[0].dump();
  const json& messages = chats[0]["messages"];
  EXPECT_NE(messages.back()["content"].dump().find("What UI preference did I mention?"),
            std::string::npos);
  // Not one of session_2's turns; the system prompt may carry it as the previous session's.
  for (const json& m : messages) {
    if (m.value("role", "") == "system") continue;
    EXPECT_EQ(m.dump().find("My name is Dana"), std::string::npos) << m.dump();
  }
  EXPECT_NE(SystemPrompt(chats[0]).find("## The previous conversation"), std::string::npos);

  // Both sides of each exchange are in their sessions.
  json s1 = EngramJson({"session", "show", "--owner", "dana", "--session", "session_1"});
  ASSERT_EQ(s1["items"].size(), 2u);
  EXPECT_EQ(s1["items"][1]["content"], "ok");
  // Another owner's chat carries nothing of Dana's.
  ASSERT_TRUE(server_->Reset());
  ASSERT_EQ(
      Engram({"chat", "--owner", "eve", "--session", "e1"}, "What UI preference did I mention?\n")
          .exit_code,
      0);
  chats = ChatRequests();
  ASSERT_EQ(chats.size(), 1u);
  EXPECT_EQ(SystemPrompt(chats[0]).find("dark mode"), std::string::npos);
}

TEST_P(CliChatTest, AFailedModelCallKeepsTheTurnAndFailsVisibly) {
  ASSERT_TRUE(server_->Enqueue(json::array({{{"action", "reply"}, {"status", 500}},
                                            {{"action", "reply"}, {"status", 500}},
                                            {{"action", "reply"}, {"status", 500}},
                                            {{"action", "reply"}, {"status", 500}}})));
  RunResult r = Engram({"chat", "--owner", "dana", "--session", "s1"},
                       "Remember that my sister is called Ana.\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("kept in session s1"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("sk-test-key"), std::string::npos);
  json s1 = EngramJson({"session", "show", "--owner", "dana", "--session", "s1"});
  ASSERT_EQ(s1["items"].size(), 1u);
  EXPECT_EQ(s1["items"][0]["content"], "Remember that my sister is called Ana.");
}

TEST_P(CliChatTest, LongConversationsKeepAWindowAndARollingSummary) {
  std::string input;
  for (int i = 0; i < 5; ++i) input += "Turn number " + std::to_string(i) + " of our talk.\n";
  RunResult r = Engram({"chat", "--owner", "dana", "--session", "s1", "--window", "2"}, input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<json> chats = ChatRequests();
  ASSERT_EQ(chats.size(), 5u);
  // The last request carries at most the 2 window turns before it and the new one.
  const std::string last = chats.back()["messages"].dump();
  EXPECT_EQ(last.find("Turn number 1 "), std::string::npos);
  EXPECT_NE(last.find("Turn number 4 "), std::string::npos);
  json summary = EngramJson({"session", "summary", "--owner", "dana", "--session", "s1"});
  ASSERT_TRUE(summary.is_object()) << summary.dump();
  EXPECT_EQ(summary["text"], "ok");  // the fake model's summary
  EXPECT_GT(summary["through_seq"].get<int>(), 0);
}

// --provider and --model choose the model over the environment: with ENGRAM_LLM naming no model
// or the other provider (whose key and address are unset) and ENGRAM_LLM_MODEL another model,
// every request of the chat (the answer, extraction, the summary) goes to the flag's provider's
// endpoint and names the flag's model.
TEST_P(CliChatTest, ProviderAndModelFlagsWinOverTheEnvironment) {
  const bool anthropic = GetParam() == "anthropic";
  const std::string other = anthropic ? "openai" : "anthropic";
  ScopedEnv env_model("ENGRAM_LLM_MODEL", "model-from-the-environment");
  for (const std::string& env_llm : {std::string("none"), other}) {
    ScopedEnv llm("ENGRAM_LLM", env_llm);
    ASSERT_TRUE(server_->Reset());
    RunResult r = Engram({"chat", "--owner", "dana", "--session", "s-" + env_llm, "--provider",
                          GetParam(), "--model", "model-from-the-flag"},
                         "I prefer window seats on long flights.\n");
    ASSERT_EQ(r.exit_code, 0) << env_llm << ": " << r.err;
    EXPECT_EQ(r.out, "ok\n");
    EXPECT_FALSE(ChatRequests().empty());  // the answer, besides extraction
    const std::vector<json> requests = server_->Requests();
    ASSERT_FALSE(requests.empty());
    for (const json& request : requests) {
      EXPECT_EQ(request["path"], anthropic ? "/v1/messages" : "/v1/chat/completions");
      EXPECT_EQ(json::parse(request["body"].get<std::string>())["model"], "model-from-the-flag");
    }
  }
  // Without the flag, ENGRAM_LLM=none has no model, and the error says how to set one.
  ScopedEnv none("ENGRAM_LLM", "none");
  ExpectOneLineError(Engram({"chat", "--owner", "dana", "--session", "s"}, "hello\n"),
                     "--provider");
}

INSTANTIATE_TEST_SUITE_P(Providers, CliChatTest, ::testing::Values("anthropic", "openai"));

TEST_F(CliTest, ChatWithoutAModelSaysHowToConfigureOne) {
  ScopedEnv none("ENGRAM_LLM", "none");
  ExpectOneLineError(Engram({"chat", "--owner", "u", "--session", "s"}, "hello\n"), "ENGRAM_LLM");
  // A provider that is not one is named as the flag gave it, and nothing is stored.
  ExpectOneLineError(
      Engram({"chat", "--owner", "u", "--session", "s", "--provider", "gemini"}, "hello\n"),
      "provider 'gemini' is not an LLM provider");
  EXPECT_EQ(EngramJson({"session", "show", "--owner", "u", "--session", "s"})["items"].size(), 0u);
}

}  // namespace
}  // namespace engram
