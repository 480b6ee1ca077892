// UseLiteEmbedder, WeightFile and Encoder on a synthetic model: agreement with a naive
// double-precision forward pass, batching, threads, and the loaders' error paths.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "embed/use_lite/tokenizer.h"
#include "embed/use_lite/use_lite_embedder.h"
#include "embed/use_lite/weights.h"
#include "synthetic_model.h"

namespace engram {
namespace {

using use_lite::testing::SyntheticDims;
using use_lite::testing::SyntheticModel;
using use_lite::testing::TempDir;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class SyntheticModelTest : public ::testing::Test {
 protected:
  SyntheticModelTest() : model_(SyntheticDims(), 42) { model_.Write(dir_.path()); }

  std::string File(const std::string& name) const { return dir_.path() + "/" + name; }

  std::unique_ptr<UseLiteEmbedder> OpenOrDie() {
    auto opened = UseLiteEmbedder::Open(dir_.path());
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  // Applies `edit` to model.json.
  template <typename Edit>
  void EditManifest(Edit edit) {
    nlohmann::json doc = nlohmann::json::parse(std::ifstream(File("model.json")));
    edit(doc["weightsManifest"][0]);
    std::ofstream(File("model.json")) << doc.dump();
  }

  // The manifest entry of the tensor whose name ends with suffix.
  static nlohmann::json& Entry(nlohmann::json& group, const std::string& suffix) {
    for (auto& w : group["weights"]) {
      const std::string name = w["name"].get<std::string>();
      if (name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        return w;
      }
    }
    throw std::runtime_error("no manifest entry " + suffix);
  }

  Status OpenStatus() {
    auto opened = UseLiteEmbedder::Open(dir_.path());
    return opened.ok() ? Status::Ok() : opened.status();
  }

  TempDir dir_;
  SyntheticModel model_;
};

TEST_F(SyntheticModelTest, MatchesNaiveReference) {
  auto embedder = OpenOrDie();
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->model_id(), "use-lite-v1");
  EXPECT_EQ(embedder->dimension(), model_.dims().out);

  std::string long_text;  // about 190 tokens: clipped to 128
  for (int i = 0; i < 38; ++i) long_text += "the cat sat on mat. ";
  const std::vector<std::string> texts = {
      "the cat sat on the mat.", "cat",     "x",          "", long_text,
      long_text + "the",         "a a a a", "théo ☃☃ mat"};
  std::vector<std::vector<float>> out;
  ASSERT_TRUE(embedder->Embed(texts, &out).ok());
  ASSERT_EQ(out.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto ids = embedder->Tokenize(texts[i]);
    ASSERT_TRUE(ids.ok());
    if (ids->size() > use_lite::kMaxTokens) ids->resize(use_lite::kMaxTokens);
    if (i == 4) {
      EXPECT_GT(embedder->Tokenize(texts[i])->size(), use_lite::kMaxTokens);
    }
    const std::vector<double> want = ids->empty() ? std::vector<double>() : model_.Reference(*ids);
    ASSERT_EQ(out[i].size(), static_cast<size_t>(model_.dims().out));
    double norm2 = 0;
    for (size_t d = 0; d < out[i].size(); ++d) {
      norm2 += static_cast<double>(out[i][d]) * out[i][d];
      if (!want.empty()) {
        EXPECT_NEAR(out[i][d], want[d], 1e-5) << "text " << i << " dim " << d;
      }
    }
    EXPECT_NEAR(norm2, 1.0, 1e-5) << "text " << i;
  }
  // Past the clip, extra text changes nothing.
  EXPECT_EQ(out[4], out[5]);
}

TEST_F(SyntheticModelTest, EmptyTextYieldsNormalisedTanhOfOutputBias) {
  auto embedder = OpenOrDie();
  ASSERT_NE(embedder, nullptr);
  const std::vector<float>& bias = model_.Get("tanh_layer_0/bias");
  double norm2 = 0;
  for (float b : bias) norm2 += std::tanh(static_cast<double>(b)) * std::tanh(b);
  std::vector<std::vector<float>> out;
  const std::vector<std::string> texts = {""};
  ASSERT_TRUE(embedder->Embed(texts, &out).ok());
  for (size_t d = 0; d < bias.size(); ++d) {
    EXPECT_NEAR(out[0][d], std::tanh(static_cast<double>(bias[d])) / std::sqrt(norm2), 1e-6);
  }
}

TEST_F(SyntheticModelTest, BatchesAgreeWithSingleCallsAndAcrossThreads) {
  auto embedder = OpenOrDie();
  ASSERT_NE(embedder, nullptr);
  // Long texts so that one call spans several internal batches.
  std::vector<std::string> texts;
  for (int i = 0; i < 12; ++i) {
    std::string t;
    for (int j = 0; j <= i * 7; ++j) t += (j % 3 == 0) ? "the mat " : "cat on ";
    texts.push_back(t);
  }
  std::vector<std::vector<float>> batch;
  ASSERT_TRUE(embedder->Embed(texts, &batch).ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<std::vector<float>> single;
    ASSERT_TRUE(embedder->Embed(std::span(&texts[i], 1), &single).ok());
    for (size_t d = 0; d < single[0].size(); ++d) {
      EXPECT_EQ(single[0][d], batch[i][d]) << "text " << i << " dim " << d;
    }
  }
  std::vector<std::vector<std::vector<float>>> results(4);
  std::vector<std::thread> threads;
  for (auto& r : results) {
    threads.emplace_back([&] {
      for (int rep = 0; rep < 5; ++rep) ASSERT_TRUE(embedder->Embed(texts, &r).ok());
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, batch);
}

TEST_F(SyntheticModelTest, ThreadCountNeverChangesAVector) {
  // A 128-token text makes matmuls big enough to be split by column; a batch of such texts is
  // shared out by text. Both must give what one thread gives, bit for bit.
  std::vector<std::string> texts;
  for (int i = 0; i < 9; ++i) {
    std::string t;
    for (int j = 0; j <= 20 + i * 9; ++j) t += (j % 2 == 0) ? "the cat " : "on the mat ";
    texts.push_back(t);
  }
  auto single = UseLiteEmbedder::Open(dir_.path(), 1);
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  std::vector<std::vector<float>> want;
  ASSERT_TRUE((*single)->Embed(texts, &want).ok());
  for (int threads : {2, 3, 8}) {
    auto team = UseLiteEmbedder::Open(dir_.path(), threads);
    ASSERT_TRUE(team.ok());
    std::vector<std::vector<float>> got;
    ASSERT_TRUE((*team)->Embed(texts, &got).ok());
    EXPECT_EQ(got, want) << threads << " threads, one batch";
    for (size_t i = 0; i < texts.size(); ++i) {
      ASSERT_TRUE((*team)->Embed(std::span(&texts[i], 1), &got).ok());
      EXPECT_EQ(got[0], want[i]) << threads << " threads, text " << i << " alone";
    }
  }
}

TEST_F(SyntheticModelTest, EmptyBatch) {
  auto embedder = OpenOrDie();
  ASSERT_NE(embedder, nullptr);
  std::vector<std::vector<float>> out = {{1.0f}};
  ASSERT_TRUE(embedder->Embed({}, &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST_F(SyntheticModelTest, MissingDirectoryAsksToInstall) {
  auto opened = UseLiteEmbedder::Open(dir_.path() + "/nope");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_TRUE(Contains(opened.status().message(), "scripts/install_model.sh"))
      << opened.status().message();
}

TEST_F(SyntheticModelTest, MissingShard) {
  std::filesystem::remove(File("group1-shard2of3"));
  const Status st = OpenStatus();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "group1-shard2of3")) << st.message();
}

TEST_F(SyntheticModelTest, TruncatedShard) {
  std::filesystem::resize_file(File("group1-shard3of3"),
                               std::filesystem::file_size(File("group1-shard3of3")) - 8);
  const Status st = OpenStatus();
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "truncated")) << st.message();
}

TEST_F(SyntheticModelTest, OversizedShard) {
  std::ofstream(File("group1-shard1of3"), std::ios::app) << "extra";
  const Status st = OpenStatus();
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "group1-shard")) << st.message();
}

TEST_F(SyntheticModelTest, MalformedModelJson) {
  std::ofstream(File("model.json")) << "{\"weightsManifest\": [";
  const Status st = OpenStatus();
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "model.json")) << st.message();
  EXPECT_TRUE(Contains(st.message(), "not valid JSON")) << st.message();
}

