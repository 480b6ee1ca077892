// The SessionStore conformance suite: every backend that keeps session state must pass it
// unchanged. The backends are listed in conformance.h (SessionConformanceBackends).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/conformance.h"
#include "store/session_store.h"

namespace engram::store {
namespace {

using testing::BackendName;
using testing::BackendTest;
using testing::SessionConformanceBackends;

class SessionStoreConformance : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!backend_.sessions) GTEST_SKIP() << GetParam().name << " keeps no session state";
    sessions_ = backend_.sessions;
  }

  std::shared_ptr<SessionStore> sessions_;
};

TEST_P(SessionStoreConformance, SessionSequenceQueries) {
  auto txn = sessions_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(*(*txn)->LastSessionSeq("alice", "s"), 0);
  std::vector<SessionItem> items = {
      {1, Role::kUser, "q1", "", "", 1},   {2, Role::kAssistant, "", R"([{"id":"c1"}])", "", 1},
      {3, Role::kTool, "r1", "", "c1", 1}, {4, Role::kAssistant, "a1", "", "", 1},
      {5, Role::kUser, "q2", "", "", 1},
  };
  ASSERT_TRUE((*txn)->AppendSessionItems("alice", "s", items).ok());
  EXPECT_EQ(*(*txn)->LastSessionSeq("alice", "s"), 5);
  EXPECT_EQ(*(*txn)->LastSessionSeq("bob", "s"), 0);
  EXPECT_EQ(*(*txn)->NthLastSessionSeq("alice", "s", 1, std::nullopt), 5);
  EXPECT_EQ(*(*txn)->NthLastSessionSeq("alice", "s", 3, std::nullopt), 3);
  EXPECT_EQ(*(*txn)->NthLastSessionSeq("alice", "s", 9, std::nullopt), 0);
  EXPECT_EQ(*(*txn)->NthLastSessionSeq("alice", "s", 2, Role::kUser), 1);
  EXPECT_EQ(*(*txn)->PrecedingNonToolSeq("alice", "s", 4), 2);
  auto tail = (*txn)->GetSessionItems("alice", "s", 3);
  ASSERT_EQ(tail->size(), 3u);
  EXPECT_EQ((*tail)[0].tool_call_id, "c1");
  EXPECT_EQ((*tail)[0].role, Role::kTool);
  EXPECT_EQ(*(*txn)->DeleteSessionItems("alice", "s", 5), 1);
  EXPECT_EQ(*(*txn)->LastSessionSeq("alice", "s"), 4);
  EXPECT_EQ(*(*txn)->DeleteSession("alice", "s"), 4);
  EXPECT_EQ(*(*txn)->LastSessionSeq("alice", "s"), 0);
  ASSERT_TRUE((*txn)->Commit().ok());
}

// The owner's recent items across sessions, newest first, and the session active last other than a
// given one (by its last item; a session without items by its own row).
TEST_P(SessionStoreConformance, RecentItemsAndTheLastActiveSessionAreTheOwners) {
  auto txn = sessions_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  auto item = [](int64_t seq, const char* text, Timestamp at) {
    return SessionItem{seq, Role::kUser, text, "", "", at};
  };
  ASSERT_TRUE(
      (*txn)->AppendSessionItems("alice", "a", {item(1, "a1", 10), item(2, "a2", 30)}).ok());
  ASSERT_TRUE((*txn)->AppendSessionItems("alice", "b", {item(1, "b1", 20)}).ok());
  ASSERT_TRUE((*txn)->AppendSessionItems("bob", "a", {item(1, "bob's", 40)}).ok());
  ASSERT_TRUE((*txn)->PutSessionSummary("alice", "summary-only", {"folded", 25, 0}).ok());

  auto recent = (*txn)->RecentOwnerItems("alice", 2);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].session_id, "a");
  EXPECT_EQ((*recent)[0].item.content, "a2");
  EXPECT_EQ((*recent)[0].item.seq, 2);
  EXPECT_EQ((*recent)[1].item.content, "b1");
  EXPECT_EQ((*txn)->RecentOwnerItems("alice", 10)->size(), 3u);
  EXPECT_TRUE((*txn)->RecentOwnerItems("carol", 10)->empty());

  auto last = (*txn)->LastActiveSession("alice", "new");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->session_id, "a");
  EXPECT_EQ((*last)->started_at, 10);
  EXPECT_EQ((*last)->last_active_at, 30);
  EXPECT_EQ((*last)->items, 2);
  auto before_a = (*txn)->LastActiveSession("alice", "a");
  ASSERT_TRUE(before_a.ok() && before_a->has_value());
  EXPECT_EQ((*before_a)->session_id,
            "summary-only");  // its row changed at 25, after b's 20
  EXPECT_EQ((*before_a)->items, 0);
  EXPECT_FALSE((*txn)->LastActiveSession("bob", "a")->has_value());
  EXPECT_FALSE((*txn)->LastActiveSession("carol", "x")->has_value());
  ASSERT_TRUE((*txn)->Commit().ok());
}

