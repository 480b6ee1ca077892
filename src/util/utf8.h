// UTF-8: strict validation (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF) and a forgiving decoder for scanners.
#pragma once

#include <cstddef>
#include <string_view>

namespace engram::util {

// Byte offset of the first invalid sequence, or npos when `s` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view s);
inline bool IsValidUtf8(std::string_view s) {
  return FindInvalidUtf8(s) == std::string_view::npos;
}

// Decodes the code point at s[i] (i < s.size()) into cp and returns its length in bytes; an
// invalid or truncated sequence decodes as U+FFFD of length 1, so a scan never leaves `s`.
size_t DecodeUtf8(std::string_view s, size_t i, char32_t& cp);

// Number of code points of valid UTF-8 text (the "characters" of a length limit).
inline size_t CountCodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace engram::util
