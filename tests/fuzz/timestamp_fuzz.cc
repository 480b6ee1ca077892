// ISO-8601 times from outside: a time within 1900-9999 that prints and reads back the same,
// or InvalidArgument.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  engram::Result<engram::Timestamp> t = engram::util::ParseTimestamp(text);
  if (!t.ok()) return t.status().IsInvalidArgument() ? 0 : (__builtin_trap(), 0);
  if (!engram::util::CheckTimestampRange("t", *t).ok()) __builtin_trap();
  engram::Result<engram::Timestamp> again =
      engram::util::ParseTimestamp(engram::util::FormatTimestamp(*t));
  if (!again.ok() || *again != *t) __builtin_trap();
  return 0;
}
