#include "llm/summary.h"

#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "llm/llm_text.h"
#include "util/json.h"
#include "util/text.h"
#include "util/utf8.h"

namespace engram::llm {
namespace {

using nlohmann::json;

constexpr char kSummarySystemPrompt[] =
    R"(You maintain the rolling summary of a conversation between a user and an assistant. The oldest part of the conversation is leaving the assistant's context window; fold it into the summary so nothing that still matters is lost.

Keep: decisions made, the user's preferences and facts about the user, commitments, open tasks and questions still unanswered, names, numbers, dates and identifiers the conversation depends on, and the results of tool calls that later turns rely on. Drop: greetings, small talk, repetition, and details that were superseded (keep the latest value).
Write the new summary as concise plain text (short paragraphs or "- " bullets), in the third person ("The user ..."), no preamble. It replaces the previous summary, so carry over everything from it that still holds.)";

std::set<std::string> ToolCallIds(const std::string& tool_calls) {
  std::set<std::string> ids;
  const json calls = util::ParseJsonOr(json(), tool_calls);
  if (!calls.is_array()) return ids;
  for (const json& call : calls) {
    if (call.is_object() && call.contains("id") && call["id"].is_string()) {
      ids.insert(call["id"].get<std::string>());
    }
  }
  return ids;
}

}  // namespace

Result<std::string> Summarize(LlmClient& client, CallBudget& budget,
                              std::string_view previous_summary,
                              std::span<const SessionItem> dropped,
                              const SummarizeOptions& options) {
  if (dropped.empty()) return std::string(previous_summary);
  if (!util::IsValidUtf8(previous_summary)) {
    return Status::InvalidArgument("previous summary is not valid UTF-8");
  }
  std::set<std::string> calls;
  json items = json::array();
  for (const SessionItem& item : dropped) {
    if (!item.tool_calls.empty()) calls.merge(ToolCallIds(item.tool_calls));
    if (item.role == Role::kTool && !calls.contains(item.tool_call_id)) {
      return Status::InvalidArgument("session item " + std::to_string(item.seq) +
                                     ": a tool result is summarized without its call");
    }
    json rendered = {{"seq", item.seq},
                     {"role", RoleName(item.role)},
                     {"content", TruncateUtf8(item.content, options.max_item_bytes)}};
    if (!item.tool_calls.empty()) {
      rendered["tool_calls"] = TruncateUtf8(item.tool_calls, options.max_item_bytes);
    }
    if (!item.tool_call_id.empty()) rendered["tool_call_id"] = item.tool_call_id;
    items.push_back(std::move(rendered));
  }

  CompletionRequest request;
  request.system = kSummarySystemPrompt;
  request.messages.push_back(
      {MessageRole::kUser,
       json{{"previous_summary", previous_summary}, {"leaving_the_window", items}}.dump(
           -1, ' ', false, json::error_handler_t::replace)});
  request.max_tokens = options.max_tokens;
  request.temperature = 0;
  request.budget = &budget;
  ENGRAM_ASSIGN_OR_RETURN(Completion answer, client.Complete(request));

  const std::string where = "summary from " + client.model_id() + ": ";
  if (answer.stop == StopReason::kMaxTokens) {
    return Status::Unavailable(where + "cut off at max_tokens (" +
                               std::to_string(options.max_tokens) + ")");
  }
  const std::string_view text = util::TrimWhitespace(answer.text);
  if (text.empty() || answer.stop == StopReason::kRefusal) {
    return Status::Unavailable(where + "empty answer (stop reason " +
                               (answer.stop_reason.empty() ? "unknown" : answer.stop_reason) + ")");
  }
  return std::string(text);
}

}  // namespace engram::llm
