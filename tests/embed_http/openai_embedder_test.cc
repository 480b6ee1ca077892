// OpenAiEmbedder against the fake OpenAI server: the documented request shape, batching and
// reassembly, retries, and a clear Status for every way a server can misbehave.
#include "embed/http/openai_embedder.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "fakes/fake_server.h"

namespace engram::embed {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using testing::FakeServer;

constexpr int kFakeDim = 16;  // the fake server's default

double Norm(const std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  return std::sqrt(sum);
}

// Sets environment variables for one test and restores the previous values afterwards.
class ScopedEnv {
 public:
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) {
        setenv(name.c_str(), old->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  void Set(const std::string& name, const char* value) {
    if (!saved_.count(name)) {
      const char* old = getenv(name.c_str());
      saved_[name] = old ? std::optional<std::string>(old) : std::nullopt;
    }
    if (value) {
      setenv(name.c_str(), value, 1);
    } else {
      unsetenv(name.c_str());
    }
  }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

class OpenAiEmbedderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    server_ =
        FakeServer::Start("fake_openai.py", {"--dim", std::to_string(kFakeDim)}, &error).release();
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

  OpenAiEmbedderConfig Config() {
    OpenAiEmbedderConfig config;
    config.base_url = server_->Url("/v1");
    config.api_key = "sk-test-key-0123456789";
    config.http.timeout = milliseconds(5000);
    config.retry.max_attempts = 3;
    config.retry.sleep = [this](milliseconds d) {
      std::lock_guard<std::mutex> lock(mu_);
      waits_.push_back(d);
    };
    return config;
  }

  std::unique_ptr<OpenAiEmbedder> Make(OpenAiEmbedderConfig config) {
    auto embedder = OpenAiEmbedder::Create(std::move(config));
    EXPECT_TRUE(embedder.ok()) << embedder.status().ToString();
    return embedder.ok() ? std::move(embedder).value() : nullptr;
  }

  static std::vector<json> Bodies() {
    std::vector<json> bodies;
    for (const json& r : server_->Requests())
      bodies.push_back(json::parse(r["body"].get<std::string>()));
    return bodies;
  }

  std::vector<milliseconds> waits() {
    std::lock_guard<std::mutex> lock(mu_);
    return waits_;
  }

  static FakeServer* server_;
  std::mutex mu_;
  std::vector<milliseconds> waits_;
};

FakeServer* OpenAiEmbedderTest::server_ = nullptr;

TEST_F(OpenAiEmbedderTest, RequestMatchesTheOpenAiEmbeddingsApi) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->dimension(), 0) << "learned from the first response";
  const std::vector<std::string> texts = {"hello", "world"};
  std::vector<std::vector<float>> out;
  ASSERT_TRUE(embedder->Embed(texts, &out).ok());

  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["method"], "POST");
  EXPECT_EQ(requests[0]["path"], "/v1/embeddings");
  EXPECT_EQ(requests[0]["headers"]["authorization"], "Bearer sk-test-key-0123456789");
  EXPECT_EQ(requests[0]["headers"]["content-type"], "application/json");
  EXPECT_EQ(json::parse(requests[0]["body"].get<std::string>()),
            json({{"model", "text-embedding-3-small"},
                  {"input", json::array({"hello", "world"})},
                  {"encoding_format", "float"}}));

  ASSERT_EQ(out.size(), 2u);
  for (const auto& v : out) {
    EXPECT_EQ(v.size(), size_t{kFakeDim});
    EXPECT_NEAR(Norm(v), 1.0, 1e-5);
  }
  EXPECT_NE(out[0], out[1]);
  EXPECT_EQ(embedder->dimension(), kFakeDim);
}

TEST_F(OpenAiEmbedderTest, SendsDimensionsOnlyWhenConfiguredAndAuthorizationOnlyWithAKey) {
  OpenAiEmbedderConfig config = Config();
  config.api_key.clear();
  config.dimensions = 8;
  auto embedder = Make(config);
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->dimension(), 8);
  std::vector<std::vector<float>> out;
  ASSERT_TRUE(embedder->Embed(std::vector<std::string>{"x"}, &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].size(), 8u);
  const auto requests = server_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0]["headers"].contains("authorization"));
  EXPECT_EQ(Bodies()[0]["dimensions"], 8);
}

TEST_F(OpenAiEmbedderTest, TrailingSlashInTheBaseUrl) {
  OpenAiEmbedderConfig config = Config();
  config.base_url += "/";
  auto embedder = Make(config);
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->endpoint(), server_->Url("/v1/embeddings"));
  std::vector<std::vector<float>> out;
  ASSERT_TRUE(embedder->Embed(std::vector<std::string>{"x"}, &out).ok());
  EXPECT_EQ(server_->Requests()[0]["path"], "/v1/embeddings");
}

