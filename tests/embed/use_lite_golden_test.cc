// The port against golden outputs of the reference TF.js model (shared/models/use-lite-golden.json)
// on the real model files. Fails, rather than skips, when the model is not installed.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "embed/use_lite/use_lite_embedder.h"
#include "embed/use_lite/weights.h"

namespace engram {
namespace {

constexpr float kTolerance = 1e-5f;  // per dimension, as USE-lite.md asks of a port

struct Golden {
  std::vector<std::string> texts;
  std::vector<std::vector<int32_t>> ids;
  std::vector<std::vector<float>> embeddings;
  nlohmann::json pairs;
};

float Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return static_cast<float>(dot / std::sqrt(na * nb));
}

// Loads the golden file and the model once; when either is missing every test fails (rather
// than being skipped) with the reason.
class UseLiteGoldenTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string path = std::string(ENGRAM_SHARED_DIR) + "/models/use-lite-golden.json";
    std::ifstream in(path);
    const nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      setup_error_ = new std::string("cannot read or parse " + path);
      return;
    }
    golden_ = new Golden();
    for (const auto& s : doc["sentences"]) {
      golden_->texts.push_back(s["text"].get<std::string>());
      golden_->ids.push_back(s["token_ids"].get<std::vector<int32_t>>());
      golden_->embeddings.push_back(s["embedding"].get<std::vector<float>>());
    }
    golden_->pairs = doc["pairs"];

    model_dir_ = new std::string(UseLiteEmbedder::DefaultModelDir());
    auto opened = UseLiteEmbedder::Open(*model_dir_);
    if (!opened.ok()) {
      setup_error_ = new std::string(
          opened.status().ToString() + "\nThe golden test needs the real USE-lite model in " +
          *model_dir_ + ": run scripts/install_model.sh (or set ENGRAM_MODEL_DIR).");
      return;
    }
    embedder_ = std::move(opened).value().release();
  }
  static void TearDownTestSuite() {
    delete embedder_;
    delete golden_;
    delete model_dir_;
    delete setup_error_;
    embedder_ = nullptr;
    golden_ = nullptr;
    model_dir_ = nullptr;
    setup_error_ = nullptr;
  }
  void SetUp() override { ASSERT_EQ(setup_error_, nullptr) << *setup_error_; }

  static Golden* golden_;
  static UseLiteEmbedder* embedder_;
  static std::string* model_dir_;
  static std::string* setup_error_;
};

Golden* UseLiteGoldenTest::golden_ = nullptr;
UseLiteEmbedder* UseLiteGoldenTest::embedder_ = nullptr;
std::string* UseLiteGoldenTest::model_dir_ = nullptr;
std::string* UseLiteGoldenTest::setup_error_ = nullptr;

TEST_F(UseLiteGoldenTest, IdentifiesModel) {
  EXPECT_EQ(embedder_->model_id(), "use-lite-v1");
  EXPECT_EQ(embedder_->dimension(), 512);
}

TEST_F(UseLiteGoldenTest, TokenIdsMatchExactly) {
  ASSERT_EQ(golden_->texts.size(), 12u);
  for (size_t i = 0; i < golden_->texts.size(); ++i) {
    auto ids = embedder_->Tokenize(golden_->texts[i]);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    EXPECT_EQ(*ids, golden_->ids[i]) << "sentence " << i << ": " << golden_->texts[i];
  }
}

TEST_F(UseLiteGoldenTest, EmbeddingsMatchInOneBatch) {
  std::vector<std::vector<float>> out;
  ASSERT_TRUE(embedder_->Embed(golden_->texts, &out).ok());
  ASSERT_EQ(out.size(), golden_->texts.size());
  for (size_t i = 0; i < out.size(); ++i) {
    ASSERT_EQ(out[i].size(), 512u);
    float worst = 0;
    for (size_t d = 0; d < 512; ++d) {
      worst = std::max(worst, std::abs(out[i][d] - golden_->embeddings[i][d]));
    }
    EXPECT_LE(worst, kTolerance) << "sentence " << i << ": " << golden_->texts[i];
  }
}

