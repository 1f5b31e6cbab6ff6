// Policy versions stored in the vault, and the policy in force.
//
// Every applied policy is kept forever under its SHA-256 (lower-case hex of
// the exact XML bytes), so an audit event that names a policy hash can always
// be checked against the text that decided it. Applying a policy is itself an
// audited event and never rewrites past events.
//
// Storage (tables::kPolicies, values sealed by the vault):
//   "v/" + sha256hex          → {"sha256","version","source","stored_at"}
//   "current"                 → {"sha256","applied_at","applied_by","audit_seq"}
//   "h/" + EncodeU64(n)       → the same object for the n-th application (history)
//
// The shipped default (policy/default-policy.xml, compiled in) is installed
// on first use by EnsurePolicy(), with an audit event by the system.
//
// Thread-safety: free functions over transactions or a Vault (see vault.h).
#ifndef CUSTOS_VAULT_ACCESS_POLICY_STORE_H_
#define CUSTOS_VAULT_ACCESS_POLICY_STORE_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "policy/policy.h"
#include "vault/access/caller.h"
#include "vault/audit/audit_log.h"
#include "vault/store/vault.h"

namespace custos::vault {

// The exact bytes of policy/default-policy.xml as shipped with this build.
std::string_view DefaultPolicyXml();

// Lower-case hex SHA-256 of `xml` (the policy digest).
std::string PolicyDigest(std::string_view xml);

struct PolicyApplication {
  std::string sha256;
  std::string version;  // the policy's version label
  UnixMillis applied_at = 0;
  std::string applied_by;  // user id; "" = the system (default install)
  uint64_t audit_seq = 0;
  // ApplyPolicy under a policy that guards role grants with two
  // administrators: this was the first application, recorded; the policy is
  // not in force until a second administrator applies the same one.
  bool pending_second_approval = false;
};

// The policy in force with its digest set. kNotFound when none was ever
// applied (call EnsurePolicy first); kDataLoss when the stored text does not
// hash to its key.
Result<policy::Policy> CurrentPolicy(const ReadTxn& txn);
// The digest of the policy in force (one small read), or kNotFound.
Result<std::string> CurrentPolicyDigest(const ReadTxn& txn);
// A stored version by digest, with its digest set. kNotFound if unknown.
Result<policy::Policy> GetPolicyVersion(const ReadTxn& txn, std::string_view sha256);
// Every application, oldest first.
Result<std::vector<PolicyApplication>> PolicyHistory(const ReadTxn& txn);

// Installs the shipped default policy if none is in force (audited as the
// system, action "policy.install"). Returns the policy in force either way.
Result<policy::Policy> EnsurePolicy(Vault& vault, const AuditLog& log);

// Applies `xml` as the new policy: parses it (kInvalidArgument naming the
// problem), authorizes `caller` for apply_policy under the policy in force
// (a denial is audited and returned as kPermissionDenied "rule: message"),
// stores the version and makes it current, with the audit event in the same
// transaction. Applying the policy already in force is allowed (recorded
// again). While the policy in force guards role grants with two
// administrators (<user-admin two-person-roles>) and another administrator
// exists, the first application is recorded only (rule
// allow.policy.first, outcome pending_second_approval, stored under
// "p/" + SHA-256) and a second, different administrator applying the same
// text puts it in force. The event's `policy` field is the hash of the policy that decided
// (the old one); details.new_policy names the new hash.
Result<PolicyApplication> ApplyPolicy(Vault& vault, const AuditLog& log, const Caller& caller,
                                      std::string_view xml, std::string_view reason);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_ACCESS_POLICY_STORE_H_
