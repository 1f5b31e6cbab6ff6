// Online backup, restore, rollback detection and scrub (vault/backup/backup.h,
// Vault::Scrub): a backup taken while views are being written restores
// elsewhere with its log intact; nothing is ever overwritten; a damaged
// backup, an older copy of the vault and a flipped byte in the data are each
// caught and named.
#include "vault/backup/backup.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/vault/records_fixture.h"
#include "vault/records/attachments.h"
#include "vault/store/tables.h"

namespace custos::vault {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Flips one bit of the byte at `offset` of `path` in place.
void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x10));
}

class BackupTest : public testing::ArchiveTest {
 protected:
  // An opened copy of a backup (extracted into its own directory).
  struct Restored {
    std::unique_ptr<Vault> vault;
    std::unique_ptr<AuditLog> log;
    BackupManifest manifest;
  };

  Restored Restore(const std::string& file, const std::string& dir) {
    Restored r;
    auto m = ExtractBackup(file, dir);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    if (!m.ok()) return r;
    r.manifest = *m;
    OpenOptions ro;
    ro.read_only = true;
    auto v = Vault::Open(dir, testing::Pass(), ro);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    if (!v.ok()) return r;
    r.vault = std::move(*v);
    r.log = AuditLog::Open(*r.vault).value();
    return r;
  }

  std::string Backup(const std::string& name) {
    const std::string path = out_.path() + "/" + name;
    auto m = WriteBackup(*vault_, *log_, path);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return path;
  }

  testing::TempDir out_;
};

TEST_F(BackupTest, ABackupTakenWhileViewsRunRestoresElsewhereWithTheLogIntact) {
  const RecordMeta rec = MakeRecord(policy::Classification::kInternal);
  ASSERT_TRUE(log_->CheckpointNow().ok());
  std::atomic<bool> stop = false;
  std::atomic<uint64_t> views = 0;
  std::thread load([&] {
    while (!stop) {
      // Allowed or refused by the quota, each view is an audit event.
      (void)archive_->View(As(author_), rec.id, "跟进");
      ++views;
    }
  });
  while (views < 20) std::this_thread::yield();
  // Every view acknowledged before the backup began is in it.
  const uint64_t acknowledged = LogSize();
  const std::string last_leaf = *log_->Leaf(**vault_->BeginRead(), acknowledged - 1);
  const std::string file = Backup("during-views.custos-backup");
  stop = true;
  load.join();

  auto manifest = CheckBackupFile(file);
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  EXPECT_EQ(manifest->log_name, log_->name());
  EXPECT_GE(manifest->log_size, acknowledged);
  EXPECT_GT(manifest->checkpoint_size, 0u);
  // A POSIX tar archive: the payload's bytes are the file's, after a header.
  const std::string bytes = ReadFile(file);
  EXPECT_EQ(bytes.substr(0, 8), "data.mdb");
  EXPECT_EQ(bytes.substr(257, 5), "ustar");
  EXPECT_EQ(HexEncode(Sha256(bytes.substr(512, manifest->payload_size))), manifest->payload_sha256);

  testing::TempDir elsewhere;
  const std::string dir = elsewhere.path() + "/restored";
  Restored r = Restore(file, dir);
  ASSERT_NE(r.vault, nullptr);
  auto check = VerifyOpenedBackup(*r.vault, *r.log, r.manifest);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  // A manifest that names other keys than the copy holds is not this copy's.
  BackupManifest edited = r.manifest;
  edited.key_version += 1;
  EXPECT_EQ(VerifyOpenedBackup(*r.vault, *r.log, edited).status().code(), StatusCode::kDataLoss);
  EXPECT_GE(check->audit.size, acknowledged);
  EXPECT_EQ(check->checkpoint_size, manifest->checkpoint_size);
  EXPECT_GT(check->scrub.entries, 0u);
  EXPECT_EQ(*r.log->Leaf(**r.vault->BeginRead(), acknowledged - 1), last_leaf);
  // The records are there and open with the same passphrase.
  auto txn = r.vault->BeginRead();
  EXPECT_EQ(Archive::ReadMeta(**txn, rec.id)->name, rec.name);
}

