// Chooses the embedder from the environment, so every face of engram (CLI, servers) configures
// it the same way.
//
//   ENGRAM_EMBEDDER=use-lite (default)  the built-in encoder; files from scripts/install_model.sh;
//                                        ENGRAM_EMBED_THREADS caps its threads (default: all cores)
//   ENGRAM_EMBEDDER=openai               any OpenAI-compatible /v1/embeddings server (OpenAI,
//                                        Ollama, vLLM, TEI, LM Studio): ENGRAM_EMBED_BASE_URL,
//                                        ENGRAM_EMBED_MODEL, ENGRAM_EMBED_API_KEY, ENGRAM_EMBED_DIM
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
