// Options of Engine::Open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engram/clock.h"
#include "engram/embedder.h"
#include "engram/file_system.h"
#include "engram/policy.h"

namespace engram {

namespace llm {
class LlmClient;  // engram/llm_client.h
}  // namespace llm

struct Options {
  // Where memories and their history live: a store URL. "sqlite:///var/lib/engram/engram.db"
  // is the embedded default (the file and its folder are created on first use); other schemes
  // name the other backends built in (docs/architecture.md). Empty: `path`.
  std::string store;
  // Where session state (items, rolling summaries) lives, as a store URL; empty: with the
  // memories, in `store`. Forgetting an owner and garbage collection then touch both stores, one
  // after the other.
  std::string sessions;
  // Shorthand for store = "sqlite://" + path: the SQLite database file. Set this or `store`.
  std::string path;

  // The files engram keeps beside the store itself (saved vector indexes of large owners) go
  // through this; the POSIX file system when null. A failed index save or load never fails a
  // call: the index is rebuilt from the store.
  std::shared_ptr<const FileSystem> file_system;
  // A local folder for the saved vector indexes of a store that keeps no folder of its own (a
  // postgres:// database; a SQLite database keeps them beside its file): each database gets a
  // subfolder named after its identity (docs/postgres.md, "Index cache"), and a reopened engine
  // loads an owner's saved index and applies what other processes wrote since instead of
  // rebuilding it. It holds copies of keys, metadata and vectors, so it is private: with an
  // embedder (and the POSIX file system), Open creates it and the database's subfolder mode 0700
  // (files 0600), prunes subfolders that can no longer serve, and fails (FailedPrecondition, or
  // IOError when it cannot be made) when either is a symbolic link, another user's, or writable
  // by others; a SQLite "<path>.index/" is checked the same way. Empty: nothing is kept, each
  // process rebuilds the index of a large owner from the store on its first search. (`engram`
  // defaults to $ENGRAM_INDEX_CACHE, else ~/.cache/engram/index.)
  std::string index_cache;
  // How often a running engine saves the indexes of large owners that changed since their last
  // save (in index_cache, or beside a SQLite database), so that a process that stops without
  // closing its engine (killed, crashed) restarts from files at most this old and reads only what
  // was written since from the store. Searches go on during a save; writes to the owner being
  // saved wait for it. Milliseconds; 0: only when the engine closes (and after a build).
  int64_t index_save_interval_ms = 5 * 60 * 1000;

  // Source of "now"; the system clock when null.
  std::shared_ptr<const Clock> clock;

  // Turns text into vectors for vector search; none means lexical search only. A store remembers
  // the model of its vectors: opening it with another model fails with FailedPrecondition until
  // Engine::Reindex() is run.
  std::shared_ptr<Embedder> embedder;
  // Opens a store whose vectors come from another model instead of failing; until
  // Engine::Reindex() runs, writes and vector searches fail with FailedPrecondition.
  bool accept_model_change = false;
  // An owner with more vectors than this is searched through an HNSW index (kept on disk beside
  // a SQLite database, in "<path>.index/", and in `index_cache` for a database server) instead
  // of an exact scan.
  size_t approximate_above = 10000;
  // Bytes of memory for the search partitions of owners (each searched owner's filter
  // attributes and vectors, docs/search.md). Past it, the least recently searched owners'
  // partitions are dropped and loaded again, from the store or their saved index files, on
  // their next search. 0: a quarter of the memory the process may use (the machine's, or its
  // container's limit), at least 64 MiB.
  size_t index_memory = 0;
  // Half-life of the recency weight of episodes and summaries, in days (0: no decay). Facts,
  // preferences, procedures and blocks do not decay.
  double episode_half_life_days = 30;
  double summary_half_life_days = 90;

  // A session whose last item is older than this when a new session of the same owner starts
  // is folded into its rolling summary (Engine::AddSessionItems), so the next context can carry
  // it. Milliseconds.
  int64_t session_quiet_ms = 30 * 60 * 1000;

  // How long a write waits for another process's write lock before failing with Unavailable.
  int busy_timeout_ms = 5000;
  // true: every acknowledged write survives power loss (fsync per commit). false: it survives a
  // crash of the process but the last commits may be lost on power loss; faster.
  bool durable_commits = true;

  // Replace secrets (API keys, private keys, passwords, card numbers, IBANs, ...) by markers such
  // as "[REDACTED:password]" before anything is stored: memory text, data and metadata, session
  // items. Each redaction is named in the record's history (kind and field). docs/redaction.md.
  bool redact_secrets = true;

  // Write the knowledge-graph triple of each memory whose key is a slot of
  // src/hygiene/rules/graph_slots.txt (the user -works_at-> Acme), sourced by the memory: a
  // superseded memory's open edge is retracted (a single-valued one is ended by its successor),
  // a deleted memory's edges are retracted. Skipped where the backend keeps no graph.
  // docs/graph.md, "Writing".
  bool graph_from_memories = true;

  // A language model for extraction, contradiction resolution and rolling summaries; null keeps
  // the deterministic offline rules (docs/llm.md). A model failure never loses a turn: the offline
  // rules apply instead and the failure is reported (TurnReport::llm_error).
  std::shared_ptr<llm::LlmClient> llm;
  // Model calls one write (a turn, a summary) may make, repairs included.
  int llm_max_calls_per_write = 4;

  // Write and retention rules: TTLs, minimum confidence and record caps per type, near-duplicate
  // merging, extraction on session append, garbage collection. See policy.h.
  Policy policy;

  // Input limits; larger inputs fail with TooLarge and write nothing.
  size_t max_text_bytes = 64 * 1024;            // memory text
  size_t max_json_bytes = 64 * 1024;            // data, metadata
  size_t max_session_item_bytes = 1024 * 1024;  // content of one session item
  size_t max_items_per_append = 1000;
};

}  // namespace engram
