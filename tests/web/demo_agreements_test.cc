// The demo company with its agreements, seeded through the same template
// library the web API uses (web/agreement_documents.h): what a new user of
// the demo depends on — every salesperson's NDA signed and verifiable, one
// on paper, a salesperson who left with their customers handed over, their
// non-compete paid, the alerts about them, and a log that verifies.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/demo_data.h"
#include "tests/vault/test_util.h"
#include "tests/web/test_client.h"
#include "vault/access/users.h"
#include "vault/agreements/agreements.h"
#include "vault/agreements/noncompete.h"
#include "vault/audit/audit_log.h"
#include "vault/people/departure_checklist.h"
#include "vault/people/departure_report.h"
#include "vault/people/handover.h"
#include "vault/records/loans.h"
#include "vault/records/records.h"
#include "vault/store/tables.h"
#include "web/agreement_documents.h"

namespace custos::web {
namespace {

using vault::Agreement;
using vault::AgreementState;
using vault::User;

CivilDate Today() { return CivilFromDays(NowMillis() / 86'400'000); }

class DemoAgreementsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = vault::testing::CreateTestVault(dir_.path());
    auto log = vault::AuditLog::Open(*vault_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    auto archive = vault::Archive::Open(*vault_, *log_);
    ASSERT_TRUE(archive.ok()) << archive.status().ToString();
    archive_ = std::move(*archive);
    Status wages;
    builder_ = AgreementDocumentBuilder(ShippedAgreementLibrary(&wages));
    ASSERT_TRUE(wages.ok()) << wages.ToString();
  }

  // Seeds the company and its agreements as `custos demo` does.
  void Seed(int customers, CivilDate today) {
    cli::DemoOptions o;
    o.customers = customers;
    o.documents = 5;
    o.password = "demo-password-2026";
    o.password_kdf = vault::Argon2Params::ForTests();
    o.history = history_;
    Status st = cli::SeedDemoCompany(*archive_, o, &logins_);
    ASSERT_TRUE(st.ok()) << st.ToString();
    cli::DemoAgreementOptions story;
    story.today = today;
    story.signing_kdf = vault::Argon2Params::ForTests();
    story.letters = CustomerLetterRendererOver(ShippedAgreementLibrary().letters_dir);
    story.history = history_;
    auto left = cli::SeedDemoStory(*archive_, builder_, logins_, story);
    ASSERT_TRUE(left.ok()) << left.status().ToString();
    departure_ = *left;
  }

  User Named(std::string_view username) {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    auto u = vault::FindUserByName(**r, username);
    EXPECT_TRUE(u.ok()) << username;
    return u.ok() ? *u : User();
  }

  vault::Caller As(std::string_view username) {
    vault::Caller c;
    c.user_id = Named(username).id;
    c.session = "s-test";
    return c;
  }

  std::vector<Agreement> AgreementsOf(const User& u) {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    auto list = vault::AgreementsOfEmployee(**r, u.id);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return list.ok() ? *list : std::vector<Agreement>();
  }

  // The types of the alerts raised about `user_id`, one entry per alert.
  std::multiset<std::string> AlertsAbout(const std::string& user_id) {
    std::multiset<std::string> types;
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return types;
    Status st = (*r)->Scan(vault::tables::kAlerts, "",
                           [&](std::string_view, std::string_view value) -> Result<bool> {
                             auto v = json::Parse(value);
                             if (!v.ok()) return v.status();
                             if ((*v)["user_id"].as_string() == user_id)
                               types.insert((*v)["type"].as_string());
                             return true;
                           });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return types;
  }

  // The non-compete dashboard's row of the leaver, as legal sees it `today`.
  vault::NonCompeteRow LeaverNonCompete(CivilDate today) {
    vault::NonCompeteTracker tracker(*vault_, *log_);
    auto rows = tracker.Dashboard(As("legal"), today, today);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    const std::string leaver = Named(cli::kDemoLeaver).id;
    std::vector<vault::NonCompeteRow> found;
    for (vault::NonCompeteRow& row : *rows) {
      if (row.agreement.employee_id == leaver) found.push_back(std::move(row));
    }
    EXPECT_EQ(found.size(), 1u);
    return found.empty() ? vault::NonCompeteRow() : found[0];
  }

