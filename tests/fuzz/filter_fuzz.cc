// The search filter language over arbitrary text: a filter or InvalidArgument, and a parsed
// filter can be evaluated against a record without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/filter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  engram::Result<engram::core::Filter> filter = engram::core::Filter::Parse(text);
  if (!filter.ok()) {
    if (!filter.status().IsInvalidArgument()) __builtin_trap();
    return 0;
  }
  engram::core::FilterSubject subject;
  subject.scope = "project/alpha";
  subject.key = "ui.theme";
  subject.created_at = 1'700'000'000'000;
  (void)filter->Matches(subject);
  return 0;
}
