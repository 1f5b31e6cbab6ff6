// Scheduled backups and scrubs inside `custos serve` (configuration keys
// backup.dir, backup.every_hours, backup.keep, scrub.every_hours; see
// packaging/custos.properties and docs/operations.md).
//
// One background thread, at low CPU priority, does the work so that the
// server's own loop is never held up: every `backup_every` it writes
// DIR/custos-YYYYMMDDTHHMMSS.mmmZ.custos-backup (vault::WriteBackup, checked
// with CheckBackupFile) and deletes the oldest backups of that name beyond
// `keep`; every `scrub_every` it runs Vault::Scrub and, when anything is
// damaged, raises the alert "vault.damaged" (severity critical; details:
// how many, and the first tables and keys) that auditors see with the other
// alerts. Every outcome is one line on the operator log.
//
// Thread-safety: the scheduler's own thread uses the vault and log as their
// headers allow; Stop() (and the destructor) may be called from any thread.
#ifndef CUSTOS_CLI_BACKUP_SCHEDULE_H_
#define CUSTOS_CLI_BACKUP_SCHEDULE_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "vault/audit/audit_log.h"
#include "vault/store/vault.h"

namespace custos::cli {

struct BackupSchedule {
  std::string dir;              // where backups go ("" = no backups)
  int64_t backup_every_ms = 0;  // 0 = no backups
  int keep = 7;                 // newest backups kept
  int64_t scrub_every_ms = 0;   // 0 = no scrubs
};

// Writes one scheduled backup into schedule.dir, checks it against its
// manifest, scrubs the vault (RunScheduledScrub) and, only when nothing is
// damaged, prunes to schedule.keep; returns the new file's path. A damaged
// vault: kDataLoss (the alert raised), the new backup and every older one
// kept. Also what the scheduler's thread runs.
Result<std::string> RunScheduledBackup(vault::Vault& vault, const vault::AuditLog& log,
                                       const BackupSchedule& schedule);

// Scrubs `vault`; when anything is damaged raises the alert "vault.damaged"
// and returns kDataLoss naming how many entries (also in *damaged if set).
Status RunScheduledScrub(vault::Vault& vault, uint64_t* damaged = nullptr);

class BackupScheduler {
 public:
  // Starts the thread when the schedule asks for anything. `log_line`
  // receives each outcome with its syslog level (2 critical, 3 error, 6
  // info): one line, no secrets.
  BackupScheduler(vault::Vault& vault, const vault::AuditLog& log, BackupSchedule schedule,
                  std::function<void(int level, const std::string&)> log_line);
  ~BackupScheduler();
  BackupScheduler(const BackupScheduler&) = delete;
  BackupScheduler& operator=(const BackupScheduler&) = delete;

  // Ends the thread (a backup or scrub under way finishes first).
  void Stop();

  // Counters for /metrics (Prometheus text): backups written and failed,
  // the time of the last good one, scrubs run, damaged entries found by
  // the last scrub.
  std::string PrometheusText() const;

 private:
  void Loop();

  vault::Vault& vault_;
  const vault::AuditLog& log_;
  const BackupSchedule schedule_;
  const std::function<void(int, const std::string&)> log_line_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::atomic<uint64_t> backups_ok_ = 0;
  std::atomic<uint64_t> backups_failed_ = 0;
  std::atomic<int64_t> last_backup_ms_ = 0;
  std::atomic<uint64_t> scrubs_ = 0;
  std::atomic<uint64_t> last_scrub_damaged_ = 0;
  std::thread thread_;
};

}  // namespace custos::cli

#endif  // CUSTOS_CLI_BACKUP_SCHEDULE_H_
