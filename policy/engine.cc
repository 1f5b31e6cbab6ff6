#include "policy/engine.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "policy/internal/messages.h"
#include "policy/internal/utf8.h"

namespace custos::policy {
namespace {

constexpr int64_t kMillisPerHour = int64_t{3600} * 1000;

Decision Make(bool allow, std::string_view rule, std::string_view detail_en = {},
              std::string_view detail_zh = {}) {
  const internal::RuleText text = internal::TextForRule(rule);
  Decision d;
  d.allow = allow;
  d.rule = std::string(rule);
  d.message_en = std::string(text.en);
  d.message_zh = std::string(text.zh);
  if (!detail_en.empty()) d.message_en += " " + std::string(detail_en);
  if (!detail_zh.empty()) d.message_zh += std::string(detail_zh);
  return d;
}

Decision Deny(std::string_view rule, std::string_view detail_en = {},
              std::string_view detail_zh = {}) {
  return Make(false, rule, detail_en, detail_zh);
}

Decision Allow(std::string_view rule) { return Make(true, rule); }

// A check either passes (nullopt) or produces the denial.
using Check = std::optional<Decision>;

Action ActionForKind(LoanKind kind) {
  switch (kind) {
    case LoanKind::kView:
      return Action::kViewContent;
    case LoanKind::kCopy:
      return Action::kCopy;
    case LoanKind::kPrint:
      return Action::kPrint;
    case LoanKind::kExport:
      return Action::kExport;
  }
  return Action::kViewContent;
}

bool Contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Same person, where an empty id never matches (unknown is not "the same").
bool Same(const std::string& a, const std::string& b) { return !a.empty() && a == b; }

int DistinctCount(const std::vector<std::string>& ids) {
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  sorted.erase(std::remove(sorted.begin(), sorted.end(), std::string()), sorted.end());
  return static_cast<int>(sorted.size());
}

bool IsOwnerOrAuthor(const std::string& user, const RecordFacts& record) {
  return Same(user, record.owner_id) || Same(user, record.author_id);
}

// Any of the actor's roles permits `action`.
bool RoleCan(const Policy& policy, const ActorFacts& actor, Action action) {
  return std::any_of(actor.roles.begin(), actor.roles.end(),
                     [&](Role r) { return policy.RolePermits(r, action); });
}

// One of the actor's roles both permits `action` and may see classification
// `c` — the same role must grant both, so holding an unrelated role that
// happens to be on the view list does not widen access.
bool RoleCanSee(const Policy& policy, const ActorFacts& actor, Classification c, Action action) {
  const ClassificationRules& cr = policy.rules(c);
  return std::any_of(actor.roles.begin(), actor.roles.end(), [&](Role r) {
    return policy.RolePermits(r, action) && cr.view_roles.test(static_cast<std::size_t>(r));
  });
}

// SECURITY: admin and auditor are content-blind above public. This is held
// against the person, not the role: someone who is also a borrower is still
// an administrator, and must not be able to read what they administer.
bool ContentBlind(const ActorFacts& actor, Classification c) {
  return c > Classification::kPublic &&
         (actor.HasRole(Role::kAdmin) || actor.HasRole(Role::kAuditor));
}

Check CheckEmployment(const Facts& facts, Action action) {
  switch (facts.actor.employment) {
    case EmploymentState::kActive:
      return std::nullopt;
    case EmploymentState::kDeparted:
      return Deny(rules::kEmploymentDeparted);
    case EmploymentState::kNoticeGiven:
      break;
  }
  // SECURITY: during the notice period access narrows to what the handover
  // needs: views of records being handed over, giving loans back, and finding
  // records. No new loans, approvals, copies, prints or exports.
  switch (action) {
    case Action::kViewContent:
      if (facts.actor.in_handover) return std::nullopt;
      return Deny(rules::kEmploymentNoticePeriod);
    case Action::kReturnLoan:
    case Action::kSearchMetadata:
      return std::nullopt;
    default:
      return Deny(rules::kEmploymentNoticePeriod);
  }
}

Check CheckRole(const Policy& policy, const Facts& facts, Action action) {
  if (!RoleCan(policy, facts.actor, action)) {
    return Deny(rules::kRoleNotPermitted, "(" + std::string(ActionId(action)) + ")",
                "（" + std::string(ActionId(action)) + "）");
  }
  return std::nullopt;
}

Check CheckReason(const ClassificationRules& cr, const std::string& reason) {
  if (!cr.reason_required) return std::nullopt;
  const int length = ReasonLength(reason);
  if (length == 0) return Deny(rules::kReasonRequired);
  if (length < cr.reason_min_chars) {
    const std::string min = std::to_string(cr.reason_min_chars);
    return Deny(rules::kReasonTooShort, "(at least " + min + " characters)",
                "（至少 " + min + " 个字）");
  }
  return std::nullopt;
}

// The loan under which the actor uses the record: theirs, for this record and
// use, approved by enough distinct people who are neither the requester, the
// owner/author nor the releasing custodian, released if the policy says so,
// and not past its due time.
Check CheckLoanUsable(const Facts& facts, LoanKind kind, int approvals_required,
                      bool release_required) {
  if (!facts.loan) return Deny(rules::kLoanRequired);
  const LoanFacts& loan = *facts.loan;
  const RecordFacts& record = *facts.record;
  if (loan.record_id != record.id) return Deny(rules::kLoanWrongRecord);
  if (!Same(loan.requester_id, facts.actor.user_id)) return Deny(rules::kLoanNotYours);
  if (loan.kind != kind) return Deny(rules::kLoanWrongKind);
  switch (loan.state) {
    case LoanState::kRequested:
      return Deny(rules::kLoanNotApproved);
    case LoanState::kDenied:
      return Deny(rules::kLoanDenied);
    case LoanState::kReturned:
      return Deny(rules::kLoanReturned);
    case LoanState::kRevoked:
      return Deny(rules::kLoanRevoked);
    case LoanState::kExpired:
      return Deny(rules::kLoanExpired);
    case LoanState::kApproved:
      if (release_required) return Deny(rules::kLoanNotReleased);
      break;
    case LoanState::kReleased:
    case LoanState::kActive:
      break;
  }
  if (facts.now >= loan.due) return Deny(rules::kLoanExpired);
  // SECURITY: re-check separation of duties on the grant itself, so a loan
  // that reached "approved" by a bug or a stale policy still cannot be used.
  if (Contains(loan.approver_ids, loan.requester_id)) {
    return Deny(rules::kSodRequesterNotApprover);
  }
  for (const std::string& approver : loan.approver_ids) {
    if (IsOwnerOrAuthor(approver, record)) return Deny(rules::kSodOwnerNotApprover);
    if (Same(approver, loan.released_by)) return Deny(rules::kSodCustodianNotApprover);
  }
  if (DistinctCount(loan.approver_ids) < approvals_required) {
    return Deny(rules::kLoanNotApproved);
  }
  return std::nullopt;
}

Decision DecideUse(const Policy& policy, const Facts& facts, Action action, LoanKind kind) {
  const RecordFacts& record = *facts.record;
  const Classification c = record.classification;
  const ClassificationRules& cr = policy.rules(c);
  if (Check d = CheckEmployment(facts, action)) return *d;
  if (Check d = CheckRole(policy, facts, action)) return *d;
  if (ContentBlind(facts.actor, c)) return Deny(rules::kRoleContentBlind);
  if (!RoleCanSee(policy, facts.actor, c, action)) return Deny(rules::kClassificationViewDenied);

  const bool owner = Same(facts.actor.user_id, record.owner_id);
  bool needs_loan = false;
  int approvals = 0;
  if (kind == LoanKind::kView) {
    approvals = cr.loan_approvals;
    needs_loan = approvals > 0 && (!owner || cr.owner_needs_loan);
  } else {
    const UseRule& use = policy.use_rule(c, kind);
    if (use.permission == UsePermission::kForbidden) return Deny(rules::kUseForbidden);
    // Copy, print and export are approved on their own, owner or not.
    needs_loan = use.permission == UsePermission::kWithApproval;
    approvals = use.approvals;
  }
  if (needs_loan) {
    if (Check d = CheckLoanUsable(facts, kind, approvals, cr.custodian_release)) return *d;
  }
  if (Check d = CheckReason(cr, facts.reason)) return *d;

  // A copy, print or export takes the content out as a view does, and
  // counts against the same quota (the three-views rule).
  const std::optional<int> quota = owner ? cr.owner_view_quota : cr.view_quota;
  if (kind != LoanKind::kView) {
    if (quota && facts.views_used >= *quota) {
      const std::string used = std::to_string(facts.views_used);
      const std::string limit = std::to_string(*quota);
      Decision d = Deny(rules::kQuotaExhausted, "(" + used + " of " + limit + " views used)",
                        "（已查阅 " + used + " 次，上限 " + limit + " 次）");
      d.view_quota = quota;
      d.views_left_after = 0;
      return d;
    }
    Decision d = Allow(needs_loan ? rules::kAllowUseLoan : rules::kAllowUseFree);
    d.view_quota = quota;
    if (quota) d.views_left_after = *quota - facts.views_used - 1;
    return d;
  }
  if (quota && facts.views_used >= *quota) {
    const std::string used = std::to_string(facts.views_used);
    const std::string limit = std::to_string(*quota);
    Decision d = Deny(rules::kQuotaExhausted, "(" + used + " of " + limit + " views used)",
                      "（已查阅 " + used + " 次，上限 " + limit + " 次）");
    d.view_quota = quota;
    d.views_left_after = 0;
    return d;
  }
  std::string_view rule = rules::kAllowViewOpen;
  if (needs_loan) {
    rule = rules::kAllowViewLoan;
  } else if (owner && cr.loan_approvals > 0) {
    rule = rules::kAllowViewOwner;
  }
  Decision d = Allow(rule);
  d.view_quota = quota;
  if (quota) d.views_left_after = *quota - facts.views_used - 1;
  return d;
}

// The due time asked for must be in the future and within the longest loan.
Check CheckDue(const Facts& facts, const ClassificationRules& cr, UnixMillis after,
               UnixMillis latest) {
  if (!facts.requested_due) return std::nullopt;
  if (*facts.requested_due <= after) return Deny(rules::kLoanInvalidDue);
  if (*facts.requested_due > latest) {
    const std::string hours = std::to_string(cr.max_loan_hours);
    return Deny(rules::kLoanTooLong, "(at most " + hours + " hours)",
                "（最长 " + hours + " 小时）");
  }
  return std::nullopt;
}

Decision DecideRequestLoan(const Policy& policy, const Facts& facts) {
  const RecordFacts& record = *facts.record;
  const LoanFacts& loan = *facts.loan;
  const Classification c = record.classification;
  const ClassificationRules& cr = policy.rules(c);
  const Action use_action = ActionForKind(loan.kind);
  if (Check d = CheckEmployment(facts, Action::kRequestLoan)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kRequestLoan)) return *d;
  if (Check d = CheckRole(policy, facts, use_action)) return *d;
  if (ContentBlind(facts.actor, c)) return Deny(rules::kRoleContentBlind);
  if (!RoleCanSee(policy, facts.actor, c, use_action)) {
    return Deny(rules::kClassificationViewDenied);
  }
  if (!loan.requester_id.empty() && loan.requester_id != facts.actor.user_id) {
    return Deny(rules::kLoanNotYours);
  }
  if (!loan.record_id.empty() && loan.record_id != record.id) return Deny(rules::kLoanWrongRecord);
  const int approvals = ApprovalsRequired(policy, c, loan.kind);
  if (loan.kind == LoanKind::kView) {
    const bool owner = Same(facts.actor.user_id, record.owner_id);
    if (approvals == 0 || (owner && !cr.owner_needs_loan)) return Deny(rules::kLoanNotRequired);
  } else {
    const UseRule& use = policy.use_rule(c, loan.kind);
    if (use.permission == UsePermission::kForbidden) return Deny(rules::kUseForbidden);
    if (use.permission == UsePermission::kFree) return Deny(rules::kLoanNotRequired);
  }
  if (Check d = CheckReason(cr, facts.reason)) return *d;
  const UnixMillis latest = facts.now + cr.max_loan_hours * kMillisPerHour;
  if (Check d = CheckDue(facts, cr, facts.now, latest)) return *d;
  Decision d = Allow(rules::kAllowLoanRequest);
  d.approvals_required = approvals;
  d.custodian_release_required = cr.custodian_release;
  d.latest_due = latest;
  return d;
}

// Checks shared by every decision on an existing loan.
Check CheckLoanAction(const Policy& policy, const Facts& facts, Action action) {
  if (Check d = CheckEmployment(facts, action)) return d;
  if (Check d = CheckRole(policy, facts, action)) return d;
  if (facts.loan->record_id != facts.record->id) return Deny(rules::kLoanWrongRecord);
  return std::nullopt;
}

// Separation of duties for anyone deciding on a loan (approve, deny, extend).
Check CheckDecider(const Facts& facts) {
  const std::string& actor = facts.actor.user_id;
  if (Same(actor, facts.loan->requester_id)) return Deny(rules::kSodRequesterNotApprover);
  if (IsOwnerOrAuthor(actor, *facts.record)) return Deny(rules::kSodOwnerNotApprover);
  // The keeper (保管人) releases loans of the file; approving them too would
  // let one person do both checks.
  if (Same(actor, facts.record->custodian_id)) return Deny(rules::kSodKeeperNotApprover);
  return std::nullopt;
}

Decision DecideApproveLoan(const Policy& policy, const Facts& facts) {
  const LoanFacts& loan = *facts.loan;
  const Classification c = facts.record->classification;
  if (Check d = CheckLoanAction(policy, facts, Action::kApproveLoan)) return *d;
  if (loan.state != LoanState::kRequested) return Deny(rules::kLoanNotPending);
  if (Check d = CheckDecider(facts)) return *d;
  if (Contains(loan.approver_ids, facts.actor.user_id)) {
    return Deny(rules::kSodApproverCountedTwice);
  }
  if (Same(facts.actor.user_id, loan.released_by)) return Deny(rules::kSodCustodianNotApprover);
  const int required = ApprovalsRequired(policy, c, loan.kind);
  if (required == 0) return Deny(rules::kLoanNotRequired);
  Decision d = Allow(rules::kAllowLoanApprove);
  d.approvals_required = required;
  d.approvals_complete = DistinctCount(loan.approver_ids) + 1 >= required;
  d.custodian_release_required = policy.rules(c).custodian_release;
  return d;
}

Decision DecideDenyLoan(const Policy& policy, const Facts& facts) {
  if (Check d = CheckLoanAction(policy, facts, Action::kDenyLoan)) return *d;
  if (facts.loan->state != LoanState::kRequested) return Deny(rules::kLoanNotPending);
  if (Check d = CheckDecider(facts)) return *d;
  return Allow(rules::kAllowLoanDeny);
}

Decision DecideReleaseLoan(const Policy& policy, const Facts& facts) {
  const LoanFacts& loan = *facts.loan;
  const std::string& actor = facts.actor.user_id;
  if (Check d = CheckLoanAction(policy, facts, Action::kReleaseLoan)) return *d;
  switch (loan.state) {
    case LoanState::kApproved:
      break;
    case LoanState::kRequested:
      return Deny(rules::kLoanNotApproved);
    case LoanState::kDenied:
      return Deny(rules::kLoanDenied);
    case LoanState::kReturned:
      return Deny(rules::kLoanReturned);
    case LoanState::kRevoked:
      return Deny(rules::kLoanRevoked);
    case LoanState::kExpired:
      return Deny(rules::kLoanExpired);
    case LoanState::kReleased:
    case LoanState::kActive:
      return Deny(rules::kLoanNotPending);
  }
  if (facts.now >= loan.due) return Deny(rules::kLoanExpired);
  if (Contains(loan.approver_ids, actor)) return Deny(rules::kSodCustodianNotApprover);
  if (Same(actor, loan.requester_id)) return Deny(rules::kSodRequesterNotCustodian);
  if (IsOwnerOrAuthor(actor, *facts.record)) return Deny(rules::kSodOwnerNotCustodian);
  const int required = ApprovalsRequired(policy, facts.record->classification, loan.kind);
  if (DistinctCount(loan.approver_ids) < required) return Deny(rules::kLoanNotApproved);
  return Allow(rules::kAllowLoanRelease);
}

Decision DecideReturnLoan(const Policy& policy, const Facts& facts) {
  const LoanFacts& loan = *facts.loan;
  if (Check d = CheckEmployment(facts, Action::kReturnLoan)) return *d;
  if (loan.record_id != facts.record->id) return Deny(rules::kLoanWrongRecord);
  // Giving a loan back only narrows access, so its requester may always do
  // it; anyone else must be a custodian taking it back.
  if (!Same(facts.actor.user_id, loan.requester_id)) {
    if (!facts.actor.HasRole(Role::kCustodian) ||
        !policy.RolePermits(Role::kCustodian, Action::kReturnLoan)) {
      return Deny(rules::kLoanNotYours);
    }
  }
  switch (loan.state) {
    case LoanState::kApproved:
    case LoanState::kReleased:
    case LoanState::kActive:
    case LoanState::kExpired:  // overdue paper comes back late
      return Allow(rules::kAllowLoanReturn);
    default:
      return Deny(rules::kLoanNotOpen);
  }
}

Decision DecideRevokeLoan(const Policy& policy, const Facts& facts) {
  // Its requester may withdraw a request not yet decided: giving it up only
  // narrows access (as giving a loan back does), so no role is needed.
  if (Same(facts.actor.user_id, facts.loan->requester_id) &&
      facts.loan->state == LoanState::kRequested) {
    if (Check d = CheckEmployment(facts, Action::kReturnLoan)) return *d;
    if (facts.loan->record_id != facts.record->id) return Deny(rules::kLoanWrongRecord);
    return Allow(rules::kAllowLoanWithdraw);
  }
  if (Check d = CheckLoanAction(policy, facts, Action::kRevokeLoan)) return *d;
  switch (facts.loan->state) {
    case LoanState::kRequested:
    case LoanState::kApproved:
    case LoanState::kReleased:
    case LoanState::kActive:
      return Allow(rules::kAllowLoanRevoke);
    default:
      return Deny(rules::kLoanNotOpen);
  }
}

Decision DecideExtendLoan(const Policy& policy, const Facts& facts) {
  const LoanFacts& loan = *facts.loan;
  const Classification c = facts.record->classification;
  const ClassificationRules& cr = policy.rules(c);
  if (Check d = CheckLoanAction(policy, facts, Action::kExtendLoan)) return *d;
  switch (loan.state) {
    case LoanState::kApproved:
    case LoanState::kReleased:
    case LoanState::kActive:
      break;
    case LoanState::kExpired:
      return Deny(rules::kLoanExpired);
    default:
      return Deny(rules::kLoanNotOpen);
  }
  if (facts.now >= loan.due) return Deny(rules::kLoanExpired);
  if (Check d = CheckDecider(facts)) return *d;
  if (Contains(loan.extension_approver_ids, facts.actor.user_id)) {
    return Deny(rules::kSodApproverCountedTwice);
  }
  if (Same(facts.actor.user_id, loan.released_by)) return Deny(rules::kSodCustodianNotApprover);
  if (!facts.requested_due) return Deny(rules::kFactsIncomplete);
  const UnixMillis latest = facts.now + cr.max_loan_hours * kMillisPerHour;
  if (Check d = CheckDue(facts, cr, loan.due, latest)) return *d;
  const int required = ApprovalsRequired(policy, c, loan.kind);
  Decision d = Allow(rules::kAllowLoanExtend);
  d.approvals_required = required;
  d.approvals_complete = DistinctCount(loan.extension_approver_ids) + 1 >= required;
  d.latest_due = latest;
  return d;
}

Check CheckReasonGiven(const Facts& facts) {
  if (ReasonLength(facts.reason) == 0) return Deny(rules::kReasonRequired);
  return std::nullopt;
}

Decision DecideUpdateRecord(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kUpdateRecord)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kUpdateRecord)) return *d;
  if (ContentBlind(facts.actor, facts.record->classification)) {
    return Deny(rules::kRoleContentBlind);
  }
  if (!Same(facts.actor.user_id, facts.record->owner_id)) return Deny(rules::kRecordNotOwner);
  // SECURITY: a departing owner lowering the marking of their own files is
  // what this product guards against: lowering is its own decision
  // (kLowerClassification), by an approver; under a legal hold, by nobody.
  if (facts.lowers_classification && facts.record->legal_hold) {
    return Deny(rules::kHoldNoDeclassify);
  }
  if (facts.lowers_classification) return Deny(rules::kRecordLoweringNeedsApprover);
  return Allow(rules::kAllowRecordUpdate);
}

