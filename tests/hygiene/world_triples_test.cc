// Statements about the user's world as triples (hygiene/world_triples.h): the varied sentences of
// tests/data/world/triples.jsonl, each with the exact triples it states ("subject (type) relation
// object (type)") or none; the memory a statement makes; what "it" stands for; and the checks
// every triple passes before it is written (slot_triples.h).
#include "hygiene/world_triples.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace engram::hygiene {
namespace {

using nlohmann::json;

std::string Render(const SlotTriple& t) {
  return t.subject + " (" + t.subject_type + ") " + t.relation + " " + t.object + " (" +
         t.object_type + ")";
}

std::vector<std::string> TriplesOf(const std::string& text) {
  std::vector<std::string> out;
  for (const WorldStatement& s : WorldStatements(text)) {
    for (const SlotTriple& t : s.triples) out.push_back(Render(t));
  }
  return out;
}

TEST(WorldTriples, EverySentenceOfTheSetStatesItsTriples) {
  std::ifstream in(std::filesystem::path(ENGRAM_SOURCE_DIR) / "tests/data/world/triples.jsonl");
  ASSERT_TRUE(in) << "tests/data/world/triples.jsonl";
  size_t cases = 0, with = 0, without = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const json c = json::parse(line);
    const std::vector<std::string> want = c.at("triples").get<std::vector<std::string>>();
    EXPECT_EQ(TriplesOf(c.at("text").get<std::string>()), want)
        << c.at("text") << " (" << c.value("note", "") << ")";
    ++cases;
    (want.empty() ? without : with) += 1;
  }
  // Both what must state an edge and what must not are exercised.
  EXPECT_GE(with, 15u);
  EXPECT_GE(without, 10u);
  EXPECT_EQ(cases, with + without);
}

TEST(WorldTriples, TheStatementIsASentenceOfTheText) {
  const std::string text = "My dog is Biscuit. Lena runs the mobile team! Nice weather today.";
  const std::vector<WorldStatement> got = WorldStatements(text);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].sentence, "Lena runs the mobile team!");
}

TEST(WorldTriples, TheMemoryIsKeyedBySubjectAndRelation) {
  // A single-valued relation (rules/graph_single_valued.txt): the key has no object, so a new
  // value supersedes the old one.
  auto single = WorldCandidate(WorldStatements("Lena runs the mobile team.").at(0));
  ASSERT_TRUE(single);
  EXPECT_EQ(single->key, "world.mobile_team.led_by");
  EXPECT_EQ(single->type, MemoryType::kFact);
  EXPECT_EQ(single->text, "Lena runs the mobile team.");
  EXPECT_EQ(WorldCandidate(WorldStatements("Marco runs the mobile team now.").at(0))->key,
            single->key);
  const json data = json::parse(single->data);
  ASSERT_EQ(data.at("triples").size(), 1u);
  EXPECT_EQ(data["triples"][0], (json{{"subject", "mobile team"},
                                      {"subject_type", "team"},
                                      {"relation", "led_by"},
                                      {"object", "Lena"},
                                      {"object_type", "person"}}));
  // A multi-valued one accumulates: one key per object.
  auto a = WorldCandidate(WorldStatements("The fraud model depends on the feature store.").at(0));
  auto b = WorldCandidate(WorldStatements("The fraud model depends on Dimitri's graph.").at(0));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->key, "world.fraud_model.depends_on.feature_store");
  EXPECT_EQ(b->key, "world.fraud_model.depends_on.dimitris_graph");
  // A statement that still says "it" makes no memory of its own.
  EXPECT_FALSE(WorldCandidate(WorldStatements("Globex's reports run on it.").at(0)));
}

TEST(WorldTriples, ExtractionYieldsTheWorldMemoryBesideTheProfile) {
  const std::vector<Candidate> got = ExtractCandidates("Lena runs the mobile team.", 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "world.mobile_team.led_by");
  EXPECT_TRUE(ExtractCandidates("Globex's reports run on it.", 0).empty());
}

