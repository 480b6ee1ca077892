// The matmul, dot, sum and axpy kernels, portable and AVX2, against naive double loops.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "embed/use_lite/kernels.h"

namespace engram::use_lite {
namespace {

using MatMulFn = void (*)(const float*, int, int, const PackedMatrix&, float*, int, Epilogue,
                          PanelRange);

std::vector<float> Random(size_t n, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

void CheckMatMul(MatMulFn fn, const char* which) {
  std::mt19937 rng(7);
  for (int m : {1, 2, 3, 5, 6, 7, 13}) {
    for (int k : {1, 7, 256, 300, 520}) {
      for (int n : {1, 15, 16, 17, 40, 64, 100}) {
        for (Epilogue ep : {Epilogue::kStore, Epilogue::kRelu, Epilogue::kAccumulate}) {
          const int lda = k + 3;  // strides wider than the data
          const int ldc = n + 5;
          const std::vector<float> a = Random(static_cast<size_t>(m) * lda, rng);
          const std::vector<float> w = Random(static_cast<size_t>(k) * n, rng);
          const std::vector<float> bias = Random(n, rng);
          std::vector<float> c = Random(static_cast<size_t>(m) * ldc, rng);
          const std::vector<float> c0 = c;
          fn(a.data(), m, lda, PackedMatrix(w.data(), bias.data(), k, n), c.data(), ldc, ep, {});
          for (int i = 0; i < m; ++i) {
            for (int j = 0; j < ldc; ++j) {
              const size_t at = static_cast<size_t>(i) * ldc + j;
              if (j >= n) {
                ASSERT_EQ(c[at], c0[at]) << which << ": wrote past column " << n;
                continue;
              }
              double want = bias[j];
              for (int x = 0; x < k; ++x) {
                want += static_cast<double>(a[static_cast<size_t>(i) * lda + x]) *
                        w[static_cast<size_t>(x) * n + j];
              }
              if (ep == Epilogue::kRelu) want = std::max(want, 0.0);
              if (ep == Epilogue::kAccumulate) want += c0[at];
              ASSERT_NEAR(c[at], want, 1e-5 * (k + 10))
                  << which << " m=" << m << " k=" << k << " n=" << n << " ep=" << int(ep);
            }
          }
        }
      }
    }
  }
}

TEST(UseLiteKernels, MatMulPortable) {
  CheckMatMul(MatMulPortable, "portable");
}

TEST(UseLiteKernels, MatMulAvx2) {
  if (!HasAvx2()) GTEST_SKIP() << "this CPU has no AVX2+FMA";
  CheckMatMul(MatMulAvx2, "avx2");
}

TEST(UseLiteKernels, MatMulDispatch) {
  CheckMatMul(MatMul, "dispatch");
}

TEST(UseLiteKernels, PanelRangesTileTheOutputBitForBit) {
  std::mt19937 rng(11);
  for (int m : {1, 4, 6, 12}) {
    for (int n : {16, 40, 100, 512}) {
      const int k = 300;
      const std::vector<float> a = Random(static_cast<size_t>(m) * k, rng);
      const std::vector<float> w = Random(static_cast<size_t>(k) * n, rng);
      const std::vector<float> bias = Random(n, rng);
      const PackedMatrix packed(w.data(), bias.data(), k, n);
      std::vector<float> whole(static_cast<size_t>(m) * n);
      MatMul(a.data(), m, k, packed, whole.data(), n, Epilogue::kRelu);
      for (int parts : {2, 3, 5}) {
        std::vector<float> pieces(whole.size(), -1.0f);
        for (int i = 0; i < parts; ++i) {
          const PanelRange range{packed.panels() * i / parts, packed.panels() * (i + 1) / parts};
          MatMul(a.data(), m, k, packed, pieces.data(), n, Epilogue::kRelu, range);
        }
        EXPECT_EQ(pieces, whole) << "m=" << m << " n=" << n << " parts=" << parts;
      }
    }
  }
}

TEST(UseLiteKernels, VectorOps) {
  std::mt19937 rng(3);
  for (int n = 0; n < 40; ++n) {
    const std::vector<float> a = Random(n, rng);
    const std::vector<float> b = Random(n, rng);
    double dot = 0, sum = 0;
    for (int i = 0; i < n; ++i) {
      dot += static_cast<double>(a[i]) * b[i];
      sum += a[i];
    }
    EXPECT_NEAR(Dot(a.data(), b.data(), n), dot, 1e-5) << n;
    EXPECT_NEAR(Sum(a.data(), n), sum, 1e-5) << n;
    std::vector<float> y = b;
    Axpy(0.5f, a.data(), y.data(), n);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(y[i], b[i] + 0.5 * a[i], 1e-6);
  }
}

}  // namespace
}  // namespace engram::use_lite