  cli::DemoHistory* history_ = nullptr;  // dates the story when set
  vault::testing::TempDir dir_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<vault::AuditLog> log_;
  std::unique_ptr<vault::Archive> archive_;
  vault::DocumentBuilder builder_;
  std::vector<cli::DemoLogin> logins_;
  cli::DemoDeparture departure_;
};

TEST_F(DemoAgreementsTest, EveryReadOfTheNonCompeteDashboardIsLoggedAllowedOrRefused) {
  const CivilDate today = Today();
  Seed(12, today);
  vault::NonCompeteTracker tracker(*vault_, *log_);
  const uint64_t before = testing::LogSize(*vault_, *log_);
  auto refused = tracker.Dashboard(As(cli::kDemoSuccessor), today, today);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  ASSERT_TRUE(tracker.Dashboard(As("legal"), today, today).ok());
  std::vector<std::string> decisions;
  for (const json::Value& event : testing::EventsFrom(*vault_, *log_, before)) {
    if (event.Find("action")->as_string() != "noncompete.read") continue;
    decisions.push_back(event.Find("decision")->as_string());
    EXPECT_EQ(event.Find("object")->Find("type")->as_string(), "noncompete");
  }
  EXPECT_EQ(decisions, (std::vector<std::string>{"deny", "allow"}));
}

TEST_F(DemoAgreementsTest, EverySalespersonHasASignedNdaThatVerifies) {
  Seed(70, Today());
  vault::Agreements agreements(*vault_, *log_, builder_);
  int sales = 0;
  int paper = 0;
  for (const cli::DemoLogin& login : logins_) {
    if (login.role != "sales" && login.username != "author" && login.username != "borrower" &&
        login.username != "approver" && login.username != "approver2" &&
        login.username != "custodian") {
      continue;
    }
    sales += login.role == "sales" ? 1 : 0;
    const User employee = Named(login.username);
    std::vector<Agreement> ndas;
    for (const Agreement& a : AgreementsOf(employee)) {
      if (a.kind == "employee-nda") ndas.push_back(a);
    }
    ASSERT_EQ(ndas.size(), 1u) << login.username;
    EXPECT_EQ(ndas[0].state, AgreementState::kCompleted) << login.username;
    EXPECT_NE(ndas[0].delivered_at, 0) << login.username << ": copy not delivered";
    auto cert = agreements.Verify(ndas[0].id);
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    EXPECT_TRUE(cert->document_hash_ok) << login.username;
    EXPECT_TRUE(cert->all_signatures_ok) << login.username;
    // The checks that ran at send found nothing to fix or warn about.
    auto full = agreements.Get(As("legal"), ndas[0].id);
    ASSERT_TRUE(full.ok());
    EXPECT_TRUE(full->can_send);
    EXPECT_TRUE(full->checks["findings"].as_array().empty())
        << login.username << ": " << json::Serialize(full->checks);
    EXPECT_TRUE(full->checks["field_errors"].as_array().empty()) << login.username;
    // Signed before the first view of a classified file (C4).
    auto timing = agreements.CheckNdaTiming(employee.id);
    ASSERT_TRUE(timing.ok());
    EXPECT_FALSE(timing->flagged) << login.username << ": " << timing->reason;
    EXPECT_EQ(timing->nda_agreement_id, ndas[0].id);

    const Agreement& a = *full;
    if (a.method == "paper") {
      ++paper;
      EXPECT_EQ(login.username, cli::kDemoPaperSigner);
      EXPECT_FALSE(a.scan_sha256.empty());
      std::string uploader;
      std::string attester;
      for (const vault::AgreementStep& s : a.steps) {
        if (s.action == "paper_upload") uploader = s.actor_id;
        if (s.action == "attest") attester = s.actor_id;
      }
      EXPECT_FALSE(uploader.empty());
      EXPECT_EQ(attester, Named("custodian").id);
      EXPECT_NE(attester, uploader);
      auto scan = agreements.Download(As("legal"), a.id);
      ASSERT_TRUE(scan.ok()) << scan.status().ToString();
      EXPECT_EQ(scan->content_type, "application/pdf");
      EXPECT_EQ(scan->bytes.substr(0, 8), "%PDF-1.4");
    } else {
      EXPECT_EQ(a.method, "electronic") << login.username;
      std::set<std::string> signed_by;
      for (const vault::AgreementStep& s : a.steps) {
        if (s.signed_step) signed_by.insert(s.role);
      }
      EXPECT_EQ(signed_by, (std::set<std::string>{"employee", "company"})) << login.username;
      // Reviewed and sent by a legal user other than the drafter.
      std::string drafter;
      std::string sender;
      for (const vault::AgreementStep& s : a.steps) {
        if (s.action == "draft") drafter = s.actor_id;
        if (s.action == "send") sender = s.actor_id;
      }
      EXPECT_NE(drafter, sender);
    }
  }
  EXPECT_EQ(sales, 6);
  EXPECT_EQ(paper, 1);
  EXPECT_EQ(departure_.ndas, 11);
}

TEST_F(DemoAgreementsTest, TheLeaverDepartedWithCustomersHandedOverAndANonCompetePaid) {
  const CivilDate today = Today();
  Seed(70, today);
  const User leaver = Named(cli::kDemoLeaver);
  const User successor = Named(cli::kDemoSuccessor);
  EXPECT_EQ(leaver.employment, policy::EmploymentState::kDeparted);
  EXPECT_TRUE(leaver.disabled);
  EXPECT_EQ(leaver.last_working_day, FormatDate(departure_.last_working_day));
  EXPECT_LT(departure_.notice_date, departure_.last_working_day);
  EXPECT_LT(departure_.last_working_day, today);

  // Their customers are the successor's, each handover confirmed.
  EXPECT_TRUE(archive_->RecordsOwnedBy(leaver.id)->empty());
  auto r = vault_->BeginRead();
  ASSERT_TRUE(r.ok());
  auto handovers = vault::HandoversOf(**r, leaver.id);
  ASSERT_TRUE(handovers.ok());
  ASSERT_FALSE(handovers->empty());
  EXPECT_EQ(static_cast<int>(handovers->size()), departure_.handed_over);
  for (const vault::Handover& h : *handovers) {
    EXPECT_EQ(h.state, vault::HandoverState::kConfirmed);
    EXPECT_EQ(h.successor_id, successor.id);
    EXPECT_NE(h.assigned_by, h.confirmed_by);
    auto meta = archive_->GetMeta(h.record_id);
    ASSERT_TRUE(meta.ok());
    EXPECT_EQ(meta->owner_id, successor.id);
  }
  // The customers: the first confirmed (with the letter written to them),
  // the second refused and waived, the third unreachable, the rest still
  // to ask — so the checklist shows a departure in progress.
  ASSERT_GE(handovers->size(), 3u);
  const auto mode = policy::CustomerConfirmation::kRequired;
  EXPECT_EQ(vault::CustomerStateId((*handovers)[0], mode), "confirmed");
  EXPECT_TRUE((*handovers)[0].letter.has_value());
  EXPECT_EQ(vault::CustomerStateId((*handovers)[1], mode), "waived");
  EXPECT_EQ((*handovers)[1].customer.answer, vault::CustomerAnswer::kRefused);
  EXPECT_EQ(vault::CustomerStateId((*handovers)[2], mode), "unreachable");
  EXPECT_EQ(departure_.customers_confirmed, 1);
  EXPECT_EQ(departure_.customers_waived, 1);
  EXPECT_EQ(departure_.customers_open, departure_.handed_over - 2);
  auto checklist = vault::BuildDepartureChecklist(*archive_, As("hr"), leaver.id);
  ASSERT_TRUE(checklist.ok()) << checklist.status().ToString();
  EXPECT_FALSE(checklist->complete);
  for (const vault::ChecklistItem& item : checklist->items) {
    const bool open = item.id == "customers";
    EXPECT_EQ(item.state == vault::ChecklistState::kOpen, open) << item.id;
  }

  // The borrower's loans are in every state; a salesperson refused three
  // secret files in a row is an alert.
  auto all_loans = vault::ListLoans(**r);
  ASSERT_TRUE(all_loans.ok());
  std::set<policy::LoanState> states;
  for (const vault::Loan& l : *all_loans) {
    if (l.requester_id == Named("borrower").id) states.insert(l.state);
  }
  EXPECT_GE(states.size(), 5u);

  // Their loans came back before they left.
  auto loans = vault::ListLoans(**r, "", leaver.id);
  ASSERT_TRUE(loans.ok());
  EXPECT_FALSE(loans->empty());
  for (const vault::Loan& l : *loans) EXPECT_EQ(l.state, policy::LoanState::kReturned);

  // The alerts about them, raised as they collected customers and during
  // their notice period.
  const std::multiset<std::string> alerts = AlertsAbout(leaver.id);
  for (const char* type : {"quota.exhausted", "anomaly.repeated_denials", "anomaly.new_place",
                           "employment.notice_activity", "departure.customer_not_confirmed",
                           "anomaly.outside_assignment"}) {
    EXPECT_GE(alerts.count(type), 1u) << type;
  }
  EXPECT_EQ(AlertsAbout(Named("sales.zhao").id).count("anomaly.repeated_denials"), 1u);
  r->reset();

  // The departure report an auditor reads shows what they opened.
  auto report = vault::BuildDepartureReport(*archive_, As("auditor"), leaver.id);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  int others = 0;
  for (const vault::ReportRecord& v : report->viewed) {
    if (v.events > 0 && v.owner_id != leaver.id && v.owner_id != successor.id) ++others;
  }
  EXPECT_GE(others, 10);
  // Other teams' files she opened are listed apart.
  EXPECT_GE(report->outside_assignment.size(), 10u);
  EXPECT_GE(report->total_views, departure_.files_viewed);
  EXPECT_GE(report->denied_views, 2);

  // Their non-compete: signed before they left, every month due so far paid,
  // one of them late.
  std::vector<Agreement> ncs;
  for (const Agreement& a : AgreementsOf(leaver)) {
    if (a.kind == "non-compete") ncs.push_back(a);
  }
  ASSERT_EQ(ncs.size(), 1u);
  EXPECT_EQ(ncs[0].state, AgreementState::kCompleted);
  vault::Agreements agreements(*vault_, *log_, builder_);
  auto nc = agreements.Get(As("legal"), ncs[0].id);
  ASSERT_TRUE(nc.ok());
  EXPECT_TRUE(nc->checks["findings"].as_array().empty()) << json::Serialize(nc->checks);
  auto cert = agreements.Verify(nc->id);
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(cert->all_signatures_ok);

  // The obligations notice quotes that non-compete (D1 found nothing) and
  // she signed it.
  std::vector<Agreement> notices;
  for (const Agreement& a : AgreementsOf(leaver)) {
    if (a.kind == "departure-notice") notices.push_back(a);
  }
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].state, AgreementState::kCompleted);
  auto notice = agreements.Get(As("legal"), notices[0].id);
  ASSERT_TRUE(notice.ok());
  EXPECT_TRUE(notice->checks["findings"].as_array().empty()) << json::Serialize(notice->checks);

  vault::NonCompeteRow row = LeaverNonCompete(today);
  ASSERT_TRUE(row.terms.has_value());
  EXPECT_EQ(row.terms->start, departure_.last_working_day);
  EXPECT_EQ(row.status.phase, "restricted");
  EXPECT_EQ(row.status.overdue_months, 0);
  EXPECT_EQ(row.status.alert, vault::AlertLevel::kNone);
  ASSERT_TRUE(row.status.next_due.has_value());
  EXPECT_GT(*row.status.next_due, today);
  std::map<int, CivilDate> due;
  for (const vault::MonthStatus& m : row.status.months) due[m.month] = m.due;
  ASSERT_EQ(row.tracking.payments.size(), 3u);
  EXPECT_EQ(departure_.payments, 3);
  int late = 0;
  for (const vault::NonCompetePayment& p : row.tracking.payments) {
    EXPECT_LE(due[p.month], today) << "month " << p.month << " paid before it was due";
    EXPECT_LE(p.paid_on, today);
    EXPECT_EQ(p.recorded_by, Named("legal").id);
    if (p.paid_on > due[p.month]) {
      ++late;
      EXPECT_EQ(p.month, 2);
    }
  }
  EXPECT_EQ(late, 1);
  for (const vault::MonthStatus& m : row.status.months) {
    EXPECT_EQ(m.paid_minor >= m.amount_minor, m.month <= 3) << "month " << m.month;
  }

  // Everything above is in a log that verifies, and the agreements are
  // seeded once.
  auto verified = log_->Verify();
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();
  cli::DemoAgreementOptions again;
  again.today = today;
  again.signing_kdf = vault::Argon2Params::ForTests();
  EXPECT_EQ(cli::SeedDemoStory(*archive_, builder_, logins_, again).status().code(),
            StatusCode::kAlreadyExists);
}

