#include "vault/people/handover.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "policy/rules.h"
#include "tests/vault/departure_fixture.h"
#include "vault/people/departure_report.h"
#include "vault/people/employment.h"
#include "vault/records/attachments.h"
#include "vault/records/loans.h"
#include "vault/store/tables.h"

namespace custos::vault {
namespace {

constexpr std::string_view kReason = "交接给接替人查阅客户资料";

class HandoverTest : public testing::DepartureTest {
 protected:
  // The author gives notice; both files go to the successor, rec2's
  // handover confirmed and rec1's pending.
  void OnePendingOneConfirmed() {
    GiveNotice();
    for (const RecordMeta* r : {&rec1_, &rec2_}) {
      ASSERT_TRUE(
          AssignHandover(*archive_, As(hr_), author_.id, r->id, successor_.id, "客户交接").ok());
    }
    ASSERT_TRUE(ConfirmHandover(*archive_, As(approver_), author_.id, rec2_.id, "确认交接").ok());
  }
};

TEST_F(HandoverTest, InNoticeUserViewsOnlyRecordsInPendingHandover) {
  GiveNotice();
  // Before any handover the leaver sees nothing, not even their own file.
  auto v = archive_->View(As(author_), rec1_.id, kReason);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(v.status().message().starts_with(policy::rules::kEmploymentNoticePeriod))
      << v.status().ToString();

  auto h = AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, successor_.id, "客户交接");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->state, HandoverState::kPending);
  {
    auto r = vault_->BeginRead();
    auto leaver = GetUser(**r, author_.id);
    ASSERT_TRUE(leaver.ok());
    EXPECT_TRUE(*InPendingHandover(**r, *leaver, rec1_.id));
    EXPECT_FALSE(*InPendingHandover(**r, *leaver, rec2_.id));
    // Someone not in notice never gets the fact.
    EXPECT_FALSE(*InPendingHandover(**r, successor_, rec1_.id));
  }

  v = archive_->View(As(author_), rec1_.id, kReason);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->meta.id, rec1_.id);
  json::Value e = LastLeaf();
  EXPECT_EQ(Str(e, "action"), "record.view");
  EXPECT_EQ(Str(e, "decision"), "allow");

  auto other = archive_->View(As(author_), rec2_.id, kReason);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(other.status().message().starts_with(policy::rules::kEmploymentNoticePeriod));
  e = LastLeaf();
  EXPECT_EQ(Str(e, "decision"), "deny");
  EXPECT_EQ(Str(e, "rule"), policy::rules::kEmploymentNoticePeriod);

  // Every attempt in the notice period (before the handover, the allowed
  // handover view, the refused other file) raised an alert for the auditors,
  // naming the person, the file and the event.
  {
    std::vector<json::Value> alerts = Alerts();
    ASSERT_EQ(alerts.size(), 3u);
    // Keys are time + random bytes: order by event.
    std::sort(alerts.begin(), alerts.end(), [](const json::Value& a, const json::Value& b) {
      return a.Find("audit_seq")->as_int() < b.Find("audit_seq")->as_int();
    });
    for (const json::Value& a : alerts) {
      EXPECT_EQ(Str(a, "type"), "employment.notice_activity");
      EXPECT_EQ(Str(a, "user_id"), author_.id);
    }
    EXPECT_EQ(Str(alerts[1], "record_id"), rec1_.id);
    EXPECT_EQ(Str(alerts[1], "rule"), Str(LeafAt(alerts[1].Find("audit_seq")->as_int()), "rule"));
    EXPECT_EQ(Str(alerts[2], "record_id"), rec2_.id);
    EXPECT_EQ(Str(alerts[2], "rule"), policy::rules::kEmploymentNoticePeriod);
  }
  // So is an attempt to take content out (print, copy, export).
  (void)UseRecord(*archive_, As(author_), rec1_.id, policy::Action::kPrint, kReason);
  {
    const std::vector<json::Value> alerts = Alerts();
    // The notice-period alert, and the third refusal in a row.
    ASSERT_EQ(alerts.size(), 5u);
    const json::Value* print = nullptr;
    for (const json::Value& a : alerts) {
      if (static_cast<uint64_t>(a.Find("audit_seq")->as_int()) == LogSize() - 1 &&
          Str(a, "type") == "employment.notice_activity")
        print = &a;
    }
    ASSERT_NE(print, nullptr);
    EXPECT_EQ(Str(*print, "type"), "employment.notice_activity");
    EXPECT_EQ(Str(*print->Find("details"), "action"), "record.print");
  }

  // Once confirmed the record is the successor's and closed to the leaver.
  auto c = ConfirmHandover(*archive_, As(approver_), author_.id, rec1_.id, "确认交接");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  v = archive_->View(As(author_), rec1_.id, kReason);
  ASSERT_FALSE(v.ok());
  EXPECT_TRUE(v.status().message().starts_with(policy::rules::kEmploymentNoticePeriod));
}

TEST_F(HandoverTest, AssignByRoleWithoutPermissionIsDeniedAndAudited) {
  GiveNotice();
  const uint64_t before = LogSize();
  auto h = AssignHandover(*archive_, As(borrower_), author_.id, rec1_.id, successor_.id, "x");
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(h.status().message().starts_with(policy::rules::kRoleNotPermitted));
  ASSERT_EQ(LogSize(), before + 1);
  json::Value e = LastLeaf();
  EXPECT_EQ(Str(e, "action"), "departure.handover.assign");
  EXPECT_EQ(Str(e, "decision"), "deny");
  EXPECT_EQ(Str(e, "rule"), policy::rules::kRoleNotPermitted);

  // The leaver cannot hand over their own files during the notice period.
  h = AssignHandover(*archive_, As(author_), author_.id, rec1_.id, successor_.id, "x");
  ASSERT_FALSE(h.ok());
  EXPECT_TRUE(h.status().message().starts_with(policy::rules::kEmploymentNoticePeriod));

  // Nothing pending: no handover was stored.
  auto r = vault_->BeginRead();
  EXPECT_TRUE(HandoversOf(**r, author_.id)->empty());
}

