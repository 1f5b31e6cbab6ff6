// One writer per vault: the directory lock every writing Vault holds
// (vault/store/internal/dir_lock.h), and the read-only opens that run beside it.
#include <csignal>
#include <fstream>
#include <string>
#include <unistd.h>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/vault/test_util.h"
#include "vault/store/internal/dir_lock.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/vault.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::OpenTestVault;
using testing::Pass;
using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Status PutOne(Vault& v, Table t, const std::string& k, const std::string& value) {
  return v.Write([&](WriteTxn& w) { return w.Put(t, k, value); });
}

// A child process that holds the vault in `dir` open for writing (after
// writing `key` = "from the child") until it is killed.
class WriterProcess {
 public:
  explicit WriterProcess(const std::string& dir) {
    int fds[2];
    if (pipe(fds) != 0) Die("pipe failed");
    pid_ = fork();
    if (pid_ < 0) Die("fork failed");
    if (pid_ == 0) {
      close(fds[0]);
      auto v = Vault::Open(dir, Pass());
      char ok = v.ok() && PutOne(**v, tables::kRecords, "key", "from the child").ok() ? '1' : '0';
      if (write(fds[1], &ok, 1) != 1) _exit(3);
      pause();  // until killed
      _exit(0);
    }
    close(fds[1]);
    char ok = 0;
    ready_ = read(fds[0], &ok, 1) == 1 && ok == '1';
    close(fds[0]);
  }
  ~WriterProcess() { Kill(); }
  WriterProcess(const WriterProcess&) = delete;
  WriterProcess& operator=(const WriterProcess&) = delete;

  bool ready() const { return ready_; }
  pid_t pid() const { return pid_; }
  // kill -9: the kernel closes its descriptors, and with them its lock.
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  bool ready_ = false;
};

TEST(SingleWriterTest, SecondWriterInThisProcessIsRefusedWithThePid) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  auto second = Vault::Open(dir.path(), Pass());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition) << second.status().ToString();
  EXPECT_NE(second.status().message().find("pid " + std::to_string(getpid())), std::string::npos)
      << second.status().message();
  // The first vault is unharmed and keeps writing.
  ASSERT_TRUE(PutOne(*v, tables::kRecords, "k", "v").ok());
  // Closing it releases the lock.
  v.reset();
  auto reopened = Vault::Open(dir.path(), Pass());
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
}

TEST(SingleWriterTest, SecondWriterInAnotherProcessIsRefusedUntilTheFirstDies) {
  TempDir dir;
  CreateTestVault(dir.path()).reset();
  WriterProcess child(dir.path());
  ASSERT_TRUE(child.ready());
  auto refused = Vault::Open(dir.path(), Pass());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("pid " + std::to_string(child.pid())),
            std::string::npos)
      << refused.status().message();
  // A rotation (the write that used to drop the key the other process
  // still sealed with) cannot even start.
  child.Kill();  // no clean shutdown: the kernel drops the lock
  auto v = Vault::Open(dir.path(), Pass());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto r = (*v)->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*(*r)->Get(tables::kRecords, "key"), "from the child");
}

TEST(SingleWriterTest, CreateIsRefusedWhileAnotherWriterHoldsTheDirectory) {
  TempDir dir;
  // Someone else holds the (still empty) directory, e.g. a concurrent init.
  auto held = internal::DirLock::Acquire(dir.path());
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  CreateOptions opts;
  opts.kdf = Argon2Params::ForTests();
  auto v = Vault::Create(dir.path(), Pass(), opts);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kFailedPrecondition) << v.status().ToString();
  EXPECT_FALSE(Vault::Exists(dir.path())) << "nothing was created";
}

TEST(SingleWriterTest, ReadOnlyOpensRunBesideTheWriterAndCannotWrite) {
  TempDir dir;
  CreateTestVault(dir.path()).reset();
  WriterProcess child(dir.path());
  ASSERT_TRUE(child.ready());
  OpenOptions ro;
  ro.read_only = true;
  auto v = Vault::Open(dir.path(), Pass(), ro);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE((*v)->read_only());
  {
    auto r = (*v)->BeginRead();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*(*r)->Get(tables::kRecords, "key"), "from the child");
  }
  Status write = PutOne(**v, tables::kRecords, "other", "x");
  EXPECT_EQ(write.code(), StatusCode::kFailedPrecondition) << write.ToString();
  EXPECT_NE(write.message().find("read-only"), std::string::npos);
  // The writer's open is still refused while the child lives.
  EXPECT_EQ(Vault::Open(dir.path(), Pass()).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Vault::InspectSealed(dir.path()).status().code(), StatusCode::kOk);
}

TEST(SingleWriterTest, LockFileIsPrivateAndNamesTheHolder) {
  TempDir dir;
  auto v = CreateTestVault(dir.path());
  const std::string path = dir.path() + "/custos.lock";
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFile(path), std::to_string(getpid()) + "\n");
}

TEST(SingleWriterTest, SymlinkedLockFileIsRefusedAndItsTargetUntouched) {
  TempDir dir;
  CreateTestVault(dir.path()).reset();
  const std::string lock = dir.path() + "/custos.lock";
  const std::string target = dir.path() + "/precious";
  std::ofstream(target) << "do not truncate";
  ASSERT_EQ(unlink(lock.c_str()), 0);
  ASSERT_EQ(symlink(target.c_str(), lock.c_str()), 0);
  auto v = Vault::Open(dir.path(), Pass());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kPermissionDenied) << v.status().ToString();
  EXPECT_EQ(ReadFile(target), "do not truncate");
}

TEST(SingleWriterTest, StaleLockFileOfADeadWriterDoesNotBlock) {
  TempDir dir;
  CreateTestVault(dir.path()).reset();
  // A pid left behind by a writer that is gone: only the flock counts.
  std::ofstream(dir.path() + "/custos.lock") << "999999\n";
  auto v = OpenTestVault(dir.path());
  EXPECT_EQ(ReadFile(dir.path() + "/custos.lock"), std::to_string(getpid()) + "\n");
}

}  // namespace
}  // namespace custos::vault
