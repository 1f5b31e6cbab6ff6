#include "vault/agreements/noncompete.h"

#include <algorithm>
#include <utility>

#include "base/encoding.h"
#include "base/text.h"
#include "vault/access/alerts.h"
#include "vault/access/gate.h"
#include "vault/agreements/internal/agreements_common.h"
#include "vault/store/versions.h"

namespace custos::vault {

namespace {

using agreements_internal::StrOr;

int64_t Day(CivilDate d) { return DaysFromCivil(d); }

// "6000", "6000.5", "6000.50" → minor units; the vault cannot use the
// template library's parser (dependency rule), and only needs this form.
Result<int64_t> AmountMinor(const json::Value& v) {
  if (v.is_int()) return v.as_int() * 100;
  const json::Value* s = &v;
  if (v.is_object()) {
    s = v.Find("amount");
    if (s == nullptr) return Status::InvalidArgument("money without amount");
    if (s->is_int()) return s->as_int() * 100;
  }
  if (!s->is_string()) return Status::InvalidArgument("money must be a string or number");
  const std::string& t = s->as_string();
  int64_t whole = 0;
  int64_t frac = 0;
  int frac_digits = -1;
  for (char c : t) {
    if (c == '.' && frac_digits < 0) {
      frac_digits = 0;
    } else if (c >= '0' && c <= '9' && frac_digits < 2 && whole < 1'000'000'000'000) {
      if (frac_digits < 0) {
        whole = whole * 10 + (c - '0');
      } else {
        frac = frac * 10 + (c - '0');
        ++frac_digits;
      }
    } else {
      return Status::InvalidArgument("bad amount");
    }
  }
  if (t.empty()) return Status::InvalidArgument("bad amount");
  if (frac_digits == 1) frac *= 10;
  return whole * 100 + frac;
}

}  // namespace

std::string_view AlertLevelId(AlertLevel l) {
  switch (l) {
    case AlertLevel::kNone:
      return "none";
    case AlertLevel::kWarning:
      return "warning";
    case AlertLevel::kUrgent:
      return "urgent";
  }
  return "none";
}

CivilDate NonCompeteTerms::FirstRestrictedDay() const { return CivilFromDays(Day(start) + 1); }

// Months are counted as the Civil Code counts a period (Arts. 201-202): it
// runs from the day after the last working day and month i ends on the day
// of month i that matches the last working day, or that month's last day
// when it has none (last working day 2027-01-30: month 1 ends 2027-02-28).
CivilDate NonCompeteTerms::MonthEnd(int i) const { return AddMonths(start, i); }

CivilDate NonCompeteTerms::LastRestrictedDay() const { return MonthEnd(months); }

bool NonCompeteTerms::ReleaseOwesExtraMonths(CivilDate release) const {
  return months > 0 && release >= FirstRestrictedDay() && release <= LastRestrictedDay();
}

std::vector<MonthStatus> CompensationSchedule(const NonCompeteTerms& terms) {
  const CivilDate first_day = terms.FirstRestrictedDay();
  // The first pay day after the last working day (the template: 首期经济补偿于
  // 劳动合同解除或者终止后的第一个支付日支付); pay_day is at most 28, so every
  // month has it.
  CivilDate first_pay_day{terms.start.year, terms.start.month, terms.pay_day};
  if (terms.pay_day > 0 && terms.start.day >= terms.pay_day) {
    first_pay_day = AddMonths(first_pay_day, 1);
  }
  std::vector<MonthStatus> out;
  for (int i = 1; i <= terms.months; ++i) {
    MonthStatus m;
    m.month = i;
    m.period_start = i == 1 ? first_day : CivilFromDays(Day(terms.MonthEnd(i - 1)) + 1);
    CivilDate due;
    if (terms.schedule == NonCompeteTerms::Schedule::kLumpSum) {
      due = terms.start;
    } else if (terms.pay_day > 0) {
      due = AddMonths(first_pay_day, i - 1);
    } else {
      due = terms.MonthEnd(i);  // the month's last day
    }
    m.due = CivilFromDays(Day(due) + terms.grace_days);
    m.amount_minor = terms.monthly_minor;
    out.push_back(m);
  }
  return out;
}

NonCompeteStatus EvaluateNonCompete(const NonCompeteTerms& terms,
                                    const std::vector<NonCompetePayment>& payments,
                                    std::optional<CivilDate> employer_release, CivilDate today) {
  NonCompeteStatus s;
  s.end = terms.LastRestrictedDay();
  // A release after the restriction ended changes nothing.
  if (employer_release && *employer_release > s.end) employer_release.reset();
  if (employer_release && *employer_release <= today) {
    s.phase = "released_by_employer";
  } else if (today < terms.FirstRestrictedDay()) {
    s.phase = "not_started";
  } else if (today > s.end) {
    s.phase = "ended";
  } else {
    s.phase = "restricted";
  }
  for (MonthStatus m : CompensationSchedule(terms)) {
    // A release ends the restriction: months that begin on or after it are
    // not owed (the three extra months are owed instead, see below).
    if (employer_release && m.period_start >= *employer_release) break;
    for (const NonCompetePayment& p : payments) {
      if (p.month == m.month) m.paid_minor += p.amount_minor;
    }
    m.overdue = today > m.due && m.paid_minor < m.amount_minor;
    if (m.overdue) {
      ++s.overdue_months;
      s.overdue_minor += m.amount_minor - m.paid_minor;
    }
    if (!s.next_due && m.paid_minor < m.amount_minor && !m.overdue) s.next_due = m.due;
    s.months.push_back(m);
  }
  if (employer_release) {
    if (terms.ReleaseOwesExtraMonths(*employer_release)) {
      s.release_extra_owed_minor = 3 * terms.monthly_minor;
    }
    s.end = CivilFromDays(Day(*employer_release) - 1);
  }
  s.alert = s.overdue_months >= 2   ? AlertLevel::kUrgent
            : s.overdue_months == 1 ? AlertLevel::kWarning
                                    : AlertLevel::kNone;
  s.employee_may_release = s.overdue_months >= 3;
  return s;
}

json::Value NonCompeteStatus::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["phase"] = phase;
  o["end"] = FormatDate(end);
  o["overdue_months"] = overdue_months;
  o["overdue_minor"] = overdue_minor;
  o["alert"] = AlertLevelId(alert);
  o["employee_may_release"] = employee_may_release;
  o["release_extra_owed_minor"] = release_extra_owed_minor;
  o["next_due"] = next_due ? json::Value(FormatDate(*next_due)) : json::Value();
  json::Value list = json::Value::MakeArray();
  for (const MonthStatus& m : months) {
    json::Value e = json::Value::MakeObject();
    e["month"] = m.month;
    e["period_start"] = FormatDate(m.period_start);
    e["due"] = FormatDate(m.due);
    e["amount_minor"] = m.amount_minor;
    e["paid_minor"] = m.paid_minor;
    e["overdue"] = m.overdue;
    list.Push(std::move(e));
  }
  o["months"] = std::move(list);
  return o;
}

