// Whole archives between an Engine and text, as `engram export`/`import` and the REST routes
// /v1/owners/{owner}/export and /import use them (docs/export.md).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/engine.h"
#include "portable/archive_file.h"

namespace engram::portable {

// Called before each owner is exported or imported: (1-based index, count, owner).
using OwnerProgress = std::function<void(size_t, size_t, const std::string&)>;

// What an export read from the store: each owner read by Engine::ExportOwner (one read each),
// written out afterwards (StreamArchive, or ExportArchive's text).
struct ExportSnapshot {
  ArchiveHeader header;
  std::vector<OwnerArchive> owners;
};

// The parts a comma-separated list names ("memories,history"; the names of ArchiveParts'
// fields), the others left out. InvalidArgument naming an unknown part and listing the known ones.
Result<ArchiveParts> ParseArchiveParts(std::string_view list);

// Reads the archive of these owners (empty: every owner).
Result<ExportSnapshot> ReadExport(Engine& engine, std::vector<std::string> owners,
                                  const ArchiveParts& parts, const std::string& engram_version,
                                  const OwnerProgress& progress = nullptr);

// The archive of these owners (empty: every owner) as a file's text.
Result<std::string> ExportArchive(Engine& engine, std::vector<std::string> owners,
                                  const ArchiveParts& parts, ArchiveFormat format,
                                  const std::string& engram_version,
                                  const OwnerProgress& progress = nullptr);

// An owner's import report as JSON (what `engram import --json` and POST .../import answer).
nlohmann::json ImportReportJson(const ImportReport& r);

// Imports an archive file's text: checksum and schema first, then each owner
// (Engine::ImportOwner). `rename_to`, when set, imports the archive's one owner under that id
// (InvalidArgument when it holds several). Returns (owner, report) per owner. `within` is told
// how far each owner's import is (Engine::ImportOwner).
Result<std::vector<std::pair<std::string, ImportReport>>> ImportArchive(
    Engine& engine, const std::string& text, const std::string& rename_to,
    const OwnerProgress& progress = nullptr, const ImportProgress& within = nullptr);

}  // namespace engram::portable
