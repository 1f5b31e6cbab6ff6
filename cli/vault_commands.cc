// custos init | status | rekey | migrate: creating, inspecting, re-keying a
// vault, and moving it between stores.
#include <iostream>
#include <pwd.h>
#include <unistd.h>

#include <Poco/Util/Option.h>

#include "base/encoding.h"
#include "base/time.h"
#include "cli/commands.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/store/store_location.h"

namespace custos::cli {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;

std::string DefaultLogName() {
  const std::string host = HostName();
  return "custos.local/" + (host.empty() ? std::string("localhost") : host);
}

// What `custos init` and `custos rekey` record in the audit log, in the
// write that makes the change: who holds the passphrase is not a user of
// the vault, so the event names the operating-system account and the host
// it ran on.
constexpr std::string_view kPassphraseAction = "vault.passphrase.change";
constexpr std::string_view kRotateAction = "vault.key.rotate";
constexpr std::string_view kCreateUserAction = "user.create";
constexpr std::string_view kOperatorRule = "system.operator";

// An operator's event on the vault's keyring; callers name another object
// and add details before appending it.
vault::AuditEvent OperatorEvent(std::string_view action) {
  vault::AuditEvent e;
  e.action = std::string(action);
  e.object = {"vault", "keyring", std::nullopt};
  e.decision = vault::AuditDecision::kAllow;
  e.rule = std::string(kOperatorRule);
  e.outcome = "ok";
  e.place.workstation = HostName();
  e.details["os_user"] = std::to_string(::getuid());
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr) e.details["os_user"] = pw->pw_name;
  return e;
}

class InitCommand : public Command {
 public:
  InitCommand() : Command("init", "", "Create a new, empty vault and its first administrator.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    AddKdfProfileOption(options);
    options.addOption(Option("log-name", "",
                             "the audit log's name (checkpoint origin), e.g. "
                             "custos.example.com/acme")
                          .required(false)
                          .repeatable(false)
                          .argument("NAME"));
    options.addOption(Option("admin", "", "administrator username (default admin)")
                          .required(false)
                          .repeatable(false)
                          .argument("USER"));
    options.addOption(Option("admin-password-file", "",
                             "read the administrator's password from FILE (else one is "
                             "generated and printed once)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
  }

  int Run(const std::vector<std::string>& args) override {
    if (!args.empty()) return UsageError("init takes no arguments");
    auto kdf = ParseKdfProfile(Flag("kdf-profile"));
    if (!kdf.ok()) return UsageError(kdf.status().message());
    const std::string admin_name = Flag("admin", "admin");
    if (Status s = vault::ValidateUsername(admin_name); !s.ok()) return UsageError(s.message());
    if (vault::Vault::Exists(VaultLocation()))
      return Fail(Status::AlreadyExists("a vault already exists in " + VaultLocation() +
                                        "; it was not touched"));
    auto pass = ReadPassphrase(/*confirm=*/true);
    if (!pass.ok()) return Fail(pass.status());
    if (Status strong = CheckNewPassphrase(*pass); !strong.ok()) return Fail(strong);
    bool generated = !Has("admin-password-file");
    vault::SecretBytes admin_pw;
    if (generated) {
      admin_pw = vault::GeneratePassword(16);
    } else {
      auto pw = ReadSecret("admin-password-file", "CUSTOS_ADMIN_PASSWORD", "", false);
      if (!pw.ok()) return Fail(pw.status());
      admin_pw = std::move(*pw);
    }
    vault::CreateOptions opts;
    opts.kdf = kdf->vault_kdf;
    opts.log_name = Flag("log-name", DefaultLogName());
    auto v = vault::Vault::Create(VaultLocation(), *pass, opts);
    if (!v.ok()) return Fail(v.status());
    vault::User admin;
    admin.username = admin_name;
    admin.display_name = "系统管理员 Administrator";
    admin.roles = {policy::Role::kAdmin};
    admin.must_change_password = generated;
    auto admin_hash = vault::HashPassword(admin_pw, kdf->password_kdf);
    if (!admin_hash.ok()) return Fail(admin_hash.status());
    admin.password_hash = std::move(admin_hash).value();
    // The log's signing key exists from the start, so that the read-only
    // commands (audit verify, key) work on a vault nothing else wrote yet.
    auto log = vault::AuditLog::Open(**v);
    if (!log.ok()) return Fail(log.status());
    // The first administrator is the log's first event, in its write.
    Status s = (*v)->Write([&](vault::WriteTxn& w) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(vault::User created, vault::CreateUser(w, admin));
      vault::AuditEvent e = OperatorEvent(kCreateUserAction);
      e.object = {"user", created.id, std::nullopt};
      e.details["username"] = created.username;
      e.details["roles"] = json::Value::MakeArray();
      e.details["roles"].Push("admin");
      return (*log)->Append(w, e).status();
    });
    if (!s.ok()) return Fail(s);
    std::cout << "Created vault in " << VaultLocation() << " (log name " << opts.log_name << ").\n"
              << "Administrator: " << admin_name << "\n";
    if (generated) {
      std::cout << "Password (shown once, change it at first login): " << admin_pw.view() << "\n";
    }
    return kExitOk;
  }
};

class StatusCommand : public Command {
 public:
  StatusCommand()
      : Command("status", "",
                "Show a vault's state: sealed or unsealed, format and key version, entries per "
                "table, audit log size.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    options.addOption(Option("unseal", "",
                             "also check the passphrase by unsealing (from --passphrase-file, "
                             "$CUSTOS_PASSPHRASE or a prompt)")
                          .required(false)
                          .repeatable(false));
  }

  int Run(const std::vector<std::string>& args) override {
    if (!args.empty()) return UsageError("status takes no arguments");
    Result<vault::VaultInfo> info = Status::Internal("unset");
    std::string state = "sealed";
    std::unique_ptr<vault::Vault> v;
    if (Has("unseal")) {
      auto opened = OpenVault(Access::kReadOnly);
      if (!opened.ok()) return Fail(opened.status());
      v = std::move(*opened);
      info = v->Info();
      state = "unsealed (passphrase verified)";
    } else {
      info = vault::Vault::InspectSealed(VaultLocation());
    }
    if (!info.ok()) return Fail(info.status());
    std::cout << "vault:          " << VaultLocation() << "\n"
              << "state:          " << state << "\n"
              << "format version: " << info->format_version << "\n"
              << "log name:       " << info->log_name << "\n"
              << "key version:    " << info->key_version
              << (info->rotation_in_progress ? " (rotation in progress: run custos rekey --rotate)"
                                             : "")
              << "\n"
              << "kdf:            argon2id, opslimit " << info->kdf.opslimit << ", memlimit "
              << (info->kdf.memlimit >> 20)
              << " MiB"
              // A vault made or re-keyed with --kdf-profile test: guesses at
              // its passphrase are cheap.
              << (info->kdf.opslimit < vault::Argon2Params{}.opslimit ||
                          info->kdf.memlimit < vault::Argon2Params{}.memlimit
                      ? " — cheaper than the default (the test profile?): run custos rekey "
                        "without --kdf-profile before keeping real files in it"
                      : "")
              << "\n"
              << "audit log size: " << info->audit_log_size << " events\n"
              << "tables:\n";
    for (const auto& t : info->tables) {
      std::string name = t.table;
      name.resize(20, ' ');
      std::cout << "  " << name << t.entries << "\n";
    }
    return kExitOk;
  }
};

