// Small text helpers for building prompts and error messages from untrusted text.
#pragma once

#include <string>
#include <string_view>

namespace engram::llm {

// `text` cut to at most `max_bytes` bytes plus an ellipsis ("...") when it was longer, never
// inside a UTF-8 sequence; invalid bytes become U+FFFD, so the result is always valid UTF-8 and
// safe to put in JSON.
std::string TruncateUtf8(std::string_view text, size_t max_bytes);

}  // namespace engram::llm
