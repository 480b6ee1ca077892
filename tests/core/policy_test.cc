// Write policy: parsing, TTLs, minimum confidence of extracted candidates, record caps,
// near-duplicate merging, extraction from turns, garbage collection, bulk deletes.
#include <gtest/gtest.h>

#include <fstream>

#include "engram/engine.h"
#include "hashing_embedder.h"
#include "test_util.h"

namespace engram {
namespace {

constexpr Timestamp kDay = 86'400'000;
constexpr Timestamp kStart = 1'790'000'000'000;

TEST(PolicyParseTest, EmptyObjectIsTheDefaultPolicy) {
  Result<Policy> p = ParsePolicy("{}");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_DOUBLE_EQ(p->near_duplicate_similarity, Policy{}.near_duplicate_similarity);
  EXPECT_FALSE(p->For(MemoryType::kEpisode).ttl_ms.has_value());
  EXPECT_TRUE(p->gc_keep_history);
}

TEST(PolicyParseTest, ReadsEveryField) {
  Result<Policy> p = ParsePolicy(R"({
    "types": {"episode": {"ttl_days": 30, "min_confidence": 0.5, "max_records": 100},
              "preference": {"min_confidence": 0.7}},
    "near_duplicate_similarity": 0.9,
    "extract_on_session_append": true,
    "gc": {"session_retention_days": 7, "keep_history": false}})");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p->For(MemoryType::kEpisode).ttl_ms, 30 * kDay);
  EXPECT_DOUBLE_EQ(p->For(MemoryType::kEpisode).min_confidence, 0.5);
  EXPECT_EQ(p->For(MemoryType::kEpisode).max_records, 100u);
  EXPECT_DOUBLE_EQ(p->For(MemoryType::kPreference).min_confidence, 0.7);
  EXPECT_DOUBLE_EQ(p->near_duplicate_similarity, 0.9);
  EXPECT_TRUE(p->extract_on_session_append);
  EXPECT_EQ(*p->session_retention_ms, 7 * kDay);
  EXPECT_FALSE(p->gc_keep_history);
}

TEST(PolicyParseTest, ErrorsNameTheField) {
  struct Case {
    const char* json;
    const char* field;
  };
  for (const Case& c :
       {Case{R"({"types": {"episod": {}}})", "types.episod"},
        Case{R"({"types": {"fact": {"ttl_day": 3}}})", "types.fact.ttl_day"},
        Case{R"({"types": {"fact": {"min_confidence": 2}}})", "types.fact.min_confidence"},
        Case{R"({"types": {"fact": {"max_records": -1}}})", "types.fact.max_records"},
        Case{R"({"near_duplicate": 0.9})", "near_duplicate"},
        Case{R"({"gc": {"keep_history": "yes"}})", "gc.keep_history"}, Case{R"([1, 2])", "object"},
        Case{R"({"types": )", "JSON"}}) {
    Result<Policy> p = ParsePolicy(c.json);
    ASSERT_FALSE(p.ok()) << c.json;
    EXPECT_EQ(p.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.field), std::string::npos) << p.status().message();
  }
}

TEST(PolicyParseTest, LoadsAFileAndReportsAMissingOne) {
  testing::TempDir dir;
  std::ofstream(dir.File("policy.json")) << R"({"types": {"episode": {"ttl_days": 1}}})";
  Result<Policy> p = LoadPolicyFile(dir.File("policy.json"));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p->For(MemoryType::kEpisode).ttl_ms, kDay);
  EXPECT_EQ(LoadPolicyFile(dir.File("none.json")).status().code(), Status::Code::kNotFound);
}