TEST_F(HandoverTest, AssignChecksLeaverRecordAndSuccessor) {
  // No resignation registered yet.
  auto h = AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, successor_.id, "x");
  EXPECT_EQ(h.status().code(), StatusCode::kFailedPrecondition);
  GiveNotice();
  h = AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, author_.id, "x");
  EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
  // A successor who is not active.
  User leaving2 = AddUser("qian.author", "钱销售", {policy::Role::kAuthor});
  ASSERT_TRUE(
      RegisterResignation(*vault_, *log_, As(hr_), leaving2.id, "2026-03-02", "2026-04-01", "")
          .ok());
  h = AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, leaving2.id, "x");
  EXPECT_EQ(h.status().code(), StatusCode::kFailedPrecondition);
  // A record the leaver does not own.
  auto m = archive_->ReassignOwner(As(approver_), rec2_.id, successor_.id, "调整");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  h = AssignHandover(*archive_, As(hr_), author_.id, rec2_.id, successor_.id, "x");
  EXPECT_EQ(h.status().code(), StatusCode::kFailedPrecondition);
  // The assigner may not be the successor.
  h = AssignHandover(*archive_, As(approver_), author_.id, rec1_.id, approver_.id, "x");
  ASSERT_FALSE(h.ok());
  EXPECT_TRUE(h.status().message().starts_with(policy::rules::kSodSelfAssignment));
}

// A customer handed to someone who cannot open the file goes to nobody who
// can serve them: an auditor or administrator is content-blind, and the
// policy names who may see each marking. Refused when assigned; a handover
// at once leaves such files for another successor.
TEST_F(HandoverTest, ASuccessorWhoMayNotOpenTheFileIsRefused) {
  GiveNotice();
  for (const User* blind : {&auditor_, &admin_}) {
    auto h = AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, blind->id, "x");
    ASSERT_EQ(h.status().code(), StatusCode::kFailedPrecondition) << blind->username;
    EXPECT_NE(h.status().message().find("may not open secret customer files"), std::string::npos)
        << h.status().message();
  }
  const uint64_t before = LogSize();
  auto all = AssignAllHandovers(*archive_, As(hr_), author_.id, auditor_.id, "整体交接");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->done, 0u);
  EXPECT_EQ(all->refusal.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(all->refusal.message().find("may not open"), std::string::npos);
  EXPECT_EQ(LogSize(), before);
  // Someone who may see them takes them.
  all = AssignAllHandovers(*archive_, As(hr_), author_.id, successor_.id, "整体交接");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->done, 2u);
}

// In the notice period a leaver still reads the files being handed over,
// but downloading an attachment is taking a copy: refused and recorded. What
// they took before is in the departure report, by file and kind.
TEST_F(HandoverTest, ALeaverDownloadsNoAttachmentInTheNoticePeriodAndTheReportListsWhatWasTaken) {
  std::istringstream bytes("报价单：A 型 95 元/件");
  auto att = AddAttachment(*archive_, As(author_), rec1_.id, "报价单.txt", "text/plain", bytes,
                           "上传报价");
  ASSERT_TRUE(att.ok()) << att.status().ToString();
  const auto download = [&]() -> Status {
    CUSTOS_ASSIGN_OR_RETURN(ViewResult view, archive_->View(As(author_), rec1_.id, kReason));
    std::ostringstream out;
    return ReadAttachment(*archive_, As(author_), *view.permit, att->id, out);
  };
  ASSERT_TRUE(download().ok());  // while employed
  RecordMeta pub = MakeRecord(policy::Classification::kPublic, "公开资料");
  ASSERT_TRUE(UseRecord(*archive_, As(author_), pub.id, policy::Action::kPrint, "打印").ok());

  GiveNotice();
  ASSERT_TRUE(
      AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, successor_.id, "客户交接").ok());
  ASSERT_TRUE(archive_->View(As(author_), rec1_.id, kReason).ok());  // in the handover
  // Asked first (as the web's download does), the refusal costs no view.
  const uint64_t before = LogSize();
  EXPECT_EQ(CheckMayDownload(*archive_, As(author_), *att).code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(LogSize(), before + 1);
  EXPECT_EQ(Str(LastLeaf(), "action"), "attachment.read");
  EXPECT_EQ(Str(LastLeaf(), "decision"), "deny");
  EXPECT_TRUE(CheckMayDownload(*archive_, As(successor_), *att).ok());
  EXPECT_EQ(LogSize(), before + 1);  // nothing recorded when they may
  const Status refused = download();
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(refused.message().starts_with(policy::rules::kEmploymentNoticePeriod))
      << refused.message();
  json::Value e = LastLeaf();
  EXPECT_EQ(Str(e, "action"), "attachment.read");
  EXPECT_EQ(Str(e, "decision"), "deny");
  EXPECT_EQ(Str(e, "rule"), policy::rules::kEmploymentNoticePeriod);

  auto report = BuildDepartureReport(*archive_, As(auditor_), author_.id);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->taken.size(), 2u);
  for (const ReportRecord& r : report->taken) {
    if (r.id == rec1_.id) {
      EXPECT_EQ(r.events, 1);  // the refused download is not counted
      EXPECT_EQ(r.uses, (std::map<std::string, int>{{"attachment", 1}}));
      EXPECT_EQ(r.name, rec1_.name);
    } else {
      EXPECT_EQ(r.id, pub.id);
      EXPECT_EQ(r.uses, (std::map<std::string, int>{{"print", 1}}));
    }
  }
  const json::Value taken = *report->ToJson().Find("taken");
  ASSERT_EQ(taken.as_array().size(), 2u);
}