// Forgetting an owner deletes its sessions, items and summaries, and nobody else's.
TEST_P(SessionStoreConformance, DeleteOwnerSessionsRemovesThatOwnersSessionsOnly) {
  {
    auto txn = sessions_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->AppendSessionItems("alice", "s", {{1, Role::kUser, "hi", "", "", 5}}).ok());
    ASSERT_TRUE((*txn)->PutSessionSummary("alice", "t", {"folded", 6, 0}).ok());
    ASSERT_TRUE((*txn)->AppendSessionItems("bob", "s", {{1, Role::kUser, "yo", "", "", 5}}).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = sessions_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  auto report = (*txn)->DeleteOwnerSessions("alice");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sessions, 2);
  EXPECT_EQ(report->session_items, 1);
  EXPECT_EQ(report->memories, 0);
  EXPECT_EQ(report->history_events, 0);
  ASSERT_TRUE((*txn)->Commit().ok());
  auto read = sessions_->BeginRead();
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE((*read)->GetSessionItems("alice", "s", 0)->empty());
  EXPECT_FALSE((*read)->GetSessionSummary("alice", "t")->has_value());
  EXPECT_FALSE((*read)->LastActiveSession("alice", "")->has_value());
  EXPECT_EQ((*read)->GetSessionItems("bob", "s", 0)->size(), 1u);
}

// Retention deletes old items in every session, then a tool result left without its call.
TEST_P(SessionStoreConformance, DeleteSessionItemsBeforeDropsOldItemsAndOrphanedToolResults) {
  auto txn = sessions_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)
                  ->AppendSessionItems("alice", "s",
                                       {{1, Role::kUser, "old", "", "", 10},
                                        {2, Role::kAssistant, "", R"([{"id":"c1"}])", "", 10},
                                        {3, Role::kTool, "r1", "", "c1", 20},
                                        {4, Role::kUser, "new", "", "", 20}})
                  .ok());
  ASSERT_TRUE((*txn)->AppendSessionItems("bob", "s", {{1, Role::kUser, "bob", "", "", 30}}).ok());
  auto removed = (*txn)->DeleteSessionItemsBefore(15);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 3);
  auto left = (*txn)->GetSessionItems("alice", "s", 0);
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].content, "new");
  EXPECT_EQ((*txn)->GetSessionItems("bob", "s", 0)->size(), 1u);
  ASSERT_TRUE((*txn)->Commit().ok());
}

// A write that is not committed leaves nothing behind.
TEST_P(SessionStoreConformance, UncommittedWritesRollBack) {
  {
    auto txn = sessions_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->AppendSessionItems("alice", "s", {{1, Role::kUser, "hi", "", "", 5}}).ok());
  }
  auto read = sessions_->BeginRead();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*(*read)->LastSessionSeq("alice", "s"), 0);
}

// A write transaction reads its own changes: items, summaries, deletions and the owner's view.
TEST_P(SessionStoreConformance, AWriteTransactionSeesItsOwnChanges) {
  {
    auto txn = sessions_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(
        (*txn)->AppendSessionItems("alice", "old", {{1, Role::kUser, "o1", "", "", 5}}).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto txn = sessions_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)
                  ->AppendSessionItems("alice", "s",
                                       {{1, Role::kUser, "q", "", "", 10},
                                        {2, Role::kAssistant, "a", "", "", 11},
                                        {3, Role::kUser, "q2", "", "", 12}})
                  .ok());
  ASSERT_TRUE((*txn)->PutSessionSummary("alice", "s", {"so far", 13, 1}).ok());
  auto summary = (*txn)->GetSessionSummary("alice", "s");
  ASSERT_TRUE(summary.ok() && summary->has_value());
  EXPECT_EQ((*summary)->text, "so far");
  EXPECT_EQ((*summary)->through_seq, 1);
  EXPECT_EQ(*(*txn)->DeleteSessionItems("alice", "s", 3), 1);  // pop
  EXPECT_EQ(*(*txn)->LastSessionSeq("alice", "s"), 2);
  auto recent = (*txn)->RecentOwnerItems("alice", 10);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 3u);
  EXPECT_EQ((*recent)[0].item.content, "a");
  EXPECT_EQ((*recent)[2].session_id, "old");
  EXPECT_EQ((*(*txn)->LastActiveSession("alice", ""))->session_id, "s");
  EXPECT_EQ(*(*txn)->DeleteSession("alice", "s"), 2);
  EXPECT_FALSE((*txn)->GetSessionSummary("alice", "s")->has_value());
  EXPECT_EQ((*(*txn)->LastActiveSession("alice", ""))->session_id, "old");
  ASSERT_TRUE(
      (*txn)->AppendSessionItems("alice", "s", {{1, Role::kUser, "again", "", "", 20}}).ok());
  ASSERT_TRUE((*txn)->Commit().ok());
  auto read = sessions_->BeginRead();
  ASSERT_TRUE(read.ok());
  auto items = (*read)->GetSessionItems("alice", "s", 0);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].content, "again");
  EXPECT_FALSE((*read)->GetSessionSummary("alice", "s")->has_value());
  EXPECT_EQ((*(*read)->LastActiveSession("alice", ""))->session_id, "s");
}

