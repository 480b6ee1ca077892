// The GraphStore conformance suite: every backend that keeps a knowledge graph must pass it
// unchanged. The backends are listed in conformance.h; each must serve a graph.
#include <gtest/gtest.h>

#include <algorithm>

#include "store/conformance.h"
#include "store/graph_store.h"

namespace engram::store {
namespace {

using testing::BackendName;
using testing::BackendTest;
using testing::ConformanceBackends;

Entity MakeEntity(const std::string& owner, const std::string& id, const std::string& name,
                  Timestamp at, const std::string& scope = "global") {
  Entity e;
  e.id = id;
  e.owner_id = owner;
  e.scope = scope;
  e.name = name;
  e.type = "person";
  e.created_at = at;
  e.updated_at = at;
  return e;
}

Relation MakeRelation(const std::string& owner, const std::string& id, const std::string& from,
                      const std::string& type, const std::string& to, Timestamp at,
                      std::optional<Timestamp> valid_from = std::nullopt,
                      std::optional<Timestamp> valid_to = std::nullopt) {
  Relation r;
  r.id = id;
  r.owner_id = owner;
  r.scope = "global";
  r.from_id = from;
  r.type = type;
  r.to_id = to;
  r.valid_from = valid_from;
  r.valid_to = valid_to;
  r.created_at = at;
  r.updated_at = at;
  return r;
}

std::vector<std::string> Ids(const std::vector<Relation>& rs) {
  std::vector<std::string> out;
  for (const Relation& r : rs) out.push_back(r.id);
  std::sort(out.begin(), out.end());
  return out;
}

class GraphStoreConformance : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_TRUE(backend_.graph) << GetParam().name << " keeps no knowledge graph";
    graph_ = backend_.graph;
  }

  std::unique_ptr<GraphTransaction> Write() {
    auto txn = graph_->BeginWrite();
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    return std::move(*txn);
  }
  std::unique_ptr<GraphTransaction> Read() {
    auto txn = graph_->BeginRead();
    EXPECT_TRUE(txn.ok()) << txn.status().ToString();
    return std::move(*txn);
  }

  std::shared_ptr<GraphStore> graph_;
};

// A new version expires the current one; reads see the current version, or the one believed at
// as_of; keys find the version they were given with.
TEST_P(GraphStoreConformance, EntityVersionsAndAsOf) {
  auto txn = Write();
  Entity v1 = MakeEntity("alice", "e1", "Robert Smith", 10);
  ASSERT_TRUE(txn->PutEntity(v1, {"robert smith"}).ok());
  Entity v2 = v1;
  v2.aliases = {"Bob"};
  v2.updated_at = 20;
  ASSERT_TRUE(txn->PutEntity(v2, {"robert smith", "bob"}).ok());
  ASSERT_TRUE(txn->Commit().ok());

  auto r = Read();
  auto now = r->GetEntities("alice", {"e1"}, std::nullopt);
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ((*now)[0].aliases, std::vector<std::string>{"Bob"});
  EXPECT_EQ((*now)[0].created_at, 10);
  EXPECT_EQ((*now)[0].updated_at, 20);
  auto then = r->GetEntities("alice", {"e1"}, Timestamp{15});
  ASSERT_EQ(then->size(), 1u);
  EXPECT_TRUE((*then)[0].aliases.empty());
  EXPECT_TRUE(r->GetEntities("alice", {"e1"}, Timestamp{5})->empty());
  EXPECT_EQ(r->FindEntitiesByKey("alice", {}, "bob", std::nullopt)->size(), 1u);
  EXPECT_TRUE(r->FindEntitiesByKey("alice", {}, "bob", Timestamp{15})->empty());
  EXPECT_EQ(r->FindEntitiesByKey("alice", {"global"}, "robert smith", Timestamp{15})->size(), 1u);
  EXPECT_TRUE(r->FindEntitiesByKey("alice", {"project/x"}, "bob", std::nullopt)->empty());
  r.reset();

  txn.reset();  // a finished write still holds the writer until it is destroyed
  txn = Write();
  ASSERT_TRUE(txn->ExpireEntity("alice", "e1", 30).ok());
  EXPECT_TRUE(txn->ExpireEntity("alice", "e1", 31).IsNotFound());
  ASSERT_TRUE(txn->Commit().ok());
  r = Read();
  EXPECT_TRUE(r->GetEntities("alice", {"e1"}, std::nullopt)->empty());
  EXPECT_TRUE(r->ListEntities("alice", {}, std::nullopt)->empty());
  EXPECT_EQ(r->ListEntities("alice", {}, Timestamp{25})->size(), 1u);
}

