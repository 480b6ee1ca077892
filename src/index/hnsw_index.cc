#include "index/hnsw_index.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

#include "index/distance.h"
#include "index/index_file.h"

namespace engram::index {
namespace internal {

// Per-thread working memory of a graph walk, reused across calls so a search allocates nothing
// once warm.
struct HnswScratch {
  std::vector<uint16_t> marks;  // visited iff marks[id] == epoch
  uint16_t epoch = 0;
  std::vector<HnswCandidate> candidates;          // min-heap on dist: nodes still to expand
  std::vector<HnswCandidate> results;             // max-heap on dist: best accepted nodes so far
  std::vector<HnswCandidate> selected;            // neighbour choice for the node being inserted
  std::vector<HnswCandidate> pruned;              // neighbour choice for an overfull neighbour
  std::vector<uint32_t> batch;                    // unvisited neighbours of the node being expanded
  uint32_t link_copy[2 * HnswParams::kMaxM + 1];  // a neighbour list copied under its lock
  bool in_use = false;

  // Starts a new walk over an index of n nodes: O(1) except when the epoch wraps.
  void NewVisit(size_t n) {
    if (marks.size() < n) marks.resize(std::max(n, marks.size() + marks.size() / 2), 0);
    if (++epoch == 0) {
      std::fill(marks.begin(), marks.end(), 0);
      epoch = 1;
    }
  }
  // Marks id visited; false if it already was.
  bool Visit(uint32_t id) {
    if (marks[id] == epoch) return false;
    marks[id] = epoch;
    return true;
  }
};

// Locks for AddBatch's threads. Neighbour lists are guarded by striped mutexes (a thread holds
// at most one at a time, so stripes shared by two nodes cannot deadlock); `graph` guards the
// entry point and the top level.
struct HnswLocks {
  static constexpr size_t kStripes = 4096;
  std::mutex& For(uint32_t id) { return stripes[id % kStripes]; }
  std::mutex graph;
  std::mutex stripes[kStripes];
};

}  // namespace internal

namespace {

using Candidate = internal::HnswCandidate;

bool Nearer(const Candidate& a, const Candidate& b) {
  return a.dist < b.dist;
}
bool Farther(const Candidate& a, const Candidate& b) {
  return a.dist > b.dist;
}

// Hands out the calling thread's scratch, or a private one if a filter callback re-entered a
// search on the same thread while the thread's scratch was busy.
class ScratchLease {
 public:
  ScratchLease() {
    thread_local internal::HnswScratch tls;
    if (tls.in_use) {
      owned_ = std::make_unique<internal::HnswScratch>();
      scratch_ = owned_.get();
    } else {
      scratch_ = &tls;
    }
    scratch_->in_use = true;
  }
  ~ScratchLease() { scratch_->in_use = false; }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  internal::HnswScratch& operator*() const { return *scratch_; }

