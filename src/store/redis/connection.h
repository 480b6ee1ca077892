// A thin layer over one hiredis connection (Debian's libhiredis 0.14): the URL's settings,
// commands as argument vectors, Lua scripts by SHA with a fallback to their text, and errors
// mapped to Status codes. Not thread-safe: one connection serves one transaction at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engram/status.h"
#include "store/factory.h"

struct redisContext;
struct redisReply;

namespace engram::store::redis {

// What "redis://[user:password@]host[:port][/db][?ttl=S&prefix=P&timeout_ms=T]" says.
struct RedisConfig {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string user;      // ACL user ("" with a password: the default user)
  std::string password;  // "" : no AUTH
  // Seconds a session lives after its last write (items and summary together); 0 keeps it.
  int64_t ttl_s = 0;
  // Prepended to every key, so several deployments can share one database.
  std::string prefix = "engram:";
  // Connecting and each command; past it the call fails with Unavailable.
  int timeout_ms = 5000;
};

// InvalidArgument for a malformed URL or parameter; rediss:// (TLS) is refused with the reason
// (Debian's hiredis 0.14 has no TLS). Messages never repeat the URL (it may hold a password).
Result<RedisConfig> ParseRedisUrl(const StoreUrl& url);

using ReplyPtr = std::unique_ptr<redisReply, void (*)(redisReply*)>;

// A reply's parts, typed: the store reads integers, strings, nil and arrays.
bool IsNil(const redisReply& r);
std::string_view Str(const redisReply& r);            // a string or status reply; "" otherwise
Result<int64_t> Int(const redisReply& r);             // an integer, or a decimal string
size_t Len(const redisReply& r);                      // elements of an array reply
const redisReply& At(const redisReply& r, size_t i);  // element i of an array reply

// A Lua script. Each connection loads it once (SCRIPT LOAD) and then runs it by its SHA1.
struct Script {
  const char* text;
};

class Connection {
 public:
  // Connects, authenticates and selects the database. Unavailable when the server cannot be
  // reached, PermissionDenied when AUTH is refused.
  static Result<std::unique_ptr<Connection>> Open(const RedisConfig& config);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one command. An error reply is Internal (IOError for OOM/READONLY/MISCONF, which the
  // server reports about itself); a lost connection is Unavailable and leaves it unhealthy.
  Result<ReplyPtr> Command(const std::vector<std::string_view>& args);
  // EVALSHA, loading the script first on this connection, and again when the server forgot it
  // (SCRIPT FLUSH).
  Result<ReplyPtr> Eval(const Script& script, const std::vector<std::string_view>& keys,
                        const std::vector<std::string_view>& args);
  // False once the connection failed: it must not be reused.
  bool healthy() const { return healthy_; }

 private:
  explicit Connection(redisContext* ctx) : ctx_(ctx) {}
  Result<std::string> Load(const Script& script);

  redisContext* ctx_;
  bool healthy_ = true;
  std::unordered_map<const Script*, std::string> shas_;
};

}  // namespace engram::store::redis
