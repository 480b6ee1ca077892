#include "engram/engine.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "core/json_codec.h"
#include "core/validate.h"
#include "store/sqlite/sqlite_store.h"
#include "util/ids.h"

namespace engram {

namespace {

constexpr size_t kMaxListLimit = 1000;

Status ValidateConfidence(double c) {
  if (!std::isfinite(c) || c < 0 || c > 1) {
    return Status::InvalidArgument("confidence must be a number between 0 and 1");
  }
  return Status::Ok();
}

Status ValidateValidity(const std::optional<Timestamp>& from, const std::optional<Timestamp>& to) {
  if (from && to && *to < *from) {
    return Status::InvalidArgument("valid_to is earlier than valid_from");
  }
  return Status::Ok();
}

Status MemoryIdError(std::string_view id) {
  if (!util::LooksLikeUuid(id)) {
    return Status::InvalidArgument(
        "invalid memory id '" + std::string(id.substr(0, 64)) +
        "': expected a UUID such as 0192f0c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6");
  }
  return Status::Ok();
}

Status NotFound(std::string_view id) {
  return Status::NotFound("memory " + std::string(id) + " not found");
}

// Cursor: "<created_at>:<id>", base64url-encoded so clients treat it as opaque.
std::string EncodeCursor(const MemoryRecord& last) {
  return util::Base64UrlEncode(std::to_string(last.created_at) + ":" + last.id);
}

Status DecodeCursor(std::string_view cursor, store::MemoryQuery* q) {
  const Status bad = Status::InvalidArgument("malformed cursor: pass next_cursor unchanged");
  std::string raw;
  if (!util::Base64UrlDecode(cursor, &raw)) return bad;
  const size_t colon = raw.find(':');
  if (colon == std::string::npos || colon == 0) return bad;
  const std::string id = raw.substr(colon + 1);
  if (!util::LooksLikeUuid(id)) return bad;
  int64_t created = 0;
  for (size_t i = 0; i < colon; ++i) {
    const char c = raw[i];
    if (!((c >= '0' && c <= '9') || (c == '-' && i == 0))) return bad;
  }
  try {
    created = std::stoll(raw.substr(0, colon));
  } catch (const std::exception&) {
    return bad;
  }
  q->before_created_at = created;
  q->before_id = id;
  return Status::Ok();
}

std::string Snapshot(const MemoryRecord& r) {
  return core::DumpJson(core::MemoryToJson(r));
}

// The ids of an assistant item's tool calls.
std::set<std::string> ToolCallIds(const SessionItem& item) {
  std::set<std::string> ids;
  if (item.role != Role::kAssistant || item.tool_calls.empty()) return ids;
  const auto calls = nlohmann::json::parse(item.tool_calls, nullptr, false);
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
  const auto calls = nlohmann::json::parse(tool_calls, nullptr, false);
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

class Engine::Impl {
 public:
  Impl(Options options, std::unique_ptr<store::Store> store)
      : options_(std::move(options)), store_(std::move(store)) {
    if (!options_.clock) options_.clock = std::make_shared<SystemClock>();
  }

  Timestamp Now() const { return options_.clock->Now(); }

  Result<MemoryRecord> AddMemory(const NewMemory& m) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", m.owner_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateScope(m.scope));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("agent_id", m.agent_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("session_id", m.session_id));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("key", m.key));
    ENGRAM_RETURN_IF_ERROR(core::ValidateText("text", m.text, options_.max_text_bytes));
    ENGRAM_RETURN_IF_ERROR(core::ValidateJson("data", m.data, options_.max_json_bytes, false));
    ENGRAM_RETURN_IF_ERROR(
        core::ValidateJson("metadata", m.metadata, options_.max_json_bytes, true));
    ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("source", m.source));
    ENGRAM_RETURN_IF_ERROR(ValidateConfidence(m.confidence));
    ENGRAM_RETURN_IF_ERROR(ValidateValidity(m.valid_from, m.valid_to));

    const Timestamp now = Now();
    MemoryRecord r;
    r.id = ids_.Next(now);
    r.owner_id = m.owner_id;
    r.scope = m.scope;
    r.agent_id = m.agent_id;
    r.session_id = m.session_id;
    r.type = m.type;
    r.key = m.key;
    r.text = m.text;
    r.data = m.data;
    r.metadata = m.metadata;
    r.source = m.source;
    r.confidence = m.confidence;
    r.created_at = m.observed_at.value_or(now);
    r.updated_at = now;
    r.valid_from = m.valid_from;
    r.valid_to = m.valid_to;
    r.expires_at = m.expires_at;

    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_RETURN_IF_ERROR(txn->InsertMemory(r));
    ENGRAM_RETURN_IF_ERROR(txn->AppendHistory(
        {0, r.id, r.owner_id, "add", m.change.actor, m.change.reason, "", Snapshot(r), now}));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return r;
  }