// Lowering a record's marking (or bringing its declassification forward):
// an approver who is neither its owner nor its author, never under a hold.
// A decision one approver completes.
Decision OfOneApprover(Decision allowed) {
  allowed.approvals_required = 1;
  allowed.approvals_complete = true;
  return allowed;
}

// A decision of two distinct approvers; `first` is who already approved
// this same act ("" when no one has). No one yet: the actor's approval is
// recorded (`first_rule`, not complete). The same person again is refused;
// another completes `allowed`.
Decision OfTwoApprovers(const Facts& facts, const std::string& first, std::string_view first_rule,
                        Decision allowed) {
  if (first.empty()) {
    Decision d = Allow(first_rule);
    d.approvals_required = 2;
    d.approvals_complete = false;
    return d;
  }
  if (Same(facts.actor.user_id, first)) return Deny(rules::kSodApproverCountedTwice);
  allowed.approvals_required = 2;
  allowed.approvals_complete = true;
  return allowed;
}

Decision DecideLowerClassification(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kLowerClassification)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kLowerClassification)) return *d;
  if (IsOwnerOrAuthor(facts.actor.user_id, *facts.record)) {
    return Deny(rules::kSodOwnerNotApprover);
  }
  if (!facts.lowers_classification) return Deny(rules::kRecordNotLower);
  if (facts.record->legal_hold) return Deny(rules::kHoldNoDeclassify);
  if (Check d = CheckReasonGiven(facts)) return *d;
  // SECURITY: a top-secret file is lent only on two approvals; lowering its
  // marking, which opens it to loans of one approval or none, takes two
  // distinct approvers as well: the first is recorded, the second lowers.
  if (facts.record->classification == Classification::kTopSecret) {
    return OfTwoApprovers(facts, facts.lowering_first_approver, rules::kAllowRecordLowerFirst,
                          Allow(rules::kAllowRecordLower));
  }
  return OfOneApprover(Allow(rules::kAllowRecordLower));
}

