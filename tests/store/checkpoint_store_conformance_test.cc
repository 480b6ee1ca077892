// The CheckpointStore conformance suite: every backend that keeps checkpoints must pass it
// unchanged. The backends are listed in conformance.h (SessionConformanceBackends: checkpoints
// are thread state, kept with the sessions); one that keeps no checkpoints is skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>

#include "store/checkpoint_store.h"
#include "store/conformance.h"

namespace engram::store {
namespace {

using testing::BackendName;
using testing::BackendTest;
using testing::SessionConformanceBackends;

// Every byte value, so a backend that stores text or stops at NUL fails.
std::string AllBytes() {
  std::string s;
  for (int b = 0; b < 256; ++b) s.push_back(static_cast<char>(b));
  return s;
}

Checkpoint Make(const std::string& owner, const std::string& thread, const std::string& ns,
                const std::string& id, const std::string& parent = "",
                std::map<std::string, std::string> versions = {}) {
  Checkpoint c;
  c.owner_id = owner;
  c.thread_id = thread;
  c.checkpoint_ns = ns;
  c.checkpoint_id = id;
  c.parent_checkpoint_id = parent;
  c.checkpoint = {"json", "{\"id\":\"" + id + "\"}"};
  c.metadata = R"({"source":"loop","step":1})";
  c.channel_versions = std::move(versions);
  c.created_at = 1000;
  return c;
}

PendingWrite Write(const std::string& task, int64_t idx, const std::string& channel,
                   const std::string& value, const std::string& path = "") {
  return PendingWrite{task, path, idx, channel, {"json", value}};
}

std::vector<std::string> Ids(const std::vector<Checkpoint>& cs) {
  std::vector<std::string> out;
  for (const Checkpoint& c : cs)
    out.push_back(c.thread_id + "/" + c.checkpoint_ns + "/" + c.checkpoint_id);
  return out;
}

class CheckpointStoreConformance : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!backend_.checkpoints) GTEST_SKIP() << GetParam().name << " keeps no checkpoints";
    store_ = backend_.checkpoints;
  }

  std::unique_ptr<CheckpointTransaction> Begin(bool write) {
    auto txn = write ? store_->BeginWrite() : store_->BeginRead();
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    return std::move(*txn);
  }
  void Put(const Checkpoint& c, const std::vector<ChannelValue>& values = {}) {
    auto txn = Begin(true);
    ASSERT_TRUE(txn->PutCheckpoint(c, values).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  std::vector<Checkpoint> List(CheckpointQuery q) {
    auto r = Begin(false)->ListCheckpoints(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::vector<Checkpoint>{};
  }

  std::shared_ptr<CheckpointStore> store_;
};

// A checkpoint reads back field for field, bytes exact; the latest of a namespace is the one with
// the greatest id, whatever order they were stored in; a put with the same identity replaces.
TEST_P(CheckpointStoreConformance, PutGetLatestAndReplace) {
  Checkpoint a = Make("o", "t", "", "01", "", {{"messages", "1"}});
  a.checkpoint = {"bytes", AllBytes()};
  a.metadata = R"({"source":"input","step":-1,"parents":{}})";
  Put(Make("o", "t", "", "03", "01"));
  Put(a);
  Put(Make("o", "t", "", "02", "01"));
  Put(Make("o", "t", "child", "09"));
  auto r = Begin(false);
  auto got = r->GetCheckpoint("o", "t", "", std::string_view("01"));
  ASSERT_TRUE(got.ok() && got->has_value()) << got.status().ToString();
  const Checkpoint& c = **got;
  EXPECT_EQ(c.owner_id, "o");
  EXPECT_EQ(c.thread_id, "t");
  EXPECT_EQ(c.checkpoint_ns, "");
  EXPECT_EQ(c.parent_checkpoint_id, "");
  EXPECT_EQ(c.checkpoint, a.checkpoint);
  EXPECT_EQ(c.metadata, a.metadata);
  EXPECT_EQ(c.channel_versions, a.channel_versions);
  EXPECT_EQ(c.created_at, 1000);
  auto latest = r->GetCheckpoint("o", "t", "", std::nullopt);
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->checkpoint_id, "03");
  EXPECT_EQ((*latest)->parent_checkpoint_id, "01");
  EXPECT_EQ((*r->GetCheckpoint("o", "t", "child", std::nullopt))->checkpoint_id, "09");
  EXPECT_FALSE(r->GetCheckpoint("o", "t", "", std::string_view("04"))->has_value());
  EXPECT_FALSE(r->GetCheckpoint("o", "t", "other", std::nullopt)->has_value());
  r.reset();

  Checkpoint replaced = Make("o", "t", "", "03", "02");
  replaced.checkpoint.data = "new";
  Put(replaced);
  auto again = Begin(false)->GetCheckpoint("o", "t", "", std::nullopt);
  EXPECT_EQ((*again)->checkpoint.data, "new");
  EXPECT_EQ((*again)->parent_checkpoint_id, "02");
  EXPECT_EQ(Begin(false)->CountCheckpoints("o", "t").value(), 4);
}

// Values are found by the versions a checkpoint names, also when an earlier checkpoint stored
// them; a version no value was stored for is left out.
TEST_P(CheckpointStoreConformance, ChannelValuesByVersion) {
  Put(Make("o", "t", "", "01", "", {{"messages", "1"}, {"step", "1"}}),
      {{"messages", "1", {"json", "[\"hi\"]"}}, {"step", "1", {"bytes", AllBytes()}}});
  Put(Make("o", "t", "", "02", "01", {{"messages", "1"}, {"step", "2"}, {"gone", "5"}}),
      {{"step", "2", {"json", "3"}}});
  Put(Make("o", "t2", "", "01", "", {{"messages", "1"}}));  // another thread: no value
  auto r = Begin(false);
  auto first = r->GetChannelValues("o", "t", "", "01");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0], (ChannelValue{"messages", "1", {"json", "[\"hi\"]"}}));
  EXPECT_EQ((*first)[1], (ChannelValue{"step", "1", {"bytes", AllBytes()}}));
  auto second = r->GetChannelValues("o", "t", "", "02");
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0].value.data, "[\"hi\"]");
  EXPECT_EQ((*second)[1], (ChannelValue{"step", "2", {"json", "3"}}));
  EXPECT_TRUE(r->GetChannelValues("o", "t2", "", "01")->empty());
  EXPECT_TRUE(r->GetChannelValues("o", "t", "", "99")->empty());
}

