// Pieces shared by the engram command's subcommands: the engine it opens, reading text
// arguments, and printing records as text or JSON.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engram/engine.h"

namespace engram::cli {

struct Globals {
  std::string db;        // --db PATH: the SQLite shorthand of --store
  std::string store;     // --store URL
  std::string sessions;  // --sessions URL
  std::string policy;    // --policy FILE, else $ENGRAM_POLICY
  bool json = false;
  // `engram chat --provider P --model M`: override ENGRAM_LLM and ENGRAM_LLM_MODEL.
  std::string llm_provider, llm_model;
  // Memories one write may hold (Options::max_items_per_append); 0 keeps the engine's default.
  // `import` raises it to write a whole file in one transaction.
  size_t max_items_per_write = 0;
  // Bytes for the owners' search partitions in memory (Options::index_memory); 0: the engine's
  // default. Set by `serve --index-memory`.
  size_t index_memory = 0;
  // serve --index-save-interval SECONDS: Options::index_save_interval_ms; -1: the engine's
  // default.
  int64_t index_save_interval_s = -1;
  // --index-cache DIR: Options::index_cache (IndexCacheDir).
  std::string index_cache;
  // --approximate-above N: Options::approximate_above; 0 keeps the engine's default.
  size_t approximate_above = 0;
};

// The path of the database when no store is named: $ENGRAM_DB, else the per-user data folder.
std::string DefaultDbPath();
// The store's URL: --store, else --db, else $ENGRAM_STORE, else $ENGRAM_DB, else the SQLite
// file in the per-user data folder. InvalidArgument when both --store and --db are given.
Result<std::string> StoreUrl(const Globals& g);
// The session store's URL: --sessions, else $ENGRAM_SESSIONS, else "" (with the memories).
std::string SessionsUrl(const Globals& g);
// The folder for the saved indexes of a database server's store (Options::index_cache):
// --index-cache, else $ENGRAM_INDEX_CACHE, else $XDG_CACHE_HOME/engram/index, else
// ~/.cache/engram/index; "" when the one given is "none".
std::string IndexCacheDir(const Globals& g);

class Cli {
 public:
  explicit Cli(Globals& g) : g_(g) {}

  // Runs after parsing; returns the exit status.
  int Run(const std::function<Status()>& command);
  void PrintError(const Status& st) const;
  // The engine; with_embedder loads the configured embedder (commands that write or search text
  // need it, the others start faster without it); with_llm the language model of ENGRAM_LLM
  // (commands that extract or summarize).
  Result<Engine*> engine(bool with_embedder = false, bool accept_model_change = false,
                         bool with_llm = false);
  // The language model the engine was opened with; null when none.
  const std::shared_ptr<llm::LlmClient>& llm() const { return llm_; }
  bool json_output() const { return g_.json; }

 private:
  Globals& g_;
  std::shared_ptr<llm::LlmClient> llm_;
  std::unique_ptr<Engine> engine_;
};

// Joins positional words into one text; "-" alone reads standard input.
Result<std::string> ReadText(const std::vector<std::string>& words, size_t limit);
Result<std::optional<Timestamp>> OptionalTime(const std::string& value);
std::string OrDash(const std::string& s);
// Control characters as spaces, cut at max bytes with an ellipsis.
std::string OneLine(const std::string& s, size_t max = 100);
void PrintRecord(const MemoryRecord& r);
// The owner's live memories (visible at scope, when set) whose text or key contains every
// content word of query, in any inflection: what `forget --query` deletes. BM25 finds the
// candidates; the all-words rule keeps a loose match from deleting unrelated memories.
Result<std::vector<MemoryRecord>> MatchingMemories(Engine& engine, const std::string& owner,
                                                   const std::string& query,
                                                   const std::optional<std::string>& scope);
void PrintItem(const SessionItem& item);
void Emit(const nlohmann::json& value);

}  // namespace engram::cli
