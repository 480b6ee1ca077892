#include "index/hnsw_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "index/index_file.h"
#include "index/index_test_util.h"

namespace engram::index {
namespace {

using testing::ClusteredVectors;
using testing::kSlowBuild;
using testing::NaiveTopK;
using testing::Recall;
using testing::Row;

constexpr int kDim = 64;
// 20k vectors around 200 centres; less in Debug and sanitizer builds.
constexpr size_t kN = kSlowBuild ? 4000 : 20000;
constexpr size_t kClusters = kN / 100;
constexpr size_t kQueries = kSlowBuild ? 50 : 200;
// Noise of norm ~1.2 around unit centres: clusters overlap enough that recall@10 at ef=64 is
// ~0.99, not a trivially perfect 1.0 (0.1 gives 1.0; 0.2 approaches uniform data, ~0.91).
constexpr float kSpread = 0.15f;

HnswIndex Build(const std::vector<float>& data, int dim, HnswParams params = {}) {
  HnswIndex index(dim, params);
  const size_t n = data.size() / dim;
  index.Reserve(n);
  for (size_t i = 0; i < n; ++i) EXPECT_TRUE(index.Add(i, Row(data, dim, i)).ok());
  return index;
}

// One clustered data set and index shared by the read-only tests: building it dominates the
// suite's run time.
class HnswSharedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Queries are further draws around the same centres, as real queries land in the topics
    // the data covers, but are not in the index.
    const std::vector<float> all = ClusteredVectors(kN + kQueries, kDim, kClusters, kSpread, 11);
    data_ = new std::vector<float>(all.begin(), all.begin() + kN * kDim);
    queries_ = new std::vector<float>(all.begin() + kN * kDim, all.end());
    // ef_construction 100 halves the build; recall stays ~0.99 on this data.
    index_ = new HnswIndex(Build(*data_, kDim, {.ef_construction = 100}));
  }
  static void TearDownTestSuite() {
    delete index_;
    delete queries_;
    delete data_;
  }

  // Mean recall@k over the queries for a filter, against the naive loop.
  static double MeanRecall(size_t k, const LabelFilter& filter, size_t ef = 0) {
    double sum = 0;
    for (size_t q = 0; q < kQueries; ++q) {
      const auto query = Row(*queries_, kDim, q);
      const auto got = index_->Search(query, k, filter, HnswSearchOptions{ef});
      for (const VectorHit& h : got) {
        if (filter) {
          EXPECT_TRUE(filter(h.label)) << h.label;
        }
      }
      sum += Recall(got, NaiveTopK(*data_, kDim, query, k, filter));
    }
    return sum / kQueries;
  }

  static std::vector<float>* data_;
  static std::vector<float>* queries_;
  static HnswIndex* index_;
};

std::vector<float>* HnswSharedTest::data_ = nullptr;
std::vector<float>* HnswSharedTest::queries_ = nullptr;
HnswIndex* HnswSharedTest::index_ = nullptr;

TEST_F(HnswSharedTest, RecallAt10OnClusteredData) {
  EXPECT_EQ(index_->size(), kN);
  const double recall = MeanRecall(10, {});
  EXPECT_GE(recall, 0.95);
  // A larger ef must not hurt.
  EXPECT_GE(MeanRecall(10, {}, 200), recall - 0.005);
  std::printf("recall@10 ef=64: %.4f\n", recall);
}

TEST_F(HnswSharedTest, ScoresAreInnerProductsBestFirst) {
  const auto query = Row(*queries_, kDim, 0);
  const auto hits = index_->Search(query, 10);
  ASSERT_EQ(hits.size(), 10u);
  for (size_t i = 0; i < hits.size(); ++i) {
    double want = 0;
    for (int j = 0; j < kDim; ++j) want += double{query[j]} * (*data_)[hits[i].label * kDim + j];
    EXPECT_NEAR(hits[i].score, want, 1e-5);
    if (i > 0) {
      EXPECT_GE(hits[i - 1].score, hits[i].score);
    }
  }
}

TEST_F(HnswSharedTest, FilterHalfKeepsRecallAndNeverReturnsRejected) {
  const LabelFilter even = [](uint64_t l) { return l % 2 == 0; };
  EXPECT_GE(MeanRecall(10, even), 0.95);
}

