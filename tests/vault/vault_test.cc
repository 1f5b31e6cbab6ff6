#include "vault/store/vault.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/vault/test_util.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/versions.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::OpenTestVault;
using testing::Pass;
using testing::RunInOneBatch;
using testing::StoredBytes;
using testing::StoreFilesOf;
using testing::TempDir;
using testing::TestStoreFor;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Status PutOne(Vault& v, Table t, std::string key, std::string value) {
  return v.Write([&](WriteTxn& w) { return w.Put(t, key, value); });
}

Result<std::string> GetOne(const Vault& v, Table t, std::string_view key) {
  CUSTOS_ASSIGN_OR_RETURN(auto r, v.BeginRead());
  return r->Get(t, key);
}

TEST(VaultTest, PutGetSurvivesReopen) {
  TempDir dir;
  {
    auto v = CreateTestVault(dir.path());
    ASSERT_TRUE(PutOne(*v, tables::kRecords, "c-1", "华东贸易有限公司").ok());
  }
  auto v = OpenTestVault(dir.path());
  auto got = GetOne(*v, tables::kRecords, "c-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "华东贸易有限公司");
  EXPECT_EQ(GetOne(*v, tables::kRecords, "c-2").status().code(), StatusCode::kNotFound);
}

TEST(VaultTest, CreateRefusesExistingVault) {
  TempDir dir;
  { auto v = CreateTestVault(dir.path()); }
  std::string before = StoredBytes(dir.path());
  CreateOptions opts;
  opts.kdf = Argon2Params::ForTests();
  auto again = Vault::Create(TestStoreFor(dir.path()), Pass("other"), opts);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(StoredBytes(dir.path()), before);
}

TEST(VaultTest, WrongPassphraseIsUnauthenticatedAndChangesNothing) {
  TempDir dir;
  {
    auto v = CreateTestVault(dir.path());
    ASSERT_TRUE(PutOne(*v, tables::kRecords, "k", "v").ok());
  }
  std::string before = StoredBytes(dir.path());
  auto v = Vault::Open(TestStoreFor(dir.path()), Pass("wrong passphrase"));
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(v.status().message().find("correct horse"), std::string::npos);
  EXPECT_EQ(StoredBytes(dir.path()), before);
}

TEST(VaultTest, MissingVaultIsNotFound) {
  TempDir dir;
  auto v = Vault::Open(dir.path() + "/nothing-here", Pass());
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
}

TEST(VaultTest, ValueSwappedBetweenKeysIsDataLoss) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  ASSERT_TRUE(PutOne(*v, tables::kRecords, "alice", "price 100").ok());
  ASSERT_TRUE(PutOne(*v, tables::kRecords, "bob", "price 200").ok());
  auto a = internal::RawGet(*v, tables::kRecords, "alice");
  auto b = internal::RawGet(*v, tables::kRecords, "bob");
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(internal::RawPut(*v, tables::kRecords, "alice", *b).ok());
  ASSERT_TRUE(internal::RawPut(*v, tables::kRecords, "bob", *a).ok());
  EXPECT_EQ(GetOne(*v, tables::kRecords, "alice").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(GetOne(*v, tables::kRecords, "bob").status().code(), StatusCode::kDataLoss);
}

TEST(VaultTest, ValueMovedToAnotherTableIsDataLoss) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  ASSERT_TRUE(PutOne(*v, tables::kRecords, "x", "secret").ok());
  auto raw = internal::RawGet(*v, tables::kRecords, "x");
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(internal::RawPut(*v, tables::kAgreements, "x", *raw).ok());
  EXPECT_EQ(GetOne(*v, tables::kAgreements, "x").status().code(), StatusCode::kDataLoss);
}

