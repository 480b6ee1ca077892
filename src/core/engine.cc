// Engine: opening a store and the public calls, each forwarded to the job that does it
// (see engine_impl.h for which file holds which job).
#include "engram/engine.h"

#include "core/context.h"
#include "core/engine_impl.h"
#include "store/factory.h"

namespace engram {

Result<std::unique_ptr<Engine>> Engine::Open(const Options& options) {
  if (!options.store.empty() && !options.path.empty()) {
    return Status::InvalidArgument("set either Options::store or Options::path, not both");
  }
  if (options.store.empty() && options.path.empty()) {
    return Status::InvalidArgument("no store: set Options::store (a URL) or Options::path");
  }
  const std::string url = options.store.empty() ? store::SqliteUrl(options.path) : options.store;
  ENGRAM_ASSIGN_OR_RETURN(store::Stores stores,
                          store::OpenStores(url, options.sessions,
                                            {options.busy_timeout_ms, options.durable_commits,
                                             options.embedder ? options.index_cache : "",
                                             options.embedder && !options.file_system}));
  auto impl = std::make_unique<Impl>(options, std::move(stores));
  ENGRAM_RETURN_IF_ERROR(impl->CheckEmbedderModel());
  ENGRAM_RETURN_IF_ERROR(impl->RehashTextsIfStale());
  impl->StartIndexSaver();
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
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
Result<int64_t> Engine::DeleteMemories(std::string_view owner_id, std::span<const std::string> ids,
                                       const ChangeInfo& change) {
  return impl_->DeleteMemories(owner_id, ids, change);
}
Result<TurnReport> Engine::RememberTurn(std::string_view owner_id, std::string_view scope,
                                        std::string_view session_id, Role role,
                                        std::string_view text,
                                        std::optional<Timestamp> observed_at) {
  return impl_->RememberTurn(owner_id, scope, session_id, role, text, observed_at);
}
Result<GcReport> Engine::CollectGarbage(bool dry_run) {
  return impl_->CollectGarbage(dry_run);
}
Result<std::optional<SessionSummary>> Engine::GetSessionSummary(std::string_view owner_id,
                                                                std::string_view session_id) {
  return impl_->GetSessionSummary(owner_id, session_id);
}
Result<SessionSummary> Engine::SetSessionSummary(std::string_view owner_id,
                                                 std::string_view session_id,
                                                 std::string_view text) {
  return impl_->SetSessionSummary(owner_id, session_id, text);
}
Result<std::optional<SessionSummary>> Engine::SummarizeSession(std::string_view owner_id,
                                                               std::string_view session_id,
                                                               size_t keep_turns) {
  return impl_->SummarizeSession(owner_id, session_id, keep_turns);
}
Result<std::optional<MemoryRecord>> Engine::EndSession(std::string_view owner_id,
                                                       std::string_view scope,
                                                       std::string_view session_id) {
  return impl_->EndSession(owner_id, scope, session_id);
}
Result<CoreBlock> Engine::SetBlock(std::string_view owner_id, std::string_view scope,
                                   std::string_view label, std::string_view value,
                                   std::optional<size_t> limit, const ChangeInfo& change) {
  return impl_->EditBlock(owner_id, scope, label, Impl::BlockEdit::kSet, value, "", limit, change);
}
Result<CoreBlock> Engine::AppendToBlock(std::string_view owner_id, std::string_view scope,
                                        std::string_view label, std::string_view text,
                                        const ChangeInfo& change) {
  return impl_->EditBlock(owner_id, scope, label, Impl::BlockEdit::kAppend, text, "", std::nullopt,
                          change);
}
Result<CoreBlock> Engine::ReplaceInBlock(std::string_view owner_id, std::string_view scope,
                                         std::string_view label, std::string_view old_text,
                                         std::string_view new_text, const ChangeInfo& change) {
  return impl_->EditBlock(owner_id, scope, label, Impl::BlockEdit::kReplace, old_text, new_text,
                          std::nullopt, change);
}
Result<CoreBlock> Engine::GetBlock(std::string_view owner_id, std::string_view scope,
                                   std::string_view label) {
  return impl_->GetBlock(owner_id, scope, label);
}
Result<std::vector<CoreBlock>> Engine::ListBlocks(std::string_view owner_id,
                                                  std::string_view scope) {
  return impl_->ListBlocks(owner_id, scope);
}
Status Engine::DeleteBlock(std::string_view owner_id, std::string_view scope,
                           std::string_view label, const ChangeInfo& change) {
  return impl_->DeleteBlock(owner_id, scope, label, change);
}
Result<Context> Engine::AssembleContext(std::string_view owner_id, const ContextOptions& options) {
  return core::AssembleContext(*this, owner_id, options);
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
Result<std::vector<OwnerItem>> Engine::GetRecentItems(std::string_view owner_id, size_t last_n) {
  return impl_->GetRecentItems(owner_id, last_n);
}
Result<std::optional<SessionInfo>> Engine::GetPreviousSession(std::string_view owner_id,
                                                              std::string_view session_id) {
  return impl_->GetPreviousSession(owner_id, session_id);
}
Status Engine::ValidateMemory(const NewMemory& memory) const {
  return impl_->ValidateNewMemory(memory);
}
Result<std::vector<MemoryRecord>> Engine::AddMemories(std::span<const NewMemory> memories) {
  ENGRAM_ASSIGN_OR_RETURN(auto results, impl_->WriteMemories(memories));
  std::vector<MemoryRecord> records;
  for (auto& r : results) records.push_back(std::move(r.record));
  return records;
}
Result<std::vector<WriteResult>> Engine::WriteMemories(std::span<const NewMemory> memories) {
  return impl_->WriteMemories(memories);
}
Result<std::vector<SearchHit>> Engine::Search(std::string_view owner_id, std::string_view query,
                                              const SearchOptions& options) {
  return impl_->Search(owner_id, query, options);
}
Result<std::vector<std::string>> Engine::ListAllOwners() {
  return impl_->ListAllOwners();
}

Result<OwnerArchive> Engine::ExportOwner(std::string_view owner_id, const ArchiveParts& parts) {
  return impl_->ExportOwner(owner_id, parts);
}

Result<ImportReport> Engine::ImportOwner(const OwnerArchive& archive,
                                         std::string_view vectors_model,
                                         const ImportProgress& progress) {
  return impl_->ImportOwner(archive, vectors_model, progress);
}

std::string Engine::EmbeddingModel() const {
  return impl_->EmbeddingModel();
}

Result<int64_t> Engine::Reindex() {
  return impl_->Reindex();
}
Timestamp Engine::Now() const {
  return impl_->Now();
}

Result<std::vector<std::pair<MemoryType, int64_t>>> Engine::CountLiveMemories() {
  return impl_->CountLiveMemories();
}

Engine::IndexMemoryUse Engine::IndexMemory() const {
  const core::RecallIndex::Usage u = impl_->recall().usage();
  return {u.partitions, u.bytes, u.budget, u.evictions};
}

}  // namespace engram