TEST_F(HandoverTest, AssignerCannotConfirm) {
  GiveNotice();
  auto h =
      AssignHandover(*archive_, As(approver_), author_.id, rec1_.id, successor_.id, "客户交接");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  const uint64_t before = LogSize();
  auto c = ConfirmHandover(*archive_, As(approver_), author_.id, rec1_.id, "自己确认");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(c.status().message().starts_with(policy::rules::kSodAssignerNotConfirmer))
      << c.status().ToString();
  ASSERT_EQ(LogSize(), before + 1);
  json::Value e = LastLeaf();
  EXPECT_EQ(Str(e, "action"), "departure.handover.confirm");
  EXPECT_EQ(Str(e, "rule"), policy::rules::kSodAssignerNotConfirmer);
  EXPECT_EQ(Str(e, "decision"), "deny");
  // Still the leaver's, still pending.
  EXPECT_EQ(archive_->GetMeta(rec1_.id)->owner_id, author_.id);
  auto r = vault_->BeginRead();
  auto all = HandoversOf(**r, author_.id);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].state, HandoverState::kPending);

  // HR may assign but not confirm (role).
  c = ConfirmHandover(*archive_, As(hr_), author_.id, rec1_.id, "确认");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(c.status().message().starts_with(policy::rules::kRoleNotPermitted));
}

TEST_F(HandoverTest, ConfirmMovesOwnershipWithHistoryAndAuditsEveryStep) {
  GiveNotice();
  const uint64_t start = LogSize();
  auto h = AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, successor_.id, "客户交接");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(LogSize(), start + 1);
  json::Value e = LeafAt(h->assign_seq);
  EXPECT_EQ(Str(e, "action"), "departure.handover.assign");
  EXPECT_EQ(Str(e, "decision"), "allow");
  EXPECT_EQ(Str(e, "rule"), policy::rules::kAllowHandoverAssign);
  EXPECT_EQ(Str(*e.Find("details"), "successor"), successor_.id);
  EXPECT_EQ(Str(*e.Find("details"), "user"), author_.id);

  auto c = ConfirmHandover(*archive_, As(approver_), author_.id, rec1_.id, "确认交接");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(LogSize(), start + 2);
  EXPECT_EQ(c->state, HandoverState::kConfirmed);
  EXPECT_EQ(c->confirmed_by, approver_.id);
  e = LeafAt(c->confirm_seq);
  EXPECT_EQ(Str(e, "action"), "departure.handover.confirm");
  EXPECT_EQ(Str(e, "rule"), policy::rules::kAllowHandoverConfirm);
  EXPECT_EQ(Str(*e.Find("details"), "assigned_by"), hr_.id);

  EXPECT_EQ(archive_->GetMeta(rec1_.id)->owner_id, successor_.id);
  auto history = archive_->OwnershipHistory(As(approver_), rec1_.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  const OwnershipChange& last = history->back();
  EXPECT_EQ(last.from, author_.id);
  EXPECT_EQ(last.to, successor_.id);
  EXPECT_EQ(last.by, approver_.id);
  EXPECT_EQ(last.reason, "确认交接");
  EXPECT_EQ(last.audit_seq, c->confirm_seq);
  EXPECT_GT(last.at, 0);
  EXPECT_EQ(*archive_->RecordsOwnedBy(successor_.id), std::vector<std::string>{rec1_.id});

  // Confirming twice is refused and changes nothing.
  auto again = ConfirmHandover(*archive_, As(approver2_), author_.id, rec1_.id, "再次确认");
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(archive_->OwnershipHistory(As(approver_), rec1_.id)->size(), 2u);

  // The listing shows the confirmed handover and the record still to do.
  auto items = ListHandovers(*archive_, As(hr_), author_.id);
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  ASSERT_EQ(items->items.size(), 2u);
  EXPECT_EQ(items->total, 2u);
  int confirmed = 0, open = 0;
  for (const HandoverItem& it : items->items) {
    if (it.handover && it.handover->state == HandoverState::kConfirmed) ++confirmed;
    if (!it.handover) ++open;
  }
  EXPECT_EQ(confirmed, 1);
  EXPECT_EQ(open, 1);
  // A page at a time, by name in pinyin order (华东 Huadong before 苏州
  // Suzhou, whatever their ids): the confirmed file (now the successor's)
  // and the one still theirs each on a page of one, and nothing past the
  // end; the total stays.
  ASSERT_EQ(items->items[0].meta.id, rec1_.id);
  ASSERT_EQ(items->items[1].meta.id, rec2_.id);
  for (size_t i = 0; i < 3; ++i) {
    auto page = ListHandovers(*archive_, As(hr_), author_.id, i, 1);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->total, 2u);
    if (i < 2) {
      ASSERT_EQ(page->items.size(), 1u);
      EXPECT_EQ(page->items[0].meta.id, items->items[i].meta.id);
      EXPECT_EQ(page->items[0].handover.has_value(), items->items[i].handover.has_value());
    } else {
      EXPECT_TRUE(page->items.empty());
    }
  }
  auto denied = ListHandovers(*archive_, As(borrower_), author_.id);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  // Only a leaver's files are listed: the list names files above HR's
  // clearance, so it is no way to read an active colleague's.
  auto active = ListHandovers(*archive_, As(hr_), successor_.id);
  EXPECT_EQ(active.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(HandoverTest, AHandoverStoredBeforeCustomerConfirmationsReadsAsNoAnswerYet) {
  // As versions before customer confirmation stored it: no "customer".
  json::Value old = json::Value::MakeObject();
  old["user"] = author_.id;
  old["record"] = rec1_.id;
  old["successor"] = successor_.id;
  old["state"] = "confirmed";
  old["assigned_by"] = hr_.id;
  std::string key = "h/" + author_.id;
  key.push_back('\0');
  key += rec1_.id;
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) {
                    return w.Put(tables::kDepartures, key, json::Serialize(old));
                  })
                  .ok());
  auto r = vault_->BeginRead();
  ASSERT_TRUE(r.ok());
  auto statuses = HandoverStatusesOf(**r, author_.id);
  ASSERT_TRUE(statuses.ok()) << statuses.status().ToString();
  ASSERT_EQ(statuses->size(), 1u);
  EXPECT_EQ((*statuses)[0].record_id, rec1_.id);
  EXPECT_EQ((*statuses)[0].state, HandoverState::kConfirmed);
  EXPECT_EQ((*statuses)[0].answer, CustomerAnswer::kNone);
  EXPECT_FALSE((*statuses)[0].waived);
  auto full = HandoversOf(**r, author_.id);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  ASSERT_EQ(full->size(), 1u);
  EXPECT_EQ((*full)[0].customer.answer, CustomerAnswer::kNone);
}

