// Archives end to end, on every backend of the conformance suites and on SQLite with sessions
// and checkpoints in Redis: export -> import into an empty store -> export gives the same bytes
// (JSONL and YAML), checkpoints with their channel values and pending writes included; a damaged
// or newer archive is refused and nothing is written, an archive of schema version 1 still
// imports; vectors are kept for the same model and computed again for another.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <tuple>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "portable/archive_file.h"
#include "store/conformance.h"
#include "test_util.h"

namespace engram::portable {
namespace {

using store::testing::BackendName;
using store::testing::ConformanceBackend;
using store::testing::ConformanceBackends;

// The parameter of ArchiveTest whose sessions and checkpoints live in Redis.
constexpr const char* kRedisSessions = "sqlite_with_redis_sessions";

// A YAML archive whose aliases expand far beyond its size (a "billion laughs"), or that nests
// deeper than JSON may, is refused as invalid, not expanded (found by archive_fuzz: out of memory).
TEST(ArchiveYaml, AliasBombsAndDeepNestingAreRefused) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'k'; ++c) {
    const std::string prev(1, static_cast<char>(c - 1));
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + "]\n";
  }
  std::istringstream in(bomb);
  auto r = ReadArchive(in, ArchiveFormat::kYaml);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("aliases"), std::string::npos) << r.status().ToString();

  std::istringstream deep(std::string(200, '[') + std::string(200, ']'));
  r = ReadArchive(deep, ArchiveFormat::kYaml);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
}

// yaml-cpp 0.7's YAML::LoadAll never returns on some malformed inputs (a lone "," is endless
// empty documents; archive_fuzz: out of memory): they are refused, as is a third document.
TEST(ArchiveYaml, MalformedInputsThatNeverEndedAreRefused) {
  for (const char* text :
       {",", "---\nengram_archive: 1\n---\n,\n", "---\na: 1\n---\n[]\n---\n[]\n"}) {
    std::istringstream in(text);
    auto r = ReadArchive(in, ArchiveFormat::kYaml);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
    EXPECT_NE(r.status().message().find("YAML"), std::string::npos) << r.status().ToString();
  }
}

// Anchors and aliases within the budget still read as the values they name.
TEST(ArchiveYaml, AliasesWithinTheBudgetAreExpanded) {
  std::istringstream in(
      "---\nengram_archive: 1\nengram_version: &v \"0.1\"\nschema_version: 1\n"
      "embedding_model: *v\nowners: []\ncounts: {}\n"
      "checksum: \"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n"
      "---\n[]\n");
  auto r = ReadArchive(in, ArchiveFormat::kYaml);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->header.engram_version, "0.1");
  EXPECT_EQ(r->header.embedding_model, "0.1");
}

class ArchiveTest : public ::testing::TestWithParam<ConformanceBackend> {
 protected:
  // A fresh engine on a fresh store of the backend; null (and the test skipped) without one.
  std::unique_ptr<Engine> Fresh(const std::string& model = "hashing-test") {
    std::string why;
    const std::string url = store::testing::ConformanceUrl(
        GetParam(), dir_.path() + "/" + std::to_string(next_++), &why);
    if (url.empty()) return nullptr;
    std::filesystem::create_directories(dir_.path() + "/" + std::to_string(next_ - 1));
    Options o;
    o.store = url;
    if (GetParam().name == kRedisSessions) {
      engram::testing::RedisServer* redis = engram::testing::RedisServer::Shared(&why);
      if (redis == nullptr) return nullptr;
      o.sessions = redis->NewUrl();
    }
    o.clock = clock_;
    o.embedder = std::make_shared<engram::testing::HashingEmbedder>(64, model);
    o.durable_commits = false;
    auto engine = Engine::Open(o);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(*engine) : nullptr;
  }

