// The graph routes of the full model (v1_graph_model.cc): entity, neighbours, history, path and
// writes with scope, aliases, world time, source and confidence; owners kept apart; bad input
// refused with a message naming what is wrong, and nothing written.
#include <gtest/gtest.h>

#include <set>

#include "api_fixture.h"

namespace engram::server {
namespace {

using nlohmann::json;

class GraphModelTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    // Seed 003's example, through the routes.
    Reply2 e = Do("POST", kBase + "/entities/add",
                  json{{"entities",
                        {{{"name", "Alice"},
                          {"type", "person"},
                          {"aliases", {"Al"}},
                          {"observations", {"prefers dark mode"}},
                          {"source", "chat:1"},
                          {"confidence", 0.9}},
                         {{"name", "Fintech"}, {"type", "team"}},
                         {{"name", "Project Alpha"}, {"type", "project"}},
                         {{"name", "March 2026"}, {"type", "date"}},
                         {{"name", "Python"}, {"type", "language"}}}}});
    ASSERT_EQ(e.status, 200) << e.raw;
    ASSERT_EQ(e.body["results"].size(), 5u);
    EXPECT_EQ(e.body["results"][0]["event"], "added");
    Reply2 r = Do("POST", kBase + "/relations/add",
                  json{{"relations",
                        {{{"from", "Alice"}, {"type", "Works In"}, {"to", "Fintech"}},
                         {{"from", "al"}, {"type", "manages"}, {"to", "project alpha"}},
                         {{"from", "Alice"}, {"type", "uses"}, {"to", "Python"}},
                         {{"from", "Project Alpha"},
                          {"type", "deadline"},
                          {"to", "March 2026"},
                          {"valid_from", "2026-01-01T00:00:00Z"},
                          {"source", "plan.md"},
                          {"confidence", 0.8}}}}});
    ASSERT_EQ(r.status, 200) << r.raw;
    ASSERT_EQ(r.body["results"].size(), 4u);
  }

  static inline const std::string kBase = "/v1/owners/alice/graph";
};