TEST(VaultTest, EveryByteFlipOfAStoredValueIsDataLoss) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  ASSERT_TRUE(PutOne(*v, tables::kRecords, "x", "order cycle: 45 days").ok());
  auto raw = internal::RawGet(*v, tables::kRecords, "x");
  ASSERT_TRUE(raw.ok());
  for (size_t i = 0; i < raw->size(); ++i) {
    std::string bad = *raw;
    bad[i] = static_cast<char>(bad[i] ^ 0x20);
    ASSERT_TRUE(internal::RawPut(*v, tables::kRecords, "x", bad).ok());
    EXPECT_EQ(GetOne(*v, tables::kRecords, "x").status().code(), StatusCode::kDataLoss)
        << "byte " << i;
  }
}

TEST(VaultTest, MarkerNeverReachesTheDisk) {
  TempDir dir;
  const std::string marker = "MARKER-7f3a9c-客户价格底线";
  {
    auto v = CreateTestVault(dir.path());
    ASSERT_TRUE(PutOne(*v, tables::kRecords, "c-1", "notes: " + marker).ok());
    ASSERT_TRUE(v->Write([&](WriteTxn& w) { return w.Put(tables::kUsers, "u-1", marker); }).ok());
  }
  // Every file the store keeps: the vault's directory, or the whole
  // PostgreSQL cluster (tables, write-ahead log).
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(StoreFilesOf(dir.path()))) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::string content = ReadFile(e.path());
    EXPECT_EQ(content.find(marker), std::string::npos) << e.path();
    EXPECT_EQ(content.find("MARKER-7f3a9c"), std::string::npos) << e.path();
  }
  EXPECT_GE(files, 1u);
}

TEST(VaultTest, VersionsAreImmutableAndOrdered) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  for (int i = 1; i <= 3; ++i) {
    uint32_t got = 0;
    ASSERT_TRUE(v->Write([&](WriteTxn& w) -> Status {
                   CUSTOS_ASSIGN_OR_RETURN(
                       got, AppendVersion(w, tables::kRecords, "c-9", "v" + std::to_string(i)));
                   return Status::Ok();
                 }).ok());
    EXPECT_EQ(got, static_cast<uint32_t>(i));
  }
  auto r = v->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*LatestVersion(**r, tables::kRecords, "c-9"), 3u);
  EXPECT_EQ(*GetVersion(**r, tables::kRecords, "c-9", 1), "v1");
  EXPECT_EQ(*GetVersion(**r, tables::kRecords, "c-9", 3), "v3");
  EXPECT_EQ(GetVersion(**r, tables::kRecords, "c-9", 4).status().code(), StatusCode::kNotFound);
  // "c-9" and "c-90" do not mix.
  EXPECT_EQ(LatestVersion(**r, tables::kRecords, "c-90").status().code(), StatusCode::kNotFound);
}

TEST(VaultTest, FailedRequestRollsBackOnlyItself) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  Status s = v->Write([&](WriteTxn& w) -> Status {
    CUSTOS_RETURN_IF_ERROR(w.Put(tables::kRecords, "half", "written"));
    return Status::FailedPrecondition("changed my mind");
  });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetOne(*v, tables::kRecords, "half").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(PutOne(*v, tables::kRecords, "whole", "ok").ok());
  EXPECT_TRUE(GetOne(*v, tables::kRecords, "whole").ok());
}