  // Alice's memories with every kind of state, a block, sessions and a graph; bob's session.
  void Fill(Engine& e) {
    NewMemory m;
    m.owner_id = "alice";
    m.type = MemoryType::kPreference;
    m.key = "ui.theme";
    m.text = "I like dark mode";
    m.metadata = R"({"from":"chat"})";
    m.expires_at = 9'000'000'000'000;
    ASSERT_TRUE(e.AddMemory(m).ok());
    clock_->Advance(1000);
    m.text = "I like light mode now";  // supersedes the first
    ASSERT_TRUE(e.AddMemory(m).ok());
    clock_->Advance(1000);
    NewMemory f;
    f.owner_id = "alice";
    f.scope = "project/alpha";
    f.text = "The deadline is in March";
    f.valid_from = 1'700'000'000'000;
    auto fact = e.AddMemory(f);
    ASSERT_TRUE(fact.ok());
    MemoryUpdate u;
    u.text = "The deadline is in April";
    u.change = {"test", "moved"};
    ASSERT_TRUE(e.UpdateMemory("alice", fact->id, u).ok());
    f.text = "Temporary note";
    auto note = e.AddMemory(f);
    ASSERT_TRUE(note.ok());
    ASSERT_TRUE(e.DeleteMemory("alice", note->id).ok());
    ASSERT_TRUE(e.SetBlock("alice", "global", "persona", "You are terse.").ok());
    std::vector<SessionItem> items(2);
    items[0].role = Role::kUser;
    items[0].content = "hello";
    items[1].role = Role::kAssistant;
    items[1].content = "hi there";
    ASSERT_TRUE(e.AddSessionItems("alice", "s1", items).ok());
    ASSERT_TRUE(e.SetSessionSummary("alice", "s1", "greetings").ok());
    ASSERT_TRUE(e.AddSessionItems("bob", "b1", items).ok());
    FillCheckpoints(e);
    std::vector<NewEntity> entities(2);
    entities[0].owner_id = entities[1].owner_id = "alice";
    entities[0].name = "Alice";
    entities[0].type = "person";
    entities[0].observations = {"likes tea"};
    entities[1].name = "Acme";
    entities[1].type = "company";
    auto added = e.AddEntities(entities);
    if (added.status().code() == Status::Code::kFailedPrecondition) return;  // no graph here
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    has_graph_ = true;
    NewRelation r;
    r.owner_id = "alice";
    r.from = "Alice";
    r.type = "works_at";
    r.to = "Acme";
    ASSERT_TRUE(e.AddRelations(std::span(&r, 1)).ok());
    const std::string obs[] = {"likes tea"};
    ASSERT_TRUE(e.DeleteObservations("alice", "global", "Alice", obs).ok());
  }

  // Alice's checkpoints in two threads and namespaces, with values (one shared by two
  // checkpoints, one of every byte) and pending writes (a special channel's, one with a task
  // path); carol has nothing but a checkpoint.
  void FillCheckpoints(Engine& e) {
    std::string bytes;
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
    NewCheckpoint c;
    c.checkpoint.owner_id = "alice";
    c.checkpoint.thread_id = "t1";
    c.checkpoint.checkpoint_id = "1ef01";
    c.checkpoint.checkpoint = {"json", R"({"v":4,"ts":"2026-12-07"})"};
    c.checkpoint.metadata = R"({"source":"input","step":-1})";
    c.checkpoint.channel_versions = {{"messages", "1"}, {"blob", "1"}};
    c.channel_values = {{"messages", "1", {"json", R"(["hi"])"}}, {"blob", "1", {"bytes", bytes}}};
    ASSERT_TRUE(e.PutCheckpoint(c).ok());
    clock_->Advance(10);
    c.checkpoint.checkpoint_id = "1ef02";
    c.checkpoint.parent_checkpoint_id = "1ef01";
    c.checkpoint.channel_versions = {{"messages", "2"}, {"blob", "1"}};
    c.channel_values = {{"messages", "2", {"json", R"(["hi","there"])"}}};
    ASSERT_TRUE(e.PutCheckpoint(c).ok());
    const NewWrite writes[] = {{"messages", {"json", R"(["next"])"}},
                               {kInterruptChannel, {"msgpack", bytes}}};
    ASSERT_TRUE(e.PutCheckpointWrites("alice", "t1", "", "1ef02", "task-1", "~0", writes).ok());
    c.checkpoint.thread_id = "t2";
    c.checkpoint.checkpoint_ns = "child:1";
    c.checkpoint.checkpoint_id = "1ef03";
    c.checkpoint.parent_checkpoint_id = "";
    ASSERT_TRUE(e.PutCheckpoint(c).ok());
    c.checkpoint.owner_id = "carol";
    ASSERT_TRUE(e.PutCheckpoint(c).ok());
  }

  std::string Export(Engine& e, ArchiveFormat format = ArchiveFormat::kJsonl) {
    std::vector<OwnerArchive> archives;
    auto owners = e.ListAllOwners();
    EXPECT_TRUE(owners.ok());
    for (const std::string& owner : *owners) {
      auto a = e.ExportOwner(owner);
      EXPECT_TRUE(a.ok()) << a.status().ToString();
      archives.push_back(std::move(*a));
    }
    ArchiveHeader h;
    h.engram_version = "test";
    h.embedding_model = e.EmbeddingModel();
    h.owners = *owners;
    std::ostringstream out;
    EXPECT_TRUE(WriteArchive(out, format, h, ArchiveLines(archives)).ok());
    // The streamed form (REST export, `engram export`) writes the same bytes in pieces.
    std::string streamed;
    size_t pieces = 0;
    EXPECT_TRUE(StreamArchive(format, h, archives, [&](std::string_view piece) {
      streamed += piece;
      ++pieces;
      return true;
    }));
    EXPECT_EQ(streamed, out.str());
    EXPECT_EQ(pieces, 1 + std::max<size_t>(ArchiveLineCount(archives), 1));
    return out.str();
  }

