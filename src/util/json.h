// The one way JSON text enters engram: HTTP bodies, MCP messages (HTTP and stdio), CLI flags,
// import lines, policy and keys files, stored fields read back, and models' answers.
//
// Nesting is limited before the parser builds anything: nlohmann's parser is iterative, but
// copying, dumping and comparing a parsed value recurse once per level, so a body nested
// ~65k levels deep would overflow the stack long after parsing. kMaxJsonDepth also stays below
// the redactor's scan depth, so every accepted document can be scanned for secrets entirely.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "engram/status.h"

namespace engram::util {

// Arrays and objects inside each other, at most: deep enough for any real document, shallow
// enough that the recursive walks over a value stay far from the stack's end.
inline constexpr size_t kMaxJsonDepth = 128;

// OK when no array or object in `text` is nested deeper than max_depth (strings are skipped;
// the text need not be valid JSON). InvalidArgument naming the byte where the limit is crossed.
Status CheckJsonDepth(std::string_view text, size_t max_depth = kMaxJsonDepth);

// Parses `text` as one JSON value. InvalidArgument when it is nested too deeply, malformed
// ("malformed JSON at byte 12: syntax error while parsing object - unexpected '}'"), or holds
// a number outside double's range (1e999). Messages never quote the input.
Result<nlohmann::json> ParseJson(std::string_view text);
// The same, keeping object members in document order. With unique_keys, an object that names a
// member twice is refused (InvalidArgument naming the byte) instead of keeping the last one: for
// configuration files, where a silently dropped entry changes what a key may do.
Result<nlohmann::ordered_json> ParseOrderedJson(std::string_view text, bool unique_keys = false);

// The parsed value, or `fallback` when `text` is not acceptable JSON: for text engram stored
// itself, and for a provider's error body.
nlohmann::json ParseJsonOr(nlohmann::json fallback, std::string_view text);

}  // namespace engram::util
