// Opening an engine with the built-in sentence encoder, for the suites that measure ranking.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "embed/use_lite/use_lite_embedder.h"
#include "engram/engine.h"

namespace engram::testing {

// Opens an engine on a SQLite file at `path` with USE-lite (installed by
// scripts/install_model.sh) and commits that skip fsync; a failure fails the calling test and
// leaves `*engine` empty.
inline void OpenUseLiteEngine(const std::string& path, std::unique_ptr<Engine>* engine) {
  auto embedder = UseLiteEmbedder::Open(UseLiteEmbedder::DefaultModelDir());
  ASSERT_TRUE(embedder.ok()) << embedder.status().ToString()
                             << " (run scripts/install_model.sh to install the model)";
  Options o;
  o.path = path;
  o.embedder = std::move(*embedder);
  o.durable_commits = false;
  auto opened = Engine::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  *engine = std::move(*opened);
}

}  // namespace engram::testing
