#include "index/flat_index.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "index/distance.h"
#include "index/index_file.h"

namespace engram::index {
namespace {

constexpr char kFlatMagic[8] = {'E', 'N', 'G', 'R', 'F', 'L', 'A', 'T'};
constexpr uint32_t kFlatVersion = 1;

// On-disk header, followed by labels (u64 x count), vectors (f32 x count x dim) and the CRC32C.
struct FlatHeader {
  char magic[8];
  uint32_t version;
  uint32_t dim;
  uint64_t count;
};
static_assert(sizeof(FlatHeader) == 24);

// Filters accepting at most this fraction are asked before scoring; see Search.
constexpr double kFilterFirstSelectivity = 0.5;

}  // namespace

FlatIndex::FlatIndex(int dim) : dim_(dim) {
  assert(dim > 0 && dim <= internal::kMaxDimension);
}

Status FlatIndex::Add(uint64_t label, std::span<const float> v) {
  if (v.size() != static_cast<size_t>(dim_)) {
    return Status::InvalidArgument("vector has dimension " + std::to_string(v.size()) +
                                   ", index has " + std::to_string(dim_));
  }
  if (!internal::AllFinite(v)) {
    return Status::InvalidArgument("vector for label " + std::to_string(label) +
                                   " holds NaN or infinity");
  }
  if (const uint32_t* slot = slots_.Find(label)) {
    std::copy(v.begin(), v.end(), data_.begin() + static_cast<ptrdiff_t>(*slot) * dim_);
    return Status::Ok();
  }
  if (labels_.size() >= internal::kMaxVectors) {
    return Status::TooLarge("flat index holds the maximum number of vectors");
  }
  slots_.Set(label, static_cast<uint32_t>(labels_.size()));
  labels_.push_back(label);
  data_.insert(data_.end(), v.begin(), v.end());
  return Status::Ok();
}

Status FlatIndex::Remove(uint64_t label) {
  const uint32_t* found = slots_.Find(label);
  if (found == nullptr) return Status::Ok();
  const size_t slot = *found;
  const size_t last = labels_.size() - 1;
  if (slot != last) {
    std::memcpy(data_.data() + slot * dim_, data_.data() + last * dim_, sizeof(float) * dim_);
    labels_[slot] = labels_[last];
    slots_.Set(labels_[slot], static_cast<uint32_t>(slot));
  }
  slots_.Erase(label);
  labels_.pop_back();
  data_.resize(last * dim_);
  return Status::Ok();
}

std::vector<VectorHit> FlatIndex::Search(std::span<const float> query, size_t k,
                                         const LabelFilter& filter) const {
  if (k == 0 || labels_.empty() || query.size() != static_cast<size_t>(dim_) ||
      !internal::AllFinite(query)) {
    return {};
  }
  internal::TopK top(k);
  const size_t n = labels_.size();
  if (filter && SampleSelectivity(filter) <= kFilterFirstSelectivity) {
    // Few labels pass: asking the filter first skips most rows' arithmetic and memory traffic.
    for (size_t slot = 0; slot < n; ++slot) {
      if (!filter(labels_[slot])) continue;
      top.Push(labels_[slot], InnerProduct(query.data(), data_.data() + slot * dim_, dim_));
    }
    return top.Take();
  }
  // Score a block at a time with the batched kernel, then let only admissible rows reach the
  // filter: a filter call (a std::function over a set) can cost more than a short row.
  constexpr size_t kBlock = 256;
  float scores[kBlock];
  for (size_t start = 0; start < n; start += kBlock) {
    const size_t count = std::min(kBlock, n - start);
    InnerProductBatch(query.data(), data_.data() + start * dim_, count, dim_, scores);
    for (size_t i = 0; i < count; ++i) {
      if (!top.Admits(scores[i])) continue;
      const uint64_t label = labels_[start + i];
      if (filter && !filter(label)) continue;
      top.Push(label, scores[i]);
    }
  }
  return top.Take();
}

double FlatIndex::SampleSelectivity(const LabelFilter& filter) const {
  constexpr size_t kSamples = 64;
  const size_t n = labels_.size();
  const size_t samples = std::min(n, kSamples);
  size_t accepted = 0;
  for (size_t i = 0; i < samples; ++i) accepted += filter(labels_[i * n / samples]) ? 1 : 0;
  return static_cast<double>(accepted) / static_cast<double>(samples);
}

std::vector<VectorHit> FlatIndex::SearchAmong(std::span<const float> query, size_t k,
                                              std::span<const uint64_t> labels) const {
  if (k == 0 || labels.empty() || query.size() != static_cast<size_t>(dim_) ||
      !internal::AllFinite(query)) {
    return {};
  }
  std::vector<uint32_t> slots;
  slots.reserve(labels.size());
  for (uint64_t label : labels) {
    if (const uint32_t* slot = slots_.Find(label)) slots.push_back(*slot);
  }
  // Sorting drops duplicates and turns the scan into a forward walk through memory.
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  internal::TopK top(k);
  for (uint32_t slot : slots) {
    top.Push(labels_[slot],
             InnerProduct(query.data(), data_.data() + static_cast<size_t>(slot) * dim_, dim_));
  }
  return top.Take();
}

std::span<const float> FlatIndex::Get(uint64_t label) const {
  const uint32_t* slot = slots_.Find(label);
  if (slot == nullptr) return {};
  return {data_.data() + static_cast<size_t>(*slot) * dim_, static_cast<size_t>(dim_)};
}

size_t FlatIndex::MemoryBytes() const {
  return sizeof(*this) + data_.capacity() * sizeof(float) + labels_.capacity() * sizeof(uint64_t) +
         slots_.MemoryBytes();
}

void FlatIndex::Reserve(size_t n) {
  data_.reserve(n * dim_);
  labels_.reserve(n);
  slots_.Reserve(n);
}

Status FlatIndex::Save(const std::string& path, const FileSystem& fs) const {
  internal::FileWriter out(fs);
  ENGRAM_RETURN_IF_ERROR(out.Open(path));
  FlatHeader h{};
  std::memcpy(h.magic, kFlatMagic, sizeof(h.magic));
  h.version = kFlatVersion;
  h.dim = static_cast<uint32_t>(dim_);
  h.count = labels_.size();
  ENGRAM_RETURN_IF_ERROR(out.WritePod(h));
  ENGRAM_RETURN_IF_ERROR(out.Write(labels_.data(), labels_.size() * sizeof(uint64_t)));
  ENGRAM_RETURN_IF_ERROR(out.Write(data_.data(), data_.size() * sizeof(float)));
  return out.Commit();
}

Result<FlatIndex> FlatIndex::Load(const std::string& path, const FileSystem& fs) {
  internal::FileReader in(fs);
  ENGRAM_RETURN_IF_ERROR(in.Open(path));
  FlatHeader h;
  ENGRAM_RETURN_IF_ERROR(in.ReadPod(&h));
  if (std::memcmp(h.magic, kFlatMagic, sizeof(h.magic)) != 0) {
    return Status::Corruption("not a flat index file: " + path);
  }
  if (h.version != kFlatVersion) {
    return Status::Corruption("unsupported flat index version " + std::to_string(h.version) + ": " +
                              path);
  }
  if (h.dim == 0 || h.dim > static_cast<uint32_t>(internal::kMaxDimension) ||
      h.count > internal::kMaxVectors) {
    return Status::Corruption("flat index header out of range: " + path);
  }
  // Check the size the header implies before allocating anything it asks for. No overflow: both
  // factors are bounded above.
  const uint64_t expected = sizeof(FlatHeader) + h.count * sizeof(uint64_t) +
                            h.count * h.dim * sizeof(float) + sizeof(uint32_t);
  if (expected != in.file_size()) {
    return Status::Corruption("flat index file size does not match its header: " + path);
  }
  FlatIndex index(static_cast<int>(h.dim));
  index.labels_.resize(h.count);
  index.data_.resize(h.count * h.dim);
  ENGRAM_RETURN_IF_ERROR(in.Read(index.labels_.data(), h.count * sizeof(uint64_t)));
  ENGRAM_RETURN_IF_ERROR(in.Read(index.data_.data(), index.data_.size() * sizeof(float)));
  ENGRAM_RETURN_IF_ERROR(in.VerifyChecksum());
  index.slots_.Reserve(h.count);
  for (size_t s = 0; s < h.count; ++s) {
    if (index.slots_.Find(index.labels_[s]) != nullptr) {
      return Status::Corruption("flat index file repeats label " +
                                std::to_string(index.labels_[s]) + ": " + path);
    }
    index.slots_.Set(index.labels_[s], static_cast<uint32_t>(s));
  }
  return index;
}

}  // namespace engram::index
