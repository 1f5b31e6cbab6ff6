// custos backup | restore | scrub: online backups, restoring them elsewhere,
// and reading back every stored value (vault/backup/backup.h, docs/operations.md).
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include <Poco/Util/Option.h>

#include "base/encoding.h"
#include "base/time.h"
#include "cli/commands.h"
#include "vault/audit/audit_log.h"
#include "vault/backup/backup.h"

namespace custos::cli {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;

std::string Megabytes(uint64_t bytes) {
  return std::to_string(bytes / (1024 * 1024)) + "." +
         std::to_string((bytes % (1024 * 1024)) * 10 / (1024 * 1024)) + " MiB";
}

// How many attachments and exported bundles a scrub decrypted whole.
std::string StreamsDecrypted(uint64_t n) {
  return n == 1 ? "1 attachment or bundle decrypted whole"
                : std::to_string(n) + " attachments and bundles decrypted whole";
}

void PrintCheck(const vault::BackupCheck& c) {
  std::cout << "  audit log:  " << c.audit.size << " events, " << c.audit.checkpoints
            << " signed checkpoints verified, root " << Base64Encode(c.audit.root) << "\n";
  if (c.checkpoint_size > 0) {
    std::cout << "  checkpoint: the log extends the manifest's checkpoint of size "
              << c.checkpoint_size << "\n";
  }
  std::cout << "  scrub:      " << c.scrub.entries << " values authenticated ("
            << Megabytes(c.scrub.bytes) << "; " << StreamsDecrypted(c.scrub.streams)
            << "), none damaged\n";
}

// A private temporary directory for checking a backup (sealed data only).
Result<std::string> TempDir() {
  std::error_code ec;
  const std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  if (ec) {
    return Status::Unavailable("no temporary directory to check the backup in (TMPDIR): " +
                               ec.message());
  }
  std::string t = (tmp / "custos-backup-check-XXXXXX").string();
  if (::mkdtemp(t.data()) == nullptr) {
    return Status::Unavailable("cannot create a directory in " + tmp.string() + ": " +
                               std::strerror(errno));
  }
  return t;
}

class BackupCommand : public Command {
 public:
  BackupCommand()
      : Command("backup", "[verify FILE | checkpoint FILE]",
                "Write an online backup of the vault (--out FILE) while it serves, then check it; "
                "'verify FILE' checks a backup, 'checkpoint FILE' prints its signed checkpoint.") {}

 protected:
  void DefineCommandOptions(OptionSet& options) override {
    options.addOption(Option("out", "", "write the backup to FILE (never replaces a file)")
                          .required(false)
                          .repeatable(false)
                          .argument("FILE"));
    options.addOption(Option("no-check", "",
                             "skip checking the written backup (restore it into a temporary "
                             "directory, verify the log, scrub every value)")
                          .required(false)
                          .repeatable(false));
  }

  int Run(const std::vector<std::string>& args) override {
    if (!args.empty()) {
      if (args.size() != 2 || (args[0] != "verify" && args[0] != "checkpoint")) {
        return UsageError("backup takes --out FILE, or 'verify FILE', or 'checkpoint FILE'");
      }
      return args[0] == "verify" ? Verify(args[1]) : PrintCheckpoint(args[1]);
    }
    if (!Has("out")) return UsageError("backup needs --out FILE");
    auto pass = ReadPassphrase(/*confirm=*/false);
    if (!pass.ok()) return Fail(pass.status());
    vault::BackupManifest m;
    {
      // With no server running, the backup holds the writer's lock and
      // signs a checkpoint of the whole log first, so that the manifest
      // anchors every event it holds. Beside a running serve (which holds
      // the lock and signs one every minute) it opens read-only; so it does
      // when it may not take the lock (a read-only account or file system).
      auto v = OpenVaultWith(*pass, Access::kWrite);
      if (!v.ok() && (v.status().code() == StatusCode::kFailedPrecondition ||
                      v.status().code() == StatusCode::kPermissionDenied ||
                      v.status().code() == StatusCode::kUnavailable)) {
        v = OpenVaultWith(*pass, Access::kReadOnly);
      }
      if (!v.ok()) return Fail(v.status());
      auto log = vault::AuditLog::Open(**v);
      if (!log.ok()) return Fail(log.status());
      if (!(*v)->read_only()) {
        auto signed_now = (*log)->CheckpointNow();
        if (!signed_now.ok()) return Fail(signed_now.status().Annotate("signing a checkpoint"));
      }
      const UnixMillis start = NowMillis();
      auto written = vault::WriteBackup(**v, **log, Flag("out"));
      if (!written.ok()) return Fail(written.status().Annotate("backup failed"));
      m = *written;
      const double secs = std::max<int64_t>(1, NowMillis() - start) / 1000.0;
      std::cout << "backup written: " << Flag("out") << "\n"
                << "  payload:    " << Megabytes(m.payload_size) << " in " << secs << " s, sha256 "
                << m.payload_sha256 << "\n"
                << "  log:        " << m.log_name << ", " << m.log_size
                << " events; checkpoint of size " << m.checkpoint_size << "\n";
    }
    if (Has("no-check")) {
      std::cout << "not checked (--no-check): run 'custos backup verify' before relying on it\n";
      return kExitOk;
    }
    return CheckWith(Flag("out"), *pass, /*heading=*/"backup checked:");
  }