class PolicyTest : public ::testing::Test {
 protected:
  void Open(const std::string& policy_json = "{}") {
    engine_.reset();
    Options o;
    o.path = dir_.File("engram.db");
    o.clock = clock_;
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.durable_commits = false;
    Result<Policy> p = ParsePolicy(policy_json);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    o.policy = *p;
    auto e = Engine::Open(o);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(*e);
  }
  WriteResult Write(const std::string& text, MemoryType type = MemoryType::kFact,
                    const std::string& key = "", const std::string& owner = "u") {
    NewMemory m;
    m.owner_id = owner;
    m.text = text;
    m.type = type;
    m.key = key;
    auto r = engine_->WriteMemories(std::span(&m, 1));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    clock_->Advance(1000);
    return r.ok() ? r->front() : WriteResult{};
  }
  std::vector<std::string> Live(std::optional<MemoryType> type = std::nullopt) {
    ListOptions o;
    o.type = type;
    o.limit = 1000;
    auto page = engine_->ListMemories("u", o);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::vector<std::string> out;
    for (const auto& r : page->items) out.push_back(r.text);
    return out;
  }

  testing::TempDir dir_;
  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kStart);
  std::unique_ptr<Engine> engine_;
};

TEST_F(PolicyTest, TtlOfTheTypeSetsExpiryAndAnExpiredFactIsGone) {
  Open(R"({"types": {"episode": {"ttl_days": 2}}})");
  WriteResult e = Write("Had lunch with Sam at the noodle bar", MemoryType::kEpisode);
  WriteResult f = Write("Sam is the user's manager", MemoryType::kFact);
  ASSERT_TRUE(e.record.expires_at.has_value());
  EXPECT_EQ(*e.record.expires_at, e.record.created_at + 2 * kDay);
  EXPECT_FALSE(f.record.expires_at.has_value());  // facts have no TTL in this policy

  clock_->Advance(3 * kDay);
  EXPECT_EQ(Live(), std::vector<std::string>{"Sam is the user's manager"});
  SearchOptions so;
  so.mode = SearchMode::kLexical;
  auto hits = engine_->Search("u", "lunch noodle bar", so);
  ASSERT_TRUE(hits.ok());
  EXPECT_TRUE(hits->empty());
  EXPECT_EQ(engine_->GetMemory("u", e.record.id).ok(), true);  // still readable by id until gc
}

TEST_F(PolicyTest, AnExplicitExpiryWinsOverTheTtl) {
  Open(R"({"types": {"fact": {"ttl_days": 2}}})");
  NewMemory m;
  m.owner_id = "u";
  m.text = "The trial ends soon";
  m.expires_at = kStart + 10 * kDay;
  auto r = engine_->AddMemory(m);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->expires_at, kStart + 10 * kDay);
}

TEST_F(PolicyTest, RecordCapEvictsTheLeastRecentlyUsed) {
  Open(R"({"types": {"episode": {"max_records": 3}}})");
  Write("episode a went hiking", MemoryType::kEpisode);
  Write("episode b went swimming", MemoryType::kEpisode);
  Write("episode c went climbing", MemoryType::kEpisode);
  // Using a keeps it: b is now the least recently used. (top_k 1: the episodes around a, said
  // moments apart, would come with it as its conversation's context.)
  SearchOptions so;
  so.mode = SearchMode::kLexical;
  so.top_k = 1;
  clock_->Advance(6000);
  ASSERT_TRUE(engine_->Search("u", "hiking", so).ok());  // still buffered when d is written
  Write("a fact is not an episode", MemoryType::kFact);
  Write("episode d went sailing", MemoryType::kEpisode);
  std::vector<std::string> episodes = Live(MemoryType::kEpisode);
  EXPECT_EQ(episodes.size(), 3u);
  EXPECT_EQ(std::count(episodes.begin(), episodes.end(), "episode b went swimming"), 0);
  EXPECT_EQ(std::count(episodes.begin(), episodes.end(), "episode a went hiking"), 1);
  EXPECT_EQ(Live(MemoryType::kFact).size(), 1u);
}

