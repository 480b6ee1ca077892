#include "store/redis/connection.h"

#include <hiredis.h>
#include <pthread.h>
#include <signal.h>

#include <charconv>
#include <cstdlib>

namespace engram::store::redis {

namespace {

constexpr std::string_view kUrlForm =
    "a Redis URL looks like redis://[user:password@]host[:port][/db][?ttl=SECONDS&prefix=P"
    "&timeout_ms=MS]";

Result<int64_t> ParseInt(std::string_view text, std::string_view what, int64_t min, int64_t max) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return Status::InvalidArgument("redis URL: " + std::string(what) + " must be an integer from " +
                                   std::to_string(min) + " to " + std::to_string(max));
  }
  return v;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes of a URL's user, password or parameter value.
Result<std::string> PercentDecode(std::string_view text, std::string_view what) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int lo = i + 2 < text.size() ? HexValue(text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Status::InvalidArgument("redis URL: a bad %-escape in the " + std::string(what));
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

bool PrefixChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':';
}

Status ErrorReply(std::string_view message) {
  const std::string text = "redis: " + std::string(message.substr(0, 300));
  if (message.starts_with("NOAUTH") || message.starts_with("WRONGPASS") ||
      message.starts_with("NOPERM")) {
    return Status::PermissionDenied(text);
  }
  if (message.starts_with("OOM") || message.starts_with("READONLY") ||
      message.starts_with("MISCONF") || message.starts_with("LOADING") ||
      message.starts_with("BUSY")) {
    return Status::Unavailable(text);
  }
  return Status::Internal(text);
}

// hiredis writes with write(2): to a server that went away, that raises SIGPIPE, which ends a
// process that does not ignore it. As libpq does, the signal is blocked around each command and
// one it raised is consumed.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0};
      sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};

}  // namespace

Result<RedisConfig> ParseRedisUrl(const StoreUrl& url) {
  if (url.scheme == "rediss") {
    return Status::InvalidArgument(
        "rediss:// (Redis over TLS) is not supported: Debian's libhiredis 0.14 is built without "
        "TLS. Reach Redis over a trusted network or a TLS tunnel (stunnel, spiped) with "
        "redis://");
  }
  RedisConfig config;
  std::string_view rest = url.rest;
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view path;
  if (const size_t slash = rest.find('/'); slash != std::string_view::npos) {
    path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t colon = userinfo.find(':');
    ENGRAM_ASSIGN_OR_RETURN(config.user, PercentDecode(userinfo.substr(0, colon), "user"));
    if (colon != std::string_view::npos) {
      ENGRAM_ASSIGN_OR_RETURN(config.password,
                              PercentDecode(userinfo.substr(colon + 1), "password"));
    } else {
      // "redis://secret@host": a password alone, as redis-cli takes it.
      config.password = std::move(config.user);
      config.user.clear();
    }
  }
  std::string_view host = rest;
  if (!host.empty() && host.front() == '[') {  // [::1]:6379
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument(std::string(kUrlForm));
    rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
  } else {
    const size_t colon = host.find(':');
    rest = colon == std::string_view::npos ? "" : host.substr(colon);
    host = host.substr(0, colon);
  }
  if (!host.empty()) config.host = std::string(host);
  if (!rest.empty()) {
    if (rest.front() != ':') return Status::InvalidArgument(std::string(kUrlForm));
    ENGRAM_ASSIGN_OR_RETURN(int64_t port, ParseInt(rest.substr(1), "the port", 1, 65535));
    config.port = static_cast<int>(port);
  }
  if (!path.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(int64_t db, ParseInt(path, "the database number", 0, 1 << 20));
    config.db = static_cast<int>(db);
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? "" : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq);
    ENGRAM_ASSIGN_OR_RETURN(
        std::string value,
        PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), name));
    if (name == "ttl") {
      ENGRAM_ASSIGN_OR_RETURN(config.ttl_s, ParseInt(value, "ttl (seconds)", 0, int64_t{1} << 40));
    } else if (name == "prefix") {
      for (char c : value) {
        if (!PrefixChar(c)) {
          return Status::InvalidArgument(
              "redis URL: the prefix may hold letters, digits and '_', '-', '.', ':' only");
        }
      }
      config.prefix = value;
    } else if (name == "timeout_ms") {
      ENGRAM_ASSIGN_OR_RETURN(int64_t ms, ParseInt(value, "timeout_ms", 1, 3600000));
      config.timeout_ms = static_cast<int>(ms);
    } else {
      return Status::InvalidArgument("redis URL: unknown parameter '" +
                                     std::string(name.substr(0, 40)) +
                                     "' (known: ttl, prefix, timeout_ms)");
    }
  }
  return config;
}

