// Opening storage by URL: the factory's parsing and errors, the SQLite opener, the --db shorthand,
// and an engine whose session state lives in another store than its memories.
#include "store/factory.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string_view>

#include "engram/engine.h"
#include "test_util.h"

namespace engram::store {
namespace {

const OpenSettings kSettings{2000, false, ""};

TEST(StoreUrlTest, SplitsTheSchemeAndKeepsTheRest) {
  auto url = ParseStoreUrl("SQLite:///var/lib/engram/engram.db");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->scheme, "sqlite");
  EXPECT_EQ(url->rest, "/var/lib/engram/engram.db");
  auto other = ParseStoreUrl("postgres+ssl://user:pw@host:5432/db?x=1");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->scheme, "postgres+ssl");
  EXPECT_EQ(other->rest, "user:pw@host:5432/db?x=1");
}

TEST(StoreUrlTest, MalformedUrlsAreRefusedWithoutRepeatingThem) {
  for (const char* bad : {"", "engram.db", "/var/lib/engram.db", "://x", "1db://x", "sql ite://x",
                          "my_db://s3cr3t@host", "sqlite:/x"}) {
    Result<StoreUrl> url = ParseStoreUrl(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.status().code(), Status::Code::kInvalidArgument) << bad;
    EXPECT_NE(url.status().message().find("scheme://"), std::string::npos);
    EXPECT_EQ(url.status().message().find("s3cr3t"), std::string::npos);
  }
}

TEST(StoreFactoryTest, UnknownSchemeNamesTheKnownOnes) {
  Result<OpenedBackend> opened = OpenBackend("nosuchdb://user:s3cr3t@host/db", kSettings);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("'nosuchdb://'"), std::string::npos);
  EXPECT_NE(opened.status().message().find("sqlite://"), std::string::npos);
  EXPECT_EQ(opened.status().message().find("s3cr3t"), std::string::npos);
}

TEST(StoreFactoryTest, EverySchemeIsRegisteredOnceInLowerCase) {
  std::set<std::string_view> seen;
  for (const BackendRegistration& b : RegisteredBackends()) {
    EXPECT_TRUE(seen.insert(b.scheme).second) << b.scheme;
    EXPECT_TRUE(ParseStoreUrl(std::string(b.scheme) + "://x").ok()) << b.scheme;
    EXPECT_EQ(ParseStoreUrl(std::string(b.scheme) + "://x")->scheme, b.scheme);
    EXPECT_NE(b.open, nullptr);
  }
  EXPECT_TRUE(seen.count("sqlite"));
}

TEST(StoreFactoryTest, SqliteUrlOpensBothStoresOverOneFile) {
  engram::testing::TempDir dir;
  const std::string path = dir.File("sub/engram.db");
  Result<OpenedBackend> opened = OpenBackend("sqlite://" + path, kSettings);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  ASSERT_NE(opened->memory, nullptr);
  ASSERT_NE(opened->sessions, nullptr);
  EXPECT_EQ(opened->memory->backend(), "sqlite");
  EXPECT_EQ(opened->sessions->backend(), "sqlite");
  EXPECT_EQ(opened->local_dir, path + ".index");
  EXPECT_TRUE(std::filesystem::exists(path));
  // What one interface writes, the other's transactions on the same file do not block.
  auto items = opened->sessions->BeginWrite();
  ASSERT_TRUE(items.ok());
  ASSERT_TRUE((*items)->AppendSessionItems("alice", "s", {{1, Role::kUser, "hi", "", "", 5}}).ok());
  ASSERT_TRUE((*items)->Commit().ok());
  auto read = opened->memory->BeginRead();
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE((*read)->GetHistory("alice", "x")->empty());
}

TEST(StoreFactoryTest, SqliteUrlWithoutAPathIsRefused) {
  Result<OpenedBackend> opened = OpenBackend("sqlite://", kSettings);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("database file"), std::string::npos);
}

TEST(StoreFactoryTest, DbShorthandIsTheSqliteUrlOfThePath) {
  EXPECT_EQ(SqliteUrl("/var/lib/engram/engram.db"), "sqlite:///var/lib/engram/engram.db");
  EXPECT_EQ(SqliteUrl("data/engram.db"), "sqlite://data/engram.db");
  auto url = ParseStoreUrl(SqliteUrl("data/engram.db"));
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->rest, "data/engram.db");
}

TEST(StoreFactoryTest, EngineOpensThePathAndItsUrlAlike) {
  engram::testing::TempDir dir;
  {
    Options o;
    o.path = dir.File("engram.db");
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    NewMemory m;
    m.owner_id = "alice";
    m.text = "Alice lives in Lisbon";
    ASSERT_TRUE((*engine)->AddMemory(m).ok());
  }
  Options o;
  o.store = SqliteUrl(dir.File("engram.db"));
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  auto page = (*engine)->ListMemories("alice", {});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].text, "Alice lives in Lisbon");
}

TEST(StoreFactoryTest, EngineRefusesTwoStoresOrNone) {
  engram::testing::TempDir dir;
  Options both;
  both.path = dir.File("a.db");
  both.store = SqliteUrl(dir.File("b.db"));
  auto engine = Engine::Open(both);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Status::Code::kInvalidArgument);
  auto none = Engine::Open(Options{});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kInvalidArgument);
  Options unknown;
  unknown.store = "nosuchdb://host/db";
  auto refused = Engine::Open(unknown);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kInvalidArgument);
}

// Session state in one database, memories in another: each write lands in its own store, and
// forgetting the owner empties both.
TEST(StoreFactoryTest, SessionsCanLiveInAnotherStoreThanMemories) {
  engram::testing::TempDir dir;
  Options o;
  o.store = SqliteUrl(dir.File("memories.db"));
  o.sessions = SqliteUrl(dir.File("sessions.db"));
  auto engine = Engine::Open(o);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  NewMemory m;
  m.owner_id = "alice";
  m.text = "Alice prefers tea";
  ASSERT_TRUE((*engine)->AddMemory(m).ok());
  SessionItem item;
  item.role = Role::kUser;
  item.content = "hello";
  ASSERT_TRUE((*engine)->AddSessionItems("alice", "s1", {item}).ok());

  auto items_in = [&](const std::string& file) {
    auto opened = OpenBackend(SqliteUrl(dir.File(file)), kSettings);
    EXPECT_TRUE(opened.ok());
    auto txn = opened->sessions->BeginRead();
    return (*txn)->LastSessionSeq("alice", "s1").value();
  };
  auto memories_in = [&](const std::string& file) {
    auto opened = OpenBackend(SqliteUrl(dir.File(file)), kSettings);
    EXPECT_TRUE(opened.ok());
    auto txn = opened->memory->BeginRead();
    MemoryQuery q;
    q.owner_id = "alice";
    return (*txn)->CountMemories(q).value();
  };
  EXPECT_EQ(items_in("sessions.db"), 1);
  EXPECT_EQ(items_in("memories.db"), 0);
  EXPECT_EQ(memories_in("memories.db"), 1);
  EXPECT_EQ(memories_in("sessions.db"), 0);
  ASSERT_EQ((*engine)->GetSessionItems("alice", "s1")->size(), 1u);

  auto report = (*engine)->ForgetOwner("alice");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->memories, 1);
  EXPECT_EQ(report->sessions, 1);
  EXPECT_EQ(report->session_items, 1);
  EXPECT_EQ(items_in("sessions.db"), 0);
  EXPECT_EQ(memories_in("memories.db"), 0);
}

}  // namespace
}  // namespace engram::store
