// The graph of memories (docs/graph.md, "Writing"): the offline rules' keyed memories write
// their triples from the user's entity, supersession ends or retracts them, forgetting retracts
// them, owners isolate, and context assembly's "Related facts" shows them; on every backend that
// keeps a graph.
#include <gtest/gtest.h>

#include <algorithm>

#include "graph_fixture.h"
#include "hashing_embedder.h"
#include "hygiene/slot_triples.h"

namespace engram {
namespace {

constexpr Timestamp kMinute = 60'000;

class MemoryGraphTest : public GraphEngineTest {
 protected:
  MemoryGraphTest() : GraphEngineTest(1'790'000'000'000) {}

  void Configure(Options& o) override {
    o.embedder = std::make_shared<testing::HashingEmbedder>();
    o.graph_from_memories = graph_from_memories_;
    o.policy.For(MemoryType::kFact).max_records = fact_cap_;
  }
  void Open(bool graph_from_memories = true) {
    graph_from_memories_ = graph_from_memories;
    GraphEngineTest::Open();
  }

  // A user turn as a chat client sends it: appended to the session, then remembered.
  TurnReport Chat(const std::string& text) {
    SessionItem item;
    item.content = text;
    EXPECT_TRUE(engine_->AddSessionItems("u", "s1", {item}).ok());
    return Say(text);
  }

  TurnReport Say(const std::string& text, const std::string& owner = "u") {
    auto r = engine_->RememberTurn(owner, "global", "s1", Role::kUser, text, std::nullopt);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    clock_->Advance(kMinute);
    return r.ok() ? *r : TurnReport{};
  }

  // A fact written as a caller writes one, with a slot key and its data.
  WriteResult Write(const std::string& key, const std::string& text, const std::string& data,
                    const std::string& owner = "u") {
    NewMemory m;
    m.owner_id = owner;
    m.key = key;
    m.text = text;
    m.data = data;
    auto w = engine_->WriteMemories(std::span(&m, 1));
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    clock_->Advance(kMinute);
    return w.ok() ? w->front() : WriteResult{};
  }

  bool graph_from_memories_ = true;
  size_t fact_cap_ = 0;  // the policy's max_records for facts

