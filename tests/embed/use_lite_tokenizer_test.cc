// The USE-lite tokenizer on small synthetic vocabularies: segmentation, normalisation and the
// reference implementation's quirks.
#include <gtest/gtest.h>

#include <fstream>

#include "embed/use_lite/tokenizer.h"
#include "synthetic_model.h"

namespace engram::use_lite {
namespace {

using Vocab = std::vector<std::pair<std::string, double>>;

// The six reserved entries followed by `pieces`, which get ids 6, 7, ...
Vocab WithReserved(const Vocab& pieces) {
  Vocab v = {{"\xEF\xBF\xBD", 0}, {"<s>", 0}, {"</s>", 0}, {"x1", 0}, {"x2", 0}, {"x3", 0}};
  v.insert(v.end(), pieces.begin(), pieces.end());
  return v;
}

std::vector<int32_t> Encode(const Tokenizer& t, std::string_view text) {
  auto ids = t.Encode(text);
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  return ids.ok() ? *ids : std::vector<int32_t>{-1};
}

class SyntheticVocabTest : public ::testing::Test {
 protected:
  SyntheticVocabTest() : tokenizer_(*Tokenizer::FromVocab(testing::SyntheticVocab())) {}
  // Ids in SyntheticVocab().
  enum : int32_t {
    kThe = 6,
    kCat,
    kSat,
    kOn,
    kMat,
    kBoundary,
    kT,
    kH,
    kE,
    kA,
    kS,
    kC,
    kM,
    kO,
    kN,
    kDot,
    kColon
  };
  Tokenizer tokenizer_;
};

TEST_F(SyntheticVocabTest, SegmentsWords) {
  EXPECT_EQ(tokenizer_.vocab_size(), 23);
  EXPECT_EQ(Encode(tokenizer_, "the cat sat on the mat."),
            (std::vector<int32_t>{kThe, kCat, kSat, kOn, kThe, kMat, kDot}));
  // Without a leading boundary only single letters match.
  EXPECT_EQ(Encode(tokenizer_, "the.cat"), (std::vector<int32_t>{kThe, kDot, kC, kA, kT}));
}

TEST_F(SyntheticVocabTest, EmptyTextHasNoTokens) {
  EXPECT_TRUE(Encode(tokenizer_, "").empty());
}

TEST_F(SyntheticVocabTest, EverySpaceBecomesABoundary) {
  EXPECT_EQ(Encode(tokenizer_, "the  cat"), (std::vector<int32_t>{kThe, kBoundary, kCat}));
  EXPECT_EQ(Encode(tokenizer_, " "), (std::vector<int32_t>{kBoundary, kBoundary}));
}

TEST_F(SyntheticVocabTest, NormalisesNfkc) {
  // Fullwidth letters and a no-break space fold to ASCII and a plain space.
  EXPECT_EQ(Encode(tokenizer_, "\uFF54\uFF48\uFF45\u00A0cat"), Encode(tokenizer_, "the cat"));
  // "é" decomposed (e + U+0301) composes to U+00E9, which is not in the vocabulary.
  EXPECT_EQ(Encode(tokenizer_, "the\u0301"), Encode(tokenizer_, "th\u00E9"));
}

TEST_F(SyntheticVocabTest, MergesRunsOfUnknownCodePoints) {
  EXPECT_EQ(Encode(tokenizer_, "the\u2603\u2603\U0001F642cat"),
            (std::vector<int32_t>{kThe, Tokenizer::kUnknownId, kC, kA, kT}));
  EXPECT_EQ(
      Encode(tokenizer_, "\u2603the\u2603"),
      (std::vector<int32_t>{kBoundary, Tokenizer::kUnknownId, kT, kH, kE, Tokenizer::kUnknownId}));
}

TEST_F(SyntheticVocabTest, NeverMatchesReservedPieces) {
  EXPECT_EQ(Encode(tokenizer_, "<s>"),
            (std::vector<int32_t>{kBoundary, Tokenizer::kUnknownId, kS, Tokenizer::kUnknownId}));
}

TEST_F(SyntheticVocabTest, RejectsInvalidUtf8) {
  for (const std::string bad : {"\xC3\x28", "\xC0\xAF", "\xED\xA0\x80", "abc\xF0\x9F"}) {
    auto ids = tokenizer_.Encode(bad);
    EXPECT_TRUE(ids.status().IsInvalidArgument()) << ids.status().ToString();
  }
}

TEST(TokenizerViterbi, PrefersTheHighestScore) {
  auto t = Tokenizer::FromVocab(WithReserved({{"\u2581", -1}, {"a", -1}, {"\u2581a", -1.5}}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Encode(*t, "a"), (std::vector<int32_t>{8}));
}

TEST(TokenizerViterbi, TiesGoToTheLaterStart) {
  auto t = Tokenizer::FromVocab(WithReserved({{"\u2581", -1}, {"a", -1}, {"\u2581a", -2}}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Encode(*t, "a"), (std::vector<int32_t>{6, 7}));
}

TEST(TokenizerViterbi, ScoreZeroCountsAsUnset) {
  // "▁a" alone scores 0, the best possible, yet the reference treats a best of exactly 0 as
  // unset and lets the worse path "▁" + "a" (0 + -3) replace it.
  auto t = Tokenizer::FromVocab(WithReserved({{"\u2581", 0}, {"a", -3}, {"\u2581a", 0}}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Encode(*t, "a"), (std::vector<int32_t>{6, 7}));
}

TEST(TokenizerViterbi, DuplicatePieceResolvesToLastId) {
  auto t = Tokenizer::FromVocab(WithReserved({{"\u2581", -1}, {"b", -2}, {"b", -2}}));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Encode(*t, "b"), (std::vector<int32_t>{6, 8}));
}

TEST(TokenizerViterbi, InvalidUtf8PieceIsRejected) {
  auto t = Tokenizer::FromVocab(WithReserved({{"\xFF", -1}}));
  EXPECT_TRUE(t.status().IsInvalidArgument()) << t.status().ToString();
}

TEST(TokenizerFile, NullScoreCountsAsZero) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/vocab.json";
  std::ofstream(path) << R"([["?",0],["<s>",0],["</s>",0],["a",0],["b",0],["c",0],)"
                      << R"(["\u2581",-1],["x",-2],["\u2581x",null]])";
  auto t = Tokenizer::FromFile(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->vocab_size(), 9);
  // "▁x" scores null = 0: by the zero quirk, "▁" + "x" (-3) replaces it.
  EXPECT_EQ(Encode(*t, "x"), (std::vector<int32_t>{6, 7}));
}

TEST(TokenizerFile, Errors) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/vocab.json";
  EXPECT_TRUE(Tokenizer::FromFile(path).status().IsNotFound());
  for (const char* content : {"[", "{}", "[[\"a\"]]", "[[\"a\", \"b\"]]", "[[\"a\", 1]]"}) {
    std::ofstream(path) << content;
    auto t = Tokenizer::FromFile(path);
    EXPECT_EQ(t.status().code(), Status::Code::kCorruption) << content;
    EXPECT_NE(t.status().message().find("vocab.json"), std::string::npos) << content;
  }
}

}  // namespace
}  // namespace engram::use_lite
