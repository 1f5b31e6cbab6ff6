#include "policy/engine.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "policy/policy.h"
#include "policy/rules.h"

namespace custos::policy {
namespace {

using C = Classification;
using S = LoanState;

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr UnixMillis kHour = 3'600'000;

// People. alice owns and wrote the record; bob borrows; carol and dave
// approve; erin is the records clerk; the rest hold one role each.
constexpr const char* kAlice = "alice";
constexpr const char* kBob = "bob";
constexpr const char* kCarol = "carol";
constexpr const char* kDave = "dave";
constexpr const char* kErin = "erin";

constexpr const char* kGoodReason = "核对本季度报价与合同条款是否一致";  // 16 characters

const Policy& DefaultPolicy() {
  static const Policy* policy = [] {
    const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
    Result<Policy> p =
        LoadPolicyFile(std::string(root != nullptr ? root : CUSTOS_TEST_SOURCE_ROOT) +
                       "/policy/default-policy.xml");
    if (!p.ok()) Die("default policy does not load: " + p.status().ToString());
    return new Policy(std::move(p).value());
  }();
  return *policy;
}

ActorFacts Actor(std::string id, std::vector<Role> roles,
                 EmploymentState employment = EmploymentState::kActive) {
  ActorFacts a;
  a.user_id = std::move(id);
  a.roles = std::move(roles);
  a.employment = employment;
  return a;
}

RecordFacts Record(Classification c) {
  RecordFacts r;
  r.id = "rec-1";
  r.classification = c;
  r.owner_id = kAlice;
  r.author_id = kAlice;
  r.custodian_id = kErin;
  return r;
}

// A loan of `kind` requested by `requester` in `state`, with its approvals
// and releasing custodian, due an hour from now.
LoanFacts Loan(std::string requester, LoanState state, std::vector<std::string> approvers = {},
               std::string released_by = {}, LoanKind kind = LoanKind::kView) {
  LoanFacts l;
  l.id = "loan-1";
  l.record_id = "rec-1";
  l.kind = kind;
  l.state = state;
  l.requester_id = std::move(requester);
  l.approver_ids = std::move(approvers);
  l.released_by = std::move(released_by);
  l.due = state == LoanState::kRequested ? 0 : kNow + kHour;
  return l;
}

Facts Base(ActorFacts actor, Classification c, std::optional<LoanFacts> loan = std::nullopt) {
  Facts f;
  f.actor = std::move(actor);
  f.record = Record(c);
  f.loan = std::move(loan);
  f.now = kNow;
  f.reason = kGoodReason;
  return f;
}

// Facts changed by a lambda, for the odd field a row needs.
Facts With(Facts f, const std::function<void(Facts&)>& edit) {
  edit(f);
  return f;
}

// A ready-to-use view loan for bob at each classification.
std::optional<LoanFacts> BobsViewLoan(Classification c) {
  switch (c) {
    case C::kTopSecret:
      return Loan(kBob, S::kActive, {kCarol, kDave}, kErin);
    case C::kSecret:
      return Loan(kBob, S::kActive, {kCarol}, kErin);
    default:
      return Loan(kBob, S::kActive, {kCarol});
  }
}

struct Row {
  const char* situation;
  Action action;
  Facts facts;
  bool allow;
  std::string_view rule;
};

void RunTable(const std::vector<Row>& table) {
  for (const Row& row : table) {
    SCOPED_TRACE(std::string(row.situation) + " [" + std::string(ActionId(row.action)) + "]");
    const Decision d = Decide(DefaultPolicy(), row.facts, row.action);
    EXPECT_EQ(d.allow, row.allow);
    EXPECT_EQ(d.rule, row.rule);
    EXPECT_FALSE(d.message_en.empty());
    EXPECT_FALSE(d.message_zh.empty());
  }
}

const ActorFacts kBorrower = Actor(kBob, {Role::kBorrower});
const ActorFacts kApprover = Actor(kCarol, {Role::kApprover});
const ActorFacts kApprover2 = Actor(kDave, {Role::kApprover});
const ActorFacts kCustodian = Actor(kErin, {Role::kCustodian});
const ActorFacts kOwner = Actor(kAlice, {Role::kAuthor});

// Role × classification for viewing, with everything else in order (a loan
// approved and released as each marking needs, a long reason, no views used).
TEST(PolicyEngineTest, ViewMatrixRoleByClassification) {
  const std::string_view kAllow = "allow";
  // Columns: public, internal, confidential, secret, top_secret.
  struct MatrixRow {
    Role role;
    std::array<std::string_view, kClassificationCount> expected;
  };
  const std::vector<MatrixRow> matrix = {
      {Role::kAuthor,
       {rules::kAllowViewOpen, rules::kAllowViewOpen, rules::kAllowViewLoan, rules::kAllowViewLoan,
        rules::kAllowViewLoan}},
      {Role::kBorrower,
       {rules::kAllowViewOpen, rules::kAllowViewOpen, rules::kAllowViewLoan, rules::kAllowViewLoan,
        rules::kAllowViewLoan}},
      {Role::kLegal,
       {rules::kAllowViewOpen, rules::kAllowViewOpen, rules::kAllowViewLoan, rules::kAllowViewLoan,
        rules::kClassificationViewDenied}},
      {Role::kAdmin,
       {rules::kAllowViewOpen, rules::kRoleContentBlind, rules::kRoleContentBlind,
        rules::kRoleContentBlind, rules::kRoleContentBlind}},
      {Role::kAuditor,
       {rules::kRoleNotPermitted, rules::kRoleNotPermitted, rules::kRoleNotPermitted,
        rules::kRoleNotPermitted, rules::kRoleNotPermitted}},
      {Role::kCustodian,
       {rules::kRoleNotPermitted, rules::kRoleNotPermitted, rules::kRoleNotPermitted,
        rules::kRoleNotPermitted, rules::kRoleNotPermitted}},
      {Role::kApprover,
       {rules::kRoleNotPermitted, rules::kRoleNotPermitted, rules::kRoleNotPermitted,
        rules::kRoleNotPermitted, rules::kRoleNotPermitted}},
      {Role::kHr,
       {rules::kRoleNotPermitted, rules::kRoleNotPermitted, rules::kRoleNotPermitted,
        rules::kRoleNotPermitted, rules::kRoleNotPermitted}},
      {Role::kLitigation,
       {rules::kRoleNotPermitted, rules::kRoleNotPermitted, rules::kRoleNotPermitted,
        rules::kRoleNotPermitted, rules::kRoleNotPermitted}},
  };
  ASSERT_EQ(matrix.size(), kRoleCount);
  for (const MatrixRow& row : matrix) {
    for (Classification c : kAllClassifications) {
      SCOPED_TRACE(std::string(RoleId(row.role)) + " views " + std::string(ClassificationId(c)));
      const Facts f = Base(Actor(kBob, {row.role}), c, BobsViewLoan(c));
      const Decision d = Decide(DefaultPolicy(), f, Action::kViewContent);
      const std::string_view want = row.expected[static_cast<std::size_t>(c)];
      EXPECT_EQ(d.rule, want);
      EXPECT_EQ(d.allow, want.starts_with(kAllow));
    }
  }
}

// Role × role-scoped action: who may do the administrative things.
TEST(PolicyEngineTest, RoleActionMatrix) {
  const std::vector<Action> actions = {
      Action::kCreateRecord,        Action::kSearchMetadata,  Action::kReadAuditLog,
      Action::kManageUsers,         Action::kApplyPolicy,     Action::kDraftContract,
      Action::kRegisterResignation, Action::kRequestEvidence,
  };
  // Rows in kAllRoles order; columns in `actions` order; 1 = allowed.
  const int expected[kRoleCount][8] = {
      /* author     */ {1, 1, 0, 0, 0, 0, 0, 0},
      /* borrower   */ {0, 1, 0, 0, 0, 0, 0, 0},
      /* custodian  */ {1, 1, 0, 0, 0, 0, 0, 0},
      /* approver   */ {0, 1, 0, 0, 0, 0, 0, 0},
      /* legal      */ {0, 1, 0, 0, 0, 1, 0, 0},
      /* litigation */ {0, 1, 0, 0, 0, 0, 0, 1},
      /* hr         */ {0, 1, 0, 0, 0, 0, 1, 0},
      /* auditor    */ {0, 1, 1, 0, 0, 0, 0, 0},
      /* admin      */ {0, 1, 0, 1, 1, 0, 0, 0},
  };
  for (std::size_t r = 0; r < kRoleCount; ++r) {
    for (std::size_t a = 0; a < actions.size(); ++a) {
      SCOPED_TRACE(std::string(RoleId(kAllRoles[r])) + " " + std::string(ActionId(actions[a])));
      Facts f = Base(Actor("zed", {kAllRoles[r]}), C::kConfidential);
      f.target_user_id = kBob;
      f.reason = "case 2026-017";
      const Decision d = Decide(DefaultPolicy(), f, actions[a]);
      EXPECT_EQ(d.allow, expected[r][a] == 1);
      const std::string_view allowed = actions[a] == Action::kRequestEvidence
                                           ? rules::kAllowEvidenceRequest
                                       : actions[a] == Action::kManageUsers ? rules::kAllowUserAdmin
                                                                            : rules::kAllowRole;
      EXPECT_EQ(d.rule, expected[r][a] == 1 ? allowed : rules::kRoleNotPermitted);
    }
  }
}

TEST(PolicyEngineTest, ViewSituations) {
  RunTable({
      {"confidential without a loan", Action::kViewContent, Base(kBorrower, C::kConfidential),
       false, rules::kLoanRequired},
      {"confidential with an active loan", Action::kViewContent,
       Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential)), true,
       rules::kAllowViewLoan},
      {"internal needs no loan", Action::kViewContent, Base(kBorrower, C::kInternal), true,
       rules::kAllowViewOpen},
      {"expired loan (due passed, state still active)", Action::kViewContent,
       With(Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential)),
            [](Facts& f) { f.now = f.loan->due; }),
       false, rules::kLoanExpired},
      {"expired loan (state)", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kExpired, {kCarol})), false,
       rules::kLoanExpired},
      {"returned loan", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kReturned, {kCarol})), false,
       rules::kLoanReturned},
      {"revoked loan", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kRevoked, {kCarol})), false,
       rules::kLoanRevoked},
      {"denied loan", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kDenied)), false, rules::kLoanDenied},
      {"requested, not yet approved", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kRequested)), false,
       rules::kLoanNotApproved},
      {"approved, no release needed", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kApproved, {kCarol})), true,
       rules::kAllowViewLoan},
      {"secret approved but not released", Action::kViewContent,
       Base(kBorrower, C::kSecret, Loan(kBob, S::kApproved, {kCarol})), false,
       rules::kLoanNotReleased},
      {"secret released", Action::kViewContent,
       Base(kBorrower, C::kSecret, Loan(kBob, S::kReleased, {kCarol}, kErin)), true,
       rules::kAllowViewLoan},
      {"someone else's loan", Action::kViewContent,
       Base(Actor("mallory", {Role::kBorrower}), C::kConfidential, BobsViewLoan(C::kConfidential)),
       false, rules::kLoanNotYours},
      {"loan for another record", Action::kViewContent,
       With(Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential)),
            [](Facts& f) { f.loan->record_id = "rec-2"; }),
       false, rules::kLoanWrongRecord},
      {"copy loan used to view", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kActive, {kCarol}, "", LoanKind::kCopy)),
       false, rules::kLoanWrongKind},
      {"top secret with one approval", Action::kViewContent,
       Base(kBorrower, C::kTopSecret, Loan(kBob, S::kActive, {kCarol}, kErin)), false,
       rules::kLoanNotApproved},
      {"top secret, same approver twice", Action::kViewContent,
       Base(kBorrower, C::kTopSecret, Loan(kBob, S::kActive, {kCarol, kCarol}, kErin)), false,
       rules::kLoanNotApproved},
      {"top secret, two approvers, released", Action::kViewContent,
       Base(kBorrower, C::kTopSecret, BobsViewLoan(C::kTopSecret)), true, rules::kAllowViewLoan},
      {"loan approved by its own requester", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kActive, {kBob})), false,
       rules::kSodRequesterNotApprover},
      {"loan approved by the record's owner", Action::kViewContent,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kActive, {kAlice})), false,
       rules::kSodOwnerNotApprover},
      {"loan released by one of its approvers", Action::kViewContent,
       Base(kBorrower, C::kSecret, Loan(kBob, S::kActive, {kCarol}, kCarol)), false,
       rules::kSodCustodianNotApprover},
  });
}

