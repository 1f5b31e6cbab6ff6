#include "vault/records/loans.h"

#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "policy/rules.h"
#include "tests/vault/records_fixture.h"
#include "vault/access/policy_store.h"

namespace custos::vault {
namespace {

using policy::Classification;
using policy::LoanKind;
using policy::LoanState;
namespace rules = policy::rules;

bool HasRule(const Status& s, std::string_view rule) {
  return s.message().find(std::string(rule) + ":") == 0;
}

#define EXPECT_DENIED(expr, rule)                                      \
  do {                                                                 \
    auto r_ = (expr);                                                  \
    ASSERT_FALSE(r_.ok()) << "expected denial " << (rule);             \
    EXPECT_TRUE(HasRule(r_.status(), rule)) << r_.status().ToString(); \
  } while (0)

class ViewTest : public testing::ArchiveTest {};
class LoanTest : public testing::ArchiveTest {
 protected:
  LoanRequest Req(const RecordMeta& m, LoanKind kind = LoanKind::kView) {
    LoanRequest r;
    r.record_id = m.id;
    r.kind = kind;
    r.reason = "准备客户续约谈判材料";
    return r;
  }
};

TEST_F(ViewTest, ThreeViewsThenQuotaDenialWithAlert) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  const uint64_t before = LogSize();
  for (int i = 1; i <= 3; ++i) {
    auto v = archive_->View(As(borrower_), m.id, "核对报价");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(v->views_used, i);
    ASSERT_TRUE(v->views_left.has_value());
    EXPECT_EQ(*v->views_left, 3 - i);
    EXPECT_EQ(v->version.content.agreed_prices, "A 型 95 元/件");
    EXPECT_EQ(v->viewer_name, "李借阅");
    EXPECT_EQ(v->audit_seq, LogSize() - 1);
    EXPECT_EQ(v->rule, rules::kAllowViewOpen);
  }
  auto fourth = archive_->View(As(borrower_), m.id, "核对报价");
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(HasRule(fourth.status(), rules::kQuotaExhausted));
  EXPECT_EQ(LogSize(), before + 4);
  auto r = vault_->BeginRead();
  EXPECT_EQ(*(*r)->Count(tables::kAlerts), 1u);
  // Another person's quota is their own.
  r->reset();
  EXPECT_TRUE(archive_->View(As(borrower2_), m.id, "核对报价").ok());
  // The owner has no quota on an internal file.
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
}

TEST_F(ViewTest, ViewCountsStoredInTheOlderJsonFormStillCount) {
  // Vaults written before the compact counter format kept {"n","t"} JSON;
  // two recent views there leave one of three.
  RecordMeta m = MakeRecord(Classification::kInternal);
  const UnixMillis now = NowMillis();
  std::string key = borrower_.id;
  key.push_back('\0');
  key += m.id;
  const std::string legacy =
      "{\"n\":2,\"t\":[" + std::to_string(now - 60'000) + "," + std::to_string(now - 30'000) + "]}";
  ASSERT_TRUE(
      vault_->Write([&](WriteTxn& w) { return w.Put(tables::kViewCounts, key, legacy); }).ok());
  auto third = archive_->View(As(borrower_), m.id, "核对报价");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->views_used, 3);
  EXPECT_EQ(*third->views_left, 0);
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "核对报价"), rules::kQuotaExhausted);
}

TEST_F(ViewTest, ReasonRequiredAndContentBlindAdmin) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "  "), rules::kReasonRequired);
  EXPECT_DENIED(archive_->View(As(admin_), m.id, "系统维护检查"), rules::kRoleContentBlind);
  EXPECT_DENIED(archive_->View(As(auditor_), m.id, "审计抽查内容"), rules::kRoleNotPermitted);
}

