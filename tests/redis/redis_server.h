// A throwaway redis-server for tests: a free loopback port, a temporary folder, no persistence,
// stopped by its PID (and the folder removed) when destroyed. Shared() is one server per test
// binary, started on first use; each test takes a fresh key prefix on it (NewUrl), so one server
// serves a whole suite. Needs Debian's redis-server (found by CMake; ENGRAM_REDIS_SERVER
// overrides).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>

namespace engram::testing {

class RedisServer {
 public:
  // A server of its own (e.g. with a password); null with the reason in *why when it cannot
  // start.
  static std::unique_ptr<RedisServer> Launch(const std::string& password, std::string* why);
  // The binary's server, started on the first call; null when it cannot start, with the reason
  // in *why. Callers skip the test then, except under ENGRAM_CI=1 (RedisRequired).
  static RedisServer* Shared(std::string* why);

  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // A URL with a key prefix no other call returned, so each test starts from empty state.
  // `params` are appended to the query ("ttl=1").
  std::string NewUrl(const std::string& params = "");
  int port() const { return port_; }

  // Stops the server (SIGTERM, then waits) and starts it again on the same port, empty: for
  // tests of lost connections. Start returns false with *why on failure.
  void Stop();
  bool Start(std::string* why);

 private:
  RedisServer() = default;
  bool Init(std::string* why);

  std::string binary_;
  std::string password_;
  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::atomic<int> prefixes_{0};
};

// True when a missing redis-server must fail the suite instead of skipping it (ENGRAM_CI=1).
bool RedisRequired();

}  // namespace engram::testing

// In a test body or SetUp: the shared server, or skip (fail under ENGRAM_CI=1) and return.
#define ENGRAM_REQUIRE_REDIS(server)                                                              \
  std::string server##_why;                                                                       \
  ::engram::testing::RedisServer* server = ::engram::testing::RedisServer::Shared(&server##_why); \
  if (server == nullptr) {                                                                        \
    if (::engram::testing::RedisRequired()) FAIL() << server##_why;                               \
    GTEST_SKIP() << server##_why;                                                                 \
  }
