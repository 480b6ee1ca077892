#include "llm/structured.h"

#include <string>
#include <utility>

#include "llm/json_schema.h"
#include "llm/llm_text.h"
#include "util/json.h"
#include "util/text.h"

namespace engram::llm {
namespace {

using nlohmann::json;

// The bad answer echoed back in the repair call: enough for the model to see its mistake,
// bounded so that a runaway answer does not double the cost of the repair.
constexpr size_t kMaxEchoedAnswerBytes = 16 << 10;

// The body of the first ``` fence in `text` (after its info string, e.g. "json"), or `text`.
std::string_view Unfence(std::string_view text) {
  const size_t open = text.find("```");
  if (open == std::string_view::npos) return text;
  const size_t body = text.find('\n', open);
  if (body == std::string_view::npos) return text;
  const size_t close = text.find("```", body + 1);
  return text.substr(body + 1,
                     close == std::string_view::npos ? std::string_view::npos : close - body - 1);
}

std::string Instruction(const json& schema) {
  return "Answer with a single JSON value and nothing else: no prose, no code fences. It must "
         "match this JSON Schema:\n" +
         schema.dump();
}

// Why `completion` cannot be used, or OK with the parsed value in *out.
Status Check(const Completion& completion, const json& schema, const AnswerCheck& check,
             json* out) {
  Result<json> parsed = ParseJsonAnswer(completion.text);
  Status status = parsed.ok() ? ValidateJson(*parsed, schema) : parsed.status();
  if (status.ok() && check) status = check(*parsed);
  if (status.ok()) {
    *out = std::move(*parsed);
    return status;
  }
  if (completion.stop == StopReason::kMaxTokens) {
    return Status::InvalidArgument(status.message() +
                                   " (the answer was cut off at max_tokens: answer more briefly)");
  }
  return status;
}

}  // namespace

Result<json> ParseJsonAnswer(std::string_view text) {
  const std::string_view body = util::TrimWhitespace(Unfence(util::TrimWhitespace(text)));
  if (body.empty()) return Status::InvalidArgument("empty answer");
  ENGRAM_RETURN_IF_ERROR(util::CheckJsonDepth(body));
  try {
    return json::parse(body);
  } catch (const json::parse_error& e) {
    // e.what() quotes the input near the error; only the offset goes into the message.
    return Status::InvalidArgument("not valid JSON (syntax error at byte " +
                                   std::to_string(e.byte) + ")");
  } catch (const json::exception&) {
    return Status::InvalidArgument("not valid JSON (a number is outside the range of a double)");
  }
}

Result<json> CompleteJson(LlmClient& client, CompletionRequest request, const json& schema,
                          const AnswerCheck& check) {
  ENGRAM_RETURN_IF_ERROR(CheckSchema(schema));
  request.system =
      request.system.empty() ? Instruction(schema) : request.system + "\n\n" + Instruction(schema);
  request.json_schema = schema;
  const std::string failure = "LLM answer from " + client.model_id() + " did not match schema '" +
                              request.schema_name + "'";

  ENGRAM_ASSIGN_OR_RETURN(Completion first, client.Complete(request));
  if (util::TrimWhitespace(first.text).empty() || first.stop == StopReason::kRefusal) {
    return Status::Unavailable("LLM " + client.model_id() + " gave an empty answer (stop reason " +
                               (first.stop_reason.empty() ? "unknown" : first.stop_reason) + ")");
  }
  json value;
  const Status problem = Check(first, schema, check, &value);
  if (problem.ok()) return value;

  request.messages.push_back(
      {MessageRole::kAssistant, TruncateUtf8(first.text, kMaxEchoedAnswerBytes)});
  request.messages.push_back(
      {MessageRole::kUser, "Your previous answer could not be used: " + problem.message() +
                               ". Reply again with only the corrected JSON value."});
  Result<Completion> second = client.Complete(request);
  if (!second.ok()) {
    if (IsBudgetExhausted(second.status())) {
      return Status::Unavailable(failure + ": " + problem.message() +
                                 " (no repair: " + second.status().message() + ")");
    }
    return second.status();
  }
  const Status repaired = Check(*second, schema, check, &value);
  if (repaired.ok()) return value;
  return Status::Unavailable(failure + " after a repair attempt: " + repaired.message());
}

}  // namespace engram::llm