TEST_F(ViewTest, RaceThirtyTwoViewersQuotaThree) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  const uint64_t before = LogSize();
  std::atomic<int> ok{0}, quota{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 32; ++i) {
    threads.emplace_back([&] {
      auto v = archive_->View(As(borrower_), m.id, "并发查阅测试");
      if (v.ok()) {
        ok++;
      } else if (v.status().code() == StatusCode::kResourceExhausted &&
                 HasRule(v.status(), rules::kQuotaExhausted)) {
        quota++;
      } else {
        other++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(quota.load(), 29);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(LogSize(), before + 32);
  // 29 exhausted-quota alerts, and one for refusals in quick succession.
  std::map<std::string, int> types;
  for (const json::Value& a : Alerts()) types[a.Find("type")->as_string()] += 1;
  EXPECT_EQ(types["quota.exhausted"], 29);
  EXPECT_EQ(types["anomaly.repeated_denials"], 1);
  EXPECT_EQ(types.size(), 2u);
}

TEST_F(ViewTest, RepeatedRefusalsRaiseOneAnomalyAlert) {
  RecordMeta m = MakeRecord(Classification::kConfidential);  // needs a loan
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(archive_->View(As(borrower_), m.id, "想看看").ok());
  EXPECT_TRUE(Alerts().empty());
  EXPECT_FALSE(archive_->View(As(borrower_), m.id, "想看看").ok());
  const uint64_t third = LogSize() - 1;
  std::vector<json::Value> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const json::Value& a = alerts[0];
  EXPECT_EQ(a.Find("type")->as_string(), "anomaly.repeated_denials");
  EXPECT_EQ(a.Find("user_id")->as_string(), borrower_.id);
  EXPECT_EQ(a.Find("record_id")->as_string(), m.id);
  EXPECT_EQ(static_cast<uint64_t>(a.Find("audit_seq")->as_int()), third);
  EXPECT_EQ(a.Find("details")->Find("denials")->as_int(), 3);
  EXPECT_EQ(a.Find("details")->Find("window_minutes")->as_int(), 15);
  // Further refusals in the window raise nothing more; another person's
  // refusals are theirs.
  EXPECT_FALSE(archive_->View(As(borrower_), m.id, "想看看").ok());
  EXPECT_FALSE(archive_->View(As(borrower2_), m.id, "想看看").ok());
  EXPECT_EQ(Alerts().size(), 1u);
}

TEST_F(ViewTest, ViewsFarAboveOwnBaselineRaiseOneAnomalyAlert) {
  RecordMeta m = MakeRecord(Classification::kInternal);  // the owner: no quota
  // The author's last five working days: two views a day.
  const int64_t today = NowMillis() / (int64_t{86400} * 1000);
  std::string history = "{\"d\":[";
  for (int d = 5; d >= 1; --d) {
    history += "[" + std::to_string(today - d) + ",2]" + (d > 1 ? "," : "");
  }
  history += "],\"x\":[],\"s\":-1,\"a\":0}";
  ASSERT_TRUE(
      vault_->Write([&](WriteTxn& w) { return w.Put(tables::kActivity, author_.id, history); })
          .ok());
  // Six views are 3 × the median of 2: ordinary. The seventh is a spike.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
  EXPECT_TRUE(Alerts().empty());
  auto seventh = archive_->View(As(author_), m.id, "更新前查阅");
  ASSERT_TRUE(seventh.ok());
  std::vector<json::Value> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const json::Value& a = alerts[0];
  EXPECT_EQ(a.Find("type")->as_string(), "anomaly.view_spike");
  EXPECT_EQ(a.Find("user_id")->as_string(), author_.id);
  EXPECT_EQ(static_cast<uint64_t>(a.Find("audit_seq")->as_int()), seventh->audit_seq);
  EXPECT_EQ(a.Find("details")->Find("views_today")->as_int(), 7);
  EXPECT_EQ(a.Find("details")->Find("baseline_median")->as_string(), "2");
  EXPECT_EQ(a.Find("details")->Find("baseline_active_days")->as_int(), 5);
  // The rest of the day: no more spike alerts.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
  EXPECT_EQ(Alerts().size(), 1u);
}

TEST_F(ViewTest, ViewFromANewPlaceRaisesOneAnomalyAlert) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  ASSERT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());  // WS-01, 上海总部
  Caller away = As(author_);
  away.place.workstation = "LAPTOP-9";
  away.place.location = "客户现场";
  away.place.ip = "10.8.0.7";
  auto v = archive_->View(away, m.id, "现场核对");
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(archive_->View(away, m.id, "现场核对").ok());
  ASSERT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
  std::vector<json::Value> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const json::Value& a = alerts[0];
  EXPECT_EQ(a.Find("type")->as_string(), "anomaly.new_place");
  EXPECT_EQ(a.Find("user_id")->as_string(), author_.id);
  EXPECT_EQ(static_cast<uint64_t>(a.Find("audit_seq")->as_int()), v->audit_seq);
  EXPECT_EQ(a.Find("details")->Find("workstation")->as_string(), "LAPTOP-9");
  EXPECT_EQ(a.Find("details")->Find("location")->as_string(), "客户现场");
  EXPECT_EQ(a.Find("details")->Find("ip")->as_string(), "10.8.0.7");
  EXPECT_EQ(a.Find("details")->Find("known_places")->as_int(), 1);
}

// The shipped policy with `element` added (before its closing tag).
std::string DefaultPolicyWith(const std::string& element) {
  std::string xml(DefaultPolicyXml());
  xml.insert(xml.rfind("</custos-policy>"), element + "\n");
  return xml;
}

// The shipped policy plus working hours (UTC, every day of the week) given
// by `attrs`, on a UTC calendar (the hours and the calendar share a clock).
std::string PolicyWithHours(const std::string& attrs) {
  return DefaultPolicyWith("<calendar utc-offset=\"+00:00\"/><work-hours utc-offset=\"+00:00\" " +
                           attrs + " days=\"mon tue wed thu fri sat sun\"/>");
}

// A one-hour working day that is not now (UTC), whatever the time of the run.
std::string PolicyWithHoursNotNow() {
  const int64_t minute = NowMillis() / 60000 % 1440;
  return PolicyWithHours(minute < 720 ? "start=\"13:00\" end=\"14:00\""
                                      : "start=\"01:00\" end=\"02:00\"");
}

TEST_F(ViewTest, ViewOutsideWorkingHoursRaisesOneAnomalyAlertPerDay) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  ASSERT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
  EXPECT_TRUE(Alerts().empty());  // no working hours in the shipped policy: no rule
  auto applied = ApplyPolicy(*vault_, *log_, As(admin_), PolicyWithHoursNotNow(), "设定工作时间");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();

  auto v = archive_->View(As(author_), m.id, "更新前查阅");
  ASSERT_TRUE(v.ok()) << v.status().ToString();  // an alert, not a refusal
  std::vector<json::Value> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const json::Value& a = alerts[0];
  EXPECT_EQ(a.Find("type")->as_string(), "anomaly.off_hours");
  EXPECT_EQ(a.Find("user_id")->as_string(), author_.id);
  EXPECT_EQ(a.Find("record_id")->as_string(), m.id);
  EXPECT_EQ(static_cast<uint64_t>(a.Find("audit_seq")->as_int()), v->audit_seq);
  const json::Value& d = *a.Find("details");
  EXPECT_EQ(d.Find("local_time")->as_string().substr(0, 10),
            FormatDate(CivilFromDays(v->time / (int64_t{86400} * 1000))));
  EXPECT_EQ(d.Find("utc_offset_minutes")->as_int(), 0);
  EXPECT_TRUE(d.Find("working_day")->as_bool());
  EXPECT_TRUE(d.Find("allowed")->as_bool());
  // The rest of the day: no more off-hours alerts for this person.
  ASSERT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
  EXPECT_EQ(Alerts().size(), 1u);
  // Someone else's first off-hours attempt is theirs to explain.
  RecordMeta other = MakeRecord(Classification::kConfidential, "华南电子有限公司");
  ASSERT_FALSE(archive_->View(As(borrower_), other.id, "查看客户联系人").ok());  // no loan
  alerts = Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  int borrower_alerts = 0;
  for (const json::Value& x : alerts) {
    if (x.Find("user_id")->as_string() == borrower_.id) {
      ++borrower_alerts;
      EXPECT_EQ(x.Find("type")->as_string(), "anomaly.off_hours");
      EXPECT_FALSE(x.Find("details")->Find("allowed")->as_bool());
    }
  }
  EXPECT_EQ(borrower_alerts, 1);
}