TEST_F(PolicyTest, EvictionIsRecordedInHistory) {
  Open(R"({"types": {"fact": {"max_records": 1}}})");
  WriteResult first = Write("first fact about apples");
  Write("second fact about pears");
  auto history = engine_->GetHistory("u", first.record.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ(history->back().event, HistoryEventType::kDelete);
  EXPECT_EQ(history->back().actor, "policy");
  EXPECT_NE(history->back().reason.find("max_records"), std::string::npos);
  EXPECT_EQ(engine_->GetMemory("u", first.record.id).status().code(), Status::Code::kNotFound);
}

TEST_F(PolicyTest, TheSameClaimInOtherWordsIsMergedIntoTheExistingRecord) {
  Open(R"({"near_duplicate_similarity": 0.7})");
  WriteResult first = Write("The user prefers dark mode", MemoryType::kPreference);
  WriteResult again = Write("user really prefers the dark mode", MemoryType::kPreference);
  EXPECT_EQ(again.event, WriteEvent::kDeduplicated);
  EXPECT_EQ(again.record.id, first.record.id);
  ASSERT_TRUE(again.record.last_verified_at.has_value());
  EXPECT_EQ(Live().size(), 1u);
  auto history = engine_->GetHistory("u", first.record.id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->back().event, HistoryEventType::kVerify);
  EXPECT_NE(history->back().reason.find("in other words"), std::string::npos);
}

TEST_F(PolicyTest, CloseVectorsWithADifferentClaimAreNotMerged) {
  Open(R"({"near_duplicate_similarity": 0.5})");
  Write("The team meeting is on Monday");
  EXPECT_EQ(Write("The team meeting is on Tuesday").event, WriteEvent::kAdded);
  Write("The user is allergic to peanuts");
  EXPECT_EQ(Write("The user is not allergic to peanuts").event, WriteEvent::kAdded);
  Write("Project deadline is March 3");
  EXPECT_EQ(Write("Project deadline is March 5").event, WriteEvent::kAdded);
  Write("The user has a dog named Max");
  EXPECT_EQ(Write("The user has a dog named Rex").event, WriteEvent::kAdded);
  EXPECT_EQ(Live().size(), 8u);
}

TEST_F(PolicyTest, NearDuplicatesNeedTheSameScopeTypeAndKeyAndNeverMergeEpisodes) {
  Open(R"({"near_duplicate_similarity": 0.7})");
  Write("The user prefers dark mode", MemoryType::kPreference);
  EXPECT_EQ(Write("user really prefers the dark mode", MemoryType::kFact).event,
            WriteEvent::kAdded);
  EXPECT_EQ(Write("Went running by the river", MemoryType::kEpisode).event, WriteEvent::kAdded);
  EXPECT_EQ(Write("went running by the river again", MemoryType::kEpisode).event,
            WriteEvent::kAdded);
  NewMemory scoped;
  scoped.owner_id = "u";
  scoped.scope = "project/alpha";
  scoped.type = MemoryType::kPreference;
  scoped.text = "user really prefers the dark mode";
  auto r = engine_->WriteMemories(std::span(&scoped, 1));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->front().event, WriteEvent::kAdded);
}

TEST_F(PolicyTest, NearDuplicatesWithinOneBatchAreOneRecord) {
  Open(R"({"near_duplicate_similarity": 0.7})");
  std::vector<NewMemory> batch(2);
  for (auto& m : batch) m.owner_id.append("u");
  batch[0].text = "The user likes green tea";
  batch[1].text = "user really likes the green tea";
  auto r = engine_->WriteMemories(batch);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)[1].event, WriteEvent::kDeduplicated);
  EXPECT_EQ((*r)[1].record.id, (*r)[0].record.id);
}

TEST_F(PolicyTest, ZeroSimilarityTurnsNearDuplicateMergingOff) {
  Open(R"({"near_duplicate_similarity": 0})");
  Write("The user prefers dark mode", MemoryType::kPreference);
  EXPECT_EQ(Write("user really prefers the dark mode", MemoryType::kPreference).event,
            WriteEvent::kAdded);
}