class RekeyCommand : public Command {
 public:
  RekeyCommand()
      : Command("rekey", "",
                "Change the vault passphrase (re-wraps the root key); with --rotate, also "
                "rotate the root key and re-seal every sealed value under the new one.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    AddKdfProfileOption(options);
    options.addOption(Option("new-passphrase-file", "",
                             "read the new passphrase from FILE (else $CUSTOS_NEW_PASSPHRASE, "
                             "else a prompt)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("rotate", "",
                             "rotate the root key and re-seal every value under the new one "
                             "(keeps the passphrase unless a new one is given)")
                          .required(false)
                          .repeatable(false));
  }

  int Run(const std::vector<std::string>& args) override {
    if (!args.empty()) return UsageError("rekey takes no arguments");
    auto kdf = ParseKdfProfile(Flag("kdf-profile"));
    if (!kdf.ok()) return UsageError(kdf.status().message());
    auto v = OpenVault(Access::kWrite);
    if (!v.ok()) return Fail(v.status());
    auto log = vault::AuditLog::Open(**v);
    if (!log.ok()) return Fail(log.status());
    const bool rotate = Has("rotate");
    const bool change =
        !rotate || Has("new-passphrase-file") || std::getenv("CUSTOS_NEW_PASSPHRASE") != nullptr;
    if (rotate && !change && Has("kdf-profile")) {
      // The key derivation is the passphrase's: a rotation alone keeps both.
      std::cerr << "custos rekey: note: --kdf-profile applies to a new passphrase; this "
                   "rotation keeps the passphrase and its key derivation\n";
    }
    if (change) {
      auto np = ReadSecret("new-passphrase-file", "CUSTOS_NEW_PASSPHRASE", "New passphrase: ",
                           /*confirm=*/true);
      if (!np.ok()) return Fail(np.status());
      if (Status strong = CheckNewPassphrase(*np); !strong.ok()) return Fail(strong);
      vault::AuditEvent e = OperatorEvent(kPassphraseAction);
      e.details["kdf_opslimit"] = static_cast<uint64_t>(kdf->vault_kdf.opslimit);
      e.details["kdf_memlimit_mib"] = static_cast<uint64_t>(kdf->vault_kdf.memlimit >> 20);
      const auto record = [&](vault::WriteTxn& w) { return (*log)->Append(w, e).status(); };
      if (Status s = (*v)->ChangePassphrase(*np, kdf->vault_kdf, record); !s.ok()) return Fail(s);
      std::cout << "Passphrase changed.\n";
      // The change has committed: a rotation stopped after this point is
      // finished with the new passphrase, not the one this command began with.
      if (rotate) {
        std::cout << "Rotating now; if this is stopped, finish it with `custos rekey --rotate` "
                     "and the NEW passphrase.\n"
                  << std::flush;
      }
    }
    if (rotate) {
      auto before = (*v)->Info();
      if (!before.ok()) return Fail(before.status());
      // The version every value is sealed under once it ends: the one a
      // rotation under way already made current, else the next.
      const uint64_t to_version = before->key_version + (before->rotation_in_progress ? 0 : 1);
      vault::AuditEvent e = OperatorEvent(kRotateAction);
      e.details["key_version"] = to_version;
      const auto record = [&](vault::WriteTxn& w) { return (*log)->Append(w, e).status(); };
      Status s = (*v)->RotateRootKey(ProgressLine("re-encrypted", " values"), record);
      ProgressDone();
      if (!s.ok()) return Fail(s);
      auto info = (*v)->Info();
      if (!info.ok()) return Fail(info.status());
      std::cout << "Root key rotated; key version is now " << info->key_version << ".\n";
    }
    return kExitOk;
  }
};

}  // namespace

