// Dates as users write them ("Friday", "March 3rd", "in 3 days", "2026-05-01"), parsed from
// tokens and resolved against a `now` on the UTC calendar. Used by extraction, and by search to
// read the date a query names (core/query_time.h).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "engram/types.h"
#include "util/tokenize.h"

namespace engram::hygiene::extraction {

using std::chrono::sys_days;
using util::Tokens;

// A date as written; fields left 0 (weekday -1) were not given.
struct DateExpr {
  int year = 0, month = 0, day = 0;
  int weekday = -1;       // 0 = Sunday
  bool relative = false;  // `offset` days from today ("tomorrow", "in 3 days")
  int offset = 0;
  size_t end = 0;  // one past its last token
};

// 1-12 for a month name or its abbreviation ("mar", "sept"); 0 if not one.
int MonthNumber(std::string_view w);

// "January" for 1; month in 1..12.
const char* MonthName(int month);

// 0 (Sunday) to 6 for a weekday name or its abbreviation; -1 if not one.
int WeekdayNumber(std::string_view w);

// Day of month from "3", "03", "3rd", "21st"; 0 if not one.
int DayNumber(std::string_view w);

// A four-digit year in 1900..2100; 0 if not one.
int YearNumber(std::string_view w);

// 0-12 in words, "a"/"an" as 1, or up to three digits; -1 if not one.
int SmallNumber(std::string_view w);

// Whether the calendar date exists (February 29 checked against a leap year when year is 0).
bool ValidDay(int year, int month, int day);

// A date at t[i] ("on"/"by"/"this"/"the" skipped). Month-only and year-only dates ("since May",
// "in 2021") are accepted only with `partial`. "next Friday" and other ambiguous phrases are not
// dates.
std::optional<DateExpr> ParseDate(const Tokens& t, size_t i, bool partial);

enum class Direction { kFuture, kPast };

// Resolves a date against today: weekdays and month-days to their next (or, in the past
// direction, previous) occurrence; partial dates to their first day. nullopt when `now` is
// outside the years the calendar math is meant for.
std::optional<sys_days> Resolve(const DateExpr& d, Timestamp now, Direction dir);

// "2026-03-01".
std::string IsoDate(sys_days d);

// Midnight UTC of d.
Timestamp ToTimestamp(sys_days d);

}  // namespace engram::hygiene::extraction
