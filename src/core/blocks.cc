// Core blocks: always-in-context records edited in place, with a size limit.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "core/engine_impl.h"
#include "core/validate.h"
#include "util/json.h"
#include "util/utf8.h"

namespace engram {

Result<CoreBlock> Engine::Impl::EditBlock(std::string_view owner_id, std::string_view scope,
                                          std::string_view label, BlockEdit edit,
                                          std::string_view text, std::string_view replacement,
                                          std::optional<size_t> limit, const ChangeInfo& change) {
  ENGRAM_RETURN_IF_ERROR(ValidateBlockAddress(owner_id, scope, label));
  ENGRAM_RETURN_IF_ERROR(core::ValidateText("value", text, options_.max_text_bytes,
                                            /*allow_empty=*/edit == BlockEdit::kSet));
  ENGRAM_RETURN_IF_ERROR(
      core::ValidateText("replacement", replacement, options_.max_text_bytes, true));
  if (limit && (*limit == 0 || *limit > options_.max_text_bytes)) {
    return Status::InvalidArgument("a block's limit must be between 1 and " +
                                   std::to_string(options_.max_text_bytes) + " characters");
  }
  int64_t seq = 0;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
  const Timestamp now = Now();
  ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> existing,
                          FindBlock(*txn, owner_id, scope, label, now));
  if (!existing && edit == BlockEdit::kReplace) return BlockNotFound(scope, label);
  const size_t max_chars = limit      ? *limit
                           : existing ? BlockOf(*existing).limit
                                      : kDefaultBlockLimit;
  std::string value = existing ? existing->text : "";
  switch (edit) {
    case BlockEdit::kSet:
      value = std::string(text);
      break;
    case BlockEdit::kAppend:
      value += (value.empty() ? "" : "\n") + std::string(text);
      break;
    case BlockEdit::kReplace: {
      size_t at = value.find(text);
      if (at == std::string::npos) {
        return Status::NotFound("block '" + std::string(label) +
                                "' does not contain the text to replace");
      }
      std::string out;
      size_t from = 0;
      for (; at != std::string::npos; at = value.find(text, from)) {
        out.append(value, from, at - from).append(replacement);
        from = at + text.size();
      }
      value = out + value.substr(from);
      break;
    }
  }
  std::vector<std::string> notes;
  RedactText("value", &value, &notes);
  const size_t chars = util::CountCodePoints(value);
  if (chars > max_chars) {
    return Status::InvalidArgument("block '" + std::string(label) + "' would hold " +
                                   std::to_string(chars) + " characters, over its limit of " +
                                   std::to_string(max_chars));
  }
  const std::string data = nlohmann::json{{"limit", max_chars}}.dump();
  MemoryRecord r;
  if (existing) {
    const MemoryRecord old = *existing;
    r = *existing;
    r.text = value;
    r.data = data;
    r.updated_at = now;
    ENGRAM_RETURN_IF_ERROR(txn->ReplaceMemory(r, HashesOf(r)));
    ENGRAM_RETURN_IF_ERROR(AppendHistory(*txn, HistoryEventType::kUpdate, &old, &r,
                                         {change.actor, WithRedactions(change.reason, notes)},
                                         now));
  } else {
    r.id = ids_.Next(now);
    r.owner_id = std::string(owner_id);
    r.scope = std::string(scope);
    r.type = MemoryType::kBlock;
    r.key = std::string(label);
    r.text = value;
    r.data = data;
    r.source = "block";
    r.created_at = now;
    r.updated_at = now;
    ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn->InsertMemory(r, HashesOf(r)));
    (void)rid;
    ENGRAM_RETURN_IF_ERROR(AppendHistory(*txn, HistoryEventType::kAdd, nullptr, &r,
                                         {change.actor, WithRedactions(change.reason, notes)},
                                         now));
  }
  ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn->MemoryRid(owner_id, r.id));
  ENGRAM_ASSIGN_OR_RETURN(Reflecting reflecting, CommitWrite(*txn, seq));
  // Blocks are always in context, never found by vector: they carry no vector.
  Reflect(rid, r, std::nullopt);
  return BlockOf(r);
}

