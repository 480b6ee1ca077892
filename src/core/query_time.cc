#include "core/query_time.h"

#include <chrono>

#include "hygiene/dates.h"
#include "util/tokenize.h"

namespace engram::core {

std::optional<TimeWindow> NamedTimeWindow(std::string_view query) {
  using namespace std::chrono;
  namespace ex = hygiene::extraction;
  const util::Tokens tokens = util::Tokenize(query);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::optional<ex::DateExpr> d = ex::ParseDate(tokens, i, /*partial=*/true);
    if (!d || d->relative || d->year == 0) continue;
    const year y{d->year};
    if (d->month == 0) {
      return TimeWindow{ex::ToTimestamp(sys_days(y / January / 1)),
                        ex::ToTimestamp(sys_days((y + years(1)) / January / 1))};
    }
    const year_month ym = y / month(static_cast<unsigned>(d->month));
    if (d->day == 0) {
      return TimeWindow{ex::ToTimestamp(sys_days(ym / 1)),
                        ex::ToTimestamp(sys_days((ym + months(1)) / 1))};
    }
    const sys_days date = ym / d->day;
    return TimeWindow{ex::ToTimestamp(date), ex::ToTimestamp(date + days(1))};
  }
  return std::nullopt;
}

}  // namespace engram::core