TEST(PolicyEngineTest, ThreeViewsQuota) {
  for (int used = 0; used <= 4; ++used) {
    SCOPED_TRACE("views used " + std::to_string(used));
    Facts f = Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential));
    f.views_used = used;
    const Decision d = Decide(DefaultPolicy(), f, Action::kViewContent);
    EXPECT_EQ(d.view_quota, 3);
    if (used < 3) {
      EXPECT_TRUE(d.allow);
      EXPECT_EQ(d.rule, rules::kAllowViewLoan);
      EXPECT_EQ(d.views_left_after, 2 - used);
    } else {
      EXPECT_FALSE(d.allow);
      EXPECT_EQ(d.rule, rules::kQuotaExhausted);
      EXPECT_EQ(d.views_left_after, 0);
      EXPECT_NE(d.message_en.find(std::to_string(used) + " of 3"), std::string::npos)
          << d.message_en;
    }
  }
  // Internal needs no loan but still counts.
  Facts f = Base(kBorrower, C::kInternal);
  f.views_used = 3;
  EXPECT_EQ(Decide(DefaultPolicy(), f, Action::kViewContent).rule, rules::kQuotaExhausted);
  // Public is unlimited.
  f = Base(kBorrower, C::kPublic);
  f.views_used = 1000;
  const Decision d = Decide(DefaultPolicy(), f, Action::kViewContent);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.view_quota, std::nullopt);
  EXPECT_EQ(d.views_left_after, std::nullopt);
}

TEST(PolicyEngineTest, OwnerRule) {
  RunTable({
      {"owner views own confidential without a loan", Action::kViewContent,
       Base(kOwner, C::kConfidential), true, rules::kAllowViewOwner},
      {"owner's quota is unlimited on confidential", Action::kViewContent,
       With(Base(kOwner, C::kConfidential), [](Facts& f) { f.views_used = 500; }), true,
       rules::kAllowViewOwner},
      {"owner on secret: 10 views, 10th allowed", Action::kViewContent,
       With(Base(kOwner, C::kSecret), [](Facts& f) { f.views_used = 9; }), true,
       rules::kAllowViewOwner},
      {"owner on secret: 11th denied", Action::kViewContent,
       With(Base(kOwner, C::kSecret), [](Facts& f) { f.views_used = 10; }), false,
       rules::kQuotaExhausted},
      {"owner on top secret needs a loan", Action::kViewContent, Base(kOwner, C::kTopSecret), false,
       rules::kLoanRequired},
      {"owner on top secret with a two-approver loan", Action::kViewContent,
       Base(kOwner, C::kTopSecret, Loan(kAlice, S::kActive, {kCarol, kDave}, kErin)), true,
       rules::kAllowViewLoan},
      {"author who is no longer the owner needs a loan", Action::kViewContent,
       With(Base(kOwner, C::kConfidential), [](Facts& f) { f.record->owner_id = "successor"; }),
       false, rules::kLoanRequired},
      {"owner copying own file still needs approval", Action::kCopy, Base(kOwner, C::kConfidential),
       false, rules::kLoanRequired},
  });
}

TEST(PolicyEngineTest, ReasonRules) {
  auto reason = [](std::string text) { return [text](Facts& f) { f.reason = text; }; };
  RunTable({
      {"no reason", Action::kViewContent,
       With(Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential)), reason("")), false,
       rules::kReasonRequired},
      {"blank reason", Action::kViewContent,
       With(Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential)),
            reason(" \t\u3000 ")),
       false, rules::kReasonRequired},
      {"3 characters where 4 are needed", Action::kViewContent,
       With(Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential)), reason("看一下")),
       false, rules::kReasonTooShort},
      {"4 characters counted as code points, not bytes", Action::kViewContent,
       With(Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential)), reason("核对报价")),
       true, rules::kAllowViewLoan},
      {"top secret wants 10", Action::kViewContent,
       With(Base(kBorrower, C::kTopSecret, BobsViewLoan(C::kTopSecret)), reason("核对报价单")),
       false, rules::kReasonTooShort},
      {"public needs none", Action::kViewContent, With(Base(kBorrower, C::kPublic), reason("")),
       true, rules::kAllowViewOpen},
      {"a loan request needs one too", Action::kRequestLoan,
       With(Base(kBorrower, C::kConfidential, Loan(kBob, S::kRequested)), reason("")), false,
       rules::kReasonRequired},
  });
}