TEST_F(SyntheticModelTest, ModelJsonWithoutManifest) {
  std::ofstream(File("model.json")) << "{\"modelTopology\": {}}";
  const Status st = OpenStatus();
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "weightsManifest")) << st.message();
}

TEST_F(SyntheticModelTest, WrongShape) {
  // Same byte count, transposed: the loader accepts the file, the encoder rejects the tensor.
  EditManifest([](nlohmann::json& group) {
    auto& w = Entry(group,
                    "Layer_0/TransformerLayer/MultiheadAttention/qkv_transform_single/"
                    "kernel/part_0");
    w["shape"] = {1, 1, 24, 8};
  });
  const Status st = OpenStatus();
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_TRUE(Contains(st.message(),
                       "Layer_0/TransformerLayer/MultiheadAttention/"
                       "qkv_transform_single/kernel/part_0 has shape [1,1,24,8]"))
      << st.message();
}

TEST_F(SyntheticModelTest, MissingTensor) {
  EditManifest([](nlohmann::json& group) {
    Entry(group, "tanh_layer_0/bias")["name"] = "module/Encoder_en/hidden_layers/renamed";
  });
  const Status st = OpenStatus();
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "tanh_layer_0/bias")) << st.message();
}

TEST_F(SyntheticModelTest, UnsupportedDtype) {
  EditManifest(
      [](nlohmann::json& group) { Entry(group, "tanh_layer_0/weights")["dtype"] = "float16"; });
  const Status st = OpenStatus();
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "float16")) << st.message();
}

