// Employment changes registered in the vault: HR registers a resignation
// (notice date and last working day, which starts the non-compete clock —
// see noncompete.h), and a periodic sweep marks people departed once their
// last working day has passed.
//
// Both are decided by the policy in force and audited in the same write
// transaction as the change (audit_log.h): an access and its event commit
// together or not at all. A denial is audited too (the event alone) and
// returned as the error.
//
// Audit events:
//   "user.resignation.register"  object {"user", id}; details {notice_date,
//                                last_working_day}; actor = the HR user.
//   "user.resignation.withdraw"  object {"user", id}; details {notice_date,
//                                last_working_day (those withdrawn),
//                                cancelled_handovers [record ids; past
//                                kMaxListedIds the first ones, with
//                                cancelled_handovers_total and _sha256:
//                                audit_log.h, PutIdList],
//                                confirmed_handovers (a count),
//                                notice_refusal_cleared,
//                                open_departure_notices [agreement ids],
//                                first_hold_approvals_withdrawn [record
//                                ids, listed the same way]}; the cancelled handovers and the
//                                refusal are kept aside (handover.h,
//                                departure_checklist.h).
//                                actor = the HR user.
//   "user.departed"              object {"user", id}; details
//                                {last_working_day, today}; actor = the
//                                system (empty id), rule "system.departure".
//
// Thread-safety: free functions over a Vault (see vault.h).
#ifndef CUSTOS_VAULT_PEOPLE_EMPLOYMENT_H_
#define CUSTOS_VAULT_PEOPLE_EMPLOYMENT_H_

#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "vault/access/policy_store.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/handover_store.h"
#include "vault/store/vault.h"

namespace custos::vault {

// Checks the two dates of a resignation: each "YYYY-MM-DD" and a real date,
// and the last working day not before the notice date. kInvalidArgument
// naming the problem otherwise.
Status ValidateResignationDates(std::string_view notice_date, std::string_view last_working_day);

// Registers `user_id`'s resignation: employment becomes notice_given with
// the two dates (a second registration during the notice period corrects
// them). Order of checks:
//   1. the dates (kInvalidArgument, nothing audited);
//   2. the caller must be a known, enabled, not departed user
//      (kUnauthenticated, nothing audited);
//   3. the access path (access::AccessGate, kRegisterResignation) with
//      Facts.target_user_id = user_id — decided before the target is looked
//      up, so a denied caller learns nothing about which ids exist; a denial
//      is audited and returned as kPermissionDenied "rule: message";
//   4. the target: kNotFound when unknown, kFailedPrecondition when already
//      departed (nothing committed in either case).
// Returns the updated user.
Result<User> RegisterResignation(Vault& vault, const AuditLog& log, const Caller& hr,
                                 std::string_view user_id, std::string_view notice_date,
                                 std::string_view last_working_day, std::string_view reason);

// What WithdrawResignation did.
struct WithdrawnResignation {
  User user;  // active again, without notice date or last working day
  // The pending handovers of the person's files, cancelled: each file stays
  // theirs. Letters issued to customers for them are removed too.
  std::vector<Handover> cancelled_handovers;
  // Handovers already confirmed: those files belong to their successors
  // now and stay there (an approver may reassign them; records.h).
  size_t confirmed_handovers = 0;
  // The departure notices (离职保密义务告知书) of this departure not yet
  // signed: they stay with legal, who void them (Agreements::Void).
  std::vector<std::string> open_departure_notices;
};

// Withdraws `user_id`'s resignation during the notice period (the employee
// stays, or HR registered the wrong person): employment back to active,
// the two dates cleared — so serve's departure sweep leaves them alone and
// no non-compete period starts —, their pending handovers cancelled, and
// the refusal to sign the departure notice, if recorded, forgotten; all in
// the write that audits it. `reason` is required (why, who decided). The
// right to register a resignation is the right to withdraw it: decided as
// kRegisterResignation, with the same order of checks as
// RegisterResignation; the target must be in notice_given with a last
// working day not before `today` (kFailedPrecondition otherwise: active;
// departed, or their last day already past though the sweep has not run
// yet — a departure is final). `today` as for MarkDeparted (the company's
// date, Policy::LocalDate).
Result<WithdrawnResignation> WithdrawResignation(Vault& vault, const AuditLog& log,
                                                 const Caller& hr, std::string_view user_id,
                                                 std::string_view reason, CivilDate today);

// Marks departed every user in notice_given whose last working day is
// before `today` (the account is disabled at the end of the last day):
// employment → departed, disabled = true, one "user.departed" event each,
// all in one write transaction. For a timer; the caller passes today's date
// in the company's calendar (Archive::CompanyDate). Returns the users changed (empty when
// none). Users whose stored last working day does not parse are left alone.
Result<std::vector<User>> MarkDeparted(Vault& vault, const AuditLog& log, CivilDate today);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_PEOPLE_EMPLOYMENT_H_
