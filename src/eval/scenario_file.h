// The scenario file format (docs/scenarios.md): one JSON object per line, each a scenario of
// timed events (conversation turns, explicit writes, the clock moving on, garbage collection)
// and probes that check what memory holds afterwards. Parsing validates everything up front, so
// a typo in a file fails the run with its line number instead of silently testing nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::eval {

struct ScenarioEvent {
  enum class Kind {
    kTurn,         // {"user": TEXT} / {"assistant": TEXT}: a conversation turn
    kAdd,          // {"add": TEXT, "type", "key", "confidence", "expires_in"}
    kUpdate,       // {"update": MATCH, "text": NEW}: the one live memory containing MATCH
    kDelete,       // {"delete": MATCH}: every live memory containing MATCH
    kForgetOwner,  // {"forget_owner": true}
    kAdvance,      // {"advance": DURATION}
    kGc,           // {"gc": true}
    kEndSession,   // {"end_session": SESSION}
    kSummarize,    // {"summarize": SESSION, "keep_turns": N}
  };
  Kind kind = Kind::kTurn;
  // When it happens: "at" sets the clock, "after" moves it on; by default each event is one
  // minute after the previous one.
  std::optional<Timestamp> at;
  Timestamp after_ms = 60'000;
  std::string owner;  // the scenario's owner unless set
  std::string scope = "global";
  std::string session = "s1";
  Role role = Role::kUser;
  std::string text;   // turn text, added text, an update's new text
  std::string match;  // update/delete: which live memories
  MemoryType type = MemoryType::kFact;
  std::string key;
  std::optional<double> confidence;
  std::optional<Timestamp> expires_in_ms;
  size_t keep_turns = 0;
};

struct ScenarioProbe {
  enum class Kind {
    kSearch,        // {"search": QUERY, "top": K}: the top K hits
    kListContains,  // {"list_contains": TEXT}: some live memory contains TEXT
    kListLacks,     // {"list_lacks": TEXT}: no live memory contains TEXT
    kCount,         // {"count": TEXT, "min": N, "max": M}: live memories containing TEXT
    kKey,          // {"key": KEY, "value": TEXT}: exactly one live memory has KEY; it contains TEXT
    kNoSecret,     // {"no_secret": TEXT}: TEXT is nowhere in the store's files
    kSeesNothing,  // {"sees_nothing": OWNER, "query": Q}: OWNER finds and lists nothing
    kContext,      // {"context": QUERY, "session": S}: the assembled context
    kNeighbors,    // {"neighbors": ENTITY, "depth": N}: the current edges within N hops
  };
  Kind kind = Kind::kSearch;
  std::string label;  // the probe as written, for reports
  std::string owner;  // the scenario's owner unless set ("sees_nothing": the other owner)
  std::optional<std::string> scope;
  std::optional<MemoryType> type;
  std::string key;
  std::string query;
  std::string text;     // list_contains, list_lacks, count, key value, no_secret
  std::string session;  // context
  size_t top = 3;
  size_t budget = 2000;
  size_t depth = 1;  // neighbors
  // search and context: every "contains" text appears (in some hit), no "lacks" text does.
  std::vector<std::string> contains;
  std::vector<std::string> lacks;
  std::optional<int64_t> min;
  std::optional<int64_t> max;
};

struct Scenario {
  std::string id;
  std::string category;
  std::string owner = "user";
  std::string note;
  Timestamp start = 0;
  std::string policy_json;  // a policy object (docs/policy.md) for this scenario; empty: none
  std::vector<ScenarioEvent> events;
  std::vector<ScenarioProbe> probes;
  size_t line = 0;  // 1-based line of the file
};

// "90s", "15m", "2h", "3d", "2w" -> milliseconds. InvalidArgument otherwise.
Result<Timestamp> ParseDuration(std::string_view text);

// Parses JSONL text (blank lines and lines starting with '#' are skipped). InvalidArgument naming
// the line and the field for anything malformed or unknown; ids must be unique.
Result<std::vector<Scenario>> ParseScenarios(std::string_view text);
Result<std::vector<Scenario>> LoadScenarioFile(const std::string& path);

// Whether `haystack` contains `needle`, ignoring ASCII case, where the needle starts and ends at
// word boundaries ("4th" is not found in "14th", "Porto" is found in "Porto's").
bool ContainsWords(std::string_view haystack, std::string_view needle);

}  // namespace engram::eval
