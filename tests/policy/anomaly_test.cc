#include "policy/anomaly.h"

#include <gtest/gtest.h>

namespace custos::policy::anomaly {
namespace {

constexpr UnixMillis kDay = int64_t{86400} * 1000;
// 2026-11-02 09:00 UTC, a Monday.
constexpr UnixMillis kStart = int64_t{1793610000} * 1000;

// `n` allowed views at `t` (one second apart).
AttemptResult Views(Activity* a, UnixMillis t, int n) {
  AttemptResult last;
  for (int i = 0; i < n; ++i) last = RecordViewAttempt(a, true, t + i * 1000);
  return last;
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

}  // namespace
}  // namespace custos::policy::anomaly
