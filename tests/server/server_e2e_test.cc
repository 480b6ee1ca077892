// End-to-end tests of `engram serve`: the real binary on an ephemeral port with a temporary
// database and a keys file, driven over HTTP on 127.0.0.1.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "api_fixture.h"
#include "redis/redis_server.h"
#include "test_util.h"

extern char** environ;

namespace engram::server {
namespace {

using nlohmann::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One `engram serve` process. Its stdout's first line names the bound address; stderr (the
// access log) goes to a file.
class ServerProcess {
 public:
  ServerProcess(const testing::TempDir& dir, std::vector<std::string> extra,
                std::vector<std::string> env = {"ENGRAM_EMBEDDER=none"})
      : log_path_(dir.File("serve.log")) {
    std::vector<std::string> args = {ENGRAM_BINARY, "--db",   dir.File("engram.db"),
                                     "serve",       "--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_strings = std::move(env);
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string entry = *e;
      if (entry.rfind("ENGRAM_", 0) != 0) env_strings.push_back(entry);
    }
    std::vector<char*> envp;
    for (auto& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);

    int out[2];
    if (pipe(out) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    const int rc = posix_spawn(&pid_, ENGRAM_BINARY, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc != 0) {
      pid_ = -1;
      close(out[0]);
      return;
    }
    // The first line: "listening on http://127.0.0.1:PORT". EOF first means it exited.
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    stdout_fd_ = out[0];
    const size_t colon = line.rfind(':');
    if (line.rfind("listening on http://", 0) == 0 && colon != std::string::npos) {
      port_ = std::stoi(line.substr(colon + 1));
    }
  }

  // A server a test left running must still stop cleanly on SIGTERM (exit 0), and no server
  // may have written a sanitizer report or a crash to its stderr.
  ~ServerProcess() {
    if (pid_ > 0 && !exited_) {
      EXPECT_EQ(Signal(SIGTERM), 0) << log();
    }
    const std::string text = log();
    for (const char* bad : {"runtime error", "Sanitizer", "terminate called", "Segmentation"}) {
      EXPECT_EQ(text.find(bad), std::string::npos) << "engram serve's stderr:\n" << text;
    }
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string log() const { return ReadFile(log_path_); }

  // Sends `sig` and waits for the exit status (128 + signal when killed by one).
  int Signal(int sig) {
    kill(pid_, sig);
    return Wait();
  }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
  bool exited_ = false;
  std::string log_path_;
};

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override { std::ofstream(keys_path_) << KeysJson(); }

  httplib::Headers Auth(const char* key) {
    return {{"Authorization", std::string("Bearer ") + key}};
  }

  testing::TempDir dir_;
  std::string keys_path_ = dir_.File("keys.json");
};

TEST_F(ServeTest, ServesAuthenticatedRequestsAndLogsWithoutSecrets) {
  ServerProcess server(dir_, {"--keys", keys_path_});
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client client("127.0.0.1", server.port());

  auto health = client.Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_FALSE(health->get_header_value("X-Request-Id").empty());

  const std::string secret_text = "my favourite colour is vermilion";
  auto added = client.Post("/v1/owners/alice/memories", Auth(kAliceKey),
                           json{{"text", secret_text}}.dump(), "application/json");
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 201) << added->body;
  const std::string id = json::parse(added->body)["memory"]["id"];

  httplib::Headers with_id = Auth(kAliceKey);
  with_id.emplace("X-Request-Id", "trace-42");
  auto got = client.Get(("/v1/owners/alice/memories/" + id).c_str(), with_id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->get_header_value("X-Request-Id"), "trace-42");
  EXPECT_EQ(json::parse(got->body)["text"], secret_text);

