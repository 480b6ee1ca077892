// Export and import of whole owners (engram/archive.h): the stores' whole-owner reads, and the
// records written back as they were, past the write rules but not past the invariants.
#include <algorithm>
#include <functional>
#include <set>

#include "core/engine_impl.h"
#include "core/validate.h"
#include "graph/names.h"

namespace engram {

namespace {

constexpr size_t kEmbedBatch = 256;

Status Bad(std::string_view what, size_t index, const Status& st) {
  return Status::InvalidArgument(std::string(what) + " " + std::to_string(index) + ": " +
                                 st.message());
}

Status NotOwners(std::string_view what, size_t index) {
  return Status::InvalidArgument(std::string(what) + " " + std::to_string(index) +
                                 " belongs to another owner than the archive's");
}

}  // namespace

Result<std::vector<std::string>> Engine::Impl::ListAllOwners() {
  std::set<std::string> owners;
  {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(auto some, txn->ListAllOwners());
    owners.insert(some.begin(), some.end());
  }
  {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(auto some, txn->ListSessionOwners());
    owners.insert(some.begin(), some.end());
  }
  if (store::GraphStore* g = graph_->store()) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, g->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(auto some, txn->ListGraphOwners());
    owners.insert(some.begin(), some.end());
  }
  {
    ENGRAM_ASSIGN_OR_RETURN(auto some, checkpoints().Owners());
    owners.insert(some.begin(), some.end());
  }
  return std::vector<std::string>(owners.begin(), owners.end());
}

Result<OwnerArchive> Engine::Impl::ExportOwner(std::string_view owner_id,
                                               const ArchiveParts& parts) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", owner_id));
  OwnerArchive out;
  out.owner_id = std::string(owner_id);
  if (parts.memories || parts.blocks) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(auto rows, txn->ListAllMemories(owner_id));
    std::set<std::string> ids;
    for (auto& [rid, record] : rows) {
      if (!(record.type == MemoryType::kBlock ? parts.blocks : parts.memories)) continue;
      ArchivedMemory m;
      if (parts.vectors) {
        ENGRAM_ASSIGN_OR_RETURN(m.vector, txn->GetVector(rid));
      }
      ids.insert(record.id);
      m.record = std::move(record);
      out.memories.push_back(std::move(m));
    }
    if (parts.history) {
      ENGRAM_ASSIGN_OR_RETURN(auto history, txn->GetOwnerHistory(owner_id));
      // The rows of erased records go with either part; those of records left out stay.
      std::set<std::string> left_out;
      for (const auto& [rid, record] : rows) {
        if (!ids.contains(record.id)) left_out.insert(record.id);
      }
      for (HistoryEvent& e : history) {
        if (left_out.contains(e.memory_id)) continue;
        e.seq = 0;
        out.history.push_back(std::move(e));
      }
    }
  }
  if (parts.sessions) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(auto sessions, txn->ListSessions(owner_id));
    for (SessionInfo& info : sessions) {
      ArchivedSession s;
      s.session_id = std::move(info.session_id);
      s.summary = std::move(info.summary);
      ENGRAM_ASSIGN_OR_RETURN(s.items, txn->GetSessionItems(owner_id, s.session_id, 1));
      out.sessions.push_back(std::move(s));
    }
  }
  store::GraphStore* graph_store = graph_->store();
  if (parts.graph && graph_store) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, graph_store->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(store::GraphVersions v, txn->ListGraphVersions(owner_id));
    out.entities = std::move(v.entities);
    out.observations = std::move(v.observations);
    out.relations = std::move(v.relations);
    out.graph_history = std::move(v.history);
    for (GraphHistoryEvent& e : out.graph_history) e.seq = 0;
  }
  if (parts.checkpoints) ENGRAM_RETURN_IF_ERROR(checkpoints().Export(owner_id, &out));
  return out;
}

