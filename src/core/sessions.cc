// Session state: items, windows, rolling summaries, and ending a session into a memory.
#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "core/engine_impl.h"
#include "core/validate.h"
#include "hygiene/classify.h"
#include "llm/llm_text.h"
#include "llm/summary.h"
#include "util/json.h"

namespace engram {

namespace {

// The ids of an assistant item's tool calls.
std::set<std::string> ToolCallIds(const SessionItem& item) {
  std::set<std::string> ids;
  if (item.role != Role::kAssistant || item.tool_calls.empty()) return ids;
  const auto calls = util::ParseJsonOr(nlohmann::json::value_t::discarded, item.tool_calls);
  if (!calls.is_array()) return ids;
  for (const auto& call : calls) {
    if (call.is_object() && call.contains("id") && call["id"].is_string()) {
      ids.insert(call["id"].get<std::string>());
    }
  }
  return ids;
}

Status ValidateToolCalls(size_t index, const std::string& tool_calls) {
  const std::string where = "item " + std::to_string(index) + ": tool_calls";
  const auto calls = util::ParseJsonOr(nlohmann::json::value_t::discarded, tool_calls);
  if (calls.is_discarded()) return Status::InvalidArgument(where + " is not valid JSON");
  if (!calls.is_array()) return Status::InvalidArgument(where + " must be a JSON array");
  for (const auto& call : calls) {
    if (!call.is_object() || !call.contains("id") || !call["id"].is_string() ||
        call["id"].get<std::string>().empty()) {
      return Status::InvalidArgument(where + " must hold objects with a non-empty string \"id\"");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::optional<SessionSummary>> Engine::Impl::GetSessionSummary(std::string_view owner_id,
                                                                      std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
  return txn->GetSessionSummary(owner_id, session_id);
}

Result<SessionSummary> Engine::Impl::SetSessionSummary(std::string_view owner_id,
                                                       std::string_view session_id,
                                                       std::string_view text) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateText("summary", text, options_.max_text_bytes));
  SessionSummary summary{std::string(text), Now(), 0};
  std::vector<std::string> ignored;
  RedactText("summary", &summary.text, &ignored);
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginWrite());
  // A summary set by hand still covers what the one it replaces had folded in.
  ENGRAM_ASSIGN_OR_RETURN(auto previous, txn->GetSessionSummary(owner_id, session_id));
  if (previous) summary.through_seq = previous->through_seq;
  ENGRAM_RETURN_IF_ERROR(txn->PutSessionSummary(owner_id, session_id, summary));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return summary;
}

Result<std::optional<SessionSummary>> Engine::Impl::SummarizeSession(std::string_view owner_id,
                                                                     std::string_view session_id,
                                                                     size_t keep_turns) {
  return FoldSession(owner_id, session_id, keep_turns, /*use_model=*/true);
}

Result<std::optional<SessionSummary>> Engine::Impl::FoldSession(std::string_view owner_id,
                                                                std::string_view session_id,
                                                                size_t keep_turns, bool use_model) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  std::optional<SessionSummary> previous;
  std::vector<SessionItem> dropped;
  {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(previous, txn->GetSessionSummary(owner_id, session_id));
    int64_t window_start = std::numeric_limits<int64_t>::max();  // keep nothing
    if (keep_turns > 0) {
      ENGRAM_ASSIGN_OR_RETURN(
          window_start, txn->NthLastSessionSeq(owner_id, session_id, keep_turns, Role::kUser));
      if (window_start == 0) return previous;  // the session fits in its window
    }
    const int64_t from = previous ? previous->through_seq + 1 : 1;
    ENGRAM_ASSIGN_OR_RETURN(auto items, txn->GetSessionItems(owner_id, session_id, from));
    for (SessionItem& item : items) {
      if (item.seq >= window_start) break;
      dropped.push_back(std::move(item));
    }
  }
  if (dropped.empty()) return previous;
  const std::string before = previous ? previous->text : "";
  std::string text;
  if (use_model && options_.llm) {
    llm::CallBudget budget(options_.llm_max_calls_per_write);
    ENGRAM_ASSIGN_OR_RETURN(text, llm::Summarize(*options_.llm, budget, before, dropped));
  } else {
    text = ExtractiveSummary(before, dropped);
  }
  if (text.empty()) return previous;
  SessionSummary summary{std::move(text), Now(), dropped.back().seq};
  std::vector<std::string> ignored;
  RedactText("summary", &summary.text, &ignored);
  if (summary.text.size() > options_.max_text_bytes) {
    summary.text = llm::TruncateUtf8(summary.text, options_.max_text_bytes - 3);
  }
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginWrite());
  // Another writer may have folded the same items meanwhile: the furthest summary wins.
  ENGRAM_ASSIGN_OR_RETURN(auto current, txn->GetSessionSummary(owner_id, session_id));
  if (current && current->through_seq >= summary.through_seq) return current;
  ENGRAM_RETURN_IF_ERROR(txn->PutSessionSummary(owner_id, session_id, summary));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return std::optional<SessionSummary>(std::move(summary));
}

