// ExtractCandidates, ResolveConflicts and Summarize against scripted model answers: what they
// send, what they make of good answers, and how they fail on bad ones.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm/conflicts.h"
#include "llm/extraction.h"
#include "llm/json_schema.h"
#include "llm/summary.h"
#include "scripted_client.h"
#include "util/time.h"

namespace engram::llm {
namespace {

using nlohmann::json;
using testing::ScriptedClient;

Timestamp At(const char* iso) {
  return *util::ParseTimestamp(iso);
}

json UserPayload(const CompletionRequest& request) {
  return json::parse(request.messages.at(0).text);
}

// ---- ExtractCandidates ----

TEST(ExtractCandidatesTest, TurnsGoOutAsJsonAndGoodAnswersBecomeCandidates) {
  ScriptedClient client;
  client.Answer(R"({"memories": [
      {"type": "fact", "key": "user.name", "text": "The user's name is Dana.",
       "confidence": 0.95, "value": "Dana", "valid_from": null, "triples": []},
      {"type": "preference", "key": "Pref.UI.Theme", "text": "The user prefers dark mode.",
       "confidence": 0.9, "value": "dark", "valid_from": null, "triples": []},
      {"type": "fact", "key": "user.location.city", "text": "The user lives in Berlin.",
       "confidence": 0.8, "value": "Berlin", "valid_from": "2021-01-01", "triples": []}]})");
  CallBudget budget;
  const Turn turns[] = {
      {Role::kUser, "My name is Dana and I prefer dark mode.", At("2026-11-20T10:00:00Z")},
      {Role::kAssistant, "Noted, Dana!", At("2026-11-20T10:00:01Z")},
      {Role::kUser, "I moved to Berlin in 2021.", At("2026-11-20T10:01:00Z")}};
  auto candidates = ExtractCandidates(client, budget, turns, At("2026-11-20T10:02:00Z"));
  ASSERT_TRUE(candidates.ok()) << candidates.status().ToString();
  ASSERT_EQ(candidates->size(), 3u);
  const hygiene::Candidate& name = (*candidates)[0];
  EXPECT_EQ(name.type, MemoryType::kFact);
  EXPECT_EQ(name.key, "user.name");
  EXPECT_EQ(name.text, "The user's name is Dana.");
  EXPECT_DOUBLE_EQ(name.confidence, 0.95);
  EXPECT_EQ(json::parse(name.data), json({{"value", "Dana"}}));
  EXPECT_FALSE(name.valid_from);
  EXPECT_EQ((*candidates)[1].type, MemoryType::kPreference);
  EXPECT_EQ((*candidates)[1].key, "pref.ui.theme");  // lower-cased
  EXPECT_EQ((*candidates)[2].valid_from, At("2021-01-01"));
  EXPECT_EQ(budget.used(), 1);

  ASSERT_EQ(client.requests().size(), 1u);
  const CompletionRequest& request = client.requests()[0];
  EXPECT_EQ(request.schema_name, "memories");
  EXPECT_EQ(request.json_schema, ExtractionSchema());
  EXPECT_EQ(request.temperature, 0);
  EXPECT_NE(request.system.find("pref.ui.theme"), std::string::npos);  // the shared vocabulary
  const json payload = UserPayload(request);
  EXPECT_EQ(payload["now"], "2026-11-20T10:02:00.000Z");
  ASSERT_EQ(payload["turns"].size(), 3u);
  EXPECT_EQ(payload["turns"][1], json({{"role", "assistant"},
                                       {"observed_at", "2026-11-20T10:00:01.000Z"},
                                       {"text", "Noted, Dana!"}}));
}

TEST(ExtractCandidatesTest, NoUserTextMeansNoCall) {
  ScriptedClient client;
  CallBudget budget;
  const Turn turns[] = {{Role::kAssistant, "How can I help?", 0}, {Role::kUser, "", 0}};
  auto candidates = ExtractCandidates(client, budget, turns, 0);
  ASSERT_TRUE(candidates.ok());
  EXPECT_TRUE(candidates->empty());
  EXPECT_TRUE(client.requests().empty());
  EXPECT_EQ(budget.used(), 0);
}

