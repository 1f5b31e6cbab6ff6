#include "policy/anomaly.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace custos::policy::anomaly {
namespace {

constexpr UnixMillis kDay = int64_t{86400} * 1000;
// 2026-11-02 09:00 UTC, a Monday.
constexpr UnixMillis kStart = int64_t{1793610000} * 1000;

// One view attempt (policy defaults for the thresholds).
AttemptResult RecordViewAttempt(Activity* a, bool allowed, UnixMillis now,
                                std::string_view place = {}, const WorkHours* hours = nullptr) {
  return RecordAttempt(a, AttemptKind::kView, allowed, now, place, hours);
}

// `n` allowed views at `t` (one second apart).
AttemptResult Views(Activity* a, UnixMillis t, int n) {
  AttemptResult last;
  for (int i = 0; i < n; ++i) last = RecordViewAttempt(a, true, t + i * 1000);
  return last;
}

// More than the day's threshold of attempts outside the assignment: one
// alert that day, at the attempt that crosses the line, listing each file
// once; a new day starts afresh.
TEST(AnomalyTest, OutsideAssignmentOncePerDayAboveTheThreshold) {
  Activity a;
  Thresholds t;  // 3 a day
  EXPECT_FALSE(RecordOutsideAssignment(&a, "c-1", kStart, t));
  EXPECT_FALSE(RecordOutsideAssignment(&a, "c-2", kStart + 1000, t));
  EXPECT_FALSE(RecordOutsideAssignment(&a, "c-1", kStart + 2000, t));
  EXPECT_TRUE(RecordOutsideAssignment(&a, "c-3", kStart + 3000, t));
  EXPECT_EQ(a.outside_attempts, 4);
  EXPECT_EQ(a.outside_records, (std::vector<std::string>{"c-1", "c-2", "c-3"}));
  EXPECT_FALSE(RecordOutsideAssignment(&a, "c-4", kStart + 4000, t));  // once a day
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(RecordOutsideAssignment(&a, "c-9", kStart + kDay, t));
  EXPECT_EQ(a.outside_records, std::vector<std::string>{"c-9"});
  EXPECT_TRUE(RecordOutsideAssignment(&a, "c-8", kStart + kDay + 1, t));
  t.outside_assignment_per_day = 0;  // off
  Activity b;
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(RecordOutsideAssignment(&b, "c-1", kStart + i, t));
}

// Days are the company's: in Beijing (+08:00) the day turns at 16:00 UTC,
// so attempts either side of it are two days' (one the same UTC day).
TEST(AnomalyTest, ADayIsADayOfTheCompanysCalendar) {
  constexpr int kBeijing = 480;
  constexpr UnixMillis kBeforeMidnight = kStart + 7 * 3600 * 1000 - 4000;  // 23:59:56 in Beijing
  const Thresholds t;                                                      // 3 a day
  Activity utc;
  Activity beijing;
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(RecordOutsideAssignment(&utc, "c-1", kBeforeMidnight + i * 1000, t));
    EXPECT_FALSE(RecordOutsideAssignment(&beijing, "c-1", kBeforeMidnight + i * 1000, t, kBeijing));
  }
  const UnixMillis after = kBeforeMidnight + 5000;  // 00:00:01 on the next day in Beijing
  EXPECT_TRUE(RecordOutsideAssignment(&utc, "c-2", after, t));
  EXPECT_FALSE(RecordOutsideAssignment(&beijing, "c-2", after, t, kBeijing));
  EXPECT_EQ(beijing.outside_attempts, 1);

  // A day's views for the spike rule likewise.
  Activity views;
  RecordAttempt(&views, AttemptKind::kView, true, kBeforeMidnight, {}, nullptr, t, kBeijing);
  const AttemptResult next =
      RecordAttempt(&views, AttemptKind::kView, true, after, {}, nullptr, t, kBeijing);
  EXPECT_EQ(next.views_today, 1);
  EXPECT_EQ(views.days.size(), 2u);
}

TEST(AnomalyTest, MedianOfActiveDaysIgnoresIdleDays) {
  EXPECT_EQ(MedianOfActiveDays({}), 0);
  EXPECT_EQ(MedianOfActiveDays({0, 0}), 0);
  EXPECT_EQ(MedianOfActiveDays({0, 4, 0, 2, 9}), 4);
  EXPECT_EQ(MedianOfActiveDays({3, 2, 0}), 2.5);
}

