// Stable rule ids: every Decision names the rule that made it. They are
// written to the audit log, so they are a fixed format — never rename one;
// add new ones. Denials start with the family of the check that failed;
// allowances start with "allow.".
#ifndef CUSTOS_POLICY_RULES_H_
#define CUSTOS_POLICY_RULES_H_

#include <string_view>

namespace custos::policy::rules {

// Facts missing for the action (a caller bug; denied, never allowed).
inline constexpr std::string_view kFactsIncomplete = "facts.incomplete";

// Employment.
inline constexpr std::string_view kEmploymentDeparted = "employment.departed";
inline constexpr std::string_view kEmploymentNoticePeriod = "employment.notice_period";

// Roles and markings.
inline constexpr std::string_view kRoleNotPermitted = "role.not_permitted";
inline constexpr std::string_view kRoleContentBlind = "role.content_blind";
inline constexpr std::string_view kClassificationViewDenied = "classification.view_denied";
inline constexpr std::string_view kUseForbidden = "use.forbidden";
inline constexpr std::string_view kRecordNotOwner = "record.not_owner";

// Reason and quota.
inline constexpr std::string_view kReasonRequired = "reason.required";
inline constexpr std::string_view kReasonTooShort = "reason.too_short";
inline constexpr std::string_view kQuotaExhausted = "quota.exhausted";

// Loans.
inline constexpr std::string_view kLoanRequired = "loan.required";
inline constexpr std::string_view kLoanNotRequired = "loan.not_required";
inline constexpr std::string_view kLoanNotYours = "loan.not_yours";
inline constexpr std::string_view kLoanWrongRecord = "loan.wrong_record";
inline constexpr std::string_view kLoanWrongKind = "loan.wrong_kind";
inline constexpr std::string_view kLoanNotApproved = "loan.not_approved";
inline constexpr std::string_view kLoanDenied = "loan.denied";
inline constexpr std::string_view kLoanNotReleased = "loan.not_released";
inline constexpr std::string_view kLoanReturned = "loan.returned";
inline constexpr std::string_view kLoanRevoked = "loan.revoked";
inline constexpr std::string_view kLoanExpired = "loan.expired";
inline constexpr std::string_view kLoanNotPending = "loan.not_pending";
inline constexpr std::string_view kLoanNotOpen = "loan.not_open";
inline constexpr std::string_view kLoanTooLong = "loan.too_long";
inline constexpr std::string_view kLoanInvalidDue = "loan.invalid_due";

// Separation of duties.
inline constexpr std::string_view kSodRequesterNotApprover = "sod.requester_not_approver";
inline constexpr std::string_view kSodOwnerNotApprover = "sod.owner_not_approver";
inline constexpr std::string_view kSodApproverCountedTwice = "sod.approver_counted_twice";
inline constexpr std::string_view kSodCustodianNotApprover = "sod.custodian_not_approver";
inline constexpr std::string_view kSodRequesterNotCustodian = "sod.requester_not_custodian";
inline constexpr std::string_view kSodOwnerNotCustodian = "sod.owner_not_custodian";
inline constexpr std::string_view kSodSelfAssignment = "sod.self_assignment";
inline constexpr std::string_view kSodAssignerNotConfirmer = "sod.assigner_not_confirmer";
// The successor who should win the customer over cannot excuse themself
// from the customer's confirmation.
inline constexpr std::string_view kSodSuccessorNotWaiver = "sod.successor_not_waiver";

// Evidence requests and legal holds.
inline constexpr std::string_view kEvidenceNotPending = "evidence.not_pending";
inline constexpr std::string_view kEvidenceNotApproved = "evidence.not_approved";
inline constexpr std::string_view kEvidenceDenied = "evidence.denied";
inline constexpr std::string_view kEvidenceNotRequester = "evidence.not_requester";
inline constexpr std::string_view kSodSubjectNotApprover = "sod.subject_not_approver";
inline constexpr std::string_view kSodSubjectNotRequester = "sod.subject_not_requester";
inline constexpr std::string_view kSodKeeperNotApprover = "sod.keeper_not_approver";
inline constexpr std::string_view kHoldNoDeclassify = "hold.no_declassify";
// Lowering a marking is its own decision, by an approver who is neither the
// record's owner nor its author.
inline constexpr std::string_view kRecordLoweringNeedsApprover = "record.lowering_needs_approver";
inline constexpr std::string_view kRecordNotLower = "record.not_lower";
// User administration: no one grants roles to themselves, and a grant that
// needs a second administrator is confirmed by someone other than its
// requester.
inline constexpr std::string_view kSodSelfGrant = "sod.self_grant";
inline constexpr std::string_view kSodGrantConfirmer = "sod.grant_confirmer";
// Departures: no one registers, withdraws or records the steps of their own
// resignation (it would let them set their own last working day).
inline constexpr std::string_view kSodOwnDeparture = "sod.own_departure";

// Allowances.
inline constexpr std::string_view kAllowRole = "allow.role";
inline constexpr std::string_view kAllowViewOpen = "allow.view.open";
inline constexpr std::string_view kAllowViewOwner = "allow.view.owner";
inline constexpr std::string_view kAllowViewLoan = "allow.view.loan";
inline constexpr std::string_view kAllowUseFree = "allow.use.free";
inline constexpr std::string_view kAllowUseLoan = "allow.use.loan";
inline constexpr std::string_view kAllowRecordUpdate = "allow.record.update";
inline constexpr std::string_view kAllowRecordReassign = "allow.record.reassign";
inline constexpr std::string_view kAllowLoanRequest = "allow.loan.request";
inline constexpr std::string_view kAllowLoanApprove = "allow.loan.approve";
inline constexpr std::string_view kAllowLoanDeny = "allow.loan.deny";
inline constexpr std::string_view kAllowLoanRelease = "allow.loan.release";
inline constexpr std::string_view kAllowLoanReturn = "allow.loan.return";
inline constexpr std::string_view kAllowLoanRevoke = "allow.loan.revoke";
inline constexpr std::string_view kAllowLoanWithdraw = "allow.loan.withdraw";
inline constexpr std::string_view kAllowLoanExtend = "allow.loan.extend";
inline constexpr std::string_view kAllowHandoverAssign = "allow.handover.assign";
inline constexpr std::string_view kAllowHandoverConfirm = "allow.handover.confirm";
inline constexpr std::string_view kAllowEvidenceRequest = "allow.evidence.request";
inline constexpr std::string_view kAllowEvidenceApprove = "allow.evidence.approve";
inline constexpr std::string_view kAllowEvidenceDeny = "allow.evidence.deny";
inline constexpr std::string_view kAllowEvidenceExport = "allow.evidence.export";
inline constexpr std::string_view kAllowHoldLift = "allow.hold.lift";
inline constexpr std::string_view kAllowRecordLower = "allow.record.lower";
inline constexpr std::string_view kAllowAgreementRead = "allow.agreement.read";
inline constexpr std::string_view kAllowAgreementOwn = "allow.agreement.own";
// Departure customer confirmation: by the handover's successor, by a role
// the policy permits, and an approver's waiver.
inline constexpr std::string_view kAllowCustomerSuccessor = "allow.customer.successor";
inline constexpr std::string_view kAllowCustomerConfirm = "allow.customer.confirm";
inline constexpr std::string_view kAllowCustomerWaive = "allow.customer.waive";
// Agreement steps (kAgreementStep). The allowances name the capacity the
// step was taken in, as the agreement's history records it.
inline constexpr std::string_view kAgreementsLegalOnly = "agreements.legal_only";
inline constexpr std::string_view kAgreementsReviewByOther = "agreements.review_by_other";
inline constexpr std::string_view kAgreementsEmployeeOnly = "agreements.employee_only";
inline constexpr std::string_view kAgreementsCompanySigner = "agreements.company_signer";
// The employee reads their agreement once it is sent to them, not while
// legal drafts and reviews it (even when they are legal).
inline constexpr std::string_view kAgreementsNotSent = "agreements.not_sent";
inline constexpr std::string_view kAgreementsSendByOther = "agreements.send_by_other";
inline constexpr std::string_view kAgreementsRecallByOther = "agreements.recall_by_other";
inline constexpr std::string_view kAgreementsVoidByOther = "agreements.void_by_other";
inline constexpr std::string_view kAgreementsCustodianAttests = "agreements.custodian_attests";
inline constexpr std::string_view kAgreementsReaders = "agreements.readers";
inline constexpr std::string_view kAgreementsLegal = "agreements.legal";
inline constexpr std::string_view kAgreementsEmployee = "agreements.employee";
inline constexpr std::string_view kAgreementsCompany = "agreements.company";
inline constexpr std::string_view kAgreementsCustodian = "agreements.custodian";
inline constexpr std::string_view kNoncompeteLegalOnly = "noncompete.legal_only";
inline constexpr std::string_view kNoncompeteByOther = "noncompete.by_other";
inline constexpr std::string_view kNoncompeteReaders = "noncompete.readers";
inline constexpr std::string_view kNoncompeteLegal = "noncompete.legal";
// A move of a record under legal hold approved by the first of the two
// approvers it needs: recorded, the ownership stays until the second.
inline constexpr std::string_view kAllowHoldTransferFirst = "allow.hold.transfer_first";
inline constexpr std::string_view kAllowRecordLowerFirst = "allow.record.lower_first";
inline constexpr std::string_view kAllowPolicyFirst = "allow.policy.first";
inline constexpr std::string_view kAllowUserAdmin = "allow.user.admin";
// A grant of a role the policy guards with two administrators, recorded and
// waiting for the second (user.grant.confirm).
inline constexpr std::string_view kAllowUserGrantPending = "allow.user.grant_pending";
inline constexpr std::string_view kAllowUserGrantConfirm = "allow.user.grant_confirm";
// The very first second administrator, granted by the only administrator
// the vault has ever had (no one else could confirm it).
inline constexpr std::string_view kAllowUserFirstAdmin = "allow.user.first_admin";

}  // namespace custos::policy::rules

#endif  // CUSTOS_POLICY_RULES_H_
