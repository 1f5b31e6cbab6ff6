#include "policy/types.h"

#include <string>

#include <gtest/gtest.h>

#include "policy/engine.h"
#include "policy/internal/messages.h"
#include "policy/internal/utf8.h"
#include "policy/rules.h"

namespace custos::policy {
namespace {

TEST(PolicyTypesTest, RoleIdsRoundTripAndLabels) {
  for (Role role : kAllRoles) {
    Result<Role> parsed = ParseRole(RoleId(role));
    ASSERT_TRUE(parsed.ok()) << RoleId(role);
    EXPECT_EQ(*parsed, role);
    EXPECT_FALSE(RoleLabelZh(role).empty());
    EXPECT_FALSE(RoleLabelEn(role).empty());
  }
  EXPECT_EQ(RoleId(Role::kCustodian), "custodian");
  EXPECT_EQ(RoleLabelZh(Role::kCustodian), "保管人");
  EXPECT_EQ(RoleLabelZh(Role::kAdmin), "管理员");
  EXPECT_EQ(RoleLabelEn(Role::kBorrower), "Borrower");
}

TEST(PolicyTypesTest, ClassificationsAreOrderedWithLabels) {
  for (Classification c : kAllClassifications) {
    Result<Classification> parsed = ParseClassification(ClassificationId(c));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_LT(Classification::kPublic, Classification::kInternal);
  EXPECT_LT(Classification::kInternal, Classification::kConfidential);
  EXPECT_LT(Classification::kConfidential, Classification::kSecret);
  EXPECT_LT(Classification::kSecret, Classification::kTopSecret);
  EXPECT_EQ(ClassificationId(Classification::kTopSecret), "top_secret");
  EXPECT_EQ(ClassificationLabelZh(Classification::kTopSecret), "绝密");
  EXPECT_EQ(ClassificationLabelZh(Classification::kSecret), "机密");
  EXPECT_EQ(ClassificationLabelZh(Classification::kConfidential), "秘密");
  EXPECT_EQ(ClassificationLabelZh(Classification::kInternal), "内部");
  EXPECT_EQ(ClassificationLabelZh(Classification::kPublic), "公开");
  EXPECT_EQ(ClassificationLabelEn(Classification::kTopSecret), "Top secret");
}

TEST(PolicyTypesTest, ActionAndLoanIdsRoundTrip) {
  for (Action a : kAllActions) {
    Result<Action> parsed = ParseAction(ActionId(a));
    ASSERT_TRUE(parsed.ok()) << ActionId(a);
    EXPECT_EQ(*parsed, a);
  }
  EXPECT_EQ(ActionId(Action::kRequestLoan), "request_loan");
  EXPECT_EQ(ActionId(Action::kExportEvidence), "export_evidence");
  for (std::string_view id : {"requested", "approved", "denied", "released", "active", "returned",
                              "expired", "revoked"}) {
    Result<LoanState> s = ParseLoanState(id);
    ASSERT_TRUE(s.ok()) << id;
    EXPECT_EQ(LoanStateId(*s), id);
  }
  for (std::string_view id : {"view", "copy", "print", "export"}) {
    Result<LoanKind> k = ParseLoanKind(id);
    ASSERT_TRUE(k.ok()) << id;
    EXPECT_EQ(LoanKindId(*k), id);
  }
  for (std::string_view id : {"active", "notice_given", "departed"}) {
    Result<EmploymentState> s = ParseEmploymentState(id);
    ASSERT_TRUE(s.ok()) << id;
    EXPECT_EQ(EmploymentStateId(*s), id);
  }
}

TEST(PolicyTypesTest, UnknownIdsAreRejected) {
  for (std::string_view bad : {"", "Author", "owner", "root", " author"}) {
    Result<Role> r = ParseRole(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
  Result<Classification> c = ParseClassification("top-secret");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("top-secret"), std::string::npos);
  EXPECT_FALSE(ParseAction("delete_everything").ok());
  EXPECT_FALSE(ParseLoanState("lost").ok());
  EXPECT_FALSE(ParseLoanKind("photograph").ok());
  EXPECT_FALSE(ParseEmploymentState("retired").ok());
}

TEST(PolicyTypesTest, LoanKindForAction) {
  EXPECT_EQ(LoanKindForAction(Action::kViewContent), LoanKind::kView);
  EXPECT_EQ(LoanKindForAction(Action::kCopy), LoanKind::kCopy);
  EXPECT_EQ(LoanKindForAction(Action::kPrint), LoanKind::kPrint);
  EXPECT_EQ(LoanKindForAction(Action::kExport), LoanKind::kExport);
  EXPECT_EQ(LoanKindForAction(Action::kApproveLoan), std::nullopt);
}

TEST(PolicyTypesTest, ReasonLengthCountsCodePointsAfterTrimming) {
  EXPECT_EQ(ReasonLength(""), 0);
  EXPECT_EQ(ReasonLength("   \t\n"), 0);
  EXPECT_EQ(ReasonLength("abc"), 3);
  EXPECT_EQ(ReasonLength("  abc  "), 3);
  EXPECT_EQ(ReasonLength("核对报价"), 4);                // 12 bytes, 4 characters
  EXPECT_EQ(ReasonLength("\u3000\u3000核对\u3000"), 2);  // ideographic spaces trimmed
  EXPECT_EQ(ReasonLength("a b"), 3);                     // inner blanks count
  EXPECT_EQ(ReasonLength("😀"), 1);                       // 4-byte sequence
  EXPECT_EQ(ReasonLength("\xff\xfe\x80"), 0);            // not UTF-8
  EXPECT_EQ(ReasonLength("\xC0\xAF"), 0);                // overlong '/'
  EXPECT_EQ(ReasonLength("\xED\xA0\x80"), 0);            // surrogate
  EXPECT_EQ(ReasonLength("ab\xE6\xA0"), 2);              // truncated sequence
  // Characters that show nothing say nothing, however many.
  for (const char* blank : {"\u200b\u200b", "\u00a0\u00a0", "\u2800\u2800", "\u3164\u3164",
                            "\u2060\ufeff", "\u200d\u200c", "\u00ad\u00ad"}) {
    EXPECT_EQ(ReasonLength(blank), 0) << blank;
  }
  EXPECT_EQ(ReasonLength("a\u200b\u200b\u200bb"), 2);  // no padding to the minimum
  EXPECT_EQ(internal::TrimBlanks("\u3000x\u3000"), "x");
}

TEST(PolicyTypesTest, EveryRuleHasMessagesInBothLanguages) {
  const std::string_view all[] = {
      rules::kFactsIncomplete,
      rules::kEmploymentDeparted,
      rules::kEmploymentNoticePeriod,
      rules::kRoleNotPermitted,
      rules::kRoleContentBlind,
      rules::kClassificationViewDenied,
      rules::kUseForbidden,
      rules::kRecordNotOwner,
      rules::kReasonRequired,
      rules::kReasonTooShort,
      rules::kSodSubjectNotRequester,
      rules::kSodKeeperNotApprover,
      rules::kAllowPolicyFirst,
      rules::kAllowRecordLowerFirst,
      rules::kQuotaExhausted,
      rules::kLoanRequired,
      rules::kLoanNotRequired,
      rules::kLoanNotYours,
      rules::kLoanWrongRecord,
      rules::kLoanWrongKind,
      rules::kLoanNotApproved,
      rules::kLoanDenied,
      rules::kLoanNotReleased,
      rules::kLoanReturned,
      rules::kLoanRevoked,
      rules::kLoanExpired,
      rules::kLoanNotPending,
      rules::kLoanNotOpen,
      rules::kLoanTooLong,
      rules::kLoanInvalidDue,
      rules::kSodRequesterNotApprover,
      rules::kSodOwnerNotApprover,
      rules::kSodApproverCountedTwice,
      rules::kSodCustodianNotApprover,
      rules::kSodRequesterNotCustodian,
      rules::kSodOwnerNotCustodian,
      rules::kSodSelfAssignment,
      rules::kAllowRole,
      rules::kAllowViewOpen,
      rules::kAllowViewOwner,
      rules::kAllowViewLoan,
      rules::kAllowUseFree,
      rules::kAllowUseLoan,
      rules::kAllowRecordUpdate,
      rules::kAllowRecordReassign,
      rules::kAllowLoanRequest,
      rules::kAllowLoanApprove,
      rules::kAllowLoanDeny,
      rules::kAllowLoanRelease,
      rules::kAllowLoanReturn,
      rules::kAllowLoanRevoke,
      rules::kAllowLoanExtend,
      rules::kSodSelfGrant,
      rules::kSodGrantConfirmer,
      rules::kAllowUserAdmin,
      rules::kAllowUserGrantPending,
      rules::kAllowUserGrantConfirm,
      rules::kAllowUserFirstAdmin,
  };
  for (std::string_view rule : all) {
    internal::RuleText text = internal::TextForRule(rule);
    EXPECT_FALSE(text.en.empty()) << rule;
    EXPECT_FALSE(text.zh.empty()) << rule;
    EXPECT_NE(text.en, text.zh) << rule;
  }
}

TEST(PolicyTypesDeathTest, UnknownRuleMessageIsABug) {
  EXPECT_DEATH({ (void)internal::TextForRule("no.such_rule"); }, "no message");
}

}  // namespace
}  // namespace custos::policy
