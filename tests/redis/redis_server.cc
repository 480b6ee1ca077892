#include "redis/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "free_port.h"

namespace engram::testing {

namespace {

std::string Binary() {
  if (const char* env = getenv("ENGRAM_REDIS_SERVER"); env != nullptr && *env != '\0') return env;
#ifdef ENGRAM_REDIS_SERVER
  return ENGRAM_REDIS_SERVER;
#else
  return "";
#endif
}

std::string Tail(const std::string& path) {
  FILE* f = fopen(path.c_str(), "r");
  if (f == nullptr) return "";
  std::string s;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
  fclose(f);
  return s.size() > 2000 ? s.substr(s.size() - 2000) : s;
}

// True when the server answers PING (with the password, when it has one).
bool Ping(int port, const std::string& password) {
  const timeval tv{0, 200000};
  redisContext* ctx = redisConnectWithTimeout("127.0.0.1", port, tv);
  bool ok = false;
  if (ctx != nullptr && ctx->err == 0) {
    if (!password.empty()) {
      const char* argv[] = {"AUTH", password.c_str()};
      freeReplyObject(redisCommandArgv(ctx, 2, argv, nullptr));
    }
    auto* reply = static_cast<redisReply*>(redisCommand(ctx, "PING"));
    ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
    if (reply != nullptr) freeReplyObject(reply);
  }
  if (ctx != nullptr) redisFree(ctx);
  return ok;
}

std::unique_ptr<RedisServer>& Instance() {
  static std::unique_ptr<RedisServer> server;
  return server;
}

}  // namespace

bool RedisRequired() {
  const char* ci = getenv("ENGRAM_CI");
  return ci != nullptr && std::string(ci) == "1";
}

std::unique_ptr<RedisServer> RedisServer::Launch(const std::string& password, std::string* why) {
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->password_ = password;
  if (!server->Init(why)) return nullptr;
  return server;
}

RedisServer* RedisServer::Shared(std::string* why) {
  static std::mutex mu;
  static std::string failure;
  std::lock_guard lock(mu);
  if (Instance()) return Instance().get();
  if (!failure.empty()) {
    *why = failure;
    return nullptr;
  }
  Instance() = Launch("", &failure);
  if (!Instance()) *why = failure;
  return Instance().get();
}

bool RedisServer::Init(std::string* why) {
  binary_ = Binary();
  if (binary_.empty() || access(binary_.c_str(), X_OK) != 0) {
    *why = "redis-server not found at '" + binary_ +
           "' (apt-get install redis-server, or set ENGRAM_REDIS_SERVER)";
    return false;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "engram-redis-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    *why = "cannot create a temporary folder";
    return false;
  }
  dir_ = tmpl;
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreePort();
    if (Start(why)) return true;
  }
  return false;
}

bool RedisServer::Start(std::string* why) {
  const std::string log = dir_ + "/server.log";
  std::vector<std::string> argv = {
      binary_,  "--port", std::to_string(port_), "--bind", "127.0.0.1", "--dir", dir_,
      "--save", "",       "--appendonly",        "no",     "--logfile", log,     "--daemonize",
      "no"};
  if (!password_.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(password_);
  }
  pid_ = fork();
  if (pid_ == 0) {
    // A test binary that dies does not leave its server behind.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, 1);
      dup2(null, 2);
    }
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Ping(port_, password_)) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {  // it exited (e.g. the port was taken)
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop();
  *why = "redis-server did not start: " + Tail(log);
  return false;
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

RedisServer::~RedisServer() {
  Stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string RedisServer::NewUrl(const std::string& params) {
  const std::string auth = password_.empty() ? "" : ":" + password_ + "@";
  std::string url = "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + "/0?prefix=t" +
                    std::to_string(getpid()) + "x" + std::to_string(++prefixes_) + ":";
  if (!params.empty()) url += "&" + params;
  return url;
}

}  // namespace engram::testing
