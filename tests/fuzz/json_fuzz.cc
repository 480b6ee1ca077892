// Every JSON text that enters engram goes through util::ParseJson: whatever the bytes, it
// returns a value or InvalidArgument, and an accepted value is never nested beyond the limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/json.h"

namespace {

size_t Depth(const nlohmann::json& j) {
  size_t deepest = 0;
  if (j.is_array() || j.is_object()) {
    for (const auto& child : j) deepest = std::max(deepest, Depth(child));
    return deepest + 1;
  }
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  engram::Result<nlohmann::json> parsed = engram::util::ParseJson(text);
  if (parsed.ok()) {
    if (Depth(*parsed) > engram::util::kMaxJsonDepth) __builtin_trap();
    (void)parsed->dump();  // what every face does next with an accepted body
  } else if (!parsed.status().IsInvalidArgument()) {
    __builtin_trap();
  }
  (void)engram::util::ParseOrderedJson(text, /*unique_keys=*/true);
  return 0;
}