TEST_F(HnswSharedTest, SelectiveFilterKeepsRecall) {
  // 1% of labels, spread over all clusters.
  const LabelFilter one_percent = [](uint64_t l) { return l % 100 == 37; };
  EXPECT_GE(MeanRecall(10, one_percent), 0.95);
  HnswSearchStats stats;
  index_->Search(Row(*queries_, kDim, 0), 10, one_percent, {}, &stats);
  EXPECT_TRUE(stats.exact_scan);
  // 10%: served by the filtered walk or the scan; either way recall holds.
  const LabelFilter ten_percent = [](uint64_t l) { return l % 10 == 3; };
  EXPECT_GE(MeanRecall(10, ten_percent), 0.95);
}

TEST_F(HnswSharedTest, FilterAcceptingOneRegionFarFromTheQuery) {
  // The filter accepts only the 5% of labels nearest to some query q, and the search runs with
  // -q: every accepted node lies on the far side of the graph from where the walk starts.
  const auto query = Row(*queries_, kDim, 1);
  std::set<uint64_t> far;
  for (const VectorHit& h : NaiveTopK(*data_, kDim, query, kN / 20)) far.insert(h.label);
  std::vector<float> inverted(query.begin(), query.end());
  for (float& x : inverted) x = -x;
  const LabelFilter filter = [&far](uint64_t l) { return far.count(l) > 0; };
  const auto got = index_->Search(inverted, 10, filter);
  EXPECT_GE(Recall(got, NaiveTopK(*data_, kDim, inverted, 10, filter)), 0.9);
  for (const VectorHit& h : got) EXPECT_TRUE(filter(h.label));
}

TEST_F(HnswSharedTest, FilterAcceptingFewOrNone) {
  const auto query = Row(*queries_, kDim, 2);
  EXPECT_TRUE(index_->Search(query, 10, [](uint64_t) { return false; }).empty());
  const auto few = index_->Search(query, 10, [](uint64_t l) { return l == 5 || l == kN - 1; });
  ASSERT_EQ(few.size(), 2u);
  EXPECT_EQ((std::set<uint64_t>{few[0].label, few[1].label}), (std::set<uint64_t>{5, kN - 1}));
}

TEST_F(HnswSharedTest, SearchAmongIsExact) {
  const auto query = Row(*queries_, kDim, 3);
  std::vector<uint64_t> labels;
  for (uint64_t l = 0; l < kN; l += 7) labels.push_back(l);
  labels.push_back(14);        // duplicate
  labels.push_back(kN + 100);  // absent
  const std::set<uint64_t> allowed(labels.begin(), labels.end());
  const auto got = index_->SearchAmong(query, 10, labels);
  const auto want =
      NaiveTopK(*data_, kDim, query, 10, [&](uint64_t l) { return allowed.count(l) > 0; });
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i].score, want[i].score, 1e-5);
  EXPECT_GE(Recall(got, want), 0.99);
}

TEST_F(HnswSharedTest, ConcurrentSearchesAgreeWithSequential) {
  std::vector<std::vector<VectorHit>> sequential(kQueries), parallel(kQueries);
  for (size_t q = 0; q < kQueries; ++q) sequential[q] = index_->Search(Row(*queries_, kDim, q), 10);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (size_t q = t; q < kQueries; q += 2)
        parallel[q] = index_->Search(Row(*queries_, kDim, q), 10);
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t q = 0; q < kQueries; ++q) {
    ASSERT_EQ(sequential[q].size(), parallel[q].size());
    for (size_t i = 0; i < sequential[q].size(); ++i)
      EXPECT_EQ(sequential[q][i].label, parallel[q][i].label);
  }
}

TEST_F(HnswSharedTest, FilterMayReenterSearch) {
  // A filter that itself searches the index (same thread) must not corrupt the outer walk.
  const auto query = Row(*queries_, kDim, 4);
  const auto plain = index_->Search(query, 10, [](uint64_t l) { return l % 2 == 0; });
  const auto reentrant = index_->Search(query, 10, [&](uint64_t l) {
    return !index_->Search(Row(*data_, kDim, l), 1).empty() && l % 2 == 0;
  });
  ASSERT_EQ(plain.size(), reentrant.size());
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(plain[i].label, reentrant[i].label);
}

