// SplitSentences: the sentences of a turn as written.
#include "hygiene/sentences.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace engram::hygiene {
namespace {

std::vector<std::string> Split(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view s : SplitSentences(text)) out.emplace_back(s);
  return out;
}

TEST(SentencesTest, SplitsAtEndMarksButNotAtTitles) {
  EXPECT_EQ(Split("My dog is Biscuit. Lena runs the mobile team!  Is that ok?"),
            (std::vector<std::string>{"My dog is Biscuit.", "Lena runs the mobile team!",
                                      "Is that ok?"}));
  EXPECT_EQ(Split("My therapist is Dr. Klein; I see her on Wednesdays"),
            (std::vector<std::string>{"My therapist is Dr. Klein;", "I see her on Wednesdays"}));
  EXPECT_EQ(Split("first line\nsecond line"),
            (std::vector<std::string>{"first line\n", "second line"}));
}

TEST(SentencesTest, LeavesOutSentencesWithoutWords) {
  EXPECT_TRUE(Split("").empty());
  EXPECT_TRUE(Split("... !!").empty());
  EXPECT_EQ(Split("?? ok."), (std::vector<std::string>{"ok."}));
}

}  // namespace
}  // namespace engram::hygiene