TEST_P(GraphStoreConformance, OwnersAndScopesAreKeptApart) {
  auto txn = Write();
  ASSERT_TRUE(txn->PutEntity(MakeEntity("alice", "a1", "Acme", 10), {"acme"}).ok());
  ASSERT_TRUE(
      txn->PutEntity(MakeEntity("alice", "a2", "Alpha", 10, "project/alpha"), {"alpha"}).ok());
  ASSERT_TRUE(txn->PutEntity(MakeEntity("bob", "b1", "Acme", 10), {"acme"}).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("bob", "rb", "b1", "likes", "b1", 10)).ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto r = Read();
  auto alice = r->FindEntitiesByKey("alice", {}, "acme", std::nullopt);
  ASSERT_EQ(alice->size(), 1u);
  EXPECT_EQ((*alice)[0].id, "a1");
  EXPECT_TRUE(r->GetEntities("alice", {"b1"}, std::nullopt)->empty());
  EXPECT_EQ(r->ListEntities("alice", {"global"}, std::nullopt)->size(), 1u);
  EXPECT_EQ(r->ListEntities("alice", {"global", "project/alpha"}, std::nullopt)->size(), 2u);
  EXPECT_TRUE(r->ListRelations({"alice", {}, {"b1"}, true, true, {}, {}, {}})->empty());
  EXPECT_TRUE(r->ListRelations({"alice", {}, {}, true, true, {}, {}, {}})->empty());
  r.reset();
  txn.reset();
  txn = Write();
  auto report = txn->DeleteOwnerGraph("bob");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->entities, 1);
  EXPECT_EQ(report->relations, 1);
  ASSERT_TRUE(txn->Commit().ok());
  r = Read();
  EXPECT_TRUE(r->ListEntities("bob", {}, std::nullopt)->empty());
  EXPECT_EQ(r->ListEntities("alice", {}, std::nullopt)->size(), 2u);
}

// Edges by direction, type, world time (valid_at) and system time (as_of); an edge found from
// both of its ends is listed once.
TEST_P(GraphStoreConformance, RelationsByDirectionTypeAndTime) {
  auto txn = Write();
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r1", "a", "works_at", "x", 10, 100, 200)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r2", "a", "works_at", "y", 10, 200)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r3", "b", "knows", "a", 10)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r4", "a", "knows", "b", 10)).ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto r = Read();
  auto q = [&](std::vector<std::string> ids, bool out, bool in, std::vector<std::string> types,
               std::optional<Timestamp> as_of, std::optional<Timestamp> valid_at) {
    auto rs =
        r->ListRelations({"o", {}, std::move(ids), out, in, std::move(types), as_of, valid_at});
    EXPECT_TRUE(rs.ok()) << rs.status().ToString();
    return Ids(*rs);
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(q({"a"}, true, false, {}, {}, {}), (V{"r1", "r2", "r4"}));
  EXPECT_EQ(q({"a"}, false, true, {}, {}, {}), (V{"r3"}));
  EXPECT_EQ(q({"a"}, true, true, {}, {}, {}), (V{"r1", "r2", "r3", "r4"}));
  EXPECT_EQ(q({"a", "b"}, true, true, {"knows"}, {}, {}), (V{"r3", "r4"}));
  EXPECT_EQ(q({"a"}, true, false, {"works_at"}, {}, Timestamp{150}), (V{"r1"}));
  EXPECT_EQ(q({"a"}, true, false, {"works_at"}, {}, Timestamp{200}), (V{"r2"}));
  EXPECT_EQ(q({"a"}, true, false, {"works_at"}, {}, Timestamp{50}), (V{}));
  EXPECT_EQ(q({}, true, true, {"works_at"}, {}, {}), (V{"r1", "r2"}));
  r.reset();

  txn.reset();
  txn = Write();
  Relation closed = MakeRelation("o", "r2", "a", "works_at", "y", 10, 200, 300);
  closed.updated_at = 40;
  ASSERT_TRUE(txn->PutRelation(closed).ok());
  ASSERT_TRUE(txn->ExpireRelation("o", "r4", 50).ok());
  EXPECT_TRUE(txn->ExpireRelation("o", "r4", 51).IsNotFound());
  ASSERT_TRUE(txn->Commit().ok());
  r = Read();
  EXPECT_EQ(q({"a"}, true, false, {}, {}, Timestamp{350}), (V{}));
  EXPECT_EQ(q({"a"}, true, false, {}, Timestamp{30}, Timestamp{350}), (V{"r2", "r4"}));
  EXPECT_EQ(q({"a"}, true, false, {}, Timestamp{45}, {}), (V{"r1", "r2", "r4"}));
  auto current = r->ListRelations({"o", {}, {"a"}, true, false, {"works_at"}, {}, {}});
  ASSERT_EQ(current->size(), 2u);
  for (const Relation& rel : *current) {
    if (rel.id == "r2") {
      EXPECT_EQ(rel.valid_to, 300);
      EXPECT_EQ(rel.created_at, 10);
      EXPECT_EQ(rel.updated_at, 40);
    }
  }
}

