// Engine::ImportGraph on every backend that keeps a graph: a whole file in one transaction (an
// error at any item writes nothing, however many items came before it), each item seeing the
// items before it.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>

#include "graph_fixture.h"

namespace engram {
namespace {

constexpr Timestamp kT0 = 1767225600000;  // 2026-01-01

class GraphImportTest : public GraphEngineTest {
 protected:
  GraphImportTest() : GraphEngineTest(kT0) {}

  static NewEntity Entity(const std::string& name, const std::string& type,
                          std::vector<std::string> observations = {},
                          std::vector<std::string> aliases = {}) {
    NewEntity e;
    e.owner_id = "u";
    e.name = name;
    e.type = type;
    e.observations = std::move(observations);
    e.aliases = std::move(aliases);
    return e;
  }
  static NewRelation Relation(const std::string& from, const std::string& type,
                              const std::string& to,
                              std::optional<Timestamp> valid_from = std::nullopt) {
    NewRelation r;
    r.owner_id = "u";
    r.from = from;
    r.type = type;
    r.to = to;
    r.valid_from = valid_from;
    return r;
  }

  // n entities "E<i>" with one observation each, and n edges E<i> -knows-> E<i+1 mod n>.
  static void Ring(size_t n, std::vector<NewEntity>* entities,
                   std::vector<NewRelation>* relations) {
    for (size_t i = 0; i < n; ++i) {
      entities->push_back(
          Entity("E" + std::to_string(i), "person", {"number " + std::to_string(i)}));
    }
    for (size_t i = 0; i < n; ++i) {
      relations->push_back(
          Relation("E" + std::to_string(i), "knows", "E" + std::to_string((i + 1) % n)));
    }
  }

  size_t Entities() {
    auto g = engine_->ReadGraph("u");
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? g->entities.size() : 0;
  }
};

TEST_P(GraphImportTest, AnErrorAfterManyGoodItemsWritesNothing) {
  // 1,200 good entities, then 1,200 more of which one gives a known name another type.
  std::vector<NewEntity> entities;
  std::vector<NewRelation> relations;
  Ring(2400, &entities, &relations);
  entities[2000] = Entity("E5", "place");
  auto failed = engine_->ImportGraph(entities, {});
  EXPECT_EQ(failed.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(failed.status().message().find("entity 2000: entity 'E5' exists with type 'person'"),
            std::string::npos)
      << failed.status().ToString();
  EXPECT_EQ(Entities(), 0u);

  // 1,200 entities and 1,200 good relations, then 1,200 relations of which one names nobody.
  entities.clear();
  relations.clear();
  Ring(1200, &entities, &relations);
  for (size_t i = 0; i < 1200; ++i) {
    relations.push_back(Relation("E" + std::to_string(i), "likes", "E" + std::to_string(1199 - i)));
  }
  relations[2300].to = "Nobody";
  failed = engine_->ImportGraph(entities, relations);
  EXPECT_EQ(failed.status().code(), Status::Code::kNotFound);
  EXPECT_NE(failed.status().message().find("relation 2300: no entity named 'Nobody'"),
            std::string::npos)
      << failed.status().ToString();
  EXPECT_EQ(Entities(), 0u);

  // A bad value is found before anything is written too.
  relations[2300].to = "!!!";
  EXPECT_EQ(engine_->ImportGraph(entities, relations).status().code(),
            Status::Code::kInvalidArgument);

  // The same file, corrected, is written whole.
  relations[2300].to = "E7";
  auto written = engine_->ImportGraph(entities, relations);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->entities_added, 1200);
  EXPECT_EQ(written->relations_added, 2400);
  EXPECT_EQ(Entities(), 1200u);
}

TEST_P(GraphImportTest, EachItemSeesTheItemsBeforeIt) {
  NewEntity existing = Entity("Acme", "organization", {"makes anvils"});
  ASSERT_TRUE(engine_->AddEntities({&existing, 1}).ok());
  clock_->Advance(1000);
  std::vector<NewEntity> entities = {
      Entity("Robert Smith", "person", {"likes tea"}),
      Entity("Initech", "organization"),
      // The same name again: merged into the first, with its new alias and observation.
      Entity("robert smith", "", {"likes tea", "plays chess"}, {"Bob"}),
      // An entity of the graph: one observation new, one held.
      Entity("ACME", "", {"makes anvils", "sells rockets"}),
  };
  std::vector<NewRelation> relations = {
      Relation("Bob", "works_at", "Acme", kT0),
      Relation("Robert Smith", "works_at", "Acme", kT0),  // the same edge: existing
      // A single-valued type: the new employer ends the edge written just before.
      Relation("bob", "works_at", "Initech", kT0 + 500),
      Relation("Initech", "competes_with", "Acme"),
  };
  auto written = engine_->ImportGraph(entities, relations);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->entities_added, 2);
  EXPECT_EQ(written->entities_updated, 2);
  EXPECT_EQ(written->relations_added, 3);
  EXPECT_EQ(written->relations_existing, 1);

