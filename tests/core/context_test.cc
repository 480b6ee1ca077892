// Core blocks and context assembly, including the failure modes the seed documents name.
#include "core/context.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/context_fixture.h"

namespace engram {
namespace {

// ---- core blocks ----

TEST_F(ContextTest, BlocksAreSetAppendedAndReplacedWithHistory) {
  auto set = engine_->SetBlock("u", "global", "human", "Name: Dana.");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->limit, 2000u);
  auto appended = engine_->AppendToBlock("u", "global", "human", "Works at Acme.");
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->value, "Name: Dana.\nWorks at Acme.");
  EXPECT_EQ(appended->id, set->id);
  auto replaced = engine_->ReplaceInBlock("u", "global", "human", "Acme", "Globex");
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(replaced->value, "Name: Dana.\nWorks at Globex.");
  auto history = engine_->GetHistory("u", set->id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].event, HistoryEventType::kAdd);
  EXPECT_EQ((*history)[1].event, HistoryEventType::kUpdate);
  EXPECT_EQ((*history)[2].event, HistoryEventType::kUpdate);
  EXPECT_NE((*history)[2].old_value.find("Acme"), std::string::npos);
  auto got = engine_->GetBlock("u", "global", "human");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, replaced->value);
}

TEST_F(ContextTest, BlockLimitIsEnforcedInCharactersAndNothingIsWritten) {
  ASSERT_TRUE(engine_->SetBlock("u", "global", "persona", "Ünïcödé", 10).ok());
  ASSERT_TRUE(engine_->AppendToBlock("u", "global", "persona", "ab").ok());  // 7 + 1 + 2 = 10
  auto over = engine_->AppendToBlock("u", "global", "persona", "abc");
  EXPECT_EQ(over.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(over.status().message().find("limit of 10"), std::string::npos);
  EXPECT_EQ(engine_->GetBlock("u", "global", "persona")->value, "Ünïcödé\nab");
  // A larger limit can be set with the value.
  ASSERT_TRUE(engine_->SetBlock("u", "global", "persona", std::string(50, 'x'), 60).ok());
  EXPECT_EQ(engine_->GetBlock("u", "global", "persona")->limit, 60u);
}

TEST_F(ContextTest, BlockErrorsArePrecise) {
  EXPECT_EQ(engine_->SetBlock("u", "global", "Bad Label", "x").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->GetBlock("u", "global", "human").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(engine_->ReplaceInBlock("u", "global", "human", "a", "b").status().code(),
            Status::Code::kNotFound);
  ASSERT_TRUE(engine_->SetBlock("u", "global", "human", "Name: Dana").ok());
  EXPECT_EQ(engine_->ReplaceInBlock("u", "global", "human", "Diana", "D").status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(engine_->ReplaceInBlock("u", "global", "human", "", "D").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->SetBlock("u", "global", "human", "bad \xc3", 100).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->SetBlock("u", "global", "human", "x", 0).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->GetBlock("v", "global", "human").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(engine_->GetBlock("u", "global", "human")->value, "Name: Dana");
}

TEST_F(ContextTest, NarrowerScopeBlockOverridesAndDeleteKeepsHistory) {
  ASSERT_TRUE(engine_->SetBlock("u", "global", "persona", "A helpful assistant.").ok());
  ASSERT_TRUE(engine_->SetBlock("u", "global", "human", "Dana").ok());
  ASSERT_TRUE(engine_->SetBlock("u", "project/alpha", "persona", "A terse code reviewer.").ok());
  auto blocks = engine_->ListBlocks("u", "project/alpha");
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ((*blocks)[0].label, "human");
  EXPECT_EQ((*blocks)[1].value, "A terse code reviewer.");
  EXPECT_EQ(engine_->ListBlocks("u", "project/beta")->at(1).value, "A helpful assistant.");
  auto id = engine_->GetBlock("u", "project/alpha", "persona")->id;
  ASSERT_TRUE(engine_->DeleteBlock("u", "project/alpha", "persona").ok());
  EXPECT_EQ(engine_->ListBlocks("u", "project/alpha")->at(1).value, "A helpful assistant.");
  EXPECT_EQ(engine_->GetHistory("u", id)->back().event, HistoryEventType::kDelete);
}

TEST_F(ContextTest, BlocksRedactSecrets) {
  auto b = engine_->SetBlock("u", "global", "human",
                             "Dana. API key sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->value.find("sk-proj-abcdef"), std::string::npos);
}

// ---- context assembly ----

TEST_F(ContextTest, AssemblesEverySectionWithReasonsAndScores) {
  ASSERT_TRUE(engine_->SetBlock("u", "global", "persona", "You are Engram's test agent.").ok());
  Add("The user prefers dark mode", MemoryType::kPreference, "pref.ui.theme");
  Add("The user works at Acme as a data engineer", MemoryType::kFact, "user.employer");
  Add("Discussed the Kafka migration plan with the team", MemoryType::kEpisode);
  ASSERT_TRUE(engine_->SetSessionSummary("u", "s1", "The user is planning a data migration.").ok());
  Say("s1", Role::kUser, "Can you draft the Kafka migration checklist?");
  Say("s1", Role::kAssistant, "Sure, here is a first draft.");

  ContextOptions o;
  o.session_id = "s1";
  o.query = "Kafka migration";
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "[persona]\nYou are Engram's test agent."));
  EXPECT_TRUE(Has(c, "The user is planning a data migration."));
  EXPECT_TRUE(Has(c, "The user prefers dark mode"));
  EXPECT_TRUE(Has(c, "Discussed the Kafka migration plan"));
  EXPECT_TRUE(Has(c, "user: Can you draft the Kafka migration checklist?"));
  EXPECT_TRUE(c.omitted.empty());
  EXPECT_LE(c.token_count, c.token_budget);
  EXPECT_EQ(c.token_count, core::EstimateTokens(c.rendered));
  std::set<ContextSection> sections;
  for (const ContextItem& item : c.items) {
    sections.insert(item.section);
    EXPECT_FALSE(item.reason.empty());
    EXPECT_GT(item.tokens, 0u);
    if (item.section == ContextSection::kRelevant) {
      EXPECT_GT(item.score, 0);
      EXPECT_NE(item.reason.find("search rank"), std::string::npos);
    }
  }
  EXPECT_EQ(sections, (std::set<ContextSection>{ContextSection::kBlock, ContextSection::kSummary,
                                                ContextSection::kStanding,
                                                ContextSection::kRelevant, ContextSection::kTurn}));
  // Sections come in their fixed order.
  EXPECT_LT(c.rendered.find("## Core memory"), c.rendered.find("## Summary"));
  EXPECT_LT(c.rendered.find("## Standing"), c.rendered.find("## Memories relevant"));
  EXPECT_LT(c.rendered.find("## Memories relevant"), c.rendered.find("## Recent conversation"));
}

TEST_F(ContextTest, StaysWithinTheBudgetAndReportsWhatWasLeftOut) {
  ASSERT_TRUE(engine_->SetBlock("u", "global", "human", "Dana, data engineer.").ok());
  for (int i = 0; i < 40; ++i) {
    Add("Fact number " + std::to_string(i) + " about the migration of service " +
        std::to_string(i));
  }
  Say("s1", Role::kUser, "What is the plan for the migration?");
  for (size_t budget : {40u, 80u, 200u}) {
    ContextOptions o;
    o.session_id = "s1";
    o.query = "migration";
    o.token_budget = budget;
    Context c = Assemble(o);
    EXPECT_LE(c.token_count, budget) << c.rendered;
    EXPECT_FALSE(c.omitted.empty()) << budget;
    EXPECT_TRUE(Has(c, "Dana, data engineer.")) << budget;  // blocks come first
    for (const ContextItem& item : c.omitted) {
      EXPECT_NE(item.reason.find("left out"), std::string::npos);
    }
  }
}

TEST_F(ContextTest, StoringEveryToolLogDoesNotFloodTheContext) {
  Add("The user prefers concise answers", MemoryType::kPreference, "pref.style");
  // An agent that stores every tool log as a memory, and one huge tool result in the session.
  for (int i = 0; i < 200; ++i) {
    Add("tool log " + std::to_string(i) + ": GET /api/orders returned 200 with 50 orders",
        MemoryType::kEpisode);
  }
  Say("s1", Role::kUser, "Summarize my orders");
  SessionItem call;
  call.role = Role::kAssistant;
  call.tool_calls = R"([{"id": "c1", "function": {"name": "list_orders"}}])";
  SessionItem result;
  result.role = Role::kTool;
  result.tool_call_id = "c1";
  for (int i = 0; i < 2000; ++i) result.content += "order " + std::to_string(i) + " shipped; ";
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", {call, result}).ok());

  ContextOptions o;
  o.session_id = "s1";
  o.query = "orders";
  o.token_budget = 1000;
  Context c = Assemble(o);
  EXPECT_LE(c.token_count, 1000u);
  size_t logs = 0;
  for (const ContextItem& item : c.items) {
    if (item.text.find("tool log") != std::string::npos) ++logs;
    EXPECT_LE(item.tokens, 250u) << "no item may take more than a quarter of the budget";
  }
  EXPECT_LE(logs, o.max_relevant);
  EXPECT_TRUE(Has(c, "The user prefers concise answers"));  // standing preferences survive
  EXPECT_TRUE(Has(c, "[calls list_orders]"));
  EXPECT_TRUE(Has(c, "user: Summarize my orders"));
}

TEST_F(ContextTest, AStalePreferenceIsNotInContext) {
  Add("The user prefers dark mode", MemoryType::kPreference, "pref.ui.theme");
  clock_->Advance(kDay);
  Add("The user prefers light mode", MemoryType::kPreference, "pref.ui.theme");
  ContextOptions o;
  o.query = "which mode does the user prefer";
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "light mode"));
  EXPECT_FALSE(Has(c, "dark mode"));
}

TEST_F(ContextTest, AFactOfProjectAIsNotInProjectBsContext) {
  Add("The alpha deploy target is eu-west-1", MemoryType::kFact, "", "project/alpha");
  Add("The beta deploy target is us-east-2", MemoryType::kFact, "", "project/beta");
  Add("The user codes in Rust", MemoryType::kFact, "", "global");
  ContextOptions o;
  o.scope = "project/beta";
  o.query = "deploy target";
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "us-east-2"));
  EXPECT_TRUE(Has(c, "The user codes in Rust"));  // global is visible everywhere
  EXPECT_FALSE(Has(c, "eu-west-1"));
}

