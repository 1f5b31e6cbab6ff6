// Anomaly rules (ARCHITECTURE.md, "Departures and alerts"): checks of one
// person's attempts to view, copy, print or export a record against their
// own recent activity, raising alerts for the auditors while the access
// happens — not only later, in the departure report.
//
//   view spike (anomaly.view_spike): the person's allowed views today (a
//     day of the company's calendar, as in the departure report) pass spike_factor × the median of
//     their daily views over the previous kBaselineDays days on which they
//     viewed anything, and at least spike_min_views. Needs a baseline of at
//     least baseline_min_active_days active days (a new employee has none
//     yet). Raised once per day, on the view that crosses the line.
//   repeated denials (anomaly.repeated_denials): `denials` refused attempts
//     (views or uses) within denial_window_millis. Raised once per window.
//   new place (anomaly.new_place): an attempt from a place — the
//     workstation label and declared location given at login — the person
//     has not used before, once they have at least one known place (the
//     first place is their baseline). Raised once per new place; the last
//     kMaxKnownPlaces places are remembered.
//   off hours (anomaly.off_hours): an attempt outside the working hours
//     the policy sets (<work-hours>: a UTC offset, the hours of a working
//     day, the working weekdays, and dated holidays and make-up working
//     days). Raised once per person and local day, on the first such
//     attempt. A policy without <work-hours> has no off-hours rule.
//
// The thresholds named above are a Thresholds: the k… constants below by
// default, or the policy's <anomaly-rules>.
//
// The spike definition is the departure report's (vault/people/departure_report.h
// uses IsSpike), so a day flagged live is a day the report flags.
//
// Pure: the caller (the vault) keeps the Activity of each person in its store
// and passes the time; nothing here reads a clock or a disk.
//
// Thread-safety: plain values and pure functions.
#ifndef CUSTOS_POLICY_ANOMALY_H_
#define CUSTOS_POLICY_ANOMALY_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/time.h"
#include "policy/types.h"

namespace custos::policy::anomaly {

inline constexpr int kSpikeFactor = 3;
inline constexpr int kSpikeMinViews = 5;
inline constexpr int kBaselineDays = 30;
inline constexpr int kBaselineMinActiveDays = 5;
inline constexpr int kDenialThreshold = 3;
inline constexpr int64_t kDenialWindowMillis = int64_t{15} * 60 * 1000;
inline constexpr size_t kMaxKnownPlaces = 16;

// The rules' thresholds; the defaults are the constants above. A policy may
// set them (<anomaly-rules>, see policy/default-policy.xml).
inline std::bitset<kRoleCount> DefaultOutsideAssignmentExempt() {
  std::bitset<kRoleCount> out;
  for (Role r : {Role::kCustodian, Role::kApprover, Role::kAuditor}) {
    out.set(static_cast<std::size_t>(r));
  }
  return out;
}

// anomaly.outside_assignment: more than this many attempts a day on
// customer files outside the person's assignment raise one alert that day.
inline constexpr int kOutsideAssignmentPerDay = 3;
// Distinct files listed in that alert, at most.
inline constexpr std::size_t kMaxOutsideRecords = 64;

struct Thresholds {
  // 0 turns the outside-assignment rule off.
  int outside_assignment_per_day = kOutsideAssignmentPerDay;
  // Roles whose holders act outside any assignment by their office
  // (custodian, approver, auditor by default): never alerted.
  std::bitset<kRoleCount> outside_assignment_exempt = DefaultOutsideAssignmentExempt();
  int spike_factor = kSpikeFactor;
  int spike_min_views = kSpikeMinViews;
  int baseline_min_active_days = kBaselineMinActiveDays;
  int denials = kDenialThreshold;  // at most kMaxKeptDenials
  int64_t denial_window_millis = kDenialWindowMillis;
};
// Refusal times kept per person (so the most `denials` can be).
inline constexpr int kMaxKeptDenials = 32;

inline constexpr char kViewSpike[] = "anomaly.view_spike";
inline constexpr char kRepeatedDenials[] = "anomaly.repeated_denials";
inline constexpr char kNewPlace[] = "anomaly.new_place";
inline constexpr char kOffHours[] = "anomaly.off_hours";
inline constexpr char kOutsideAssignment[] = "anomaly.outside_assignment";

// Working hours (the policy's <work-hours>): an attempt outside them is an
// anomaly. Times are local to utc_offset_minutes (China: +480, no daylight
// saving). A working day runs [start_minute, end_minute) of its local day;
// no shift crosses midnight.
struct WorkHours {
  int utc_offset_minutes = 0;
  int start_minute = 0;  // 0..1439
  int end_minute = 0;    // start_minute+1..1440
  // Bit d set = weekday d is a working day (0 = Monday … 6 = Sunday).
  uint8_t weekdays = 0;
  // Local day numbers (days since 1970-01-01), ascending: holidays on a
  // working weekday, and working days on a weekend (调休 make-up days).
  std::vector<int64_t> holidays;
  std::vector<int64_t> extra_workdays;