TEST_F(OpenAiEmbedderTest, SplitsLargeInputsIntoBatchesAndKeepsTheOrder) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) texts.push_back("text number " + std::to_string(i));
  std::vector<std::vector<float>> out;
  ASSERT_TRUE(embedder->Embed(texts, &out).ok());
  ASSERT_EQ(out.size(), 300u);

  const auto bodies = Bodies();
  ASSERT_EQ(bodies.size(), 3u);
  size_t next = 0;
  for (size_t b = 0; b < 3; ++b) {
    EXPECT_EQ(bodies[b]["input"].size(), b < 2 ? 128u : 44u);
    for (const json& text : bodies[b]["input"]) EXPECT_EQ(text, texts[next++]);
  }
  // Each vector is the one its own text gets alone.
  for (size_t i : {0, 127, 128, 255, 256, 299}) {
    std::vector<std::vector<float>> single;
    ASSERT_TRUE(embedder->Embed(std::span(&texts[i], 1), &single).ok());
    EXPECT_EQ(single[0], out[i]) << i;
  }
}

TEST_F(OpenAiEmbedderTest, ByteBudgetSplitsBatchesAndAnOversizedTextGoesAlone) {
  OpenAiEmbedderConfig config = Config();
  config.max_batch_bytes = 10;
  auto embedder = Make(config);
  ASSERT_NE(embedder, nullptr);
  const std::vector<std::string> texts = {"aaaa", "bbbb", "cccc", "this one is too long", "dddd"};
  std::vector<std::vector<float>> out;
  ASSERT_TRUE(embedder->Embed(texts, &out).ok());
  EXPECT_EQ(out.size(), 5u);
  std::vector<size_t> sizes;
  for (const json& body : Bodies()) sizes.push_back(body["input"].size());
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 1, 1, 1}));
}

TEST_F(OpenAiEmbedderTest, PlacesVectorsByIndexWhenTheServerReordersThem) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  const std::vector<std::string> texts = {"first", "second", "third", "fourth"};
  std::vector<std::vector<float>> in_order, reversed;
  ASSERT_TRUE(embedder->Embed(texts, &in_order).ok());
  ASSERT_TRUE(server_->Enqueue({{{"action", "reverse"}}}));
  ASSERT_TRUE(embedder->Embed(texts, &reversed).ok());
  EXPECT_EQ(in_order, reversed);
}

TEST_F(OpenAiEmbedderTest, RetriesA429AfterTheRequestedWait) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  ASSERT_TRUE(server_->Enqueue(
      {{{"action", "reply"}, {"status", 429}, {"headers", {{"Retry-After", "2"}}}}}));
  std::vector<std::vector<float>> out;
  const Status s = embedder->Embed(std::vector<std::string>{"x", "y"}, &out);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(waits(), std::vector<milliseconds>{milliseconds(2000)});
  EXPECT_EQ(server_->Requests().size(), 2u);
}

TEST_F(OpenAiEmbedderTest, ServerErrorsAreUnavailableAfterMaxAttempts) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  std::vector<std::vector<float>> out;
  // The magic input makes every attempt fail.
  const Status s = embedder->Embed(std::vector<std::string>{"ok", "__fake_500__"}, &out);
  ASSERT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 500 after 3 attempts"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("__fake_500__"), std::string::npos) << "no request text";
  EXPECT_EQ(server_->Requests().size(), 3u);
  EXPECT_EQ(waits().size(), 2u);
}

TEST_F(OpenAiEmbedderTest, TimeoutIsUnavailable) {
  OpenAiEmbedderConfig config = Config();
  config.http.timeout = milliseconds(200);
  config.retry.max_attempts = 1;
  auto embedder = Make(config);
  ASSERT_NE(embedder, nullptr);
  std::vector<std::vector<float>> out;
  const Status s = embedder->Embed(std::vector<std::string>{"__fake_stall__"}, &out);
  ASSERT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("timed out"), std::string::npos) << s.message();
}

