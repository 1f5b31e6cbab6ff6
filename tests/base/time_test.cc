#include "base/time.h"

#include <chrono>

#include <gtest/gtest.h>

namespace custos {
namespace {

UnixMillis WallNow() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

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

// The demo's history is dated by the story clock: each event at its moment
// and in order, never in the future, never going back.
TEST(TimeTest, TheStoryClockDatesEventsInOrderAndNeverAhead) {
  const UnixMillis start = *ParseRfc3339("2025-03-03T01:30:00Z");
  ASSERT_FALSE(StoryClockSet());
  struct Cleared {
    ~Cleared() { ClearStoryClock(); }  // whatever fails below
  } cleared;
  ASSERT_TRUE(SetStoryClock(start));
  EXPECT_TRUE(StoryClockSet());
  EXPECT_EQ(NowMillis(), start);
  EXPECT_EQ(NowMillis(), start + 1);
  EXPECT_FALSE(SetStoryClock(start)) << "the story went back";
  EXPECT_EQ(NowMillis(), start + 2);
  EXPECT_TRUE(SetStoryClock(start + 86'400'000));
  EXPECT_EQ(NowMillis(), start + 86'400'000);
  // A moment after the wall clock is now, not the future — again and
  // again, though each read moves the story on.
  const UnixMillis before = WallNow();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(SetStoryClock(before + 365LL * 86'400'000));
    for (int j = 0; j < 5; ++j) (void)NowMillis();
  }
  const UnixMillis story = NowMillis();
  EXPECT_GE(story, before);
  EXPECT_LE(story, WallNow() + 20);  // at most the reads above ahead
  ClearStoryClock();
  EXPECT_FALSE(StoryClockSet());
  EXPECT_GE(NowMillis(), before);
  EXPECT_GT(NowMillis(), start + 86'400'000);
}

}  // namespace
}  // namespace custos
