// Backpressure: requests beyond the handler limit wait in a bounded queue; one that finds it full
// is answered at once with 503 `overloaded` and Retry-After, and the server serves again as soon
// as a handler is free.
#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "api_fixture.h"
#include "server/http_server.h"

namespace engram::server {
namespace {

TEST_F(ApiTest, ARequestThatFindsTheQueueFullIs503WithRetryAfter) {
  ServerOptions options;
  options.log = nullptr;
  options.threads = 1;
  options.max_queued = 0;
  HttpServer server(*api_, options);
  // A route whose handler holds the only handler slot until the test lets it go.
  std::promise<void> entered;
  std::promise<void> leave;
  std::shared_future<void> may_leave = leave.get_future().share();
  server.Mount("/hold", [&](const HttpRequest&, const HttpServer::HeaderLookup&) {
    entered.set_value();
    may_leave.wait();
    HttpResponse r;
    r.body = "{}";
    return r;
  });
  ASSERT_TRUE(server.Bind().ok());
  std::thread serving([&] { EXPECT_TRUE(server.Run().ok()); });

  std::future<int> held = std::async(std::launch::async, [&] {
    httplib::Client client("127.0.0.1", server.port());
    auto r = client.Get("/hold");
    return r ? r->status : -1;
  });
  entered.get_future().wait();

  httplib::Client client("127.0.0.1", server.port());
  auto refused = client.Get("/healthz");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->get_header_value("Retry-After"), "1");
  EXPECT_EQ(nlohmann::json::parse(refused->body)["error"]["code"], "overloaded");

  leave.set_value();
  EXPECT_EQ(held.get(), 200);
  auto served = client.Get("/healthz");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);

  server.Stop();
  serving.join();
}

}  // namespace
}  // namespace engram::server