TEST(PolicyEngineTest, EmploymentRules) {
  const ActorFacts departed = Actor(kBob, {Role::kBorrower}, EmploymentState::kDeparted);
  const ActorFacts leaving = Actor(kBob, {Role::kBorrower}, EmploymentState::kNoticeGiven);
  ActorFacts handing_over = leaving;
  handing_over.in_handover = true;
  RunTable({
      {"departed: even public", Action::kViewContent, Base(departed, C::kPublic), false,
       rules::kEmploymentDeparted},
      {"departed: with a valid loan", Action::kViewContent,
       Base(departed, C::kConfidential, BobsViewLoan(C::kConfidential)), false,
       rules::kEmploymentDeparted},
      {"departed: search", Action::kSearchMetadata, Base(departed, C::kPublic), false,
       rules::kEmploymentDeparted},
      {"departed: return", Action::kReturnLoan,
       Base(departed, C::kConfidential, BobsViewLoan(C::kConfidential)), false,
       rules::kEmploymentDeparted},
      {"departed admin", Action::kManageUsers,
       Base(Actor("root", {Role::kAdmin}, EmploymentState::kDeparted), C::kPublic), false,
       rules::kEmploymentDeparted},
      {"notice: view outside handover", Action::kViewContent,
       Base(leaving, C::kConfidential, BobsViewLoan(C::kConfidential)), false,
       rules::kEmploymentNoticePeriod},
      {"notice: view for handover", Action::kViewContent,
       Base(handing_over, C::kConfidential, BobsViewLoan(C::kConfidential)), true,
       rules::kAllowViewLoan},
      {"notice: handover view still counts the quota", Action::kViewContent,
       With(Base(handing_over, C::kConfidential, BobsViewLoan(C::kConfidential)),
            [](Facts& f) { f.views_used = 3; }),
       false, rules::kQuotaExhausted},
      {"notice: no new loans", Action::kRequestLoan,
       Base(handing_over, C::kConfidential, Loan(kBob, S::kRequested)), false,
       rules::kEmploymentNoticePeriod},
      {"notice: no copies even in handover", Action::kCopy, Base(handing_over, C::kPublic), false,
       rules::kEmploymentNoticePeriod},
      {"notice: return a loan", Action::kReturnLoan,
       Base(leaving, C::kConfidential, BobsViewLoan(C::kConfidential)), true,
       rules::kAllowLoanReturn},
      {"notice: search", Action::kSearchMetadata, Base(leaving, C::kPublic), true,
       rules::kAllowRole},
      {"notice: approver may not approve", Action::kApproveLoan,
       Base(Actor(kCarol, {Role::kApprover}, EmploymentState::kNoticeGiven), C::kConfidential,
            Loan(kBob, S::kRequested)),
       false, rules::kEmploymentNoticePeriod},
  });
}

// A handover view opens the record to the leaver; taking its files away
// (an attachment's download) stays closed until they are employed again.
TEST(PolicyEngineTest, OnlyTheEmployedTakeFilesAway) {
  ActorFacts leaving = Actor(kBob, {Role::kBorrower}, EmploymentState::kNoticeGiven);
  leaving.in_handover = true;
  EXPECT_FALSE(MayTakeFileAway(leaving));
  EXPECT_FALSE(MayTakeFileAway(Actor(kBob, {Role::kBorrower}, EmploymentState::kDeparted)));
  EXPECT_TRUE(MayTakeFileAway(Actor(kBob, {Role::kBorrower}, EmploymentState::kActive)));
}

TEST(PolicyEngineTest, AdminAndAuditorAreContentBlind) {
  const ActorFacts admin_borrower = Actor("root", {Role::kAdmin, Role::kBorrower});
  const ActorFacts auditor_author = Actor("audrey", {Role::kAuditor, Role::kAuthor});
  RunTable({
      {"admin views public", Action::kViewContent, Base(Actor("root", {Role::kAdmin}), C::kPublic),
       true, rules::kAllowViewOpen},
      {"admin views internal", Action::kViewContent,
       Base(Actor("root", {Role::kAdmin}), C::kInternal), false, rules::kRoleContentBlind},
      {"admin who is also a borrower, with a loan", Action::kViewContent,
       Base(Actor(kBob, {Role::kAdmin, Role::kBorrower}), C::kSecret, BobsViewLoan(C::kSecret)),
       false, rules::kRoleContentBlind},
      {"admin-borrower asks for a loan", Action::kRequestLoan,
       Base(admin_borrower, C::kConfidential, Loan("root", S::kRequested)), false,
       rules::kRoleContentBlind},
      {"admin-borrower exports", Action::kExport, Base(admin_borrower, C::kConfidential), false,
       rules::kRoleContentBlind},
      {"auditor-author owner of the record", Action::kViewContent,
       With(Base(auditor_author, C::kConfidential),
            [](Facts& f) { f.record->owner_id = "audrey"; }),
       false, rules::kRoleContentBlind},
      {"auditor-author updates own record", Action::kUpdateRecord,
       With(Base(auditor_author, C::kConfidential),
            [](Facts& f) { f.record->owner_id = "audrey"; }),
       false, rules::kRoleContentBlind},
      {"auditor reads the log", Action::kReadAuditLog,
       Base(Actor("aud", {Role::kAuditor}), C::kTopSecret), true, rules::kAllowRole},
  });
}

TEST(PolicyEngineTest, CopyPrintExport) {
  RunTable({
      {"copy public: free", Action::kCopy, Base(kBorrower, C::kPublic), true, rules::kAllowUseFree},
      {"copy confidential without approval", Action::kCopy, Base(kBorrower, C::kConfidential),
       false, rules::kLoanRequired},
      {"copy confidential under a copy loan", Action::kCopy,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kActive, {kCarol}, "", LoanKind::kCopy)),
       true, rules::kAllowUseLoan},
      {"copy under a view loan", Action::kCopy,
       Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential)), false,
       rules::kLoanWrongKind},
      {"print under a copy loan", Action::kPrint,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kActive, {kCarol}, "", LoanKind::kCopy)),
       false, rules::kLoanWrongKind},
      {"copy top secret: forbidden", Action::kCopy,
       Base(kBorrower, C::kTopSecret,
            Loan(kBob, S::kActive, {kCarol, kDave}, kErin, LoanKind::kCopy)),
       false, rules::kUseForbidden},
      {"export top secret: forbidden", Action::kExport, Base(kBorrower, C::kTopSecret), false,
       rules::kUseForbidden},
      {"print top secret with one approval", Action::kPrint,
       Base(kBorrower, C::kTopSecret, Loan(kBob, S::kActive, {kCarol}, kErin, LoanKind::kPrint)),
       false, rules::kLoanNotApproved},
      {"print top secret with two approvals", Action::kPrint,
       Base(kBorrower, C::kTopSecret,
            Loan(kBob, S::kActive, {kCarol, kDave}, kErin, LoanKind::kPrint)),
       true, rules::kAllowUseLoan},
      {"export secret with one approval (needs two)", Action::kExport,
       Base(kBorrower, C::kSecret, Loan(kBob, S::kActive, {kCarol}, kErin, LoanKind::kExport)),
       false, rules::kLoanNotApproved},
      {"export secret, approved but not released", Action::kExport,
       Base(kBorrower, C::kSecret,
            Loan(kBob, S::kApproved, {kCarol, kDave}, "", LoanKind::kExport)),
       false, rules::kLoanNotReleased},
      {"legal may not copy", Action::kCopy, Base(Actor("lee", {Role::kLegal}), C::kPublic), false,
       rules::kRoleNotPermitted},
      {"a copy counts against the three views", Action::kCopy,
       With(
           Base(kBorrower, C::kConfidential, Loan(kBob, S::kActive, {kCarol}, "", LoanKind::kCopy)),
           [](Facts& f) { f.views_used = 3; }),
       false, rules::kQuotaExhausted},
      {"a copy within the quota", Action::kCopy,
       With(
           Base(kBorrower, C::kConfidential, Loan(kBob, S::kActive, {kCarol}, "", LoanKind::kCopy)),
           [](Facts& f) { f.views_used = 2; }),
       true, rules::kAllowUseLoan},
  });
}

