// Users of a vault: identity, roles, employment state and login password.
//
// A user is stored sealed in tables::kUsers under a random id ("u-" + 16 hex
// digits); the username is found through a blind index in
// tables::kUserIndex. Passwords are Argon2id hashes; the plaintext never
// leaves the caller's SecretBytes.
//
// Thread-safety: free functions over a transaction; see vault.h.
#ifndef CUSTOS_VAULT_ACCESS_USERS_H_
#define CUSTOS_VAULT_ACCESS_USERS_H_

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/types.h"
#include "vault/store/vault.h"

namespace custos::vault {

struct User {
  std::string id;
  std::string username;      // login name, unique, and no two differ only in case
  std::string display_name;  // e.g. "张伟"; one line of plain text (base/text.h)
  std::vector<policy::Role> roles;
  policy::EmploymentState employment = policy::EmploymentState::kActive;
  std::string notice_date;       // YYYY-MM-DD when notice was given
  std::string last_working_day;  // YYYY-MM-DD
  std::string department;
  // The sales territories or teams this person covers besides their
  // department (e.g. "华东区"); maintained by administrators, audited
  // (vault/access/user_admin.h). A customer file whose RecordMeta::territory is
  // one of them, or equals the department, is in their assignment.
  std::vector<std::string> territories;
  std::string password_hash;  // Argon2id encoded; empty = cannot log in
  bool must_change_password = false;
  // The administrator whose setup link last set the password
  // (vault/access/user_admin.h, the two-person rule), and, for a reset
  // link, when: whoever held it could have logged in and changed the
  // password as the owner, so the owner's change does not clear a reset's
  // (it binds for kResetBindsMs); a first setup's is cleared by it.
  std::string password_set_by;
  UnixMillis password_set_at = 0;
  // The current password was set through an administrator's reset link and
  // the owner has not changed it since: whoever held the link may know it,
  // so a signature made with it is not the owner's alone (vault/agreements/signing.h,
  // SignatureConditions).
  bool password_from_reset = false;
  bool disabled = false;
  UnixMillis created = 0;

  bool HasRole(policy::Role r) const;
  json::Value ToJson(bool include_secret_fields) const;
  static Result<User> FromJson(const json::Value& v);
};

// Usernames: 1–64 characters of [A-Za-z0-9._-]. kInvalidArgument otherwise.
Status ValidateUsername(std::string_view username);

// Creates a user with a fresh id; kAlreadyExists if the username is taken,
// or differs from a taken one only in case ("Admin" beside "admin"; this
// reads every user). The display name, department and territories are one
// line of plain text each (base/text.h), kInvalidArgument otherwise.
// `user.password_hash` is stored as given: empty (no login until a password
// is set) or made by HashPassword before the write — Argon2id never runs
// inside a write transaction, where it would stall every writer of the
// group commit (and could run again when the batch is re-run).
Result<User> CreateUser(WriteTxn& txn, User user);

// Replaces the stored user (same id); the username index follows renames,
// held to the same rules as CreateUser (the text rules for what changes).
Status UpdateUser(WriteTxn& txn, const User& user);

Result<User> GetUser(const ReadTxn& txn, std::string_view id);
// kNotFound when no user has that name.
Result<User> FindUserByName(const ReadTxn& txn, std::string_view username);
Result<std::vector<User>> ListUsers(const ReadTxn& txn);

// Argon2id parameters for login passwords in production (moderate: 2 passes,
// 64 MiB). Tests pass their own cheap Argon2Params::ForTests() wherever a
// function takes a kdf; `custos serve --kdf` chooses the profile.
inline Argon2Params PasswordKdf() { return Argon2Params{2, 64ull << 20}; }

// A random password of `length` characters from an unambiguous alphabet.
SecretBytes GeneratePassword(size_t length = 16);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_ACCESS_USERS_H_
