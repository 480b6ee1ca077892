#include "embed/use_lite/encoder.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "embed/use_lite/tokenizer.h"

namespace engram::use_lite {
namespace {

constexpr float kLayerNormEpsilon = 1e-6f;
constexpr double kL2Epsilon = 1e-12;  // tf.nn.l2_normalize's floor on the squared norm
// Below this many multiply-adds (~10 us of one core) a matmul is not worth splitting.
constexpr double kMinParallelMacs = 256 * 1024;

FloatVec Copy(const Tensor& t) {
  return FloatVec(t.data.begin(), t.data.end());
}

// Grows v to at least n floats; never shrinks, so a reused Scratch stops allocating.
float* Reserve(FloatVec& v, size_t n) {
  if (v.size() < n) v.resize(n);
  return v.data();
}

// y = scale·(x - mean)/sqrt(var + eps) + bias, row by row over `rows` rows of width d.
void LayerNorm(const float* x, int rows, int d, const FloatVec& scale, const FloatVec& bias,
               float* y) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<size_t>(r) * d;
    float* yr = y + static_cast<size_t>(r) * d;
    const float mean = Sum(xr, d) / static_cast<float>(d);
    for (int i = 0; i < d; ++i) yr[i] = xr[i] - mean;
    const float var = Dot(yr, yr, d) / static_cast<float>(d);
    const float inv = 1.0f / std::sqrt(var + kLayerNormEpsilon);
    for (int i = 0; i < d; ++i) yr[i] = yr[i] * (scale[i] * inv) + bias[i];
  }
}

std::string LayerPrefix(int index) {
  return "Layer_" + std::to_string(index) + "/TransformerLayer/";
}

}  // namespace

Status Encoder::LoadLayer(const WeightFile& w, int index, int d_in, int d_model, Layer* layer) {
  const std::string l = LayerPrefix(index);
  const std::string ln = "layer_prepostprocess/layer_norm/layer_norm_";
  const std::string concat = "/ConcatPartitions/concat";
  const std::string mha = l + "MultiheadAttention/";

  ENGRAM_ASSIGN_OR_RETURN(Tensor ln_att_scale, w.Find(l + ln + "scale" + concat, {d_in}));
  ENGRAM_ASSIGN_OR_RETURN(Tensor ln_att_bias, w.Find(l + ln + "bias" + concat, {d_in}));
  ENGRAM_ASSIGN_OR_RETURN(
      Tensor qkv, w.Find(mha + "qkv_transform_single/kernel/part_0", {1, 1, d_in, 3 * d_in}));
  ENGRAM_ASSIGN_OR_RETURN(Tensor qkv_bias,
                          w.Find(mha + "qkv_transform_single/bias" + concat, {3 * d_in}));
  ENGRAM_ASSIGN_OR_RETURN(
      Tensor out, w.Find(mha + "output_transform_single/kernel/part_0", {1, 1, d_in, d_model}));
  ENGRAM_ASSIGN_OR_RETURN(Tensor out_bias,
                          w.Find(mha + "output_transform_single/bias" + concat, {d_model}));
  ENGRAM_ASSIGN_OR_RETURN(Tensor ln_ffn_scale,
                          w.Find(l + "FFN/" + ln + "scale" + concat, {d_model}));
  ENGRAM_ASSIGN_OR_RETURN(Tensor ln_ffn_bias, w.Find(l + "FFN/" + ln + "bias" + concat, {d_model}));
  ENGRAM_ASSIGN_OR_RETURN(Tensor ffn1, w.Find(l + "FFN/conv1/Tensordot/Reshape_1", {d_model, -1}));
  const int d_ffn = static_cast<int>(ffn1.shape[1]);
  if (d_ffn == 0) return Status::Corruption(ffn1.name + " has no columns");
  ENGRAM_ASSIGN_OR_RETURN(Tensor ffn1_bias, w.Find(l + "FFN/conv1/bias" + concat, {d_ffn}));
  ENGRAM_ASSIGN_OR_RETURN(Tensor ffn2,
                          w.Find(l + "FFN/conv2/Tensordot/Reshape_1", {d_ffn, d_model}));
  ENGRAM_ASSIGN_OR_RETURN(Tensor ffn2_bias, w.Find(l + "FFN/conv2/bias" + concat, {d_model}));

  layer->ln_att_scale = Copy(ln_att_scale);
  layer->ln_att_bias = Copy(ln_att_bias);
  layer->ln_ffn_scale = Copy(ln_ffn_scale);
  layer->ln_ffn_bias = Copy(ln_ffn_bias);
  // TF stores every kernel as in×out, i.e. y = x·W: exactly PackedMatrix's K×N.
  layer->qkv = PackedMatrix(qkv.data.data(), qkv_bias.data.data(), d_in, 3 * d_in);
  layer->out = PackedMatrix(out.data.data(), out_bias.data.data(), d_in, d_model);
  layer->ffn1 = PackedMatrix(ffn1.data.data(), ffn1_bias.data.data(), d_model, d_ffn);
  layer->ffn2 = PackedMatrix(ffn2.data.data(), ffn2_bias.data.data(), d_ffn, d_model);
  return Status::Ok();
}

