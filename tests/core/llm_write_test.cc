// The engine with a language model: extraction and contradiction resolution in RememberTurn,
// fallback to the offline rules when the model fails, rolling summaries.
#include <gtest/gtest.h>

#include "engram/engine.h"
#include "llm/scripted_client.h"
#include "test_util.h"

namespace engram {
namespace {

using llm::testing::ScriptedClient;

class LlmWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.path = dir_.File("engram.db");
    o.clock = clock_;
    o.durable_commits = false;
    o.llm = client_;
    engine_ = std::move(*Engine::Open(o));
  }
  std::string Add(const std::string& text, const std::string& key = "") {
    NewMemory m;
    m.owner_id = "u";
    m.text = text;
    m.key = key;
    auto r = engine_->AddMemory(m);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    clock_->Advance(1000);
    return r.ok() ? r->id : "";
  }
  std::vector<std::string> Live() {
    auto page = engine_->ListMemories("u", ListOptions{});
    EXPECT_TRUE(page.ok());
    std::vector<std::string> out;
    for (const auto& r : page->items) out.push_back(r.text);
    return out;
  }
  void Say(Role role, const std::string& text) {
    SessionItem item;
    item.role = role;
    item.content = text;
    ASSERT_TRUE(engine_->AddSessionItems("u", "s1", {item}).ok());
  }

  testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'790'000'000'000);
  std::shared_ptr<ScriptedClient> client_ = std::make_shared<ScriptedClient>();
  std::unique_ptr<Engine> engine_;
};

constexpr char kBerlin[] = R"({"memories": [{"type": "fact", "key": "user.location.city",
    "text": "The user lives in Berlin.", "confidence": 0.9, "value": "Berlin", "valid_from": null, "triples": []}]})";

TEST_F(LlmWriteTest, TheModelSupersedesTheFactItNamesWhateverItsKey) {
  const std::string paris = Add("The user lives in Paris", "home");
  client_->Answer(kBerlin);
  client_->Answer(R"({"nominations": [{"candidate": 0, "action": "supersede", "target_id": ")" +
                  paris + R"(", "text": "The user lives in Berlin."}]})");
  auto report = engine_->RememberTurn("u", "global", "s1", Role::kUser, "I moved to Berlin.");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->llm_error.empty()) << report->llm_error;
  ASSERT_EQ(report->writes.size(), 1u);
  EXPECT_EQ(report->writes[0].event, WriteEvent::kSuperseded);
  EXPECT_EQ(report->writes[0].superseded_ids, std::vector<std::string>{paris});
  EXPECT_EQ(Live(), std::vector<std::string>{"The user lives in Berlin."});
  EXPECT_EQ(client_->requests().size(), 2u);  // one extraction, one resolution call
  // The resolution request showed the model the Paris memory with its id.
  EXPECT_NE(client_->requests()[1].messages.back().text.find(paris), std::string::npos);
  auto history = engine_->GetHistory("u", report->writes[0].record.id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->front().actor, "llm");
  EXPECT_NE(history->front().reason.find("scripted:model"), std::string::npos);
}

TEST_F(LlmWriteTest, TheModelsNoneSkipsAndUpdateRefinesInPlace) {
  const std::string tea = Add("The user likes tea");
  client_->Answer(R"({"memories": [
      {"type": "preference", "key": "pref.drink", "text": "The user likes tea.",
       "confidence": 0.9, "value": "tea", "valid_from": null, "triples": []},
      {"type": "preference", "key": "pref.drink.tea", "text": "The user likes green tea.",
       "confidence": 0.9, "value": "green tea", "valid_from": null, "triples": []}]})");
  client_->Answer(R"({"nominations": [
      {"candidate": 0, "action": "none", "target_id": null, "text": null},
      {"candidate": 1, "action": "update", "target_id": ")" +
                  tea + R"(", "text": "The user likes green tea, no sugar."}]})");
  auto report = engine_->RememberTurn("u", "global", "s1", Role::kUser,
                                      "I like tea, green tea without sugar actually.");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->skipped.size(), 1u);
  EXPECT_NE(report->skipped[0].find("already known"), std::string::npos);
  ASSERT_EQ(report->writes.size(), 1u);
  EXPECT_EQ(report->writes[0].event, WriteEvent::kUpdated);
  EXPECT_EQ(report->writes[0].record.id, tea);
  EXPECT_EQ(Live(), std::vector<std::string>{"The user likes green tea, no sugar."});
  EXPECT_EQ(engine_->GetHistory("u", tea)->back().event, HistoryEventType::kUpdate);
}

TEST_F(LlmWriteTest, AFailingModelFallsBackToTheOfflineRulesAndSaysSo) {
  client_->Fail(Status::Unavailable("POST api.example/v1/messages: timed out"));
  auto report = engine_->RememberTurn("u", "global", "s1", Role::kUser, "My name is Dana.");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_NE(report->llm_error.find("timed out"), std::string::npos);
  ASSERT_EQ(report->writes.size(), 1u);  // the offline rules kept the fact
  EXPECT_EQ(report->writes[0].record.key, "user.name");
  EXPECT_EQ(report->writes[0].record.metadata, "{}");
}

