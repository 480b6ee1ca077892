// Engine::Impl: construction and what the jobs share.
#include "core/engine_impl.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "core/snapshot_codec.h"
#include "util/claim.h"
#include "util/ids.h"
#include "util/memory.h"
#include "util/text.h"
#include "util/time.h"

namespace engram {

namespace {

// Options::index_memory, its default resolved.
size_t IndexMemoryBudget(const Options& options) {
  if (options.index_memory > 0) return options.index_memory;
  constexpr uint64_t kFloor = uint64_t{64} << 20;
  return static_cast<size_t>(std::max(util::AvailableMemoryBytes() / 4, kFloor));
}

}  // namespace

Engine::Impl::Impl(Options options, store::Stores stores)
    : options_(std::move(options)),
      store_(std::move(stores.memory)),
      sessions_(std::move(stores.sessions)),
      redactor_(hygiene::RedactorOptions{options_.redact_secrets, {}}),
      recall_(options_.embedder ? options_.embedder->dimension() : 0, options_.approximate_above,
              options_.embedder ? stores.local_dir : "", IndexMemoryBudget(options_),
              options_.file_system ? *options_.file_system : DefaultFileSystem()) {
  if (!options_.clock) options_.clock = std::make_shared<SystemClock>();
  graph_ = std::make_unique<core::GraphEngine>(std::move(stores.graph), store_->backend(),
                                               options_.clock.get(), &redactor_);
  checkpoints_ =
      std::make_unique<core::CheckpointEngine>(std::move(stores.checkpoints), options_.clock.get());
}

Engine::Impl::~Impl() {
  StopAccessWriter();
  if (saver_thread_.joinable()) {
    {
      std::lock_guard lock(saver_mu_);
      stop_saver_ = true;
    }
    saver_cv_.notify_all();
    saver_thread_.join();
  }
  SaveIndexes();
}

void Engine::Impl::StartIndexSaver() {
  if (options_.index_save_interval_ms <= 0 || !recall_.keeps_files()) return;
  saver_thread_ = std::thread([this] {
    const auto interval = std::chrono::milliseconds(options_.index_save_interval_ms);
    std::unique_lock lock(saver_mu_);
    while (!saver_cv_.wait_for(lock, interval, [this] { return stop_saver_; })) {
      lock.unlock();
      SaveIndexes();
      lock.lock();
    }
  });
}

void Engine::Impl::SaveIndexes() {
  int64_t seq = 0;
  {
    std::unique_lock no_write_in_flight(reflect_mu_);
    std::lock_guard lock(counter_mu_);
    seq = known_counter_;
  }
  if (seq >= 0) recall_.SaveDirty(seq);
}

Status Engine::Impl::CheckEmbedderModel() {
  if (!options_.embedder) return Status::Ok();
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(auto model, txn->GetMeta("embedder.model"));
  ENGRAM_ASSIGN_OR_RETURN(auto store_id, txn->GetMeta("store.id"));
  const std::string mine = ModelTag();
  if (model && *model != mine) {
    Status mismatch = Status::FailedPrecondition("the store's vectors come from '" + *model +
                                                 "' but this engine embeds with '" + mine +
                                                 "'; run `engram reindex` to re-embed with it");
    if (!options_.accept_model_change) return mismatch;
    model_mismatch_ = mismatch;
  }
  if (!store_id || !model) {
    if (!store_id) {
      store_id = ids_.Next(Now());
      ENGRAM_RETURN_IF_ERROR(txn->PutMeta("store.id", *store_id));
    }
    if (!model) ENGRAM_RETURN_IF_ERROR(txn->PutMeta("embedder.model", mine));
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
  }
  recall_.set_file_tag(*store_id + " " + mine);
  return Status::Ok();
}

Status Engine::Impl::RehashTextsIfStale() {
  constexpr std::string_view kMeta = "claim_hash_version";
  const std::string version = std::to_string(util::kClaimHashVersion);
  {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(auto stored, txn->GetMeta(kMeta));
    if (stored == version) return Status::Ok();
  }
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(auto stored, txn->GetMeta(kMeta));
  if (stored == version) return Status::Ok();  // another process did it meanwhile
  constexpr size_t kBatch = 1024;
  for (int64_t after = 0;;) {
    ENGRAM_ASSIGN_OR_RETURN(auto rows, txn->LiveTexts(after, kBatch));
    if (rows.empty()) break;
    for (const auto& [rid, text] : rows) {
      ENGRAM_RETURN_IF_ERROR(
          txn->SetTextHashes(rid, {util::ContentHash(text), util::ClaimHash(text)}));
    }
    after = rows.back().first;
  }
  ENGRAM_RETURN_IF_ERROR(txn->PutMeta(kMeta, version));
  return txn->Commit();
}

Status Engine::Impl::ValidateConfidence(double c) {
  if (!std::isfinite(c) || c < 0 || c > 1) {
    return Status::InvalidArgument("confidence must be a number between 0 and 1");
  }
  return Status::Ok();
}

Status Engine::Impl::ValidateTime(std::string_view field, const std::optional<Timestamp>& t) {
  return t ? util::CheckTimestampRange(field, *t) : Status::Ok();
}

Status Engine::Impl::ValidateValidity(const std::optional<Timestamp>& from,
                                      const std::optional<Timestamp>& to) {
  ENGRAM_RETURN_IF_ERROR(ValidateTime("valid_from", from));
  ENGRAM_RETURN_IF_ERROR(ValidateTime("valid_to", to));
  if (from && to && *to < *from) {
    return Status::InvalidArgument("valid_to is earlier than valid_from");
  }
  return Status::Ok();
}

Status Engine::Impl::MemoryIdError(std::string_view id) {
  if (!util::LooksLikeUuid(id)) {
    return Status::InvalidArgument(
        "invalid memory id '" + std::string(id.substr(0, 64)) +
        "': expected a UUID such as 0192f0c1-7a2b-7c3d-8e4f-a1b2c3d4e5f6");
  }
  return Status::Ok();
}

Status Engine::Impl::NotFound(std::string_view id) {
  return Status::NotFound("memory " + std::string(id) + " not found");
}

std::string Engine::Impl::Snapshot(const MemoryRecord& r) {
  return core::EncodeSnapshot(r);
}

store::TextHashes Engine::Impl::HashesOf(const MemoryRecord& r) {
  return {util::ContentHash(r.text), util::ClaimHash(r.text)};
}

Status Engine::Impl::AppendHistory(store::Transaction& txn, HistoryEventType type,
                                   const MemoryRecord* before, const MemoryRecord* after,
                                   const ChangeInfo& change, Timestamp at) {
  const MemoryRecord& subject = after ? *after : *before;
  HistoryEvent row;
  row.memory_id = subject.id;
  row.owner_id = subject.owner_id;
  row.event = type;
  row.actor = change.actor;
  row.reason = change.reason;
  if (before) row.old_value = Snapshot(*before);
  if (after) row.new_value = Snapshot(*after);
  row.at = at;
  return txn.AppendHistory(row);
}

Result<MemoryRecord> Engine::Impl::LoadLive(store::Transaction& txn, std::string_view owner_id,
                                            std::string_view id) {
  ENGRAM_ASSIGN_OR_RETURN(std::optional<MemoryRecord> r, txn.GetMemory(owner_id, id));
  if (!r) return NotFound(id);
  if (r->deleted_at) return Status::NotFound("memory " + std::string(id) + " was deleted");
  return std::move(*r);
}

std::string Engine::Impl::ModelTag() const {
  return options_.embedder->model_id() + "/" + std::to_string(options_.embedder->dimension());
}

Status Engine::Impl::EmbedOne(std::string_view text, std::vector<float>* out) {
  out->clear();
  if (!options_.embedder) return Status::Ok();
  std::vector<std::string> texts{std::string(text)};
  std::vector<std::vector<float>> vectors;
  ENGRAM_RETURN_IF_ERROR(options_.embedder->Embed(texts, &vectors));
  if (vectors.size() != 1 ||
      static_cast<int>(vectors[0].size()) != options_.embedder->dimension()) {
    return Status::Internal("the embedder returned a malformed vector");
  }
  *out = std::move(vectors[0]);
  return Status::Ok();
}

Result<std::unique_ptr<store::Transaction>> Engine::Impl::BeginMemoryWrite(int64_t* seq) {
  ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
  ENGRAM_ASSIGN_OR_RETURN(*seq, txn->BumpChangeCounter());
  return txn;
}

Result<Engine::Impl::Reflecting> Engine::Impl::CommitWrite(store::Transaction& txn, int64_t seq) {
  Reflecting reflecting(reflect_mu_);
  ENGRAM_RETURN_IF_ERROR(txn.Commit());
  recall_.NoteWritten(seq);
  std::lock_guard lock(counter_mu_);
  if (seq == known_counter_ + 1) known_counter_ = seq;
  return reflecting;
}

Result<int64_t> Engine::Impl::SyncWithOtherWriters(store::Transaction& txn) {
  ENGRAM_ASSIGN_OR_RETURN(int64_t counter, txn.ChangeCounter());
  std::lock_guard lock(counter_mu_);
  if (counter != known_counter_) {
    // Every loaded partition reflects the writes up to the lower of the two (the counter may
    // lag behind our own last commit when this snapshot began before it).
    recall_.MarkBehind(std::min(known_counter_, counter), counter);
    known_counter_ = counter;
  }
  return counter;
}

void Engine::Impl::Reflect(int64_t rid, const MemoryRecord& r,
                           std::optional<std::vector<float>> vector) {
  store::IndexedMemory m;
  m.rid = rid;
  m.scope = r.scope;
  m.type = r.type;
  m.key = r.key;
  m.created_at = r.created_at;
  m.valid_from = r.valid_from;
  m.valid_to = r.valid_to;
  m.expires_at = r.expires_at;
  m.superseded = !r.superseded_by.empty();
  m.confidence = r.confidence;
  m.metadata = r.metadata;
  if (vector) m.vector = std::move(*vector);
  const bool replace_vector = vector.has_value();
  recall_.Update(r.owner_id, [&](core::OwnerPartition& p) { p.Upsert(rid, m, replace_vector); });
}

void Engine::Impl::Unreflect(const std::string& owner_id, int64_t rid) {
  recall_.Update(owner_id, [rid](core::OwnerPartition& p) { p.Remove(rid); });
}

void Engine::Impl::RedactText(const char* field, std::string* text,
                              std::vector<std::string>* notes) const {
  hygiene::RedactedText r = redactor_.Redact(*text);
  if (!r.changed()) return;
  for (const auto& red : r.redactions) notes->push_back(red.kind + " in " + field);
  *text = std::move(r.text);
}

Status Engine::Impl::RedactJson(const char* field, std::string* json,
                                std::vector<std::string>* notes) const {
  if (json->empty()) return Status::Ok();
  Result<hygiene::RedactedText> r = redactor_.RedactJson(*json);
  if (!r.ok()) {
    return Status::InvalidArgument(std::string(field) +
                                   " cannot be scanned for secrets: " + r.status().message());
  }
  if (!r->changed()) return Status::Ok();
  for (const auto& red : r->redactions) {
    notes->push_back(red.kind + " in " + field + (red.where.empty() ? "" : " " + red.where));
  }
  *json = std::move(r->text);
  return Status::Ok();
}

std::string Engine::Impl::WithRedactions(const std::string& caller_reason,
                                         const std::vector<std::string>& notes) const {
  const std::string reason = redactor_.Redact(caller_reason).text;
  if (notes.empty()) return reason;
  std::string out = reason.empty() ? "" : reason + "; ";
  out += "redacted:";
  for (size_t i = 0; i < notes.size(); ++i) out += (i ? ", " : " ") + notes[i];
  return out;
}

}  // namespace engram