TEST_F(ContextTest, AnotherOwnersFactNeverAppears) {
  Add("Dana's bank is Nordbank", MemoryType::kFact, "", "global", "dana");
  ASSERT_TRUE(engine_->SetBlock("dana", "global", "human", "Dana, secret project lead").ok());
  ContextOptions o;
  o.query = "bank Nordbank";
  Context c = Assemble(o, "eve");
  EXPECT_TRUE(c.items.empty());
  EXPECT_FALSE(Has(c, "Nordbank"));
  EXPECT_FALSE(Has(c, "secret project"));
}

TEST_F(ContextTest, AnExpiredFactIsGoneFromContext) {
  NewMemory m;
  m.owner_id = "u";
  m.text = "The guest wifi password rotates: use the card at reception";
  m.expires_at = clock_->Now() + kDay;
  ASSERT_TRUE(engine_->AddMemory(m).ok());
  ContextOptions o;
  o.query = "guest wifi";
  EXPECT_TRUE(Has(Assemble(o), "guest wifi"));
  clock_->Advance(2 * kDay);
  EXPECT_FALSE(Has(Assemble(o), "guest wifi"));
}

TEST_F(ContextTest, RecentTurnsAreWholeAndNewestFirstWithinTheBudget) {
  for (int i = 0; i < 6; ++i) {
    Say("s1", Role::kUser, "question " + std::to_string(i));
    Say("s1", Role::kAssistant, "answer " + std::to_string(i));
  }
  ContextOptions o;
  o.session_id = "s1";
  o.recent_turns = 3;
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "user: question 5\nassistant: answer 5"));
  EXPECT_TRUE(Has(c, "question 3"));
  EXPECT_FALSE(Has(c, "question 2"));
  EXPECT_LT(c.rendered.find("question 3"), c.rendered.find("question 5"));  // chronological

  o.token_budget = 20;  // room for one turn only
  Context small = Assemble(o);
  EXPECT_TRUE(Has(small, "question 5"));
  EXPECT_FALSE(Has(small, "question 4"));
  for (const ContextItem& item : small.omitted) EXPECT_EQ(item.section, ContextSection::kTurn);
}

