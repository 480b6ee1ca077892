#include "core/recall.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <future>
#include <iterator>
#include <map>
#include <set>
#include <thread>
#include <unordered_set>

#include "index/flat_index.h"
#include "index/hnsw_index.h"
#include "index/index_file.h"
#include "util/json.h"
#include "util/text.h"

namespace engram::core {

namespace {

// HNSW's candidate list while searching. 64 gives recall@10 0.85 on 100k near-duplicate-rich
// USE-lite vectors; 200 gives 0.97 for about 0.3 ms (docs/benchmarks.md).
constexpr int kEfSearch = 200;

// The .records file (format in recall.h).
constexpr char kRecordsMagic[8] = {'E', 'N', 'G', 'R', 'R', 'E', 'C', 'S'};
constexpr uint32_t kRecordsVersion = 1;
enum RecordFlag : uint8_t {
  kSuperseded = 1,
  kHasValidFrom = 2,
  kHasValidTo = 4,
  kHasExpiresAt = 8,
  kHasVector = 16,
};
constexpr uint8_t kKnownFlags = 31;
// A record without optional fields, key or metadata.
constexpr size_t kMinRecordBytes = 8 + 4 + 1 + 1 + 8 + 4 + 4 + 4;
// Encoded records are handed to the file writer in blocks of about this size.
constexpr size_t kWriteBlockBytes = 1 << 20;

// Memory accounting (OwnerPartition::memory_bytes), estimates of what the allocator hands out:
// a hash or tree node carries a link or three and a malloc header; a parsed JSON object takes
// a few times the bytes of its text (a tree node, a key and a value per member).
constexpr size_t kNodeOverhead = 32;
constexpr size_t kTimelineNodeBytes = sizeof(std::pair<Timestamp, int64_t>) + 48;
constexpr size_t kJsonBytesPerTextByte = 4;
constexpr size_t kJsonObjectBytes = 64;

size_t HeapBytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 + 16 : 0;  // beyond the short-string buffer
}

// The bytes one record of a partition costs: its node in docs_, its key and metadata, and its
// place in the timeline of episodes.
size_t DocBytes(const RecallDoc& doc) {
  size_t n = sizeof(std::pair<const int64_t, RecallDoc>) + kNodeOverhead + HeapBytes(doc.key);
  if (doc.metadata) n += kJsonObjectBytes + kJsonBytesPerTextByte * doc.metadata_bytes;
  if (doc.type == MemoryType::kEpisode) n += kTimelineNodeBytes;
  return n;
}

// A scope's name in scopes_ and in scope_ids_.
size_t ScopeBytes(const std::string& scope) {
  return 2 * (sizeof(std::string) + HeapBytes(scope)) + sizeof(int32_t) + 2 * kNodeOverhead;
}

template <typename T>
void Put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

void PutBytes(std::string& out, std::string_view bytes) {
  Put(out, static_cast<uint32_t>(bytes.size()));
  out.append(bytes);
}

// Reads what Put and PutBytes wrote; false when the input ends first.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  template <typename T>
  bool Get(T* value) {
    if (in_.size() < sizeof(T)) return false;
    std::memcpy(value, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return true;
  }
  bool GetBytes(std::string_view* bytes) {
    uint32_t n = 0;
    if (!Get(&n) || in_.size() < n) return false;
    *bytes = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool GetOptional(bool present, std::optional<Timestamp>* value) {
    if (!present) return true;
    Timestamp t = 0;
    if (!Get(&t)) return false;
    *value = t;
    return true;
  }
  size_t remaining() const { return in_.size(); }

 private:
  std::string_view in_;
};

}  // namespace

Result<SavedRecords> ReadSavedRecords(const std::string& path, std::string_view tag, int64_t seq,
                                      const FileSystem& fs) {
  index::internal::FileReader reader(fs);
  ENGRAM_RETURN_IF_ERROR(reader.Open(path));
  auto corrupt = [&](const char* what) {
    return Status::Corruption("recall records " + path + ": " + what);
  };
  if (reader.file_size() < sizeof(uint32_t)) return corrupt("truncated");
  // One read of the whole file (tens of MB at 1M records), then decoding from memory.
  std::string bytes(reader.file_size() - sizeof(uint32_t), '\0');
  ENGRAM_RETURN_IF_ERROR(reader.Read(bytes.data(), bytes.size()));
  ENGRAM_RETURN_IF_ERROR(reader.VerifyChecksum());
  Decoder in(bytes);
  char magic[sizeof(kRecordsMagic)];
  uint32_t version = 0;
  std::string_view saved_tag;
  if (!in.Get(&magic) || std::memcmp(magic, kRecordsMagic, sizeof(magic)) != 0 ||
      !in.Get(&version) || version != kRecordsVersion || !in.GetBytes(&saved_tag)) {
    return corrupt("not a version 1 records file");
  }
  if (saved_tag != tag) {
    return Status::FailedPrecondition("recall records " + path +
                                      " were saved for another store or model");
  }
  int64_t saved_seq = 0;
  uint64_t count = 0;
  uint32_t scope_count = 0;
  if (!in.Get(&saved_seq) || saved_seq != seq || !in.Get(&count) || !in.Get(&scope_count)) {
    return corrupt("bad header");
  }
  SavedRecords out;
  std::set<std::string_view> seen_scopes;
  for (uint32_t i = 0; i < scope_count; ++i) {
    std::string_view scope;
    if (!in.GetBytes(&scope) || !seen_scopes.insert(scope).second) return corrupt("bad scopes");
    out.scopes.emplace_back(scope);
  }
  if (count > in.remaining() / kMinRecordBytes) return corrupt("truncated");
  out.entries.resize(count);
  // Records often share their metadata text: each distinct text is parsed once.
  std::unordered_map<std::string_view, std::shared_ptr<const nlohmann::json>> parsed;
  for (uint64_t i = 0; i < count; ++i) {
    SavedRecords::Entry& e = out.entries[i];
    RecallDoc& doc = e.doc;
    uint8_t type = 0, flags = 0;
    std::string_view key, metadata;
    if (!in.Get(&e.rid) || !in.Get(&doc.scope_id) || !in.Get(&type) || !in.Get(&flags) ||
        !in.Get(&doc.created_at) || !in.GetOptional(flags & kHasValidFrom, &doc.valid_from) ||
        !in.GetOptional(flags & kHasValidTo, &doc.valid_to) ||
        !in.GetOptional(flags & kHasExpiresAt, &doc.expires_at) || !in.Get(&doc.confidence) ||
        !in.GetBytes(&key) || !in.GetBytes(&metadata)) {
      return corrupt("truncated");
    }
    if ((i > 0 && e.rid <= out.entries[i - 1].rid) || doc.scope_id < 0 ||
        static_cast<uint32_t>(doc.scope_id) >= scope_count ||
        type > static_cast<uint8_t>(MemoryType::kBlock) || (flags & ~kKnownFlags) != 0) {
      return corrupt("bad record");
    }
    doc.type = static_cast<MemoryType>(type);
    doc.superseded = flags & kSuperseded;
    doc.key = key;
    e.has_vector = flags & kHasVector;
    if (!metadata.empty()) {
      auto [it, fresh] = parsed.try_emplace(metadata);
      if (fresh) {
        auto json = util::ParseJsonOr(nlohmann::json::value_t::discarded, metadata);
        if (!json.is_object() || json.empty()) return corrupt("bad metadata");
        it->second = std::make_shared<const nlohmann::json>(std::move(json));
      }
      doc.metadata = it->second;
      doc.metadata_bytes = static_cast<uint32_t>(metadata.size());
    }
  }
  if (in.remaining() != 0) return corrupt("trailing bytes");
  return out;
}

OwnerPartition::OwnerPartition(int dimension, size_t approximate_above)
    : dimension_(dimension), approximate_above_(approximate_above) {
  if (dimension_ > 0) vectors_ = std::make_unique<index::FlatIndex>(dimension_);
  Recount();
}

void OwnerPartition::Recount() {
  bytes_.store(sizeof(*this) + doc_bytes_ + docs_.bucket_count() * sizeof(void*) +
                   (vectors_ ? vectors_->MemoryBytes() : 0),
               std::memory_order_relaxed);
}

void OwnerPartition::Upsert(int64_t rid, const store::IndexedMemory& m, bool replace_vector) {
  RecallDoc doc;
  auto it = scope_ids_.find(m.scope);
  if (it == scope_ids_.end()) {
    it = scope_ids_.emplace(m.scope, static_cast<int32_t>(scopes_.size())).first;
    scopes_.push_back(m.scope);
    doc_bytes_ += ScopeBytes(m.scope);
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
    auto parsed = util::ParseJsonOr(nlohmann::json::value_t::discarded, m.metadata);
    if (parsed.is_object() && !parsed.empty()) {
      doc.metadata = std::make_shared<const nlohmann::json>(std::move(parsed));
      doc.metadata_bytes = static_cast<uint32_t>(m.metadata.size());
    }
  }
  if (auto old = docs_.find(rid); old != docs_.end()) {
    if (old->second.type == MemoryType::kEpisode) timeline_.erase({old->second.created_at, rid});
    doc_bytes_ -= DocBytes(old->second);
  }
  if (doc.type == MemoryType::kEpisode) timeline_.emplace(doc.created_at, rid);
  doc_bytes_ += DocBytes(doc);
  docs_[rid] = std::move(doc);
  dirty_ = true;
  if (vectors_ && replace_vector) {
    if (static_cast<int>(m.vector.size()) == dimension_) {
      vectors_->Add(static_cast<uint64_t>(rid), m.vector);  // NaN vectors are refused: no hit
      MaybeUpgradeIndex();
    } else {
      vectors_->Remove(static_cast<uint64_t>(rid));
    }
  }
  Recount();
}

void OwnerPartition::Load(const std::vector<store::IndexedMemory>& rows) {
  // Room for exactly what is loaded: most owners are small and never grow much in one process.
  docs_.reserve(rows.size());
  if (vectors_ && !approximate_) {
    size_t with_vector = 0;
    for (const auto& row : rows) {
      if (static_cast<int>(row.vector.size()) == dimension_) ++with_vector;
    }
    static_cast<index::FlatIndex&>(*vectors_).Reserve(with_vector);
  }
  loading_ = true;
  for (const auto& row : rows) Upsert(row.rid, row);
  loading_ = false;
  if (vectors_) MaybeUpgradeIndex();
  Recount();
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

bool OwnerPartition::LoadSaved(index::HnswIndex& graph, SavedRecords saved,
                               const std::vector<store::IndexedMemory>& changes,
                               std::vector<int64_t> unchanged_live) {
  if (graph.dimension() != dimension_ || !docs_.empty()) return false;
  // The graph holds exactly the vectors the records say it does.
  size_t with_vector = 0;
  for (const auto& e : saved.entries) {
    if (!e.has_vector) continue;
    if (!graph.Contains(static_cast<uint64_t>(e.rid))) return false;
    ++with_vector;
  }
  if (with_vector != graph.size()) return false;
  // A changed record whose vector predates the save must have it in the graph.
  for (const auto& row : changes) {
    if (!row.deleted && row.has_vector && row.vector.empty() &&
        !graph.Contains(static_cast<uint64_t>(row.rid))) {
      return false;
    }
  }
  // Entries and changes are in rid order. Every live record unchanged since the save must be a
  // saved one; a saved one neither unchanged nor changed was erased since.
  std::sort(unchanged_live.begin(), unchanged_live.end());
  std::vector<int64_t> erased;
  size_t u = 0, c = 0;
  for (const auto& e : saved.entries) {
    if (u < unchanged_live.size() && unchanged_live[u] < e.rid) return false;
    if (u < unchanged_live.size() && unchanged_live[u] == e.rid) {
      ++u;
      continue;
    }
    while (c < changes.size() && changes[c].rid < e.rid) ++c;
    if (c == changes.size() || changes[c].rid != e.rid) erased.push_back(e.rid);
  }
  if (u != unchanged_live.size()) return false;

  scopes_ = std::move(saved.scopes);
  for (size_t i = 0; i < scopes_.size(); ++i) {
    scope_ids_.emplace(scopes_[i], static_cast<int32_t>(i));
    doc_bytes_ += ScopeBytes(scopes_[i]);
  }
  docs_.reserve(saved.entries.size() + changes.size());
  for (auto& e : saved.entries) {
    if (e.doc.type == MemoryType::kEpisode) timeline_.emplace(e.doc.created_at, e.rid);
    doc_bytes_ += DocBytes(e.doc);
    docs_.emplace(e.rid, std::move(e.doc));
  }
  graph.set_ef_search(kEfSearch);
  vectors_ = std::make_unique<index::HnswIndex>(std::move(graph));
  approximate_ = true;
  for (int64_t rid : erased) Remove(rid);
  for (const auto& row : changes) {
    if (row.deleted) {
      Remove(row.rid);
    } else {
      // A record that lost its vector loses it in the graph too.
      Upsert(row.rid, row, /*replace_vector=*/!row.vector.empty() || !row.has_vector);
    }
  }
  Recount();
  return true;
}

Status OwnerPartition::SaveRecords(const std::string& path, std::string_view tag, int64_t seq,
                                   const FileSystem& fs) const {
  const index::HnswIndex* graph = approximate_index();
  if (graph == nullptr) return Status::FailedPrecondition("only approximate partitions are saved");
  std::vector<std::pair<int64_t, const RecallDoc*>> sorted;
  sorted.reserve(docs_.size());
  for (const auto& [rid, doc] : docs_) sorted.emplace_back(rid, &doc);
  std::sort(sorted.begin(), sorted.end());
  index::internal::FileWriter writer(fs);
  ENGRAM_RETURN_IF_ERROR(writer.Open(path));
  std::string out(kRecordsMagic, sizeof(kRecordsMagic));
  Put(out, kRecordsVersion);
  PutBytes(out, tag);
  Put(out, seq);
  Put(out, static_cast<uint64_t>(sorted.size()));
  Put(out, static_cast<uint32_t>(scopes_.size()));
  for (const std::string& scope : scopes_) PutBytes(out, scope);
  for (const auto& [rid, doc] : sorted) {
    const uint8_t flags =
        (doc->superseded ? kSuperseded : 0) | (doc->valid_from ? kHasValidFrom : 0) |
        (doc->valid_to ? kHasValidTo : 0) | (doc->expires_at ? kHasExpiresAt : 0) |
        (graph->Contains(static_cast<uint64_t>(rid)) ? kHasVector : 0);
    Put(out, rid);
    Put(out, doc->scope_id);
    Put(out, static_cast<uint8_t>(doc->type));
    Put(out, flags);
    Put(out, doc->created_at);
    if (doc->valid_from) Put(out, *doc->valid_from);
    if (doc->valid_to) Put(out, *doc->valid_to);
    if (doc->expires_at) Put(out, *doc->expires_at);
    Put(out, doc->confidence);
    PutBytes(out, doc->key);
    PutBytes(out, doc->metadata ? doc->metadata->dump() : "");
    if (out.size() >= kWriteBlockBytes) {
      ENGRAM_RETURN_IF_ERROR(writer.Write(out.data(), out.size()));
      out.clear();
    }
  }
  ENGRAM_RETURN_IF_ERROR(writer.Write(out.data(), out.size()));
  return writer.Commit();
}

const index::HnswIndex* OwnerPartition::approximate_index() const {
  return approximate_ ? static_cast<const index::HnswIndex*>(vectors_.get()) : nullptr;
}

void OwnerPartition::CatchUp(const std::vector<store::IndexedMemory>& changes,
                             const std::vector<int64_t>& unchanged_live) {
  std::unordered_set<int64_t> keep(unchanged_live.begin(), unchanged_live.end());
  for (const auto& m : changes) {
    if (m.deleted) {
      Remove(m.rid);
      continue;
    }
    keep.insert(m.rid);
    // The vector comes only when it was rewritten; a record without one loses any it had.
    Upsert(m.rid, m, /*replace_vector=*/!m.vector.empty() || !m.has_vector);
  }
  std::vector<int64_t> erased;
  for (const auto& [rid, doc] : docs_) {
    if (!keep.count(rid)) erased.push_back(rid);
  }
  for (int64_t rid : erased) Remove(rid);
}

void OwnerPartition::Remove(int64_t rid) {
  if (auto it = docs_.find(rid); it != docs_.end()) {
    if (it->second.type == MemoryType::kEpisode) timeline_.erase({it->second.created_at, rid});
    doc_bytes_ -= DocBytes(it->second);
    docs_.erase(it);
  }
  if (vectors_) vectors_->Remove(static_cast<uint64_t>(rid));
  dirty_ = true;
  Recount();
}

const RecallDoc* OwnerPartition::Find(int64_t rid) const {
  auto it = docs_.find(rid);
  return it == docs_.end() ? nullptr : &it->second;
}

void OwnerPartition::Neighbours(int64_t rid, int distance,
                                std::vector<std::pair<int64_t, int>>* out) const {
  const RecallDoc* doc = Find(rid);
  if (doc == nullptr || doc->type != MemoryType::kEpisode) return;
  const auto at = timeline_.find({doc->created_at, rid});
  if (at == timeline_.end()) return;
  // Walks away from the turn one step at a time, stopping at a gap or another scope.
  auto joins = [&](Timestamp earlier, Timestamp later, int64_t step) {
    const RecallDoc* other = Find(step);
    return later - earlier <= kConversationGap && other && other->scope_id == doc->scope_id;
  };
  auto it = at;
  for (int d = 1; d <= distance && it != timeline_.begin(); ++d) {
    const auto prev = std::prev(it);
    if (!joins(prev->first, it->first, prev->second)) break;
    out->emplace_back(prev->second, d);
    it = prev;
  }
  it = at;
  for (int d = 1; d <= distance; ++d) {
    const auto next = std::next(it);
    if (next == timeline_.end() || !joins(it->first, next->first, next->second)) break;
    out->emplace_back(next->second, d);
    it = next;
  }
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

namespace {

// Measured on LoCoMo conversations 0-4 and the paraphrase set (docs/search.md, docs/locomo.md).
// The most an old memory loses to a recent one: 10% lowered LoCoMo recall below search without
// recency; 3% leaves it equal and still orders equally relevant memories newest first.
constexpr double kRecencyLift = 0.03;
// A lexical match holding less of the query's information than this is no evidence.
constexpr double kMinLexicalCoverage = 0.1;
// A match whose coverage reaches this holds the whole query: a mean-length row holding each word
// once reaches 1, one holding a one-word query in a row 1.5 times the mean length 0.8.
constexpr double kExactCoverage = 0.8;

}  // namespace

double RecencyFactor(Timestamp created_at, Timestamp now, double half_life_days) {
  return 1 - kRecencyLift + kRecencyLift * RecencyWeight(created_at, now, half_life_days);
}

double LexicalCoverage(double bm25, double query_information) {
  if (query_information <= 0) return 0;
  return std::min(1.0, std::max(0.0, bm25 / query_information));
}

bool IsLexicalEvidence(double coverage) {
  return coverage >= kMinLexicalCoverage;
}

double FuseHybrid(const FusionEvidence& e, double lexical_weight, double vector_weight) {
  const double lexical = e.lexical_rank ? e.lexical_coverage : 0;
  const double vector = e.vector_rank ? std::clamp(e.vector_evidence, 0.0, 1.0) : 0;
  return (lexical_weight * lexical + vector_weight * vector) / (lexical_weight + vector_weight);
}

bool IsExactMatch(double coverage) {
  return coverage >= kExactCoverage;
}

}  // namespace engram::core