TEST_F(ViewTest, ViewWithinWorkingHoursRaisesNoOffHoursAlert) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  ASSERT_TRUE(ApplyPolicy(*vault_, *log_, As(admin_),
                          PolicyWithHours("start=\"00:00\" end=\"24:00\""), "全天工作")
                  .ok());
  ASSERT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
  EXPECT_TRUE(Alerts().empty());
}

TEST_F(ViewTest, RepeatedRefusalsFollowThePolicysThresholds) {
  RecordMeta m = MakeRecord(Classification::kSecret);  // a borrower needs a loan
  const std::string xml =
      DefaultPolicyWith("<anomaly-rules denials=\"2\" denial-window-minutes=\"5\"/>");
  ASSERT_TRUE(ApplyPolicy(*vault_, *log_, As(admin_), xml, "收紧告警阈值").ok());
  EXPECT_FALSE(archive_->View(As(borrower_), m.id, "查看客户联系人").ok());
  EXPECT_TRUE(Alerts().empty());
  auto second = archive_->View(As(borrower_), m.id, "查看客户联系人");
  ASSERT_FALSE(second.ok());
  std::vector<json::Value> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].Find("type")->as_string(), "anomaly.repeated_denials");
  EXPECT_EQ(alerts[0].Find("details")->Find("denials")->as_int(), 2);
  EXPECT_EQ(alerts[0].Find("details")->Find("window_minutes")->as_int(), 5);
}

