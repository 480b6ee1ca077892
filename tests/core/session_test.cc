// Engine: session state with the OpenAI Agents SDK session semantics.
#include <gtest/gtest.h>

#include "engram/engine.h"
#include "test_util.h"

namespace engram {
namespace {

SessionItem User(std::string text) {
  return {0, Role::kUser, std::move(text), "", "", 0};
}
SessionItem Assistant(std::string text) {
  return {0, Role::kAssistant, std::move(text), "", "", 0};
}
SessionItem Call(std::string ids_json) {
  return {0, Role::kAssistant, "", std::move(ids_json), "", 0};
}
SessionItem Result(std::string call_id, std::string text) {
  return {0, Role::kTool, std::move(text), "", std::move(call_id), 0};
}

std::vector<std::string> Contents(const std::vector<SessionItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.content);
  return out;
}

class SessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options options;
    options.path = dir_.File("engram.db");
    options.durable_commits = false;
    engine_ = std::move(*Engine::Open(options));
  }
  void Append(std::vector<SessionItem> items) {
    auto r = engine_->AddSessionItems("u", "s", std::move(items));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(SessionTest, AppendAssignsSequenceAndKeepsOrder) {
  auto added = engine_->AddSessionItems("u", "s", {User("hi"), Assistant("hello")});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ((*added)[0].seq, 1);
  EXPECT_EQ((*added)[1].seq, 2);
  Append({User("how are you")});
  EXPECT_EQ(Contents(*engine_->GetSessionItems("u", "s")),
            (std::vector<std::string>{"hi", "hello", "how are you"}));
  EXPECT_EQ(Contents(*engine_->GetSessionItems("u", "s", 2)),
            (std::vector<std::string>{"hello", "how are you"}));
  EXPECT_TRUE(engine_->GetSessionItems("u", "s", 0)->empty());
  EXPECT_TRUE(engine_->GetSessionItems("u", "other")->empty());
  EXPECT_TRUE(engine_->GetSessionItems("someone-else", "s")->empty());  // owners are apart
}

TEST_F(SessionTest, AnInvalidItemRejectsTheWholeAppend) {
  Append({User("first")});
  auto r = engine_->AddSessionItems("u", "s", {User("ok"), User("bad \xFF")});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("item 1"), std::string::npos) << r.status().message();
  EXPECT_EQ(engine_->GetSessionItems("u", "s")->size(), 1u);
  EXPECT_TRUE(engine_->AddSessionItems("u", "", {User("x")}).status().IsInvalidArgument());
  EXPECT_TRUE(engine_->AddSessionItems("u", "s", {User("")}).status().IsInvalidArgument());
}

TEST_F(SessionTest, ToolResultsMustAnswerThePrecedingCall) {
  Append({User("weather?"), Call(R"([{"id":"c1","name":"weather"},{"id":"c2"}])")});
  Append({Result("c1", "sunny")});
  Append({Result("c2", "22C")});  // a later append may still answer the same call
  EXPECT_FALSE(engine_->AddSessionItems("u", "s", {Result("c9", "?")}).ok());
  Append({Assistant("It is sunny and 22C.")});
  EXPECT_FALSE(engine_->AddSessionItems("u", "s", {Result("c1", "late")}).ok());
  EXPECT_FALSE(engine_->AddSessionItems("u", "s", {{0, Role::kTool, "x", "", "", 0}}).ok());
  EXPECT_FALSE(engine_->AddSessionItems("u", "s", {Call("not json")}).ok());
  EXPECT_FALSE(engine_->AddSessionItems("u", "s", {Call(R"([{"name":"no id"}])")}).ok());
  EXPECT_FALSE(
      engine_->AddSessionItems("u", "s", {{0, Role::kUser, "x", R"([{"id":"c"}])", "", 0}}).ok());
  EXPECT_EQ(engine_->GetSessionItems("u", "s")->size(), 5u);
}

TEST_F(SessionTest, LastNNeverStartsOnAnOrphanedToolResult) {
  Append({User("q"), Call(R"([{"id":"c1"},{"id":"c2"}])"), Result("c1", "r1"), Result("c2", "r2"),
          Assistant("answer")});
  // The last 2 items would start at r2; the slice widens back to the call.
  auto items = engine_->GetSessionItems("u", "s", 2);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 4u);
  EXPECT_EQ(items->front().role, Role::kAssistant);
  EXPECT_FALSE(items->front().tool_calls.empty());
  EXPECT_EQ(engine_->GetSessionItems("u", "s", 1)->size(), 1u);
}

