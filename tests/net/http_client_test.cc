// HttpClient against the fake OpenAI server on loopback: the wire, the URL rules, the size cap,
// timeouts and the retry policy (with an injected sleeper, so no test really waits).
#include "net/http_client.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "fakes/fake_server.h"

namespace engram::net {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::FakeServer;

// Records the waits a RetryPolicy asks for instead of sleeping.
class SleepRecorder {
 public:
  RetryPolicy Policy(int max_attempts) {
    RetryPolicy policy;
    policy.max_attempts = max_attempts;
    policy.initial_backoff = milliseconds(100);
    policy.sleep = [this](milliseconds d) {
      std::lock_guard<std::mutex> lock(mu_);
      waits_.push_back(d);
    };
    return policy;
  }
  std::vector<milliseconds> waits() {
    std::lock_guard<std::mutex> lock(mu_);
    return waits_;
  }

 private:
  std::mutex mu_;
  std::vector<milliseconds> waits_;
};

class HttpClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    server_ = FakeServer::Start("fake_openai.py", {}, &error).release();
    ASSERT_NE(server_, nullptr) << error;
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(server_, nullptr);
    ASSERT_TRUE(server_->Reset());
  }

  static HttpRequest EmbeddingsRequest() {
    HttpRequest request;
    request.method = "POST";
    request.url = server_->Url("/v1/embeddings");
    request.headers = {{"Content-Type", "application/json"}};
    request.body = R"({"model": "m", "input": ["a", "b"]})";
    return request;
  }

  static FakeServer* server_;
  HttpClient client_;
  SleepRecorder sleeper_;
};

FakeServer* HttpClientTest::server_ = nullptr;

TEST_F(HttpClientTest, PostSendsHeadersAndBodyAndReturnsTheResponse) {
  auto response = client_.Post(server_->Url("/v1/embeddings"),
                               {{"Content-Type", "application/json"}, {"X-Trace", "t-1"}},
                               R"({"model": "m", "input": ["a", "b"]})");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("Content-Type"), "application/json");
  EXPECT_EQ(response->Header("CONTENT-TYPE"), response->Header("content-type"));
  EXPECT_FALSE(response->Header("retry-after").has_value());
  const json body = json::parse(response->body);
  EXPECT_EQ(body["data"].size(), 2u);

  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["method"], "POST");
  EXPECT_EQ(requests[0]["path"], "/v1/embeddings");
  EXPECT_EQ(requests[0]["headers"]["content-type"], "application/json");
  EXPECT_EQ(requests[0]["headers"]["x-trace"], "t-1");
  EXPECT_FALSE(requests[0]["headers"].contains("expect"));
  EXPECT_EQ(requests[0]["body"], R"({"model": "m", "input": ["a", "b"]})");
}

TEST_F(HttpClientTest, GetWorks) {
  auto response = client_.Get(server_->Url("/v1/models"), {});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(json::parse(response->body)["data"][0]["id"], "text-embedding-3-small");
  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["method"], "GET");
}

TEST_F(HttpClientTest, SendReturnsErrorStatusesAsResponses) {
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", 404}}}));
  auto response = client_.Send(EmbeddingsRequest());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 404);
  EXPECT_NE(response->body.find("fake error 404"), std::string::npos);
}