// Writes: ordered by (task_path, task_id, idx); ordinary indexes are insert-if-absent, negative
// ones replace.
TEST_P(CheckpointStoreConformance, WritesOrderAndConflictRules) {
  {
    auto w = Begin(true);
    auto stored =
        w->PutWrites("o", "t", "", "01",
                     {Write("task-b", 0, "a", "b0"), Write("task-a", 1, "a", "a1"),
                      Write("task-a", 0, "a", "a0"), Write("task-a", -1, "__error__", "e1"),
                      Write("task-z", 0, "a", "z0", "~0")});
    ASSERT_TRUE(stored.ok()) << stored.status().ToString();
    EXPECT_EQ(*stored, 5);
    // A retry keeps the first ordinary writes and replaces the special one.
    stored =
        w->PutWrites("o", "t", "", "01",
                     {Write("task-a", 0, "a", "retry"), Write("task-a", -1, "__error__", "e2")});
    EXPECT_EQ(*stored, 1);
    ASSERT_TRUE(w->Commit().ok());
  }
  auto writes = Begin(false)->GetWrites("o", "t", "", "01");
  ASSERT_TRUE(writes.ok()) << writes.status().ToString();
  std::vector<std::string> order;
  for (const PendingWrite& w : *writes) {
    order.push_back(w.task_path + "|" + w.task_id + "|" + std::to_string(w.idx) + "|" +
                    w.value.data);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"|task-a|-1|e2", "|task-a|0|a0", "|task-a|1|a1",
                                             "|task-b|0|b0", "~0|task-z|0|z0"}));
  EXPECT_EQ((*writes)[0].channel, "__error__");
  EXPECT_TRUE(Begin(false)->GetWrites("o", "t", "child", "01")->empty());
}

// Listing: newest id first across threads and namespaces, filtered by thread, namespace and
// `before`, in pages that resume after a cursor.
TEST_P(CheckpointStoreConformance, ListOrderFiltersAndPaging) {
  Put(Make("o", "t1", "", "01"));
  Put(Make("o", "t1", "", "03"));
  Put(Make("o", "t1", "child", "03"));
  Put(Make("o", "t2", "", "02"));
  Put(Make("o", "t2", "", "03"));
  Put(Make("other", "t1", "", "04"));
  EXPECT_EQ(Ids(List({"o", {}, {}, {}, {}, 100})),
            (std::vector<std::string>{"t1//03", "t1/child/03", "t2//03", "t2//02", "t1//01"}));
  EXPECT_EQ(Ids(List({"o", "t1", {}, {}, {}, 100})),
            (std::vector<std::string>{"t1//03", "t1/child/03", "t1//01"}));
  EXPECT_EQ(Ids(List({"o", {}, "", {}, {}, 100})),
            (std::vector<std::string>{"t1//03", "t2//03", "t2//02", "t1//01"}));
  EXPECT_EQ(Ids(List({"o", {}, {}, "03", {}, 100})),
            (std::vector<std::string>{"t2//02", "t1//01"}));
  EXPECT_EQ(Ids(List({"o", {}, {}, {}, {}, 2})),
            (std::vector<std::string>{"t1//03", "t1/child/03"}));
  EXPECT_EQ(Ids(List({"o", {}, {}, {}, CheckpointCursor{"03", "t1", "child"}, 2})),
            (std::vector<std::string>{"t2//03", "t2//02"}));
  EXPECT_EQ(Ids(List({"o", "t1", {}, {}, CheckpointCursor{"03", "t1", ""}, 100})),
            (std::vector<std::string>{"t1/child/03", "t1//01"}));
  EXPECT_TRUE(List({"o", "nobody", {}, {}, {}, 100}).empty());
}