TEST(PolicyEngineTest, RequestLoan) {
  const Decision d =
      Decide(DefaultPolicy(), Base(kBorrower, C::kTopSecret, Loan(kBob, S::kRequested)),
             Action::kRequestLoan);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, rules::kAllowLoanRequest);
  EXPECT_EQ(d.approvals_required, 2);
  EXPECT_TRUE(d.custodian_release_required);
  EXPECT_EQ(d.latest_due, kNow + 24 * kHour);

  auto due = [](UnixMillis t) { return [t](Facts& f) { f.requested_due = t; }; };
  RunTable({
      {"confidential view loan", Action::kRequestLoan,
       Base(kBorrower, C::kConfidential, Loan(kBob, S::kRequested)), true,
       rules::kAllowLoanRequest},
      {"within the longest loan", Action::kRequestLoan,
       With(Base(kBorrower, C::kConfidential, Loan(kBob, S::kRequested)), due(kNow + 72 * kHour)),
       true, rules::kAllowLoanRequest},
      {"longer than the policy allows", Action::kRequestLoan,
       With(Base(kBorrower, C::kConfidential, Loan(kBob, S::kRequested)),
            due(kNow + 72 * kHour + 1)),
       false, rules::kLoanTooLong},
      {"due in the past", Action::kRequestLoan,
       With(Base(kBorrower, C::kConfidential, Loan(kBob, S::kRequested)), due(kNow - 1)), false,
       rules::kLoanInvalidDue},
      {"internal needs no loan", Action::kRequestLoan,
       Base(kBorrower, C::kInternal, Loan(kBob, S::kRequested)), false, rules::kLoanNotRequired},
      {"owner of a confidential file needs none", Action::kRequestLoan,
       Base(kOwner, C::kConfidential, Loan(kAlice, S::kRequested)), false, rules::kLoanNotRequired},
      {"owner of a top secret file asks", Action::kRequestLoan,
       Base(kOwner, C::kTopSecret, Loan(kAlice, S::kRequested)), true, rules::kAllowLoanRequest},
      {"copy of top secret", Action::kRequestLoan,
       Base(kBorrower, C::kTopSecret, Loan(kBob, S::kRequested, {}, "", LoanKind::kCopy)), false,
       rules::kUseForbidden},
      {"copy of public is free", Action::kRequestLoan,
       Base(kBorrower, C::kPublic, Loan(kBob, S::kRequested, {}, "", LoanKind::kCopy)), false,
       rules::kLoanNotRequired},
      {"export of secret", Action::kRequestLoan,
       Base(kBorrower, C::kSecret, Loan(kBob, S::kRequested, {}, "", LoanKind::kExport)), true,
       rules::kAllowLoanRequest},
      {"legal asks for top secret", Action::kRequestLoan,
       Base(Actor("lee", {Role::kLegal}), C::kTopSecret, Loan("lee", S::kRequested)), false,
       rules::kClassificationViewDenied},
      {"legal asks to copy", Action::kRequestLoan,
       Base(Actor("lee", {Role::kLegal}), C::kConfidential,
            Loan("lee", S::kRequested, {}, "", LoanKind::kCopy)),
       false, rules::kRoleNotPermitted},
      {"request on someone else's behalf", Action::kRequestLoan,
       Base(kBorrower, C::kConfidential, Loan(kDave, S::kRequested)), false, rules::kLoanNotYours},
      {"approver cannot borrow by that role", Action::kRequestLoan,
       Base(kApprover, C::kConfidential, Loan(kCarol, S::kRequested)), false,
       rules::kRoleNotPermitted},
  });
}

TEST(PolicyEngineTest, ApproveAndDenyLoan) {
  const ActorFacts bob_approver = Actor(kBob, {Role::kBorrower, Role::kApprover});
  const ActorFacts alice_approver = Actor(kAlice, {Role::kAuthor, Role::kApprover});
  RunTable({
      {"approver approves", Action::kApproveLoan,
       Base(kApprover, C::kConfidential, Loan(kBob, S::kRequested)), true,
       rules::kAllowLoanApprove},
      {"approving own request", Action::kApproveLoan,
       Base(bob_approver, C::kConfidential, Loan(kBob, S::kRequested)), false,
       rules::kSodRequesterNotApprover},
      {"owner approves access to own file", Action::kApproveLoan,
       Base(alice_approver, C::kConfidential, Loan(kBob, S::kRequested)), false,
       rules::kSodOwnerNotApprover},
      {"the file's keeper approves", Action::kApproveLoan,
       Base(Actor(kErin, {Role::kCustodian, Role::kApprover}), C::kConfidential,
            Loan(kBob, S::kRequested)),
       false, rules::kSodKeeperNotApprover},
      {"author (not owner) approves", Action::kApproveLoan,
       With(Base(alice_approver, C::kConfidential, Loan(kBob, S::kRequested)),
            [](Facts& f) { f.record->owner_id = "successor"; }),
       false, rules::kSodOwnerNotApprover},
      {"top secret: same approver twice", Action::kApproveLoan,
       Base(kApprover, C::kTopSecret, Loan(kBob, S::kRequested, {kCarol})), false,
       rules::kSodApproverCountedTwice},
      {"top secret: second, different approver", Action::kApproveLoan,
       Base(kApprover2, C::kTopSecret, Loan(kBob, S::kRequested, {kCarol})), true,
       rules::kAllowLoanApprove},
      {"approve an approved loan", Action::kApproveLoan,
       Base(kApprover, C::kConfidential, Loan(kBob, S::kApproved, {kDave})), false,
       rules::kLoanNotPending},
      {"borrower approves", Action::kApproveLoan,
       Base(Actor("mallory", {Role::kBorrower}), C::kConfidential, Loan(kBob, S::kRequested)),
       false, rules::kRoleNotPermitted},
      {"departed approver", Action::kApproveLoan,
       Base(Actor(kCarol, {Role::kApprover}, EmploymentState::kDeparted), C::kConfidential,
            Loan(kBob, S::kRequested)),
       false, rules::kEmploymentDeparted},
      {"approval for a loan on another record", Action::kApproveLoan,
       With(Base(kApprover, C::kConfidential, Loan(kBob, S::kRequested)),
            [](Facts& f) { f.loan->record_id = "rec-9"; }),
       false, rules::kLoanWrongRecord},
      {"loan on internal (none needed)", Action::kApproveLoan,
       Base(kApprover, C::kInternal, Loan(kBob, S::kRequested)), false, rules::kLoanNotRequired},
      {"approver denies", Action::kDenyLoan,
       Base(kApprover, C::kConfidential, Loan(kBob, S::kRequested)), true, rules::kAllowLoanDeny},
      {"requester denies own", Action::kDenyLoan,
       Base(bob_approver, C::kConfidential, Loan(kBob, S::kRequested)), false,
       rules::kSodRequesterNotApprover},
      {"owner denies", Action::kDenyLoan,
       Base(alice_approver, C::kConfidential, Loan(kBob, S::kRequested)), false,
       rules::kSodOwnerNotApprover},
      {"deny a released loan", Action::kDenyLoan,
       Base(kApprover, C::kSecret, Loan(kBob, S::kReleased, {kDave}, kErin)), false,
       rules::kLoanNotPending},
  });

  // Whether an approval completes the count.
  Decision first =
      Decide(DefaultPolicy(), Base(kApprover, C::kTopSecret, Loan(kBob, S::kRequested)),
             Action::kApproveLoan);
  EXPECT_TRUE(first.allow);
  EXPECT_EQ(first.approvals_required, 2);
  EXPECT_FALSE(first.approvals_complete);
  EXPECT_TRUE(first.custodian_release_required);
  Decision second =
      Decide(DefaultPolicy(), Base(kApprover2, C::kTopSecret, Loan(kBob, S::kRequested, {kCarol})),
             Action::kApproveLoan);
  EXPECT_TRUE(second.approvals_complete);
  Decision single =
      Decide(DefaultPolicy(), Base(kApprover, C::kConfidential, Loan(kBob, S::kRequested)),
             Action::kApproveLoan);
  EXPECT_EQ(single.approvals_required, 1);
  EXPECT_TRUE(single.approvals_complete);
  EXPECT_FALSE(single.custodian_release_required);
}