// `custos demo` tells the story day by day: the audit log says when each
// step happened, so what the demo shows of a person matches their dates —
// the leaver collected files the day before her notice, did nothing after
// her last working day, and the borrower's loans are in force when the
// demo opens. Told up to the wall clock's now, and up to moments chosen
// for their calendars: a Monday morning before the story's working hours
// are over (China time), a Sunday and a Saturday, a Friday after a public
// holiday, a Sunday night that is Monday morning in China, and a working
// day's evening, afternoon, morning and small hours (each places the last
// working hours differently).
class DemoHistoryTest : public DemoAgreementsTest,
                        public ::testing::WithParamInterface<const char*> {
 protected:
  void SetUp() override {
    const std::string_view when = GetParam();
    now_ = when == "now" ? NowMillis() : *ParseRfc3339(when);
    story_ = std::make_unique<cli::DemoHistory>(now_);
    history_ = story_.get();
    today_ = story_->today();
    DemoAgreementsTest::SetUp();  // the vault is made on the company's first day
  }
  void TearDown() override { story_.reset(); }

  UnixMillis now_ = 0;
  CivilDate today_;
  std::unique_ptr<cli::DemoHistory> story_;
};

std::string DayOf(UnixMillis t) { return FormatDate(CivilFromDays(t / 86'400'000)); }