TEST_F(ViewTest, ActivityInTheOlderJsonFormIsReadThenKeptInTheCompactForm) {
  // Vaults written before the compact activity form kept JSON. The places
  // it names are known: viewing from one raises nothing; the entry is then
  // rewritten compactly and still knows them.
  RecordMeta m = MakeRecord(Classification::kInternal);
  const std::string legacy =
      "{\"a\":0,\"d\":[],\"o\":-1,\"p\":[\"WS-01\\n上海总部\",\"LAPTOP-9\\n客户现场\"],"
      "\"s\":-1,\"x\":[]}";
  ASSERT_TRUE(
      vault_->Write([&](WriteTxn& w) { return w.Put(tables::kActivity, author_.id, legacy); })
          .ok());
  Caller away = As(author_);
  away.place.workstation = "LAPTOP-9";
  away.place.location = "客户现场";
  ASSERT_TRUE(archive_->View(away, m.id, "现场核对").ok());
  ASSERT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
  EXPECT_TRUE(Alerts().empty());
  {
    auto r = vault_->BeginRead();
    ASSERT_TRUE(r.ok());
    auto stored = (*r)->Get(tables::kActivity, author_.id);
    ASSERT_TRUE(stored.ok());
    ASSERT_FALSE(stored->empty());
    EXPECT_EQ((*stored)[0], '\x01');  // the compact form
  }
  Caller elsewhere = As(author_);
  elsewhere.place.workstation = "HOME-PC";
  elsewhere.place.location = "家中";
  ASSERT_TRUE(archive_->View(elsewhere, m.id, "居家办公").ok());
  ASSERT_TRUE(archive_->View(away, m.id, "现场核对").ok());
  std::vector<json::Value> alerts = Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].Find("type")->as_string(), "anomaly.new_place");
  EXPECT_EQ(alerts[0].Find("details")->Find("workstation")->as_string(), "HOME-PC");
  EXPECT_EQ(alerts[0].Find("details")->Find("known_places")->as_int(), 2);
}

TEST_F(ViewTest, DamagedActivityEntryFailsTheViewClosed) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  // The older JSON form cut short. The compact form cut short; then whole
  // but with a list claiming more items than follow (four billion days:
  // refused before anything is allocated); then a stray byte after the
  // last list.
  std::string whole(1, '\x01');
  for (int i = 0; i < 6; ++i) whole += EncodeU64(0);
  for (int i = 0; i < 4; ++i) whole += EncodeU32(0);
  std::string huge = whole.substr(0, 1 + 48) + EncodeU32(0xffffffffu) + whole.substr(1 + 48 + 4);
  for (const std::string& damaged :
       {std::string("{\"d\":7"), whole.substr(0, 30), huge, whole + "x"}) {
    ASSERT_TRUE(
        vault_->Write([&](WriteTxn& w) { return w.Put(tables::kActivity, author_.id, damaged); })
            .ok());
    const uint64_t before = LogSize();
    auto v = archive_->View(As(author_), m.id, "更新前查阅");
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(LogSize(), before);  // nothing was committed
  }
  // The same bytes without the damage are read: the view goes through.
  ASSERT_TRUE(
      vault_->Write([&](WriteTxn& w) { return w.Put(tables::kActivity, author_.id, whole); }).ok());
  EXPECT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
}

TEST_F(LoanTest, ConfidentialViewNeedsApprovedLoan) {
  RecordMeta m = MakeRecord(Classification::kConfidential);
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "准备谈判材料"), rules::kLoanRequired);
  auto loan = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_TRUE(loan.ok()) << loan.status().ToString();
  EXPECT_EQ(loan->state, LoanState::kRequested);
  EXPECT_EQ(loan->approvals_required, 1);
  EXPECT_EQ(loan->id.substr(0, 2), "l-");
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "准备谈判材料"), rules::kLoanNotApproved);
  auto approved = ApproveLoan(*archive_, As(approver_), loan->id, "同意");
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ(approved->state, LoanState::kApproved);
  EXPECT_GT(approved->due, NowMillis());
  auto v = archive_->View(As(borrower_), m.id, "准备谈判材料");
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->rule, rules::kAllowViewLoan);
  EXPECT_EQ(v->loan_id, loan->id);
  auto r = vault_->BeginRead();
  EXPECT_EQ(GetLoan(**r, loan->id)->state, LoanState::kActive);
  // The owner views without a loan.
  r->reset();
  EXPECT_TRUE(archive_->View(As(author_), m.id, "更新前查阅").ok());
}

TEST_F(LoanTest, RequesterCannotApproveOwnRequest) {
  User both = AddUser("gao.both", "高兼任", {policy::Role::kBorrower, policy::Role::kApprover});
  RecordMeta m = MakeRecord(Classification::kConfidential);
  auto loan = RequestLoan(*archive_, As(both), Req(m));
  ASSERT_TRUE(loan.ok());
  const uint64_t before = LogSize();
  EXPECT_DENIED(ApproveLoan(*archive_, As(both), loan->id, "自批"),
                rules::kSodRequesterNotApprover);
  EXPECT_EQ(LogSize(), before + 1);  // the denial is audited
  auto r = vault_->BeginRead();
  EXPECT_EQ(GetLoan(**r, loan->id)->state, LoanState::kRequested);
}

