// The stretch of time a search query names ("on 9 November, 2022", "in July 2023", "in 2021"),
// so that memories observed then can be preferred (docs/search.md, "Dates in the query").
#pragma once

#include <optional>
#include <string_view>

#include "engram/types.h"

namespace engram::core {

// A half-open interval of UTC time, [from, until).
struct TimeWindow {
  Timestamp from = 0;
  Timestamp until = 0;
};

// The first calendar date of `query` that names its year: a day ("9 November, 2022",
// "October 13, 2023"), a month ("July 2023") or a year ("in 2023"), as the UTC day, month or
// year it covers. nullopt when the query names none: a date without its year ("in June",
// "on May 3") or relative to today ("yesterday", "last week") names no one stretch of time.
std::optional<TimeWindow> NamedTimeWindow(std::string_view query);

}  // namespace engram::core
