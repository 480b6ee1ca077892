// docs/context.md rule by rule: each test fails when the rule it names breaks (the sections and
// their order, priorities, the budget, reasons, the previous session, scopes and dates). The
// rules tested elsewhere: context_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/context.h"
#include "core/context_fixture.h"
#include "util/time.h"

namespace engram {
namespace {

// The section of each included item, in order.
std::vector<ContextSection> Sections(const Context& c) {
  std::vector<ContextSection> out;
  for (const ContextItem& item : c.items) out.push_back(item.section);
  return out;
}
std::vector<std::string> Texts(const std::vector<ContextItem>& items, ContextSection section) {
  std::vector<std::string> out;
  for (const ContextItem& item : items) {
    if (item.section == section) out.push_back(item.text);
  }
  return out;
}

// persona, human, then the other labels in order; a narrower scope's block replaces the wider
// one's of the same label, in the context too.
TEST_F(ContextTest, BlocksComePersonaThenHumanThenByLabel) {
  for (const char* label : {"zeta", "alpha", "human", "persona"}) {
    ASSERT_TRUE(engine_->SetBlock("u", "global", label, std::string("global ") + label).ok());
  }
  ASSERT_TRUE(engine_->SetBlock("u", "project/x", "alpha", "narrower alpha").ok());
  ContextOptions o;
  o.scope = "project/x";
  EXPECT_EQ(Texts(Assemble(o).items, ContextSection::kBlock),
            (std::vector<std::string>{"[persona]\nglobal persona", "[human]\nglobal human",
                                      "[alpha]\nnarrower alpha", "[zeta]\nglobal zeta"}));
}

// Three turns by default, newest first; a turn is a user item and what follows it (a tool call
// with its result), and the first turn that does not fit ends the window even if an older one
// would fit.
TEST_F(ContextTest, AWholeTurnThatDoesNotFitEndsTheWindow) {
  std::string words;  // 35 one-token words
  for (int i = 0; i < 35; ++i) words += " word";
  Say("s1", Role::kUser, "turn zero");
  Say("s1", Role::kUser, "turn one");
  Say("s1", Role::kAssistant, "short answer");
  Say("s1", Role::kUser, "turn two" + words);
  std::vector<SessionItem> tools;
  for (const char* id : {"c1", "c2"}) {
    SessionItem call;
    call.role = Role::kAssistant;
    call.content = "looking it up" + words;
    call.tool_calls = std::string(R"([{"id": ")") + id + R"(", "function": {"name": "lookup"}}])";
    SessionItem result;
    result.role = Role::kTool;
    result.tool_call_id = id;
    result.content = "lookup result" + words;
    tools.push_back(call);
    tools.push_back(result);
  }
  ASSERT_TRUE(engine_->AddSessionItems("u", "s1", tools).ok());
  Say("s1", Role::kAssistant, "the answer" + words);
  Say("s1", Role::kUser, "turn three");

  ContextOptions o;
  o.session_id = "s1";
  Context all = Assemble(o);
  EXPECT_TRUE(Has(all, "turn one") && Has(all, "[calls lookup]") && Has(all, "lookup result"));
  EXPECT_FALSE(Has(all, "turn zero")) << "the default window is 3 turns";

  o.token_budget = 200;  // turn three and turn one fit; turn two (6 items, ~240 tokens) does not
  Context c = Assemble(o);
  EXPECT_EQ(Texts(c.items, ContextSection::kTurn), (std::vector<std::string>{"user: turn three"}));
  size_t turn_two = 0;
  for (const ContextItem& item : c.omitted) {
    if (item.text.find("turn one") != std::string::npos ||
        item.text.find("short answer") != std::string::npos) {
      EXPECT_NE(item.reason.find("older than a turn that did not fit"), std::string::npos);
    } else {
      ++turn_two;
      EXPECT_NE(item.reason.find("its turn does not fit"), std::string::npos) << item.reason;
    }
  }
  EXPECT_EQ(turn_two, 6u) << "the whole turn, each tool call with its result";
  EXPECT_EQ(c.omitted.size(), 8u);
}

// Relevant memories are the search's hits, best first, at most max_relevant, and none scoring
// under half the best hit's score.
TEST_F(ContextTest, RelevantHitsUnderHalfTheBestScoreAreLeftOut) {
  Add("The Kafka migration moves the billing topics first");
  Add("Kafka brokers run on three nodes in the migration plan");
  for (int i = 0; i < 8; ++i) {
    Add("Unrelated note " + std::to_string(i) + " about lunch and the weather");
  }
  const std::string query = "Kafka migration billing topics";
  SearchOptions so;
  so.top_k = 10;
  auto hits = engine_->Search("u", query, so);
  ASSERT_TRUE(hits.ok() && !hits->empty());
  std::vector<std::string> expected;
  for (const SearchHit& h : *hits) {
    if (h.score >= 0.5 * hits->front().score) expected.push_back(h.record.id);
  }
  ASSERT_LT(expected.size(), hits->size()) << "some hit must score under half the best";

  ContextOptions o;
  o.query = query;
  o.max_standing = 0;
  Context c = Assemble(o);
  std::vector<std::string> relevant;
  double previous = hits->front().score * 2;
  for (const ContextItem& item : c.items) {
    if (item.section != ContextSection::kRelevant) continue;
    relevant.push_back(item.memory_id);
    EXPECT_LE(item.score, previous);
    previous = item.score;
    EXPECT_EQ(item.reason.rfind("search rank " + std::to_string(relevant.size()), 0), 0u)
        << item.reason;
  }
  EXPECT_EQ(relevant, expected);
  o.max_relevant = 1;
  EXPECT_EQ(Texts(Assemble(o).items, ContextSection::kRelevant).size(), 1u);
}

// Without an embedder, relevant memories come from lexical search alone.
TEST_F(ContextTest, WithoutAnEmbedderRelevantMemoriesAreFoundLexically) {
  Options opts;
  opts.path = dir_.File("lexical.db");
  opts.durable_commits = false;
  auto lexical = Engine::Open(opts);
  ASSERT_TRUE(lexical.ok()) << lexical.status().ToString();
  NewMemory m;
  m.owner_id = "u";
  m.text = "The staging database runs PostgreSQL 16";
  ASSERT_TRUE((*lexical)->AddMemory(m).ok());
  ContextOptions o;
  o.query = "which PostgreSQL does staging run";
  o.max_standing = 0;
  auto c = (*lexical)->AssembleContext("u", o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->items.size(), 1u);
  EXPECT_EQ(c->items[0].section, ContextSection::kRelevant);
  EXPECT_EQ(c->items[0].reason, "search rank 1 (lexical #1)");
}

// Standing facts and preferences: the newest max_standing of each type, not counting those
// already relevant, shown most recently confirmed first, max_standing in all; never episodes.
TEST_F(ContextTest, StandingFactsAreMostRecentlyConfirmedFirstAndNotRepeated) {
  Add("The office is in Lisbon");
  Add("The team uses Rust");
  Add("The deploy window is Friday");
  Add("The user prefers tea", MemoryType::kPreference);
  Add("Lunch with Priya on Monday", MemoryType::kEpisode);
  Add("The office is in Lisbon");  // said again: confirmed now

  ContextOptions o;
  Context c = Assemble(o);
  EXPECT_EQ(Texts(c.items, ContextSection::kStanding),
            (std::vector<std::string>{"- The office is in Lisbon", "- The user prefers tea",
                                      "- The deploy window is Friday", "- The team uses Rust"}));
  for (const ContextItem& item : c.items) {
    if (item.section == ContextSection::kStanding) {
      EXPECT_TRUE(item.reason == "standing fact" || item.reason == "standing preference");
    }
  }

  o.query = "deploy window Friday";
  o.max_relevant = 1;
  o.max_standing = 2;
  c = Assemble(o);
  ASSERT_EQ(Texts(c.items, ContextSection::kRelevant),
            (std::vector<std::string>{"- The deploy window is Friday"}));
  EXPECT_EQ(Texts(c.items, ContextSection::kStanding),
            (std::vector<std::string>{"- The office is in Lisbon", "- The user prefers tea"}));
}

// The previous session is the owner's other session active last; its summary comes right after
// this session's in priority and renders before it, under its own header.
TEST_F(ContextTest, ThePreviousSessionIsTheOneActiveLastAndItsSummaryGivesWayToThisOnes) {
  Say("a", Role::kUser, "Session a talks about the garden.");
  ASSERT_TRUE(engine_->SetSessionSummary("u", "a", "The garden needs new tulips.").ok());
  clock_->Advance(kDay);
  Say("b", Role::kUser, "Session b talks about the roof.");
  ASSERT_TRUE(engine_->SetSessionSummary("u", "b", "The roof leaks over the kitchen.").ok());
  clock_->Advance(kDay);
  ASSERT_TRUE(engine_->SetSessionSummary("u", "c", "Session c plans the holidays.").ok());

  ContextOptions o;
  o.session_id = "c";
  Context c = Assemble(o);
  EXPECT_TRUE(Has(c, "Summary: The roof leaks over the kitchen.")) << c.rendered;
  EXPECT_FALSE(Has(c, "tulips")) << c.rendered;
  EXPECT_LT(c.rendered.find("## The previous conversation"),
            c.rendered.find("## Summary of this conversation so far"));
  for (const ContextItem& item : c.items) {
    if (item.section == ContextSection::kPrevious) {
      EXPECT_NE(item.reason.find("the previous session 'b' (last active 20"), std::string::npos)
          << item.reason;
    }
  }
  clock_->Advance(1000);
  Say("a", Role::kUser, "Back to the garden.");  // now a was active last
  EXPECT_TRUE(Has(Assemble(o), "tulips"));

  // Room for one summary: this session's.
  o.token_budget = core::EstimateTokens("## Summary of this conversation so far") +
                   core::EstimateTokens("Session c plans the holidays.") + 3;
  o.previous_turns = 0;
  c = Assemble(o);
  EXPECT_EQ(Sections(c), (std::vector<ContextSection>{ContextSection::kSummary}));
  ASSERT_EQ(c.omitted.size(), 1u);
  EXPECT_EQ(c.omitted[0].section, ContextSection::kPrevious);
}

// An item is admitted when it fits with its section's header; otherwise the reason gives the
// tokens it needed. A longer item than a quarter of the budget (at least 32 tokens) is cut with
// an ellipsis and says so.
TEST_F(ContextTest, AnItemFitsWithItsHeaderAndNoItemTakesMoreThanAQuarter) {
  ASSERT_TRUE(engine_->SetBlock("u", "global", "persona", "You are terse.").ok());
  const size_t item = core::EstimateTokens("[persona]\nYou are terse.");
  const size_t header = core::EstimateTokens("## Core memory");
  ContextOptions o;
  o.token_budget = item + header;
  Context fits = Assemble(o);
  ASSERT_EQ(fits.items.size(), 1u);
  EXPECT_EQ(fits.token_count, fits.token_budget);
  o.token_budget = item + header - 1;
  Context tight = Assemble(o);
  EXPECT_TRUE(tight.items.empty());
  ASSERT_EQ(tight.omitted.size(), 1u);
  EXPECT_NE(tight.omitted[0].reason.find("needs " + std::to_string(item + header) + " tokens, " +
                                         std::to_string(item + header - 1) + " left"),
            std::string::npos)
      << tight.omitted[0].reason;

  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "word ";
  ASSERT_TRUE(engine_->SetBlock("u", "global", "human", long_text).ok());
  for (size_t budget : {400u, 80u}) {
    o.token_budget = budget;
    Context c = Assemble(o);
    const size_t cap = std::max<size_t>(budget / 4, 32);
    bool cut = false;
    for (const ContextItem& i : c.items) {
      EXPECT_LE(i.tokens, cap);
      if (i.text.rfind("[human]", 0) == 0) {
        cut = true;
        EXPECT_EQ(i.text.substr(i.text.size() - 3), "…");
        EXPECT_NE(i.reason.find("cut to " + std::to_string(i.tokens) + " tokens"),
                  std::string::npos)
            << i.reason;
      }
    }
    EXPECT_TRUE(cut) << budget;
  }
}

// Deleted memories, and memories of a narrower scope, never appear; the scope's ancestors'
// do. Episodes and summaries carry their date, facts do not.
TEST_F(ContextTest, ScopesAncestorsAndDatesAsDocumented) {
  Add("Alpha ships on Fridays", MemoryType::kFact, "", "project/alpha");
  Add("The web app of alpha uses React", MemoryType::kFact, "", "project/alpha/web");
  const std::string gone = Add("Alpha once used Angular").record.id;
  ASSERT_TRUE(engine_->DeleteMemory("u", gone).ok());
  Add("Alpha retro held in the big room", MemoryType::kEpisode, "", "project/alpha");

  ContextOptions o;
  o.scope = "project/alpha/web";
  o.query = "alpha retro";
  Context web = Assemble(o);
  EXPECT_TRUE(Has(web, "- Alpha ships on Fridays\n")) << web.rendered;
  EXPECT_TRUE(Has(web, "- The web app of alpha uses React")) << web.rendered;
  EXPECT_TRUE(Has(web, "- [" + util::FormatTimestamp(clock_->Now()).substr(0, 4)))
      << "an episode carries its date: " << web.rendered;
  EXPECT_FALSE(Has(web, "Angular"));
  o.scope = "project/alpha";
  EXPECT_FALSE(Has(Assemble(o), "React")) << "a narrower scope is not visible";
}

// Every section in its rendering order, whatever its priority, each header once, and only
// sections that have items.
TEST_F(ContextTest, SectionsRenderInTheDocumentedOrder) {
  ASSERT_TRUE(engine_->SetBlock("u", "global", "persona", "You are Dana's assistant.").ok());
  Say("before", Role::kUser, "We agreed to move the billing topics first.");
  ASSERT_TRUE(engine_->EndSession("u", "global", "before").ok());
  clock_->Advance(kDay);
  Add("The user prefers light mode", MemoryType::kPreference);
  Add("The user lives in Porto");
  Add("Discussed the Kafka migration plan with the team", MemoryType::kEpisode);
  NewEntity dana;
  dana.owner_id = "u";
  dana.name = "Dana";
  dana.type = "person";
  dana.observations = {"Works on the Kafka migration"};
  ASSERT_TRUE(engine_->AddEntities({&dana, 1}).ok());
  ASSERT_TRUE(engine_->SetSessionSummary("u", "now", "Dana is planning a Kafka migration.").ok());
  Say("now", Role::kUser, "Can you help Dana plan the Kafka migration?");

  ContextOptions o;
  o.session_id = "now";
  o.query = "Kafka migration Dana";
  Context c = Assemble(o);
  const std::vector<std::string> headers = {"## Core memory\n",
                                            "## The previous conversation\n",
                                            "## Summary of this conversation so far\n",
                                            "## Standing facts and preferences\n",
                                            "## Memories relevant to the current request\n",
                                            "## Related facts\n",
                                            "## Recent conversation\n"};
  size_t at = 0;
  for (const std::string& h : headers) {
    const size_t found = c.rendered.find(h);
    ASSERT_NE(found, std::string::npos) << h << c.rendered;
    EXPECT_GE(found, at) << h << c.rendered;
    EXPECT_EQ(c.rendered.find(h, found + 1), std::string::npos) << h;
    at = found;
  }
  EXPECT_TRUE(std::is_sorted(
      c.items.begin(), c.items.end(),
      [](const ContextItem& a, const ContextItem& b) { return a.section < b.section; }));
  o.session_id.clear();
  o.query.clear();
  Context bare = Assemble(o);
  EXPECT_EQ(bare.rendered.find("## Recent conversation"), std::string::npos);
  EXPECT_EQ(bare.rendered.find("## Memories relevant"), std::string::npos);
  EXPECT_EQ(bare.rendered.find("## Related facts"), std::string::npos);
}

// Related facts: the entities in the order the query names them, the longest name at each place
// ("Project Alpha", not also "Alpha"), each entity's observations before its edges.
TEST_F(ContextTest, RelatedFactsFollowTheQuerysOrderAndTheLongestName) {
  auto entity = [&](const std::string& name, const std::string& observation) {
    NewEntity e;
    e.owner_id = "u";
    e.name = name;
    e.type = "thing";
    e.observations = {observation};
    ASSERT_TRUE(engine_->AddEntities({&e, 1}).ok());
  };
  entity("Alpha", "The Greek letter the team uses for first releases");
  entity("Project Alpha", "Ships in March");
  entity("Bob", "Leads the platform team");
  entity("Carol", "Joined in May");
  ContextOptions o;
  o.query = "Does Carol know what Bob decided about Project Alpha?";
  std::vector<std::string> related = Texts(Assemble(o).items, ContextSection::kRelated);
  EXPECT_EQ(related,
            (std::vector<std::string>{"- Carol: Joined in May", "- Bob: Leads the platform team",
                                      "- Project Alpha: Ships in March"}));
  o.query = "Is Project Alpha still Bob's, or Carol's?";
  related = Texts(Assemble(o).items, ContextSection::kRelated);
  EXPECT_EQ(related,
            (std::vector<std::string>{"- Project Alpha: Ships in March",
                                      "- Bob: Leads the platform team", "- Carol: Joined in May"}));
  o.query = "What does alpha mean here?";
  related = Texts(Assemble(o).items, ContextSection::kRelated);
  EXPECT_EQ(
      related,
      (std::vector<std::string>{"- Alpha: The Greek letter the team uses for first releases"}));
}

}  // namespace
}  // namespace engram