// An ownership move (reassign, handover confirm) of a record under legal
// hold needs two distinct approvers: the first is recorded and the move
// waits; the second completes it. `allowed` is the decision without a hold.
Decision WithHoldApprovals(const Facts& facts, Decision allowed) {
  if (!facts.record->legal_hold) return OfOneApprover(std::move(allowed));
  return OfTwoApprovers(facts, facts.hold_first_approver, rules::kAllowHoldTransferFirst,
                        std::move(allowed));
}

Decision DecideReassignOwner(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kReassignOwner)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kReassignOwner)) return *d;
  if (facts.target_user_id.empty()) return Deny(rules::kFactsIncomplete);
  if (IsOwnerOrAuthor(facts.actor.user_id, *facts.record)) {
    return Deny(rules::kSodOwnerNotApprover);
  }
  if (Same(facts.actor.user_id, facts.target_user_id)) return Deny(rules::kSodSelfAssignment);
  return WithHoldApprovals(facts, Allow(rules::kAllowRecordReassign));
}

// Handing a departing owner's record to a successor. The assigner is neither
// the record's owner/author nor the successor.
Decision DecideAssignHandover(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kAssignHandover)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kAssignHandover)) return *d;
  if (facts.target_user_id.empty()) return Deny(rules::kFactsIncomplete);
  if (IsOwnerOrAuthor(facts.actor.user_id, *facts.record)) {
    return Deny(rules::kSodOwnerNotApprover);
  }
  if (Same(facts.actor.user_id, facts.target_user_id)) return Deny(rules::kSodSelfAssignment);
  return Allow(rules::kAllowHandoverAssign);
}

