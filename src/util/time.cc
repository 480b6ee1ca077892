#include "util/time.h"

#include <cctype>
#include <chrono>
#include <cstdio>

namespace engram::util {

namespace {

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool ReadDigits(std::string_view s, size_t& pos, size_t count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < count; ++i) {
    const char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    out = out * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::string FormatTimestamp(Timestamp t) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{t}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()),
                int(hms.subseconds().count()));
  return buf;
}

Result<Timestamp> ParseTimestamp(std::string_view s) {
  auto bad = [&] {
    return Status::InvalidArgument("invalid timestamp '" + std::string(s.substr(0, 64)) +
                                   "': expected ISO-8601 such as 2026-11-21T06:26:24Z");
  };
  size_t pos = 0;
  int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
  if (!ReadDigits(s, pos, 4, y) || !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, mo) ||
      !Expect(s, pos, '-') || !ReadDigits(s, pos, 2, d))
    return bad();
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!ReadDigits(s, pos, 2, h) || !Expect(s, pos, ':') || !ReadDigits(s, pos, 2, mi))
      return bad();
    if (Expect(s, pos, ':')) {
      if (!ReadDigits(s, pos, 2, sec)) return bad();
      if (Expect(s, pos, '.') || Expect(s, pos, ',')) {
        // Milliseconds from the first three fraction digits; further digits are ignored.
        size_t digits = 0;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
          if (digits < 3) ms = ms * 10 + (s[pos] - '0');
          ++digits, ++pos;
        }
        if (digits == 0) return bad();
        for (; digits < 3; ++digits) ms *= 10;
      }
    }
  }
  int64_t offset_min = 0;
  if (pos < s.size()) {
    if (s[pos] == 'Z' || s[pos] == 'z') {
      ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
      const int sign = s[pos] == '-' ? -1 : 1;
      ++pos;
      int oh, om = 0;
      if (!ReadDigits(s, pos, 2, oh)) return bad();
      Expect(s, pos, ':');
      if (pos < s.size() && !ReadDigits(s, pos, 2, om)) return bad();
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (pos != s.size()) return bad();
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{unsigned(mo)}, day{unsigned(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return bad();
  const int64_t days_since = DaysFromCivil(y, unsigned(mo), unsigned(d));
  const Timestamp t =
      ((days_since * 24 + h) * 60 + mi - offset_min) * 60000 + int64_t(sec) * 1000 + ms;
  if (t < kMinTimestamp || t > kMaxTimestamp) {
    return Status::InvalidArgument("timestamp '" + std::string(s.substr(0, 64)) +
                                   "' is outside the years 1900 to 9999");
  }
  return t;
}

Status CheckTimestampRange(std::string_view field, Timestamp t) {
  if (t >= kMinTimestamp && t <= kMaxTimestamp) return Status::Ok();
  return Status::InvalidArgument(std::string(field) + " is outside the years 1900 to 9999 (" +
                                 std::to_string(t) + " ms since 1970)");
}

}  // namespace engram::util