TEST_P(DemoHistoryTest, EachStepHappensOnItsDayAndInOrder) {
  ASSERT_NO_FATAL_FAILURE(Seed(60, today_));
  story_.reset();  // back to the wall clock
  ASSERT_FALSE(StoryClockSet());
  const User leaver = Named(cli::kDemoLeaver);
  const std::string notice = FormatDate(departure_.notice_date);
  const std::string last_day = FormatDate(departure_.last_working_day);
  const std::string collected =
      FormatDate(CivilFromDays(DaysFromCivil(departure_.notice_date) - 1));
  auto r = vault_->BeginRead();
  ASSERT_TRUE(r.ok());
  auto size = log_->Size(**r);
  ASSERT_TRUE(size.ok());
  UnixMillis first = 0;
  UnixMillis previous = 0;
  int views_before_notice = 0;
  int evening_home = 0;  // her views from home after hours (China time)
  int in_notice = 0;     // her attempts on files in the notice period
  std::set<std::string> days;
  std::map<std::string, std::set<std::string>> days_of;  // her actions, and the sweep's
  for (uint64_t seq = 0; seq < *size; ++seq) {
    auto leaf = log_->Leaf(**r, seq);
    ASSERT_TRUE(leaf.ok());
    auto event = json::Parse(*leaf);
    ASSERT_TRUE(event.ok());
    auto time = ParseRfc3339((*event)["time"].as_string());
    ASSERT_TRUE(time.ok());
    if (seq == 0) first = *time;
    EXPECT_GE(*time, previous) << "event " << seq << " goes back in time";
    EXPECT_LT(*time, now_) << "event " << seq << " is after the story's now";
    previous = *time;
    const std::string day = DayOf(*time);
    days.insert(day);
    const std::string action = (*event)["action"].as_string();
    const bool about_her = (*event)["object"]["id"].as_string() == leaver.id;
    if (about_her && (action == "user.resignation.register" || action == "user.departed")) {
      days_of[action].insert(day);
    }
    if ((*event)["actor"]["id"].as_string() != leaver.id) continue;
    EXPECT_LE(day, last_day) << action << " after her last working day";
    if (action == "loan.request") days_of[action].insert(day);
    if (action == "record.view" && day < notice) {
      ++views_before_notice;
      const int64_t china_hour = (*time / 3'600'000 + 8) % 24;
      if ((*event)["place"]["location"].as_string().find("家中") != std::string::npos &&
          china_hour >= 20) {
        ++evening_home;
      }
    }
    if (day >= notice && action.starts_with("record.")) ++in_notice;
  }
  // A year of history, told over many days, not all at once.
  EXPECT_LE(first, now_ - 300LL * 86'400'000);
  EXPECT_GE(days.size(), 20u);
  EXPECT_GE(views_before_notice, departure_.files_viewed);
  EXPECT_EQ(evening_home, 2);
  EXPECT_GE(in_notice, 2);  // a refused look at a colleague's file, the handover's view
  // Her loans on the day she collected, her notice on its day, the sweep
  // the morning after her last working day.
  EXPECT_EQ(days_of["loan.request"], std::set<std::string>{collected});
  EXPECT_EQ(days_of["user.resignation.register"], std::set<std::string>{notice});
  EXPECT_EQ(days_of["user.departed"], std::set<std::string>{FormatDate(CivilFromDays(
                                          DaysFromCivil(departure_.last_working_day) + 1))});

  // Her evening at home raised the off-hours alert; against her ordinary
  // weeks, the day she collected is a spike.
  const std::multiset<std::string> alerts = AlertsAbout(leaver.id);
  EXPECT_GE(alerts.count("anomaly.off_hours"), 1u);
  EXPECT_EQ(alerts.count("anomaly.view_spike"), 1u);

  // The borrower's approved and released loans are in force for a day yet.
  auto loans = vault::ListLoans(**r, "", Named("borrower").id);
  ASSERT_TRUE(loans.ok());
  int in_force = 0;
  for (const vault::Loan& l : *loans) {
    if (l.state == policy::LoanState::kApproved || l.state == policy::LoanState::kReleased ||
        l.state == policy::LoanState::kActive) {
      EXPECT_GT(l.due, now_ + 86'400'000) << l.id;
      ++in_force;
    }
  }
  EXPECT_GE(in_force, 2);
  r->reset();

  // Months after she left, her report still holds the day she collected
  // customers (its window starts before her notice), flagged as a spike.
  vault::DepartureReportOptions at_now;
  at_now.now = now_;
  auto report = vault::BuildDepartureReport(*archive_, As("auditor"), leaver.id, at_now);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->from_notice);
  EXPECT_GE(report->total_views, departure_.files_viewed);
  EXPECT_GE(report->outside_assignment.size(), 10u);
  EXPECT_EQ(report->spike_days, std::vector<std::string>{collected});
  auto verified = log_->Verify();
  EXPECT_TRUE(verified.ok()) << verified.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Moments, DemoHistoryTest,
                         ::testing::Values("now", "2026-11-30T01:20:00Z", "2026-10-04T10:00:00Z",
                                           "2026-11-28T13:00:00Z", "2026-10-02T03:00:00Z",
                                           "2026-03-01T23:30:00Z", "2026-03-02T00:30:00Z",
                                           // a working day's evening, afternoon and morning
                                           // (China), and its small hours (the day before)
                                           "2026-11-25T10:00:00Z", "2026-11-25T06:00:00Z",
                                           "2026-11-25T02:00:00Z", "2026-11-24T17:00:00Z"));