// A successor's own list (every home page asks for it) comes from the
// successor index: a reassignment moves the file to the new successor's
// list, and the list is paged by leaver and file name with the counts of all.
TEST_F(HandoverTest, ASuccessorsListComesFromTheIndexAPageAtATime) {
  User other = AddUser("lu.author", "陆销售", {policy::Role::kAuthor});
  RecordMeta rec3 = MakeRecord(policy::Classification::kInternal, "无锡机械有限公司");
  RecordMeta rec4 = MakeRecord(policy::Classification::kInternal, "常州电子有限公司");
  GiveNotice();
  for (const RecordMeta* r : {&rec1_, &rec2_, &rec3, &rec4}) {
    ASSERT_TRUE(
        AssignHandover(*archive_, As(hr_), author_.id, r->id, successor_.id, "客户交接").ok());
  }
  // rec2 goes to another successor instead; rec1 is confirmed.
  ASSERT_TRUE(
      AssignHandover(*archive_, As(hr_), author_.id, rec2_.id, other.id, "改由陆销售接手").ok());
  ASSERT_TRUE(ConfirmHandover(*archive_, As(approver_), author_.id, rec1_.id, "确认交接").ok());

  {
    // The leaver's counts: a reassignment moves no count, a confirmation does.
    auto r = vault_->BeginRead();
    ASSERT_TRUE(r.ok());
    auto counts = HandoverCountsOf(**r, author_.id);
    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->total, 4u);
    EXPECT_EQ(counts->pending, 3u);
    EXPECT_EQ(counts->confirmed, 1u);
  }
  auto mine = HandoversTo(*archive_, As(successor_));
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  EXPECT_EQ(mine->total, 3u);
  // The policy wants the customer's confirmation: rec1, confirmed by the
  // approver but not yet by the customer, is still open.
  EXPECT_EQ(mine->mode, policy::CustomerConfirmation::kRequired);
  EXPECT_EQ(mine->open, 3u);
  ASSERT_EQ(mine->leavers.size(), 1u);
  EXPECT_EQ(mine->leavers[0].leaver.id, author_.id);
  EXPECT_EQ(mine->leavers[0].total, 3u);
  EXPECT_EQ(mine->leavers[0].open, 3u);
  // By the file's name.
  std::vector<std::string> names;
  for (const HandedToMe& x : mine->items) {
    names.push_back(x.meta.name);
    EXPECT_EQ(x.handover.successor_id, successor_.id);
    EXPECT_EQ(x.leaver.id, author_.id);
  }
  // By the file's name in pinyin order: Changzhou, Huadong, Wuxi (by code
  // point 华 U+534E would come before 常 U+5E38).
  EXPECT_EQ(names,
            (std::vector<std::string>{"常州电子有限公司", "华东机电有限公司", "无锡机械有限公司"}));
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(std::count(names.begin(), names.end(), rec2_.name), 0) << "given to another";

  auto theirs = HandoversTo(*archive_, As(other));
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(theirs->items.size(), 1u);
  EXPECT_EQ(theirs->items[0].meta.id, rec2_.id);
  EXPECT_EQ(theirs->open, 1u);
  auto none = HandoversTo(*archive_, As(hr_));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->total, 0u);
  EXPECT_TRUE(none->leavers.empty());

  // A page at a time, the counts of all on each.
  auto second = HandoversTo(*archive_, As(successor_), 2, 2);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].meta.name, names[2]);
  EXPECT_EQ(second->total, 3u);
  auto past = HandoversTo(*archive_, As(successor_), 10, 2);
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->items.empty());
  EXPECT_EQ(past->total, 3u);

  // A second leaver whose last working day comes first: their files come
  // first, each leaver's counted apart.
  User early = AddUser("qian.author", "钱销售", {policy::Role::kAuthor});
  NewRecord nr;
  nr.name = "嘉兴纺织有限公司";
  nr.classification = policy::Classification::kInternal;
  nr.custodian_id = custodian_.id;
  auto theirs_file = archive_->CreateRecord(As(early), nr, "新客户建档");
  ASSERT_TRUE(theirs_file.ok()) << theirs_file.status().ToString();
  ASSERT_TRUE(
      RegisterResignation(*vault_, *log_, As(hr_), early.id, "2026-02-02", "2026-03-01", "个人原因")
          .ok());
  ASSERT_TRUE(
      AssignHandover(*archive_, As(hr_), early.id, theirs_file->id, successor_.id, "客户交接")
          .ok());
  auto both = HandoversTo(*archive_, As(successor_));
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->total, 4u);
  ASSERT_EQ(both->leavers.size(), 2u);
  EXPECT_EQ(both->leavers[0].leaver.id, early.id);
  EXPECT_EQ(both->leavers[0].total, 1u);
  EXPECT_EQ(both->leavers[1].leaver.id, author_.id);
  EXPECT_EQ(both->leavers[1].total, 3u);
  ASSERT_EQ(both->items.size(), 4u);
  EXPECT_EQ(both->items[0].meta.id, theirs_file->id);
  EXPECT_EQ(both->items[0].leaver.id, early.id);
  for (size_t i = 1; i < 4; ++i) {
    EXPECT_EQ(both->items[i].leaver.id, author_.id);
    EXPECT_EQ(both->items[i].meta.name, names[i - 1]);
  }
}

