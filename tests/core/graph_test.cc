// The knowledge graph through the Engine: name resolution, single-valued edges over time,
// forgetting, redaction, isolation, neighbours and paths; on every backend that keeps a graph.
#include <gtest/gtest.h>

#include <algorithm>

#include "graph/names.h"
#include "graph_fixture.h"

namespace engram {
namespace {

constexpr Timestamp kDay = 86400000;
constexpr Timestamp kT0 = 1767225600000;  // 2026-01-01

class GraphTest : public GraphEngineTest {
 protected:
  GraphTest() : GraphEngineTest(kT0) {}

  EntityWrite Add(const std::string& name, const std::string& type,
                  std::vector<std::string> aliases = {}, const std::string& owner = "alice",
                  const std::string& scope = "global") {
    NewEntity e;
    e.owner_id = owner;
    e.scope = scope;
    e.name = name;
    e.type = type;
    e.aliases = std::move(aliases);
    auto w = engine_->AddEntities({&e, 1});
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? (*w)[0] : EntityWrite{};
  }

  Result<std::vector<RelationWrite>> Rel(const std::string& from, const std::string& type,
                                         const std::string& to,
                                         std::optional<Timestamp> valid_from = std::nullopt,
                                         const std::string& scope = "global") {
    NewRelation r;
    r.owner_id = "alice";
    r.scope = scope;
    r.from = from;
    r.type = type;
    r.to = to;
    r.valid_from = valid_from;
    return engine_->AddRelations({&r, 1});
  }

