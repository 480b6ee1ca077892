// Input validation shared by every face of the engine. Each check returns a Status whose
// message names the field and the rule it broke, never the offending value when it could be
// large or sensitive.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engram/status.h"

namespace engram::core {

// Identifiers (owner, session, agent): non-empty, at most 256 bytes, UTF-8, no control
// characters.
Status ValidateId(std::string_view field, std::string_view value);
// Like ValidateId, but empty is allowed (meaning "none").
Status ValidateOptionalId(std::string_view field, std::string_view value);

// "global", or '/'-separated non-empty segments without whitespace or control characters;
// at most 512 bytes and 32 segments.
Status ValidateScope(std::string_view scope);
// The scopes visible from `scope`: "global", every ancestor, and the scope itself.
std::vector<std::string> VisibleScopes(std::string_view scope);

// Text: non-blank, valid UTF-8, no NUL byte, at most max_bytes.
Status ValidateText(std::string_view field, std::string_view text, size_t max_bytes,
                    bool allow_empty = false);

// Serialized JSON of at most max_bytes; with require_object, it must be a JSON object.
Status ValidateJson(std::string_view field, std::string_view json, size_t max_bytes,
                    bool require_object);

}  // namespace engram::core
