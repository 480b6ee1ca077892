// LabelMap: the label -> slot table of the vector indexes.
//
// Open addressing with linear probing in one flat array, and backward-shift deletion (no
// tombstones), so a million labels cost one allocation instead of a million nodes, lookups stay
// short under add/remove churn, and rebuilding the table after a Load is a tight loop.
// Not synchronised; const methods may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace engram::index::internal {

class LabelMap {
 public:
  size_t size() const { return size_; }
  // Bytes of the table.
  size_t MemoryBytes() const { return table_.capacity() * sizeof(Entry); }

  // Returns the slot of `label`, or nullptr. Valid until the next non-const call.
  const uint32_t* Find(uint64_t label) const {
    if (size_ == 0) return nullptr;
    for (size_t i = Home(label);; i = (i + 1) & mask_) {
      const Entry& e = table_[i];
      if (!e.used) return nullptr;
      if (e.label == label) return &e.slot;
    }
  }

  // Maps `label` to `slot`, replacing any previous slot.
  void Set(uint64_t label, uint32_t slot) {
    if ((size_ + 1) * 4 > table_.size() * 3) Grow();
    for (size_t i = Home(label);; i = (i + 1) & mask_) {
      Entry& e = table_[i];
      if (!e.used) {
        e = {label, slot, 1};
        ++size_;
        return;
      }
      if (e.label == label) {
        e.slot = slot;
        return;
      }
    }
  }

  // Removes `label`; returns whether it was present.
  bool Erase(uint64_t label) {
    if (size_ == 0) return false;
    size_t hole = Home(label);
    for (;; hole = (hole + 1) & mask_) {
      if (!table_[hole].used) return false;
      if (table_[hole].label == label) break;
    }
    // Backward shift: move later entries of the probe run into the hole unless their home lies
    // cyclically in (hole, j], which would put them before their home.
    for (size_t j = (hole + 1) & mask_; table_[j].used; j = (j + 1) & mask_) {
      const size_t home = Home(table_[j].label);
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (stays) continue;
      table_[hole] = table_[j];
      hole = j;
    }
    table_[hole].used = 0;
    --size_;
    return true;
  }

  // Prepares for `n` labels without rehashing.
  void Reserve(size_t n) {
    size_t cap = 16;
    while (cap * 3 < n * 4) cap *= 2;
    if (cap > table_.size()) Rehash(cap);
  }

  void Clear() {
    table_.clear();
    mask_ = 0;
    size_ = 0;
  }

 private:
  struct Entry {
    uint64_t label;
    uint32_t slot;
    uint32_t used;  // 0 or 1; fills the padding a bool would leave anyway
  };

  // splitmix64's finaliser: labels are often sequential row ids, which would otherwise form
  // long probe runs.
  size_t Home(uint64_t x) const {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return static_cast<size_t>(x) & mask_;
  }

  void Grow() { Rehash(table_.empty() ? 16 : table_.size() * 2); }

  void Rehash(size_t cap) {
    std::vector<Entry> old;
    old.swap(table_);
    table_.assign(cap, Entry{0, 0, 0});
    mask_ = cap - 1;
    size_ = 0;
    for (const Entry& e : old) {
      if (e.used) Set(e.label, e.slot);
    }
  }

  std::vector<Entry> table_;  // size is 0 or a power of two
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace engram::index::internal
