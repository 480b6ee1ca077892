// Small pieces shared by the vector indexes: uninitialised buffers, a bounded top-k heap and
// input checks.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <utility>
#include <vector>

#include "index/vector_index.h"

namespace engram::index::internal {

// Limits shared by the indexes; a saved file claiming more is corrupt.
constexpr int kMaxDimension = 1 << 16;
constexpr uint64_t kMaxVectors = 0xFFFFFFFEu;  // slots and node ids are 32-bit

// The allocator of the big index arrays (vectors, level-0 links):
// - construct() without a value default-initialises, so resize() of a float or integer vector
//   leaves memory untouched. Loading a 2 GB index then writes each page once (the read) instead
//   of twice (zero fill, then read).
// - Blocks of 8 MiB and more are 2 MiB-aligned and advised as transparent huge pages: graph
//   walks touch rows at random, and with 4 KiB pages nearly every row costs a TLB miss.
template <typename T>
struct RawAllocator : std::allocator<T> {
  using std::allocator<T>::allocator;
  template <typename U>
  struct rebind {
    using other = RawAllocator<U>;
  };

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugeThreshold) return std::allocator<T>::allocate(n);
    void* p = nullptr;
    if (posix_memalign(&p, kHugePage, bytes) != 0) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(p, (bytes + kHugePage - 1) / kHugePage * kHugePage, MADV_HUGEPAGE);  // a hint only
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kHugeThreshold) return std::allocator<T>::deallocate(p, n);
    free(p);
  }

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  static constexpr size_t kHugePage = size_t{2} << 20;
  static constexpr size_t kHugeThreshold = size_t{8} << 20;
};

template <typename T>
using RawVector = std::vector<T, RawAllocator<T>>;

// True if every value is finite. Non-finite inputs would make scores NaN, and NaN breaks the
// strict weak ordering the heaps rely on.
inline bool AllFinite(std::span<const float> v) {
  for (float x : v) {
    if (!std::isfinite(x)) return false;
  }
  return true;
}

// Orders hits best first: higher score, then smaller label, so equal scores rank the same way in
// every index and in tests.
inline bool BetterHit(const VectorHit& a, const VectorHit& b) {
  return a.score > b.score || (a.score == b.score && a.label < b.label);
}

// Keeps the k best hits pushed so far.
class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(std::min<size_t>(k, 1024)); }

  // False when a hit with `score` cannot enter; lets callers skip a filter call or a lookup.
  bool Admits(float score) const {
    return k_ > 0 && (heap_.size() < k_ || score >= heap_.front().score);
  }

  void Push(uint64_t label, float score) {
    // Overflowed sums can be NaN even for finite inputs; rank them last instead of letting them
    // corrupt the heap order.
    if (std::isnan(score)) score = -std::numeric_limits<float>::infinity();
    const VectorHit hit{label, score};
    if (heap_.size() < k_) {
      heap_.push_back(hit);
      std::push_heap(heap_.begin(), heap_.end(), BetterHit);
    } else if (k_ > 0 && BetterHit(hit, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), BetterHit);
      heap_.back() = hit;
      std::push_heap(heap_.begin(), heap_.end(), BetterHit);
    }
  }

  // The kept hits, best first. Leaves the TopK empty.
  std::vector<VectorHit> Take() {
    std::sort_heap(heap_.begin(), heap_.end(), BetterHit);
    return std::move(heap_);
  }

 private:
  size_t k_;
  std::vector<VectorHit> heap_;  // heap under BetterHit: front() is the worst kept hit
};

}  // namespace engram::index::internal
