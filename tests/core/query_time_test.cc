// The stretch of time a search query names (core::NamedTimeWindow).
#include "core/query_time.h"

#include <gtest/gtest.h>

#include "util/time.h"

namespace engram::core {
namespace {

Timestamp At(const char* iso) {
  auto t = util::ParseTimestamp(iso);
  EXPECT_TRUE(t.ok()) << iso;
  return t.ok() ? *t : 0;
}

void ExpectWindow(const char* query, const char* from, const char* until) {
  const std::optional<TimeWindow> w = NamedTimeWindow(query);
  ASSERT_TRUE(w.has_value()) << query;
  EXPECT_EQ(w->from, At(from)) << query;
  EXPECT_EQ(w->until, At(until)) << query;
}

TEST(NamedTimeWindowTest, ADayAMonthOrAYearWithItsYear) {
  ExpectWindow("What did Nate do for Joanna on 25 May, 2022?", "2022-05-25T00:00:00Z",
               "2022-05-26T00:00:00Z");
  ExpectWindow("What painting did Melanie show on October 13, 2023?", "2023-10-13T00:00:00Z",
               "2023-10-14T00:00:00Z");
  ExpectWindow("What book did Tim finish on 8th December, 2023?", "2023-12-08T00:00:00Z",
               "2023-12-09T00:00:00Z");
  ExpectWindow("deploys on 2024-12-31", "2024-12-31T00:00:00Z", "2025-01-01T00:00:00Z");
  ExpectWindow("What did Maria donate in December 2023?", "2023-12-01T00:00:00Z",
               "2024-01-01T00:00:00Z");
  ExpectWindow("How many times did she go to the beach in 2023?", "2023-01-01T00:00:00Z",
               "2024-01-01T00:00:00Z");
}

TEST(NamedTimeWindowTest, DatesWithoutTheirYearOrRelativeToTodayNameNone) {
  for (const char* query : {"When did Melanie go camping in June?", "Who did she meet on May 3?",
                            "What did Joanna write yesterday?", "What did we decide last week?",
                            "May I ask what the user prefers?", "Which team won 3 games?"}) {
    EXPECT_FALSE(NamedTimeWindow(query).has_value()) << query;
  }
}

}  // namespace
}  // namespace engram::core
