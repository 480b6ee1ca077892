// FlatIndex: exact nearest neighbours by a SIMD scan over all vectors.
//
// Vectors live row-major in one contiguous block, so a search streams memory at full bandwidth
// (about 20 ms for 100k x 512 floats on one core). Use it for small partitions and as the ground
// truth for approximate indexes. Remove() moves the last row into the hole: O(dim), no
// tombstones. Thread-safety as for VectorIndex: const methods may run concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engram/status.h"
#include "index/index_util.h"
#include "index/label_map.h"
#include "index/vector_index.h"

namespace engram::index {

class FlatIndex final : public VectorIndex {
 public:
  // Requires dim > 0.
  explicit FlatIndex(int dim);

  FlatIndex(FlatIndex&&) noexcept = default;
  FlatIndex& operator=(FlatIndex&&) noexcept = default;
  // Copying would silently duplicate gigabytes; move instead.
  FlatIndex(const FlatIndex&) = delete;
  FlatIndex& operator=(const FlatIndex&) = delete;

  int dimension() const override { return dim_; }
  size_t size() const override { return labels_.size(); }
  size_t MemoryBytes() const override;

  // Replacing a label overwrites its row in place. TooLarge beyond 2^32 - 1 vectors.
  Status Add(uint64_t label, std::span<const float> v) override;
  Status Remove(uint64_t label) override;

  // When a sample says the filter accepts at most half of the labels, every label is filtered
  // before scoring (rejected rows are never read); otherwise rows are scored first and only
  // those that could enter the top k are filtered.
  std::vector<VectorHit> Search(std::span<const float> query, size_t k,
                                const LabelFilter& filter = {}) const override;
  std::vector<VectorHit> SearchAmong(std::span<const float> query, size_t k,
                                     std::span<const uint64_t> labels) const override;

  bool Contains(uint64_t label) const { return slots_.Find(label) != nullptr; }
  // The stored vector of `label`, or an empty span. Invalidated by Add and Remove.
  std::span<const float> Get(uint64_t label) const;

  // Pre-allocates room for n vectors.
  void Reserve(size_t n);

  // Writes the index to `path` atomically (temporary file + rename). IOError on failure.
  Status Save(const std::string& path, const FileSystem& fs = DefaultFileSystem()) const;
  // Reads an index written by Save. NotFound if `path` does not exist; Corruption if the file is
  // truncated, fails its checksum or is not a flat index file.
  static Result<FlatIndex> Load(const std::string& path,
                                const FileSystem& fs = DefaultFileSystem());

 private:
  // Fraction of a fixed sample of labels that `filter` accepts.
  double SampleSelectivity(const LabelFilter& filter) const;

  int dim_;
  internal::RawVector<float> data_;  // row s holds the vector of labels_[s]
  std::vector<uint64_t> labels_;     // slot -> label
  internal::LabelMap slots_;         // label -> slot
};

}  // namespace engram::index
