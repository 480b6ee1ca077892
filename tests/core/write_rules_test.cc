// Engine write rules: exact duplicates are merged, keys supersede, old observations stay history.
#include <gtest/gtest.h>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram {
namespace {

constexpr Timestamp kDay = 86'400'000;

class WriteRulesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Options o;
    o.path = dir_.File("engram.db");
    o.clock = clock_;
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.durable_commits = false;
    engine_ = std::move(*Engine::Open(o));
  }
  WriteResult Write(NewMemory m) {
    if (m.owner_id.empty()) m.owner_id = "u";
    auto r = engine_->WriteMemories(std::span(&m, 1));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    clock_->Advance(1000);
    return r.ok() ? r->front() : WriteResult{};
  }
  static NewMemory Text(std::string text, std::string key = "", MemoryType type = MemoryType::kFact,
                        std::string scope = "global") {
    NewMemory m;
    m.text = std::move(text);
    m.key = std::move(key);
    m.type = type;
    m.scope = std::move(scope);
    return m;
  }
  std::vector<std::string> Current(const std::string& scope = "") {
    ListOptions o;
    if (!scope.empty()) o.scope = scope;
    std::vector<std::string> out;
    auto page = engine_->ListMemories("u", o);
    for (const auto& r : page->items) out.push_back(r.text);
    return out;
  }

  testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(1'790'000'000'000);
  std::unique_ptr<Engine> engine_;
};

TEST_F(WriteRulesTest, TheSameFactSaidThreeTimesIsOneMemory) {
  WriteResult first = Write(Text("Dana is allergic to peanuts."));
  EXPECT_EQ(first.event, WriteEvent::kAdded);
  NewMemory again = Text("dana is allergic to   peanuts");
  again.confidence = 0.5;
  WriteResult second = Write(again);
  WriteResult third = Write(Text("Dana is allergic to peanuts!"));
  EXPECT_EQ(second.event, WriteEvent::kDeduplicated);
  EXPECT_EQ(third.event, WriteEvent::kDeduplicated);
  EXPECT_EQ(third.record.id, first.record.id);
  EXPECT_EQ(Current().size(), 1u);
  auto got = engine_->GetMemory("u", first.record.id);
  EXPECT_EQ(got->last_verified_at, clock_->Now() - 1000);
  EXPECT_DOUBLE_EQ(got->confidence, 1.0);  // re-verification never lowers confidence
  auto history = engine_->GetHistory("u", first.record.id);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[1].event, HistoryEventType::kVerify);
  EXPECT_EQ((*history)[2].event, HistoryEventType::kVerify);
}

TEST_F(WriteRulesTest, DuplicatesAreScopedTypedAndOwned) {
  Write(Text("uses tabs", "", MemoryType::kPreference, "project/a"));
  EXPECT_EQ(Write(Text("uses tabs", "", MemoryType::kPreference, "project/b")).event,
            WriteEvent::kAdded);
  EXPECT_EQ(Write(Text("uses tabs", "", MemoryType::kFact, "project/a")).event, WriteEvent::kAdded);
  NewMemory other = Text("uses tabs", "", MemoryType::kPreference, "project/a");
  other.owner_id = "someone-else";
  EXPECT_EQ(Write(other).event, WriteEvent::kAdded);
}

TEST_F(WriteRulesTest, EpisodesAreNeverMerged) {
  Write(Text("Went for a run", "", MemoryType::kEpisode));
  EXPECT_EQ(Write(Text("Went for a run", "", MemoryType::kEpisode)).event, WriteEvent::kAdded);
  EXPECT_EQ(Current().size(), 2u);
}

TEST_F(WriteRulesTest, AChangedPreferenceSupersedesTheStaleOne) {
  WriteResult light = Write(Text("Prefers light mode", "ui.theme", MemoryType::kPreference));
  WriteResult dark = Write(Text("Prefers dark mode", "ui.theme", MemoryType::kPreference));
  EXPECT_EQ(dark.event, WriteEvent::kSuperseded);
  EXPECT_EQ(dark.superseded_ids, std::vector<std::string>{light.record.id});
  EXPECT_EQ(Current(), std::vector<std::string>{"Prefers dark mode"});
  auto old = engine_->GetMemory("u", light.record.id);
  EXPECT_EQ(old->superseded_by, dark.record.id);
  EXPECT_EQ(old->valid_to, dark.record.created_at);
  EXPECT_EQ(engine_->GetHistory("u", light.record.id)->back().event, HistoryEventType::kSupersede);
  // The stale value never comes back as current, not even from search.
  auto hits = engine_->Search("u", "light mode theme", {});
  for (const auto& h : *hits) EXPECT_NE(h.record.id, light.record.id);
  ListOptions all;
  all.include_superseded = true;
  EXPECT_EQ(engine_->ListMemories("u", all)->items.size(), 2u);
}

