// `engram graph` end to end: the real binary, one process per call on one SQLite file or one
// PostgreSQL database. The seed example of issue 15: Alice works in Fintech, prefers Dark Mode,
// uses Python and manages Project Alpha, whose deadline is March 2026; what do we know about
// Alice, and which deadlines concern the projects she manages (two hops).
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/run_engram.h"
#include "pg/postgres_server.h"
#include "test_util.h"

namespace engram {
namespace {

using nlohmann::json;
using testing::RunResult;

class CliGraphTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      ENGRAM_REQUIRE_POSTGRES(server);
      store_ = server->NewDatabase();
    } else {
      store_ = "sqlite://" + dir_.File("engram.db");
    }
  }

  RunResult Graph(std::vector<std::string> args, bool as_json = false) {
    args.insert(args.begin(), {"--store", store_});
    if (as_json) args.insert(args.begin(), "--json");
    args.insert(args.begin() + (as_json ? 3 : 2), "graph");
    return testing::RunEngram(std::move(args), dir_);
  }

  // Runs a command that must succeed; returns its standard output.
  std::string Ok(std::vector<std::string> args) {
    RunResult r = Graph(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  void Seed() {
    const std::vector<std::pair<std::string, std::string>> entities = {
        {"Alice", "person"},    {"Fintech", "domain"},        {"Dark Mode", "setting"},
        {"Python", "language"}, {"Project Alpha", "project"}, {"March 2026", "date"}};
    for (const auto& [name, type] : entities) {
      EXPECT_NE(Ok({"add", "--owner", "u", "--type", type, name}).find("added: " + name),
                std::string::npos);
    }
    Ok({"rel", "--owner", "u", "Alice", "works_in", "Fintech"});
    Ok({"rel", "--owner", "u", "Alice", "prefers", "Dark Mode"});
    Ok({"rel", "--owner", "u", "Alice", "uses", "Python"});
    Ok({"rel", "--owner", "u", "Alice", "manages", "Project Alpha"});
    Ok({"rel", "--owner", "u", "Project Alpha", "deadline", "March 2026"});
  }

  engram::testing::TempDir dir_;
  std::string store_;
};

TEST_P(CliGraphTest, WhatDoWeKnowAboutAlice) {
  Seed();
  Ok({"observe", "--owner", "u", "alice", "Prefers concise answers"});
  const std::string shown = Ok({"show", "--owner", "u", "Alice"});
  for (const char* line :
       {"Alice (person)", "  - Prefers concise answers", "  -works_in-> Fintech",
        "  -prefers-> Dark Mode", "  -uses-> Python", "  -manages-> Project Alpha"}) {
    EXPECT_NE(shown.find(line), std::string::npos) << line << " not in:\n" << shown;
  }
  EXPECT_EQ(shown.find("March 2026"), std::string::npos) << shown;  // two hops away
}

TEST_P(CliGraphTest, WhichDeadlinesConcernProjectsAliceManages) {
  Seed();
  const std::string two_hops =
      Ok({"neighbors", "--owner", "u", "Alice", "--depth", "2", "--direction", "out", "--rel",
          "manages", "--rel", "deadline", "--type", "date"});
  EXPECT_EQ(two_hops, "2  March 2026 (date)  via Project Alpha -deadline-> March 2026 from " +
                          two_hops.substr(two_hops.find(" from ") + 6));
  RunResult j = Graph({"neighbors", "--owner", "u", "Alice", "--depth", "2", "--direction", "out",
                       "--rel", "manages", "--rel", "deadline", "--type", "date"},
                      /*as_json=*/true);
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json n = json::parse(j.out);
  ASSERT_EQ(n["neighbors"].size(), 1u);
  EXPECT_EQ(n["neighbors"][0]["entity"]["name"], "March 2026");
  EXPECT_EQ(n["neighbors"][0]["depth"], 2);
  EXPECT_EQ(n["neighbors"][0]["via"]["from"], "Project Alpha");
  EXPECT_EQ(n["relations"].size(), 2u);

  EXPECT_EQ(Ok({"path", "--owner", "u", "Alice", "march 2026"}),
            "Alice -manages-> Project Alpha -deadline-> March 2026\n");
  EXPECT_EQ(Ok({"path", "--owner", "u", "Python", "Dark Mode"}),
            "Python <-uses- Alice -prefers-> Dark Mode\n");
}

TEST_P(CliGraphTest, ANewEmployerEndsTheOldOneAndUnknownNamesAreRefused) {
  Seed();
  RunResult unknown = Graph({"rel", "--owner", "u", "Alice", "works_in", "Healthcare"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("no entity named 'Healthcare'"), std::string::npos) << unknown.err;
  Ok({"add", "--owner", "u", "--type", "domain", "Healthcare"});
  const std::string moved = Ok({"rel", "--owner", "u", "Alice", "works_in", "Healthcare"});
  EXPECT_NE(moved.find("ended: Alice -works_in-> Fintech"), std::string::npos) << moved;
  const std::string now = Ok({"neighbors", "--owner", "u", "Alice", "--rel", "works_in"});
  EXPECT_NE(now.find("Healthcare"), std::string::npos);
  EXPECT_EQ(now.find("Fintech"), std::string::npos);
  const std::string all =
      Ok({"neighbors", "--owner", "u", "Alice", "--rel", "works_in", "--all-times"});
  EXPECT_NE(all.find("Fintech"), std::string::npos);
  EXPECT_EQ(Graph({"neighbors", "--owner", "u", "Alice", "--depth", "9"}).exit_code, 1);
}

TEST_P(CliGraphTest, ForgettingAliceRemovesHerEdges) {
  Seed();
  EXPECT_EQ(Ok({"forget", "--owner", "u", "Alice"}),
            "deleted 1 entities, 4 relations, 0 observations\n");
  EXPECT_EQ(Graph({"show", "--owner", "u", "Alice"}).exit_code, 1);
  EXPECT_EQ(Ok({"neighbors", "--owner", "u", "Python"}), "(no neighbours)\n");
  // Another owner never saw any of it.
  EXPECT_EQ(Graph({"show", "--owner", "v", "Python"}).exit_code, 1);
}

// A file of the official memory server (MEMORY_FILE_PATH) comes in and goes out unchanged.
TEST_P(CliGraphTest, ImportsAndExportsTheMemoryServersJsonl) {
  const std::string file =
      R"({"type":"entity","name":"Alice","entityType":"person","observations":["prefers Dark Mode"]})"
      "\n"
      R"({"type":"entity","name":"Project Alpha","entityType":"project","observations":[]})"
      "\n"
      R"({"type":"relation","from":"Alice","to":"Project Alpha","relationType":"manages"})"
      "\n";
  RunResult in =
      testing::RunEngram({"--store", store_, "graph", "import", "--owner", "u", "-"}, dir_, file);
  ASSERT_EQ(in.exit_code, 0) << in.err;
  EXPECT_EQ(in.out, "imported 2 new entities and 1 new relations\n");
  EXPECT_EQ(Ok({"export", "--owner", "u"}), file);
  EXPECT_NE(Ok({"show", "--owner", "u", "Alice"}).find("-manages-> Project Alpha"),
            std::string::npos);

  RunResult bad =
      testing::RunEngram({"--store", store_, "graph", "import", "--owner", "v", "-"}, dir_,
                         R"({"type":"entity","name":"Bob","entityType":"person","observations":[]})"
                         "\n"
                         R"({"type":"relation","from":"Bob","to":"Nobody","relationType":"knows"})"
                         "\n{oops\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("line 3"), std::string::npos) << bad.err;
  RunResult dangling =
      testing::RunEngram({"--store", store_, "graph", "import", "--owner", "v", "-"}, dir_,
                         R"({"type":"relation","from":"Bob","to":"Nobody","relationType":"knows"})"
                         "\n");
  EXPECT_EQ(dangling.exit_code, 1);
  EXPECT_NE(dangling.err.find("no entity named 'Bob'"), std::string::npos) << dangling.err;
  EXPECT_EQ(Ok({"export", "--owner", "v"}), "");  // nothing was written
}

// A file of 1,500 entities and 1,500 relations is one import; one bad line at its end, after
// more than a thousand good ones, writes nothing.
TEST_P(CliGraphTest, ImportsABigFileWholeOrNotAtAll) {
  std::string file, bad;
  for (int i = 0; i < 1500; ++i) {
    file += R"({"type":"entity","name":"E)" + std::to_string(i) +
            R"(","entityType":"thing","observations":["number )" + std::to_string(i) + "\"]}\n";
  }
  for (int i = 0; i < 1500; ++i) {
    file += R"({"type":"relation","from":"E)" + std::to_string(i) + R"(","to":"E)" +
            std::to_string((i + 1) % 1500) + R"(","relationType":"next"})" + "\n";
  }
  bad = file + R"({"type":"relation","from":"E1","to":"Nobody","relationType":"next"})" + "\n";
  RunResult failed =
      testing::RunEngram({"--store", store_, "graph", "import", "--owner", "u", "-"}, dir_, bad);
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("relation 1500: no entity named 'Nobody'"), std::string::npos)
      << failed.err;
  EXPECT_EQ(Ok({"export", "--owner", "u"}), "");

  RunResult in = testing::RunEngram(
      {"--store", store_, "import", "--from", "mcp", "--owner", "u", "-"}, dir_, file);
  ASSERT_EQ(in.exit_code, 0) << in.err;
  const std::string out = Ok({"export", "--owner", "u"});
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3000);
  EXPECT_NE(Ok({"path", "--owner", "u", "--direction", "out", "E1498", "E1"})
                .find("E1498 -next-> E1499 -next-> E0 -next-> E1"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, CliGraphTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace engram