  // Imports every owner of the archive; *reembedded counts the records embedded again.
  Status Import(Engine& e, const std::string& text, int64_t* reembedded = nullptr) {
    ArchiveFormat format;
    if (!IsArchive(text, &format)) return Status::InvalidArgument("not an archive");
    std::istringstream in(text);
    ENGRAM_ASSIGN_OR_RETURN(ParsedArchive p, ReadArchive(in, format));
    for (const OwnerArchive& a : p.owners) {
      ENGRAM_ASSIGN_OR_RETURN(ImportReport r, e.ImportOwner(a, p.header.embedding_model));
      if (reembedded) *reembedded += r.reembedded;
    }
    return Status::Ok();
  }

  void SetUp() override {
    source_ = Fresh();
    if (!source_) {
      if (GetParam().url == "{pg}" && engram::testing::PostgresRequired()) FAIL();
      if (GetParam().name == kRedisSessions && engram::testing::RedisRequired()) FAIL();
      GTEST_SKIP() << "backend not available";
    }
    Fill(*source_);
  }

  engram::testing::TempDir dir_;
  int next_ = 0;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'760'000'000'000);
  std::unique_ptr<Engine> source_;
  bool has_graph_ = false;
};

TEST_P(ArchiveTest, RoundTripIsByteIdentical) {
  const std::string first = Export(*source_);
  EXPECT_EQ(first.find("\"kind\":\"graph_history\"") != std::string::npos, has_graph_);
  EXPECT_NE(first.find("\"deleted_at\":17"), std::string::npos);  // the tombstone travels
  EXPECT_NE(first.find("\"owners\":[\"alice\",\"bob\",\"carol\"]"), std::string::npos);
  EXPECT_NE(first.find("\"channel_value\":5,\"checkpoint\":4,\"checkpoint_write\":2"),
            std::string::npos)
      << first.substr(0, first.find('\n'));
  auto copy = Fresh();
  ASSERT_TRUE(copy);
  ASSERT_TRUE(Import(*copy, first).ok());
  EXPECT_EQ(Export(*copy), first);
  // The copy works like the original: search finds the imported records.
  SearchOptions s;
  s.record_access = false;
  auto hits = copy->Search("alice", "deadline April", s);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().record.text, "The deadline is in April");
  EXPECT_EQ(copy->GetHistory("alice", hits->front().record.id)->size(), 2u);
  // And its checkpoints read back whole, values named by version and writes in order.
  auto tuple = copy->GetCheckpoint("alice", "t1", "");
  ASSERT_TRUE(tuple.ok() && tuple->has_value()) << tuple.status().ToString();
  EXPECT_EQ((*tuple)->checkpoint.checkpoint_id, "1ef02");
  ASSERT_EQ((*tuple)->channel_values.size(), 2u);
  EXPECT_EQ((*tuple)->channel_values[0].value.data.size(), 256u);
  ASSERT_EQ((*tuple)->pending_writes.size(), 2u);
  EXPECT_EQ((*tuple)->pending_writes[0].idx, -3);
  EXPECT_EQ((*tuple)->checkpoint.created_at,
            (*source_->GetCheckpoint("alice", "t1", ""))->checkpoint.created_at);
}

TEST_P(ArchiveTest, YamlRoundTripGivesTheSameArchive) {
  const std::string yaml = Export(*source_, ArchiveFormat::kYaml);
  ArchiveFormat format;
  ASSERT_TRUE(IsArchive(yaml, &format));
  EXPECT_EQ(format, ArchiveFormat::kYaml);
  auto copy = Fresh();
  ASSERT_TRUE(copy);
  Status st = Import(*copy, yaml);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Export(*copy, ArchiveFormat::kYaml), yaml);
  EXPECT_EQ(Export(*copy), Export(*source_));
}

TEST_P(ArchiveTest, DamagedOrNewerArchivesAreRefusedAndNothingIsWritten) {
  std::string text = Export(*source_);
  auto copy = Fresh();
  ASSERT_TRUE(copy);
  std::string damaged = text;
  damaged.replace(damaged.find("light mode"), 5, "LIGHT");
  Status st = Import(*copy, damaged);
  EXPECT_EQ(st.code(), Status::Code::kCorruption) << st.ToString();
  EXPECT_NE(st.message().find("checksum mismatch"), std::string::npos);
  std::string newer = text;
  newer.replace(newer.find("\"schema_version\":2"), 18, "\"schema_version\":9");
  st = Import(*copy, newer);
  EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition) << st.ToString();
  EXPECT_NE(st.message().find("schema version 9"), std::string::npos);
  EXPECT_TRUE(copy->ListAllOwners()->empty());
  // Importing twice: the second is refused before writing anything.
  ASSERT_TRUE(Import(*copy, text).ok());
  st = Import(*copy, text);
  EXPECT_EQ(st.code(), Status::Code::kAlreadyExists) << st.ToString();
  EXPECT_EQ(Export(*copy), text);
}

