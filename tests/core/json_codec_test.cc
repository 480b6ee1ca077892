// DumpJson's pretty form (the CLI's --json output, MCP tool text): nlohmann's layout for the
// first kMaxPrettyDepth levels, compact below, so a value nested to the parser's limit is printed
// within (2 * kMaxPrettyDepth + 3) times its compact size and still parses back to itself.
#include "core/json_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "util/json.h"

namespace engram::core {
namespace {

using nlohmann::json;

// The most spaces any line of `text` starts with.
size_t DeepestIndent(const std::string& text) {
  size_t deepest = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    deepest = std::max(deepest, line.find_first_not_of(' ') == std::string::npos
                                    ? line.size()
                                    : line.find_first_not_of(' '));
  }
  return deepest;
}

// `depth` arrays inside each other; the innermost holds `width` ones.
json Nested(size_t depth, size_t width) {
  json v = json::array();
  for (size_t i = 0; i < width; ++i) v.push_back(1);
  for (size_t d = 1; d < depth; ++d) v = json::array({std::move(v)});
  return v;
}

TEST(DumpJsonTest, ShallowValuesLookExactlyLikeNlohmannsPrettyForm) {
  const json v = json::parse(
      R"({"b": [1, {"c": null, "d": []}, "x\n"], "a": {}, "e": {"f": {"g": [true, 2.5]}}})");
  EXPECT_EQ(DumpJson(v, 2), v.dump(2));
  EXPECT_EQ(DumpJson(v, 4), v.dump(4));
  EXPECT_EQ(DumpJson(v, 0), v.dump(0));
  EXPECT_EQ(DumpJson(v), v.dump());
  EXPECT_EQ(DumpJson(json("\xff"), 2), "\"\xEF\xBF\xBD\"");  // invalid UTF-8 replaced
  // The last laid-out level still looks like nlohmann's; the next one is compact.
  const json at_limit = Nested(kMaxPrettyDepth, 2);
  EXPECT_EQ(DumpJson(at_limit, 2), at_limit.dump(2));
  const json below = Nested(kMaxPrettyDepth + 1, 2);
  EXPECT_NE(DumpJson(below, 2), below.dump(2));
  EXPECT_NE(DumpJson(below, 2).find("[1,1]"), std::string::npos);
}

// The worst shapes for indentation: a chain of arrays nested to the parser's limit, and a wide
// array of one-byte values right at the deepest laid-out level.
TEST(DumpJsonTest, AValueNestedToTheParsersLimitStaysWithinTheStatedBound) {
  const size_t factor = 2 * kMaxPrettyDepth + 3;
  for (const json& v : {Nested(util::kMaxJsonDepth, 20'000), Nested(kMaxPrettyDepth, 20'000),
                        Nested(util::kMaxJsonDepth, 1)}) {
    const std::string compact = DumpJson(v);
    ASSERT_TRUE(util::ParseJson(compact).ok());  // accepted: within the depth limit
    const std::string pretty = DumpJson(v, 2);
    EXPECT_LE(pretty.size(), factor * compact.size());
    EXPECT_LE(DeepestIndent(pretty), 2u * kMaxPrettyDepth);
    auto back = util::ParseJson(pretty);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, v);
  }
  // nlohmann's own layout of the first one: an indentation of up to 254 spaces per line.
  const json deep = Nested(util::kMaxJsonDepth, 20'000);
  EXPECT_GT(deep.dump(2).size(), 100 * DumpJson(deep).size());
}

}  // namespace
}  // namespace engram::core