  auto other = client.Get(("/v1/owners/alice/memories/" + id).c_str(), Auth(kBobKey));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 403);
  auto none = client.Get("/v1/owners/alice/memories");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  auto patched = client.Patch(("/v1/owners/alice/memories/" + id).c_str(), Auth(kAliceKey),
                              json{{"text", "now it is teal"}}.dump(), "application/json");
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->status, 200);
  auto deleted = client.Delete(("/v1/owners/alice/memories/" + id).c_str(), Auth(kAliceKey));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);

  EXPECT_EQ(server.Signal(SIGTERM), 0);
  const std::string log = server.log();
  EXPECT_NE(log.find("id=trace-42 method=GET route=/v1/owners/{owner}/memories/{id} status=200"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("route=/v1/owners/{owner}/memories status=401"), std::string::npos) << log;
  for (const char* leak : {kAliceKey, kBobKey, "vermilion", "teal", id.c_str()}) {
    EXPECT_EQ(log.find(leak), std::string::npos) << leak << " in " << log;
  }
}

TEST_F(ServeTest, RefusesToStartWithoutKeysUnlessLoopbackAndInsecure) {
  {
    ServerProcess refused(dir_, {});
    EXPECT_EQ(refused.port(), 0);
    EXPECT_EQ(refused.Wait(), 1);
    EXPECT_NE(refused.log().find("refusing to serve without API keys"), std::string::npos)
        << refused.log();
  }
  {
    ServerProcess exposed(dir_, {"--insecure-no-auth", "--host", "0.0.0.0"});
    EXPECT_EQ(exposed.port(), 0);
    EXPECT_EQ(exposed.Wait(), 1);
    EXPECT_NE(exposed.log().find("loopback"), std::string::npos) << exposed.log();
  }
  {
    ServerProcess both(dir_, {"--insecure-no-auth", "--keys", keys_path_});
    EXPECT_EQ(both.Wait(), 1);
  }
  {
    ServerProcess open(dir_, {"--insecure-no-auth"});
    ASSERT_GT(open.port(), 0) << open.log();
    httplib::Client client("127.0.0.1", open.port());
    auto r = client.Get("/v1/owners/anyone/memories");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(open.Signal(SIGINT), 0);
  }
  {
    // Keys from the environment, as in a container.
    ServerProcess env(dir_, {}, {"ENGRAM_EMBEDDER=none", "ENGRAM_API_KEYS=" + KeysJson()});
    ASSERT_GT(env.port(), 0) << env.log();
    httplib::Client client("127.0.0.1", env.port());
    auto r = client.Get("/v1/owners/bob/memories", Auth(kBobKey));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(env.Signal(SIGTERM), 0);
  }
}