// A vault written before the successor index: read from every handover
// until EnsureSuccessorIndex (at Archive::Open) indexes them, the same list
// either way.
TEST_F(HandoverTest, HandoversStoredBeforeTheSuccessorIndexAreIndexedOnce) {
  OnePendingOneConfirmed();
  const auto statuses = [&] {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    auto s = HandoverStatusesTo(**r, successor_.id);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    std::vector<std::string> out;
    for (const HandoverToStatus& x : *s) {
      out.push_back(x.leaver_id + "/" + x.status.record_id + "/" +
                    std::string(HandoverStateId(x.status.state)) + "/" +
                    std::string(CustomerAnswerId(x.status.answer)) + "/" +
                    (x.status.waived ? "waived" : "-"));
    }
    return out;
  };
  const auto index_entries = [&] {
    auto r = vault_->BeginRead();
    size_t n = 0;
    EXPECT_TRUE((*r)->ScanKeys(tables::kDepartures, "to/",
                               [&](std::string_view) -> Result<bool> {
                                 ++n;
                                 return true;
                               })
                    .ok());
    return n;
  };
  const auto counts = [&] {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    auto c = HandoverCountsOf(**r, author_.id);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::vector<size_t>{c->total, c->pending, c->confirmed};
  };
  const std::vector<std::string> indexed = statuses();
  ASSERT_EQ(indexed.size(), 2u);
  EXPECT_EQ(index_entries(), 2u);
  EXPECT_EQ(counts(), (std::vector<size_t>{2, 1, 1}));

  // As a build before the index left it: no entries, no counts, no marker.
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    std::vector<std::string> keys;
                    for (std::string_view prefix : {"to", "hc/"}) {
                      CUSTOS_RETURN_IF_ERROR(w.ScanKeys(tables::kDepartures, prefix,
                                                        [&](std::string_view k) -> Result<bool> {
                                                          keys.emplace_back(k);
                                                          return true;
                                                        }));
                    }
                    for (const std::string& k : keys) {
                      CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kDepartures, k));
                    }
                    return keys.size() == 4 ? Status::Ok()
                                            : Status::Internal("not 2 + marker + counts");
                  })
                  .ok());
  EXPECT_EQ(index_entries(), 0u);
  EXPECT_EQ(statuses(), indexed) << "read from every handover";
  EXPECT_EQ(counts(), (std::vector<size_t>{2, 1, 1})) << "counted from every handover";
  // An entry and the marker left by an earlier build (whose index had no
  // counts) are dropped when the index is built.
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) {
                    CUSTOS_RETURN_IF_ERROR(w.Put(tables::kDepartures, "to-index-v1", "1"));
                    return w.Put(tables::kDepartures, std::string("to/stale\0u-x\0c-y", 16), "{}");
                  })
                  .ok());
  EXPECT_EQ(counts(), (std::vector<size_t>{2, 1, 1})) << "still counted from every handover";
  ASSERT_TRUE(EnsureSuccessorIndex(*vault_).ok());
  EXPECT_EQ(index_entries(), 2u);
  EXPECT_EQ(statuses(), indexed);
  EXPECT_EQ(counts(), (std::vector<size_t>{2, 1, 1})) << "from the counts built";
  ASSERT_TRUE(EnsureSuccessorIndex(*vault_).ok()) << "once";
  EXPECT_EQ(index_entries(), 2u);
  EXPECT_EQ(counts(), (std::vector<size_t>{2, 1, 1}));
  EXPECT_FALSE((*vault_->BeginRead())->Has(tables::kDepartures, "to-index-v1").value());

  // Counts that lost a handover (changed by a build without them) are
  // counted again at the next change rather than going wrong.
  std::string counts_key = "hc/" + author_.id;
  ASSERT_TRUE(
      vault_->Write([&](WriteTxn& w) { return w.Delete(tables::kDepartures, counts_key); }).ok());
  EXPECT_EQ(counts(), (std::vector<size_t>{0, 0, 0}));
  ASSERT_TRUE(ConfirmHandover(*archive_, As(approver_), author_.id, rec1_.id, "确认交接").ok());
  EXPECT_EQ(counts(), (std::vector<size_t>{2, 0, 2}));
}

