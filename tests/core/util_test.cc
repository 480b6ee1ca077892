// Utilities: UTF-8 validation, timestamps, UUIDv7, base64url, the phrase matcher over tokens.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/validate.h"
#include "util/fifo_semaphore.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/task_queue.h"
#include "util/time.h"
#include "util/tokenize.h"
#include "util/utf8.h"
#include "util/worker_team.h"

namespace engram {
namespace {

TEST(Utf8, AcceptsValidAndRejectsInvalid) {
  EXPECT_TRUE(util::IsValidUtf8("plain ascii"));
  EXPECT_TRUE(util::IsValidUtf8("café 日本 🎉"));
  EXPECT_EQ(util::FindInvalidUtf8("ab\xFF"), 2u);
  EXPECT_FALSE(util::IsValidUtf8("\xC0\x80"));          // overlong NUL
  EXPECT_FALSE(util::IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(util::IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(util::IsValidUtf8("\xE6\x97"));          // truncated
  EXPECT_FALSE(util::IsValidUtf8("\x80"));              // lone continuation
}

TEST(Time, FormatsAndParsesIso8601) {
  EXPECT_EQ(util::FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(util::FormatTimestamp(1'790'000'000'123), "2026-09-21T14:13:20.123Z");
  EXPECT_EQ(*util::ParseTimestamp("2026-09-21T14:13:20.123Z"), 1'790'000'000'123);
  EXPECT_EQ(*util::ParseTimestamp("2026-09-21 14:13:20.123"), 1'790'000'000'123);
  EXPECT_EQ(*util::ParseTimestamp("2026-09-21T16:13:20.123+02:00"), 1'790'000'000'123);
  EXPECT_EQ(*util::ParseTimestamp("1970-01-02"), 86'400'000);
  EXPECT_EQ(*util::ParseTimestamp("1969-12-31T23:59:59Z"), -1000);
  for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2026-01-01T25:00", "yesterday",
                          "2026-01-01T10:00Zjunk"}) {
    EXPECT_FALSE(util::ParseTimestamp(bad).ok()) << bad;
  }
}

TEST(Ids, UuidV7IsWellFormedMonotonicAndUnique) {
  util::UuidV7Generator gen;
  std::set<std::string> seen;
  std::string prev;
  for (int i = 0; i < 10000; ++i) {
    const std::string id = gen.Next(1'790'000'000'000 + i / 5000);  // many per millisecond
    ASSERT_TRUE(util::LooksLikeUuid(id)) << id;
    EXPECT_EQ(id[14], '7');
    EXPECT_TRUE(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
    EXPECT_GT(id, prev);
    prev = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 10000u);
  EXPECT_GT(gen.Next(1), prev);  // the clock stepping back does not break the order
}

TEST(Ids, Base64UrlRoundTrips) {
  for (std::string s : {"", "a", "ab", "abc", "1790000000000:0192f0c1-7a2b", "\xff\x00\x10"}) {
    std::string out;
    ASSERT_TRUE(util::Base64UrlDecode(util::Base64UrlEncode(s), &out));
    EXPECT_EQ(out, s);
  }
  std::string out;
  EXPECT_FALSE(util::Base64UrlDecode("a+b", &out));
}

TEST(PhraseEnd, MatchesWholeWordTokensOnly) {
  const util::Tokens t = util::Tokenize("Dana's flat, as of now; I'm home");
  // dana 's flat , as of now ; i am home
  EXPECT_EQ(util::PhraseEnd(t, 0, "dana 's flat"), 3u);
  EXPECT_EQ(util::PhraseEnd(t, 4, "as of"), 6u);
  EXPECT_EQ(util::PhraseEnd(t, 8, "i am home"), 11u);
  EXPECT_EQ(util::PhraseEnd(t, 4, "as of now please"), 4u);  // runs past the end: no match
  EXPECT_EQ(util::PhraseEnd(t, 2, "flat as"), 2u);           // the comma stands between
  EXPECT_EQ(util::PhraseEnd(t, 0, "dan"), 0u);               // whole words, not prefixes
  EXPECT_EQ(util::PhraseEnd(t, 0, ""), 0u);
  EXPECT_EQ(util::PhraseEnd(t, 99, "home"), 99u);
}

TEST(Scope, VisibleScopes) {
  EXPECT_EQ(core::VisibleScopes("global"), (std::vector<std::string>{"global"}));
  EXPECT_EQ(core::VisibleScopes("a/b/c"),
            (std::vector<std::string>{"global", "a", "a/b", "a/b/c"}));
  EXPECT_TRUE(core::ValidateScope("project/alpha/task/42").ok());
  EXPECT_FALSE(core::ValidateScope("/a").ok());
  EXPECT_FALSE(core::ValidateScope("a/").ok());
  EXPECT_FALSE(core::ValidateScope("").ok());
}

// ---- JSON entering engram (util/json.h) ----

TEST(ParseJsonTest, NestingIsLimitedBeforeParsingAndStringsDoNotCount) {
  const size_t max = util::kMaxJsonDepth;
  const std::string at_limit = std::string(max, '[') + std::string(max, ']');
  EXPECT_TRUE(util::ParseJson(at_limit).ok());
  const std::string over = std::string(max + 1, '[') + std::string(max + 1, ']');
  Result<nlohmann::json> refused = util::ParseJson(over);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.status().IsInvalidArgument());
  EXPECT_NE(refused.status().message().find("nested deeper than 128"), std::string::npos);
  EXPECT_FALSE(util::ParseJson(std::string(200'000, '{')).ok());
  // Brackets inside strings, escaped quotes included, are text.
  const std::string text = "{\"a\": \"" + std::string(1000, '[') + "\\\"{{\"}";
  Result<nlohmann::json> parsed = util::ParseJson(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)["a"].get<std::string>().size(), 1003u);
}

TEST(ParseJsonTest, OutOfRangeNumbersAndSyntaxErrorsAreInvalidArgumentWithoutEcho) {
  Result<nlohmann::json> big = util::ParseJson("{\"x\": 1e999}");
  ASSERT_FALSE(big.ok());
  EXPECT_TRUE(big.status().IsInvalidArgument());
  Result<nlohmann::json> bad = util::ParseJson("{\"text\": secret-value}");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("byte 10"), std::string::npos) << bad.status().message();
  EXPECT_EQ(bad.status().message().find("secret"), std::string::npos);
  EXPECT_EQ(util::ParseJsonOr(nlohmann::json("fallback"), "[1e999]"), "fallback");
}

TEST(ParseJsonTest, UniqueKeysRefusesAMemberNamedTwiceAtAnyDepth) {
  EXPECT_TRUE(util::ParseOrderedJson("{\"a\": 1, \"a\": 2}").ok());
  EXPECT_FALSE(util::ParseOrderedJson("{\"a\": 1, \"a\": 2}", /*unique_keys=*/true).ok());
  EXPECT_FALSE(util::ParseOrderedJson("{\"a\": {\"b\": 1, \"b\": 1}}", /*unique_keys=*/true).ok());
  // The same name in sibling objects is fine.
  Result<nlohmann::ordered_json> ok =
      util::ParseOrderedJson("[{\"a\": 1}, {\"a\": 2}, {\"b\": {\"a\": 3}}]", true);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST(TimestampRangeTest, OnlyTheYears1900To9999AreAccepted) {
  EXPECT_EQ(*util::ParseTimestamp("1900-01-01"), util::kMinTimestamp);
  EXPECT_EQ(*util::ParseTimestamp("9999-12-31T23:59:59.999Z"), util::kMaxTimestamp);
  EXPECT_EQ(util::FormatTimestamp(util::kMinTimestamp), "1900-01-01T00:00:00.000Z");
  EXPECT_EQ(util::FormatTimestamp(util::kMaxTimestamp), "9999-12-31T23:59:59.999Z");
  for (const char* bad :
       {"1899-12-31T23:59:59Z", "0001-01-01", "1900-01-01T00:30+01:00", "9999-12-31T23:30-01:00"}) {
    EXPECT_FALSE(util::ParseTimestamp(bad).ok()) << bad;
  }
  EXPECT_TRUE(util::CheckTimestampRange("t", 0).ok());
  EXPECT_FALSE(util::CheckTimestampRange("t", util::kMaxTimestamp + 1).ok());
  EXPECT_FALSE(util::CheckTimestampRange("t", util::kMinTimestamp - 1).ok());
  EXPECT_FALSE(util::CheckTimestampRange("t", INT64_MIN).ok());
}

TEST(FifoSemaphoreTest, WaitersGetPermitsInTheOrderTheyArrived) {
  util::FifoSemaphore permits(1);
  permits.acquire();
  std::mutex order_mu;
  std::vector<int> order;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      permits.acquire();
      {
        std::lock_guard lock(order_mu);
        order.push_back(i);
      }
      permits.release();
    });
    // The next thread starts only once this one waits, so arrival order is i's order.
    while (permits.waiting() != static_cast<size_t>(i + 1)) std::this_thread::yield();
  }
  permits.release();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(permits.waiting(), 0u);
}

TEST(FifoSemaphoreTest, HoldsAsManyPermitsAsItWasGivenAndNoMore) {
  util::FifoSemaphore permits(2);
  permits.acquire();
  permits.acquire();
  std::atomic<bool> third{false};
  std::thread waiter([&] {
    std::lock_guard held(permits);
    third = true;
  });
  while (permits.waiting() != 1) std::this_thread::yield();
  EXPECT_FALSE(third);
  permits.release();
  waiter.join();
  EXPECT_TRUE(third);
  permits.release();
  // Both permits are back: two callers get them without waiting.
  permits.acquire();
  permits.acquire();
  EXPECT_EQ(permits.waiting(), 0u);
}

TEST(TaskQueueTest, RunsTasksOnItsOwnWorkersAndReturnsWhenTheyRan) {
  util::TaskQueue queue(2, 64);
  std::mutex mu;
  std::set<std::thread::id> workers;
  std::atomic<int> ran{0};
  std::vector<std::thread> submitters;
  for (int i = 0; i < 16; ++i) {
    submitters.emplace_back([&] {
      int mine = 0;
      EXPECT_TRUE(queue.Run([&] {
        std::lock_guard lock(mu);
        workers.insert(std::this_thread::get_id());
        mine = ++ran;
      }));
      EXPECT_GT(mine, 0);  // the task ran before Run returned
    });
  }
  for (std::thread& t : submitters) t.join();
  EXPECT_EQ(ran.load(), 16);
  EXPECT_LE(workers.size(), 2u);  // sixteen submitters, two threads ran their tasks
  EXPECT_EQ(workers.count(std::this_thread::get_id()), 0u);
}

TEST(TaskQueueTest, RefusesATaskAtOnceWhenTooManyWaitAndServesInArrivalOrder) {
  util::TaskQueue queue(1, 2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  std::thread holder([&] {
    queue.Run([&] {
      started.set_value();
      released.wait();
    });
  });
  started.get_future().wait();
  std::mutex mu;
  std::vector<int> order;
  std::vector<std::thread> waiters;
  for (int i = 0; i < 2; ++i) {
    waiters.emplace_back([&, i] {
      EXPECT_TRUE(queue.Run([&] {
        std::lock_guard lock(mu);
        order.push_back(i);
      }));
    });
    while (queue.waiting() != static_cast<size_t>(i + 1)) std::this_thread::yield();
  }
  bool ran = false;
  EXPECT_FALSE(queue.Run([&] { ran = true; }));  // two wait already: refused, not run
  EXPECT_FALSE(ran);
  release.set_value();
  holder.join();
  for (std::thread& t : waiters) t.join();
  EXPECT_EQ(order, (std::vector<int>{0, 1}));
  EXPECT_TRUE(queue.Run([&] { ran = true; }));
  EXPECT_TRUE(ran);
}

}  // namespace
TEST(WorkerTeam, RunsEveryChunkOnce) {
  for (int threads : {1, 2, 4}) {
    util::WorkerTeam team(threads);
    EXPECT_EQ(team.size(), threads);
    for (int n : {0, 1, 2, 7, 100}) {
      for (int rep = 0; rep < 20; ++rep) {
        std::vector<std::atomic<int>> runs(static_cast<size_t>(n));
        team.ParallelFor(n, [&](int i) { runs[static_cast<size_t>(i)].fetch_add(1); });
        for (int i = 0; i < n; ++i) ASSERT_EQ(runs[static_cast<size_t>(i)].load(), 1) << i;
      }
    }
  }
}

TEST(WorkerTeam, ConcurrentAndNestedCallsAllComplete) {
  util::WorkerTeam team(3);
  std::atomic<int> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      for (int rep = 0; rep < 50; ++rep) {
        team.ParallelFor(4, [&](int) {
          team.ParallelFor(3, [&](int) { total.fetch_add(1); });  // runs inline
        });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(total.load(), 4 * 50 * 4 * 3);
}

TEST(WorkerTeam, ResultsWrittenByHelpersAreVisibleToTheCaller) {
  util::WorkerTeam team(2);
  for (int rep = 0; rep < 200; ++rep) {
    std::vector<int> out(64, 0);
    team.ParallelFor(64, [&](int i) { out[static_cast<size_t>(i)] = i * rep; });
    for (int i = 0; i < 64; ++i) ASSERT_EQ(out[static_cast<size_t>(i)], i * rep);
  }
}

}  // namespace engram