TEST_F(PolicyTest, ExactDuplicateIsFoundAmongManyRecords) {
  Open();
  WriteResult first = Write("The office is in building 7");
  for (int i = 0; i < 30; ++i) Write("unrelated fact number " + std::to_string(i));
  WriteResult again = Write("the office is in building 7.");
  EXPECT_EQ(again.event, WriteEvent::kDeduplicated);
  EXPECT_EQ(again.record.id, first.record.id);
}

TEST_F(PolicyTest, RememberTurnDiscardsFillerAndKeepsQuestionsInTheSession) {
  Open();
  auto filler = engine_->RememberTurn("u", "global", "s1", Role::kUser, "thanks!");
  ASSERT_TRUE(filler.ok());
  EXPECT_EQ(filler->disposition, Disposition::kDiscard);
  auto question =
      engine_->RememberTurn("u", "global", "s1", Role::kUser, "What time is it in Tokyo?");
  ASSERT_TRUE(question.ok());
  EXPECT_EQ(question->disposition, Disposition::kSessionOnly);
  auto assistant = engine_->RememberTurn("u", "global", "s1", Role::kAssistant,
                                         "Your name is Dana and you live in Paris.");
  ASSERT_TRUE(assistant.ok());
  EXPECT_NE(assistant->disposition, Disposition::kPromote);
  EXPECT_TRUE(Live().empty());
}

TEST_F(PolicyTest, RememberTurnStoresTypedKeyedMemoriesAndSupersedesOnChange) {
  Open();
  auto first = engine_->RememberTurn("u", "global", "s1", Role::kUser,
                                     "My name is Dana and I prefer dark mode.");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->disposition, Disposition::kPromote);
  ASSERT_GE(first->writes.size(), 2u);
  for (const WriteResult& w : first->writes) {
    EXPECT_FALSE(w.record.key.empty());
    EXPECT_EQ(w.record.session_id, "s1");
    EXPECT_EQ(w.record.source, "turn");
  }
  clock_->Advance(kDay);
  auto second =
      engine_->RememberTurn("u", "global", "s2", Role::kUser, "Actually I prefer light mode now.");
  ASSERT_TRUE(second.ok());
  ASSERT_FALSE(second->writes.empty());
  EXPECT_EQ(second->writes.front().event, WriteEvent::kSuperseded);
  ListOptions prefs;
  prefs.type = MemoryType::kPreference;
  auto page = engine_->ListMemories("u", prefs);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);  // the stale preference is not current
  EXPECT_NE(page->items[0].text.find("light"), std::string::npos);
}

// A change said in other words takes the slot of the value it replaces, so one value of that slot
// is current whichever way the next one is said.
TEST_F(PolicyTest, AnIndirectChangeTakesTheSlotItReplaces) {
  Open();
  auto say = [&](const char* text) {
    auto r = engine_->RememberTurn("u", "global", "s1", Role::kUser, text);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    clock_->Advance(kDay);
    return r.ok() ? *r : TurnReport{};
  };
  say("I live in Lisbon.");
  const TurnReport moved = say("We finally moved, Braga is home now.");
  ASSERT_EQ(moved.writes.size(), 1u);
  EXPECT_EQ(moved.writes[0].event, WriteEvent::kSuperseded);
  EXPECT_EQ(moved.writes[0].record.key, "user.location.city");
  say("I live in Coimbra.");
  auto page = engine_->ListMemories("u", ListOptions());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_NE(page->items[0].text.find("Coimbra"), std::string::npos);
}

