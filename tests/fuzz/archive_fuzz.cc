// Archive files (portable/archive_file.h) as `engram import` and POST /v1/owners/{o}/import read
// them: any input, JSONL or YAML, is an archive or InvalidArgument, Corruption (checksum) or
// FailedPrecondition (newer schema), never a crash; an archive read back is written again with
// the same lines and reads back the same.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "portable/archive_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using engram::Status;
  using namespace engram::portable;
  const std::string input(reinterpret_cast<const char*>(data), size);
  for (ArchiveFormat format : {ArchiveFormat::kJsonl, ArchiveFormat::kYaml}) {
    std::istringstream in(input);
    engram::Result<ParsedArchive> a = ReadArchive(in, format);
    if (!a.ok()) {
      const Status::Code code = a.status().code();
      if (code != Status::Code::kInvalidArgument && code != Status::Code::kCorruption &&
          code != Status::Code::kFailedPrecondition) {
        __builtin_trap();
      }
      continue;
    }
    const std::vector<std::string> lines = ArchiveLines(a->owners);
    std::ostringstream out;
    if (!WriteArchive(out, ArchiveFormat::kJsonl, a->header, lines).ok()) __builtin_trap();
    std::istringstream again(out.str());
    engram::Result<ParsedArchive> b = ReadArchive(again, ArchiveFormat::kJsonl);
    if (!b.ok() || ArchiveLines(b->owners) != lines) __builtin_trap();
  }
  return 0;
}
