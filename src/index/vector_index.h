// VectorIndex: nearest neighbours by inner product over L2-normalised float vectors.
//
// Labels are the caller's 64-bit ids (the store's row ids). Implementations: FlatIndex (exact,
// SIMD scan; small partitions) and HnswIndex (approximate; large partitions). An index is not
// internally synchronised: concurrent Search() calls are safe, Add/Remove need exclusive access.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engram/status.h"

namespace engram::index {

struct VectorHit {
  uint64_t label = 0;
  float score = 0;  // inner product; cosine similarity for normalised vectors
};

// Returns true for labels a search may return. Called during the search, so an approximate
// index keeps walking through rejected nodes instead of post-filtering a short list.
using LabelFilter = std::function<bool(uint64_t label)>;

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual int dimension() const = 0;
  // Number of live (not removed) vectors.
  virtual size_t size() const = 0;

  // Adds a vector under `label`, replacing any vector the label already had.
  // InvalidArgument if v.size() != dimension().
  virtual Status Add(uint64_t label, std::span<const float> v) = 0;
  // Removes `label`; a removed label is never returned again. OK if it was absent.
  virtual Status Remove(uint64_t label) = 0;

  // Up to k hits with the highest score, best first, restricted to labels `filter` accepts
  // (all labels when filter is empty).
  virtual std::vector<VectorHit> Search(std::span<const float> query, size_t k,
                                        const LabelFilter& filter = {}) const = 0;
};

}  // namespace engram::index
