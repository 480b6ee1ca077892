#include "embed/use_lite/kernels.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ENGRAM_X86 1
#endif

namespace engram::use_lite {

PackedMatrix::PackedMatrix(const float* w, const float* bias, int k, int n) : k_(k), n_(n) {
  const int np = panels();
  data_.assign(static_cast<size_t>(k) * np * kPanel, 0.0f);
  bias_.assign(static_cast<size_t>(np) * kPanel, 0.0f);
  if (bias != nullptr) std::copy(bias, bias + n, bias_.begin());
  for (int kb = 0; kb < depth_blocks(); ++kb) {
    for (int p = 0; p < np; ++p) {
      float* dst = data_.data() + offset(kb, p);
      const int cols = std::min(kPanel, n - p * kPanel);
      for (int kk = 0; kk < depth(kb); ++kk) {
        const float* src = w + static_cast<size_t>(kb * kDepth + kk) * n + p * kPanel;
        std::copy(src, src + cols, dst + kk * kPanel);
      }
    }
  }
}

namespace {

constexpr int kRows = 6;  // rows per full micro-kernel call: 6×16 accumulators use 12 registers
constexpr int kP = PackedMatrix::kPanel;
constexpr int kPrefetch = 64;  // k steps ahead (a prefetch never faults, even past the end)

// A micro-kernel call computes c[r][0 .. panels·kP) for r < rows from `depth` steps of a (row
// stride lda) and `panels` consecutive packed panels starting at b (panel_stride floats apart).
// load_c: start from c instead of 0. bias (only on the last depth block): add it, then clamp
// at 0 if relu. Every output is summed over k in the same order whatever rows and panels are,
// so a text's vector does not depend on which other texts share its batch.
struct MicroArgs {
  const float* a;
  int lda;
  const float* b;
  size_t panel_stride;
  int depth;
  float* c;
  int ldc;
  bool load_c;
  const float* bias;
  bool relu;
};
using MicroFn = void (*)(int rows, int panels, const MicroArgs& args);

// Panels per call for a block of `rows` rows: few rows get several panels at once so that
// there are enough independent accumulators to hide the FMA latency.
int PanelsFor(int rows) {
  return rows == 1 ? 4 : rows == 2 ? 3 : rows == 3 ? 2 : 1;
}

// Walks depth blocks, then panels, then full 6-row blocks in storage order, so each packed
// block is loaded once and reused from L1 by every row block; leftover rows come last, several
// panels per call. A last panel narrower than kP goes through a kP-wide temporary so that the
// micro-kernels never check widths.
void Drive(MicroFn micro, const float* a, int m, int lda, const PackedMatrix& w, float* c, int ldc,
           Epilogue ep, PanelRange range) {
  const int n = w.cols();
  const int panel_begin = range.begin;
  const int panel_end = range.end < 0 ? w.panels() : range.end;
  const int blocks = w.depth_blocks();
  const int full_rows = m / kRows * kRows;
  const int tail_rows = m - full_rows;
  const int tail_panels = PanelsFor(tail_rows);
  for (int kb = 0; kb < blocks; ++kb) {
    MicroArgs args{};
    args.lda = lda;
    args.depth = w.depth(kb);
    args.panel_stride = static_cast<size_t>(w.depth(kb)) * kP;
    args.load_c = kb > 0 || ep == Epilogue::kAccumulate;
    args.relu = ep == Epilogue::kRelu;
    const bool last = kb + 1 == blocks;
    const float* ak = a + static_cast<size_t>(kb) * PackedMatrix::kDepth;
    auto run = [&](int row, int rows, int p, int panels) {
      args.a = ak + static_cast<size_t>(row) * lda;
      args.b = w.block(kb, p);
      args.bias = last ? w.bias() + p * kP : nullptr;
      float* cr = c + static_cast<size_t>(row) * ldc + p * kP;
      const int cols = std::min(panels * kP, n - p * kP);
      if (cols == panels * kP) {
        args.c = cr;
        args.ldc = ldc;
        micro(rows, panels, args);
        return;
      }
      float tmp[kRows * kP] = {};  // only single panels are ever partial
      if (args.load_c) {
        for (int i = 0; i < rows; ++i) std::memcpy(tmp + i * kP, cr + i * ldc, cols * 4);
      }
      args.c = tmp;
      args.ldc = kP;
      micro(rows, panels, args);
      for (int i = 0; i < rows; ++i) std::memcpy(cr + i * ldc, tmp + i * kP, cols * 4);
    };
    for (int p = panel_begin; p < panel_end; ++p) {
      for (int r = 0; r < full_rows; r += kRows) run(r, kRows, p, 1);
    }
    if (tail_rows > 0) {
      const int full_panel_end = std::min(panel_end, n / kP);
      int p = panel_begin;
      for (; p + tail_panels <= full_panel_end; p += tail_panels) {
        run(full_rows, tail_rows, p, tail_panels);
      }
      for (; p < panel_end; ++p) run(full_rows, tail_rows, p, 1);
    }
  }
}

template <int R>
void MicroPortableRows(const MicroArgs& x, int panel) {
  const float* b = x.b + panel * x.panel_stride;
  float* c = x.c + panel * kP;
  const float* bias = x.bias == nullptr ? nullptr : x.bias + panel * kP;
  float acc[R][kP];
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < kP; ++j) acc[r][j] = x.load_c ? c[r * x.ldc + j] : 0.0f;
  }
  for (int k = 0; k < x.depth; ++k) {
    const float* bk = b + k * kP;
    for (int r = 0; r < R; ++r) {
      const float av = x.a[r * x.lda + k];
      for (int j = 0; j < kP; ++j) acc[r][j] += av * bk[j];
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int j = 0; j < kP; ++j) {
      float v = acc[r][j];
      if (bias != nullptr) {
        v += bias[j];
        if (x.relu) v = std::max(v, 0.0f);
      }
      c[r * x.ldc + j] = v;
    }
  }
}