TEST(AnomalyTest, SpikeNeedsThreeTimesTheMedianAndFiveViews) {
  EXPECT_FALSE(IsSpike(6, 2));  // 6 is not more than 3 × 2
  EXPECT_TRUE(IsSpike(7, 2));
  EXPECT_FALSE(IsSpike(4, 1));  // under the floor of 5
  EXPECT_TRUE(IsSpike(5, 1));
  EXPECT_TRUE(IsSpike(5, 0));
}

TEST(AnomalyTest, ViewSpikeAgainstOwnBaselineRaisedOncePerDay) {
  Activity a;
  // Five working days of four views each: the baseline.
  for (int d = 0; d < 5; ++d) {
    AttemptResult r = Views(&a, kStart + d * kDay, 4);
    EXPECT_FALSE(r.view_spike) << "day " << d;  // no baseline yet
  }
  // A week later: 12 views are 3 × the median — not yet more than it.
  const UnixMillis today = kStart + 7 * kDay;
  AttemptResult r = Views(&a, today, 12);
  EXPECT_FALSE(r.view_spike);
  EXPECT_EQ(r.views_today, 12);
  EXPECT_EQ(r.baseline_median, 4);
  EXPECT_EQ(r.baseline_active_days, 5);
  r = RecordViewAttempt(&a, true, today + 60'000);
  EXPECT_TRUE(r.view_spike);
  EXPECT_EQ(r.views_today, 13);
  // The rest of the day raises nothing more; the next day starts afresh.
  EXPECT_FALSE(Views(&a, today + 120'000, 20).view_spike);
  EXPECT_EQ(a.spike_alert_day, today / kDay);
  EXPECT_FALSE(Views(&a, today + kDay, 3).view_spike);
}

TEST(AnomalyTest, NoBaselineNoSpike) {
  Activity a;
  Views(&a, kStart, 2);
  Views(&a, kStart + kDay, 2);
  // Two active days are not a baseline: a hundred views raise nothing.
  EXPECT_FALSE(Views(&a, kStart + 2 * kDay, 100).view_spike);
}

TEST(AnomalyTest, BaselineForgetsDaysOlderThanThirty) {
  Activity a;
  for (int d = 0; d < 6; ++d) Views(&a, kStart + d * kDay, 10);
  // 40 days later the old days are gone: no baseline, no spike.
  AttemptResult r = Views(&a, kStart + 46 * kDay, 50);
  EXPECT_FALSE(r.view_spike);
  EXPECT_EQ(r.baseline_active_days, 0);
  EXPECT_EQ(a.days.size(), 1u);
}

TEST(AnomalyTest, RefusalsDoNotCountAsViews) {
  Activity a;
  AttemptResult r = RecordViewAttempt(&a, false, kStart);
  EXPECT_EQ(r.views_today, 0);
  EXPECT_TRUE(a.days.empty());
}

TEST(AnomalyTest, ThreeRefusalsInFifteenMinutesRaiseOneAlert) {
  Activity a;
  EXPECT_FALSE(RecordViewAttempt(&a, false, kStart).repeated_denials);
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart + 60'000).repeated_denials);
  EXPECT_FALSE(RecordViewAttempt(&a, false, kStart + 120'000).repeated_denials);
  AttemptResult r = RecordViewAttempt(&a, false, kStart + 14 * 60'000);
  EXPECT_TRUE(r.repeated_denials);
  EXPECT_EQ(r.denials_in_window, 3);
  // More refusals in the same window: no second alert.
  for (int i = 1; i <= 40; ++i) {
    EXPECT_FALSE(RecordViewAttempt(&a, false, kStart + 14 * 60'000 + i * 1000).repeated_denials);
  }
  EXPECT_LE(a.denials.size(), 32u);
  // Refusals still coming a window after the alert raise it again.
  EXPECT_TRUE(RecordViewAttempt(&a, false, kStart + 29 * 60'000 + 1000).repeated_denials);
}

TEST(AnomalyTest, RefusalsSpreadOutRaiseNothing) {
  Activity a;
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(RecordViewAttempt(&a, false, kStart + i * 10 * 60'000).repeated_denials) << i;
  }
}

TEST(AnomalyTest, NewPlaceAfterTheFirstRaisedOncePerPlace) {
  Activity a;
  const std::string office = PlaceKey("WS-SH-01", "上海总部");
  const std::string home = PlaceKey("LAPTOP-7", "家中");
  EXPECT_EQ(PlaceKey("", ""), "");
  EXPECT_NE(PlaceKey("a", "b"), PlaceKey("ab", ""));
  // The first place is the baseline; the same place again is nothing new.
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart, office).new_place);
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart + 1000, office).new_place);
  // A refused attempt from a new place counts too; once.
  AttemptResult r = RecordViewAttempt(&a, false, kStart + 2000, home);
  EXPECT_TRUE(r.new_place);
  EXPECT_EQ(r.known_places, 1);
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart + 3000, home).new_place);
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart + 4000, office).new_place);
  // No place (the command line): no alert, nothing remembered.
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart + 5000, "").new_place);
  EXPECT_EQ(a.places.size(), 2u);
}

TEST(AnomalyTest, KnownPlacesKeepTheMostRecentlyUsed) {
  Activity a;
  const std::string office = PlaceKey("WS-SH-01", "上海总部");
  RecordViewAttempt(&a, true, kStart, office);
  for (size_t i = 0; i < kMaxKnownPlaces + 4; ++i) {
    EXPECT_TRUE(RecordViewAttempt(&a, true, kStart + 1000 * (i + 1),
                                  PlaceKey("WS-" + std::to_string(i), ""))
                    .new_place);
    RecordViewAttempt(&a, true, kStart + 1000 * (i + 1) + 500, office);  // used every day
  }
  EXPECT_EQ(a.places.size(), kMaxKnownPlaces);
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart + 100'000, office).new_place);
  // The oldest of the others was forgotten and is new again.
  EXPECT_TRUE(RecordViewAttempt(&a, true, kStart + 101'000, PlaceKey("WS-0", "")).new_place);
}

// China: Monday to Friday, 08:00–20:00 at UTC+8; 2026-11-04 (a Wednesday) a
// holiday, 2026-11-07 (a Saturday) a make-up working day.
WorkHours ChinaHours() {
  WorkHours h;
  h.utc_offset_minutes = 8 * 60;
  h.start_minute = 8 * 60;
  h.end_minute = 20 * 60;
  h.weekdays = 0b0011111;
  h.holidays = {DaysFromCivil({2026, 11, 4})};
  h.extra_workdays = {DaysFromCivil({2026, 11, 7})};
  return h;
}

constexpr UnixMillis kHour = int64_t{3600} * 1000;

TEST(AnomalyTest, OffHoursFollowTheLocalClockWeekdaysHolidaysAndMakeUpDays) {
  const WorkHours h = ChinaHours();
  // kStart is Monday 09:00 UTC = 17:00 in Shanghai: working time.
  EXPECT_FALSE(h.IsOffHours(kStart));
  EXPECT_EQ(h.LocalTime(kStart), "2026-11-02 17:00");
  EXPECT_FALSE(h.IsOffHours(kStart + 2 * kHour + 59 * 60'000));  // 19:59
  EXPECT_TRUE(h.IsOffHours(kStart + 3 * kHour));                 // 20:00
  EXPECT_TRUE(h.IsOffHours(kStart + 14 * kHour + 59 * 60'000));  // Tuesday 07:59
  EXPECT_FALSE(h.IsOffHours(kStart + 15 * kHour));               // Tuesday 08:00
  // Monday 23:30 UTC is already Tuesday 07:30 in Shanghai: before hours, on
  // the local Tuesday.
  EXPECT_EQ(h.LocalTime(kStart + 14 * kHour + 30 * 60'000), "2026-11-03 07:30");
  EXPECT_EQ(h.LocalDay(kStart + 14 * kHour + 30 * 60'000), DaysFromCivil({2026, 11, 3}));
  EXPECT_TRUE(h.IsOffHours(kStart + 2 * kDay));  // the Wednesday holiday, 17:00
  EXPECT_FALSE(h.IsWorkingDay(DaysFromCivil({2026, 11, 4})));
  EXPECT_FALSE(h.IsOffHours(kStart + 5 * kDay));  // the make-up Saturday
  EXPECT_TRUE(h.IsOffHours(kStart + 6 * kDay));   // Sunday
  EXPECT_TRUE(h.IsOffHours(kStart + 12 * kDay));  // the next Saturday
  // West of Greenwich: 09:00 UTC is 04:00 in New York (UTC−5).
  WorkHours ny = h;
  ny.utc_offset_minutes = -5 * 60;
  ny.holidays.clear();
  EXPECT_TRUE(ny.IsOffHours(kStart));
  EXPECT_EQ(ny.LocalTime(kStart), "2026-11-02 04:00");
  EXPECT_FALSE(ny.IsOffHours(kStart + 5 * kHour));  // 09:00 there
}

TEST(AnomalyTest, OffHoursAlertOncePerLocalDayAllowedOrRefused) {
  const WorkHours h = ChinaHours();
  Activity a;
  const UnixMillis night = kStart + 4 * kHour;  // Monday 21:00 in Shanghai
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart, "", &h).off_hours);
  EXPECT_TRUE(RecordViewAttempt(&a, false, night, "", &h).off_hours);  // a refusal counts too
  EXPECT_FALSE(RecordViewAttempt(&a, true, night + 60'000, "", &h).off_hours);
  // 02:00 local is the next local day (Tuesday), though still Monday in UTC.
  EXPECT_TRUE(RecordViewAttempt(&a, true, kStart + 9 * kHour, "", &h).off_hours);
  EXPECT_FALSE(RecordViewAttempt(&a, true, kStart + 10 * kHour, "", &h).off_hours);
  // Without working hours there is no off-hours rule.
  Activity b;
  EXPECT_FALSE(RecordViewAttempt(&b, true, night, "", nullptr).off_hours);
}

TEST(AnomalyTest, UsesAreWatchedButDoNotCountAsViews) {
  Activity a;
  Views(&a, kStart, 2);
  const AttemptResult copy = RecordAttempt(&a, AttemptKind::kUse, true, kStart + 10'000, "WS-1");
  EXPECT_EQ(copy.views_today, 2);  // a copy is not a view
  EXPECT_FALSE(copy.new_place);    // the first place is the baseline
  EXPECT_TRUE(RecordAttempt(&a, AttemptKind::kUse, true, kStart + 20'000, "LAPTOP").new_place);
  // Refused uses are refusals like any other.
  RecordAttempt(&a, AttemptKind::kUse, false, kStart + 30'000, "WS-1");
  RecordAttempt(&a, AttemptKind::kView, false, kStart + 40'000, "WS-1");
  EXPECT_TRUE(
      RecordAttempt(&a, AttemptKind::kUse, false, kStart + 50'000, "WS-1").repeated_denials);
  EXPECT_EQ(a.days.back().second, 2);
}

TEST(AnomalyTest, ThresholdsComeFromThePolicy) {
  Thresholds t;
  t.denials = 2;
  t.denial_window_millis = 5 * 60'000;
  Activity a;
  EXPECT_FALSE(
      RecordAttempt(&a, AttemptKind::kView, false, kStart, "", nullptr, t).repeated_denials);
  EXPECT_TRUE(RecordAttempt(&a, AttemptKind::kView, false, kStart + 60'000, "", nullptr, t)
                  .repeated_denials);
  // Six minutes later the window (5 minutes) has passed: two more are needed.
  EXPECT_FALSE(RecordAttempt(&a, AttemptKind::kView, false, kStart + 7 * 60'000, "", nullptr, t)
                   .repeated_denials);
  EXPECT_TRUE(RecordAttempt(&a, AttemptKind::kView, false, kStart + 8 * 60'000, "", nullptr, t)
                  .repeated_denials);

  // Spikes: 2 × the median and 3 views, after 2 baseline days.
  t.spike_factor = 2;
  t.spike_min_views = 3;
  t.baseline_min_active_days = 2;
  Activity b;
  for (int d = 2; d >= 1; --d) Views(&b, kStart - d * kDay, 1);
  AttemptResult r;
  for (int i = 0; i < 3; ++i) {
    r = RecordAttempt(&b, AttemptKind::kView, true, kStart + i * 1000, "", nullptr, t);
  }
  EXPECT_TRUE(r.view_spike);
  // The defaults would not see it (3 < 5 views; 2 < 5 baseline days).
  Activity c;
  for (int d = 2; d >= 1; --d) Views(&c, kStart - d * kDay, 1);
  EXPECT_FALSE(Views(&c, kStart, 3).view_spike);
}

}  // namespace
}  // namespace custos::policy::anomaly
