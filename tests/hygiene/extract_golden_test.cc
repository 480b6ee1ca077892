// ExtractCandidates against golden data: tests/data/extraction/*.jsonl holds, one per line, a
// user text (with the rule group it exercises) and the exact candidates it must yield at a fixed
// now (Sunday 2026-03-01 10:30 UTC): type, key, text, confidence, data and valid_from. An empty
// list means the text must yield nothing.
//
// After a deliberate change of the rules, ENGRAM_UPDATE_GOLDEN=1 rewrites the files with what the
// rules yield now; review the diff before committing it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hygiene/extract.h"
#include "util/time.h"

namespace engram::hygiene {
namespace {

using nlohmann::json;

constexpr Timestamp kNow = 1'772'361'000'000;

const std::filesystem::path kDir =
    std::filesystem::path(ENGRAM_SOURCE_DIR) / "tests/data/extraction";

json Yield(const std::string& text) {
  json out = json::array();
  for (const Candidate& c : ExtractCandidates(text, kNow)) {
    json j = {{"type", MemoryTypeName(c.type)},
              {"key", c.key},
              {"text", c.text},
              {"confidence", c.confidence},
              {"data", json::parse(c.data)}};
    if (c.valid_from) j["valid_from"] = util::FormatTimestamp(*c.valid_from);
    out.push_back(std::move(j));
  }
  return out;
}

std::vector<json> ReadCases(const std::filesystem::path& file) {
  std::vector<json> cases;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) cases.push_back(json::parse(line));
  }
  return cases;
}

TEST(ExtractGoldenTest, EveryCaseYieldsItsCandidates) {
  const bool update = std::getenv("ENGRAM_UPDATE_GOLDEN") != nullptr;
  size_t files = 0, cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() != ".jsonl") continue;
    ++files;
    std::vector<json> lines = ReadCases(entry.path());
    for (json& c : lines) {
      ++cases;
      const json got = Yield(c.at("text").get<std::string>());
      if (update) {
        c["yields"] = got;
      } else {
        EXPECT_EQ(got, c.at("yields")) << entry.path().filename() << ": \"" << c.at("text")
                                       << "\" (" << c.value("rule", "") << ")";
      }
    }
    if (update) {
      std::ofstream out(entry.path(), std::ios::trunc);
      for (const json& c : lines) out << c.dump() << "\n";
    }
  }
  EXPECT_GT(files, 0u) << kDir;
  EXPECT_GT(cases, 0u);
}

}  // namespace
}  // namespace engram::hygiene