// Many keys in one read: each entity once per key it has, by owner, scope and as_of; nothing for
// an owner without entities.
TEST_P(GraphStoreConformance, EntitiesByManyKeys) {
  auto txn = Write();
  Entity bob = MakeEntity("alice", "e1", "Robert Smith", 10);
  bob.aliases = {"Bob"};
  ASSERT_TRUE(txn->PutEntity(bob, {"robert smith", "bob"}).ok());
  ASSERT_TRUE(
      txn->PutEntity(MakeEntity("alice", "e2", "Alpha", 20, "project/alpha"), {"alpha"}).ok());
  ASSERT_TRUE(txn->PutEntity(MakeEntity("carol", "c1", "Bob", 10), {"bob"}).ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto r = Read();
  auto found = [&](const std::string& owner, std::vector<std::string> scopes,
                   std::vector<std::string> keys, std::optional<Timestamp> as_of) {
    auto got = r->FindEntitiesByKeys(owner, scopes, keys, as_of);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    std::vector<std::string> out;
    for (const KeyedEntity& k : *got) out.push_back(k.key + "=" + k.entity.id);
    std::sort(out.begin(), out.end());
    return out;
  };
  using V = std::vector<std::string>;
  const V keys = {"bob", "robert smith", "alpha", "nobody"};
  EXPECT_EQ(found("alice", {}, keys, {}), (V{"alpha=e2", "bob=e1", "robert smith=e1"}));
  EXPECT_EQ(found("alice", {"global"}, keys, {}), (V{"bob=e1", "robert smith=e1"}));
  EXPECT_EQ(found("alice", {}, keys, Timestamp{15}), (V{"bob=e1", "robert smith=e1"}));
  EXPECT_EQ(found("carol", {}, keys, {}), (V{"bob=c1"}));
  EXPECT_EQ(found("dave", {}, keys, {}), (V{}));
  EXPECT_EQ(found("alice", {}, {}, {}), (V{}));
  auto one = r->FindEntitiesByKeys("alice", {}, {"bob"}, std::nullopt);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].entity.name, "Robert Smith");
  EXPECT_EQ((*one)[0].entity.aliases, std::vector<std::string>{"Bob"});
}

