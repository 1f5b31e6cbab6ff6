// A policy document: which roles may do what, and per classification who may
// view, how often, with what reason, under which loan, and whether copy, print
// and export are allowed. Loaded from XML (see policy/default-policy.xml for
// the format and the shipped defaults).
//
// A Policy is immutable once loaded, except for the digest the vault attaches
// (set_digest) right after loading it. The exact source bytes stay available
// through source(), so the vault can hash and store the policy version that
// every decision refers to.
//
// Thread-safety: a const Policy may be read from many threads.
#ifndef CUSTOS_POLICY_POLICY_H_
#define CUSTOS_POLICY_POLICY_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"
#include "policy/anomaly.h"
#include "policy/types.h"

namespace custos::policy {

// How a use of content (copy, print, export) is governed for a classification.
enum class UsePermission {
  kForbidden,     // never, whatever the approvals ("forbidden")
  kWithApproval,  // only under an approved loan of that kind ("with-approval")
  kFree,          // no loan needed ("free"); reason and view rights still apply
};

// One use rule: the permission and, for kWithApproval, the approvals needed.
struct UseRule {
  UsePermission permission = UsePermission::kForbidden;
  int approvals = 0;
};

// The most views a quota counted over a window of days may allow (the
// vault keeps this many recent view times per person and document; more
// could not be counted). A quota without a window may be larger.
inline constexpr int kMaxViewsInWindow = 1024;

// Everything the policy says about one classification.
struct ClassificationRules {
  // Roles whose holders may see content of this classification at all.
  std::bitset<kRoleCount> view_roles;
  // Views per person per document within the window; nullopt = unlimited.
  // With a window, at most kMaxViewsInWindow (the vault keeps that many view
  // times per person and document).
  std::optional<int> view_quota;
  // The counting window in days; 0 = forever.
  int quota_window_days = 0;
  bool reason_required = false;
  // Minimum reason length in Unicode code points (after trimming blanks).
  int reason_min_chars = 0;
  // Approvals a view loan needs; 0 = viewing needs no loan.
  int loan_approvals = 0;
  // Longest loan, in hours from the request / extension time.
  int64_t max_loan_hours = 0;
  // Whether an approved loan must be released by a custodian before use.
  bool custodian_release = false;
  // The record's owner: whether they need a loan for their own file, and
  // their own quota (nullopt = unlimited).
  bool owner_needs_loan = true;
  std::optional<int> owner_view_quota;
  // Copy, print, export.
  UseRule copy;
  UseRule print;
  UseRule export_;
};

// Whether a handed-over customer must confirm the change of contact person
// before the handover counts as complete (<departure customer-confirmation>).
enum class CustomerConfirmation { kOff, kOptional, kRequired };

// Where a policy's text comes from. kNew: a policy being applied, or a file;
// anything in it that Custos would not apply is refused. kStored: a version
// stored when it was applied (the caller has checked its hash), read as
// Custos read it then: text or child elements inside an element that holds
// only attributes, which releases before 2026-12-07 passed over, are passed
// over again, so a vault whose policy has them still opens and its history
// still reads.
enum class PolicyText { kNew, kStored };
std::string_view CustomerConfirmationId(CustomerConfirmation c);  // "off", ...

class Policy {
 public:
  Policy(const Policy&) = default;
  Policy& operator=(const Policy&) = default;
  Policy(Policy&&) = default;
  Policy& operator=(Policy&&) = default;

  // The exact bytes the policy was loaded from (what the vault hashes).
  const std::string& source() const { return source_; }
  // The version label from the root element's `version` attribute.
  const std::string& version() const { return version_; }
  // The digest the vault attached (lower-case hex SHA-256 of source()), or
  // empty until set. Permits carry it so every decision names its policy.
  const std::string& digest() const { return digest_; }
  void set_digest(std::string digest) { digest_ = std::move(digest); }

