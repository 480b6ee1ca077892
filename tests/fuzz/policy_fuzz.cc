// A policy file (ParsePolicy) from arbitrary text: a policy or InvalidArgument, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engram/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  engram::Result<engram::Policy> policy = engram::ParsePolicy(text);
  if (!policy.ok() && !policy.status().IsInvalidArgument()) __builtin_trap();
  return 0;
}
