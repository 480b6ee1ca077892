// The backends the store conformance suites run on (store_conformance_test.cc for durable memory,
// session_store_conformance_test.cc for session state): one URL each, opened through the factory as
// the engine opens them. A new backend adds one line to ConformanceBackends().
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "pg/postgres_server.h"
#include "redis/redis_server.h"
#include "store/factory.h"
#include "test_util.h"
#include "util/claim.h"
#include "util/text.h"

namespace engram::store::testing {

struct ConformanceBackend {
  std::string name;  // the test name's suffix
  // "{dir}" stands for a fresh empty folder and "{id}" for a token unique to the test (letters and
  // digits), so every test starts from an empty store; a server backend names a fresh database or
  // schema with {id}. A URL starting with '$' is read from that environment variable; the backend's
  // tests are skipped when it is unset. "{pg}" is a fresh database on the test binary's throwaway
  // PostgreSQL server (tests/pg/postgres_server.h) and "{redis}" a fresh key prefix on its
  // throwaway redis-server (tests/redis/redis_server.h); without a server the tests are skipped,
  // and fail under ENGRAM_CI=1.
  std::string url;
};

inline const std::vector<ConformanceBackend>& ConformanceBackends() {
  static const std::vector<ConformanceBackend> kBackends = {
      {"sqlite", "sqlite://{dir}/store.db"},
      {"postgres", "{pg}"},
  };
  return kBackends;
}

// The backends of session state and checkpoints (thread state): those above and the ones that
// keep only thread state.
inline const std::vector<ConformanceBackend>& SessionConformanceBackends() {
  static const std::vector<ConformanceBackend> kBackends = [] {
    std::vector<ConformanceBackend> all = ConformanceBackends();
    all.push_back({"redis", "{redis}"});
    return all;
  }();
  return kBackends;
}

// The URL of `backend` for one test, or "" with the reason in *why when it is not available.
inline std::string ConformanceUrl(const ConformanceBackend& backend, const std::string& dir,
                                  std::string* why) {
  std::string url = backend.url;
  if (url == "{pg}") {
    engram::testing::PostgresServer* server = engram::testing::PostgresServer::Shared(why);
    if (server == nullptr) return "";
    url = server->NewDatabase();
    if (url.empty()) *why = "cannot create a database on the test server";
    return url;
  }
  if (url == "{redis}") {
    engram::testing::RedisServer* server = engram::testing::RedisServer::Shared(why);
    return server == nullptr ? "" : server->NewUrl();
  }
  if (!url.empty() && url[0] == '$') {
    const char* env = std::getenv(url.c_str() + 1);
    if (!env || !*env) {
      *why = url + " is not set";
      return "";
    }
    url = env;
  }
  static std::atomic<int> next{0};
  const std::string id = "t" + std::to_string(::getpid()) + "x" + std::to_string(next++);
  for (auto [key, value] : {std::pair<std::string, std::string>{"{dir}", dir}, {"{id}", id}}) {
    for (size_t at; (at = url.find(key)) != std::string::npos;) url.replace(at, key.size(), value);
  }
  return url;
}

// Opens the backend of the test's parameter in a fresh folder, into backend_. A fixture that
// derives from it calls BackendTest::SetUp() first and returns when IsSkipped() or
// HasFatalFailure(): the test is skipped when the backend is not configured and fails when it does
// not open.
class BackendTest : public ::testing::TestWithParam<ConformanceBackend> {
 protected:
  void SetUp() override {
    std::string why;
    url_ = ConformanceUrl(GetParam(), dir_.path(), &why);
    const std::string& url = url_;
    if (url.empty()) {
      if (GetParam().url == "{pg}" && engram::testing::PostgresRequired()) FAIL() << why;
      if (GetParam().url == "{redis}" && engram::testing::RedisRequired()) FAIL() << why;
      GTEST_SKIP() << why;
    }
    Result<OpenedBackend> opened = OpenBackend(url, OpenSettings{2000, false, ""});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    backend_ = std::move(*opened);
  }

  engram::testing::TempDir dir_;
  std::string url_;  // what backend_ was opened at: open it again for a second process's view
  OpenedBackend backend_;
};

// The hashes the engine gives the store with a record (Engine::Impl::HashesOf).
inline TextHashes HashesOf(const MemoryRecord& r) {
  return {util::ContentHash(r.text), util::ClaimHash(r.text)};
}

inline std::string BackendName(const ::testing::TestParamInfo<ConformanceBackend>& info) {
  return info.param.name;
}

}  // namespace engram::store::testing
