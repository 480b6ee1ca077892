// ISO-8601 formatting and parsing of engram Timestamps (milliseconds since the epoch, UTC).
#pragma once

#include <string>
#include <string_view>

#include "engram/status.h"
#include "engram/types.h"

namespace engram::util {

// "2026-11-21T06:26:24.123Z".
std::string FormatTimestamp(Timestamp t);

// The times engram accepts, 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z: every one prints
// as four-digit ISO-8601 and reads back the same, and none overflows when a duration is added.
inline constexpr Timestamp kMinTimestamp = -2'208'988'800'000;
inline constexpr Timestamp kMaxTimestamp = 253'402'300'799'999;

// OK when t lies within [kMinTimestamp, kMaxTimestamp]; InvalidArgument naming `field` otherwise.
Status CheckTimestampRange(std::string_view field, Timestamp t);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z", "+HH:MM" or "-HH:MM" (no zone
// means UTC), and a space instead of "T", within the range above. InvalidArgument naming the
// input otherwise.
Result<Timestamp> ParseTimestamp(std::string_view text);

}  // namespace engram::util