  Result<MemoryRecord> GetMemory(std::string_view owner_id, std::string_view id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    return LoadLive(*txn, owner_id, id);
  }

  Result<MemoryPage> ListMemories(std::string_view owner_id, const ListOptions& o) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    if (o.limit == 0 || o.limit > kMaxListLimit) {
      return Status::InvalidArgument("limit must be between 1 and " +
                                     std::to_string(kMaxListLimit));
    }
    store::MemoryQuery q;
    q.owner_id = owner_id;
    if (o.scope) {
      ENGRAM_RETURN_IF_ERROR(core::ValidateScope(*o.scope));
      q.scopes = core::VisibleScopes(*o.scope);
    }
    if (o.key) ENGRAM_RETURN_IF_ERROR(core::ValidateId("key", *o.key));
    if (o.session_id) ENGRAM_RETURN_IF_ERROR(core::ValidateId("session_id", *o.session_id));
    if (o.agent_id) ENGRAM_RETURN_IF_ERROR(core::ValidateId("agent_id", *o.agent_id));
    q.type = o.type;
    q.key = o.key;
    q.session_id = o.session_id;
    q.agent_id = o.agent_id;
    q.created_from = o.created_from;
    q.created_until = o.created_until;
    q.include_superseded = o.include_superseded;
    q.live_at = Now();
    if (!o.cursor.empty()) ENGRAM_RETURN_IF_ERROR(DecodeCursor(o.cursor, &q));
    q.limit = o.limit + 1;  // one extra row tells whether another page exists

    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> rows, txn->ListMemories(q));
    MemoryPage page;
    if (rows.size() > o.limit) {
      rows.resize(o.limit);
      page.next_cursor = EncodeCursor(rows.back());
    }
    page.items = std::move(rows);
    return page;
  }

  Result<MemoryRecord> UpdateMemory(std::string_view owner_id, std::string_view id,
                                    const MemoryUpdate& u) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
    if (!u.text && !u.key && !u.data && !u.metadata && !u.confidence && !u.valid_from &&
        !u.valid_to && !u.expires_at) {
      return Status::InvalidArgument("the update changes nothing");
    }
    if (u.text)
      ENGRAM_RETURN_IF_ERROR(core::ValidateText("text", *u.text, options_.max_text_bytes));
    if (u.key) ENGRAM_RETURN_IF_ERROR(core::ValidateOptionalId("key", *u.key));
    if (u.data) {
      ENGRAM_RETURN_IF_ERROR(core::ValidateJson("data", *u.data, options_.max_json_bytes, false));
    }
    if (u.metadata) {
      ENGRAM_RETURN_IF_ERROR(
          core::ValidateJson("metadata", *u.metadata, options_.max_json_bytes, true));
    }
    if (u.confidence) ENGRAM_RETURN_IF_ERROR(ValidateConfidence(*u.confidence));

    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord old, LoadLive(*txn, owner_id, id));
    MemoryRecord r = old;
    if (u.text) r.text = *u.text;
    if (u.key) r.key = *u.key;
    if (u.data) r.data = *u.data;
    if (u.metadata) r.metadata = *u.metadata;
    if (u.confidence) r.confidence = *u.confidence;
    if (u.valid_from) r.valid_from = *u.valid_from;
    if (u.valid_to) r.valid_to = *u.valid_to;
    if (u.expires_at) r.expires_at = *u.expires_at;
    ENGRAM_RETURN_IF_ERROR(ValidateValidity(r.valid_from, r.valid_to));
    const Timestamp now = Now();
    r.updated_at = now;
    ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(r));
    ENGRAM_RETURN_IF_ERROR(txn->AppendHistory({0, r.id, r.owner_id, "update", u.change.actor,
                                               u.change.reason, Snapshot(old), Snapshot(r), now}));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return r;
  }

  Status DeleteMemory(std::string_view owner_id, std::string_view id, const ChangeInfo& change) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord old, LoadLive(*txn, owner_id, id));
    MemoryRecord r = old;
    const Timestamp now = Now();
    r.deleted_at = now;
    r.updated_at = now;
    ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(r));
    ENGRAM_RETURN_IF_ERROR(txn->AppendHistory(
        {0, r.id, r.owner_id, "delete", change.actor, change.reason, Snapshot(old), "", now}));
    return txn->Commit();
  }

  Result<std::vector<HistoryEvent>> GetHistory(std::string_view owner_id, std::string_view id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(std::vector<HistoryEvent> events, txn->GetHistory(owner_id, id));
    if (events.empty()) return NotFound(id);
    return events;
  }

  Result<ForgetReport> ForgetOwner(std::string_view owner_id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(ForgetReport report, txn->DeleteOwner(owner_id));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return report;
  }

  Result<std::vector<SessionItem>> AddSessionItems(std::string_view owner_id,
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

    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner_id, session_id));
    // A tool result must answer a call of the assistant item right before it (tool results of
    // the same call may follow each other), as in the OpenAI and Anthropic APIs.
    std::set<std::string> open_calls;
    if (items.front().role == Role::kTool && last > 0) {
      ENGRAM_ASSIGN_OR_RETURN(int64_t prev,
                              txn->PrecedingNonToolSeq(owner_id, session_id, last + 1));
      if (prev > 0) {
        ENGRAM_ASSIGN_OR_RETURN(auto prev_items, txn->GetSessionItems(owner_id, session_id, prev));
        open_calls = ToolCallIds(prev_items.front());
      }
    }
    const Timestamp now = Now();
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
    return items;
  }

  Result<std::vector<SessionItem>> GetSessionItems(std::string_view owner_id,
                                                   std::string_view session_id,
                                                   std::optional<size_t> last_n) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    int64_t from = 0;
    if (last_n) {
      if (*last_n == 0) return std::vector<SessionItem>();
      ENGRAM_ASSIGN_OR_RETURN(from,
                              txn->NthLastSessionSeq(owner_id, session_id, *last_n, std::nullopt));
      ENGRAM_ASSIGN_OR_RETURN(from, WidenOverToolResults(*txn, owner_id, session_id, from));
    }
    return txn->GetSessionItems(owner_id, session_id, from);
  }

  Result<std::vector<SessionItem>> GetSessionWindow(std::string_view owner_id,
                                                    std::string_view session_id, size_t turns) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    if (turns == 0) return Status::InvalidArgument("a window needs at least one turn");
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(int64_t from,
                            txn->NthLastSessionSeq(owner_id, session_id, turns, Role::kUser));
    // Fewer user turns than asked: the whole session (from == 0) is the window.
    return txn->GetSessionItems(owner_id, session_id, from);
  }

  Result<std::optional<SessionItem>> PopSessionItem(std::string_view owner_id,
                                                    std::string_view session_id) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner_id, session_id));
    if (last == 0) return std::optional<SessionItem>();
    ENGRAM_ASSIGN_OR_RETURN(auto items, txn->GetSessionItems(owner_id, session_id, last));
    ENGRAM_RETURN_IF_ERROR(txn->DeleteSessionItems(owner_id, session_id, last).status());
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return std::optional<SessionItem>(std::move(items.front()));
  }

  Result<int64_t> ClearSession(std::string_view owner_id, std::string_view session_id) {
    ENGRAM_RETURN_IF_ERROR(ValidateSession(owner_id, session_id));
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ENGRAM_ASSIGN_OR_RETURN(int64_t removed, txn->DeleteSession(owner_id, session_id));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    return removed;
  }

 private:
  static Status ValidateSession(std::string_view owner_id, std::string_view session_id) {
    ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
    return core::ValidateId("session_id", session_id);
  }

  // The owner's record, unless it is missing or deleted.
  static Result<MemoryRecord> LoadLive(store::Transaction& txn, std::string_view owner_id,
                                       std::string_view id) {
    ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> r, txn.GetMemory(owner_id, id));
    if (!r) return NotFound(id);
    if (r->deleted_at) return Status::NotFound("memory " + std::string(id) + " was deleted");
    return std::move(*r);
  }

  // Moves a slice start that falls on a tool result back to the assistant item that made the
  // call, so the call is never cut from its result.
  static Result<int64_t> WidenOverToolResults(store::Transaction& txn, std::string_view owner_id,
                                              std::string_view session_id, int64_t from) {
    if (from <= 1) return from;
    ENGRAM_ASSIGN_OR_RETURN(auto first, txn.GetSessionItems(owner_id, session_id, from));
    if (first.empty() || first.front().role != Role::kTool) return from;
    ENGRAM_ASSIGN_OR_RETURN(int64_t prev, txn.PrecedingNonToolSeq(owner_id, session_id, from));
    return prev > 0 ? prev : from;
  }

  Options options_;
  std::unique_ptr<store::Store> store_;
  util::UuidV7Generator ids_;
};