TEST_F(LoanTest, OwnerCannotApproveAccessToOwnFile) {
  User owner = AddUser("xu.owner", "徐主管", {policy::Role::kAuthor, policy::Role::kApprover});
  NewRecord nr;
  nr.name = "杭州东方纺织有限公司";
  nr.classification = Classification::kConfidential;
  auto m = archive_->CreateRecord(As(owner), nr, "建档");
  ASSERT_TRUE(m.ok());
  auto loan = RequestLoan(*archive_, As(borrower_), Req(*m));
  ASSERT_TRUE(loan.ok());
  EXPECT_DENIED(ApproveLoan(*archive_, As(owner), loan->id, "同意"), rules::kSodOwnerNotApprover);
  EXPECT_DENIED(ApproveLoan(*archive_, As(borrower2_), loan->id, "同意"), rules::kRoleNotPermitted);
}

TEST_F(LoanTest, SecretNeedsCustodianReleaseBySomeoneElse) {
  User appr_cust =
      AddUser("lin.both", "林兼任", {policy::Role::kApprover, policy::Role::kCustodian});
  RecordMeta m = MakeRecord(Classification::kSecret);
  auto loan = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_TRUE(loan.ok());
  EXPECT_TRUE(loan->release_required);
  EXPECT_DENIED(ReleaseLoan(*archive_, As(custodian_), loan->id, "发放"), rules::kLoanNotApproved);
  ASSERT_TRUE(ApproveLoan(*archive_, As(appr_cust), loan->id, "同意").ok());
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "准备谈判材料"), rules::kLoanNotReleased);
  EXPECT_DENIED(ReleaseLoan(*archive_, As(appr_cust), loan->id, "发放"),
                rules::kSodCustodianNotApprover);
  EXPECT_DENIED(ReleaseLoan(*archive_, As(borrower_), loan->id, "发放"), rules::kRoleNotPermitted);
  auto released = ReleaseLoan(*archive_, As(custodian_), loan->id, "已发放");
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_EQ(released->state, LoanState::kReleased);
  EXPECT_EQ(released->released_by, custodian_.id);
  EXPECT_DENIED(ReleaseLoan(*archive_, As(custodian_), loan->id, "再发"), rules::kLoanNotPending);
  ASSERT_TRUE(archive_->View(As(borrower_), m.id, "准备谈判材料").ok());
  auto returned = ReturnLoan(*archive_, As(borrower_), loan->id, "归还");
  ASSERT_TRUE(returned.ok());
  EXPECT_EQ(returned->state, LoanState::kReturned);
  EXPECT_DENIED(ReturnLoan(*archive_, As(borrower_), loan->id, "再还"), rules::kLoanNotOpen);
  auto after = archive_->View(As(borrower_), m.id, "准备谈判材料");
  EXPECT_FALSE(after.ok());
  ViewOptions o;
  o.loan_id = loan->id;
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "准备谈判材料", o), rules::kLoanReturned);
  auto r = vault_->BeginRead();
  auto stored = GetLoan(**r, loan->id);
  ASSERT_TRUE(stored.ok());
  ASSERT_GE(stored->history.size(), 5u);  // request, approve, release, first use, return
}

TEST_F(LoanTest, ViewAfterExpiryDeniedAndListedOverdue) {
  RecordMeta m = MakeRecord(Classification::kConfidential);
  LoanRequest req = Req(m);
  req.due = NowMillis() + 1500;
  auto loan = RequestLoan(*archive_, As(borrower_), req);
  ASSERT_TRUE(loan.ok()) << loan.status().ToString();
  auto approved = ApproveLoan(*archive_, As(approver_), loan->id, "同意");
  ASSERT_TRUE(approved.ok());
  EXPECT_EQ(approved->due, *req.due);
  ASSERT_TRUE(archive_->View(As(borrower_), m.id, "准备谈判材料").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "准备谈判材料"), rules::kLoanExpired);
  {
    auto r = vault_->BeginRead();
    auto overdue = ListOverdueLoans(**r, NowMillis());
    ASSERT_TRUE(overdue.ok());
    ASSERT_EQ(overdue->size(), 1u);
    EXPECT_EQ((*overdue)[0].id, loan->id);
  }
  auto n = ExpireOverdueLoans(*archive_, NowMillis());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  auto r = vault_->BeginRead();
  EXPECT_EQ(GetLoan(**r, loan->id)->state, LoanState::kExpired);
  r->reset();
  EXPECT_DENIED(ExtendLoan(*archive_, As(approver_), loan->id, NowMillis() + 3600000, "延期"),
                rules::kLoanExpired);
}