// A read keeps one view of a session: an append committed after its first read of the session is
// not in its later reads (a last-N read racing an append returns N items, not N+1).
TEST_P(SessionStoreConformance, AReadDoesNotSeeAppendsCommittedAfterItsFirstRead) {
  auto item = [](int64_t seq) { return SessionItem{seq, Role::kUser, "x", "", "", seq}; };
  {
    auto txn = sessions_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->AppendSessionItems("alice", "s", {item(1), item(2), item(3)}).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto read = sessions_->BeginRead();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*(*read)->NthLastSessionSeq("alice", "s", 2, std::nullopt), 2);
  {
    auto txn = sessions_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->AppendSessionItems("alice", "s", {item(4)}).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto items = (*read)->GetSessionItems("alice", "s", 2);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  EXPECT_EQ(items->size(), 2u);
  EXPECT_EQ(*(*read)->LastSessionSeq("alice", "s"), 3);
  EXPECT_EQ(*(*read)->PrecedingNonToolSeq("alice", "s", 9), 3);
}

// A pop and a clear of committed sessions return what they removed, and it is gone.
TEST_P(SessionStoreConformance, DeletesOfStoredSessionsCountWhatTheyRemove) {
  {
    auto txn = sessions_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)
                    ->AppendSessionItems("alice", "p",
                                         {{1, Role::kUser, "p1", "", "", 1},
                                          {2, Role::kAssistant, "p2", "", "", 2},
                                          {3, Role::kUser, "p3", "", "", 3}})
                    .ok());
    ASSERT_TRUE((*txn)
                    ->AppendSessionItems(
                        "alice", "q",
                        {{1, Role::kUser, "q1", "", "", 4}, {2, Role::kAssistant, "q2", "", "", 5}})
                    .ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  {
    auto txn = sessions_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(*(*txn)->DeleteSessionItems("alice", "p", 3), 1);
    EXPECT_EQ(*(*txn)->DeleteSessionItems("alice", "p", 9), 0);
    EXPECT_EQ(*(*txn)->DeleteSession("alice", "q"), 2);
    EXPECT_EQ(*(*txn)->DeleteSession("alice", "never"), 0);
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  auto read = sessions_->BeginRead();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*(*read)->LastSessionSeq("alice", "p"), 2);
  EXPECT_TRUE((*read)->GetSessionItems("alice", "q", 0)->empty());
  auto last = (*read)->LastActiveSession("alice", "");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ((*last)->session_id, "p");
  EXPECT_EQ((*last)->last_active_at, 2);
  EXPECT_EQ((*read)->RecentOwnerItems("alice", 10)->size(), 2u);
}

// Owner and session ids are data, never structure: ids that would collide or inject when joined
// with a separator, or read as patterns, stay apart.
TEST_P(SessionStoreConformance, IdsWithSeparatorsAndPatternsStayApart) {
  const std::vector<std::pair<std::string, std::string>> sessions = {
      {"a", "b:s:c"}, {"a:s:b", "c"}, {"a}:s:{b", "c"}, {"*", "*"},       {"a*", "s"},
      {"a", "s"},     {"{a}", "s"},   {"%61", "s"},     {"a?[b]", "s\\"}, {"a b", "s:meta"},
  };
  {
    auto txn = sessions_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    for (size_t i = 0; i < sessions.size(); ++i) {
      const auto& [owner, session] = sessions[i];
      const std::string text = owner + "|" + session;
      ASSERT_TRUE((*txn)
                      ->AppendSessionItems(owner, session,
                                           {{1, Role::kUser, text, "", "", 100 + Timestamp(i)}})
                      .ok());
      ASSERT_TRUE((*txn)->PutSessionSummary(owner, session, {text, 100 + Timestamp(i), 1}).ok());
    }
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  {
    auto read = sessions_->BeginRead();
    ASSERT_TRUE(read.ok());
    for (const auto& [owner, session] : sessions) {
      const std::string text = owner + "|" + session;
      auto items = (*read)->GetSessionItems(owner, session, 0);
      ASSERT_TRUE(items.ok()) << items.status().ToString();
      ASSERT_EQ(items->size(), 1u) << text;
      EXPECT_EQ((*items)[0].content, text);
      EXPECT_EQ((*(*read)->GetSessionSummary(owner, session))->text, text);
    }
    EXPECT_EQ((*read)->RecentOwnerItems("a", 10)->size(), 2u);  // "b:s:c" and "s"
    EXPECT_EQ((*read)->RecentOwnerItems("*", 10)->size(), 1u);
    EXPECT_FALSE((*read)->LastActiveSession("a*", "s")->has_value());
  }
  auto txn = sessions_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  auto report = (*txn)->DeleteOwnerSessions("*");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->sessions, 1);
  EXPECT_EQ(report->session_items, 1);
  ASSERT_TRUE((*txn)->Commit().ok());
  auto read = sessions_->BeginRead();
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)->GetSessionItems("a*", "s", 0)->size(), 1u);
  EXPECT_EQ((*read)->GetSessionItems("a", "s", 0)->size(), 1u);
  EXPECT_TRUE((*read)->GetSessionItems("*", "*", 0)->empty());
}