  // "from type to" of each edge, sorted.
  static std::vector<std::string> Edges(const std::vector<Relation>& rs) {
    std::vector<std::string> out;
    for (const Relation& r : rs) out.push_back(r.from_name + " " + r.type + " " + r.to_name);
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<std::string> NeighborNames(const std::string& name, NeighborOptions o = {}) {
    auto n = engine_->Neighbors("alice", name, o);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    std::vector<std::string> out;
    if (n.ok()) {
      for (const Neighbor& x : n->neighbors) out.push_back(x.entity.name);
    }
    return out;
  }
};

TEST(GraphNames, KeysIgnoreCaseSpacesPunctuationAndApostrophesOnly) {
  EXPECT_EQ(graph::NameKey("  Project   Alpha. "), "project alpha");
  EXPECT_EQ(graph::NameKey("PROJECT-ALPHA"), "project alpha");
  EXPECT_EQ(graph::NameKey("O'Brien"), "obrien");
  EXPECT_EQ(graph::NameKey("O’Brien"), "obrien");
  EXPECT_EQ(graph::NameKey("Straße MÜLLER"), "strasse müller");
  EXPECT_EQ(graph::NameKey("Ａｌｉｃｅ"), "alice");  // full-width
  EXPECT_NE(graph::NameKey("Alice"), graph::NameKey("Alice Smith"));
  EXPECT_EQ(graph::NameKey("!!!"), "");
  EXPECT_EQ(graph::RelationTypeKey("Works At"), "works_at");
  EXPECT_EQ(graph::RelationTypeKey("reports-to"), "reports_to");
}

TEST(GraphNames, TextsAreReadAsNameWordsWithoutPossessives) {
  EXPECT_EQ(graph::NameWords("Where does Alice's team sit?"),
            (std::vector<std::string>{"where", "does", "alice", "team", "sit"}));
  EXPECT_EQ(graph::NameWords("James’s BIKE, O'Brien's car"),
            (std::vector<std::string>{"james", "bike", "obrien", "car"}));
  // Only an 's ending a word goes: a name with an apostrophe keeps its letters.
  EXPECT_EQ(graph::NameWords("O'Shea's O'Sullivan"),
            (std::vector<std::string>{"oshea", "osullivan"}));
  EXPECT_TRUE(graph::NameWords(" ?! ").empty());
}

TEST_P(GraphTest, NamesResolveByNormalizedNameOrDeclaredAlias) {
  EntityWrite bob = Add("Robert Smith", "person", {"Bob"});
  EXPECT_EQ(bob.event, GraphWriteEvent::kAdded);
  Add("Acme Corp.", "organization");
  ASSERT_TRUE(Rel("bob", "Works At", "ACME  corp").ok());
  auto e = engine_->GetEntity("alice", "robert-smith");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->id, bob.entity.id);
  EXPECT_EQ(NeighborNames("Bob"), std::vector<std::string>{"Acme Corp."});
  auto n = engine_->Neighbors("alice", "Bob");
  EXPECT_EQ(n->neighbors[0].via.type, "works_at");
  // Adding a name an entity already has merges into it; a new alias is added.
  EntityWrite again = Add("BOB", "", {"Robbie"});
  EXPECT_EQ(again.entity.id, bob.entity.id);
  EXPECT_EQ(again.event, GraphWriteEvent::kUpdated);
  EXPECT_EQ(again.entity.aliases, (std::vector<std::string>{"Bob", "Robbie"}));
  EXPECT_EQ(Add("Robbie", "person").event, GraphWriteEvent::kExisting);
  // A conflicting type is refused.
  NewEntity wrong;
  wrong.owner_id = "alice";
  wrong.name = "Bob";
  wrong.type = "project";
  EXPECT_TRUE(engine_->AddEntities({&wrong, 1}).status().IsInvalidArgument());
}

TEST_P(GraphTest, PeopleSharingAFirstNameAreNeverMerged) {
  Add("Alice Smith", "person", {"Ali"});
  Add("Alice Jones", "person");
  Add("Python", "language");
  auto r = Rel("Alice", "uses", "Python");
  EXPECT_TRUE(r.status().IsNotFound()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("no entity named 'Alice'"), std::string::npos);
  // One alias cannot name two entities.
  NewEntity jones;
  jones.owner_id = "alice";
  jones.name = "Alice Jones";
  jones.aliases = {"Ali"};
  EXPECT_TRUE(engine_->AddEntities({&jones, 1}).status().IsInvalidArgument());
  // "Alice" on its own is a third entity, not either of them.
  EXPECT_EQ(Add("Alice", "person").event, GraphWriteEvent::kAdded);
  EXPECT_EQ(engine_->ReadGraph("alice")->entities.size(), 4u);
}

TEST_P(GraphTest, ABatchWithAnUnknownEntityWritesNothing) {
  Add("Alice", "person");
  Add("Python", "language");
  std::vector<NewRelation> batch(2);
  for (NewRelation& r : batch) {
    r.owner_id = "alice";
    r.from = "Alice";
    r.type = "uses";
  }
  batch[0].to = "Python";
  batch[1].to = "Rust";
  auto w = engine_->AddRelations(batch);
  ASSERT_TRUE(w.status().IsNotFound());
  EXPECT_NE(w.status().message().find("item 1"), std::string::npos);
  EXPECT_TRUE(engine_->ReadGraph("alice")->relations.empty());
  EXPECT_TRUE(Rel("Alice", "  ", "Python").status().IsInvalidArgument());
  EXPECT_TRUE(Rel("Alice", "uses", "!!!").status().IsInvalidArgument());
}

TEST_P(GraphTest, ASingleValuedRelationClosesTheOldEdge) {
  Add("Alice", "person");
  Add("Acme", "organization");
  Add("Globex", "organization");
  ASSERT_TRUE(Rel("Alice", "works_at", "Acme").ok());
  const Timestamp before_move = clock_->Now();
  clock_->Advance(30 * kDay);
  auto moved = Rel("Alice", "works_at", "Globex");
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  ASSERT_EQ((*moved)[0].closed.size(), 1u);
  EXPECT_EQ((*moved)[0].closed[0].to_name, "Acme");
  EXPECT_EQ((*moved)[0].closed[0].valid_to, clock_->Now());

  EXPECT_EQ(NeighborNames("Alice"), std::vector<std::string>{"Globex"});
  NeighborOptions then;
  then.read.valid_at = before_move + kDay;
  EXPECT_EQ(NeighborNames("Alice", then), std::vector<std::string>{"Acme"});
  NeighborOptions believed;  // what the engine believed before the move was known
  believed.read.as_of = before_move;
  EXPECT_EQ(NeighborNames("Alice", believed), std::vector<std::string>{"Acme"});
  NeighborOptions all;
  all.read.all_times = true;
  EXPECT_EQ(NeighborNames("Alice", all), (std::vector<std::string>{"Acme", "Globex"}));

  auto history = engine_->GetEntityHistory("alice", "global", "Alice");
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  std::vector<std::string> events;
  for (const auto& h : *history) events.push_back(h.kind + ":" + h.event);
  EXPECT_EQ(events, (std::vector<std::string>{"entity:add", "relation:add", "relation:close",
                                              "relation:add"}));
}

TEST_P(GraphTest, AnOlderObservationOfASingleValuedRelationIsStoredAlreadyEnded) {
  Add("Alice", "person");
  Add("Paris", "city");
  Add("Lyon", "city");
  const Timestamp moved_to_paris = kT0 - 100 * kDay;
  const Timestamp lived_in_lyon = kT0 - 400 * kDay;
  ASSERT_TRUE(Rel("Alice", "lives_in", "Paris", moved_to_paris).ok());
  auto late = Rel("Alice", "lives in", "Lyon", lived_in_lyon);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_TRUE((*late)[0].closed.empty());
  EXPECT_EQ((*late)[0].relation.valid_to, moved_to_paris);
  EXPECT_EQ(NeighborNames("Alice"), std::vector<std::string>{"Paris"});
  NeighborOptions then;
  then.read.valid_at = lived_in_lyon + kDay;
  EXPECT_EQ(NeighborNames("Alice", then), std::vector<std::string>{"Lyon"});
}

TEST_P(GraphTest, MultiValuedRelationsAccumulateAndRepeatsAreNotStoredTwice) {
  Add("Alice", "person");
  Add("Python", "language");
  Add("Go", "language");
  ASSERT_TRUE(Rel("Alice", "uses", "Python").ok());
  ASSERT_TRUE(Rel("Alice", "uses", "Go").ok());
  auto again = Rel("Alice", "uses", "python");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].event, GraphWriteEvent::kExisting);
  EXPECT_EQ(NeighborNames("Alice"), (std::vector<std::string>{"Go", "Python"}));
  EXPECT_EQ(engine_->ReadGraph("alice")->relations.size(), 2u);
}

