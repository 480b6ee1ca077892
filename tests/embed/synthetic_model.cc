#include "synthetic_model.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

namespace engram::use_lite::testing {
namespace {

const std::string kApply = "module_apply_default/Encoder_en/KonaTransformer/Encode/";
const std::string kModule = "module/Encoder_en/KonaTransformer/Encode/";

using Matrix = std::vector<std::vector<double>>;

Matrix MatMul(const Matrix& a, const std::vector<float>& w, int k, int n,
              const std::vector<float>& bias) {
  Matrix c(a.size(), std::vector<double>(n));
  for (size_t r = 0; r < a.size(); ++r) {
    for (int j = 0; j < n; ++j) {
      double sum = bias[j];
      for (int i = 0; i < k; ++i) sum += a[r][i] * w[static_cast<size_t>(i) * n + j];
      c[r][j] = sum;
    }
  }
  return c;
}

Matrix LayerNorm(const Matrix& x, const std::vector<float>& scale, const std::vector<float>& bias) {
  Matrix y = x;
  for (auto& row : y) {
    double mean = 0, var = 0;
    for (double v : row) mean += v;
    mean /= row.size();
    for (double v : row) var += (v - mean) * (v - mean);
    var /= row.size();
    for (size_t i = 0; i < row.size(); ++i) {
      row[i] = (row[i] - mean) / std::sqrt(var + 1e-6) * scale[i] + bias[i];
    }
  }
  return y;
}

void AddInPlace(Matrix& a, const Matrix& b) {
  for (size_t r = 0; r < a.size(); ++r) {
    for (size_t i = 0; i < a[r].size(); ++i) a[r][i] += b[r][i];
  }
}

}  // namespace

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/engram-use-lite-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::vector<std::pair<std::string, double>> SyntheticVocab() {
  return {{"\xEF\xBF\xBD", 0},
          {"<s>", 0},
          {"</s>", 0},
          {"extra_token_id_1", 0},
          {"extra_token_id_2", 0},
          {"extra_token_id_3", 0},
          {"\u2581the", -2.0},
          {"\u2581cat", -3.0},
          {"\u2581sat", -3.5},
          {"\u2581on", -2.5},
          {"\u2581mat", -4.0},
          {"\u2581", -1.5},
          {"t", -3.0},
          {"h", -3.2},
          {"e", -2.8},
          {"a", -3.1},
          {"s", -3.3},
          {"c", -3.4},
          {"m", -3.6},
          {"o", -3.0},
          {"n", -3.0},
          {".", -2.0},
          {":", 0}};
}

SyntheticModel::SyntheticModel(const SyntheticDims& dims, uint32_t seed)
    : dims_(dims), state_(seed) {
  const int d0 = dims.d0, d1 = dims.d1;
  // Order and names as in the real manifest, int32 constants interleaved.
  AddInt(kApply + "TransformerStack/Layer_1/TransformerLayer/MultiheadAttention/Const", {3});
  for (int layer = 1; layer >= 0; --layer) {
    const int d_in = layer == 0 ? d0 : d1;
    const int dff = layer == 0 ? dims.ffn0 : dims.ffn1;
    const std::string l = "Layer_" + std::to_string(layer) + "/TransformerLayer/";
    const std::string stack = kApply + "TransformerStack/" + l;
    const std::string ln = "layer_prepostprocess/layer_norm/layer_norm_";
    Add(stack + "FFN/conv2/Tensordot/Reshape_1", {dff, d1}, 1.0f / std::sqrt(dff));
    Add(stack + "FFN/conv1/Tensordot/Reshape_1", {d1, dff}, 1.0f / std::sqrt(d1));
    Add(kApply + l + "FFN/" + ln + "scale/ConcatPartitions/concat", {d1}, 0.1f, 1.0f);
    Add(kApply + l + "FFN/" + ln + "bias/ConcatPartitions/concat", {d1}, 0.1f);
    Add(kApply + l + "FFN/conv1/bias/ConcatPartitions/concat", {dff}, 0.1f);
    Add(kApply + l + "FFN/conv2/bias/ConcatPartitions/concat", {d1}, 0.1f);
    Add(stack + "MultiheadAttention/mul/y", {}, 0);
    Add(kApply + l + ln + "scale/ConcatPartitions/concat", {d_in}, 0.1f, 1.0f);
    Add(kApply + l + ln + "bias/ConcatPartitions/concat", {d_in}, 0.1f);
    Add(kModule + l + "MultiheadAttention/qkv_transform_single/kernel/part_0",
        {1, 1, d_in, 3 * d_in}, 1.0f / std::sqrt(d_in));
    Add(kApply + l + "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat",
        {3 * d_in}, 0.1f);
    AddInt(stack + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3", {});
    Add(kModule + l + "MultiheadAttention/output_transform_single/kernel/part_0", {1, 1, d_in, d1},
        1.0f / std::sqrt(d_in));
    Add(kApply + l + "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat",
        {d1}, 0.1f);
  }
  Add("module/Embeddings_en", {dims.vocab_rows, d0}, 0.5f);
  Add(kApply + "TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", {1, d0 / 2},
      0);
  std::vector<float>& inv = entries_.back().values;  // TF's geometric timescales 1 .. 1e4
  for (int i = 0; i < d0 / 2; ++i) {
    inv[i] = static_cast<float>(std::exp(-i * std::log(1e4) / std::max(d0 / 2 - 1, 1)));
  }
  Add(kApply + "Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat", {d0, d1},
      1.0f / std::sqrt(d0));
  Add(kApply + "Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat", {d1}, 0.1f);
  AddInt(kApply + "Encode/SparseToDense/default_value", {});
  Add("module/Encoder_en/hidden_layers/tanh_layer_0/weights", {d1, dims.out}, 1.0f / std::sqrt(d1));
  Add("module/Encoder_en/hidden_layers/tanh_layer_0/bias", {dims.out}, 0.3f);
}

void SyntheticModel::Add(std::string name, std::vector<int64_t> shape, float stddev, float mean) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  std::mt19937 rng(state_++);
  std::normal_distribution<float> normal(mean, stddev > 0 ? stddev : 1);
  std::vector<float> values(n, mean);
  if (stddev > 0) {
    for (float& v : values) v = normal(rng);
  }
  entries_.push_back({std::move(name), std::move(shape), false, std::move(values)});
}

void SyntheticModel::AddInt(std::string name, std::vector<int64_t> shape) {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  entries_.push_back({std::move(name), std::move(shape), true, std::vector<float>(n, 7)});
}

const std::vector<float>& SyntheticModel::Get(const std::string& suffix) const {
  for (const Entry& e : entries_) {
    if (e.name.size() >= suffix.size() &&
        e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return e.values;
    }
  }
  throw std::runtime_error("no synthetic tensor " + suffix);
}

void SyntheticModel::Write(const std::string& dir) const {
  std::string blob;
  nlohmann::json weights = nlohmann::json::array();
  for (const Entry& e : entries_) {
    weights.push_back(
        {{"name", e.name}, {"shape", e.shape}, {"dtype", e.is_int ? "int32" : "float32"}});
    for (float v : e.values) {
      char bytes[4];
      if (e.is_int) {
        const int32_t i = static_cast<int32_t>(v);
        std::memcpy(bytes, &i, 4);
      } else {
        std::memcpy(bytes, &v, 4);
      }
      blob.append(bytes, 4);
    }
  }
  const std::vector<std::string> shards = {"group1-shard1of3", "group1-shard2of3",
                                           "group1-shard3of3"};
  const size_t cut1 = blob.size() / 3 + 1;  // deliberately not on a float boundary
  const size_t cut2 = 2 * blob.size() / 3 + 2;
  const size_t cuts[] = {0, cut1, cut2, blob.size()};
  for (size_t i = 0; i < shards.size(); ++i) {
    std::ofstream(dir + "/" + shards[i], std::ios::binary)
        << blob.substr(cuts[i], cuts[i + 1] - cuts[i]);
  }
  const nlohmann::json model = {{"modelTopology", nlohmann::json::object()},
                                {"weightsManifest", {{{"paths", shards}, {"weights", weights}}}}};
  std::ofstream(dir + "/model.json") << model.dump();

  nlohmann::json vocab = nlohmann::json::array();
  for (const auto& [piece, score] : SyntheticVocab()) {
    vocab.push_back(piece == ":" ? nlohmann::json::array({piece, nullptr})
                                 : nlohmann::json::array({piece, score}));
  }
  std::ofstream(dir + "/vocab.json") << vocab.dump();
}

std::vector<double> SyntheticModel::Reference(const std::vector<int32_t>& ids) const {
  const int d0 = dims_.d0, d1 = dims_.d1;
  const std::string ln = "layer_prepostprocess/layer_norm/layer_norm_";
  const std::string concat = "/ConcatPartitions/concat";
  auto layer_get = [&](int layer, const std::string& rest) -> const std::vector<float>& {
    return Get("Layer_" + std::to_string(layer) + "/TransformerLayer/" + rest);
  };
  auto attention = [&](int layer, const Matrix& x, int d) {
    const Matrix qkv =
        MatMul(x, layer_get(layer, "MultiheadAttention/qkv_transform_single/kernel/part_0"), d,
               3 * d, layer_get(layer, "MultiheadAttention/qkv_transform_single/bias" + concat));
    const int hd = d / 4;
    Matrix out(x.size(), std::vector<double>(d, 0.0));
    for (int head = 0; head < 4; ++head) {
      for (size_t i = 0; i < x.size(); ++i) {
        std::vector<double> logits(x.size());
        double max_logit = -1e300;
        for (size_t j = 0; j < x.size(); ++j) {
          double dot = 0;
          for (int c = 0; c < hd; ++c) dot += qkv[i][head * hd + c] * qkv[j][d + head * hd + c];
          logits[j] = dot / std::sqrt(static_cast<double>(hd));
          max_logit = std::max(max_logit, logits[j]);
        }
        double sum = 0;
        for (double& l : logits) {
          l = std::exp(l - max_logit);
          sum += l;
        }
        for (size_t j = 0; j < x.size(); ++j) {
          for (int c = 0; c < hd; ++c) {
            out[i][head * hd + c] += logits[j] / sum * qkv[j][2 * d + head * hd + c];
          }
        }
      }
    }
    return out;
  };
  auto ffn = [&](int layer, const Matrix& h, int dff) {
    Matrix y = LayerNorm(h, layer_get(layer, "FFN/" + ln + "scale" + concat),
                         layer_get(layer, "FFN/" + ln + "bias" + concat));
    Matrix hidden = MatMul(y, layer_get(layer, "FFN/conv1/Tensordot/Reshape_1"), d1, dff,
                           layer_get(layer, "FFN/conv1/bias" + concat));
    for (auto& row : hidden) {
      for (double& v : row) v = std::max(v, 0.0);
    }
    return MatMul(hidden, layer_get(layer, "FFN/conv2/Tensordot/Reshape_1"), dff, d1,
                  layer_get(layer, "FFN/conv2/bias" + concat));
  };

  const std::vector<float>& emb = Get("Embeddings_en");
  const std::vector<float>& inv = Get("TimingSignal/ExpandDims_1");
  Matrix x(ids.size(), std::vector<double>(d0));
  for (size_t t = 0; t < ids.size(); ++t) {
    for (int i = 0; i < d0 / 2; ++i) {
      x[t][i] = std::sin(static_cast<double>(t) * inv[i]);
      x[t][d0 / 2 + i] = std::cos(static_cast<double>(t) * inv[i]);
    }
    for (int i = 0; i < d0; ++i) x[t][i] += 2.0 * emb[static_cast<size_t>(ids[t]) * d0 + i];
  }

  // Layer 0: attention at width d0, residual projected to d1.
  Matrix h = MatMul(
      attention(
          0, LayerNorm(x, layer_get(0, ln + "scale" + concat), layer_get(0, ln + "bias" + concat)),
          d0),
      layer_get(0, "MultiheadAttention/output_transform_single/kernel/part_0"), d0, d1,
      layer_get(0, "MultiheadAttention/output_transform_single/bias" + concat));
  AddInPlace(h, MatMul(x, layer_get(0, "dense/kernel" + concat), d0, d1,
                       layer_get(0, "dense/bias" + concat)));
  AddInPlace(h, ffn(0, h, dims_.ffn0));
  // Layer 1.
  AddInPlace(
      h, MatMul(attention(1,
                          LayerNorm(h, layer_get(1, ln + "scale" + concat),
                                    layer_get(1, ln + "bias" + concat)),
                          d1),
                layer_get(1, "MultiheadAttention/output_transform_single/kernel/part_0"), d1, d1,
                layer_get(1, "MultiheadAttention/output_transform_single/bias" + concat)));
  AddInPlace(h, ffn(1, h, dims_.ffn1));

  Matrix pooled(1, std::vector<double>(d1, 0.0));
  for (const auto& row : h) {
    for (int i = 0; i < d1; ++i) pooled[0][i] += row[i] / static_cast<double>(h.size());
  }
  Matrix out = MatMul(pooled, Get("tanh_layer_0/weights"), d1, dims_.out, Get("tanh_layer_0/bias"));
  double norm2 = 0;
  for (double& v : out[0]) {
    v = std::tanh(v);
    norm2 += v * v;
  }
  for (double& v : out[0]) v /= std::sqrt(norm2);
  return out[0];
}

}  // namespace engram::use_lite::testing