Result<std::unique_ptr<Encoder>> Encoder::Build(const WeightFile& w) {
  std::unique_ptr<Encoder> e(new Encoder());
  ENGRAM_ASSIGN_OR_RETURN(Tensor emb, w.Find("Embeddings_en", {-1, -1}));
  e->vocab_rows_ = static_cast<int>(emb.shape[0]);
  e->d0_ = static_cast<int>(emb.shape[1]);
  // 4 heads split d0, and the timing signal needs an even width: both follow from d0 % 4 == 0.
  if (e->vocab_rows_ == 0 || e->d0_ == 0 || e->d0_ % kHeads != 0) {
    return Status::Corruption(emb.name + ": embedding width must be a positive multiple of " +
                              std::to_string(kHeads));
  }
  const int d0 = e->d0_;
  ENGRAM_ASSIGN_OR_RETURN(Tensor inv_timescales,
                          w.Find("AddTimingSignal/TimingSignal/ExpandDims_1", {1, d0 / 2}));
  ENGRAM_ASSIGN_OR_RETURN(
      Tensor dense,
      w.Find("Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat", {d0, -1}));
  e->d1_ = static_cast<int>(dense.shape[1]);
  const int d1 = e->d1_;
  if (d1 == 0 || d1 % kHeads != 0) {
    return Status::Corruption(dense.name + ": model width must be a positive multiple of " +
                              std::to_string(kHeads));
  }
  ENGRAM_ASSIGN_OR_RETURN(
      Tensor dense_bias,
      w.Find("Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat", {d1}));
  ENGRAM_RETURN_IF_ERROR(LoadLayer(w, 0, d0, d1, &e->layers_[0]));
  ENGRAM_RETURN_IF_ERROR(LoadLayer(w, 1, d1, d1, &e->layers_[1]));
  ENGRAM_ASSIGN_OR_RETURN(Tensor tanh_w, w.Find("hidden_layers/tanh_layer_0/weights", {d1, -1}));
  e->d_out_ = static_cast<int>(tanh_w.shape[1]);
  if (e->d_out_ == 0) return Status::Corruption(tanh_w.name + " has no columns");
  ENGRAM_ASSIGN_OR_RETURN(Tensor tanh_b, w.Find("hidden_layers/tanh_layer_0/bias", {e->d_out_}));

  e->embeddings2_ = Copy(emb);
  for (float& v : e->embeddings2_) v *= 2.0f;  // exact: a power of two
  e->timing_.resize(kMaxTokens * d0);
  for (size_t t = 0; t < kMaxTokens; ++t) {
    for (int i = 0; i < d0 / 2; ++i) {
      // float product as in the graph (ToFloat(position) · inv_timescale), then sin | cos.
      const float arg = static_cast<float>(t) * inv_timescales.data[i];
      e->timing_[t * d0 + i] = std::sin(arg);
      e->timing_[t * d0 + d0 / 2 + i] = std::cos(arg);
    }
  }
  e->residual_ = PackedMatrix(dense.data.data(), dense_bias.data.data(), d0, d1);
  e->tanh_ = PackedMatrix(tanh_w.data.data(), tanh_b.data.data(), d1, e->d_out_);
  return e;
}

