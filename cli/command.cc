#include "cli/command.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <termios.h>
#include <unistd.h>

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionException.h>
#include <sys/stat.h>

#include "base/text.h"
#include "vault/store/crypto.h"
#include "vault/store/store_location.h"

namespace custos::cli {

using Poco::Util::Option;
using Poco::Util::OptionSet;

Command::Command(std::string name, std::string args_usage, std::string summary)
    : name_(std::move(name)), args_usage_(std::move(args_usage)), summary_(std::move(summary)) {
  setUnixOptions(true);
}

void Command::defineOptions(OptionSet& options) {
  options.addOption(Option("help", "h", "show this help").required(false).repeatable(false));
  if (UsesVault()) {
    options.addOption(Option("data", "", "vault data directory (default ./custos-data)")
                          .required(false)
                          .repeatable(false)
                          .argument("DIR"));
    options.addOption(Option("store", "",
                             "where the vault is: lmdb:DIR (as --data DIR) or "
                             "postgresql://USER@HOST:PORT/DB, several serve nodes sharing one "
                             "vault; the password goes in ~/.pgpass or $PGPASSFILE, never here")
                          .required(false)
                          .repeatable(false)
                          .argument("URL"));
    options.addOption(Option("passphrase-file", "",
                             "read the vault passphrase from FILE (else the systemd credential "
                             "$CREDENTIALS_DIRECTORY/passphrase, else $CUSTOS_PASSPHRASE, else a "
                             "prompt)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
  }
  DefineCommandOptions(options);
}

void Command::handleOption(const std::string& name, const std::string& value) {
  options_.emplace(name, value);
}

std::string Command::Flag(const std::string& name, const std::string& fallback) const {
  auto it = options_.find(name);
  return it == options_.end() ? fallback : it->second;
}

std::vector<std::string> Command::FlagAll(const std::string& name) const {
  std::vector<std::string> out;
  auto [b, e] = options_.equal_range(name);
  for (auto it = b; it != e; ++it) out.push_back(it->second);
  return out;
}

std::string Command::VaultLocation() const {
  if (Has("store")) return Flag("store");
  return Flag("data", "./custos-data");
}

void Command::PrintHelp() const {
  Poco::Util::HelpFormatter help(options());
  help.setUnixStyle(true);
  help.setCommand("custos " + name_);
  help.setUsage("[options] " + args_usage_);
  help.setHeader(summary_);
  help.setFooter("Exit codes: 0 ok, 1 failed, 2 usage error.");
  help.format(std::cout);
}

int Command::main(const std::vector<std::string>& args) {
  if (Has("help")) {
    PrintHelp();
    return kExitOk;
  }
  if (Has("store") && Has("data")) return UsageError("give --data DIR or --store URL, not both");
  if (Has("store")) {
    if (auto where = vault::StoreLocation::Parse(Flag("store")); !where.ok())
      return UsageError(where.status().message());
  }
  return Run(args);
}

std::string JournalLevel(int level) {
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  return journal ? "<" + std::to_string(level) + ">" : std::string();
}

std::string HostName() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) return {};
  return host.data();
}

std::function<void(uint64_t)> ProgressLine(std::string what, std::string after) {
  if (::isatty(STDERR_FILENO) == 0) return {};
  return [what = std::move(what), after = std::move(after)](uint64_t n) {
    std::cerr << "\r" << what << " " << n << after << std::flush;
  };
}

void ProgressDone() {
  if (::isatty(STDERR_FILENO) != 0) std::cerr << "\n";
}

int Command::Fail(const Status& status) const {
  std::cerr << JournalLevel(3) << "custos " << name_ << ": " << status.message();
  // In Chinese too when the message has Chinese words (a policy refusal's
  // message holds both already), after the same marker.
  if (!status.message_zh().empty()) std::cerr << " ｜ " << status.message_zh();
  std::cerr << "\n";
  return kExitFailed;
}

int Command::UsageError(const std::string& message) const {
  std::cerr << JournalLevel(3) << "custos " << name_ << ": " << message << "\n"
            << "Try 'custos " << name_ << " --help'.\n";
  return kExitUsage;
}

namespace {

// Reads a line from the terminal with echo off. SECURITY: the secret goes
// straight into secure memory; the temporary buffer is wiped.
Result<vault::SecretBytes> PromptNoEcho(const std::string& prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr)
    return Status::InvalidArgument(
        "no terminal to ask for a secret on; use a file option or the environment");
  int fd = fileno(tty);
  termios old_attr{};
  bool have_attr = tcgetattr(fd, &old_attr) == 0;
  if (have_attr) {
    termios quiet = old_attr;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::fputs(prompt.c_str(), tty);
  std::fflush(tty);
  vault::SecretBytes buf(1024);
  size_t n = 0;
  int c;
  while ((c = std::fgetc(tty)) != EOF && c != '\n') {
    if (n < buf.size()) buf.data()[n++] = static_cast<unsigned char>(c);
  }
  if (have_attr) tcsetattr(fd, TCSAFLUSH, &old_attr);
  std::fputs("\n", tty);
  std::fclose(tty);
  if (n >= buf.size()) return Status::InvalidArgument("secret too long (1023 bytes at most)");
  return vault::SecretBytes::CopyOf(buf.view().substr(0, n));
}

Result<vault::SecretBytes> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  // Read all the same (refusing would stop a service over a chmod), but
  // said: a secret every account on the machine may read is no secret.
  if (struct stat st{}; ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
    std::cerr << JournalLevel(4) << "custos: warning: " << path
              << " is readable by every account on this machine; make it readable by the "
                 "service alone (chmod 600)\n";
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
  vault::SecretBytes s = vault::SecretBytes::CopyOf(content);
  vault::WipeString(&content);
  if (s.empty()) return Status::InvalidArgument(path + " is empty");
  return s;
}

}  // namespace

Result<vault::SecretBytes> Command::ReadSecret(const std::string& file_flag, const char* env,
                                               const std::string& prompt, bool confirm) const {
  if (Has(file_flag)) return ReadSecretFile(Flag(file_flag));
  if (char* v = std::getenv(env); v != nullptr && *v != '\0') {
    vault::SecretBytes secret = vault::SecretBytes::CopyOf(v);
    // SECURITY: the value is wiped where it lies (for the environment the
    // process started with, that is the memory /proc/PID/environ shows to
    // every process of the same user) and the variable removed, so that
    // neither a later reader of this process's memory nor a child process
    // finds it.
    vault::WipeBuffer(v, std::strlen(v));
    ::unsetenv(env);
    return secret;
  }
  CUSTOS_ASSIGN_OR_RETURN(vault::SecretBytes first, PromptNoEcho(prompt));
  if (first.empty()) return Status::InvalidArgument("empty input");
  if (confirm) {
    CUSTOS_ASSIGN_OR_RETURN(vault::SecretBytes second, PromptNoEcho("Again: "));
    if (!first.Equals(second)) return Status::InvalidArgument("the two entries differ");
  }
  return first;
}

Result<vault::SecretBytes> Command::ReadPassphrase(bool confirm) const {
  // A systemd credential (LoadCredential=passphrase:… or
  // LoadCredentialEncrypted=): a file only this service can read, on a
  // private mount, never in the environment (packaging/custos.service).
  if (!Has("passphrase-file")) {
    if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY"); creds != nullptr && *creds) {
      const std::string path = std::string(creds) + "/passphrase";
      if (::access(path.c_str(), F_OK) == 0) return ReadSecretFile(path);
    }
  }
  return ReadSecret("passphrase-file", "CUSTOS_PASSPHRASE", "Vault passphrase: ", confirm);
}