TEST_F(LoanTest, DenyIsFinal) {
  RecordMeta m = MakeRecord(Classification::kConfidential);
  auto loan = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_TRUE(loan.ok());
  EXPECT_DENIED(DenyLoan(*archive_, As(borrower_), loan->id, "不"), rules::kRoleNotPermitted);
  auto denied = DenyLoan(*archive_, As(approver_), loan->id, "理由不充分");
  ASSERT_TRUE(denied.ok());
  EXPECT_EQ(denied->state, LoanState::kDenied);
  EXPECT_DENIED(ApproveLoan(*archive_, As(approver2_), loan->id, "同意"), rules::kLoanNotPending);
  ViewOptions o;
  o.loan_id = loan->id;
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "准备谈判材料", o), rules::kLoanDenied);
}

// A second request of the same kind for the same file, while the first is
// pending or in force, is refused naming the first (a double click, a
// retry), and nothing is written; another kind, another person, or after
// the first was decided against or returned, it is taken.
TEST_F(LoanTest, ASecondRequestWhileTheFirstIsOpenIsRefused) {
  RecordMeta m = MakeRecord(Classification::kConfidential);
  auto first = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const uint64_t before = LogSize();
  auto again = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_NE(again.status().refusal(), nullptr);
  EXPECT_EQ(again.status().refusal()->rule, "loan.already_open");
  EXPECT_NE(again.status().refusal()->message_zh.find(first->id), std::string::npos);
  EXPECT_EQ(LogSize(), before);
  {
    auto r = vault_->BeginRead();
    EXPECT_EQ(ListLoans(**r, m.id, borrower_.id)->size(), 1u);
  }
  // Another kind of use, another person: their own requests.
  EXPECT_TRUE(RequestLoan(*archive_, As(borrower_), Req(m, LoanKind::kPrint)).ok());
  User other = AddUser("qian.other", "钱另一", {policy::Role::kBorrower});
  EXPECT_TRUE(RequestLoan(*archive_, As(other), Req(m)).ok());
  // Granted, it is still open: an extension is the way to more time.
  ASSERT_TRUE(ApproveLoan(*archive_, As(approver_), first->id, "同意").ok());
  again = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("extension"), std::string::npos);
  // Returned: a new request is taken.
  ASSERT_TRUE(ReturnLoan(*archive_, As(borrower_), first->id, "用完归还").ok());
  auto next = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  // A request not yet decided: its requester may withdraw it (audited as a
  // revocation by them), and then ask again; nobody else without the role
  // may, and a decided loan is not theirs to withdraw.
  EXPECT_DENIED(RevokeLoan(*archive_, As(other), next->id, "不是我的"), rules::kRoleNotPermitted);
  auto withdrawn = RevokeLoan(*archive_, As(borrower_), next->id, "期限填错，重新申请");
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.status().ToString();
  EXPECT_EQ(withdrawn->state, LoanState::kRevoked);
  {
    auto r = vault_->BeginRead();
    auto leaf = log_->Leaf(**r, withdrawn->history.back().audit_seq);
    ASSERT_TRUE(leaf.ok());
    EXPECT_NE(
        leaf->find(std::string("\"rule\":\"") + std::string(rules::kAllowLoanWithdraw) + "\""),
        std::string::npos)
        << *leaf;
  }
  auto again_after = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_TRUE(again_after.ok()) << again_after.status().ToString();
  ASSERT_TRUE(ApproveLoan(*archive_, As(approver_), again_after->id, "同意").ok());
  EXPECT_DENIED(RevokeLoan(*archive_, As(borrower_), again_after->id, "不要了"),
                rules::kRoleNotPermitted);
}

// Eight of the same request at once (the decisions made on snapshots,
// side by side): exactly one is taken.
TEST_F(LoanTest, OfTheSameRequestSentAtOnceExactlyOneIsTaken) {
  RecordMeta m = MakeRecord(Classification::kConfidential);
  std::atomic<int> taken{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&] {
      auto r = RequestLoan(*archive_, As(borrower_), Req(m));
      if (r.ok()) ++taken;
      if (!r.ok() && r.status().code() == StatusCode::kFailedPrecondition) ++refused;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(taken.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  auto r = vault_->BeginRead();
  EXPECT_EQ(ListLoans(**r, m.id, borrower_.id)->size(), 1u);
}

TEST_F(LoanTest, TopSecretNeedsTwoDistinctApprovers) {
  RecordMeta m = MakeRecord(Classification::kTopSecret);
  LoanRequest req = Req(m);
  req.reason = "配合法务部门核查客户合同条款";
  auto loan = RequestLoan(*archive_, As(borrower_), req);
  ASSERT_TRUE(loan.ok()) << loan.status().ToString();
  EXPECT_EQ(loan->approvals_required, 2);
  auto one = ApproveLoan(*archive_, As(approver_), loan->id, "同意");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->state, LoanState::kRequested);
  EXPECT_DENIED(ApproveLoan(*archive_, As(approver_), loan->id, "再次同意"),
                rules::kSodApproverCountedTwice);
  auto two = ApproveLoan(*archive_, As(approver2_), loan->id, "同意");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->state, LoanState::kApproved);
  ASSERT_TRUE(ReleaseLoan(*archive_, As(custodian_), loan->id, "发放").ok());
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "太短"), rules::kReasonTooShort);
  EXPECT_TRUE(archive_->View(As(borrower_), m.id, "配合法务部门核查客户合同条款").ok());
}

