// Non-compete tracking: the restricted period after the last working day,
// the monthly compensation schedule, payments, alerts and releases.
//
// The computation is pure (EvaluateNonCompete takes "today"), so its tests
// are tables. The rules (legal-rules.md):
//   - the period starts on the employee's last working day (set by HR on the
//     user) and lasts the agreed months (LCL Art. 24: at most 24);
//   - compensation is monthly (LCL Art. 23): month i covers
//     [start + (i-1) months, start + i months) and is due on the day after it
//     ends plus `grace_days`;
//   - one month overdue and unpaid → warning; two → urgent alert; three →
//     the employee may release the non-compete (SPC Interpretation (一)
//     Art. 38) — flagged;
//   - an early release by the employer ends the restriction on its date and
//     owes three extra months of compensation (Art. 39).
//
// Storage (NonCompeteTracker): tables::kAgreements versions under
// "nc:" + agreement id (payments and release, every change a new version);
// alerts (type "noncompete_unpaid") through vault/access/alerts.h, the one
// module that writes and reads tables::kAlerts.
//
// Thread-safety: pure functions; a tracker is shared like Agreements.
#ifndef CUSTOS_VAULT_AGREEMENTS_NONCOMPETE_H_
#define CUSTOS_VAULT_AGREEMENTS_NONCOMPETE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "vault/agreements/agreements.h"

namespace custos::vault {

struct NonCompeteTerms {
  CivilDate start;  // the last working day; the restriction begins the day after
  int months = 0;
  int64_t monthly_minor = 0;  // compensation per month, 分 / cents
  std::string currency = "CNY";
  int grace_days = 0;
  // When compensation is due (the template's compensation_schedule and
  // pay_day): monthly on pay_day (1-28), the first on the first pay day after
  // the last working day; monthly with pay_day 0 (agreements without one):
  // by the last day of each month of the period; lump sum: all of it on the
  // last working day.
  enum class Schedule { kMonthly, kLumpSum };
  Schedule schedule = Schedule::kMonthly;
  int pay_day = 0;

  // The day after the last working day (`start`).
  CivilDate FirstRestrictedDay() const;
  // The last day of the period's month `i` (1..months): the day of that
  // month matching `start`, or its last day when it has none (Civil Code
  // Art. 202).
  CivilDate MonthEnd(int i) const;
  CivilDate LastRestrictedDay() const;
  // Art. 39 of the SPC's labour-dispute interpretation (I): the employer may
  // end the restriction during the restricted period and then owes three
  // more months. Not before it begins (the employment has not ended) nor
  // after it ended.
  bool ReleaseOwesExtraMonths(CivilDate release) const;
};

// The largest payment recorded (10 000 000 000.00 in major units): any real
// compensation is far below, and sums of payments never overflow.
inline constexpr int64_t kMaxPaymentMinor = 1'000'000'000'000;

struct NonCompetePayment {
  int month = 0;  // 1-based month of the period it pays
  int64_t amount_minor = 0;
  CivilDate paid_on;
  std::string reference;
  std::string recorded_by;
};

enum class AlertLevel { kNone, kWarning, kUrgent };
std::string_view AlertLevelId(AlertLevel l);  // "none", "warning", "urgent"

struct MonthStatus {
  int month = 0;
  CivilDate period_start;
  CivilDate due;
  int64_t amount_minor = 0;
  int64_t paid_minor = 0;
  bool overdue = false;  // due has passed and not paid in full
};

struct NonCompeteStatus {
  std::string phase;  // "not_started", "restricted", "ended", "released_by_employer"
  CivilDate end;      // last restricted day
  std::vector<MonthStatus> months;
  int overdue_months = 0;
  int64_t overdue_minor = 0;
  AlertLevel alert = AlertLevel::kNone;
  bool employee_may_release = false;     // Art. 38
  int64_t release_extra_owed_minor = 0;  // Art. 39, when released by the employer
  std::optional<CivilDate> next_due;

  json::Value ToJson() const;
};

// Month i's period (from the day after the last working day) and due date
// (see NonCompeteTerms). Pure.
std::vector<MonthStatus> CompensationSchedule(const NonCompeteTerms& terms);

NonCompeteStatus EvaluateNonCompete(const NonCompeteTerms& terms,
                                    const std::vector<NonCompetePayment>& payments,
                                    std::optional<CivilDate> employer_release, CivilDate today);

// The tracking of one completed non-compete agreement.
struct NonCompeteTracking {
  std::string agreement_id;
  std::vector<NonCompetePayment> payments;
  std::optional<CivilDate> employer_release;
  std::string release_note;
  int last_alert_overdue = 0;  // overdue count an alert was last raised for
  json::Value ToJson() const;
  static Result<NonCompeteTracking> FromJson(const json::Value& v);
};

struct NonCompeteRow {
  Agreement agreement;
  std::optional<NonCompeteTerms> terms;  // nullopt: no last working day yet
  NonCompeteTracking tracking;
  NonCompeteStatus status;
};

// Reads terms from the agreement's fields (restricted_months,
// compensation_monthly) and the employee's last_working_day.
// kFailedPrecondition without a last working day.
Result<NonCompeteTerms> TermsFor(const Agreement& agreement, const User& employee);

// The stored tracking (payments, release) of non-compete `id`; an empty
// tracking when nothing was recorded yet. No decision: for holders of one.
Result<NonCompeteTracking> LoadNonCompeteTracking(const ReadTxn& txn, std::string_view id);
// One completed non-compete's terms, tracking and status as of `today`
// (unaudited, raises nothing): what the dashboard shows per row.
Result<NonCompeteRow> NonCompeteRowOf(const ReadTxn& txn, Agreement agreement, CivilDate today);

class NonCompeteTracker {
 public:
  NonCompeteTracker(Vault& vault, const AuditLog& log) : vault_(vault), log_(log) {}

  // Every completed non-compete with its status as of `today` (a date to
  // look at, perhaps in the future); legal, hr, auditor. Raises (once per
  // level change) warning/urgent alerts from the status as of `server_today`
  // — the server's own date, never the caller's.
  Result<std::vector<NonCompeteRow>> Dashboard(const Caller& caller, CivilDate today,
                                               CivilDate server_today);
  // Legal records a payment (audited). kInvalidArgument, nothing written,
  // for a month outside the restriction (once its terms are known), an
  // amount not above 0 or above kMaxPaymentMinor, or a reference that is
  // not one line of plain text (base/text.h). (The web route also refuses
  // a payment dated after tomorrow, by the server's clock.)
  Status RecordPayment(const Caller& caller, std::string_view agreement_id,
                       const NonCompetePayment& payment);
  // Legal records the employer's early release (audited) and gets the extra
  // months it owes: 3 for a release during the restricted period, 0 before
  // it began (see NonCompeteTerms::ReleaseOwesExtraMonths). A release after
  // the restriction ended is kFailedPrecondition.
  Result<int> ReleaseEarly(const Caller& caller, std::string_view agreement_id, CivilDate on,
                           std::string_view note);

 private:
  Result<NonCompeteTracking> LoadTracking(const ReadTxn& txn, std::string_view id) const;
  Status Change(
      const Caller& caller, std::string_view agreement_id, std::string_view action,
      const std::function<Status(NonCompeteTracking&, const std::optional<NonCompeteTerms>& terms,
                                 json::Value& details)>& fn);
  Vault& vault_;
  const AuditLog& log_;
};

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_AGREEMENTS_NONCOMPETE_H_
