// Markdown memory files: export, a person's edits of each kind of file, sync (with history actor
// "file"), unchanged files skipped, a dry run changing nothing, and conflicts changing nothing.
#include "portable/memory_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram::portable {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

// Replaces the one occurrence of `from` in the file.
void Edit(const std::string& path, const std::string& from, const std::string& to) {
  std::string text = Read(path);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << path;
  text.replace(at, from.size(), to);
  Write(path, text);
}

class MemoryFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.path = dir_.File("engram.db");
    o.clock = clock_;
    o.embedder = std::make_shared<engram::testing::HashingEmbedder>();
    o.durable_commits = false;
    auto engine = Engine::Open(o);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(*engine);
    NewMemory m;
    m.owner_id = "alice";
    m.text = "My sister lives in Lyon";
    auto fact = engine_->AddMemory(m);
    ASSERT_TRUE(fact.ok());
    fact_ = fact->id;
    m.type = MemoryType::kPreference;
    m.scope = "project/alpha";
    m.text = "Prefers tabs over spaces";
    auto pref = engine_->AddMemory(m);
    ASSERT_TRUE(pref.ok());
    pref_ = pref->id;
    m.type = MemoryType::kEpisode;
    m.scope = "global";
    m.text = "Went hiking in the Alps";
    auto episode = engine_->AddMemory(m);
    ASSERT_TRUE(episode.ok());
    episode_ = episode->id;
    ASSERT_TRUE(engine_->SetBlock("alice", "global", "persona", "You are terse.").ok());
    std::vector<SessionItem> items(1);
    items[0].content = "hello there";
    ASSERT_TRUE(engine_->AddSessionItems("alice", "s1", items).ok());
    std::vector<std::string> files;
    ASSERT_TRUE(ExportMemoryFiles(*engine_, "alice", dir_.File("mem"), &files).ok());
    day_ = dir_.File("mem/memory/2025-10-09.md");
  }

  std::string File(const std::string& name) { return dir_.File("mem/" + name); }

  Status Sync(bool apply, SyncPlan* plan) {
    return SyncMemoryFiles(*engine_, "alice", dir_.File("mem"), apply, plan);
  }

  engram::testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'760'000'000'000);
  std::unique_ptr<Engine> engine_;
  std::string fact_, pref_, episode_, day_;
};

TEST_F(MemoryFilesTest, ExportedFilesHoldEveryKind) {
  const std::string memory = Read(File("MEMORY.md"));
  EXPECT_NE(memory.find("## project/alpha\n\n### preference\n\n- Prefers tabs over spaces <!-- "
                        "engram:" +
                        pref_ + " -->"),
            std::string::npos)
      << memory;
  EXPECT_NE(memory.find("- My sister lives in Lyon <!-- engram:" + fact_), std::string::npos);
  EXPECT_NE(Read(File("SOUL.md")).find("## persona <!-- engram:"), std::string::npos);
  const std::string day = Read(day_);
  EXPECT_NE(day.find("- Went hiking in the Alps <!-- engram:" + episode_), std::string::npos)
      << day;
  EXPECT_NE(day.find("## Session s1"), std::string::npos);
  SyncPlan plan;
  ASSERT_TRUE(Sync(true, &plan).ok());
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_EQ(plan.unchanged.size(), 3u);
}

TEST_F(MemoryFilesTest, EditsOfEachFileAreSynced) {
  Edit(File("MEMORY.md"), "My sister lives in Lyon", "My sister lives in Paris");
  Edit(File("MEMORY.md"), "- Prefers tabs over spaces <!-- engram:" + pref_ + " -->\n", "");
  Edit(File("MEMORY.md"), "### fact\n\n", "### fact\n\n- Drinks green tea\n");
  Edit(File("SOUL.md"), "You are terse.", "You are terse and kind.");
  Edit(day_, "hiking in the Alps", "hiking in the Pyrenees");
  SyncPlan dry;
  ASSERT_TRUE(Sync(false, &dry).ok());
  EXPECT_EQ(dry.steps.size(), 5u);
  EXPECT_EQ(engine_->GetMemory("alice", fact_)->text, "My sister lives in Lyon");  // dry run

  SyncPlan plan;
  Status st = Sync(true, &plan);
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto fact = engine_->GetMemory("alice", fact_);
  EXPECT_EQ(fact->text, "My sister lives in Paris");
  auto history = engine_->GetHistory("alice", fact_);
  EXPECT_EQ(history->back().actor, "file");
  EXPECT_EQ(history->back().reason, "edited MEMORY.md");
  EXPECT_EQ(engine_->GetMemory("alice", pref_).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(engine_->GetHistory("alice", pref_)->back().actor, "file");
  EXPECT_EQ(engine_->GetBlock("alice", "global", "persona")->value, "You are terse and kind.");
  EXPECT_EQ(engine_->GetMemory("alice", episode_)->text, "Went hiking in the Pyrenees");
  ListOptions o;
  o.type = MemoryType::kFact;
  bool added = false;
  auto facts = engine_->ListMemories("alice", o);
  ASSERT_TRUE(facts.ok());
  for (const MemoryRecord& r : facts->items) {
    added |= r.text == "Drinks green tea";
  }
  EXPECT_TRUE(added);
  // The files were written again: the new line now has its id, and a second sync does nothing.
  EXPECT_EQ(Read(File("MEMORY.md")).find("- Drinks green tea\n"), std::string::npos);
  SyncPlan again;
  ASSERT_TRUE(Sync(true, &again).ok());
  EXPECT_TRUE(again.steps.empty());
}

TEST_F(MemoryFilesTest, ConflictsChangeNothing) {
  // The store changes a memory and the block after the export; the person edits both in files.
  MemoryUpdate u;
  u.text = "My sister lives in Berlin";
  clock_->Advance(1000);
  ASSERT_TRUE(engine_->UpdateMemory("alice", fact_, u).ok());
  ASSERT_TRUE(engine_->SetBlock("alice", "global", "persona", "You are verbose.").ok());
  Edit(File("MEMORY.md"), "My sister lives in Lyon", "My sister lives in Paris");
  Edit(File("SOUL.md"), "You are terse.", "You are terse and kind.");
  Edit(day_, "hiking in the Alps", "hiking in the Pyrenees");  // no conflict on its own
  SyncPlan plan;
  Status st = Sync(true, &plan);
  EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition);
  int conflicts = 0;
  for (const SyncStep& s : plan.steps) conflicts += s.action == "conflict";
  EXPECT_EQ(conflicts, 2);
  EXPECT_EQ(engine_->GetMemory("alice", fact_)->text, "My sister lives in Berlin");
  EXPECT_EQ(engine_->GetBlock("alice", "global", "persona")->value, "You are verbose.");
  EXPECT_EQ(engine_->GetMemory("alice", episode_)->text, "Went hiking in the Alps");
  EXPECT_NE(Read(File("MEMORY.md")).find("Paris"), std::string::npos);  // the edit is kept
}

}  // namespace
}  // namespace engram::portable