// The story's dates count back from the day the demo is seeded; whatever
// the month lengths, three months are due and paid and the fourth is not
// due yet. A small company (tests run `custos demo --customers N`) still
// tells the whole story.
class DemoDatesTest : public DemoAgreementsTest,
                      public ::testing::WithParamInterface<const char*> {};

TEST_P(DemoDatesTest, TheNonCompeteHoldsOnAnyDay) {
  const CivilDate today = *ParseDate(GetParam());
  Seed(12, today);
  const User leaver = Named(cli::kDemoLeaver);
  EXPECT_EQ(leaver.employment, policy::EmploymentState::kDeparted);
  EXPECT_GT(departure_.handed_over, 0);
  vault::NonCompeteRow row = LeaverNonCompete(today);
  EXPECT_EQ(row.status.phase, "restricted");
  EXPECT_EQ(row.status.overdue_months, 0);
  EXPECT_EQ(row.tracking.payments.size(), 3u);
  ASSERT_TRUE(row.status.next_due.has_value());
  EXPECT_GT(*row.status.next_due, today);
  EXPECT_LE(*row.status.next_due, CivilFromDays(DaysFromCivil(today) + 31));
}

INSTANTIATE_TEST_SUITE_P(MonthEnds, DemoDatesTest,
                         ::testing::Values("2027-03-31", "2028-02-29", "2027-01-01", "2026-12-30"));

}  // namespace
}  // namespace custos::web
