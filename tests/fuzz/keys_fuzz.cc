// A keys file (server::KeySet::Parse) from arbitrary text: a key set or InvalidArgument, never a
// crash; a parsed set authenticates without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "server/auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  engram::Result<engram::server::KeySet> keys = engram::server::KeySet::Parse(text, "fuzz");
  if (!keys.ok()) {
    if (!keys.status().IsInvalidArgument()) __builtin_trap();
    return 0;
  }
  (void)keys->Authenticate("k-fuzz-0123456789abcdef");
  (void)keys->Authenticate(text.substr(0, 64));
  return 0;
}