TEST_F(ServeTest, OversizedBodyIs413WithAJsonError) {
  ServerProcess server(dir_, {"--keys", keys_path_, "--max-body", "2048"});
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client client("127.0.0.1", server.port());
  auto r = client.Post("/v1/owners/alice/memories", Auth(kAliceKey),
                       json{{"text", std::string(4096, 'x')}}.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  json body = json::parse(r->body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << r->body;
  EXPECT_EQ(body["error"]["code"], "too_large");
  EXPECT_FALSE(r->get_header_value("X-Request-Id").empty());
  EXPECT_EQ(server.Signal(SIGTERM), 0);
}

TEST_F(ServeTest, ConcurrentClientsAllSucceedAndDataIsConsistent) {
  ServerProcess server(dir_, {"--keys", keys_path_, "--threads", "8"});
  ASSERT_GT(server.port(), 0) << server.log();
  constexpr int kThreads = 8, kRequests = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      httplib::Client client("127.0.0.1", server.port());
      const char* key = t % 2 ? kBobKey : kAliceKey;
      const std::string owner = t % 2 ? "bob" : "alice";
      for (int i = 0; i < kRequests; ++i) {
        // Every fifth request reads; the others write distinct texts.
        httplib::Result r =
            i % 5 == 4
                ? client.Get(("/v1/owners/" + owner + "/memories?limit=10").c_str(), Auth(key))
                : client.Post(
                      ("/v1/owners/" + owner + "/memories").c_str(), Auth(key),
                      json{{"text", "thread " + std::to_string(t) + " note " + std::to_string(i)}}
                          .dump(),
                      "application/json");
        if (!r || r->status / 100 != 2) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);

  // Every write is there exactly once, under its own owner only.
  httplib::Client client("127.0.0.1", server.port());
  for (const auto& [owner, key] : {std::pair{"alice", kAliceKey}, std::pair{"bob", kBobKey}}) {
    auto r = client.Get((std::string("/v1/owners/") + owner + "/memories?limit=1000").c_str(),
                        Auth(key));
    ASSERT_TRUE(r);
    json page = json::parse(r->body);
    std::set<std::string> texts;
    for (const json& m : page["items"]) {
      texts.insert(m["text"].get<std::string>());
      EXPECT_EQ(m["owner_id"], owner);
    }
    EXPECT_EQ(page["items"].size(), texts.size());
    EXPECT_EQ(texts.size(), static_cast<size_t>(kThreads / 2 * kRequests * 4 / 5));
  }
  // Exit status 0 also means a sanitized build (TSan, ASan) found nothing to report.
  EXPECT_EQ(server.Signal(SIGTERM), 0);
  const std::string log = server.log();
  EXPECT_EQ(log.find("Sanitizer"), std::string::npos) << log;
}

// A Mem0 client's conversation, over the wire: Mem0's bodies, its X-API-Key header and its
// client's "Authorization: Token" scheme.
TEST_F(ServeTest, Mem0ClientFlowAndMetrics) {
  ServerProcess server(dir_, {"--keys", keys_path_});
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client client("127.0.0.1", server.port());
  const httplib::Headers mem0_key = {{"X-API-Key", kAliceKey}};
  const httplib::Headers token = {{"Authorization", std::string("Token ") + kAliceKey}};

  // Mem0 docs: POST /memories {"messages": [...], "user_id": "user123"}.
  auto added =
      client.Post("/memories", mem0_key,
                  json{{"messages",
                        {{{"role", "user"}, {"content", "I prefer dark mode in all apps"}},
                         {{"role", "assistant"}, {"content", "Noted, you prefer dark mode."}}}},
                       {"user_id", "alice"}}
                      .dump(),
                  "application/json");
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 200) << added->body;
  json results = json::parse(added->body)["results"];
  ASSERT_FALSE(results.empty()) << added->body;
  EXPECT_EQ(results[0]["event"], "ADD");

  auto all = client.Get("/memories?user_id=alice", token);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->status, 200);
  EXPECT_EQ(json::parse(all->body)["results"].size(), results.size());

  // Mem0 docs: POST /search {"query": "What are my UI preferences?", "user_id": "user123"}.
  auto found =
      client.Post("/search", mem0_key,
                  json{{"query", "What are my UI preferences?"}, {"user_id", "alice"}}.dump(),
                  "application/json");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->status, 200) << found->body;
  json hits = json::parse(found->body)["results"];
  ASSERT_FALSE(hits.empty());
  EXPECT_TRUE(hits[0]["score"].is_number());

  auto bob = client.Get("/memories?user_id=alice", {{"X-API-Key", kBobKey}});
  ASSERT_TRUE(bob);
  EXPECT_EQ(bob->status, 403);

  auto metrics = client.Get("/metrics", Auth(kAdminKey));
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("engram_http_requests_total{method=\"POST\",route=\"/memories\","
                               "status=\"200\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(
      metrics->body.find("engram_memories{type=\"preference\"} " + std::to_string(results.size())),
      std::string::npos)
      << metrics->body;

  auto wiped = client.Delete("/memories?user_id=alice", mem0_key);
  ASSERT_TRUE(wiped);
  EXPECT_EQ(wiped->status, 200);
  auto empty = client.Get("/memories?user_id=alice", mem0_key);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(json::parse(empty->body)["results"].empty());
  EXPECT_EQ(server.Signal(SIGTERM), 0);
}

