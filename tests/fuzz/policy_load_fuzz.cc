// Fuzzes the policy loader (policy/policy.h, LoadPolicy): an administrator
// uploads policy XML through the API and the CLI, and the vault stores and
// re-reads it. Whatever a loaded policy says, the engine (policy/engine.h)
// keeps the promises it makes "whatever the policy file says"; each loaded
// policy is put through them:
//   - the loader keeps the exact source bytes, and never gives admin or
//     auditor view rights above public;
//   - admin and auditor are content-blind: a person holding either role
//     (whatever else they hold) never views, copies, prints, exports or
//     borrows content above public, even under an active loan;
//   - a departed person is refused everything;
//   - a view is allowed only through one role that both permits viewing and
//     is on the classification's view list.
// Seed corpus: tests/fuzz/corpus/policy_load/ (the shipped default policy,
// smaller variants and broken ones).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "policy/engine.h"
#include "policy/policy.h"

namespace {

using namespace custos::policy;

void Require(bool ok, const char* promise, const Decision* d = nullptr) {
  if (ok) return;
  std::fprintf(stderr, "policy_load_fuzz: broken promise: %s (rule %s)\n", promise,
               d != nullptr ? d->rule.c_str() : "-");
  std::abort();
}

constexpr custos::UnixMillis kNow = 1'780'000'000'000;  // 2026

Facts BaseFacts(Classification c, std::vector<Role> roles) {
  Facts f;
  f.actor.user_id = "u-actor";
  f.actor.roles = std::move(roles);
  f.record = RecordFacts{"r-1", c, "u-owner", "u-owner", "u-custodian", false};
  LoanFacts loan;
  loan.id = "l-1";
  loan.record_id = "r-1";
  loan.kind = LoanKind::kView;
  loan.state = LoanState::kActive;
  loan.requester_id = "u-actor";
  loan.approver_ids = {"u-a1", "u-a2", "u-a3", "u-a4"};
  loan.released_by = "u-custodian";
  loan.due = kNow + 3'600'000;
  f.loan = loan;
  f.now = kNow;
  f.reason = "核对客户合同的付款条件和交货周期 checking the payment terms of the contract";
  return f;
}

constexpr Action kContentActions[] = {Action::kViewContent, Action::kCopy, Action::kPrint,
                                      Action::kExport, Action::kRequestLoan};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view xml(reinterpret_cast<const char*>(data), size);
  auto policy = LoadPolicy(xml);
  if (!policy.ok()) {
    Require(policy.status().code() == custos::StatusCode::kInvalidArgument,
            "a refusal is kInvalidArgument");
    return 0;
  }
  Require(policy->source() == xml, "the policy keeps its exact source bytes");

  std::vector<Role> all(kAllRoles.begin(), kAllRoles.end());
  for (Classification c : kAllClassifications) {
    const ClassificationRules& rules = policy->rules(c);
    if (c > Classification::kPublic) {
      Require(!rules.view_roles.test(static_cast<size_t>(Role::kAdmin)) &&
                  !rules.view_roles.test(static_cast<size_t>(Role::kAuditor)),
              "no view rights above public for admin or auditor");
    }
    for (Action a : kContentActions) {
      for (Role blind : {Role::kAdmin, Role::kAuditor}) {
        for (bool owner : {false, true}) {
          Facts f = BaseFacts(c, owner ? all : std::vector<Role>{blind, Role::kBorrower});
          if (owner) f.record->owner_id = f.record->author_id = f.actor.user_id;
          f.loan->kind = LoanKindForAction(a).value_or(LoanKind::kView);
          const Decision d = Decide(*policy, f, a);
          Require(!d.allow || c == Classification::kPublic,
                  "admin and auditor are content-blind above public", &d);
        }
      }
      Facts departed = BaseFacts(c, all);
      departed.actor.employment = custos::policy::EmploymentState::kDeparted;
      departed.loan->kind = LoanKindForAction(a).value_or(LoanKind::kView);
      const Decision d = Decide(*policy, departed, a);
      Require(!d.allow, "a departed person is refused everything", &d);
    }
    for (Role r : kAllRoles) {
      for (bool with_loan : {false, true}) {
        Facts f = BaseFacts(c, {r});
        if (!with_loan) f.loan.reset();
        const Decision d = Decide(*policy, f, Action::kViewContent);
        if (d.allow) {
          Require(policy->RolePermits(r, Action::kViewContent) &&
                      rules.view_roles.test(static_cast<size_t>(r)),
                  "a view needs one role that both permits it and is on the view list", &d);
        }
      }
    }
  }
  for (Action a : kAllActions) {
    Facts departed = BaseFacts(Classification::kPublic, all);
    departed.actor.employment = custos::policy::EmploymentState::kDeparted;
    const Decision d = Decide(*policy, departed, a);
    Require(!d.allow, "a departed person is refused everything", &d);
  }
  return 0;
}