// Confirming a handover moves the ownership: SECURITY: separation of duties —
// never by whoever assigned it, nor the owner/author, nor the successor.
Decision DecideConfirmHandover(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kConfirmHandover)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kConfirmHandover)) return *d;
  if (facts.target_user_id.empty() || facts.handover_assigned_by.empty()) {
    return Deny(rules::kFactsIncomplete);
  }
  if (Same(facts.actor.user_id, facts.handover_assigned_by)) {
    return Deny(rules::kSodAssignerNotConfirmer);
  }
  if (IsOwnerOrAuthor(facts.actor.user_id, *facts.record)) {
    return Deny(rules::kSodOwnerNotApprover);
  }
  if (Same(facts.actor.user_id, facts.target_user_id)) return Deny(rules::kSodSelfAssignment);
  return WithHoldApprovals(facts, Allow(rules::kAllowHandoverConfirm));
}

// The customer's answer to the departure letter (and the letter itself):
// the handover's successor, who is to win the customer over, or a role the
// policy permits (custodians by default). `target_user_id` is the successor.
Decision DecideConfirmCustomer(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kConfirmCustomer)) return *d;
  if (facts.target_user_id.empty()) return Deny(rules::kFactsIncomplete);
  if (Same(facts.actor.user_id, facts.target_user_id)) {
    return Allow(rules::kAllowCustomerSuccessor);
  }
  if (Check d = CheckRole(policy, facts, Action::kConfirmCustomer)) return *d;
  return Allow(rules::kAllowCustomerConfirm);
}