TEST_F(ContextTest, InvalidOptionsAreRejected) {
  ContextOptions o;
  o.token_budget = 0;
  EXPECT_EQ(engine_->AssembleContext("u", o).status().code(), Status::Code::kInvalidArgument);
  o.token_budget = 100;
  o.scope = "bad scope";
  EXPECT_EQ(engine_->AssembleContext("u", o).status().code(), Status::Code::kInvalidArgument);
  o.scope = "global";
  o.query = "bad \xff";
  EXPECT_EQ(engine_->AssembleContext("u", o).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(engine_->AssembleContext("", ContextOptions{}).status().code(),
            Status::Code::kInvalidArgument);
}

// ---- a new session is not amnesic ----

// A new session starts with where the previous one left off: its summary (made when it ended)
// and its last turns, each with a reason, before the new session has said anything.
TEST_F(ContextTest, ANewSessionBringsThePreviousSessionsSummaryAndLastTurns) {
  Say("monday", Role::kUser, "Let's plan the Kafka migration for the billing team.");
  Say("monday", Role::kAssistant, "Sure: first, list the topics billing consumes.");
  Say("monday", Role::kUser, "Billing consumes invoices and payments.");
  Say("monday", Role::kAssistant, "Then we mirror those two topics first.");
  ASSERT_TRUE(engine_->EndSession("u", "global", "monday").ok());
  clock_->Advance(kDay);

  ContextOptions o;
  o.session_id = "tuesday";
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "## The previous conversation")) << c.rendered;
  EXPECT_TRUE(Has(c, "Summary: ")) << c.rendered;
  EXPECT_TRUE(Has(c, "Kafka migration")) << c.rendered;
  EXPECT_TRUE(Has(c, "user: Billing consumes invoices and payments.")) << c.rendered;
  size_t summaries = 0, turns = 0;
  for (const ContextItem& item : c.items) {
    if (item.section != ContextSection::kPrevious) continue;
    EXPECT_NE(item.reason.find("previous session 'monday'"), std::string::npos) << item.reason;
    (item.reason.rfind("summary of", 0) == 0 ? summaries : turns)++;
  }
  EXPECT_EQ(summaries, 1u);
  EXPECT_EQ(turns, 4u);  // the last two turns, whole
  // The summary reads before the turns, and the previous conversation before this one's.
  EXPECT_LT(c.rendered.find("Summary: "), c.rendered.find("user: Billing consumes"));
  Say("tuesday", Role::kUser, "Where were we?");
  Context later = Assemble(o);
  EXPECT_LT(later.rendered.find("## The previous conversation"),
            later.rendered.find("## Recent conversation"));

  o.previous_turns = 0;  // the summary only
  Context summary_only = Assemble(o);
  EXPECT_TRUE(Has(summary_only, "Summary: "));
  for (const ContextItem& item : summary_only.items) {
    EXPECT_EQ(item.reason.find("last turn"), std::string::npos) << item.reason;
  }
  o.previous_session = false;
  EXPECT_FALSE(Has(Assemble(o), "## The previous conversation"));
  o.session_id.clear();  // no session: nothing of any session
  o.previous_session = true;
  EXPECT_FALSE(Has(Assemble(o), "## The previous conversation"));
  // Another owner's new session has no previous conversation of u's.
  o.session_id = "tuesday";
  EXPECT_FALSE(Has(Assemble(o, "someone-else"), "Kafka"));
}