TEST_F(UseLiteGoldenTest, EmbeddingsMatchOneByOne) {
  for (size_t i = 0; i < golden_->texts.size(); ++i) {
    std::vector<std::vector<float>> out;
    ASSERT_TRUE(embedder_->Embed(std::span(&golden_->texts[i], 1), &out).ok());
    ASSERT_EQ(out.size(), 1u);
    for (size_t d = 0; d < 512; ++d) {
      ASSERT_NEAR(out[0][d], golden_->embeddings[i][d], kTolerance)
          << "sentence " << i << " dimension " << d;
    }
  }
}

TEST_F(UseLiteGoldenTest, OneThreadAndSplitMatmulsAgreeBitForBit) {
  // The real model's matmuls are big enough to be split across the team's threads.
  auto single = UseLiteEmbedder::Open(*model_dir_, 1);
  auto team = UseLiteEmbedder::Open(*model_dir_, 3);
  ASSERT_TRUE(single.ok() && team.ok());
  for (size_t i = 0; i < golden_->texts.size(); ++i) {
    std::vector<std::vector<float>> a;
    std::vector<std::vector<float>> b;
    ASSERT_TRUE((*single)->Embed(std::span(&golden_->texts[i], 1), &a).ok());
    ASSERT_TRUE((*team)->Embed(std::span(&golden_->texts[i], 1), &b).ok());
    EXPECT_EQ(a, b) << "sentence " << i;
  }
}

TEST_F(UseLiteGoldenTest, CosinePairsMatch) {
  ASSERT_EQ(golden_->pairs.size(), 6u);
  for (const auto& pair : golden_->pairs) {
    std::vector<std::string> texts = {pair["a"].get<std::string>(), pair["b"].get<std::string>()};
    std::vector<std::vector<float>> out;
    ASSERT_TRUE(embedder_->Embed(texts, &out).ok());
    EXPECT_NEAR(Cosine(out[0], out[1]), pair["cosine"].get<float>(), kTolerance)
        << texts[0] << " / " << texts[1];
  }
}

TEST_F(UseLiteGoldenTest, EmptyTextIsTheModelsEmptyInputOutput) {
  // The graph pools zero tokens to a zero vector (sum / max(len, 1)), leaving tanh(bt).
  auto weights = use_lite::WeightFile::Load(*model_dir_);
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  auto bias = weights->Find("hidden_layers/tanh_layer_0/bias", {512});
  ASSERT_TRUE(bias.ok()) << bias.status().ToString();
  std::vector<double> want(512);
  double norm2 = 0;
  for (size_t d = 0; d < 512; ++d) {
    want[d] = std::tanh(static_cast<double>(bias->data[d]));
    norm2 += want[d] * want[d];
  }
  std::vector<std::vector<float>> out;
  const std::vector<std::string> texts = {"", golden_->texts[0], ""};
  ASSERT_TRUE(embedder_->Embed(texts, &out).ok());
  for (size_t d = 0; d < 512; ++d) {
    EXPECT_NEAR(out[0][d], want[d] / std::sqrt(norm2), 1e-6) << d;
    EXPECT_EQ(out[2][d], out[0][d]);
    EXPECT_NEAR(out[1][d], golden_->embeddings[0][d], kTolerance);
  }
}

TEST_F(UseLiteGoldenTest, ConcurrentCallsAgree) {
  std::vector<std::vector<float>> want;
  ASSERT_TRUE(embedder_->Embed(golden_->texts, &want).ok());
  std::vector<std::vector<std::vector<float>>> got(2);
  std::vector<std::thread> threads;
  for (auto& g : got) {
    threads.emplace_back([&g] { ASSERT_TRUE(embedder_->Embed(golden_->texts, &g).ok()); });
  }
  for (auto& t : threads) t.join();
  for (const auto& g : got) EXPECT_EQ(g, want);
}

TEST_F(UseLiteGoldenTest, RejectsInvalidUtf8) {
  std::vector<std::vector<float>> out;
  const std::vector<std::string> texts = {"fine", std::string("bad \xC3\x28 byte")};
  const Status st = embedder_->Embed(texts, &out);
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  EXPECT_NE(st.message().find("text 1"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace engram
