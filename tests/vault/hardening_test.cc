// Issue 17's holes in the vault, each closed at its root: an owner lowering
// their own file's marking; older versions judged at the current (lower)
// marking (their names and reasons in the version list too); a comparison of
// two versions counted as one view; copies, prints and exports not counted
// against the quota.
#include <gtest/gtest.h>

#include "tests/vault/records_fixture.h"
#include "vault/records/loans.h"

namespace custos::vault::testing {
namespace {

using C = policy::Classification;

class HardeningTest : public ArchiveTest {
 protected:
  RecordUpdate SameWith(const RecordMeta& m, C c, std::string declassify_on = "") {
    RecordUpdate u;
    u.name = m.name;
    u.classification = c;
    u.declassify_on = std::move(declassify_on);
    u.custodian_id = m.custodian_id;
    u.tags = m.tags;
    u.paper = m.paper;
    u.content.agreed_prices = "A 型 95 元/件";
    return u;
  }

  std::string LastLeaf() {
    auto r = vault_->BeginRead();
    auto n = log_->Size(**r);
    return *log_->Leaf(**r, *n - 1);
  }
};

TEST_F(HardeningTest, OwnerCannotLowerAMarkingAloneAnApproverCan) {
  const RecordMeta top = MakeRecord(C::kTopSecret);
  auto lowered =
      archive_->UpdateRecord(As(author_), top.id, SameWith(top, C::kPublic), "客户已公开");
  ASSERT_EQ(lowered.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(lowered.status().message().rfind("record.lowering_needs_approver:", 0), 0u);
  EXPECT_NE(LastLeaf().find("\"rule\":\"record.lowering_needs_approver\""), std::string::npos);
  // Nor by setting a declassification date the timer would act on.
  EXPECT_EQ(archive_
                ->UpdateRecord(As(author_), top.id, SameWith(top, C::kTopSecret, "2020-01-01"),
                               "到期解密")
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  // Raising stays the owner's to do.
  EXPECT_TRUE(
      archive_->UpdateRecord(As(author_), top.id, SameWith(top, C::kTopSecret), "补充").ok());

  // The owner cannot use the approver's way either, nor can a borrower.
  auto own = archive_->LowerClassification(As(author_), top.id, C::kInternal, "", "我来降密");
  EXPECT_EQ(own.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(archive_->LowerClassification(As(borrower_), top.id, C::kInternal, "", "降密")
                .status()
                .code(),
            StatusCode::kPermissionDenied);
  auto same = archive_->LowerClassification(As(approver_), top.id, C::kTopSecret, "", "核对");
  EXPECT_EQ(same.status().message().rfind("record.not_lower:", 0), 0u);

  // Top secret: two distinct approvers, as its loans need. The first is
  // recorded and the marking stays.
  bool pending = false;
  auto first = archive_->LowerClassification(As(approver_), top.id, C::kInternal, "",
                                             "客户合作结束", &pending);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(pending);
  EXPECT_EQ(first->classification, C::kTopSecret);
  EXPECT_EQ(first->latest_version, 2u);
  EXPECT_NE(LastLeaf().find("\"outcome\":\"pending_second_approval\""), std::string::npos);
  EXPECT_NE(LastLeaf().find("\"rule\":\"allow.record.lower_first\""), std::string::npos);
  auto twice = archive_->LowerClassification(As(approver_), top.id, C::kInternal, "", "再批一次");
  EXPECT_EQ(twice.status().message().rfind("sod.approver_counted_twice:", 0), 0u);
  // A second approver's different lowering is a first approval of its own.
  pending = false;
  ASSERT_TRUE(
      archive_->LowerClassification(As(approver2_), top.id, C::kPublic, "", "公开", &pending).ok());
  EXPECT_TRUE(pending);
  // approver_ approving that same lowering completes it.
  auto done =
      archive_->LowerClassification(As(approver_), top.id, C::kPublic, "", "同意公开", &pending);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(pending);
  EXPECT_EQ(done->classification, C::kPublic);
  EXPECT_EQ(done->latest_version, 3u);
  const std::string leaf = LastLeaf();
  EXPECT_NE(leaf.find("\"action\":\"record.reclassify\""), std::string::npos);
  EXPECT_NE(leaf.find("\"classification\":{\"from\":\"top_secret\",\"to\":\"public\"}"),
            std::string::npos)
      << leaf;
  // Below top secret one approver lowers.
  const RecordMeta secret = MakeRecord(C::kSecret);
  auto one = archive_->LowerClassification(As(approver_), secret.id, C::kInternal, "", "降为内部",
                                           &pending);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_FALSE(pending);
  EXPECT_EQ(one->classification, C::kInternal);
}

TEST_F(HardeningTest, OlderVersionsKeepTheirOwnMarking) {
  const RecordMeta top = MakeRecord(C::kTopSecret);
  ASSERT_TRUE(
      archive_->LowerClassification(As(approver_), top.id, C::kInternal, "", "降为内部").ok());
  ASSERT_TRUE(
      archive_->LowerClassification(As(approver2_), top.id, C::kInternal, "", "同意降密").ok());
  // The new version is internal: a borrower reads it without a loan.
  ViewOptions latest;
  EXPECT_TRUE(archive_->View(As(borrower_), top.id, "核对信息", latest).ok());
  // Version 1 was written as top secret and stays so.
  ViewOptions v1;
  v1.version = 1;
  auto old = archive_->View(As(borrower_), top.id, "核对历史信息内容", v1);
  ASSERT_FALSE(old.ok());
  EXPECT_EQ(old.status().message().rfind("loan.required:", 0), 0u) << old.status().message();
  EXPECT_NE(LastLeaf().find("\"classification\":\"top_secret\""), std::string::npos);
  // A comparison that shows version 1 is judged at its marking too.
  EXPECT_FALSE(archive_->CompareVersions(As(borrower_), top.id, 1, 2, "比较版本内容").ok());
}

TEST_F(HardeningTest, AVersionMarkedAboveTheReadersSightIsListedWithoutItsNameAndReason) {
  const RecordMeta top = MakeRecord(C::kTopSecret, "华为 2027 年投标底价");
  RecordUpdate u = SameWith(top, C::kTopSecret);
  u.name = "华为 2027 年投标底价（第二轮）";
  ASSERT_TRUE(archive_->UpdateRecord(As(author_), top.id, u, "第二轮报价 8% 让利").ok());
  ASSERT_TRUE(
      archive_->LowerClassification(As(approver_), top.id, C::kInternal, "", "降为内部").ok());
  ASSERT_TRUE(
      archive_->LowerClassification(As(approver2_), top.id, C::kInternal, "", "同意降密").ok());
  // HR sees the names of internal files, not of top secret ones: the
  // lowered record is theirs to see, its first two versions (written as top
  // secret) are not.
  const User hr = AddUser("ma.hr", "马人事", {policy::Role::kHr});
  auto seen = archive_->VersionHistory(As(hr), top.id);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  ASSERT_EQ(seen->size(), 3u);
  for (size_t i = 0; i < 2; ++i) {
    const RecordVersion& v = (*seen)[i];
    EXPECT_TRUE(v.withheld) << "v" << v.version;
    EXPECT_EQ(v.version, i + 1);
    EXPECT_EQ(v.meta.classification, C::kTopSecret);
    EXPECT_EQ(v.author_id, author_.id);
    EXPECT_NE(v.time, 0);
    EXPECT_TRUE(v.reason.empty()) << v.reason;
    EXPECT_TRUE(v.meta.name.empty()) << v.meta.name;
    EXPECT_TRUE(v.meta.tags.empty());
  }
  EXPECT_FALSE((*seen)[2].withheld);
  // The version is the second approver's, who lowered it.
  EXPECT_EQ((*seen)[2].reason, "同意降密");
  // The owner set at creation, while it was top secret: who and when, not why.
  auto owners = archive_->OwnershipHistory(As(hr), top.id);
  ASSERT_TRUE(owners.ok()) << owners.status().ToString();
  ASSERT_FALSE(owners->empty());
  EXPECT_TRUE((*owners)[0].withheld);
  EXPECT_TRUE((*owners)[0].reason.empty());
  EXPECT_EQ((*owners)[0].to, author_.id);
  EXPECT_FALSE((*archive_->OwnershipHistory(As(approver_), top.id))[0].reason.empty());
  // Those cleared for top secret see every version whole.
  auto whole = archive_->VersionHistory(As(approver_), top.id);
  ASSERT_TRUE(whole.ok());
  ASSERT_EQ(whole->size(), 3u);
  EXPECT_FALSE((*whole)[1].withheld);
  EXPECT_EQ((*whole)[1].reason, "第二轮报价 8% 让利");
  EXPECT_EQ((*whole)[1].meta.name, "华为 2027 年投标底价（第二轮）");
}

TEST_F(HardeningTest, ComparingTwoVersionsUsesTwoViews) {
  const RecordMeta m = MakeRecord(C::kInternal);
  ASSERT_TRUE(archive_->UpdateRecord(As(author_), m.id, SameWith(m, C::kInternal), "补充").ok());
  // Internal: three views per person per file.
  ASSERT_TRUE(archive_->CompareVersions(As(borrower_), m.id, 1, 2, "比较").ok());
  auto again = archive_->CompareVersions(As(borrower_), m.id, 1, 2, "再比较");
  ASSERT_EQ(again.status().code(), StatusCode::kResourceExhausted)
      << "two views used, one left: a comparison needs two";
  auto last = archive_->View(As(borrower_), m.id, "最后一次");
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->views_used, 3);
  EXPECT_EQ(archive_->View(As(borrower_), m.id, "第四次").status().code(),
            StatusCode::kResourceExhausted);
}

TEST_F(HardeningTest, CopiesPrintsAndExportsCountAgainstTheQuota) {
  const RecordMeta m = MakeRecord(C::kInternal);
  // Internal prints need one approval.
  LoanRequest lr;
  lr.record_id = m.id;
  lr.kind = policy::LoanKind::kPrint;
  lr.reason = "打印报价单";
  auto loan = RequestLoan(*archive_, As(borrower_), lr);
  ASSERT_TRUE(loan.ok()) << loan.status().ToString();
  ASSERT_TRUE(ApproveLoan(*archive_, As(approver_), loan->id, "同意").ok());
  ASSERT_TRUE(archive_->View(As(borrower_), m.id, "查看").ok());
  ASSERT_TRUE(UseRecord(*archive_, As(borrower_), m.id, policy::Action::kPrint, "打印").ok());
  ASSERT_TRUE(UseRecord(*archive_, As(borrower_), m.id, policy::Action::kPrint, "打印").ok());
  // Three takes of the content: the quota is used up for views and uses.
  auto fourth = UseRecord(*archive_, As(borrower_), m.id, policy::Action::kPrint, "打印");
  ASSERT_EQ(fourth.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(archive_->View(As(borrower_), m.id, "查看").status().code(),
            StatusCode::kResourceExhausted);
  // Running out by a print raises the same alert as by a view.
  bool alerted = false;
  for (const json::Value& a : Alerts()) {
    if (a.Find("type")->as_string() == "quota.exhausted" && a.Find("details") != nullptr &&
        (*a.Find("details")).Find("action") != nullptr &&
        (*a.Find("details")).Find("action")->as_string() == "record.print") {
      alerted = true;
    }
  }
  EXPECT_TRUE(alerted);
}

}  // namespace
}  // namespace custos::vault::testing