TEST(ExtractCandidatesTest, AnEmptyListIsNoCandidates) {
  ScriptedClient client;
  client.Answer(R"({"memories": []})");
  CallBudget budget;
  const Turn turns[] = {{Role::kUser, "What time is it?", 0}};
  auto candidates = ExtractCandidates(client, budget, turns, 0);
  ASSERT_TRUE(candidates.ok());
  EXPECT_TRUE(candidates->empty());
}

TEST(ExtractCandidatesTest, ALaterStatementOfAKeyWins) {
  ScriptedClient client;
  client.Answer(R"({"memories": [
      {"type": "fact", "key": "user.location.city", "text": "The user lives in Paris.",
       "confidence": 0.8, "value": "Paris", "valid_from": null, "triples": []},
      {"type": "preference", "key": "pref.likes.tea", "text": "The user likes tea.",
       "confidence": 0.8, "value": null, "valid_from": null, "triples": []},
      {"type": "fact", "key": "user.location.city", "text": "The user lives in Berlin.",
       "confidence": 0.9, "value": "Berlin", "valid_from": null, "triples": []}]})");
  CallBudget budget;
  const Turn turns[] = {{Role::kUser, "I live in Paris. I like tea. Actually, Berlin.", 0}};
  auto candidates = ExtractCandidates(client, budget, turns, 0);
  ASSERT_TRUE(candidates.ok());
  ASSERT_EQ(candidates->size(), 2u);
  EXPECT_EQ((*candidates)[0].key, "pref.likes.tea");
  EXPECT_EQ((*candidates)[0].data, "{}");  // no value
  EXPECT_EQ((*candidates)[1].text, "The user lives in Berlin.");
}

TEST(ExtractCandidatesTest, BadKeysAndDatesAreRepairedThenFail) {
  ScriptedClient client;
  const std::string bad_key = R"({"memories": [{"type": "fact", "key": "the user's name",
      "text": "The user's name is Dana.", "confidence": 0.9, "value": "Dana",
      "valid_from": null, "triples": []}]})";
  const std::string bad_date = R"({"memories": [{"type": "fact", "key": "user.name",
      "text": "The user's name is Dana.", "confidence": 0.9, "value": "Dana",
      "valid_from": "last spring", "triples": []}]})";
  client.Answer(bad_key);
  client.Answer(bad_date);
  CallBudget budget;
  const Turn turns[] = {{Role::kUser, "My name is Dana.", 0}};
  auto candidates = ExtractCandidates(client, budget, turns, 0);
  EXPECT_EQ(candidates.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(candidates.status().message().find(
                "$.memories[0].valid_from: must be a YYYY-MM-DD date or null"),
            std::string::npos)
      << candidates.status().message();
  ASSERT_EQ(client.requests().size(), 2u);
  EXPECT_NE(client.requests()[1].messages.back().text.find(
                "$.memories[0].key: must be dot-separated lower-case slugs"),
            std::string::npos);
  EXPECT_EQ(budget.used(), 2);
}

TEST(ExtractCandidatesTest, OutOfRangeConfidenceIsRepaired) {
  ScriptedClient client;
  client.Answer(R"({"memories": [{"type": "fact", "key": "user.name", "text": "Dana.",
      "confidence": 7, "value": null, "valid_from": null, "triples": []}]})");
  client.Answer(R"({"memories": [{"type": "fact", "key": "user.name", "text": "Dana.",
      "confidence": 0.7, "value": null, "valid_from": null, "triples": []}]})");
  CallBudget budget;
  const Turn turns[] = {{Role::kUser, "I'm Dana.", 0}};
  auto candidates = ExtractCandidates(client, budget, turns, 0);
  ASSERT_TRUE(candidates.ok()) << candidates.status().ToString();
  EXPECT_DOUBLE_EQ((*candidates)[0].confidence, 0.7);
}