TEST(PolicyEngineTest, ReleaseLoan) {
  const ActorFacts erin_approver = Actor(kErin, {Role::kCustodian, Role::kApprover});
  const ActorFacts bob_custodian = Actor(kBob, {Role::kCustodian, Role::kBorrower});
  const ActorFacts alice_custodian = Actor(kAlice, {Role::kCustodian});
  RunTable({
      {"custodian releases", Action::kReleaseLoan,
       Base(kCustodian, C::kSecret, Loan(kBob, S::kApproved, {kCarol})), true,
       rules::kAllowLoanRelease},
      {"custodian who approved it", Action::kReleaseLoan,
       Base(erin_approver, C::kSecret, Loan(kBob, S::kApproved, {kErin})), false,
       rules::kSodCustodianNotApprover},
      {"custodian who requested it", Action::kReleaseLoan,
       Base(bob_custodian, C::kSecret, Loan(kBob, S::kApproved, {kCarol})), false,
       rules::kSodRequesterNotCustodian},
      {"custodian who owns the record", Action::kReleaseLoan,
       Base(alice_custodian, C::kSecret, Loan(kBob, S::kApproved, {kCarol})), false,
       rules::kSodOwnerNotCustodian},
      {"release before approval", Action::kReleaseLoan,
       Base(kCustodian, C::kSecret, Loan(kBob, S::kRequested)), false, rules::kLoanNotApproved},
      {"release a denied loan", Action::kReleaseLoan,
       Base(kCustodian, C::kSecret, Loan(kBob, S::kDenied)), false, rules::kLoanDenied},
      {"release twice", Action::kReleaseLoan,
       Base(kCustodian, C::kSecret, Loan(kBob, S::kReleased, {kCarol}, kErin)), false,
       rules::kLoanNotPending},
      {"release after the due time", Action::kReleaseLoan,
       With(Base(kCustodian, C::kSecret, Loan(kBob, S::kApproved, {kCarol})),
            [](Facts& f) { f.now = f.loan->due + 1; }),
       false, rules::kLoanExpired},
      {"top secret 'approved' with one approval", Action::kReleaseLoan,
       Base(kCustodian, C::kTopSecret, Loan(kBob, S::kApproved, {kCarol})), false,
       rules::kLoanNotApproved},
      {"borrower releases", Action::kReleaseLoan,
       Base(kBorrower, C::kSecret, Loan("x", S::kApproved, {kCarol})), false,
       rules::kRoleNotPermitted},
  });
}

TEST(PolicyEngineTest, ReturnRevokeExtend) {
  auto due = [](UnixMillis t) { return [t](Facts& f) { f.requested_due = t; }; };
  RunTable({
      {"borrower returns", Action::kReturnLoan,
       Base(kBorrower, C::kSecret, BobsViewLoan(C::kSecret)), true, rules::kAllowLoanReturn},
      {"custodian takes it back", Action::kReturnLoan,
       Base(kCustodian, C::kSecret, BobsViewLoan(C::kSecret)), true, rules::kAllowLoanReturn},
      {"overdue paper comes back", Action::kReturnLoan,
       Base(kCustodian, C::kSecret, Loan(kBob, S::kExpired, {kCarol}, kErin)), true,
       rules::kAllowLoanReturn},
      {"approver returns someone's loan", Action::kReturnLoan,
       Base(kApprover, C::kSecret, BobsViewLoan(C::kSecret)), false, rules::kLoanNotYours},
      {"return twice", Action::kReturnLoan,
       Base(kBorrower, C::kSecret, Loan(kBob, S::kReturned, {kCarol}, kErin)), false,
       rules::kLoanNotOpen},
      {"approver revokes", Action::kRevokeLoan,
       Base(kApprover, C::kSecret, BobsViewLoan(C::kSecret)), true, rules::kAllowLoanRevoke},
      {"custodian revokes a request", Action::kRevokeLoan,
       Base(kCustodian, C::kSecret, Loan(kBob, S::kRequested)), true, rules::kAllowLoanRevoke},
      {"borrower revokes", Action::kRevokeLoan,
       Base(kBorrower, C::kSecret, BobsViewLoan(C::kSecret)), false, rules::kRoleNotPermitted},
      {"revoke a returned loan", Action::kRevokeLoan,
       Base(kApprover, C::kSecret, Loan(kBob, S::kReturned, {kDave}, kErin)), false,
       rules::kLoanNotOpen},
      {"extend within the longest loan", Action::kExtendLoan,
       With(Base(kApprover2, C::kConfidential, BobsViewLoan(C::kConfidential)),
            due(kNow + 48 * kHour)),
       true, rules::kAllowLoanExtend},
      {"extend beyond the longest loan", Action::kExtendLoan,
       With(Base(kApprover2, C::kConfidential, BobsViewLoan(C::kConfidential)),
            due(kNow + 73 * kHour)),
       false, rules::kLoanTooLong},
      {"extend to an earlier due time", Action::kExtendLoan,
       With(Base(kApprover2, C::kConfidential, BobsViewLoan(C::kConfidential)), due(kNow + 1)),
       false, rules::kLoanInvalidDue},
      {"extend without a due time", Action::kExtendLoan,
       Base(kApprover2, C::kConfidential, BobsViewLoan(C::kConfidential)), false,
       rules::kFactsIncomplete},
      {"extend an expired loan", Action::kExtendLoan,
       With(Base(kApprover2, C::kConfidential, BobsViewLoan(C::kConfidential)),
            [](Facts& f) {
              f.now = f.loan->due;
              f.requested_due = f.now + kHour;
            }),
       false, rules::kLoanExpired},
      {"requester extends own loan", Action::kExtendLoan,
       With(Base(Actor(kBob, {Role::kApprover}), C::kConfidential, BobsViewLoan(C::kConfidential)),
            due(kNow + 2 * kHour)),
       false, rules::kSodRequesterNotApprover},
      {"releasing custodian approves the extension", Action::kExtendLoan,
       With(With(Base(Actor(kErin, {Role::kApprover, Role::kCustodian}), C::kSecret,
                      BobsViewLoan(C::kSecret)),
                 due(kNow + 2 * kHour)),
            [](Facts& f) { f.record->custodian_id = "frank"; }),  // not the keeper now
       false, rules::kSodCustodianNotApprover},
      {"top secret extension: same approver twice", Action::kExtendLoan,
       With(Base(kApprover, C::kTopSecret, BobsViewLoan(C::kTopSecret)),
            [](Facts& f) {
              f.loan->extension_approver_ids = {kCarol};
              f.requested_due = kNow + 2 * kHour;
            }),
       false, rules::kSodApproverCountedTwice},
  });
}

TEST(PolicyEngineTest, RecordsAndReassignment) {
  auto target = [](std::string who) { return [who](Facts& f) { f.target_user_id = who; }; };
  RunTable({
      {"owner updates", Action::kUpdateRecord, Base(kOwner, C::kSecret), true,
       rules::kAllowRecordUpdate},
      {"another author updates", Action::kUpdateRecord,
       Base(Actor(kBob, {Role::kAuthor}), C::kSecret), false, rules::kRecordNotOwner},
      {"departed owner updates", Action::kUpdateRecord,
       Base(Actor(kAlice, {Role::kAuthor}, EmploymentState::kDeparted), C::kSecret), false,
       rules::kEmploymentDeparted},
      {"owner on notice updates", Action::kUpdateRecord,
       Base(Actor(kAlice, {Role::kAuthor}, EmploymentState::kNoticeGiven), C::kSecret), false,
       rules::kEmploymentNoticePeriod},
      {"approver reassigns to a successor", Action::kReassignOwner,
       With(Base(kApprover, C::kSecret), target(kBob)), true, rules::kAllowRecordReassign},
      {"owner reassigns own record", Action::kReassignOwner,
       With(Base(Actor(kAlice, {Role::kApprover, Role::kAuthor}), C::kSecret), target(kBob)), false,
       rules::kSodOwnerNotApprover},
      {"approver assigns to self", Action::kReassignOwner,
       With(Base(kApprover, C::kSecret), target(kCarol)), false, rules::kSodSelfAssignment},
      {"reassign without a successor", Action::kReassignOwner, Base(kApprover, C::kSecret), false,
       rules::kFactsIncomplete},
      {"author cannot reassign", Action::kReassignOwner,
       With(Base(Actor(kBob, {Role::kAuthor}), C::kSecret), target(kDave)), false,
       rules::kRoleNotPermitted},
      {"hr registers a resignation", Action::kRegisterResignation,
       With(Base(Actor("hannah", {Role::kHr}), C::kPublic), target(kAlice)), true,
       rules::kAllowRole},
      {"resignation without the person", Action::kRegisterResignation,
       Base(Actor("hannah", {Role::kHr}), C::kPublic), false, rules::kFactsIncomplete},
      {"hr handles their own resignation", Action::kRegisterResignation,
       With(Base(Actor("hannah", {Role::kHr}), C::kPublic), target("hannah")), false,
       rules::kSodOwnDeparture},
      {"evidence export without a case", Action::kExportEvidence,
       With(Base(Actor("lit", {Role::kLitigation}), C::kPublic),
            [](Facts& f) { f.reason.clear(); }),
       false, rules::kReasonRequired},
  });
}

