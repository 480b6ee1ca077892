#include "embed/embedder_factory.h"

#include <cstdlib>
#include <string>

#include "embed/http/openai_embedder.h"
#include "embed/use_lite/use_lite_embedder.h"

namespace engram {

Result<std::shared_ptr<Embedder>> EmbedderFromEnvironment() {
  const char* env = std::getenv("ENGRAM_EMBEDDER");
  const std::string name = env && *env ? env : "use-lite";
  if (name == "none") return std::shared_ptr<Embedder>();
  if (name == "use-lite") {
    ENGRAM_ASSIGN_OR_RETURN(auto embedder,
                            UseLiteEmbedder::Open(UseLiteEmbedder::DefaultModelDir()));
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