TEST_P(GraphTest, ObservationsAreDeduplicatedRedactedAndDeleted) {
  Add("Alice", "person");
  std::vector<std::string> texts = {"Prefers dark mode", "prefers dark mode.",
                                    "Her password is hunter2-Xq9!"};
  auto added = engine_->AddObservations("alice", "global", "Alice", texts);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  ASSERT_EQ(added->size(), 2u);
  EXPECT_EQ((*added)[1].text.find("hunter2"), std::string::npos);
  EXPECT_NE((*added)[1].text.find("[REDACTED:password]"), std::string::npos);
  auto search = engine_->SearchGraph("alice", "DARK MODE");
  ASSERT_EQ(search->entities.size(), 1u);
  EXPECT_TRUE(engine_->SearchGraph("alice", "hunter2")->entities.empty());
  std::vector<std::string> gone = {"prefers dark mode"};
  EXPECT_EQ(*engine_->DeleteObservations("alice", "global", "Alice", gone), 1);
  EXPECT_EQ(engine_->GetEntity("alice", "Alice")->observations.size(), 1u);
}

TEST_P(GraphTest, ForgettingAnEntityRemovesItsEdgesAndObservations) {
  Add("Alice", "person");
  Add("Project Alpha", "project");
  std::vector<std::string> obs = {"manages the payments team"};
  ASSERT_TRUE(engine_->AddObservations("alice", "global", "Alice", obs).ok());
  ASSERT_TRUE(Rel("Alice", "manages", "Project Alpha").ok());
  const Timestamp before = clock_->Now();
  clock_->Advance(1000);
  std::vector<std::string> names = {"alice"};
  auto report = engine_->DeleteEntities("alice", "global", names, false);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->entities, 1);
  EXPECT_EQ(report->relations, 1);
  EXPECT_EQ(report->observations, 1);
  EXPECT_TRUE(engine_->GetEntity("alice", "Alice").status().IsNotFound());
  EXPECT_TRUE(NeighborNames("Project Alpha").empty());
  GraphReadOptions past;
  past.as_of = before;
  auto then = engine_->ReadGraph("alice", past);
  EXPECT_EQ(then->entities.size(), 2u);
  EXPECT_EQ(Edges(then->relations), std::vector<std::string>{"Alice manages Project Alpha"});

  // Erasing removes the past as well.
  Add("Bob", "person");
  ASSERT_TRUE(Rel("Bob", "manages", "Project Alpha").ok());
  const Timestamp with_bob = clock_->Now();
  clock_->Advance(1000);
  std::vector<std::string> bob = {"Bob"};
  ASSERT_TRUE(engine_->DeleteEntities("alice", "global", bob, true).ok());
  GraphReadOptions at_bob;
  at_bob.as_of = with_bob;
  auto erased = engine_->ReadGraph("alice", at_bob);
  EXPECT_EQ(erased->entities.size(), 1u);  // Project Alpha
  EXPECT_TRUE(erased->relations.empty());
  std::vector<std::string> unknown = {"Carol"};
  EXPECT_TRUE(engine_->DeleteEntities("alice", "global", unknown, false).status().IsNotFound());
}