TEST_F(SessionTest, WindowHoldsTheLastTurns) {
  Append({User("t1"), Assistant("a1"), User("t2"), Call(R"([{"id":"c"}])"), Result("c", "r"),
          Assistant("a2"), User("t3"), Assistant("a3")});
  EXPECT_EQ(Contents(*engine_->GetSessionWindow("u", "s", 1)),
            (std::vector<std::string>{"t3", "a3"}));
  EXPECT_EQ(Contents(*engine_->GetSessionWindow("u", "s", 2)),
            (std::vector<std::string>{"t2", "", "r", "a2", "t3", "a3"}));
  EXPECT_EQ(engine_->GetSessionWindow("u", "s", 10)->size(), 8u);
  EXPECT_TRUE(engine_->GetSessionWindow("u", "s", 0).status().IsInvalidArgument());
}

TEST_F(SessionTest, PopRemovesTheMostRecentItem) {
  Append({User("a"), Assistant("b")});
  auto popped = engine_->PopSessionItem("u", "s");
  ASSERT_TRUE(popped.ok());
  ASSERT_TRUE(popped->has_value());
  EXPECT_EQ((*popped)->content, "b");
  EXPECT_EQ((*popped)->seq, 2);
  Append({Assistant("c")});
  EXPECT_EQ(engine_->GetSessionItems("u", "s")->back().seq, 2);  // seq reused after pop
  ASSERT_TRUE(engine_->PopSessionItem("u", "s")->has_value());
  ASSERT_TRUE(engine_->PopSessionItem("u", "s")->has_value());
  auto empty = engine_->PopSessionItem("u", "s");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
}

TEST_F(SessionTest, ClearRemovesEveryItem) {
  Append({User("a"), Assistant("b"), User("c")});
  EXPECT_EQ(*engine_->ClearSession("u", "s"), 3);
  EXPECT_TRUE(engine_->GetSessionItems("u", "s")->empty());
  EXPECT_EQ(*engine_->ClearSession("u", "s"), 0);
  Append({User("again")});
  EXPECT_EQ(engine_->GetSessionItems("u", "s")->front().seq, 1);
}

// The owner's recent items across sessions: the last N by time, oldest first, each with its
// session; other owners' items never appear.
TEST_F(SessionTest, RecentItemsSpanTheOwnersSessionsInTimeOrder) {
  auto clock = std::make_shared<ManualClock>(1'790'000'000'000);
  Options options;
  options.path = dir_.File("recent.db");
  options.durable_commits = false;
  options.clock = clock;
  auto engine = std::move(*Engine::Open(options));
  auto say = [&](const std::string& owner, const std::string& session, SessionItem item) {
    clock->Advance(1000);
    ASSERT_TRUE(engine->AddSessionItems(owner, session, {std::move(item)}).ok());
  };
  say("u", "a", User("a1"));
  say("u", "a", Assistant("a2"));
  say("u", "b", User("b1"));
  say("other", "a", User("not yours"));
  say("u", "a", User("a3"));
  say("u", "c", User("c1"));

  auto recent = engine->GetRecentItems("u", 4);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  std::vector<std::string> got;
  for (const OwnerItem& i : *recent) got.push_back(i.session_id + ":" + i.item.content);
  EXPECT_EQ(got, (std::vector<std::string>{"a:a2", "b:b1", "a:a3", "c:c1"}));
  EXPECT_EQ((*recent)[2].item.seq, 3);
  EXPECT_EQ(engine->GetRecentItems("u", 100)->size(), 5u);
  EXPECT_TRUE(engine->GetRecentItems("nobody", 10)->empty());
  EXPECT_EQ(engine->GetRecentItems("u", 0).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(engine->GetRecentItems("u", 1001).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(engine->GetRecentItems("", 5).status().code(), Status::Code::kInvalidArgument);

  auto previous = engine->GetPreviousSession("u", "c");
  ASSERT_TRUE(previous.ok() && previous->has_value());
  EXPECT_EQ((*previous)->session_id, "a");
  EXPECT_EQ((*previous)->items, 3);
  EXPECT_LT((*previous)->started_at, (*previous)->last_active_at);
  EXPECT_FALSE(engine->GetPreviousSession("other", "a")->has_value());
}

TEST_F(SessionTest, AppendLimitIsEnforced) {
  std::vector<SessionItem> many(1001, User("x"));
  auto r = engine_->AddSessionItems("u", "s", many);
  EXPECT_EQ(r.status().code(), Status::Code::kTooLarge);
  EXPECT_TRUE(engine_->GetSessionItems("u", "s")->empty());
}

}  // namespace
}  // namespace engram
