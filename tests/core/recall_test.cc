// The saved records of a recall partition: the .records file round trip, and the checks that
// decide whether a saved graph and records may be trusted against the store.
#include "core/recall.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "test_util.h"

namespace engram::core {
namespace {

constexpr int kDim = 4;

store::IndexedMemory Row(int64_t rid, std::vector<float> vector) {
  store::IndexedMemory m;
  m.rid = rid;
  m.scope = rid % 2 == 0 ? "global" : "project/a";
  m.type = rid % 3 == 0 ? MemoryType::kPreference : MemoryType::kFact;
  m.created_at = 1000 + rid;
  m.confidence = 0.5 + 0.1 * static_cast<double>(rid);
  m.has_vector = !vector.empty();
  m.vector = std::move(vector);
  return m;
}

std::vector<float> Unit(int axis) {
  std::vector<float> v(kDim, 0.f);
  v[static_cast<size_t>(axis) % kDim] = 1.f;
  if (axis >= kDim) v[0] = 0.5f;
  return v;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class SavedRecordsTest : public ::testing::Test {
 protected:
  // Records 1..5, all with vectors, and record 6 without; approximate above 2 vectors, so the
  // partition has a graph. Saved at seq 7 under the tag "t".
  void SetUp() override {
    for (int64_t rid = 1; rid <= 5; ++rid) {
      store::IndexedMemory m = Row(rid, Unit(static_cast<int>(rid)));
      if (rid == 1) {
        m.key = "ui.theme";
        m.metadata = R"({"team": "red", "n": [1, 2]})";
        m.valid_from = 10;
        m.valid_to = 20;
      }
      if (rid == 2) {
        m.superseded = true;
        m.expires_at = 5000;
        m.metadata = R"({"team": "red", "n": [1, 2]})";
      }
      partition_.Upsert(rid, m);
    }
    partition_.Upsert(6, Row(6, {}));
    ASSERT_NE(partition_.approximate_index(), nullptr);
    ASSERT_TRUE(partition_.SaveRecords(records_path_, "t", 7).ok());
    ASSERT_TRUE(partition_.approximate_index()->Save(graph_path_).ok());
  }

  index::HnswIndex Graph() { return std::move(*index::HnswIndex::Load(graph_path_)); }
  SavedRecords Records() { return std::move(*ReadSavedRecords(records_path_, "t", 7)); }

  testing::TempDir dir_;
  const std::string records_path_ = dir_.File("u-7.records");
  const std::string graph_path_ = dir_.File("u-7.hnsw");
  OwnerPartition partition_{kDim, 2};
};

TEST_F(SavedRecordsTest, RoundTripKeepsEveryAttribute) {
  Result<SavedRecords> saved = ReadSavedRecords(records_path_, "t", 7);
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  ASSERT_EQ(saved->entries.size(), 6u);
  for (size_t i = 0; i < saved->entries.size(); ++i) {
    const SavedRecords::Entry& e = saved->entries[i];
    EXPECT_EQ(e.rid, static_cast<int64_t>(i) + 1);
    const RecallDoc* want = partition_.Find(e.rid);
    ASSERT_NE(want, nullptr);
    EXPECT_EQ(saved->scopes[static_cast<size_t>(e.doc.scope_id)],
              partition_.ScopeName(want->scope_id));
    EXPECT_EQ(e.doc.type, want->type);
    EXPECT_EQ(e.doc.key, want->key);
    EXPECT_EQ(e.doc.created_at, want->created_at);
    EXPECT_EQ(e.doc.valid_from, want->valid_from);
    EXPECT_EQ(e.doc.valid_to, want->valid_to);
    EXPECT_EQ(e.doc.expires_at, want->expires_at);
    EXPECT_EQ(e.doc.superseded, want->superseded);
    EXPECT_EQ(e.doc.confidence, want->confidence);
    ASSERT_EQ(e.doc.metadata == nullptr, want->metadata == nullptr);
    if (want->metadata) {
      EXPECT_EQ(*e.doc.metadata, *want->metadata);
    }
    EXPECT_EQ(e.has_vector, e.rid != 6);
  }
  // The same metadata text is parsed once and shared.
  EXPECT_EQ(saved->entries[0].doc.metadata, saved->entries[1].doc.metadata);
}

TEST_F(SavedRecordsTest, FilesOfAnotherTagOrSeqOrDamagedAreRefused) {
  EXPECT_EQ(ReadSavedRecords(records_path_, "other", 7).status().code(),
            Status::Code::kFailedPrecondition);
  EXPECT_EQ(ReadSavedRecords(records_path_, "t", 8).status().code(), Status::Code::kCorruption);
  EXPECT_TRUE(ReadSavedRecords(dir_.File("missing.records"), "t", 7).status().IsNotFound());
  const std::string good = ReadFile(records_path_);
  for (size_t cut : {size_t{0}, size_t{3}, good.size() / 2, good.size() - 1}) {
    WriteFile(records_path_, good.substr(0, cut));
    EXPECT_FALSE(ReadSavedRecords(records_path_, "t", 7).ok()) << "cut at " << cut;
  }
  for (size_t at = 0; at < good.size(); at += 7) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    WriteFile(records_path_, bad);
    EXPECT_FALSE(ReadSavedRecords(records_path_, "t", 7).ok()) << "byte " << at;
  }
}

TEST_F(SavedRecordsTest, LoadSavedAppliesChangesAndDropsErasedRecords) {
  OwnerPartition loaded(kDim, 2);
  index::HnswIndex graph = Graph();
  std::vector<store::IndexedMemory> changes;
  store::IndexedMemory deleted = Row(3, {});
  deleted.deleted = true;
  deleted.has_vector = true;
  changes.push_back(deleted);
  store::IndexedMemory retyped = Row(4, {});  // its vector was written before the save
  retyped.has_vector = true;
  retyped.type = MemoryType::kEpisode;
  changes.push_back(retyped);
  changes.push_back(Row(8, Unit(6)));  // new since the save
  // 5 was erased: neither unchanged nor changed.
  ASSERT_TRUE(loaded.LoadSaved(graph, Records(), changes, {6, 2, 1}));
  for (int64_t rid : {1, 2, 4, 6, 8}) EXPECT_NE(loaded.Find(rid), nullptr) << rid;
  for (int64_t rid : {3, 5}) EXPECT_EQ(loaded.Find(rid), nullptr) << rid;
  EXPECT_EQ(loaded.Find(4)->type, MemoryType::kEpisode);
  EXPECT_EQ(loaded.Find(1)->key, "ui.theme");
  EXPECT_EQ(loaded.ScopeName(loaded.Find(1)->scope_id), "project/a");
  ASSERT_NE(loaded.approximate_index(), nullptr);
  EXPECT_EQ(loaded.vectors()->size(), 4u);  // 1, 2, 4, 8
  EXPECT_TRUE(loaded.approximate_index()->Contains(4));
  EXPECT_TRUE(loaded.approximate_index()->Contains(8));
  EXPECT_TRUE(loaded.dirty());
}

TEST_F(SavedRecordsTest, LoadSavedRefusesWhatDisagrees) {
  auto refused = [&](index::HnswIndex graph, const std::vector<store::IndexedMemory>& changes,
                     std::vector<int64_t> unchanged) {
    const size_t vectors = graph.size();
    OwnerPartition loaded(kDim, 2);
    const bool ok = loaded.LoadSaved(graph, Records(), changes, std::move(unchanged));
    EXPECT_EQ(graph.size(), vectors);  // the graph was not taken
    EXPECT_EQ(loaded.size(), 0u);
    return !ok;
  };
  const std::vector<int64_t> all = {1, 2, 3, 4, 5, 6};
  // A live record unchanged since the save that the records lack.
  EXPECT_TRUE(refused(Graph(), {}, {1, 2, 3, 4, 5, 6, 7}));
  // A graph without a vector the records say it holds, or with one they do not know.
  index::HnswIndex fewer = Graph();
  ASSERT_TRUE(fewer.Remove(2).ok());
  EXPECT_TRUE(refused(std::move(fewer), {}, all));
  index::HnswIndex more = Graph();
  ASSERT_TRUE(more.Add(9, Unit(1)).ok());
  EXPECT_TRUE(refused(std::move(more), {}, all));
  // A changed record whose vector predates the save but is not in the graph.
  store::IndexedMemory stale = Row(6, {});
  stale.has_vector = true;
  EXPECT_TRUE(refused(Graph(), {stale}, {1, 2, 3, 4, 5}));
  // Another dimension.
  EXPECT_TRUE(refused(index::HnswIndex(kDim + 1), {}, all));
}

}  // namespace
}  // namespace engram::core