TEST(ExtractCandidatesTest, ASpentBudgetSendsNothing) {
  ScriptedClient client;
  CallBudget budget(0);
  const Turn turns[] = {{Role::kUser, "My name is Dana.", 0}};
  auto candidates = ExtractCandidates(client, budget, turns, 0);
  EXPECT_TRUE(IsBudgetExhausted(candidates.status()));
  EXPECT_TRUE(client.requests().empty());
}

TEST(ExtractCandidatesTest, TheSchemaIsInTheSupportedSubset) {
  EXPECT_TRUE(CheckSchema(ExtractionSchema()).ok());
  EXPECT_TRUE(CheckSchema(ResolutionSchema()).ok());
}

// ---- ResolveConflicts ----

hygiene::Candidate Candidate(std::string key, std::string text) {
  hygiene::Candidate c;
  c.type = MemoryType::kFact;
  c.key = std::move(key);
  c.text = std::move(text);
  c.confidence = 0.9;
  return c;
}

TEST(ResolveConflictsTest, AllCandidatesInOneCallAndUnknownTargetsAreFlagged) {
  const std::vector<hygiene::Candidate> candidates = {
      Candidate("user.location.city", "The user lives in Berlin."),
      Candidate("pref.ui.theme", "The user prefers dark mode."),
      Candidate("user.name", "The user's name is Dana."),
      Candidate("pref.likes.tea", "The user likes green tea."),
      Candidate("user.employer", "The user works at Acme.")};
  const std::vector<std::vector<LiveMemory>> similar = {
      {{"m-city", "user.location.city", "The user lives in Paris.", MemoryType::kFact}},
      {{"m-theme", "pref.ui.theme", "The user prefers dark mode.", MemoryType::kPreference}},
      {{"m-name", "user.name", "The user is called Dana.", MemoryType::kFact}},
      {{"m-tea", "pref.likes.tea", "The user likes tea.", MemoryType::kPreference}},
      {}};
  ScriptedClient client;
  client.Answer(R"({"nominations": [
      {"candidate": 0, "action": "supersede", "target_id": "m-city",
       "text": "The user lives in Berlin."},
      {"candidate": 1, "action": "none", "target_id": null, "text": null},
      {"candidate": 2, "action": "update", "target_id": "m-invented",
       "text": "The user's name is Dana (merged)."},
      {"candidate": 3, "action": "update", "target_id": "m-tea",
       "text": "The user likes green tea."}]})");
  CallBudget budget;
  auto nominations = ResolveConflicts(client, budget, candidates, similar);
  ASSERT_TRUE(nominations.ok()) << nominations.status().ToString();
  ASSERT_EQ(nominations->size(), 5u);
  EXPECT_EQ((*nominations)[0].action, ConflictAction::kSupersede);
  EXPECT_EQ((*nominations)[0].target_id, "m-city");
  EXPECT_FALSE((*nominations)[0].flagged);
  EXPECT_EQ((*nominations)[1].action, ConflictAction::kNone);
  EXPECT_EQ((*nominations)[1].text, "");
  // An invented target: added, with the candidate's own text, and flagged.
  EXPECT_EQ((*nominations)[2].action, ConflictAction::kAdd);
  EXPECT_TRUE((*nominations)[2].flagged);
  EXPECT_EQ((*nominations)[2].flag, "unknown target id for update; added instead");
  EXPECT_EQ((*nominations)[2].text, "The user's name is Dana.");
  EXPECT_EQ((*nominations)[2].target_id, "");
  EXPECT_EQ((*nominations)[3].action, ConflictAction::kUpdate);
  EXPECT_EQ((*nominations)[3].text, "The user likes green tea.");
  // Nothing similar: added without asking.
  EXPECT_EQ((*nominations)[4].action, ConflictAction::kAdd);
  EXPECT_EQ((*nominations)[4].text, "The user works at Acme.");

  ASSERT_EQ(client.requests().size(), 1u);
  EXPECT_EQ(budget.used(), 1);
  const json payload = UserPayload(client.requests()[0]);
  ASSERT_EQ(payload["candidates"].size(), 4u);
  EXPECT_EQ(payload["candidates"][0]["similar_stored_memories"][0]["id"], "m-city");
  EXPECT_EQ(payload["candidates"][3]["candidate"], 3);
}