Result<CoreBlock> Engine::Impl::GetBlock(std::string_view owner_id, std::string_view scope,
                                         std::string_view label) {
  ENGRAM_RETURN_IF_ERROR(ValidateBlockAddress(owner_id, scope, label));
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> r,
                          FindBlock(*txn, owner_id, scope, label, Now()));
  if (!r) return BlockNotFound(scope, label);
  return BlockOf(*r);
}

Result<std::vector<CoreBlock>> Engine::Impl::ListBlocks(std::string_view owner_id,
                                                        std::string_view scope) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateScope(scope));
  store::MemoryQuery q;
  q.owner_id = owner_id;
  q.scopes = core::VisibleScopes(scope);
  q.type = MemoryType::kBlock;
  q.live_at = Now();
  q.limit = kMaxListLimit;
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
  ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> rows, txn->ListMemories(q));
  // Visible scopes run from global to the scope itself: a narrower one overrides a label.
  std::map<std::string, std::pair<size_t, CoreBlock>> by_label;
  for (const MemoryRecord& r : rows) {
    const size_t depth = static_cast<size_t>(std::find(q.scopes.begin(), q.scopes.end(), r.scope) -
                                             q.scopes.begin());
    auto it = by_label.find(r.key);
    if (it == by_label.end() || depth > it->second.first) by_label[r.key] = {depth, BlockOf(r)};
  }
  std::vector<CoreBlock> out;
  for (auto& [label, entry] : by_label) out.push_back(std::move(entry.second));
  return out;
}

Status Engine::Impl::DeleteBlock(std::string_view owner_id, std::string_view scope,
                                 std::string_view label, const ChangeInfo& change) {
  ENGRAM_RETURN_IF_ERROR(ValidateBlockAddress(owner_id, scope, label));
  std::string id;
  {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> r,
                            FindBlock(*txn, owner_id, scope, label, Now()));
    if (!r) return BlockNotFound(scope, label);
    id = r->id;
  }
  return DeleteMemory(owner_id, id, change);
}

Status Engine::Impl::ValidateBlockAddress(std::string_view owner_id, std::string_view scope,
                                          std::string_view label) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  ENGRAM_RETURN_IF_ERROR(core::ValidateScope(scope));
  const bool ok =
      !label.empty() && label.size() <= 64 && std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      });
  if (!ok) {
    return Status::InvalidArgument("invalid block label '" + std::string(label.substr(0, 64)) +
                                   "': use 1 to 64 of a-z 0-9 _ . -");
  }
  return Status::Ok();
}

Status Engine::Impl::BlockNotFound(std::string_view scope, std::string_view label) {
  return Status::NotFound("block '" + std::string(label) + "' not found at scope '" +
                          std::string(scope) + "'");
}

Result<std::optional<MemoryRecord>> Engine::Impl::FindBlock(store::Transaction& txn,
                                                            std::string_view owner_id,
                                                            std::string_view scope,
                                                            std::string_view label, Timestamp now) {
  store::MemoryQuery q;
  q.owner_id = owner_id;
  q.scopes = {std::string(scope)};
  q.type = MemoryType::kBlock;
  q.key = std::string(label);
  q.live_at = now;
  q.limit = 1;
  ENGRAM_ASSIGN_OR_RETURN(std::vector<MemoryRecord> rows, txn.ListMemories(q));
  if (rows.empty()) return std::optional<MemoryRecord>();
  return std::optional<MemoryRecord>(std::move(rows.front()));
}

CoreBlock Engine::Impl::BlockOf(const MemoryRecord& r) {
  CoreBlock b{r.id, r.scope, r.key, r.text, kDefaultBlockLimit, r.updated_at};
  const nlohmann::json data = util::ParseJsonOr(nlohmann::json::value_t::discarded, r.data);
  if (data.is_object() && data.contains("limit") && data["limit"].is_number_unsigned()) {
    b.limit = data["limit"].get<size_t>();
  }
  return b;
}

}  // namespace engram