 private:
  int CheckWith(const std::string& file, const vault::SecretBytes& pass, const char* heading) {
    auto dir = TempDir();
    if (!dir.ok()) return Fail(dir.status().Annotate(file + " was not checked"));
    Result<vault::BackupCheck> check = [&]() -> Result<vault::BackupCheck> {
      CUSTOS_ASSIGN_OR_RETURN(vault::BackupManifest m, vault::ExtractBackup(file, *dir));
      return vault::CheckExtractedBackup(*dir, m, pass);
    }();
    vault::RemoveExtracted(*dir);
    if (!check.ok()) {
      // Only what the backup holds makes it bad. A wrong passphrase, or a
      // temporary directory without room for the copy, says nothing about
      // it: an operator told it is bad might delete a good one.
      const StatusCode code = check.status().code();
      if (code != StatusCode::kDataLoss && code != StatusCode::kInvalidArgument) {
        const std::string where = std::filesystem::path(*dir).parent_path().string();
        const bool local = code == StatusCode::kInternal || code == StatusCode::kUnavailable ||
                           code == StatusCode::kResourceExhausted;
        return Fail(
            check.status().Annotate(file + " was not checked" +
                                    (local ? " (the check copies the vault into " + where +
                                                 "; set TMPDIR to a directory with room for it)"
                                           : std::string())));
      }
      return Fail(check.status().Annotate(file + " is NOT a good backup"));
    }
    std::cout << heading << " " << file << " is good\n";
    PrintCheck(*check);
    return kExitOk;
  }

  int Verify(const std::string& file) {
    auto m = vault::CheckBackupFile(file);
    if (!m.ok()) return Fail(m.status().Annotate(file));
    std::cout << "payload matches the manifest: " << Megabytes(m->payload_size) << ", sha256 "
              << m->payload_sha256 << "\n"
              << "  made " << FormatRfc3339Millis(m->created) << " from log " << m->log_name << " ("
              << m->log_size << " events, checkpoint of size " << m->checkpoint_size << ")\n";
    auto pass = ReadPassphrase(/*confirm=*/false);
    if (!pass.ok()) return Fail(pass.status());
    return CheckWith(file, *pass, "verified:");
  }

  int PrintCheckpoint(const std::string& file) {
    auto m = vault::ReadBackupManifest(file);
    if (!m.ok()) return Fail(m.status().Annotate(file));
    if (m->checkpoint.empty()) return Fail(Status::NotFound("the backup carries no checkpoint"));
    std::cout << m->checkpoint;
    return kExitOk;
  }
};

class RestoreCommand : public Command {
 public:
  RestoreCommand()
      : Command("restore", "FILE",
                "Restore a backup into a new vault directory (--data DIR, which must not hold a "
                "vault), and prove it is the vault the backup was made from.") {}

 protected:
  int Run(const std::vector<std::string>& args) override {
    if (args.size() != 1) return UsageError("restore takes one backup FILE");
    auto pass = ReadPassphrase(/*confirm=*/false);
    if (!pass.ok()) return Fail(pass.status());
    if (Has("store") && Flag("store").rfind("lmdb:", 0) != 0) {
      return UsageError(
          "restore writes a vault directory (--data DIR); to put it in PostgreSQL, then run "
          "custos migrate --from DIR --to URL");
    }
    const std::string dir = Has("store") ? Flag("store").substr(5) : VaultLocation();
    // Checked beside the target before it becomes the vault: nothing
    // half-restored is left to serve, and an existing vault is never touched.
    auto check = vault::RestoreBackup(args[0], dir, *pass);
    if (!check.ok()) return Fail(check.status().Annotate("restore failed"));
    std::cout << "restored " << args[0] << " into " << dir << "\n";
    PrintCheck(*check);
    std::cout << "Start it with: custos serve --data " << dir << "\n";
    return kExitOk;
  }
};

class ScrubCommand : public Command {
 public:
  ScrubCommand()
      : Command("scrub", "",
                "Read and authenticate every stored value and verify the whole audit log; name "
                "each damaged entry by table and key (exit 1 if any). Runs beside serve.") {}

 protected:
  int Run(const std::vector<std::string>& args) override {
    if (!args.empty()) return UsageError("scrub takes no arguments");
    auto v = OpenVault(Access::kReadOnly);
    if (!v.ok()) return Fail(v.status());
    auto report = (*v)->Scrub(ProgressLine("scrubbed"));
    ProgressDone();
    if (!report.ok()) return Fail(report.status());
    bool bad = !report->damaged.empty();
    for (const vault::ScrubFinding& f : report->damaged) {
      std::cout << "DAMAGED  table " << f.table << "  key "
                << (f.key_hex.empty() ? "(unreadable)" : f.key_hex) << "  " << f.problem << "\n";
    }
    std::cout << "values: " << report->entries << " read (" << Megabytes(report->bytes) << "; "
              << StreamsDecrypted(report->streams) << "), " << report->damaged.size()
              << " damaged\n";
    auto log = vault::AuditLog::Open(**v);
    if (!log.ok()) return Fail(log.status());
    auto audit = (*log)->Verify();
    if (!audit.ok()) {
      std::cout << "DAMAGED  audit log: " << audit.status().message() << "\n";
      bad = true;
    } else {
      std::cout << "audit log: " << audit->size << " events and their tree verified, "
                << audit->checkpoints << " signed checkpoints\n";
    }
    if (bad) return Fail(Status::DataLoss("the vault holds damaged data (listed above)"));
    std::cout << "scrub OK\n";
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeBackupCommand() { return std::make_unique<BackupCommand>(); }
std::unique_ptr<Command> MakeRestoreCommand() { return std::make_unique<RestoreCommand>(); }
std::unique_ptr<Command> MakeScrubCommand() { return std::make_unique<ScrubCommand>(); }

}  // namespace custos::cli