void Encoder::Attention(std::span<const int> starts, int d, float* qkv, float* scores,
                        float* att) const {
  const int head_dim = d / kHeads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const size_t ld = 3 * static_cast<size_t>(d);  // a row of qkv is q | k | v
  for (size_t s = 0; s + 1 < starts.size(); ++s) {
    const int r0 = starts[s];
    const int len = starts[s + 1] - r0;
    for (int i = 0; i < len; ++i) {
      float* q = qkv + (r0 + i) * ld;
      for (int c = 0; c < d; ++c) q[c] *= scale;
    }
    for (int head = 0; head < kHeads; ++head) {
      const size_t col = static_cast<size_t>(head) * head_dim;
      for (int i = 0; i < len; ++i) {
        const float* q = qkv + (r0 + i) * ld + col;
        float max_score = -INFINITY;
        for (int j = 0; j < len; ++j) {
          scores[j] = Dot(q, qkv + (r0 + j) * ld + d + col, head_dim);
          max_score = std::max(max_score, scores[j]);
        }
        float sum = 0;
        for (int j = 0; j < len; ++j) {
          scores[j] = std::exp(scores[j] - max_score);
          sum += scores[j];
        }
        float* o = att + static_cast<size_t>(r0 + i) * d + col;
        std::fill(o, o + head_dim, 0.0f);
        for (int j = 0; j < len; ++j) {
          Axpy(scores[j] / sum, qkv + (r0 + j) * ld + 2 * d + col, o, head_dim);
        }
      }
    }
  }
}

