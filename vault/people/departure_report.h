// The departure report (离职报告): what one person authored, owned, borrowed
// and viewed over a look-back window, with per-day view counts and the days
// whose views spike above the person's own baseline. The window reaches
// `lookback_days` (default 90) back from now — or, for a person who has
// given notice, from their notice date, so that the weeks before they
// resigned are in it however long ago they left (at most kMaxLookbackDays
// back) — and always up to now.
//
// Pure data — names, ids, classifications, counts and times, never content —
// built from the records catalog, the loans table and the audit log (Export
// with an actor filter). Readable by the roles the policy lets
// read_departure_report (HR and auditors by default); every reading is
// audited ("departure.report", object {"user", id}) and the event is durable
// before the report is built (fail closed).
//
// Alerts: the alerts raised about the person in the window (anomaly rules,
// exhausted quotas, notice-period activity, non-compete reminders — see
// docs/departures.md), oldest first, at most kMaxReportAlerts (the newest).
//
// Handovers: the first kMaxReportHandovers of the person's handovers in
// full (in record-id order), with how many there are in all and how many
// are pending and confirmed; the whole list, a page at a time, is
// ListHandovers' (handover.h). A salesperson may leave 100 000 customers.
//
// Spikes: a day is a spike when its allowed views are more than the spike
// factor × the median of the person's daily views over the days in the
// window on which they viewed anything, and at least the minimum views —
// the policy's anomaly thresholds (kSpikeFactor and kSpikeMinViews unless it
// sets others), as for the live alert.
//
// Thread-safety: free functions over an Archive (see records.h).
#ifndef CUSTOS_VAULT_PEOPLE_DEPARTURE_REPORT_H_
#define CUSTOS_VAULT_PEOPLE_DEPARTURE_REPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/anomaly.h"
#include "vault/people/handover.h"
#include "vault/records/records.h"

namespace custos::vault {

inline constexpr int kDefaultLookbackDays = 90;
inline constexpr int kMaxLookbackDays = 3660;
inline constexpr int kSpikeFactor = policy::anomaly::kSpikeFactor;
inline constexpr int kSpikeMinViews = policy::anomaly::kSpikeMinViews;
inline constexpr size_t kMaxReportAlerts = 500;
inline constexpr size_t kMaxReportHandovers = 500;

struct DepartureReportOptions {
  int lookback_days = kDefaultLookbackDays;  // 1..kMaxLookbackDays
  UnixMillis now = 0;                        // 0 = the current time
  size_t max_handovers = kMaxReportHandovers;
};

// A record as the report names it (metadata only).
struct ReportRecord {
  std::string id;
  std::string name;
  std::string kind;            // "customer" / "document"
  std::string classification;  // stable id
  std::string owner_id;
  int events = 0;  // authored: create/update events in the window; viewed: allowed views;
                   // taken: allowed copies, prints, exports and attachment downloads
  int denied = 0;  // viewed: denied view attempts
  // taken: those events by kind, "copy", "print", "export", "attachment".
  std::map<std::string, int> uses;
  UnixMillis first = 0;
  UnixMillis last = 0;
};

struct ReportLoan {
  std::string id;
  std::string record_id;
  std::string record_name;
  std::string kind;   // LoanKindId
  std::string state;  // LoanStateId
  UnixMillis requested_at = 0;
  UnixMillis due = 0;
};

// An alert about the person (tables::kAlerts), as the report names it.
struct ReportAlert {
  std::string type;  // e.g. "anomaly.off_hours"
  std::string record_id;
  std::string record_name;
  UnixMillis at = 0;
  uint64_t audit_seq = 0;
  json::Value details;  // the alert's details object, or null
};

struct DayViews {
  std::string date;  // YYYY-MM-DD, a day of the company's calendar (the policy's <calendar>)
  int views = 0;
  bool spike = false;
};

struct DepartureReport {
  std::string user_id;
  std::string display_name;
  std::string employment;
  std::string notice_date;
  std::string last_working_day;
  int lookback_days = 0;
  UnixMillis from = 0;       // inclusive (see the window above)
  UnixMillis to = 0;         // exclusive: now
  bool from_notice = false;  // the window starts before the notice date
  // The company's calendar (the policy's <calendar>) the report's days are
  // of; ToJson gives `from` and `to` as its dates too.
  int utc_offset_minutes = 0;
  std::vector<ReportRecord> authored;  // records created/updated in the window
  std::vector<ReportRecord> owned;     // records owned now
  std::vector<ReportLoan> loans;       // requested in the window, or still open
  std::vector<ReportRecord> viewed;    // records viewed (or tried) in the window
  // Records of which the person took something away in the window: a copy,
  // a print or an export they were allowed, or an attachment downloaded.
  // What they could take with them, beside what they saw.
  std::vector<ReportRecord> taken;
  // Of `viewed`, the customer files outside the person's assignment
  // (handover.h, OutsideAssignment) that were never theirs: the strongest
  // sign of collecting customers before leaving.
  std::vector<ReportRecord> outside_assignment;
  int total_views = 0;         // allowed views in the window
  int denied_views = 0;        // denied view attempts in the window
  std::vector<DayViews> days;  // days with at least one view, ascending
  double median_daily_views = 0;
  std::vector<std::string> spike_days;
  std::vector<Handover> handovers;  // the first max_handovers, by record id
  size_t handovers_total = 0;
  size_t handovers_pending = 0;
  size_t handovers_confirmed = 0;
  bool handovers_truncated = false;  // more than max_handovers
  std::vector<ReportAlert> alerts;   // in the window, oldest first
  bool alerts_truncated = false;     // more than kMaxReportAlerts in the window

  json::Value ToJson() const;
};

// Builds the report for `user_id`. Errors: kUnauthenticated (caller);
// kPermissionDenied "rule: message" when the policy denies (audited);
// kNotFound for an unknown user; kInvalidArgument for a look-back outside
// 1..kMaxLookbackDays.
Result<DepartureReport> BuildDepartureReport(Archive& archive, const Caller& caller,
                                             std::string_view user_id,
                                             const DepartureReportOptions& options = {});

// The spike rule over daily counts (sets DayViews::spike, returns the
// median). Pure; exposed for tests.
double MarkSpikes(std::vector<DayViews>* days, const policy::anomaly::Thresholds& t = {});

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_PEOPLE_DEPARTURE_REPORT_H_
