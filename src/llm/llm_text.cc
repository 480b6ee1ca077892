#include "llm/llm_text.h"

#include <algorithm>

#include "util/utf8.h"

namespace engram::llm {

std::string TruncateUtf8(std::string_view text, size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 3);
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const size_t n = util::DecodeUtf8(text, i, cp);
    // DecodeUtf8 reports an invalid byte as U+FFFD of length 1 (a real U+FFFD has 3 bytes).
    const std::string_view piece = cp == 0xFFFD && n == 1 ? kReplacement : text.substr(i, n);
    if (out.size() + piece.size() > max_bytes) {
      out += "...";
      break;
    }
    out += piece;
    i += n;
  }
  return out;
}

}  // namespace engram::llm