  // "from type to" of the user's edges true now, sorted.
  std::vector<std::string> Edges(const std::string& owner = "u", bool all_times = false) {
    GraphReadOptions o;
    o.all_times = all_times;
    auto g = engine_->ReadGraph(owner, o);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    std::vector<std::string> out;
    if (!g.ok()) return out;
    for (const Relation& r : g->relations) {
      out.push_back(r.from_name + " " + r.type + " " + r.to_name + (r.valid_to ? " (ended)" : ""));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST(SlotTriples, TheTableMapsKeysAndDataToTriples) {
  auto t = hygiene::SlotTripleOf("user.employer", R"({"employer":"Acme"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->relation, "works_at");
  EXPECT_EQ(t->object, "Acme");
  EXPECT_EQ(t->object_type, "organization");
  // A pattern's `*` is one segment; the pet's species is its entity type.
  t = hygiene::SlotTripleOf("family.pet.dog.name", R"({"species":"dog","name":"Biscuit"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->relation, "has_pet");
  EXPECT_EQ(t->object_type, "dog");
  // The exact key wins over family.*.name; a relative's relation names the edge.
  t = hygiene::SlotTripleOf("family.spouse.name", R"({"relation":"spouse","name":"Sam"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->relation, "married_to");
  t = hygiene::SlotTripleOf("family.sister.name", R"({"relation":"sister","name":"Ana"})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->relation, "has_sister");
  // A negated statement, a missing field, an unmapped key or bad data: no triple.
  EXPECT_FALSE(hygiene::SlotTripleOf("user.tools.vim", R"({"tool":"vim","uses":false})"));
  EXPECT_FALSE(hygiene::SlotTripleOf("user.employer", R"({"company":"Acme"})"));
  EXPECT_FALSE(hygiene::SlotTripleOf("pref.ui.theme", R"({"theme":"dark"})"));
  EXPECT_FALSE(hygiene::SlotTripleOf("user.employer", "not json"));
  EXPECT_FALSE(hygiene::SlotTripleOf("", "{}"));
}

TEST_P(MemoryGraphTest, TurnsWriteTriplesThatFollowTheirMemories) {
  TurnReport acme = Say("I work at Acme now.");
  ASSERT_EQ(acme.writes.size(), 1u);
  EXPECT_EQ(Edges(), std::vector<std::string>{"user works_at Acme"});
  auto user = engine_->GetEntity("u", "user");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->type, "person");
  auto acme_entity = engine_->GetEntity("u", "Acme");
  ASSERT_TRUE(acme_entity.ok());
  EXPECT_EQ(acme_entity->type, "organization");

  // A new employer supersedes the memory; the single-valued edge is ended, not retracted.
  TurnReport initech = Say("Actually I work at Initech now.");
  ASSERT_EQ(initech.writes.size(), 1u);
  EXPECT_EQ(initech.writes[0].superseded_ids, std::vector<std::string>{acme.writes[0].record.id});
  EXPECT_EQ(Edges(), std::vector<std::string>{"user works_at Initech"});
  EXPECT_EQ(Edges("u", true),
            (std::vector<std::string>{"user works_at Acme (ended)", "user works_at Initech"}));
  GraphReadOptions all;
  all.all_times = true;
  auto g = engine_->ReadGraph("u", all);
  ASSERT_TRUE(g.ok());
  for (const Relation& r : g->relations) {
    EXPECT_EQ(r.source,
              r.to_name == "Acme" ? acme.writes[0].record.id : initech.writes[0].record.id);
  }

  // A pet: its species is the entity's type.
  TurnReport dog = Say("I have a dog called Biscuit.");
  ASSERT_EQ(dog.writes.size(), 1u);
  EXPECT_EQ(Edges(), (std::vector<std::string>{"user has_pet Biscuit", "user works_at Initech"}));
  auto biscuit = engine_->GetEntity("u", "Biscuit");
  ASSERT_TRUE(biscuit.ok());
  EXPECT_EQ(biscuit->type, "dog");

  // Another owner sees none of it.
  EXPECT_TRUE(Edges("v").empty());
  EXPECT_EQ(engine_->GetEntity("v", "user").status().code(), Status::Code::kNotFound);

  // Forgetting the memory retracts its edge (of every world time).
  TurnReport forget = Say("Please forget what I told you about my dog.");
  ASSERT_EQ(forget.forgotten.size(), 1u);
  EXPECT_EQ(Edges(), std::vector<std::string>{"user works_at Initech"});
  // Deleting the superseded employer retracts its ended edge too.
  ASSERT_TRUE(engine_->DeleteMemory("u", acme.writes[0].record.id).ok());
  EXPECT_EQ(Edges("u", true), std::vector<std::string>{"user works_at Initech"});
}

TEST_P(MemoryGraphTest, AnUpdatedMemoryStatesOnlyWhatItSaysNow) {
  const WriteResult acme =
      Write("user.employer", "The user works at Acme.", R"({"employer":"Acme"})");
  EXPECT_EQ(Edges(), std::vector<std::string>{"user works_at Acme"});
  // What it states is unchanged: its edge stays as it was.
  MemoryUpdate u;
  u.metadata = R"({"checked":true})";
  ASSERT_TRUE(engine_->UpdateMemory("u", acme.record.id, u).ok());
  EXPECT_EQ(Edges("u", true), std::vector<std::string>{"user works_at Acme"});
  // A new value: the memory never said Acme now, so that edge is retracted, not ended.
  u = {};
  u.text = "The user works at Initech.";
  u.data = R"({"employer":"Initech"})";
  ASSERT_TRUE(engine_->UpdateMemory("u", acme.record.id, u).ok());
  EXPECT_EQ(Edges("u", true), std::vector<std::string>{"user works_at Initech"});
  GraphReadOptions all;
  all.all_times = true;
  auto g = engine_->ReadGraph("u", all);
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->relations.size(), 1u);
  EXPECT_EQ(g->relations[0].source, acme.record.id);
  // A key the table does not name states no edge.
  u = {};
  u.key = "note.employer";
  ASSERT_TRUE(engine_->UpdateMemory("u", acme.record.id, u).ok());
  EXPECT_TRUE(Edges("u", true).empty());
}

TEST_P(MemoryGraphTest, AMemoryEvictedByMaxRecordsTakesItsEdges) {
  fact_cap_ = 1;
  Open();
  Write("user.location.city", "The user lives in Lisbon.", R"({"city":"Lisbon"})");
  // Over the cap: the least recently used fact (Lisbon) is deleted, and its edge with it.
  Write("user.employer", "The user works at Acme.", R"({"employer":"Acme"})");
  auto live = engine_->ListMemories("u", {});
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_EQ(live->items.size(), 1u);
  EXPECT_EQ(live->items.front().key, "user.employer");
  EXPECT_EQ(Edges("u", true), std::vector<std::string>{"user works_at Acme"});
}

TEST_P(MemoryGraphTest, TheUsersNameIsAnAliasOfTheUsersEntity) {
  Write("user.employer", "The user works at Acme.", R"({"employer":"Acme"})");
  Write("user.name", "The user's name is Dana Scully.", R"({"name":"Dana Scully"})");
  auto dana = engine_->GetEntity("u", "dana  scully");
  ASSERT_TRUE(dana.ok()) << dana.status().ToString();
  EXPECT_EQ(dana->name, "user");
  EXPECT_EQ(dana->aliases, std::vector<std::string>{"Dana Scully"});
  // A text naming the user reaches the user's edges.
  auto mentioned = engine_->MentionedEntities("u", "Where does Dana Scully work?");
  ASSERT_TRUE(mentioned.ok());
  ASSERT_EQ(mentioned->size(), 1u);
  EXPECT_EQ(mentioned->front().name, "user");
  auto n = engine_->Neighbors("u", "Dana Scully", {});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(n->neighbors.size(), 1u);
  EXPECT_EQ(n->neighbors[0].entity.name, "Acme");
  // The name of an entity already known stays that entity's: two are never merged.
  NewEntity marco;
  marco.owner_id = "v";
  marco.name = "Marco";
  marco.type = "person";
  ASSERT_TRUE(engine_->AddEntities(std::span(&marco, 1)).ok());
  Write("user.employer", "The user works at Acme.", R"({"employer":"Acme"})", "v");
  Write("user.name", "The user's name is Marco.", R"({"name":"Marco"})", "v");
  EXPECT_EQ(engine_->GetEntity("v", "Marco")->name, "Marco");
  EXPECT_TRUE(engine_->GetEntity("v", "user")->aliases.empty());
}

TEST_P(MemoryGraphTest, RelatedFactsShowTheTriplesOfAQueryEntity) {
  Say("I work at Acme now.");
  Say("I have a dog called Biscuit.");
  ContextOptions o;
  o.query = "Does Biscuit need a walk today?";
  auto c = engine_->AssembleContext("u", o);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NE(c->rendered.find("## Related facts\n"), std::string::npos) << c->rendered;
  EXPECT_NE(c->rendered.find("- user has pet Biscuit\n"), std::string::npos) << c->rendered;
  // Two hops from Biscuit through the user.
  EXPECT_NE(c->rendered.find("- user works at Acme\n"), std::string::npos) << c->rendered;
  auto other = engine_->AssembleContext("v", o);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->rendered.find("Biscuit"), std::string::npos) << other->rendered;
}

TEST_P(MemoryGraphTest, ExplicitKeyedMemoriesWriteTriplesButNeverSecrets) {
  NewMemory m;
  m.owner_id = "u";
  m.key = "user.location.city";
  m.text = "The user lives in Lisbon.";
  m.data = R"({"city":"Lisbon"})";
  NewMemory secret = m;
  secret.key = "family.pet.cat.name";
  secret.text = "The user's cat has a name.";
  secret.data = R"({"species":"cat","name":"4111 1111 1111 1111"})";
  const NewMemory batch[] = {m, secret};
  auto written = engine_->WriteMemories(batch);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_NE((*written)[1].record.data.find("[REDACTED:card_number]"), std::string::npos);
  EXPECT_EQ(Edges(), std::vector<std::string>{"user lives_in Lisbon"});
  EXPECT_TRUE(engine_->SearchGraph("u", "4111")->entities.empty());
  EXPECT_TRUE(engine_->SearchGraph("u", "REDACTED")->entities.empty());
}

TEST_P(MemoryGraphTest, WorldStatementsWriteTriplesBetweenTheirEntities) {
  TurnReport lena = Say("Lena runs the mobile team.");
  ASSERT_EQ(lena.writes.size(), 1u);
  EXPECT_EQ(lena.writes[0].record.key, "world.mobile_team.led_by");
  EXPECT_EQ(lena.writes[0].record.text, "Lena runs the mobile team.");
  Say("Our billing API depends on the ledger service.");
  EXPECT_EQ(Edges(), (std::vector<std::string>{"billing API depends_on ledger service",
                                               "mobile team led_by Lena"}));
  auto team = engine_->GetEntity("u", "mobile team");
  ASSERT_TRUE(team.ok()) << team.status().ToString();
  EXPECT_EQ(team->type, "team");

  // A new leader: led_by is single-valued, so the old edge ends and the old memory is superseded.
  TurnReport marco = Say("Marco runs the mobile team now.");
  ASSERT_EQ(marco.writes.size(), 1u);
  EXPECT_EQ(marco.writes[0].superseded_ids, std::vector<std::string>{lena.writes[0].record.id});
  EXPECT_EQ(Edges(), (std::vector<std::string>{"billing API depends_on ledger service",
                                               "mobile team led_by Marco"}));
  EXPECT_EQ(Edges("u", true), (std::vector<std::string>{"billing API depends_on ledger service",
                                                        "mobile team led_by Lena (ended)",
                                                        "mobile team led_by Marco"}));
  // depends_on accumulates.
  Say("The billing API also depends on Stripe.");
  EXPECT_EQ(Edges(), (std::vector<std::string>{"billing API depends_on Stripe",
                                               "billing API depends_on ledger service",
                                               "mobile team led_by Marco"}));
  // Deleting a world memory retracts the edges it stated, from whichever entity.
  ASSERT_TRUE(engine_->DeleteMemory("u", marco.writes[0].record.id).ok());
  EXPECT_EQ(Edges(), (std::vector<std::string>{"billing API depends_on Stripe",
                                               "billing API depends_on ledger service"}));
  // A relative named as subject is also the user's.
  Say("My sister Ana lives in Lisbon.");
  auto ana = engine_->Neighbors("u", "Ana", NeighborOptions{});
  ASSERT_TRUE(ana.ok()) << ana.status().ToString();
  std::vector<std::string> around;
  for (const Relation& r : ana->relations)
    around.push_back(r.from_name + " " + r.type + " " + r.to_name);
  std::sort(around.begin(), around.end());
  EXPECT_EQ(around, (std::vector<std::string>{"Ana lives_in Lisbon", "user has_sister Ana"}));
  // Another world statement said as a change does not replace this one: only its key does.
  auto payments = Say("Dimitri's team owns the payments service.");
  Say("Nadia's team runs the search squad now.");
  auto page = engine_->ListMemories("u", ListOptions{});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(std::any_of(page->items.begin(), page->items.end(), [&](const MemoryRecord& r) {
    return r.id == payments.writes.at(0).record.id;
  }));
  EXPECT_TRUE(Edges("v").empty());
}

TEST_P(MemoryGraphTest, AWorldStatementWithASecretKeepsNoKeyAndNoTriple) {
  const std::string token = "AKIAQ3EGRSLKX7Z2VNW4";
  TurnReport r = Say("The deploy bot uses " + token + " for uploads.");
  ASSERT_EQ(r.writes.size(), 1u);
  EXPECT_TRUE(r.writes[0].record.key.empty());
  EXPECT_EQ(r.writes[0].record.data, "{}");
  EXPECT_EQ(r.writes[0].record.text.find(token), std::string::npos) << r.writes[0].record.text;
  EXPECT_TRUE(Edges().empty());
}

TEST_P(MemoryGraphTest, ItIsResolvedOnlyWhenUnambiguous) {
  Chat("We built Orion last year as our reporting engine.");
  TurnReport globex = Chat("Globex's reports run on it.");
  ASSERT_EQ(globex.writes.size(), 1u);
  EXPECT_EQ(globex.writes[0].record.text, "Globex's reports run on it.");
  EXPECT_EQ(Edges(), std::vector<std::string>{"Globex's reports runs_on Orion"});
  // An earlier sentence of the same turn counts first.
  Chat("Kestrel is our new scheduler. The ops crew relies on it.");
  EXPECT_EQ(Edges(), (std::vector<std::string>{"Globex's reports runs_on Orion",
                                               "ops crew depends_on Kestrel"}));

  // Two things named just before: "it" could be either, so no edge; the turn is still kept.
  Chat("The search service and the ads service share one cluster.");
  TurnReport kafka = Chat("Honestly it depends on Kafka for everything.");
  ASSERT_EQ(kafka.writes.size(), 1u);
  EXPECT_TRUE(kafka.writes[0].record.key.empty());
  EXPECT_EQ(Edges(), (std::vector<std::string>{"Globex's reports runs_on Orion",
                                               "ops crew depends_on Kestrel"}));
}

TEST_P(MemoryGraphTest, TheOptionTurnsItOff) {
  engine_.reset();
  Open(/*graph_from_memories=*/false);
  Say("I work at Acme now.");
  EXPECT_TRUE(Edges().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, MemoryGraphTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace engram