// Completing a handover without the customer's answer (they refused, could
// not be reached, or the file is not a customer): SECURITY: never by the
// successor, whose job the confirmation checks, nor the record's owner/author.
Decision DecideWaiveCustomer(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kWaiveCustomerConfirmation)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kWaiveCustomerConfirmation)) return *d;
  if (facts.target_user_id.empty()) return Deny(rules::kFactsIncomplete);
  if (Same(facts.actor.user_id, facts.target_user_id)) return Deny(rules::kSodSuccessorNotWaiver);
  if (IsOwnerOrAuthor(facts.actor.user_id, *facts.record)) {
    return Deny(rules::kSodOwnerNotApprover);
  }
  return Allow(rules::kAllowCustomerWaive);
}

// An agreement's terms or signed document: the employee it binds may read
// their own (also during the notice period: it states what they owe); others
// need a role that reads agreements and must not be content-blind.
Decision DecideReadAgreement(const Policy& policy, const Facts& facts) {
  if (Same(facts.actor.user_id, facts.target_user_id) &&
      facts.actor.employment != EmploymentState::kDeparted) {
    return Allow(rules::kAllowAgreementOwn);
  }
  if (Check d = CheckEmployment(facts, Action::kReadAgreement)) return *d;
  // Auditors and administrators learn why: they are content-blind, and keep
  // the agreement's certificate (who signed what, when) without its terms.
  if (ContentBlind(facts.actor, facts.record->classification)) {
    return Deny(rules::kRoleContentBlind);
  }
  // A paper scan waiting for attestation: the custodian who may attest it
  // (not the uploader, not the employee it binds) reads the agreement and
  // the scan, to compare them with the signed original they keep.
  if (facts.agreement && facts.agreement->awaiting_attestation &&
      facts.actor.HasRole(Role::kCustodian) &&
      !Same(facts.actor.user_id, facts.agreement->uploaded_by) &&
      !Same(facts.actor.user_id, facts.agreement->employee_id)) {
    return Allow(rules::kAgreementsCustodian);
  }
  if (Check d = CheckRole(policy, facts, Action::kReadAgreement)) return *d;
  return Allow(rules::kAllowAgreementRead);
}

// ---- agreement steps ---------------------------------------------------------------