  // Whether local day `day` is a working day.
  bool IsWorkingDay(int64_t day) const;
  // Whether `t` falls outside the working hours.
  bool IsOffHours(UnixMillis t) const;
  // The local day number and "YYYY-MM-DD HH:MM" of `t`.
  int64_t LocalDay(UnixMillis t) const;
  std::string LocalTime(UnixMillis t) const;
};

// Weekday ids as the policy writes them, Monday (bit 0 of
// WorkHours::weekdays) first.
inline constexpr std::array<std::string_view, 7> kWeekdayIds = {"mon", "tue", "wed", "thu",
                                                                "fri", "sat", "sun"};

// Minutes since midnight (0..1440) as "HH:MM".
std::string FormatClock(int minutes);

// Median of the positive counts; 0 when there are none.
double MedianOfActiveDays(const std::vector<int64_t>& counts);

// Whether `views` in one day is a spike against a baseline `median`.
bool IsSpike(int64_t views, double median, const Thresholds& t = {});

// One person's recent access attempts, as the rules need them.
struct Activity {
  // (day number, allowed views that day), ascending; the last
  // kBaselineDays days before today and today.
  std::vector<std::pair<int64_t, int64_t>> days;
  // Times of refused attempts within the denial window, ascending (the
  // last 32 at most).
  std::vector<UnixMillis> denials;
  // Places the person used, least recently used first (at most
  // kMaxKnownPlaces).
  std::vector<std::string> places;
  int64_t spike_alert_day = -1;      // the last day a spike alert was raised
  int64_t off_hours_alert_day = -1;  // the last local day an off-hours alert was raised
  UnixMillis denial_alert_at = 0;    // when the last repeated-denials alert was raised
  // Attempts on files outside the assignment on `outside_day` (day number),
  // the distinct files (at most kMaxOutsideRecords), and the last day that
  // raised the alert.
  int64_t outside_day = -1;
  int64_t outside_attempts = 0;
  std::vector<std::string> outside_records;
  int64_t outside_alert_day = -1;
};

// Records an attempt on `record_id`, outside the person's assignment, at
// `now`; true when it is the one that passes the day's threshold (the alert
// is raised once per person and day). Days are those of a clock
// `utc_offset_minutes` ahead of UTC (the company's calendar).
bool RecordOutsideAssignment(Activity* a, std::string_view record_id, UnixMillis now,
                             const Thresholds& t, int utc_offset_minutes = 0);

struct AttemptResult {
  bool view_spike = false;        // raise anomaly.view_spike
  bool repeated_denials = false;  // raise anomaly.repeated_denials
  bool new_place = false;         // raise anomaly.new_place
  bool off_hours = false;         // raise anomaly.off_hours
  int64_t views_today = 0;        // allowed views today, this one included
  double baseline_median = 0;     // median over the baseline's active days
  int baseline_active_days = 0;
  int denials_in_window = 0;  // refused attempts in the window (≤ 32), this one included
  int known_places = 0;       // places known before this attempt
};

// The place key of a workstation label and a declared location; "" when both
// are empty (a caller without a place, e.g. the command line).
std::string PlaceKey(std::string_view workstation, std::string_view location);

// What was attempted: a view, or a use (copy, print, export). Only allowed
// views count toward the spike rule; refusals, places and off hours are
// watched for both.
enum class AttemptKind { kView, kUse };

// Records one attempt at `now` (allowed or refused) from `place` (a
// PlaceKey; "" = no place) into `a`, drops what no rule needs any more, and
// says which alerts the attempt raises. `hours` null = no off-hours rule.
// A day's views are counted by the days of a clock `utc_offset_minutes`
// ahead of UTC (the company's calendar, as the departure report counts them).
AttemptResult RecordAttempt(Activity* a, AttemptKind kind, bool allowed, UnixMillis now,
                            std::string_view place = {}, const WorkHours* hours = nullptr,
                            const Thresholds& t = {}, int utc_offset_minutes = 0);

}  // namespace custos::policy::anomaly

#endif  // CUSTOS_POLICY_ANOMALY_H_
