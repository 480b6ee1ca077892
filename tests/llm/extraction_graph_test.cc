// The model's triples reach the graph: with a language model configured, RememberTurn's
// extraction answer carries knowledge-graph triples beside each memory, and the graph of memories
// writes them with the memory as their source; an answer with a triple the graph would refuse is
// refused whole (after one repair), with the reason in TurnReport::llm_error, and nothing of it is
// written. Driven through both wire formats, against the fake provider servers.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "engram/engine.h"
#include "llm_fake_provider.h"
#include "test_util.h"

namespace engram::llm {
namespace {

using nlohmann::json;

// A vector, not json: `{Triple(...)}` as a json would be the triple itself under clang and a
// one-element array under g++.
json Memory(const std::string& key, const std::string& text, std::vector<json> triples) {
  return {{"type", "fact"},
          {"key", key},
          {"text", text},
          {"confidence", 0.9},
          {"value", nullptr},
          {"valid_from", nullptr},
          {"triples", json(std::move(triples))}};
}

json Triple(const std::string& subject, const std::string& subject_type,
            const std::string& relation, const std::string& object,
            const std::string& object_type) {
  return {{"subject", subject},
          {"subject_type", subject_type},
          {"relation", relation},
          {"object", object},
          {"object_type", object_type}};
}

// The fake's behaviour that answers with this JSON as the model's text.
json Answer(const json& answer) {
  return {{"action", "answer"}, {"text", answer.dump()}};
}

std::unique_ptr<Engine> OpenEngine(const std::string& path, std::shared_ptr<LlmClient> client) {
  Options o;
  o.path = path;
  o.clock = std::make_shared<ManualClock>(1'790'000'000'000);
  o.durable_commits = false;
  o.llm = std::move(client);
  auto engine = Engine::Open(o);
  EXPECT_TRUE(engine.ok()) << engine.status().ToString();
  return engine.ok() ? std::move(*engine) : nullptr;
}

// "from relation to (source)" of the owner's current edges, sorted.
std::vector<std::string> Edges(Engine& engine) {
  auto graph = engine.ReadGraph("u", GraphReadOptions{});
  EXPECT_TRUE(graph.ok()) << graph.status().ToString();
  std::vector<std::string> out;
  if (!graph.ok()) return out;
  for (const Relation& r : graph->relations) {
    out.push_back(r.from_name + " " + r.type + " " + r.to_name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void TriplesAreWrittenWithTheirMemory(engram::testing::FakeServer& server,
                                      std::shared_ptr<LlmClient> client, const std::string& path) {
  const json answer = {
      {"memories",
       {Memory("world.payments_service.owned_by", "Dimitri's team owns the payments service.",
               {Triple("payments service", "service", "owned_by", "Dimitri's team", "team")}),
        Memory("user.employer", "The user works at Acme.",
               {Triple("user", "person", "works_at", "Acme", "organization")})}}};
  ASSERT_TRUE(server.Enqueue(json::array({Answer(answer)})));
  std::unique_ptr<Engine> engine = OpenEngine(path, std::move(client));
  ASSERT_NE(engine, nullptr);
  auto report = engine->RememberTurn("u", "global", "s1", Role::kUser,
                                     "I work at Acme; Dimitri's team owns the payments service.");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->llm_error.empty()) << report->llm_error;
  ASSERT_EQ(report->writes.size(), 2u);
  EXPECT_EQ(Edges(*engine), (std::vector<std::string>{"payments service owned_by Dimitri's team",
                                                      "user works_at Acme"}));
  // Each edge names the memory that stated it.
  auto around = engine->Neighbors("u", "payments service", NeighborOptions{});
  ASSERT_TRUE(around.ok()) << around.status().ToString();
  ASSERT_EQ(around->relations.size(), 1u);
  EXPECT_EQ(around->relations[0].source, report->writes[0].record.id);
  // The request asked for triples (the prompt describes them; OpenAI also gets the schema).
  const json body = json::parse(server.Requests().back()["body"].get<std::string>());
  EXPECT_NE(body.dump().find("triples"), std::string::npos);
}

void AnInvalidTripleRefusesTheWholeAnswer(engram::testing::FakeServer& server,
                                          std::shared_ptr<LlmClient> client,
                                          const std::string& path) {
  const json answer = {
      {"memories",
       {Memory("world.hooli.customer_of.acme", "Hooli is a customer of Acme.",
               {Triple("Hooli", "organization", "customer_of", "Acme", "organization")}),
        Memory("world.orion.owned_by", "Orion belongs to Hooli.",
               {Triple("Orion", "system", "Owned By", "Hooli", "organization")})}}};
  // The first answer and the answer to the repair request are both invalid.
  ASSERT_TRUE(server.Enqueue(json::array({Answer(answer), Answer(answer)})));
  std::unique_ptr<Engine> engine = OpenEngine(path, std::move(client));
  ASSERT_NE(engine, nullptr);
  auto report =
      engine->RememberTurn("u", "global", "s1", Role::kUser, "Hooli's dashboards depend on Orion.");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_NE(report->llm_error.find("$.memories[1].triples[0]: triple Orion -Owned By-> Hooli: its "
                                   "relation 'Owned By' is not lower_snake_case"),
            std::string::npos)
      << report->llm_error;
  // Nothing of the refused answer: no memory, no entity, no edge. The offline rules took over.
  auto page = engine->ListMemories("u", ListOptions{});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].text, "Hooli's dashboards depend on Orion.");
  EXPECT_EQ(engine->GetEntity("u", "Acme", GraphReadOptions{}).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(Edges(*engine), std::vector<std::string>{"Hooli's dashboards depends_on Orion"});
  EXPECT_EQ(server.Requests().size(), 2u);  // the answer and its repair
}

class AnthropicExtractionGraphTest : public testing::FakeProviderTest<testing::kAnthropicScript> {};
class OpenAiExtractionGraphTest : public testing::FakeProviderTest<testing::kOpenAiScript> {};

TEST_F(AnthropicExtractionGraphTest, TriplesAreWrittenWithTheirMemory) {
  engram::testing::TempDir dir;
  TriplesAreWrittenWithTheirMemory(*server_, Anthropic(), dir.File("engram.db"));
}
TEST_F(AnthropicExtractionGraphTest, AnInvalidTripleRefusesTheWholeAnswer) {
  engram::testing::TempDir dir;
  AnInvalidTripleRefusesTheWholeAnswer(*server_, Anthropic(), dir.File("engram.db"));
}
TEST_F(OpenAiExtractionGraphTest, TriplesAreWrittenWithTheirMemory) {
  engram::testing::TempDir dir;
  TriplesAreWrittenWithTheirMemory(*server_, OpenAi(), dir.File("engram.db"));
}
TEST_F(OpenAiExtractionGraphTest, AnInvalidTripleRefusesTheWholeAnswer) {
  engram::testing::TempDir dir;
  AnInvalidTripleRefusesTheWholeAnswer(*server_, OpenAi(), dir.File("engram.db"));
}

}  // namespace
}  // namespace engram::llm