// The steps of an agreement and of its non-compete tracking. Legal's steps
// need a role the policy lets draft contracts (draft_contract); the rest are
// fixed: the employee signs and receives their own, a custodian who neither
// uploaded the paper nor is bound by it attests, and the separations of
// duty (the drafter never sends their own draft; the employee never
// countersigns for the company) hold whatever the policy file says.
Decision DecideAgreementStep(const Policy& policy, const Facts& facts) {
  const AgreementFacts& ag = *facts.agreement;
  const ActorFacts& actor = facts.actor;
  const std::string& step = ag.step;
  if (actor.employment == EmploymentState::kDeparted) return Deny(rules::kEmploymentDeparted);
  // The employee's own steps, also during the notice period (what they
  // sign and receive on leaving is part of leaving).
  if (step == "sign" || step == "deliver") {
    if (!Same(actor.user_id, ag.employee_id)) return Deny(rules::kAgreementsEmployeeOnly);
    return Allow(rules::kAgreementsEmployee);
  }
  if (step == "certificate") {
    if (Same(actor.user_id, ag.employee_id) && ag.sent_to_employee) {
      return Allow(rules::kAgreementsEmployee);
    }
    if (actor.HasRole(Role::kLegal) || actor.HasRole(Role::kAuditor) ||
        actor.HasRole(Role::kLitigation)) {
      return Allow(rules::kAllowAgreementRead);
    }
    return Deny(rules::kAgreementsReaders);
  }
  if (step == "noncompete.read") {
    if (Check d = CheckEmployment(facts, Action::kAgreementStep)) return *d;
    if (actor.HasRole(Role::kLegal) || actor.HasRole(Role::kHr) || actor.HasRole(Role::kAuditor)) {
      return Allow(rules::kAllowAgreementRead);
    }
    return Deny(rules::kNoncompeteReaders);
  }
  if (Check d = CheckEmployment(facts, Action::kAgreementStep)) return *d;
  if (step == "attest") {
    if (!actor.HasRole(Role::kCustodian) || Same(actor.user_id, ag.uploaded_by) ||
        Same(actor.user_id, ag.employee_id)) {
      return Deny(rules::kAgreementsCustodianAttests);
    }
    return Allow(rules::kAgreementsCustodian);
  }
  const bool legal = RoleCan(policy, actor, Action::kDraftContract);
  if (step == "countersign") {
    if (!legal || Same(actor.user_id, ag.employee_id)) {
      return Deny(rules::kAgreementsCompanySigner);
    }
    return Allow(rules::kAgreementsCompany);
  }
  if (step == "noncompete.track") {
    if (!legal) return Deny(rules::kNoncompeteLegalOnly);
    // SECURITY: separation of duties: a legal user bound by the
    // non-compete neither releases it nor books its compensation to
    // themselves.
    if (Same(actor.user_id, ag.employee_id)) return Deny(rules::kNoncompeteByOther);
    return Allow(rules::kNoncompeteLegal);
  }
  if (step == "draft" || step == "update" || step == "submit" || step == "return" ||
      step == "send" || step == "recall" || step == "void" || step == "paper_upload") {
    if (!legal) return Deny(rules::kAgreementsLegalOnly);
    // SECURITY: separation of duties: the review is a second person, who
    // wrote none of the text it sends (a reviewer who returned or recalled
    // it and then edited it does not send it alone).
    if (step == "send" && (ag.authors.empty() ? Same(actor.user_id, ag.drafted_by)
                                              : Contains(ag.authors, actor.user_id))) {
      return Deny(rules::kAgreementsReviewByOther);
    }
    // Nor does the employee review the terms that bind them.
    if (step == "send" && Same(actor.user_id, ag.employee_id)) {
      return Deny(rules::kAgreementsSendByOther);
    }
    // An employee who is legal never recalls their own agreement (it would
    // leave them unbound, unsigned).
    if (step == "recall" && Same(actor.user_id, ag.employee_id)) {
      return Deny(rules::kAgreementsRecallByOther);
    }
    // Nor voids it: an employee who is legal does not end their own
    // agreement unsigned.
    if (step == "void" && Same(actor.user_id, ag.employee_id)) {
      return Deny(rules::kAgreementsVoidByOther);
    }
    return Allow(rules::kAgreementsLegal);
  }
  return Deny(rules::kFactsIncomplete);
}

// ---- evidence requests ------------------------------------------------------------

// Separation of duties for whoever decides on an evidence request: never its
// requester, never a person it is about.
Check CheckEvidenceDecider(const Facts& facts) {
  const EvidenceFacts& ev = *facts.evidence;
  if (Same(facts.actor.user_id, ev.requester_id)) return Deny(rules::kSodRequesterNotApprover);
  if (Contains(ev.subject_ids, facts.actor.user_id)) return Deny(rules::kSodSubjectNotApprover);
  return std::nullopt;
}

Decision DecideRequestEvidence(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kRequestEvidence)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kRequestEvidence)) return *d;
  // SECURITY: a bundle about oneself would carry, on one approval, the
  // files one tried to open and was refused.
  if (facts.evidence && Contains(facts.evidence->subject_ids, facts.actor.user_id)) {
    return Deny(rules::kSodSubjectNotRequester);
  }
  // An evidence bundle is made for a case: its purpose is the reason.
  if (Check d = CheckReasonGiven(facts)) return *d;
  return Allow(rules::kAllowEvidenceRequest);
}

Decision DecideApproveEvidence(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kApproveEvidence)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kApproveEvidence)) return *d;
  const EvidenceFacts& ev = *facts.evidence;
  if (ev.state != EvidenceState::kRequested) return Deny(rules::kEvidenceNotPending);
  if (Check d = CheckEvidenceDecider(facts)) return *d;
  if (Contains(ev.approver_ids, facts.actor.user_id)) return Deny(rules::kSodApproverCountedTwice);
  Decision d = Allow(rules::kAllowEvidenceApprove);
  d.approvals_required = std::max(1, ev.approvals_required);
  d.approvals_complete = DistinctCount(ev.approver_ids) + 1 >= d.approvals_required;
  return d;
}

Decision DecideDenyEvidence(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kDenyEvidence)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kDenyEvidence)) return *d;
  if (facts.evidence->state != EvidenceState::kRequested) return Deny(rules::kEvidenceNotPending);
  if (Check d = CheckEvidenceDecider(facts)) return *d;
  return Allow(rules::kAllowEvidenceDeny);
}

