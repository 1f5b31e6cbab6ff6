// Withdrawing a resignation in its notice period (the employee stays, or HR
// registered the wrong person): the person is active again, the dates go,
// the departure's pending handovers and its notice refusal go with them, and
// what was already handed over stays with the successor.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/vault/departure_fixture.h"
#include "vault/people/departure_checklist.h"
#include "vault/people/employment.h"
#include "vault/people/handover.h"
#include "vault/records/legal_hold.h"
#include "vault/store/tables.h"

namespace custos::vault {
namespace {

// Within the notice period GiveNotice registers (2026-03-02 to 2026-04-01).
constexpr CivilDate kToday{2026, 3, 20};

class WithdrawResignationTest : public testing::DepartureTest {
 protected:
  User Reload(const User& u) {
    auto r = vault_->BeginRead();
    auto got = GetUser(**r, u.id);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : User();
  }
  std::optional<Handover> HandoverOf(const RecordMeta& rec) {
    auto r = vault_->BeginRead();
    auto h = ReadHandover(**r, author_.id, rec.id);
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : std::nullopt;
  }
  // How many entries of tables::kDepartures start with `kind` + the
  // author's id + NUL: "l/" the customer letters of their handovers, "x/"
  // their cancelled handovers kept aside, "xnr/" a notice refusal set aside
  // (handover.h, departure_checklist.h).
  size_t Stored(const std::string& kind) {
    auto r = vault_->BeginRead();
    size_t n = 0;
    EXPECT_TRUE((*r)->Scan(tables::kDepartures, kind + author_.id + std::string(1, '\0'),
                           [&](std::string_view, std::string_view) -> Result<bool> {
                             ++n;
                             return true;
                           })
                    .ok());
    return n;
  }
  HandoverCounts Counts() {
    auto r = vault_->BeginRead();
    auto c = HandoverCountsOf(**r, author_.id);
    EXPECT_TRUE(c.ok());
    return c.ok() ? *c : HandoverCounts();
  }
};

TEST_F(WithdrawResignationTest, ThePersonStaysWithTheFilesNotYetHandedOver) {
  GiveNotice();
  // rec2 is handed over and confirmed; rec1's handover is still pending,
  // with a letter to its customer; she refused to sign the notice.
  ASSERT_TRUE(
      AssignHandover(*archive_, As(hr_), author_.id, rec2_.id, successor_.id, "客户交接").ok());
  ASSERT_TRUE(ConfirmHandover(*archive_, As(approver_), author_.id, rec2_.id, "确认交接").ok());
  ASSERT_TRUE(
      AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, successor_.id, "客户交接").ok());
  CustomerLetterRequest req;
  req.company_name = "华信商贸有限公司";
  req.successor_phone = "021-5555 0101";
  auto letter = IssueCustomerLetter(
      *archive_, As(successor_), author_.id, rec1_.id, req,
      [](const CustomerLetterFacts&) -> Result<std::string> { return std::string("<p>"); });
  ASSERT_TRUE(letter.ok()) << letter.status().ToString();
  ASSERT_TRUE(RecordNoticeRefusal(*archive_, As(hr_), author_.id, "", "拒签，人事在场").ok());
  // rec1 is under legal hold, and a first approver has confirmed its move
  // (legal_hold.h): that approval must not count for a later move.
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& txn) {
                    return PutPendingTransfer(txn, PendingTransfer{rec1_.id, successor_.id,
                                                                   approver_.id, "handover", 1, 1});
                  })
                  .ok());
  EXPECT_EQ(Counts().pending, 1u);
  EXPECT_EQ(Stored("l/"), 1u);

  // Bad input and the wrong people change nothing; the refusal is audited.
  uint64_t before = LogSize();
  EXPECT_EQ(WithdrawResignation(*vault_, *log_, As(hr_), author_.id, "  ", kToday).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LogSize(), before);
  auto denied = WithdrawResignation(*vault_, *log_, As(borrower_), author_.id, "她想留下", kToday);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(LastLeaf()["action"].as_string(), "user.resignation.withdraw");
  EXPECT_EQ(LastLeaf()["decision"].as_string(), "deny");
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kNoticeGiven);

  auto done = WithdrawResignation(*vault_, *log_, As(hr_), author_.id,
                                  "员工接受留任方案，销售总监批准", kToday);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  // Active again, without dates: no sweep closes the account, no
  // non-compete period starts.
  const User now = Reload(author_);
  EXPECT_EQ(now.employment, policy::EmploymentState::kActive);
  EXPECT_TRUE(now.notice_date.empty());
  EXPECT_TRUE(now.last_working_day.empty());
  EXPECT_FALSE(now.disabled);
  auto swept = MarkDeparted(*vault_, *log_, CivilDate{2026, 4, 2});
  ASSERT_TRUE(swept.ok());
  EXPECT_TRUE(swept->empty());
  EXPECT_FALSE(Reload(author_).disabled);

  // The pending handover is cancelled with its letter; rec1 stays hers.
  ASSERT_EQ(done->cancelled_handovers.size(), 1u);
  EXPECT_EQ(done->cancelled_handovers[0].record_id, rec1_.id);
  EXPECT_EQ(done->confirmed_handovers, 1u);
  EXPECT_FALSE(HandoverOf(rec1_).has_value());
  EXPECT_EQ(CustomerLetterOf(*archive_, As(hr_), author_.id, rec1_.id).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(Stored("l/"), 0u);
  // Kept aside, not destroyed: the handover as it stood with its letter, and
  // the refusal.
  EXPECT_EQ(Stored("x/"), 1u);
  EXPECT_EQ(Stored("xnr/"), 1u);
  {
    auto r = vault_->BeginRead();
    auto transfer = GetPendingTransfer(**r, rec1_.id);
    ASSERT_TRUE(transfer.ok());
    EXPECT_FALSE(transfer->has_value());
  }
  EXPECT_EQ(archive_->GetMeta(rec1_.id)->owner_id, author_.id);
  auto handed = HandoversTo(*archive_, As(successor_));
  ASSERT_TRUE(handed.ok());
  ASSERT_EQ(handed->items.size(), 1u);
  EXPECT_EQ(handed->items[0].meta.id, rec2_.id);
  // What was handed over stays with the successor, and is counted so.
  EXPECT_EQ(archive_->GetMeta(rec2_.id)->owner_id, successor_.id);
  EXPECT_EQ(Counts().pending, 0u);
  EXPECT_EQ(Counts().confirmed, 1u);
  {
    auto r = vault_->BeginRead();
    auto refusal = ReadNoticeRefusal(**r, author_.id);
    ASSERT_TRUE(refusal.ok());
    EXPECT_FALSE(refusal->has_value());
  }
  // No departure to check any more.
  EXPECT_EQ(BuildDepartureChecklist(*archive_, As(hr_), author_.id).status().code(),
            StatusCode::kFailedPrecondition);

  // The event says what was withdrawn and what it undid.
  json::Value e = LastLeaf();
  EXPECT_EQ(e["action"].as_string(), "user.resignation.withdraw");
  EXPECT_EQ(e["decision"].as_string(), "allow");
  EXPECT_EQ(e["actor"]["id"].as_string(), hr_.id);
  EXPECT_EQ(e["details"]["notice_date"].as_string(), "2026-03-02");
  EXPECT_EQ(e["details"]["last_working_day"].as_string(), "2026-04-01");
  ASSERT_EQ(e["details"]["cancelled_handovers"].as_array().size(), 1u);
  EXPECT_EQ(e["details"]["cancelled_handovers"].as_array()[0].as_string(), rec1_.id);
  EXPECT_EQ(e["details"]["confirmed_handovers"].as_int(), 1);
  EXPECT_TRUE(e["details"]["notice_refusal_cleared"].as_bool());
  ASSERT_EQ(e["details"]["first_hold_approvals_withdrawn"].as_array().size(), 1u);
  EXPECT_EQ(e["details"]["first_hold_approvals_withdrawn"].as_array()[0].as_string(), rec1_.id);
  EXPECT_TRUE(log_->Verify().ok());

  // Nothing left to withdraw; a later resignation starts afresh.
  before = LogSize();
  EXPECT_EQ(
      WithdrawResignation(*vault_, *log_, As(hr_), author_.id, "再次撤回", kToday).status().code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(LogSize(), before);
  GiveNotice();
  ASSERT_TRUE(
      AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, successor_.id, "客户交接").ok());
  EXPECT_EQ(Counts().pending, 1u);
  auto list = BuildDepartureChecklist(*archive_, As(hr_), author_.id);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  // The refusal belonged to the departure withdrawn: this one's notice is open.
  bool notice_seen = false;
  for (const ChecklistItem& item : list->items) {
    if (item.id != "notice") continue;
    notice_seen = true;
    EXPECT_EQ(item.state, ChecklistState::kOpen);
  }
  EXPECT_TRUE(notice_seen);
}