TEST_F(OpenAiEmbedderTest, MalformedResponsesAreUnavailableWithAClearMessage) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  const std::vector<std::string> texts = {"a", "b"};
  std::vector<std::vector<float>> out;

  ASSERT_TRUE(server_->Enqueue({{{"action", "malformed"}}}));
  Status s = embedder->Embed(texts, &out);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("not valid JSON"), std::string::npos) << s.message();

  ASSERT_TRUE(server_->Enqueue({{{"action", "wrong_count"}}}));
  s = embedder->Embed(texts, &out);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("got 1 embeddings for 2 inputs"), std::string::npos) << s.message();

  ASSERT_TRUE(
      server_->Enqueue({{{"action", "reply"}, {"status", 200}, {"body", {{"object", "list"}}}}}));
  s = embedder->Embed(texts, &out);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("no \"data\" array"), std::string::npos) << s.message();

  const json no_index = {{"data", {{{"embedding", {1.0, 0.0}}}, {{"embedding", {0.0, 1.0}}}}}};
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", 200}, {"body", no_index}}}));
  s = embedder->Embed(texts, &out);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("data[0] has no integer \"index\""), std::string::npos) << s.message();

  const json twice = {
      {"data",
       {{{"index", 0}, {"embedding", {1.0, 0.0}}}, {{"index", 0}, {"embedding", {0.0, 1.0}}}}}};
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", 200}, {"body", twice}}}));
  s = embedder->Embed(texts, &out);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("repeated index 0"), std::string::npos) << s.message();

  const json zero = {
      {"data",
       {{{"index", 0}, {"embedding", {0.0, 0.0}}}, {{"index", 1}, {"embedding", {0.0, 1.0}}}}}};
  ASSERT_TRUE(server_->Enqueue({{{"action", "reply"}, {"status", 200}, {"body", zero}}}));
  s = embedder->Embed(texts, &out);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable);
  EXPECT_NE(s.message().find("zero or non-finite"), std::string::npos) << s.message();
  EXPECT_EQ(server_->Requests().size(), 6u) << "malformed answers are not retried";
}

TEST_F(OpenAiEmbedderTest, DimensionChangesAreFailedPrecondition) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  std::vector<std::vector<float>> out;
  ASSERT_TRUE(embedder->Embed(std::vector<std::string>{"a"}, &out).ok());
  ASSERT_TRUE(server_->Enqueue({{{"action", "dim"}, {"dim", 4}}}));
  Status s = embedder->Embed(std::vector<std::string>{"b"}, &out);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("4 dimensions, expected 16"), std::string::npos) << s.message();

  OpenAiEmbedderConfig config = Config();
  config.dimensions = 8;
  auto configured = Make(config);
  ASSERT_NE(configured, nullptr);
  ASSERT_TRUE(server_->Enqueue({{{"action", "dim"}, {"dim", 4}}}));
  s = configured->Embed(std::vector<std::string>{"b"}, &out);
  EXPECT_EQ(s.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(configured->dimension(), 8);
}

TEST_F(OpenAiEmbedderTest, UnauthorizedIsPermissionDeniedAndHidesTheKey) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  std::vector<std::vector<float>> out;
  const Status s = embedder->Embed(std::vector<std::string>{"__fake_401__"}, &out);
  ASSERT_EQ(s.code(), Status::Code::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("HTTP 401"), std::string::npos);
  EXPECT_EQ(s.ToString().find("sk-test-key"), std::string::npos) << s.ToString();
  EXPECT_EQ(server_->Requests().size(), 1u);
}

TEST_F(OpenAiEmbedderTest, PlainHttpToARemoteHostIsRefusedUpFront) {
  OpenAiEmbedderConfig config = Config();
  config.base_url = "http://example.com/v1";
  auto refused = OpenAiEmbedder::Create(config);
  ASSERT_EQ(refused.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("example.com"), std::string::npos);
  // With the explicit flag the config is accepted (nothing is sent here: no network in tests).
  config.http.allow_insecure_http = true;
  EXPECT_TRUE(OpenAiEmbedder::Create(config).ok());
}

TEST_F(OpenAiEmbedderTest, InvalidConfigsAreRejected) {
  OpenAiEmbedderConfig config = Config();
  config.model.clear();
  EXPECT_EQ(OpenAiEmbedder::Create(config).status().code(), Status::Code::kInvalidArgument);
  config = Config();
  config.base_url = "ftp://127.0.0.1/v1";
  EXPECT_EQ(OpenAiEmbedder::Create(config).status().code(), Status::Code::kInvalidArgument);
  config = Config();
  config.max_batch_texts = 0;
  EXPECT_EQ(OpenAiEmbedder::Create(config).status().code(), Status::Code::kInvalidArgument);
  config = Config();
  config.dimensions = -1;
  EXPECT_EQ(OpenAiEmbedder::Create(config).status().code(), Status::Code::kInvalidArgument);
}