TEST(HnswIndexTest, EdgeCases) {
  HnswIndex index(4);
  const std::vector<float> v = {1, 0, 0, 0};
  EXPECT_TRUE(index.Search(v, 10).empty());
  EXPECT_TRUE(index.Search(v, 10, [](uint64_t) { return true; }).empty());
  ASSERT_TRUE(index.Add(7, v).ok());
  EXPECT_TRUE(index.Search(v, 0).empty());
  auto hits = index.Search(v, 10);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].label, 7u);
  EXPECT_FLOAT_EQ(hits[0].score, 1.0f);
  EXPECT_TRUE(index.Add(8, std::vector<float>{1, 0, 0}).IsInvalidArgument());
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(index.Add(8, std::vector<float>{1, inf, 0, 0}).IsInvalidArgument());
  EXPECT_TRUE(index.Search(std::vector<float>{1, 0, 0, 0, 0}, 1).empty());
  EXPECT_TRUE(index.Search(std::vector<float>{inf, 0, 0, 0}, 1).empty());
  EXPECT_TRUE(index.Remove(99).ok());
  ASSERT_TRUE(index.Remove(7).ok());
  EXPECT_EQ(index.size(), 0u);
  EXPECT_TRUE(index.Search(v, 10).empty());
  // Vectors with huge values overflow to inf - inf = NaN scores; search must stay sane.
  HnswIndex wild(2);
  for (uint64_t l = 0; l < 50; ++l) {
    const float s = (l % 2 ? 1.0f : -1.0f) * 3e38f;
    ASSERT_TRUE(wild.Add(l, std::vector<float>{s, -s}).ok());
  }
  EXPECT_EQ(wild.Search(std::vector<float>{3e38f, 3e38f}, 5).size(), 5u);
}

TEST(HnswIndexTest, RemoveReplaceAndCompact) {
  constexpr size_t n = kSlowBuild ? 1500 : 6000;
  const std::vector<float> data = ClusteredVectors(n, kDim, n / 100, kSpread, 21);
  HnswIndex index = Build(data, kDim, {.M = 12, .ef_construction = 100});
  std::set<uint64_t> removed;
  for (uint64_t l = 0; l < n; l += 3) removed.insert(l);
  for (uint64_t l : removed) ASSERT_TRUE(index.Remove(l).ok());
  EXPECT_EQ(index.size(), n - removed.size());
  EXPECT_EQ(index.deleted_count(), removed.size());
  const auto not_removed = [&removed](uint64_t l) { return removed.count(l) == 0; };

  const auto check = [&](const HnswIndex& idx, const char* when) {
    double recall = 0;
    constexpr size_t kProbe = 60;
    for (size_t q = 0; q < kProbe; ++q) {
      // Query with removed vectors themselves: their own label must not come back.
      const auto query = Row(data, kDim, q * 3 + (q % 2));
      const auto hits = idx.Search(query, 10);
      ASSERT_EQ(hits.size(), 10u) << when;
      for (const VectorHit& h : hits)
        ASSERT_EQ(removed.count(h.label), 0u) << when << " " << h.label;
      const auto filtered = idx.Search(query, 10, [](uint64_t l) { return l % 2 == 0; });
      for (const VectorHit& h : filtered) {
        ASSERT_EQ(removed.count(h.label), 0u) << when;
        ASSERT_EQ(h.label % 2, 0u) << when;
      }
      recall += Recall(hits, NaiveTopK(data, kDim, query, 10, not_removed));
    }
    EXPECT_GE(recall / kProbe, 0.95) << when;
  };
  check(index, "after remove");

  // Replace label 1 with the vector of label 4: the old vector no longer finds label 1 with its
  // old score, the new one finds both 1 and 4 at score ~1.
  ASSERT_TRUE(index.Add(1, Row(data, kDim, 4)).ok());
  EXPECT_EQ(index.size(), n - removed.size());
  const auto stored = index.Get(1);
  ASSERT_EQ(stored.size(), size_t{kDim});
  EXPECT_TRUE(std::equal(stored.begin(), stored.end(), Row(data, kDim, 4).begin()));
  EXPECT_TRUE(index.Get(3).empty());  // removed
  EXPECT_EQ(index.deleted_count(), removed.size() + 1);
  auto hits = index.Search(Row(data, kDim, 4), 2);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ((std::set<uint64_t>{hits[0].label, hits[1].label}), (std::set<uint64_t>{1, 4}));
  for (const VectorHit& h : index.Search(Row(data, kDim, 1), 50)) {
    if (h.label == 1) {
      EXPECT_NEAR(h.score, index.Search(Row(data, kDim, 4), 1)[0].score, 1e-5);
    }
  }
  ASSERT_TRUE(index.Add(1, Row(data, kDim, 1)).ok());  // and back
  // Re-adding an unchanged vector leaves no deleted node behind.
  const size_t deleted = index.deleted_count();
  ASSERT_TRUE(index.Add(1, Row(data, kDim, 1)).ok());
  ASSERT_TRUE(index.AddBatch(std::vector<uint64_t>{2}, Row(data, kDim, 2)).ok());
  EXPECT_EQ(index.deleted_count(), deleted);
  // Re-adding a removed label brings it back.
  ASSERT_TRUE(index.Add(0, Row(data, kDim, 0)).ok());
  removed.erase(0);
  EXPECT_EQ(index.Search(Row(data, kDim, 0), 1)[0].label, 0u);

  index.Compact();
  EXPECT_EQ(index.deleted_count(), 0u);
  EXPECT_EQ(index.size(), n - removed.size());
  check(index, "after compact");
  EXPECT_TRUE(index.Contains(0));
  EXPECT_FALSE(index.Contains(3));
}

