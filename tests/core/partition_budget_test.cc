// The memory budget of loaded search partitions (Options::index_memory): many owners fit in
// it by dropping the least recently searched partitions, and an owner whose partition was
// dropped searches exactly as before, also while other threads search, write and evict.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram {
namespace {

constexpr int kMemoriesPerOwner = 10;

std::string OwnerName(int i) {
  std::string owner("owner-");
  owner.append(std::to_string(i));
  return owner;
}

// The one memory of owner i that no other owner has.
std::string Marker(int i) {
  std::string text("the boat of ");
  text.append(OwnerName(i)).append(" is named harbour ").append(std::to_string(1000 + i));
  return text;
}

class PartitionBudgetTest : public ::testing::Test {
 protected:
  void Open(size_t budget) {
    engine_.reset();
    Options o;
    o.path = dir_.File("engram.db");
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.durable_commits = false;
    o.index_memory = budget;
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }

  // Owner i: kMemoriesPerOwner - 1 memories that several owners share in wording, and its
  // marker.
  void AddOwner(int i) {
    std::vector<NewMemory> batch(kMemoriesPerOwner);
    for (int j = 0; j < kMemoriesPerOwner; ++j) {
      NewMemory& m = batch[static_cast<size_t>(j)];
      m.owner_id = OwnerName(i);
      if (j == 0) {
        m.text = Marker(i);
      } else {
        m.text.append("likes topic ").append(std::to_string(j)).append(" on day ");
        m.text.append(std::to_string(i % 7));
      }
    }
    auto r = engine_->AddMemories(batch);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  // The texts a vector search of owner i finds for its marker: only the vectors of the owner's
  // partition answer it.
  std::vector<std::string> FindMarker(int i) {
    SearchOptions o;
    o.mode = SearchMode::kVector;
    o.top_k = 3;
    auto hits = engine_->Search(OwnerName(i), Marker(i), o);
    EXPECT_TRUE(hits.ok()) << hits.status().ToString();
    std::vector<std::string> texts;
    if (!hits.ok()) return texts;
    for (const auto& h : *hits) {
      EXPECT_EQ(h.record.owner_id, OwnerName(i));
      texts.push_back(h.record.text);
    }
    return texts;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(PartitionBudgetTest, DefaultBudgetComesFromTheMachine) {
  Open(0);
  EXPECT_GE(engine_->IndexMemory().budget, size_t{64} << 20);
}

TEST_F(PartitionBudgetTest, BudgetIsKeptAndDroppedOwnersSearchAsBefore) {
  // Room for a few owners of ten 64-dimension vectors each, not for all of them.
  constexpr size_t kBudget = 48 * 1024;
  constexpr int kOwners = 40;
  Open(kBudget);
  for (int i = 0; i < kOwners; ++i) AddOwner(i);

  ASSERT_EQ(FindMarker(0).at(0), Marker(0));
  const Engine::IndexMemoryUse one = engine_->IndexMemory();
  EXPECT_EQ(one.partitions, 1u);
  // At least its vectors; an estimate, not a fantasy.
  EXPECT_GE(one.bytes, size_t{kMemoriesPerOwner} * 64 * sizeof(float));
  EXPECT_LE(one.bytes, size_t{16} * 1024);

  for (int i = 1; i < kOwners; ++i) {
    ASSERT_EQ(FindMarker(i).at(0), Marker(i));
    EXPECT_LE(engine_->IndexMemory().bytes, kBudget);
  }
  const Engine::IndexMemoryUse all = engine_->IndexMemory();
  EXPECT_LT(all.partitions, size_t{kOwners});
  EXPECT_GT(all.partitions, 1u);
  EXPECT_GE(all.evictions, size_t{kOwners} - all.partitions);

  // Owner 0 was dropped long ago: its partition loads again, with a write made while it was
  // not loaded, and a write to the loaded partition is found at once.
  NewMemory later;
  later.owner_id = OwnerName(0);
  later.text = "the spare key of owner-0 is under the mat";
  ASSERT_TRUE(engine_->AddMemory(later).ok());
  for (int i = 0; i < kOwners; ++i) ASSERT_EQ(FindMarker(i).at(0), Marker(i));
  SearchOptions o;
  o.mode = SearchMode::kVector;
  auto hits = engine_->Search(OwnerName(0), later.text, o);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().record.text, later.text);
  later.text = "the garage door of owner-0 is painted green";
  ASSERT_TRUE(engine_->AddMemory(later).ok());
  hits = engine_->Search(OwnerName(0), later.text, o);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().record.text, later.text);
  EXPECT_LE(engine_->IndexMemory().bytes, kBudget);
}

TEST_F(PartitionBudgetTest, ForgottenOwnerLeavesTheBudget) {
  Open(1 << 20);
  AddOwner(0);
  AddOwner(1);
  FindMarker(0);
  FindMarker(1);
  ASSERT_EQ(engine_->IndexMemory().partitions, 2u);
  const size_t both = engine_->IndexMemory().bytes;
  ASSERT_TRUE(engine_->ForgetOwner(OwnerName(0)).ok());
  EXPECT_EQ(engine_->IndexMemory().partitions, 1u);
  EXPECT_LT(engine_->IndexMemory().bytes, both);
}

// Searches of many owners from several threads, with writes, under a budget that holds a few
// partitions: partitions are dropped while searches still use them. Every search sees its own
// owner's memories only, finds the marker, and the budget holds at the end. Run under TSan in
// CI (label "concurrent").
TEST_F(PartitionBudgetTest, ConcurrentSearchesWritesAndEvictionsStayCorrect) {
  constexpr size_t kBudget = 32 * 1024;
  constexpr int kOwners = 16;
  constexpr int kThreads = 4;
  constexpr int kRounds = 30;
  Open(kBudget);
  for (int i = 0; i < kOwners; ++i) AddOwner(i);

  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const int i = (round * 7 + t * 5) % kOwners;
        const std::vector<std::string> texts = FindMarker(i);
        if (texts.empty() || texts.front() != Marker(i)) ++wrong;
      }
    });
  }
  threads.emplace_back([&] {
    for (int round = 0; round < kRounds; ++round) {
      NewMemory m;
      m.owner_id = OwnerName(round % kOwners);
      m.text.append("visited the museum on round ").append(std::to_string(round));
      if (!engine_->AddMemory(m).ok()) ++wrong;
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  const Engine::IndexMemoryUse use = engine_->IndexMemory();
  EXPECT_LE(use.bytes, kBudget);
  EXPECT_GT(use.evictions, 0u);
  for (int i = 0; i < kOwners; ++i) EXPECT_EQ(FindMarker(i).at(0), Marker(i));
}

}  // namespace
}  // namespace engram