TEST_F(OpenAiEmbedderTest, EmptyInputAndInvalidUtf8MakeNoRequest) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  std::vector<std::vector<float>> out = {{1.0f}};
  ASSERT_TRUE(embedder->Embed({}, &out).ok());
  EXPECT_TRUE(out.empty());
  const Status s = embedder->Embed(std::vector<std::string>{"ok", "bad \xff"}, &out);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(s.message().find("text 1"), std::string::npos);
  EXPECT_TRUE(server_->Requests().empty());
}

TEST_F(OpenAiEmbedderTest, ProbeLearnsTheDimension) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  ASSERT_TRUE(embedder->Probe().ok());
  EXPECT_EQ(embedder->dimension(), kFakeDim);
  ASSERT_TRUE(embedder->Probe().ok());
  EXPECT_EQ(server_->Requests().size(), 1u) << "a known dimension needs no request";
}

TEST_F(OpenAiEmbedderTest, ConcurrentEmbedCallsAgree) {
  auto embedder = Make(Config());
  ASSERT_NE(embedder, nullptr);
  std::vector<std::string> texts;
  for (int i = 0; i < 20; ++i) texts.push_back("concurrent " + std::to_string(i));
  std::vector<std::vector<float>> expected;
  ASSERT_TRUE(embedder->Embed(texts, &expected).ok());
  std::vector<std::thread> threads;
  std::atomic<int> same{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        std::vector<std::vector<float>> out;
        if (embedder->Embed(texts, &out).ok() && out == expected) ++same;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(same.load(), 20);
}

TEST_F(OpenAiEmbedderTest, ModelIdNamesTheProvider) {
  OpenAiEmbedderConfig config;
  EXPECT_EQ(Make(config)->model_id(), "openai:text-embedding-3-small");
  config.base_url = "http://127.0.0.1:11434/v1/";
  config.model = "nomic-embed-text";
  EXPECT_EQ(Make(config)->model_id(), "127.0.0.1:11434:nomic-embed-text");
  config.provider = "ollama";
  EXPECT_EQ(Make(config)->model_id(), "ollama:nomic-embed-text");
}

TEST_F(OpenAiEmbedderTest, ConfigFromTheEnvironment) {
  ScopedEnv env;
  for (const char* name : {"ENGRAM_EMBED_BASE_URL", "OPENAI_BASE_URL", "ENGRAM_EMBED_MODEL",
                           "ENGRAM_EMBED_API_KEY", "OPENAI_API_KEY", "ENGRAM_EMBED_DIM",
                           "ENGRAM_EMBED_PROVIDER", "ENGRAM_EMBED_ALLOW_INSECURE_HTTP"}) {
    env.Set(name, nullptr);
  }
  auto config = OpenAiEmbedder::ConfigFromEnvironment();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->base_url, "https://api.openai.com/v1");
  EXPECT_EQ(config->model, "text-embedding-3-small");
  EXPECT_EQ(config->api_key, "");
  EXPECT_EQ(config->dimensions, 0);

  env.Set("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1");
  env.Set("OPENAI_API_KEY", "sk-openai");
  config = OpenAiEmbedder::ConfigFromEnvironment();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->base_url, "http://127.0.0.1:8000/v1");
  EXPECT_EQ(config->api_key, "sk-openai");

  env.Set("ENGRAM_EMBED_BASE_URL", "http://lan-box:11434/v1");
  env.Set("ENGRAM_EMBED_API_KEY", "sk-engram");
  env.Set("ENGRAM_EMBED_MODEL", "nomic-embed-text");
  env.Set("ENGRAM_EMBED_DIM", "768");
  env.Set("ENGRAM_EMBED_PROVIDER", "ollama");
  config = OpenAiEmbedder::ConfigFromEnvironment();
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->base_url, "http://lan-box:11434/v1");
  EXPECT_EQ(config->api_key, "sk-engram");
  EXPECT_EQ(config->model, "nomic-embed-text");
  EXPECT_EQ(config->dimensions, 768);
  EXPECT_EQ(OpenAiEmbedder::FromEnvironment().status().code(), Status::Code::kInvalidArgument)
      << "plain http to a LAN host needs the explicit flag";
  env.Set("ENGRAM_EMBED_ALLOW_INSECURE_HTTP", "1");
  auto embedder = OpenAiEmbedder::FromEnvironment();
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString();
  EXPECT_EQ((*embedder)->model_id(), "ollama:nomic-embed-text");
  EXPECT_EQ((*embedder)->dimension(), 768);

  env.Set("ENGRAM_EMBED_DIM", "12x");
  config = OpenAiEmbedder::ConfigFromEnvironment();
  EXPECT_EQ(config.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(config.status().message().find("ENGRAM_EMBED_DIM"), std::string::npos);
}

}  // namespace
}  // namespace engram::embed
