// Dense float32 kernels for the USE-lite forward pass.
//
// Each entry point picks an AVX2+FMA implementation at run time when the CPU has it, else a
// portable one; the library itself is built for the baseline ISA. The *Portable and *Avx2
// variants are exposed so tests can check that both agree with a naive reference.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace engram::use_lite {

// std::allocator with 64-byte alignment, so SIMD loads never straddle a cache line.
template <typename T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}  // NOLINT: allocator rebind
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlign); }
  friend bool operator==(const AlignedAllocator&, const AlignedAllocator&) { return true; }
};
using FloatVec = std::vector<float, AlignedAllocator<float>>;

// A K×N weight matrix W plus a bias of N (y = x·W + bias), repacked once at load so that a
// matmul reads it strictly sequentially: rows are cut into depth blocks of kDepth, each depth
// block into column panels of kPanel floats (zero padded past N). Block(kb, p) holds
// W[kb·kDepth + k][p·kPanel + j] at [k·kPanel + j]; one block (16 KiB) stays in L1 while it
// is applied to every row of the input.
class PackedMatrix {
 public:
  static constexpr int kPanel = 16;
  static constexpr int kDepth = 256;

  PackedMatrix() = default;
  // w is row-major K×N; bias has N floats or is null (zero bias).
  PackedMatrix(const float* w, const float* bias, int k, int n);

  int rows() const { return k_; }
  int cols() const { return n_; }
  int panels() const { return (n_ + kPanel - 1) / kPanel; }
  int depth_blocks() const { return (k_ + kDepth - 1) / kDepth; }
  // Rows of W in depth block kb.
  int depth(int kb) const { return kb + 1 < depth_blocks() ? kDepth : k_ - kb * kDepth; }
  const float* block(int kb, int p) const { return data_.data() + offset(kb, p); }
  // Padded to panels()·kPanel floats.
  const float* bias() const { return bias_.data(); }

 private:
  size_t offset(int kb, int p) const {
    return static_cast<size_t>(kb) * kDepth * panels() * kPanel +
           static_cast<size_t>(p) * depth(kb) * kPanel;
  }

  int k_ = 0;
  int n_ = 0;
  FloatVec data_;
  FloatVec bias_;
};

// What MatMul does with the product P = A·W + bias.
enum class Epilogue {
  kStore,       // C = P
  kRelu,        // C = max(P, 0)
  kAccumulate,  // C += P (residual connections)
};

// The column panels [begin, end) of a matmul's output; the default is all of them.
struct PanelRange {
  int begin = 0;
  int end = -1;  // one past the last panel; -1: w.panels()
};

// C (m × w.cols(), row stride ldc) from A (m × w.rows(), row stride lda) and w, per `ep`;
// only the columns of `panels` are written. Each output depends only on its input row and
// column, bit for bit, whatever m and the panel range are: batching texts or splitting a
// matmul across threads never changes a vector.
void MatMul(const float* a, int m, int lda, const PackedMatrix& w, float* c, int ldc, Epilogue ep,
            PanelRange panels = {});
void MatMulPortable(const float* a, int m, int lda, const PackedMatrix& w, float* c, int ldc,
                    Epilogue ep, PanelRange panels = {});
// Requires HasAvx2().
void MatMulAvx2(const float* a, int m, int lda, const PackedMatrix& w, float* c, int ldc,
                Epilogue ep, PanelRange panels = {});

// Sum of a[i]·b[i] for i < n.
float Dot(const float* a, const float* b, int n);
// Sum of x[i] for i < n.
float Sum(const float* x, int n);
// y[i] += alpha·x[i] for i < n.
void Axpy(float alpha, const float* x, float* y, int n);

// Whether this CPU runs the AVX2+FMA kernels (checked once).
bool HasAvx2();

}  // namespace engram::use_lite