// The customer's side of a handover: the successor (kBob here) records the
// answer without any role; a custodian by role; others not. Only an approver
// who is neither the successor nor the record's owner waives it.
TEST(PolicyEngineTest, CustomerConfirmationAndWaiver) {
  auto successor = [](std::string who) { return [who](Facts& f) { f.target_user_id = who; }; };
  RunTable({
      {"successor records the answer", Action::kConfirmCustomer,
       With(Base(kBorrower, C::kSecret), successor(kBob)), true, rules::kAllowCustomerSuccessor},
      {"custodian records the answer", Action::kConfirmCustomer,
       With(Base(kCustodian, C::kSecret), successor(kBob)), true, rules::kAllowCustomerConfirm},
      {"another salesperson may not", Action::kConfirmCustomer,
       With(Base(Actor("zed", {Role::kAuthor}), C::kSecret), successor(kBob)), false,
       rules::kRoleNotPermitted},
      {"approver may not record it", Action::kConfirmCustomer,
       With(Base(kApprover, C::kSecret), successor(kBob)), false, rules::kRoleNotPermitted},
      {"successor on notice may not", Action::kConfirmCustomer,
       With(Base(Actor(kBob, {Role::kAuthor}, EmploymentState::kNoticeGiven), C::kSecret),
            successor(kBob)),
       false, rules::kEmploymentNoticePeriod},
      {"answer without a successor", Action::kConfirmCustomer, Base(kCustodian, C::kSecret), false,
       rules::kFactsIncomplete},
      {"approver waives", Action::kWaiveCustomerConfirmation,
       With(Base(kApprover, C::kSecret), successor(kBob)), true, rules::kAllowCustomerWaive},
      {"successor who approves may not waive", Action::kWaiveCustomerConfirmation,
       With(Base(Actor(kBob, {Role::kApprover, Role::kAuthor}), C::kSecret), successor(kBob)),
       false, rules::kSodSuccessorNotWaiver},
      {"owner who approves may not waive", Action::kWaiveCustomerConfirmation,
       With(Base(Actor(kAlice, {Role::kApprover, Role::kAuthor}), C::kSecret), successor(kBob)),
       false, rules::kSodOwnerNotApprover},
      {"custodian may not waive", Action::kWaiveCustomerConfirmation,
       With(Base(kCustodian, C::kSecret), successor(kBob)), false, rules::kRoleNotPermitted},
  });
}

TEST(PolicyEngineTest, MissingFactsFailClosed) {
  Facts no_user = Base(kBorrower, C::kPublic);
  no_user.actor.user_id.clear();
  Facts no_record = Base(kBorrower, C::kPublic);
  no_record.record.reset();
  Facts empty_record_id = Base(kBorrower, C::kPublic);
  empty_record_id.record->id.clear();
  RunTable({
      {"no user", Action::kViewContent, no_user, false, rules::kFactsIncomplete},
      {"no record", Action::kViewContent, no_record, false, rules::kFactsIncomplete},
      {"record without id", Action::kCopy, empty_record_id, false, rules::kFactsIncomplete},
      {"approve without a loan", Action::kApproveLoan, Base(kApprover, C::kSecret), false,
       rules::kFactsIncomplete},
      {"search needs no record", Action::kSearchMetadata, no_record, true, rules::kAllowRole},
  });
  // A record whose classification was never set is treated as top secret.
  Facts unset;
  unset.actor = kBorrower;
  unset.record = RecordFacts{};
  unset.record->id = "rec-1";
  unset.now = kNow;
  unset.reason = kGoodReason;
  unset.loan = Loan(kBob, S::kActive, {kCarol}, kErin);
  EXPECT_EQ(Decide(DefaultPolicy(), unset, Action::kViewContent).rule, rules::kLoanNotApproved);
}

