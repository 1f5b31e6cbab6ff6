// The facts a policy decision is made from. Plain values the caller (the
// vault) gathers from its store and the request: who acts, on which record,
// under which loan, how many views were already used, the current time and the
// stated reason. The engine reads nothing else — no clock, no disk — so the
// same facts always give the same decision.
//
// Thread-safety: plain values.
#ifndef CUSTOS_POLICY_FACTS_H_
#define CUSTOS_POLICY_FACTS_H_

#include <optional>
#include <string>
#include <vector>

#include "base/time.h"
#include "policy/types.h"

namespace custos::policy {

// The person acting.
struct ActorFacts {
  std::string user_id;
  std::vector<Role> roles;
  EmploymentState employment = EmploymentState::kActive;
  // During the notice period: whether this record is part of the actor's
  // handover (to the successor), which alone keeps views open.
  bool in_handover = false;

  bool HasRole(Role role) const;
};

// The record acted on (record-scoped actions only).
struct RecordFacts {
  std::string id;
  // Defaults to the most restrictive marking so a forgotten field fails closed.
  Classification classification = Classification::kTopSecret;
  std::string owner_id;      // the responsible salesperson now
  std::string author_id;     // who wrote the record
  std::string custodian_id;  // the records clerk responsible for it
  // Under a legal hold (vault/records/legal_hold.h): no lowering of its marking,
  // and ownership moves need two distinct approvers.
  bool legal_hold = false;
};

// The loan in question: the one being requested (state kRequested, id may be
// empty), decided on, released, returned, revoked or extended, or the one
// under which a view / copy / print / export is attempted.
struct LoanFacts {
  std::string id;
  std::string record_id;
  LoanKind kind = LoanKind::kView;
  LoanState state = LoanState::kRequested;
  std::string requester_id;
  // Distinct users whose approvals the loan holds, in order.
  std::vector<std::string> approver_ids;
  // The custodian who released it, if released.
  std::string released_by;
  // When the grant ends (exclusive); 0 until approved.
  UnixMillis due = 0;
  // Approvals already given to a pending extension (kExtendLoan).
  std::vector<std::string> extension_approver_ids;
};

// The evidence request in question (kApproveEvidence, kDenyEvidence,
// kExportEvidence).
struct EvidenceFacts {
  std::string id;
  std::string requester_id;
  EvidenceState state = EvidenceState::kRequested;
  // Distinct users whose approvals the request holds, in order.
  std::vector<std::string> approver_ids;
  // Approvals the request needs (two when top-secret records are in scope).
  int approvals_required = 1;
  // The people whose events and files the request is about: none of them
  // may decide on it.
  std::vector<std::string> subject_ids;
};

// The user administration in question (kManageUsers).
struct UserAdminFacts {
  // Roles the change adds to the target (none for other changes).
  std::vector<Role> granted_roles;
  // kManageUsers confirming a pending grant: the administrator who asked
  // for it. Empty when this is not a confirmation.
  std::string grant_requested_by;
  // The administrator who issued the setup link through which the actor's
  // current password was set ("" when the actor chose it themselves). Such
  // an account may not confirm that administrator's grants.
  std::string actor_password_set_by;
  // kManageUsers confirming a pending grant: the administrator who issued the
  // setup link through which the requester's password was set, when that
  // still binds them ("" otherwise). That administrator does not confirm it.
  std::string requester_password_set_by;
  // Whether any account other than the actor's holds the admin role,
  // disabled or not. While none does, the only administrator may appoint a
  // second one alone; nobody else could confirm it.
  bool other_admin_exists = true;
};

// A new policy being applied (kApplyPolicy).
struct PolicyChangeFacts {
  // The policy in force guards some role grant with two administrators
  // (<user-admin two-person-roles>): changing the policy — which could drop
  // that guard — takes two administrators as well.
  bool two_person = false;
  // Whether any account other than the actor's holds (or has held) the
  // admin role. While none does, the only administrator changes it alone.
  bool other_admin_exists = true;
  // The administrator who already applied this very policy (same SHA-256),
  // or "" when none has.
  std::string first_approver;
};

// The agreement step in question (kAgreementStep).
struct AgreementFacts {
  // "draft", "update", "submit", "return", "send", "recall", "void", "paper_upload" (legal's
  // steps), "countersign" (legal, for the company), "sign" and "deliver"
  // (the employee's own), "attest" (a custodian), "certificate" (read a
  // signing certificate), "noncompete.track" (record payments, a release)
  // and "noncompete.read" (read the tracking).
  std::string step;
  std::string drafted_by;  // who drafted the agreement
  // Who wrote the text a send would send: those who drafted or changed it
  // since it was last sent (before any send: the drafter and editors). Empty
  // when unknown; the drafter then stands for them.
  std::vector<std::string> authors;
  std::string employee_id;  // the employee it binds
  std::string uploaded_by;  // who uploaded the paper scan ("" when none)
  // Whether the agreement has been sent to the employee (they may read
  // their certificate from then on).
  bool sent_to_employee = false;
  // Whether a paper scan waits for a custodian's attestation (the custodian
  // who may attest it reads it meanwhile).
  bool awaiting_attestation = false;
};

// Everything one decision needs.
struct Facts {
  ActorFacts actor;
  std::optional<RecordFacts> record;
  std::optional<LoanFacts> loan;
  // Views of this record by this actor within the classification's quota
  // window (the vault counts them; the window is in ClassificationRules).
  int views_used = 0;
  // The current time, read by the caller.
  UnixMillis now = 0;
  // The reason the actor stated, UTF-8.
  std::string reason;
  // kRequestLoan / kExtendLoan: the due time asked for; nullopt = the longest
  // the policy allows (Decision::latest_due).
  std::optional<UnixMillis> requested_due;
  // kReassignOwner / kAssignHandover / kConfirmHandover: the new owner
  // (successor); kRegisterResignation / kReadDepartureReport: the person
  // leaving; kReadAgreement: the employee the agreement binds (`record`
  // then names the agreement and its marking).
  std::string target_user_id;
  // kConfirmHandover: who assigned the handover being confirmed.
  std::string handover_assigned_by;
  // kUpdateRecord / kLowerClassification: the new version lowers the
  // record's classification or brings its declassification date forward.
  bool lowers_classification = false;
  // Not decided on: whether the attempt's customer file lies outside the
  // actor's assignment (vault/records/handover_store.h, OutsideAssignment), for the
  // anomaly rule anomaly.outside_assignment; nullopt when not looked up.
  std::optional<bool> outside_assignment;
  // kReassignOwner / kConfirmHandover of a record under legal hold: the
  // approver who already approved this same move, or "" when none has.
  std::string hold_first_approver;
  // kLowerClassification of a top-secret record: the approver who already
  // approved this same lowering (same marking, same date), or "" when none has.
  std::string lowering_first_approver;
  // kApproveEvidence / kDenyEvidence / kExportEvidence.
  std::optional<EvidenceFacts> evidence;
  // kApplyPolicy.
  std::optional<PolicyChangeFacts> policy_change;
  // kManageUsers: target_user_id is the account changed (empty when it is
  // being created).
  std::optional<UserAdminFacts> user_admin;
  // kAgreementStep.
  std::optional<AgreementFacts> agreement;
};

}  // namespace custos::policy

#endif  // CUSTOS_POLICY_FACTS_H_