// A signal that arrives as soon as the address is printed (before the accept loop runs) still
// stops the server cleanly.
TEST_F(ServeTest, SigtermRightAfterStartupExitsZero) {
  for (int i = 0; i < 3; ++i) {
    ServerProcess server(dir_, {"--keys", keys_path_});
    ASSERT_GT(server.port(), 0) << server.log();
    EXPECT_EQ(server.Signal(SIGTERM), 0) << server.log();
  }
}

// Connects to 127.0.0.1:port; -1 on failure.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// Reads from `fd` until the peer closes; nullopt when `limit` passes first.
std::optional<std::string> ReadUntilClosed(int fd, std::chrono::milliseconds limit) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(limit.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((limit.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  if (n < 0) return std::nullopt;
  return out;
}

// Waits until the server's log contains `text` (the log is the only signal a test can see).
bool LogShows(const ServerProcess& server, const std::string& text) {
  for (int i = 0; i < 500; ++i) {
    if (server.log().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST_F(ServeTest, SigtermFinishesInFlightRequestsThenExitsZero) {
  ServerProcess server(dir_, {"--keys", keys_path_});
  ASSERT_GT(server.port(), 0) << server.log();
  // Requests in flight when SIGTERM arrives: their bodies are only half sent.
  std::vector<int> fds;
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    bodies.push_back(json{{"text", "said just before shutdown, #" + std::to_string(i)}}.dump());
    const std::string& body = bodies.back();
    const int fd = Connect(server.port());
    ASSERT_GE(fd, 0);
    // An answered request first: the connection is then accepted and served, for certain.
    SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    char buf[4096];
    const ssize_t got = recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(got, 0);
    ASSERT_EQ(std::string(buf, static_cast<size_t>(got)).rfind("HTTP/1.1 200", 0), 0u);
    SendAll(fd, "POST /v1/owners/alice/memories HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                    std::string(kAliceKey) +
                    "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    "Content-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, 5));
    fds.push_back(fd);
  }
  kill(server.pid(), SIGTERM);
  // The rest of each body arrives once the server is already stopping.
  ASSERT_TRUE(LogShows(server, "SIGTERM: finishing in-flight requests")) << server.log();
  for (size_t i = 0; i < fds.size(); ++i) SendAll(fds[i], bodies[i].substr(5));
  for (int fd : fds) {
    std::string response;
    char buf[4096];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) response.append(buf, static_cast<size_t>(n));
    close(fd);
    EXPECT_EQ(response.rfind("HTTP/1.1 201", 0), 0u) << response;
  }
  EXPECT_EQ(server.Wait(), 0);
  EXPECT_NE(server.log().find("SIGTERM: finishing in-flight requests"), std::string::npos);
  // The server is gone: nobody listens on its port any more.
  EXPECT_EQ(Connect(server.port()), -1);

  // The writes were committed: a new server on the same database sees them.
  ServerProcess again(dir_, {"--keys", keys_path_});
  ASSERT_GT(again.port(), 0);
  httplib::Client client("127.0.0.1", again.port());
  auto r = client.Get("/v1/owners/alice/memories", Auth(kAliceKey));
  ASSERT_TRUE(r);
  json page = json::parse(r->body);
  ASSERT_EQ(page["items"].size(), 3u);
  EXPECT_EQ(page["items"][0]["text"].get<std::string>().rfind("said just before shutdown", 0), 0u);
  EXPECT_EQ(again.Signal(SIGTERM), 0);
}

TEST_F(ServeTest, SlowClientsDoNotStopOthersBeingServed) {
  ServerProcess server(dir_, {"--keys", keys_path_, "--threads", "2", "--timeout", "2"});
  ASSERT_GT(server.port(), 0) << server.log();
  // More trickling connections than worker threads, each one header line short of a request.
  std::vector<int> slow;
  for (int i = 0; i < 8; ++i) {
    const int fd = Connect(server.port());
    ASSERT_GE(fd, 0);
    SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    slow.push_back(fd);
  }
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(5, 0);
  for (int i = 0; i < 3; ++i) {
    auto health = client.Get("/healthz");
    ASSERT_TRUE(health) << "the server stopped answering";
    EXPECT_EQ(health->status, 200);
    for (int fd : slow) SendAll(fd, "X-Trickle: " + std::to_string(i) + "\r\n");
  }
  // A request must arrive whole within --timeout of its first byte: trickling does not keep
  // the connection.
  for (int fd : slow) {
    const std::optional<std::string> answer = ReadUntilClosed(fd, std::chrono::seconds(20));
    ASSERT_TRUE(answer.has_value()) << "a trickling connection was kept open";
    EXPECT_TRUE(answer->empty() || answer->rfind("HTTP/1.1 400", 0) == 0) << *answer;
    close(fd);
  }
}

TEST_F(ServeTest, MalformedOrHugeContentLengthIsAnsweredAtOnce) {
  ServerProcess server(dir_, {"--keys", keys_path_, "--timeout", "60"});
  ASSERT_GT(server.port(), 0) << server.log();
  const std::string head =
      "POST /v1/owners/alice/memories HTTP/1.1\r\nHost: x\r\nAuthorization: "
      "Bearer " +
      std::string(kAliceKey) + "\r\nContent-Type: application/json\r\n";
  for (const auto& [length, status] :
       std::vector<std::pair<std::string, std::string>>{{"-1", "400"},
                                                        {"abc", "400"},
                                                        {"99999999999999999999999", "400"},
                                                        {"99999999999", "413"}}) {
    const int fd = Connect(server.port());
    ASSERT_GE(fd, 0);
    SendAll(fd, head + "Content-Length: " + length + "\r\n\r\n{\"text\":\"x\"}");
    // Answered well before the 60 s read timeout, and the connection is closed.
    const std::string response =
        ReadUntilClosed(fd, std::chrono::seconds(20)).value_or("(no answer)");
    close(fd);
    EXPECT_EQ(response.rfind("HTTP/1.1 " + status, 0), 0u) << length << ": " << response;
  }
  const int fd = Connect(server.port());
  SendAll(fd, head + "Content-Length: 12\r\nContent-Length: 13\r\n\r\n{\"text\":\"x\"}");
  EXPECT_EQ(ReadUntilClosed(fd, std::chrono::seconds(20)).value_or("").rfind("HTTP/1.1 400", 0),
            0u);
  close(fd);
}

// A response leaves in one write on a TCP_NODELAY socket (server/connection.h): on a keep-alive
// connection, the first read after the answer is readable holds all of it. Headers and body in
// two writes with Nagle's algorithm on held the body back for the client's delayed ACK (~40 ms,
// 3 requests in 5); that read then held the headers only. Latency itself is measured in
// bench/server/connection_bench.py.
TEST_F(ServeTest, EachResponseArrivesWholeInOneReadOnAKeepAliveConnection) {
  ServerProcess server(dir_, {"--keys", keys_path_});
  ASSERT_GT(server.port(), 0) << server.log();
  const int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  const std::string body = json{{"text", "the kettle is in the second cupboard"}}.dump();
  for (int i = 0; i < 10; ++i) {
    SendAll(fd, i % 2 == 0 ? "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                           : "POST /v1/owners/alice/memories HTTP/1.1\r\nHost: x\r\n"
                             "Authorization: Bearer " +
                                 std::string(kAliceKey) +
                                 "\r\nContent-Type: application/json\r\nContent-Length: " +
                                 std::to_string(body.size()) + "\r\n\r\n" + body);
    pollfd p{fd, POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 20000), 1) << "request " << i << " got no answer";
    char buf[65536];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    const std::string got(buf, static_cast<size_t>(n));
    const size_t head_end = got.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << got;
    const size_t length_at = got.find("Content-Length: ");
    ASSERT_NE(length_at, std::string::npos) << got;
    const size_t length = std::stoul(got.substr(length_at + 16));
    EXPECT_EQ(got.size(), head_end + 4 + length) << "request " << i << ": " << got;
  }
  close(fd);
}

// docs/cli.md: `serve --index-memory SIZE` sets the search partitions' budget (1024-based
// suffixes); a size that is not one refuses to start.
TEST_F(ServeTest, IndexMemorySetsThePartitionBudget) {
  ServerProcess server(dir_, {"--keys", keys_path_, "--index-memory", "3M"});
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client client("127.0.0.1", server.port());
  auto metrics = client.Get("/metrics", Auth(kAdminKey));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\nengram_index_budget_bytes 3145728\n"), std::string::npos)
      << metrics->body;
  ServerProcess bad(dir_, {"--keys", keys_path_, "--index-memory", "lots"});
  EXPECT_EQ(bad.port(), 0);
  EXPECT_NE(bad.Wait(), 0);
}

TEST_F(ServeTest, SigtermAnswersARequestAlreadyReceivedOnAKeepAliveConnection) {
  ServerProcess server(dir_, {"--keys", keys_path_});
  ASSERT_GT(server.port(), 0) << server.log();
  const int fd = Connect(server.port());
  ASSERT_GE(fd, 0);
  // One answered request makes the connection an accepted, idle keep-alive connection.
  SendAll(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  char buf[4096];
  const ssize_t n = recv(fd, buf, sizeof buf, 0);
  ASSERT_GT(n, 0);
  ASSERT_EQ(std::string(buf, static_cast<size_t>(n)).rfind("HTTP/1.1 200", 0), 0u);
  // The next request is in the server's socket buffer before the signal is sent.
  const std::string body = json{{"text", "sent on a kept-alive connection"}}.dump();
  SendAll(fd, "POST /v1/owners/alice/memories HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                  std::string(kAliceKey) +
                  "\r\nContent-Type: application/json\r\nContent-Length: " +
                  std::to_string(body.size()) + "\r\n\r\n" + body);
  kill(server.pid(), SIGTERM);
  const std::string response =
      ReadUntilClosed(fd, std::chrono::seconds(20)).value_or("(no answer)");
  close(fd);
  // The server may read the request before or after it sees the signal, so the answer may or
  // may not say "Connection: close"; either way it is answered and the connection then closes.
  EXPECT_EQ(response.rfind("HTTP/1.1 201", 0), 0u) << response;
  EXPECT_EQ(server.Wait(), 0) << server.log();
}

// kill -9 in the middle of concurrent writes: every write the server acknowledged (201) is
// there after a restart on the same database, in every cycle.
TEST_F(ServeTest, KillNineLosesNoAcknowledgedWrite) {
  constexpr int kCycles = 3, kWriters = 4;
  std::set<std::string> acknowledged;
  std::mt19937 rng(7);
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    ServerProcess server(dir_, {"--keys", keys_path_});
    ASSERT_GT(server.port(), 0) << server.log();
    std::mutex mu;
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        httplib::Client client("127.0.0.1", server.port());
        client.set_read_timeout(5, 0);
        for (int i = 0; !stop; ++i) {
          const std::string text = "cycle " + std::to_string(cycle) + " writer " +
                                   std::to_string(w) + " note " + std::to_string(i);
          auto r = client.Post("/v1/owners/alice/memories", Auth(kAliceKey),
                               json{{"text", text}}.dump(), "application/json");
          if (!r) return;  // the server is gone
          if (r->status == 201) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged.insert(json::parse(r->body)["memory"]["id"].get<std::string>());
          }
        }
      });
    }
    // The moment of the kill is the experiment: somewhere in the middle of the writes.
    std::this_thread::sleep_for(std::chrono::milliseconds(200 + rng() % 400));
    EXPECT_EQ(server.Signal(SIGKILL), 128 + SIGKILL);
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_FALSE(acknowledged.empty());
  ServerProcess again(dir_, {"--keys", keys_path_});
  ASSERT_GT(again.port(), 0) << again.log();
  httplib::Client client("127.0.0.1", again.port());
  size_t found = 0;
  for (const std::string& id : acknowledged) {
    auto r = client.Get(("/v1/owners/alice/memories/" + id).c_str(), Auth(kAliceKey));
    found += r && r->status == 200;
  }
  EXPECT_EQ(found, acknowledged.size());
}

