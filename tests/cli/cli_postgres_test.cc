// The real `engram` binary on PostgreSQL: `engram migrate`, processes sharing one database, and
// the errors of a database that cannot be reached (one line, non-zero exit, `serve` included).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "cli/run_engram.h"
#include "pg/postgres_server.h"
#include "test_util.h"

namespace engram {
namespace {

using testing::RunResult;

// An unreachable database: nothing listens on port 1 of loopback.
constexpr const char* kNowhere = "postgresql://postgres@127.0.0.1:1/engram?connect_timeout=2";

class CliPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ENGRAM_REQUIRE_POSTGRES(server);
    url_ = server->NewDatabase();
    ASSERT_FALSE(url_.empty());
    setenv("ENGRAM_EMBEDDER", "none", 1);
  }

  // Runs `engram args...`; gives up (killing it) after timeout_s.
  RunResult Engram(std::vector<std::string> args, int timeout_s = 60) {
    return testing::RunEngram(std::move(args), dir_, "", std::chrono::seconds(timeout_s));
  }

  testing::TempDir dir_;
  std::string url_;
};

TEST_F(CliPostgresTest, MigrateReportsTheSchemaThenFindsItCurrent) {
  RunResult first = Engram({"--store", url_, "migrate"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("store: schema version"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("migrated from 0"), std::string::npos) << first.out;
  RunResult again = Engram({"--store", url_, "migrate"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("current"), std::string::npos) << again.out;
}

TEST_F(CliPostgresTest, ProcessesShareTheDatabase) {
  RunResult add =
      Engram({"--store", url_, "add", "--owner", "u", "the cellar key hangs by the door"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  RunResult found = Engram(
      {"--store", url_, "--json", "search", "--owner", "u", "--mode", "lexical", "cellar key"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("the cellar key hangs by the door"), std::string::npos) << found.out;
}

TEST_F(CliPostgresTest, AnUnreachableDatabaseIsOneLineAndANonZeroExit) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--store", kNowhere, "list", "--owner", "u"},
        {"--store", kNowhere, "migrate"},
        {"--store", kNowhere, "serve", "--port", "0", "--insecure-no-auth"}}) {
    RunResult r = Engram(args, 30);
    EXPECT_EQ(r.exit_code, 1) << args[2] << ": " << r.err;
    EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << args[2] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace engram