  // Whether the role table lets `role` perform `action`.
  bool RolePermits(Role role, Action action) const {
    return role_actions_[static_cast<std::size_t>(role)].test(static_cast<std::size_t>(action));
  }
  const ClassificationRules& rules(Classification c) const {
    return classifications_[static_cast<std::size_t>(c)];
  }
  // The rule for one use (copy / print / export); kView has no use rule and
  // aborts (a bug).
  const UseRule& use_rule(Classification c, LoanKind kind) const;
  // The anomaly rules' thresholds (<anomaly-rules>; the defaults of
  // policy/anomaly.h when the policy sets none).
  const anomaly::Thresholds& anomaly_thresholds() const { return anomaly_thresholds_; }
  // The working hours (<work-hours>) for the off-hours anomaly rule; null
  // when the policy sets none (then that rule is off).
  const anomaly::WorkHours* work_hours() const { return work_hours_ ? &*work_hours_ : nullptr; }
  // The company's calendar (<calendar utc-offset="+08:00"/>): the date at a
  // time wherever the vault compares a date with today (the last working
  // day, a declassification date, a non-compete's months, a date someone
  // types). China's +08:00 when the policy sets none: the day starts at
  // midnight in Beijing, not in UTC. <work-hours> must be on the same clock.
  int utc_offset_minutes() const { return utc_offset_minutes_; }
  CivilDate LocalDate(UnixMillis t) const {
    return CivilFromDays(LocalDay(t, utc_offset_minutes_));
  }
  // Whether granting `role` needs a second administrator's confirmation
  // (<user-admin two-person-roles="…"/>; approver, custodian and admin when
  // the policy says nothing).
  bool GrantNeedsSecondAdmin(Role role) const {
    return two_person_roles_.test(static_cast<std::size_t>(role));
  }
  // Whether handed-over customers confirm the change (<departure
  // customer-confirmation="required|optional|off"/>; optional when the
  // policy says nothing).
  CustomerConfirmation customer_confirmation() const { return customer_confirmation_; }

 private:
  Policy() = default;
  friend Result<Policy> LoadPolicy(std::string_view xml, PolicyText text);

  std::string source_;
  std::string version_;
  std::string digest_;
  std::array<std::bitset<kActionCount>, kRoleCount> role_actions_{};
  std::array<ClassificationRules, kClassificationCount> classifications_{};
  std::optional<anomaly::WorkHours> work_hours_;
  static constexpr int kChinaUtcOffsetMinutes = 8 * 60;
  int utc_offset_minutes_ = kChinaUtcOffsetMinutes;
  std::bitset<kRoleCount> two_person_roles_ = DefaultTwoPersonRoles();
  CustomerConfirmation customer_confirmation_ = CustomerConfirmation::kOptional;

  static std::bitset<kRoleCount> DefaultTwoPersonRoles() {
    std::bitset<kRoleCount> out;
    for (Role r : {Role::kApprover, Role::kCustodian, Role::kAdmin}) {
      out.set(static_cast<std::size_t>(r));
    }
    return out;
  }
  anomaly::Thresholds anomaly_thresholds_;
};

// Parses and validates a policy document. Every role and every classification
// must be defined exactly once; unknown elements, attributes, roles, actions
// or classifications are rejected, and so (for a new policy) is text or a
// child element inside an element that holds only attributes. Errors:
// kInvalidArgument with a message naming the element (and the byte offset for
// malformed XML). The admin and auditor roles may never be given view rights
// above public.
Result<Policy> LoadPolicy(std::string_view xml, PolicyText text = PolicyText::kNew);

// Reads the file at `path` and loads it as LoadPolicy does; source() holds the
// file's exact bytes. Errors: kNotFound if the file cannot be opened,
// kUnavailable on a read error, then as LoadPolicy.
Result<Policy> LoadPolicyFile(const std::string& path);

// Id used in the XML for a use permission ("forbidden", "with-approval", "free").
std::string_view UsePermissionId(UsePermission p);

}  // namespace custos::policy

#endif  // CUSTOS_POLICY_POLICY_H_
