// The in-memory side of recall: per-owner partitions holding what filters need and the vectors,
// plus the pieces of hybrid scoring (FTS query building, rank fusion, decay).
//
// The store stays the source of truth. A partition is loaded from the store on an owner's first
// search and then kept in step by the engine after each commit; every update is idempotent so a
// load racing with a write cannot leave it wrong.
#pragma once

#include <atomic>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/filter.h"
#include "engram/file_system.h"
#include "index/hnsw_index.h"
#include "index/vector_index.h"
#include "store/store.h"

namespace engram::core {

// What a search needs to know of one live record without touching the store.
struct RecallDoc {
  int32_t scope_id = 0;
  MemoryType type = MemoryType::kFact;
  std::string key;
  Timestamp created_at = 0;
  std::optional<Timestamp> valid_from;
  std::optional<Timestamp> valid_to;
  std::optional<Timestamp> expires_at;
  bool superseded = false;
  float confidence = 1;
  std::shared_ptr<const nlohmann::json> metadata;  // null when the record has none
  uint32_t metadata_bytes = 0;  // the length of the metadata's JSON text, for memory accounting
};

// A partition's records as RecallIndex saved them beside its graph, not yet checked against the
// store.
struct SavedRecords {
  struct Entry {
    int64_t rid = 0;
    RecallDoc doc;
    bool has_vector = false;  // the saved graph holds the record's vector
  };
  std::vector<std::string> scopes;  // RecallDoc::scope_id indexes it
  std::vector<Entry> entries;       // in rid order
};

// Reads what OwnerPartition::SaveRecords wrote to `path` (format in RecallIndex). NotFound when
// there is no file; FailedPrecondition when it was saved with another tag; Corruption when it is
// damaged or was not saved at seq.
Result<SavedRecords> ReadSavedRecords(const std::string& path, std::string_view tag, int64_t seq,
                                      const FileSystem& fs = DefaultFileSystem());

// Consecutive episodes further apart than this are not one conversation: neither lends the other
// context in search.
inline constexpr Timestamp kConversationGap = 30 * 60 * 1000;

class OwnerPartition {
 public:
  // dimension 0: no vectors (no embedder). Above approximate_above vectors, the exact index gives
  // way to HNSW.
  OwnerPartition(int dimension, size_t approximate_above);

  // Adds or replaces a record. With replace_vector, its vector becomes m.vector (none when that
  // is empty or of another dimension); without, the vector it had stays.
  void Upsert(int64_t rid, const store::IndexedMemory& m, bool replace_vector = true);
  // Drops a record; no-op when absent.
  void Remove(int64_t rid);
  // Adds many records at once (a load): the switch to an approximate index, when the partition
  // is large, happens once at the end as a parallel batch build instead of row by row.
  void Load(const std::vector<store::IndexedMemory>& rows);
  // Loads from a saved index plus the store's rows, whose vectors are only those written after
  // the index was saved. False (and the partition is unusable) when the two disagree, e.g. a
  // record with a vector that neither the rows nor the index hold.
  bool LoadWithIndex(index::HnswIndex saved, const std::vector<store::IndexedMemory>& rows);
  // Loads from a saved graph and the records saved with it at seq, brought up to date with
  // `changes` (Transaction::LoadIndexedChanges after seq) and `unchanged_live`
  // (LiveRidsWrittenUpTo seq); saved records in neither were erased since and are dropped.
  // Takes `graph` (moves from it) only when it returns true; returns false, changing nothing,
  // when the saved records, the graph and the store disagree, e.g. a live record the store last
  // wrote before seq that the saved records lack. The partition must be empty.
  bool LoadSaved(index::HnswIndex& graph, SavedRecords saved,
                 const std::vector<store::IndexedMemory>& changes,
                 std::vector<int64_t> unchanged_live);
  // Brings a partition that reflects the store up to some seq up to date: `changes` are the
  // records written after it (Transaction::LoadIndexedChanges, vectors only when rewritten),
  // `unchanged_live` the live records written up to it (LiveRidsWrittenUpTo); a record in
  // neither was erased since and goes.
  void CatchUp(const std::vector<store::IndexedMemory>& changes,
               const std::vector<int64_t>& unchanged_live);
  // Writes the records (not the vectors) of an approximate partition to `path` atomically, as
  // RecallIndex describes, naming them as reflecting every write up to seq.
  Status SaveRecords(const std::string& path, std::string_view tag, int64_t seq,
                     const FileSystem& fs = DefaultFileSystem()) const;