TEST_F(WriteRulesTest, SameValueUnderTheSameKeyIsADuplicate) {
  WriteResult first = Write(Text("Lives in Lisbon", "user.city"));
  WriteResult again = Write(Text("lives in lisbon", "user.city"));
  EXPECT_EQ(again.event, WriteEvent::kDeduplicated);
  EXPECT_EQ(again.record.id, first.record.id);
}

TEST_F(WriteRulesTest, KeysSupersedeOnlyWithinTheirScope) {
  Write(Text("Deploys with Helm", "deploy.tool", MemoryType::kFact, "project/a"));
  Write(Text("Deploys with Terraform", "deploy.tool", MemoryType::kFact, "project/b"));
  EXPECT_EQ(Current("project/a"), std::vector<std::string>{"Deploys with Helm"});
  EXPECT_EQ(Current("project/b"), std::vector<std::string>{"Deploys with Terraform"});
}

TEST_F(WriteRulesTest, AnOlderObservationIsStoredAsHistory) {
  NewMemory now_city = Text("Lives in Berlin", "user.city");
  now_city.observed_at = clock_->Now() - 10 * kDay;
  WriteResult berlin = Write(now_city);
  NewMemory old_city = Text("Lives in Paris", "user.city");
  old_city.observed_at = clock_->Now() - 400 * kDay;  // a replayed old conversation
  WriteResult paris = Write(old_city);
  EXPECT_EQ(paris.event, WriteEvent::kAdded);
  EXPECT_EQ(paris.record.superseded_by, berlin.record.id);
  EXPECT_EQ(Current(), std::vector<std::string>{"Lives in Berlin"});
}

TEST_F(WriteRulesTest, ABatchAppliesItsRulesInOrder) {
  std::vector<NewMemory> batch = {Text("Team lead is Ana", "team.lead"),
                                  Text("Team lead is Bo", "team.lead"),
                                  Text("Team lead is Bo", "team.lead")};
  for (auto& m : batch) m.owner_id = "u";
  auto results = engine_->WriteMemories(batch);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  EXPECT_EQ((*results)[0].event, WriteEvent::kAdded);
  EXPECT_EQ((*results)[1].event, WriteEvent::kSuperseded);
  EXPECT_EQ((*results)[2].event, WriteEvent::kDeduplicated);
  EXPECT_EQ(Current(), std::vector<std::string>{"Team lead is Bo"});
}

TEST_F(WriteRulesTest, AsOfAndValidAtAnswerWhatWasBelievedAndWhatWasTrue) {
  const Timestamp t0 = clock_->Now();
  WriteResult paris = Write(Text("Lives in Paris", "user.city"));
  clock_->Advance(10 * kDay);
  const Timestamp t1 = clock_->Now();
  WriteResult berlin = Write(Text("Lives in Berlin", "user.city"));
  clock_->Advance(10 * kDay);
  WriteResult note = Write(Text("Owns a bicycle"));
  ASSERT_TRUE(engine_->DeleteMemory("u", note.record.id).ok());
  MemoryUpdate u;
  u.text = "Lives in Berlin-Mitte";
  ASSERT_TRUE(engine_->UpdateMemory("u", berlin.record.id, u).ok());

  auto texts = [&](ListOptions o) {
    std::vector<std::string> out;
    auto page = engine_->ListMemories("u", o);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    for (const auto& r : page->items) out.push_back(r.text);
    return out;
  };
  ListOptions o;
  o.as_of = t0 + 500;  // after Paris was stored, before Berlin
  EXPECT_EQ(texts(o), std::vector<std::string>{"Lives in Paris"});
  o.as_of = t1 + 5 * kDay;  // Berlin had superseded Paris; the bicycle was not known yet
  EXPECT_EQ(texts(o), std::vector<std::string>{"Lives in Berlin"});
  o.as_of = clock_->Now();  // now: the updated text; the bicycle was deleted
  EXPECT_EQ(texts(o), std::vector<std::string>{"Lives in Berlin-Mitte"});
  o.as_of = t0 - 1;
  EXPECT_TRUE(texts(o).empty());
  o.cursor = "abc";
  EXPECT_TRUE(engine_->ListMemories("u", o).status().IsInvalidArgument());

  ListOptions v;
  v.valid_at = t0 + 5 * kDay;  // Paris was true then, although it is superseded now
  EXPECT_EQ(texts(v), std::vector<std::string>{"Lives in Paris"});
  v.valid_at = clock_->Now();
  EXPECT_EQ(texts(v), std::vector<std::string>{"Lives in Berlin-Mitte"});

  SearchOptions so;
  so.valid_at = t0 + 5 * kDay;
  auto hits = engine_->Search("u", "where does the user live", so);
  ASSERT_TRUE(hits.ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ(hits->front().record.id, paris.record.id);
  for (const auto& h : *hits) EXPECT_NE(h.record.id, berlin.record.id);
}

}  // namespace
}  // namespace engram
