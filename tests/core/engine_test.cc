// Engine: durable memory semantics, validation, isolation and persistence.
#include "engram/engine.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace engram {
namespace {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    engine_.reset();
    Options options;
    options.path = dir_.File("engram.db");
    options.clock = clock_;
    options.durable_commits = false;
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
  }

  MemoryRecord Add(const std::string& owner, const std::string& text,
                   const std::string& scope = "global") {
    NewMemory m;
    m.owner_id = owner;
    m.text = text;
    m.scope = scope;
    auto r = engine_->AddMemory(m);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    clock_->Advance(1);
    return r.ok() ? *r : MemoryRecord{};
  }

  // Rows in a table, counted straight from the file: proves that nothing was written.
  int64_t CountRows(const char* table) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(dir_.File("engram.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    const std::string sql = std::string("SELECT count(*) FROM ") + table;
    sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
    int64_t n = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
  }

  testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'790'000'000'000);
  std::unique_ptr<Engine> engine_;
};

TEST_F(EngineTest, AddAssignsIdTimesAndDefaults) {
  MemoryRecord r = Add("user_42", "My name is Dana and I prefer dark mode.");
  EXPECT_EQ(r.id.size(), 36u);
  EXPECT_EQ(r.id[14], '7');  // UUIDv7
  EXPECT_EQ(r.scope, "global");
  EXPECT_EQ(r.type, MemoryType::kFact);
  EXPECT_EQ(r.created_at, 1'790'000'000'000);
  EXPECT_EQ(r.updated_at, r.created_at);
  EXPECT_EQ(r.data, "{}");
  EXPECT_EQ(r.metadata, "{}");
  auto got = engine_->GetMemory("user_42", r.id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->text, r.text);
}

TEST_F(EngineTest, ObservedAtSetsCreationTime) {
  NewMemory m;
  m.owner_id = "u";
  m.text = "Moved to Lisbon";
  m.observed_at = 1'600'000'000'000;
  auto r = engine_->AddMemory(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->created_at, 1'600'000'000'000);
  EXPECT_EQ(r->updated_at, clock_->Now());
}

TEST_F(EngineTest, IdsSortByCreation) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    NewMemory m;
    m.owner_id = "u";
    m.text = "fact " + std::to_string(i);
    ids.push_back(engine_->AddMemory(m)->id);  // same millisecond: the sequence orders them
  }
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

TEST_F(EngineTest, BadInputIsRejectedAndWritesNothing) {
  struct Case {
    std::string name;
    std::function<void(NewMemory&)> mutate;
    Status::Code code;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"no owner", [](NewMemory& m) { m.owner_id = ""; }, Status::Code::kInvalidArgument,
       "owner_id is required"},
      {"empty text", [](NewMemory& m) { m.text = ""; }, Status::Code::kInvalidArgument,
       "text is empty"},
      {"blank text", [](NewMemory& m) { m.text = " \n\t"; }, Status::Code::kInvalidArgument,
       "text is empty"},
      {"invalid utf8", [](NewMemory& m) { m.text = "caf\xC3"; }, Status::Code::kInvalidArgument,
       "not valid UTF-8"},
      {"overlong utf8", [](NewMemory& m) { m.text = "\xC0\xAF"; }, Status::Code::kInvalidArgument,
       "not valid UTF-8"},
      {"nul byte", [](NewMemory& m) { m.text = std::string("a\0b", 3); },
       Status::Code::kInvalidArgument, "NUL"},
      {"10 MB text", [](NewMemory& m) { m.text = std::string(10 << 20, 'a'); },
       Status::Code::kTooLarge, "limit is 65536"},
      {"bad metadata", [](NewMemory& m) { m.metadata = "{not json"; },
       Status::Code::kInvalidArgument, "metadata is not valid JSON"},
      {"metadata array", [](NewMemory& m) { m.metadata = "[1]"; }, Status::Code::kInvalidArgument,
       "metadata must be a JSON object"},
      {"bad data", [](NewMemory& m) { m.data = "nope"; }, Status::Code::kInvalidArgument,
       "data is not valid JSON"},
      {"bad scope", [](NewMemory& m) { m.scope = "a//b"; }, Status::Code::kInvalidArgument,
       "empty segment"},
      {"scope with space", [](NewMemory& m) { m.scope = "a b"; }, Status::Code::kInvalidArgument,
       "whitespace"},
      {"confidence", [](NewMemory& m) { m.confidence = 1.5; }, Status::Code::kInvalidArgument,
       "confidence"},
      {"owner control char", [](NewMemory& m) { m.owner_id = "a\nb"; },
       Status::Code::kInvalidArgument, "control character"},
      {"validity order",
       [](NewMemory& m) {
         m.valid_from = 10;
         m.valid_to = 5;
       },
       Status::Code::kInvalidArgument, "valid_to"},
  };
  for (const auto& c : cases) {
    NewMemory m;
    m.owner_id.append("u");  // appended: g++ 12 -O3 reports a false -Wrestrict on "= \"u\""
    m.text = "ok";
    c.mutate(m);
    auto r = engine_->AddMemory(m);
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), c.code) << c.name << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.message_part), std::string::npos)
        << c.name << ": " << r.status().message();
  }
  EXPECT_EQ(CountRows("memories"), 0);
  EXPECT_EQ(CountRows("memory_history"), 0);
}

