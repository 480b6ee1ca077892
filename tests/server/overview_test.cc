// GET /v1/whoami and GET …/stats: what a dashboard (the web page at /ui) starts from.
#include <gtest/gtest.h>

#include "api_fixture.h"
#include "engram/clock.h"

namespace engram::server {
namespace {

using nlohmann::json;

TEST_F(ApiTest, WhoamiNamesTheKeyAndItsOwners) {
  Reply2 alice = Do("GET", "/v1/whoami");
  ASSERT_EQ(alice.status, 200) << alice.raw;
  EXPECT_EQ(alice.body, (json{{"name", "key#1"}, {"admin", false}, {"owners", {"alice"}}}));
  Reply2 admin = Do("GET", "/v1/whoami", "", kAdminKey);
  EXPECT_EQ(admin.body, (json{{"name", "key#3"}, {"admin", true}, {"owners", json::array()}}));
  EXPECT_EQ(Do("GET", "/v1/whoami", "", nullptr).status, 401);
  EXPECT_EQ(Do("GET", "/v1/whoami", "", "k-unknown-0123456789abcdef").status, 401);
  Reply2 typo = Do("GET", "/v1/whoami?owner=bob");
  EXPECT_EQ(typo.status, 422) << typo.raw;
}

class StatsTest : public ApiTest {
 protected:
  // 2026-12-07T12:00:00Z
  static constexpr Timestamp kNow = 1796644800000;
  static constexpr Timestamp kDay = 86'400'000;

  void SetUp() override {
    Options o;
    o.clock = clock_;
    Open(ApiOptions{}, o);
  }

  std::string Add(const json& memory) {
    Reply2 r = Do("POST", "/v1/owners/alice/memories", memory);
    EXPECT_EQ(r.status, 201) << r.raw;
    return r.body["memory"].value("id", "");
  }

  std::shared_ptr<ManualClock> clock_ = std::make_shared<ManualClock>(kNow);
};

TEST_F(StatsTest, CountsByTypeAddedPerDayAndAges) {
  // Two days ago: a fact, later replaced by a newer one today (same key).
  clock_->Set(kNow - 2 * kDay);
  Add({{"text", "the bike is in the red shed"}, {"type", "fact"}, {"key", "bike"}});
  Add({{"text", "dark mode"}, {"type", "preference"}, {"key", "theme"}});
  // Forty days ago (outside a 30-day window, but counted by type and age).
  clock_->Set(kNow - 40 * kDay);
  Add({{"text", "met Maya at the harbour"}, {"type", "episode"}});
  clock_->Set(kNow);
  Add({{"text", "the bike is in the blue shed"}, {"type", "fact"}, {"key", "bike"}});
  Add({{"text", "deploy with make release"}, {"type", "procedure"}, {"scope", "project/x"}});
  // Another owner's memories never count.
  ASSERT_EQ(Do("POST", "/v1/owners/bob/memories", json{{"text", "bob's"}}, kBobKey).status, 201);

  Reply2 r = Do("GET", "/v1/owners/alice/stats?days=3");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["now"], "2026-12-07T12:00:00.000Z");
  EXPECT_EQ(r.body["live"], 4);
  EXPECT_EQ(r.body["superseded"], 1);
  EXPECT_EQ(r.body["by_type"], (json{{"fact", 1},
                                     {"preference", 1},
                                     {"episode", 1},
                                     {"procedure", 1},
                                     {"summary", 0},
                                     {"block", 0}}));
  EXPECT_EQ(r.body["added_per_day"],
            (json::array({{{"day", "2026-12-05"}, {"by_type", {{"fact", 1}, {"preference", 1}}}},
                          {{"day", "2026-12-06"}, {"by_type", json::object()}},
                          {{"day", "2026-12-07"}, {"by_type", {{"fact", 1}, {"procedure", 1}}}}})));
  EXPECT_EQ(r.body["age_days"], (json::array({{{"max_days", 1}, {"count", 2}},
                                              {{"max_days", 7}, {"count", 1}},
                                              {{"max_days", 30}, {"count", 0}},
                                              {{"max_days", 90}, {"count", 1}},
                                              {{"max_days", 365}, {"count", 0}},
                                              {{"max_days", nullptr}, {"count", 0}}})));

  // A scope narrows it to what is visible there; the default window is 30 days.
  Reply2 global = Do("GET", "/v1/owners/alice/stats?scope=global");
  ASSERT_EQ(global.status, 200) << global.raw;
  EXPECT_EQ(global.body["live"], 3);
  EXPECT_EQ(global.body["by_type"]["procedure"], 0);
  EXPECT_EQ(global.body["added_per_day"].size(), 30u);
}

TEST_F(StatsTest, PagesThroughEveryRecord) {
  // More than one page (1000) of the store's listing.
  for (int b = 0; b < 2; ++b) {
    json batch = json::array();
    for (int i = 0; i < 600; ++i) {
      batch.push_back({{"text", "note number " + std::to_string(b * 600 + i)}});
    }
    ASSERT_EQ(Do("POST", "/v1/owners/alice/memories", json{{"memories", batch}}).status, 201);
  }
  Reply2 r = Do("GET", "/v1/owners/alice/stats?days=1");
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["live"], 1200);
  EXPECT_EQ(r.body["added_per_day"][0]["by_type"]["fact"], 1200);
}

TEST_F(StatsTest, RefusesOtherOwnersAndBadWindows) {
  EXPECT_EQ(ErrorCode(Do("GET", "/v1/owners/bob/stats")), "permission_denied");
  EXPECT_EQ(Do("GET", "/v1/owners/bob/stats", "", kAdminKey).status, 200);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/stats?days=0").status, 422);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/stats?days=367").status, 422);
  EXPECT_EQ(Do("GET", "/v1/owners/alice/stats?day=3").status, 422);
}

}  // namespace
}  // namespace engram::server