TEST_F(HttpClientTest, RefusesPlainHttpToNonLoopbackHostsBeforeConnecting) {
  // No network in tests: an attempt to connect would fail as Unavailable, not InvalidArgument.
  auto response = client_.Get("http://example.com/v1/models", {});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(response.status().message().find("example.com"), std::string::npos);
  auto retried =
      client_.SendWithRetry({"GET", "http://example.com/", {}, "", {}}, sleeper_.Policy(3));
  EXPECT_EQ(retried.status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(sleeper_.waits().empty());

  HttpOptions allow;
  allow.allow_insecure_http = true;
  EXPECT_TRUE(CheckUrl("http://example.com/v1", allow).ok());
  EXPECT_TRUE(CheckUrl("https://example.com/v1", {}).ok());
  for (const char* url :
       {"http://127.0.0.1:1/", "http://127.8.9.10/", "http://localhost:8/x", "http://[::1]:8/x"}) {
    EXPECT_TRUE(CheckUrl(url, {}).ok()) << url;
  }
  for (const char* url : {"http://128.0.0.1/", "http://localhost.example.com/",
                          "http://127.0.0.1.nip.io/", "http://0.0.0.0/"}) {
    EXPECT_EQ(CheckUrl(url, {}).code(), Status::Code::kInvalidArgument) << url;
  }
}

TEST_F(HttpClientTest, RefusesOtherSchemesAndRelativeUrls) {
  for (const char* url :
       {"ftp://127.0.0.1/x", "file:///etc/passwd", "127.0.0.1:80/x", "", "/v1/embeddings"}) {
    auto response = client_.Get(url, {});
    EXPECT_EQ(response.status().code(), Status::Code::kInvalidArgument) << url;
  }
  HttpRequest put = EmbeddingsRequest();
  put.method = "PUT";
  EXPECT_EQ(client_.Send(put).status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(server_->Requests().empty());
}

TEST_F(HttpClientTest, RejectsHeaderInjectionWithoutEchoingTheValue) {
  HttpRequest request = EmbeddingsRequest();
  request.headers.emplace_back("Authorization", "Bearer sk-abc\r\nX-Evil: 1");
  auto response = client_.Send(request);
  ASSERT_EQ(response.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(response.status().message().find("sk-abc"), std::string::npos);
  request.headers.back() = {"Bad Name", "v"};
  EXPECT_EQ(client_.Send(request).status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(server_->Requests().empty());
}

TEST_F(HttpClientTest, HttpsVerifiesAndTlsFailuresAreNotRetried) {
  // The fake speaks plain HTTP, so the TLS handshake fails; retrying would not help.
  HttpRequest request = EmbeddingsRequest();
  request.url = "https://127.0.0.1:" + std::to_string(server_->port()) + "/v1/embeddings";
  auto response = client_.SendWithRetry(request, sleeper_.Policy(3));
  EXPECT_EQ(response.status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(HttpClientTest, ResponsesOverTheCapAreTooLarge) {
  HttpOptions options;
  options.max_response_bytes = 64;
  HttpClient small(options);
  auto response = small.Send(EmbeddingsRequest());
  EXPECT_EQ(response.status().code(), Status::Code::kTooLarge);
  EXPECT_NE(response.status().message().find("64 bytes"), std::string::npos);
}

TEST_F(HttpClientTest, RetryHonoursRetryAfterSecondsThenSucceeds) {
  ASSERT_TRUE(server_->Enqueue(
      {{{"action", "reply"}, {"status", 429}, {"headers", {{"Retry-After", "7"}}}}}));
  auto response = client_.SendWithRetry(EmbeddingsRequest(), sleeper_.Policy(3));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(sleeper_.waits(), std::vector<milliseconds>{milliseconds(7000)});
  EXPECT_EQ(server_->Requests().size(), 2u);
}

TEST_F(HttpClientTest, RetryAfterMsIsUsedAndLongWaitsAreCapped) {
  ASSERT_TRUE(server_->Enqueue(json::array(
      {{{"action", "reply"}, {"status", 503}, {"headers", {{"retry-after-ms", "1500"}}}},
       {{"action", "reply"}, {"status", 429}, {"headers", {{"Retry-After", "3600"}}}}})));
  RetryPolicy policy = sleeper_.Policy(3);
  policy.max_retry_after = milliseconds(30'000);
  auto response = client_.SendWithRetry(EmbeddingsRequest(), policy);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(sleeper_.waits(),
            (std::vector<milliseconds>{milliseconds(1500), milliseconds(30'000)}));
}

TEST_F(HttpClientTest, ServerErrorsAreRetriedWithBackoffThenUnavailable) {
  const json error500 = {{"action", "reply"}, {"status", 500}};
  ASSERT_TRUE(server_->Enqueue({error500, error500, error500}));
  auto response = client_.SendWithRetry(EmbeddingsRequest(), sleeper_.Policy(3));
  ASSERT_EQ(response.status().code(), Status::Code::kUnavailable);
  const std::string& msg = response.status().message();
  EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(server_->port()) + "/v1/embeddings"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("HTTP 500"), std::string::npos) << msg;
  EXPECT_NE(msg.find("after 3 attempts"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("input"), std::string::npos) << "the body must not leak: " << msg;
  EXPECT_EQ(server_->Requests().size(), 3u);
  // Exponential with jitter: retry n waits within [half, all] of 100 ms * 2^(n-1).
  const auto waits = sleeper_.waits();
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_GE(waits[0], milliseconds(50));
  EXPECT_LE(waits[0], milliseconds(100));
  EXPECT_GE(waits[1], milliseconds(100));
  EXPECT_LE(waits[1], milliseconds(200));
}

TEST_F(HttpClientTest, AuthFailuresArePermissionDeniedAndNeverShowTheKey) {
  for (int status : {401, 403}) {
    ASSERT_TRUE(server_->Reset());
    ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", status}}}));
    HttpRequest request = EmbeddingsRequest();
    request.headers.emplace_back("Authorization", "Bearer sk-secret-123");
    auto response = client_.SendWithRetry(request, sleeper_.Policy(3));
    ASSERT_EQ(response.status().code(), Status::Code::kPermissionDenied) << status;
    EXPECT_NE(response.status().message().find("HTTP " + std::to_string(status)),
              std::string::npos);
    EXPECT_EQ(response.status().ToString().find("sk-secret"), std::string::npos);
    EXPECT_EQ(server_->Requests().size(), 1u) << "not retried";
  }
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(HttpClientTest, OtherClientErrorsAreInvalidArgumentAndNotRetried) {
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", 400}}}));
  auto response = client_.SendWithRetry(EmbeddingsRequest(), sleeper_.Policy(3));
  EXPECT_EQ(response.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(server_->Requests().size(), 1u);
  EXPECT_TRUE(sleeper_.waits().empty());
}

TEST_F(HttpClientTest, TimeoutsAreUnavailable) {
  const json stall = {{"action", "stall"}, {"seconds", 3}};
  ASSERT_TRUE(server_->Enqueue({stall, stall}));
  HttpRequest request = EmbeddingsRequest();
  request.timeout = milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto response = client_.SendWithRetry(request, sleeper_.Policy(2));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(response.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(response.status().message().find("timed out after 200 ms"), std::string::npos)
      << response.status().message();
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
  EXPECT_EQ(server_->Requests().size(), 2u);
}

TEST_F(HttpClientTest, ConnectionFailuresAreRetriedThenUnavailable) {
  // A port that was just free: nothing listens there, so connecting is refused.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  HttpRequest request = EmbeddingsRequest();
  request.url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/v1/embeddings";
  auto response = client_.SendWithRetry(request, sleeper_.Policy(3));
  ASSERT_EQ(response.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(response.status().message().find("after 3 attempts"), std::string::npos)
      << response.status().message();
  EXPECT_EQ(sleeper_.waits().size(), 2u);
}

TEST_F(HttpClientTest, DroppedConnectionsAreRetried) {
  ASSERT_TRUE(server_->Enqueue({{{"action", "drop"}}}));
  auto response = client_.SendWithRetry(EmbeddingsRequest(), sleeper_.Policy(3));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(sleeper_.waits().size(), 1u);
  EXPECT_EQ(server_->Requests().size(), 2u);
}

TEST_F(HttpClientTest, ConcurrentCallsFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto response = client_.Send(EmbeddingsRequest());
        if (response.ok() && response->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_EQ(server_->Requests().size(), 40u);
}

TEST(HttpStatusToStatusTest, MapsStatusClasses) {
  const HttpRequest request{"POST", "https://api.example.com/v1/x?key=secret", {}, "body", {}};
  EXPECT_TRUE(HttpStatusToStatus(request, 200).ok());
  EXPECT_TRUE(HttpStatusToStatus(request, 204).ok());
  EXPECT_EQ(HttpStatusToStatus(request, 302).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(HttpStatusToStatus(request, 404).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(HttpStatusToStatus(request, 401).code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(HttpStatusToStatus(request, 403).code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(HttpStatusToStatus(request, 408).code(), Status::Code::kUnavailable);
  EXPECT_EQ(HttpStatusToStatus(request, 429).code(), Status::Code::kUnavailable);
  EXPECT_EQ(HttpStatusToStatus(request, 503).code(), Status::Code::kUnavailable);
  EXPECT_EQ(HttpStatusToStatus(request, 503, 4).message(),
            "POST api.example.com/v1/x: HTTP 503 after 4 attempts");
}

TEST(ParseRetryAfterTest, SecondsAndHttpDates) {
  const std::time_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(ParseRetryAfter("120", now), milliseconds(120'000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("99999999999999999999", now), milliseconds(86'400'000));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now), milliseconds(30'000));
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", now), milliseconds(60'000));
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:28:05 2015", now), milliseconds(5'000));
  EXPECT_EQ(ParseRetryAfter("Tue, 20 Oct 2015 07:28:00 GMT", now), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
}

TEST(UrlTest, LoopbackHostsAndDescriptions) {
  for (const char* host : {"localhost", "LocalHost", "127.0.0.1", "127.255.0.9", "::1", "[::1]"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"", "example.com", "128.0.0.1", "0.0.0.0", "::", "[::2]",
                           "localhost.example.com", "127.0.0.1.nip.io"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
  EXPECT_EQ(DescribeUrl("https://user:pw@api.example.com:8443/v1/x?key=secret#frag"),
            "api.example.com:8443/v1/x");
  EXPECT_EQ(DescribeUrl("https://api.openai.com/v1/embeddings"), "api.openai.com/v1/embeddings");
  EXPECT_EQ(DescribeUrl("not a url"), "(invalid URL)");
}

}  // namespace
}  // namespace engram::net