// The previous session's last turns come last: with a small budget, they are what is left out,
// and the reason says so; the current session's own turns stay.
TEST_F(ContextTest, ThePreviousSessionsTurnsGiveWayToEverythingElse) {
  for (int i = 0; i < 3; ++i) {
    Say("old", Role::kUser, "old question number " + std::to_string(i) + " about the roadmap");
    Say("old", Role::kAssistant, "old answer number " + std::to_string(i) + " about the roadmap");
  }
  clock_->Advance(kDay);
  Say("new", Role::kUser, "A new question about the quarterly budget spreadsheet");
  ContextOptions o;
  o.session_id = "new";
  o.token_budget = 40;
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "quarterly budget")) << c.rendered;
  bool omitted_previous = false;
  for (const ContextItem& item : c.omitted) {
    if (item.section == ContextSection::kPrevious) {
      omitted_previous = true;
      EXPECT_NE(item.reason.find("left out"), std::string::npos) << item.reason;
    }
  }
  EXPECT_TRUE(omitted_previous);
  EXPECT_LE(c.token_count, c.token_budget);
}

// Starting a new session after the previous one went quiet folds the previous one into its
// summary, so the next context carries it even though it was never ended.
TEST_F(ContextTest, StartingASessionFoldsTheQuietPreviousOne) {
  Say("morning", Role::kUser, "I am preparing the board deck for Thursday.");
  Say("morning", Role::kAssistant, "Noted: the board deck is due Thursday.");
  EXPECT_FALSE(engine_->GetSessionSummary("u", "morning")->has_value());

  clock_->Advance(5 * 60 * 1000);  // five minutes: not quiet yet
  Say("aside", Role::kUser, "Quick one: the printer on floor 2 is out of toner.");
  EXPECT_FALSE(engine_->GetSessionSummary("u", "morning")->has_value());

  clock_->Advance(kDay);  // "aside" has gone quiet
  Say("evening", Role::kUser, "Back again.");
  auto folded = engine_->GetSessionSummary("u", "aside");
  ASSERT_TRUE(folded.ok() && folded->has_value());
  EXPECT_NE((*folded)->text.find("out of toner"), std::string::npos) << (*folded)->text;

  auto previous = engine_->GetPreviousSession("u", "evening");
  ASSERT_TRUE(previous.ok() && previous->has_value());
  EXPECT_EQ((*previous)->session_id, "aside");
  EXPECT_EQ((*previous)->items, 1);
  ASSERT_TRUE((*previous)->summary.has_value());

  ContextOptions o;
  o.session_id = "evening";
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "Summary: - user: Quick one: the printer on floor 2 is out of toner."))
      << c.rendered;
}

