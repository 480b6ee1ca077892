// What the Redis session store adds to the conformance suite: its URL, its key layout, TTLs
// refreshed on write, AUTH, a lost server as a clean error and a reconnect, the per-owner write
// locks and their timeout, and promotion into durable memory before a session expires.
#include <gtest/gtest.h>
#include <hiredis.h>

#include <chrono>
#include <set>
#include <thread>

#include "engram/engine.h"
#include "redis/raw_redis.h"
#include "redis/redis_server.h"
#include "store/factory.h"
#include "store/redis/connection.h"
#include "test_util.h"

namespace engram::store {
namespace {

using engram::testing::PrefixOf;
using engram::testing::RawRedis;
using redis::ParseRedisUrl;
using redis::RedisConfig;

Result<RedisConfig> Parse(const std::string& url) {
  ENGRAM_ASSIGN_OR_RETURN(StoreUrl parsed, ParseStoreUrl(url));
  return ParseRedisUrl(parsed);
}

Status Append(SessionStore& store, const std::string& owner, const std::string& session,
              const std::string& text, Timestamp at = 1) {
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store.BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner, session));
  ENGRAM_RETURN_IF_ERROR(
      txn->AppendSessionItems(owner, session, {{last + 1, Role::kUser, text, "", "", at}}));
  return txn->Commit();
}

Result<int64_t> LastSeq(SessionStore& store, const std::string& owner, const std::string& session) {
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store.BeginRead());
  return txn->LastSessionSeq(owner, session);
}

std::shared_ptr<SessionStore> Open(const std::string& url, int busy_timeout_ms = 2000) {
  auto opened = OpenBackend(url, OpenSettings{busy_timeout_ms, false, ""});
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? opened->sessions : nullptr;
}

TEST(RedisUrlTest, ParsesHostPortDatabaseCredentialsAndParameters) {
  auto c = Parse("redis://");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->port, 6379);
  EXPECT_EQ(c->db, 0);
  EXPECT_EQ(c->ttl_s, 0);
  EXPECT_EQ(c->prefix, "engram:");
  c = Parse("redis://app:p%40ss%3Aw@cache.internal:6380/3?ttl=86400&prefix=prod:eu&timeout_ms=250");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->user, "app");
  EXPECT_EQ(c->password, "p@ss:w");
  EXPECT_EQ(c->host, "cache.internal");
  EXPECT_EQ(c->port, 6380);
  EXPECT_EQ(c->db, 3);
  EXPECT_EQ(c->ttl_s, 86400);
  EXPECT_EQ(c->prefix, "prod:eu");
  EXPECT_EQ(c->timeout_ms, 250);
  c = Parse("redis://:secret@[::1]:7000");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->user, "");
  EXPECT_EQ(c->password, "secret");
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->port, 7000);
  EXPECT_EQ(Parse("redis://secret@host")->password, "secret");  // redis-cli's form
}

TEST(RedisUrlTest, RefusesBadUrlsWithoutRepeatingThem) {
  for (const char* bad :
       {"redis://h:0", "redis://h:99999", "redis://h:x", "redis://h/x", "redis://h?ttl=-1",
        "redis://h?prefix=a*b", "redis://h?colour=red", "redis://u:p%zz@h", "redis://h?ttl=1x"}) {
    auto c = Parse(bad);
    ASSERT_FALSE(c.ok()) << bad;
    EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument) << bad;
  }
  auto tls = OpenBackend("rediss://user:hunter2@h:6380/0", OpenSettings{});
  ASSERT_FALSE(tls.ok());
  EXPECT_EQ(tls.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(tls.status().message().find("TLS"), std::string::npos);
  EXPECT_EQ(tls.status().message().find("hunter2"), std::string::npos);
  auto memories = OpenStores("redis://127.0.0.1:1", "", OpenSettings{});
  EXPECT_FALSE(memories.ok());
}

