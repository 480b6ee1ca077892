// The scenario runner: the file format's validation, text matching, and the runner's own scoring
// on a fixed file whose probes are written to pass or to fail.
#include "eval/scenarios.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>

#include "test_util.h"

namespace engram::eval {
namespace {

TEST(ScenarioFile, MatchesWholeWordsIgnoringCase) {
  EXPECT_TRUE(ContainsWords("We moved to Porto in May", "porto"));
  EXPECT_TRUE(ContainsWords("Porto's old town", "Porto"));
  EXPECT_TRUE(ContainsWords("on the 14th at 3pm", "14th"));
  EXPECT_FALSE(ContainsWords("on the 14th at 3pm", "4th"));
  EXPECT_FALSE(ContainsWords("Lisboa", "Lisbon"));
  EXPECT_FALSE(ContainsWords("the 7:40 train", "7:4"));
  EXPECT_TRUE(ContainsWords("costs $3,000 in total", "$3,000"));
  EXPECT_TRUE(ContainsWords("host db.staging.internal:5432", "db.staging.internal"));
  EXPECT_FALSE(ContainsWords("short", "a longer needle"));
  EXPECT_FALSE(ContainsWords("anything", ""));
}

TEST(ScenarioFile, ParsesDurations) {
  EXPECT_EQ(*ParseDuration("90s"), 90'000);
  EXPECT_EQ(*ParseDuration("15m"), 900'000);
  EXPECT_EQ(*ParseDuration("2h"), 7'200'000);
  EXPECT_EQ(*ParseDuration("3d"), 3 * 86'400'000LL);
  EXPECT_EQ(*ParseDuration("2w"), 14 * 86'400'000LL);
  for (const char* bad : {"", "d", "3", "3y", "-3d", "1.5d", "3 d"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

// A malformed file fails as a whole, naming the line and what is wrong.
TEST(ScenarioFile, RejectsMalformedScenariosNamingTheLine) {
  const std::string good =
      R"({"id":"a","category":"c","events":[{"user":"hi"}],"probes":[{"list_lacks":"x"}]})";
  ASSERT_TRUE(ParseScenarios(good).ok());
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {"# only a comment\n", "no scenarios"},
      {good + "\n{not json", "line 2: not valid JSON"},
      {good + "\n" + good, "line 2: duplicate id 'a'"},
      {R"({"id":"a","events":[{"user":"hi"}],"probes":[{"list_lacks":"x"}]})", "'category'"},
      {R"({"id":"a","category":"c","events":[],"probes":[{"list_lacks":"x"}]})", "'events'"},
      {R"({"id":"a","category":"c","colour":1,"events":[{"user":"hi"}],"probes":[{"list_lacks":"x"}]})",
       "unknown field 'colour'"},
      {R"({"id":"a","category":"c","events":[{"user":"hi","sesion":"s2"}],"probes":[{"list_lacks":"x"}]})",
       "event 1: unknown field 'sesion'"},
      {R"({"id":"a","category":"c","events":[{"advance":"3 days"}],"probes":[{"list_lacks":"x"}]})",
       "bad duration"},
      {R"({"id":"a","category":"c","events":[{"user":"hi","add":"x"}],"probes":[{"list_lacks":"x"}]})",
       "both"},
      {R"({"id":"a","category":"c","events":[{"shout":"hi"}],"probes":[{"list_lacks":"x"}]})",
       "needs one of"},
      {R"({"id":"a","category":"c","events":[{"user":"hi"}],"probes":[{"search":"q"}]})",
       "probe 1: 'search' needs 'contains' or 'lacks'"},
      {R"({"id":"a","category":"c","events":[{"user":"hi"}],"probes":[{"count":"q"}]})",
       "'count' needs 'min' or 'max'"},
      {R"({"id":"a","category":"c","events":[{"user":"hi"}],"probes":[{"search":"q","top":0,"contains":"x"}]})",
       "'top' must be a positive integer"},
      {R"({"id":"a","category":"c","events":[{"add":"x","type":"opinion"}],"probes":[{"list_lacks":"x"}]})",
       "'type'"},
      {R"({"id":"a","category":"c","start":"yesterday","events":[{"user":"hi"}],"probes":[{"list_lacks":"x"}]})",
       "'start'"},
  };
  for (const Case& c : cases) {
    Result<std::vector<Scenario>> parsed = ParseScenarios(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(c.message), std::string::npos)
        << c.text << " -> " << parsed.status().message();
  }
}

TEST(ScenarioFile, ReadsTimesOwnersAndDefaults) {
  auto parsed = ParseScenarios(
      R"({"id":"a","category":"c","owner":"ann","start":"2025-01-01T00:00:00Z","events":[{"user":"hi"},{"at":"2025-02-01T00:00:00Z","owner":"bo","assistant":"yo","session":"s9"},{"advance":"2d"}],"probes":[{"search":"q","contains":["a","b"]},{"sees_nothing":"eve","query":"q"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Scenario& s = (*parsed)[0];
  EXPECT_EQ(s.events[0].owner, "ann");
  EXPECT_EQ(s.events[0].session, "s1");
  EXPECT_EQ(s.events[0].after_ms, 60'000);
  EXPECT_EQ(s.events[1].owner, "bo");
  EXPECT_EQ(s.events[1].role, Role::kAssistant);
  EXPECT_TRUE(s.events[1].at.has_value());
  EXPECT_EQ(s.events[2].kind, ScenarioEvent::Kind::kAdvance);
  EXPECT_EQ(s.events[2].after_ms, 2 * 86'400'000LL);
  EXPECT_EQ(s.probes[0].owner, "ann");
  EXPECT_EQ(s.probes[0].top, 3u);
  EXPECT_EQ(s.probes[0].contains, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(s.probes[1].owner, "eve");
}

// The fixed file's probes pass or fail by construction; the report must say exactly which.
TEST(ScenarioRunner, ScoresTheSelfTestFile) {
  auto scenarios = LoadScenarioFile(std::string(ENGRAM_SOURCE_DIR) +
                                    "/tests/data/scenarios/runner_selftest.jsonl");
  ASSERT_TRUE(scenarios.ok()) << scenarios.status().ToString();
  testing::TempDir dir;
  ScenarioOptions o;
  o.work_dir = dir.path();
  auto report = RunScenarios(*scenarios, o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  auto expect_score = [](const CategoryScore& c, size_t total, size_t scenarios_passed,
                         size_t probes, size_t probes_passed) {
    EXPECT_EQ(c.scenarios, total);
    EXPECT_EQ(c.scenarios_passed, scenarios_passed);
    EXPECT_EQ(c.probes, probes);
    EXPECT_EQ(c.probes_passed, probes_passed);
  };
  ASSERT_EQ(report->categories.size(), 3u);
  expect_score(report->categories.at("alpha"), 2, 1, 8, 5);
  expect_score(report->categories.at("beta"), 2, 0, 4, 1);
  expect_score(report->categories.at("gamma"), 4, 3, 7, 6);
  expect_score(report->overall, 8, 4, 19, 12);

  std::vector<std::pair<std::string, size_t>> failed;
  for (const ProbeFailure& f : report->failures) failed.emplace_back(f.scenario, f.probe);
  EXPECT_EQ(failed, (std::vector<std::pair<std::string, size_t>>{{"st-fail", 1},
                                                                 {"st-fail", 2},
                                                                 {"st-fail", 3},
                                                                 {"st-secret", 1},
                                                                 {"st-event-error", 1},
                                                                 {"st-event-error", 2},
                                                                 {"st-owner", 2}}));
  const auto& f = report->failures;
  EXPECT_EQ(f[0].expected, "a live memory contains \"blue\"");
  EXPECT_EQ(f[0].got, "1. \"The sky over Lisbon is green today.\"");
  EXPECT_EQ(f[1].label, "nothing says green");
  EXPECT_EQ(f[2].expected, "at least 2 live memories contain \"sky\"");
  EXPECT_EQ(f[3].got.rfind("found in store.db", 0), 0u) << f[3].got;
  EXPECT_NE(f[4].got.find("event 2 failed"), std::string::npos) << f[4].got;
  EXPECT_NE(f[4].got.find("nothing like this"), std::string::npos) << f[4].got;
  EXPECT_EQ(f[6].expected, "owner \"alice\" finds and lists nothing");
  EXPECT_EQ(f[6].got, "search: 1. \"Alice likes green tea.\"; list: 1. \"Alice likes green tea.\"");

  const std::string text = ScenarioReportToText(*report);
  EXPECT_NE(text.find("overall              4/8  50.0%"), std::string::npos) << text;
  EXPECT_NE(text.find("failures (7):"), std::string::npos) << text;
  const nlohmann::json json = ScenarioReportToJson(*report);
  EXPECT_EQ(json["overall"]["probes_passed"], 12);
  EXPECT_EQ(json["failures"].size(), 7u);

  o.category = "beta";
  auto beta = RunScenarios(*scenarios, o);
  ASSERT_TRUE(beta.ok());
  EXPECT_EQ(beta->overall.scenarios, 2u);
  o.category = "delta";
  EXPECT_FALSE(RunScenarios(*scenarios, o).ok());
}

// The neighbors probe reads the graph's current edges around an entity, as "from relation to".
TEST(ScenarioRunner, NeighborsProbesReadTheGraph) {
  auto scenarios = ParseScenarios(
      R"({"id":"g","category":"world","events":[{"user":"Lena runs the mobile team."},{"advance":"3d"},{"user":"Marco runs the mobile team now."}],"probes":[{"neighbors":"mobile team","contains":"mobile team led_by Marco","lacks":"Lena"},{"neighbors":"Marco","depth":2,"contains":"led_by Marco"},{"neighbors":"mobile team","contains":"led_by Lena"},{"neighbors":"nobody","lacks":"led_by"}]})");
  ASSERT_TRUE(scenarios.ok()) << scenarios.status().ToString();
  testing::TempDir dir;
  ScenarioOptions o;
  o.work_dir = dir.path();
  auto report = RunScenarios(*scenarios, o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->overall.probes, 4u);
  EXPECT_EQ(report->overall.probes_passed, 3u);
  ASSERT_EQ(report->failures.size(), 1u);
  EXPECT_EQ(report->failures[0].probe, 3u);
  EXPECT_EQ(report->failures[0].expected, "edges of \"mobile team\" contains \"led_by Lena\"");
  EXPECT_EQ(report->failures[0].got, "1. \"mobile team led_by Marco\"");

  for (const char* bad : {R"({"neighbors":"x"})", R"({"neighbors":"","lacks":"y"})",
                          R"({"neighbors":"x","lacks":"y","depth":0})"}) {
    const std::string line =
        std::string(R"({"id":"b","category":"c","events":[{"user":"hi"}],"probes":[)") + bad + "]}";
    EXPECT_EQ(ParseScenarios(line).status().code(), Status::Code::kInvalidArgument) << bad;
  }
}

// The public set is well-formed: every split parses (their scores are measured, not pinned).
TEST(ScenarioRunner, PublicSetParses) {
  for (const auto& [split, least] :
       std::initializer_list<std::pair<const char*, size_t>>{{"dev", 90},
                                                             {"test", 90},
                                                             {"test2", 40},
                                                             {"test3", 40},
                                                             {"test4", 40},
                                                             {"test5", 30},
                                                             {"test6", 40},
                                                             {"test7", 40},
                                                             {"test8", 40}}) {
    auto scenarios = LoadScenarioFile(std::string(ENGRAM_SOURCE_DIR) + "/tests/data/scenarios/" +
                                      split + ".jsonl");
    ASSERT_TRUE(scenarios.ok()) << scenarios.status().ToString();
    EXPECT_GE(scenarios->size(), least) << split;
  }
}

}  // namespace
}  // namespace engram::eval
