#include "core/recall.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "index/flat_index.h"
#include "index/hnsw_index.h"
#include "util/text.h"

namespace engram::core {

namespace {

// HNSW's candidate list while searching. 64 gives recall@10 0.85 on 100k near-duplicate-rich
// USE-lite vectors; 200 gives 0.97 for about 0.3 ms (docs/benchmarks.md).
constexpr int kEfSearch = 200;

}  // namespace

OwnerPartition::OwnerPartition(int dimension, size_t approximate_above)
    : dimension_(dimension), approximate_above_(approximate_above) {
  if (dimension_ > 0) vectors_ = std::make_unique<index::FlatIndex>(dimension_);
}

void OwnerPartition::Upsert(int64_t rid, const store::IndexedMemory& m, bool replace_vector) {
  RecallDoc doc;
  auto it = scope_ids_.find(m.scope);
  if (it == scope_ids_.end()) {
    it = scope_ids_.emplace(m.scope, static_cast<int32_t>(scopes_.size())).first;
    scopes_.push_back(m.scope);
  }
  doc.scope_id = it->second;
  doc.type = m.type;
  doc.key = m.key;
  doc.created_at = m.created_at;
  doc.valid_from = m.valid_from;
  doc.valid_to = m.valid_to;
  doc.expires_at = m.expires_at;
  doc.superseded = m.superseded;
  doc.confidence = static_cast<float>(m.confidence);
  if (!m.metadata.empty() && m.metadata != "{}") {
    auto parsed = nlohmann::json::parse(m.metadata, nullptr, false);
    if (parsed.is_object() && !parsed.empty()) {
      doc.metadata = std::make_shared<const nlohmann::json>(std::move(parsed));
    }
  }
  docs_[rid] = std::move(doc);
  if (vectors_ && replace_vector) {
    dirty_ = true;
    if (static_cast<int>(m.vector.size()) == dimension_) {
      vectors_->Add(static_cast<uint64_t>(rid), m.vector);  // NaN vectors are refused: no hit
      MaybeUpgradeIndex();
    } else {
      vectors_->Remove(static_cast<uint64_t>(rid));
    }
  }
}

void OwnerPartition::Load(const std::vector<store::IndexedMemory>& rows) {
  loading_ = true;
  for (const auto& row : rows) Upsert(row.rid, row);
  loading_ = false;
  if (vectors_) MaybeUpgradeIndex();
}

bool OwnerPartition::LoadWithIndex(index::HnswIndex saved,
                                   const std::vector<store::IndexedMemory>& rows) {
  if (saved.dimension() != dimension_) return false;
  std::unordered_map<int64_t, const store::IndexedMemory*> with_vector;
  for (const auto& row : rows) {
    if (row.has_vector) with_vector.emplace(row.rid, &row);
  }
  // Labels deleted since the save (or that lost their vector) leave the index.
  for (uint64_t label : saved.LiveLabels()) {
    if (!with_vector.count(static_cast<int64_t>(label))) saved.Remove(label);
  }
  // Every vector the store holds must be in the index, or come with the rows.
  for (const auto& [rid, row] : with_vector) {
    if (row->vector.empty() && !saved.Contains(static_cast<uint64_t>(rid))) return false;
  }
  saved.set_ef_search(kEfSearch);
  vectors_ = std::make_unique<index::HnswIndex>(std::move(saved));
  approximate_ = true;
  loading_ = true;
  for (const auto& row : rows) Upsert(row.rid, row, /*replace_vector=*/!row.vector.empty());
  loading_ = false;
  return true;
}

const index::HnswIndex* OwnerPartition::approximate_index() const {
  return approximate_ ? static_cast<const index::HnswIndex*>(vectors_.get()) : nullptr;
}

void OwnerPartition::Remove(int64_t rid) {
  docs_.erase(rid);
  if (vectors_) {
    vectors_->Remove(static_cast<uint64_t>(rid));
    dirty_ = true;
  }
}

const RecallDoc* OwnerPartition::Find(int64_t rid) const {
  auto it = docs_.find(rid);
  return it == docs_.end() ? nullptr : &it->second;
}

int32_t OwnerPartition::ScopeId(const std::string& scope) const {
  auto it = scope_ids_.find(scope);
  return it == scope_ids_.end() ? -1 : it->second;
}

void OwnerPartition::MaybeUpgradeIndex() {
  if (loading_ || approximate_ || vectors_->size() <= approximate_above_) return;
  const auto& flat = static_cast<const index::FlatIndex&>(*vectors_);
  std::vector<uint64_t> labels;
  std::vector<float> rows;
  labels.reserve(flat.size());
  rows.reserve(flat.size() * static_cast<size_t>(dimension_));
  for (const auto& [rid, doc] : docs_) {
    auto v = flat.Get(static_cast<uint64_t>(rid));
    if (v.empty()) continue;
    labels.push_back(static_cast<uint64_t>(rid));
    rows.insert(rows.end(), v.begin(), v.end());
  }
  index::HnswParams params;
  params.ef_search = kEfSearch;
  auto hnsw = std::make_unique<index::HnswIndex>(dimension_, params);
  hnsw->Reserve(labels.size());
  const int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (!hnsw->AddBatch(labels, rows, threads).ok()) return;  // stay exact rather than lose rows
  vectors_ = std::move(hnsw);
  approximate_ = true;
}

Result<std::shared_ptr<OwnerPartition>> RecallIndex::Get(const std::string& owner_id,
                                                         store::Transaction& txn,
                                                         int64_t snapshot_seq) {
  std::lock_guard lock(mu_);
  auto it = partitions_.find(owner_id);
  if (it != partitions_.end()) return it->second;
  std::shared_ptr<OwnerPartition> partition;
  if (const auto [path, seq] = LatestFile(owner_id); seq >= 0 && seq <= snapshot_seq) {
    // A saved index that fails to load or to agree with the store is ignored, not trusted.
    Result<index::HnswIndex> saved = index::HnswIndex::Load(path);
    if (saved.ok()) {
      ENGRAM_ASSIGN_OR_RETURN(std::vector<store::IndexedMemory> rows,
                              txn.LoadIndexedMemories(owner_id, seq));
      partition = std::make_shared<OwnerPartition>(dimension_, approximate_above_);
      if (!partition->LoadWithIndex(std::move(*saved), rows)) partition.reset();
    }
  }
  if (!partition) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<store::IndexedMemory> rows,
                            txn.LoadIndexedMemories(owner_id, -1));
    partition = std::make_shared<OwnerPartition>(dimension_, approximate_above_);
    partition->Load(rows);
  }
  if (partition->dirty() && partition->approximate_index()) {
    Save(owner_id, *partition, snapshot_seq);  // a build is expensive: keep it at once
  }
  partition->mark_clean();
  partitions_[owner_id] = partition;
  return partition;
}