// In one batch: a request that fails before writing anything and one that
// fails after writing each get their own error and leave nothing; the
// others' writes commit once, whatever the order — also when the failure
// after a write makes the batch run again (each run starts from scratch).
TEST(VaultTest, FailuresInABatchRollBackOnlyThemselves) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  std::atomic<int> runs_of_first{0};
  auto put = [&](std::string key) {
    return [key](WriteTxn& w) -> Status {
      // Read-modify-write: a second run must see the first run's write gone.
      auto old = w.Get(tables::kRecords, "counter");
      const int n = old.ok() ? std::stoi(*old) : 0;
      CUSTOS_RETURN_IF_ERROR(w.Put(tables::kRecords, "counter", std::to_string(n + 1)));
      return w.Put(tables::kRecords, key, "ok");
    };
  };
  auto fails_before_writing = [](WriteTxn& w) -> Status {
    auto missing = w.Get(tables::kRecords, "no-such-key");
    return missing.ok() ? Status::Internal("unexpected") : missing.status();
  };
  auto fails_after_writing = [](WriteTxn& w) -> Status {
    CUSTOS_RETURN_IF_ERROR(w.Put(tables::kRecords, "half", "written"));
    CUSTOS_RETURN_IF_ERROR(w.Delete(tables::kRecords, "a"));
    return Status::FailedPrecondition("changed my mind");
  };
  auto first = put("a");
  auto results = RunInOneBatch(*v, {[&](WriteTxn& w) -> Status {
                                      ++runs_of_first;
                                      return first(w);
                                    },
                                    fails_before_writing, put("b")});
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code(), StatusCode::kNotFound);
  EXPECT_TRUE(results[2].ok());
  EXPECT_EQ(runs_of_first.load(), 1);  // nothing to roll back: no second run
  EXPECT_EQ(*GetOne(*v, tables::kRecords, "counter"), "2");

  runs_of_first = 0;
  auto c = put("c");
  results = RunInOneBatch(*v, {[&](WriteTxn& w) -> Status {
                                 ++runs_of_first;
                                 return c(w);
                               },
                               fails_after_writing, fails_before_writing, put("d")});
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(results[1].code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(results[2].code(), StatusCode::kNotFound);
  EXPECT_TRUE(results[3].ok());
  EXPECT_EQ(runs_of_first.load(), 2);                        // the batch ran again, nested
  EXPECT_EQ(*GetOne(*v, tables::kRecords, "counter"), "4");  // counted once each
  EXPECT_EQ(GetOne(*v, tables::kRecords, "half").status().code(), StatusCode::kNotFound);
  for (const char* k : {"a", "b", "c", "d"}) EXPECT_TRUE(GetOne(*v, tables::kRecords, k).ok()) << k;
}

TEST(VaultTest, ConcurrentWritersShareCommitsAndReadersSeeSnapshots) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  constexpr int kThreads = 16, kPerThread = 50;
  std::atomic<bool> stop{false};
  std::atomic<int> read_errors{0};
  std::thread reader([&] {
    while (!stop) {
      auto r = v->BeginRead();
      if (!r.ok()) {
        ++read_errors;
        continue;
      }
      Status s = (*r)->Scan(tables::kRecords, "",
                            [&](std::string_view k, std::string_view val) -> Result<bool> {
                              if (val != std::string("value-") + std::string(k)) ++read_errors;
                              return true;
                            });
      if (!s.ok()) ++read_errors;
    }
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string k = "t" + std::to_string(t) + "-" + std::to_string(i);
        ASSERT_TRUE(PutOne(*v, tables::kRecords, k, "value-" + k).ok());
      }
    });
  }
  for (auto& w : writers) w.join();
  stop = true;
  reader.join();
  EXPECT_EQ(read_errors.load(), 0);
  auto r = v->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(*r)->Count(tables::kRecords), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_LE(v->commit_stats().commits, v->commit_stats().requests);
}

// A commit the file system refuses (here the file-size limit; in use a
// full disk) fails its writes and says so, in the stats that /healthz,
// /metrics and the operator log read, until a commit succeeds again.
TEST(VaultTest, ACommitTheDiskRefusesIsCountedUntilOneSucceeds) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  ASSERT_TRUE(PutOne(*v, tables::kRecords, "k0", "first").ok());
  EXPECT_FALSE(v->commit_stats().failing);
  EXPECT_EQ(v->commit_stats().commit_failures, 0u);
  const Status refused = testing::WriteUntilTheDiskRefuses(*v, dir.path(), tables::kRecords, "k");
  EXPECT_FALSE(refused.ok());
  const Vault::CommitStats failing = v->commit_stats();
  EXPECT_TRUE(failing.failing);
  EXPECT_GE(failing.commit_failures, 1u);
  EXPECT_FALSE(failing.last_failure.empty());
  // Room again: the next commit succeeds and the vault is not failing.
  ASSERT_TRUE(PutOne(*v, tables::kRecords, "k-after", std::string(256 * 1024, 'x')).ok());
  EXPECT_FALSE(v->commit_stats().failing);
  EXPECT_EQ(v->commit_stats().commit_failures, failing.commit_failures);
  auto r = v->BeginRead();
  EXPECT_EQ(*(*r)->Get(tables::kRecords, "k0"), "first");
}