TEST(PolicyEngineTest, AuthorizeMintsPermitsOnlyWhenAllowed) {
  static_assert(!std::is_default_constructible_v<Permit>);
  Policy policy = DefaultPolicy();
  policy.set_digest("5f1a");

  Facts f = Base(kBorrower, C::kConfidential, BobsViewLoan(C::kConfidential));
  f.views_used = 1;
  Authorization ok = Authorize(policy, f, Action::kViewContent);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok.status().ok());
  EXPECT_TRUE(ok.decision.allow);
  EXPECT_EQ(ok.permit->action(), Action::kViewContent);
  EXPECT_EQ(ok.permit->actor_id(), kBob);
  EXPECT_EQ(ok.permit->record_id(), "rec-1");
  EXPECT_EQ(ok.permit->loan_id(), "loan-1");
  EXPECT_EQ(ok.permit->rule(), rules::kAllowViewLoan);
  EXPECT_EQ(ok.permit->policy_version(), "2026.1");
  EXPECT_EQ(ok.permit->policy_digest(), "5f1a");
  EXPECT_EQ(ok.permit->decided_at(), kNow);
  EXPECT_EQ(ok.decision.views_left_after, 1);

  f.views_used = 3;
  Authorization exhausted = Authorize(policy, f, Action::kViewContent);
  EXPECT_FALSE(exhausted.ok());
  EXPECT_FALSE(exhausted.permit.has_value());
  EXPECT_EQ(exhausted.decision.rule, rules::kQuotaExhausted);
  EXPECT_EQ(exhausted.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(exhausted.status().message().find("quota.exhausted"), std::string::npos);

  Authorization sod = Authorize(
      policy, Base(Actor(kBob, {Role::kApprover}), C::kConfidential, Loan(kBob, S::kRequested)),
      Action::kApproveLoan);
  EXPECT_FALSE(sod.ok());
  EXPECT_EQ(sod.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(sod.status().message().rfind("sod.requester_not_approver: ", 0), 0u)
      << sod.status().message();
  EXPECT_NE(sod.decision.message_zh.find("申请人"), std::string::npos);

  Authorization search = Authorize(policy, Base(kBorrower, C::kPublic), Action::kSearchMetadata);
  ASSERT_TRUE(search.ok());
  EXPECT_EQ(search.permit->loan_id(), "");
}

// An evidence request by "lit" about bob, in `state` with `approvers`.
EvidenceFacts Evidence(EvidenceState state, std::vector<std::string> approvers = {},
                       int required = 1) {
  EvidenceFacts e;
  e.id = "e-1";
  e.requester_id = "lit";
  e.state = state;
  e.approver_ids = std::move(approvers);
  e.approvals_required = required;
  e.subject_ids = {kBob};
  return e;
}

Facts EvidenceCase(ActorFacts actor, std::optional<EvidenceFacts> evidence) {
  Facts f = Base(std::move(actor), C::kPublic);
  f.record.reset();
  f.reason = "(2026)沪0115民初1234号 取证";
  f.evidence = std::move(evidence);
  return f;
}

TEST(PolicyEngineTest, EvidenceRequestsSeparateRequesterApproverAndSubject) {
  using E = EvidenceState;
  const ActorFacts lit = Actor("lit", {Role::kLitigation});
  const ActorFacts lit_approver = Actor("lit", {Role::kLitigation, Role::kApprover});
  const ActorFacts bob_approver = Actor(kBob, {Role::kApprover});
  RunTable({
      {"litigation requests", Action::kRequestEvidence, EvidenceCase(lit, std::nullopt), true,
       rules::kAllowEvidenceRequest},
      {"request without a purpose", Action::kRequestEvidence,
       With(EvidenceCase(lit, std::nullopt), [](Facts& f) { f.reason = "  "; }), false,
       rules::kReasonRequired},
      {"a request about oneself", Action::kRequestEvidence,
       With(EvidenceCase(lit, Evidence(EvidenceState::kRequested)),
            [](Facts& f) { f.evidence->subject_ids = {"lit"}; }),
       false, rules::kSodSubjectNotRequester},
      {"an approver cannot request", Action::kRequestEvidence,
       EvidenceCase(kApprover, std::nullopt), false, rules::kRoleNotPermitted},
      {"litigation in notice period", Action::kRequestEvidence,
       EvidenceCase(Actor("lit", {Role::kLitigation}, EmploymentState::kNoticeGiven), std::nullopt),
       false, rules::kEmploymentNoticePeriod},
      {"approver approves", Action::kApproveEvidence,
       EvidenceCase(kApprover, Evidence(E::kRequested)), true, rules::kAllowEvidenceApprove},
      {"requester approves own request", Action::kApproveEvidence,
       EvidenceCase(lit_approver, Evidence(E::kRequested)), false, rules::kSodRequesterNotApprover},
      {"requester denies own request", Action::kDenyEvidence,
       EvidenceCase(lit_approver, Evidence(E::kRequested)), false, rules::kSodRequesterNotApprover},
      {"the person it is about approves", Action::kApproveEvidence,
       EvidenceCase(bob_approver, Evidence(E::kRequested)), false, rules::kSodSubjectNotApprover},
      {"one approver counted twice", Action::kApproveEvidence,
       EvidenceCase(kApprover, Evidence(E::kRequested, {kCarol}, 2)), false,
       rules::kSodApproverCountedTwice},
      {"approving a decided request", Action::kApproveEvidence,
       EvidenceCase(kApprover, Evidence(E::kApproved, {kDave})), false, rules::kEvidenceNotPending},
      {"litigation cannot approve", Action::kApproveEvidence,
       EvidenceCase(Actor("lit2", {Role::kLitigation}), Evidence(E::kRequested)), false,
       rules::kRoleNotPermitted},
      {"approve without the request", Action::kApproveEvidence,
       EvidenceCase(kApprover, std::nullopt), false, rules::kFactsIncomplete},
      {"approver denies", Action::kDenyEvidence, EvidenceCase(kApprover, Evidence(E::kRequested)),
       true, rules::kAllowEvidenceDeny},
      {"requester exports approved request", Action::kExportEvidence,
       EvidenceCase(lit, Evidence(E::kApproved, {kCarol})), true, rules::kAllowEvidenceExport},
      {"export before approval", Action::kExportEvidence,
       EvidenceCase(lit, Evidence(E::kRequested)), false, rules::kEvidenceNotApproved},
      {"export of a denied request", Action::kExportEvidence,
       EvidenceCase(lit, Evidence(E::kDenied)), false, rules::kEvidenceDenied},
      {"export by another litigator", Action::kExportEvidence,
       EvidenceCase(Actor("lit2", {Role::kLitigation}), Evidence(E::kApproved, {kCarol})), false,
       rules::kEvidenceNotRequester},
      {"export with one of two approvals", Action::kExportEvidence,
       EvidenceCase(lit, Evidence(E::kApproved, {kCarol}, 2)), false, rules::kEvidenceNotApproved},
      {"export self-approved by a bug", Action::kExportEvidence,
       EvidenceCase(lit, Evidence(E::kApproved, {"lit"})), false, rules::kSodRequesterNotApprover},
      {"export approved by its subject", Action::kExportEvidence,
       EvidenceCase(lit, Evidence(E::kApproved, {kBob})), false, rules::kSodSubjectNotApprover},
      {"an auditor cannot export", Action::kExportEvidence,
       EvidenceCase(Actor("lit", {Role::kAuditor}), Evidence(E::kApproved, {kCarol})), false,
       rules::kRoleNotPermitted},
      {"litigation lifts a hold", Action::kLiftLegalHold, EvidenceCase(lit, std::nullopt), true,
       rules::kAllowHoldLift},
      {"lift without a reason", Action::kLiftLegalHold,
       With(EvidenceCase(lit, std::nullopt), [](Facts& f) { f.reason.clear(); }), false,
       rules::kReasonRequired},
      {"an approver cannot lift a hold", Action::kLiftLegalHold,
       EvidenceCase(kApprover, std::nullopt), false, rules::kRoleNotPermitted},
  });
}

TEST(PolicyEngineTest, EvidenceApprovalsCountTowardsTheRequired) {
  Facts f = EvidenceCase(kApprover, Evidence(EvidenceState::kRequested, {}, 2));
  Decision first = Decide(DefaultPolicy(), f, Action::kApproveEvidence);
  ASSERT_TRUE(first.allow);
  EXPECT_EQ(first.approvals_required, 2);
  EXPECT_FALSE(first.approvals_complete);
  f = EvidenceCase(kApprover2, Evidence(EvidenceState::kRequested, {kCarol}, 2));
  Decision second = Decide(DefaultPolicy(), f, Action::kApproveEvidence);
  ASSERT_TRUE(second.allow);
  EXPECT_TRUE(second.approvals_complete);
}

TEST(PolicyEngineTest, LegalHoldBlocksDeclassifyingAndNeedsTwoApproversToMove) {
  auto held = [](Facts& f) { f.record->legal_hold = true; };
  RunTable({
      {"owner lowers a held record", Action::kUpdateRecord,
       With(Base(kOwner, C::kSecret),
            [&](Facts& f) {
              held(f);
              f.lowers_classification = true;
            }),
       false, rules::kHoldNoDeclassify},
      {"owner edits a held record", Action::kUpdateRecord, With(Base(kOwner, C::kSecret), held),
       true, rules::kAllowRecordUpdate},
      {"owner lowers a record not held: an approver's decision", Action::kUpdateRecord,
       With(Base(kOwner, C::kSecret), [](Facts& f) { f.lowers_classification = true; }), false,
       rules::kRecordLoweringNeedsApprover},
      {"first approver moves a held record", Action::kReassignOwner,
       With(Base(kApprover, C::kSecret),
            [&](Facts& f) {
              held(f);
              f.target_user_id = kDave;
            }),
       true, rules::kAllowHoldTransferFirst},
      {"same approver again", Action::kReassignOwner,
       With(Base(kApprover, C::kSecret),
            [&](Facts& f) {
              held(f);
              f.target_user_id = kDave;
              f.hold_first_approver = kCarol;
            }),
       false, rules::kSodApproverCountedTwice},
      {"second approver completes the move", Action::kReassignOwner,
       With(Base(kApprover2, C::kSecret),
            [&](Facts& f) {
              held(f);
              f.target_user_id = kErin;
              f.hold_first_approver = kCarol;
            }),
       true, rules::kAllowRecordReassign},
  });
  Facts first = With(Base(kApprover, C::kSecret), [&](Facts& f) {
    held(f);
    f.target_user_id = kDave;
  });
  const Decision d = Decide(DefaultPolicy(), first, Action::kReassignOwner);
  EXPECT_FALSE(d.approvals_complete);
  EXPECT_EQ(d.approvals_required, 2);
  Facts free = With(Base(kApprover, C::kSecret), [](Facts& f) { f.target_user_id = kDave; });
  EXPECT_TRUE(Decide(DefaultPolicy(), free, Action::kReassignOwner).approvals_complete);
}

// Decisions are pure: the same facts give the same decision.
TEST(PolicyEngineTest, DecisionsAreDeterministic) {
  const Facts f = Base(kBorrower, C::kTopSecret, BobsViewLoan(C::kTopSecret));
  const Decision a = Decide(DefaultPolicy(), f, Action::kViewContent);
  const Decision b = Decide(DefaultPolicy(), f, Action::kViewContent);
  EXPECT_EQ(a.allow, b.allow);
  EXPECT_EQ(a.rule, b.rule);
  EXPECT_EQ(a.message_en, b.message_en);
  EXPECT_EQ(a.message_zh, b.message_zh);
  EXPECT_EQ(a.views_left_after, b.views_left_after);
}

}  // namespace
}  // namespace custos::policy

namespace custos::policy {
namespace {

Facts UserAdmin(std::vector<Role> granted, std::string target = "target") {
  Facts f;
  f.actor = Actor("admin-a", {Role::kAdmin});
  f.now = kNow;
  f.target_user_id = std::move(target);
  UserAdminFacts ua;
  ua.granted_roles = std::move(granted);
  f.user_admin = ua;
  return f;
}

TEST(PolicyEngineTest, UserAdministrationKeepsTwoAdministratorsOnGuardedRoles) {
  const Policy& p = DefaultPolicy();
  // Unguarded roles: at once.
  Decision d = Decide(p, UserAdmin({Role::kAuthor, Role::kBorrower}), Action::kManageUsers);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, rules::kAllowUserAdmin);
  // Guarded ones wait for a second administrator.
  d = Decide(p, UserAdmin({Role::kBorrower, Role::kApprover}), Action::kManageUsers);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, rules::kAllowUserGrantPending);
  EXPECT_EQ(d.approvals_required, 2);
  EXPECT_FALSE(d.approvals_complete);
  // Never to oneself, guarded or not.
  d = Decide(p, UserAdmin({Role::kAuthor}, "admin-a"), Action::kManageUsers);
  EXPECT_FALSE(d.allow);
  EXPECT_EQ(d.rule, rules::kSodSelfGrant);
  // The first second administrator, when nobody else could confirm.
  Facts first = UserAdmin({Role::kAdmin});
  first.user_admin->other_admin_exists = false;
  d = Decide(p, first, Action::kManageUsers);
  EXPECT_EQ(d.rule, rules::kAllowUserFirstAdmin);
  EXPECT_TRUE(d.approvals_complete);
  // ...but only the admin role that way.
  first.user_admin->granted_roles = {Role::kAdmin, Role::kApprover};
  EXPECT_EQ(Decide(p, first, Action::kManageUsers).rule, rules::kAllowUserGrantPending);
  // Confirmation: not by the requester, nor by an account the requester's
  // setup link gave its password; not by a departed admin or a non-admin.
  Facts confirm = UserAdmin({Role::kApprover});
  confirm.user_admin->grant_requested_by = "admin-b";
  d = Decide(p, confirm, Action::kManageUsers);
  EXPECT_TRUE(d.allow);
  EXPECT_EQ(d.rule, rules::kAllowUserGrantConfirm);
  EXPECT_TRUE(d.approvals_complete);
  confirm.user_admin->grant_requested_by = "admin-a";
  EXPECT_EQ(Decide(p, confirm, Action::kManageUsers).rule, rules::kSodGrantConfirmer);
  confirm.user_admin->grant_requested_by = "admin-b";
  confirm.user_admin->actor_password_set_by = "admin-b";
  EXPECT_EQ(Decide(p, confirm, Action::kManageUsers).rule, rules::kSodGrantConfirmer);
  confirm.user_admin->actor_password_set_by = "";
  // Nor by the administrator whose reset link set the requester's password.
  confirm.user_admin->requester_password_set_by = confirm.actor.user_id;
  EXPECT_EQ(Decide(p, confirm, Action::kManageUsers).rule, rules::kSodGrantConfirmer);
  confirm.user_admin->requester_password_set_by = "";
  confirm.actor.employment = EmploymentState::kDeparted;
  EXPECT_FALSE(Decide(p, confirm, Action::kManageUsers).allow);
  confirm.actor = Actor("approver-c", {Role::kApprover});
  EXPECT_EQ(Decide(p, confirm, Action::kManageUsers).rule, rules::kRoleNotPermitted);
}

