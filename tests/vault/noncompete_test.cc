// Non-compete tracking: schedule, overdue alerts, the employee's release
// right after three unpaid months, the employer's early release.
#include "vault/noncompete.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace custos::vault {
namespace {

CivilDate D(const char* s) { return *ParseDate(s); }

NonCompeteTerms Terms() {
  NonCompeteTerms t;
  t.start = D("2026-01-31");
  t.months = 12;
  t.monthly_minor = 600000;
  return t;
}

TEST(NonCompeteScheduleTest, MonthlyDueDates) {
  auto s = CompensationSchedule(Terms());
  ASSERT_EQ(s.size(), 12u);
  EXPECT_EQ(FormatDate(s[0].period_start), "2026-01-31");
  EXPECT_EQ(FormatDate(s[0].due), "2026-02-28");
  EXPECT_EQ(FormatDate(s[1].due), "2026-03-31");
  EXPECT_EQ(FormatDate(s[11].due), "2027-01-31");
  EXPECT_EQ(s[5].amount_minor, 600000);
}

struct Row {
  const char* today;
  std::vector<int> paid_months;
  const char* release;  // "" = none
  const char* phase;
  int overdue;
  AlertLevel alert;
  bool may_release;
  int64_t extra_owed;
  const char* end;
};

TEST(NonCompeteEvaluateTest, Table) {
  const std::vector<Row> rows = {
      {"2026-01-01", {}, "", "not_started", 0, AlertLevel::kNone, false, 0, "2027-01-30"},
      {"2026-02-28", {}, "", "restricted", 0, AlertLevel::kNone, false, 0, "2027-01-30"},
      {"2026-03-01", {}, "", "restricted", 1, AlertLevel::kWarning, false, 0, "2027-01-30"},
      {"2026-03-01", {1}, "", "restricted", 0, AlertLevel::kNone, false, 0, "2027-01-30"},
      {"2026-04-01", {}, "", "restricted", 2, AlertLevel::kUrgent, false, 0, "2027-01-30"},
      {"2026-04-01", {2}, "", "restricted", 1, AlertLevel::kWarning, false, 0, "2027-01-30"},
      {"2026-05-01", {}, "", "restricted", 3, AlertLevel::kUrgent, true, 0, "2027-01-30"},
      {"2026-05-01", {1, 2, 3}, "", "restricted", 0, AlertLevel::kNone, false, 0, "2027-01-30"},
      {"2027-02-01",
       {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
       "",
       "ended",
       0,
       AlertLevel::kNone,
       false,
       0,
       "2027-01-30"},
      // Employer releases on 2026-04-15: months 1-3 owed, then 3 extra months.
      {"2026-06-01",
       {1, 2, 3},
       "2026-04-15",
       "released_by_employer",
       0,
       AlertLevel::kNone,
       false,
       1800000,
       "2026-04-14"},
      {"2026-03-10",
       {},
       "2026-04-15",
       "restricted",
       1,
       AlertLevel::kWarning,
       false,
       1800000,
       "2026-04-14"},
  };
  for (const Row& r : rows) {
    std::vector<NonCompetePayment> payments;
    for (int m : r.paid_months) {
      payments.push_back({m, 600000, D("2026-02-01"), "ref", "legal"});
    }
    std::optional<CivilDate> release;
    if (*r.release) release = D(r.release);
    NonCompeteStatus s = EvaluateNonCompete(Terms(), payments, release, D(r.today));
    SCOPED_TRACE(std::string(r.today) + " release=" + r.release);
    EXPECT_EQ(s.phase, r.phase);
    EXPECT_EQ(s.overdue_months, r.overdue);
    EXPECT_EQ(s.alert, r.alert);
    EXPECT_EQ(s.employee_may_release, r.may_release);
    EXPECT_EQ(s.release_extra_owed_minor, r.extra_owed);
    EXPECT_EQ(FormatDate(s.end), r.end);
  }
}

TEST(NonCompeteEvaluateTest, PartialPaymentStaysOverdue) {
  std::vector<NonCompetePayment> p = {{1, 300000, D("2026-02-20"), "", ""}};
  NonCompeteStatus s = EvaluateNonCompete(Terms(), p, std::nullopt, D("2026-03-01"));
  EXPECT_EQ(s.overdue_months, 1);
  EXPECT_EQ(s.overdue_minor, 300000);
  ASSERT_TRUE(s.next_due.has_value());
  EXPECT_EQ(FormatDate(*s.next_due), "2026-03-31");
}

TEST(NonCompeteTermsTest, FromAgreementAndEmployee) {
  Agreement a;
  a.fields["restricted_months"] = 12;
  a.fields["compensation_monthly"] = "6000.50";
  User u;
  EXPECT_EQ(TermsFor(a, u).status().code(), StatusCode::kFailedPrecondition);
  u.last_working_day = "2026-01-31";
  auto t = TermsFor(a, u);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->months, 12);
  EXPECT_EQ(t->monthly_minor, 600050);
  EXPECT_EQ(FormatDate(t->start), "2026-01-31");
  a.fields["compensation_monthly"] = "6000.123";
  EXPECT_FALSE(TermsFor(a, u).ok());
}

}  // namespace
}  // namespace custos::vault
