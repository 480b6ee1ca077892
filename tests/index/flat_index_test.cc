#include "index/flat_index.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "index/index_test_util.h"

namespace engram::index {
namespace {

using testing::ClusteredVectors;
using testing::NaiveTopK;
using testing::Row;

constexpr int kDim = 48;

FlatIndex BuildFlat(const std::vector<float>& data, int dim) {
  FlatIndex index(dim);
  for (size_t i = 0; i < data.size() / dim; ++i) EXPECT_TRUE(index.Add(i, Row(data, dim, i)).ok());
  return index;
}

// Hits must be the exact top k: same labels except where scores tie within float rounding.
void ExpectExact(const std::vector<VectorHit>& got, const std::vector<VectorHit>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].score, want[i].score, 1e-5) << "rank " << i;
    if (std::abs(got[i].score - want[i].score) > 1e-5) continue;
    if (i + 1 < want.size() && want[i + 1].score > want[i].score - 1e-5) continue;  // near-tie
    EXPECT_EQ(got[i].label, want[i].label) << "rank " << i;
  }
  for (size_t i = 1; i < got.size(); ++i) EXPECT_GE(got[i - 1].score, got[i].score);
}

TEST(FlatIndexTest, ExactAgainstNaiveLoop) {
  const std::vector<float> data = ClusteredVectors(3001, kDim, 20, 0.1f, 1);
  const std::vector<float> queries = ClusteredVectors(50, kDim, 20, 0.1f, 2);
  const FlatIndex index = BuildFlat(data, kDim);
  EXPECT_EQ(index.size(), 3001u);
  for (size_t q = 0; q < 50; ++q) {
    for (size_t k : {1, 10, 100}) {
      ExpectExact(index.Search(Row(queries, kDim, q), k),
                  NaiveTopK(data, kDim, Row(queries, kDim, q), k));
    }
  }
}

TEST(FlatIndexTest, EdgeCases) {
  FlatIndex index(4);
  const std::vector<float> v = {1, 0, 0, 0};
  EXPECT_TRUE(index.Search(v, 10).empty());  // empty index
  ASSERT_TRUE(index.Add(7, v).ok());
  EXPECT_TRUE(index.Search(v, 0).empty());
  const auto hits = index.Search(v, 10);  // k larger than the index
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].label, 7u);
  EXPECT_FLOAT_EQ(hits[0].score, 1.0f);
  // Wrong dimension or non-finite values.
  EXPECT_TRUE(index.Add(8, std::vector<float>{1, 0, 0}).IsInvalidArgument());
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_TRUE(index.Add(8, std::vector<float>{1, nan, 0, 0}).IsInvalidArgument());
  EXPECT_TRUE(index.Search(std::vector<float>{1, 0, 0}, 1).empty());
  EXPECT_TRUE(index.Search(std::vector<float>{nan, 0, 0, 0}, 1).empty());
  EXPECT_EQ(index.size(), 1u);
  EXPECT_TRUE(index.Remove(12345).ok());  // absent: OK
  EXPECT_TRUE(index.Get(12345).empty());
}

TEST(FlatIndexTest, RemoveAndReplace) {
  const std::vector<float> data = ClusteredVectors(500, kDim, 10, 0.1f, 3);
  FlatIndex index = BuildFlat(data, kDim);
  // Remove every third label, including the last slot and the first.
  std::set<uint64_t> removed;
  for (uint64_t l = 0; l < 500; l += 3) removed.insert(l);
  removed.insert(499);
  for (uint64_t l : removed) ASSERT_TRUE(index.Remove(l).ok());
  EXPECT_EQ(index.size(), 500 - removed.size());
  for (uint64_t l = 0; l < 500; ++l) {
    EXPECT_EQ(index.Contains(l), removed.count(l) == 0) << l;
    if (!removed.count(l)) {
      const auto got = index.Get(l);
      ASSERT_EQ(got.size(), size_t{kDim});
      EXPECT_TRUE(std::equal(got.begin(), got.end(), Row(data, kDim, l).begin()));
    }
  }
  // A removed label's own vector must not find it; the search equals a naive one without it.
  for (uint64_t l : {0, 3, 499}) {
    const auto hits = index.Search(Row(data, kDim, l), 500);
    EXPECT_EQ(hits.size(), index.size());
    for (const VectorHit& h : hits) EXPECT_EQ(removed.count(h.label), 0u);
  }
  const auto not_removed = [&removed](uint64_t l) { return removed.count(l) == 0; };
  ExpectExact(index.Search(Row(data, kDim, 1), 20),
              NaiveTopK(data, kDim, Row(data, kDim, 1), 20, not_removed));

  // Replace label 1 with the vector of label 2: both now score 1 for that query.
  ASSERT_TRUE(index.Add(1, Row(data, kDim, 2)).ok());
  const size_t before = index.size();
  const auto hits = index.Search(Row(data, kDim, 2), 2);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(std::set<uint64_t>({hits[0].label, hits[1].label}), std::set<uint64_t>({1, 2}));
  EXPECT_EQ(index.size(), before);
  // Re-adding a removed label works.
  ASSERT_TRUE(index.Add(0, Row(data, kDim, 0)).ok());
  EXPECT_EQ(index.Search(Row(data, kDim, 0), 1)[0].label, 0u);
}

