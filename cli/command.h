// The base of every `custos <command>`: option parsing (Poco::Util), the
// options all commands share (--help, --data, --passphrase-file), passphrase
// input, and the exit-code convention: 0 ok, 1 failed, 2 usage error.
//
// A command subclasses Command, declares its own options in
// DefineCommandOptions(), reads them with Flag()/Has(), and does its work in
// Run(). Commands print results to stdout and errors to stderr as
// "custos: <message>" — never a passphrase, password or record content.
#ifndef CUSTOS_CLI_COMMAND_H_
#define CUSTOS_CLI_COMMAND_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Poco/Util/Application.h>
#include <Poco/Util/OptionSet.h>

#include "base/status.h"
#include "vault/access/users.h"
#include "vault/store/secret.h"
#include "vault/store/vault.h"

namespace custos::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
// `serve` refused to start for a reason no restart can fix (a wrong
// passphrase, a vault older than the checkpoint it must extend): the
// unit's RestartPreventExitStatus, so systemd does not retry it forever.
inline constexpr int kExitRefused = 3;

// "<level>" when stderr goes to the journal ($JOURNAL_STREAM), which
// journald takes as the line's syslog priority ("<3>" an error, "<6>"
// information); "" otherwise.
std::string JournalLevel(int level);

// This machine's host name, for audit places and log names ("" if unknown).
std::string HostName();

// A progress counter for a long command ("scrubbed 4096", rewritten in
// place) on stderr when it is a terminal; nothing into a log or journal,
// where each rewrite would run on. ProgressDone ends the line.
std::function<void(uint64_t)> ProgressLine(std::string what, std::string after = "");
void ProgressDone();

class Command : public Poco::Util::Application {
 public:
  // `name` as typed after `custos`; `args_usage` e.g. "SEQ [--checkpoint FILE]".
  Command(std::string name, std::string args_usage, std::string summary);

  const std::string& command_name() const { return name_; }
  const std::string& summary() const { return summary_; }

 protected:
  // Declare command-specific options here (full names only; use .argument()
  // for options that take a value).
  virtual void DefineCommandOptions(Poco::Util::OptionSet& options) { (void)options; }
  // Whether this command works on a vault (adds --data and passphrase options).
  virtual bool UsesVault() const { return true; }
  // Positional arguments follow the options. Return an exit code.
  virtual int Run(const std::vector<std::string>& args) = 0;

  // Option values as given ("" for flags without a value).
  bool Has(const std::string& name) const { return options_.count(name) > 0; }
  std::string Flag(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> FlagAll(const std::string& name) const;
  // Gives option `name` a value as if it had been typed (for values read
  // from a configuration file; call only for options not given).
  void SetDefault(const std::string& name, const std::string& value) {
    options_.emplace(name, value);
  }

  // Where the vault is: --store (lmdb:DIR or postgresql://…), else the
  // directory --data, else ./custos-data (vault/store/store_location.h).
  std::string VaultLocation() const;

  // The vault passphrase, from --passphrase-file F, the CUSTOS_PASSPHRASE
  // environment variable, or a no-echo prompt on the terminal (asked twice
  // when `confirm`). kInvalidArgument when none is available.
  Result<vault::SecretBytes> ReadPassphrase(bool confirm) const;
  // Same for a second secret (new passphrase, password): from `file_flag`,
  // the environment variable `env`, or a prompt with `prompt`. A secret
  // taken from the environment is wiped there and the variable unset, so
  // it is read once per process and does not linger in /proc/PID/environ
  // or reach child processes.
  Result<vault::SecretBytes> ReadSecret(const std::string& file_flag, const char* env,
                                        const std::string& prompt, bool confirm) const;

  // How a command opens the vault. kWrite takes the vault's single-writer
  // lock (vault.h): refused while another process, e.g. `custos serve`,
  // writes the same vault. kReadOnly takes no lock and may run beside that
  // process, but cannot write anything, not even an audit event.
  enum class Access { kWrite, kReadOnly };

  // Reads the passphrase (ReadPassphrase) and opens and unseals the vault
  // in VaultLocation().
  Result<std::unique_ptr<vault::Vault>> OpenVault(Access access) const;
  // Opens and unseals the vault in VaultLocation() with `passphrase`.
  Result<std::unique_ptr<vault::Vault>> OpenVaultWith(const vault::SecretBytes& passphrase,
                                                      Access access) const;

  // Prints "custos: <status message>" and returns the exit code for it.
  // Under systemd the line starts with "<3>" (JournalLevel), so a command
  // that fails, serve refusing to start above all, is an error in the
  // journal (`journalctl -p err`).
  int Fail(const Status& status) const;
  int UsageError(const std::string& message) const;

  void PrintHelp() const;

 private:
  void defineOptions(Poco::Util::OptionSet& options) final;
  void handleOption(const std::string& name, const std::string& value) final;
  int main(const std::vector<std::string>& args) final;

  std::string name_;
  std::string args_usage_;
  std::string summary_;
  std::multimap<std::string, std::string> options_;
};

// Argon2id costs chosen by --kdf-profile: "moderate" (default) for real
// vaults, "test" (cheap) for automated tests only — for the vault passphrase
// and for the login passwords of users the command creates.
struct KdfProfile {
  vault::Argon2Params vault_kdf;
  vault::Argon2Params password_kdf;
};
void AddKdfProfileOption(Poco::Util::OptionSet& options);
// kInvalidArgument for a name other than "", "moderate" or "test".
Result<KdfProfile> ParseKdfProfile(const std::string& name);

// A new vault passphrase (init, rekey, a new demo vault) has at least this
// many characters, whatever the KDF profile: the vault's keys are as strong
// as it is against a thief of the disk, who may guess offline.
inline constexpr size_t kMinPassphraseChars = 12;
Status CheckNewPassphrase(const vault::SecretBytes& passphrase);

// Runs the command named by argv[1]; returns the process exit code.
int RunCli(int argc, char** argv);

}  // namespace custos::cli

#endif  // CUSTOS_CLI_COMMAND_H_
