// Online backups of a vault, and restoring them (docs/operations.md).
//
// A backup file (custos-backup/1) is a POSIX tar archive with two members,
// so that standard tools can look inside (`tar -tvf`, `tar -xOf F
// manifest.json`, `sha256sum`):
//
//   data.mdb       the vault's LMDB environment as of one read snapshot,
//                  compacted (Vault::CopyTo). Its values are sealed as in the
//                  vault: the backup holds no plaintext, and is useless
//                  without the vault's passphrase.
//   manifest.json  {"format":"custos-backup/1","created":RFC 3339,
//                  "log_name","verifier_key","log_size","checkpoint" (the
//                  newest signed checkpoint when the backup began, a signed
//                  note; "" when none was signed yet),"checkpoint_size",
//                  "key_version","payload":"data.mdb","payload_size",
//                  "payload_sha256" (hex)}
//
// The checkpoint is read before the copy begins, so the copied log always
// extends it: a restore proves that with AuditLog::VerifyExtends, and the
// manifests kept off the machine are a record of the log that an attacker
// with only the data directory cannot rewrite (rollback detection).
//
// Thread-safety: free functions; the vault and log are used as their own
// headers allow.
#ifndef CUSTOS_VAULT_BACKUP_BACKUP_H_
#define CUSTOS_VAULT_BACKUP_BACKUP_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "vault/audit/audit_log.h"
#include "vault/store/vault.h"

namespace custos::vault {

inline constexpr std::string_view kBackupFormat = "custos-backup/1";

struct BackupManifest {
  UnixMillis created = 0;
  std::string log_name;
  std::string verifier_key;  // the log's signed-note verifier key
  uint64_t log_size = 0;     // events when the checkpoint was read
  std::string checkpoint;    // signed note, or ""
  uint64_t checkpoint_size = 0;
  uint32_t key_version = 0;
  uint64_t payload_size = 0;
  std::string payload_sha256;  // lower-case hex

  json::Value ToJson() const;
  // kInvalidArgument when it is not a custos-backup/1 manifest.
  static Result<BackupManifest> FromJson(const json::Value& v);
};

// Writes a backup of `vault` to `out_path`: first to out_path + ".partial"
// (mode 0600), made durable (fsync) and then renamed. kAlreadyExists when
// `out_path` exists (a backup is never overwritten); the partial file is
// removed on any error.
Result<BackupManifest> WriteBackup(const Vault& vault, const AuditLog& log,
                                   const std::string& out_path);

// Reads a backup's manifest and checks its payload's size and SHA-256.
// kInvalidArgument when the file is not a custos backup; kDataLoss when
// the payload does not match the manifest (damaged or altered).
Result<BackupManifest> CheckBackupFile(const std::string& path);

// The manifest alone (no payload check): for --min-checkpoint and
// `custos backup checkpoint`. Errors as CheckBackupFile.
Result<BackupManifest> ReadBackupManifest(const std::string& path);

// Writes the backup's payload as `dir`/data.mdb, checking its SHA-256 on
// the way. `dir` must not hold a vault nor anything else (kAlreadyExists);
// it is created (0700) when missing. On any error, what was written is
// removed again (and `dir`, when this call created it; one that was there
// before stays as it was). The copy is not checked: RestoreBackup, or
// CheckExtractedBackup.
Result<BackupManifest> ExtractBackup(const std::string& path, const std::string& dir);

// Removes what ExtractBackup (and opening the result) put in `dir`: its
// data and lock files, and `dir` itself when it is then empty.
void RemoveExtracted(const std::string& dir);

// A signed checkpoint kept outside the vault, from `path`: a custos backup
// (its manifest's checkpoint) or a file holding the signed note itself
// (`custos audit checkpoint > FILE`). For `audit verify --against` and
// `serve --min-checkpoint`. kNotFound when the file is missing or a backup
// carries no checkpoint; kInvalidArgument when it holds neither.
Result<std::string> ReadCheckpointFile(const std::string& path);

// The first `max` damaged entries of a scrub as "table key HEX; …" (no
// content), for messages, logs and alerts.
std::string DamagedList(const ScrubReport& report, size_t max);

// What a restored or extracted backup proved once opened.
struct BackupCheck {
  AuditVerifyReport audit;
  uint64_t checkpoint_size = 0;  // the manifest's checkpoint the log extends
  ScrubReport scrub;
};

// Checks an opened copy of a backup: the whole audit log verifies
// (AuditLog::Verify), the log extends the manifest's checkpoint and is at
// least as long as the manifest says, the log is the manifest's (name and
// key), and every value authenticates (Vault::Scrub). kDataLoss naming the
// first failure (a damaged value: its table and key).
Result<BackupCheck> VerifyOpenedBackup(const Vault& vault, const AuditLog& log,
                                       const BackupManifest& manifest);

// Opens the vault ExtractBackup wrote in `dir` read-only with `passphrase`
// and checks it against `manifest` (VerifyOpenedBackup). The vault is
// closed before returning. kUnauthenticated for a wrong passphrase; a copy
// cut off or damaged, kDataLoss.
Result<BackupCheck> CheckExtractedBackup(const std::string& dir, const BackupManifest& manifest,
                                         const SecretBytes& passphrase);

// Where RestoreBackup keeps the copy it is checking, inside the target.
inline constexpr std::string_view kRestoreStaging = ".custos-restore";

// Restores the backup at `path` as the vault in `dir` and proves it is the
// vault the backup was made from: the payload is extracted into
// `dir`/.custos-restore and checked there (CheckExtractedBackup); only then
// is its data file renamed to `dir`/data.mdb. Until that rename `dir` holds
// no vault, so a restore that fails, is stopped or crashes leaves nothing
// that `serve` would open, and the next restore into `dir` removes the
// unfinished copy. `dir` must hold no vault and nothing else
// (kAlreadyExists); it is created (0700) when missing and removed again on
// failure; one that was there (a mount point, a symbolic link to another
// disk) is left as it was, with its owner and mode.
Result<BackupCheck> RestoreBackup(const std::string& path, const std::string& dir,
                                  const SecretBytes& passphrase);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_BACKUP_BACKUP_H_
