#include "vault/store/internal/dir_lock.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

#include <sys/file.h>
#include <sys/stat.h>

namespace custos::vault::internal {

namespace {

std::string Errno(int err) { return std::strerror(err); }

// The pid the holder wrote into the lock file, or "" while it has not yet
// written it (it locks first, then writes).
std::string HolderPid(int fd) {
  char buf[32];
  ssize_t n;
  do {
    n = ::pread(fd, buf, sizeof buf - 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) return "";
  size_t digits = 0;
  while (digits < static_cast<size_t>(n) && buf[digits] >= '0' && buf[digits] <= '9') ++digits;
  return std::string(buf, digits);
}

}  // namespace

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

DirLock& DirLock::operator=(DirLock&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Result<DirLock> DirLock::Acquire(const std::string& dir) {
  const std::string path = dir + "/" + std::string(kLockFileName);
  // SECURITY: O_NOFOLLOW, so that a symlink planted in the directory cannot
  // make a writer truncate some other file; O_CLOEXEC, so that programs the
  // process starts do not inherit (and keep) the lock.
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    const std::string m = "cannot open the vault's lock file " + path + ": " + Errno(err);
    if (err == EACCES || err == EPERM || err == ELOOP || err == EROFS)
      return Status::PermissionDenied(m);
    return Status::Unavailable(m);
  }
  DirLock lock(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return Status::Unavailable("cannot inspect the vault's lock file " + path + ": " +
                               Errno(errno));
  }
  if (!S_ISREG(st.st_mode))
    return Status::PermissionDenied("the vault's lock file " + path + " is not a regular file");
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK) {
      return Status::Unavailable("cannot lock the vault's lock file " + path + ": " + Errno(err));
    }
    const std::string pid = HolderPid(fd);
    return Status::FailedPrecondition(
        "the vault in " + dir + " is in use by another writer (" +
        (pid.empty() ? std::string("pid not yet recorded") : "pid " + pid) + ", lock file " + path +
        "): one process writes a vault at a time. Stop that process first (e.g. custos "
        "serve); status, audit verify and the other read-only commands may run beside it");
  }
  // The pid is for the messages above; the lock itself is the flock. A
  // failure to record it (disk full) leaves the lock held and only makes a
  // refused writer's message less precise.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    ssize_t n;
    do {
      n = ::pwrite(fd, pid.data(), pid.size(), 0);
    } while (n < 0 && errno == EINTR);
    (void)n;  // deliberately ignored: see above
  }
  return lock;
}

}  // namespace custos::vault::internal
