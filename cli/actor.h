// Commands that act as a named user (`--as USER`): the password is checked
// against the vault's user, and the caller the vault decides and audits
// for carries this machine's name as the workstation, "custos-cli" as the
// user agent and --location as the declared place — the same decisions and
// events as the web application's.
#ifndef CUSTOS_CLI_ACTOR_H_
#define CUSTOS_CLI_ACTOR_H_

#include <memory>

#include <Poco/Util/OptionSet.h>

#include "base/status.h"
#include "cli/command.h"
#include "vault/access/policy_store.h"
#include "vault/audit/audit_log.h"
#include "vault/records/records.h"
#include "vault/store/vault.h"

namespace custos::cli {

// --as USER, --password-file F, --location TEXT.
void AddActorOptions(Poco::Util::OptionSet& options);

// The opened vault, log and archive, and the caller acting on them.
struct Session {
  std::unique_ptr<vault::Vault> vault;
  std::unique_ptr<vault::AuditLog> log;
  std::unique_ptr<vault::Archive> archive;
  vault::Caller caller;
};

class ActorCommand : public Command {
 protected:
  using Command::Command;

  // Opens the vault and checks --as USER's password (from --password-file,
  // $CUSTOS_USER_PASSWORD or a prompt). kUnauthenticated for a wrong
  // password (the same message whether or not the user exists).
  Result<Session> OpenAs() const;
};

}  // namespace custos::cli

#endif  // CUSTOS_CLI_ACTOR_H_
