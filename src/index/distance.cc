#include "index/distance.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ENGRAM_HAVE_X86_KERNELS 1
#endif

namespace engram::index {
namespace internal {

float InnerProductPortable(const float* a, const float* b, size_t n) {
  // Eight independent partial sums break the add dependency chain and let the compiler use
  // baseline SSE without -ffast-math.
  float acc[8] = {};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (size_t j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void InnerProductBatchPortable(const float* query, const float* rows, size_t count, size_t dim,
                               float* scores) {
  for (size_t r = 0; r < count; ++r) scores[r] = InnerProductPortable(query, rows + r * dim, dim);
}

}  // namespace internal

namespace {

#ifdef ENGRAM_HAVE_X86_KERNELS

__attribute__((target("avx2,fma"))) inline float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) float InnerProductAvx2(const float* a, const float* b,
                                                           size_t n) {
  // Four accumulators cover the FMA latency (4 cycles, 2 per cycle on current cores).
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps();
  __m256 acc3 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  float sum = HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

__attribute__((target("avx2,fma"))) void InnerProductBatchAvx2(const float* query,
                                                               const float* rows, size_t count,
                                                               size_t dim, float* scores) {
  size_t r = 0;
  // Four rows per pass with two accumulators each: every query load feeds four FMAs and the
  // eight independent chains keep both FMA ports busy.
  for (; r + 4 <= count; r += 4) {
    const float* r0 = rows + r * dim;
    const float* r1 = r0 + dim;
    const float* r2 = r1 + dim;
    const float* r3 = r2 + dim;
    __m256 a0 = _mm256_setzero_ps(), b0 = _mm256_setzero_ps();
    __m256 a1 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps();
    __m256 a3 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= dim; i += 16) {
      const __m256 qa = _mm256_loadu_ps(query + i);
      const __m256 qb = _mm256_loadu_ps(query + i + 8);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), qa, a0);
      b0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i + 8), qb, b0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), qa, a1);
      b1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i + 8), qb, b1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), qa, a2);
      b2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i + 8), qb, b2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i), qa, a3);
      b3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i + 8), qb, b3);
    }
    if (i + 8 <= dim) {
      const __m256 qa = _mm256_loadu_ps(query + i);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), qa, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), qa, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), qa, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i), qa, a3);
      i += 8;
    }
    float s0 = HorizontalSum(_mm256_add_ps(a0, b0));
    float s1 = HorizontalSum(_mm256_add_ps(a1, b1));
    float s2 = HorizontalSum(_mm256_add_ps(a2, b2));
    float s3 = HorizontalSum(_mm256_add_ps(a3, b3));
    for (; i < dim; ++i) {
      s0 += r0[i] * query[i];
      s1 += r1[i] * query[i];
      s2 += r2[i] * query[i];
      s3 += r3[i] * query[i];
    }
    scores[r] = s0;
    scores[r + 1] = s1;
    scores[r + 2] = s2;
    scores[r + 3] = s3;
  }
  for (; r < count; ++r) scores[r] = InnerProductAvx2(query, rows + r * dim, dim);
}

#endif  // ENGRAM_HAVE_X86_KERNELS

struct Kernels {
  float (*ip)(const float*, const float*, size_t);
  void (*batch)(const float*, const float*, size_t, size_t, float*);
  const char* name;
};

Kernels ChooseKernels() {
#ifdef ENGRAM_HAVE_X86_KERNELS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    return {&InnerProductAvx2, &InnerProductBatchAvx2, "avx2_fma"};
  }
#endif
  return {&internal::InnerProductPortable, &internal::InnerProductBatchPortable, "portable"};
}

// A function-local static rather than a namespace-scope one, so callers running during static
// initialisation of other translation units still see the chosen kernels.
const Kernels& GetKernels() {
  static const Kernels kernels = ChooseKernels();
  return kernels;
}

}  // namespace

float InnerProduct(const float* a, const float* b, size_t n) {
  return GetKernels().ip(a, b, n);
}

void InnerProductBatch(const float* query, const float* rows, size_t count, size_t dim,
                       float* scores) {
  GetKernels().batch(query, rows, count, dim, scores);
}

const char* InnerProductKernelName() {
  return GetKernels().name;
}

}  // namespace engram::index
