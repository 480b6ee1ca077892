// Embedder: turns texts into fixed-size float vectors for vector search.
//
// One interface for every model: the built-in USE-lite encoder (src/embed/use_lite) and
// OpenAI-compatible HTTP services (src/embed/http). A store records the model_id() and
// dimension() of the vectors it holds; opening it with a different embedder is an error.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram {

class Embedder {
 public:
  virtual ~Embedder() = default;

  // Stable identifier of the model and its preprocessing, e.g. "use-lite-v1".
  virtual std::string model_id() const = 0;
  // Length of every vector Embed() returns.
  virtual int dimension() const = 0;

  // Embeds each text; on success out->size() == texts.size() and every vector has
  // dimension() floats, L2-normalised. Thread-safe: may be called from several threads.
  virtual Status Embed(std::span<const std::string> texts,
                       std::vector<std::vector<float>>* out) = 0;
};

}  // namespace engram