TEST_F(EngineTest, UnknownAndForeignIdsAreNotFound) {
  MemoryRecord r = Add("alice", "secret plan");
  auto foreign = engine_->GetMemory("bob", r.id);
  EXPECT_TRUE(foreign.status().IsNotFound());
  EXPECT_EQ(foreign.status().message(), "memory " + r.id + " not found");  // reveals nothing
  EXPECT_TRUE(
      engine_->GetMemory("alice", "01a1fccd-12c0-71ee-af29-6dcf212fd6c5").status().IsNotFound());
  EXPECT_TRUE(engine_->GetMemory("alice", "not-a-uuid").status().IsInvalidArgument());
  MemoryUpdate u;
  u.text = "hijacked";
  EXPECT_TRUE(engine_->UpdateMemory("bob", r.id, u).status().IsNotFound());
  EXPECT_TRUE(engine_->DeleteMemory("bob", r.id).IsNotFound());
  EXPECT_TRUE(engine_->GetHistory("bob", r.id).status().IsNotFound());
  EXPECT_EQ(engine_->GetMemory("alice", r.id)->text, "secret plan");
  EXPECT_EQ(CountRows("memory_history"), 1);
}

TEST_F(EngineTest, UpdateKeepsHistoryWithOldAndNewValues) {
  MemoryRecord r = Add("u", "prefers light mode");
  clock_->Advance(1000);
  MemoryUpdate u;
  u.text = "prefers dark mode";
  u.key = "ui.theme";
  u.change = {"agent-1", "user corrected it"};
  auto updated = engine_->UpdateMemory("u", r.id, u);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->text, "prefers dark mode");
  EXPECT_EQ(updated->key, "ui.theme");
  EXPECT_EQ(updated->created_at, r.created_at);
  EXPECT_GT(updated->updated_at, r.updated_at);

  auto history = engine_->GetHistory("u", r.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].event, HistoryEventType::kAdd);
  EXPECT_TRUE((*history)[0].old_value.empty());
  const auto& ev = (*history)[1];
  EXPECT_EQ(ev.event, HistoryEventType::kUpdate);
  EXPECT_EQ(ev.actor, "agent-1");
  EXPECT_EQ(ev.reason, "user corrected it");
  EXPECT_EQ(ev.at, clock_->Now());
  EXPECT_EQ(nlohmann::json::parse(ev.old_value)["text"], "prefers light mode");
  EXPECT_EQ(nlohmann::json::parse(ev.new_value)["text"], "prefers dark mode");

  MemoryUpdate nothing;
  EXPECT_TRUE(engine_->UpdateMemory("u", r.id, nothing).status().IsInvalidArgument());
  MemoryUpdate bad;
  bad.text = "\xFF";
  EXPECT_TRUE(engine_->UpdateMemory("u", r.id, bad).status().IsInvalidArgument());
  EXPECT_EQ(engine_->GetHistory("u", r.id)->size(), 2u);
}