void MicroPortable(int rows, int panels, const MicroArgs& x) {
  for (int p = 0; p < panels; ++p) {
    switch (rows) {
      case 6:
        MicroPortableRows<6>(x, p);
        break;
      case 5:
        MicroPortableRows<5>(x, p);
        break;
      case 4:
        MicroPortableRows<4>(x, p);
        break;
      case 3:
        MicroPortableRows<3>(x, p);
        break;
      case 2:
        MicroPortableRows<2>(x, p);
        break;
      default:
        MicroPortableRows<1>(x, p);
        break;
    }
  }
}

#ifdef ENGRAM_X86

// Every loop over the accumulators is fully unrolled so that they live in registers.
template <int R, int P>
__attribute__((target("avx2,fma"))) void MicroAvx2Rows(const MicroArgs& x) {
  const float* const a = x.a;
  const float* const b = x.b;
  float* const c = x.c;
  const size_t lda = static_cast<size_t>(x.lda);
  const size_t ldc = static_cast<size_t>(x.ldc);
  const size_t stride = x.panel_stride;
  const int depth = x.depth;
  __m256 acc[R][2 * P];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int j = 0; j < 2 * P; ++j) {
      acc[r][j] = x.load_c ? _mm256_loadu_ps(c + r * ldc + 8 * j) : _mm256_setzero_ps();
    }
  }
  for (int k = 0; k < depth; ++k) {
    __m256 bv[2 * P];
#pragma GCC unroll 8
    for (int j = 0; j < 2 * P; ++j)
      bv[j] = _mm256_load_ps(b + (j / 2) * stride + k * kP + 8 * (j % 2));
      // The weights stream from L3 or memory on the first row block; ask for them 4 KiB early.
#pragma GCC unroll 4
    for (int p = 0; p < P; ++p) {
      _mm_prefetch(reinterpret_cast<const char*>(b + p * stride + (k + kPrefetch) * kP),
                   _MM_HINT_T0);
    }
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * lda + k);
#pragma GCC unroll 8
      for (int j = 0; j < 2 * P; ++j) acc[r][j] = _mm256_fmadd_ps(av, bv[j], acc[r][j]);
    }
  }
  if (x.bias != nullptr) {
    const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int j = 0; j < 2 * P; ++j) {
      const __m256 bias = _mm256_loadu_ps(x.bias + 8 * j);
#pragma GCC unroll 6
      for (int r = 0; r < R; ++r) {
        acc[r][j] = _mm256_add_ps(acc[r][j], bias);
        if (x.relu) acc[r][j] = _mm256_max_ps(acc[r][j], zero);
      }
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int j = 0; j < 2 * P; ++j) _mm256_storeu_ps(c + r * ldc + 8 * j, acc[r][j]);
  }
}