Facts AgreementStep(ActorFacts actor, std::string step) {
  Facts f;
  f.actor = std::move(actor);
  f.now = kNow;
  f.agreement = AgreementFacts{};
  f.agreement->step = std::move(step);
  f.agreement->drafted_by = "lena";
  f.agreement->employee_id = kBob;
  return f;
}

TEST(PolicyEngineTest, AgreementStepsAreDecidedByTheEngine) {
  const Policy& p = DefaultPolicy();
  auto rule = [&](const Facts& f) { return Decide(p, f, Action::kAgreementStep).rule; };
  const ActorFacts lena = Actor("lena", {Role::kLegal});
  const ActorFacts mark = Actor("mark", {Role::kLegal});
  // Legal's steps need the draft_contract permit; others are refused.
  EXPECT_EQ(rule(AgreementStep(lena, "draft")), rules::kAgreementsLegal);
  EXPECT_EQ(rule(AgreementStep(Actor(kErin, {Role::kCustodian}), "draft")),
            rules::kAgreementsLegalOnly);
  // The review is a second person: the drafter never sends their own draft.
  EXPECT_EQ(rule(AgreementStep(lena, "send")), rules::kAgreementsReviewByOther);
  EXPECT_EQ(rule(AgreementStep(mark, "send")), rules::kAgreementsLegal);
  // Nor does the employee who is legal review and send the terms that bind
  // them, though they wrote none of it.
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kLegal}), "send")),
            rules::kAgreementsSendByOther);
  // Nor does anyone who wrote the text as it stands: after a recall, the
  // reviewer who changed it; the drafter, who did not, may send it.
  Facts resend = AgreementStep(mark, "send");
  resend.agreement->authors = {"mark"};
  EXPECT_EQ(rule(resend), rules::kAgreementsReviewByOther);
  resend.actor = lena;
  EXPECT_EQ(rule(resend), rules::kAgreementsLegal);
  // Only the employee named signs and receives their copy, also while
  // leaving; never another employee, not even legal.
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kBorrower}), "sign")),
            rules::kAgreementsEmployee);
  EXPECT_EQ(
      rule(AgreementStep(Actor(kBob, {Role::kBorrower}, EmploymentState::kNoticeGiven), "sign")),
      rules::kAgreementsEmployee);
  EXPECT_EQ(rule(AgreementStep(mark, "sign")), rules::kAgreementsEmployeeOnly);
  EXPECT_EQ(rule(AgreementStep(mark, "deliver")), rules::kAgreementsEmployeeOnly);
  // The employee never countersigns for the company, even as legal.
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kLegal}), "countersign")),
            rules::kAgreementsCompanySigner);
  EXPECT_EQ(rule(AgreementStep(mark, "countersign")), rules::kAgreementsCompany);
  // Nor recalls it unsigned; other legal may.
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kLegal}), "recall")),
            rules::kAgreementsRecallByOther);
  EXPECT_EQ(rule(AgreementStep(mark, "recall")), rules::kAgreementsLegal);
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kBorrower}), "recall")),
            rules::kAgreementsLegalOnly);
  // Nor voids it; other legal may, the drafter included (a void binds no
  // one), and no one else.
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kLegal}), "void")),
            rules::kAgreementsVoidByOther);
  EXPECT_EQ(rule(AgreementStep(mark, "void")), rules::kAgreementsLegal);
  EXPECT_EQ(rule(AgreementStep(lena, "void")), rules::kAgreementsLegal);
  EXPECT_EQ(rule(AgreementStep(Actor(kErin, {Role::kCustodian}), "void")),
            rules::kAgreementsLegalOnly);
  // A custodian attests, never the one who uploaded the scan.
  Facts attest = AgreementStep(Actor(kErin, {Role::kCustodian}), "attest");
  EXPECT_EQ(rule(attest), rules::kAgreementsCustodian);
  attest.agreement->uploaded_by = kErin;
  EXPECT_EQ(rule(attest), rules::kAgreementsCustodianAttests);
  EXPECT_EQ(rule(AgreementStep(mark, "attest")), rules::kAgreementsCustodianAttests);
  // Certificates: readers, and the employee once the agreement was sent.
  Facts cert = AgreementStep(Actor(kBob, {Role::kBorrower}), "certificate");
  EXPECT_EQ(rule(cert), rules::kAgreementsReaders);
  cert.agreement->sent_to_employee = true;
  EXPECT_EQ(rule(cert), rules::kAgreementsEmployee);
  EXPECT_EQ(rule(AgreementStep(Actor("ann", {Role::kAuditor}), "certificate")),
            rules::kAllowAgreementRead);
  // Non-compete tracking: legal records it; legal, HR and auditors read it.
  EXPECT_EQ(rule(AgreementStep(mark, "noncompete.track")), rules::kNoncompeteLegal);
  // Never the legal user it binds: no release of, or payment to, oneself.
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kLegal}), "noncompete.track")),
            rules::kNoncompeteByOther);
  EXPECT_EQ(rule(AgreementStep(Actor("hanna", {Role::kHr}), "noncompete.track")),
            rules::kNoncompeteLegalOnly);
  EXPECT_EQ(rule(AgreementStep(Actor("hanna", {Role::kHr}), "noncompete.read")),
            rules::kAllowAgreementRead);
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kBorrower}), "noncompete.read")),
            rules::kNoncompeteReaders);
  // Legal serving notice drafts nothing new; a departed account nothing.
  EXPECT_EQ(
      rule(AgreementStep(Actor("lena", {Role::kLegal}, EmploymentState::kNoticeGiven), "draft")),
      rules::kEmploymentNoticePeriod);
  EXPECT_EQ(rule(AgreementStep(Actor(kBob, {Role::kBorrower}, EmploymentState::kDeparted), "sign")),
            rules::kEmploymentDeparted);
  // An unknown step, or none, is never allowed.
  EXPECT_EQ(rule(AgreementStep(mark, "publish")), rules::kFactsIncomplete);
  Facts none = AgreementStep(mark, "draft");
  none.agreement.reset();
  EXPECT_EQ(rule(none), rules::kFactsIncomplete);
}

TEST(PolicyEngineTest, WhoDraftsAgreementsIsThePolicysChoice) {
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  std::ifstream in(std::string(root != nullptr ? root : CUSTOS_TEST_SOURCE_ROOT) +
                   "/policy/default-policy.xml");
  std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string hr = "<role id=\"hr\">";
  const size_t at = xml.find(hr);
  ASSERT_NE(at, std::string::npos);
  xml.insert(at + hr.size(), "<permit action=\"draft_contract\"/>");
  Result<Policy> p = LoadPolicy(xml);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const Facts f = AgreementStep(Actor("hanna", {Role::kHr}), "draft");
  EXPECT_FALSE(Decide(DefaultPolicy(), f, Action::kAgreementStep).allow);
  EXPECT_EQ(Decide(*p, f, Action::kAgreementStep).rule, rules::kAgreementsLegal);
}

}  // namespace
}  // namespace custos::policy
