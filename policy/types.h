// The policy vocabulary: roles, classifications, employment states, actions
// and loan states, each with a stable string id (used in the policy XML, the
// audit log and the JSON API) and, where people see it, zh and en labels.
//
// Ids are a fixed format: once an id has been written to the audit log it must
// never change meaning. Add new values at the end of an enum; never reorder.
//
// Thread-safety: pure functions over constant tables.
#ifndef CUSTOS_POLICY_TYPES_H_
#define CUSTOS_POLICY_TYPES_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "base/status.h"

namespace custos::policy {

// What a person does in the company. One person may hold several roles, but
// never two parts of the same transaction (see engine.h).
enum class Role {
  kAuthor,      // 编写人: writes and updates customer files
  kBorrower,    // 借用人: asks to consult or borrow a file
  kCustodian,   // 保管人: files records in, releases and takes back loans
  kApprover,    // 审批人: approves or denies borrow, copy and export requests
  kLegal,       // 法务: drafts NDAs and non-competes
  kLitigation,  // 诉讼: exports evidence bundles
  kHr,          // 人事: registers resignations
  kAuditor,     // 审计: reads the audit log; never reads content
  kAdmin,       // 管理员: users, roles, policy; never reads classified content
};
inline constexpr std::size_t kRoleCount = 9;
inline constexpr std::array<Role, kRoleCount> kAllRoles = {
    Role::kAuthor,     Role::kBorrower, Role::kCustodian, Role::kApprover, Role::kLegal,
    Role::kLitigation, Role::kHr,       Role::kAuditor,   Role::kAdmin,
};

// Classification markings, ordered from least to most sensitive, so that
// `a < b` means "a is less sensitive than b".
enum class Classification {
  kPublic,        // 公开
  kInternal,      // 内部
  kConfidential,  // 秘密
  kSecret,        // 机密
  kTopSecret,     // 绝密
};
inline constexpr std::size_t kClassificationCount = 5;
inline constexpr std::array<Classification, kClassificationCount> kAllClassifications = {
    Classification::kPublic, Classification::kInternal,  Classification::kConfidential,
    Classification::kSecret, Classification::kTopSecret,
};

// A user's employment: active → notice given (HR registered a resignation) →
// departed (after the last working day).
enum class EmploymentState {
  kActive,
  kNoticeGiven,
  kDeparted,
};

// Everything the engine decides about. Record-scoped actions need
// Facts::record; loan actions need Facts::loan (see engine.h).
enum class Action {
  kViewContent,          // decrypt and show a record's content
  kCreateRecord,         // file a new record in
  kUpdateRecord,         // write a new version of a record
  kReassignOwner,        // hand a record (customer) to another owner
  kRequestLoan,          // ask to borrow (view/copy/print/export) a record
  kApproveLoan,          // give one approval to a requested loan
  kDenyLoan,             // refuse a requested loan
  kReleaseLoan,          // custodian hands the approved loan out
  kReturnLoan,           // the loan comes back
  kRevokeLoan,           // the loan is withdrawn before its due time
  kExtendLoan,           // approve a later due time for an open loan
  kCopy,                 // copy a record's content
  kPrint,                // print a record
  kExport,               // export a record out of the vault
  kSearchMetadata,       // search names, owners, classifications, tags
  kReadAuditLog,         // read audit events, alerts, departure reports
  kManageUsers,          // create users, grant roles, disable accounts
  kApplyPolicy,          // apply a new policy version
  kDraftContract,        // draft an NDA / non-compete from a template
  kRegisterResignation,  // record a resignation and last working day
  kExportEvidence,       // build a custos-evidence/1 bundle for a case
  kAssignHandover,       // propose a successor for a departing owner's record
  kConfirmHandover,      // confirm a proposed handover (moves the ownership)
  kReadDepartureReport,  // read what a departing person touched (no content)
  kRequestEvidence,      // ask for an evidence bundle for a case (scope, window)
  kApproveEvidence,      // give one approval to an evidence request
  kDenyEvidence,         // refuse an evidence request
  kLiftLegalHold,        // end the legal hold an approved request placed
  kLowerClassification,  // lower a record's marking or bring its declassification forward
  kReadAgreement,        // read an agreement's terms or signed document
  // Record a handed-over customer's answer to the departure letter, or issue
  // that letter (the handover's successor, or a role permitted it).
  kConfirmCustomer,
  kWaiveCustomerConfirmation,  // complete a handover without the customer's answer
  // A step of an agreement or its non-compete tracking (AgreementFacts::step):
  // decided by fixed rules of the engine and the draft_contract permit, not
  // by a permit of its own.
  kAgreementStep,
};
inline constexpr std::size_t kActionCount = 33;
inline constexpr std::array<Action, kActionCount> kAllActions = {
    Action::kViewContent,
    Action::kCreateRecord,
    Action::kUpdateRecord,
    Action::kReassignOwner,
    Action::kRequestLoan,
    Action::kApproveLoan,
    Action::kDenyLoan,
    Action::kReleaseLoan,
    Action::kReturnLoan,
    Action::kRevokeLoan,
    Action::kExtendLoan,
    Action::kCopy,
    Action::kPrint,
    Action::kExport,
    Action::kSearchMetadata,
    Action::kReadAuditLog,
    Action::kManageUsers,
    Action::kApplyPolicy,
    Action::kDraftContract,
    Action::kRegisterResignation,
    Action::kExportEvidence,
    Action::kAssignHandover,
    Action::kConfirmHandover,
    Action::kReadDepartureReport,
    Action::kRequestEvidence,
    Action::kApproveEvidence,
    Action::kDenyEvidence,
    Action::kLiftLegalHold,
    Action::kLowerClassification,
    Action::kReadAgreement,
    Action::kConfirmCustomer,
    Action::kWaiveCustomerConfirmation,
    Action::kAgreementStep,
};

// Borrowing states: requested → approved / denied → released → active until
// its due time → returned / expired / revoked.
enum class LoanState {
  kRequested,
  kApproved,
  kDenied,
  kReleased,
  kActive,
  kReturned,
  kExpired,
  kRevoked,
};

// Evidence requests (vault/evidence): requested → approved (enough distinct
// approvals; places the legal hold) / denied. Exports follow approval.
enum class EvidenceState {
  kRequested,
  kApproved,
  kDenied,
};

// What a loan grants: a view, or one of the separately approved uses.
enum class LoanKind {
  kView,
  kCopy,
  kPrint,
  kExport,
};

// Stable ids ("author", "top_secret", "notice_given", "view_content",
// "requested", "copy"). Never empty.
std::string_view RoleId(Role role);
std::string_view ClassificationId(Classification c);
std::string_view EmploymentStateId(EmploymentState s);
std::string_view ActionId(Action action);
std::string_view LoanStateId(LoanState s);
std::string_view LoanKindId(LoanKind k);
std::string_view EvidenceStateId(EvidenceState s);  // "requested", "approved", "denied"

// Labels for people.
std::string_view RoleLabelZh(Role role);                   // "编写人"
std::string_view RoleLabelEn(Role role);                   // "Author"
std::string_view ClassificationLabelZh(Classification c);  // "绝密"
std::string_view ClassificationLabelEn(Classification c);  // "Top secret"

// Parse a stable id (exact, case-sensitive). kInvalidArgument naming the
// unknown value otherwise.
Result<Role> ParseRole(std::string_view id);
Result<Classification> ParseClassification(std::string_view id);
Result<EmploymentState> ParseEmploymentState(std::string_view id);
Result<Action> ParseAction(std::string_view id);
Result<LoanState> ParseLoanState(std::string_view id);
Result<LoanKind> ParseLoanKind(std::string_view id);
Result<EvidenceState> ParseEvidenceState(std::string_view id);

// The loan kind that grants `action` (view, copy, print, export), or nullopt
// for actions that are not a use of content.
std::optional<LoanKind> LoanKindForAction(Action action);

}  // namespace custos::policy

#endif  // CUSTOS_POLICY_TYPES_H_
