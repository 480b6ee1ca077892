// Inner products of float vectors: the similarity every vector index ranks by.
//
// The library is built for baseline x86-64 (no -march=native), so the AVX2+FMA kernels carry a
// target attribute and are chosen once, at first use, with __builtin_cpu_supports; other CPUs get
// portable loops. The two paths sum in different orders, so results may differ in the last bits.
// All functions are thread-safe.
#pragma once

#include <cstddef>

namespace engram::index {

// Returns sum(a[i] * b[i]) for i < n.
float InnerProduct(const float* a, const float* b, size_t n);

// scores[i] = InnerProduct(query, rows + i * dim, dim) for i < count, where `rows` is row-major.
// Faster than one InnerProduct per row: each query chunk is loaded once for several rows.
void InnerProductBatch(const float* query, const float* rows, size_t count, size_t dim,
                       float* scores);

// "avx2_fma" or "portable": the kernels this process uses.
const char* InnerProductKernelName();

namespace internal {

// The portable kernels, exposed so tests can compare them with the dispatched ones.
float InnerProductPortable(const float* a, const float* b, size_t n);
void InnerProductBatchPortable(const float* query, const float* rows, size_t count, size_t dim,
                               float* scores);

}  // namespace internal
}  // namespace engram::index