TEST(HnswIndexTest, AddBatchOnTwoThreadsKeepsRecall) {
  constexpr size_t n = kSlowBuild ? 1500 : 4000;
  constexpr size_t queries = 100;
  const std::vector<float> all = ClusteredVectors(n + queries, kDim, n / 100, kSpread, 61);
  const std::vector<float> data(all.begin(), all.begin() + n * kDim);
  std::vector<uint64_t> labels(n);
  for (size_t i = 0; i < n; ++i) labels[i] = i;
  HnswIndex index(kDim, {.ef_construction = 100});
  // Two batches, so the second links into an existing graph.
  ASSERT_TRUE(
      index.AddBatch(std::span(labels).first(n / 4), std::span(data).first(n / 4 * kDim), 2).ok());
  ASSERT_TRUE(
      index.AddBatch(std::span(labels).subspan(n / 4), std::span(data).subspan(n / 4 * kDim), 2)
          .ok());
  EXPECT_EQ(index.size(), n);
  double recall = 0;
  for (size_t q = 0; q < queries; ++q) {
    const auto query = Row(all, kDim, n + q);
    recall += Recall(index.Search(query, 10), NaiveTopK(data, kDim, query, 10));
  }
  EXPECT_GE(recall / queries, 0.95);

  // Compaction on two threads after removals.
  for (uint64_t l = 0; l < n; l += 4) ASSERT_TRUE(index.Remove(l).ok());
  index.Compact(2);
  EXPECT_EQ(index.deleted_count(), 0u);
  EXPECT_EQ(index.size(), n - n / 4);
  recall = 0;
  const auto kept = [](uint64_t l) { return l % 4 != 0; };
  for (size_t q = 0; q < queries; ++q) {
    const auto query = Row(all, kDim, n + q);
    const auto hits = index.Search(query, 10);
    for (const VectorHit& h : hits) EXPECT_TRUE(kept(h.label));
    recall += Recall(hits, NaiveTopK(data, kDim, query, 10, kept));
  }
  EXPECT_GE(recall / queries, 0.95);
}

