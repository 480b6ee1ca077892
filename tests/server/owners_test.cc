// GET /v1/owners: the owners with memories, for admin keys only, paged.
#include <gtest/gtest.h>

#include "api_fixture.h"

namespace engram::server {
namespace {

using nlohmann::json;

TEST_F(ApiTest, AdminKeysListOwnersWithTheirMemoryCounts) {
  for (const auto& [owner, key, n] :
       {std::tuple{"alice", kAliceKey, 2}, {"bob", kBobKey, 1}, {"carol", kAdminKey, 3}}) {
    for (int i = 0; i < n; ++i) {
      Reply2 r = Do("POST", std::string("/v1/owners/") + owner + "/memories",
                    json{{"text", std::string(owner) + " note " + std::to_string(i)}}, key);
      ASSERT_EQ(r.status, 201) << r.raw;
    }
  }
  Reply2 all = Do("GET", "/v1/owners", "", kAdminKey);
  ASSERT_EQ(all.status, 200) << all.raw;
  EXPECT_EQ(all.body, (json{{"owners",
                             {{{"owner_id", "alice"}, {"memories", 2}},
                              {{"owner_id", "bob"}, {"memories", 1}},
                              {{"owner_id", "carol"}, {"memories", 3}}}},
                            {"next_cursor", nullptr}}));

  // Paged: two, then the rest.
  Reply2 first = Do("GET", "/v1/owners?limit=2", "", kAdminKey);
  ASSERT_EQ(first.body["owners"].size(), 2u) << first.raw;
  ASSERT_TRUE(first.body["next_cursor"].is_string());
  Reply2 second =
      Do("GET", "/v1/owners?limit=2&cursor=" + first.body["next_cursor"].get<std::string>(), "",
         kAdminKey);
  ASSERT_EQ(second.status, 200) << second.raw;
  ASSERT_EQ(second.body["owners"].size(), 1u);
  EXPECT_EQ(second.body["owners"][0]["owner_id"], "carol");
  EXPECT_TRUE(second.body["next_cursor"].is_null());

  // Forgetting an owner removes it from the list.
  ASSERT_EQ(Do("DELETE", "/v1/owners/bob", "", kBobKey).status, 200);
  EXPECT_EQ(Do("GET", "/v1/owners", "", kAdminKey).body["owners"].size(), 2u);
}

TEST_F(ApiTest, OwnersListIsForAdminKeysAndRefusesBadInput) {
  Reply2 owner = Do("GET", "/v1/owners", "", kAliceKey);
  EXPECT_EQ(owner.status, 403) << owner.raw;
  EXPECT_EQ(Do("GET", "/v1/owners", "", nullptr).status, 401);
  for (const char* query : {"limit=0", "limit=1001", "limit=x", "cursor=%21%21", "owner=alice"}) {
    Reply2 r = Do("GET", std::string("/v1/owners?") + query, "", kAdminKey);
    EXPECT_EQ(r.status, 422) << query << " " << r.raw;
  }
}

}  // namespace
}  // namespace engram::server
