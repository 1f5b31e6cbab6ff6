// custos: the command-line entry point. Parses the command name and hands
// the rest of the arguments to that command (see cli/command.h).
#include <iostream>
#include <malloc.h>
#include <string_view>

#include <Poco/Exception.h>
#include <Poco/Util/OptionException.h>

#include "cli/commands.h"
#include "vault/store/crypto.h"

namespace custos::cli {
namespace {

struct CommandEntry {
  std::string_view name;
  std::unique_ptr<Command> (*make)();
};

const CommandEntry kCommands[] = {
    {"init", MakeInitCommand},         {"status", MakeStatusCommand},
    {"rekey", MakeRekeyCommand},       {"demo", MakeDemoCommand},
    {"serve", MakeServeCommand},       {"import", MakeImportCommand},
    {"policy", MakePolicyCommand},     {"audit", MakeAuditCommand},
    {"contract", MakeContractCommand}, {"evidence", MakeEvidenceCommand},
    {"backup", MakeBackupCommand},     {"restore", MakeRestoreCommand},
    {"scrub", MakeScrubCommand},       {"migrate", MakeMigrateCommand},
};

void PrintUsage(std::ostream& out) {
  out << "Usage: custos <command> [options]\n\n"
         "Custos keeps a company's classified customer files and staff agreements in an\n"
         "encrypted vault, with a tamper-evident log of every access.\n\nCommands:\n";
  for (const auto& c : kCommands) {
    auto cmd = c.make();
    std::string name(c.name);
    name.resize(12, ' ');
    out << "  " << name << cmd->summary() << "\n";
  }
  out << "\nRun 'custos <command> --help' for a command's options.\n"
         "Exit codes: 0 ok, 1 failed, 2 usage error.\n";
}

}  // namespace

int RunCli(int argc, char** argv) {
  // LMDB allocates ~2.5 MiB of bookkeeping for every nested write transaction
  // (one per group-committed request). Above glibc's default mmap threshold
  // each of those is an mmap/munmap pair with fresh page faults; keeping them
  // on the heap makes an audited write ~35% cheaper (tests/bench).
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  // SECURITY: before anything else, no core dumps and a working libsodium.
  if (Status s = vault::InitCrypto(); !s.ok()) {
    std::cerr << "custos: " << s.message() << "\n";
    return kExitFailed;
  }
  if (argc < 2) {
    PrintUsage(std::cerr);
    return kExitUsage;
  }
  std::string_view name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    PrintUsage(std::cout);
    return kExitOk;
  }
  for (const auto& c : kCommands) {
    if (c.name != name) continue;
    auto cmd = c.make();
    try {
      // argv[1] (the command name) stands in for the program name.
      cmd->init(argc - 1, argv + 1);
    } catch (const Poco::Util::OptionException& e) {
      std::cerr << "custos " << name << ": " << e.displayText() << "\n"
                << "Try 'custos " << name << " --help'.\n";
      return kExitUsage;
    } catch (const Poco::Exception& e) {
      std::cerr << "custos " << name << ": " << e.displayText() << "\n";
      return kExitUsage;
    }
    try {
      return cmd->run();
    } catch (const Poco::Exception& e) {
      std::cerr << "custos " << name << ": " << e.displayText() << "\n";
      return kExitFailed;
    } catch (const std::exception& e) {
      std::cerr << "custos " << name << ": " << e.what() << "\n";
      return kExitFailed;
    }
  }
  std::cerr << "custos: unknown command '" << name << "'\n\n";
  PrintUsage(std::cerr);
  return kExitUsage;
}

}  // namespace custos::cli

int main(int argc, char** argv) { return custos::cli::RunCli(argc, argv); }