Result<std::unique_ptr<vault::Vault>> Command::OpenVault(Access access) const {
  CUSTOS_ASSIGN_OR_RETURN(vault::SecretBytes pass, ReadPassphrase(false));
  return OpenVaultWith(pass, access);
}

Result<std::unique_ptr<vault::Vault>> Command::OpenVaultWith(const vault::SecretBytes& passphrase,
                                                             Access access) const {
  vault::OpenOptions options;
  options.read_only = access == Access::kReadOnly;
  return vault::Vault::Open(VaultLocation(), passphrase, options);
}

void AddKdfProfileOption(OptionSet& options) {
  options.addOption(Option("kdf-profile", "",
                           "Argon2id cost: moderate (default) or test (cheap, for automated "
                           "tests only)")
                        .required(false)
                        .repeatable(false)
                        .argument("NAME"));
}

Result<KdfProfile> ParseKdfProfile(const std::string& name) {
  if (name.empty() || name == "moderate") return KdfProfile{{}, vault::PasswordKdf()};
  if (name == "test")
    return KdfProfile{vault::Argon2Params::ForTests(), vault::Argon2Params::ForTests()};
  return Status::InvalidArgument("--kdf-profile must be 'moderate' or 'test'");
}

Status CheckNewPassphrase(const vault::SecretBytes& passphrase) {
  size_t chars = 0;  // UTF-8 code points: a Chinese passphrase counts by character
  for (unsigned char c : passphrase.view()) chars += (c & 0xC0) != 0x80 ? 1 : 0;
  if (chars >= kMinPassphraseChars) {
    if (!IsBlankText(passphrase.view())) return Status::Ok();
    return Status::InvalidArgument("the vault passphrase is only spaces; nothing was changed",
                                   "保管库口令只有空格；未做任何更改");
  }
  return Status::InvalidArgument(
      "the vault passphrase is too short: it has " + std::to_string(chars) +
          " characters, at least " + std::to_string(kMinPassphraseChars) +
          " are needed (a few words are easy to remember); nothing was changed",
      "保管库口令过短：只有 " + std::to_string(chars) + " 个字符，至少需要 " +
          std::to_string(kMinPassphraseChars) + " 个（几个词连在一起即可）；未做任何更改");
}

}  // namespace custos::cli