// Archives written before checkpoint lines existed (schema version 1) still import; one that
// carries a thread the store already has is refused before anything is written.
TEST_P(ArchiveTest, AVersionOneArchiveImportsAndAThreadHeldIsRefused) {
  ArchiveParts parts;
  parts.checkpoints = false;
  auto bob = source_->ExportOwner("bob", parts);
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  ArchiveHeader h;
  h.engram_version = "0.1.0";
  h.schema_version = 1;
  h.owners = {"bob"};
  std::ostringstream out;
  ASSERT_TRUE(WriteArchive(out, ArchiveFormat::kJsonl, h, ArchiveLines({*bob})).ok());
  ASSERT_NE(out.str().find("\"schema_version\":1"), std::string::npos);
  auto copy = Fresh();
  ASSERT_TRUE(copy);
  Status st = Import(*copy, out.str());
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(*copy->ListAllOwners(), std::vector<std::string>{"bob"});

  auto carol = source_->ExportOwner("carol");
  ASSERT_TRUE(carol.ok());
  ASSERT_EQ(carol->checkpoints.size(), 1u);
  NewCheckpoint held;
  held.checkpoint = carol->checkpoints[0];
  held.checkpoint.checkpoint_id = "other";
  ASSERT_TRUE(copy->PutCheckpoint(held).ok());
  auto refused = copy->ImportOwner(*carol, "");
  EXPECT_EQ(refused.status().code(), Status::Code::kAlreadyExists) << refused.status().ToString();
  EXPECT_EQ(copy->ListCheckpoints("carol", {})->size(), 1u);
}

// An import says how far one owner is: each batch embedded again, then the rows written, up to
// every line of the owner's archive.
TEST_P(ArchiveTest, ImportReportsItsProgressWithinAnOwner) {
  auto alice = source_->ExportOwner("alice");
  ASSERT_TRUE(alice.ok());
  auto other = Fresh("another-model");
  ASSERT_TRUE(other);
  std::vector<std::tuple<std::string, size_t, size_t>> calls;
  auto r = other->ImportOwner(*alice, source_->EmbeddingModel(),
                              [&](std::string_view stage, size_t done, size_t total) {
                                calls.emplace_back(std::string(stage), done, total);
                              });
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_GE(calls.size(), 3u);
  EXPECT_EQ(calls.front(), std::make_tuple(std::string("embedding"), size_t{0}, size_t{4}));
  EXPECT_EQ(calls[1], std::make_tuple(std::string("embedding"), size_t{4}, size_t{4}));
  const size_t lines = ArchiveLineCount({*alice});
  EXPECT_EQ(calls.back(), std::make_tuple(std::string("writing"), lines, lines));
  for (size_t i = 3; i < calls.size(); ++i) {
    EXPECT_EQ(std::get<0>(calls[i]), "writing");
    EXPECT_GE(std::get<1>(calls[i]), std::get<1>(calls[i - 1]));
  }
}

TEST_P(ArchiveTest, VectorsAreKeptForTheSameModelAndComputedForAnother) {
  const std::string text = Export(*source_);
  auto same = Fresh();
  ASSERT_TRUE(same);
  int64_t reembedded = 0;
  ASSERT_TRUE(Import(*same, text, &reembedded).ok());
  EXPECT_EQ(reembedded, 0);
  auto other = Fresh("another-model");
  ASSERT_TRUE(other);
  ASSERT_TRUE(Import(*other, text, &reembedded).ok());
  // Every record that carried a vector: the three live ones and the deleted note (a tombstone
  // keeps its vector); the block has none.
  EXPECT_EQ(reembedded, 4);
  EXPECT_NE(Export(*other).find("another-model/64"), std::string::npos);
}

// The memory backends, and SQLite with sessions and checkpoints in Redis.
std::vector<ConformanceBackend> ArchiveBackends() {
  std::vector<ConformanceBackend> all = ConformanceBackends();
  all.push_back({kRedisSessions, "sqlite://{dir}/store.db"});
  return all;
}

INSTANTIATE_TEST_SUITE_P(Backends, ArchiveTest, ::testing::ValuesIn(ArchiveBackends()),
                         BackendName);

}  // namespace
}  // namespace engram::portable