// Several rounds of edges in one read give what one ListRelations per round gives, in its order,
// for every direction and filter; another owner's edges between the same ids never join.
TEST_P(GraphStoreConformance, RelationsWithinRounds) {
  auto txn = Write();
  // a -> b -> c -> d, e -> a, b <-> f (knows), an edge of the past (a -> g until 50) and one
  // expired (c -> h, gone at 60); owner p links a to z.
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r1", "a", "manages", "b", 10)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r2", "b", "deadline", "c", 11)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r3", "c", "owned_by", "d", 12)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r4", "e", "manages", "a", 13)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r5", "b", "knows", "f", 14)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r6", "f", "knows", "b", 15)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r7", "a", "works_at", "g", 16, 0, 50)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r8", "c", "uses", "h", 17)).ok());
  ASSERT_TRUE(txn->ExpireRelation("o", "r8", 60).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("p", "q1", "a", "knows", "z", 10)).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("p", "q2", "z", "knows", "b", 10)).ok());
  ASSERT_TRUE(txn->Commit().ok());
  auto r = Read();
  // What one ListRelations per round gives, as one list in ListRelations' order.
  auto by_rounds = [&](EdgeQuery q, size_t rounds) {
    std::vector<std::string> reached = q.entity_ids, frontier = q.entity_ids;
    for (size_t round = 1; round < rounds && !frontier.empty(); ++round) {
      EdgeQuery hop = q;
      hop.entity_ids = frontier;
      frontier.clear();
      auto edges = r->ListRelations(hop);
      EXPECT_TRUE(edges.ok()) << edges.status().ToString();
      for (const Relation& rel : *edges) {
        for (const auto& [near, far] :
             {std::pair{&rel.from_id, &rel.to_id}, {&rel.to_id, &rel.from_id}}) {
          const bool follows = near == &rel.from_id ? q.out : q.in;
          const bool asked = std::find(hop.entity_ids.begin(), hop.entity_ids.end(), *near) !=
                             hop.entity_ids.end();
          if (follows && asked &&
              std::find(reached.begin(), reached.end(), *far) == reached.end()) {
            reached.push_back(*far);
            frontier.push_back(*far);
          }
        }
      }
    }
    q.entity_ids = reached;
    std::vector<std::string> ids;
    auto edges = r->ListRelations(q);
    EXPECT_TRUE(edges.ok()) << edges.status().ToString();
    for (const Relation& rel : *edges) ids.push_back(rel.id);
    return ids;
  };
  size_t checked = 0;
  for (const char* owner : {"o", "p"}) {
    for (const auto& [out, in] : {std::pair{true, false}, {false, true}, {true, true}}) {
      for (const std::vector<std::string>& types :
           {std::vector<std::string>{}, {"manages", "deadline"}, {"knows"}}) {
        for (const std::optional<Timestamp>& as_of :
             {std::optional<Timestamp>{}, {Timestamp{55}}}) {
          for (const std::optional<Timestamp>& valid_at :
               {std::optional<Timestamp>{}, {Timestamp{40}}, {Timestamp{70}}}) {
            for (size_t rounds = 1; rounds <= 4; ++rounds) {
              EdgeQuery q{owner, {}, {"a"}, out, in, types, as_of, valid_at};
              auto ball = r->ListRelationsWithin(q, rounds);
              ASSERT_TRUE(ball.ok()) << ball.status().ToString();
              ASSERT_GE(ball->hops, 1u);
              ASSERT_LE(ball->hops, rounds);
              std::vector<std::string> ids;
              for (const Relation& rel : ball->edges) ids.push_back(rel.id);
              EXPECT_EQ(ids, by_rounds(q, ball->hops))
                  << owner << " out " << out << " in " << in << " rounds " << rounds << " of "
                  << ball->hops;
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 2u * 3 * 3 * 2 * 3 * 4);
  // The reference itself: both directions, all world times, four rounds from a reach every
  // edge of o but the expired one.
  std::vector<std::string> all = by_rounds({"o", {}, {"a"}, true, true, {}, {}, {}}, 4);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"r1", "r2", "r3", "r4", "r5", "r6", "r7"}));
}

TEST_P(GraphStoreConformance, ObservationsHistoryAndErasure) {
  auto txn = Write();
  ASSERT_TRUE(txn->PutEntity(MakeEntity("o", "e1", "Alice", 10), {"alice"}).ok());
  ASSERT_TRUE(txn->PutEntity(MakeEntity("o", "e2", "Acme", 10), {"acme"}).ok());
  ASSERT_TRUE(txn->InsertObservation("o", {"o1", "e1", "likes tea", "turn 1", 10, {}}).ok());
  ASSERT_TRUE(txn->InsertObservation("o", {"o2", "e1", "uses Python", "", 20, {}}).ok());
  ASSERT_TRUE(txn->PutRelation(MakeRelation("o", "r1", "e1", "works_at", "e2", 10)).ok());
  for (const char* id : {"e1", "o1", "r1", "e2"}) {
    ASSERT_TRUE(
        txn->AppendGraphHistory({0, "o", "entity", id, "add", "test", "", "", "{}", 10}).ok());
  }
  ASSERT_TRUE(txn->ExpireObservation("o", "o1", 30).ok());
  EXPECT_TRUE(txn->ExpireObservation("o", "o1", 31).IsNotFound());
  ASSERT_TRUE(txn->Commit().ok());

  auto r = Read();
  auto obs = r->ListObservations("o", {"e1"}, std::nullopt);
  ASSERT_EQ(obs->size(), 1u);
  EXPECT_EQ((*obs)[0].text, "uses Python");
  auto then = r->ListObservations("o", {"e1"}, Timestamp{25});
  ASSERT_EQ(then->size(), 2u);
  EXPECT_EQ((*then)[0].text, "likes tea");
  EXPECT_EQ((*then)[0].source, "turn 1");
  EXPECT_EQ(r->ListObservations("o", {"e1"}, Timestamp{15})->size(), 1u);
  auto history = r->GetGraphHistory("o", {"e1", "r1"});
  ASSERT_EQ(history->size(), 2u);
  EXPECT_LT((*history)[0].seq, (*history)[1].seq);
  EXPECT_EQ((*history)[0].object_id, "e1");
  EXPECT_EQ((*history)[0].new_value, "{}");
  EXPECT_EQ((*history)[0].old_value, "");
  r.reset();

  txn.reset();
  txn = Write();
  auto report = txn->EraseEntities("o", {"e1"});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->entities, 1);
  EXPECT_EQ(report->relations, 1);
  EXPECT_EQ(report->observations, 2);
  ASSERT_TRUE(txn->Commit().ok());
  r = Read();
  EXPECT_TRUE(r->GetEntities("o", {"e1"}, Timestamp{15})->empty());
  EXPECT_TRUE(r->FindEntitiesByKey("o", {}, "alice", Timestamp{15})->empty());
  EXPECT_TRUE(r->ListObservations("o", {"e1"}, Timestamp{25})->empty());
  EXPECT_TRUE(r->ListRelations({"o", {}, {}, true, true, {}, Timestamp{15}, {}})->empty());
  EXPECT_TRUE(r->GetGraphHistory("o", {"e1", "o1", "r1"})->empty());
  EXPECT_EQ(r->GetGraphHistory("o", {"e2"})->size(), 1u);
  EXPECT_EQ(r->ListEntities("o", {}, std::nullopt)->size(), 1u);
}

