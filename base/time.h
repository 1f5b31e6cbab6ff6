// Time values and their text forms. Custos stores times as milliseconds since
// the Unix epoch (UTC) and shows them as RFC 3339 with milliseconds
// ("2026-11-27T08:30:00.123Z"). Only callers at the edge read the clock; the
// policy engine and the record logic take the time as an argument.
#ifndef CUSTOS_BASE_TIME_H_
#define CUSTOS_BASE_TIME_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace custos {

using UnixMillis = int64_t;

// Wall clock, UTC — or, while a story clock is set, the story's moment.
UnixMillis NowMillis();

// The story clock dates the demo's made-up history (`custos demo` only; the
// server refuses to start with one set): while it is set, NowMillis()
// returns its moment and moves it on by one millisecond, so events keep
// their order. It is never set ahead of the wall clock: a moment later than
// now is taken as now (or as the story's present, if that has passed now),
// though the reads after it may move it a few milliseconds past.
// It never goes back: SetStoryClock returns false, changing nothing, for a
// moment before the story's present. ClearStoryClock returns to the wall
// clock. Thread-safety: one atomic value; any thread may read the clock
// (the vault's committer does), one thread tells the story.
[[nodiscard]] bool SetStoryClock(UnixMillis at);
void ClearStoryClock();
bool StoryClockSet();

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
std::string FormatRfc3339Millis(UnixMillis t);

// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff]Z" and numeric offsets
// ("+08:00"); kInvalidArgument otherwise.
Result<UnixMillis> ParseRfc3339(std::string_view text);

// Civil date helpers (proleptic Gregorian, UTC).
struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
  friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};
int64_t DaysFromCivil(CivilDate d);
CivilDate CivilFromDays(int64_t days);
inline constexpr int64_t kMillisPerDay = 86'400'000;
// The UTC day a time falls on, in DaysFromCivil's count (days since
// 1970-01-01; earlier times floor to the day before): CivilFromDays(UtcDay(t))
// is its date.
int64_t UtcDay(UnixMillis t);
// The day a time falls on for a clock `utc_offset_minutes` ahead of UTC
// (China: +480), in the same count: LocalDay(t, 0) == UtcDay(t).
int64_t LocalDay(UnixMillis t, int utc_offset_minutes);
// An offset from UTC as written in a policy and shown to people: "+08:00",
// "-05:30".
std::string FormatUtcOffset(int minutes);
// "YYYY-MM-DD"; kInvalidArgument for anything else or an impossible date.
Result<CivilDate> ParseDate(std::string_view text);
std::string FormatDate(CivilDate d);
// Adds months, clamping the day to the target month's length (Jan 31 + 1 = Feb 28/29).
CivilDate AddMonths(CivilDate d, int months);

}  // namespace custos

#endif  // CUSTOS_BASE_TIME_H_