void Encoder::Forward(std::span<const std::vector<int32_t>> seqs, Scratch* scratch, float* out,
                      util::WorkerTeam* team) const {
  // A matmul big enough to be worth it is split by column panels across the team; the split
  // changes no output bit (see MatMul).
  auto matmul = [team](const float* a, int m, int lda, const PackedMatrix& w, float* c, int ldc,
                       Epilogue ep) {
    const int parts = team == nullptr ? 1 : std::min(team->size(), w.panels());
    const double macs = static_cast<double>(m) * w.rows() * w.cols();
    if (parts <= 1 || macs < kMinParallelMacs) return MatMul(a, m, lda, w, c, ldc, ep);
    team->ParallelFor(parts, [&](int i) {
      const PanelRange panels{w.panels() * i / parts, w.panels() * (i + 1) / parts};
      MatMul(a, m, lda, w, c, ldc, ep, panels);
    });
  };

  const int n_seqs = static_cast<int>(seqs.size());
  std::vector<int> starts(seqs.size() + 1, 0);
  for (size_t s = 0; s < seqs.size(); ++s) {
    starts[s + 1] = starts[s] + static_cast<int>(seqs[s].size());
  }
  const int rows = starts.back();
  const int d0 = d0_;
  const int d1 = d1_;
  const Layer& l0 = layers_[0];
  const Layer& l1 = layers_[1];
  const int ffn0 = l0.ffn1.cols();
  const int ffn1 = l1.ffn1.cols();
  const size_t m = static_cast<size_t>(rows);
  float* x = Reserve(scratch->x, m * d0);
  float* y = Reserve(scratch->y, m * std::max(d0, d1));
  float* qkv = Reserve(scratch->qkv, m * 3 * std::max(d0, d1));
  float* att = Reserve(scratch->att, m * std::max(d0, d1));
  float* h = Reserve(scratch->h, m * d1);
  float* ff = Reserve(scratch->ff, m * std::max(ffn0, ffn1));
  float* scores = Reserve(scratch->scores, kMaxTokens);
  float* pooled_h = Reserve(scratch->pooled_h, seqs.size() * d1);
  float* pooled_ff = Reserve(scratch->pooled_ff, seqs.size() * ffn1);

  // x_t = 2·E[id_t] + timing(t).
  for (int s = 0; s < n_seqs; ++s) {
    for (size_t t = 0; t < seqs[s].size(); ++t) {
      const float* e = embeddings2_.data() + static_cast<size_t>(seqs[s][t]) * d0;
      const float* p = timing_.data() + t * d0;
      float* xr = x + static_cast<size_t>(starts[s] + t) * d0;
      for (int i = 0; i < d0; ++i) xr[i] = e[i] + p[i];
    }
  }

  // Layer 0: h = MHA(LN(x))·Wo + x·Wd (the residual widened to d1), then h += FFN(LN(h)).
  LayerNorm(x, rows, d0, l0.ln_att_scale, l0.ln_att_bias, y);
  matmul(y, rows, d0, l0.qkv, qkv, 3 * d0, Epilogue::kStore);
  Attention(starts, d0, qkv, scores, att);
  matmul(x, rows, d0, residual_, h, d1, Epilogue::kStore);
  matmul(att, rows, d0, l0.out, h, d1, Epilogue::kAccumulate);
  LayerNorm(h, rows, d1, l0.ln_ffn_scale, l0.ln_ffn_bias, y);
  matmul(y, rows, d1, l0.ffn1, ff, ffn0, Epilogue::kRelu);
  matmul(ff, rows, ffn0, l0.ffn2, h, d1, Epilogue::kAccumulate);

  // Layer 1 up to the FFN's hidden activations.
  LayerNorm(h, rows, d1, l1.ln_att_scale, l1.ln_att_bias, y);
  matmul(y, rows, d1, l1.qkv, qkv, 3 * d1, Epilogue::kStore);
  Attention(starts, d1, qkv, scores, att);
  matmul(att, rows, d1, l1.out, h, d1, Epilogue::kAccumulate);
  LayerNorm(h, rows, d1, l1.ln_ffn_scale, l1.ln_ffn_bias, y);
  matmul(y, rows, d1, l1.ffn1, ff, ffn1, Epilogue::kRelu);

  // Mean pooling commutes with the last FFN projection: mean_t(h + relu_t·W2 + b2) =
  // mean_t(h) + mean_t(relu_t)·W2 + b2, so W2 runs once per sequence instead of per token.
  std::fill(pooled_h, pooled_h + seqs.size() * d1, 0.0f);
  std::fill(pooled_ff, pooled_ff + seqs.size() * ffn1, 0.0f);
  for (int s = 0; s < n_seqs; ++s) {
    const int len = starts[s + 1] - starts[s];
    for (int t = starts[s]; t < starts[s + 1]; ++t) {
      Axpy(1.0f, h + static_cast<size_t>(t) * d1, pooled_h + static_cast<size_t>(s) * d1, d1);
      Axpy(1.0f, ff + static_cast<size_t>(t) * ffn1, pooled_ff + static_cast<size_t>(s) * ffn1,
           ffn1);
    }
    const float inv_len = 1.0f / static_cast<float>(std::max(len, 1));
    for (int i = 0; i < d1; ++i) pooled_h[static_cast<size_t>(s) * d1 + i] *= inv_len;
    for (int i = 0; i < ffn1; ++i) pooled_ff[static_cast<size_t>(s) * ffn1 + i] *= inv_len;
  }
  matmul(pooled_ff, n_seqs, ffn1, l1.ffn2, pooled_h, d1, Epilogue::kAccumulate);
  for (int s = 0; s < n_seqs; ++s) {
    // The graph divides an empty sequence's zero sum by max(len, 1): it pools to zeros, so
    // undo the bias the shortcut above added.
    if (starts[s + 1] == starts[s]) {
      std::fill(pooled_h + static_cast<size_t>(s) * d1, pooled_h + static_cast<size_t>(s + 1) * d1,
                0.0f);
    }
  }

  // out = l2normalize(tanh(pooled·Wt + bt)).
  matmul(pooled_h, n_seqs, d1, tanh_, out, d_out_, Epilogue::kStore);
  for (int s = 0; s < n_seqs; ++s) {
    float* o = out + static_cast<size_t>(s) * d_out_;
    double norm2 = 0;
    for (int i = 0; i < d_out_; ++i) {
      o[i] = std::tanh(o[i]);
      norm2 += static_cast<double>(o[i]) * o[i];
    }
    const float inv_norm = static_cast<float>(1.0 / std::sqrt(std::max(norm2, kL2Epsilon)));
    for (int i = 0; i < d_out_; ++i) o[i] *= inv_norm;
  }
}

}  // namespace engram::use_lite
