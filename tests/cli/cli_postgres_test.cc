// The real `engram` binary on PostgreSQL: `engram migrate`, processes sharing one database, the
// errors of a database that cannot be reached (one line, non-zero exit, `serve` included), and
// `engram copy` between SQLite and PostgreSQL (checkpoints of agent state included).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/run_engram.h"
#include "embed/use_lite/use_lite_embedder.h"
#include "engram/engine.h"
#include "hashing_embedder.h"
#include "pg/postgres_server.h"
#include "test_util.h"

namespace engram {
namespace {

using testing::RunResult;

// An unreachable database: nothing listens on port 1 of loopback.
constexpr const char* kNowhere = "postgresql://postgres@127.0.0.1:1/engram?connect_timeout=2";

class CliPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ENGRAM_REQUIRE_POSTGRES(server);
    url_ = server->NewDatabase();
    ASSERT_FALSE(url_.empty());
    setenv("ENGRAM_EMBEDDER", "none", 1);
  }

  // Runs `engram args...`; gives up (killing it) after timeout_s.
  RunResult Engram(std::vector<std::string> args, int timeout_s = 60) {
    return testing::RunEngram(std::move(args), dir_, "", std::chrono::seconds(timeout_s));
  }

  // Runs `engram args...` and expects it to succeed; returns its standard output.
  std::string Ok(std::vector<std::string> args) {
    RunResult r = Engram(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << " " << args[2] << ": " << r.err;
    return r.out;
  }

  // A SQLite store with two owners: a memory superseded by key, an updated one, a deleted one,
  // a core block and a session; alice's vectors, history and access times come along.
  std::string SeedSqlite() {
    const std::string db = dir_.File("source.db");
    Ok({"--db", db, "add", "--owner", "alice", "--key", "home.city", "alice lives in Oslo"});
    Ok({"--db", db, "add", "--owner", "alice", "--key", "home.city", "alice moved to Bergen"});
    Ok({"--db", db, "add", "--owner", "alice", "--expires-at", "2031-01-01T00:00:00Z", "--meta",
        R"({"b":1,"a":[2,3]})", "the cellar key hangs by the door"});
    const std::string id = nlohmann::json::parse(
        Ok({"--db", db, "--json", "add", "--owner", "bob", "bob drinks green tea"}))["id"];
    Ok({"--db", db, "update", "--owner", "bob", id, "bob drinks black tea"});
    const std::string gone = nlohmann::json::parse(
        Ok({"--db", db, "--json", "add", "--owner", "bob", "bob owns a red bicycle"}))["id"];
    Ok({"--db", db, "delete", "--owner", "bob", gone});
    Ok({"--db", db, "block", "set", "--owner", "bob", "--label", "persona", "a patient tutor"});
    Ok({"--db", db, "session", "add", "--owner", "bob", "--session", "s1", "--role", "user",
        "hello there"});
    return db;
  }

  // Checkpoints of agent state in the SQLite store, written through the engine as a LangGraph
  // saver would: alice's thread with channel values and pending writes, and carol, who has
  // nothing else.
  void SeedCheckpoints(const std::string& db) {
    Options options;
    options.path = db;
    auto engine = Engine::Open(options);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    NewCheckpoint c;
    c.checkpoint.owner_id = "alice";
    c.checkpoint.thread_id = "planner";
    c.checkpoint.checkpoint_id = "1ef01";
    c.checkpoint.checkpoint = {"json", R"({"v":4})"};
    c.checkpoint.channel_versions = {{"messages", "1"}};
    c.channel_values = {{"messages", "1", {"bytes", std::string("\0\x01\xff", 3)}}};
    ASSERT_TRUE((*engine)->PutCheckpoint(c).ok());
    c.checkpoint.checkpoint_id = "1ef02";
    c.checkpoint.parent_checkpoint_id = "1ef01";
    c.checkpoint.checkpoint_ns = "tools";
    ASSERT_TRUE((*engine)->PutCheckpoint(c).ok());
    const NewWrite writes[] = {{"messages", {"json", "[1]"}}, {kErrorChannel, {"json", "{}"}}};
    ASSERT_TRUE((*engine)
                    ->PutCheckpointWrites("alice", "planner", "tools", "1ef02", "t1", "", writes)
                    .ok());
    c.checkpoint.owner_id = "carol";
    ASSERT_TRUE((*engine)->PutCheckpoint(c).ok());
  }

  // The whole store as an archive (header with counts and checksum, then every line).
  std::string Export(const std::string& store) {
    return Ok({"--store", store.find("://") == std::string::npos ? "sqlite://" + store : store,
               "export"});
  }

  testing::TempDir dir_;
  std::string url_;
};

TEST_F(CliPostgresTest, MigrateReportsTheSchemaThenFindsItCurrent) {
  RunResult first = Engram({"--store", url_, "migrate"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("store: schema version"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("migrated from 0"), std::string::npos) << first.out;
  RunResult again = Engram({"--store", url_, "migrate"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("current"), std::string::npos) << again.out;
}

TEST_F(CliPostgresTest, ProcessesShareTheDatabase) {
  RunResult add =
      Engram({"--store", url_, "add", "--owner", "u", "the cellar key hangs by the door"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  RunResult found = Engram(
      {"--store", url_, "--json", "search", "--owner", "u", "--mode", "lexical", "cellar key"});
  ASSERT_EQ(found.exit_code, 0) << found.err;
  EXPECT_NE(found.out.find("the cellar key hangs by the door"), std::string::npos) << found.out;
}

TEST_F(CliPostgresTest, AnUnreachableDatabaseIsOneLineAndANonZeroExit) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--store", kNowhere, "list", "--owner", "u"},
        {"--store", kNowhere, "migrate"},
        {"--store", kNowhere, "serve", "--port", "0", "--insecure-no-auth"}}) {
    RunResult r = Engram(args, 30);
    EXPECT_EQ(r.exit_code, 1) << args[2] << ": " << r.err;
    EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << args[2] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

TEST_F(CliPostgresTest, CopySqliteToPostgresAndBackIsTheSameArchive) {
  const std::string source = SeedSqlite();
  SeedCheckpoints(source);
  RunResult to_pg = Engram({"--json", "copy", "--from", source, "--to", url_});
  ASSERT_EQ(to_pg.exit_code, 0) << to_pg.err;
  const nlohmann::json report = nlohmann::json::parse(to_pg.out);
  EXPECT_TRUE(report["verified"].get<bool>()) << to_pg.out;
  ASSERT_EQ(report["owners"].size(), 3u) << to_pg.out;
  EXPECT_EQ(report["owners"]["alice"]["counts"]["memory"], 3) << to_pg.out;
  EXPECT_EQ(report["owners"]["alice"]["counts"]["checkpoint"], 2) << to_pg.out;
  EXPECT_EQ(report["owners"]["alice"]["counts"]["channel_value"], 2) << to_pg.out;
  EXPECT_EQ(report["owners"]["alice"]["counts"]["checkpoint_write"], 2) << to_pg.out;
  EXPECT_EQ(report["owners"]["carol"]["counts"]["checkpoint"], 1) << to_pg.out;
  EXPECT_EQ(report["owners"]["bob"]["counts"]["session"], 1) << to_pg.out;
  EXPECT_EQ(report["owners"]["bob"]["checksum"], report["owners"]["bob"]["target"]["checksum"]);
  EXPECT_TRUE(to_pg.err.empty()) << "no progress without a terminal: " << to_pg.err;

  const std::string back = dir_.File("back.db");
  RunResult to_sqlite = Engram({"copy", "--from", url_, "--to", back});
  ASSERT_EQ(to_sqlite.exit_code, 0) << to_sqlite.err;
  EXPECT_NE(to_sqlite.out.find("copied 3 owners; counts and checksums equal"), std::string::npos)
      << to_sqlite.out;
  // Everything came back: ids, times, history, supersession, deletion, block, session,
  // checkpoints with their values and writes.
  const std::string original = Export(source);
  EXPECT_EQ(Export(url_), original);
  EXPECT_EQ(Export(back), original);
  EXPECT_NE(original.find("alice moved to Bergen"), std::string::npos);
  EXPECT_NE(original.find("\"kind\":\"checkpoint_write\""), std::string::npos);
}

TEST_F(CliPostgresTest, CopyOneOwner) {
  const std::string source = SeedSqlite();
  RunResult r = Engram({"--json", "copy", "--from", source, "--to", url_, "--owner", "bob"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json report = nlohmann::json::parse(r.out);
  ASSERT_EQ(report["owners"].size(), 1u) << r.out;
  EXPECT_TRUE(report["owners"]["bob"]["verified"].get<bool>()) << r.out;
  const nlohmann::json owners =
      nlohmann::json::parse(Ok({"--store", url_, "--json", "owners"}))["owners"];
  ASSERT_EQ(owners.size(), 1u) << owners.dump();
  EXPECT_EQ(owners[0]["owner_id"], "bob");
}

TEST_F(CliPostgresTest, CopyRefusesATargetHoldingAnOwnerAndWritesNothing) {
  const std::string source = SeedSqlite();
  Ok({"copy", "--from", source, "--to", url_, "--owner", "bob"});
  const std::string before = Export(url_);
  RunResult again = Engram({"copy", "--from", source, "--to", url_});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("the target already holds owner bob"), std::string::npos) << again.err;
  EXPECT_EQ(Export(url_), before) << "alice was written although bob was refused";

  RunResult unknown = Engram({"copy", "--from", source, "--to", url_, "--owner", "carol"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("holds nothing of owner carol"), std::string::npos) << unknown.err;
  RunResult missing = Engram({"copy", "--from", dir_.File("nowhere.db"), "--to", url_});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no SQLite file"), std::string::npos) << missing.err;
  EXPECT_EQ(Export(url_), before);
}

TEST_F(CliPostgresTest, CopyCarriesTheKnowledgeGraphBothWays) {
  const std::string source = SeedSqlite();
  Ok({"--db", source, "graph", "add", "--owner", "alice", "--type", "person", "Alice"});
  Ok({"--db", source, "graph", "add", "--owner", "alice", "--type", "project", "Project Alpha"});
  Ok({"--db", source, "graph", "rel", "--owner", "alice", "Alice", "manages", "Project Alpha"});
  RunResult r = Engram({"--json", "copy", "--from", source, "--to", url_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json report = nlohmann::json::parse(r.out);
  EXPECT_TRUE(report["verified"].get<bool>()) << r.out;
  EXPECT_GE(report["owners"]["alice"]["counts"]["relation"].get<int>(), 1) << r.out;
  const std::string path =
      Ok({"--store", url_, "graph", "path", "--owner", "alice", "Alice", "Project Alpha"});
  EXPECT_NE(path.find("manages"), std::string::npos) << path;
  const std::string back = dir_.File("back.db");
  Ok({"copy", "--from", url_, "--to", back});
  EXPECT_EQ(Export(back), Export(source));
}

// A large owner's vector index, built by one `engram` process, is kept in --index-cache DIR (the
// database's private folder in it) and loaded by the next process as it is, not rebuilt.
TEST_F(CliPostgresTest, IndexCacheKeepsAnOwnersIndexBetweenProcesses) {
  {
    // More memories than the CLI below searches exactly (--approximate-above 100), written in
    // process with vectors tagged as the built-in encoder's, which the CLI then uses.
    Options o;
    o.store = url_;
    o.embedder = std::make_shared<testing::HashingEmbedder>(512, UseLiteEmbedder::kModelId);
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    std::vector<NewMemory> batch;
    for (int i = 0; i <= 400; ++i) {
      NewMemory m;
      m.owner_id = "u";
      m.type = MemoryType::kEpisode;
      m.text = "note " + std::to_string(i) + " about topic" + std::to_string(i % 97);
      batch.push_back(std::move(m));
      if (batch.size() == 100 || i == 400) {
        ASSERT_TRUE((*engine)->AddMemories(batch).ok());
        batch.clear();
      }
    }
  }
  setenv("ENGRAM_EMBEDDER", "use-lite", 1);
  const std::string cache = dir_.File("cache");
  // Hybrid: the encoder's query vector is unrelated to the made-up vectors, so the hits come from
  // the words, but the vector index is searched (so loaded) all the same.
  const std::vector<std::string> search = {
      "--store", url_, "--index-cache", cache,    "--approximate-above", "100", "--json", "search",
      "--owner", "u",  "--mode",        "hybrid", "topic5 note"};
  auto image = [&] {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(cache)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      out.push_back(e.path().string() + "\n" + std::string(std::istreambuf_iterator<char>(in), {}));
    }
    std::sort(out.begin(), out.end());
    return out;
  };
  RunResult first = Engram(search, 600);  // builds the graph and saves it
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::vector<std::string> saved = image();
  ASSERT_EQ(saved.size(), 2u);  // the graph and its records
  EXPECT_NE(saved[0].find(".hnsw\n"), std::string::npos);
  RunResult second = Engram(search, 600);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto ids = [](const std::string& out) {
    std::vector<std::string> v;
    const nlohmann::json parsed = nlohmann::json::parse(out);
    for (const auto& h : parsed["hits"]) v.push_back(h["id"]);
    return v;
  };
  EXPECT_EQ(ids(second.out), ids(first.out));
  EXPECT_EQ(ids(first.out).size(), 10u);
  EXPECT_EQ(image(), saved);  // loaded, not rebuilt
}

}  // namespace
}  // namespace engram
