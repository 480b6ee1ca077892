// A throwaway PostgreSQL server for the tests of one binary: initdb in a temporary folder, a
// free loopback port, started on first use, stopped by its PID (and the folder removed) when the
// binary exits. Each test takes a fresh database on it (NewDatabase), so one server serves a
// whole suite. Needs Debian's postgresql-15 (the binaries in ENGRAM_PG_BINDIR, found by CMake;
// the environment variable of that name overrides). When run as root, the server runs as the
// 'postgres' user.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

namespace engram::testing {

class PostgresServer {
 public:
  // The binary's server, started on the first call; null when it cannot start, with the reason
  // in *why. Callers skip the test then, except under ENGRAM_CI=1 (RequirePostgres).
  static PostgresServer* Shared(std::string* why);

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates an empty database and returns its connection URI; "" when that fails.
  std::string NewDatabase();
  // Runs SQL that returns no rows (CREATE DATABASE, DROP SCHEMA, ...) in `database`; false when it
  // fails.
  bool Exec(const std::string& sql, const std::string& database = "postgres") const;
  // The URI of a database on this server (which need not exist).
  std::string Uri(const std::string& database) const;
  int port() const { return port_; }

  // Stops the server (fast shutdown) and starts it again on the same port and data, for tests of
  // lost connections. Start returns false with *why on failure.
  void Stop();
  bool Start(std::string* why);

 private:
  PostgresServer() = default;
  bool Init(std::string* why);

  std::string bindir_;
  std::string dir_;  // data folder; also the server's socket folder
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

// True when a missing PostgreSQL must fail the suite instead of skipping it (ENGRAM_CI=1).
bool PostgresRequired();

}  // namespace engram::testing

// In a test body or SetUp: the shared server, or skip (fail under ENGRAM_CI=1) and return.
#define ENGRAM_REQUIRE_POSTGRES(server)                                \
  std::string server##_why;                                            \
  ::engram::testing::PostgresServer* server =                          \
      ::engram::testing::PostgresServer::Shared(&server##_why);        \
  if (server == nullptr) {                                             \
    if (::engram::testing::PostgresRequired()) FAIL() << server##_why; \
    GTEST_SKIP() << server##_why;                                      \
  }
