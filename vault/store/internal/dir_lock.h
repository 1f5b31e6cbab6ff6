// The single-writer lock of a vault directory. Private to vault/.
//
// One process writes a vault at a time (ARCHITECTURE.md, "Storage and
// keys"): every Vault opened for writing holds an exclusive flock(2) on
// DIR/custos.lock for its whole life. flock locks belong to an open file
// description, so a second writer is refused whether it is another process
// or a second Vault of the same directory in this process. The kernel drops
// the lock when the descriptor closes, including when the process dies
// (kill -9): a stale lock file never blocks the next writer.
//
// The holder writes its pid into the file after locking, so that a refused
// writer can say who holds the vault. The file is never removed (a writer
// that removed it could leave two processes locking two different files).
#ifndef CUSTOS_VAULT_STORE_INTERNAL_DIR_LOCK_H_
#define CUSTOS_VAULT_STORE_INTERNAL_DIR_LOCK_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace custos::vault::internal {

// Name of the lock file beside data.mdb and lock.mdb.
inline constexpr std::string_view kLockFileName = "custos.lock";

// RAII holder of the exclusive lock on a vault directory. Move-only; the
// destructor releases the lock (closes the descriptor). Not thread-safe;
// owned by one Vault.
class DirLock {
 public:
  DirLock() = default;
  ~DirLock();
  DirLock(DirLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DirLock& operator=(DirLock&& o) noexcept;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

  // Takes the lock on `dir` (which must exist) without waiting: creates
  // DIR/custos.lock with mode 0600 if missing, locks it and writes this
  // process's pid into it. Errors: kFailedPrecondition when another writer
  // holds the lock (the message names its pid as it wrote it);
  // kPermissionDenied when the file cannot be opened or is not a regular
  // file (a symlink is refused, never followed); kUnavailable for other
  // system errors.
  static Result<DirLock> Acquire(const std::string& dir);

  bool held() const { return fd_ >= 0; }

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace custos::vault::internal

#endif  // CUSTOS_VAULT_STORE_INTERNAL_DIR_LOCK_H_
