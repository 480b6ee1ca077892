// The dashboard aggregates of every backend (Transaction::ListOwners, MemoryStatsOf): counted in
// the store, they must agree with what the records say.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "store/conformance.h"
#include "store/store.h"

namespace engram::store {
namespace {

using testing::BackendName;
using testing::BackendTest;
using testing::ConformanceBackends;
using testing::HashesOf;

constexpr Timestamp kDay = 86'400'000;
constexpr Timestamp kNow = 1'750'000'000'000;  // 2025-06-15T15:06:40Z

class OverviewConformance : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!backend_.memory) GTEST_SKIP() << GetParam().name << " keeps no memories";
    store_ = backend_.memory;
  }

  // A record of `owner` created `age` ms before kNow.
  MemoryRecord Insert(const std::string& owner, Timestamp age, MemoryType type = MemoryType::kFact,
                      const std::string& scope = "global") {
    MemoryRecord r;
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-7000-8000-%012d", next_++);
    r.id = id;
    r.owner_id = owner;
    r.scope = scope;
    r.type = type;
    r.text = "text " + r.id;
    r.created_at = r.updated_at = kNow - age;
    Put(r, true);
    return r;
  }

  void Put(const MemoryRecord& r, bool insert) {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    if (insert) {
      ASSERT_TRUE((*txn)->InsertMemory(r, HashesOf(r)).ok());
    } else {
      ASSERT_TRUE((*txn)->ReplaceMemory(r, HashesOf(r)).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  std::vector<OwnerCount> Owners(const std::string& after, size_t limit) {
    auto txn = store_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto rows = (*txn)->ListOwners(kNow, after, limit);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : std::vector<OwnerCount>{};
  }

  MemoryStats Stats(const std::string& owner, std::vector<std::string> scopes = {}) {
    MemoryStatsQuery q;
    q.owner_id = owner;
    q.scopes = std::move(scopes);
    q.now = kNow;
    q.added_from = kNow - 3 * kDay;  // three days: [now-3d, now)
    q.added_until = kNow;
    q.age_bounds = {kDay, 7 * kDay};
    auto txn = store_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto stats = (*txn)->MemoryStatsOf(q);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    return stats.ok() ? *stats : MemoryStats{};
  }

  std::shared_ptr<Store> store_;
  int next_ = 1;
};

TEST_P(OverviewConformance, OwnersAreListedInOrderWithTheirLiveCounts) {
  Insert("bob", kDay);
  Insert("alice", kDay);
  Insert("alice", 2 * kDay);
  MemoryRecord old = Insert("alice", 3 * kDay);
  old.superseded_by = "00000000-0000-7000-8000-000000000999";
  Put(old, false);
  MemoryRecord expired = Insert("alice", kDay);
  expired.expires_at = kNow - 1;
  Put(expired, false);
  MemoryRecord gone = Insert("carol", kDay);
  gone.deleted_at = kNow - 1;  // tombstoned: carol holds nothing
  Put(gone, false);
  MemoryRecord replaced = Insert("dave", kDay);
  replaced.superseded_by = "00000000-0000-7000-8000-000000000998";
  Put(replaced, false);  // dave is held, with no live memory

  std::vector<OwnerCount> all = Owners("", 10);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].owner_id, "alice");
  EXPECT_EQ(all[0].live, 2);
  EXPECT_EQ(all[1].owner_id, "bob");
  EXPECT_EQ(all[1].live, 1);
  EXPECT_EQ(all[2].owner_id, "dave");
  EXPECT_EQ(all[2].live, 0);

  std::vector<OwnerCount> page = Owners("alice", 1);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].owner_id, "bob");
  EXPECT_TRUE(Owners("dave", 10).empty());
}

TEST_P(OverviewConformance, StatsCountTypesDaysAndAgesOfOneOwnerOnly) {
  Insert("alice", kDay / 2, MemoryType::kFact);                            // day 2, age bucket 0
  Insert("alice", kDay / 2, MemoryType::kPreference);                      // day 2, bucket 0
  Insert("alice", kDay + kDay / 2, MemoryType::kFact, "project/x");        // day 1, bucket 1
  MemoryRecord old = Insert("alice", 2 * kDay + 1, MemoryType::kEpisode);  // day 0, bucket 1
  old.superseded_by = "00000000-0000-7000-8000-000000000999";
  Put(old, false);
  Insert("alice", 30 * kDay, MemoryType::kFact);  // before the days counted; bucket 2
  MemoryRecord expired = Insert("alice", kDay / 2, MemoryType::kFact);
  expired.expires_at = kNow - 1;
  Put(expired, false);
  MemoryRecord deleted = Insert("alice", kDay / 2, MemoryType::kFact);
  deleted.deleted_at = kNow - 1;
  Put(deleted, false);
  Insert("alice", -kDay, MemoryType::kFact);  // written "in the future": age 0, after the days
  Insert("bob", kDay / 2, MemoryType::kFact);

  MemoryStats s = Stats("alice");
  std::map<MemoryType, int64_t> live(s.live_by_type.begin(), s.live_by_type.end());
  EXPECT_EQ(live.size(), 2u);
  EXPECT_EQ(live[MemoryType::kFact], 4);
  EXPECT_EQ(live[MemoryType::kPreference], 1);
  EXPECT_EQ(s.superseded, 1);

  std::map<std::pair<int64_t, MemoryType>, int64_t> added;
  for (const MemoryStats::Added& a : s.added) added[{a.day, a.type}] += a.count;
  const std::map<std::pair<int64_t, MemoryType>, int64_t> want = {
      {{0, MemoryType::kEpisode}, 1},
      {{1, MemoryType::kFact}, 1},
      {{2, MemoryType::kFact}, 1},
      {{2, MemoryType::kPreference}, 1}};
  EXPECT_EQ(added, want);
  for (size_t i = 1; i < s.added.size(); ++i) EXPECT_LE(s.added[i - 1].day, s.added[i].day);

  EXPECT_EQ(s.by_age, (std::vector<int64_t>{3, 1, 1}));

  // A scope sees itself, its ancestors and global: here, global only.
  MemoryStats global = Stats("alice", {"global"});
  int64_t global_live = 0;
  for (const auto& [type, n] : global.live_by_type) global_live += n;
  EXPECT_EQ(global_live, 4);
  EXPECT_EQ(global.by_age, (std::vector<int64_t>{3, 0, 1}));

  MemoryStats nobody = Stats("nobody");
  EXPECT_TRUE(nobody.live_by_type.empty());
  EXPECT_TRUE(nobody.added.empty());
  EXPECT_EQ(nobody.by_age, (std::vector<int64_t>{0, 0, 0}));
}

INSTANTIATE_TEST_SUITE_P(Backends, OverviewConformance, ::testing::ValuesIn(ConformanceBackends()),
                         BackendName);

}  // namespace
}  // namespace engram::store