  // The approximate index when the partition has one, else null.
  const index::HnswIndex* approximate_index() const;
  // Whether the records or vectors changed since the partition was loaded or last marked clean.
  // Changes happen under the exclusive lock; mark_clean needs the shared one at least.
  bool dirty() const { return dirty_.load(std::memory_order_relaxed); }
  void mark_clean() { dirty_.store(false, std::memory_order_relaxed); }

  const RecallDoc* Find(int64_t rid) const;
  // The id of a scope string, or -1 when no record of the partition has that scope.
  int32_t ScopeId(const std::string& scope) const;
  const std::string& ScopeName(int32_t id) const { return scopes_[static_cast<size_t>(id)]; }
  const index::VectorIndex* vectors() const { return vectors_.get(); }
  size_t size() const { return docs_.size(); }
  // The episodes up to `distance` places before and after episode `rid` in time order that are
  // part of its conversation: the same scope, and no gap between consecutive turns longer than
  // kConversationGap. Appends (rid, distance) pairs to `out`; nothing for a record that is not an
  // episode.
  void Neighbours(int64_t rid, int distance, std::vector<std::pair<int64_t, int>>* out) const;

  // Readers hold it shared for the whole search; updates hold it exclusive.
  std::shared_mutex& mutex() const { return mu_; }

  // Bytes the partition holds in memory (records, scopes, vectors and index), an estimate within
  // allocator overheads, as of its last change. Readable without the mutex.
  size_t memory_bytes() const { return bytes_.load(std::memory_order_relaxed); }

 private:
  void MaybeUpgradeIndex();
  // Refreshes bytes_ after a change.
  void Recount();

  int dimension_;
  size_t approximate_above_;
  std::unordered_map<int64_t, RecallDoc> docs_;
  // The episodes, by (created_at, rid): conversations in the order they were said.
  std::set<std::pair<Timestamp, int64_t>> timeline_;
  std::vector<std::string> scopes_;
  std::unordered_map<std::string, int32_t> scope_ids_;
  std::unique_ptr<index::VectorIndex> vectors_;
  bool approximate_ = false;
  bool loading_ = false;
  std::atomic<bool> dirty_ = false;
  size_t doc_bytes_ = 0;  // records and scopes: what docs_, timeline_ and scopes_ hold
  std::atomic<size_t> bytes_{0};
  mutable std::shared_mutex mu_;
};

// All loaded partitions of one engine.
//
// Partitions large enough for an approximate index keep it on disk, in index_dir, as a pair of
// files that reflect every write up to change counter seq:
//   "<owner hash>-<seq>.hnsw"     the HNSW graph (HnswIndex::Save);
//   "<owner hash>-<seq>.records"  the partition's records, i.e. every RecallDoc.
// Loading such a partition reads both and re-reads from the store only the records written
// after seq (the store stamps each record with the number of the last write of it or its
// vector), plus the ids of the live records written up to seq, which reveal records erased
// since. That replaces reading every record with its vector (tens of seconds at 1M) and a graph
// build (minutes); the graph's big arrays are mapped from its file, not copied (HnswIndex::Load),
// so a removed file's disk space is freed only with the partition. The seq in the names keeps each
// file self-describing, so concurrent savers cannot mislabel one; the .records file is written
// first, so a .hnsw file never lacks its pair unless the .records file is damaged. A graph without
// valid records (a damaged file, or one saved before .records files existed) is still used, with
// every record read from the store; a file that fails its checks is ignored and rebuilt, never
// trusted. Files so far behind the store that the vectors written since outnumber a quarter of
// their records are rebuilt too: a parallel build is then faster than adding those one by one.
//
// .records format, version 1, little-endian, written through index::internal::FileWriter (so
// the CRC32C of everything before it ends the file):
//   "ENGRRECS"  u32 version  u32 tag length, tag bytes  i64 seq  u64 record count
//   u32 scope count, then each scope: u32 length, bytes
//   each record: i64 rid  i32 scope id  u8 type  u8 flags  i64 created_at
//                [i64 valid_from] [i64 valid_to] [i64 expires_at]  (when their flag is set)
//                f32 confidence  u32 key length, key bytes  u32 metadata length, metadata JSON
//   flags: 1 superseded, 2 valid_from, 4 valid_to, 8 expires_at, 16 the graph holds its vector.
// The tag names the store and the embedding model (set_file_tag); a file with another tag, seq,
// version or checksum is not used.
//
// Loaded partitions share a memory budget (bytes, OwnerPartition::memory_bytes): past it, the
// least recently searched partitions are dropped, and loaded again, from the store or their saved
// files, on their owner's next search. A search holds its partition by shared ownership, so a
// partition dropped meanwhile stays whole until that search ends. A partition larger than the
// budget on its own stays loaded while it is the most recently searched one.
class RecallIndex {
 public:
  // index_dir "" keeps nothing on disk; files go through `fs`, which must outlive the index.
  // memory_budget: bytes of loaded partitions kept.
  RecallIndex(int dimension, size_t approximate_above, std::string index_dir, size_t memory_budget,
              const FileSystem& fs = DefaultFileSystem())
      : dimension_(dimension),
        approximate_above_(approximate_above),
        index_dir_(std::move(index_dir)),
        fs_(fs),
        budget_(memory_budget) {}

