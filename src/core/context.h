// Context assembly: what an agent sees at its next turn, within a token budget.
#pragma once

#include <string_view>

#include "engram/engine.h"

namespace engram::core {

// Estimated LLM tokens of `text`, with no tokenizer at hand: a word of up to 8 letters is one
// token and longer ones one more per 8 letters, digits go in groups of 3, every other symbol
// and every non-ASCII character is a token of its own. It is near what BPE tokenizers of
// current models give on English prose and errs high on code, numbers and other scripts, so a
// context that fits the estimate fits the model.
size_t EstimateTokens(std::string_view text);

// Engine::AssembleContext, built on the engine's public reads.
Result<Context> AssembleContext(Engine& engine, std::string_view owner_id,
                                const ContextOptions& options);

}  // namespace engram::core