// Ids are escaped into the keys: an operator sees each session's keys under its owner's, and
// no id adds a separator, a hash tag or a glob character.
TEST(RedisSessionStoreTest, KeysFollowTheDocumentedLayout) {
  ENGRAM_REQUIRE_REDIS(server);
  const std::string url = server->NewUrl();
  const std::string p = PrefixOf(url);
  auto store = Open(url);
  ASSERT_TRUE(store);
  ASSERT_TRUE(Append(*store, "team:{a}*", "s 1/?", "hello").ok());
  RawRedis raw(server->port());
  EXPECT_EQ(raw.Keys(p + "*"),
            (std::set<std::string>{p + "o:{team%3A%7Ba%7D%2A}:sessions",
                                   p + "o:{team%3A%7Ba%7D%2A}:s:s%201%2F%3F:items",
                                   p + "o:{team%3A%7Ba%7D%2A}:s:s%201%2F%3F:meta"}));
}

// With ttl=S every write gives the session (items, summary, the owner's index) S seconds more;
// then it is gone. ttl=0 keeps it.
TEST(RedisSessionStoreTest, ASessionExpiresTtlAfterItsLastWrite) {
  ENGRAM_REQUIRE_REDIS(server);
  RawRedis raw(server->port());
  const std::string forever = server->NewUrl("ttl=0");
  auto kept = Open(forever);
  ASSERT_TRUE(kept);
  ASSERT_TRUE(Append(*kept, "alice", "s", "kept").ok());
  for (const std::string& key : raw.Keys(PrefixOf(forever) + "*")) EXPECT_EQ(raw.Pttl(key), -1);

  const std::string url = server->NewUrl("ttl=1");
  const std::string p = PrefixOf(url);
  auto store = Open(url);
  ASSERT_TRUE(store);
  ASSERT_TRUE(Append(*store, "alice", "s", "first").ok());
  const auto keys = raw.Keys(p + "*");
  ASSERT_EQ(keys.size(), 3u);
  for (const std::string& key : keys) EXPECT_GT(raw.Pttl(key), 0) << key;
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(Append(*store, "alice", "s", "second").ok());  // refreshes the TTL
  for (const std::string& key : keys) EXPECT_GT(raw.Pttl(key), 600) << key;
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(*LastSeq(*store, "alice", "s"), 2);  // 1.2 s after the first write
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(*LastSeq(*store, "alice", "s"), 0);
  auto txn = store->BeginRead();
  ASSERT_TRUE(txn.ok());
  EXPECT_FALSE((*txn)->LastActiveSession("alice", "")->has_value());
  EXPECT_TRUE(raw.Keys(p + "*").empty());
}

TEST(RedisSessionStoreTest, AuthenticatesWithTheUrlsPassword) {
  std::string why;
  auto server = testing::RedisServer::Launch("s3cr:t@x", &why);
  if (!server) {
    if (testing::RedisRequired()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  const std::string base = "127.0.0.1:" + std::to_string(server->port());
  auto store = Open("redis://:s3cr%3At%40x@" + base);
  ASSERT_TRUE(store);
  EXPECT_TRUE(Append(*store, "alice", "s", "hi").ok());
  for (const std::string& url : {"redis://" + base, "redis://:wrong@" + base}) {
    auto refused = OpenBackend(url, OpenSettings{});
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), Status::Code::kPermissionDenied)
        << refused.status().ToString();
    EXPECT_EQ(refused.status().message().find("wrong"), std::string::npos);
  }
}

// A server that goes away is an Unavailable error, not a crash; the next call after it is back
// connects again.
TEST(RedisSessionStoreTest, ALostServerIsAnErrorAndTheNextCallReconnects) {
  std::string why;
  auto server = testing::RedisServer::Launch("", &why);
  if (!server) {
    if (testing::RedisRequired()) FAIL() << why;
    GTEST_SKIP() << why;
  }
  auto store = Open(server->NewUrl());
  ASSERT_TRUE(store);
  ASSERT_TRUE(Append(*store, "alice", "s", "before").ok());
  server->Stop();
  auto read = LastSeq(*store, "alice", "s");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Status::Code::kUnavailable) << read.status().ToString();
  Status write = Append(*store, "alice", "s", "while down");
  EXPECT_EQ(write.code(), Status::Code::kUnavailable) << write.ToString();
  // A large write to a closed socket raises SIGPIPE, which must not end the process.
  ASSERT_TRUE(server->Start(&why)) << why;
  ASSERT_TRUE(Append(*store, "alice", "s", "loads the commit script").ok());
  auto txn = store->BeginWrite();
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  ASSERT_TRUE((*txn)
                  ->AppendSessionItems("alice", "s",
                                       {{1, Role::kUser, std::string(8 << 20, 'x'), "", "", 1}})
                  .ok());
  server->Stop();
  EXPECT_EQ((*txn)->Commit().code(), Status::Code::kUnavailable);
  txn->reset();
  ASSERT_TRUE(server->Start(&why)) << why;
  auto again = LastSeq(*store, "alice", "s");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 0);  // the test server keeps nothing on disk
  ASSERT_TRUE(Append(*store, "alice", "s", "after").ok());
  EXPECT_EQ(*LastSeq(*store, "alice", "s"), 1);
}