// Copy duplicates a thread with its values and writes; prune keeps the latest per namespace and
// the values they still name; delete removes a thread in every namespace; nothing touches
// another thread or owner.
TEST_P(CheckpointStoreConformance, CopyPruneDelete) {
  Put(Make("o", "t", "", "01", "", {{"a", "1"}, {"b", "1"}}),
      {{"a", "1", {"json", "a1"}}, {"b", "1", {"json", "b1"}}});
  Put(Make("o", "t", "", "02", "01", {{"a", "2"}, {"b", "1"}}), {{"a", "2", {"json", "a2"}}});
  Put(Make("o", "t", "", "03", "02", {{"a", "3"}, {"b", "1"}}), {{"a", "3", {"json", "a3"}}});
  Put(Make("o", "t", "sub", "01", "", {{"c", "1"}}), {{"c", "1", {"json", "c1"}}});
  Put(Make("other", "t", "", "01", "", {{"a", "1"}}), {{"a", "1", {"json", "x"}}});
  {
    auto w = Begin(true);
    ASSERT_TRUE(w->PutWrites("o", "t", "", "01", {Write("k", 0, "a", "w1")}).ok());
    ASSERT_TRUE(w->PutWrites("o", "t", "", "03", {Write("k", 0, "a", "w3")}).ok());
    auto copied = w->CopyThread("o", "t", "t-copy");
    ASSERT_TRUE(copied.ok()) << copied.status().ToString();
    EXPECT_EQ(*copied, 4);
    ASSERT_TRUE(w->Commit().ok());
  }
  {
    auto r = Begin(false);
    EXPECT_EQ(r->CountCheckpoints("o", "t-copy").value(), 4);
    EXPECT_EQ(r->GetWrites("o", "t-copy", "", "03")->at(0).value.data, "w3");
    EXPECT_EQ(r->GetChannelValues("o", "t-copy", "", "02")->size(), 2u);
    EXPECT_EQ((*r->GetCheckpoint("o", "t-copy", "", std::nullopt))->parent_checkpoint_id, "02");
  }
  {
    auto w = Begin(true);
    auto pruned = w->PruneThread("o", "t", 1);
    ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
    EXPECT_EQ(*pruned, 2);
    ASSERT_TRUE(w->Commit().ok());
  }
  {
    auto r = Begin(false);
    EXPECT_EQ(Ids(*r->ListCheckpoints({"o", "t", {}, {}, {}, 100})),
              (std::vector<std::string>{"t//03", "t/sub/01"}));
    EXPECT_TRUE(r->GetWrites("o", "t", "", "01")->empty());
    EXPECT_EQ(r->GetWrites("o", "t", "", "03")->size(), 1u);
    // The kept checkpoint still reads b at version 1, stored by a pruned one.
    auto values = r->GetChannelValues("o", "t", "", "03");
    ASSERT_EQ(values->size(), 2u);
    EXPECT_EQ((*values)[1].value.data, "b1");
    // The copy and the other owner are untouched.
    EXPECT_EQ(r->CountCheckpoints("o", "t-copy").value(), 4);
    EXPECT_EQ(r->GetChannelValues("o", "t-copy", "", "01")->size(), 2u);
  }
  // A value no kept checkpoint names is gone: a re-put of 01 naming a@1 finds nothing.
  Put(Make("o", "t", "", "01", "", {{"a", "1"}}));
  EXPECT_TRUE(Begin(false)->GetChannelValues("o", "t", "", "01")->empty());
  {
    auto w = Begin(true);
    EXPECT_EQ(w->DeleteThread("o", "t").value(), 3);
    EXPECT_EQ(w->DeleteThread("o", "t").value(), 0);
    ASSERT_TRUE(w->Commit().ok());
  }
  auto r = Begin(false);
  EXPECT_EQ(r->CountCheckpoints("o", "t").value(), 0);
  EXPECT_TRUE(r->GetWrites("o", "t", "", "03")->empty());
  EXPECT_EQ(r->CountCheckpoints("o", "t-copy").value(), 4);
  EXPECT_EQ(r->CountCheckpoints("other", "t").value(), 1);
  EXPECT_EQ(r->GetChannelValues("other", "t", "", "01")->at(0).value.data, "x");
}