TEST(HnswIndexTest, AddBatchSemantics) {
  const std::vector<float> data = ClusteredVectors(6, 4, 2, 0.1f, 71);
  HnswIndex index(4);
  // Wrong length or a bad vector: nothing is added.
  const std::vector<uint64_t> two = {1, 2};
  EXPECT_TRUE(index.AddBatch(two, std::span(data).first(7)).IsInvalidArgument());
  std::vector<float> bad(data.begin(), data.begin() + 8);
  bad[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(index.AddBatch(two, bad).IsInvalidArgument());
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.deleted_count(), 0u);
  // A label repeated in the batch keeps its last vector.
  const std::vector<uint64_t> labels = {10, 11, 10, 12, 13, 11};
  ASSERT_TRUE(index.AddBatch(labels, data, 2).ok());
  EXPECT_EQ(index.size(), 4u);
  EXPECT_EQ(index.deleted_count(), 2u);
  const auto hit = index.Search(Row(data, 4, 2), 1);
  ASSERT_EQ(hit.size(), 1u);
  EXPECT_EQ(hit[0].label, 10u);
  EXPECT_NEAR(hit[0].score, 1.0f, 1e-5);
  EXPECT_TRUE(index.AddBatch({}, {}, 2).ok());
}

TEST(HnswIndexTest, RemovingAlmostEverythingStillAnswers) {
  const std::vector<float> data = ClusteredVectors(1000, 16, 10, 0.1f, 31);
  HnswIndex index = Build(data, 16, {.M = 8, .ef_construction = 50});
  for (uint64_t l = 0; l < 1000; ++l) {
    if (l != 500 && l != 900) {
      ASSERT_TRUE(index.Remove(l).ok());
    }
  }
  const auto hits = index.Search(Row(data, 16, 0), 10);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ((std::set<uint64_t>{hits[0].label, hits[1].label}), (std::set<uint64_t>{500, 900}));
}