// Two `engram serve` processes, each with its own memory file, share session state through one
// Redis: what one appends the other reads, extends, pops and summarizes at once, as behind a load
// balancer.
TEST_F(ServeTest, TwoServersShareSessionsThroughOneRedis) {
  ENGRAM_REQUIRE_REDIS(redis);
  const std::string sessions = redis->NewUrl();
  testing::TempDir other;
  ServerProcess a(dir_, {"--keys", keys_path_, "--sessions", sessions});
  ServerProcess b(other, {"--keys", keys_path_, "--sessions", sessions});
  ASSERT_GT(a.port(), 0) << a.log();
  ASSERT_GT(b.port(), 0) << b.log();
  httplib::Client on_a("127.0.0.1", a.port()), on_b("127.0.0.1", b.port());
  const std::string items = "/v1/owners/alice/sessions/trip/items";
  const json turn = {
      {"items",
       {{{"role", "user"}, {"content", "what is the weather in Oslo?"}},
        {{"role", "assistant"},
         {"content", ""},
         {"tool_calls", {{{"id", "c1"}, {"name", "weather"}}}}},
        {{"role", "tool"}, {"content", "4 degrees, rain"}, {"tool_call_id", "c1"}}}}};
  auto r = on_a.Post(items.c_str(), Auth(kAliceKey), turn.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 201) << r->body;

  r = on_b.Get((items + "?last_n=1").c_str(), Auth(kAliceKey));
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no reply");
  json got = json::parse(r->body)["items"];
  ASSERT_EQ(got.size(), 2u) << got;  // the result comes with its call
  EXPECT_EQ(got[0]["role"], "assistant");
  EXPECT_EQ(got[1]["content"], "4 degrees, rain");

  const json answer = {{"items", {{{"role", "assistant"}, {"content", "Cold and wet."}}}}};
  r = on_b.Post(items.c_str(), Auth(kAliceKey), answer.dump(), "application/json");
  ASSERT_TRUE(r && r->status == 201) << (r ? r->body : "no reply");
  EXPECT_EQ(json::parse(r->body)["items"][0]["seq"], 4);
  r = on_a.Get(items.c_str(), Auth(kAliceKey));
  ASSERT_TRUE(r && r->status == 200);
  EXPECT_EQ(json::parse(r->body)["items"].size(), 4u);

  r = on_a.Post("/v1/owners/alice/sessions/trip/pop", Auth(kAliceKey), "{}", "application/json");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no reply");
  EXPECT_EQ(json::parse(r->body)["item"]["content"], "Cold and wet.");
  r = on_b.Get(items.c_str(), Auth(kAliceKey));
  ASSERT_TRUE(r && r->status == 200);
  EXPECT_EQ(json::parse(r->body)["items"].size(), 3u);

  r = on_b.Put("/v1/owners/alice/sessions/trip/summary", Auth(kAliceKey),
               json{{"text", "asked about Oslo's weather"}}.dump(), "application/json");
  ASSERT_TRUE(r && r->status == 200) << (r ? r->body : "no reply");
  r = on_a.Get("/v1/owners/alice/sessions/trip/summary", Auth(kAliceKey));
  ASSERT_TRUE(r && r->status == 200);
  EXPECT_EQ(json::parse(r->body)["summary"]["text"], "asked about Oslo's weather");
}

}  // namespace
}  // namespace engram::server