TEST_P(CheckpointStoreConformance, OwnersAreApartAndForgetIsWhole) {
  Put(Make("alice", "t", "", "01", "", {{"a", "1"}}), {{"a", "1", {"json", "alice"}}});
  Put(Make("bob", "t", "", "01", "", {{"a", "1"}}), {{"a", "1", {"json", "bob"}}});
  {
    auto w = Begin(true);
    ASSERT_TRUE(w->PutWrites("alice", "t", "", "01", {Write("k", 0, "a", "w")}).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  auto r = Begin(false);
  EXPECT_EQ(r->GetChannelValues("bob", "t", "", "01")->at(0).value.data, "bob");
  EXPECT_TRUE(r->GetWrites("bob", "t", "", "01")->empty());
  EXPECT_EQ(Ids(*r->ListCheckpoints({"bob", {}, {}, {}, {}, 100})),
            (std::vector<std::string>{"t//01"}));
  r.reset();
  {
    auto w = Begin(true);
    EXPECT_EQ(w->DeleteOwnerCheckpoints("alice").value(), 1);
    ASSERT_TRUE(w->Commit().ok());
  }
  r = Begin(false);
  EXPECT_FALSE(r->GetCheckpoint("alice", "t", "", std::nullopt)->has_value());
  EXPECT_TRUE(r->GetWrites("alice", "t", "", "01")->empty());
  EXPECT_TRUE(r->GetChannelValues("bob", "t", "", "01")->size() == 1u);
}

TEST_P(CheckpointStoreConformance, AnUncommittedWriteLeavesNothing) {
  {
    auto w = Begin(true);
    ASSERT_TRUE(w->PutCheckpoint(Make("o", "t", "", "01"), {}).ok());
    ASSERT_TRUE(w->PutWrites("o", "t", "", "01", {Write("k", 0, "a", "w")}).ok());
  }
  auto r = Begin(false);
  EXPECT_FALSE(r->GetCheckpoint("o", "t", "", std::nullopt)->has_value());
  EXPECT_TRUE(r->GetWrites("o", "t", "", "01")->empty());
}

// What an export reads: the owners with checkpoints, and every value and write of one owner, those
// no checkpoint names or was made against included.
TEST_P(CheckpointStoreConformance, WholeOwnerReads) {
  Put(Make("o", "t1", "", "01", "", {{"a", "1"}}),
      {{"a", "1", {"json", "a1"}}, {"orphan", "7", {"bytes", AllBytes()}}});
  Put(Make("o", "t2", "sub", "05", "", {{"b", "2"}}), {{"b", "2", {"json", "b2"}}});
  Put(Make("zed", "t1", "", "01", "", {{"a", "1"}}), {{"a", "1", {"json", "zed"}}});
  {
    auto w = Begin(true);
    ASSERT_TRUE(w->PutWrites("o", "t1", "", "01", {Write("k", 0, "a", "w1", "p")}).ok());
    ASSERT_TRUE(w->PutWrites("o", "t2", "sub", "nowhere", {Write("k", -1, "__error__", "e")}).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  auto r = Begin(false);
  auto owners = r->ListCheckpointOwners();
  ASSERT_TRUE(owners.ok()) << owners.status().ToString();
  EXPECT_EQ(*owners, (std::vector<std::string>{"o", "zed"}));
  auto values = r->ListOwnerChannelValues("o");
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  std::sort(values->begin(), values->end(), [](const auto& a, const auto& b) {
    return std::tie(a.thread_id, a.value.channel) < std::tie(b.thread_id, b.value.channel);
  });
  EXPECT_EQ(*values,
            (std::vector<ThreadChannelValue>{{"t1", "", {"a", "1", {"json", "a1"}}},
                                             {"t1", "", {"orphan", "7", {"bytes", AllBytes()}}},
                                             {"t2", "sub", {"b", "2", {"json", "b2"}}}}));
  auto writes = r->ListOwnerWrites("o");
  ASSERT_TRUE(writes.ok()) << writes.status().ToString();
  std::sort(writes->begin(), writes->end(),
            [](const auto& a, const auto& b) { return a.thread_id < b.thread_id; });
  EXPECT_EQ(*writes, (std::vector<CheckpointWrite>{
                         {"t1", "", "01", Write("k", 0, "a", "w1", "p")},
                         {"t2", "sub", "nowhere", Write("k", -1, "__error__", "e")}}));
  EXPECT_TRUE(r->ListOwnerWrites("zed")->empty());
  EXPECT_TRUE(r->ListOwnerChannelValues("nobody")->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, CheckpointStoreConformance,
                         ::testing::ValuesIn(SessionConformanceBackends()), BackendName);

}  // namespace
}  // namespace engram::store