// A new version of what a memory names replaces it, without a word of change.
TEST_F(PolicyTest, ANewVersionReplacesTheOldOne) {
  Open();
  ASSERT_TRUE(
      engine_
          ->RememberTurn("u", "global", "s1", Role::kUser, "The payments service runs on Java 11.")
          .ok());
  clock_->Advance(kDay);
  auto r = engine_->RememberTurn("u", "global", "s1", Role::kUser,
                                 "Payments is on Java 21 since the upgrade last week.");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto page = engine_->ListMemories("u", ListOptions());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_NE(page->items[0].text.find("Java 21"), std::string::npos);
}

// A rule that types one sentence of a turn does not drop the others that disclose something.
TEST_F(PolicyTest, RememberTurnKeepsTheSentencesNoRuleTyped) {
  Open();
  auto r = engine_->RememberTurn("u", "global", "s1", Role::kUser,
                                 "My name is Dana. Lena runs the mobile team. What time is it?");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> texts;
  for (const WriteResult& w : r->writes) texts.push_back(w.record.text);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_NE(texts[0].find("Dana"), std::string::npos);
  EXPECT_EQ(texts[1], "Lena runs the mobile team.");
}

TEST_F(PolicyTest, RememberTurnSkipsCandidatesBelowThePolicysMinimumConfidence) {
  Open(R"({"types": {"fact": {"min_confidence": 1}, "preference": {"min_confidence": 1},
                     "episode": {"min_confidence": 1}}})");
  auto r = engine_->RememberTurn("u", "global", "", Role::kUser, "My name is Dana.");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->disposition, Disposition::kPromote);
  EXPECT_TRUE(r->writes.empty());
  ASSERT_FALSE(r->skipped.empty());
  EXPECT_NE(r->skipped[0].find("below the policy's minimum"), std::string::npos);
  EXPECT_TRUE(Live().empty());
}

TEST_F(PolicyTest, RememberTurnRejectsInvalidInput) {
  Open();
  EXPECT_EQ(engine_->RememberTurn("u", "global", "", Role::kUser, "bad \xff bytes").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->RememberTurn("", "global", "", Role::kUser, "My name is Dana").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->RememberTurn("u", "bad scope", "", Role::kUser, "hi").status().code(),
            Status::Code::kInvalidArgument);
}

TEST_F(PolicyTest, SessionAppendExtractsWhenThePolicySaysSo) {
  Open(R"({"extract_on_session_append": true})");
  std::vector<SessionItem> items(2);
  items[0].role = Role::kUser;
  items[0].content = "I'm allergic to shellfish.";
  items[1].role = Role::kAssistant;
  items[1].content = "Noted, I will avoid shellfish recipes.";
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", items).ok());
  std::vector<std::string> live = Live();
  ASSERT_EQ(live.size(), 1u);
  EXPECT_NE(live[0].find("shellfish"), std::string::npos);

  Open();  // off by default
  items[0].content = "I'm allergic to penicillin.";
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", items).ok());
  EXPECT_EQ(Live().size(), 1u);
}

