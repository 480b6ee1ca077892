// Opening storage by URL: "sqlite:///var/lib/engram/engram.db", and each backend registered in
// backends.cc. The engine names URLs, never a backend: a new backend plugs in with its folder
// under src/store/, one registration line in backends.cc and its CMake entry.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "engram/status.h"
#include "store/checkpoint_store.h"
#include "store/graph_store.h"
#include "store/session_store.h"
#include "store/store.h"

namespace engram::store {

// A store URL split at its "://": "scheme://rest". The scheme is compared without case; what
// the rest means is the backend's (sqlite: a file path, so "sqlite:///abs/engram.db" is the
// absolute path /abs/engram.db and "sqlite://data/engram.db" one relative to the working folder).
struct StoreUrl {
  std::string scheme;  // lower case
  std::string rest;    // everything after "://", as given
};

// InvalidArgument when `url` is not "scheme://..." with a scheme of letters, digits, '+', '-' and
// '.' that starts with a letter. The message never repeats the URL (it may hold a password).
Result<StoreUrl> ParseStoreUrl(std::string_view url);

// The URL that --db PATH and Options::path stand for: "sqlite://" + path.
std::string SqliteUrl(std::string_view path);

// What every backend is opened with; a backend ignores what does not apply to it.
struct OpenSettings {
  // How long a write waits for another process's write lock before failing with Unavailable.
  int busy_timeout_ms = 5000;
  // Every acknowledged write survives power loss (fsync per commit), or only a process crash.
  bool durable_commits = true;
  // A local folder where a backend with no folder of its own (a database server) may keep files
  // derived from it (the engine's saved vector indexes), each database in a subfolder named after
  // its identity (OpenedBackend::local_dir); "" keeps none. A backend with a folder of its own
  // (SQLite) ignores it.
  std::string cache_dir;
  // The engine keeps files in OpenedBackend::local_dir (it has an embedder and writes through the
  // POSIX file system): the backend makes sure that folder is private (util::EnsurePrivateFolder)
  // and fails the open, naming the fix, when it is not or cannot be made. A database server's
  // backend then creates its folder in cache_dir (mode 0700; cache_dir too) and prunes the
  // folders there that can no longer serve; SQLite checks "<path>.index/" when it exists.
  bool private_local_dir = false;
};

// What a backend opened at one URL serves. A backend serves durable memory, session state, the
// knowledge graph or several (null: not served); one that serves several shares one connection
// (or pool) between them.
struct OpenedBackend {
  std::shared_ptr<Store> memory;
  std::shared_ptr<SessionStore> sessions;
  std::shared_ptr<GraphStore> graph;
  std::shared_ptr<CheckpointStore> checkpoints;
  // A local folder where the engine may keep files derived from this store (the vector index),
  // unique to it; "" when the store has no such place (the index is then rebuilt on open). Files
  // there are a cache: each names the store and the change counter it reflects, and the engine
  // brings what it loads up to date from the store.
  std::string local_dir;
  // What opening did to the schema, as `engram migrate` reports it (e.g. "schema version 1,
  // migrated from 0"); "" when the backend does not say.
  std::string schema;
};

// Opens the backend at `url` (already parsed; its scheme is the one registered). Errors name
// the problem without repeating the URL.
using BackendOpener = Result<OpenedBackend> (*)(const StoreUrl& url, const OpenSettings& settings);

struct BackendRegistration {
  std::string_view scheme;  // lower case, e.g. "sqlite"
  BackendOpener open;
};

// The backends built in, in the order `engram --help` lists them (backends.cc).
std::span<const BackendRegistration> RegisteredBackends();

// Opens the backend that the URL's scheme names. InvalidArgument for a malformed URL or a
// scheme no backend registered (the message lists the registered ones).
Result<OpenedBackend> OpenBackend(std::string_view url, const OpenSettings& settings);

// The engine's storage: memories at one URL and session state at another, or at the same one.
struct Stores {
  std::shared_ptr<Store> memory;
  std::shared_ptr<SessionStore> sessions;
  // The knowledge graph, kept with the memories; null when their backend keeps none.
  std::shared_ptr<GraphStore> graph;
  // Checkpoints of agent state: the sessions backend's when it keeps them (they are thread
  // state), else the memory backend's; null when neither does.
  std::shared_ptr<CheckpointStore> checkpoints;
  std::string local_dir;  // the memory store's (OpenedBackend::local_dir)
};

// Opens memories at `memory_url` and session state at `sessions_url` ("" or the same URL: the
// memory store's backend, opened once). InvalidArgument when a backend does not serve what its
// URL is asked for (a sessions-only backend for memories).
Result<Stores> OpenStores(std::string_view memory_url, std::string_view sessions_url,
                          const OpenSettings& settings);

}  // namespace engram::store
