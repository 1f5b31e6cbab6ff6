// The policy engine: pure decisions from a Policy and Facts, and the Permit
// that vault operations require.
//
// Decide() answers allow/deny with the rule that made the decision and a
// message in zh and en. Authorize() does the same and, when allowed, mints a
// Permit — the only way to obtain one — so a protected vault operation cannot
// run without a policy decision. A denial keeps its Decision so the caller can
// log the rule and messages and still refuse.
//
// What the engine enforces whatever the policy file says (the file's own
// format and defaults are documented in policy/default-policy.xml):
//  - departed users are denied everything; during the notice period only
//    views of records in the actor's handover, returning loans and metadata
//    search remain (no new loans, no copy/print/export);
//  - admin and auditor are content-blind: a person holding either role never
//    views, copies, prints, exports or borrows content above public, whatever
//    other roles they hold;
//  - separation of duties: the requester never approves (or denies) their own
//    loan, the record's owner/author never approves access to it, one
//    approver counts once, the releasing custodian is never an approver of the
//    same loan, nor its requester, nor the record's owner/author; an owner
//    never reassigns their own record, nor to themselves;
//  - the three-views rule: views_used >= quota → "quota.exhausted"; a copy,
//    print or export counts as a view of the content.
//
// Thread-safety: pure functions; Permit and Decision are values.
#ifndef CUSTOS_POLICY_ENGINE_H_
#define CUSTOS_POLICY_ENGINE_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"
#include "policy/facts.h"
#include "policy/policy.h"
#include "policy/rules.h"
#include "policy/types.h"

namespace custos::policy {

// The outcome of one decision.
struct Decision {
  bool allow = false;
  // Stable rule id (policy/rules.h): why it was allowed or denied.
  std::string rule;
  // For people; never contains record content or secrets.
  std::string message_en;
  std::string message_zh;

  // Views of content: the quota that applied (nullopt = unlimited) and the
  // views left after this one if it goes ahead.
  std::optional<int> view_quota;
  std::optional<int> views_left_after;
  // Loan actions: the approvals the loan (or the extension) needs in total.
  int approvals_required = 0;
  // kApproveLoan / kExtendLoan: whether this approval completes the count.
  bool approvals_complete = false;
  // kApproveLoan: whether a custodian must release the loan before use.
  bool custodian_release_required = false;
  // kRequestLoan / kExtendLoan: the latest due time the policy allows.
  std::optional<UnixMillis> latest_due;
};

struct Authorization;

// Proof that the policy engine allowed one action. Only Authorize() can make
// one; vault operations take `const Permit&`. A Permit is valid for the facts
// it was issued on: the vault must issue it and act on it in the same
// transaction. Copyable value.
class Permit {
 public:
  Permit(const Permit&) = default;
  Permit& operator=(const Permit&) = default;
  Permit(Permit&&) = default;
  Permit& operator=(Permit&&) = default;

  Action action() const { return action_; }
  const std::string& actor_id() const { return actor_id_; }
  // Empty for actions that are not record-scoped.
  const std::string& record_id() const { return record_id_; }
  // Empty when no loan was involved.
  const std::string& loan_id() const { return loan_id_; }
  // The allowing rule (an "allow.…" id).
  const std::string& rule() const { return rule_; }
  // Policy::version() and Policy::digest() of the policy that decided.
  const std::string& policy_version() const { return policy_version_; }
  const std::string& policy_digest() const { return policy_digest_; }
  // The time the decision was made for (Facts::now).
  UnixMillis decided_at() const { return decided_at_; }

 private:
  Permit() = default;
  friend Authorization Authorize(const Policy& policy, const Facts& facts, Action action);

  Action action_ = Action::kViewContent;
  std::string actor_id_;
  std::string record_id_;
  std::string loan_id_;
  std::string rule_;
  std::string policy_version_;
  std::string policy_digest_;
  UnixMillis decided_at_ = 0;
};

// A decision and, iff it allows, its Permit.
struct Authorization {
  Decision decision;
  std::optional<Permit> permit;

  bool ok() const { return permit.has_value(); }
  // OK when allowed; otherwise kResourceExhausted for "quota.exhausted" and
  // kPermissionDenied for every other rule, with the message
  // "rule: English message" + kChineseMessageMarker + "中文消息" (both with
  // the decision's details, e.g. views used and the quota) for people, and
  // the rule and both messages as data in Status::refusal() for programs.
  Status status() const;
};

// Separates the English and the Chinese message in a refusal's Status
// (Authorization::status). A full-width bar, which no message contains.
inline constexpr std::string_view kChineseMessageMarker = " ｜ ";

// A refusal made outside a decision (a listing's access rule): kPermissionDenied
// with the message "rule: message_en" and Status::refusal() {rule, that
// message, no Chinese message (the rule's own words serve)}.
Status Refuse(std::string_view rule, std::string_view message_en);

// Decides whether `facts.actor` may perform `action`. Never fails: missing
// facts deny with "facts.incomplete".
Decision Decide(const Policy& policy, const Facts& facts, Action action);

// Whether `actor`'s roles let them see the content of a file marked `c` at
// all (a role that both permits viewing and is on the classification's view
// list; never an administrator or auditor above public), before quotas,
// loans and reasons. For choosing who may be given a file to own.
bool MaySeeContent(const Policy& policy, const ActorFacts& actor, Classification c);

// Whether `actor` may take a file out of the vault (an attachment's
// download) on a view already allowed: only while employed. In the notice
// period a handover view lets them read the record, not keep a copy of its
// files; the refusal's rule is rules::kEmploymentNoticePeriod.
bool MayTakeFileAway(const ActorFacts& actor);

// Decide() plus a Permit when allowed.
Authorization Authorize(const Policy& policy, const Facts& facts, Action action);

// The people's messages of a rule id (policy/rules.h) in English and
// Chinese, without the details a Decision may append; nullopt when `rule` is
// not a rule id. For layers that answer in both languages (the web API)
// when a refusal carries no Chinese message of its own. Static strings.
struct RuleMessages {
  std::string_view en;
  std::string_view zh;
};
std::optional<RuleMessages> MessagesForRule(std::string_view rule);

// Approvals a loan of `kind` on a record of classification `c` needs
// (0 = no loan needed for a view; 0 for a free or forbidden use).
int ApprovalsRequired(const Policy& policy, Classification c, LoanKind kind);

// Number of Unicode code points in `text` after trimming leading and trailing
// blanks (ASCII whitespace and U+3000 ideographic space). Invalid UTF-8 bytes
// do not count. This is how reason lengths are measured.
int ReasonLength(std::string_view text);

}  // namespace custos::policy

#endif  // CUSTOS_POLICY_ENGINE_H_
