// Exact-word lookups in small owners: a user who types a name, a place or an identifier that one
// memory holds finds that memory first with the default search, however little the owner's BM25
// statistics weigh against the encoder (docs/search.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/recall.h"
#include "engram/engine.h"
#include "test_util.h"
#include "use_lite_engine.h"

namespace engram {
namespace {

const std::string kDataDir = ENGRAM_TEST_DATA_DIR;

struct Owner {
  std::string name;
  std::vector<std::string> memories;
};

std::vector<Owner> LoadOwners(const std::string& path) {
  std::vector<Owner> out;
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    out.push_back({j["owner"], j["memories"].get<std::vector<std::string>>()});
  }
  return out;
}

// The lookups of a memory: its longest word that no other memory of the owner holds, and its two
// longest words. Ties go to the earlier word.
std::vector<std::string> Lookups(const Owner& owner, size_t index) {
  std::map<std::string, int> holders;
  for (const auto& m : owner.memories) {
    for (const auto& w : core::QueryTerms(m)) ++holders[w];
  }
  std::vector<std::string> words = core::QueryTerms(owner.memories[index]);
  std::stable_sort(words.begin(), words.end(),
                   [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::vector<std::string> out;
  for (const auto& w : words) {
    if (holders[w] == 1) {
      out.push_back(w);
      break;
    }
  }
  if (words.size() >= 2) out.push_back(words[0] + " " + words[1]);
  return out;
}

struct Counts {
  size_t lookups = 0;
  std::map<SearchMode, size_t> first;
};

class ExactSearch : public ::testing::Test {
 protected:
  void SetUp() override { testing::OpenUseLiteEngine(dir_.File("engram.db"), &engine_); }

  // Stores each owner's memories and searches each lookup in every mode; `miss` is told the
  // lookups the default search does not answer first.
  Counts Run(const std::vector<Owner>& owners,
             const std::function<void(const std::string&, const std::string&)>& miss) {
    Counts counts;
    for (const auto& owner : owners) {
      std::vector<std::string> ids;
      for (const auto& text : owner.memories) {
        NewMemory m;
        m.owner_id = owner.name;
        m.text = text;
        auto r = engine_->AddMemory(m);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        ids.push_back(r.ok() ? r->id : "");
      }
      for (size_t i = 0; i < owner.memories.size(); ++i) {
        for (const auto& query : Lookups(owner, i)) {
          ++counts.lookups;
          for (SearchMode mode : {SearchMode::kHybrid, SearchMode::kLexical, SearchMode::kVector}) {
            SearchOptions o;
            o.mode = mode;
            o.top_k = 1;
            o.record_access = false;
            auto hits = engine_->Search(owner.name, query, o);
            EXPECT_TRUE(hits.ok()) << hits.status().ToString();
            const bool first = hits.ok() && !hits->empty() && (*hits)[0].record.id == ids[i];
            counts.first[mode] += first;
            if (!first && mode == SearchMode::kHybrid) miss(query, owner.memories[i]);
          }
        }
      }
    }
    std::printf("%zu lookups, first: default %zu, lexical %zu, vector %zu\n", counts.lookups,
                counts.first[SearchMode::kHybrid], counts.first[SearchMode::kLexical],
                counts.first[SearchMode::kVector]);
    return counts;
  }

  testing::TempDir dir_;
  std::unique_ptr<Engine> engine_;
};

// Three dozen everyday memories with names, places and identifiers: every lookup finds its
// memory first.
TEST_F(ExactSearch, EveryLookupFindsItsMemoryFirstInASmallOwner) {
  const Counts counts =
      Run(LoadOwners(kDataDir + "/exact_lookup.jsonl"), [](const auto& query, const auto& memory) {
        ADD_FAILURE() << "'" << query << "' does not find '" << memory << "' first";
      });
  EXPECT_GE(counts.lookups, 60u);
}

// The paraphrase set's owners (1 to 45 memories, sharing words such as "user" and "prefers"):
// the default search answers their lookups at least as often as lexical search alone does.
TEST_F(ExactSearch, DefaultFindsLookupsAsOftenAsLexicalInTheParaphraseSet) {
  const Counts counts = Run(LoadOwners(kDataDir + "/paraphrase_recall.jsonl"),
                            [](const auto& query, const auto& memory) {
                              std::printf("miss: '%s' -> '%s'\n", query.c_str(), memory.c_str());
                            });
  EXPECT_GE(counts.lookups, 300u);
  EXPECT_GE(counts.first.at(SearchMode::kHybrid), counts.first.at(SearchMode::kLexical));
}

}  // namespace
}  // namespace engram
