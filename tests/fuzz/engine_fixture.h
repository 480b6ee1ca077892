// The engine the route-table and MCP fuzzers drive: a real SQLite store in a fresh temporary
// folder (removed at exit), no embedder (lexical search), commits without fsync. One per fuzzing
// process, created on the first input, so an input costs only its own requests.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "engram/engine.h"

namespace engram::fuzz {

class FuzzStore {
 public:
  FuzzStore() {
    std::string dir = (std::filesystem::temp_directory_path() / "engram-fuzz-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) __builtin_trap();
    dir_ = dir;
    Options options;
    options.path = dir + "/fuzz.db";
    options.durable_commits = false;
    auto opened = Engine::Open(options);
    if (!opened.ok()) __builtin_trap();
    engine_ = std::move(*opened);
  }
  ~FuzzStore() {
    engine_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  Engine& engine() { return *engine_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Engine> engine_;
};

inline Engine& FuzzEngine() {
  static FuzzStore store;
  return store.engine();
}

}  // namespace engram::fuzz
