#include "portable/archive_io.h"

#include <array>
#include <sstream>
#include <utility>

namespace engram::portable {

Result<ArchiveParts> ParseArchiveParts(std::string_view list) {
  ArchiveParts p{false, false, false, false, false, false, false};
  const std::array<std::pair<std::string_view, bool*>, 7> names = {
      {{"memories", &p.memories},
       {"history", &p.history},
       {"sessions", &p.sessions},
       {"blocks", &p.blocks},
       {"graph", &p.graph},
       {"vectors", &p.vectors},
       {"checkpoints", &p.checkpoints}}};
  std::stringstream in{std::string(list)};
  std::string part;
  while (std::getline(in, part, ',')) {
    bool* flag = nullptr;
    for (const auto& [name, field] : names) {
      if (part == name) flag = field;
    }
    if (flag == nullptr) {
      std::string known;
      for (const auto& [name, field] : names)
        known += (known.empty() ? "" : ", ") + std::string(name);
      return Status::InvalidArgument("unknown part '" + part + "' (" + known + ")");
    }
    *flag = true;
  }
  return p;
}

Result<ExportSnapshot> ReadExport(Engine& engine, std::vector<std::string> owners,
                                  const ArchiveParts& parts, const std::string& engram_version,
                                  const OwnerProgress& progress) {
  if (owners.empty()) {
    ENGRAM_ASSIGN_OR_RETURN(owners, engine.ListAllOwners());
  }
  ExportSnapshot snapshot;
  for (const std::string& owner : owners) {
    if (progress) progress(snapshot.owners.size() + 1, owners.size(), owner);
    ENGRAM_ASSIGN_OR_RETURN(OwnerArchive archive, engine.ExportOwner(owner, parts));
    snapshot.owners.push_back(std::move(archive));
  }
  snapshot.header.engram_version = engram_version;
  snapshot.header.embedding_model = parts.vectors ? engine.EmbeddingModel() : "";
  snapshot.header.owners = std::move(owners);
  return snapshot;
}

Result<std::string> ExportArchive(Engine& engine, std::vector<std::string> owners,
                                  const ArchiveParts& parts, ArchiveFormat format,
                                  const std::string& engram_version,
                                  const OwnerProgress& progress) {
  ENGRAM_ASSIGN_OR_RETURN(ExportSnapshot snapshot,
                          ReadExport(engine, std::move(owners), parts, engram_version, progress));
  std::string text;
  StreamArchive(format, snapshot.header, snapshot.owners, [&text](std::string_view piece) {
    text += piece;
    return true;
  });
  return text;
}

Result<std::vector<std::pair<std::string, ImportReport>>> ImportArchive(
    Engine& engine, const std::string& text, const std::string& rename_to,
    const OwnerProgress& progress, const ImportProgress& within) {
  ArchiveFormat format;
  if (!IsArchive(text, &format)) return Status::InvalidArgument("not an engram archive");
  std::istringstream in(text);
  ENGRAM_ASSIGN_OR_RETURN(ParsedArchive archive, ReadArchive(in, format));
  if (!rename_to.empty()) {
    if (archive.owners.size() > 1) {
      return Status::InvalidArgument("an archive of " + std::to_string(archive.owners.size()) +
                                     " owners cannot be imported as one owner");
    }
    for (OwnerArchive& a : archive.owners) {
      a.owner_id = rename_to;
      for (ArchivedMemory& m : a.memories) m.record.owner_id = rename_to;
      for (HistoryEvent& e : a.history) e.owner_id = rename_to;
      for (Entity& e : a.entities) e.owner_id = rename_to;
      for (Relation& r : a.relations) r.owner_id = rename_to;
      for (GraphHistoryEvent& e : a.graph_history) e.owner_id = rename_to;
      for (Checkpoint& c : a.checkpoints) c.owner_id = rename_to;
    }
  }
  std::vector<std::pair<std::string, ImportReport>> out;
  for (const OwnerArchive& a : archive.owners) {
    if (progress) progress(out.size() + 1, archive.owners.size(), a.owner_id);
    Result<ImportReport> r = engine.ImportOwner(a, archive.header.embedding_model, within);
    if (!r.ok()) return r.status().WithPrefix("owner " + a.owner_id + ": ");
    out.emplace_back(a.owner_id, *r);
  }
  return out;
}

nlohmann::json ImportReportJson(const ImportReport& r) {
  return {{"memories", r.memories},
          {"history_events", r.history_events},
          {"reembedded", r.reembedded},
          {"sessions", r.sessions},
          {"session_items", r.session_items},
          {"entities", r.entities},
          {"observations", r.observations},
          {"relations", r.relations},
          {"graph_events", r.graph_events},
          {"checkpoints", r.checkpoints},
          {"channel_values", r.channel_values},
          {"checkpoint_writes", r.checkpoint_writes}};
}

}  // namespace engram::portable
