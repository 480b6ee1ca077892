// docs/cli.md's flags that no other CLI test runs: `session show --turns` and `context --turns`
// (how many recent turns; a turn starts at a user item). The real binary, without an embedder.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/run_engram.h"
#include "test_util.h"

namespace engram {
namespace {

using nlohmann::json;
using testing::RunResult;

class CliFlagsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* v = getenv("ENGRAM_EMBEDDER")) saved_ = v;
    setenv("ENGRAM_EMBEDDER", "none", 1);
    for (const auto& [role, text] : std::vector<std::pair<std::string, std::string>>{
             {"user", "first question about the boiler"},
             {"assistant", "first answer"},
             {"user", "second question about the garden"},
             {"assistant", "second answer"},
             {"user", "third question about the roof"}}) {
      ASSERT_EQ(
          Run({"session", "add", "--owner", "u", "--session", "s", "--role", role, text}).exit_code,
          0);
    }
  }
  void TearDown() override {
    if (saved_) {
      setenv("ENGRAM_EMBEDDER", saved_->c_str(), 1);
    } else {
      unsetenv("ENGRAM_EMBEDDER");
    }
  }
  RunResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", dir_.File("engram.db")});
    return testing::RunEngram(std::move(args), dir_);
  }
  json RunJson(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    RunResult r = Run(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }

  engram::testing::TempDir dir_;
  std::optional<std::string> saved_;
};

TEST_F(CliFlagsTest, SessionShowTurnsStartsAtTheNthLastUserItem) {
  json two = RunJson({"session", "show", "--owner", "u", "--session", "s", "--turns", "2"});
  ASSERT_EQ(two["items"].size(), 3u) << two.dump();
  EXPECT_EQ(two["items"][0]["content"], "second question about the garden");
  EXPECT_EQ(two["items"][2]["content"], "third question about the roof");
  json all = RunJson({"session", "show", "--owner", "u", "--session", "s", "--turns", "9"});
  EXPECT_EQ(all["items"].size(), 5u);
  RunResult both =
      Run({"session", "show", "--owner", "u", "--session", "s", "--turns", "1", "--last", "1"});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_NE(both.err.find("use --last or --turns, not both"), std::string::npos) << both.err;
}

TEST_F(CliFlagsTest, ContextTurnsBoundsTheRecentTurns) {
  auto recent = [&](const std::string& turns) {
    RunResult r = Run({"context", "--owner", "u", "--session", "s", "--turns", turns});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const std::string one = recent("1");
  EXPECT_NE(one.find("third question about the roof"), std::string::npos) << one;
  EXPECT_EQ(one.find("second question about the garden"), std::string::npos) << one;
  const std::string three = recent("3");
  EXPECT_NE(three.find("first question about the boiler"), std::string::npos) << three;
  EXPECT_NE(three.find("second answer"), std::string::npos) << three;
}

}  // namespace
}  // namespace engram
