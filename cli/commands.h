// Every `custos` command, one factory each. To add a command: write
// cli/<name>_command.cc with a Command subclass and its factory, declare the
// factory here, and list it in kCommands (cli/main.cc).
#ifndef CUSTOS_CLI_COMMANDS_H_
#define CUSTOS_CLI_COMMANDS_H_

#include <memory>

#include "cli/command.h"

namespace custos::cli {

std::unique_ptr<Command> MakeInitCommand();
std::unique_ptr<Command> MakeStatusCommand();
std::unique_ptr<Command> MakeRekeyCommand();
std::unique_ptr<Command> MakeMigrateCommand();
std::unique_ptr<Command> MakeContractCommand();
std::unique_ptr<Command> MakeAuditCommand();
std::unique_ptr<Command> MakeImportCommand();
std::unique_ptr<Command> MakePolicyCommand();
std::unique_ptr<Command> MakeServeCommand();
std::unique_ptr<Command> MakeDemoCommand();
std::unique_ptr<Command> MakeEvidenceCommand();
std::unique_ptr<Command> MakeBackupCommand();
std::unique_ptr<Command> MakeRestoreCommand();
std::unique_ptr<Command> MakeScrubCommand();

}  // namespace custos::cli

#endif  // CUSTOS_CLI_COMMANDS_H_
