// Hostile bodies through the real route table (Api::Handle): nesting that would overflow the
// stack, numbers and times out of range, secrets hidden where a scan might not reach. Each
// must be refused with a 4xx, and the server must go on answering.
#include <gtest/gtest.h>

#include <string>

#include "api_fixture.h"

namespace engram::server {
namespace {

using nlohmann::json;

// A JSON value nested `depth` arrays deep: about 2 bytes per level.
std::string Nested(size_t depth, const std::string& inner = "1") {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

TEST_F(ApiTest, JsonNestedTooDeeplyIs400OnEveryRouteThatTakesABody) {
  const std::string deep = Nested(70'000);
  const std::string memory = "{\"text\": \"x\", \"data\": " + deep + "}";
  Reply2 add = Do("POST", "/v1/owners/alice/memories", memory);
  EXPECT_EQ(add.status, 400) << add.raw;
  EXPECT_EQ(ErrorCode(add), "malformed_json");
  EXPECT_NE(add.body["error"]["message"].get<std::string>().find("nested deeper"),
            std::string::npos);
  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories", deep).status, 400);
  EXPECT_EQ(
      Do("POST", "/v1/owners/alice/memories/search", "{\"query\": \"x\", \"filter\": " + deep + "}")
          .status,
      400);
  EXPECT_EQ(Do("POST", "/v1/owners/alice/sessions/s/items",
               "{\"items\": [{\"role\": \"assistant\", \"tool_calls\": " + deep + "}]}")
                .status,
            400);
  Reply2 added = Do("POST", "/v1/owners/alice/memories", json{{"text", "a plain memory"}});
  ASSERT_EQ(added.status, 201) << added.raw;
  const std::string id = added.body["memory"]["id"];
  EXPECT_EQ(Do("PATCH", "/v1/owners/alice/memories/" + id, "{\"metadata\": {\"a\": " + deep + "}}")
                .status,
            400);
  EXPECT_EQ(Do("POST", "/memories", "{\"user_id\": \"alice\", \"messages\": " + deep + "}").status,
            400);
  // Still serving, and the limit leaves ordinary nesting alone.
  EXPECT_EQ(Do("GET", "/healthz").status, 200);
  Reply2 fine = Do("POST", "/v1/owners/alice/memories",
                   "{\"text\": \"nested data\", \"data\": " + Nested(100) + "}");
  EXPECT_EQ(fine.status, 201) << fine.raw;
}

TEST_F(ApiTest, NumberOutOfRangeIs400) {
  Reply2 r = Do("POST", "/v1/owners/alice/memories", "{\"text\": \"x\", \"confidence\": 1e999}");
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_EQ(ErrorCode(r), "malformed_json");
  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories/search", "{\"query\": \"x\", \"limit\": -1e999}")
                .status,
            400);
}

TEST_F(ApiTest, TimesOutsideTheYears1900To9999AreRefusedAndListingsKeepWorking) {
  for (const json& at :
       {json(9223372036854775807LL), json(-9223372036854775807LL), json(18446744073709551615ULL),
        json("0001-01-01"), json("1899-12-31"), json("9999-12-31T23:59:59-01:00")}) {
    Reply2 r = Do("POST", "/v1/owners/alice/memories", json{{"text", "x"}, {"observed_at", at}});
    EXPECT_EQ(r.status / 100, 4) << at.dump() << " " << r.raw;
    EXPECT_EQ(
        Do("POST", "/v1/owners/alice/memories", json{{"text", "x"}, {"expires_at", at}}).status /
            100,
        4)
        << at.dump();
  }
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?as_of=0001-01-01").status, 422);
  EXPECT_EQ(Do("POST", "/v1/owners/alice/memories/search",
               json{{"query", "x"}, {"filter", {{"created_at", {{"gt", 9223372036854775807LL}}}}}})
                .status,
            422);
  Reply2 edge = Do("POST", "/v1/owners/alice/memories",
                   json{{"text", "the edges of the range"},
                        {"observed_at", "1900-01-01"},
                        {"expires_at", "9999-12-31T23:59:59Z"}});
  ASSERT_EQ(edge.status, 201) << edge.raw;
  EXPECT_EQ(edge.body["memory"]["created_at"], "1900-01-01T00:00:00.000Z");
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories?as_of=2030-01-01").status, 200);
}

TEST_F(ApiTest, SecretsInReasonKeyUpdateDataAndToolCallsAreRedacted) {
  const std::string secret = "Tr0ub4dor-hostile-zebra";
  Reply2 add = Do("POST", "/v1/owners/alice/memories",
                  json{{"text", "the deploy target is staging"},
                       {"key", "my password is " + secret},
                       {"reason", "my password is " + secret}});
  ASSERT_EQ(add.status, 201) << add.raw;
  const std::string id = add.body["memory"]["id"];
  EXPECT_EQ(add.body["memory"]["key"].get<std::string>().find(secret), std::string::npos);
  Reply2 patch = Do(
      "PATCH", "/v1/owners/alice/memories/" + id,
      json{{"data", {{"note", "password: " + secret}}}, {"reason", "the password is " + secret}});
  ASSERT_EQ(patch.status, 200) << patch.raw;
  EXPECT_EQ(patch.raw.find(secret), std::string::npos) << patch.raw;
  Reply2 items =
      Do("POST", "/v1/owners/alice/sessions/s/items",
         json{{"items",
               {{{"role", "assistant"},
                 {"tool_calls", {{{"id", "c1"}, {"arguments", {{"password", secret}}}}}}}}}});
  ASSERT_EQ(items.status, 201) << items.raw;
  EXPECT_EQ(items.raw.find(secret), std::string::npos) << items.raw;
  ASSERT_EQ(
      Do("DELETE", "/v1/owners/alice/memories/" + id + "?reason=my%20password%20is%20" + secret)
          .status,
      200);
  Reply2 history = Do("GET", "/v1/owners/alice/memories/" + id + "/history");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(history.body["events"].size(), 3u);
  EXPECT_EQ(history.raw.find(secret), std::string::npos) << history.raw;
  Reply2 session = Do("GET", "/v1/owners/alice/sessions/s/items");
  EXPECT_EQ(session.raw.find(secret), std::string::npos) << session.raw;
}

TEST_F(ApiTest, SupersedesNamingAnUnknownOrAnotherOwnersMemoryChangesNothing) {
  Reply2 bobs = Do("POST", "/v1/owners/bob/memories", json{{"text", "bob's own fact"}}, kBobKey);
  ASSERT_EQ(bobs.status, 201) << bobs.raw;
  const std::string bob_id = bobs.body["memory"]["id"];
  Reply2 foreign = Do("POST", "/v1/owners/alice/memories",
                      json{{"text", "alice replaces it"}, {"supersedes", {bob_id}}});
  EXPECT_EQ(foreign.status, 404) << foreign.raw;
  EXPECT_EQ(foreign.raw.find("bob's own fact"), std::string::npos);
  Reply2 unknown = Do("POST", "/v1/owners/alice/memories",
                      json{{"text", "alice replaces nothing"},
                           {"supersedes", {"0190aaaa-0000-7000-8000-000000000000"}}});
  EXPECT_EQ(unknown.status, 404) << unknown.raw;
  EXPECT_EQ(
      Do("POST", "/v1/owners/alice/memories", json{{"text", "x"}, {"supersedes", {"not-an-id"}}})
          .status,
      422);
  // Nothing was written for alice, and bob's memory is still current.
  EXPECT_EQ(Do("GET", "/v1/owners/alice/memories").body["items"].size(), 0u);
  Reply2 still = Do("GET", "/v1/owners/bob/memories/" + bob_id, "", kBobKey);
  ASSERT_EQ(still.status, 200);
  EXPECT_TRUE(still.body["superseded_by"].is_null());
}

TEST(KeySetParse, AKeyListedTwiceIsRefused) {
  const std::string twice = std::string("{\"") + kAliceKey + "\": {\"owners\": [\"alice\"]}, \"" +
                            kAliceKey + "\": {\"admin\": true}}";
  Result<KeySet> keys = KeySet::Parse(twice, "keys.json");
  ASSERT_FALSE(keys.ok());
  EXPECT_TRUE(keys.status().IsInvalidArgument());
  EXPECT_NE(keys.status().message().find("twice"), std::string::npos) << keys.status().message();
  EXPECT_EQ(keys.status().message().find(kAliceKey), std::string::npos);
  EXPECT_FALSE(KeySet::Parse(Nested(70'000), "keys.json").ok());
}

}  // namespace
}  // namespace engram::server