TEST(VaultTest, MapGrowsOnDemand) {
  TempDir dir;
  OpenOptions open;
  open.initial_map_size = 1 << 20;  // 1 MiB
  auto v = CreateTestVault(dir.path(), "pw", open);
  std::string big(64 * 1024, 'x');
  for (int i = 0; i < 200; ++i) {  // ~13 MiB
    ASSERT_TRUE(PutOne(*v, tables::kAttachmentChunks, "chunk-" + std::to_string(i), big).ok()) << i;
  }
  EXPECT_GT(v->map_size(), size_t{1} << 20);
  EXPECT_EQ(*GetOne(*v, tables::kAttachmentChunks, "chunk-199"), big);
}

TEST(VaultTest, GarbageFilesGiveAClearError) {
  TempDir dir;
  {
    std::ofstream out(dir.path() + "/data.mdb", std::ios::binary);
    for (int i = 0; i < 20000; ++i) out << "not a database ";
  }
  auto v = Vault::Open(dir.path(), Pass());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kDataLoss) << v.status().ToString();
  auto info = Vault::InspectSealed(dir.path());
  EXPECT_FALSE(info.ok());
}

TEST(VaultTest, ChangePassphrase) {
  TempDir dir;
  {
    auto v = CreateTestVault(dir.path(), "old passphrase");
    ASSERT_TRUE(PutOne(*v, tables::kRecords, "k", "v").ok());
    ASSERT_TRUE(v->ChangePassphrase(Pass("new passphrase"), Argon2Params::ForTests()).ok());
  }
  EXPECT_EQ(Vault::Open(TestStoreFor(dir.path()), Pass("old passphrase")).status().code(),
            StatusCode::kUnauthenticated);
  auto v = OpenTestVault(dir.path(), "new passphrase");
  EXPECT_EQ(*GetOne(*v, tables::kRecords, "k"), "v");
}

void FillForRotation(Vault& v, int n) {
  for (int i = 0; i < n; i += 100) {
    ASSERT_TRUE(v.Write([&](WriteTxn& w) -> Status {
                   for (int j = i; j < i + 100 && j < n; ++j) {
                     CUSTOS_RETURN_IF_ERROR(w.Put(tables::kRecords, "r" + std::to_string(j),
                                                  "content-" + std::to_string(j)));
                   }
                   return Status::Ok();
                 }).ok());
  }
}

void ExpectAllReadable(const Vault& v, int n) {
  auto r = v.BeginRead();
  ASSERT_TRUE(r.ok());
  for (int j = 0; j < n; ++j) {
    auto got = (*r)->Get(tables::kRecords, "r" + std::to_string(j));
    ASSERT_TRUE(got.ok()) << j << " " << got.status().ToString();
    ASSERT_EQ(*got, "content-" + std::to_string(j));
  }
}

TEST(VaultTest, RotationResealsEverything) {
  TempDir dir;
  constexpr int kN = 1500;
  auto v = CreateTestVault(dir.path());
  FillForRotation(*v, kN);
  auto before = internal::RawGet(*v, tables::kRecords, "r7");
  ASSERT_TRUE(v->RotateRootKey().ok());
  auto info = v->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->key_version, 2u);
  EXPECT_FALSE(info->rotation_in_progress);
  auto after = internal::RawGet(*v, tables::kRecords, "r7");
  EXPECT_NE(*before, *after);
  EXPECT_EQ(Vault::Impl::SealedVersion(*after), 2u);
  ExpectAllReadable(*v, kN);
  v.reset();
  auto reopened = OpenTestVault(dir.path());
  ExpectAllReadable(*reopened, kN);
}