// The bundle of an approved request, built (or downloaded again) by its
// requester.
Decision DecideExportEvidence(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kExportEvidence)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kExportEvidence)) return *d;
  if (Check d = CheckReasonGiven(facts)) return *d;
  if (!facts.evidence) return Deny(rules::kFactsIncomplete);
  const EvidenceFacts& ev = *facts.evidence;
  if (!Same(facts.actor.user_id, ev.requester_id)) return Deny(rules::kEvidenceNotRequester);
  switch (ev.state) {
    case EvidenceState::kRequested:
      return Deny(rules::kEvidenceNotApproved);
    case EvidenceState::kDenied:
      return Deny(rules::kEvidenceDenied);
    case EvidenceState::kApproved:
      break;
  }
  // SECURITY: re-check separation of duties on the approvals themselves, so
  // a request that reached "approved" by a bug or an older policy still
  // cannot be exported.
  if (Contains(ev.approver_ids, ev.requester_id)) return Deny(rules::kSodRequesterNotApprover);
  for (const std::string& approver : ev.approver_ids) {
    if (Contains(ev.subject_ids, approver)) return Deny(rules::kSodSubjectNotApprover);
  }
  if (DistinctCount(ev.approver_ids) < std::max(1, ev.approvals_required)) {
    return Deny(rules::kEvidenceNotApproved);
  }
  return Allow(rules::kAllowEvidenceExport);
}

Decision DecideLiftLegalHold(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kLiftLegalHold)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kLiftLegalHold)) return *d;
  if (Check d = CheckReasonGiven(facts)) return *d;
  return Allow(rules::kAllowHoldLift);
}

// SECURITY: a policy that guards role grants with two administrators is
// changed by two as well — else one could apply a policy without the guard
// and grant alone. The first application is recorded; a second, different
// administrator applying the same policy puts it in force.
Decision DecideApplyPolicy(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kApplyPolicy)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kApplyPolicy)) return *d;
  if (facts.policy_change && facts.policy_change->two_person &&
      facts.policy_change->other_admin_exists) {
    return OfTwoApprovers(facts, facts.policy_change->first_approver, rules::kAllowPolicyFirst,
                          Allow(rules::kAllowRole));
  }
  return OfOneApprover(Allow(rules::kAllowRole));
}

// User administration. Without user_admin facts only the role is checked
// (listing accounts). A grant of roles the policy guards with two
// administrators comes back allowed with approvals_required = 2 and
// approvals_complete = false: the vault records it as pending.
Decision DecideManageUsers(const Policy& policy, const Facts& facts) {
  if (Check d = CheckEmployment(facts, Action::kManageUsers)) return *d;
  if (Check d = CheckRole(policy, facts, Action::kManageUsers)) return *d;
  if (!facts.user_admin) return Allow(rules::kAllowUserAdmin);
  const UserAdminFacts& ua = *facts.user_admin;
  if (!ua.granted_roles.empty() && !facts.target_user_id.empty() &&
      facts.target_user_id == facts.actor.user_id) {
    return Deny(rules::kSodSelfGrant);
  }
  if (!ua.grant_requested_by.empty()) {
    if (ua.grant_requested_by == facts.actor.user_id ||
        ua.grant_requested_by == ua.actor_password_set_by ||
        ua.requester_password_set_by == facts.actor.user_id) {
      return Deny(rules::kSodGrantConfirmer);
    }
    Decision d = Allow(rules::kAllowUserGrantConfirm);
    d.approvals_required = 2;
    d.approvals_complete = true;
    return d;
  }
  bool guarded = false;
  bool only_admin = true;
  for (Role r : ua.granted_roles) {
    if (policy.GrantNeedsSecondAdmin(r)) guarded = true;
    if (r != Role::kAdmin) only_admin = false;
  }
  if (!guarded) return Allow(rules::kAllowUserAdmin);
  if (only_admin && !ua.other_admin_exists) {
    Decision d = Allow(rules::kAllowUserFirstAdmin);
    d.approvals_required = 1;
    d.approvals_complete = true;
    return d;
  }
  Decision d = Allow(rules::kAllowUserGrantPending);
  d.approvals_required = 2;
  d.approvals_complete = false;
  return d;
}

// Actions decided by employment and the role table alone.
Decision DecideByRole(const Policy& policy, const Facts& facts, Action action) {
  if (Check d = CheckEmployment(facts, action)) return *d;
  if (Check d = CheckRole(policy, facts, action)) return *d;
  return Allow(rules::kAllowRole);
}

bool NeedsRecord(Action action) {
  switch (action) {
    case Action::kSearchMetadata:
    case Action::kReadAuditLog:
    case Action::kManageUsers:
    case Action::kApplyPolicy:
    case Action::kDraftContract:
    case Action::kRegisterResignation:
    case Action::kExportEvidence:
    case Action::kReadDepartureReport:
    case Action::kRequestEvidence:
    case Action::kApproveEvidence:
    case Action::kDenyEvidence:
    case Action::kLiftLegalHold:
    case Action::kAgreementStep:
      return false;
    default:
      return true;
  }
}

bool NeedsLoan(Action action) {
  switch (action) {
    case Action::kRequestLoan:
    case Action::kApproveLoan:
    case Action::kDenyLoan:
    case Action::kReleaseLoan:
    case Action::kReturnLoan:
    case Action::kRevokeLoan:
    case Action::kExtendLoan:
      return true;
    default:
      return false;
  }
}

}  // namespace

