// RAII wrappers over the LMDB C API. Private to vault/.
//
// LMDB caveats we live by: one write transaction at a time (the committer
// thread owns it); read transactions use MDB_NOTLS so any thread may own one,
// but each is used by one thread at a time; values returned by Get live only
// until the transaction ends; mdb_txn_commit frees the handle even on failure.
#ifndef CUSTOS_VAULT_STORE_INTERNAL_LMDB_H_
#define CUSTOS_VAULT_STORE_INTERNAL_LMDB_H_

#include <lmdb.h>
#include <string>
#include <string_view>

#include "base/status.h"

namespace custos::vault::internal {

// Maps an LMDB return code to a Status. `what` says which operation failed.
Status LmdbStatus(int rc, std::string_view what);

inline MDB_val ToVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view FromVal(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

class Env {
 public:
  Env() = default;
  ~Env();
  Env(Env&& o) noexcept : env_(o.env_) { o.env_ = nullptr; }
  Env& operator=(Env&& o) noexcept;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

  // Opens (creating if `create`) the environment in directory `dir`.
  // `compact_copy`: the data file is a compacted copy, whose pages are all
  // written, and one shorter than its header counts is kDataLoss.
  static Result<Env> Open(const std::string& dir, size_t map_size, unsigned max_dbs, bool read_only,
                          bool compact_copy = false);
  MDB_env* get() const { return env_; }
  // Current map size in bytes.
  size_t MapSize() const;
  // Only when no transaction of this process is active.
  Status SetMapSize(size_t bytes);

 private:
  explicit Env(MDB_env* env) : env_(env) {}
  MDB_env* env_ = nullptr;
};

class Txn {
 public:
  Txn() = default;
  ~Txn() { Abort(); }
  Txn(Txn&& o) noexcept : txn_(o.txn_) { o.txn_ = nullptr; }
  Txn& operator=(Txn&& o) noexcept;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // `parent` non-null starts a nested write transaction.
  static Result<Txn> Begin(const Env& env, MDB_txn* parent, bool read_only);
  MDB_txn* get() const { return txn_; }
  bool live() const { return txn_ != nullptr; }
  // The handle is gone afterwards, whatever the result.
  Status Commit();
  void Abort();

 private:
  explicit Txn(MDB_txn* t) : txn_(t) {}
  MDB_txn* txn_ = nullptr;
};

class Cursor {
 public:
  Cursor() = default;
  ~Cursor() {
    if (cur_ != nullptr) mdb_cursor_close(cur_);
  }
  Cursor(Cursor&& o) noexcept : cur_(o.cur_) { o.cur_ = nullptr; }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  Cursor& operator=(Cursor&&) = delete;

  static Result<Cursor> Open(MDB_txn* txn, MDB_dbi dbi);
  // Positions the cursor. Returns false at the end (MDB_NOTFOUND), an error
  // Status for anything else.
  Result<bool> Get(MDB_val* key, MDB_val* value, MDB_cursor_op op);
  MDB_cursor* get() const { return cur_; }

 private:
  explicit Cursor(MDB_cursor* c) : cur_(c) {}
  MDB_cursor* cur_ = nullptr;
};

}  // namespace custos::vault::internal

#endif  // CUSTOS_VAULT_STORE_INTERNAL_LMDB_H_