TEST_P(GraphTest, OwnersAndScopesIsolate) {
  Add("Alpha", "project", {}, "alice", "project/alpha");
  Add("Alpha", "codename", {}, "alice", "global");
  Add("Secret Plan", "plan", {}, "bob");
  EXPECT_TRUE(engine_->GetEntity("alice", "Secret Plan").status().IsNotFound());
  EXPECT_TRUE(engine_->ReadGraph("bob")->entities.size() == 1u);
  EXPECT_EQ(engine_->GetEntity("alice", "Alpha")->type, "codename");
  GraphReadOptions at_alpha;
  at_alpha.scope = "project/alpha";
  EXPECT_EQ(engine_->GetEntity("alice", "Alpha", at_alpha)->type, "project");  // narrowest
  GraphReadOptions sibling;
  sibling.scope = "project/alphabet";
  EXPECT_EQ(engine_->GetEntity("alice", "Alpha", sibling)->type, "codename");
  EXPECT_EQ(engine_->ReadGraph("alice")->entities.size(), 1u);
  EXPECT_EQ(engine_->ReadGraph("alice", at_alpha)->entities.size(), 2u);
  ASSERT_TRUE(engine_->ForgetOwner("bob").ok());
  EXPECT_TRUE(engine_->ReadGraph("bob")->entities.empty());
  EXPECT_EQ(engine_->ReadGraph("alice", at_alpha)->entities.size(), 2u);
}

