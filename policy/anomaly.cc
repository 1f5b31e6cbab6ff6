#include "policy/anomaly.h"

#include <algorithm>
#include <cstdio>

namespace custos::policy::anomaly {
namespace {

constexpr int64_t kMillisPerMinute = 60 * 1000;

// A time as a local day number and the minute of that day.
struct LocalClock {
  int64_t day;
  int minute;
};

LocalClock ToLocal(UnixMillis t, int utc_offset_minutes) {
  const int64_t day = LocalDay(t, utc_offset_minutes);
  const UnixMillis local = t + utc_offset_minutes * kMillisPerMinute;
  return {day, static_cast<int>((local - day * kMillisPerDay) / kMillisPerMinute)};
}

}  // namespace

std::string FormatClock(int minutes) {
  char hm[24];  // room for any int, so the compiler sees no truncation
  std::snprintf(hm, sizeof hm, "%02d:%02d", minutes / 60, minutes % 60);
  return hm;
}

int64_t WorkHours::LocalDay(UnixMillis t) const { return ToLocal(t, utc_offset_minutes).day; }

bool WorkHours::IsWorkingDay(int64_t day) const {
  if (std::binary_search(holidays.begin(), holidays.end(), day)) return false;
  if (std::binary_search(extra_workdays.begin(), extra_workdays.end(), day)) return true;
  // 1970-01-01 was a Thursday (weekday 3 when Monday is 0).
  const int weekday = static_cast<int>(((day % 7) + 7 + 3) % 7);
  return (weekdays >> weekday) & 1;
}

bool WorkHours::IsOffHours(UnixMillis t) const {
  const LocalClock c = ToLocal(t, utc_offset_minutes);
  return !IsWorkingDay(c.day) || c.minute < start_minute || c.minute >= end_minute;
}

std::string WorkHours::LocalTime(UnixMillis t) const {
  const LocalClock c = ToLocal(t, utc_offset_minutes);
  return FormatDate(CivilFromDays(c.day)) + " " + FormatClock(c.minute);
}

double MedianOfActiveDays(const std::vector<int64_t>& counts) {
  std::vector<int64_t> active;
  for (int64_t c : counts) {
    if (c > 0) active.push_back(c);
  }
  if (active.empty()) return 0;
  std::sort(active.begin(), active.end());
  const size_t n = active.size();
  return n % 2 == 1 ? static_cast<double>(active[n / 2])
                    : (static_cast<double>(active[n / 2 - 1]) + active[n / 2]) / 2;
}

bool IsSpike(int64_t views, double median, const Thresholds& t) {
  return views >= t.spike_min_views && static_cast<double>(views) > t.spike_factor * median;
}

std::string PlaceKey(std::string_view workstation, std::string_view location) {
  if (workstation.empty() && location.empty()) return "";
  std::string key(workstation);
  key.push_back('\n');
  key += location;
  return key;
}

bool RecordOutsideAssignment(Activity* a, std::string_view record_id, UnixMillis now,
                             const Thresholds& t, int utc_offset_minutes) {
  const int64_t today = LocalDay(now, utc_offset_minutes);
  if (a->outside_day != today) {
    a->outside_day = today;
    a->outside_attempts = 0;
    a->outside_records.clear();
  }
  ++a->outside_attempts;
  if (std::find(a->outside_records.begin(), a->outside_records.end(), record_id) ==
          a->outside_records.end() &&
      a->outside_records.size() < kMaxOutsideRecords) {
    a->outside_records.emplace_back(record_id);
  }
  if (t.outside_assignment_per_day <= 0 || a->outside_attempts <= t.outside_assignment_per_day ||
      a->outside_alert_day == today) {
    return false;
  }
  a->outside_alert_day = today;
  return true;
}

AttemptResult RecordAttempt(Activity* a, AttemptKind kind, bool allowed, UnixMillis now,
                            std::string_view place, const WorkHours* hours, const Thresholds& t,
                            int utc_offset_minutes) {
  AttemptResult r;
  const int64_t today = LocalDay(now, utc_offset_minutes);

  // Keep today and the kBaselineDays days before it.
  std::erase_if(a->days, [&](const auto& d) { return d.first < today - kBaselineDays; });
  std::vector<int64_t> baseline;
  for (const auto& [day, views] : a->days) {
    if (day < today && views > 0) baseline.push_back(views);
  }
  r.baseline_active_days = static_cast<int>(baseline.size());
  r.baseline_median = MedianOfActiveDays(baseline);

  if (allowed && kind == AttemptKind::kView) {
    if (a->days.empty() || a->days.back().first != today) a->days.emplace_back(today, 0);
    r.views_today = ++a->days.back().second;
    if (r.baseline_active_days >= t.baseline_min_active_days && a->spike_alert_day != today &&
        IsSpike(r.views_today, r.baseline_median, t)) {
      r.view_spike = true;
      a->spike_alert_day = today;
    }
  } else if (!a->days.empty() && a->days.back().first == today) {
    r.views_today = a->days.back().second;
  }

  std::erase_if(a->denials, [&](UnixMillis x) { return x <= now - t.denial_window_millis; });
  if (!allowed) {
    a->denials.push_back(now);
    // A scripted run of refusals must not grow the stored value without
    // bound: the rule needs only the last few.
    constexpr auto kKept = static_cast<size_t>(kMaxKeptDenials);
    if (a->denials.size() > kKept) a->denials.erase(a->denials.begin(), a->denials.end() - kKept);
    if (static_cast<int>(a->denials.size()) >= t.denials &&
        (a->denial_alert_at == 0 || a->denial_alert_at <= now - t.denial_window_millis)) {
      r.repeated_denials = true;
      a->denial_alert_at = now;
    }
  }
  r.denials_in_window = static_cast<int>(a->denials.size());

  r.known_places = static_cast<int>(a->places.size());
  if (!place.empty()) {
    auto it = std::find(a->places.begin(), a->places.end(), place);
    if (it != a->places.end()) {
      std::rotate(it, it + 1, a->places.end());  // most recently used last
    } else {
      r.new_place = !a->places.empty();
      a->places.emplace_back(place);
      if (a->places.size() > kMaxKnownPlaces) a->places.erase(a->places.begin());
    }
  }

  if (hours != nullptr && hours->IsOffHours(now)) {
    const int64_t local_day = hours->LocalDay(now);
    if (a->off_hours_alert_day != local_day) {
      r.off_hours = true;
      a->off_hours_alert_day = local_day;
    }
  }
  return r;
}

}  // namespace custos::policy::anomaly