// Moves a vault between stores (LMDB directory, PostgreSQL): a copy of
// every entry as stored, then both logs verified and compared.
class MigrateCommand : public Command {
 public:
  MigrateCommand()
      : Command("migrate", "",
                "Copy a vault into a new store (--from LOCATION --to LOCATION: a directory, "
                "lmdb:DIR or postgresql://…) entry by entry, still sealed; then verify the audit "
                "log on both sides and check they are the same log.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    options.addOption(Option("from", "", "the vault to copy")
                          .required(false)
                          .repeatable(false)
                          .argument("LOCATION"));
    options.addOption(Option("to", "", "the new store; must hold no vault")
                          .required(false)
                          .repeatable(false)
                          .argument("LOCATION"));
  }

  int Run(const std::vector<std::string>& args) override {
    if (!args.empty()) return UsageError("migrate takes no arguments");
    if (!Has("from") || !Has("to"))
      return UsageError("migrate needs --from LOCATION and --to LOCATION");
    if (Has("data") || Has("store"))
      return UsageError("migrate takes --from and --to, not --data or --store");
    const std::string from = Flag("from"), to = Flag("to");
    if (from == to) return UsageError("--from and --to are the same store");
    for (const std::string& where : {from, to}) {
      if (auto loc = vault::StoreLocation::Parse(where); !loc.ok())
        return UsageError(loc.status().message());
    }
    auto pass = ReadPassphrase(/*confirm=*/false);
    if (!pass.ok()) return Fail(pass.status());
    // The source's log first: a damaged vault is not copied.
    auto before = VerifiedLog(from, *pass);
    if (!before.ok()) return Fail(before.status().Annotate("the source vault (" + from + ")"));
    Status copied = vault::Vault::CopyStore(from, to);
    if (!copied.ok()) return Fail(copied.Annotate("copying " + from + " to " + to));
    auto after = VerifiedLog(from, *pass);
    if (!after.ok()) return Fail(after.status().Annotate("the source vault (" + from + ")"));
    if (after->size != before->size) {
      return Fail(Status::Aborted(
          "the source vault was written during the copy (a custos serve is running on it): the "
          "copy in " +
          to +
          " may not hold the latest events; stop serve, remove the copy and "
          "migrate again"));
    }
    auto copy = VerifiedLog(to, *pass);
    if (!copy.ok()) return Fail(copy.status().Annotate("the copy (" + to + ")"));
    if (copy->size != before->size || copy->root != before->root) {
      return Fail(Status::DataLoss("the copy's log (" + std::to_string(copy->size) +
                                   " events) is not the source's (" + std::to_string(before->size) +
                                   " events)"));
    }
    std::cout << "migrated " << from << " to " << to << "\n"
              << "audit log verified on both sides: " << copy->size << " events, "
              << copy->checkpoints << " signed checkpoints, root " << Base64Encode(copy->root)
              << "\n";
    return kExitOk;
  }

 private:
  static Result<vault::AuditVerifyReport> VerifiedLog(const std::string& where,
                                                      const vault::SecretBytes& pass) {
    vault::OpenOptions ro;
    ro.read_only = true;
    CUSTOS_ASSIGN_OR_RETURN(auto v, vault::Vault::Open(where, pass, ro));
    CUSTOS_ASSIGN_OR_RETURN(auto log, vault::AuditLog::Open(*v));
    return log->Verify();
  }
};

std::unique_ptr<Command> MakeInitCommand() { return std::make_unique<InitCommand>(); }
std::unique_ptr<Command> MakeStatusCommand() { return std::make_unique<StatusCommand>(); }
std::unique_ptr<Command> MakeRekeyCommand() { return std::make_unique<RekeyCommand>(); }
std::unique_ptr<Command> MakeMigrateCommand() { return std::make_unique<MigrateCommand>(); }

}  // namespace custos::cli
