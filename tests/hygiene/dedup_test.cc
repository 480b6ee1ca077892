// SameClaim: the guard that keeps near-duplicate merging from swallowing a changed fact.
#include <gtest/gtest.h>

#include "util/claim.h"

namespace engram::util {
namespace {

TEST(SameClaimTest, RestatementsAreTheSameClaim) {
  EXPECT_TRUE(SameClaim("I prefer dark mode", "I'd really prefer dark mode please"));
  EXPECT_TRUE(SameClaim("User has a dog named Max", "The user has a dog called Max."));
  EXPECT_TRUE(SameClaim("The user likes sushi.", "the user really likes sushi"));
  EXPECT_TRUE(SameClaim("Deploy with make deploy", "Deploy using make deploy"));
}

TEST(SameClaimTest, ChangedValuesNamesNumbersAndNegationsAreDifferentClaims) {
  EXPECT_FALSE(SameClaim("The user prefers dark mode", "The user prefers light mode"));
  EXPECT_FALSE(SameClaim("The meeting is on Monday", "The meeting is on Tuesday"));
  EXPECT_FALSE(SameClaim("Project deadline is March 3", "Project deadline is March 5"));
  EXPECT_FALSE(SameClaim("The user is allergic to peanuts", "The user is not allergic to peanuts"));
  EXPECT_FALSE(SameClaim("The user likes sushi", "The user dislikes sushi"));
  EXPECT_FALSE(SameClaim("I don't drink coffee", "I drink coffee"));
  EXPECT_FALSE(SameClaim("The user's name is Dana", "The user's name is Diana"));
  EXPECT_FALSE(
      SameClaim("Works at Google as an engineer", "Works at Google as a software engineer"));
}

TEST(SameClaimTest, ClaimWordsLeaveOutNeutralWordsAndNegations) {
  EXPECT_EQ(ClaimWords("The user really prefers the dark mode, not light"),
            (std::vector<std::string>{"prefers", "dark", "mode", "light"}));
  EXPECT_TRUE(ClaimWords("I am").empty());
}

TEST(SameClaimTest, AnyBytesAreSafe) {
  EXPECT_FALSE(SameClaim("caf\xc3\xa9 au lait", "th\xe9"));
  EXPECT_TRUE(SameClaim("", ""));
}

}  // namespace
}  // namespace engram::util