json::Value NonCompeteTracking::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["agreement_id"] = agreement_id;
  json::Value list = json::Value::MakeArray();
  for (const NonCompetePayment& p : payments) {
    json::Value e = json::Value::MakeObject();
    e["month"] = p.month;
    e["amount_minor"] = p.amount_minor;
    e["paid_on"] = FormatDate(p.paid_on);
    e["reference"] = p.reference;
    e["recorded_by"] = p.recorded_by;
    list.Push(std::move(e));
  }
  o["payments"] = std::move(list);
  o["employer_release"] =
      employer_release ? json::Value(FormatDate(*employer_release)) : json::Value();
  o["release_note"] = release_note;
  o["last_alert_overdue"] = last_alert_overdue;
  return o;
}

Result<NonCompeteTracking> NonCompeteTracking::FromJson(const json::Value& v) {
  NonCompeteTracking t;
  CUSTOS_ASSIGN_OR_RETURN(t.agreement_id, json::GetString(v, "agreement_id"));
  const json::Value* list = v.Find("payments");
  if (list == nullptr || !list->is_array()) return Status::DataLoss("tracking without payments");
  for (const json::Value& e : list->as_array()) {
    NonCompetePayment p;
    CUSTOS_ASSIGN_OR_RETURN(int64_t month, json::GetInt(e, "month"));
    p.month = static_cast<int>(month);
    CUSTOS_ASSIGN_OR_RETURN(p.amount_minor, json::GetInt(e, "amount_minor"));
    CUSTOS_ASSIGN_OR_RETURN(std::string on, json::GetString(e, "paid_on"));
    CUSTOS_ASSIGN_OR_RETURN(p.paid_on, ParseDate(on));
    CUSTOS_ASSIGN_OR_RETURN(p.reference, json::GetString(e, "reference"));
    CUSTOS_ASSIGN_OR_RETURN(p.recorded_by, json::GetString(e, "recorded_by"));
    t.payments.push_back(std::move(p));
  }
  if (const json::Value* r = v.Find("employer_release"); r != nullptr && r->is_string()) {
    CUSTOS_ASSIGN_OR_RETURN(CivilDate d, ParseDate(r->as_string()));
    t.employer_release = d;
  }
  CUSTOS_ASSIGN_OR_RETURN(t.release_note, json::GetString(v, "release_note"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t last, json::GetInt(v, "last_alert_overdue"));
  t.last_alert_overdue = static_cast<int>(last);
  return t;
}

Result<NonCompeteTerms> TermsFor(const Agreement& agreement, const User& employee) {
  if (employee.last_working_day.empty()) {
    return Status::FailedPrecondition("no last working day registered");
  }
  NonCompeteTerms t;
  CUSTOS_ASSIGN_OR_RETURN(t.start, ParseDate(employee.last_working_day));
  const json::Value* months = agreement.fields.Find("restricted_months");
  if (months == nullptr) return Status::InvalidArgument("no restricted_months");
  if (months->is_int()) {
    t.months = static_cast<int>(months->as_int());
  } else if (months->is_string()) {
    CUSTOS_ASSIGN_OR_RETURN(int64_t m, AmountMinor(*months));
    t.months = static_cast<int>(m / 100);
  } else {
    return Status::InvalidArgument("bad restricted_months");
  }
  if (t.months < 0 || t.months > 120) return Status::InvalidArgument("bad restricted_months");
  const json::Value* comp = agreement.fields.Find("compensation_monthly");
  if (comp == nullptr) return Status::InvalidArgument("no compensation_monthly");
  CUSTOS_ASSIGN_OR_RETURN(t.monthly_minor, AmountMinor(*comp));
  if (comp->is_object()) {
    t.currency = StrOr(*comp, "currency", "CNY");
  }
  if (const json::Value* schedule = agreement.fields.Find("compensation_schedule");
      schedule != nullptr && schedule->is_string() && schedule->as_string() == "lump_sum") {
    t.schedule = NonCompeteTerms::Schedule::kLumpSum;
  }
  if (const json::Value* day = agreement.fields.Find("pay_day"); day != nullptr) {
    int64_t d = 0;
    if (day->is_int()) {
      d = day->as_int();
    } else if (day->is_string()) {
      CUSTOS_ASSIGN_OR_RETURN(int64_t minor, AmountMinor(*day));
      d = minor % 100 == 0 ? minor / 100 : -1;
    } else {
      d = -1;
    }
    if (d < 1 || d > 28) return Status::InvalidArgument("bad pay_day");
    t.pay_day = static_cast<int>(d);
  }
  return t;
}

Result<NonCompeteTracking> NonCompeteTracker::LoadTracking(const ReadTxn& txn,
                                                           std::string_view id) const {
  return LoadNonCompeteTracking(txn, id);
}

Result<NonCompeteTracking> LoadNonCompeteTracking(const ReadTxn& txn, std::string_view id) {
  std::string key = "nc:" + std::string(id);
  auto latest = LatestVersion(txn, tables::kAgreements, key);
  if (!latest.ok()) {
    if (latest.status().code() != StatusCode::kNotFound) return latest.status();
    NonCompeteTracking t;
    t.agreement_id = std::string(id);
    return t;
  }
  CUSTOS_ASSIGN_OR_RETURN(std::string text, GetVersion(txn, tables::kAgreements, key, *latest));
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  return NonCompeteTracking::FromJson(v);
}

Result<NonCompeteRow> NonCompeteRowOf(const ReadTxn& txn, Agreement agreement, CivilDate today) {
  NonCompeteRow row;
  CUSTOS_ASSIGN_OR_RETURN(row.tracking, LoadNonCompeteTracking(txn, agreement.id));
  if (auto emp = GetUser(txn, agreement.employee_id); emp.ok()) {
    if (auto terms = TermsFor(agreement, *emp); terms.ok()) {
      row.terms = *terms;
      row.status =
          EvaluateNonCompete(*terms, row.tracking.payments, row.tracking.employer_release, today);
    } else {
      row.status.phase = "not_started";
    }
  }
  row.agreement = std::move(agreement);
  return row;
}

namespace {

// The audited read of the dashboard (policy step noncompete.read).
constexpr std::string_view kDashboardAction = "noncompete.read";

// A non-compete tracking step (policy::AgreementFacts::step) on `agreement_id`.
access::Attempt TrackingAttempt(std::string_view action, std::string_view agreement_id) {
  return access::Attempt::On(policy::Action::kAgreementStep, action, "agreement", agreement_id);
}

// The facts of `step`; for one agreement's tracking, who it binds (the
// engine keeps them from tracking their own). An agreement that cannot be
// read binds no one here: the write step answers for it once allowed.
access::Prepare TrackingFacts(std::string_view step, std::string_view agreement_id = {}) {
  return [step, agreement_id](const ReadTxn& txn, const User&, policy::Facts& f,
                              AuditEvent&) -> Status {
    f.agreement = policy::AgreementFacts{};
    f.agreement->step = std::string(step);
    if (!agreement_id.empty()) {
      if (auto a = LoadAgreement(txn, agreement_id); a.ok()) {
        f.agreement->employee_id = a->employee_id;
      }
    }
    return Status::Ok();
  };
}

}  // namespace

Status NonCompeteTracker::Change(
    const Caller& caller, std::string_view agreement_id, std::string_view action,
    const std::function<Status(NonCompeteTracking&, const std::optional<NonCompeteTerms>& terms,
                               json::Value& details)>& fn) {
  const access::AccessGate gate(vault_, log_);
  NonCompeteTracking t;
  return gate
      .DecideThenWrite(
          caller, TrackingAttempt(action, agreement_id),
          TrackingFacts("noncompete.track", agreement_id),
          [&](WriteTxn& txn, const access::Outcome&) -> Status {
            return AppendVersion(txn, tables::kAgreements, "nc:" + std::string(agreement_id),
                                 json::Serialize(t.ToJson()))
                .status();
          },
          // Allowed: a completed non-compete only, or nothing is written.
          [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) -> Status {
            if (!o.allowed) return Status::Ok();
            auto a = LoadAgreement(txn, agreement_id);
            if (!a.ok()) return Status::NotFound("no such agreement", "没有这份协议");
            if (a->kind != "non-compete" || a->state != AgreementState::kCompleted) {
              return Status::FailedPrecondition("not a completed non-compete",
                                                "不是已完成的竞业限制协议");
            }
            CUSTOS_ASSIGN_OR_RETURN(t, LoadTracking(txn, agreement_id));
            // No terms before the last working day is registered.
            std::optional<NonCompeteTerms> terms;
            if (auto employee = GetUser(txn, a->employee_id); employee.ok()) {
              if (auto found = TermsFor(*a, *employee); found.ok()) terms = *found;
            }
            return fn(t, terms, e.details);
          })
      .status();
}

Status NonCompeteTracker::RecordPayment(const Caller& caller, std::string_view agreement_id,
                                        const NonCompetePayment& payment) {
  if (payment.month < 1 || payment.amount_minor <= 0) {
    return Status::InvalidArgument("a payment needs a month (from 1) and a positive amount",
                                   "支付须注明月份（从 1 起）和大于零的金额");
  }
  if (payment.amount_minor > kMaxPaymentMinor) {
    return Status::InvalidArgument(
        "an amount above 10 000 000 000.00 is not a compensation payment",
        "金额超过 10 000 000 000.00，不是一笔补偿支付");
  }
  CUSTOS_RETURN_IF_ERROR(CheckTextField("reference", "凭证号", payment.reference, false));
  return Change(caller, agreement_id, "noncompete.payment",
                [&](NonCompeteTracking& t, const std::optional<NonCompeteTerms>& terms,
                    json::Value& details) -> Status {
                  if (terms && payment.month > terms->months) {
                    return Status::InvalidArgument(
                        "month " + std::to_string(payment.month) + " is outside the " +
                            std::to_string(terms->months) + "-month restriction",
                        "月份 " + std::to_string(payment.month) + " 超出 " +
                            std::to_string(terms->months) + " 个月的限制期");
                  }
                  NonCompetePayment p = payment;
                  p.recorded_by = caller.user_id;
                  t.payments.push_back(p);
                  details["month"] = p.month;
                  details["amount_minor"] = p.amount_minor;
                  details["paid_on"] = FormatDate(p.paid_on);
                  return Status::Ok();
                });
}

Result<int> NonCompeteTracker::ReleaseEarly(const Caller& caller, std::string_view agreement_id,
                                            CivilDate on, std::string_view note) {
  CUSTOS_RETURN_IF_ERROR(CheckTextField("note", "备注", note, true));
  int extra_months = 0;
  CUSTOS_RETURN_IF_ERROR(
      Change(caller, agreement_id, "noncompete.release",
             [&](NonCompeteTracking& t, const std::optional<NonCompeteTerms>& terms,
                 json::Value& details) -> Status {
               if (t.employer_release) {
                 return Status::AlreadyExists("already released", "该竞业限制已提前解除");
               }
               if (terms && on > terms->LastRestrictedDay()) {
                 return Status::FailedPrecondition(
                     "the restriction ended on " + FormatDate(terms->LastRestrictedDay()),
                     "限制期已于 " + FormatDate(terms->LastRestrictedDay()) + " 结束");
               }
               t.employer_release = on;
               t.release_note = std::string(note);
               details["on"] = FormatDate(on);
               // Before the last working day is registered the period has
               // not begun: nothing extra is owed.
               extra_months = terms && terms->ReleaseOwesExtraMonths(on) ? 3 : 0;
               details["extra_months_owed"] = extra_months;
               return Status::Ok();
             }));
  return extra_months;
}

Result<std::vector<NonCompeteRow>> NonCompeteTracker::Dashboard(const Caller& caller,
                                                                CivilDate today,
                                                                CivilDate server_today) {
  std::vector<NonCompeteRow> rows;
  User user;
  {
    // Decided and audited (allowed or refused) before anything is read:
    // the dashboard shows each former employee's terms and the payments
    // made to them. The event names the dashboard, not each agreement
    // (reading an agreement's text is agreement.read).
    const access::AccessGate gate(vault_, log_);
    CUSTOS_ASSIGN_OR_RETURN(
        const access::Outcome o,
        gate.DecideThenWrite(caller,
                             access::Attempt::On(policy::Action::kAgreementStep, kDashboardAction,
                                                 "noncompete", "dashboard"),
                             TrackingFacts(kDashboardAction), nullptr));
    user = o.user;
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    std::vector<std::string> ids;
    CUSTOS_RETURN_IF_ERROR(txn->ScanKeys(tables::kAgreements, "a-", [&](std::string_view k) {
      std::string_view id = k.substr(0, k.find('\0'));
      if (ids.empty() || ids.back() != id) ids.emplace_back(id);
      return Result<bool>(true);
    }));
    for (const std::string& id : ids) {
      CUSTOS_ASSIGN_OR_RETURN(Agreement a, LoadAgreement(*txn, id));
      if (a.kind != "non-compete" || a.state != AgreementState::kCompleted) continue;
      CUSTOS_ASSIGN_OR_RETURN(NonCompeteRow row, NonCompeteRowOf(*txn, std::move(a), today));
      rows.push_back(std::move(row));
    }
  }
  // Raise an alert when the overdue count grows to a new level; the
  // tracking remembers the count so each level is raised once. SECURITY:
  // what is stored follows the server's date only: a caller's `today` (a
  // date in the future would mark real arrears as already alerted, for good)
  // changes what is shown, never what is written.
  for (NonCompeteRow& row : rows) {
    const NonCompeteStatus now_status =
        !row.terms || today == server_today
            ? row.status
            : EvaluateNonCompete(*row.terms, row.tracking.payments, row.tracking.employer_release,
                                 server_today);
    const int overdue = now_status.overdue_months;
    if (overdue == 0 || overdue <= row.tracking.last_alert_overdue) continue;
    Status st = vault_.Write([&](WriteTxn& txn) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(NonCompeteTracking t, LoadTracking(txn, row.agreement.id));
      if (overdue <= t.last_alert_overdue) return Status::Ok();
      t.last_alert_overdue = overdue;
      AuditEvent e = access::AccessGate::NewEvent(caller, &user, "noncompete.alert", "agreement",
                                                  row.agreement.id);
      e.decision = AuditDecision::kAllow;
      e.rule = overdue >= 3   ? "noncompete.art38_release_right"
               : overdue == 2 ? "noncompete.two_months_unpaid"
                              : "noncompete.one_month_unpaid";
      e.outcome = "ok";
      e.details["overdue_months"] = overdue;
      e.details["severity"] = AlertLevelId(now_status.alert);
      if (auto digest = CurrentPolicyDigest(txn); digest.ok()) e.policy = *digest;
      CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log_.Append(txn, e));
      access::Alert alert;
      alert.type = "noncompete_unpaid";
      alert.severity = std::string(AlertLevelId(now_status.alert));
      alert.user_id = row.agreement.employee_id;
      alert.record_id = row.agreement.id;
      alert.at = NowMillis();
      alert.audit_seq = seq;
      alert.rule = e.rule;
      alert.details = json::Value::MakeObject();
      alert.details["overdue_months"] = overdue;
      alert.details["employee_may_release"] = now_status.employee_may_release;
      CUSTOS_RETURN_IF_ERROR(access::RaiseAlert(txn, alert));
      return AppendVersion(txn, tables::kAgreements, "nc:" + row.agreement.id,
                           json::Serialize(t.ToJson()))
          .status();
    });
    if (!st.ok()) return st;
    row.tracking.last_alert_overdue = overdue;
  }
  return rows;
}

}  // namespace custos::vault