TEST(ResolveConflictsTest, ATargetShownForAnotherCandidateIsFlaggedToo) {
  const std::vector<hygiene::Candidate> candidates = {Candidate("a.b", "A."),
                                                      Candidate("c.d", "C.")};
  const std::vector<std::vector<LiveMemory>> similar = {
      {{"m-1", "a.b", "Old A.", MemoryType::kFact}}, {{"m-2", "c.d", "Old C.", MemoryType::kFact}}};
  ScriptedClient client;
  client.Answer(R"({"nominations": [
      {"candidate": 0, "action": "supersede", "target_id": "m-2", "text": "A."},
      {"candidate": 1, "action": "supersede", "target_id": null, "text": "C."}]})");
  CallBudget budget;
  auto nominations = ResolveConflicts(client, budget, candidates, similar);
  ASSERT_TRUE(nominations.ok());
  EXPECT_TRUE((*nominations)[0].flagged);
  EXPECT_EQ((*nominations)[0].action, ConflictAction::kAdd);
  EXPECT_TRUE((*nominations)[1].flagged);
  EXPECT_EQ((*nominations)[1].flag, "no target id for supersede; added instead");
}

TEST(ResolveConflictsTest, AMissingOrRepeatedCandidateIsRepairedThenAnError) {
  const std::vector<hygiene::Candidate> candidates = {Candidate("a.b", "A."),
                                                      Candidate("c.d", "C.")};
  const std::vector<std::vector<LiveMemory>> similar = {
      {{"m-1", "a.b", "Old A.", MemoryType::kFact}}, {{"m-2", "c.d", "Old C.", MemoryType::kFact}}};
  ScriptedClient client;
  client.Answer(R"({"nominations": [
      {"candidate": 0, "action": "add", "target_id": null, "text": null}]})");
  client.Answer(R"({"nominations": [
      {"candidate": 0, "action": "add", "target_id": null, "text": null},
      {"candidate": 0, "action": "none", "target_id": null, "text": null},
      {"candidate": 1, "action": "none", "target_id": null, "text": null}]})");
  CallBudget budget;
  auto nominations = ResolveConflicts(client, budget, candidates, similar);
  EXPECT_EQ(nominations.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(nominations.status().message().find("candidate 0 has more than one nomination"),
            std::string::npos)
      << nominations.status().message();
  EXPECT_NE(client.requests()[1].messages.back().text.find("candidate 1 has no nomination"),
            std::string::npos);
}

TEST(ResolveConflictsTest, AnIndexNotAskedAboutIsInvalid) {
  const std::vector<hygiene::Candidate> candidates = {Candidate("a.b", "A.")};
  const std::vector<std::vector<LiveMemory>> similar = {
      {{"m-1", "a.b", "Old A.", MemoryType::kFact}}};
  ScriptedClient client;
  client.Answer(R"({"nominations": [
      {"candidate": 1e300, "action": "add", "target_id": null, "text": null}]})");
  client.Answer(R"({"nominations": [
      {"candidate": 0, "action": "none", "target_id": null, "text": null}]})");
  CallBudget budget;
  auto nominations = ResolveConflicts(client, budget, candidates, similar);
  ASSERT_TRUE(nominations.ok()) << nominations.status().ToString();
  EXPECT_EQ((*nominations)[0].action, ConflictAction::kNone);
  EXPECT_NE(client.requests()[1].messages.back().text.find("was not asked about"),
            std::string::npos);
}

TEST(ResolveConflictsTest, NothingSimilarMeansNoCallAndSizesMustMatch) {
  ScriptedClient client;
  CallBudget budget;
  const std::vector<hygiene::Candidate> candidates = {Candidate("a.b", "A.")};
  const std::vector<std::vector<LiveMemory>> none(1);
  auto nominations = ResolveConflicts(client, budget, candidates, none);
  ASSERT_TRUE(nominations.ok());
  EXPECT_EQ((*nominations)[0].action, ConflictAction::kAdd);
  EXPECT_TRUE(client.requests().empty());
  const std::vector<std::vector<LiveMemory>> two(2);
  EXPECT_TRUE(ResolveConflicts(client, budget, candidates, two).status().IsInvalidArgument());
}

