// The scenario runner: replays each scenario's events with their times into a fresh store and
// scores its probes (docs/scenarios.md). It measures the write path (what is kept, superseded,
// corrected, forgotten, merged, redacted, scoped, expired and isolated) on language written the
// way people talk, and lets users test their own policies.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engram/embedder.h"
#include "engram/policy.h"
#include "engram/status.h"
#include "eval/scenario_file.h"

namespace engram::eval {

struct ScenarioOptions {
  std::string work_dir;                // where each scenario's throwaway store is created
  std::shared_ptr<Embedder> embedder;  // null: lexical search only
  Policy policy;                       // the base policy; a scenario's "policy" replaces it
  std::string category;                // when set, only the scenarios of this category
};

// A probe that did not pass.
struct ProbeFailure {
  std::string scenario;
  std::string category;
  size_t probe = 0;  // 1-based
  std::string label;
  std::string expected;
  std::string got;
};

struct CategoryScore {
  size_t scenarios = 0;
  size_t scenarios_passed = 0;  // every probe passed
  size_t probes = 0;
  size_t probes_passed = 0;
};

struct ScenarioReport {
  std::map<std::string, CategoryScore> categories;
  CategoryScore overall;
  std::vector<ProbeFailure> failures;  // in file order
};

// Runs the scenarios. A scenario whose event fails (the engine refuses it) counts each of its
// probes as failed, with the error as what was got; the run goes on.
Result<ScenarioReport> RunScenarios(const std::vector<Scenario>& scenarios,
                                    const ScenarioOptions& options);

nlohmann::json ScenarioReportToJson(const ScenarioReport& report);
// A table of pass/total per category (scenarios and probes), then one line per failure.
std::string ScenarioReportToText(const ScenarioReport& report);

}  // namespace engram::eval
