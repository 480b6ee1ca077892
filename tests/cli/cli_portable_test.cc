// `engram export`, `import` and `files` end to end: the real binary on database files. Export ->
// import into another database -> export gives the same file; a damaged archive writes nothing;
// a plain memory JSONL still needs --owner; MEMORY.md edited and synced with a dry run first; an
// import killed at any moment leaves nothing or everything.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/run_engram.h"
#include "test_util.h"

namespace engram {
namespace {

using testing::RunResult;

class CliPortableTest : public ::testing::Test {
 protected:
  RunResult Run(const std::string& db, std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", dir_.File(db)});
    return testing::RunEngram(std::move(args), dir_);
  }
  std::string Ok(const std::string& db, std::vector<std::string> args) {
    RunResult r = Run(db, std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  engram::testing::TempDir dir_;
};

TEST_F(CliPortableTest, ExportImportExportIsIdentical) {
  Ok("a.db", {"add", "--owner", "alice", "--key", "ui.theme", "I like dark mode"});
  Ok("a.db", {"add", "--owner", "alice", "--key", "ui.theme", "I like light mode"});
  Ok("a.db", {"block", "set", "--owner", "alice", "--label", "persona", "You are terse."});
  Ok("a.db", {"session", "add", "--owner", "bob", "--session", "s", "--role", "user", "hi"});
  for (const char* format : {"jsonl", "yaml"}) {
    const std::string first = dir_.File(std::string("first.") + format);
    const std::string db = std::string("b-") + format + ".db";
    Ok("a.db", {"export", "--format", format, "-o", first});
    const std::string report = Ok(db, {"import", first});
    EXPECT_NE(report.find("imported owner alice: 3 memories"), std::string::npos) << report;
    Ok(db, {"export", "--format", format, "-o", dir_.File("second")});
    EXPECT_EQ(testing::ReadFile(dir_.File("second")), testing::ReadFile(first)) << format;
  }
  // An unknown part is named, with the known ones (the same parser as the REST route's).
  RunResult unknown = Run("a.db", {"export", "--include", "memories,notes"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("--include: unknown part 'notes' (memories, history, sessions, "
                             "blocks, graph, vectors, checkpoints)"),
            std::string::npos)
      << unknown.err;
  // A damaged archive: refused by its checksum, nothing written.
  std::string text = testing::ReadFile(dir_.File("first.jsonl"));
  text.replace(text.find("light"), 5, "LIGHT");
  std::ofstream(dir_.File("damaged.jsonl")) << text;
  RunResult bad = Run("c.db", {"import", dir_.File("damaged.jsonl")});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("checksum mismatch"), std::string::npos) << bad.err;
  EXPECT_EQ(Ok("c.db", {"export"}).find("\"kind\""), std::string::npos);
  // A file of plain memories is still imported through the write rules, and needs an owner.
  std::ofstream(dir_.File("plain.jsonl")) << "{\"text\": \"I live in Lyon\"}\n";
  RunResult no_owner = Run("c.db", {"import", dir_.File("plain.jsonl")});
  EXPECT_NE(no_owner.err.find("--owner is required"), std::string::npos) << no_owner.err;
  EXPECT_EQ(Ok("c.db", {"import", "--owner", "u", dir_.File("plain.jsonl")}),
            "imported 1 memories\n");
}

// Runs `engram --db DB args` with a terminal (a pseudo-terminal through util-linux `script`) and
// returns everything the terminal received.
std::string OnATerminal(const std::string& db, const std::string& args) {
  const std::string command = "script -qec '" + std::string(ENGRAM_BINARY) + " --db " + db + " " +
                              args + "' /dev/null 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  if (!pipe) return "";
  std::string seen;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) seen.append(buf, n);
  EXPECT_EQ(pclose(pipe), 0) << command << ": " << seen;
  return seen;
}

// Progress is drawn on a terminal (export: reading owners, then writing lines; import: owners,
// then each owner's stages), never with --json, and never where output is not a terminal (every
// other test here reads stderr from a file and finds it empty).
TEST_F(CliPortableTest, ProgressIsDrawnOnATerminalOnly) {
  Ok("a.db", {"add", "--owner", "alice", "I like dark mode"});
  const std::string exported =
      OnATerminal(dir_.File("a.db"), "export -o " + dir_.File("out.jsonl"));
  EXPECT_NE(exported.find("reading owner"), std::string::npos) << exported;
  EXPECT_NE(exported.find("writing line"), std::string::npos) << exported;
  const std::string imported = OnATerminal(dir_.File("b.db"), "import " + dir_.File("out.jsonl"));
  EXPECT_NE(imported.find("importing owner"), std::string::npos) << imported;
  EXPECT_NE(imported.find("imported owner alice"), std::string::npos) << imported;
  const std::string quiet =
      OnATerminal(dir_.File("a.db"), "--json export -o " + dir_.File("out2.jsonl"));
  EXPECT_EQ(quiet.find("reading owner"), std::string::npos) << quiet;
  EXPECT_EQ(quiet.find("writing line"), std::string::npos) << quiet;
  RunResult to_file = Run("a.db", {"export", "-o", dir_.File("out3.jsonl")});
  EXPECT_EQ(to_file.exit_code, 0);
  EXPECT_TRUE(to_file.err.empty()) << to_file.err;
}

TEST_F(CliPortableTest, FilesExportEditSync) {
  Ok("a.db", {"add", "--owner", "alice", "My sister lives in Lyon"});
  Ok("a.db", {"files", "export", "--owner", "alice", dir_.File("md")});
  std::string memory = testing::ReadFile(dir_.File("md/MEMORY.md"));
  memory.replace(memory.find("Lyon"), 4, "Paris");
  std::ofstream(dir_.File("md/MEMORY.md")) << memory;
  const std::string plan =
      Ok("a.db", {"files", "sync", "--owner", "alice", "--dry-run", dir_.File("md")});
  EXPECT_NE(plan.find("update  MEMORY.md"), std::string::npos) << plan;
  EXPECT_NE(plan.find("dry run"), std::string::npos);
  EXPECT_NE(Ok("a.db", {"list", "--owner", "alice"}).find("Lyon"), std::string::npos);
  Ok("a.db", {"files", "sync", "--owner", "alice", dir_.File("md")});
  const std::string listed = Ok("a.db", {"list", "--owner", "alice"});
  EXPECT_NE(listed.find("Paris"), std::string::npos) << listed;
  EXPECT_NE(
      Ok("a.db", {"files", "sync", "--owner", "alice", dir_.File("md")}).find("nothing to sync"),
      std::string::npos);
}

// Without an embedder (ENGRAM_EMBEDDER=none while the test runs): each run starts in
// milliseconds instead of loading the model.
class CliImportKillTest : public CliPortableTest {
 protected:
  void SetUp() override {
    if (const char* v = getenv("ENGRAM_EMBEDDER")) saved_ = v;
    setenv("ENGRAM_EMBEDDER", "none", 1);
  }
  void TearDown() override {
    if (saved_) {
      setenv("ENGRAM_EMBEDDER", saved_->c_str(), 1);
    } else {
      unsetenv("ENGRAM_EMBEDDER");
    }
  }
  std::optional<std::string> saved_;
};

// docs/cli.md: an import is one transaction. `kill -9` at moments spread over an import's run
// (timed by a complete run first) leaves each owner with nothing or with every line; never part.
// The long version with random moments is bench/server/crash_bench.py.
TEST_F(CliImportKillTest, AnImportKilledAtAnyMomentLeavesNothingOrEverything) {
  constexpr int kLines = 600;
  {
    std::ofstream file(dir_.File("facts.jsonl"));
    for (int i = 0; i < kLines; ++i) {
      file << nlohmann::json{{"text", "fact number " + std::to_string(i) + " holds"},
                             {"key", "fact." + std::to_string(i)}}
                  .dump()
           << "\n";
    }
  }
  auto count = [&](const std::string& owner) {
    const std::string out = Ok("a.db", {"--json", "list", "--owner", owner, "--limit", "1000"});
    return nlohmann::json::parse(out)["items"].size();
  };
  const auto start = std::chrono::steady_clock::now();
  Ok("a.db", {"import", "--owner", "complete", dir_.File("facts.jsonl")});
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  ASSERT_EQ(count("complete"), size_t{kLines});
  for (int tenth : {1, 3, 5, 7, 9}) {
    const std::string owner = "killed" + std::to_string(tenth);
    testing::RunEngram(
        {"--db", dir_.File("a.db"), "import", "--owner", owner, dir_.File("facts.jsonl")}, dir_, "",
        took * tenth / 10);
    const size_t stored = count(owner);
    EXPECT_TRUE(stored == 0 || stored == size_t{kLines})
        << owner << ": " << stored << " of " << kLines << " lines stored";
  }
}

}  // namespace
}  // namespace engram
