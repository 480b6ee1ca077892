// FakeServer: runs one of the Python fake servers in tests/fakes as a child process on loopback.
//
// The child gets a pipe as stdin and is started with --watch-stdin, so it exits even when the
// test process dies without running destructors; it also exits when idle. Control requests use
// a raw socket, not engram's HTTP client, so a bug there cannot hide behind the fixture.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

extern char** environ;

namespace engram::testing {

class FakeServer {
 public:
  // Starts `python3 <tests/fakes>/<script> --log FILE --watch-stdin args...` and waits up to 10 s
  // for the port line. nullptr (and *error) on failure.
  static std::unique_ptr<FakeServer> Start(const std::string& script,
                                           const std::vector<std::string>& args,
                                           std::string* error) {
    auto server = std::unique_ptr<FakeServer>(new FakeServer());
    server->log_path_ = server->dir_.File("requests.jsonl");
    std::vector<std::string> argv_s = {"python3", std::string(ENGRAM_FAKES_DIR) + "/" + script,
                                       "--log", server->log_path_, "--watch-stdin"};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) return Fail(error, "pipe failed");
    if (pipe2(out, O_CLOEXEC) != 0) {
      close(in[0]);
      close(in[1]);
      return Fail(error, "pipe failed");
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    const int rc = posix_spawnp(&server->pid_, "python3", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    server->stdin_fd_ = in[1];
    if (rc != 0) {
      server->pid_ = -1;
      close(out[0]);
      return Fail(error, "cannot run python3 from PATH");
    }
    std::string line;
    char c;
    pollfd pfd{out[0], POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      if (poll(&pfd, 1, 100) > 0) {
        if (read(out[0], &c, 1) != 1) break;
        line += c;
      }
    }
    close(out[0]);  // the server prints nothing after the port
    server->port_ = std::atoi(line.c_str());
    if (server->port_ <= 0) return Fail(error, "fake server did not report a port");
    return server;
  }

  ~FakeServer() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // Every request the server recorded since the last Reset(), oldest first.
  std::vector<nlohmann::json> Requests() const {
    std::vector<nlohmann::json> requests;
    std::ifstream in(log_path_);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) requests.push_back(nlohmann::json::parse(line));
    }
    return requests;
  }

  // Empties the behaviour queue and the request log.
  bool Reset() { return Control({{"reset", true}}); }
  // Scripts the replies to the next requests (see the behaviours in the server's docstring).
  bool Enqueue(const nlohmann::json& behaviours) { return Control({{"enqueue", behaviours}}); }

  // POST /_control with `command`; true on HTTP 200.
  bool Control(const nlohmann::json& command) const {
    const std::string body = command.dump();
    const std::string request =
        "POST /_control HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string reply;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) reply.append(buf, n);
    }
    close(fd);
    return reply.starts_with("HTTP/1.1 200");
  }

 private:
  FakeServer() = default;
  static std::unique_ptr<FakeServer> Fail(std::string* error, const char* what) {
    *error = what;
    return nullptr;
  }

  TempDir dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
};

}  // namespace engram::testing
