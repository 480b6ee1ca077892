// RecallIndex: the loaded partitions of one engine, their saved files and their memory budget.
#include <future>

#include "core/recall.h"
#include "util/text.h"

namespace engram::core {

namespace {

// Whether saved files are too far behind the store to be worth bringing up to date: the vectors
// written since the save would go into the graph one at a time, while a rebuild from the store
// adds every vector in one parallel batch and leaves no replaced node behind. Past a quarter of
// the saved records (about where a build on a few cores catches up with one-at-a-time inserts),
// the files are set aside.
bool TooFarBehind(const std::vector<store::IndexedMemory>& changes, size_t saved_records) {
  size_t rewritten = 0;
  for (const auto& m : changes) rewritten += m.vector.empty() ? 0 : 1;
  return rewritten > saved_records / 4;
}

}  // namespace

Result<std::shared_ptr<OwnerPartition>> RecallIndex::Get(const std::string& owner_id,
                                                         store::Transaction& txn,
                                                         int64_t snapshot_seq) {
  std::lock_guard lock(mu_);
  auto it = partitions_.find(owner_id);
  if (it != partitions_.end()) {
    Loaded& entry = it->second;
    lru_.splice(lru_.begin(), lru_, entry.lru);
    auto behind = behind_.find(owner_id);
    if (behind == behind_.end()) {
      Charge(entry, &entry);
      return entry.partition;
    }
    // Only what other processes wrote since the partition's seq, plus the ids of the live
    // records written before it (which reveal erasures): far less than a reload.
    std::shared_ptr<OwnerPartition> partition = entry.partition;
    Result<std::vector<store::IndexedMemory>> changes =
        txn.LoadIndexedChanges(owner_id, behind->second);
    Result<std::vector<int64_t>> live = changes.ok()
                                            ? txn.LiveRidsWrittenUpTo(owner_id, behind->second)
                                            : Result<std::vector<int64_t>>(changes.status());
    if (!live.ok()) {
      Unload(it);  // reloaded in full next time
      return live.status();
    }
    {
      std::unique_lock write(partition->mutex());
      partition->CatchUp(*changes, *live);
    }
    if (snapshot_seq >= latest_seen_) {
      behind_.erase(behind);
    } else {
      behind->second = snapshot_seq;  // a later write is still to come
    }
    Charge(entry, &entry);
    return partition;
  }
  std::shared_ptr<OwnerPartition> partition;
  bool from_pair = false;
  if (const int64_t seq = LatestSeq(owner_id); seq >= 0 && seq <= snapshot_seq) {
    ENGRAM_ASSIGN_OR_RETURN(partition, LoadFromFiles(owner_id, txn, seq, &from_pair));
  }
  if (!partition) {
    ENGRAM_ASSIGN_OR_RETURN(std::vector<store::IndexedMemory> rows,
                            txn.LoadIndexedMemories(owner_id, -1));
    partition = std::make_shared<OwnerPartition>(dimension_, approximate_above_);
    partition->Load(rows);
  }
  if (!from_pair) {
    // A graph build or a read of every record is expensive: keep the result at once. A
    // partition loaded from a pair is saved, if it changed, by SaveDirty.
    if (partition->approximate_index()) Save(owner_id, *partition, snapshot_seq);
    partition->mark_clean();
  }
  lru_.push_front(owner_id);
  Loaded& entry = partitions_[owner_id] = Loaded{partition, lru_.begin(), 0};
  // Loaded from a snapshot older than what another process has written since: behind already.
  if (snapshot_seq < latest_seen_) behind_[owner_id] = snapshot_seq;
  Charge(entry, &entry);
  return partition;
}

void RecallIndex::Update(const std::string& owner_id,
                         const std::function<void(OwnerPartition&)>& change) {
  std::shared_ptr<OwnerPartition> partition;
  {
    std::lock_guard lock(mu_);
    auto it = partitions_.find(owner_id);
    if (it == partitions_.end()) return;
    partition = it->second.partition;
  }
  {
    std::unique_lock write(partition->mutex());
    change(*partition);
  }
  std::lock_guard lock(mu_);
  // Unloaded meanwhile, or loaded again from the store (which already holds the change).
  auto it = partitions_.find(owner_id);
  if (it != partitions_.end() && it->second.partition == partition) Charge(it->second, nullptr);
}

void RecallIndex::Charge(Loaded& entry, const Loaded* keep) {
  const size_t now = entry.partition->memory_bytes();
  bytes_ = bytes_ - entry.charged + now;
  entry.charged = now;
  while (bytes_ > budget_ && !lru_.empty()) {
    auto victim = partitions_.find(lru_.back());
    if (&victim->second == keep) break;  // only the partition in use is left
    Unload(victim);
    ++evictions_;
  }
}

void RecallIndex::Unload(std::unordered_map<std::string, Loaded>::iterator it) {
  // A dirty approximate partition is not saved here: its files, older, are brought up to date
  // from the store when it is loaded again.
  bytes_ -= it->second.charged;
  lru_.erase(it->second.lru);
  behind_.erase(it->first);
  partitions_.erase(it);
}

RecallIndex::Usage RecallIndex::usage() {
  std::lock_guard lock(mu_);
  return {partitions_.size(), bytes_, budget_, evictions_};
}

Result<std::shared_ptr<OwnerPartition>> RecallIndex::LoadFromFiles(const std::string& owner_id,
                                                                   store::Transaction& txn,
                                                                   int64_t seq,
                                                                   bool* from_pair) const {
  const std::string stem = index_dir_ + "/" + FilePrefix(owner_id) + std::to_string(seq);
  // The graph (gigabytes at 1M vectors) loads on another thread while the records and the
  // store's changes are read. Files that fail to load or to agree with the store are ignored,
  // not trusted.
  std::future<Result<index::HnswIndex>> graph_load =
      std::async(std::launch::async,
                 [path = stem + ".hnsw", this] { return index::HnswIndex::Load(path, fs_); });
  Result<SavedRecords> records = ReadSavedRecords(stem + ".records", file_tag_, seq, fs_);
  if (records.status().code() == Status::Code::kFailedPrecondition) {
    return std::shared_ptr<OwnerPartition>();
  }
  std::vector<store::IndexedMemory> changes;
  std::vector<int64_t> unchanged_live;
  if (records.ok()) {
    ENGRAM_ASSIGN_OR_RETURN(changes, txn.LoadIndexedChanges(owner_id, seq));
    ENGRAM_ASSIGN_OR_RETURN(unchanged_live, txn.LiveRidsWrittenUpTo(owner_id, seq));
    if (TooFarBehind(changes, records->entries.size())) {
      graph_load.wait();  // the graph's file is not needed: rebuilt from the store
      return std::shared_ptr<OwnerPartition>();
    }
  }
  Result<index::HnswIndex> graph = graph_load.get();
  if (!graph.ok()) return std::shared_ptr<OwnerPartition>();
  auto partition = std::make_shared<OwnerPartition>(dimension_, approximate_above_);
  if (records.ok()) {
    *from_pair =
        partition->LoadSaved(*graph, std::move(*records), changes, std::move(unchanged_live));
    if (*from_pair) return partition;
  }
  // The graph alone: every record from the store.
  ENGRAM_ASSIGN_OR_RETURN(std::vector<store::IndexedMemory> rows,
                          txn.LoadIndexedMemories(owner_id, seq));
  if (!partition->LoadWithIndex(std::move(*graph), rows)) return std::shared_ptr<OwnerPartition>();
  return partition;
}

void RecallIndex::SaveDirty(int64_t seq) {
  // mu_ is held only to pick the partitions: Get (every search) takes it.
  std::vector<std::pair<std::string, std::shared_ptr<OwnerPartition>>> picked;
  uint64_t erasures = 0;
  {
    std::lock_guard lock(mu_);
    erasures = erasures_;
    for (const auto& [owner_id, entry] : partitions_) {
      // One behind does not reflect every write up to seq.
      if (!behind_.count(owner_id)) picked.emplace_back(owner_id, entry.partition);
    }
  }
  for (const auto& [owner_id, partition] : picked) {
    {
      std::shared_lock read(partition->mutex());
      if (!partition->dirty() || !partition->approximate_index() ||
          !Save(owner_id, *partition, seq)) {
        continue;
      }
      partition->mark_clean();
    }
    // Forgotten (or every index cleared) while its files were written: Drop may have removed
    // the owner's files before this pair was in place, so it goes here. (A Drop after this check
    // finds the pair and removes it.)
    std::lock_guard lock(mu_);
    if (erasures_ == erasures) continue;
    auto it = partitions_.find(owner_id);
    if (it == partitions_.end() || it->second.partition != partition) {
      const std::string stem = index_dir_ + "/" + FilePrefix(owner_id) + std::to_string(seq);
      static_cast<void>(fs_.Remove(stem + ".hnsw"));
      static_cast<void>(fs_.Remove(stem + ".records"));
    }
  }
}

std::string RecallIndex::FilePrefix(const std::string& owner_id) const {
  // Only a file name: nothing read from the file is trusted to belong to the owner (hits are
  // checked against the owner's partition), so a hash collision cannot leak records.
  return util::Fnv1aHex(owner_id) + "-";
}

std::vector<std::string> RecallIndex::FileNames() const {
  // An unreadable folder holds no usable file: the partitions are then built from the store.
  Result<std::vector<std::string>> names = fs_.ListDirectory(index_dir_);
  return names.ok() ? std::move(*names) : std::vector<std::string>();
}

int64_t RecallIndex::LatestSeq(const std::string& owner_id) const {
  int64_t best = -1;
  if (index_dir_.empty()) return best;
  const std::string prefix = FilePrefix(owner_id);
  for (const std::string& name : FileNames()) {
    if (name.rfind(prefix, 0) != 0 || !name.ends_with(".hnsw")) continue;
    const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - 5);
    if (digits.empty() || digits.size() > 18 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    best = std::max<int64_t>(best, std::stoll(digits));
  }
  return best;
}

void RecallIndex::RemoveFiles(const std::string& owner_id, int64_t keep_seq) const {
  if (index_dir_.empty()) return;
  const std::string prefix = FilePrefix(owner_id);
  const std::string keep = keep_seq < 0 ? "" : prefix + std::to_string(keep_seq) + ".";
  for (const std::string& name : FileNames()) {
    if (name.rfind(prefix, 0) == 0 && (keep.empty() || name.rfind(keep, 0) != 0)) {
      // A file left behind is found and removed by the next save of the owner.
      static_cast<void>(fs_.Remove(index_dir_ + "/" + name));
    }
  }
}

bool RecallIndex::Save(const std::string& owner_id, const OwnerPartition& partition,
                       int64_t seq) const {
  if (index_dir_.empty()) return false;
  const std::string stem = index_dir_ + "/" + FilePrefix(owner_id) + std::to_string(seq);
  // The records first: a graph is never newer than its records. A failed save only costs a
  // slower load next time, so it is not an error of the caller.
  if (fs_.CreateDirectories(index_dir_).ok() &&
      partition.SaveRecords(stem + ".records", file_tag_, seq, fs_).ok() &&
      partition.approximate_index()->Save(stem + ".hnsw", fs_).ok()) {
    RemoveFiles(owner_id, seq);
    return true;
  }
  return false;
}

void RecallIndex::ClearAndRemoveFiles() {
  std::lock_guard lock(mu_);
  partitions_.clear();
  lru_.clear();
  bytes_ = 0;
  behind_.clear();
  ++erasures_;
  if (index_dir_.empty()) return;
  // Files that stay are ignored by their tag or seq and replaced by the next save.
  for (const std::string& name : FileNames())
    static_cast<void>(fs_.Remove(index_dir_ + "/" + name));
  static_cast<void>(fs_.Remove(index_dir_));
}

void RecallIndex::MarkBehind(int64_t reflected, int64_t latest) {
  std::lock_guard lock(mu_);
  latest_seen_ = std::max(latest_seen_, latest);
  for (const auto& [owner_id, entry] : partitions_) {
    auto [it, added] = behind_.emplace(owner_id, reflected);
    if (!added) it->second = std::min(it->second, reflected);
  }
}

void RecallIndex::NoteWritten(int64_t seq) {
  std::lock_guard lock(mu_);
  latest_seen_ = std::max(latest_seen_, seq);
}

void RecallIndex::Drop(const std::string& owner_id) {
  std::lock_guard lock(mu_);
  if (auto it = partitions_.find(owner_id); it != partitions_.end()) Unload(it);
  behind_.erase(owner_id);
  ++erasures_;
  RemoveFiles(owner_id, -1);
}

}  // namespace engram::core
