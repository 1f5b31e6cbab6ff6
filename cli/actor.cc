#include "cli/actor.h"

#include <string>
#include <unistd.h>

#include <Poco/Util/Option.h>

#include "base/text.h"
#include "vault/access/users.h"
#include "vault/store/crypto.h"

namespace custos::cli {

using Poco::Util::Option;
using Poco::Util::OptionSet;

void AddActorOptions(OptionSet& options) {
  options.addOption(Option("as", "", "act as this user (their password is asked for)")
                        .required(false)
                        .repeatable(false)
                        .argument("USER"));
  options.addOption(Option("password-file", "",
                           "read the user's password from FILE (else "
                           "$CUSTOS_USER_PASSWORD, else a prompt)")
                        .required(false)
                        .repeatable(false)
                        .argument("FILE"));
  options.addOption(Option("location", "", "declared location for the audit log (e.g. 上海总部)")
                        .required(false)
                        .repeatable(false)
                        .argument("TEXT"));
}

Result<Session> ActorCommand::OpenAs() const {
  if (!Has("as")) return Status::InvalidArgument("--as USER is required");
  Session s;
  CUSTOS_ASSIGN_OR_RETURN(s.vault, OpenVault(Access::kWrite));
  CUSTOS_ASSIGN_OR_RETURN(vault::SecretBytes pw,
                          ReadSecret("password-file", "CUSTOS_USER_PASSWORD",
                                     "Password for " + Flag("as") + ": ", false));
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, s.vault->BeginRead());
    auto user = vault::FindUserByName(*r, Flag("as"));
    if (!user.ok() || user->disabled || user->password_hash.empty() ||
        !vault::VerifyPassword(pw, user->password_hash)) {
      return Status::Unauthenticated("wrong username or password");
    }
    s.caller.user_id = user->id;
  }
  s.caller.session = "cli-" + std::to_string(getpid());
  s.caller.place.ip = "local";
  s.caller.place.user_agent = "custos-cli";
  s.caller.place.workstation = HostName();
  // The place goes into every event of the command: when given, one line
  // of plain text that says something, as at the web login.
  const std::string location = Flag("location");
  CUSTOS_RETURN_IF_ERROR(CheckTextField("--location", "所在地点", location, false));
  if (Has("location") && IsBlankText(location)) {
    return Status::InvalidArgument("--location is blank; say where you work from",
                                   "所在地点为空，请填写");
  }
  s.caller.place.location = location;
  CUSTOS_ASSIGN_OR_RETURN(s.log, vault::AuditLog::Open(*s.vault));
  CUSTOS_ASSIGN_OR_RETURN(s.archive, vault::Archive::Open(*s.vault, *s.log));
  return s;
}

}  // namespace custos::cli
