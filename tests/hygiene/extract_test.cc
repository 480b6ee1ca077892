// ExtractCandidates: properties that hold for every text (well-formed output, determinism, any
// bytes, long inputs). What each rule yields for its phrasings, positive and negative, is golden
// data: tests/data/extraction/cases.jsonl, checked by extract_golden_test.cc.
#include "hygiene/extract.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "util/utf8.h"

namespace engram::hygiene {
namespace {

using nlohmann::json;
using ::testing::AssertionFailure;
using ::testing::AssertionResult;
using ::testing::AssertionSuccess;

// Sunday 2026-03-01, 10:30 UTC.
constexpr Timestamp kNow = 1'772'361'000'000;

std::vector<Candidate> X(std::string_view text) {
  return ExtractCandidates(text, kNow);
}

std::string Keys(const std::vector<Candidate>& cs) {
  std::string out;
  for (const Candidate& c : cs) out += (out.empty() ? "" : ", ") + c.key + " " + c.data;
  return "[" + out + "]";
}

AssertionResult Nothing(std::string_view text) {
  const std::vector<Candidate> cs = X(text);
  if (!cs.empty()) return AssertionFailure() << "\"" << text << "\" yields " << Keys(cs);
  return AssertionSuccess();
}

// ---- Output shape and robustness

TEST(ExtractTest, OutputIsWellFormed) {
  const char* texts[] = {"My name is Dana and I prefer dark mode.",
                         "I'm allergic to peanuts",
                         "The report is due Friday",
                         "Remember that my sister lives in Oslo",
                         "I use Python, Go and Rust",
                         "When I say ship it, run the tests first",
                         "I like crème brûlée",
                         "I live in Zürich"};
  for (const char* text : texts) {
    for (const Candidate& c : X(text)) {
      EXPECT_FALSE(c.key.empty());
      EXPECT_TRUE(util::IsValidUtf8(c.key)) << c.key;
      EXPECT_EQ(c.key.find(' '), std::string::npos) << c.key;
      EXPECT_TRUE(util::IsValidUtf8(c.text)) << c.text;
      EXPECT_TRUE(std::isupper(static_cast<unsigned char>(c.text.front()))) << c.text;
      EXPECT_EQ(c.text.back(), '.') << c.text;
      EXPECT_GT(c.confidence, 0.0);
      EXPECT_LE(c.confidence, 1.0);
      EXPECT_TRUE(json::parse(c.data).is_object()) << c.data;
    }
  }
  EXPECT_EQ(Keys(X(texts[0])), Keys(X(texts[0])));  // deterministic
}

TEST(ExtractTest, ArbitraryBytesNeverCrash) {
  std::mt19937_64 rng(7);
  // Raw bytes, including invalid UTF-8 and NULs.
  for (int i = 0; i < 1500; ++i) {
    std::string s(rng() % 64, '\0');
    for (char& ch : s) ch = static_cast<char>(rng());
    for (const Candidate& c : ExtractCandidates(s, kNow)) EXPECT_FALSE(c.key.empty());
  }
  // Rule words shuffled with broken sequences, at dates near and far.
  const char* fragments[] = {"I",
                             "I'm",
                             "my",
                             "name",
                             "is",
                             "live",
                             "in",
                             "Paris",
                             ",",
                             ".",
                             "and",
                             "due",
                             "by",
                             "Friday",
                             "remember",
                             "that",
                             "allergic",
                             "to",
                             "please",
                             "always",
                             "never",
                             "call",
                             "me",
                             "when",
                             "say",
                             "deadline",
                             "for",
                             "2026-02-30",
                             "May",
                             "3rd",
                             "of",
                             "'s",
                             "n't",
                             "a",
                             "dog",
                             "named",
                             "\xE2\x80\x99",
                             "\xF0\x9F\x91\x8D",
                             "\xC3",
                             "\xE2\x80",
                             "?",
                             "\n",
                             "since",
                             "starting",
                             "2021",
                             "use",
                             "C++",
                             "#",
                             "-",
                             "like",
                             "don't",
                             "we",
                             "our",
                             "stack",
                             "if",
                             "born",
                             "on",
                             "Feb",
                             "29",
                             "tomorrow",
                             "in",
                             "3",
                             "days",
                             "wife",
                             "'",
                             "\"",
                             ":",
                             "dark",
                             "mode",
                             "be",
                             "called"};
  for (int i = 0; i < 3000; ++i) {
    std::string s;
    for (int k = static_cast<int>(rng() % 14); k > 0; --k) {
      s += fragments[rng() % std::size(fragments)];
      if (rng() % 3 != 0) s += ' ';
    }
    const Timestamp now = i % 5 == 0 ? static_cast<Timestamp>(rng())
                                     : kNow + static_cast<Timestamp>(rng() % (1LL << 40));
    for (const Candidate& c : ExtractCandidates(s, now)) {
      EXPECT_FALSE(c.key.empty()) << s;
      EXPECT_TRUE(json::parse(c.data).is_object()) << s;
    }
  }
}

TEST(ExtractTest, LongInputs) {
  std::string text;
  for (int i = 0; i < 500; ++i) text += "I like item" + std::to_string(i) + ". ";
  EXPECT_EQ(X(text).size(), 500u);
  EXPECT_TRUE(Nothing(std::string(50'000, 'a')));
  // One long sentence of rule words: every rule looks only a bounded distance around a match.
  std::string run_on;
  for (int i = 0; i < 500; ++i) run_on += "and I need to go by Friday to the due deadline ";
  EXPECT_LT(X(run_on).size(), 10u);
}

}  // namespace
}  // namespace engram::hygiene