TEST_F(PolicyTest, DeleteMemoriesIsAllOrNothing) {
  Open();
  WriteResult a = Write("fact a about apples");
  WriteResult b = Write("fact b about bananas");
  std::vector<std::string> ids = {a.record.id, "01920000-0000-7000-8000-000000000000"};
  EXPECT_EQ(engine_->DeleteMemories("u", ids).status().code(), Status::Code::kNotFound);
  EXPECT_EQ(Live().size(), 2u);
  std::vector<std::string> other_owner = {a.record.id};
  EXPECT_EQ(engine_->DeleteMemories("v", other_owner).status().code(), Status::Code::kNotFound);
  ids = {a.record.id, b.record.id};
  auto n = engine_->DeleteMemories("u", ids, {"test", "cleanup"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2);
  EXPECT_TRUE(Live().empty());
  auto history = engine_->GetHistory("u", b.record.id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->back().event, HistoryEventType::kDelete);
  EXPECT_EQ(history->back().reason, "cleanup");
}

TEST_F(PolicyTest, GcErasesExpiredRecordsAndKeepsHistoryByDefault) {
  Open(R"({"types": {"episode": {"ttl_days": 1}}})");
  WriteResult e = Write("Met Ana for coffee", MemoryType::kEpisode);
  Write("Ana is a colleague");
  clock_->Advance(2 * kDay);
  auto dry = engine_->CollectGarbage(/*dry_run=*/true);
  ASSERT_TRUE(dry.ok());
  EXPECT_EQ(dry->expired_memories, 1);
  EXPECT_TRUE(engine_->GetMemory("u", e.record.id).ok());  // a dry run changes nothing
  auto report = engine_->CollectGarbage();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->expired_memories, 1);
  EXPECT_EQ(report->history_events, 0);
  EXPECT_EQ(engine_->GetMemory("u", e.record.id).status().code(), Status::Code::kNotFound);
  auto history = engine_->GetHistory("u", e.record.id);
  ASSERT_TRUE(history.ok());  // the audit of what was once known stays
  EXPECT_EQ(Live(), std::vector<std::string>{"Ana is a colleague"});
  EXPECT_EQ(engine_->CollectGarbage()->expired_memories, 0);
}

TEST_F(PolicyTest, GcDropsHistoryAndOldSessionItemsWhenConfigured) {
  Open(R"({"types": {"fact": {"ttl_days": 1}},
           "gc": {"keep_history": false, "session_retention_days": 3}})");
  WriteResult f = Write("The door code changes weekly");
  std::vector<SessionItem> old_items(3);
  old_items[0].role = Role::kUser;
  old_items[0].content = "check the weather";
  old_items[1].role = Role::kAssistant;
  old_items[1].tool_calls = R"([{"id": "c1", "type": "function"}])";
  old_items[2].role = Role::kTool;
  old_items[2].tool_call_id = "c1";
  old_items[2].content = "sunny";
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", old_items).ok());
  clock_->Advance(5 * kDay);
  SessionItem recent;
  recent.content = "and tomorrow?";
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", {recent}).ok());
  auto report = engine_->CollectGarbage();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->expired_memories, 1);
  EXPECT_EQ(report->history_events, 1);
  EXPECT_EQ(report->session_items, 3);
  EXPECT_EQ(engine_->GetHistory("u", f.record.id).status().code(), Status::Code::kNotFound);
  auto items = engine_->GetSessionItems("u", "s1");
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(items->front().content, "and tomorrow?");
}

TEST_F(PolicyTest, GcNeverLeavesAToolResultWithoutItsCall) {
  Open(R"({"gc": {"session_retention_days": 1}})");
  SessionItem call;
  call.role = Role::kAssistant;
  call.tool_calls = R"([{"id": "c1"}])";
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", {call}).ok());
  clock_->Advance(2 * kDay);
  SessionItem result;
  result.role = Role::kTool;
  result.tool_call_id = "c1";
  result.content = "42";
  SessionItem next;
  next.content = "thanks, and then?";
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", {result, next}).ok());
  auto report = engine_->CollectGarbage();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->session_items, 2);  // the old call and the result that answered it
  auto items = engine_->GetSessionItems("u", "s1");
  ASSERT_TRUE(items.ok());
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ(items->front().role, Role::kUser);
}

TEST_F(PolicyTest, SessionSummaryIsSetReadAndRedacted) {
  Open();
  auto none = engine_->GetSessionSummary("u", "s1");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto set = engine_->SetSessionSummary(
      "u", "s1", "Planning a trip to Lisbon; my password is hunter2-Secret!");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->text.find("hunter2"), std::string::npos);
  auto got = engine_->GetSessionSummary("u", "s1");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->text, set->text);
  EXPECT_FALSE(engine_->GetSessionSummary("v", "s1")->has_value());  // another owner's session
  EXPECT_EQ(engine_->SetSessionSummary("u", "s1", "").status().code(),
            Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace engram
