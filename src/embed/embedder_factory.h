// Chooses the embedder from the environment, so every face of engram (CLI, servers) configures
// it the same way.
//
//   ENGRAM_EMBEDDER=use-lite (default)  the built-in encoder; files from scripts/install_model.sh
//   ENGRAM_EMBEDDER=none                 no vectors: lexical search only
#pragma once

#include <memory>

#include "engram/embedder.h"
#include "engram/status.h"

namespace engram {

// The configured embedder; null for "none". InvalidArgument for an unknown name; the
// embedder's own error (e.g. model not installed) otherwise.
Result<std::shared_ptr<Embedder>> EmbedderFromEnvironment();

}  // namespace engram