 private:
  std::unique_ptr<internal::HnswScratch> owned_;
  internal::HnswScratch* scratch_;
};

// Random rows of a large index come from DRAM at ~100 ns each, which dominates a walk. Asking
// for the first lines of every row to be scored, and for the whole of the next one, overlaps
// those fetches with the arithmetic.
constexpr size_t kPrefetchHead = 256;
void PrefetchRange(const float* row, size_t from, size_t to) {
  const char* p = reinterpret_cast<const char*>(row);
  for (size_t off = from; off < to; off += 64) __builtin_prefetch(p + off);
}

// Filter selectivity is estimated from this many evenly spaced nodes.
constexpr size_t kSelectivitySamples = 256;
// A walk computes up to this many distances per node of the neighbourhood it covers (measured
// at M=16: ~13 unfiltered; 3 to 14 filtered, the most on well-separated clusters). An
// overestimate only sends borderline filters to the exact scan.
constexpr double kWalkDistancesPerNode = 14;
// Exact-scan costs relative to one walk distance (a random row from DRAM): a scanned row is read
// in address order, about half as dear; a filter call (a hash-set probe) costs about 16 ns
// against ~1 ns per dimension for a random row.
constexpr double kScanRowCost = 0.5;
constexpr double kFilterCostTimesDim = 16;

constexpr char kHnswMagic[8] = {'E', 'N', 'G', 'R', 'H', 'N', 'S', 'W'};
constexpr uint32_t kHnswVersion = 2;  // 1: no alignment of the mapped sections

// On-disk header; see HnswIndex::Save for the sections that follow it.
struct HnswHeader {
  char magic[8];
  uint32_t version;
  uint32_t dim;
  uint32_t m;
  uint32_t ef_construction;
  uint32_t ef_search;
  int32_t max_level;
  uint64_t seed;
  uint64_t insert_counter;
  uint64_t node_count;
  uint64_t live_count;
  uint64_t upper_link_count;
  uint32_t entry;
  uint32_t reserved;
};
static_assert(sizeof(HnswHeader) == 80);

HnswParams Sanitize(HnswParams p) {
  p.M = std::clamp(p.M, 2, HnswParams::kMaxM);
  p.ef_construction = std::clamp(p.ef_construction, p.M, HnswParams::kMaxEf);
  p.ef_search = std::clamp(p.ef_search, 1, HnswParams::kMaxEf);
  return p;
}

}  // namespace

HnswIndex::HnswIndex(int dim, HnswParams params)
    : dim_(dim),
      params_(Sanitize(params)),
      m_(static_cast<size_t>(params_.M)),
      m0_(2 * m_),
      level_mult_(1.0 / std::log(static_cast<double>(m_))) {
  assert(dim > 0 && dim <= internal::kMaxDimension);
}

uint32_t* HnswIndex::Links(uint32_t id, int level) {
  if (level == 0) return links0_.data() + static_cast<size_t>(id) * (m0_ + 1);
  return upper_links_.data() + upper_offset_[id] + static_cast<size_t>(level - 1) * (m_ + 1);
}

const uint32_t* HnswIndex::Links(uint32_t id, int level) const {
  return const_cast<HnswIndex*>(this)->Links(id, level);
}

float HnswIndex::Distance(const float* q, uint32_t id) const {
  const float d = -InnerProduct(q, Vector(id), dim_);
  // Overflowing sums can give NaN; treat such a node as infinitely far so heaps stay ordered.
  return std::isnan(d) ? std::numeric_limits<float>::infinity() : d;
}

size_t HnswIndex::MemoryBytes() const {
  return sizeof(*this) + vectors_.MemoryBytes() + links0_.MemoryBytes() +
         labels_.capacity() * sizeof(uint64_t) + levels_.capacity() + deleted_.capacity() +
         upper_offset_.capacity() * sizeof(uint64_t) + upper_links_.capacity() * sizeof(uint32_t) +
         live_.MemoryBytes();
}

void HnswIndex::Reserve(size_t n) {
  vectors_.reserve(n * dim_);
  labels_.reserve(n);
  levels_.reserve(n);
  deleted_.reserve(n);
  links0_.reserve(n * (m0_ + 1));
  upper_offset_.reserve(n);
  live_.Reserve(n);
}

int HnswIndex::DrawLevel() {
  // A counter-based draw (splitmix64 of seed and counter) instead of a stateful generator, so
  // the sequence continues exactly after Save/Load.
  uint64_t x = params_.seed + (++insert_counter_) * 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  x ^= x >> 31;
  const double u = static_cast<double>((x >> 11) + 1) * 0x1.0p-53;  // in (0, 1]
  const double level = -std::log(u) * level_mult_;
  return level >= kMaxLevel ? kMaxLevel : static_cast<int>(level);
}

Status HnswIndex::CheckVector(uint64_t label, std::span<const float> v) const {
  if (v.size() != static_cast<size_t>(dim_)) {
    return Status::InvalidArgument("vector has dimension " + std::to_string(v.size()) +
                                   ", index has " + std::to_string(dim_));
  }
  if (!internal::AllFinite(v)) {
    return Status::InvalidArgument("vector for label " + std::to_string(label) +
                                   " holds NaN or infinity");
  }
  return Status::Ok();
}

Status HnswIndex::Add(uint64_t label, std::span<const float> v) {
  ENGRAM_RETURN_IF_ERROR(CheckVector(label, v));
  if (Unchanged(label, v.data())) return Status::Ok();
  if (labels_.size() >= internal::kMaxVectors) {
    return Status::TooLarge("HNSW index holds the maximum number of nodes; Compact() it");
  }
  Insert(AppendNode(label, v.data()), nullptr);
  return Status::Ok();
}

Status HnswIndex::AddBatch(std::span<const uint64_t> labels, std::span<const float> vectors,
                           int threads) {
  const size_t n = labels.size();
  if (vectors.size() != n * dim_) {
    return Status::InvalidArgument("batch has " + std::to_string(vectors.size()) + " floats for " +
                                   std::to_string(n) + " labels of dimension " +
                                   std::to_string(dim_));
  }
  for (size_t i = 0; i < n; ++i) {
    ENGRAM_RETURN_IF_ERROR(CheckVector(labels[i], vectors.subspan(i * dim_, dim_)));
  }
  if (labels_.size() + n > internal::kMaxVectors) {
    return Status::TooLarge("HNSW index would exceed the maximum number of nodes");
  }
  // Append every node first, in order, so the arrays never reallocate while threads link nodes
  // and the level draws stay in sequence. Grow geometrically: batches may be small.
  if (labels_.capacity() < labels_.size() + n) {
    Reserve(std::max(labels_.size() + n, 2 * labels_.capacity()));
  }
  const uint32_t first = static_cast<uint32_t>(labels_.size());
  for (size_t i = 0; i < n; ++i) {
    if (!Unchanged(labels[i], vectors.data() + i * dim_)) {
      AppendNode(labels[i], vectors.data() + i * dim_);
    }
  }
  LinkNodes(first, static_cast<uint32_t>(labels_.size()), threads);
  return Status::Ok();
}

void HnswIndex::LinkNodes(uint32_t first, uint32_t end, int threads) {
  if (threads <= 1 || end - first < 2) {
    for (uint32_t id = first; id < end; ++id) Insert(id, nullptr);
    return;
  }
  const auto locks = std::make_unique<internal::HnswLocks>();
  std::atomic<uint32_t> next{first};
  const auto work = [&] {
    for (uint32_t id = next++; id < end; id = next++) Insert(id, locks.get());
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

bool HnswIndex::Unchanged(uint64_t label, const float* v) const {
  const uint32_t* id = live_.Find(label);
  return id != nullptr && std::equal(v, v + dim_, Vector(*id));
}

uint32_t HnswIndex::AppendNode(uint64_t label, const float* v) {
  if (const uint32_t* old = live_.Find(label)) deleted_[*old] = 1;
  const uint32_t id = static_cast<uint32_t>(labels_.size());
  const int level = DrawLevel();
  labels_.push_back(label);
  levels_.push_back(static_cast<uint8_t>(level));
  deleted_.push_back(0);
  vectors_.append(v, static_cast<size_t>(dim_));
  // Zero the new records: only counts are read, but Save writes whole records.
  links0_.resize(links0_.size() + m0_ + 1, 0);
  upper_offset_.push_back(upper_links_.size());
  upper_links_.resize(upper_links_.size() + static_cast<size_t>(level) * (m_ + 1), 0);
  live_.Set(label, id);
  return id;
}

Status HnswIndex::Remove(uint64_t label) {
  const uint32_t* id = live_.Find(label);
  if (id == nullptr) return Status::Ok();
  deleted_[*id] = 1;
  live_.Erase(label);
  return Status::Ok();
}

std::vector<uint64_t> HnswIndex::LiveLabels() const {
  std::vector<uint64_t> out;
  out.reserve(live_.size());
  for (size_t id = 0; id < labels_.size(); ++id) {
    if (!deleted_[id]) out.push_back(labels_[id]);
  }
  return out;
}

const uint32_t* HnswIndex::ReadLinks(uint32_t id, int level, internal::HnswLocks* locks,
                                     uint32_t* copy) const {
  const uint32_t* links = Links(id, level);
  if (locks == nullptr) return links;
  std::lock_guard<std::mutex> hold(locks->For(id));
  std::copy(links, links + 1 + links[0], copy);
  return copy;
}

void HnswIndex::GreedyStep(const float* q, int level, uint32_t* ep, float* ep_dist,
                           internal::HnswLocks* locks, size_t* distances) const {
  uint32_t copy[HnswParams::kMaxM + 1];
  for (bool moved = true; moved;) {
    moved = false;
    const uint32_t* links = ReadLinks(*ep, level, locks, copy);
    const uint32_t count = links[0];
    for (uint32_t j = 1; j <= count; ++j) {
      const float d = Distance(q, links[j]);
      ++*distances;
      if (d < *ep_dist) {
        *ep_dist = d;
        *ep = links[j];
        moved = true;
      }
    }
  }
}

template <typename Accept>
bool HnswIndex::SearchLayer(const float* q, uint32_t ep, float ep_dist, size_t ef, int level,
                            Accept&& accept, size_t budget, internal::HnswLocks* locks, Scratch& s,
                            size_t* distances) const {
  const size_t row_bytes = static_cast<size_t>(dim_) * sizeof(float);
  s.NewVisit(labels_.size());
  s.candidates.clear();
  s.results.clear();
  s.Visit(ep);
  s.candidates.push_back({ep_dist, ep});
  if (accept(ep)) s.results.push_back({ep_dist, ep});
  while (!s.candidates.empty()) {
    const Candidate current = s.candidates.front();
    // Stop once the nearest unexpanded node is farther than the worst kept result: the walk can
    // no longer improve the list. Rejected nodes never fill `results`, so a selective filter
    // keeps the walk going through them.
    if (s.results.size() >= ef && current.dist > s.results.front().dist) break;
    std::pop_heap(s.candidates.begin(), s.candidates.end(), Farther);
    s.candidates.pop_back();

    const uint32_t* links = ReadLinks(current.id, level, locks, s.link_copy);
    const uint32_t count = links[0];
    s.batch.clear();
    for (uint32_t j = 1; j <= count; ++j) {
      if (s.Visit(links[j])) {
        s.batch.push_back(links[j]);
        PrefetchRange(Vector(links[j]), 0, std::min(kPrefetchHead, row_bytes));
      }
    }
    for (size_t b = 0; b < s.batch.size(); ++b) {
      const uint32_t n = s.batch[b];
      if (b + 1 < s.batch.size()) PrefetchRange(Vector(s.batch[b + 1]), kPrefetchHead, row_bytes);
      const float d = Distance(q, n);
      if (s.results.size() < ef || d < s.results.front().dist) {
        s.candidates.push_back({d, n});
        std::push_heap(s.candidates.begin(), s.candidates.end(), Farther);
        if (accept(n)) {
          s.results.push_back({d, n});
          std::push_heap(s.results.begin(), s.results.end(), Nearer);
          if (s.results.size() > ef) {
            std::pop_heap(s.results.begin(), s.results.end(), Nearer);
            s.results.pop_back();
          }
        }
      }
    }
    *distances += s.batch.size();
    if (*distances > budget) return false;
  }
  return true;
}

void HnswIndex::SelectNeighbors(std::vector<Candidate>& cands, size_t m) const {
  if (cands.size() <= m) return;
  size_t kept = 0;
  for (size_t i = 0; i < cands.size() && kept < m; ++i) {
    const float* v = Vector(cands[i].id);
    bool diverse = true;
    for (size_t j = 0; j < kept; ++j) {
      if (Distance(v, cands[j].id) < cands[i].dist) {
        diverse = false;
        break;
      }
    }
    if (diverse) cands[kept++] = cands[i];
  }
  cands.resize(kept);
}

void HnswIndex::Connect(uint32_t id, uint32_t neighbor, int level, internal::HnswLocks* locks,
                        Scratch& s) {
  std::unique_lock<std::mutex> hold;
  if (locks != nullptr) hold = std::unique_lock<std::mutex>(locks->For(neighbor));
  uint32_t* links = Links(neighbor, level);
  const size_t cap = Capacity(level);
  const uint32_t count = links[0];
  if (count < cap) {
    links[1 + count] = id;
    links[0] = count + 1;
    return;
  }
  // Full: choose the best `cap` among the old links and the new node with the same heuristic.
  const float* base = Vector(neighbor);
  s.pruned.clear();
  s.pruned.push_back({Distance(base, id), id});
  for (uint32_t j = 1; j <= count; ++j) s.pruned.push_back({Distance(base, links[j]), links[j]});
  std::sort(s.pruned.begin(), s.pruned.end(), Nearer);
  SelectNeighbors(s.pruned, cap);
  links[0] = static_cast<uint32_t>(s.pruned.size());
  for (size_t j = 0; j < s.pruned.size(); ++j) links[1 + j] = s.pruned[j].id;
}

void HnswIndex::Insert(uint32_t id, internal::HnswLocks* locks) {
  const int level = levels_[id];
  // Entry point and top level change only under the graph lock. A node that will raise the top
  // level keeps the lock for its whole insertion (rare: about log_M(n) times), so two such
  // nodes cannot both link into a top level that neither sees.
  std::unique_lock<std::mutex> graph;
  if (locks != nullptr) graph = std::unique_lock<std::mutex>(locks->graph);
  if (entry_ == kNone) {
    entry_ = id;
    max_level_ = level;
    return;
  }
  uint32_t ep = entry_;
  const int top = max_level_;
  if (graph.owns_lock() && level <= top) graph.unlock();

  ScratchLease lease;
  Scratch& s = *lease;
  const float* q = Vector(id);
  float ep_dist = Distance(q, ep);
  size_t distances = 0;
  for (int l = top; l > level; --l) GreedyStep(q, l, &ep, &ep_dist, locks, &distances);
  const auto accept_all = [](uint32_t) { return true; };
  for (int l = std::min(level, top); l >= 0; --l) {
    SearchLayer(q, ep, ep_dist, static_cast<size_t>(params_.ef_construction), l, accept_all,
                std::numeric_limits<size_t>::max(), locks, s, &distances);
    s.selected.assign(s.results.begin(), s.results.end());
    std::sort(s.selected.begin(), s.selected.end(), Nearer);
    ep = s.selected.front().id;
    ep_dist = s.selected.front().dist;
    SelectNeighbors(s.selected, m_);
    {
      // Set before the reverse links below make the node reachable on this level.
      std::unique_lock<std::mutex> hold;
      if (locks != nullptr) hold = std::unique_lock<std::mutex>(locks->For(id));
      uint32_t* links = Links(id, l);
      links[0] = static_cast<uint32_t>(s.selected.size());
      for (size_t j = 0; j < s.selected.size(); ++j) links[1 + j] = s.selected[j].id;
    }
    for (const Candidate& c : s.selected) Connect(id, c.id, l, locks, s);
  }
  if (level > top) {
    max_level_ = level;
    entry_ = id;
  }
}

double HnswIndex::EstimateSelectivity(const LabelFilter& filter) const {
  const size_t n = labels_.size();
  const size_t samples = std::min(n, kSelectivitySamples);
  size_t live = 0;
  size_t accepted = 0;
  for (size_t i = 0; i < samples; ++i) {
    const size_t id = i * n / samples;
    if (deleted_[id]) continue;
    ++live;
    if (filter(labels_[id])) ++accepted;
  }
  // No live node sampled: no evidence either way; the walk's budget guards the optimistic guess.
  if (live == 0) return 1.0;
  return static_cast<double>(accepted) / static_cast<double>(live);
}

std::vector<VectorHit> HnswIndex::ExactScan(const float* q, size_t k, const LabelFilter& filter,
                                            HnswSearchStats* stats) const {
  stats->exact_scan = true;
  // Filter everything first, then score the accepted rows with the next ones prefetched: they
  // are scattered, so fetching them one at a time would pay full DRAM latency per row.
  std::vector<uint32_t> accepted;
  const size_t n = labels_.size();
  for (size_t id = 0; id < n; ++id) {
    if (!deleted_[id] && (!filter || filter(labels_[id]))) {
      accepted.push_back(static_cast<uint32_t>(id));
    }
  }
  const size_t row_bytes = static_cast<size_t>(dim_) * sizeof(float);
  constexpr size_t kAhead = 4;
  for (size_t i = 0; i < std::min(kAhead, accepted.size()); ++i) {
    PrefetchRange(Vector(accepted[i]), 0, row_bytes);
  }
  internal::TopK top(k);
  for (size_t i = 0; i < accepted.size(); ++i) {
    if (i + kAhead < accepted.size()) PrefetchRange(Vector(accepted[i + kAhead]), 0, row_bytes);
    top.Push(labels_[accepted[i]], InnerProduct(q, Vector(accepted[i]), dim_));
  }
  stats->distances += accepted.size();
  return top.Take();
}

std::vector<VectorHit> HnswIndex::Search(std::span<const float> query, size_t k,
                                         const LabelFilter& filter) const {
  return Search(query, k, filter, HnswSearchOptions{});
}

std::vector<VectorHit> HnswIndex::Search(std::span<const float> query, size_t k,
                                         const LabelFilter& filter,
                                         const HnswSearchOptions& options,
                                         HnswSearchStats* stats) const {
  HnswSearchStats local;
  if (stats == nullptr) stats = &local;
  *stats = {};
  if (k == 0 || live_.size() == 0 || query.size() != static_cast<size_t>(dim_) ||
      !internal::AllFinite(query)) {
    return {};
  }
  const float* q = query.data();
  const size_t ef =
      std::max(options.ef > 0 ? options.ef : static_cast<size_t>(params_.ef_search), k);
  size_t budget = std::numeric_limits<size_t>::max();
  size_t walk_ef = ef;
  if (filter) {
    // The walk keeps the best walk_ef *accepted* nodes and stops when no candidate can beat the
    // worst of them, so it covers a neighbourhood of about walk_ef / p nodes. ef * sqrt(p)
    // covers ef / sqrt(p) nodes: wider than an unfiltered walk, because a thin set of accepted
    // nodes needs a wider margin to find its top k (measured: recall at 50% and 10% selectivity
    // then matches or beats the unfiltered walk, where ef * p loses a point or two).
    const double p = EstimateSelectivity(filter);
    walk_ef =
        std::clamp(static_cast<size_t>(std::ceil(static_cast<double>(ef) * std::sqrt(p))), k, ef);
    const double live = static_cast<double>(live_.size());
    const double scan_cost = live * (std::min(1.0, kFilterCostTimesDim / dim_) + p * kScanRowCost);
    const double walk_cost =
        p > 0 ? kWalkDistancesPerNode * std::max(static_cast<double>(ef), walk_ef / p)
              : std::numeric_limits<double>::infinity();
    if (scan_cost <= walk_cost) return ExactScan(q, k, filter, stats);
    // A filter that rejects the query's neighbourhood can make the walk wander far; give up on
    // it once it has cost twice what the scan would have.
    budget = static_cast<size_t>(2 * scan_cost);
  }

  uint32_t ep = entry_;
  float ep_dist = Distance(q, ep);
  ++stats->distances;
  for (int l = max_level_; l > 0; --l) {
    GreedyStep(q, l, &ep, &ep_dist, nullptr, &stats->distances);
  }

  ScratchLease lease;
  Scratch& s = *lease;
  bool complete;
  if (filter) {
    const auto accept = [this, &filter](uint32_t id) {
      return !deleted_[id] && filter(labels_[id]);
    };
    complete =
        SearchLayer(q, ep, ep_dist, walk_ef, 0, accept, budget, nullptr, s, &stats->distances);
  } else {
    const auto accept = [this](uint32_t id) { return !deleted_[id]; };
    complete = SearchLayer(q, ep, ep_dist, ef, 0, accept, budget, nullptr, s, &stats->distances);
  }
  // Too few results means the accepted nodes were not reachable within the walk (a selective
  // filter, or many deleted nodes): only a scan can answer exactly.
  if (!complete || s.results.size() < std::min(k, live_.size())) {
    return ExactScan(q, k, filter, stats);
  }
  internal::TopK top(k);
  for (const Candidate& c : s.results) top.Push(labels_[c.id], -c.dist);
  return top.Take();
}

std::vector<VectorHit> HnswIndex::SearchAmong(std::span<const float> query, size_t k,
                                              std::span<const uint64_t> labels) const {
  if (k == 0 || labels.empty() || query.size() != static_cast<size_t>(dim_) ||
      !internal::AllFinite(query)) {
    return {};
  }
  std::vector<uint32_t> ids;
  ids.reserve(labels.size());
  for (uint64_t label : labels) {
    if (const uint32_t* id = live_.Find(label)) ids.push_back(*id);
  }
  // Sorting drops duplicates and turns the scan into a forward walk through memory.
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  internal::TopK top(k);
  for (uint32_t id : ids) top.Push(labels_[id], InnerProduct(query.data(), Vector(id), dim_));
  return top.Take();
}

std::span<const float> HnswIndex::Get(uint64_t label) const {
  const uint32_t* id = live_.Find(label);
  if (id == nullptr) return {};
  return {Vector(*id), static_cast<size_t>(dim_)};
}

void HnswIndex::Compact(int threads) {
  HnswIndex fresh(dim_, params_);
  fresh.insert_counter_ = insert_counter_;
  fresh.Reserve(live_.size());
  for (size_t id = 0; id < labels_.size(); ++id) {
    if (!deleted_[id]) fresh.AppendNode(labels_[id], Vector(static_cast<uint32_t>(id)));
  }
  fresh.LinkNodes(0, static_cast<uint32_t>(fresh.labels_.size()), threads);
  *this = std::move(fresh);
}

Status HnswIndex::Save(const std::string& path, const FileSystem& fs) const {
  internal::FileWriter out(fs);
  ENGRAM_RETURN_IF_ERROR(out.Open(path));
  HnswHeader h{};
  std::memcpy(h.magic, kHnswMagic, sizeof(h.magic));
  h.version = kHnswVersion;
  h.dim = static_cast<uint32_t>(dim_);
  h.m = static_cast<uint32_t>(m_);
  h.ef_construction = static_cast<uint32_t>(params_.ef_construction);
  h.ef_search = static_cast<uint32_t>(params_.ef_search);
  h.max_level = max_level_;
  h.seed = params_.seed;
  h.insert_counter = insert_counter_;
  h.node_count = labels_.size();
  h.live_count = live_.size();
  h.upper_link_count = upper_links_.size();
  h.entry = entry_;
  ENGRAM_RETURN_IF_ERROR(out.WritePod(h));
  ENGRAM_RETURN_IF_ERROR(out.Write(labels_.data(), labels_.size() * sizeof(uint64_t)));
  ENGRAM_RETURN_IF_ERROR(out.Write(levels_.data(), levels_.size()));
  ENGRAM_RETURN_IF_ERROR(out.Write(deleted_.data(), deleted_.size()));
  ENGRAM_RETURN_IF_ERROR(out.PadTo(internal::kMapAlignment));
  ENGRAM_RETURN_IF_ERROR(out.Write(vectors_.data(), vectors_.size() * sizeof(float)));
  ENGRAM_RETURN_IF_ERROR(out.PadTo(internal::kMapAlignment));
  ENGRAM_RETURN_IF_ERROR(out.Write(links0_.data(), links0_.size() * sizeof(uint32_t)));
  ENGRAM_RETURN_IF_ERROR(out.Write(upper_links_.data(), upper_links_.size() * sizeof(uint32_t)));
  return out.Commit();
}

Result<HnswIndex> HnswIndex::Load(const std::string& path, const FileSystem& fs) {
  internal::FileReader in(fs);
  ENGRAM_RETURN_IF_ERROR(in.Open(path));
  HnswHeader h;
  ENGRAM_RETURN_IF_ERROR(in.ReadPod(&h));
  const auto corrupt = [&path](const std::string& what) {
    return Status::Corruption("HNSW index file " + what + ": " + path);
  };
  if (std::memcmp(h.magic, kHnswMagic, sizeof(h.magic)) != 0) return corrupt("has a bad magic");
  if (h.version != 1 && h.version != kHnswVersion) {
    return corrupt("has unsupported version " + std::to_string(h.version));
  }
  const bool aligned = h.version >= 2;
  const uint64_t n = h.node_count;
  if (h.dim == 0 || h.dim > static_cast<uint32_t>(internal::kMaxDimension) || h.m < 2 ||
      h.m > static_cast<uint32_t>(HnswParams::kMaxM) || h.ef_construction < h.m ||
      h.ef_construction > static_cast<uint32_t>(HnswParams::kMaxEf) || h.ef_search < 1 ||
      h.ef_search > static_cast<uint32_t>(HnswParams::kMaxEf) || n > internal::kMaxVectors ||
      h.live_count > n || h.max_level < -1 || h.max_level > kMaxLevel ||
      h.upper_link_count > n * kMaxLevel * (h.m + 1) || (n == 0) != (h.entry == kNone) ||
      (n > 0 && h.entry >= n) || (n == 0) != (h.max_level == -1)) {
    return corrupt("has an inconsistent header");
  }
  // Check the size the header implies before allocating what it asks for. No overflow: every
  // term is bounded by the checks above.
  const uint64_t record0 = 2 * h.m + 1;
  const auto align = [aligned](uint64_t offset) {
    return aligned ? (offset + internal::kMapAlignment - 1) / internal::kMapAlignment *
                         internal::kMapAlignment
                   : offset;
  };
  const uint64_t expected =
      align(align(sizeof(HnswHeader) + n * (sizeof(uint64_t) + 2)) + n * h.dim * sizeof(float)) +
      n * record0 * sizeof(uint32_t) + h.upper_link_count * sizeof(uint32_t) + sizeof(uint32_t);
  if (expected != in.file_size()) return corrupt("size does not match its header");

  HnswParams params;
  params.M = static_cast<int>(h.m);
  params.ef_construction = static_cast<int>(h.ef_construction);
  params.ef_search = static_cast<int>(h.ef_search);
  params.seed = h.seed;
  HnswIndex index(static_cast<int>(h.dim), params);
  index.insert_counter_ = h.insert_counter;
  index.entry_ = h.entry;
  index.max_level_ = h.max_level;
  index.labels_.resize(n);
  index.levels_.resize(n);
  index.deleted_.resize(n);
  index.upper_links_.resize(h.upper_link_count);
  ENGRAM_RETURN_IF_ERROR(in.Read(index.labels_.data(), n * sizeof(uint64_t)));
  ENGRAM_RETURN_IF_ERROR(in.Read(index.levels_.data(), n));
  ENGRAM_RETURN_IF_ERROR(in.Read(index.deleted_.data(), n));
  // Room for as many appends (new and replaced vectors) as half the nodes before the mapped
  // arrays move into memory of their own.
  const size_t room = std::max<size_t>(n / 2, 1024);
  if (aligned) ENGRAM_RETURN_IF_ERROR(in.SkipTo(internal::kMapAlignment));
  ENGRAM_RETURN_IF_ERROR(in.ReadArray(&index.vectors_, n * h.dim, room * h.dim));
  if (aligned) ENGRAM_RETURN_IF_ERROR(in.SkipTo(internal::kMapAlignment));
  ENGRAM_RETURN_IF_ERROR(in.ReadArray(&index.links0_, n * record0, room * record0));
  ENGRAM_RETURN_IF_ERROR(
      in.Read(index.upper_links_.data(), index.upper_links_.size() * sizeof(uint32_t)));
  ENGRAM_RETURN_IF_ERROR(in.VerifyChecksum());

  // The checksum catches accidents; these checks make a crafted file unable to send the walk
  // out of bounds.
  index.upper_offset_.resize(n);
  uint64_t upper = 0;
  for (uint64_t id = 0; id < n; ++id) {
    if (index.levels_[id] > h.max_level || index.deleted_[id] > 1) {
      return corrupt("has an out-of-range level or flag");
    }
    index.upper_offset_[id] = upper;
    upper += static_cast<uint64_t>(index.levels_[id]) * (h.m + 1);
  }
  if (upper != h.upper_link_count || (n > 0 && index.levels_[h.entry] != h.max_level)) {
    return corrupt("has inconsistent levels");
  }
  // A link on level l must name a node that exists on level l, or Links() would index past the
  // target's records.
  for (uint64_t id = 0; id < n; ++id) {
    for (int level = 0; level <= index.levels_[id]; ++level) {
      const uint32_t* rec = index.Links(static_cast<uint32_t>(id), level);
      if (rec[0] > index.Capacity(level)) return corrupt("has an overfull link list");
      for (uint32_t j = 1; j <= rec[0]; ++j) {
        if (rec[j] >= n || index.levels_[rec[j]] < level) {
          return corrupt("has an out-of-range link");
        }
      }
    }
  }
  index.live_.Reserve(h.live_count);
  for (uint64_t id = 0; id < n; ++id) {
    if (index.deleted_[id]) continue;
    if (index.live_.Find(index.labels_[id]) != nullptr) return corrupt("repeats a live label");
    index.live_.Set(index.labels_[id], static_cast<uint32_t>(id));
  }
  if (index.live_.size() != h.live_count) return corrupt("has an inconsistent live count");
  return index;
}

}  // namespace engram::index