bool IsNil(const redisReply& r) {
  return r.type == REDIS_REPLY_NIL;
}

std::string_view Str(const redisReply& r) {
  if (r.type != REDIS_REPLY_STRING && r.type != REDIS_REPLY_STATUS) return {};
  return {r.str, r.len};
}

Result<int64_t> Int(const redisReply& r) {
  if (r.type == REDIS_REPLY_INTEGER) return static_cast<int64_t>(r.integer);
  if (r.type == REDIS_REPLY_STRING) {
    int64_t v = 0;
    const auto [end, ec] = std::from_chars(r.str, r.str + r.len, v);
    if (ec == std::errc() && end == r.str + r.len) return v;
  }
  return Status::Corruption("redis: expected an integer in a reply");
}

size_t Len(const redisReply& r) {
  return r.type == REDIS_REPLY_ARRAY ? r.elements : 0;
}

const redisReply& At(const redisReply& r, size_t i) {
  return *r.element[i];
}

Result<std::unique_ptr<Connection>> Connection::Open(const RedisConfig& config) {
  const timeval tv{config.timeout_ms / 1000, (config.timeout_ms % 1000) * 1000};
  redisContext* ctx = redisConnectWithTimeout(config.host.c_str(), config.port, tv);
  if (ctx == nullptr) return Status::Unavailable("redis: cannot allocate a connection");
  std::unique_ptr<Connection> conn(new Connection(ctx));
  if (ctx->err != 0) {
    return Status::Unavailable("redis: cannot connect to " + config.host + ":" +
                               std::to_string(config.port) + ": " + ctx->errstr);
  }
  if (redisSetTimeout(ctx, tv) != REDIS_OK) {
    return Status::Unavailable("redis: cannot set the command timeout");
  }
  if (!config.password.empty()) {
    std::vector<std::string_view> auth = {"AUTH"};
    if (!config.user.empty()) auth.push_back(config.user);
    auth.push_back(config.password);
    Result<ReplyPtr> r = conn->Command(auth);
    if (!r.ok()) {
      if (r.status().code() == Status::Code::kUnavailable) return r.status();
      return Status::PermissionDenied("redis: AUTH was refused (check the user and password)");
    }
  }
  if (config.db != 0) {
    const std::string db = std::to_string(config.db);
    ENGRAM_RETURN_IF_ERROR(conn->Command({"SELECT", db}).status());
  }
  return conn;
}

Connection::~Connection() {
  redisFree(ctx_);
}

Result<ReplyPtr> Connection::Command(const std::vector<std::string_view>& args) {
  if (!healthy_) return Status::Unavailable("redis: the connection was lost");
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  void* raw;
  {
    SigpipeGuard guard;
    raw = redisCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data());
  }
  ReplyPtr reply(static_cast<redisReply*>(raw), [](redisReply* r) { freeReplyObject(r); });
  if (!reply) {
    healthy_ = false;
    return Status::Unavailable(std::string("redis: the connection was lost: ") +
                               (ctx_->err != 0 ? ctx_->errstr : "no reply"));
  }
  if (reply->type == REDIS_REPLY_ERROR) return ErrorReply({reply->str, reply->len});
  return reply;
}

Result<std::string> Connection::Load(const Script& script) {
  ENGRAM_ASSIGN_OR_RETURN(ReplyPtr r, Command({"SCRIPT", "LOAD", script.text}));
  return shas_[&script] = std::string(Str(*r));
}

Result<ReplyPtr> Connection::Eval(const Script& script, const std::vector<std::string_view>& keys,
                                  const std::vector<std::string_view>& args) {
  auto known = shas_.find(&script);
  std::string sha;
  if (known != shas_.end()) {
    sha = known->second;
  } else {
    ENGRAM_ASSIGN_OR_RETURN(sha, Load(script));
  }
  const std::string nkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv = {"EVALSHA", sha, nkeys};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  Result<ReplyPtr> r = Command(argv);
  if (!r.ok() && r.status().message().find("NOSCRIPT") != std::string::npos) {
    ENGRAM_ASSIGN_OR_RETURN(sha, Load(script));
    argv[1] = sha;
    return Command(argv);
  }
  return r;
}

}  // namespace engram::store::redis
