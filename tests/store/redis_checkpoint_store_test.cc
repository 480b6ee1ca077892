// What the Redis checkpoint store adds to the conformance suite: its key layout, TTLs refreshed
// on every write to a thread, per-owner write locks, a commit whose lock was lost, and the
// factory's choice of the sessions backend for checkpoints.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "engram/engine.h"
#include "redis/raw_redis.h"
#include "redis/redis_server.h"
#include "store/factory.h"
#include "test_util.h"

namespace engram::store {
namespace {

using engram::testing::PrefixOf;
using engram::testing::RawRedis;

std::shared_ptr<CheckpointStore> Open(const std::string& url, int busy_timeout_ms = 2000) {
  auto opened = OpenBackend(url, OpenSettings{busy_timeout_ms, false, ""});
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? opened->checkpoints : nullptr;
}

Checkpoint Make(const std::string& owner, const std::string& thread, const std::string& ns,
                const std::string& id) {
  Checkpoint c;
  c.owner_id = owner;
  c.thread_id = thread;
  c.checkpoint_ns = ns;
  c.checkpoint_id = id;
  c.checkpoint = {"json", "{}"};
  c.channel_versions = {{"messages", "1"}};
  c.created_at = 5;
  return c;
}

Status Put(CheckpointStore& store, const Checkpoint& c) {
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store.BeginWrite());
  ENGRAM_RETURN_IF_ERROR(txn->PutCheckpoint(c, {{"messages", "1", {"json", "[]"}}}));
  ENGRAM_RETURN_IF_ERROR(txn->PutWrites(c.owner_id, c.thread_id, c.checkpoint_ns, c.checkpoint_id,
                                        {{"task", "", 0, "messages", {"json", "[1]"}}})
                             .status());
  return txn->Commit();
}

TEST(RedisCheckpointStoreTest, KeysFollowTheDocumentedLayout) {
  ENGRAM_REQUIRE_REDIS(server);
  const std::string url = server->NewUrl();
  const std::string p = PrefixOf(url);
  auto store = Open(url);
  ASSERT_TRUE(store);
  ASSERT_TRUE(Put(*store, Make("team:{a}*", "t 1/?", "sub:x", "1ef:02")).ok());
  RawRedis raw(server->port());
  const std::string o = p + "o:{team%3A%7Ba%7D%2A}:cp:";
  const std::string t = o + "t:t%201%2F%3F";
  EXPECT_EQ(raw.Keys(p + "*"), (std::set<std::string>{o + "threads", t + ":ids", t + ":c", t + ":v",
                                                      t + ":wk", t + ":w:sub%3Ax:1ef%3A02"}));
  // The lock was taken for the owner alone and given back by the commit.
  EXPECT_EQ(raw.Get(o + "lock"), "");
}

// With ttl=S every write to a thread gives all of its keys (every namespace's checkpoints,
// values and writes) and its owner's index S seconds more; ttl=0 keeps them.
TEST(RedisCheckpointStoreTest, AThreadExpiresTtlAfterItsLastWrite) {
  ENGRAM_REQUIRE_REDIS(server);
  RawRedis raw(server->port());
  const std::string forever = server->NewUrl("ttl=0");
  auto kept = Open(forever);
  ASSERT_TRUE(kept);
  ASSERT_TRUE(Put(*kept, Make("alice", "t", "", "01")).ok());
  for (const std::string& key : raw.Keys(PrefixOf(forever) + "*")) EXPECT_EQ(raw.Pttl(key), -1);

  const std::string url = server->NewUrl("ttl=1");
  auto store = Open(url);
  ASSERT_TRUE(store);
  ASSERT_TRUE(Put(*store, Make("alice", "t", "", "01")).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(Put(*store, Make("alice", "t", "child", "02")).ok());  // another namespace
  const auto keys = raw.Keys(PrefixOf(url) + "*");
  ASSERT_EQ(keys.size(), 7u);
  for (const std::string& key : keys) EXPECT_GT(raw.Pttl(key), 600) << key;
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  auto r = store->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->GetCheckpoint("alice", "t", "", std::nullopt)->has_value());
  r->reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  r = store->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE((*r)->GetCheckpoint("alice", "t", "", std::nullopt)->has_value());
  EXPECT_TRUE((*r)->ListCheckpointOwners()->empty());
  EXPECT_TRUE(raw.Keys(PrefixOf(url) + "*").empty());
}

// Writers of different owners do not wait for each other; a writer of the same owner waits for
// the busy timeout, then gives up.
TEST(RedisCheckpointStoreTest, WriteLocksArePerOwner) {
  ENGRAM_REQUIRE_REDIS(server);
  const std::string url = server->NewUrl();
  auto a = Open(url);
  auto b = Open(url, 200);
  ASSERT_TRUE(a && b);
  {
    auto held = a->BeginWrite();
    ASSERT_TRUE(held.ok());
    ASSERT_TRUE((*held)->PutCheckpoint(Make("alice", "t", "", "01"), {}).ok());
    const auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(Put(*b, Make("bob", "t", "", "01")).ok());
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
    Status blocked = Put(*b, Make("alice", "t", "", "02"));
    EXPECT_EQ(blocked.code(), Status::Code::kUnavailable) << blocked.ToString();
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
    ASSERT_TRUE((*held)->Commit().ok());
  }
  EXPECT_TRUE(Put(*b, Make("alice", "t", "", "02")).ok());
  auto r = a->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->CountCheckpoints("alice", "t").value(), 2);
  EXPECT_EQ((*r)->CountCheckpoints("bob", "t").value(), 1);
}