namespace {

// The invariants an archive must keep that its file format does not: ids, scopes, texts, JSON
// and times as the write path accepts them, and every row of the archive's owner.
Status CheckArchive(const OwnerArchive& a, const Options& options,
                    const std::function<Status(std::string_view)>& memory_id_error) {
  ENGRAM_RETURN_IF_ERROR(core::ValidateId("owner_id", a.owner_id));
  std::set<std::string> ids;
  for (size_t i = 0; i < a.memories.size(); ++i) {
    const MemoryRecord& r = a.memories[i].record;
    if (r.owner_id != a.owner_id) return NotOwners("memory", i);
    Status st = memory_id_error(r.id);
    if (st.ok()) st = core::ValidateScope(r.scope);
    if (st.ok()) st = core::ValidateOptionalId("agent_id", r.agent_id);
    if (st.ok()) st = core::ValidateOptionalId("session_id", r.session_id);
    if (st.ok()) st = core::ValidateOptionalId("key", r.key);
    if (st.ok()) st = core::ValidateText("text", r.text, options.max_text_bytes);
    if (st.ok()) st = core::ValidateJson("data", r.data, options.max_json_bytes, false);
    if (st.ok()) st = core::ValidateJson("metadata", r.metadata, options.max_json_bytes, true);
    if (st.ok()) st = core::ValidateOptionalId("source", r.source);
    if (st.ok() && !(r.confidence >= 0 && r.confidence <= 1)) {
      st = Status::InvalidArgument("confidence must be in [0, 1]");
    }
    if (st.ok() && !r.superseded_by.empty()) st = memory_id_error(r.superseded_by);
    if (st.ok() && !ids.insert(r.id).second) st = Status::InvalidArgument("duplicate id " + r.id);
    if (!st.ok()) return Bad("memory", i, st);
  }
  for (size_t i = 0; i < a.history.size(); ++i) {
    const HistoryEvent& e = a.history[i];
    if (e.owner_id != a.owner_id) return NotOwners("history row", i);
    if (Status st = memory_id_error(e.memory_id); !st.ok()) return Bad("history row", i, st);
  }
  for (size_t i = 0; i < a.sessions.size(); ++i) {
    const ArchivedSession& s = a.sessions[i];
    Status st = core::ValidateId("session_id", s.session_id);
    for (size_t k = 0; st.ok() && k < s.items.size(); ++k) {
      if (s.items[k].seq != static_cast<int64_t>(k) + 1) {
        st = Status::InvalidArgument("items must be numbered 1, 2, ... in order");
      }
    }
    if (!st.ok()) return Bad("session", i, st);
  }
  for (size_t i = 0; i < a.entities.size(); ++i) {
    if (a.entities[i].owner_id != a.owner_id) return NotOwners("entity", i);
  }
  for (size_t i = 0; i < a.relations.size(); ++i) {
    if (a.relations[i].owner_id != a.owner_id) return NotOwners("relation", i);
  }
  for (size_t i = 0; i < a.graph_history.size(); ++i) {
    if (a.graph_history[i].owner_id != a.owner_id) return NotOwners("graph history row", i);
  }
  return Status::Ok();
}

// The keys that find an entity version: its name's and its aliases' (as graph_write.cc files
// them).
std::vector<std::string> EntityKeys(const Entity& e) {
  std::vector<std::string> keys{graph::NameKey(e.name)};
  for (const std::string& alias : e.aliases) keys.push_back(graph::NameKey(alias));
  return keys;
}

}  // namespace

