// User administration: creating accounts, granting and removing roles,
// disabling and enabling, resetting passwords, and the account owner's own
// first password (a one-time setup link) and password changes.
//
// Every change is decided by the policy in force (Action::kManageUsers with
// policy::UserAdminFacts) and audited in the same write transaction as the
// change: both commit or neither does. A denial is audited too (the event
// alone) and returned as kPermissionDenied "rule: message". Decided before
// the target is read, so a caller without the right learns nothing about
// which accounts exist.
//
// Two-person rule: granting a role the policy lists in <user-admin
// two-person-roles="…"/> (approver, custodian, admin by default) records a
// pending grant; the role takes effect only when a second administrator
// confirms it. Nobody grants roles to themselves. An administrator whose
// reset link set the other's password within kResetBindsMs is not a second
// person to them, either way round (who held the link could have logged in
// as that account, and changed its password as its owner): the grant one
// asked for, the other does not confirm. While no other account
// has ever held the admin role, the only administrator may appoint a second
// administrator alone (rule allow.user.first_admin, audited as such).
//
// Setup links: an account is created without a password. The administrator
// receives a one-time token (256 random bits) to pass on; its owner sets the
// first password with it. Only SHA-256 of the token is stored; it is consumed
// at first use and expires after kSetupLinkLifetime. A reset clears the
// password and issues a new link (an older link of the same account stops
// working).
//
// Audit events (object {"user", id}; actor = the administrator unless said):
//   "user.create"          details {username, roles, pending_roles, grant}
//   "user.update"          details {display_name, department, territories} as
//                          changed (territories: {from, to})
//   "user.roles"           details {added, removed, pending_roles, grant}
//   "user.grant.confirm"   details {grant, roles, requested_by}
//   "user.grant.cancel"    details {grant, roles, requested_by}
//   "user.disable" / "user.enable"
//   "user.password.reset"  details {expires}
//   "user.setup"           actor = the account's owner; details {kind}
//   "user.password.change" actor = the account's owner
// Tokens and passwords never appear in events, errors or logs.
//
// Storage: pending grants in tables::kIndex under "ugrant/" + id (sealed
// JSON); setup links under "setup/" + hex SHA-256 of the token (sealed JSON
// {user_id, expires, kind, created_by}) with "setup-user/" + user id → that
// hash, so a newer link replaces an older one.
//
// Thread-safety: a UserAdmin holds references only; use it from any thread
// (the vault serialises writes).
#ifndef CUSTOS_VAULT_ACCESS_USER_ADMIN_H_
#define CUSTOS_VAULT_ACCESS_USER_ADMIN_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/types.h"
#include "vault/access/gate.h"
#include "vault/access/policy_store.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/store/vault.h"

namespace custos::vault {

inline constexpr int64_t kSetupLinkLifetime = 72LL * 3600 * 1000;
// How long a reset binds the administrator who made it to the account it
// reset, for the two-person rule: time enough for the account's owner, locked
// out by a takeover, to say so (and the reset is an audit event).
// Whether an account other than `actor_id`'s holds the admin role, or one
// ever did (from then on a lone administrator's allowances never apply).
Result<bool> OtherAdminExists(const ReadTxn& txn, std::string_view actor_id);

inline constexpr int64_t kResetBindsMs = 14LL * 24 * 3600 * 1000;
// Shortest password a person may set (setup or change).
inline constexpr size_t kMinPasswordChars = 10;

struct NewUser {
  std::string username;
  std::string display_name;
  std::string department;
  std::vector<std::string> territories;  // see User::territories
  std::vector<policy::Role> roles;
};

// A change to an account; unset fields stay as they are.
struct UserChange {
  std::optional<std::string> display_name;
  std::optional<std::string> department;
  std::optional<std::vector<std::string>> territories;  // the complete new list
  std::optional<std::vector<policy::Role>> roles;       // the complete new set
  std::optional<bool> disabled;
};

// A grant waiting for a second administrator.
struct PendingGrant {
  std::string id;  // "g-" + 16 hex digits
  std::string user_id;
  std::vector<policy::Role> roles;  // to add
  std::string requested_by;
  UnixMillis requested_at = 0;

  json::Value ToJson() const;
  static Result<PendingGrant> FromJson(const json::Value& v);
};

// A one-time setup link's secret, shown once to the administrator.
struct SetupLink {
  std::string token;  // 64 lower-case hex digits (256 random bits)
  UnixMillis expires = 0;
};

struct UserAdminOutcome {
  User user;
  std::optional<PendingGrant> pending;  // guarded roles waiting for a second admin
  std::optional<SetupLink> setup;       // Create, ResetPassword
  std::string rule;                     // the rule that allowed it
};

// What a setup link opens, for the page that asks for the new password.
struct SetupInfo {
  std::string username;
  std::string display_name;
  std::string kind;  // "create" or "reset"
  UnixMillis expires = 0;
};

class UserAdmin {
 public:
  // `clock` (null = the wall clock) dates grants, setup links and their
  // expiry; the web server passes its own.
  UserAdmin(Vault& vault, const AuditLog& log, Argon2Params password_kdf,
            std::function<UnixMillis()> clock = nullptr)
      : vault_(vault), log_(log), gate_(vault, log), kdf_(password_kdf), clock_(std::move(clock)) {}

  // A new account without a password, with a setup link. Roles the policy
  // guards are held back as a pending grant. kInvalidArgument (bad username,
  // no roles), kAlreadyExists (username taken), kPermissionDenied.
  Result<UserAdminOutcome> Create(const Caller& admin, const NewUser& user,
                                  std::string_view reason);

  // Names, roles and the disabled flag. Added guarded roles become a pending
  // grant; removals take effect at once. An administrator may not disable
  // themselves or drop their own admin role (kFailedPrecondition).
  Result<UserAdminOutcome> Change(const Caller& admin, std::string_view user_id,
                                  const UserChange& change, std::string_view reason);

  // A second administrator confirms (or any administrator cancels) a
  // pending grant. kNotFound when there is no such pending grant.
  Result<User> ConfirmGrant(const Caller& admin, std::string_view grant_id);
  Status CancelGrant(const Caller& admin, std::string_view grant_id, std::string_view reason);
  // Pending grants, oldest first (administrators only).
  Result<std::vector<PendingGrant>> PendingGrants(const Caller& admin);

  // Clears the password (the account cannot log in until its owner uses the
  // new link) and issues a setup link. The caller ends the user's sessions.
  Result<UserAdminOutcome> ResetPassword(const Caller& admin, std::string_view user_id,
                                         std::string_view reason);

  // The account a setup link opens; kNotFound for an unknown, used or
  // expired link (one message for all three). Not audited (reads nothing
  // secret and changes nothing).
  Result<SetupInfo> InspectSetup(std::string_view token);
  // Sets the first password with a setup link and consumes it. The same
  // kNotFound as InspectSetup; kInvalidArgument for a short password;
  // kFailedPrecondition when the account is disabled or departed.
  Result<User> CompleteSetup(std::string_view token, const SecretBytes& new_password,
                             const AuditEvent::Place& place);

  // Appends "user.password.change" for `user` inside `txn` (the caller
  // changes the password in the same transaction).
  Status RecordPasswordChange(WriteTxn& txn, const Caller& caller, const User& user);

 private:
  Vault& vault_;
  const AuditLog& log_;
  access::AccessGate gate_;  // every administration step is decided here
  Argon2Params kdf_;
  std::function<UnixMillis()> clock_;

  UnixMillis Now() const { return clock_ ? clock_() : NowMillis(); }
};

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_ACCESS_USER_ADMIN_H_