// ---- Summarize ----

SessionItem Item(int64_t seq, Role role, std::string content, std::string tool_calls = "",
                 std::string tool_call_id = "") {
  SessionItem item;
  item.seq = seq;
  item.role = role;
  item.content = std::move(content);
  item.tool_calls = std::move(tool_calls);
  item.tool_call_id = std::move(tool_call_id);
  return item;
}

TEST(SummarizeTest, FoldsDroppedItemsIntoThePreviousSummary) {
  ScriptedClient client;
  client.Answer("  - The user is Dana; prefers dark mode.\n- Open task: book flights.\n");
  CallBudget budget;
  const std::vector<SessionItem> dropped = {
      Item(1, Role::kUser, "I prefer dark mode. Can you look up flights?"),
      Item(2, Role::kAssistant, "", R"([{"id": "call_1", "type": "function"}])"),
      Item(3, Role::kTool, std::string(10000, 'r'), "", "call_1"),
      Item(4, Role::kAssistant, "I found three flights.")};
  auto summary = Summarize(client, budget, "The user is Dana.", dropped);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(*summary, "- The user is Dana; prefers dark mode.\n- Open task: book flights.");
  ASSERT_EQ(client.requests().size(), 1u);
  EXPECT_FALSE(client.requests()[0].json_schema);
  const json payload = UserPayload(client.requests()[0]);
  EXPECT_EQ(payload["previous_summary"], "The user is Dana.");
  const json& items = payload["leaving_the_window"];
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[1]["tool_calls"], R"([{"id": "call_1", "type": "function"}])");
  EXPECT_EQ(items[2]["tool_call_id"], "call_1");
  EXPECT_EQ(items[2]["content"].get<std::string>().size(), (4u << 10) + 3);  // cut, "..."
  EXPECT_EQ(budget.used(), 1);
}

TEST(SummarizeTest, NothingDroppedKeepsTheSummaryWithoutACall) {
  ScriptedClient client;
  CallBudget budget;
  auto summary = Summarize(client, budget, "Kept.", {});
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(*summary, "Kept.");
  EXPECT_TRUE(client.requests().empty());
}

TEST(SummarizeTest, AToolResultWithoutItsCallIsRefused) {
  ScriptedClient client;
  CallBudget budget;
  const std::vector<SessionItem> dropped = {Item(7, Role::kTool, "42", "", "call_9")};
  auto summary = Summarize(client, budget, "", dropped);
  EXPECT_TRUE(summary.status().IsInvalidArgument());
  EXPECT_NE(summary.status().message().find("session item 7"), std::string::npos);
  EXPECT_TRUE(client.requests().empty());
}

TEST(SummarizeTest, EmptyOrCutOffSummariesAreErrors) {
  ScriptedClient client;
  client.Answer("   ");
  client.Answer("The user is Da", StopReason::kMaxTokens);
  CallBudget budget;
  const std::vector<SessionItem> dropped = {Item(1, Role::kUser, "My name is Dana.")};
  auto empty = Summarize(client, budget, "", dropped);
  EXPECT_EQ(empty.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(empty.status().message().find("empty answer"), std::string::npos);
  auto cut = Summarize(client, budget, "", dropped);
  EXPECT_EQ(cut.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(cut.status().message().find("cut off at max_tokens"), std::string::npos);
}

TEST(SummarizeTest, ProviderErrorsPassThrough) {
  ScriptedClient client;
  client.Fail(Status::Unavailable("POST x/v1/messages: timed out"));
  CallBudget budget;
  const std::vector<SessionItem> dropped = {Item(1, Role::kUser, "Hi, I'm Dana.")};
  auto summary = Summarize(client, budget, "", dropped);
  EXPECT_EQ(summary.status().message(), "POST x/v1/messages: timed out");
}

}  // namespace
}  // namespace engram::llm
