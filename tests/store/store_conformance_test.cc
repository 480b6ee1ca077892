// The Store conformance suite: every backend that keeps memories must pass it unchanged. The
// backends are listed in conformance.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "store/conformance.h"
#include "store/store.h"
#include "test_util.h"

namespace engram::store {
namespace {

using testing::BackendName;
using testing::BackendTest;
using testing::ConformanceBackends;
using testing::HashesOf;

MemoryRecord Record(const std::string& owner, const std::string& id, Timestamp created,
                    const std::string& scope = "global") {
  MemoryRecord r;
  r.id = id;
  r.owner_id = owner;
  r.scope = scope;
  r.text = "text of " + id;
  r.created_at = created;
  r.updated_at = created;
  return r;
}

// Ids shaped like UUIDs whose order follows n.
std::string Id(int n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "00000000-0000-7000-8000-%012d", n);
  return buf;
}

class StoreConformance : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!backend_.memory) GTEST_SKIP() << GetParam().name << " keeps no memories";
    store_ = backend_.memory;
  }

  void Insert(const MemoryRecord& r) {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->InsertMemory(r, HashesOf(r)).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  std::vector<MemoryRecord> List(const MemoryQuery& q) {
    auto txn = store_->BeginRead();
    EXPECT_TRUE(txn.ok());
    auto rows = (*txn)->ListMemories(q);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : std::vector<MemoryRecord>{};
  }

  std::shared_ptr<Store> store_;
};

TEST_P(StoreConformance, InsertThenGetRoundTripsEveryField) {
  MemoryRecord r = Record("alice", Id(1), 1000, "project/alpha");
  r.agent_id = "agent-7";
  r.session_id = "s1";
  r.type = MemoryType::kPreference;
  r.key = "ui.theme";
  r.data = R"({"theme":"dark"})";
  r.metadata = R"({"k":1})";
  r.source = "chat";
  r.confidence = 0.75;
  r.valid_from = 10;
  r.valid_to = 20;
  r.last_verified_at = 30;
  r.last_accessed_at = 40;
  r.access_count = 3;
  r.expires_at = 50;
  r.superseded_by = Id(9);
  Insert(r);
  auto txn = store_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto got = (*txn)->GetMemory("alice", Id(1));
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  const MemoryRecord& g = **got;
  EXPECT_EQ(g.scope, "project/alpha");
  EXPECT_EQ(g.agent_id, "agent-7");
  EXPECT_EQ(g.session_id, "s1");
  EXPECT_EQ(g.type, MemoryType::kPreference);
  EXPECT_EQ(g.key, "ui.theme");
  EXPECT_EQ(g.text, r.text);
  EXPECT_EQ(g.data, r.data);
  EXPECT_EQ(g.metadata, r.metadata);
  EXPECT_EQ(g.source, "chat");
  EXPECT_DOUBLE_EQ(g.confidence, 0.75);
  EXPECT_EQ(g.created_at, 1000);
  EXPECT_EQ(g.valid_from, 10);
  EXPECT_EQ(g.valid_to, 20);
  EXPECT_EQ(g.last_verified_at, 30);
  EXPECT_EQ(g.last_accessed_at, 40);
  EXPECT_EQ(g.access_count, 3);
  EXPECT_EQ(g.expires_at, 50);
  EXPECT_EQ(g.superseded_by, Id(9));
  EXPECT_FALSE(g.deleted_at.has_value());
}

TEST_P(StoreConformance, RecordAccessCountsEachListedOccurrence) {
  Insert(Record("alice", Id(1), 1000));
  Insert(Record("alice", Id(2), 1000));
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    auto rid1 = (*txn)->MemoryRid("alice", Id(1));
    auto rid2 = (*txn)->MemoryRid("alice", Id(2));
    ASSERT_TRUE(rid1.ok() && rid2.ok());
    ASSERT_TRUE((*txn)->RecordAccess({*rid1, *rid2, *rid1}, 5000).ok());
    ASSERT_TRUE((*txn)->RecordAccess({*rid1}, 4000).ok());  // an older time never moves it back
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = store_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto first = (*txn)->GetMemory("alice", Id(1));
  auto second = (*txn)->GetMemory("alice", Id(2));
  ASSERT_TRUE(first.ok() && first->has_value() && second.ok() && second->has_value());
  EXPECT_EQ((**first).access_count, 3);
  EXPECT_EQ((**first).last_accessed_at, 5000);
  EXPECT_EQ((**second).access_count, 1);
  EXPECT_EQ((**second).last_accessed_at, 5000);
}