TEST_F(LlmWriteTest, AMalformedAnswerTwiceFallsBackToo) {
  client_->Answer("Sure! Here are the memories: name=Dana");
  client_->Answer("{\"memories\": [ {broken");
  auto report = engine_->RememberTurn("u", "global", "s1", Role::kUser, "My name is Dana.");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->llm_error.empty());
  EXPECT_EQ(Live(), std::vector<std::string>{"The user's name is Dana."});
  EXPECT_EQ(client_->requests().size(), 2u);  // the answer and one repair
}

TEST_F(LlmWriteTest, OnlyPromotedTurnsCostACall) {
  auto filler = engine_->RememberTurn("u", "global", "s1", Role::kUser, "thanks!");
  ASSERT_TRUE(filler.ok());
  auto question = engine_->RememberTurn("u", "global", "s1", Role::kUser, "What time is it?");
  ASSERT_TRUE(question.ok());
  EXPECT_TRUE(client_->requests().empty());
}

TEST_F(LlmWriteTest, TheRollingSummaryFoldsWhatFallsOutOfTheWindow) {
  for (int i = 0; i < 4; ++i) {
    Say(Role::kUser, "question " + std::to_string(i));
    Say(Role::kAssistant, "answer " + std::to_string(i));
  }
  client_->Answer("The user asked questions 0 and 1; both were answered.");
  auto summary = engine_->SummarizeSession("u", "s1", /*keep_turns=*/2);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->has_value());
  EXPECT_EQ((*summary)->text, "The user asked questions 0 and 1; both were answered.");
  EXPECT_EQ((*summary)->through_seq, 4);
  ASSERT_EQ(client_->requests().size(), 1u);
  const std::string& sent = client_->requests()[0].messages.back().text;
  EXPECT_NE(sent.find("question 1"), std::string::npos);
  EXPECT_EQ(sent.find("question 2"), std::string::npos);  // still in the window

  // Nothing new fell out: no call.
  ASSERT_TRUE(engine_->SummarizeSession("u", "s1", 2).ok());
  EXPECT_EQ(client_->requests().size(), 1u);

  // A failure keeps the old summary; the next call tries again.
  Say(Role::kUser, "question 4");
  client_->Fail(Status::Unavailable("429 rate limited"));
  EXPECT_EQ(engine_->SummarizeSession("u", "s1", 2).status().code(), Status::Code::kUnavailable);
  EXPECT_EQ((*engine_->GetSessionSummary("u", "s1"))->through_seq, 4);
  client_->Answer("Questions 0 to 2 were asked and answered.");
  auto again = engine_->SummarizeSession("u", "s1", 2);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->through_seq, 6);
  EXPECT_NE(
      client_->requests().back().messages.back().text.find("The user asked questions 0 and 1"),
      std::string::npos);  // the previous summary goes with the new items

  client_->Answer("Questions 0 to 4 were asked; all answered but the last.");
  auto ended = engine_->EndSession("u", "global", "s1");
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  ASSERT_TRUE(ended->has_value());
  EXPECT_EQ((*ended)->type, MemoryType::kSummary);
  EXPECT_EQ((*ended)->key, "session.s1");
  EXPECT_EQ((*ended)->text, "Questions 0 to 4 were asked; all answered but the last.");
}

TEST(ExtractiveSummaryTest, WithoutAModelTheSummaryKeepsStatementsAndAnswers) {
  testing::TempDir dir;
  Options o;
  o.path = dir.File("engram.db");
  o.durable_commits = false;
  auto engine = std::move(*Engine::Open(o));
  std::vector<SessionItem> items(6);
  items[0] = {0, Role::kUser, "I need the Q3 report by Friday.", "", "", 0};
  items[1] = {0, Role::kAssistant, "", R"([{"id": "c1", "function": {"name": "find"}}])", "", 0};
  items[2] = {0, Role::kTool, "report.xlsx found", "", "c1", 0};
  items[3] = {0, Role::kAssistant, "I found the Q3 report draft.", "", "", 0};
  items[4] = {0, Role::kUser, "thanks!", "", "", 0};
  items[5] = {0, Role::kUser, "Now the budget please.", "", "", 0};
  ASSERT_TRUE(engine->AddSessionItems("u", "s1", items).ok());
  auto summary = engine->SummarizeSession("u", "s1", 1);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  ASSERT_TRUE(summary->has_value());
  EXPECT_EQ((*summary)->text,
            "- user: I need the Q3 report by Friday.\n- assistant: I found the Q3 report draft.");
  EXPECT_EQ((*summary)->through_seq, 5);
}

}  // namespace
}  // namespace engram