// 一键交接: the records clerk hands every file of the leaver over at once,
// each file decided and audited as if assigned alone, a few to a
// transaction; then an approver confirms them all at once.
TEST_F(HandoverTest, AllOfALeaversFilesAreHandedOverAtOnceEachDecidedAndAudited) {
  std::vector<std::string> files = {rec1_.id, rec2_.id};
  for (const char* name : {"杭州新材料有限公司", "宁波港机有限公司", "南京医疗器械有限公司"}) {
    files.push_back(MakeRecord(policy::Classification::kConfidential, name).id);
  }
  GiveNotice();
  // rec1 already has a successor chosen for it: it keeps them.
  const User other = AddUser("sun.author", "孙销售", {policy::Role::kAuthor});
  ASSERT_TRUE(
      AssignHandover(*archive_, As(hr_), author_.id, rec1_.id, other.id, "交给孙销售").ok());
  const uint64_t start = LogSize();
  auto all = AssignAllHandovers(*archive_, As(hr_), author_.id, successor_.id, "离职一键交接",
                                /*chunk=*/2);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_TRUE(all->refusal.ok());
  EXPECT_EQ(all->done, 4u);
  EXPECT_EQ(all->skipped, 1u);
  ASSERT_EQ(LogSize(), start + 4);
  for (uint64_t seq = start; seq < start + 4; ++seq) {
    const json::Value e = LeafAt(seq);
    EXPECT_EQ(Str(e, "action"), "departure.handover.assign");
    EXPECT_EQ(Str(e, "decision"), "allow");
    EXPECT_EQ(Str(*e.Find("details"), "successor"), successor_.id);
    EXPECT_TRUE(e.Find("details")->Find("bulk")->as_bool());
  }
  {
    auto r = vault_->BeginRead();
    for (const std::string& id : files) {
      auto h = ReadHandover(**r, author_.id, id);
      ASSERT_TRUE(h.ok() && h->has_value()) << id;
      EXPECT_EQ((*h)->state, HandoverState::kPending);
      EXPECT_EQ((*h)->successor_id, id == rec1_.id ? other.id : successor_.id) << id;
      EXPECT_EQ((*h)->assign_reason, id == rec1_.id ? "交给孙销售" : "离职一键交接");
    }
  }
  // Nothing left to assign: a second time hands over none and writes nothing.
  auto again = AssignAllHandovers(*archive_, As(hr_), author_.id, successor_.id, "再来一次");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->done, 0u);
  EXPECT_EQ(again->skipped, 5u);
  EXPECT_EQ(LogSize(), start + 4);

  // The approver confirms every one: the ownership moves with each event.
  const uint64_t before_confirm = LogSize();
  auto confirmed = ConfirmAllHandovers(*archive_, As(approver_), author_.id, "统一确认交接", 2);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status().ToString();
  EXPECT_TRUE(confirmed->refusal.ok());
  EXPECT_EQ(confirmed->done, 5u);
  EXPECT_EQ(confirmed->skipped, 0u);
  EXPECT_EQ(LogSize(), before_confirm + 5);
  for (const std::string& id : files) {
    EXPECT_EQ(archive_->GetMeta(id)->owner_id, id == rec1_.id ? other.id : successor_.id);
  }
  const json::Value last = LastLeaf();
  EXPECT_EQ(Str(last, "action"), "departure.handover.confirm");
  EXPECT_TRUE(last.Find("details")->Find("bulk")->as_bool());
}

// What the caller may not do alone, they may not do at once either: a
// refusal stops the bulk, audited, with nothing changed.
TEST_F(HandoverTest, HandingOverAtOnceKeepsTheSeparationOfDuties) {
  GiveNotice();
  // Without a role that takes part in departures: refused before the
  // leaver is looked up, and audited on them.
  uint64_t before = LogSize();
  auto no_role = AssignAllHandovers(*archive_, As(borrower_), author_.id, successor_.id, "交接");
  ASSERT_FALSE(no_role.ok());
  EXPECT_EQ(no_role.status().code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(LogSize(), before + 1);
  EXPECT_EQ(Str(LastLeaf(), "action"), "departure.handover.assign");
  EXPECT_EQ(Str(LastLeaf(), "decision"), "deny");
  // HR handing the files to themself: the policy refuses the first file
  // (sod.self_assignment), its event kept, and nothing more is tried.
  before = LogSize();
  auto self = AssignAllHandovers(*archive_, As(hr_), author_.id, hr_.id, "交给自己");
  ASSERT_TRUE(self.ok()) << self.status().ToString();
  EXPECT_EQ(self->done, 0u);
  ASSERT_FALSE(self->refusal.ok());
  EXPECT_TRUE(self->refusal.message().starts_with(policy::rules::kSodSelfAssignment))
      << self->refusal.ToString();
  EXPECT_EQ(LogSize(), before + 1);
  // A reason is required; a leaver who gave no notice has no handovers.
  EXPECT_EQ(AssignAllHandovers(*archive_, As(hr_), author_.id, successor_.id, " ").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(
      AssignAllHandovers(*archive_, As(hr_), borrower_.id, successor_.id, "交接").status().code(),
      StatusCode::kFailedPrecondition);

  // The approver assigns; then confirming everything at once leaves the
  // handovers they assigned for another approver instead of refusing them.
  ASSERT_TRUE(AssignAllHandovers(*archive_, As(approver_), author_.id, successor_.id, "交接").ok());
  before = LogSize();
  auto own = ConfirmAllHandovers(*archive_, As(approver_), author_.id, "确认");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->done, 0u);
  EXPECT_EQ(own->skipped, 2u);
  EXPECT_TRUE(own->refusal.ok());
  EXPECT_EQ(LogSize(), before);
  // HR may assign but not confirm: the policy refuses the first, audited.
  auto hr = ConfirmAllHandovers(*archive_, As(hr_), author_.id, "确认");
  ASSERT_TRUE(hr.ok()) << hr.status().ToString();
  EXPECT_EQ(hr->done, 0u);
  EXPECT_TRUE(hr->refusal.message().starts_with(policy::rules::kRoleNotPermitted));
  EXPECT_EQ(LogSize(), before + 1);
  // Another approver confirms both.
  auto other = ConfirmAllHandovers(*archive_, As(approver2_), author_.id, "确认");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->done, 2u);
  EXPECT_EQ(archive_->GetMeta(rec1_.id)->owner_id, successor_.id);
}

