// Text normalisation for duplicate detection.
#pragma once

#include <string>
#include <string_view>

namespace engram::util {

// Lower-cases ASCII letters, collapses runs of whitespace to one space, and trims whitespace and
// trailing sentence punctuation, so "I prefer  dark mode." and "i prefer dark mode" compare equal.
std::string NormalizeForDedup(std::string_view text);

// `text` without leading and trailing spaces, tabs, carriage returns and line feeds.
std::string_view TrimWhitespace(std::string_view text);

// 16 hex digits of the FNV-1a 64 hash of bytes: a stable name, not a cryptographic digest.
std::string Fnv1aHex(std::string_view bytes);

// 16 hex digits: FNV-1a 64 of NormalizeForDedup(text). Stores keep it beside each record so exact
// duplicates are found through an index; equal hashes are confirmed by comparing texts.
std::string ContentHash(std::string_view text);

}  // namespace engram::util