TEST_F(GraphModelTest, WritesKeepTheFullModel) {
  Reply2 alice = Do("GET", kBase + "/entities/AL");
  ASSERT_EQ(alice.status, 200) << alice.raw;
  EXPECT_EQ(alice.body["name"], "Alice");
  EXPECT_EQ(alice.body["type"], "person");
  EXPECT_EQ(alice.body["aliases"], json({"Al"}));
  EXPECT_EQ(alice.body["source"], "chat:1");
  EXPECT_DOUBLE_EQ(alice.body["confidence"].get<double>(), 0.9);
  ASSERT_EQ(alice.body["observations"].size(), 1u);
  EXPECT_EQ(alice.body["observations"][0]["text"], "prefers dark mode");

  // The relation as stored: type in lower_snake_case, world time, provenance.
  Reply2 n = Do("GET", kBase + "/entities/Project%20Alpha/neighbors?relation_types=deadline");
  ASSERT_EQ(n.status, 200) << n.raw;
  ASSERT_EQ(n.body["neighbors"].size(), 1u);
  const json& via = n.body["neighbors"][0]["via"];
  EXPECT_EQ(via["valid_from"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(via["source"], "plan.md");
  EXPECT_DOUBLE_EQ(via["confidence"].get<double>(), 0.8);

  // The same entity again, with one new alias: updated; the same edge again: existing.
  Reply2 again = Do("POST", kBase + "/entities/add",
                    json{{"entities", {{{"name", "alice"}, {"aliases", {"Ally"}}}}}});
  ASSERT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body["results"][0]["event"], "updated");
  Reply2 same = Do("POST", kBase + "/relations/add",
                   json{{"relations", {{{"from", "Alice"}, {"type", "uses"}, {"to", "Python"}}}}});
  ASSERT_EQ(same.status, 200) << same.raw;
  EXPECT_EQ(same.body["results"][0]["event"], "existing");

  // A single-valued type ends the edge it replaces.
  ASSERT_EQ(
      Do("POST", kBase + "/entities/add", json{{"entities", {{{"name", "Payments"}}}}}).status,
      200);
  Reply2 moved =
      Do("POST", kBase + "/relations/add",
         json{{"relations", {{{"from", "Alice"}, {"type", "works_in"}, {"to", "Payments"}}}}});
  ASSERT_EQ(moved.status, 200) << moved.raw;
  ASSERT_EQ(moved.body["results"][0]["closed"].size(), 1u);
  EXPECT_EQ(moved.body["results"][0]["closed"][0]["to"], "Fintech");
}

TEST_F(GraphModelTest, EntitiesAtAScopeAreSeenThereOnly) {
  Reply2 w = Do("POST", kBase + "/entities/add",
                json{{"entities", {{{"name", "Secret Plan"}, {"scope", "project/alpha"}}}}});
  ASSERT_EQ(w.status, 200) << w.raw;
  EXPECT_EQ(w.body["results"][0]["entity"]["scope"], "project/alpha");
  EXPECT_EQ(Do("GET", kBase + "/entities/Secret%20Plan").status, 404);
  EXPECT_EQ(Do("GET", kBase + "/entities/Secret%20Plan?scope=project/alpha").status, 200);
  // Global entities are visible from the scope.
  EXPECT_EQ(Do("GET", kBase + "/entities/Alice?scope=project/alpha").status, 200);
}

TEST_F(GraphModelTest, NeighborsFollowFiltersAndDepth) {
  Reply2 one = Do("GET", kBase + "/entities/Alice/neighbors");
  ASSERT_EQ(one.status, 200) << one.raw;
  EXPECT_EQ(one.body["start"]["name"], "Alice");
  EXPECT_EQ(one.body["neighbors"].size(), 3u);

  // The seed's two-hop question: which deadlines concern projects Alice manages.
  Reply2 two = Do("GET", kBase +
                             "/entities/Alice/neighbors?depth=2&direction=out"
                             "&relation_types=manages,deadline&entity_types=date");
  ASSERT_EQ(two.status, 200) << two.raw;
  ASSERT_EQ(two.body["neighbors"].size(), 1u);
  EXPECT_EQ(two.body["neighbors"][0]["depth"], 2);
  EXPECT_EQ(two.body["neighbors"][0]["entity"]["name"], "March 2026");
  EXPECT_EQ(two.body["relations"].size(), 2u);

  // Repeated parameters add up; direction in from Fintech reaches Alice.
  Reply2 rep = Do("GET", kBase +
                             "/entities/Alice/neighbors?relation_types=uses&relation_types="
                             "works_in");
  EXPECT_EQ(rep.body["neighbors"].size(), 2u) << rep.raw;
  Reply2 in = Do("GET", kBase + "/entities/Fintech/neighbors?direction=in");
  ASSERT_EQ(in.body["neighbors"].size(), 1u) << in.raw;
  EXPECT_EQ(in.body["neighbors"][0]["entity"]["name"], "Alice");
  EXPECT_TRUE(
      Do("GET", kBase + "/entities/Fintech/neighbors?direction=out").body["neighbors"].empty());

  // The deadline edge was not true yet in 2025; as_of before anything was written sees nothing.
  Reply2 then = Do("GET", kBase +
                              "/entities/Project%20Alpha/neighbors?relation_types=deadline"
                              "&valid_at=2025-06-01T00:00:00Z");
  EXPECT_TRUE(then.body["neighbors"].empty()) << then.raw;
  EXPECT_EQ(Do("GET", kBase + "/entities/Alice/neighbors?as_of=2000-01-01T00:00:00Z").status, 404);
}

TEST_F(GraphModelTest, PathAndHistory) {
  Reply2 p = Do("GET", kBase + "/path?from=Alice&to=March%202026");
  ASSERT_EQ(p.status, 200) << p.raw;
  ASSERT_EQ(p.body["path"]["entities"].size(), 3u);
  EXPECT_EQ(p.body["path"]["entities"][1]["name"], "Project Alpha");
  EXPECT_EQ(p.body["path"]["relations"][1]["type"], "deadline");
  // Too few hops, or against the edges' direction: no path.
  EXPECT_TRUE(
      Do("GET", kBase + "/path?from=Alice&to=March%202026&max_hops=1").body["path"].is_null());
  EXPECT_TRUE(
      Do("GET", kBase + "/path?from=March%202026&to=Alice&direction=out").body["path"].is_null());

  Reply2 h = Do("GET", kBase + "/entities/Alice/history");
  ASSERT_EQ(h.status, 200) << h.raw;
  std::set<std::string> kinds;
  for (const json& e : h.body["events"]) kinds.insert(e["kind"].get<std::string>());
  EXPECT_EQ(kinds, (std::set<std::string>{"entity", "observation", "relation"}));
  EXPECT_EQ(h.body["events"][0]["actor"], "api:key#1");
}

TEST_F(GraphModelTest, OwnersAreKeptApart) {
  // Bob's key cannot read alice's graph, and bob's own graph does not hold alice's entities.
  Reply2 denied = Do("GET", kBase + "/entities/Alice", "", kBobKey);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.raw.find("person"), std::string::npos);
  const std::string bob = "/v1/owners/bob/graph";
  EXPECT_EQ(Do("GET", bob + "/entities/Alice", "", kBobKey).status, 404);
  EXPECT_EQ(Do("GET", bob + "/path?from=Alice&to=Python", "", kBobKey).status, 404);
  Reply2 rel =
      Do("POST", bob + "/relations/add",
         json{{"relations", {{{"from", "Alice"}, {"type", "knows"}, {"to", "Python"}}}}}, kBobKey);
  EXPECT_EQ(rel.status, 404) << rel.raw;
  // An admin key reads any owner's.
  EXPECT_EQ(Do("GET", kBase + "/entities/Alice", "", kAdminKey).status, 200);
}

