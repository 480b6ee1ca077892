// Lines of an `engram import` file: each line of the input is parsed as the import command does
// (util::ParseJson, then core::NewMemoryFromJson); a line is a memory, InvalidArgument, or
// PermissionDenied when it names another owner, never a crash, and a parsed memory belongs to the
// importing owner.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/json_codec.h"
#include "util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    const size_t end = input.find('\n');
    const std::string_view line = input.substr(0, end);
    input = end == std::string_view::npos ? std::string_view() : input.substr(end + 1);
    engram::Result<nlohmann::json> j = engram::util::ParseJson(line);
    if (!j.ok()) continue;
    engram::Result<engram::NewMemory> m = engram::core::NewMemoryFromJson(*j, "importer");
    if (!m.ok()) {
      const engram::Status::Code code = m.status().code();
      if (code != engram::Status::Code::kInvalidArgument &&
          code != engram::Status::Code::kPermissionDenied) {
        __builtin_trap();
      }
      continue;
    }
    if (m->owner_id != "importer") __builtin_trap();
  }
  return 0;
}
