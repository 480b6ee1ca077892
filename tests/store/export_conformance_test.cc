// The whole-owner reads and writes that export and import use, in every backend (conformance.h):
// records come back exactly as inserted (tombstoned ones too, ids, times and counters kept),
// history in order, and graph versions written as given. The session listings export reads are
// in session_store_conformance_test, which Redis runs too.
#include <gtest/gtest.h>

#include "store/conformance.h"
#include "store/graph_store.h"
#include "store/store.h"

namespace engram::store {
namespace {

using testing::BackendName;
using testing::BackendTest;
using testing::ConformanceBackends;
using testing::HashesOf;

MemoryRecord Record(const std::string& owner, const std::string& id, Timestamp at) {
  MemoryRecord r;
  r.id = id;
  r.owner_id = owner;
  r.scope = "project/a";
  r.type = MemoryType::kPreference;
  r.key = "ui.theme";
  r.text = "prefers dark mode " + id;
  r.data = R"({"v":1})";
  r.metadata = R"({"m":"x"})";
  r.source = "test";
  r.confidence = 0.75;
  r.created_at = at;
  r.updated_at = at + 1;
  r.valid_from = at - 5;
  r.last_verified_at = at + 2;
  r.last_accessed_at = at + 3;
  r.access_count = 7;
  r.expires_at = at + 1000;
  return r;
}

class ExportConformance : public BackendTest {};

TEST_P(ExportConformance, WholeOwnerReadsReturnEveryRecordAsWritten) {
  auto w = backend_.memory->BeginWrite();
  ASSERT_TRUE(w.ok());
  MemoryRecord old = Record("alice", "0190a000-0000-7000-8000-000000000002", 200);
  MemoryRecord current = Record("alice", "0190a000-0000-7000-8000-000000000001", 300);
  MemoryRecord gone = Record("alice", "0190a000-0000-7000-8000-000000000003", 100);
  old.superseded_by = current.id;
  old.valid_to = 300;
  gone.deleted_at = 400;
  for (const MemoryRecord& r : {current, old, gone, Record("bob", "b-1", 50)}) {
    ASSERT_TRUE((*w)->InsertMemory(r, HashesOf(r)).ok());
  }
  HistoryEvent add{0, old.id, "alice", HistoryEventType::kAdd, "api", "", "", "{\"a\":1}", 200};
  HistoryEvent sup{0,           old.id, "alice", HistoryEventType::kSupersede, "api", "newer",
                   "{\"a\":1}", "{}",   300};
  HistoryEvent erased{0,       "0190a000-0000-7000-8000-00000000dead",
                      "alice", HistoryEventType::kDelete,
                      "gc",    "",
                      "{}",    "",
                      350};
  HistoryEvent other{0, "b-1", "bob", HistoryEventType::kAdd, "api", "", "", "{}", 50};
  for (const HistoryEvent& e : {add, other, sup, erased}) ASSERT_TRUE((*w)->AppendHistory(e).ok());
  ASSERT_TRUE((*w)->Commit().ok());

  auto r = backend_.memory->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(*r)->ListAllOwners(), (std::vector<std::string>{"alice", "bob"}));
  auto all = (*r)->ListAllMemories("alice");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 3u);
  // Oldest first; the tombstoned and the superseded record included, every field as inserted.
  const MemoryRecord* expected[] = {&gone, &old, &current};
  for (size_t i = 0; i < 3; ++i) {
    const MemoryRecord& got = (*all)[i].second;
    const MemoryRecord& want = *expected[i];
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.scope, want.scope);
    EXPECT_EQ(got.key, want.key);
    EXPECT_EQ(got.text, want.text);
    EXPECT_EQ(got.data, want.data);
    EXPECT_EQ(got.metadata, want.metadata);
    EXPECT_EQ(got.confidence, want.confidence);
    EXPECT_EQ(got.created_at, want.created_at);
    EXPECT_EQ(got.updated_at, want.updated_at);
    EXPECT_EQ(got.valid_from, want.valid_from);
    EXPECT_EQ(got.valid_to, want.valid_to);
    EXPECT_EQ(got.last_verified_at, want.last_verified_at);
    EXPECT_EQ(got.last_accessed_at, want.last_accessed_at);
    EXPECT_EQ(got.access_count, want.access_count);
    EXPECT_EQ(got.expires_at, want.expires_at);
    EXPECT_EQ(got.superseded_by, want.superseded_by);
    EXPECT_EQ(got.deleted_at, want.deleted_at);
    EXPECT_EQ(*(*r)->MemoryRid("alice", want.id), (*all)[i].first);
  }
  auto history = (*r)->GetOwnerHistory("alice");
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);  // the erased record's row too, never bob's
  EXPECT_EQ((*history)[0].event, HistoryEventType::kAdd);
  EXPECT_EQ((*history)[1].reason, "newer");
  EXPECT_EQ((*history)[1].old_value, "{\"a\":1}");
  EXPECT_EQ((*history)[2].memory_id, erased.memory_id);
  EXPECT_LT((*history)[0].seq, (*history)[1].seq);
  EXPECT_TRUE((*r)->ListAllMemories("carol")->empty());
}

