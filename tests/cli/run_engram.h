// Runs the real `engram` binary (ENGRAM_BINARY) as a child process for the CLI tests, its stdin,
// stdout and stderr passed through files of a test folder.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

extern char** environ;

namespace engram::testing {

struct RunResult {
  int exit_code = -1;  // -1: the process could not be started
  std::string out;
  std::string err;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `engram args...` with `input` on stdin; a run past `timeout` is killed with SIGKILL and
// says so in err (exit_code stays -1).
inline RunResult RunEngram(std::vector<std::string> args, const TempDir& dir,
                           const std::string& input = "",
                           std::chrono::milliseconds timeout = std::chrono::seconds(300)) {
  const std::string in_path = dir.File("stdin"), out_path = dir.File("stdout"),
                    err_path = dir.File("stderr");
  std::ofstream(in_path, std::ios::binary) << input;
  args.insert(args.begin(), ENGRAM_BINARY);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  pid_t pid;
  RunResult run;
  const int rc = posix_spawn(&pid, ENGRAM_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return run;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      run.err = "timed out";
      return run;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = ReadFile(out_path);
  run.err = ReadFile(err_path);
  return run;
}

}  // namespace engram::testing
