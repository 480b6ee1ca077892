// The fixture of the end-to-end CLI tests (cli_e2e_test.cc, cli_chat_test.cc): each call runs the
// real `engram` binary as a new process on one database file.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/run_engram.h"
#include "test_util.h"

namespace engram {

using nlohmann::json;
using testing::RunResult;

// Sets an environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Each test runs the binary with ENGRAM_EMBEDDER=none unless it opts into the built-in model:
// most commands do not need vectors, and loading the model in every process would be slow.
class CliTest : public ::testing::Test {
 protected:
  // Runs `engram --db <test db> args...` with `input` on stdin.
  RunResult Engram(std::vector<std::string> args, const std::string& input = "") {
    if (pass_db_flag_) args.insert(args.begin(), {"--db", db_});
    return testing::RunEngram(std::move(args), dir_, input);
  }

  json EngramJson(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), "--json");
    RunResult r = Engram(std::move(args), input);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  // The number of memories of owner, read through the CLI.
  size_t CountMemories(const std::string& owner) {
    json page = EngramJson({"list", "--owner", owner, "--limit", "1000"});
    return page["items"].size();
  }

  static void ExpectOneLineError(const RunResult& r, const std::string& part) {
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
  }

  testing::TempDir dir_;
  std::string db_ = dir_.File("engram.db");
  bool pass_db_flag_ = true;
  ScopedEnv embedder_{"ENGRAM_EMBEDDER", "none"};
};

// Commands that embed text use the built-in USE-lite model (installed by scripts/setup.sh).
class CliRecallTest : public CliTest {
 protected:
  ScopedEnv use_lite_{"ENGRAM_EMBEDDER", "use-lite"};
};

}  // namespace engram
