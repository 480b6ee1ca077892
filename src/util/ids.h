// Identifiers: UUIDv7 record ids and opaque paging cursors.
#pragma once

#include <mutex>
#include <random>
#include <string>
#include <string_view>

#include "engram/types.h"

namespace engram::util {

// Generates RFC 9562 UUIDv7 strings whose lexical order follows generation order, also within
// one millisecond and when the clock steps back. Thread-safe.
class UuidV7Generator {
 public:
  UuidV7Generator();
  std::string Next(Timestamp now_ms);

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;
  Timestamp last_ms_ = 0;
  uint16_t counter_ = 0;  // 12-bit sequence within last_ms_
};

// True for the canonical lower-case 8-4-4-4-12 hex form.
bool LooksLikeUuid(std::string_view s);

// URL-safe base64 without padding, for opaque tokens.
std::string Base64UrlEncode(std::string_view bytes);
// Fails (returns false) on characters outside the alphabet.
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace engram::util
