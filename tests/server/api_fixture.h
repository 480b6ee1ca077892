// In-process fixture for the HTTP API: an engine on a temporary database and an Api with three
// keys (alice's, bob's and an admin key), called without sockets.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "engram/engine.h"
#include "server/api.h"
#include "test_util.h"

namespace engram::server {

inline constexpr const char* kAliceKey = "k-alice-0123456789abcdef";
inline constexpr const char* kBobKey = "k-bob-0123456789abcdef00";
inline constexpr const char* kAdminKey = "k-admin-0123456789abcdef";

inline std::string KeysJson() {
  return std::string("{\"") + kAliceKey + "\": {\"owners\": [\"alice\"]}, \"" + kBobKey +
         "\": {\"owners\": [\"bob\"]}, \"" + kAdminKey + "\": {\"admin\": true}}";
}

struct Reply2 {
  int status = 0;
  nlohmann::json body;
  std::string raw;
  HttpResponse response;
};

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(ApiOptions{}); }

  // The engine has no embedder: requests that name no search mode search lexically.
  // `engine_options` other than its path (always the fixture's database) are the engine's.
  void Open(ApiOptions options, Options engine_options = {}) {
    options.default_search_mode = SearchMode::kLexical;
    api_.reset();
    engine_.reset();
    Options o = std::move(engine_options);
    o.path = dir_.File("engram.db");
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    auto keys = KeySet::Parse(KeysJson(), "test keys");
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    if (options.keys.empty() && !options.allow_anonymous) options.keys = std::move(*keys);
    api_ = std::make_unique<Api>(*engine_, std::move(options));
  }

  // One request as `key` (nullptr: none). A non-empty body is sent as-is.
  Reply2 Do(const std::string& method, const std::string& target, const std::string& body = "",
            const char* key = kAliceKey) {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.body = body;
    if (key != nullptr) r.authorization = std::string("Bearer ") + key;
    r.request_id = "test";
    Reply2 out;
    out.response = api_->Handle(r);
    out.status = out.response.status;
    out.raw = out.response.body;
    out.body = nlohmann::json::parse(out.raw, nullptr, false);
    return out;
  }
  // String literals (most often "") pick this one instead of being ambiguous between the two.
  Reply2 Do(const std::string& method, const std::string& target, const char* body,
            const char* key = kAliceKey) {
    return Do(method, target, std::string(body), key);
  }
  Reply2 Do(const std::string& method, const std::string& target, const nlohmann::json& body,
            const char* key = kAliceKey) {
    return Do(method, target, body.dump(), key);
  }

  static std::string ErrorCode(const Reply2& r) {
    return r.body.is_object() && r.body.contains("error") ? r.body["error"].value("code", "") : "";
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Api> api_;
};

}  // namespace engram::server