TEST_F(WithdrawResignationTest, ADepartureIsFinal) {
  GiveNotice();
  // The last working day has passed: the person has left, swept or not.
  auto after =
      WithdrawResignation(*vault_, *log_, As(hr_), author_.id, "登记有误", CivilDate{2026, 4, 2});
  EXPECT_EQ(after.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kNoticeGiven);
  // On the last day itself it is still possible (see the other test).
  ASSERT_TRUE(MarkDeparted(*vault_, *log_, CivilDate{2026, 4, 2}).ok());
  const uint64_t before = LogSize();
  auto late = WithdrawResignation(*vault_, *log_, As(hr_), author_.id, "登记有误", kToday);
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(late.status().message_zh(), "该员工已离职，离职不能撤回");
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kDeparted);
  // Someone never registered: nothing to withdraw.
  EXPECT_EQ(WithdrawResignation(*vault_, *log_, As(hr_), successor_.id, "登记有误", kToday)
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
}

// HR never handles their own resignation: another HR user registers it
// (sod.own_departure: it would let them set their own last working day),
// and in their notice period they act on no one's (employment.notice_period),
// their own withdrawal included.
TEST_F(WithdrawResignationTest, NoOneHandlesTheirOwnResignation) {
  const User other_hr = AddUser("li.hr", "李人事", {policy::Role::kHr});
  auto self = RegisterResignation(*vault_, *log_, As(hr_), hr_.id, "2026-03-02", "2026-04-01", "");
  EXPECT_EQ(self.status().code(), StatusCode::kPermissionDenied);
  ASSERT_NE(self.status().refusal(), nullptr);
  EXPECT_EQ(self.status().refusal()->rule, "sod.own_departure");
  ASSERT_TRUE(
      RegisterResignation(*vault_, *log_, As(other_hr), hr_.id, "2026-03-02", "2026-04-01", "")
          .ok());
  auto own = WithdrawResignation(*vault_, *log_, As(hr_), hr_.id, "我不走了", kToday);
  EXPECT_EQ(own.status().code(), StatusCode::kPermissionDenied);
  ASSERT_NE(own.status().refusal(), nullptr);
  EXPECT_EQ(own.status().refusal()->rule, "employment.notice_period");
  EXPECT_EQ(LastLeaf()["decision"].as_string(), "deny");
  EXPECT_EQ(Reload(hr_).employment, policy::EmploymentState::kNoticeGiven);
  EXPECT_TRUE(WithdrawResignation(*vault_, *log_, As(other_hr), hr_.id, "留任", kToday).ok());
}

}  // namespace
}  // namespace custos::vault