  // Names the store and the model of its vectors; saved files with another tag are ignored.
  // Called once, before the first Get.
  void set_file_tag(std::string tag) { file_tag_ = std::move(tag); }

  // The owner's partition, loaded through `txn` when absent; snapshot_seq is the change counter
  // that txn sees. It becomes the most recently used; others may be dropped to keep the budget.
  Result<std::shared_ptr<OwnerPartition>> Get(const std::string& owner_id, store::Transaction& txn,
                                              int64_t snapshot_seq);
  // Runs `change` on the owner's partition, holding it exclusively, if it is loaded (a write
  // need not touch one that is not: the next load reads the store); then keeps the budget.
  void Update(const std::string& owner_id, const std::function<void(OwnerPartition&)>& change);
  // Whether saved files are kept (an index_dir was given).
  bool keeps_files() const { return !index_dir_.empty(); }
  // Saves the changed approximate partitions as reflecting every write up to seq; the caller
  // makes sure that no write up to seq is still to be applied (Update) to a loaded partition.
  // Searches go on meanwhile (each partition is read under its shared lock); an update of a
  // partition waits while it is written. Files of an owner dropped meanwhile are removed.
  void SaveDirty(int64_t seq);
  // Another process wrote to the store: the loaded partitions reflect it up to `reflected` only,
  // and it is now at `latest`. Get brings each partition up to date from the store (only what
  // was written since) before it returns it; until then it is not saved.
  void MarkBehind(int64_t reflected, int64_t latest);
  // This process committed the write numbered seq; Update applies it next. A partition that a
  // search loads meanwhile from an older snapshot may have missed that Update: it is loaded as
  // behind, and brought up to date on its next use (never saved before).
  void NoteWritten(int64_t seq);
  // Drops every partition and every saved index (the vectors were all rewritten).
  void ClearAndRemoveFiles();
  // Drops the owner's partition and saved indexes (the owner was forgotten).
  void Drop(const std::string& owner_id);

  // What the loaded partitions hold now.
  struct Usage {
    size_t partitions = 0;
    size_t bytes = 0;  // the sum of their memory_bytes() when last charged
    size_t budget = 0;
    uint64_t evictions = 0;  // partitions dropped to keep the budget, since construction
  };
  Usage usage();

 private:
  struct Loaded {
    std::shared_ptr<OwnerPartition> partition;
    std::list<std::string>::iterator lru;  // its place in lru_
    size_t charged = 0;                    // its bytes counted in bytes_
  };

