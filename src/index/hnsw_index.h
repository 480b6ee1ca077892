// HnswIndex: approximate nearest neighbours with a Hierarchical Navigable Small World graph
// (Malkov & Yashunin, 2016/2018).
//
// Layout: vectors in one contiguous row-major block indexed by node id; level-0 neighbour lists
// in one flat array of fixed-size records; the few upper-level lists in a second flat array.
// Node ids are dense and never reused until Compact().
//
// Add() inserts incrementally; replacing a label marks its old node deleted and inserts a new
// one. Remove() only marks the node deleted: deleted nodes are never returned but still route
// searches, so the graph stays navigable. Compact() rebuilds without them.
//
// Filtered search checks the filter during the walk (rejected nodes are traversed, not
// returned). When a sample says the filter accepts few labels, or the walk runs over budget
// before finding enough accepted nodes, the search switches to an exact scan of the accepted
// labels, so recall stays high for selective filters.
//
// Thread-safety as for VectorIndex: const methods may run concurrently; Add, AddBatch, Remove,
// Compact and set_ef_search need exclusive access (AddBatch and Compact may use threads inside).
// Each searching thread keeps a visited table of 2 bytes per node of the largest index it has
// searched.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engram/status.h"
#include "index/index_util.h"
#include "index/label_map.h"
#include "index/vector_index.h"

namespace engram::index {
namespace internal {
struct HnswCandidate {
  float dist;  // -inner product, so smaller is nearer
  uint32_t id;
};
struct HnswScratch;
struct HnswLocks;
}  // namespace internal

struct HnswParams {
  static constexpr int kMaxM = 128;
  static constexpr int kMaxEf = 1 << 20;
  // Links per node on levels >= 1; level 0 keeps up to 2 * M. Higher M: better recall on hard
  // data, more memory and slower inserts. Clamped to [2, kMaxM].
  int M = 16;
  // Candidate list size while inserting. Higher: better graph, slower inserts. Clamped to
  // [M, kMaxEf].
  int ef_construction = 200;
  // Default candidate list size while searching (at least k is always used). Clamped to
  // [1, kMaxEf].
  int ef_search = 64;
  // Seeds the level draw, so the same sequence of Adds builds the same graph.
  uint64_t seed = 0x5eed;
};

// Per-call knobs for HnswIndex::Search.
struct HnswSearchOptions {
  // Candidate list size; 0 uses the index's ef_search.
  size_t ef = 0;
};

// What one HnswIndex::Search did, for tuning and benchmarks.
struct HnswSearchStats {
  size_t distances = 0;     // inner products computed
  bool exact_scan = false;  // true if the answer came from the exact fallback
};

class HnswIndex final : public VectorIndex {
 public:
  // Requires 0 < dim <= 65536. Out-of-range params are clamped (see HnswParams).
  explicit HnswIndex(int dim, HnswParams params = {});

  HnswIndex(HnswIndex&&) noexcept = default;
  HnswIndex& operator=(HnswIndex&&) noexcept = default;
  // Copying would silently duplicate gigabytes; move instead.
  HnswIndex(const HnswIndex&) = delete;
  HnswIndex& operator=(const HnswIndex&) = delete;

  int dimension() const override { return dim_; }
  size_t size() const override { return live_.size(); }
  size_t MemoryBytes() const override;
  // Nodes in the graph that are deleted (removed or replaced) and not yet compacted away.
  size_t deleted_count() const { return labels_.size() - live_.size(); }
  const HnswParams& params() const { return params_; }
  // Sets the default ef for later searches. Not concurrently with Search.
  void set_ef_search(int ef) { params_.ef_search = std::clamp(ef, 1, HnswParams::kMaxEf); }

  // Pre-allocates room for n nodes, avoiding reallocation copies during a bulk build.
  void Reserve(size_t n);

  // Inserts `v` under `label`; an existing label is marked deleted and re-inserted, unless its
  // vector is unchanged (then this is a no-op, so re-adding a label costs nothing).
  // InvalidArgument on a bad vector; TooLarge beyond 2^32 - 2 nodes (deleted ones included).
  Status Add(uint64_t label, std::span<const float> v) override;
  // Adds labels[i] -> vectors[i * dim, (i + 1) * dim) for all i, as Add() in order would (a label
  // repeated in the batch keeps its last vector), linking the new nodes on `threads` threads.
  // With threads > 1 the graph depends on thread timing: as good, not bit-identical; threads == 1
  // is deterministic. InvalidArgument, with nothing added, if vectors.size() is not
  // labels.size() * dimension() or any vector is invalid.
  Status AddBatch(std::span<const uint64_t> labels, std::span<const float> vectors,
                  int threads = 1);
  // Marks `label` deleted. OK if absent.
  Status Remove(uint64_t label) override;

  std::vector<VectorHit> Search(std::span<const float> query, size_t k,
                                const LabelFilter& filter = {}) const override;
  // As above with explicit options; fills *stats when not null.
  std::vector<VectorHit> Search(std::span<const float> query, size_t k, const LabelFilter& filter,
                                const HnswSearchOptions& options,
                                HnswSearchStats* stats = nullptr) const;
  std::vector<VectorHit> SearchAmong(std::span<const float> query, size_t k,
                                     std::span<const uint64_t> labels) const override;

