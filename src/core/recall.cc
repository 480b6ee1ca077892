#include "core/recall.h"

#include <cmath>
#include <set>
#include <thread>

#include "index/flat_index.h"
#include "index/hnsw_index.h"

namespace engram::core {

namespace {

// Above this many vectors an owner's exact scan (about 0.2 ms per 1k vectors of 512 floats)
// gives way to HNSW.
constexpr size_t kApproximateAbove = 20000;

}  // namespace

OwnerPartition::OwnerPartition(int dimension) : dimension_(dimension) {
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

void OwnerPartition::Remove(int64_t rid) {
  docs_.erase(rid);
  if (vectors_) vectors_->Remove(static_cast<uint64_t>(rid));
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
  if (loading_ || approximate_ || vectors_->size() <= kApproximateAbove) return;
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
  auto hnsw = std::make_unique<index::HnswIndex>(dimension_);
  hnsw->Reserve(labels.size());
  const int threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  if (!hnsw->AddBatch(labels, rows, threads).ok()) return;  // stay exact rather than lose rows
  vectors_ = std::move(hnsw);
  approximate_ = true;
}

Result<std::shared_ptr<OwnerPartition>> RecallIndex::Get(const std::string& owner_id,
                                                         store::Transaction& txn) {
  std::lock_guard lock(mu_);
  auto it = partitions_.find(owner_id);
  if (it != partitions_.end()) return it->second;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<store::IndexedMemory> rows,
                          txn.LoadIndexedMemories(owner_id));
  auto partition = std::make_shared<OwnerPartition>(dimension_);
  partition->Load(rows);
  partitions_[owner_id] = partition;
  return partition;
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
}

std::string BuildFtsQuery(std::string_view text) {
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
  std::string out;
  for (const auto& w : kept) {
    if (!out.empty()) out += " OR ";
    out += '"' + w + '"';  // words hold no quote characters
  }
  return out;
}

double RecencyWeight(Timestamp created_at, Timestamp now, double half_life_days) {
  if (half_life_days <= 0 || now <= created_at) return 1.0;
  const double age_days = static_cast<double>(now - created_at) / 86'400'000.0;
  return std::pow(0.5, age_days / half_life_days);
}

}  // namespace engram::core
