// ISO-8601 formatting and parsing of engram Timestamps (milliseconds since the epoch, UTC).
#pragma once

#include <string>
#include <string_view>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::util {

// "2026-11-21T06:26:24.123Z".
std::string FormatTimestamp(Timestamp t);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z", "+HH:MM" or "-HH:MM" (no zone
// means UTC), and a space instead of "T". InvalidArgument naming the input otherwise.
Result<Timestamp> ParseTimestamp(std::string_view text);

}  // namespace engram::util