TEST_F(GraphModelTest, BadInputIsRefusedWithAClearMessage) {
  struct Case {
    std::string method, target;
    json body;
    std::string message;  // a part of the error message
  };
  const std::vector<Case> cases = {
      {"GET", kBase + "/entities/Alice/neighbors?depth=0", nullptr, "depth must be 1..6"},
      {"GET", kBase + "/entities/Alice/neighbors?depth=7", nullptr, "depth must be at most 6"},
      {"GET", kBase + "/entities/Alice/neighbors?direction=up", nullptr,
       "direction must be out, in or both"},
      {"GET", kBase + "/entities/Alice/neighbors?relation_types=a,,b", nullptr, "empty item"},
      {"GET", kBase + "/entities/Alice/neighbors?valid_at=yesterday", nullptr, "valid_at"},
      {"GET", kBase + "/entities/Alice/neighbors?valid_at=2025-01-01&all_times=true", nullptr,
       "exclude each other"},
      {"GET", kBase + "/entities/Alice/neighbors?dept=2", nullptr, "dept"},
      {"GET", kBase + "/path?from=Alice", nullptr, "to is required"},
      {"GET", kBase + "/path?from=Alice&to=Python&max_hops=0", nullptr, "max_hops must be 1..6"},
      {"POST", kBase + "/entities/add", json::object(), "entities is required"},
      {"POST", kBase + "/entities/add", json{{"entities", {{{"type", "x"}}}}}, "entities[0]: name"},
      {"POST", kBase + "/entities/add", json{{"entities", {{{"name", "X"}, {"aliases", "Y"}}}}},
       "aliases must be an array"},
      {"POST", kBase + "/entities/add",
       json{{"entities", {{{"name", "X"}}, {{"name", "Y"}, {"confidence", 2}}}}},
       "entities[1]: confidence must be between 0 and 1"},
      {"POST", kBase + "/entities/add", json{{"entities", {{{"name", "X"}, {"colour", "red"}}}}},
       "colour"},
      {"POST", kBase + "/relations/add",
       json{{"relations", {{{"from", "Alice"}, {"to", "Python"}}}}}, "relations[0]: type"},
      {"POST", kBase + "/relations/add",
       json{{"relations",
             {{{"from", "Alice"}, {"type", "uses"}, {"to", "Python"}, {"valid_from", "soon"}}}}},
       "valid_from"},
  };
  for (const Case& c : cases) {
    Reply2 r = Do(c.method, c.target, c.body.is_null() ? std::string() : c.body.dump());
    EXPECT_EQ(r.status, 422) << c.target << " " << r.raw;
    EXPECT_EQ(ErrorCode(r), "invalid_argument") << c.target << " " << r.raw;
    const std::string message = r.body["error"].value("message", "");
    EXPECT_NE(message.find(c.message), std::string::npos) << c.target << ": " << message;
  }
  // Malformed JSON is 400.
  EXPECT_EQ(Do("POST", kBase + "/entities/add", "{\"entities\": [").status, 400);
  // An unknown entity is 404, and a batch with one bad item writes nothing.
  Reply2 unknown = Do("POST", kBase + "/relations/add",
                      json{{"relations",
                            {{{"from", "Alice"}, {"type", "likes"}, {"to", "Python"}},
                             {{"from", "Alice"}, {"type", "likes"}, {"to", "Healthcare"}}}}});
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  EXPECT_NE(unknown.raw.find("Healthcare"), std::string::npos);
  EXPECT_TRUE(Do("GET", kBase + "/entities/Alice/neighbors?relation_types=likes")
                  .body["neighbors"]
                  .empty());
  EXPECT_EQ(Do("GET", kBase + "/entities/Nobody").status, 404);
}

}  // namespace
}  // namespace engram::server