TEST_F(BackupTest, NothingIsOverwrittenAndADamagedBackupLeavesNothingBehind) {
  MakeRecord(policy::Classification::kInternal);
  const std::string file = Backup("a.custos-backup");
  const std::string before = ReadFile(file);
  // A backup never replaces a file; a restore never touches a vault or a
  // directory with anything in it.
  EXPECT_EQ(WriteBackup(*vault_, *log_, file).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ReadFile(file), before);
  EXPECT_EQ(ExtractBackup(file, dir_.path()).status().code(), StatusCode::kAlreadyExists);
  testing::TempDir busy;
  { std::ofstream(busy.path() + "/notes.txt") << "keep me"; }
  const Status busy_dir = ExtractBackup(file, busy.path()).status();
  EXPECT_EQ(busy_dir.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(busy_dir.message_zh(), busy.path() + " 不是空目录；请恢复到新目录或空目录");
  EXPECT_EQ(ReadFile(busy.path() + "/notes.txt"), "keep me");

  // One flipped bit in the payload: refused by the hash, nothing restored.
  const std::string damaged = out_.path() + "/damaged.custos-backup";
  std::filesystem::copy_file(file, damaged);
  FlipByte(damaged, 512 + 4096 + 100);
  const Status flipped = CheckBackupFile(damaged).status();
  EXPECT_EQ(flipped.code(), StatusCode::kDataLoss);
  // The operator reads why in either language (the CLI prints both).
  EXPECT_EQ(flipped.message_zh(), "备份数据的 SHA-256 与清单不符：备份已损坏或被改动");
  testing::TempDir target;
  const std::string dir = target.path() + "/restored";
  EXPECT_EQ(ExtractBackup(damaged, dir).status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(std::filesystem::exists(dir));
  // Neither a truncated file nor something else is taken for a backup.
  const std::string cut = out_.path() + "/cut.custos-backup";
  { std::ofstream(cut, std::ios::binary) << before.substr(0, before.size() / 2); }
  const Status cut_short = CheckBackupFile(cut).status();
  EXPECT_EQ(cut_short.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(cut_short.message_zh().find("备份文件"), std::string::npos) << cut_short.message_zh();
  EXPECT_EQ(CheckBackupFile(dir_.path() + "/data.mdb").status().code(),
            StatusCode::kInvalidArgument);
}

// Whoever may write to the backups' folder could plant a link where the
// backup is first written (FILE.partial): it is removed, not followed, so
// the backup never overwrites the file it points to; a leftover partial
// file of an interrupted backup is replaced the same way.
// A restore checks its copy inside the target before the target holds a
// vault: a restore stopped half way leaves nothing that `serve` would open,
// and the next one finishes. A directory prepared for it (a mount point, a
// link to another disk) keeps its owner and mode when a restore fails.
TEST_F(BackupTest, ARestoreIsCheckedBeforeItIsAVaultAndLeavesAPreparedDirectoryAsItWas) {
  namespace fs = std::filesystem;
  MakeRecord(policy::Classification::kInternal);
  ASSERT_TRUE(log_->CheckpointNow().ok());
  const std::string file = Backup("a.custos-backup");
  const std::string damaged = out_.path() + "/damaged.custos-backup";
  fs::copy_file(file, damaged);
  FlipByte(damaged, 512 + 4096 + 100);

  testing::TempDir target;
  const std::string prepared = target.path() + "/prepared";
  fs::create_directory(prepared);
  fs::permissions(prepared, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec,
                  fs::perm_options::replace);
  const auto as_prepared = [&] {
    EXPECT_TRUE(fs::is_directory(prepared));
    EXPECT_TRUE(fs::is_empty(prepared));
    EXPECT_EQ(fs::status(prepared).permissions() & fs::perms::all,
              fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  };
  EXPECT_EQ(RestoreBackup(damaged, prepared, testing::Pass()).status().code(),
            StatusCode::kDataLoss);
  as_prepared();
  EXPECT_EQ(RestoreBackup(file, prepared, testing::Pass("another passphrase")).status().code(),
            StatusCode::kUnauthenticated);
  as_prepared();
  const std::string missing = target.path() + "/missing";
  EXPECT_EQ(RestoreBackup(damaged, missing, testing::Pass()).status().code(),
            StatusCode::kDataLoss);
  EXPECT_FALSE(fs::exists(missing));

  // What a restore stopped before its check ended leaves: a copy aside,
  // and no vault.
  ASSERT_TRUE(ExtractBackup(file, prepared + "/" + std::string(kRestoreStaging)).ok());
  EXPECT_FALSE(Vault::Exists(prepared));
  auto restored = RestoreBackup(file, prepared, testing::Pass());
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->audit.size, LogSize());
  EXPECT_FALSE(fs::exists(prepared + "/" + std::string(kRestoreStaging)));
  EXPECT_TRUE(Vault::Exists(prepared));
  EXPECT_TRUE(Vault::Open(prepared, testing::Pass()).ok());
  // And a vault is never restored over.
  EXPECT_EQ(RestoreBackup(file, prepared, testing::Pass()).status().code(),
            StatusCode::kAlreadyExists);
}

// A backup's data file shorter than the pages its header counts (a copy cut
// off by a full disk, or a crafted backup whose hash was made to match) is
// refused when the copy is opened; reading it would end the process with
// SIGBUS.
TEST_F(BackupTest, ADataFileCutShortIsRefusedAtOpen) {
  MakeRecord(policy::Classification::kInternal);
  const std::string file = Backup("a.custos-backup");
  testing::TempDir target;
  const std::string dir = target.path() + "/cut";
  ASSERT_TRUE(ExtractBackup(file, dir).ok());
  const std::string data = dir + "/data.mdb";
  std::filesystem::resize_file(data, std::filesystem::file_size(data) - 4096);
  OpenOptions ro;
  ro.read_only = true;
  ro.compact_copy = true;
  const Status opened = Vault::Open(dir, testing::Pass(), ro).status();
  EXPECT_EQ(opened.code(), StatusCode::kDataLoss);
  EXPECT_NE(opened.message().find("data file is cut off"), std::string::npos) << opened.message();
}

TEST_F(BackupTest, ALinkPlantedWhereTheBackupIsWrittenIsNotFollowed) {
  MakeRecord(policy::Classification::kInternal);
  const std::string victim = out_.path() + "/victim.txt";
  { std::ofstream(victim) << "precious"; }
  const std::string file = out_.path() + "/b.custos-backup";
  std::filesystem::create_symlink(victim, file + ".partial");
  auto written = WriteBackup(*vault_, *log_, file);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(ReadFile(victim), "precious");
  EXPECT_FALSE(std::filesystem::is_symlink(file));
  EXPECT_FALSE(std::filesystem::exists(file + ".partial"));
  EXPECT_TRUE(CheckBackupFile(file).ok());

  const std::string again = out_.path() + "/c.custos-backup";
  { std::ofstream(again + ".partial") << "half a backup"; }
  ASSERT_TRUE(WriteBackup(*vault_, *log_, again).ok());
  EXPECT_TRUE(CheckBackupFile(again).ok());
}

TEST_F(BackupTest, AVaultOlderThanACheckpointKeptElsewhereIsRefused) {
  const RecordMeta rec = MakeRecord(policy::Classification::kInternal);
  const std::string old_file = Backup("monday.custos-backup");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(archive_->View(As(author_), rec.id, "跟进").ok());
  ASSERT_TRUE(log_->CheckpointNow().ok());
  const std::string new_file = Backup("tuesday.custos-backup");
  auto tuesday = ReadCheckpointFile(new_file);
  ASSERT_TRUE(tuesday.ok()) << tuesday.status().ToString();

  // Monday's copy put back in place of the vault (what an attacker with the
  // data directory alone can do): it verifies on its own, but does not
  // extend Tuesday's checkpoint.
  testing::TempDir elsewhere;
  Restored monday = Restore(old_file, elsewhere.path() + "/v");
  ASSERT_NE(monday.vault, nullptr);
  EXPECT_TRUE(VerifyOpenedBackup(*monday.vault, *monday.log, monday.manifest).ok());
  auto txn = monday.vault->BeginRead();
  auto extends = monday.log->VerifyExtends(**txn, *tuesday);
  EXPECT_EQ(extends.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(extends.status().message().find("rolled back"), std::string::npos);
  // The live vault extends both; a checkpoint of another log is refused.
  auto live = vault_->BeginRead();
  EXPECT_TRUE(log_->VerifyExtends(**live, *tuesday).ok());
  EXPECT_TRUE(log_->VerifyExtends(**live, *ReadCheckpointFile(old_file)).ok());
  testing::TempDir other_dir;
  auto other = testing::CreateTestVault(other_dir.path());
  auto other_log = AuditLog::Open(*other).value();
  auto other_cp = other_log->CheckpointNow();
  ASSERT_TRUE(other_cp.ok());
  EXPECT_EQ(log_->VerifyExtends(**live, *other_cp).status().code(), StatusCode::kInvalidArgument);
}

// A flipped byte in a sealed record, an attachment chunk and an audit log
// leaf, each found and named by table and key; the log's own check names
// the event too.
TEST_F(BackupTest, ScrubNamesEachDamagedValueByTableAndKey) {
  const RecordMeta rec = MakeRecord(policy::Classification::kInternal);
  std::istringstream data(std::string(200 * 1024, 'x'));
  AttachmentOptions o;
  o.chunk_size = 64 * 1024;
  auto att = AddAttachment(*archive_, As(author_), rec.id, "报价单.pdf", "application/pdf", data,
                           "上传报价单", o);
  ASSERT_TRUE(att.ok()) << att.status().ToString();
  auto clean = vault_->Scrub();
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->damaged.empty());

  // Where each value lies in data.mdb: found by its sealed bytes.
  struct Target {
    Table table;
    std::string key;
  };
  std::vector<Target> targets;
  {
    auto txn = vault_->BeginRead();
    auto first_key = [&](Table table, std::string_view prefix) {
      std::string key;
      EXPECT_TRUE((*txn)
                      ->ScanKeys(table, prefix,
                                 [&](std::string_view k) -> Result<bool> {
                                   key = std::string(k);
                                   return false;
                                 })
                      .ok());
      return key;
    };
    const std::string record_key = first_key(tables::kRecords, rec.id);
    const std::string chunk_key = first_key(tables::kStreamChunks, "");
    const std::string leaf_key = first_key(tables::kAuditLeaves, "");
    targets = {{tables::kRecords, record_key},
               {tables::kStreamChunks, chunk_key},
               {tables::kAuditLeaves, leaf_key}};
  }
  const std::string path = dir_.path() + "/data.mdb";
  for (const Target& t : targets) {
    ASSERT_FALSE(t.key.empty()) << t.table;
    auto txn = vault_->BeginRead();
    const std::string sealed(*(*txn)->GetSealed(t.table, t.key));
    txn->reset();
    ASSERT_GT(testing::FlipStoredValue(path, sealed), 0u) << t.table;
  }

  auto report = vault_->Scrub();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->damaged.size(), 3u);
  for (const Target& t : targets) {
    bool named = false;
    for (const ScrubFinding& f : report->damaged) {
      named = named || (f.table == t.table && f.key_hex == HexEncode(t.key));
    }
    EXPECT_TRUE(named) << t.table << " " << HexEncode(t.key);
  }
  // The problem says what failed, never what the value held.
  for (const ScrubFinding& f : report->damaged) {
    EXPECT_NE(f.problem.find("integrity"), std::string::npos) << f.problem;
    EXPECT_EQ(f.problem.find("xxxx"), std::string::npos) << f.problem;
  }
  auto audit = log_->Verify();
  EXPECT_EQ(audit.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace custos::vault
