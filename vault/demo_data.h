// A demo company for trying Custos: 华信商贸有限公司 with one user per role,
// a sales team, a few hundred customer files across all five classification
// levels (generated from a seed, so the same seed gives the same company),
// some later versions, an ownership handover and loans in various states.
//
// Thread-safety: call once, on a vault no one else is writing to.
#ifndef CUSTOS_VAULT_DEMO_DATA_H_
#define CUSTOS_VAULT_DEMO_DATA_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "vault/crypto.h"
#include "vault/records.h"
#include "vault/secret.h"
#include "vault/vault.h"

namespace custos::vault {

struct DemoOptions {
  uint64_t seed = 20260101;
  int customers = 300;
  int documents = 20;
  // Every demo user's password; empty = a fresh random password per user.
  std::string password;
  // Password hashing; the default is the production setting.
  Argon2Params password_kdf = PasswordKdf();
};

struct DemoLogin {
  std::string username;
  std::string role;  // the role id the account demonstrates ("sales" for the team)
  std::string display_name;
  SecretBytes password;
};

// Seeds the demo company and returns the logins (with their passwords) in
// `logins`. kAlreadyExists if the vault was already seeded or a demo
// username is taken — nothing is changed then. Uses (and updates) `archive`.
Status SeedDemoCompany(Archive& archive, const DemoOptions& options,
                       std::vector<DemoLogin>* logins);

// As above, opening the audit log and an Archive on `vault` for the seeding.
Status SeedDemoCompany(Vault& vault, const DemoOptions& options, std::vector<DemoLogin>* logins);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_DEMO_DATA_H_
