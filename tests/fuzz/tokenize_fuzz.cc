// The tokenizer over arbitrary bytes: it never crashes, and every token keeps its contract
// (raw views the input, norm is non-empty, punctuation is one of the listed marks).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/tokenize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const engram::util::Tokens tokens = engram::util::Tokenize(text);
  for (const engram::util::Token& t : tokens) {
    if (t.raw.data() < text.data() || t.raw.data() + t.raw.size() > text.data() + text.size()) {
      __builtin_trap();
    }
    if (t.norm.empty()) __builtin_trap();
    if (!t.word && std::string_view(".,!?;:()\"").find(t.norm) == std::string_view::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