TEST_P(ExportConformance, GraphVersionsAreWrittenAndReadAsGiven) {
  ASSERT_TRUE(backend_.graph) << GetParam().name << " keeps no graph";
  auto w = backend_.graph->BeginWrite();
  ASSERT_TRUE(w.ok());
  Entity v1;
  v1.id = "e1";
  v1.owner_id = "alice";
  v1.scope = "global";
  v1.name = "Alice";
  v1.type = "person";
  v1.created_at = 10;
  v1.updated_at = 10;
  v1.expired_at = 20;  // replaced by v2
  Entity v2 = v1;
  v2.aliases = {"Ali"};
  v2.updated_at = 20;
  v2.expired_at.reset();
  ASSERT_TRUE((*w)->InsertEntityVersion(v1, {"alice"}).ok());
  ASSERT_TRUE((*w)->InsertEntityVersion(v2, {"alice", "ali"}).ok());
  Observation gone{"o1", "e1", "likes tea", "", 11, 15};
  ASSERT_TRUE((*w)->InsertObservation("alice", gone).ok());
  Relation rel;
  rel.id = "r1";
  rel.owner_id = "alice";
  rel.scope = "global";
  rel.from_id = "e1";
  rel.type = "knows";
  rel.to_id = "e1";
  rel.valid_from = 12;
  rel.created_at = 12;
  rel.updated_at = 12;
  rel.expired_at = 30;
  ASSERT_TRUE((*w)->InsertRelationVersion(rel).ok());
  ASSERT_TRUE(
      (*w)->AppendGraphHistory({0, "alice", "entity", "e1", "add", "api", "", "", "{}", 10}).ok());
  ASSERT_TRUE((*w)->Commit().ok());

  auto r = backend_.graph->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(*r)->ListGraphOwners(), std::vector<std::string>{"alice"});
  auto v = (*r)->ListGraphVersions("alice");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_EQ(v->entities.size(), 2u);
  EXPECT_EQ(v->entities[0].expired_at, std::optional<Timestamp>(20));
  EXPECT_EQ(v->entities[1].aliases, std::vector<std::string>{"Ali"});
  EXPECT_FALSE(v->entities[1].expired_at);
  ASSERT_EQ(v->observations.size(), 1u);
  EXPECT_EQ(v->observations[0].expired_at, std::optional<Timestamp>(15));
  ASSERT_EQ(v->relations.size(), 1u);
  EXPECT_EQ(v->relations[0].expired_at, std::optional<Timestamp>(30));
  ASSERT_EQ(v->history.size(), 1u);
  // The current version is found by its keys, the expired relation is not current.
  EXPECT_EQ((*r)->FindEntitiesByKey("alice", {}, "ali", std::nullopt)->size(), 1u);
  EdgeQuery q;
  q.owner_id = "alice";
  EXPECT_TRUE((*r)->ListRelations(q)->empty());
  EXPECT_TRUE((*r)->ListGraphVersions("bob")->entities.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, ExportConformance, ::testing::ValuesIn(ConformanceBackends()),
                         BackendName);

}  // namespace
}  // namespace engram::store