TEST(HnswIndexTest, SameSeedBuildsSameGraph) {
  const std::vector<float> data = ClusteredVectors(1500, 32, 15, 0.15f, 41);
  const HnswIndex a = Build(data, 32, {.M = 8, .ef_construction = 60, .seed = 9});
  const HnswIndex b = Build(data, 32, {.M = 8, .ef_construction = 60, .seed = 9});
  const std::string pa = ::testing::TempDir() + "/hnsw_seed_a.idx";
  const std::string pb = ::testing::TempDir() + "/hnsw_seed_b.idx";
  ASSERT_TRUE(a.Save(pa).ok());
  ASSERT_TRUE(b.Save(pb).ok());
  const auto slurp = [](const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(slurp(pa), slurp(pb));
  std::remove(pa.c_str());
  std::remove(pb.c_str());
}

class HnswFileTest : public ::testing::Test {
 protected:
  static constexpr int kFileDim = 24;
  static constexpr size_t kBuilt = 1500;
  static constexpr size_t kTotal = 2000;

  // The saved bytes are built once; each test gets a fresh index and file from them.
  static void SetUpTestSuite() {
    data_ = new std::vector<float>(ClusteredVectors(kTotal, kFileDim, 20, 0.1f, 51));
    HnswIndex index = MakeIndex();
    const std::string path = ::testing::TempDir() + "/hnsw_file_test_master.idx";
    ASSERT_TRUE(index.Save(path).ok());
    std::ifstream f(path, std::ios::binary);
    bytes_ = new std::string(std::istreambuf_iterator<char>(f), {});
    std::remove(path.c_str());
  }
  static void TearDownTestSuite() {
    delete bytes_;
    delete data_;
  }
  static HnswIndex MakeIndex() {
    HnswIndex index(kFileDim, HnswParams{.M = 8, .ef_construction = 64});
    for (size_t i = 0; i < kBuilt; ++i) EXPECT_TRUE(index.Add(i, Row(*data_, kFileDim, i)).ok());
    for (uint64_t l = 0; l < kBuilt; l += 10) EXPECT_TRUE(index.Remove(l).ok());
    return index;
  }

  void SetUp() override { path_ = ::testing::TempDir() + "/hnsw_file_test.idx"; }
  void TearDown() override { std::remove(path_.c_str()); }

  Status LoadBytes(const std::string& b) {
    std::ofstream(path_, std::ios::binary | std::ios::trunc).write(b.data(), b.size());
    return HnswIndex::Load(path_).status();
  }
  static size_t Align(size_t offset) {
    return (offset + internal::kMapAlignment - 1) / internal::kMapAlignment *
           internal::kMapAlignment;
  }
  // Rewrites the trailing CRC so a structural change passes the checksum.
  static std::string Reseal(std::string b) {
    const uint32_t crc = internal::Crc32c(0, b.data(), b.size() - 4);
    std::memcpy(&b[b.size() - 4], &crc, 4);
    return b;
  }

  static std::vector<float>* data_;
  static std::string* bytes_;
  std::string path_;
};

std::vector<float>* HnswFileTest::data_ = nullptr;
std::string* HnswFileTest::bytes_ = nullptr;

TEST_F(HnswFileTest, RoundTripGivesIdenticalResults) {
  HnswIndex original = MakeIndex();
  ASSERT_TRUE(original.Save(path_).ok());
  Result<HnswIndex> loaded = HnswIndex::Load(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->size(), original.size());
  EXPECT_EQ(loaded->deleted_count(), original.deleted_count());
  EXPECT_EQ(loaded->dimension(), kFileDim);
  EXPECT_EQ(loaded->params().M, 8);
  EXPECT_EQ(loaded->params().ef_construction, 64);
  const auto same = [&](const char* when) {
    for (size_t q = 0; q < kTotal; q += 37) {
      const auto query = Row(*data_, kFileDim, q);
      for (const LabelFilter& f :
           {LabelFilter{}, LabelFilter([](uint64_t l) { return l % 3 == 0; })}) {
        const auto a = original.Search(query, 10, f);
        const auto b = loaded->Search(query, 10, f);
        ASSERT_EQ(a.size(), b.size()) << when;
        for (size_t i = 0; i < a.size(); ++i) {
          EXPECT_EQ(a[i].label, b[i].label) << when;
          EXPECT_EQ(a[i].score, b[i].score) << when;
        }
      }
    }
  };
  same("after load");
  // Level draws continue where they left off: adding the same vectors to both keeps them equal.
  for (size_t i = kBuilt; i < kTotal; ++i) {
    ASSERT_TRUE(original.Add(i, Row(*data_, kFileDim, i)).ok());
    ASSERT_TRUE(loaded->Add(i, Row(*data_, kFileDim, i)).ok());
  }
  same("after more adds");
}

// The mapped arrays are private: changing the loaded index leaves the file as it was.
TEST_F(HnswFileTest, ChangesAfterLoadNeverReachTheFile) {
  ASSERT_TRUE(LoadBytes(*bytes_).ok());
  Result<HnswIndex> loaded = HnswIndex::Load(path_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  HnswIndex original = MakeIndex();
  for (HnswIndex* index : {&original, &*loaded}) {
    for (size_t i = kBuilt; i < kTotal; ++i) {
      ASSERT_TRUE(index->Add(i, Row(*data_, kFileDim, i)).ok());
    }
    for (uint64_t l = 1; l < kBuilt; l += 7) ASSERT_TRUE(index->Remove(l).ok());
    ASSERT_TRUE(index->Add(3, Row(*data_, kFileDim, 5)).ok());
  }
  std::ifstream f(path_, std::ios::binary);
  EXPECT_TRUE(std::string(std::istreambuf_iterator<char>(f), {}) == *bytes_);
  EXPECT_EQ(loaded->size(), original.size());
  for (size_t q = 0; q < kTotal; q += 53) {
    const auto a = original.Search(Row(*data_, kFileDim, q), 10);
    const auto b = loaded->Search(Row(*data_, kFileDim, q), 10);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].label, b[i].label);
  }
}

// A file of version 1 (no zeros before the mapped sections) is read, not mapped.
TEST_F(HnswFileTest, VersionOneFileStillLoads) {
  const size_t n = kBuilt;
  const size_t head = 80 + n * (8 + 2);
  const size_t vectors = n * kFileDim * 4;
  std::string v1 = bytes_->substr(0, head) + bytes_->substr(Align(head), vectors) +
                   bytes_->substr(Align(Align(head) + vectors));
  v1[8] = 1;
  ASSERT_TRUE(LoadBytes(Reseal(v1)).ok());
  Result<HnswIndex> old = HnswIndex::Load(path_);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  ASSERT_TRUE(LoadBytes(*bytes_).ok());
  Result<HnswIndex> current = HnswIndex::Load(path_);
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  for (size_t q = 0; q < kTotal; q += 101) {
    const auto a = old->Search(Row(*data_, kFileDim, q), 10);
    const auto b = current->Search(Row(*data_, kFileDim, q), 10);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].label, b[i].label);
  }
}

