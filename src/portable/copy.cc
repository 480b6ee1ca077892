#include "portable/copy.h"

#include <algorithm>
#include <set>

namespace engram::portable {

namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// What must hold before the first write: every owner is in the source, none in the target, and
// nothing of theirs is of a kind the copy cannot carry to this target.
Status CheckCopy(Engine& from, Engine& to, const std::vector<std::string>& owners,
                 const std::vector<std::string>& source_owners) {
  std::vector<std::string> missing;
  for (const std::string& o : owners) {
    if (!std::binary_search(source_owners.begin(), source_owners.end(), o)) missing.push_back(o);
  }
  if (!missing.empty()) {
    return Status::NotFound("the source holds nothing of owner " + Join(missing) +
                            "; nothing was copied");
  }
  ENGRAM_ASSIGN_OR_RETURN(std::vector<std::string> target_owners, to.ListAllOwners());
  const std::set<std::string> taken(target_owners.begin(), target_owners.end());
  std::vector<std::string> clash;
  for (const std::string& o : owners) {
    if (taken.count(o)) clash.push_back(o);
  }
  if (!clash.empty()) {
    return Status::AlreadyExists("the target already holds owner " + Join(clash) +
                                 " (forget it there first, or copy other owners); nothing was "
                                 "copied");
  }
  ArchiveParts graph_only{false, false, false, false, false, true, false};
  CheckpointListOptions first;
  first.limit = 1;
  for (const std::string& o : owners) {
    Result<std::vector<CheckpointTuple>> held = from.ListCheckpoints(o, first);
    if (held.ok() && !held->empty()) {
      Result<std::vector<CheckpointTuple>> probe = to.ListCheckpoints(o, first);
      if (!probe.ok() && probe.status().code() == Status::Code::kFailedPrecondition) {
        return Status::FailedPrecondition("owner " + o +
                                          " has checkpoints of agent state and no backend of the "
                                          "target keeps them; nothing was copied");
      }
      ENGRAM_RETURN_IF_ERROR(probe.status());
    }
    ENGRAM_ASSIGN_OR_RETURN(OwnerArchive graph, from.ExportOwner(o, graph_only));
    if (graph.entities.empty() && graph.relations.empty() && graph.graph_history.empty()) continue;
    Result<Graph> probe = to.ReadGraph(o);
    if (!probe.ok() && probe.status().code() == Status::Code::kFailedPrecondition) {
      return Status::FailedPrecondition("owner " + o +
                                        " has a knowledge graph and the target's backend keeps "
                                        "none; nothing was copied");
    }
    ENGRAM_RETURN_IF_ERROR(probe.status());
  }
  return Status::Ok();
}

}  // namespace

bool CopyReport::verified() const {
  return std::all_of(owners.begin(), owners.end(), [](const OwnerCopy& c) { return c.verified(); });
}

Result<CopyReport> CopyOwners(Engine& from, Engine& to, std::vector<std::string> owners,
                              const OwnerProgress& progress) {
  ENGRAM_ASSIGN_OR_RETURN(const std::vector<std::string> source_owners, from.ListAllOwners());
  if (owners.empty()) owners = source_owners;
  std::sort(owners.begin(), owners.end());
  owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
  ENGRAM_RETURN_IF_ERROR(CheckCopy(from, to, owners, source_owners));
  const std::string model = from.EmbeddingModel();
  CopyReport report;
  for (const std::string& owner : owners) {
    if (progress) progress(report.owners.size() + 1, owners.size(), owner);
    OwnerCopy copy{owner, {}, {}};
    {
      // One owner in memory at a time: read, written, then released before the next.
      ENGRAM_ASSIGN_OR_RETURN(const OwnerArchive archive, from.ExportOwner(owner));
      copy.source = DigestOf(archive);
      Result<ImportReport> imported = to.ImportOwner(archive, model);
      if (!imported.ok()) {
        std::vector<std::string> before;
        for (const OwnerCopy& c : report.owners) before.push_back(c.owner);
        return imported.status().WithPrefix(
            "owner " + owner +
            (before.empty() ? "" : " (owners copied before it: " + Join(before) + ")") + ": ");
      }
    }
    ENGRAM_ASSIGN_OR_RETURN(const OwnerArchive written, to.ExportOwner(owner));
    copy.target = DigestOf(written);
    report.owners.push_back(std::move(copy));
  }
  return report;
}

}  // namespace engram::portable
