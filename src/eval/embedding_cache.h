// An embedder that remembers: vectors of texts already embedded by the wrapped embedder are read
// from a file instead of being computed again. For evaluation loops that re-ingest the same
// corpus (engram eval locomo --embed-cache FILE); not for serving.
//
// File: "ENGRAM-EMBED-CACHE 1\n", then the model id and dimension on one line, then records of
// u32 text length, text bytes, dimension floats (native byte order). A file of another model or
// dimension is ignored and rewritten; a damaged tail is dropped.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engram/embedder.h"

namespace engram::eval {

class CachingEmbedder : public Embedder {
 public:
  // Reads `path` when it exists; the inner embedder computes what the file lacks.
  CachingEmbedder(std::shared_ptr<Embedder> inner, std::string path);

  std::string model_id() const override { return inner_->model_id(); }
  int dimension() const override { return inner_->dimension(); }
  Status Embed(std::span<const std::string> texts, std::vector<std::vector<float>>* out) override;

  // Writes the file with every vector seen so far (atomically: a temporary file renamed).
  Status Save() const;

 private:
  std::shared_ptr<Embedder> inner_;
  std::string path_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::vector<float>> vectors_;
};

}  // namespace engram::eval