// Kills a child process in the middle of a rotation (after `batches`
// committed batches, or at a random moment), then reopens and checks that
// nothing is lost and the rotation can be finished.
void KillMidRotation(int batches, int kill_after_us) {
  TempDir dir;
  constexpr int kN = 3000;
  {
    auto v = CreateTestVault(dir.path());
    FillForRotation(*v, kN);
  }
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto v = Vault::Open(dir.path(), Pass());
    if (!v.ok()) _exit(3);
    int seen = 0;
    Status s = (*v)->RotateRootKey([&](uint64_t) {
      if (batches > 0 && ++seen == batches) raise(SIGKILL);
    });
    _exit(s.ok() ? 0 : 4);
  }
  if (kill_after_us > 0) {
    usleep(static_cast<useconds_t>(kill_after_us));
    kill(pid, SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  auto v = OpenTestVault(dir.path());
  ExpectAllReadable(*v, kN);
  ASSERT_TRUE(v->RotateRootKey().ok());
  auto info = v->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->rotation_in_progress);
  ExpectAllReadable(*v, kN);
}

TEST(VaultTest, KillAfterFirstRotationBatchLosesNothing) { KillMidRotation(1, 0); }
TEST(VaultTest, KillAfterThirdRotationBatchLosesNothing) { KillMidRotation(3, 0); }
TEST(VaultTest, KillAtRandomMomentsDuringRotationLosesNothing) {
  for (int us : {2000, 15000, 40000, 90000}) KillMidRotation(0, us);
}

// Two rekey commands on one PostgreSQL vault are not kept apart by a lock:
// a rotation that wrote its keyring after a passphrase change made in the
// meantime put back the old passphrase's wrapping (and two rotations kept
// only one of two new keys). A keyring write refuses when the stored one is
// not the one it read; here the change comes between two rotation batches.
TEST(VaultTest, ARotationDoesNotUndoAPassphraseChangedWhileItRan) {
  TempDir dir;
  constexpr int kN = 1500;
  auto v = CreateTestVault(dir.path(), "old passphrase");
  FillForRotation(*v, kN);
  bool changed = false;
  const Status rotated = v->RotateRootKey([&](uint64_t) {
    if (changed) return;
    changed = true;
    ASSERT_TRUE(v->ChangePassphrase(Pass("new passphrase"), Argon2Params::ForTests()).ok());
  });
  ASSERT_TRUE(changed);
  EXPECT_EQ(rotated.code(), StatusCode::kFailedPrecondition) << rotated.ToString();
  EXPECT_NE(rotated.message().find("changed by another rekey"), std::string::npos);
  v.reset();
  EXPECT_EQ(Vault::Open(TestStoreFor(dir.path()), Pass("old passphrase")).status().code(),
            StatusCode::kUnauthenticated);
  auto again = OpenTestVault(dir.path(), "new passphrase");
  ExpectAllReadable(*again, kN);
  ASSERT_TRUE(again->RotateRootKey().ok());
  EXPECT_FALSE(again->Info()->rotation_in_progress);
  EXPECT_EQ(again->Info()->key_version, 2u);
  ExpectAllReadable(*again, kN);
}

// A read-only command beside the writer (a scrub while `rekey --rotate`
// runs) meets values sealed under a key version newer than the keyring it
// opened with: it reads the keyring of its snapshot rather than calling them
// damaged.
TEST(VaultTest, AReadOnlyOpenerReadsValuesRotatedSinceItOpened) {
  TempDir dir;
  constexpr int kN = 600;
  {
    auto v = CreateTestVault(dir.path());
    FillForRotation(*v, kN);
  }
  OpenOptions ro;
  ro.read_only = true;
  auto reader = Vault::Open(TestStoreFor(dir.path()), Pass(), ro);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ExpectAllReadable(**reader, kN);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto v = Vault::Open(TestStoreFor(dir.path()), Pass());
    if (!v.ok()) _exit(3);
    _exit((*v)->RotateRootKey().ok() ? 0 : 4);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ExpectAllReadable(**reader, kN);
}