// GetEntitiesWithObservations is GetEntities with ListObservations' answer for each entity, at
// any as_of, the owner's rows only; a transaction reads what it wrote before.
TEST_P(GraphStoreConformance, EntitiesWithTheirObservations) {
  auto txn = Write();
  ASSERT_TRUE(txn->PutEntity(MakeEntity("o", "e1", "Alice", 10), {"alice"}).ok());
  ASSERT_TRUE(txn->PutEntity(MakeEntity("o", "e2", "Acme", 10), {"acme"}).ok());
  ASSERT_TRUE(txn->PutEntity(MakeEntity("p", "e1", "Bob", 10), {"bob"}).ok());
  ASSERT_TRUE(txn->InsertObservation("o", {"o1", "e1", "likes tea", "turn 1", 10, {}}).ok());
  ASSERT_TRUE(txn->InsertObservation("o", {"o2", "e1", "uses Python", "", 20, {}}).ok());
  ASSERT_TRUE(txn->InsertObservation("p", {"o3", "e1", "Bob's own", "", 20, {}}).ok());
  auto own = txn->GetEntitiesWithObservations("o", {"e1"}, std::nullopt);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  ASSERT_EQ(own->size(), 1u);
  EXPECT_EQ((*own)[0].observations.size(), 2u);
  ASSERT_TRUE(txn->ExpireObservation("o", "o1", 30).ok());
  ASSERT_TRUE(txn->PutEntity(MakeEntity("o", "e1", "Alicia", 40), {"alice", "alicia"}).ok());
  ASSERT_TRUE(txn->Commit().ok());
  txn.reset();

  auto r = Read();
  const std::vector<std::string> ids = {"e2", "e1", "unknown"};
  for (std::optional<Timestamp> as_of :
       {std::optional<Timestamp>(), std::optional<Timestamp>(5), std::optional<Timestamp>(15),
        std::optional<Timestamp>(25), std::optional<Timestamp>(35)}) {
    auto got = r->GetEntitiesWithObservations("o", ids, as_of);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    auto want = r->GetEntities("o", ids, as_of);
    auto observations = r->ListObservations("o", ids, as_of);
    ASSERT_TRUE(want.ok() && observations.ok());
    for (Entity& e : *want) {
      for (const Observation& o : *observations) {
        if (o.entity_id == e.id) e.observations.push_back(o);
      }
    }
    auto by_id = [](std::vector<Entity> es) {
      std::sort(es.begin(), es.end(), [](const Entity& a, const Entity& b) { return a.id < b.id; });
      std::vector<std::string> out;
      for (const Entity& e : es) {
        std::string line = e.id + " " + e.name + ":";
        for (const Observation& o : e.observations) {
          line += " " + o.id + "/" + o.text + "/" + o.source + "/" + std::to_string(o.created_at);
        }
        out.push_back(line);
      }
      return out;
    };
    EXPECT_EQ(by_id(*got), by_id(*want)) << (as_of ? *as_of : -1);
  }
  auto now = r->GetEntitiesWithObservations("o", ids, std::nullopt);
  ASSERT_EQ(now->size(), 2u);
  const Entity& alicia = (*now)[0].id == "e1" ? (*now)[0] : (*now)[1];
  EXPECT_EQ(alicia.name, "Alicia");
  ASSERT_EQ(alicia.observations.size(), 1u);
  EXPECT_EQ(alicia.observations[0].text, "uses Python");
  EXPECT_TRUE(r->GetEntitiesWithObservations("o", {}, std::nullopt)->empty());
  auto bob = r->GetEntitiesWithObservations("p", {"e1"}, std::nullopt);
  ASSERT_EQ(bob->size(), 1u);
  ASSERT_EQ((*bob)[0].observations.size(), 1u);
  EXPECT_EQ((*bob)[0].observations[0].text, "Bob's own");
  r.reset();
  // Reads and writes take turns on the same connections.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Read()->GetEntitiesWithObservations("o", {"e2"}, std::nullopt)->size(), 1u);
    auto w = Write();
    ASSERT_TRUE(
        w->InsertObservation("o", {"n" + std::to_string(i), "e2", "note", "", 50, {}}).ok());
    ASSERT_TRUE(w->Commit().ok());
  }
  EXPECT_EQ(Read()->ListObservations("o", {"e2"}, std::nullopt)->size(), 3u);
}

TEST_P(GraphStoreConformance, AnUncommittedWriteLeavesNothing) {
  {
    auto txn = Write();
    ASSERT_TRUE(txn->PutEntity(MakeEntity("o", "e1", "Alice", 10), {"alice"}).ok());
  }
  EXPECT_TRUE(Read()->ListEntities("o", {}, std::nullopt)->empty());
  EXPECT_TRUE(Read()->FindEntitiesByKey("o", {}, "alice", std::nullopt)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, GraphStoreConformance,
                         ::testing::ValuesIn(ConformanceBackends()), BackendName);

}  // namespace
}  // namespace engram::store
