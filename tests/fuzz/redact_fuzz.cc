// The redactor over arbitrary text and JSON: it never crashes, and what it returns for JSON is
// again JSON of the same nesting or a refusal.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hygiene/redact.h"
#include "util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const engram::hygiene::Redactor redactor;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  engram::hygiene::RedactedText plain = redactor.Redact(text);
  if (!plain.changed() && plain.text != text) __builtin_trap();
  engram::Result<engram::hygiene::RedactedText> json = redactor.RedactJson(text);
  if (json.ok() && !engram::util::ParseJson(json->text).ok()) __builtin_trap();
  return 0;
}