  auto bob = engine_->GetEntity("u", "Bob");
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_EQ(bob->name, "Robert Smith");
  EXPECT_EQ(bob->aliases, std::vector<std::string>{"Bob"});
  EXPECT_EQ(bob->observations.size(), 2u);
  auto acme = engine_->GetEntity("u", "Acme");
  ASSERT_TRUE(acme.ok());
  EXPECT_EQ(acme->observations.size(), 2u);

  GraphReadOptions all;
  all.all_times = true;
  auto g = engine_->OpenEntities("u", std::vector<std::string>{"Bob"}, all);
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->relations.size(), 2u);
  for (const engram::Relation& r : g->relations) {
    if (r.to_name == "Acme") {
      EXPECT_EQ(r.valid_to, kT0 + 500);  // ended by Initech
    } else {
      EXPECT_EQ(r.to_name, "Initech");
      EXPECT_FALSE(r.valid_to.has_value());
    }
  }
}

TEST_P(GraphImportTest, ABigFileIsOneImport) {
  std::vector<NewEntity> entities;
  std::vector<NewRelation> relations;
  Ring(1500, &entities, &relations);
  auto written = engine_->ImportGraph(entities, relations);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->entities_added, 1500);
  EXPECT_EQ(written->relations_added, 1500);
  NeighborOptions two;
  two.depth = 2;
  two.direction = GraphDirection::kOut;
  auto n = engine_->Neighbors("u", "E1499", two);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(n->neighbors.size(), 2u);
  EXPECT_EQ(n->neighbors[0].entity.name, "E0");
  EXPECT_EQ(n->neighbors[1].entity.name, "E1");
  ASSERT_EQ(n->neighbors[1].entity.observations.size(), 1u);
  EXPECT_EQ(n->neighbors[1].entity.observations[0].text, "number 1");
  // Importing it again adds nothing.
  written = engine_->ImportGraph(entities, relations);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->entities_existing, 1500);
  EXPECT_EQ(written->relations_existing, 1500);
}

// PostgreSQL: an import of many rows leaves its tables analyzed, so the reads after it are
// planned on statistics, not on an empty table's guesses (docs/graph.md, "Speed").
TEST_P(GraphImportTest, AnImportOfManyRowsLeavesItsTablesAnalyzed) {
  if (GetParam() != "postgres") GTEST_SKIP() << "PostgreSQL's planner statistics";
  auto reltuples = [&](const char* table) {
    PGconn* conn = PQconnectdb(url_.c_str());
    const std::string sql =
        std::string("SELECT reltuples::bigint FROM pg_class WHERE relname = '") + table + "'";
    PGresult* r = PQexec(conn, sql.c_str());
    const int64_t n = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
                          ? std::stoll(PQgetvalue(r, 0, 0))
                          : -2;
    PQclear(r);
    PQfinish(conn);
    return n;
  };
  std::vector<NewEntity> entities;
  std::vector<NewRelation> relations;
  Ring(10, &entities, &relations);
  ASSERT_TRUE(engine_->ImportGraph(entities, relations).ok());
  EXPECT_EQ(reltuples("graph_relations"), -1);  // never analyzed: a few rows are autovacuum's
  entities.clear();
  relations.clear();
  Ring(600, &entities, &relations);  // some 1,800 rows: entities, observations, edges
  ASSERT_TRUE(engine_->ImportGraph(entities, relations).ok());
  EXPECT_GT(reltuples("graph_relations"), 500);
  EXPECT_GT(reltuples("graph_entities"), 500);
}

INSTANTIATE_TEST_SUITE_P(Backends, GraphImportTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace engram
