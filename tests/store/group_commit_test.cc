// SQLite's group commit: write transactions that wait for the writer connection share one COMMIT,
// each keeps the guarantees of a transaction of its own.
#include "store/sqlite/group_commit.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/connection.h"
#include "test_util.h"

namespace engram::store::sqlite {
namespace {

int CountCommit(void* commits) {
  ++*static_cast<std::atomic<int>*>(commits);
  return 0;  // let it commit
}

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("group.db");
    auto conn = Connection::Open(path_, false, 1000);
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    conn_ = std::move(*conn);
    ASSERT_TRUE(conn_->Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL").ok());
    ASSERT_TRUE(conn_->Exec("CREATE TABLE t (v TEXT NOT NULL UNIQUE)").ok());
    sqlite3_commit_hook(conn_->handle(), CountCommit, &commits_);
    group_ = std::make_unique<GroupCommit>(conn_.get());
  }

  Status Insert(const std::string& v) {
    auto s = conn_->Prepare("INSERT INTO t (v) VALUES (?1)");
    if (!s.ok()) return s.status();
    (*s)->Bind(1, v);
    return (*s)->Run();
  }

  // The values committed, read on a connection of their own.
  std::vector<std::string> Committed() {
    auto reader = Connection::Open(path_, true, 1000);
    EXPECT_TRUE(reader.ok());
    auto s = (*reader)->Prepare("SELECT v FROM t ORDER BY rowid");
    EXPECT_TRUE(s.ok());
    std::vector<std::string> out;
    Status st;
    while ((*s)->Step(&st)) out.push_back((*s)->ColumnText(0));
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  // Starts `n` writers that queue behind a first one holding the connection, and returns once
  // all of them wait for it.
  void QueueBehindFirst(std::vector<std::thread>* threads, size_t n,
                        const std::function<void(size_t)>& write) {
    for (size_t i = 0; i < n; ++i) threads->emplace_back(write, i);
    while (group_->waiting() < n) std::this_thread::yield();
  }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<Connection> conn_;
  std::unique_ptr<GroupCommit> group_;
  std::atomic<int> commits_{0};
};

TEST_F(GroupCommitTest, WritersThatWaitShareOneCommitAndReturnInWriteOrder) {
  ASSERT_TRUE(group_->Begin().ok());
  ASSERT_TRUE(Insert("first").ok());
  std::mutex mu;
  std::vector<std::string> returned;  // in the order the commits returned
  auto writer = [&](size_t i) {
    ASSERT_TRUE(group_->Begin().ok());
    const std::string v = "w" + std::to_string(i);
    ASSERT_TRUE(Insert(v).ok());
    uint64_t ticket = 0;
    Status st = group_->Commit(&ticket);
    EXPECT_TRUE(st.ok()) << st.ToString();
    {
      std::lock_guard lock(mu);
      returned.push_back(v);
    }
    group_->Finish(ticket);
  };
  std::vector<std::thread> threads;
  QueueBehindFirst(&threads, 7, writer);
  uint64_t ticket = 0;
  ASSERT_TRUE(group_->Commit(&ticket).ok());
  {
    std::lock_guard lock(mu);
    returned.insert(returned.begin(), "first");
  }
  group_->Finish(ticket);
  for (auto& t : threads) t.join();

  EXPECT_EQ(commits_.load(), 1);  // eight transactions, one COMMIT
  const std::vector<std::string> committed = Committed();
  EXPECT_EQ(committed.size(), 8u);
  EXPECT_EQ(returned, committed);  // commits return in the order their writes ran
}

TEST_F(GroupCommitTest, ARollbackInAGroupUndoesOnlyItsOwnWrites) {
  ASSERT_TRUE(group_->Begin().ok());
  ASSERT_TRUE(Insert("kept-1").ok());
  auto writer = [&](size_t i) {
    ASSERT_TRUE(group_->Begin().ok());
    ASSERT_TRUE(Insert("w" + std::to_string(i)).ok());
    if (i % 2 == 0) {
      group_->Rollback();
      return;
    }
    uint64_t ticket = 0;
    EXPECT_TRUE(group_->Commit(&ticket).ok());
    group_->Finish(ticket);
  };
  std::vector<std::thread> threads;
  QueueBehindFirst(&threads, 4, writer);
  uint64_t ticket = 0;
  ASSERT_TRUE(group_->Commit(&ticket).ok());
  group_->Finish(ticket);
  for (auto& t : threads) t.join();

  std::vector<std::string> committed = Committed();
  std::sort(committed.begin(), committed.end());
  EXPECT_EQ(committed, (std::vector<std::string>{"kept-1", "w1", "w3"}));
  EXPECT_EQ(commits_.load(), 1);
}

TEST_F(GroupCommitTest, AFailedStatementLeavesTheGroupsOtherWritesIntact) {
  ASSERT_TRUE(group_->Begin().ok());
  ASSERT_TRUE(Insert("dup").ok());
  uint64_t ticket = 0;
  ASSERT_TRUE(group_->Commit(&ticket).ok());
  group_->Finish(ticket);

  ASSERT_TRUE(group_->Begin().ok());
  ASSERT_TRUE(Insert("a").ok());
  std::thread failing([&] {
    ASSERT_TRUE(group_->Begin().ok());
    ASSERT_TRUE(Insert("b").ok());
    EXPECT_FALSE(Insert("dup").ok());  // a constraint error: only this write is undone
    group_->Rollback();
  });
  while (group_->waiting() < 1) std::this_thread::yield();
  ASSERT_TRUE(group_->Commit(&ticket).ok());
  group_->Finish(ticket);
  failing.join();

  std::vector<std::string> committed = Committed();
  std::sort(committed.begin(), committed.end());
  EXPECT_EQ(committed, (std::vector<std::string>{"a", "dup"}));
}

TEST_F(GroupCommitTest, AGroupIsCappedSoItsFirstWriterIsNotHeldForever) {
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  constexpr size_t kWriters = 8 * GroupCommit::kMaxGroup;
  for (size_t i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      ASSERT_TRUE(group_->Begin().ok());
      ASSERT_TRUE(Insert("w" + std::to_string(i)).ok());
      uint64_t ticket = 0;
      EXPECT_TRUE(group_->Commit(&ticket).ok());
      group_->Finish(ticket);
      ++done;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(done.load(), static_cast<int>(kWriters));
  EXPECT_EQ(Committed().size(), kWriters);
  EXPECT_GE(commits_.load(), static_cast<int>(kWriters / GroupCommit::kMaxGroup));
}

}  // namespace
}  // namespace engram::store::sqlite
