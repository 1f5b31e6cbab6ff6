#include "cli/backup_schedule.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <utility>
#include <vector>

#include <sys/resource.h>

#include "base/encoding.h"
#include "base/time.h"
#include "vault/access/alerts.h"
#include "vault/backup/backup.h"

namespace custos::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "custos-";
constexpr std::string_view kSuffix = ".custos-backup";

// custos-20261203T091500.123Z.custos-backup: sorts by time.
std::string BackupName(UnixMillis now) {
  std::string compact;
  for (char c : FormatRfc3339Millis(now)) {  // 2026-12-03T09:15:00.123Z
    if (c != '-' && c != ':') compact += c;
  }
  return std::string(kPrefix) + compact + std::string(kSuffix);
}

// Only names BackupName writes: retention must never take a file someone
// put there by hand ("custos-weekly.custos-backup", which would also sort
// after every dated name and count as the newest).
bool IsScheduledBackup(std::string_view name) {
  constexpr std::string_view kShape = "00000000T000000.000Z";  // 0: a digit
  if (name.size() != kPrefix.size() + kShape.size() + kSuffix.size() ||
      !name.starts_with(kPrefix) || !name.ends_with(kSuffix)) {
    return false;
  }
  const std::string_view stamp = name.substr(kPrefix.size(), kShape.size());
  for (size_t i = 0; i < kShape.size(); ++i) {
    const bool digit = stamp[i] >= '0' && stamp[i] <= '9';
    if (kShape[i] == '0' ? !digit : stamp[i] != kShape[i]) return false;
  }
  return true;
}

}  // namespace

Result<std::string> RunScheduledBackup(vault::Vault& vault, const vault::AuditLog& log,
                                       const BackupSchedule& schedule) {
  std::error_code ec;
  if (!fs::exists(schedule.dir, ec)) {
    fs::create_directories(schedule.dir, ec);
    if (ec) return Status::Internal("backup directory " + schedule.dir + ": " + ec.message());
    // Sealed data only, but nobody else's business either.
    fs::permissions(schedule.dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  }
  const std::string path = (fs::path(schedule.dir) / BackupName(NowMillis())).string();
  CUSTOS_RETURN_IF_ERROR(vault::WriteBackup(vault, log, path).status());
  // The file as written must match its manifest before older ones go.
  CUSTOS_RETURN_IF_ERROR(vault::CheckBackupFile(path).status());
  // And the vault it copied must be sound: damage on disk stays, so a scrub
  // after the copy finds whatever the copy took. A damaged vault's backup
  // is kept (it holds what is left) and no older, good one is removed:
  // rotating on would leave only copies of the damage.
  if (Status scrub = RunScheduledScrub(vault); !scrub.ok()) {
    return scrub.Annotate(path + " written; no older backup removed, because the vault is damaged",
                          path + " 已写入；保险库已损坏，未删除更早的备份");
  }
  // The one just written is kept whatever its name sorts as (a clock set
  // back makes it sort before older ones); of the others, the newest
  // keep - 1.
  const std::string written = fs::path(path).filename().string();
  std::vector<std::string> others;
  for (const auto& entry : fs::directory_iterator(schedule.dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name != written && entry.is_regular_file() && IsScheduledBackup(name)) {
      others.push_back(name);
    }
  }
  std::sort(others.begin(), others.end());
  const size_t keep_others = static_cast<size_t>(std::max(1, schedule.keep)) - 1;
  for (size_t i = 0; i + keep_others < others.size(); ++i) {
    fs::remove(fs::path(schedule.dir) / others[i], ec);
  }
  return path;
}

Status RunScheduledScrub(vault::Vault& vault, uint64_t* damaged) {
  CUSTOS_ASSIGN_OR_RETURN(vault::ScrubReport report, vault.Scrub());
  if (damaged != nullptr) *damaged = report.damaged.size();
  if (report.damaged.empty()) return Status::Ok();
  vault::access::Alert alert;
  alert.type = "vault.damaged";
  alert.severity = "critical";
  alert.at = NowMillis();
  alert.details = json::Value::MakeObject();
  alert.details["damaged"] = static_cast<uint64_t>(report.damaged.size());
  alert.details["entries"] = report.entries;
  json::Value where = json::Value::MakeArray();
  for (size_t i = 0; i < report.damaged.size() && i < 20; ++i) {
    json::Value w = json::Value::MakeObject();
    w["table"] = report.damaged[i].table;
    w["key"] = report.damaged[i].key_hex;
    where.Push(std::move(w));
  }
  alert.details["where"] = std::move(where);
  CUSTOS_RETURN_IF_ERROR(
      vault.Write([&](vault::WriteTxn& txn) { return vault::access::RaiseAlert(txn, alert); }));
  return Status::DataLoss(std::to_string(report.damaged.size()) + " damaged entries (" +
                          vault::DamagedList(report, 5) + ")");
}

BackupScheduler::BackupScheduler(vault::Vault& vault, const vault::AuditLog& log,
                                 BackupSchedule schedule,
                                 std::function<void(int, const std::string&)> log_line)
    : vault_(vault), log_(log), schedule_(std::move(schedule)), log_line_(std::move(log_line)) {
  const bool backups = !schedule_.dir.empty() && schedule_.backup_every_ms > 0;
  if (backups || schedule_.scrub_every_ms > 0) thread_ = std::thread([this] { Loop(); });
}

BackupScheduler::~BackupScheduler() { Stop(); }

std::string BackupScheduler::PrometheusText() const {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, const std::string& v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + v + "\n";
  };
  metric("custos_backups_total", "counter", "Scheduled backups written and checked.",
         std::to_string(backups_ok_.load()));
  metric("custos_backup_failures_total", "counter", "Scheduled backups that failed.",
         std::to_string(backups_failed_.load()));
  metric("custos_backup_last_success_seconds", "gauge",
         "Unix time of the last good scheduled backup (0: none yet).",
         std::to_string(last_backup_ms_.load() / 1000));
  metric("custos_scrubs_total", "counter", "Scheduled scrubs run.", std::to_string(scrubs_.load()));
  metric("custos_scrub_damaged_entries", "gauge", "Damaged entries found by the last scrub.",
         std::to_string(last_scrub_damaged_.load()));
  return out;
}

void BackupScheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackupScheduler::Loop() {
  // Low priority: requests come first.
  (void)::setpriority(PRIO_PROCESS, 0, 10);
  const bool backups = !schedule_.dir.empty() && schedule_.backup_every_ms > 0;
  const bool scrubs = schedule_.scrub_every_ms > 0;
  // The first of each a minute after the start (the server is up by then),
  // then at its interval.
  UnixMillis next_backup = NowMillis() + 60'000;
  UnixMillis next_scrub = NowMillis() + 60'000;
  while (true) {
    UnixMillis due = INT64_MAX;
    if (backups) due = std::min(due, next_backup);
    if (scrubs) due = std::min(due, next_scrub);
    {
      std::unique_lock<std::mutex> lock(mu_);
      const auto wait = std::chrono::milliseconds(std::max<int64_t>(0, due - NowMillis()));
      if (wake_.wait_for(lock, wait, [this] { return stop_; })) return;
    }
    const UnixMillis now = NowMillis();
    // Nodes sharing a vault: only the one that leads (Vault::Lead; on LMDB
    // always this process) backs up and scrubs; the others skip the turn.
    auto lead = vault_.Lead();
    if (!lead.ok()) log_line_(3, "backup/scrub: " + lead.status().message());
    const bool leading = lead.ok() && *lead;
    if (backups && now >= next_backup && leading) {
      auto path = RunScheduledBackup(vault_, log_, schedule_);
      if (path.ok()) {
        ++backups_ok_;
        last_backup_ms_ = NowMillis();
        log_line_(6, "backup: wrote " + *path);
      } else {
        ++backups_failed_;
        // Damage (the alert raised) is critical, as the scrub's own.
        const int level = path.status().code() == StatusCode::kDataLoss ? 2 : 3;
        log_line_(level, "backup: FAILED: " + path.status().message());
      }
    }
    if (backups && now >= next_backup) next_backup = now + schedule_.backup_every_ms;
    if (scrubs && now >= next_scrub && leading) {
      uint64_t damaged = 0;
      Status s = RunScheduledScrub(vault_, &damaged);
      ++scrubs_;
      last_scrub_damaged_ = damaged;
      if (s.ok()) {
        log_line_(6, "scrub: every stored value authenticated");
      } else {
        log_line_(2, "scrub: DAMAGE (alert vault.damaged raised): " + s.message());
      }
    }
    if (scrubs && now >= next_scrub) next_scrub = now + schedule_.scrub_every_ms;
  }
}

}  // namespace custos::cli