  bool Contains(uint64_t label) const { return live_.Find(label) != nullptr; }
  // Every live label, in node order.
  std::vector<uint64_t> LiveLabels() const;
  // The stored vector of a live `label`, or an empty span. Invalidated by any non-const call.
  std::span<const float> Get(uint64_t label) const;

  // Rebuilds the graph from the live vectors only, dropping deleted nodes and their memory, on
  // `threads` threads (see AddBatch). Costs as much as building the index from scratch (and
  // briefly twice its memory), so call it when deleted_count() has grown to a sizeable fraction
  // of size().
  void Compact(int threads = 1);

  // Writes the index to `path` atomically (temporary file + rename). IOError on failure.
  // Format version 2 (little-endian): a header (magic "ENGRHNSW", version, dim, parameters,
  // counts), then labels, levels, deleted flags, zeros up to a multiple of
  // internal::kMapAlignment, vectors, zeros up to the next multiple, level-0 links, upper links,
  // then a CRC32C of all. Version 1 had no zeros.
  Status Save(const std::string& path, const FileSystem& fs = DefaultFileSystem()) const;
  // Reads an index written by Save (either version): the vectors and level-0 links of a version
  // 2 file are mapped from it, copy-on-write, the rest is read with large sequential reads
  // straight into its arrays. The file must not be written while the index lives (saved files
  // never are); removing it is fine, though its disk space is freed only with the index.
  // NotFound if `path` does not exist; Corruption if the file is truncated, fails its checksum,
  // has the wrong magic or version, or describes an inconsistent graph.
  static Result<HnswIndex> Load(const std::string& path,
                                const FileSystem& fs = DefaultFileSystem());

 private:
  using Candidate = internal::HnswCandidate;
  using Scratch = internal::HnswScratch;

  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr int kMaxLevel = 31;

  const float* Vector(uint32_t id) const {
    return vectors_.data() + static_cast<size_t>(id) * dim_;
  }
  // The neighbour record of `id` on `level`: [count, id_1 .. id_cap].
  uint32_t* Links(uint32_t id, int level);
  const uint32_t* Links(uint32_t id, int level) const;
  size_t Capacity(int level) const { return level == 0 ? m0_ : m_; }
  float Distance(const float* q, uint32_t id) const;

  int DrawLevel();
  Status CheckVector(uint64_t label, std::span<const float> v) const;
  // True if `label` is live with exactly the vector v.
  bool Unchanged(uint64_t label, const float* v) const;
  // Appends a node for a checked vector, marking a previous node of the label deleted, without
  // linking it into the graph. Returns its id.
  uint32_t AppendNode(uint64_t label, const float* v);
  // Links appended nodes [first, end) into the graph on `threads` threads.
  void LinkNodes(uint32_t first, uint32_t end, int threads);
  // Links node `id` into the graph. `locks` is null when the caller has exclusive access, else
  // shared by the threads of one LinkNodes.
  void Insert(uint32_t id, internal::HnswLocks* locks);
  // The neighbour record of `id` on `level`; copied into `copy` under its lock when `locks` is
  // set, since another thread may be rewriting it.
  const uint32_t* ReadLinks(uint32_t id, int level, internal::HnswLocks* locks,
                            uint32_t* copy) const;
  // Greedy walk on `level` from *ep towards q; updates *ep and *ep_dist.
  void GreedyStep(const float* q, int level, uint32_t* ep, float* ep_dist,
                  internal::HnswLocks* locks, size_t* distances) const;
  // Beam search on one level. Fills s.results (max-heap on dist, at most ef entries) with nodes
  // `accept` admits; all nodes are traversed. Returns false if it stopped because more than
  // `budget` distances were computed.
  template <typename Accept>
  bool SearchLayer(const float* q, uint32_t ep, float ep_dist, size_t ef, int level,
                   Accept&& accept, size_t budget, internal::HnswLocks* locks, Scratch& s,
                   size_t* distances) const;
  // `cands` holds candidates with their distance to a base node, nearest first. Keeps up to m of
  // them with the paper's heuristic: a candidate stays only if it is nearer to the base than to
  // every one kept before it. This spreads links over directions, which keeps clustered data
  // navigable.
  void SelectNeighbors(std::vector<Candidate>& cands, size_t m) const;
  // Adds `id` to the neighbour list of `neighbor` on `level`, pruning it when full.
  void Connect(uint32_t id, uint32_t neighbor, int level, internal::HnswLocks* locks, Scratch& s);

  std::vector<VectorHit> ExactScan(const float* q, size_t k, const LabelFilter& filter,
                                   HnswSearchStats* stats) const;
  double EstimateSelectivity(const LabelFilter& filter) const;

  int dim_;
  HnswParams params_;
  size_t m_;
  size_t m0_;
  double level_mult_;
  uint64_t insert_counter_ = 0;  // level draws so far; saved, so reloads keep the sequence

  internal::MappableArray<float> vectors_;    // node id * dim
  std::vector<uint64_t> labels_;              // node id -> label
  std::vector<uint8_t> levels_;               // node id -> top level
  std::vector<uint8_t> deleted_;              // node id -> 1 if removed or replaced
  internal::MappableArray<uint32_t> links0_;  // node id * (m0_ + 1)
  std::vector<uint64_t> upper_offset_;        // node id -> start of its records in upper_links_
  std::vector<uint32_t> upper_links_;         // levels 1..L of a node: L records of m_ + 1
  internal::LabelMap live_;                   // label -> live node id
  uint32_t entry_ = kNone;
  int max_level_ = -1;
};

}  // namespace engram::index