TEST_P(StoreConformance, OwnersNeverSeeEachOther) {
  Insert(Record("alice", Id(1), 1000));
  auto txn = store_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto got = (*txn)->GetMemory("bob", Id(1));
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  MemoryQuery q;
  q.owner_id = "bob";
  txn->reset();
  EXPECT_TRUE(List(q).empty());
}

TEST_P(StoreConformance, LexicalHitsAreTheOwnersOnlyAmongManyOwners) {
  // Ids that differ by a character, one a prefix of another, or only in case or script.
  std::vector<std::string> owners = {"a", "ab", "a_b", "a-b", "a b",
                                     "A", "bé", "be",  "béé", std::string(256, 'o')};
  for (int i = 0; i < 30; ++i) owners.push_back("user_" + std::to_string(i));
  std::map<int64_t, std::string> owner_of;
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    int n = 0;
    for (const auto& owner : owners) {
      for (int k = 0; k < 3; ++k) {
        ++n;
        MemoryRecord r = Record(owner, Id(n), n);
        r.text = "the shared deploy notes, copy " + std::to_string(k);
        auto rid = (*txn)->InsertMemory(r, HashesOf(r));
        ASSERT_TRUE(rid.ok()) << rid.status().ToString();
        owner_of[*rid] = owner;
      }
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = store_->BeginRead();
  ASSERT_TRUE(txn.ok());
  for (const auto& owner : owners) {
    auto hits = (*txn)->LexicalSearch(owner, {"deploy", "notes"}, 100, 0);
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    EXPECT_EQ(hits->hits.size(), 3u) << owner;
    for (const auto& h : hits->hits) EXPECT_EQ(owner_of[h.rid], owner);
  }
  EXPECT_TRUE((*txn)->LexicalSearch("nobody", {"deploy"}, 100, 0)->hits.empty());
}

TEST_P(StoreConformance, LexicalSearchMatchesWordsInTextAndKeyBestFirst) {
  MemoryRecord stemmed = Record("alice", Id(1), 1);
  stemmed.text = "she was running to the station";
  MemoryRecord keyed = Record("alice", Id(2), 2);
  keyed.text = "prefers the dark theme";
  keyed.key = "ui.theme";
  MemoryRecord both = Record("alice", Id(3), 3);
  both.text = "the theme of the talk was running";
  MemoryRecord gone = Record("alice", Id(4), 4);
  gone.text = "running theme";
  gone.deleted_at = 5;
  std::map<int64_t, std::string> id_of;
  {
    auto txn = store_->BeginWrite();
    for (const auto& r : {stemmed, keyed, both, gone})
      id_of[*(*txn)->InsertMemory(r, HashesOf(r))] = r.id;
    for (int i = 10; i < 16; ++i)
      ASSERT_TRUE((*txn)
                      ->InsertMemory(Record("alice", Id(i), i), HashesOf(Record("alice", Id(i), i)))
                      .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = store_->BeginRead();
  // The store's statistics (owner size unknown) and the owner's own give the same order here.
  for (size_t owner_records : {size_t{0}, size_t{9}}) {
    auto hits = (*txn)->LexicalSearch("alice", {"runs", "theme"}, 10, owner_records);
    ASSERT_TRUE(hits.ok()) << hits.status().ToString();
    ASSERT_EQ(hits->hits.size(), 3u);  // not the tombstoned record
    EXPECT_EQ(id_of[hits->hits[0].rid], Id(3));
    for (size_t i = 1; i < hits->hits.size(); ++i) {
      EXPECT_LE(hits->hits[i].score, hits->hits[i - 1].score);
    }
    ASSERT_EQ(hits->idf.size(), 2u);
    auto key_only = (*txn)->LexicalSearch("alice", {"ui"}, 10, owner_records);
    ASSERT_EQ(key_only->hits.size(), 1u);
    EXPECT_EQ(id_of[key_only->hits[0].rid], Id(2));
    auto absent = (*txn)->LexicalSearch("alice", {"absent"}, 10, owner_records);
    EXPECT_TRUE(absent->hits.empty());
    ASSERT_EQ(absent->idf.size(), 1u);
    if (owner_records > 0) {
      EXPECT_GT(absent->idf[0], hits->idf[1]);  // found nowhere: weighs the most
    }
    EXPECT_TRUE((*txn)->LexicalSearch("alice", {}, 10, owner_records)->hits.empty());
  }
}

// A word in every record of a small owner weighs little for that owner, however rare it is in
// the rest of the store.
TEST_P(StoreConformance, LexicalSearchWeighsTermsByTheSmallOwnersOwnRecords) {
  {
    auto txn = store_->BeginWrite();
    for (int i = 1; i <= 4; ++i) {
      MemoryRecord r = Record("alice", Id(i), i);
      r.text = i == 1 ? "user owns a dog called biscuit" : "user note " + std::to_string(i);
      ASSERT_TRUE((*txn)->InsertMemory(r, HashesOf(r)).ok());
    }
    for (int i = 1; i <= 40; ++i) {
      MemoryRecord r = Record("bob", Id(100 + i), i);
      r.text = "plain note " + std::to_string(i);
      ASSERT_TRUE((*txn)->InsertMemory(r, HashesOf(r)).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = store_->BeginRead();
  auto own = (*txn)->LexicalSearch("alice", {"user", "dog"}, 10, 4);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  ASSERT_EQ(own->idf.size(), 2u);
  EXPECT_LT(own->idf[0], 0.2);  // "user": in all 4 of alice's records
  EXPECT_GT(own->idf[1], 1.0);  // "dog": in 1 of 4
  auto store_wide = (*txn)->LexicalSearch("alice", {"user", "dog"}, 10, 0);
  ASSERT_EQ(store_wide->idf.size(), 2u);
  EXPECT_GT(store_wide->idf[0], 1.0);  // in 4 of 44 records
  ASSERT_EQ(own->hits.size(), 4u);
  EXPECT_GT(own->hits[0].score, 5 * own->hits[1].score);  // the dog, far ahead of "user" alone
}

// Many matches: a backend may find candidates through the rare terms, but every term still
// scores, and `limit` records come back when that many match.
TEST_P(StoreConformance, LexicalSearchOverManyMatchesKeepsTheBestAndFillsTheLimit) {
  std::set<int64_t> with_rare;
  {
    auto txn = store_->BeginWrite();
    for (int i = 1; i <= 3000; ++i) {
      MemoryRecord r = Record("alice", Id(i), i);
      r.text = "common words in note " + std::to_string(i);
      if (i % 100 == 0) r.text += " with a rare zebra";
      if (i % 200 == 0) r.text += " and more common words";
      auto rid = (*txn)->InsertMemory(r, HashesOf(r));
      ASSERT_TRUE(rid.ok());
      if (i % 100 == 0) with_rare.insert(*rid);
    }
    for (int i = 1; i <= 70; ++i) {
      MemoryRecord r = Record("bob", Id(10000 + i), i);
      r.text = i <= 50 ? "a rare zebra, common" : "just common";
      ASSERT_TRUE((*txn)->InsertMemory(r, HashesOf(r)).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = store_->BeginRead();
  auto top = (*txn)->LexicalSearch("alice", {"zebra", "common"}, 10, 0);
  ASSERT_TRUE(top.ok()) << top.status().ToString();
  ASSERT_EQ(top->hits.size(), 10u);
  for (const auto& h : top->hits) EXPECT_TRUE(with_rare.count(h.rid));
  auto all = (*txn)->LexicalSearch("alice", {"zebra", "common"}, 5000, 0);
  ASSERT_EQ(all->hits.size(), 3000u);
  for (size_t i = 0; i < top->hits.size(); ++i) {
    EXPECT_DOUBLE_EQ(top->hits[i].score, all->hits[i].score) << i;
  }
  auto wide = (*txn)->LexicalSearch("alice", {"zebra", "common"}, 100, 0);
  ASSERT_EQ(wide->hits.size(), 100u);
  for (size_t i = 0; i < with_rare.size(); ++i) EXPECT_TRUE(with_rare.count(wide->hits[i].rid));
  // Most rows with the rare word are another owner's: the common word finds bob's others.
  EXPECT_EQ((*txn)->LexicalSearch("bob", {"zebra", "common"}, 60, 0)->hits.size(), 60u);
  EXPECT_EQ((*txn)->LexicalSearch("bob", {"zebra", "common"}, 60, 70)->hits.size(), 60u);
}

TEST_P(StoreConformance, SessionRidsAreTheOwnersLiveRecordsOfTheSession) {
  MemoryRecord a = Record("alice", Id(1), 1000);
  a.session_id = "s1";
  MemoryRecord b = Record("alice", Id(2), 2000);
  b.session_id = "s2";
  MemoryRecord c = Record("alice", Id(3), 3000);
  c.session_id = "s1";
  c.deleted_at = 4000;
  MemoryRecord d = Record("bob", Id(4), 1000);
  d.session_id = "s1";
  auto txn = store_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  std::vector<int64_t> rids;
  for (const MemoryRecord& r : {a, b, c, d}) {
    auto rid = (*txn)->InsertMemory(r, HashesOf(r));
    ASSERT_TRUE(rid.ok());
    rids.push_back(*rid);
  }
  auto s1 = (*txn)->SessionRids("alice", "s1");
  ASSERT_TRUE(s1.ok());
  EXPECT_EQ(*s1, std::vector<int64_t>{rids[0]});
  EXPECT_TRUE((*txn)->SessionRids("alice", "none")->empty());
  EXPECT_EQ(*(*txn)->SessionRids("bob", "s1"), std::vector<int64_t>{rids[3]});
}

TEST_P(StoreConformance, DuplicateIdIsAlreadyExists) {
  Insert(Record("alice", Id(1), 1000));
  auto txn = store_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ((*txn)
                ->InsertMemory(Record("alice", Id(1), 2000), HashesOf(Record("alice", Id(1), 2000)))
                .status()
                .code(),
            Status::Code::kAlreadyExists);
}

TEST_P(StoreConformance, UncommittedWriteRollsBack) {
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(
        (*txn)
            ->InsertMemory(Record("alice", Id(1), 1000), HashesOf(Record("alice", Id(1), 1000)))
            .ok());
    ASSERT_TRUE(
        (*txn)
            ->AppendHistory({0, Id(1), "alice", HistoryEventType::kAdd, "t", "", "", "{}", 1})
            .ok());
  }  // destroyed without Commit
  MemoryQuery q;
  q.owner_id = "alice";
  EXPECT_TRUE(List(q).empty());
  auto txn = store_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto history = (*txn)->GetHistory("alice", Id(1));
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(history->empty());
}

TEST_P(StoreConformance, ReadSnapshotIgnoresLaterCommits) {
  Insert(Record("alice", Id(1), 1000));
  auto reader = store_->BeginRead();
  ASSERT_TRUE(reader.ok());
  MemoryQuery q;
  q.owner_id = "alice";
  ASSERT_EQ((*reader)->ListMemories(q)->size(), 1u);  // snapshot starts here
  Insert(Record("alice", Id(2), 2000));               // a write proceeds during the read
  EXPECT_EQ((*reader)->ListMemories(q)->size(), 1u);
  reader->reset();
  EXPECT_EQ(List(q).size(), 2u);
}

TEST_P(StoreConformance, ListIsNewestFirstAndPagesByCursor) {
  for (int i = 1; i <= 5; ++i) Insert(Record("alice", Id(i), 1000 + (i / 2)));  // ties on time
  MemoryQuery q;
  q.owner_id = "alice";
  auto all = List(q);
  ASSERT_EQ(all.size(), 5u);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_TRUE(all[i - 1].created_at > all[i].created_at ||
                (all[i - 1].created_at == all[i].created_at && all[i - 1].id > all[i].id));
  }
  q.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto rows = List(q);
    for (auto& r : rows) seen.push_back(r.id);
    if (rows.size() < 2) break;
    q.before_created_at = rows.back().created_at;
    q.before_id = rows.back().id;
  }
  ASSERT_EQ(seen.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(seen[i], all[i].id);
}

TEST_P(StoreConformance, ListFilters) {
  MemoryRecord a = Record("alice", Id(1), 1000, "global");
  a.type = MemoryType::kPreference;
  a.key = "ui.theme";
  MemoryRecord b = Record("alice", Id(2), 2000, "project/alpha");
  b.session_id = "s1";
  b.agent_id = "ag";
  MemoryRecord c = Record("alice", Id(3), 3000, "project/beta");
  c.superseded_by = Id(1);
  MemoryRecord d = Record("alice", Id(4), 4000);
  d.expires_at = 3500;
  MemoryRecord e = Record("alice", Id(5), 5000);
  e.deleted_at = 5001;
  for (auto& r : {a, b, c, d, e}) Insert(r);

  MemoryQuery q;
  q.owner_id = "alice";
  EXPECT_EQ(List(q).size(), 3u);  // deleted and superseded out; expiry not applied
  q.live_at = 3600;
  EXPECT_EQ(List(q).size(), 2u);  // d expired
  q.live_at.reset();
  q.include_superseded = true;
  EXPECT_EQ(List(q).size(), 4u);
  q.include_superseded = false;

  q.scopes = {"global", "project", "project/alpha"};
  auto rows = List(q);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, Id(4));
  EXPECT_EQ(rows[1].id, Id(2));
  EXPECT_EQ(rows[2].id, Id(1));
  q.scopes.clear();

  q.type = MemoryType::kPreference;
  ASSERT_EQ(List(q).size(), 1u);
  q.type.reset();
  q.key = "ui.theme";
  ASSERT_EQ(List(q).size(), 1u);
  q.key.reset();
  q.session_id = "s1";
  ASSERT_EQ(List(q).size(), 1u);
  q.session_id.reset();
  q.agent_id = "ag";
  ASSERT_EQ(List(q).size(), 1u);
  q.agent_id.reset();
  q.created_from = 2000;
  q.created_until = 4000;
  rows = List(q);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, Id(2));
}

// The hashes given on insert are what content_hash and claim_hash find, until replaced.
TEST_P(StoreConformance, TextHashesFindRecordsUntilReplaced) {
  int64_t rid = 0;
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    auto inserted = (*txn)->InsertMemory(Record("alice", Id(1), 1000), {"content-1", "claim-1"});
    ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
    rid = *inserted;
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  MemoryQuery q;
  q.owner_id = "alice";
  q.claim_hash = "claim-1";
  EXPECT_EQ(List(q).size(), 1u);
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->SetTextHashes(rid, {"content-2", "claim-2"}).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  EXPECT_TRUE(List(q).empty());
  q.claim_hash = "claim-2";
  EXPECT_EQ(List(q).size(), 1u);
  q.claim_hash.reset();
  q.content_hash = "content-2";
  EXPECT_EQ(List(q).size(), 1u);
  q.owner_id = "bob";
  EXPECT_TRUE(List(q).empty());
}

// The write path's lookups of one record in one call: each query's answer, in order, as
// ListMemories gives it, seeing what the transaction wrote before (statements still queued
// included: the history row sent without waiting), and the transaction commits after them.
TEST_P(StoreConformance, ListMemoriesEachAnswersEachQueryInOrder) {
  auto txn = store_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  MemoryRecord a = Record("alice", Id(1), 1000);
  MemoryRecord b = Record("alice", Id(2), 2000);
  b.key = "city";
  MemoryRecord c = Record("bob", Id(3), 3000);
  c.key = "city";
  ASSERT_TRUE((*txn)->InsertMemory(a, {"content-a", "claim-ab"}).ok());
  ASSERT_TRUE((*txn)->InsertMemory(b, {"content-b", "claim-ab"}).ok());
  ASSERT_TRUE((*txn)->InsertMemory(c, {"content-a", "claim-ab"}).ok());
  ASSERT_TRUE(
      (*txn)->AppendHistory({0, Id(2), "alice", HistoryEventType::kAdd, "", "", "", "{}", 1}).ok());
  std::vector<MemoryQuery> queries(5);
  for (MemoryQuery& q : queries) q.owner_id = "alice";
  queries[0].content_hash = "content-a";
  queries[1].claim_hash = "claim-ab";
  queries[2].key = "city";
  queries[3].content_hash = "content-none";
  queries[4].claim_hash = "claim-ab";
  queries[4].limit = 1;
  auto each = (*txn)->ListMemoriesEach(queries);
  ASSERT_TRUE(each.ok()) << each.status().ToString();
  ASSERT_EQ(each->size(), queries.size());
  auto ids = [](const std::vector<MemoryRecord>& rows) {
    std::vector<std::string> out;
    for (const MemoryRecord& r : rows) out.push_back(r.id);
    return out;
  };
  EXPECT_EQ(ids((*each)[0]), std::vector<std::string>{Id(1)});
  EXPECT_EQ(ids((*each)[1]), (std::vector<std::string>{Id(2), Id(1)}));  // newest first
  EXPECT_EQ(ids((*each)[2]), std::vector<std::string>{Id(2)});
  EXPECT_TRUE((*each)[3].empty());
  EXPECT_EQ(ids((*each)[4]), std::vector<std::string>{Id(2)});
  for (size_t i = 0; i < queries.size(); ++i) {
    auto one = (*txn)->ListMemories(queries[i]);
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(ids(*one), ids((*each)[i])) << "query " << i;
  }
  auto none = (*txn)->ListMemoriesEach({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  ASSERT_TRUE((*txn)->Commit().ok());
  auto read = store_->BeginRead();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)->GetHistory("alice", Id(2))->size(), 1u);
  auto later = (*read)->ListMemoriesEach(std::span(queries).subspan(2, 1));
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ(ids(later->front()), std::vector<std::string>{Id(2)});
}

TEST_P(StoreConformance, ReplaceChangesOnlyTheOwnersRecord) {
  Insert(Record("alice", Id(1), 1000));
  auto txn = store_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  MemoryRecord r = Record("bob", Id(1), 1000);
  EXPECT_TRUE((*txn)->ReplaceMemory(r, HashesOf(r)).IsNotFound());
  r.owner_id = "alice";
  r.text = "changed";
  ASSERT_TRUE((*txn)->ReplaceMemory(r, HashesOf(r)).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  auto read = store_->BeginRead();
  EXPECT_EQ((**(*read)->GetMemory("alice", Id(1))).text, "changed");
}

TEST_P(StoreConformance, HistoryIsOrderedAndOwnerBound) {
  Insert(Record("alice", Id(1), 1000));
  auto txn = store_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)
                  ->AppendHistory(
                      {0, Id(1), "alice", HistoryEventType::kAdd, "api", "", "", "{\"v\":1}", 1})
                  .ok());
  ASSERT_TRUE((*txn)
                  ->AppendHistory({0, Id(1), "alice", HistoryEventType::kUpdate, "api", "why",
                                   "{\"v\":1}", "{\"v\":2}", 2})
                  .ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  auto read = store_->BeginRead();
  auto h = (*read)->GetHistory("alice", Id(1));
  ASSERT_TRUE(h.ok());
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ((*h)[0].event, HistoryEventType::kAdd);
  EXPECT_EQ((*h)[1].event, HistoryEventType::kUpdate);
  EXPECT_LT((*h)[0].seq, (*h)[1].seq);
  EXPECT_EQ((*h)[1].reason, "why");
  EXPECT_EQ((*h)[1].old_value, "{\"v\":1}");
  EXPECT_TRUE((*read)->GetHistory("bob", Id(1))->empty());
}

TEST_P(StoreConformance, DeleteOwnerRemovesEveryRowOfThatOwnerOnly) {
  for (int i = 1; i <= 3; ++i) Insert(Record("alice", Id(i), 1000 + i));
  Insert(Record("bob", Id(10), 1000));
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(
        (*txn)
            ->AppendHistory({0, Id(1), "alice", HistoryEventType::kAdd, "", "", "", "{}", 1})
            .ok());
    ASSERT_TRUE((*txn)
                    ->AppendHistory({0, Id(10), "bob", HistoryEventType::kAdd, "", "", "", "{}", 1})
                    .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = store_->BeginWrite();
  auto report = (*txn)->DeleteOwner("alice");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->memories, 3);
  EXPECT_EQ(report->history_events, 1);
  EXPECT_EQ(report->sessions, 0);  // session state is the SessionStore's
  EXPECT_EQ(report->session_items, 0);
  ASSERT_TRUE((*txn)->Commit().ok());
  MemoryQuery q;
  q.owner_id = "alice";
  EXPECT_TRUE(List(q).empty());
  q.owner_id = "bob";
  EXPECT_EQ(List(q).size(), 1u);
  auto read = store_->BeginRead();
  EXPECT_EQ((*read)->GetHistory("bob", Id(10))->size(), 1u);
}

// Records are stamped with the number of the last write of them or of their vector;
// LoadIndexedChanges and LiveRidsWrittenUpTo split an owner's records by that number.
TEST_P(StoreConformance, IndexedChangesFollowTheWriteNumbers) {
  // Runs body in a write transaction numbered by BumpChangeCounter; returns that number.
  auto write = [&](const std::function<void(Transaction&, int64_t)>& body) {
    auto txn = store_->BeginWrite();
    EXPECT_TRUE(txn.ok());
    auto seq = (*txn)->BumpChangeCounter();
    EXPECT_TRUE(seq.ok());
    body(**txn, *seq);
    EXPECT_TRUE((*txn)->Commit().ok());
    return *seq;
  };
  auto insert = [](Transaction& txn, const MemoryRecord& r) {
    auto rid = txn.InsertMemory(r, HashesOf(r));
    EXPECT_TRUE(rid.ok()) << rid.status().ToString();
    return rid.ok() ? *rid : int64_t{-1};
  };
  auto rids_of = [](const std::vector<IndexedMemory>& rows) {
    std::vector<int64_t> out;
    for (const auto& row : rows) out.push_back(row.rid);
    return out;
  };
  auto live_up_to = [&](const std::string& owner, int64_t seq) {
    auto read = store_->BeginRead();
    auto rids = (*read)->LiveRidsWrittenUpTo(owner, seq);
    EXPECT_TRUE(rids.ok()) << rids.status().ToString();
    std::sort(rids->begin(), rids->end());
    return *rids;
  };
  auto changes_after = [&](const std::string& owner, int64_t seq) {
    auto read = store_->BeginRead();
    auto rows = (*read)->LoadIndexedChanges(owner, seq);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return *rows;
  };

  int64_t a = 0, b = 0, c = 0, x = 0;
  const int64_t s1 = write([&](Transaction& txn, int64_t seq) {
    a = insert(txn, Record("alice", Id(1), 1000));
    EXPECT_TRUE(txn.PutVector(a, {1, 0}, seq).ok());
    x = insert(txn, Record("bob", Id(9), 1000));
  });
  const int64_t s2 = write([&](Transaction& txn, int64_t) {
    b = insert(txn, Record("alice", Id(2), 1000));
    c = insert(txn, Record("alice", Id(3), 1000));
  });
  const int64_t s3 = write([&](Transaction& txn, int64_t) {
    MemoryRecord gone = Record("alice", Id(2), 1000);
    gone.deleted_at = 2000;
    EXPECT_TRUE(txn.ReplaceMemory(gone, HashesOf(gone)).ok());
    EXPECT_TRUE(txn.ReplaceMemory(Record("alice", Id(3), 1000, "project/p"),
                                  HashesOf(Record("alice", Id(3), 1000, "project/p")))
                    .ok());
  });
  EXPECT_EQ(live_up_to("alice", s1), (std::vector<int64_t>{a}));
  EXPECT_EQ(live_up_to("alice", s2), (std::vector<int64_t>{a}));
  EXPECT_EQ(live_up_to("alice", s3), (std::vector<int64_t>{a, c}));
  EXPECT_EQ(live_up_to("bob", s3), (std::vector<int64_t>{x}));

  std::vector<IndexedMemory> rows = changes_after("alice", s1);
  ASSERT_EQ(rids_of(rows), (std::vector<int64_t>{b, c}));
  EXPECT_TRUE(rows[0].deleted);
  EXPECT_FALSE(rows[1].deleted);
  EXPECT_EQ(rows[1].scope, "project/p");
  EXPECT_FALSE(rows[1].has_vector);
  rows = changes_after("alice", 0);
  ASSERT_EQ(rids_of(rows), (std::vector<int64_t>{a, b, c}));
  EXPECT_TRUE(rows[0].has_vector);
  EXPECT_EQ(rows[0].vector, (std::vector<float>{1, 0}));
  EXPECT_TRUE(changes_after("alice", s3).empty());
  EXPECT_EQ(rids_of(changes_after("bob", 0)), (std::vector<int64_t>{x}));

  // A new vector alone stamps its record; its vector comes only with changes after the write
  // before it.
  const int64_t s4 = write([&](Transaction& txn, int64_t seq) {
    EXPECT_TRUE(txn.PutVector(a, {0, 1}, seq).ok());
  });
  EXPECT_EQ(live_up_to("alice", s3), (std::vector<int64_t>{c}));
  rows = changes_after("alice", s3);
  ASSERT_EQ(rids_of(rows), (std::vector<int64_t>{a}));
  EXPECT_EQ(rows[0].vector, (std::vector<float>{0, 1}));
  EXPECT_TRUE(changes_after("alice", s4).empty());

  // Deleting every vector stamps every live record.
  const int64_t s5 =
      write([&](Transaction& txn, int64_t) { EXPECT_TRUE(txn.DeleteAllVectors().ok()); });
  rows = changes_after("alice", s4);
  ASSERT_EQ(rids_of(rows), (std::vector<int64_t>{a, c}));
  EXPECT_FALSE(rows[0].has_vector);
  EXPECT_EQ(rids_of(changes_after("bob", s4)), (std::vector<int64_t>{x}));

  // An erased record is in neither answer.
  write([&](Transaction& txn, int64_t) {
    EXPECT_TRUE(txn.EraseMemory("alice", Id(1), /*erase_history=*/true).ok());
  });
  EXPECT_EQ(live_up_to("alice", s5 + 1), (std::vector<int64_t>{c}));
  EXPECT_EQ(rids_of(changes_after("alice", s4)), (std::vector<int64_t>{c}));
}

TEST_P(StoreConformance, ConcurrentReadersAndWriters) {
  constexpr int kWriters = 2, kPerWriter = 50;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto txn = store_->BeginWrite();
        if (!txn.ok() ||
            !(*txn)
                 ->InsertMemory(Record("alice", Id(w * 1000 + i), i),
                                HashesOf(Record("alice", Id(w * 1000 + i), i)))
                 .ok() ||
            !(*txn)->Commit().ok()) {
          ++failures;
        }
      }
    });
  }
  threads.emplace_back([&] {
    MemoryQuery q;
    q.owner_id = "alice";
    q.limit = 1000;
    for (int i = 0; i < 50; ++i) {
      auto txn = store_->BeginRead();
      if (!txn.ok() || !(*txn)->ListMemories(q).ok()) ++failures;
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  MemoryQuery q;
  q.owner_id = "alice";
  q.limit = 1000;
  EXPECT_EQ(List(q).size(), size_t{kWriters * kPerWriter});
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(ConformanceBackends()),
                         BackendName);

}  // namespace
}  // namespace engram::store