Result<std::optional<MemoryRecord>> Engine::Impl::EndSession(std::string_view owner_id,
                                                             std::string_view scope,
                                                             std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateScope(scope));
  ENGRAM_ASSIGN_OR_RETURN(std::optional<SessionSummary> summary,
                          SummarizeSession(owner_id, session_id, 0));
  if (!summary) return std::optional<MemoryRecord>();
  NewMemory m;
  m.owner_id = std::string(owner_id);
  m.scope = std::string(scope);
  m.session_id = std::string(session_id);
  m.type = MemoryType::kSummary;
  m.key = "session." + std::string(session_id);
  m.text = summary->text;
  m.source = "session";
  m.change = {"engine", "session ended"};
  ENGRAM_ASSIGN_OR_RETURN(auto results, WriteMemories(std::span(&m, 1)));
  return std::optional<MemoryRecord>(std::move(results.front().record));
}

Result<std::vector<SessionItem>> Engine::Impl::AddSessionItems(std::string_view owner_id,
                                                               std::string_view session_id,
                                                               std::vector<SessionItem> items) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  if (items.size() > options_.max_items_per_append) {
    return Status::TooLarge("an append holds " + std::to_string(items.size()) +
                            " items; the limit is " +
                            std::to_string(options_.max_items_per_append));
  }
  for (size_t i = 0; i < items.size(); ++i) {
    const SessionItem& item = items[i];
    const std::string where = "item " + std::to_string(i);
    if (!item.tool_calls.empty()) {
      if (item.role != Role::kAssistant) {
        return Status::InvalidArgument(where + ": only assistant items carry tool_calls");
      }
      ENGRAM_RETURN_IF_ERROR(ValidateToolCalls(i, item.tool_calls));
    }
    const bool may_be_empty = !item.tool_calls.empty();
    ENGRAM_RETURN_IF_ERROR(core::ValidateText(where + ": content", item.content,
                                              options_.max_session_item_bytes, may_be_empty));
    if (item.role == Role::kTool) {
      ENGRAM_RETURN_IF_ERROR(core::ValidateId(where + ": tool_call_id", item.tool_call_id));
    } else if (!item.tool_call_id.empty()) {
      return Status::InvalidArgument(where + ": only tool items carry a tool_call_id");
    }
  }
  if (items.empty()) return items;

  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner_id, session_id));
  // A tool result must answer a call of the assistant item right before it (tool results of
  // the same call may follow each other), as in the OpenAI and Anthropic APIs.
  std::set<std::string> open_calls;
  if (items.front().role == Role::kTool && last > 0) {
    ENGRAM_ASSIGN_OR_RETURN(int64_t prev, txn->PrecedingNonToolSeq(owner_id, session_id, last + 1));
    if (prev > 0) {
      ENGRAM_ASSIGN_OR_RETURN(auto prev_items, txn->GetSessionItems(owner_id, session_id, prev));
      open_calls = ToolCallIds(prev_items.front());
    }
  }
  const Timestamp now = Now();
  std::vector<std::string> ignored;  // session items have no history; the marker names the kind
  for (SessionItem& item : items) {
    RedactText("content", &item.content, &ignored);
    if (!item.tool_calls.empty()) {
      ENGRAM_RETURN_IF_ERROR(RedactJson("tool_calls", &item.tool_calls, &ignored));
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    SessionItem& item = items[i];
    if (item.role == Role::kTool) {
      if (!open_calls.count(item.tool_call_id)) {
        return Status::InvalidArgument("item " + std::to_string(i) + ": tool_call_id '" +
                                       item.tool_call_id.substr(0, 64) +
                                       "' answers no tool call of the preceding assistant item");
      }
    } else {
      open_calls = ToolCallIds(item);
    }
    item.seq = last + 1 + static_cast<int64_t>(i);
    item.created_at = now;
  }
  ENGRAM_RETURN_IF_ERROR(txn->AppendSessionItems(owner_id, session_id, items));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  txn.reset();  // releases the write lock that RememberTurn and the fold take
  if (last == 0) {
    Status folded = FoldQuietPreviousSession(owner_id, session_id);
    if (!folded.ok()) {
      return folded.WithPrefix("items " + std::to_string(items.front().seq) + ".." +
                               std::to_string(items.back().seq) +
                               " were stored, but folding the previous session failed: ");
    }
  }
  if (options_.policy.extract_on_session_append) {
    for (const SessionItem& item : items) {
      if (item.role != Role::kUser) continue;
      Result<TurnReport> r =
          RememberTurn(owner_id, "global", session_id, item.role, item.content, item.created_at);
      if (!r.ok()) {
        // The turn stays in the session; the caller must see that its memories were not kept.
        return r.status().WithPrefix("items " + std::to_string(items.front().seq) + ".." +
                                     std::to_string(items.back().seq) +
                                     " were stored, but extracting memories from item " +
                                     std::to_string(item.seq) + " failed: ");
      }
    }
  }
  return items;
}

