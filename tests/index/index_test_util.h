// Shared helpers for the vector index tests: clustered data, brute-force ground truth, recall.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "index/vector_index.h"

namespace engram::index::testing {

// Debug and sanitizer builds run the same tests on smaller data.
#if !defined(__OPTIMIZE__) || defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSlowBuild = true;
#else
inline constexpr bool kSlowBuild = false;
#endif

// n unit vectors of `dim` floats, row-major: each is a random centre (one of `clusters`) plus
// Gaussian noise of `spread` per coordinate, normalised. Real embeddings cluster by topic;
// uniform random vectors are the worst case for graph indexes and unrepresentative.
inline std::vector<float> ClusteredVectors(size_t n, int dim, size_t clusters, float spread,
                                           uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  const auto normalise = [dim](float* v) {
    double norm = 0;
    for (int i = 0; i < dim; ++i) norm += double{v[i]} * v[i];
    const float inv = static_cast<float>(1.0 / std::sqrt(norm));
    for (int i = 0; i < dim; ++i) v[i] *= inv;
  };
  std::vector<float> centres(clusters * dim);
  for (float& x : centres) x = gauss(rng);
  for (size_t c = 0; c < clusters; ++c) normalise(&centres[c * dim]);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<float> out(n * dim);
  for (size_t i = 0; i < n; ++i) {
    const float* c = &centres[pick(rng) * dim];
    float* v = &out[i * dim];
    for (int j = 0; j < dim; ++j) v[j] = c[j] + spread * gauss(rng);
    normalise(v);
  }
  return out;
}

// The exact top k by a double-precision loop: labels are row numbers, ties by smaller label.
inline std::vector<VectorHit> NaiveTopK(std::span<const float> data, int dim,
                                        std::span<const float> q, size_t k,
                                        const LabelFilter& filter = {}) {
  std::vector<VectorHit> all;
  const size_t n = data.size() / dim;
  for (size_t i = 0; i < n; ++i) {
    if (filter && !filter(i)) continue;
    double s = 0;
    for (int j = 0; j < dim; ++j) s += double{q[j]} * data[i * dim + j];
    all.push_back({i, static_cast<float>(s)});
  }
  const size_t keep = std::min(k, all.size());
  std::partial_sort(all.begin(), all.begin() + keep, all.end(),
                    [](const VectorHit& a, const VectorHit& b) {
                      return a.score > b.score || (a.score == b.score && a.label < b.label);
                    });
  all.resize(keep);
  return all;
}

// Fraction of `truth` labels found in `got`.
inline double Recall(const std::vector<VectorHit>& got, const std::vector<VectorHit>& truth) {
  if (truth.empty()) return 1.0;
  size_t found = 0;
  for (const VectorHit& t : truth) {
    for (const VectorHit& g : got) {
      if (g.label == t.label) {
        ++found;
        break;
      }
    }
  }
  return static_cast<double>(found) / static_cast<double>(truth.size());
}

inline std::span<const float> Row(const std::vector<float>& data, int dim, size_t i) {
  return {data.data() + i * dim, static_cast<size_t>(dim)};
}

}  // namespace engram::index::testing