// A writer waits for another process's write transaction up to the busy timeout, then fails with
// Unavailable; once the first ends, writing works.
// Writers of one owner take turns: the second waits for the busy timeout, then gives up. Writers
// of different owners do not wait for each other.
TEST(RedisSessionStoreTest, AWriterWaitsForTheOwnersLockThenGivesUp) {
  ENGRAM_REQUIRE_REDIS(server);
  const std::string url = server->NewUrl();
  auto a = Open(url);
  auto b = Open(url, 200);
  ASSERT_TRUE(a && b);
  {
    auto held = a->BeginWrite();
    ASSERT_TRUE(held.ok());
    ASSERT_TRUE((*held)->LastSessionSeq("alice", "s").ok());  // takes alice's lock
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(Append(*b, "bob", "s", "not blocked").ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
    Status blocked = Append(*b, "alice", "s", "blocked");
    EXPECT_EQ(blocked.code(), Status::Code::kUnavailable) << blocked.ToString();
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  }  // rolled back: the lock is released
  EXPECT_TRUE(Append(*b, "alice", "s", "now").ok());
  EXPECT_EQ(*LastSeq(*b, "alice", "s"), 1);
}

// A writer whose lock lease ran out and was taken by another writer commits nothing, and leaves
// the other's lock alone.
TEST(RedisSessionStoreTest, ACommitWhoseLockWasLostWritesNothing) {
  ENGRAM_REQUIRE_REDIS(server);
  const std::string url = server->NewUrl();
  auto store = Open(url);
  ASSERT_TRUE(store);
  RawRedis raw(server->port());
  {
    auto txn = store->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(
        (*txn)->AppendSessionItems("alice", "s", {{1, Role::kUser, "late", "", "", 1}}).ok());
    raw.Set(PrefixOf(url) + "o:{alice}:lock", "another-writer");  // the lease ran out
    Status st = (*txn)->Commit();
    EXPECT_EQ(st.code(), Status::Code::kUnavailable) << st.ToString();
  }
  EXPECT_EQ(raw.Get(PrefixOf(url) + "o:{alice}:lock"), "another-writer");
  EXPECT_EQ(*LastSeq(*store, "alice", "s"), 0);
}

// Promotion does not depend on the session outliving its TTL: ending a session keeps its
// summary, and extraction its facts, as durable memories in the memory store.
TEST(RedisSessionStoreTest, PromotedMemoriesOutliveTheExpiredSession) {
  ENGRAM_REQUIRE_REDIS(server);
  testing::TempDir dir;
  Options options;
  options.path = dir.File("engram.db");
  options.sessions = server->NewUrl("ttl=1");
  options.policy.extract_on_session_append = true;
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  std::vector<SessionItem> items(2);
  items[0].role = Role::kUser;
  items[0].content = "I'm allergic to shellfish.";
  items[1].role = Role::kAssistant;
  items[1].content = "Noted, I will avoid shellfish recipes.";
  ASSERT_TRUE((*engine)->AddSessionItems("alice", "trip", items).ok());
  auto ended = (*engine)->EndSession("alice", "global", "trip");
  ASSERT_TRUE(ended.ok()) << ended.status().ToString();
  ASSERT_TRUE(ended->has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  auto left = (*engine)->GetSessionItems("alice", "trip", std::nullopt);
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());  // expired in Redis
  auto page = (*engine)->ListMemories("alice", ListOptions{});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  bool summary = false, allergy = false;
  for (const MemoryRecord& r : page->items) {
    summary |= r.type == MemoryType::kSummary && r.key == "session.trip";
    allergy |= r.type != MemoryType::kSummary && r.text.find("shellfish") != std::string::npos;
  }
  EXPECT_TRUE(summary);
  EXPECT_TRUE(allergy);
}

}  // namespace
}  // namespace engram::store