TEST_F(LoanTest, ExtensionOnlyByNewApproval) {
  RecordMeta m = MakeRecord(Classification::kConfidential);
  LoanRequest req = Req(m);
  req.due = NowMillis() + 3600000;
  auto loan = RequestLoan(*archive_, As(borrower_), req);
  ASSERT_TRUE(ApproveLoan(*archive_, As(approver_), loan->id, "同意").ok());
  const UnixMillis later = NowMillis() + 2 * 3600000;
  EXPECT_DENIED(ExtendLoan(*archive_, As(borrower_), loan->id, later, "延期"),
                rules::kRoleNotPermitted);
  auto ext = ExtendLoan(*archive_, As(approver_), loan->id, later, "同意延期");
  ASSERT_TRUE(ext.ok()) << ext.status().ToString();
  EXPECT_EQ(ext->due, later);
  EXPECT_DENIED(
      ExtendLoan(*archive_, As(approver_), loan->id, NowMillis() + 1000 * 3600000LL, "再延"),
      rules::kLoanTooLong);
}

TEST_F(LoanTest, IndexesFollowTheLoanAndAreBuiltForOlderVaults) {
  RecordMeta m = MakeRecord(Classification::kConfidential);
  RecordMeta m2 = MakeRecord(Classification::kConfidential);
  const UnixMillis t0 = NowMillis();
  LoanRequest a = Req(m);
  a.due = t0 + 3600000;
  auto la = RequestLoan(*archive_, As(borrower_), a);
  ASSERT_TRUE(la.ok()) << la.status().ToString();
  ASSERT_TRUE(ApproveLoan(*archive_, As(approver_), la->id, "同意").ok());
  auto lb = RequestLoan(*archive_, As(borrower2_), Req(m2));
  ASSERT_TRUE(lb.ok());
  auto ids = [&](const Result<std::vector<Loan>>& loans) {
    std::vector<std::string> out;
    for (const Loan& l : *loans) out.push_back(l.id);
    return out;
  };
  auto check = [&] {
    auto r = vault_->BeginRead();
    EXPECT_EQ(ids(ListLoans(**r, {}, borrower_.id)), std::vector<std::string>{la->id});
    EXPECT_EQ(ids(ListLoans(**r, m2.id)), std::vector<std::string>{lb->id});
    EXPECT_EQ(ListLoans(**r).value().size(), 2u);
    // Due in an hour: overdue two hours from now, not before.
    EXPECT_TRUE(ListOverdueLoans(**r, t0 + 60'000)->empty());
    EXPECT_EQ(ids(ListOverdueLoans(**r, t0 + 2 * 3600000)), std::vector<std::string>{la->id});
  };
  check();
  // An older vault: no requester/due indexes, no marker. Reopening indexes it.
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    std::vector<std::string> keys;
                    CUSTOS_RETURN_IF_ERROR(w.ScanKeys(tables::kIndex, "loan/",
                                                      [&](std::string_view k) -> Result<bool> {
                                                        if (k.substr(0, 7) != "loan/r/")
                                                          keys.emplace_back(k);
                                                        return true;
                                                      }));
                    for (const std::string& k : keys)
                      CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kIndex, k));
                    return Status::Ok();
                  })
                  .ok());
  {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(ListOverdueLoans(**r, t0 + 2 * 3600000)->empty());
  }
  auto reopened = Archive::Open(*vault_, *log_);
  ASSERT_TRUE(reopened.ok());
  archive_ = std::move(*reopened);
  check();
  // An extension moves the loan in the due-time index; a return takes it out.
  ASSERT_TRUE(ExtendLoan(*archive_, As(approver_), la->id, t0 + 3 * 3600000, "同意延期").ok());
  {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(ListOverdueLoans(**r, t0 + 2 * 3600000)->empty());
    EXPECT_EQ(ids(ListOverdueLoans(**r, t0 + 4 * 3600000)), std::vector<std::string>{la->id});
  }
  ASSERT_TRUE(archive_->View(As(borrower_), m.id, "准备谈判材料").ok());
  auto returned = ReturnLoan(*archive_, As(borrower_), la->id, "用完归还");
  ASSERT_TRUE(returned.ok()) << returned.status().ToString();
  auto r = vault_->BeginRead();
  EXPECT_TRUE(ListOverdueLoans(**r, t0 + 4 * 3600000)->empty());
}

