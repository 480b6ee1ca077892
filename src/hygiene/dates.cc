#include "hygiene/dates.h"

#include <algorithm>
#include <cstdio>

#include "hygiene/phrase.h"

namespace engram::hygiene::extraction {

int MonthNumber(std::string_view w) {
  static constexpr std::string_view kMonths[] = {"january",   "february", "march",    "april",
                                                 "may",       "june",     "july",     "august",
                                                 "september", "october",  "november", "december"};
  for (int m = 0; m < 12; ++m) {
    if (w == kMonths[m] || (w.size() >= 3 && w.size() < kMonths[m].size() &&
                            kMonths[m].starts_with(w) && (w.size() == 3 || w == "sept")))
      return m + 1;
  }
  return 0;
}

const char* MonthName(int month) {
  static constexpr const char* kNames[] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
  return kNames[month - 1];
}

int WeekdayNumber(std::string_view w) {
  struct Entry {
    std::string_view word;
    int day;
  };
  static constexpr Entry kDays[] = {
      {"sunday", 0},    {"monday", 1}, {"mon", 1},      {"tuesday", 2}, {"tue", 2},  {"tues", 2},
      {"wednesday", 3}, {"wed", 3},    {"thursday", 4}, {"thu", 4},     {"thur", 4}, {"thurs", 4},
      {"friday", 5},    {"fri", 5},    {"saturday", 6}, {"sat", 6}};
  for (const Entry& e : kDays) {
    if (e.word == w) return e.day;
  }
  return -1;
}

int DayNumber(std::string_view w) {
  size_t digits = 0;
  while (digits < w.size() && util::IsAsciiDigit(static_cast<unsigned char>(w[digits]))) ++digits;
  if (digits == 0 || digits > 2) return 0;
  const std::string_view suffix = w.substr(digits);
  if (!suffix.empty() && !In(suffix, {"st", "nd", "rd", "th"})) return 0;
  const int d = digits == 1 ? w[0] - '0' : (w[0] - '0') * 10 + (w[1] - '0');
  return d >= 1 && d <= 31 ? d : 0;
}

int YearNumber(std::string_view w) {
  if (w.size() != 4 || !std::all_of(w.begin(), w.end(), [](char c) {
        return util::IsAsciiDigit(static_cast<unsigned char>(c));
      }))
    return 0;
  const int y = std::stoi(std::string(w));
  return y >= 1900 && y <= 2100 ? y : 0;
}

int SmallNumber(std::string_view w) {
  static constexpr std::string_view kWords[] = {"zero", "one",    "two",   "three", "four",
                                                "five", "six",    "seven", "eight", "nine",
                                                "ten",  "eleven", "twelve"};
  for (int k = 0; k <= 12; ++k) {
    if (w == kWords[k]) return k;
  }
  if (w == "a" || w == "an") return 1;
  if (w.empty() || w.size() > 3 || !std::all_of(w.begin(), w.end(), [](char c) {
        return util::IsAsciiDigit(static_cast<unsigned char>(c));
      }))
    return -1;
  return std::stoi(std::string(w));
}

bool ValidDay(int year, int month, int day) {
  using namespace std::chrono;
  return year_month_day{std::chrono::year{year == 0 ? 2000 : year},
                        std::chrono::month{unsigned(month)}, std::chrono::day{unsigned(day)}}
      .ok();
}

std::optional<DateExpr> ParseDate(const Tokens& t, size_t i, bool partial) {
  while (IsAny(t, i, {"on", "by", "this", "the", "before", "until"})) ++i;
  DateExpr d;
  if (!IsWord(t, i)) return std::nullopt;
  const std::string& w = t[i].norm;
  if (In(w, {"today", "tonight"}) || w == "tomorrow" || w == "yesterday") {
    d.relative = true;
    d.offset = w == "tomorrow" ? 1 : w == "yesterday" ? -1 : 0;
    d.end = i + 1;
    return d;
  }
  if (w == "in" && IsWord(t, i + 1) && IsAny(t, i + 2, {"day", "days", "week", "weeks"})) {
    const int n = SmallNumber(t[i + 1].norm);
    if (n < 1 || n > 365) return std::nullopt;
    d.relative = true;
    d.offset = t[i + 2].norm.starts_with("week") ? 7 * n : n;
    d.end = i + 3;
    return d;
  }
  if (w.size() == 10 && w[4] == '-' && w[7] == '-') {
    const int y = YearNumber(w.substr(0, 4));
    const int m = DayNumber(w.substr(5, 2));  // two digits
    const int day = DayNumber(w.substr(8, 2));
    if (y == 0 || m < 1 || m > 12 || day == 0 || !ValidDay(y, m, day)) return std::nullopt;
    d.year = y, d.month = m, d.day = day, d.end = i + 1;
    return d;
  }
  if (const int wd = WeekdayNumber(w); wd >= 0) {
    d.weekday = wd;
    d.end = i + 1;
    // "Friday, March 6": the explicit date wins.
    size_t j = i + 1;
    if (Is(t, j, ",")) ++j;
    if (auto full = ParseDate(t, j, false); full && !full->relative && full->weekday < 0)
      return full;
    return d;
  }
  size_t j = i;
  if (const int m = MonthNumber(w); m > 0) {
    // "March 3rd", "March 3, 2026", "March 2026", "May" (partial).
    ++j;
    if (Is(t, j, "the")) ++j;
    d.month = m;
    if (IsWord(t, j) && DayNumber(t[j].norm) > 0) {
      d.day = DayNumber(t[j].norm);
      ++j;
    }
    size_t k = j;
    if (Is(t, k, ",")) ++k;
    if (IsWord(t, k) && YearNumber(t[k].norm) > 0) {
      d.year = YearNumber(t[k].norm);
      j = k + 1;
    }
    if (d.day == 0 && d.year == 0 && !partial) return std::nullopt;
  } else if (DayNumber(w) > 0 &&
             (IsAny(t, i + 1, {"of"}) ? MonthNumber(IsWord(t, i + 2) ? t[i + 2].norm : "") > 0
                                      : IsWord(t, i + 1) && MonthNumber(t[i + 1].norm) > 0)) {
    // "3 May", "3rd of May 2026".
    d.day = DayNumber(w);
    j = i + 1;
    if (Is(t, j, "of")) ++j;
    d.month = MonthNumber(t[j].norm);
    ++j;
    size_t k = j;
    if (Is(t, k, ",")) ++k;
    if (IsWord(t, k) && YearNumber(t[k].norm) > 0) {
      d.year = YearNumber(t[k].norm);
      j = k + 1;
    }
  } else if (partial && YearNumber(w) > 0) {
    d.year = YearNumber(w);
    j = i + 1;
  } else {
    return std::nullopt;
  }
  if (d.day > 0 && !ValidDay(d.year, d.month, d.day)) return std::nullopt;
  d.end = j;
  return d;
}

std::optional<sys_days> Resolve(const DateExpr& d, Timestamp now, Direction dir) {
  using namespace std::chrono;
  constexpr Timestamp kMin = -2'208'988'800'000;   // 1900-01-01
  constexpr Timestamp kMax = 253'402'300'799'000;  // 9999-12-31
  if (now < kMin || now > kMax) return std::nullopt;
  const sys_days today = floor<days>(sys_time<milliseconds>(milliseconds(now)));
  const bool future = dir == Direction::kFuture;
  if (d.relative) return today + days(d.offset);
  if (d.weekday >= 0) {
    const int cur = static_cast<int>(weekday(today).c_encoding());
    int delta = future ? (d.weekday - cur + 7) % 7 : (cur - d.weekday + 7) % 7;
    if (delta == 0) delta = 7;  // "Friday" said on a Friday means the next one
    return future ? today + days(delta) : today - days(delta);
  }
  const year_month_day ymd_today{today};
  const int this_year = static_cast<int>(ymd_today.year());
  if (d.year > 0) {
    return sys_days(year_month_day{year{d.year}, month{unsigned(d.month ? d.month : 1)},
                                   day{unsigned(d.day ? d.day : 1)}});
  }
  if (d.day == 0) {
    // Month only: its first day, this year or the adjacent one.
    const int cur_month = static_cast<int>(unsigned(ymd_today.month()));
    const int y = future ? (d.month >= cur_month ? this_year : this_year + 1)
                         : (d.month <= cur_month ? this_year : this_year - 1);
    return sys_days(year_month_day{year{y}, month{unsigned(d.month)}, day{1}});
  }
  // Month and day: the nearest occurrence in the direction; February 29 skips to a leap year.
  for (int k = 0; k <= 8; ++k) {
    const int y = future ? this_year + k : this_year - k;
    const year_month_day ymd{year{y}, month{unsigned(d.month)}, day{unsigned(d.day)}};
    if (!ymd.ok()) continue;
    const sys_days candidate{ymd};
    if (future ? candidate >= today : candidate <= today) return candidate;
  }
  return std::nullopt;
}

std::string IsoDate(sys_days d) {
  const std::chrono::year_month_day ymd{d};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()));
  return buf;
}

Timestamp ToTimestamp(sys_days d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d.time_since_epoch()).count();
}

}  // namespace engram::hygiene::extraction
