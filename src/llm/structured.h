// Structured output: ask a model for JSON matching a schema, check the answer, repair once.
//
// CompleteJson(client, request, schema, check):
//   1. States the schema in the system prompt (every provider understands that) and sets
//      request.json_schema (providers with native support also constrain decoding).
//   2. Parses the answer: surrounding whitespace and a ```json ... ``` (or ``` ... ```) fence are
//      tolerated; prose around unfenced JSON is not.
//   3. Validates it against `schema` (json_schema.h), then with `check` (meaning the schema
//      cannot state: ids that must exist, indices that must each appear once).
//   4. On an invalid answer, makes exactly ONE repair call: the conversation plus the bad answer
//      and a user message naming what was wrong; its answer goes through 2 and 3 again.
//   5. Still invalid: Unavailable "LLM answer from <model> did not match schema '<name>' after a
//      repair attempt: <what was wrong>".
// Every call goes through LlmClient::Complete, so request.budget counts the repair too; a budget
// spent before the repair gives the original problem plus "(no repair: LLM call budget ... is
// spent)".
//
// Errors, none of which contain the key, the prompt or the answer's text:
//   - InvalidArgument when `schema` fails CheckSchema (a bug in the caller; nothing is sent);
//   - the client's errors (transport, provider, budget) as they are;
//   - Unavailable for an empty answer or a refusal ("... gave an empty answer (stop reason
//     end_turn)"), without a repair attempt: there is nothing to repair;
//   - Unavailable for an answer still invalid after the repair, as in 5. An answer cut off at
//     max_tokens says so.
// Unavailable, as for the HTTP embedder: the provider gave no usable answer, the caller may try
// again later, and nothing was stored.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "engram/status.h"
#include "llm/llm_client.h"

namespace engram::llm {

// A check of meaning on an answer that already matches the schema; a non-OK Status's message
// says what is wrong (it is shown to the model in the repair call).
using AnswerCheck = std::function<Status(const nlohmann::json&)>;

// See above. `request` must end with a user message.
Result<nlohmann::json> CompleteJson(LlmClient& client, CompletionRequest request,
                                    const nlohmann::json& schema,
                                    const AnswerCheck& check = nullptr);

// Step 2 alone: the JSON value in `text`. InvalidArgument "empty answer" or "not valid JSON
// (syntax error at byte N)" (the byte offset into the unfenced text, never the text itself).
Result<nlohmann::json> ParseJsonAnswer(std::string_view text);

}  // namespace engram::llm