TEST_F(SyntheticModelTest, AmbiguousSuffix) {
  auto weights = use_lite::WeightFile::Load(dir_.path());
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  auto found = weights->Find("FFN/conv1/Tensordot/Reshape_1", {-1, -1});
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), Status::Code::kCorruption);
  EXPECT_TRUE(Contains(found.status().message(), "several")) << found.status().message();
  // A suffix must start at a name component: "ddings_en" is not "Embeddings_en".
  EXPECT_TRUE(weights->Find("ddings_en", {-1, -1}).status().IsNotFound());
  EXPECT_TRUE(weights->Find("Embeddings_en", {24, 8}).ok());
}

TEST_F(SyntheticModelTest, Int32TensorIsNotAFloatTensor) {
  auto weights = use_lite::WeightFile::Load(dir_.path());
  ASSERT_TRUE(weights.ok()) << weights.status().ToString();
  auto found = weights->Find("SparseToDense/default_value", {});
  ASSERT_FALSE(found.ok());
  EXPECT_TRUE(Contains(found.status().message(), "int32")) << found.status().message();
}

TEST_F(SyntheticModelTest, BadVocab) {
  std::ofstream(File("vocab.json")) << "[[\"a\", 1], [2, 3]]";
  const Status st = OpenStatus();
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "vocab.json")) << st.message();
}

TEST_F(SyntheticModelTest, VocabLargerThanEmbeddingTable) {
  nlohmann::json vocab = nlohmann::json::parse(std::ifstream(File("vocab.json")));
  for (int i = 0; i < 5; ++i) vocab.push_back({"zz" + std::to_string(i), -9.0});
  std::ofstream(File("vocab.json")) << vocab.dump();
  const Status st = OpenStatus();
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_TRUE(Contains(st.message(), "embedding table")) << st.message();
}

TEST(UseLiteDefaultModelDir, FollowsEnvironment) {
  const char* saved[] = {std::getenv("ENGRAM_MODEL_DIR"), std::getenv("XDG_DATA_HOME"),
                         std::getenv("HOME")};
  const std::string copies[] = {saved[0] ? saved[0] : "", saved[1] ? saved[1] : "",
                                saved[2] ? saved[2] : ""};
  setenv("ENGRAM_MODEL_DIR", "/m", 1);
  setenv("XDG_DATA_HOME", "/x", 1);
  setenv("HOME", "/h", 1);
  EXPECT_EQ(UseLiteEmbedder::DefaultModelDir(), "/m");
  unsetenv("ENGRAM_MODEL_DIR");
  EXPECT_EQ(UseLiteEmbedder::DefaultModelDir(), "/x/engram/models/use-lite-v1");
  setenv("XDG_DATA_HOME", "", 1);
  EXPECT_EQ(UseLiteEmbedder::DefaultModelDir(), "/h/.local/share/engram/models/use-lite-v1");
  const char* names[] = {"ENGRAM_MODEL_DIR", "XDG_DATA_HOME", "HOME"};
  for (int i = 0; i < 3; ++i) {
    if (saved[i] != nullptr) {
      setenv(names[i], copies[i].c_str(), 1);
    } else {
      unsetenv(names[i]);
    }
  }
}

}  // namespace
}  // namespace engram