Result<std::vector<SessionItem>> Engine::Impl::GetSessionItems(std::string_view owner_id,
                                                               std::string_view session_id,
                                                               std::optional<size_t> last_n) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
  int64_t from = 0;
  if (last_n) {
    if (*last_n == 0) return std::vector<SessionItem>();
    ENGRAM_ASSIGN_OR_RETURN(from,
                            txn->NthLastSessionSeq(owner_id, session_id, *last_n, std::nullopt));
    ENGRAM_ASSIGN_OR_RETURN(from, WidenOverToolResults(*txn, owner_id, session_id, from));
  }
  return txn->GetSessionItems(owner_id, session_id, from);
}

Result<std::vector<SessionItem>> Engine::Impl::GetSessionWindow(std::string_view owner_id,
                                                                std::string_view session_id,
                                                                size_t turns) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  if (turns == 0) return Status::InvalidArgument("a window needs at least one turn");
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(int64_t from,
                          txn->NthLastSessionSeq(owner_id, session_id, turns, Role::kUser));
  // Fewer user turns than asked: the whole session (from == 0) is the window.
  return txn->GetSessionItems(owner_id, session_id, from);
}

Result<std::optional<SessionItem>> Engine::Impl::PopSessionItem(std::string_view owner_id,
                                                                std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner_id, session_id));
  if (last == 0) return std::optional<SessionItem>();
  ENGRAM_ASSIGN_OR_RETURN(auto items, txn->GetSessionItems(owner_id, session_id, last));
  ENGRAM_RETURN_IF_ERROR(txn->DeleteSessionItems(owner_id, session_id, last).status());
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return std::optional<SessionItem>(std::move(items.front()));
}

