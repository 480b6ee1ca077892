// Markdown memory files (docs/memory-files.md): an owner's memory as files a person reads and
// edits, and the edits read back.
//   SOUL.md              the core blocks, one "## <label>" section each
//   MEMORY.md            live facts, preferences and procedures, "## <scope>" then "### <type>",
//                        one "- text <!-- engram:<id> -->" line each
//   memory/YYYY-MM-DD.md that day's episodes (lines as in MEMORY.md) and session transcripts
// DIR/.engram-files.json records what was exported (each file's checksum, each line's text and its
// record's updated_at), so a sync knows what the person changed and what changed in the store.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engram/engine.h"

namespace engram::portable {

// Writes the owner's files into dir (created when missing), replacing earlier ones.
// *files gets the paths written, relative to dir.
Status ExportMemoryFiles(Engine& engine, const std::string& owner, const std::string& dir,
                         std::vector<std::string>* files);

// One change a sync makes, or a conflict it found.
struct SyncStep {
  std::string file;    // relative to dir
  std::string action;  // "update", "delete", "add", "set block", "delete block", "conflict"
  std::string id;      // the record's id; empty for a new one
  std::string text;    // the new text, or why it is a conflict
};

struct SyncPlan {
  std::vector<std::string> unchanged;  // files whose checksum is the exported one
  std::vector<SyncStep> steps;         // conflicts included
  bool has_conflicts() const;
};

// Reads the files back and says what changed since the export: a changed line updates its
// record (history actor "file"), a removed line deletes it, a new line adds a record through
// the write rules, a changed, new or removed SOUL.md section sets or deletes its block. A line
// whose record changed in the store since the export is a conflict. With apply and no conflict,
// makes the changes and exports the files again; with a conflict, changes nothing
// (FailedPrecondition naming the conflicts, the plan in *plan). FailedPrecondition when dir was
// not exported for this owner. `progress`, when set, is called before each change is made
// (1-based index, count, file).
using SyncProgress = std::function<void(size_t, size_t, const std::string&)>;
Status SyncMemoryFiles(Engine& engine, const std::string& owner, const std::string& dir, bool apply,
                       SyncPlan* plan, const SyncProgress& progress = nullptr);

}  // namespace engram::portable