  // The partition from the owner's files saved at seq, or null when they cannot be used. Sets
  // *from_pair when both files were used, i.e. the store's records were not all read.
  Result<std::shared_ptr<OwnerPartition>> LoadFromFiles(const std::string& owner_id,
                                                        store::Transaction& txn, int64_t seq,
                                                        bool* from_pair) const;
  // "<index_dir>/<owner hash>-"; a file's path is that, the seq and its extension.
  std::string FilePrefix(const std::string& owner_id) const;
  // The names in index_dir; none when it cannot be read.
  std::vector<std::string> FileNames() const;
  // The seq of the owner's newest saved graph; -1 when there is none.
  int64_t LatestSeq(const std::string& owner_id) const;
  // Removes the owner's files but those of keep_seq (-1: all).
  void RemoveFiles(const std::string& owner_id, int64_t keep_seq) const;
  // Whether the pair was written.
  bool Save(const std::string& owner_id, const OwnerPartition& partition, int64_t seq) const;
  // With mu_ held: counts the entry's current size, then drops least recently used partitions
  // other than `keep` (null: none spared) until the loaded ones fit the budget.
  void Charge(Loaded& entry, const Loaded* keep);
  // With mu_ held: forgets a loaded partition (its saved files stay).
  void Unload(std::unordered_map<std::string, Loaded>::iterator it);

  int dimension_;
  size_t approximate_above_;
  std::string index_dir_;
  const FileSystem& fs_;
  std::string file_tag_;
  const size_t budget_;
  std::mutex mu_;
  std::unordered_map<std::string, Loaded> partitions_;
  std::list<std::string> lru_;  // owners of the loaded partitions, most recently used first
  size_t bytes_ = 0;            // the sum of the entries' charged bytes
  uint64_t evictions_ = 0;
  // The partitions behind the store: the seq each reflects (MarkBehind).
  std::unordered_map<std::string, int64_t> behind_;
  int64_t latest_seen_ = -1;  // the highest `latest` of MarkBehind
  uint64_t erasures_ = 0;     // calls of Drop and ClearAndRemoveFiles, for SaveDirty
};

// The words of free text that lexical search looks for (ASCII letters lowercased), each once, stop
// words dropped unless nothing else is left. Empty when the text has no word.
std::vector<std::string> QueryTerms(std::string_view text);

// Recency weight in (0, 1]: 0.5 ^ (age / half_life); 1 when half_life_days <= 0.
double RecencyWeight(Timestamp created_at, Timestamp now, double half_life_days);

// The recency factor of a search: a gentle lift for what is recent, never a burial. It stays
// in [1 - lift, 1] (the lift is in recall.cc and docs/search.md): however old a memory is, it
// loses at most that share of its score to a newer one.
double RecencyFactor(Timestamp created_at, Timestamp now, double half_life_days);

// What one candidate brought to a hybrid search.
struct FusionEvidence {
  int lexical_rank = 0;         // 1-based among lexical hits that count as evidence; 0: none
  double lexical_coverage = 0;  // LexicalCoverage of its match
  int vector_rank = 0;          // 1-based; 0: not a vector candidate
  // Where its cosine stands among the vector candidates': 1 for the best, 0 for the worst.
  double vector_evidence = 0;
};

// The share of a query's information that a lexical match holds, in [0, 1]: its BM25 over the
// sum of the IDFs of the query's terms (about what a row of mean length holding each term once
// scores).
double LexicalCoverage(double bm25, double query_information);
// Whether a lexical match is evidence: it holds at least a floor share of the query's
// information. Below, its terms are words most of the owner's memories share ("user",
// "prefers") or too small a part of the question, and it earns no rank.
bool IsLexicalEvidence(double coverage);

// Hybrid relevance in [0, 1]: the weighted mean of the lexical coverage and the vector
// evidence (each 0 for a candidate its retriever did not return).
double FuseHybrid(const FusionEvidence& e, double lexical_weight, double vector_weight);

// Whether a lexical match holds the whole query: its coverage reaches what a complete match has
// (every word of the query, or its rare words, in a row not much longer than the owner's mean).
// Such a match (an exact name, place or identifier) is lifted in hybrid search so that a memory
// the encoder finds nearer does not outrank it however little the owner's statistics weigh.
bool IsExactMatch(double coverage);

}  // namespace engram::core
