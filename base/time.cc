#include "base/time.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>

namespace custos {
namespace {

UnixMillis WallMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// 0 = no story: the wall clock. Read and moved on atomically, as the vault's
// committer reads the clock on its own thread.
std::atomic<UnixMillis> g_story{0};

}  // namespace

UnixMillis NowMillis() {
  UnixMillis at = g_story.load(std::memory_order_relaxed);
  while (at != 0) {
    if (g_story.compare_exchange_weak(at, at + 1, std::memory_order_relaxed)) return at;
  }
  return WallMillis();
}

bool SetStoryClock(UnixMillis at) {
  const UnixMillis wall = WallMillis();
  UnixMillis current = g_story.load(std::memory_order_relaxed);
  UnixMillis next = 0;
  do {
    if (at > wall) {
      next = std::max(current, wall);
    } else if (current != 0 && at < current) {
      return false;
    } else {
      next = std::max<UnixMillis>(1, at);
    }
  } while (!g_story.compare_exchange_weak(current, next, std::memory_order_relaxed));
  return true;
}

void ClearStoryClock() { g_story.store(0, std::memory_order_relaxed); }

bool StoryClockSet() { return g_story.load(std::memory_order_relaxed) != 0; }

// Howard Hinnant's public-domain civil calendar algorithms, restated.
int64_t DaysFromCivil(CivilDate d) {
  int64_t y = d.year - (d.month <= 2 ? 1 : 0);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (d.month + 9) % 12;
  int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return CivilDate{static_cast<int>(y + (m <= 2 ? 1 : 0)), static_cast<int>(m),
                   static_cast<int>(d)};
}

namespace {
bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}
bool ReadInt(std::string_view s, size_t pos, size_t len, int* out) {
  if (pos + len > s.size()) return false;
  for (size_t i = pos; i < pos + len; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  auto r = std::from_chars(s.data() + pos, s.data() + pos + len, *out);
  return r.ec == std::errc();
}
}  // namespace

int64_t UtcDay(UnixMillis t) {
  return t >= 0 ? t / kMillisPerDay : -((-t + kMillisPerDay - 1) / kMillisPerDay);
}

int64_t LocalDay(UnixMillis t, int utc_offset_minutes) {
  return UtcDay(t + int64_t{utc_offset_minutes} * 60'000);
}

std::string FormatUtcOffset(int minutes) {
  char buf[32];  // room for any int, so the compiler sees no truncation
  const int m = minutes < 0 ? -minutes : minutes;
  std::snprintf(buf, sizeof buf, "%c%02d:%02d", minutes < 0 ? '-' : '+', m / 60, m % 60);
  return buf;
}

std::string FormatRfc3339Millis(UnixMillis t) {
  const int64_t days = UtcDay(t);
  int64_t ms_of_day = t - days * kMillisPerDay;
  CivilDate d = CivilFromDays(days);
  int64_t secs = ms_of_day / 1000;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", d.year, d.month, d.day,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), static_cast<int>(ms_of_day % 1000));
  return buf;
}

Result<CivilDate> ParseDate(std::string_view s) {
  CivilDate d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !ReadInt(s, 0, 4, &d.year) ||
      !ReadInt(s, 5, 2, &d.month) || !ReadInt(s, 8, 2, &d.day) || d.month < 1 || d.month > 12 ||
      d.day < 1 || d.day > DaysInMonth(d.year, d.month)) {
    return Status::InvalidArgument("not a date (expected YYYY-MM-DD)",
                                   "不是有效日期（应为 YYYY-MM-DD）");
  }
  return d;
}

std::string FormatDate(CivilDate d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day);
  return buf;
}

CivilDate AddMonths(CivilDate d, int months) {
  // Months since year 0, divided rounding down: before year 0, C++'s
  // division (towards zero) would give a month below 1.
  const int64_t total = int64_t{d.year} * 12 + (d.month - 1) + months;
  const int64_t year = total >= 0 ? total / 12 : -((-total + 11) / 12);
  CivilDate r;
  r.year = static_cast<int>(year);
  r.month = static_cast<int>(total - year * 12) + 1;
  r.day = std::min(d.day, DaysInMonth(r.year, r.month));
  return r;
}

Result<UnixMillis> ParseRfc3339(std::string_view s) {
  const Status bad =
      Status::InvalidArgument("not an RFC 3339 time (e.g. 2026-11-27T08:30:00Z)",
                              "不是 RFC 3339 格式的时间（例如 2026-11-27T08:30:00Z）");
  if (s.size() < 10) return bad;
  auto date = ParseDate(s.substr(0, 10));
  if (!date.ok()) return bad;
  int64_t ms = DaysFromCivil(*date) * kMillisPerDay;
  if (s.size() == 10) return ms;
  int hh, mm, ss;
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':' || !ReadInt(s, 11, 2, &hh) || !ReadInt(s, 14, 2, &mm) ||
      !ReadInt(s, 17, 2, &ss) || hh > 23 || mm > 59 || ss > 60) {
    return bad;
  }
  ms += (hh * 3600 + mm * 60 + std::min(ss, 59)) * 1000LL;
  size_t i = 19;
  if (s[i] == '.') {
    ++i;
    int frac_digits = 0;
    int frac_ms = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (frac_digits < 3) frac_ms = frac_ms * 10 + (s[i] - '0');
      ++frac_digits;
      ++i;
    }
    if (frac_digits == 0) return bad;
    for (int k = frac_digits; k < 3; ++k) frac_ms *= 10;
    ms += frac_ms;
  }
  if (i >= s.size()) return bad;
  if (s[i] == 'Z' || s[i] == 'z') {
    if (i + 1 != s.size()) return bad;
    return ms;
  }
  int oh, om;
  if (i + 6 != s.size() || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':' ||
      !ReadInt(s, i + 1, 2, &oh) || !ReadInt(s, i + 4, 2, &om) || oh > 23 || om > 59) {
    return bad;
  }
  int64_t offset = (oh * 60 + om) * 60000LL;
  return s[i] == '+' ? ms - offset : ms + offset;
}

}  // namespace custos
