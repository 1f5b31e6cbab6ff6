// What `custos serve` runs on its backup and scrub schedule
// (cli/backup_schedule.h): backups named by time, checked, the oldest pruned
// beyond the number kept; a scrub that finds damage raises the alert
// vault.damaged, naming where.
#include "cli/backup_schedule.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>

#include <gtest/gtest.h>

#include "tests/vault/test_util.h"
#include "vault/backup/backup.h"
#include "vault/store/tables.h"

namespace custos::cli {
namespace {

using vault::testing::TempDir;

// A vault with a signed checkpoint, and a schedule writing under out_.
class ScheduledBackupTest : public testing::Test {
 protected:
  void SetUp() override {
    v_ = vault::testing::CreateTestVault(dir_.path() + "/vault");
    log_ = vault::AuditLog::Open(*v_).value();
    ASSERT_TRUE(log_->CheckpointNow().ok());
  }
  TempDir dir_, out_;
  std::unique_ptr<vault::Vault> v_;
  std::unique_ptr<vault::AuditLog> log_;
};

TEST_F(ScheduledBackupTest, BackupsAreCheckedNamedByTimeAndPruned) {
  BackupSchedule s;
  s.dir = out_.path() + "/backups";  // created on first use
  s.keep = 2;
  std::vector<std::string> written;
  for (int i = 0; i < 3; ++i) {
    auto path = RunScheduledBackup(*v_, *log_, s);
    ASSERT_TRUE(path.ok()) << path.status().ToString();
    written.push_back(*path);
    EXPECT_TRUE(vault::CheckBackupFile(*path).ok());
  }
  EXPECT_EQ(std::filesystem::status(s.dir).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
  EXPECT_FALSE(std::filesystem::exists(written[0]));  // the oldest went
  EXPECT_TRUE(std::filesystem::exists(written[1]));
  EXPECT_TRUE(std::filesystem::exists(written[2]));
  EXPECT_LT(written[1], written[2]);
  // Files that are not scheduled backups are left alone.
  { std::ofstream(s.dir + "/notes.txt") << "keep"; }
  ASSERT_TRUE(RunScheduledBackup(*v_, *log_, s).ok());
  EXPECT_TRUE(std::filesystem::exists(s.dir + "/notes.txt"));
}

// Backups an operator put in the folder by hand, even with names like the
// schedule's, are not the schedule's to delete. "custos-weekly…" sorts after
// every dated name: counted as the newest, it once made each new backup the
// one deleted while the log and the metrics said it was written. And a
// scheduled backup from a clock that was ahead sorts after the new one, which
// is kept anyway.
TEST_F(ScheduledBackupTest, RetentionKeepsTheNewBackupAndNeverTakesFilesPutThereByHand) {
  BackupSchedule s;
  s.dir = out_.path() + "/backups";
  s.keep = 1;
  std::filesystem::create_directories(s.dir);
  const std::vector<std::string> by_hand = {
      "custos-weekly.custos-backup", "custos-2026-12-03.custos-backup",
      "custos-20261203T091500.123Z.custos-backup.partial", "custos-20261203T0915.custos-backup"};
  for (const std::string& name : by_hand) std::ofstream(s.dir + "/" + name) << "by hand";
  const std::string ahead = s.dir + "/custos-99991231T235959.999Z.custos-backup";
  std::ofstream(ahead) << "a clock that was ahead";

  auto first = RunScheduledBackup(*v_, *log_, s);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(*first));
  EXPECT_FALSE(std::filesystem::exists(ahead));  // keep = 1: the new one alone
  auto second = RunScheduledBackup(*v_, *log_, s);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(*second));
  EXPECT_FALSE(std::filesystem::exists(*first));
  for (const std::string& name : by_hand) {
    EXPECT_TRUE(std::filesystem::exists(s.dir + "/" + name)) << name;
  }
}

// A vault damaged on disk is copied damaged: its backup is kept, but the
// older, good backups are not rotated out for it.
TEST(BackupScheduleTest, ABackupOfADamagedVaultRemovesNoOlderBackup) {
  TempDir dir;
  auto v = vault::testing::CreateTestVault(dir.path() + "/vault");
  auto log = vault::AuditLog::Open(*v).value();
  ASSERT_TRUE(v->Write([](vault::WriteTxn& w) {
                 return w.Put(vault::tables::kRecords, "c-0123456789abcdef", "客户资料");
               }).ok());
  ASSERT_TRUE(log->CheckpointNow().ok());
  TempDir out;
  BackupSchedule s;
  s.dir = out.path();
  s.keep = 1;
  auto good = RunScheduledBackup(*v, *log, s);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  std::string sealed;
  {
    auto r = v->BeginRead();
    sealed = std::string(*(*r)->GetSealed(vault::tables::kRecords, "c-0123456789abcdef"));
  }
  ASSERT_GT(vault::testing::FlipStoredValue(dir.path() + "/vault/data.mdb", sealed), 0u);
  for (int i = 0; i < 2; ++i) {
    auto damaged = RunScheduledBackup(*v, *log, s);
    EXPECT_EQ(damaged.status().code(), StatusCode::kDataLoss) << damaged.status().ToString();
    EXPECT_NE(damaged.status().message().find("no older backup removed"), std::string::npos)
        << damaged.status().ToString();
  }
  EXPECT_TRUE(std::filesystem::exists(*good));
  size_t backups = 0;
  for (const auto& e : std::filesystem::directory_iterator(s.dir)) {
    backups += e.path().filename().string().ends_with(".custos-backup") ? 1 : 0;
  }
  EXPECT_EQ(backups, 3u);
}

TEST(BackupScheduleTest, AScrubThatFindsDamageRaisesAnAlert) {
  TempDir dir;
  auto v = vault::testing::CreateTestVault(dir.path());
  ASSERT_TRUE(v->Write([](vault::WriteTxn& w) {
                 return w.Put(vault::tables::kRecords, "c-0123456789abcdef", "客户资料");
               }).ok());
  EXPECT_TRUE(RunScheduledScrub(*v).ok());
  // Flip a byte of the stored value (every copy LMDB left behind).
  std::string sealed;
  {
    auto r = v->BeginRead();
    sealed = std::string(*(*r)->GetSealed(vault::tables::kRecords, "c-0123456789abcdef"));
  }
  ASSERT_GT(vault::testing::FlipStoredValue(dir.path() + "/data.mdb", sealed), 0u);
  Status s = RunScheduledScrub(*v);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  std::vector<json::Value> alerts;
  auto r = v->BeginRead();
  ASSERT_TRUE((*r)->Scan(vault::tables::kAlerts, "",
                         [&](std::string_view, std::string_view value) -> Result<bool> {
                           alerts.push_back(*json::Parse(value));
                           return true;
                         })
                  .ok());
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["type"].as_string(), "vault.damaged");
  EXPECT_EQ(alerts[0]["severity"].as_string(), "critical");
  EXPECT_EQ(alerts[0]["details"]["damaged"].as_int(), 1);
  EXPECT_EQ(alerts[0]["details"]["where"].as_array()[0]["table"].as_string(), "records");
  // Names and keys only: the value's content is nowhere in it.
  EXPECT_EQ(json::Serialize(alerts[0]).find("客户资料"), std::string::npos);
}

}  // namespace
}  // namespace custos::cli