TEST(FlatIndexTest, FilterNeverReturnsRejectedOrRemoved) {
  const std::vector<float> data = ClusteredVectors(2000, kDim, 20, 0.1f, 4);
  FlatIndex index = BuildFlat(data, kDim);
  for (uint64_t l = 0; l < 2000; l += 5) ASSERT_TRUE(index.Remove(l).ok());
  // Selective filters take the filter-first path, broad ones the score-first path.
  for (uint64_t modulus : {2, 3, 10, 50}) {
    for (bool broad : {false, true}) {
      const LabelFilter filter = [=](uint64_t l) { return (l % modulus == 1) != broad; };
      const LabelFilter alive = [&](uint64_t l) { return filter(l) && l % 5 != 0; };
      for (size_t q = 0; q < 10; ++q) {
        const auto query = Row(data, kDim, q * 7);
        const auto hits = index.Search(query, 20, filter);
        for (const VectorHit& h : hits) {
          EXPECT_TRUE(filter(h.label)) << h.label;
          EXPECT_NE(h.label % 5, 0u) << h.label;
        }
        ExpectExact(hits, NaiveTopK(data, kDim, query, 20, alive));
      }
    }
  }
  // A filter that accepts nothing, and one that accepts fewer labels than k.
  EXPECT_TRUE(index.Search(Row(data, kDim, 1), 10, [](uint64_t) { return false; }).empty());
  const auto few =
      index.Search(Row(data, kDim, 1), 10, [](uint64_t l) { return l == 1 || l == 2; });
  ASSERT_EQ(few.size(), 2u);
}

TEST(FlatIndexTest, SearchAmong) {
  const std::vector<float> data = ClusteredVectors(1000, kDim, 10, 0.1f, 5);
  FlatIndex index = BuildFlat(data, kDim);
  ASSERT_TRUE(index.Remove(10).ok());
  const std::vector<uint64_t> allowed = {5, 10, 11, 11, 999, 123456, 400, 5};
  const std::set<uint64_t> live_allowed = {5, 11, 999, 400};
  const auto hits = index.SearchAmong(Row(data, kDim, 11), 10, allowed);
  ASSERT_EQ(hits.size(), 4u);  // absent and removed labels skipped, duplicates once
  EXPECT_EQ(hits[0].label, 11u);
  std::set<uint64_t> got;
  for (const VectorHit& h : hits) got.insert(h.label);
  EXPECT_EQ(got, live_allowed);
  ExpectExact(hits, NaiveTopK(data, kDim, Row(data, kDim, 11), 10,
                              [&](uint64_t l) { return live_allowed.count(l) > 0; }));
  EXPECT_EQ(index.SearchAmong(Row(data, kDim, 11), 2, allowed).size(), 2u);
}

TEST(FlatIndexTest, SaveLoadRoundTripAndCorruption) {
  const std::vector<float> data = ClusteredVectors(700, kDim, 10, 0.1f, 6);
  FlatIndex index = BuildFlat(data, kDim);
  ASSERT_TRUE(index.Remove(3).ok());
  const std::string path = ::testing::TempDir() + "/flat_index_test.idx";
  ASSERT_TRUE(index.Save(path).ok());
  Result<FlatIndex> loaded = FlatIndex::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->size(), index.size());
  EXPECT_EQ(loaded->dimension(), kDim);
  for (size_t q = 0; q < 10; ++q) {
    const auto a = index.Search(Row(data, kDim, q), 10);
    const auto b = loaded->Search(Row(data, kDim, q), 10);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].label, b[i].label);
      EXPECT_EQ(a[i].score, b[i].score);
    }
  }

  std::string bytes;
  {
    std::ifstream f(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  }
  const auto load_bytes = [&path](const std::string& b) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(b.data(), b.size());
    return FlatIndex::Load(path).status();
  };
  EXPECT_EQ(load_bytes(bytes.substr(0, bytes.size() - 1)).code(), Status::Code::kCorruption);
  EXPECT_EQ(load_bytes(bytes.substr(0, 10)).code(), Status::Code::kCorruption);
  EXPECT_EQ(load_bytes("").code(), Status::Code::kCorruption);
  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  EXPECT_EQ(load_bytes(flipped).code(), Status::Code::kCorruption);
  std::string magic = bytes;
  magic[0] = 'X';
  EXPECT_EQ(load_bytes(magic).code(), Status::Code::kCorruption);
  EXPECT_TRUE(load_bytes(bytes).ok());
  std::remove(path.c_str());
  EXPECT_TRUE(FlatIndex::Load(path).status().IsNotFound());
}

}  // namespace
}  // namespace engram::index