TEST(VaultTest, InspectSealedNeedsNoPassphrase) {
  TempDir dir;
  {
    auto v = CreateTestVault(dir.path());
    ASSERT_TRUE(PutOne(*v, tables::kRecords, "k", "v").ok());
  }
  auto info = Vault::InspectSealed(TestStoreFor(dir.path()));
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->format_version, kFormatVersion);
  EXPECT_EQ(info->key_version, 1u);
  EXPECT_EQ(info->log_name, "custos.test/vault");
  bool saw_records = false;
  for (const auto& t : info->tables)
    if (t.table == "records") saw_records = t.entries == 1;
  EXPECT_TRUE(saw_records);
}

// Sets the vault's stored format as an older (or newer) build left it.
void SetStoredFormat(const std::string& dir, const std::string& format) {
  auto v = OpenTestVault(dir);
  ASSERT_TRUE(
      v->Write([&](WriteTxn& w) { return w.Put(tables::kMeta, "format_version", format); }).ok());
}

TEST(VaultTest, AnOlderFormatIsReadAsItIsAndMovedOnByTheFirstOpenForWriting) {
  TempDir dir;
  { auto v = CreateTestVault(dir.path()); }
  SetStoredFormat(dir.path(), "1");
  OpenOptions read_only;
  read_only.read_only = true;
  {
    auto v = Vault::Open(TestStoreFor(dir.path()), Pass(), read_only);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ((*v)->Info()->format_version, 1);
  }
  EXPECT_EQ(Vault::InspectSealed(TestStoreFor(dir.path()))->format_version, 1);
  // A wrong passphrase changes nothing.
  EXPECT_FALSE(Vault::Open(TestStoreFor(dir.path()), Pass("wrong passphrase")).ok());
  EXPECT_EQ(Vault::InspectSealed(TestStoreFor(dir.path()))->format_version, 1);
  {
    auto v = OpenTestVault(dir.path());
    EXPECT_EQ(v->Info()->format_version, kFormatVersion);
  }
  EXPECT_EQ(Vault::InspectSealed(TestStoreFor(dir.path()))->format_version, kFormatVersion);
}

TEST(VaultTest, AFormatFromANewerBuildIsRefusedAtOpenAndLeftAsItIs) {
  TempDir dir;
  { auto v = CreateTestVault(dir.path()); }
  const std::string newer = std::to_string(kFormatVersion + 1);
  SetStoredFormat(dir.path(), newer);
  OpenOptions read_only;
  read_only.read_only = true;
  for (const OpenOptions& how : {OpenOptions(), read_only}) {
    auto v = Vault::Open(TestStoreFor(dir.path()), Pass(), how);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(v.status().message().find("vault format " + newer + " is not supported"),
              std::string::npos)
        << v.status().ToString();
    EXPECT_NE(v.status().message().find("a newer version of Custos wrote it"), std::string::npos);
  }
  EXPECT_EQ(Vault::InspectSealed(TestStoreFor(dir.path()))->format_version, kFormatVersion + 1);
  // Nor is a format that is not exactly a number this build knows.
  TempDir other;
  { auto v = CreateTestVault(other.path()); }
  SetStoredFormat(other.path(), std::to_string(kFormatVersion) + "b");
  EXPECT_EQ(Vault::Open(TestStoreFor(other.path()), Pass()).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(VaultTest, BlindIndexIsKeyedAndStable) {
  TempDir dir;
  std::string a;
  {
    auto v = CreateTestVault(dir.path());
    a = v->BlindIndex("user", "zhang.wei");
    EXPECT_NE(a, v->BlindIndex("user", "li.na"));
    EXPECT_NE(a, v->BlindIndex("customer", "zhang.wei"));
    EXPECT_EQ(a.find("zhang"), std::string::npos);
  }
  auto v = OpenTestVault(dir.path());
  EXPECT_EQ(v->BlindIndex("user", "zhang.wei"), a);
  TempDir other;
  auto w = CreateTestVault(other.path());
  EXPECT_NE(w->BlindIndex("user", "zhang.wei"), a);
}

}  // namespace
}  // namespace custos::vault