__attribute__((target("avx2,fma"))) void MicroAvx2(int rows, int panels, const MicroArgs& x) {
  if (panels == PanelsFor(rows)) {
    switch (rows) {
      case 6:
        return MicroAvx2Rows<6, 1>(x);
      case 5:
        return MicroAvx2Rows<5, 1>(x);
      case 4:
        return MicroAvx2Rows<4, 1>(x);
      case 3:
        return MicroAvx2Rows<3, 2>(x);
      case 2:
        return MicroAvx2Rows<2, 3>(x);
      default:
        return MicroAvx2Rows<1, 4>(x);
    }
  }
  // Leftover single panels of a short row block.
  switch (rows) {
    case 3:
      return MicroAvx2Rows<3, 1>(x);
    case 2:
      return MicroAvx2Rows<2, 1>(x);
    default:
      return MicroAvx2Rows<1, 1>(x);
  }
}

__attribute__((target("avx2,fma"))) float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma"))) float DotAvx2(const float* a, const float* b, int n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

__attribute__((target("avx2,fma"))) float SumAvx2(const float* x, int n) {
  __m256 acc0 = _mm256_setzero_ps();
  __m256 acc1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_add_ps(acc0, _mm256_loadu_ps(x + i));
    acc1 = _mm256_add_ps(acc1, _mm256_loadu_ps(x + i + 8));
  }
  for (; i + 8 <= n; i += 8) acc0 = _mm256_add_ps(acc0, _mm256_loadu_ps(x + i));
  float sum = HorizontalSum(_mm256_add_ps(acc0, acc1));
  for (; i < n; ++i) sum += x[i];
  return sum;
}

__attribute__((target("avx2,fma"))) void AxpyAvx2(float alpha, const float* x, float* y, int n) {
  const __m256 va = _mm256_set1_ps(alpha);
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += alpha * x[i];
}

#endif  // ENGRAM_X86

}  // namespace

bool HasAvx2() {
#ifdef ENGRAM_X86
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return has;
#else
  return false;
#endif
}

void MatMulPortable(const float* a, int m, int lda, const PackedMatrix& w, float* c, int ldc,
                    Epilogue ep, PanelRange panels) {
  Drive(MicroPortable, a, m, lda, w, c, ldc, ep, panels);
}

void MatMulAvx2(const float* a, int m, int lda, const PackedMatrix& w, float* c, int ldc,
                Epilogue ep, PanelRange panels) {
#ifdef ENGRAM_X86
  Drive(MicroAvx2, a, m, lda, w, c, ldc, ep, panels);
#else
  MatMulPortable(a, m, lda, w, c, ldc, ep, panels);
#endif
}

void MatMul(const float* a, int m, int lda, const PackedMatrix& w, float* c, int ldc, Epilogue ep,
            PanelRange panels) {
  if (m == 0) return;  // no rows: a may be null, and there is nothing to compute
  if (HasAvx2()) {
    MatMulAvx2(a, m, lda, w, c, ldc, ep, panels);
  } else {
    MatMulPortable(a, m, lda, w, c, ldc, ep, panels);
  }
}

float Dot(const float* a, const float* b, int n) {
#ifdef ENGRAM_X86
  if (HasAvx2()) return DotAvx2(a, b, n);
#endif
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

float Sum(const float* x, int n) {
#ifdef ENGRAM_X86
  if (HasAvx2()) return SumAvx2(x, n);
#endif
  float sum = 0.0f;
  for (int i = 0; i < n; ++i) sum += x[i];
  return sum;
}

void Axpy(float alpha, const float* x, float* y, int n) {
#ifdef ENGRAM_X86
  if (HasAvx2()) return AxpyAvx2(alpha, x, y, n);
#endif
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
}

}  // namespace engram::use_lite
