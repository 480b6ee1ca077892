// A raw hiredis connection for tests that look at a Redis server's keys as an operator would,
// and the key prefix of a test server's URL (redis_server.h). Tests that include it link hiredis.
#pragma once

#include <hiredis.h>

#include <set>
#include <string>

namespace engram::testing {

class RawRedis {
 public:
  explicit RawRedis(int port) : ctx_(redisConnect("127.0.0.1", port)) {}
  ~RawRedis() { redisFree(ctx_); }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;
  std::set<std::string> Keys(const std::string& pattern) {
    std::set<std::string> out;
    auto* r = static_cast<redisReply*>(redisCommand(ctx_, "KEYS %s", pattern.c_str()));
    for (size_t i = 0; r != nullptr && i < r->elements; ++i) {
      out.insert(std::string(r->element[i]->str, r->element[i]->len));
    }
    if (r != nullptr) freeReplyObject(r);
    return out;
  }
  void Set(const std::string& key, const std::string& value) {
    freeReplyObject(
        redisCommand(ctx_, "SET %b %b", key.data(), key.size(), value.data(), value.size()));
  }
  std::string Get(const std::string& key) {
    auto* r = static_cast<redisReply*>(redisCommand(ctx_, "GET %b", key.data(), key.size()));
    std::string out =
        r != nullptr && r->type == REDIS_REPLY_STRING ? std::string(r->str, r->len) : "";
    if (r != nullptr) freeReplyObject(r);
    return out;
  }
  long long Pttl(const std::string& key) {
    auto* r = static_cast<redisReply*>(redisCommand(ctx_, "PTTL %b", key.data(), key.size()));
    const long long v = r != nullptr ? r->integer : -3;
    if (r != nullptr) freeReplyObject(r);
    return v;
  }

 private:
  redisContext* ctx_;
};

// The prefix= of a test server URL.
inline std::string PrefixOf(const std::string& url) {
  const size_t at = url.find("prefix=") + 7;
  return url.substr(at, url.find('&', at) - at);
}

}  // namespace engram::testing