// A writer whose lock lease ran out and was taken by another writer commits nothing, and leaves
// the other's lock alone.
TEST(RedisCheckpointStoreTest, ACommitWhoseLockWasLostWritesNothing) {
  ENGRAM_REQUIRE_REDIS(server);
  const std::string url = server->NewUrl();
  auto store = Open(url);
  ASSERT_TRUE(store);
  RawRedis raw(server->port());
  const std::string lock = PrefixOf(url) + "o:{alice}:cp:lock";
  {
    auto txn = store->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->PutCheckpoint(Make("alice", "t", "", "01"), {}).ok());
    raw.Set(lock, "another-writer");  // as after the lease ran out
    Status st = (*txn)->Commit();
    EXPECT_EQ(st.code(), Status::Code::kUnavailable) << st.ToString();
  }
  EXPECT_EQ(raw.Get(lock), "another-writer");
  auto r = store->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->CountCheckpoints("alice", "t").value(), 0);
}

// With sessions in Redis, checkpoints (thread state) live there too, not beside the memories;
// the engine reaches them through the same calls.
TEST(RedisCheckpointStoreTest, CheckpointsLiveWithTheSessions) {
  ENGRAM_REQUIRE_REDIS(server);
  testing::TempDir dir;
  const std::string sessions = server->NewUrl();
  auto stores = OpenStores(SqliteUrl(dir.File("engram.db")), sessions, OpenSettings{});
  ASSERT_TRUE(stores.ok()) << stores.status().ToString();
  EXPECT_EQ(stores->checkpoints->backend(), "redis");
  EXPECT_EQ(stores->memory->backend(), "sqlite");

  Options options;
  options.path = dir.File("engine.db");
  options.sessions = sessions;
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  NewCheckpoint input;
  input.checkpoint = Make("alice", "t", "", "01");
  input.channel_values = {{"messages", "1", {"json", "[\"hi\"]"}}};
  ASSERT_TRUE((*engine)->PutCheckpoint(input).ok());
  RawRedis raw(server->port());
  EXPECT_EQ(raw.Keys(PrefixOf(sessions) + "o:{alice}:cp:t:t:*").size(), 3u);
  auto tuple = (*engine)->GetCheckpoint("alice", "t", "");
  ASSERT_TRUE(tuple.ok() && tuple->has_value()) << tuple.status().ToString();
  EXPECT_EQ((*tuple)->channel_values.at(0).value.data, "[\"hi\"]");
}

}  // namespace
}  // namespace engram::store