Result<int64_t> Engine::Impl::ClearSession(std::string_view owner_id, std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(int64_t removed, txn->DeleteSession(owner_id, session_id));
  ENGRAM_RETURN_IF_ERROR(txn->Commit());
  return removed;
}

Result<std::vector<OwnerItem>> Engine::Impl::GetRecentItems(std::string_view owner_id,
                                                            size_t last_n) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  if (last_n == 0 || last_n > kMaxRecentItems) {
    return Status::InvalidArgument("last_n must be between 1 and " +
                                   std::to_string(kMaxRecentItems));
  }
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(std::vector<OwnerItem> items, txn->RecentOwnerItems(owner_id, last_n));
  std::reverse(items.begin(), items.end());
  return items;
}

Result<std::optional<SessionInfo>> Engine::Impl::GetPreviousSession(std::string_view owner_id,
                                                                    std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(std::optional<SessionInfo> info,
                          txn->LastActiveSession(owner_id, session_id));
  if (info) {
    ENGRAM_ASSIGN_OR_RETURN(info->summary, txn->GetSessionSummary(owner_id, info->session_id));
  }
  return info;
}

Status Engine::Impl::FoldQuietPreviousSession(std::string_view owner_id,
                                              std::string_view session_id) {
  std::optional<SessionInfo> previous;
  {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(previous, txn->LastActiveSession(owner_id, session_id));
    if (!previous || previous->items == 0) return Status::Ok();
    if (Now() - previous->last_active_at < options_.session_quiet_ms) return Status::Ok();
    ENGRAM_ASSIGN_OR_RETURN(previous->summary,
                            txn->GetSessionSummary(owner_id, previous->session_id));
    ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner_id, previous->session_id));
    if (previous->summary && previous->summary->through_seq >= last) return Status::Ok();
  }
  // Extractive: a new session's first append must not wait on, or fail with, a model call.
  return FoldSession(owner_id, previous->session_id, 0, /*use_model=*/false).status();
}

std::string Engine::Impl::ExtractiveSummary(const std::string& previous,
                                            const std::vector<SessionItem>& dropped) {
  constexpr size_t kLine = 240;
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < previous.size()) {
    size_t end = previous.find('\n', start);
    if (end == std::string::npos) end = previous.size();
    if (end > start) lines.push_back(previous.substr(start, end - start));
    start = end + 1;
  }
  for (const SessionItem& item : dropped) {
    const bool answer = item.role == Role::kAssistant && item.tool_calls.empty();
    const bool statement = item.role == Role::kUser && hygiene::Classify(item.role, item.content) !=
                                                           hygiene::Disposition::kDiscard;
    if (!answer && !statement) continue;  // tool traffic, system prompts, filler
    std::string line = std::string("- ") + RoleName(item.role) + ": ";
    for (char c : item.content) line += (c == '\n' || c == '\r') ? ' ' : c;
    lines.push_back(llm::TruncateUtf8(line, kLine));
  }
  size_t total = 0, first = lines.size();
  while (first > 0 && total + lines[first - 1].size() + 1 <= kExtractiveSummaryChars) {
    total += lines[--first].size() + 1;
  }
  std::string out;
  for (size_t i = first; i < lines.size(); ++i) out += (out.empty() ? "" : "\n") + lines[i];
  return out;
}

Status Engine::Impl::ValidateSession(std::string_view owner_id, std::string_view session_id) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  return core::ValidateId("session_id", session_id);
}

Result<int64_t> Engine::Impl::WidenOverToolResults(store::SessionTransaction& txn,
                                                   std::string_view owner_id,
                                                   std::string_view session_id, int64_t from) {
  if (from <= 1) return from;
  ENGRAM_ASSIGN_OR_RETURN(auto first, txn.GetSessionItems(owner_id, session_id, from));
  if (first.empty() || first.front().role != Role::kTool) return from;
  ENGRAM_ASSIGN_OR_RETURN(int64_t prev, txn.PrecedingNonToolSeq(owner_id, session_id, from));
  return prev > 0 ? prev : from;
}

}  // namespace engram
