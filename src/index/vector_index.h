// VectorIndex: nearest neighbours by inner product over L2-normalised float vectors.
//
// Labels are the caller's 64-bit ids (the store's row ids). Implementations: FlatIndex (exact,
// SIMD scan; small partitions) and HnswIndex (approximate; large partitions). An index is not
// internally synchronised: concurrent Search() calls are safe, Add/Remove need exclusive access.
#pragma once

#include <algorithm>
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
// index keeps walking through rejected nodes instead of post-filtering a short list. It may be
// called more than once per label (indexes sample it to estimate its selectivity) and from
// several threads when searches run concurrently: it must be pure, cheap and thread-safe.
using LabelFilter = std::function<bool(uint64_t label)>;

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual int dimension() const = 0;
  // Number of live (not removed) vectors.
  virtual size_t size() const = 0;
  // Bytes the index holds in memory (allocated capacity, mapped file ranges included): what
  // a memory budget charges for it. An estimate within allocator overheads.
  virtual size_t MemoryBytes() const = 0;

  // Adds a vector under `label`, replacing any vector the label already had.
  // InvalidArgument if v.size() != dimension() or v holds a NaN or infinity.
  virtual Status Add(uint64_t label, std::span<const float> v) = 0;
  // Removes `label`; a removed label is never returned again. OK if it was absent.
  virtual Status Remove(uint64_t label) = 0;

  // Up to k hits with the highest score, best first, restricted to labels `filter` accepts
  // (all labels when filter is empty). Empty when query.size() != dimension() or the query
  // holds a NaN or infinity.
  virtual std::vector<VectorHit> Search(std::span<const float> query, size_t k,
                                        const LabelFilter& filter = {}) const = 0;

  // Search restricted to `labels`: up to k hits, best first. Labels that are absent or removed
  // are skipped; duplicates count once. For callers that already hold the allowed set (e.g. from
  // a store query): FlatIndex and HnswIndex score exactly these labels, O(labels.size() * dim),
  // instead of walking the index. The default runs a filtered Search().
  virtual std::vector<VectorHit> SearchAmong(std::span<const float> query, size_t k,
                                             std::span<const uint64_t> labels) const {
    std::vector<uint64_t> allowed(labels.begin(), labels.end());
    std::sort(allowed.begin(), allowed.end());
    return Search(query, k, [&allowed](uint64_t label) {
      return std::binary_search(allowed.begin(), allowed.end(), label);
    });
  }
};

}  // namespace engram::index
