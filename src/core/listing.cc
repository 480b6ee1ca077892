// Reading records by id and by listing (paged, or as of a past time), history, counts.
#include <algorithm>

#include "core/engine_impl.h"
#include "core/snapshot_codec.h"
#include "core/validate.h"
#include "util/ids.h"

namespace engram {

namespace {

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

}  // namespace

Result<MemoryRecord> Engine::Impl::GetMemory(std::string_view owner_id, std::string_view id) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  return LoadLive(*txn, owner_id, id);
}

Result<MemoryPage> Engine::Impl::ListMemories(std::string_view owner_id, const ListOptions& o) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  if (o.limit == 0 || o.limit > kMaxListLimit) {
    return Status::InvalidArgument("limit must be between 1 and " + std::to_string(kMaxListLimit));
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
  q.valid_at = o.valid_at;
  q.live_at = Now();
  if (o.as_of) {
    if (!o.cursor.empty()) {
      return Status::InvalidArgument("as_of listings are not paged: raise limit instead");
    }
    return ListAsOf(q, *o.as_of, o.limit);
  }
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

Result<MemoryPage> Engine::Impl::ListAsOf(const store::MemoryQuery& q, Timestamp at, size_t limit) {
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> snapshots, txn->SnapshotsAsOf(q.owner_id, at));
  std::vector<MemoryRecord> rows;
  for (const std::string& snapshot : snapshots) {
    if (snapshot.empty()) continue;  // deleted by then
    ENGRAM_ASSIGN_OR_RETURN(MemoryRecord r, core::DecodeSnapshot(snapshot));
    if (r.deleted_at || (r.expires_at && *r.expires_at <= at)) continue;
    if (!q.include_superseded && !q.valid_at && !r.superseded_by.empty()) continue;
    if (!q.scopes.empty() &&
        std::find(q.scopes.begin(), q.scopes.end(), r.scope) == q.scopes.end()) {
      continue;
    }
    if ((q.type && r.type != *q.type) || (q.key && r.key != *q.key) ||
        (q.session_id && r.session_id != *q.session_id) ||
        (q.agent_id && r.agent_id != *q.agent_id) ||
        (q.created_from && r.created_at < *q.created_from) ||
        (q.created_until && r.created_at >= *q.created_until)) {
      continue;
    }
    if (q.valid_at && (r.valid_from.value_or(r.created_at) > *q.valid_at ||
                       (r.valid_to && *r.valid_to <= *q.valid_at))) {
      continue;
    }
    rows.push_back(std::move(r));
  }
  std::sort(rows.begin(), rows.end(), [](const MemoryRecord& a, const MemoryRecord& b) {
    return a.created_at != b.created_at ? a.created_at > b.created_at : a.id > b.id;
  });
  if (rows.size() > limit) rows.resize(limit);
  MemoryPage page;
  page.items = std::move(rows);
  return page;
}

Result<std::vector<HistoryEvent>> Engine::Impl::GetHistory(std::string_view owner_id,
                                                           std::string_view id) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(MemoryIdError(id));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(std::vector<HistoryEvent> events, txn->GetHistory(owner_id, id));
  if (events.empty()) return NotFound(id);
  return events;
}

Result<std::vector<std::pair<MemoryType, int64_t>>> Engine::Impl::CountLiveMemories() {
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(auto found, txn->CountLiveByType(Now()));
  std::vector<std::pair<MemoryType, int64_t>> out;
  for (MemoryType t : {MemoryType::kFact, MemoryType::kPreference, MemoryType::kEpisode,
                       MemoryType::kProcedure, MemoryType::kSummary, MemoryType::kBlock}) {
    int64_t n = 0;
    for (const auto& [type, count] : found) {
      if (type == t) n = count;
    }
    out.emplace_back(t, n);
  }
  return out;
}

}  // namespace engram