TEST_F(HandoverTest, AReportListsTheFirstHandoversInFullAndCountsThemAll) {
  OnePendingOneConfirmed();
  auto all = BuildDepartureReport(*archive_, As(auditor_), author_.id);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->handovers.size(), 2u);
  EXPECT_EQ(all->handovers_total, 2u);
  EXPECT_EQ(all->handovers_pending, 1u);
  EXPECT_EQ(all->handovers_confirmed, 1u);
  EXPECT_FALSE(all->handovers_truncated);
  EXPECT_LT(all->handovers[0].record_id, all->handovers[1].record_id) << "in record-id order";
  // At most max_handovers in full (a salesperson may leave 100 000
  // customers; the handover list pages them all): the first by record id,
  // and the counts of all.
  DepartureReportOptions one;
  one.max_handovers = 1;
  auto first = BuildDepartureReport(*archive_, As(auditor_), author_.id, one);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->handovers.size(), 1u);
  EXPECT_EQ(first->handovers[0].record_id, all->handovers[0].record_id);
  EXPECT_EQ(first->handovers[0].successor_id, successor_.id);
  EXPECT_EQ(first->handovers_total, 2u);
  EXPECT_EQ(first->handovers_pending, 1u);
  EXPECT_EQ(first->handovers_confirmed, 1u);
  EXPECT_TRUE(first->handovers_truncated);
  const json::Value v = first->ToJson();
  EXPECT_EQ(v.Find("handovers")->as_array().size(), 1u);
  EXPECT_EQ(v.Find("handovers_total")->as_int(), 2);
  EXPECT_TRUE(v.Find("handovers_truncated")->as_bool());
}

