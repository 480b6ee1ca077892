#include "pg/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
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

// Runs argv as the server's user (postgres when we are root), output to `log`. Returns the pid.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& log, bool die_with_parent) {
  const passwd* pw = getuid() == 0 ? getpwnam("postgres") : nullptr;
  const pid_t pid = fork();
  if (pid != 0) return pid;
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  if (pw != nullptr && (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)) _exit(126);
  // A test binary that dies does not leave its server behind.
  if (die_with_parent) prctl(PR_SET_PDEATHSIG, SIGQUIT);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
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

std::string BinDir() {
  if (const char* env = getenv("ENGRAM_PG_BINDIR"); env != nullptr && *env != '\0') return env;
#ifdef ENGRAM_PG_BINDIR
  return ENGRAM_PG_BINDIR;
#else
  return "";
#endif
}

std::unique_ptr<PostgresServer>& Instance() {
  static std::unique_ptr<PostgresServer> server;
  return server;
}

}  // namespace

bool PostgresRequired() {
  const char* ci = getenv("ENGRAM_CI");
  return ci != nullptr && std::string(ci) == "1";
}

PostgresServer* PostgresServer::Shared(std::string* why) {
  static std::mutex mu;
  static std::string failure;
  std::lock_guard lock(mu);
  if (Instance()) return Instance().get();
  if (!failure.empty()) {
    *why = failure;
    return nullptr;
  }
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  if (!server->Init(&failure)) {
    *why = failure;
    return nullptr;
  }
  Instance() = std::move(server);
  return Instance().get();
}

bool PostgresServer::Init(std::string* why) {
  bindir_ = BinDir();
  if (bindir_.empty() || access((bindir_ + "/initdb").c_str(), X_OK) != 0 ||
      access((bindir_ + "/postgres").c_str(), X_OK) != 0) {
    *why = "PostgreSQL server binaries not found in '" + bindir_ +
           "' (apt-get install postgresql-15, or set ENGRAM_PG_BINDIR)";
    return false;
  }
  std::string tmpl = (std::filesystem::temp_directory_path() / "engram-pg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    *why = "cannot create a temporary folder";
    return false;
  }
  dir_ = tmpl;
  if (getuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      *why = "running as root needs a 'postgres' user to run the server";
      return false;
    }
  }
  const std::string log = dir_ + "/initdb.log";
  const pid_t pid = Spawn({bindir_ + "/initdb", "-D", dir_ + "/data", "-A", "trust", "-U",
                           "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"},
                          log, false);
  if (WaitExit(pid) != 0) {
    *why = "initdb failed: " + Tail(log);
    return false;
  }
  for (int attempt = 0; attempt < 3; ++attempt) {
    port_ = FreePort();
    if (Start(why)) return true;
  }
  return false;
}

bool PostgresServer::Start(std::string* why) {
  const std::string log = dir_ + "/server.log";
  pid_ =
      Spawn({bindir_ + "/postgres", "-D", dir_ + "/data", "-p", std::to_string(port_), "-k", dir_,
             "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"},
            log, true);
  const std::string ping = "host=127.0.0.1 port=" + std::to_string(port_) +
                           " user=postgres dbname=postgres connect_timeout=2";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(ping.c_str()) == PQPING_OK) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) break;  // it exited (e.g. the port was taken)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Stop();
  *why = "postgres did not start: " + Tail(log);
  return false;
}

void PostgresServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGINT);  // fast shutdown: ends the sessions, then exits
  WaitExit(pid_);
  pid_ = -1;
}

PostgresServer::~PostgresServer() {
  Stop();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::Uri(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

bool PostgresServer::Exec(const std::string& sql, const std::string& database) const {
  PGconn* conn = PQconnectdb(Uri(database).c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  PQfinish(conn);
  return ok;
}

std::string PostgresServer::NewDatabase() {
  const std::string name = "engram_test_" + std::to_string(++databases_);
  return Exec("CREATE DATABASE " + name) ? Uri(name) : "";
}

}  // namespace engram::testing