// Writers take turns, also through a second opening of the store (another process's view): an
// append of a tool call with its result lands whole, after the last item it read, and none is
// lost.
TEST_P(SessionStoreConformance, ConcurrentAppendsNeverInterleaveOrLoseItems) {
  auto second = OpenBackend(url_, OpenSettings{5000, false, ""});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  std::vector<std::shared_ptr<SessionStore>> stores = {sessions_, second->sessions};
  constexpr int kThreads = 4, kAppends = 15;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      SessionStore& store = *stores[t % 2];
      for (int i = 0; i < kAppends; ++i) {
        const std::string id = "c" + std::to_string(t) + "-" + std::to_string(i);
        auto txn = store.BeginWrite();
        if (!txn.ok()) {
          ++failures;
          continue;
        }
        const int64_t last = *(*txn)->LastSessionSeq("alice", "s");
        const bool ok =
            (*txn)
                ->AppendSessionItems(
                    "alice", "s",
                    {{last + 1, Role::kAssistant, "", R"([{"id":")" + id + R"("}])", "", 1},
                     {last + 2, Role::kTool, id, "", id, 1}})
                .ok() &&
            (*txn)->Commit().ok();
        if (!ok) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  auto read = sessions_->BeginRead();
  ASSERT_TRUE(read.ok());
  auto items = (*read)->GetSessionItems("alice", "s", 0);
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), size_t{2 * kThreads * kAppends});
  for (size_t i = 0; i < items->size(); i += 2) {
    EXPECT_EQ((*items)[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ((*items)[i].role, Role::kAssistant);
    EXPECT_EQ((*items)[i + 1].role, Role::kTool);
    EXPECT_EQ((*items)[i + 1].tool_call_id, (*items)[i + 1].content);
    EXPECT_NE((*items)[i].tool_calls.find((*items)[i + 1].tool_call_id), std::string::npos);
  }
}

// What an export reads: the owners with sessions, and each session with its summary.
TEST_P(SessionStoreConformance, SessionsAreListedWithTheirSummaries) {
  auto w = backend_.sessions->BeginWrite();
  ASSERT_TRUE(w.ok());
  std::vector<SessionItem> items = {{1, Role::kUser, "hi", "", "", 10},
                                    {2, Role::kAssistant, "hello", "", "", 20}};
  ASSERT_TRUE((*w)->AppendSessionItems("alice", "s2", items).ok());
  ASSERT_TRUE((*w)->PutSessionSummary("alice", "s1", SessionSummary{"earlier", 5, 0}).ok());
  ASSERT_TRUE((*w)->AppendSessionItems("bob", "s9", items).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto r = backend_.sessions->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(*r)->ListSessionOwners(), (std::vector<std::string>{"alice", "bob"}));
  auto sessions = (*r)->ListSessions("alice");
  ASSERT_TRUE(sessions.ok()) << sessions.status().ToString();
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ((*sessions)[0].session_id, "s1");
  ASSERT_TRUE((*sessions)[0].summary.has_value());
  EXPECT_EQ((*sessions)[0].summary->text, "earlier");
  EXPECT_EQ((*sessions)[0].summary->updated_at, 5);
  EXPECT_EQ((*sessions)[0].items, 0);
  EXPECT_EQ((*sessions)[1].session_id, "s2");
  EXPECT_FALSE((*sessions)[1].summary.has_value());
  EXPECT_EQ((*sessions)[1].items, 2);
  EXPECT_EQ((*sessions)[1].started_at, 10);
  EXPECT_EQ((*sessions)[1].last_active_at, 20);
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionStoreConformance,
                         ::testing::ValuesIn(SessionConformanceBackends()), BackendName);

}  // namespace
}  // namespace engram::store