TEST_F(EngineTest, DeleteTombstonesAndKeepsHistory) {
  MemoryRecord r = Add("u", "temporary");
  ASSERT_TRUE(engine_->DeleteMemory("u", r.id, {"cli", "no longer true"}).ok());
  auto got = engine_->GetMemory("u", r.id);
  EXPECT_TRUE(got.status().IsNotFound());
  EXPECT_NE(got.status().message().find("deleted"), std::string::npos);
  EXPECT_TRUE(engine_->ListMemories("u", {})->items.empty());
  EXPECT_TRUE(engine_->DeleteMemory("u", r.id).IsNotFound());
  auto history = engine_->GetHistory("u", r.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].event, HistoryEventType::kDelete);
  EXPECT_EQ((*history)[1].reason, "no longer true");
  EXPECT_TRUE((*history)[1].new_value.empty());
  EXPECT_EQ(CountRows("memories"), 1);  // a tombstone, not an erase
}

TEST_F(EngineTest, ScopeSeesItselfAncestorsAndGlobal) {
  Add("u", "global fact", "global");
  Add("u", "project fact", "project");
  Add("u", "alpha fact", "project/alpha");
  Add("u", "alpha task fact", "project/alpha/task/42");
  Add("u", "beta fact", "project/beta");
  auto texts = [&](const std::string& scope) {
    ListOptions o;
    o.scope = scope;
    std::vector<std::string> out;
    auto page = engine_->ListMemories("u", o);
    for (auto& r : page->items) out.push_back(r.text);
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(texts("project/alpha"),
            (std::vector<std::string>{"alpha fact", "global fact", "project fact"}));
  EXPECT_EQ(texts("project/beta"),
            (std::vector<std::string>{"beta fact", "global fact", "project fact"}));
  EXPECT_EQ(texts("global"), (std::vector<std::string>{"global fact"}));
  EXPECT_EQ(texts("project/alpha/task/42").size(), 4u);
  EXPECT_EQ(texts("project/alphabet"),  // a prefix of a name is not an ancestor
            (std::vector<std::string>{"global fact", "project fact"}));
  EXPECT_EQ(engine_->ListMemories("u", {})->items.size(), 5u);  // no scope: all of them
}

TEST_F(EngineTest, ListFiltersAndPaging) {
  for (int i = 0; i < 7; ++i) {
    NewMemory m;
    m.owner_id = "u";
    m.text = "memory " + std::to_string(i);
    m.type = i % 2 ? MemoryType::kPreference : MemoryType::kFact;
    m.key = i == 3 ? "ui.theme" : "";
    m.session_id = i < 2 ? "s1" : "s2";
    ASSERT_TRUE(engine_->AddMemory(m).ok());
    clock_->Advance(10);
  }
  ListOptions o;
  o.limit = 3;
  std::vector<std::string> seen;
  int pages = 0;
  do {
    auto page = engine_->ListMemories("u", o);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (auto& r : page->items) seen.push_back(r.text);
    o.cursor = page->next_cursor;
    ++pages;
  } while (!o.cursor.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_EQ(seen.front(), "memory 6");  // newest first
  EXPECT_EQ(seen.back(), "memory 0");

  ListOptions f;
  f.type = MemoryType::kPreference;
  EXPECT_EQ(engine_->ListMemories("u", f)->items.size(), 3u);
  f = {};
  f.key = "ui.theme";
  EXPECT_EQ(engine_->ListMemories("u", f)->items.size(), 1u);
  f = {};
  f.session_id = "s1";
  EXPECT_EQ(engine_->ListMemories("u", f)->items.size(), 2u);
  f = {};
  f.created_from = 1'790'000'000'000 + 20;
  f.created_until = 1'790'000'000'000 + 40;
  EXPECT_EQ(engine_->ListMemories("u", f)->items.size(), 2u);

  ListOptions bad;
  bad.cursor = "garbage!";
  EXPECT_TRUE(engine_->ListMemories("u", bad).status().IsInvalidArgument());
  bad = {};
  bad.limit = 0;
  EXPECT_TRUE(engine_->ListMemories("u", bad).status().IsInvalidArgument());
  bad.limit = 5000;
  EXPECT_TRUE(engine_->ListMemories("u", bad).status().IsInvalidArgument());
}

TEST_F(EngineTest, ExpiredRecordsAreNotListed) {
  NewMemory m;
  m.owner_id = "u";
  m.text = "valid this week";
  m.expires_at = clock_->Now() + 1000;
  ASSERT_TRUE(engine_->AddMemory(m).ok());
  EXPECT_EQ(engine_->ListMemories("u", {})->items.size(), 1u);
  clock_->Advance(1000);
  EXPECT_TRUE(engine_->ListMemories("u", {})->items.empty());
}

TEST_F(EngineTest, ForgetOwnerErasesEverythingOfThatOwnerOnly) {
  for (int i = 0; i < 1200; ++i) Add("alice", "fact " + std::to_string(i));  // > any page size
  MemoryRecord b = Add("bob", "bob's fact");
  ASSERT_TRUE(engine_->AddSessionItems("alice", "s1", {{0, Role::kUser, "hi", "", "", 0}}).ok());
  ASSERT_TRUE(engine_->AddSessionItems("bob", "s1", {{0, Role::kUser, "yo", "", "", 0}}).ok());
  auto report = engine_->ForgetOwner("alice");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->memories, 1200);
  EXPECT_EQ(report->history_events, 1200);
  EXPECT_EQ(report->sessions, 1);
  EXPECT_EQ(report->session_items, 1);
  EXPECT_TRUE(engine_->ListMemories("alice", {})->items.empty());
  EXPECT_EQ(CountRows("memories"), 1);
  EXPECT_EQ(CountRows("memory_history"), 1);
  EXPECT_EQ(engine_->GetMemory("bob", b.id)->text, "bob's fact");
  EXPECT_EQ(engine_->GetSessionItems("bob", "s1")->size(), 1u);
}

TEST_F(EngineTest, WritesSurviveReopen) {
  MemoryRecord r = Add("u", "persisted");
  Reopen();
  EXPECT_EQ(engine_->GetMemory("u", r.id)->text, "persisted");
}

TEST_F(EngineTest, NewerSchemaIsRefused) {
  engine_.reset();
  sqlite3* db = nullptr;
  sqlite3_open(dir_.File("engram.db").c_str(), &db);
  sqlite3_exec(db, "INSERT INTO schema_version(version) VALUES (999)", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  Options options;
  options.path = dir_.File("engram.db");
  auto engine = Engine::Open(options);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(engine.status().message().find("newer"), std::string::npos);
}

TEST_F(EngineTest, CreatesMissingFolders) {
  Options options;
  options.path = dir_.File("a/b/c/engram.db");
  auto engine = Engine::Open(options);
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  NewMemory m;
  m.owner_id = "u";
  m.text = "x";
  EXPECT_TRUE((*engine)->AddMemory(m).ok());
}

TEST_F(EngineTest, OpenFailsClearlyOnANonDatabaseFile) {
  engine_.reset();
  FILE* f = std::fopen(dir_.File("junk.db").c_str(), "wb");
  std::fputs("this is not a database, just some text that is long enough to matter......", f);
  std::fclose(f);
  Options options;
  options.path = dir_.File("junk.db");
  auto engine = Engine::Open(options);
  ASSERT_FALSE(engine.ok());
  EXPECT_EQ(engine.status().code(), Status::Code::kCorruption) << engine.status().ToString();
}

}  // namespace
}  // namespace engram