TEST_F(HandoverTest, ReportCountsWhatWasDone) {
  // Activity before notice: two records created in SetUp, views, a loan.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(archive_->View(As(author_), rec1_.id, kReason).ok());
  ASSERT_TRUE(archive_->View(As(author_), rec2_.id, kReason).ok());
  RecordMeta theirs = MakeRecord(policy::Classification::kConfidential, "杭州贸易有限公司");
  ASSERT_TRUE(archive_->ReassignOwner(As(approver_), theirs.id, successor_.id, "调整").ok());
  LoanRequest req;
  req.record_id = theirs.id;
  req.reason = "了解客户情况";
  auto loan = RequestLoan(*archive_, As(author_), req);
  ASSERT_TRUE(loan.ok()) << loan.status().ToString();
  GiveNotice();
  ASSERT_FALSE(archive_->View(As(author_), rec2_.id, kReason).ok());  // denied, counted
  const uint64_t denied_seq = LogSize() - 1;
  // Someone else's alerts are not in this person's report.
  for (int i = 0; i < 3; ++i) ASSERT_FALSE(archive_->View(As(borrower_), rec1_.id, kReason).ok());

  auto report = BuildDepartureReport(*archive_, As(auditor_), author_.id);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  json::Value e = LastLeaf();
  EXPECT_EQ(Str(e, "action"), "departure.report");
  EXPECT_EQ(Str(e, "decision"), "allow");
  // The event says which time the report covered: from 90 days before the
  // notice, as the report does.
  EXPECT_EQ(Str(*e.Find("details"), "from"), FormatRfc3339Millis(report->from));
  EXPECT_EQ(Str(*e.Find("details"), "to"), FormatRfc3339Millis(report->to));
  ASSERT_NE(e.Find("details")->Find("from_notice"), nullptr);
  EXPECT_TRUE(e.Find("details")->Find("from_notice")->as_bool());
  EXPECT_TRUE(report->from_notice);

  EXPECT_EQ(report->user_id, author_.id);
  EXPECT_EQ(report->employment, "notice_given");
  EXPECT_EQ(report->lookback_days, kDefaultLookbackDays);
  EXPECT_EQ(report->authored.size(), 3u);  // rec1, rec2 and theirs were created by author_
  EXPECT_EQ(report->owned.size(), 2u);     // theirs went to the successor
  for (const ReportRecord& r : report->owned) {
    EXPECT_TRUE(r.id == rec1_.id || r.id == rec2_.id) << r.id;
    EXPECT_EQ(r.name, r.id == rec1_.id ? rec1_.name : rec2_.name);
    EXPECT_EQ(r.owner_id, author_.id);
    EXPECT_EQ(r.kind, "customer");
  }
  int named = 0;  // each file the report lists is named, as it is now
  for (const ReportRecord& r : report->authored) {
    if (r.id != theirs.id) continue;
    EXPECT_EQ(r.name, "杭州贸易有限公司");
    EXPECT_EQ(r.classification, "confidential");
    EXPECT_EQ(r.owner_id, successor_.id);
    ++named;
  }
  EXPECT_EQ(named, 1);
  EXPECT_EQ(report->total_views, 4);
  EXPECT_EQ(report->denied_views, 1);
  ASSERT_EQ(report->viewed.size(), 2u);
  for (const ReportRecord& r : report->viewed) {
    if (r.id == rec1_.id) {
      EXPECT_EQ(r.events, 3);
      EXPECT_EQ(r.denied, 0);
      EXPECT_EQ(r.classification, "secret");
      EXPECT_EQ(r.name, "华东机电有限公司");
    } else {
      EXPECT_EQ(r.id, rec2_.id);
      EXPECT_EQ(r.events, 1);
      EXPECT_EQ(r.denied, 1);
    }
  }
  ASSERT_EQ(report->loans.size(), 1u);
  EXPECT_EQ(report->loans[0].id, loan->id);
  EXPECT_EQ(report->loans[0].record_id, theirs.id);
  ASSERT_EQ(report->days.size(), 1u);
  EXPECT_EQ(report->days[0].views, 4);
  EXPECT_FALSE(report->days[0].spike);
  EXPECT_TRUE(report->spike_days.empty());
  // The alerts about the person: their view attempt in the notice period.
  ASSERT_EQ(report->alerts.size(), 1u);
  EXPECT_EQ(report->alerts[0].type, "employment.notice_activity");
  EXPECT_EQ(report->alerts[0].record_id, rec2_.id);
  EXPECT_EQ(report->alerts[0].record_name, rec2_.name);
  EXPECT_EQ(report->alerts[0].audit_seq, denied_seq);
  EXPECT_FALSE(report->alerts_truncated);
  // Never content: the JSON holds no field of the record's content.
  const std::string json = json::Serialize(report->ToJson());
  EXPECT_EQ(json.find("91310000MA1FL0XX1X"), std::string::npos);
  EXPECT_EQ(json.find("95 元"), std::string::npos);

  // HR may read it; a borrower may not (audited denial).
  EXPECT_TRUE(BuildDepartureReport(*archive_, As(hr_), author_.id).ok());
  auto denied = BuildDepartureReport(*archive_, As(borrower_), author_.id);
  ASSERT_FALSE(denied.ok());
  EXPECT_TRUE(denied.status().message().starts_with(policy::rules::kRoleNotPermitted));
  EXPECT_EQ(Str(LastLeaf(), "decision"), "deny");
  // A window that ends before everything sees nothing.
  DepartureReportOptions old;
  old.now = NowMillis() - int64_t{10} * 86400 * 1000;
  old.lookback_days = 1;
  auto empty = BuildDepartureReport(*archive_, As(auditor_), author_.id, old);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->total_views, 0);
  EXPECT_TRUE(empty->authored.empty());
  EXPECT_TRUE(empty->alerts.empty());
  // Long after, the window still starts before the notice date (2026-03-02),
  // not 90 days before the day it is read: 90 days before, at midnight in
  // Beijing (the company's calendar, +08:00 when the policy sets none).
  DepartureReportOptions later;
  later.now = NowMillis() + int64_t{400} * 86400 * 1000;
  auto late = BuildDepartureReport(*archive_, As(auditor_), author_.id, later);
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(late->from_notice);
  EXPECT_EQ(FormatRfc3339Millis(late->from), "2025-12-01T16:00:00.000Z");
  EXPECT_EQ(late->ToJson()["from_date"].as_string(), "2025-12-02");  // the date in Beijing
  EXPECT_EQ(late->total_views, 4);
  EXPECT_EQ(late->denied_views, 1);
  // Never more than kMaxLookbackDays back, however old the notice.
  DepartureReportOptions decades;
  decades.now = *ParseRfc3339("2040-03-02T00:00:00Z");
  auto capped = BuildDepartureReport(*archive_, As(auditor_), author_.id, decades);
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->to - capped->from, int64_t{kMaxLookbackDays} * 86400 * 1000);
}

TEST(DepartureSpikesTest, SpikeIsAboveThreeTimesMedianAndAtLeastFive) {
  std::vector<DayViews> days = {{"2026-01-01", 2, false},
                                {"2026-01-02", 2, false},
                                {"2026-01-03", 3, false},
                                {"2026-01-04", 20, false}};
  EXPECT_DOUBLE_EQ(MarkSpikes(&days), 2.5);
  EXPECT_FALSE(days[0].spike);
  EXPECT_FALSE(days[2].spike);
  EXPECT_TRUE(days[3].spike);
  // Above 3× the median but fewer than five views: not a spike.
  std::vector<DayViews> small = {{"a", 1, false}, {"b", 1, false}, {"c", 4, false}};
  EXPECT_DOUBLE_EQ(MarkSpikes(&small), 1);
  EXPECT_FALSE(small[2].spike);
  std::vector<DayViews> none;
  EXPECT_DOUBLE_EQ(MarkSpikes(&none), 0);
  // A policy's own thresholds: 2 × the median and at least 3 views.
  policy::anomaly::Thresholds t;
  t.spike_factor = 2;
  t.spike_min_views = 3;
  std::vector<DayViews> tuned = {{"a", 1, false}, {"b", 1, false}, {"c", 3, false}};
  MarkSpikes(&tuned, t);
  EXPECT_TRUE(tuned[2].spike);
}

}  // namespace
}  // namespace custos::vault
