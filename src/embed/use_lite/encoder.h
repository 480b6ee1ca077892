// The USE-lite network: token ids in, one L2-normalised vector per sequence out.
//
// Two pre-LN transformer layers (see shared/models/USE-lite.md): layer 0 widens the model from
// the embedding size d0 to d1 through a projected residual, layer 1 keeps d1. The output is
// l2normalize(tanh(mean_t(h)·Wt + bt)). Sizes are read from the weight shapes, so a small model
// in the same format works too (tests use one).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "embed/use_lite/kernels.h"
#include "embed/use_lite/weights.h"
#include "engram/status.h"
#include "util/worker_team.h"

namespace engram::use_lite {

// Work buffers of one Forward call. Reuse one per thread to avoid reallocating; never share one
// between concurrent calls.
struct Scratch {
  FloatVec x, y, qkv, att, h, ff, scores, pooled_h, pooled_ff;
};

class Encoder {
 public:
  static constexpr int kHeads = 4;

  // Takes the tensors it needs from `weights` (copied and repacked; `weights` may be dropped
  // afterwards). NotFound or Corruption naming the tensor when one is missing or misshapen.
  static Result<std::unique_ptr<Encoder>> Build(const WeightFile& weights);

  // Length of each output vector (512 for USE-lite).
  int dimension() const { return d_out_; }
  // Rows of the embedding table: every id passed to Forward must be below it.
  int vocab_rows() const { return vocab_rows_; }

  // Writes seqs.size() vectors of dimension() floats to out, one per sequence. Each sequence
  // holds at most kMaxTokens ids; an empty one pools to zeros and yields the normalised
  // tanh(bt). Sequences are processed together, so pass a bounded batch (their token count
  // sizes the scratch buffers). With a team, the larger matmuls are split across its threads
  // (the output is the same bit for bit); null runs on the calling thread only.
  void Forward(std::span<const std::vector<int32_t>> seqs, Scratch* scratch, float* out,
               util::WorkerTeam* team = nullptr) const;

 private:
  struct Layer {
    FloatVec ln_att_scale, ln_att_bias, ln_ffn_scale, ln_ffn_bias;
    PackedMatrix qkv, out, ffn1, ffn2;
  };

  Encoder() = default;
  static Status LoadLayer(const WeightFile& w, int index, int d_in, int d_model, Layer* layer);
  // att (rows × d) = softmax(q·kᵀ)·v per head, within each sequence; q is scaled in place.
  void Attention(std::span<const int> starts, int d, float* qkv, float* scores, float* att) const;

  int vocab_rows_ = 0;
  int d0_ = 0;             // embedding width
  int d1_ = 0;             // model width after layer 0
  int d_out_ = 0;          // output width
  FloatVec embeddings2_;   // 2·E: the graph adds the embedding twice
  FloatVec timing_;        // kMaxTokens × d0 sinusoidal position signal
  PackedMatrix residual_;  // layer 0's projection of the residual d0 -> d1
  Layer layers_[2];
  PackedMatrix tanh_;
};

}  // namespace engram::use_lite
