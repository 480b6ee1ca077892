// Utilities: UTF-8 validation, timestamps, UUIDv7, base64url.
#include <gtest/gtest.h>

#include <set>

#include "core/validate.h"
#include "util/ids.h"
#include "util/time.h"
#include "util/utf8.h"

namespace engram {
namespace {

TEST(Utf8, AcceptsValidAndRejectsInvalid) {
  EXPECT_TRUE(util::IsValidUtf8("plain ascii"));
  EXPECT_TRUE(util::IsValidUtf8("café 日本 🎉"));
  EXPECT_EQ(util::FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_FALSE(util::IsValidUtf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(util::IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(util::IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(util::IsValidUtf8("\xE6\x97"));          // truncated
  EXPECT_FALSE(util::IsValidUtf8("\x80"));              // lone continuation
}

TEST(Time, FormatsAndParsesIso8601) {
  EXPECT_EQ(util::FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(util::FormatTimestamp(1'790'000'000'123), "2026-09-21T14:13:20.123Z");
  EXPECT_EQ(*util::ParseTimestamp("2026-09-21T14:13:20.123Z"), 1'790'000'000'123);
  EXPECT_EQ(*util::ParseTimestamp("2026-09-21 14:13:20.123"), 1'790'000'000'123);
  EXPECT_EQ(*util::ParseTimestamp("2026-09-21T16:13:20.123+02:00"), 1'790'000'000'123);
  EXPECT_EQ(*util::ParseTimestamp("1970-01-02"), 86'400'000);
  EXPECT_EQ(*util::ParseTimestamp("1969-12-31T23:59:59Z"), -1000);
  for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2026-01-01T25:00", "yesterday",
                          "2026-01-01T10:00Zjunk"}) {
    EXPECT_FALSE(util::ParseTimestamp(bad).ok()) << bad;
  }
}

TEST(Ids, UuidV7IsWellFormedMonotonicAndUnique) {
  util::UuidV7Generator gen;
  std::set<std::string> seen;
  std::string prev;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = gen.Next(1'790'000'000'000 + i / 5000);  // many per millisecond
    ASSERT_TRUE(util::LooksLikeUuid(id)) << id;
    EXPECT_EQ(id[14], '7');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    EXPECT_GT(id, prev);
    prev = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
  EXPECT_GT(gen.Next(1), prev);  // the clock stepping back does not break the order
}

TEST(Ids, Base64UrlRoundTrips) {
  for (std::string s : {"", "a", "ab", "abc", "1790000000000:0192f0c1-7a2b", "\xff\x00\x10"}) {
    std::string out;
    ASSERT_TRUE(util::Base64UrlDecode(util::Base64UrlEncode(s), &out));
    EXPECT_EQ(out, s);
  }
  std::string out;
  EXPECT_FALSE(util::Base64UrlDecode("a+b", &out));
}

TEST(Scope, VisibleScopes) {
  EXPECT_EQ(core::VisibleScopes("global"), (std::vector<std::string>{"global"}));
  EXPECT_EQ(core::VisibleScopes("a/b/c"),
            (std::vector<std::string>{"global", "a", "a/b", "a/b/c"}));
  EXPECT_TRUE(core::ValidateScope("project/alpha/task/42").ok());
  EXPECT_FALSE(core::ValidateScope("/a").ok());
  EXPECT_FALSE(core::ValidateScope("a/").ok());
  EXPECT_FALSE(core::ValidateScope("").ok());
}

}  // namespace
}  // namespace engram