TEST(WorldTriples, ItIsTheOneEntityTheLatestTextNames) {
  // A name wins over a kind of thing: here both are one thing.
  const std::vector<std::string_view> orion = {"We built Orion last year as our engine."};
  EXPECT_EQ(ResolvePronoun(orion, "Globex's reports"), "Orion");
  const std::vector<std::string_view> kind = {"We moved the ledger service to k8s."};
  EXPECT_EQ(ResolvePronoun(kind, "billing API"), "ledger service");
  // The latest text that names anything decides, even when an older one names one thing.
  const std::vector<std::string_view> two = {"The search service and the ads service share it.",
                                             "Kafka is our queue."};
  EXPECT_EQ(ResolvePronoun(two, "ops crew"), std::nullopt);
  // Texts that name nothing are passed over.
  const std::vector<std::string_view> later = {"ok, thanks!", "Kestrel is our new scheduler."};
  EXPECT_EQ(ResolvePronoun(later, "ops crew"), "Kestrel");
  // The statement's other end is not what "it" stands for.
  const std::vector<std::string_view> self = {"Hooli signed with Initech."};
  EXPECT_EQ(ResolvePronoun(self, "Hooli"), "Initech");
  EXPECT_EQ(ResolvePronoun({}, "Hooli"), std::nullopt);
}

TEST(WorldTriples, NamedEntitiesAreNamesAndKindsOfThings) {
  const Mentions m =
      NamedEntities("We moved the billing API to Frankfurt. I think Stark Industries knows.");
  EXPECT_EQ(m.names, (std::vector<std::string>{"Frankfurt", "Stark Industries"}));
  EXPECT_EQ(m.kinds, std::vector<std::string>{"billing API"});
  // Months and weekdays are times.
  EXPECT_EQ(NamedEntities("We set up Beacon in March, live since Monday.").names,
            std::vector<std::string>{"Beacon"});
  const Mentions none = NamedEntities("Thanks, that helps a lot!");
  EXPECT_TRUE(none.names.empty() && none.kinds.empty());
}

TEST(TripleChecks, RefusalsSayWhy) {
  SlotTriple t{"depends_on", "ledger", "service", "billing API", "service"};
  EXPECT_EQ(TripleProblem(t), std::nullopt);
  t.relation = "Depends On";
  EXPECT_EQ(TripleProblem(t),
            "its relation 'Depends On' is not lower_snake_case (e.g. depends_on)");
  t.relation = "depends_on";
  t.object = " ";
  EXPECT_EQ(TripleProblem(t), "its object is empty");
  t.object = "Billing api";
  EXPECT_EQ(TripleProblem(t), "its subject and object are the same entity");
  t.object = std::string(kMaxTripleField + 1, 'x');
  EXPECT_EQ(TripleProblem(t), "its object is longer than 200 bytes");

  std::string why;
  EXPECT_FALSE(TripleFromJson(json{{"subject", "a"}, {"relation", "uses"}}, &why));
  EXPECT_EQ(why, "a triple needs a string 'subject_type'");
  EXPECT_FALSE(TripleFromJson(json::array(), &why));
  EXPECT_EQ(why, "a triple must be an object");
  const SlotTriple ok{"uses", "Snowflake", "tool", "data platform", "system"};
  const std::optional<SlotTriple> back = TripleFromJson(TripleToJson(ok), &why);
  ASSERT_TRUE(back);
  EXPECT_EQ(Render(*back), Render(ok));
}

TEST(TripleChecks, AMemoryStatesItsDataTriplesAndItsSlot) {
  const std::string data =
      R"({"employer":"Acme","triples":[{"subject":"Acme","subject_type":"organization",)"
      R"("relation":"based_in","object":"Oslo","object_type":"place"},{"subject":"x"}]})";
  const std::vector<SlotTriple> got = MemoryTriples("user.employer", data);
  ASSERT_EQ(got.size(), 2u);  // the malformed entry is left out
  EXPECT_EQ(Render(got[0]), "Acme (organization) based_in Oslo (place)");
  EXPECT_EQ(Render(got[1]), "user (person) works_at Acme (organization)");
  EXPECT_TRUE(MemoryTriples("", "not json").empty());
}

}  // namespace
}  // namespace engram::hygiene