TEST_P(GraphTest, NeighborsByDepthDirectionAndTypeAndShortestPaths) {
  for (const char* p : {"Alice", "Bob", "Carol", "Dan"}) Add(p, "person");
  Add("Project Alpha", "project");
  Add("March 2026", "date");
  ASSERT_TRUE(Rel("Alice", "manages", "Project Alpha").ok());
  ASSERT_TRUE(Rel("Project Alpha", "deadline", "March 2026").ok());
  ASSERT_TRUE(Rel("Bob", "reports_to", "Alice").ok());
  ASSERT_TRUE(Rel("Carol", "knows", "Bob").ok());
  ASSERT_TRUE(Rel("Dan", "knows", "Carol").ok());

  NeighborOptions two;
  two.depth = 2;
  two.direction = GraphDirection::kOut;
  EXPECT_EQ(NeighborNames("Alice", two), (std::vector<std::string>{"Project Alpha", "March 2026"}));
  two.entity_types = {"date"};
  EXPECT_EQ(NeighborNames("Alice", two), std::vector<std::string>{"March 2026"});
  NeighborOptions in;
  in.direction = GraphDirection::kIn;
  EXPECT_EQ(NeighborNames("Alice", in), std::vector<std::string>{"Bob"});
  NeighborOptions typed;
  typed.depth = 3;
  typed.relation_types = {"knows", "reports to"};
  EXPECT_EQ(NeighborNames("Alice", typed), (std::vector<std::string>{"Bob", "Carol", "Dan"}));
  auto n = engine_->Neighbors("alice", "Alice", typed);
  EXPECT_EQ(Edges(n->relations), (std::vector<std::string>{"Bob reports_to Alice",
                                                           "Carol knows Bob", "Dan knows Carol"}));
  EXPECT_EQ(n->neighbors[2].depth, 3u);

  auto path = engine_->FindPath("alice", "Dan", "March 2026", 6);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  ASSERT_TRUE(path->has_value());
  std::vector<std::string> names;
  for (const Entity& e : (*path)->entities) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Dan", "Carol", "Bob", "Alice", "Project Alpha",
                                             "March 2026"}));
  EXPECT_EQ((*path)->relations.size(), 5u);
  EXPECT_EQ((*path)->relations[2].type, "reports_to");
  EXPECT_FALSE(engine_->FindPath("alice", "Dan", "March 2026", 4)->has_value());
  EXPECT_FALSE(engine_->FindPath("alice", "Dan", "Alice", 6, GraphDirection::kIn)->has_value());
  EXPECT_TRUE(engine_->FindPath("alice", "Dan", "Alice", 6, GraphDirection::kOut)->has_value());
  NeighborOptions bad;
  bad.depth = 0;
  EXPECT_TRUE(engine_->Neighbors("alice", "Alice", bad).status().IsInvalidArgument());
  EXPECT_TRUE(engine_->Neighbors("alice", "Zed").status().IsNotFound());
}

TEST_P(GraphTest, OpenEntitiesReturnsTheNamedOnesAndTheEdgesTouchingThem) {
  Add("Alice", "person");
  Add("Bob", "person");
  Add("Carol", "person");
  ASSERT_TRUE(Rel("Alice", "knows", "Bob").ok());
  ASSERT_TRUE(Rel("Bob", "knows", "Carol").ok());
  Add("Dan", "person");
  ASSERT_TRUE(Rel("Carol", "knows", "Dan").ok());
  std::vector<std::string> names = {"alice", "Bob", "Nobody"};
  auto g = engine_->OpenEntities("alice", names);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->entities.size(), 2u);
  EXPECT_EQ(Edges(g->relations), (std::vector<std::string>{"Alice knows Bob", "Bob knows Carol"}));
}

TEST_P(GraphTest, MentionedEntitiesAreTheLongestNamesATextUsesInOrder) {
  Add("Alice", "person", {"Ally"});
  Add("Project Alpha", "project");
  Add("Alpha", "greek letter");
  Add("Bob", "person", {}, "bob");  // another owner's
  auto found = engine_->MentionedEntities(
      "alice", "Which deadlines of project alpha concern Ally's team, or Alpha? Not Bob. alice!");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  std::vector<std::string> names;
  for (const Entity& e : *found) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Project Alpha", "Alice", "Alpha"}));
  auto none = engine_->MentionedEntities("alice", "What is the weather like?");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // A deleted entity is no longer found.
  std::vector<std::string> gone = {"Alpha"};
  ASSERT_TRUE(engine_->DeleteEntities("alice", "global", gone, false).ok());
  found = engine_->MentionedEntities("alice", "alpha");
  ASSERT_TRUE(found.ok());
  EXPECT_TRUE(found->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, GraphTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace engram