bool ActorFacts::HasRole(Role role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

int ReasonLength(std::string_view text) {
  return internal::CountCodePoints(internal::TrimBlanks(text));
}

int ApprovalsRequired(const Policy& policy, Classification c, LoanKind kind) {
  if (kind == LoanKind::kView) return policy.rules(c).loan_approvals;
  const UseRule& use = policy.use_rule(c, kind);
  return use.permission == UsePermission::kWithApproval ? use.approvals : 0;
}

Decision Decide(const Policy& policy, const Facts& facts, Action action) {
  // SECURITY: fail closed on missing facts rather than deciding on defaults.
  if (facts.actor.user_id.empty()) return Deny(rules::kFactsIncomplete);
  if (NeedsRecord(action) && (!facts.record || facts.record->id.empty())) {
    return Deny(rules::kFactsIncomplete);
  }
  if (NeedsLoan(action) && !facts.loan) return Deny(rules::kFactsIncomplete);
  if ((action == Action::kApproveEvidence || action == Action::kDenyEvidence) && !facts.evidence) {
    return Deny(rules::kFactsIncomplete);
  }

  switch (action) {
    case Action::kViewContent:
    case Action::kCopy:
    case Action::kPrint:
    case Action::kExport:
      return DecideUse(policy, facts, action, *LoanKindForAction(action));
    case Action::kRequestLoan:
      return DecideRequestLoan(policy, facts);
    case Action::kApproveLoan:
      return DecideApproveLoan(policy, facts);
    case Action::kDenyLoan:
      return DecideDenyLoan(policy, facts);
    case Action::kReleaseLoan:
      return DecideReleaseLoan(policy, facts);
    case Action::kReturnLoan:
      return DecideReturnLoan(policy, facts);
    case Action::kRevokeLoan:
      return DecideRevokeLoan(policy, facts);
    case Action::kExtendLoan:
      return DecideExtendLoan(policy, facts);
    case Action::kUpdateRecord:
      return DecideUpdateRecord(policy, facts);
    case Action::kReassignOwner:
      return DecideReassignOwner(policy, facts);
    case Action::kAssignHandover:
      return DecideAssignHandover(policy, facts);
    case Action::kConfirmHandover:
      return DecideConfirmHandover(policy, facts);
    case Action::kReadDepartureReport:
      if (facts.target_user_id.empty()) return Deny(rules::kFactsIncomplete);
      return DecideByRole(policy, facts, action);
    case Action::kRegisterResignation:
      if (facts.target_user_id.empty()) return Deny(rules::kFactsIncomplete);
      if (Check d = CheckEmployment(facts, action)) return *d;
      if (Check d = CheckRole(policy, facts, action)) return *d;
      // SECURITY: separation of duties: HR never handles their own
      // resignation (their own last working day, its withdrawal).
      if (Same(facts.actor.user_id, facts.target_user_id)) return Deny(rules::kSodOwnDeparture);
      return Allow(rules::kAllowRole);
    case Action::kExportEvidence:
      return DecideExportEvidence(policy, facts);
    case Action::kRequestEvidence:
      return DecideRequestEvidence(policy, facts);
    case Action::kApproveEvidence:
      return DecideApproveEvidence(policy, facts);
    case Action::kDenyEvidence:
      return DecideDenyEvidence(policy, facts);
    case Action::kLiftLegalHold:
      return DecideLiftLegalHold(policy, facts);
    case Action::kLowerClassification:
      return DecideLowerClassification(policy, facts);
    case Action::kReadAgreement:
      return DecideReadAgreement(policy, facts);
    case Action::kConfirmCustomer:
      return DecideConfirmCustomer(policy, facts);
    case Action::kWaiveCustomerConfirmation:
      return DecideWaiveCustomer(policy, facts);
    case Action::kAgreementStep:
      if (!facts.agreement) return Deny(rules::kFactsIncomplete);
      return DecideAgreementStep(policy, facts);
    case Action::kManageUsers:
      return DecideManageUsers(policy, facts);
    case Action::kApplyPolicy:
      return DecideApplyPolicy(policy, facts);
    case Action::kCreateRecord:
    case Action::kSearchMetadata:
    case Action::kReadAuditLog:
    case Action::kDraftContract:
      return DecideByRole(policy, facts, action);
  }
  return Deny(rules::kFactsIncomplete);
}

bool MaySeeContent(const Policy& policy, const ActorFacts& actor, Classification c) {
  return !ContentBlind(actor, c) && RoleCanSee(policy, actor, c, Action::kViewContent);
}

bool MayTakeFileAway(const ActorFacts& actor) {
  return actor.employment == EmploymentState::kActive;
}

Authorization Authorize(const Policy& policy, const Facts& facts, Action action) {
  Authorization out;
  out.decision = Decide(policy, facts, action);
  if (!out.decision.allow) return out;
  Permit permit;
  permit.action_ = action;
  permit.actor_id_ = facts.actor.user_id;
  if (facts.record) permit.record_id_ = facts.record->id;
  if (facts.loan) permit.loan_id_ = facts.loan->id;
  permit.rule_ = out.decision.rule;
  permit.policy_version_ = policy.version();
  permit.policy_digest_ = policy.digest();
  permit.decided_at_ = facts.now;
  out.permit = std::move(permit);
  return out;
}

std::optional<RuleMessages> MessagesForRule(std::string_view rule) {
  const std::optional<internal::RuleText> text = internal::FindTextForRule(rule);
  if (!text) return std::nullopt;
  return RuleMessages{text->en, text->zh};
}

Status Authorization::status() const {
  if (permit) return Status::Ok();
  std::string message = decision.rule + ": " + decision.message_en;
  if (!decision.message_zh.empty()) {
    message += kChineseMessageMarker;
    message += decision.message_zh;
  }
  Refusal refusal;
  refusal.rule = decision.rule;
  refusal.message_en = decision.rule + ": " + decision.message_en;
  refusal.message_zh = decision.message_zh;
  const StatusCode code = decision.rule == rules::kQuotaExhausted ? StatusCode::kResourceExhausted
                                                                  : StatusCode::kPermissionDenied;
  return Status::Refused(code, std::move(message), std::move(refusal));
}

Status Refuse(std::string_view rule, std::string_view message_en) {
  std::string message = std::string(rule) + ": " + std::string(message_en);
  Refusal refusal;
  refusal.rule = std::string(rule);
  refusal.message_en = message;
  return Status::Refused(StatusCode::kPermissionDenied, std::move(message), std::move(refusal));
}

}  // namespace custos::policy