TEST_F(HnswFileTest, TruncatedFileIsCorruption) {
  for (size_t len : {size_t{0}, size_t{3}, size_t{40}, size_t{80}, size_t{81}, bytes_->size() / 2,
                     bytes_->size() - 5, bytes_->size() - 1}) {
    EXPECT_EQ(LoadBytes(bytes_->substr(0, len)).code(), Status::Code::kCorruption) << len;
  }
  EXPECT_EQ(LoadBytes(*bytes_ + "x").code(), Status::Code::kCorruption);
  EXPECT_TRUE(LoadBytes(*bytes_).ok());
}

TEST_F(HnswFileTest, FlippedByteIsCorruption) {
  // Header fields, labels, vectors, links and the checksum itself.
  for (size_t pos : {size_t{9}, size_t{20}, size_t{50}, size_t{100}, bytes_->size() / 3,
                     bytes_->size() / 2, bytes_->size() - 100, bytes_->size() - 2}) {
    std::string b = *bytes_;
    b[pos] ^= 0x04;
    EXPECT_EQ(LoadBytes(b).code(), Status::Code::kCorruption) << pos;
  }
}

TEST_F(HnswFileTest, WrongMagicOrVersionIsCorruption) {
  std::string magic = *bytes_;
  std::memcpy(&magic[0], "NOTHNSW!", 8);
  EXPECT_EQ(LoadBytes(Reseal(magic)).code(), Status::Code::kCorruption);
  std::string version = *bytes_;
  version[8] = 3;
  EXPECT_EQ(LoadBytes(Reseal(version)).code(), Status::Code::kCorruption);
  // The flat index format is not an HNSW file.
  EXPECT_EQ(LoadBytes("ENGRFLAT" + bytes_->substr(8)).code(), Status::Code::kCorruption);
}

TEST_F(HnswFileTest, InconsistentGraphWithValidChecksumIsCorruption) {
  const size_t n = kBuilt;
  const size_t links0 = Align(Align(80 + n * (8 + 2)) + n * kFileDim * 4);
  // An out-of-range neighbour id in the first level-0 record.
  std::string bad_link = *bytes_;
  const uint32_t huge = 0x7FFFFFFF;
  std::memcpy(&bad_link[links0 + 4], &huge, 4);
  EXPECT_EQ(LoadBytes(Reseal(bad_link)).code(), Status::Code::kCorruption);
  // A level-0 count above capacity.
  std::string bad_count = *bytes_;
  const uint32_t count = 1000;
  std::memcpy(&bad_count[links0], &count, 4);
  EXPECT_EQ(LoadBytes(Reseal(bad_count)).code(), Status::Code::kCorruption);
  // A deleted flag that is neither 0 nor 1, and a raised level (the sizes no longer add up).
  std::string bad_flag = *bytes_;
  bad_flag[80 + n * 9 + 1] = 7;
  EXPECT_EQ(LoadBytes(Reseal(bad_flag)).code(), Status::Code::kCorruption);
  std::string bad_level = *bytes_;
  bad_level[80 + n * 8] = static_cast<char>(bad_level[80 + n * 8] + 1);
  EXPECT_EQ(LoadBytes(Reseal(bad_level)).code(), Status::Code::kCorruption);
  // A live label repeated.
  std::string dup = *bytes_;
  std::memcpy(&dup[80 + 8 * 2], &dup[80 + 8 * 1], 8);
  EXPECT_EQ(LoadBytes(Reseal(dup)).code(), Status::Code::kCorruption);
  EXPECT_TRUE(LoadBytes(*bytes_).ok());
}

TEST_F(HnswFileTest, MissingFileIsNotFound) {
  EXPECT_TRUE(HnswIndex::Load(path_ + ".missing").status().IsNotFound());
}

}  // namespace
}  // namespace engram::index
