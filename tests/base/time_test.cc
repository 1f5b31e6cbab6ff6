#include "base/time.h"

#include <gtest/gtest.h>

namespace custos {
namespace {

TEST(TimeTest, FormatsRfc3339WithMillis) {
  EXPECT_EQ(FormatRfc3339Millis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339Millis(1795768200123), "2026-11-27T08:30:00.123Z");
  EXPECT_EQ(FormatRfc3339Millis(-1), "1969-12-31T23:59:59.999Z");
}

TEST(TimeTest, ParsesRfc3339) {
  EXPECT_EQ(*ParseRfc3339("2026-11-27T08:30:00.123Z"), 1795768200123);
  EXPECT_EQ(*ParseRfc3339("2026-11-27T16:30:00+08:00"), 1795768200000);
  EXPECT_EQ(*ParseRfc3339("2026-11-27"), 1795737600000);
  for (const char* bad : {"2026-13-01", "2026-02-30", "2026-11-27T25:00:00Z", "yesterday",
                          "2026-11-27T08:30:00", "2026-11-27T08:30:00.Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).ok()) << bad;
  }
}

TEST(TimeTest, CivilDates) {
  EXPECT_EQ(FormatDate(AddMonths(CivilDate{2024, 1, 31}, 1)), "2024-02-29");
  EXPECT_EQ(FormatDate(AddMonths(CivilDate{2026, 11, 30}, 24)), "2028-11-30");
  EXPECT_EQ(FormatDate(CivilFromDays(DaysFromCivil(CivilDate{2000, 2, 29}))), "2000-02-29");
  EXPECT_FALSE(ParseDate("2025-02-29").ok());
}

// Found by tests/fuzz/text_codecs_fuzz: months that go back past year 0
// gave a negative month (and read before the month-length table).
TEST(TimeTest, AddMonthsBeforeYearZero) {
  EXPECT_EQ(AddMonths(CivilDate{0, 3, 10}, -13), (CivilDate{-1, 2, 10}));
  EXPECT_EQ(AddMonths(CivilDate{0, 1, 31}, -1), (CivilDate{-1, 12, 31}));
  EXPECT_EQ(AddMonths(CivilDate{-1, 12, 31}, 2), (CivilDate{0, 2, 29}));  // year 0 is leap
  EXPECT_EQ(AddMonths(CivilDate{2026, 1, 15}, -24), (CivilDate{2024, 1, 15}));
}

}  // namespace
}  // namespace custos
