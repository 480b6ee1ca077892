// Forget requests said in chat, with the built-in encoder: a topic named in other words than the
// memory deletes that memory, and nothing else, however near in field or person the rest is.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "engram/engine.h"
#include "test_util.h"
#include "use_lite_engine.h"

namespace engram {
namespace {

class ForgetInChatTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::OpenUseLiteEngine(dir_.File("engram.db"), &engine_); }

  TurnReport Say(const std::string& text) {
    auto r = engine_->RememberTurn("u", "global", "s1", Role::kUser, text, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TurnReport{};
  }

  // The texts of the owner's live memories, sorted.
  std::vector<std::string> Live() {
    ListOptions o;
    o.limit = 100;
    auto page = engine_->ListMemories("u", o);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    if (!page.ok()) return out;
    for (const MemoryRecord& r : page->items) out.push_back(r.text);
    std::sort(out.begin(), out.end());
    return out;
  }

  static std::vector<std::string> Texts(const TurnReport& r) {
    std::vector<std::string> out;
    for (const MemoryRecord& m : r.forgotten) out.push_back(m.text);
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(ForgetInChatTest, ATopicInOtherWordsDeletesWhatItNamesAndNothingElse) {
  for (const char* fact :
       {"I go for chemo at the county hospital on Mondays.",
        "I volunteer at the hospital shop on Fridays.", "My mother lives in Galway.",
        "My mother had a hip operation in May.", "I play five-a-side football on Mondays."})
    ASSERT_FALSE(Say(fact).writes.empty()) << fact;
  const std::vector<std::string> before = Live();
  ASSERT_EQ(before.size(), 5u);

  // "cancer" is said as "chemo": that memory goes; the other one at the hospital stays.
  TurnReport cancer = Say("Please forget the cancer stuff.");
  ASSERT_EQ(cancer.forgotten.size(), 1u) << ::testing::PrintToString(Texts(cancer));
  EXPECT_NE(cancer.forgotten[0].text.find("chemo"), std::string::npos);

  // Whose it is does not name a memory: "my mother's operation" deletes the operation, not where
  // she lives.
  TurnReport operation = Say("Forget what I told you about my mother's operation.");
  ASSERT_EQ(operation.forgotten.size(), 1u) << ::testing::PrintToString(Texts(operation));
  EXPECT_NE(operation.forgotten[0].text.find("hip"), std::string::npos);

  // A topic nothing is about deletes nothing.
  TurnReport none = Say("Please forget what I said about my divorce.");
  EXPECT_TRUE(none.forgotten.empty()) << ::testing::PrintToString(Texts(none));

  const std::vector<std::string> after = Live();
  ASSERT_EQ(after.size(), 3u) << ::testing::PrintToString(after);
  for (const std::string& kept : after) {
    EXPECT_TRUE(kept.find("shop") != std::string::npos ||
                kept.find("Galway") != std::string::npos ||
                kept.find("football") != std::string::npos)
        << kept;
  }
}

}  // namespace
}  // namespace engram