TEST(EstimateTokensTest, CountsWordsNumbersAndSymbols) {
  EXPECT_EQ(core::EstimateTokens(""), 0u);
  EXPECT_EQ(core::EstimateTokens("the user prefers dark mode"), 5u);
  EXPECT_EQ(core::EstimateTokens("internationalization"), 3u);  // 20 letters
  EXPECT_EQ(core::EstimateTokens("2026"), 2u);
  EXPECT_EQ(core::EstimateTokens("a, b."), 4u);
  EXPECT_EQ(core::EstimateTokens("日本語"), 3u);
}

// ---- related facts from the knowledge graph ----

TEST_F(ContextTest, RelatedFactsAboutTheEntitiesTheQueryNamesComeFromTheGraph) {
  auto entity = [&](const std::string& name, const std::string& type,
                    std::vector<std::string> observations = {}) {
    NewEntity e;
    e.owner_id = "u";
    e.name = name;
    e.type = type;
    e.observations = std::move(observations);
    ASSERT_TRUE(engine_->AddEntities({&e, 1}).ok());
  };
  auto relate = [&](const std::string& from, const std::string& type, const std::string& to) {
    NewRelation r;
    r.owner_id = "u";
    r.from = from;
    r.type = type;
    r.to = to;
    ASSERT_TRUE(engine_->AddRelations({&r, 1}).ok());
    clock_->Advance(1000);
  };
  entity("Alice", "person", {"Prefers dark mode"});
  entity("Project Alpha", "project");
  entity("March 2026", "date");
  entity("Globex", "company");
  entity("Initech", "company");
  entity("Zed", "person");
  relate("Alice", "manages", "Project Alpha");
  relate("Project Alpha", "deadline", "March 2026");
  relate("Alice", "works_at", "Globex");
  relate("Alice", "works_at", "Initech");  // single-valued: ends the Globex edge
  relate("Zed", "knows", "Globex");

  ContextOptions o;
  o.query = "Which deadlines concern the projects Alice manages?";
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "## Related facts\n")) << c.rendered;
  EXPECT_TRUE(Has(c, "- Alice: Prefers dark mode\n")) << c.rendered;
  EXPECT_TRUE(Has(c, "- Alice manages Project Alpha\n")) << c.rendered;
  EXPECT_TRUE(Has(c, "- Project Alpha deadline March 2026\n")) << c.rendered;
  EXPECT_TRUE(Has(c, "- Alice works at Initech\n")) << c.rendered;
  EXPECT_FALSE(Has(c, "Globex")) << "an ended edge is not a current fact: " << c.rendered;
  EXPECT_FALSE(Has(c, "Zed")) << "three hops away: " << c.rendered;
  std::vector<std::string> reasons;
  for (const ContextItem& item : c.items) {
    if (item.section == ContextSection::kRelated) reasons.push_back(item.reason);
  }
  ASSERT_EQ(reasons.size(), 4u);
  EXPECT_EQ(reasons[0], "graph: Alice is named in the request");
  EXPECT_EQ(reasons[3], "graph: 2 hops from Alice");
  EXPECT_STREQ(ContextSectionName(ContextSection::kRelated), "related");

  // At most max_related items; none for a query that names no entity, or with 0.
  o.max_related = 2;
  c = Assemble(o);
  EXPECT_EQ(
      std::count_if(c.items.begin(), c.items.end(),
                    [](const ContextItem& i) { return i.section == ContextSection::kRelated; }),
      2);
  o.max_related = 0;
  EXPECT_FALSE(Has(Assemble(o), "## Related facts"));
  o.max_related = 10;
  o.query = "What is the weather like?";
  EXPECT_FALSE(Has(Assemble(o), "## Related facts"));
  // Another owner's context never sees this graph.
  o.query = "What does Alice manage?";
  EXPECT_FALSE(Has(Assemble(o, "v"), "Project Alpha"));
}

}  // namespace
}  // namespace engram