void RecallIndex::SaveDirty(int64_t seq) {
  std::lock_guard lock(mu_);
  for (auto& [owner_id, partition] : partitions_) {
    std::shared_lock read(partition->mutex());
    if (partition->dirty() && partition->approximate_index()) Save(owner_id, *partition, seq);
  }
}

std::string RecallIndex::FilePrefix(const std::string& owner_id) const {
  // Only a file name: nothing read from the file is trusted to belong to the owner (hits are
  // checked against the owner's partition), so a hash collision cannot leak records.
  return util::Fnv1aHex(owner_id) + "-";
}

std::pair<std::string, int64_t> RecallIndex::LatestFile(const std::string& owner_id) const {
  std::pair<std::string, int64_t> best{"", -1};
  if (index_dir_.empty()) return best;
  const std::string prefix = FilePrefix(owner_id);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(index_dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || !name.ends_with(".hnsw")) continue;
    const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - 5);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const int64_t seq = std::stoll(digits);
    if (seq > best.second) best = {entry.path().string(), seq};
  }
  return best;
}

void RecallIndex::RemoveFiles(const std::string& owner_id, const std::string& keep) const {
  if (index_dir_.empty()) return;
  const std::string prefix = FilePrefix(owner_id);
  std::error_code ec;
  std::vector<std::filesystem::path> doomed;
  for (const auto& entry : std::filesystem::directory_iterator(index_dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && entry.path().string() != keep) doomed.push_back(entry.path());
  }
  for (const auto& path : doomed) std::filesystem::remove(path, ec);
}

void RecallIndex::Save(const std::string& owner_id, const OwnerPartition& partition,
                       int64_t seq) const {
  if (index_dir_.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(index_dir_, ec);
  const std::string path = index_dir_ + "/" + FilePrefix(owner_id) + std::to_string(seq) + ".hnsw";
  // A failed save only costs a rebuild at the next load, so it is not an error of the caller.
  if (partition.approximate_index()->Save(path).ok()) RemoveFiles(owner_id, path);
}

void RecallIndex::ClearAndRemoveFiles() {
  std::lock_guard lock(mu_);
  partitions_.clear();
  std::error_code ec;
  if (!index_dir_.empty()) std::filesystem::remove_all(index_dir_, ec);
}

std::shared_ptr<OwnerPartition> RecallIndex::IfLoaded(const std::string& owner_id) {
  std::lock_guard lock(mu_);
  auto it = partitions_.find(owner_id);
  return it == partitions_.end() ? nullptr : it->second;
}

void RecallIndex::Clear() {
  std::lock_guard lock(mu_);
  partitions_.clear();
}

void RecallIndex::Drop(const std::string& owner_id) {
  std::lock_guard lock(mu_);
  partitions_.erase(owner_id);
  RemoveFiles(owner_id, "");
}

std::vector<std::string> QueryTerms(std::string_view text) {
  static const std::set<std::string> kStopWords = {
      "a",    "about", "after", "all",  "also",  "am",    "an",   "and",   "any",  "are",
      "as",   "at",    "be",    "been", "but",   "by",    "can",  "could", "did",  "do",
      "does", "for",   "from",  "had",  "has",   "have",  "he",   "her",   "him",  "his",
      "how",  "i",     "if",    "in",   "into",  "is",    "it",   "its",   "me",   "my",
      "no",   "not",   "of",    "on",   "or",    "our",   "she",  "so",    "than", "that",
      "the",  "their", "them",  "then", "there", "these", "they", "this",  "to",   "was",
      "we",   "were",  "what",  "when", "where", "which", "who",  "whom",  "why",  "will",
      "with", "would", "you",   "your", "s",     "t",     "ever", "some",  "kind", "much"};
  std::vector<std::string> words, kept;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) words.push_back(std::move(cur));
    cur.clear();
  };
  for (unsigned char c : text) {
    if (c >= 0x80 || std::isalnum(c)) {
      cur += static_cast<char>(c < 0x80 ? std::tolower(c) : c);
    } else {
      flush();
    }
  }
  flush();
  std::set<std::string> seen;
  for (const auto& w : words) {
    if (!kStopWords.count(w) && seen.insert(w).second) kept.push_back(w);
  }
  if (kept.empty()) {
    for (const auto& w : words) {
      if (seen.insert(w).second) kept.push_back(w);
    }
  }
  return kept;
}

double RecencyWeight(Timestamp created_at, Timestamp now, double half_life_days) {
  if (half_life_days <= 0 || now <= created_at) return 1.0;
  const double age_days = static_cast<double>(now - created_at) / 86'400'000.0;
  return std::pow(0.5, age_days / half_life_days);
}

}  // namespace engram::core
