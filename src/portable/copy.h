// Copying owners between two engines' stores (`engram copy`, docs/cli.md): any backend to any
// other (SQLite, PostgreSQL). A copy is an export streamed into an import, one owner at a time:
// Engine::ExportOwner from the source, Engine::ImportOwner into the target (one transaction per
// store and owner, ids, times, history, vectors and checkpoints kept), then the owner is exported
// again from the target and its canonical digest (portable/archive_file.h) compared with the
// source's.
#pragma once

#include <string>
#include <vector>

#include "engram/engine.h"
#include "portable/archive_file.h"
#include "portable/archive_io.h"

namespace engram::portable {

struct OwnerCopy {
  std::string owner;
  OwnerDigest source;  // what was read from the source
  OwnerDigest target;  // what the target holds after the copy
  bool verified() const { return source == target; }
};

struct CopyReport {
  std::vector<OwnerCopy> owners;  // in the order copied (sorted owner ids)
  bool verified() const;          // every owner's digests are equal
};

// Copies these owners (empty: every owner the source holds) from `from` to `to`. Checked before
// anything is written, each refused with a clear error and nothing copied: an owner named that
// the source does not hold (NotFound); an owner the target already holds anything of
// (AlreadyExists); an owner with a knowledge graph or checkpoints of agent state when the
// target's backends keep none (FailedPrecondition). Vectors are
// kept when both engines use the same embedding model, else computed again by the target. A
// digest mismatch is reported in the CopyReport, not as an error, so the caller can show both.
Result<CopyReport> CopyOwners(Engine& from, Engine& to, std::vector<std::string> owners,
                              const OwnerProgress& progress = nullptr);

}  // namespace engram::portable
