// Small pieces shared by the vector indexes: uninitialised buffers, a bounded top-k heap and
// input checks.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "engram/file_system.h"
#include "engram/status.h"
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

// A growable array of trivially copyable T for the big arrays of the HNSW graph. Its storage is
// one anonymous mapping or, after MapFile, a private copy-on-write mapping of a file range
// followed by anonymous room to grow into. Loading a saved graph that way neither copies the
// file nor takes fresh pages, which the kernel must zero before the copy (on a virtual machine
// that can cost seconds per GB, more than the read): the file's pages stay shared with the page
// cache until written. Growing past the capacity moves the array into a new anonymous mapping
// twice as large. Elements added by resize(n) are uninitialised.
template <typename T>
class MappableArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  MappableArray() = default;
  MappableArray(MappableArray&& other) noexcept { *this = std::move(other); }
  MappableArray& operator=(MappableArray&& other) noexcept {
    if (this != &other) {
      Unmap();
      base_ = std::exchange(other.base_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
      mapped_bytes_ = std::exchange(other.mapped_bytes_, 0);
    }
    return *this;
  }
  MappableArray(const MappableArray&) = delete;
  MappableArray& operator=(const MappableArray&) = delete;
  ~MappableArray() { Unmap(); }

  T* data() { return base_; }
  const T* data() const { return base_; }
  size_t size() const { return size_; }
  // Bytes of the mapping: capacity, the mapped file range included.
  size_t MemoryBytes() const { return mapped_bytes_; }

  void reserve(size_t n) {
    if (n > capacity_) MoveTo(n);
  }
  void resize(size_t n) {
    if (n > capacity_) MoveTo(std::max(n, 2 * capacity_));
    size_ = n;
  }
  void resize(size_t n, const T& value) {
    const size_t old = size_;
    resize(n);
    if (n > old) std::fill(base_ + old, base_ + n, value);
  }
  void append(const T* first, size_t count) {
    const size_t old = size_;
    resize(size_ + count);
    std::memcpy(base_ + old, first, count * sizeof(T));
  }

  // Replaces the contents with the `count` elements stored in `file` from `offset`, a multiple
  // of the page size, leaving room for `room` more before the array moves. The file must not
  // change while mapped (saved index files never do: they are written aside and renamed into
  // place). An error (the contents unchanged) when the file cannot be mapped.
  Status MapFile(const ReadableFile& file, uint64_t offset, size_t count, size_t room) {
    const size_t page = PageSize();
    if (offset % page != 0) return Status::InvalidArgument("unaligned file offset");
    const size_t file_bytes = RoundUp(count * sizeof(T), page);
    const size_t bytes = std::max({file_bytes, RoundUp((count + room) * sizeof(T), page), page});
    void* base = Reserve(bytes);
    if (base == nullptr) return Status::IOError("cannot map " + std::to_string(bytes) + " bytes");
    if (Status s = file.MapAt(base, offset, file_bytes); !s.ok()) {
      munmap(base, bytes);
      return s;
    }
    Unmap();
    base_ = static_cast<T*>(base);
    size_ = count;
    capacity_ = bytes / sizeof(T);
    mapped_bytes_ = bytes;
    return Status::Ok();
  }

  static size_t PageSize() { return static_cast<size_t>(sysconf(_SC_PAGESIZE)); }

 private:
  static size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

  // Anonymous memory for `bytes` (a multiple of the page size), committed only when touched;
  // null when refused.
  static void* Reserve(size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
    // As RawAllocator: random rows of a big array are TLB misses on 4 KiB pages. A hint only.
    if (bytes >= RawAllocator<T>::kHugeThreshold) madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
  }

  void MoveTo(size_t capacity) {
    const size_t bytes = RoundUp(capacity * sizeof(T), PageSize());
    void* p = Reserve(bytes);
    if (p == nullptr) throw std::bad_alloc();
    if (size_ > 0) std::memcpy(p, base_, size_ * sizeof(T));
    Unmap();
    base_ = static_cast<T*>(p);
    capacity_ = bytes / sizeof(T);
    mapped_bytes_ = bytes;
  }

  void Unmap() {
    if (base_ != nullptr) munmap(base_, mapped_bytes_);
    base_ = nullptr;
    capacity_ = 0;
    mapped_bytes_ = 0;
  }

  T* base_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t mapped_bytes_ = 0;
};

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
