// Online backup speed (issue 21), against `cp` of the same data.mdb followed
// by `sync` of the copy (the backup is durable too) — same run, same disk.
// Also reports what a backup running beside writers costs them: durable
// audit appends from 8 threads, alone and while backups run back to back.
// Not a test: prints numbers.
//
//   backup_bench [--dir DIR] [--megabytes N] [--keep]
//
// The vault is filled with N MiB of 4 KiB sealed values (plus their audit
// events) first. Speeds are source bytes (data.mdb's size) per second; the
// backup compacts, so it writes fewer bytes than cp. Best of 3 each.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "base/encoding.h"
#include "vault/audit/audit_log.h"
#include "vault/backup/backup.h"

namespace custos::vault {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

AuditEvent Event(uint64_t i) {
  AuditEvent e;
  e.actor = {"u" + std::to_string(i % 97), "Zhang San 张三"};
  e.action = "record.view";
  e.object = {"record", "rec-" + std::to_string(i % 1000), 1};
  e.reason = "benchmark";
  e.decision = AuditDecision::kAllow;
  e.rule = "allow.owner";
  e.outcome = "ok";
  return e;
}

// Durable appends from 8 threads for `seconds`; events per second.
double AppendRate(const AuditLog& log, double seconds) {
  std::atomic<bool> stop = false;
  std::atomic<uint64_t> done = 0;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = static_cast<uint64_t>(t); !stop; i += 8) {
        if (!log.AppendDurable(Event(i)).ok()) Die("append failed");
        ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : threads) th.join();
  return static_cast<double>(done) / Seconds(start, Clock::now());
}

int Main(int argc, char** argv) {
  std::string dir = "/tmp/custos-backup-bench";
  uint64_t megabytes = 256;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--keep") keep = true;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--dir") dir = argv[i + 1];
    if (a == "--megabytes") megabytes = std::strtoull(argv[i + 1], nullptr, 10);
  }
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string vdir = dir + "/vault";
  CreateOptions c;
  c.kdf = Argon2Params::ForTests();
  c.log_name = "custos.bench/backup";
  OpenOptions o;
  o.initial_map_size = size_t{8} << 30;
  auto v = Vault::Create(vdir, SecretBytes::CopyOf("bench passphrase"), c, o);
  if (!v.ok()) Die("create: " + v.status().ToString());
  Vault& vault = **v;
  auto log = AuditLog::Open(vault).value();

  // Fill: 4 KiB values in batches of 256, each with its audit event.
  const uint64_t values = megabytes * 256;
  const std::string payload = RandomBytes(4096);
  for (uint64_t i = 0; i < values; i += 256) {
    Status s = vault.Write([&](WriteTxn& w) -> Status {
      for (uint64_t j = i; j < i + 256 && j < values; ++j) {
        CUSTOS_RETURN_IF_ERROR(w.Put(tables::kRecords, "bench/" + std::to_string(j), payload));
        CUSTOS_RETURN_IF_ERROR(log->Append(w, Event(j)).status());
      }
      return Status::Ok();
    });
    if (!s.ok()) Die("fill: " + s.ToString());
  }
  if (!log->CheckpointNow().ok()) Die("checkpoint");
  const uint64_t source = std::filesystem::file_size(vdir + "/data.mdb");
  std::printf("vault: %llu values of 4 KiB, data.mdb %.1f MiB\n",
              static_cast<unsigned long long>(values), static_cast<double>(source) / 1048576.0);

  double best_cp = 1e9;
  double best_backup = 1e9;
  double best_raw = 1e9;
  uint64_t payload_size = 0;
  for (int round = 0; round < 3; ++round) {
    const std::string cp_out = dir + "/cp.mdb";
    std::filesystem::remove(cp_out);
    auto a = Clock::now();
    const std::string cmd = "cp " + vdir + "/data.mdb " + cp_out + " && sync " + cp_out;
    if (std::system(cmd.c_str()) != 0) Die("cp failed");
    best_cp = std::min(best_cp, Seconds(a, Clock::now()));

    // The ceiling: LMDB's compacting copy alone, straight into a file.
    const std::string raw = dir + "/raw.mdb";
    std::filesystem::remove(raw);
    a = Clock::now();
    {
      const int fd = ::open(raw.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0 || !vault.CopyTo(fd).ok() || ::fsync(fd) != 0) Die("raw copy failed");
      ::close(fd);
    }
    best_raw = std::min(best_raw, Seconds(a, Clock::now()));

    const std::string out = dir + "/b.custos-backup";
    std::filesystem::remove(out);
    a = Clock::now();
    auto m = WriteBackup(vault, *log, out);
    if (!m.ok()) Die("backup: " + m.status().ToString());
    best_backup = std::min(best_backup, Seconds(a, Clock::now()));
    payload_size = m->payload_size;
  }
  const double mb = static_cast<double>(source) / 1048576.0;
  std::printf("cp + sync:      %7.1f MiB/s (%.3f s)\n", mb / best_cp, best_cp);
  std::printf("custos backup:  %7.1f MiB/s (%.3f s; compacted payload %.1f MiB)\n",
              mb / best_backup, best_backup, static_cast<double>(payload_size) / 1048576.0);
  std::printf(
      "LMDB compacting copy alone (mdb_env_copyfd2 + fsync, no hash): %7.1f MiB/s "
      "(%.3f s)\n",
      mb / best_raw, best_raw);
  std::printf("ratio backup/cp: %.2f (target >= 0.5); LMDB's own compacting copy/cp: %.2f\n",
              best_cp / best_backup, best_cp / best_raw);

  // Writers beside a backup.
  const double alone = AppendRate(*log, 3.0);
  std::atomic<bool> stop = false;
  int backups = 0;
  std::thread backer([&] {
    while (!stop) {
      const std::string out = dir + "/bg.custos-backup";
      std::filesystem::remove(out);
      if (!WriteBackup(vault, *log, out).ok()) Die("background backup failed");
      ++backups;
    }
  });
  const double during = AppendRate(*log, 3.0);
  stop = true;
  backer.join();
  std::printf(
      "durable audit appends, 8 threads: %.0f/s alone, %.0f/s during %d back-to-back "
      "backups (%.2f)\n",
      alone, during, backups, during / alone);
  if (!keep) std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace custos::vault

int main(int argc, char** argv) {
  if (custos::vault::InitCrypto().ok()) return custos::vault::Main(argc, argv);
  return 1;
}