Result<ImportReport> Engine::Impl::ImportOwner(const OwnerArchive& a,
                                               std::string_view vectors_model,
                                               const ImportProgress& progress) {
  auto report_progress = [&progress](std::string_view stage, size_t done, size_t total) {
    if (progress) progress(stage, done, total);
  };
  ENGRAM_RETURN_IF_ERROR(model_mismatch_);
  ENGRAM_RETURN_IF_ERROR(CheckArchive(a, options_, &Engine::Impl::MemoryIdError));
  ImportReport report;
  const std::string& owner = a.owner_id;
  store::GraphStore* graph_store = graph_->store();
  const bool has_graph = !a.entities.empty() || !a.relations.empty() || !a.graph_history.empty();
  if (has_graph && !graph_store) {
    return Status::FailedPrecondition("the archive has a graph; this store's backend keeps none");
  }
  // Nothing of the archive may be there already: checked in every store before writing any.
  {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    for (const ArchivedMemory& m : a.memories) {
      ENGRAM_ASSIGN_OR_RETURN(auto found, txn->GetMemory(owner, m.record.id));
      if (found) return Status::AlreadyExists("memory " + m.record.id + " is already stored");
    }
  }
  {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginRead());
    for (const ArchivedSession& s : a.sessions) {
      ENGRAM_ASSIGN_OR_RETURN(int64_t last, txn->LastSessionSeq(owner, s.session_id));
      ENGRAM_ASSIGN_OR_RETURN(auto summary, txn->GetSessionSummary(owner, s.session_id));
      if (last > 0 || summary) {
        return Status::AlreadyExists("session " + s.session_id + " is already stored");
      }
    }
  }
  if (has_graph) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, graph_store->BeginRead());
    ENGRAM_ASSIGN_OR_RETURN(store::GraphVersions v, txn->ListGraphVersions(owner));
    if (!v.entities.empty() || !v.relations.empty()) {
      return Status::AlreadyExists("owner " + owner + " already has a knowledge graph");
    }
  }
  ENGRAM_RETURN_IF_ERROR(checkpoints().CheckImport(a));
  // Vectors: the archive's when they come from this engine's model, else computed again (before
  // the write transaction, which embedding would hold for long).
  std::vector<std::vector<float>> vectors(a.memories.size());
  if (options_.embedder) {
    const bool keep = vectors_model == ModelTag();
    const size_t dim = static_cast<size_t>(options_.embedder->dimension());
    std::vector<size_t> todo;
    for (size_t i = 0; i < a.memories.size(); ++i) {
      const ArchivedMemory& m = a.memories[i];
      if (keep && !m.vector.empty()) {
        if (m.vector.size() != dim) {
          return Bad("memory", i,
                     Status::InvalidArgument("its vector has " + std::to_string(m.vector.size()) +
                                             " dimensions, not " + std::to_string(dim)));
        }
        vectors[i] = m.vector;
      } else if (vectors_model.empty() ? !m.record.deleted_at && m.record.type != MemoryType::kBlock
                                       : !m.vector.empty()) {
        // The records the archive has vectors of; without vectors, those the write path embeds.
        todo.push_back(i);
      }
    }
    for (size_t at = 0; at < todo.size(); at += kEmbedBatch) {
      std::vector<std::string> texts;
      for (size_t k = at; k < std::min(todo.size(), at + kEmbedBatch); ++k) {
        texts.push_back(a.memories[todo[k]].record.text);
      }
      report_progress("embedding", at, todo.size());
      std::vector<std::vector<float>> got;
      ENGRAM_RETURN_IF_ERROR(options_.embedder->Embed(texts, &got));
      for (size_t k = 0; k < got.size(); ++k) vectors[todo[at + k]] = std::move(got[k]);
    }
    if (!todo.empty()) report_progress("embedding", todo.size(), todo.size());
    report.reembedded = static_cast<int64_t>(todo.size());
  }
  // Rows written, of every kind, for the progress report.
  size_t session_items = 0;
  for (const ArchivedSession& s : a.sessions) session_items += s.items.size();
  const size_t total = a.memories.size() + a.history.size() + a.sessions.size() + session_items +
                       a.entities.size() + a.observations.size() + a.relations.size() +
                       a.graph_history.size() + a.checkpoints.size() + a.channel_values.size() +
                       a.checkpoint_writes.size();
  size_t written = 0;
  report_progress("writing", 0, total);
  if (!a.memories.empty() || !a.history.empty()) {
    int64_t seq = 0;
    ENGRAM_ASSIGN_OR_RETURN(auto txn, BeginMemoryWrite(&seq));
    for (size_t i = 0; i < a.memories.size(); ++i) {
      const MemoryRecord& r = a.memories[i].record;
      ENGRAM_ASSIGN_OR_RETURN(int64_t rid, txn->InsertMemory(r, HashesOf(r)));
      if (!vectors[i].empty()) ENGRAM_RETURN_IF_ERROR(txn->PutVector(rid, vectors[i], seq));
      report_progress("writing", ++written, total);
    }
    for (const HistoryEvent& e : a.history) {
      ENGRAM_RETURN_IF_ERROR(txn->AppendHistory(e));
      report_progress("writing", ++written, total);
    }
    ENGRAM_ASSIGN_OR_RETURN(Reflecting reflecting, CommitWrite(*txn, seq));
    recall_.Drop(owner);  // loaded again, with the imported records, by the next search
    report.memories = static_cast<int64_t>(a.memories.size());
    report.history_events = static_cast<int64_t>(a.history.size());
  }
  // Session state and the graph may share the memories' write lock (one SQLite file): each
  // store's transaction is closed before the next opens.
  if (!a.sessions.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, sessions_->BeginWrite());
    for (const ArchivedSession& s : a.sessions) {
      ENGRAM_RETURN_IF_ERROR(txn->AppendSessionItems(owner, s.session_id, s.items));
      if (s.summary)
        ENGRAM_RETURN_IF_ERROR(txn->PutSessionSummary(owner, s.session_id, *s.summary));
      report.session_items += static_cast<int64_t>(s.items.size());
    }
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    report.sessions = static_cast<int64_t>(a.sessions.size());
    written += a.sessions.size() + session_items;
    report_progress("writing", written, total);
  }
  if (has_graph) {
    ENGRAM_ASSIGN_OR_RETURN(auto txn, graph_store->BeginWrite());
    for (const Entity& e : a.entities) {
      ENGRAM_RETURN_IF_ERROR(txn->InsertEntityVersion(e, EntityKeys(e)));
    }
    for (const Observation& o : a.observations) {
      ENGRAM_RETURN_IF_ERROR(txn->InsertObservation(owner, o));
    }
    for (const Relation& r : a.relations) ENGRAM_RETURN_IF_ERROR(txn->InsertRelationVersion(r));
    for (const GraphHistoryEvent& e : a.graph_history) {
      ENGRAM_RETURN_IF_ERROR(txn->AppendGraphHistory(e));
    }
    ENGRAM_RETURN_IF_ERROR(txn->Commit());
    report.entities = static_cast<int64_t>(a.entities.size());
    report.observations = static_cast<int64_t>(a.observations.size());
    report.relations = static_cast<int64_t>(a.relations.size());
    report.graph_events = static_cast<int64_t>(a.graph_history.size());
    written +=
        a.entities.size() + a.observations.size() + a.relations.size() + a.graph_history.size();
    report_progress("writing", written, total);
  }
  ENGRAM_RETURN_IF_ERROR(checkpoints().Import(a, &report));
  report_progress("writing", total, total);
  return report;
}

}  // namespace engram