TEST_F(LoanTest, RevokeStopsViews) {
  RecordMeta m = MakeRecord(Classification::kConfidential);
  auto loan = RequestLoan(*archive_, As(borrower_), Req(m));
  ASSERT_TRUE(ApproveLoan(*archive_, As(approver_), loan->id, "同意").ok());
  ASSERT_TRUE(archive_->View(As(borrower_), m.id, "准备谈判材料").ok());
  auto revoked = RevokeLoan(*archive_, As(custodian_), loan->id, "发现异常");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->state, LoanState::kRevoked);
  ViewOptions o;
  o.loan_id = loan->id;
  EXPECT_DENIED(archive_->View(As(borrower_), m.id, "准备谈判材料", o), rules::kLoanRevoked);
  EXPECT_DENIED(RevokeLoan(*archive_, As(custodian_), loan->id, "再撤"), rules::kLoanNotOpen);
}

TEST_F(LoanTest, CopyPrintExportNeedTheirOwnApproval) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  ASSERT_TRUE(archive_->View(As(borrower_), m.id, "核对报价").ok());  // no loan for a view
  EXPECT_DENIED(UseRecord(*archive_, As(borrower_), m.id, policy::Action::kCopy, "复制报价"),
                rules::kLoanRequired);
  // A view loan is not asked for where none is needed.
  EXPECT_DENIED(RequestLoan(*archive_, As(borrower_), Req(m)), rules::kLoanNotRequired);
  auto loan = RequestLoan(*archive_, As(borrower_), Req(m, LoanKind::kCopy));
  ASSERT_TRUE(loan.ok()) << loan.status().ToString();
  ASSERT_TRUE(ApproveLoan(*archive_, As(approver_), loan->id, "同意复制").ok());
  auto copy = UseRecord(*archive_, As(borrower_), m.id, policy::Action::kCopy, "复制报价");
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(copy->rule, rules::kAllowUseLoan);
  EXPECT_EQ(copy->version.content.agreed_prices, "A 型 95 元/件");
  EXPECT_DENIED(UseRecord(*archive_, As(borrower_), m.id, policy::Action::kPrint, "打印报价"),
                rules::kLoanRequired);
  RecordMeta top = MakeRecord(Classification::kTopSecret);
  EXPECT_DENIED(UseRecord(*archive_, As(borrower_), top.id, policy::Action::kExport, "导出"),
                rules::kUseForbidden);
}

TEST_F(LoanTest, CopyPrintExportAttemptsAreWatchedLikeViews) {
  RecordMeta m = MakeRecord(Classification::kInternal);
  // Working hours that are not now: every attempt below is off hours.
  ASSERT_TRUE(
      ApplyPolicy(*vault_, *log_, As(admin_), PolicyWithHoursNotNow(), "设定工作时间").ok());
  EXPECT_DENIED(UseRecord(*archive_, As(borrower_), m.id, policy::Action::kCopy, "复制报价"),
                rules::kLoanRequired);
  EXPECT_DENIED(UseRecord(*archive_, As(borrower_), m.id, policy::Action::kPrint, "打印报价"),
                rules::kLoanRequired);
  auto exported = UseRecord(*archive_, As(borrower_), m.id, policy::Action::kExport, "导出报价");
  ASSERT_FALSE(exported.ok());
  std::map<std::string, const json::Value*> by_type;
  const std::vector<json::Value> alerts = Alerts();
  for (const json::Value& a : alerts) by_type[a.Find("type")->as_string()] = &a;
  ASSERT_EQ(alerts.size(), 2u);
  ASSERT_EQ(by_type.count("anomaly.off_hours"), 1u);
  ASSERT_EQ(by_type.count("anomaly.repeated_denials"), 1u);
  // The first attempt of the day was off hours: the copy.
  const json::Value& off = *by_type["anomaly.off_hours"];
  EXPECT_EQ(off.Find("user_id")->as_string(), borrower_.id);
  EXPECT_EQ(off.Find("details")->Find("action")->as_string(), "record.copy");
  EXPECT_FALSE(off.Find("details")->Find("allowed")->as_bool());
  // The third refusal in a row: the export.
  const json::Value& burst = *by_type["anomaly.repeated_denials"];
  EXPECT_EQ(burst.Find("details")->Find("action")->as_string(), "record.export");
  EXPECT_EQ(burst.Find("details")->Find("denials")->as_int(), 3);
  EXPECT_EQ(static_cast<uint64_t>(burst.Find("audit_seq")->as_int()), LogSize() - 1);
}

}  // namespace
}  // namespace custos::vault
