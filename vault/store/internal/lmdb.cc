#include "vault/store/internal/lmdb.h"

#include <cstdint>
#include <string>

#include <sys/stat.h>

namespace custos::vault::internal {

Status LmdbStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return Status::Ok();
  std::string m(what);
  m += ": ";
  m += mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(m);
    case MDB_KEYEXIST:
      return Status::AlreadyExists(m);
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return Status::DataLoss(m + " (the data files are damaged or not a Custos vault)");
    // A transaction that an earlier failure left unusable (or that has an
    // active child): it must be aborted, nothing of it commits, and the
    // files are fine. Not data loss: running the work again may succeed.
    case MDB_BAD_TXN:
      return Status::Aborted(m + " (the transaction must be aborted; nothing of it was written)");
    case MDB_MAP_FULL:
    case MDB_TXN_FULL:
    case MDB_READERS_FULL:
    case MDB_DBS_FULL:
      return Status::ResourceExhausted(m);
    case MDB_MAP_RESIZED:
      return Status::Aborted(m);
    case ENOENT:
      return Status::NotFound(m);
    case EACCES:
      return Status::PermissionDenied(m);
    case ENOSPC:
      return Status::ResourceExhausted(m + " (disk full)");
    default:
      return Status::Unavailable(m);
  }
}

Env::~Env() {
  if (env_ != nullptr) mdb_env_close(env_);
}

Env& Env::operator=(Env&& o) noexcept {
  if (this != &o) {
    if (env_ != nullptr) mdb_env_close(env_);
    env_ = o.env_;
    o.env_ = nullptr;
  }
  return *this;
}

Result<Env> Env::Open(const std::string& dir, size_t map_size, unsigned max_dbs, bool read_only,
                      bool compact_copy) {
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return LmdbStatus(rc, "mdb_env_create");
  Env holder(env);
  if ((rc = mdb_env_set_maxdbs(env, max_dbs)) != 0) return LmdbStatus(rc, "mdb_env_set_maxdbs");
  if ((rc = mdb_env_set_maxreaders(env, 256)) != 0) return LmdbStatus(rc, "mdb_env_set_maxreaders");
  if ((rc = mdb_env_set_mapsize(env, map_size)) != 0) return LmdbStatus(rc, "mdb_env_set_mapsize");
  // MDB_NOTLS: read transactions are not tied to threads (server thread pools).
  // No flag that defers syncs or skips zeroing pages: every commit is
  // durable and no stale memory reaches the files (docs/vault.md).
  unsigned flags = MDB_NOTLS | (read_only ? MDB_RDONLY : 0u);
  rc = mdb_env_open(env, dir.c_str(), flags, 0600);
  if (rc != 0) return LmdbStatus(rc, "opening the vault's data files");
  if (!compact_copy) return holder;
  // SECURITY: a compacted copy's pages are written one after the other up
  // to the last its header counts, so a file shorter than that was cut off
  // (a full disk during a copy, a crafted backup) and would end the process
  // with SIGBUS at the first read past its end. The header is read without
  // the map, so it is checked first. Not for a live environment: LMDB may
  // count pages near its end that it freed again before writing them.
  MDB_envinfo info;
  MDB_stat pages;
  mdb_filehandle_t fd = -1;
  struct stat file;
  if ((rc = mdb_env_info(env, &info)) != 0) return LmdbStatus(rc, "reading the data file's header");
  if ((rc = mdb_env_stat(env, &pages)) != 0)
    return LmdbStatus(rc, "reading the data file's header");
  if ((rc = mdb_env_get_fd(env, &fd)) != 0) return LmdbStatus(rc, "reading the data file's header");
  if (::fstat(fd, &file) != 0) return Status::Unavailable("the vault's data file cannot be read");
  const uint64_t needed = (static_cast<uint64_t>(info.me_last_pgno) + 1) * pages.ms_psize;
  if (static_cast<uint64_t>(file.st_size) < needed) {
    return Status::DataLoss("the vault's data file is cut off: " + std::to_string(file.st_size) +
                                " bytes, its pages need " + std::to_string(needed),
                            "保管库的数据文件不完整：" + std::to_string(file.st_size) +
                                " 字节，其页面需要 " + std::to_string(needed) + " 字节");
  }
  return holder;
}

size_t Env::MapSize() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

Status Env::SetMapSize(size_t bytes) {
  return LmdbStatus(mdb_env_set_mapsize(env_, bytes), "growing the map");
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    Abort();
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

Result<Txn> Txn::Begin(const Env& env, MDB_txn* parent, bool read_only) {
  MDB_txn* t = nullptr;
  int rc = mdb_txn_begin(env.get(), parent, read_only ? MDB_RDONLY : 0, &t);
  if (rc != 0) return LmdbStatus(rc, "beginning a transaction");
  return Txn(t);
}

Status Txn::Commit() {
  if (txn_ == nullptr) return Status::Internal("commit of a finished transaction");
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;  // freed by LMDB even on failure
  return LmdbStatus(rc, "committing");
}

void Txn::Abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Result<Cursor> Cursor::Open(MDB_txn* txn, MDB_dbi dbi) {
  MDB_cursor* c = nullptr;
  int rc = mdb_cursor_open(txn, dbi, &c);
  if (rc != 0) return LmdbStatus(rc, "opening a cursor");
  return Cursor(c);
}

Result<bool> Cursor::Get(MDB_val* key, MDB_val* value, MDB_cursor_op op) {
  int rc = mdb_cursor_get(cur_, key, value, op);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return LmdbStatus(rc, "reading");
  return true;
}

}  // namespace custos::vault::internal
