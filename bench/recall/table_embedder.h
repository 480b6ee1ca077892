// TableEmbedder: an Embedder for benchmarks that looks vectors up instead of computing them.
//
// A text names its vector with "#<n>" (the last '#' followed by digits, e.g. "I like tea #42"),
// and the embedder returns vector_of(n). The engine then runs its real write and search paths
// while the benchmark controls the vectors exactly and pays no model cost per call. The "#<n>"
// convention is the one the peers' fake OpenAI server uses, so texts can be shared with them.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engram/embedder.h"

namespace engram::bench {

class TableEmbedder final : public Embedder {
 public:
  // Writes the unit vector of n into out (dimension() floats). Must be thread-safe.
  using VectorOf = std::function<void(uint64_t n, std::span<float> out)>;

  TableEmbedder(std::string model_id, int dimension, VectorOf vector_of);

  std::string model_id() const override { return model_id_; }
  int dimension() const override { return dimension_; }
  // InvalidArgument naming the text's index when a text carries no "#<n>".
  Status Embed(std::span<const std::string> texts, std::vector<std::vector<float>>* out) override;

 private:
  std::string model_id_;
  int dimension_;
  VectorOf vector_of_;
};

// The n of the last "#<n>" in text, or -1 when there is none.
int64_t TextNumber(std::string_view text);

}  // namespace engram::bench
