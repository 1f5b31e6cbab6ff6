// What the audit log benchmarks share: the clock (audit_append_bench,
// audit_scale_bench, scale_seed), the size of a vault's data file and the
// made-up view event they append by the million (the last two). Not a test.
#ifndef CUSTOS_TESTS_BENCH_BENCH_UTIL_H_
#define CUSTOS_TESTS_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <system_error>

#include "vault/audit/audit_log.h"

namespace custos::vault::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The size of `dir`'s data.mdb (0 when absent): what a disk must hold.
inline uint64_t DataBytes(const std::string& dir) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(dir + "/data.mdb", ec);
  return ec ? 0 : n;
}

// A borrower's allowed view of `record_id` under the three-views quota, as
// the Archive records one: event `i` of a run (its session one of 13).
inline AuditEvent ViewEvent(uint64_t i, AuditEvent::Actor actor, std::string record_id) {
  AuditEvent e;
  e.actor = std::move(actor);
  e.roles = {"borrower"};
  e.session = "sess-" + std::to_string(i % 13);
  e.place = {"10.1.2.3", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "WS-042", "Shanghai"};
  e.action = "record.view";
  e.object = {"record", std::move(record_id), 3};
  e.reason = "quarterly review with the customer";
  e.decision = AuditDecision::kAllow;
  e.rule = "allow.view_quota";
  e.policy = std::string(64, 'e');
  e.outcome = "ok";
  e.details["views_used"] = 1;
  e.details["view_quota"] = 3;
  return e;
}

}  // namespace custos::vault::bench

#endif  // CUSTOS_TESTS_BENCH_BENCH_UTIL_H_
