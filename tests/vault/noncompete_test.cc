// Non-compete tracking: schedule, overdue alerts, the employee's release
// right after three unpaid months, the employer's early release.
#include "vault/agreements/noncompete.h"

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
  EXPECT_EQ(FormatDate(s[0].period_start), "2026-02-01");  // the day after the last working day
  EXPECT_EQ(FormatDate(s[0].due), "2026-02-28");
  EXPECT_EQ(FormatDate(s[1].due), "2026-03-31");
  EXPECT_EQ(FormatDate(s[11].due), "2027-01-31");
  EXPECT_EQ(s[5].amount_minor, 600000);
}

// The period is counted as the Civil Code counts months (Arts. 201-202):
// from the day after the last working day to the matching day of the last
// month, or that month's last day when it has none.
TEST(NonCompeteScheduleTest, MonthsEndOnTheMatchingDayOrTheMonthsLast) {
  auto last_day = [](const char* start, int months) {
    NonCompeteTerms t = Terms();
    t.start = *ParseDate(start);
    t.months = months;
    return FormatDate(t.LastRestrictedDay());
  };
  EXPECT_EQ(last_day("2027-01-15", 1), "2027-02-15");
  EXPECT_EQ(last_day("2027-01-30", 1), "2027-02-28");  // February has no 30th
  EXPECT_EQ(last_day("2026-04-29", 10), "2027-02-28");
  EXPECT_EQ(last_day("2028-02-29", 12), "2029-02-28");
  EXPECT_EQ(last_day("2027-02-28", 1), "2027-03-28");
  EXPECT_EQ(last_day("2026-01-31", 24), "2028-01-31");
  // Month by month, with no day skipped or counted twice.
  NonCompeteTerms t = Terms();
  t.start = *ParseDate("2027-01-30");
  t.months = 3;
  t.pay_day = 0;
  auto s = CompensationSchedule(t);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(FormatDate(s[0].period_start), "2027-01-31");
  EXPECT_EQ(FormatDate(s[0].due), "2027-02-28");
  EXPECT_EQ(FormatDate(s[1].period_start), "2027-03-01");
  EXPECT_EQ(FormatDate(s[1].due), "2027-03-30");
  EXPECT_EQ(FormatDate(s[2].period_start), "2027-03-31");
  EXPECT_EQ(FormatDate(s[2].due), "2027-04-30");
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
      {"2026-01-01", {}, "", "not_started", 0, AlertLevel::kNone, false, 0, "2027-01-31"},
      {"2026-02-28", {}, "", "restricted", 0, AlertLevel::kNone, false, 0, "2027-01-31"},
      {"2026-03-01", {}, "", "restricted", 1, AlertLevel::kWarning, false, 0, "2027-01-31"},
      {"2026-03-01", {1}, "", "restricted", 0, AlertLevel::kNone, false, 0, "2027-01-31"},
      {"2026-04-01", {}, "", "restricted", 2, AlertLevel::kUrgent, false, 0, "2027-01-31"},
      {"2026-04-01", {2}, "", "restricted", 1, AlertLevel::kWarning, false, 0, "2027-01-31"},
      {"2026-05-01", {}, "", "restricted", 3, AlertLevel::kUrgent, true, 0, "2027-01-31"},
      {"2026-05-01", {1, 2, 3}, "", "restricted", 0, AlertLevel::kNone, false, 0, "2027-01-31"},
      {"2027-02-01",
       {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
       "",
       "ended",
       0,
       AlertLevel::kNone,
       false,
       0,
       "2027-01-31"},
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

// The template: 每月{{pay_day}}日前支付 …首期经济补偿于劳动合同解除或者终止后的第一个
// 支付日支付.
TEST(NonCompeteScheduleTest, DueOnThePayDay) {
  NonCompeteTerms t = Terms();  // last working day 2026-01-31
  t.pay_day = 15;
  auto s = CompensationSchedule(t);
  ASSERT_EQ(s.size(), 12u);
  EXPECT_EQ(FormatDate(s[0].due), "2026-02-15");
  EXPECT_EQ(FormatDate(s[1].due), "2026-03-15");
  EXPECT_EQ(FormatDate(s[11].due), "2027-01-15");
  t.start = D("2026-01-10");  // the first pay day after it is in the same month
  s = CompensationSchedule(t);
  EXPECT_EQ(FormatDate(s[0].period_start), "2026-01-11");
  EXPECT_EQ(FormatDate(s[0].due), "2026-01-15");
  EXPECT_EQ(FormatDate(s[1].due), "2026-02-15");
  t.start = D("2026-01-15");  // the pay day itself is not after it
  EXPECT_EQ(FormatDate(CompensationSchedule(t)[0].due), "2026-02-15");
  t.grace_days = 3;
  EXPECT_EQ(FormatDate(CompensationSchedule(t)[0].due), "2026-02-18");

  // Overdue from the day after the pay day, not the month's end.
  t = Terms();
  t.pay_day = 15;
  EXPECT_EQ(EvaluateNonCompete(t, {}, std::nullopt, D("2026-02-15")).overdue_months, 0);
  EXPECT_EQ(EvaluateNonCompete(t, {}, std::nullopt, D("2026-02-16")).overdue_months, 1);
}

TEST(NonCompeteScheduleTest, LumpSumIsDueOnTheLastWorkingDay) {
  NonCompeteTerms t = Terms();
  t.schedule = NonCompeteTerms::Schedule::kLumpSum;
  for (const MonthStatus& m : CompensationSchedule(t)) {
    EXPECT_EQ(FormatDate(m.due), "2026-01-31") << m.month;
  }
  EXPECT_EQ(EvaluateNonCompete(t, {}, std::nullopt, D("2026-02-01")).overdue_months, 12);
}

// Three extra months only for a release during the restricted period.
TEST(NonCompeteEvaluateTest, ReleaseOutsideThePeriodOwesNothingExtra) {
  const NonCompeteTerms t = Terms();  // restricted 2026-02-01 .. 2027-01-31
  NonCompeteStatus before = EvaluateNonCompete(t, {}, D("2026-01-20"), D("2026-03-01"));
  EXPECT_EQ(before.phase, "released_by_employer");
  EXPECT_EQ(before.release_extra_owed_minor, 0);
  EXPECT_TRUE(before.months.empty());  // the restriction never began
  EXPECT_EQ(before.overdue_months, 0);
  NonCompeteStatus first_day = EvaluateNonCompete(t, {}, D("2026-02-01"), D("2026-03-01"));
  EXPECT_EQ(first_day.release_extra_owed_minor, 1800000);
  NonCompeteStatus last_day = EvaluateNonCompete(t, {}, D("2027-01-31"), D("2027-02-01"));
  EXPECT_EQ(last_day.release_extra_owed_minor, 1800000);
  NonCompeteStatus after = EvaluateNonCompete(t, {}, D("2027-02-01"), D("2027-03-01"));
  EXPECT_EQ(after.phase, "ended");
  EXPECT_EQ(after.release_extra_owed_minor, 0);
  EXPECT_EQ(FormatDate(after.end), "2027-01-31");
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
  EXPECT_EQ(t->pay_day, 0);
  EXPECT_EQ(t->schedule, NonCompeteTerms::Schedule::kMonthly);
  a.fields["pay_day"] = 10;
  a.fields["compensation_schedule"] = "lump_sum";
  t = TermsFor(a, u);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->pay_day, 10);
  EXPECT_EQ(t->schedule, NonCompeteTerms::Schedule::kLumpSum);
  a.fields["pay_day"] = "12";  // as a form sends it
  EXPECT_EQ(TermsFor(a, u)->pay_day, 12);
  a.fields["pay_day"] = 29;  // not in every month
  EXPECT_FALSE(TermsFor(a, u).ok());
  a.fields["pay_day"] = 10;
  a.fields["compensation_monthly"] = "6000.123";
  EXPECT_FALSE(TermsFor(a, u).ok());
}

}  // namespace
}  // namespace custos::vault