Result<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  store::SqliteOptions sqlite;
  sqlite.path = options.path;
  sqlite.busy_timeout_ms = options.busy_timeout_ms;
  sqlite.durable_commits = options.durable_commits;
  ENGRAM_ASSIGN_OR_RETURN(auto store, store::OpenSqliteStore(sqlite));
  return std::unique_ptr<Engine>(new Engine(std::make_unique<Impl>(options, std::move(store))));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<MemoryRecord> Engine::AddMemory(const NewMemory& memory) {
  return impl_->AddMemory(memory);
}
Result<MemoryRecord> Engine::GetMemory(std::string_view owner_id, std::string_view id) {
  return impl_->GetMemory(owner_id, id);
}
Result<MemoryPage> Engine::ListMemories(std::string_view owner_id, const ListOptions& options) {
  return impl_->ListMemories(owner_id, options);
}
Result<MemoryRecord> Engine::UpdateMemory(std::string_view owner_id, std::string_view id,
                                          const MemoryUpdate& update) {
  return impl_->UpdateMemory(owner_id, id, update);
}
Status Engine::DeleteMemory(std::string_view owner_id, std::string_view id,
                            const ChangeInfo& change) {
  return impl_->DeleteMemory(owner_id, id, change);
}
Result<std::vector<HistoryEvent>> Engine::GetHistory(std::string_view owner_id,
                                                     std::string_view id) {
  return impl_->GetHistory(owner_id, id);
}
Result<ForgetReport> Engine::ForgetOwner(std::string_view owner_id) {
  return impl_->ForgetOwner(owner_id);
}
Result<std::vector<SessionItem>> Engine::AddSessionItems(std::string_view owner_id,
                                                         std::string_view session_id,
                                                         std::vector<SessionItem> items) {
  return impl_->AddSessionItems(owner_id, session_id, std::move(items));
}
Result<std::vector<SessionItem>> Engine::GetSessionItems(std::string_view owner_id,
                                                         std::string_view session_id,
                                                         std::optional<size_t> last_n) {
  return impl_->GetSessionItems(owner_id, session_id, last_n);
}
Result<std::vector<SessionItem>> Engine::GetSessionWindow(std::string_view owner_id,
                                                          std::string_view session_id,
                                                          size_t turns) {
  return impl_->GetSessionWindow(owner_id, session_id, turns);
}
Result<std::optional<SessionItem>> Engine::PopSessionItem(std::string_view owner_id,
                                                          std::string_view session_id) {
  return impl_->PopSessionItem(owner_id, session_id);
}
Result<int64_t> Engine::ClearSession(std::string_view owner_id, std::string_view session_id) {
  return impl_->ClearSession(owner_id, session_id);
}
Timestamp Engine::Now() const {
  return impl_->Now();
}

}  // namespace engram
