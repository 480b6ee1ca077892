#include "embed/embedder_factory.h"

#include <cstdlib>
#include <string>

#include "embed/http/openai_embedder.h"
#include "embed/use_lite/use_lite_embedder.h"
#include "util/env.h"

namespace engram {

Result<std::shared_ptr<Embedder>> EmbedderFromEnvironment() {
  const char* env = std::getenv("ENGRAM_EMBEDDER");
  const std::string name = env && *env ? env : "use-lite";
  if (name == "none") return std::shared_ptr<Embedder>();
  if (name == "use-lite") {
    int threads = 0;  // every core
    const char* t = std::getenv("ENGRAM_EMBED_THREADS");
    ENGRAM_RETURN_IF_ERROR(
        util::ParsePositiveInt("ENGRAM_EMBED_THREADS", t == nullptr ? "" : t, &threads));
    if (threads > 1024) {
      return Status::InvalidArgument("ENGRAM_EMBED_THREADS='" + std::to_string(threads) +
                                     "' is more than 1024 threads");
    }
    ENGRAM_ASSIGN_OR_RETURN(auto embedder,
                            UseLiteEmbedder::Open(UseLiteEmbedder::DefaultModelDir(), threads));
    return std::shared_ptr<Embedder>(std::move(embedder));
  }
  if (name == "openai") {
    ENGRAM_ASSIGN_OR_RETURN(auto embedder, embed::OpenAiEmbedder::FromEnvironment());
    // The store records the dimension at open, so an unconfigured one is learned now.
    if (embedder->dimension() == 0) ENGRAM_RETURN_IF_ERROR(embedder->Probe());
    return std::shared_ptr<Embedder>(std::move(embedder));
  }
  return Status::InvalidArgument("ENGRAM_EMBEDDER='" + name.substr(0, 32) +
                                 "' is not an embedder: expected use-lite, openai or none");
}

}  // namespace engram
