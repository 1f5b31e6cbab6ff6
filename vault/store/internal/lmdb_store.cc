// The LMDB store: one environment in a directory, one named database per
// table, one writing process (the directory's lock, dir_lock.h). The
// default store (kv_store.h).
#include <cerrno>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>

#include <sys/stat.h>

#include "vault/store/internal/dir_lock.h"
#include "vault/store/internal/kv_store.h"
#include "vault/store/internal/lmdb.h"

namespace custos::vault::internal {

namespace {

constexpr unsigned kMaxDbs = 64;

bool DataFileExists(const std::string& dir) {
  struct stat st;
  return ::stat((dir + "/data.mdb").c_str(), &st) == 0;
}

class LmdbStore;

class LmdbTxn final : public KvTxn {
 public:
  // `gate` is held by a top-level transaction (a map resize waits for it).
  LmdbTxn(const LmdbStore* store, Txn txn, bool writable, std::shared_lock<std::shared_mutex> gate)
      : store_(store), txn_(std::move(txn)), writable_(writable), gate_(std::move(gate)) {}
  ~LmdbTxn() override { txn_.Abort(); }

  Result<std::string_view> Get(Table table, std::string_view key) override;
  Status Scan(Table table, std::string_view prefix, std::string_view from, bool reverse,
              const RawFn& fn) override;
  Result<uint64_t> Count(Table table) override;
  Status Put(Table table, std::string_view key, std::string_view value, PutMode mode) override;
  Status Delete(Table table, std::string_view key) override;
  Result<std::unique_ptr<KvTxn>> BeginNested() override;
  Status Commit() override { return txn_.Commit(); }

 private:
  // The table's handle; false when a read-only store never saw the table
  // created (an older vault): it then has no entries.
  Result<bool> Dbi(Table table, MDB_dbi* dbi) const;

  const LmdbStore* store_;
  Txn txn_;
  bool writable_;
  std::shared_lock<std::shared_mutex> gate_;
};

class LmdbStore final : public KvStore {
 public:
  static Result<std::unique_ptr<KvStore>> Open(const std::string& dir, const KvOpen& how);

  Result<std::unique_ptr<KvTxn>> BeginRead() const override;
  Result<std::unique_ptr<KvTxn>> BeginWrite() override;
  Status PrepareTables() override;
  Status Grow() override {
    std::unique_lock gate(resize_gate_);
    return env_.SetMapSize(env_.MapSize() * 2);
  }
  uint64_t MapSize() const override { return env_.MapSize(); }
  Status CopyTo(int fd) const override;
  Result<bool> Lead() override { return !read_only_; }
  bool shared() const override { return false; }

  const Env& env() const { return env_; }
  const std::map<std::string, MDB_dbi, std::less<>>& dbis() const { return dbis_; }

 private:
  // Opens the handles of the tables present (creating every table when
  // `create_all`).
  Status OpenTables(bool create_all);

  // Held by a store open for writing; declared before `env_` so that it is
  // released only after the environment is closed.
  DirLock lock_;
  mutable Env env_;  // a reader adopts a map the writer grew
  bool read_only_ = false;
  std::map<std::string, MDB_dbi, std::less<>> dbis_;
  // Transactions hold it shared; growing the map takes it exclusively.
  mutable std::shared_mutex resize_gate_;
};

Result<bool> LmdbTxn::Dbi(Table table, MDB_dbi* dbi) const {
  auto it = store_->dbis().find(table);
  if (it == store_->dbis().end()) {
    if (writable_) return Status::Internal("unknown table " + std::string(table));
    return false;
  }
  *dbi = it->second;
  return true;
}

Result<std::string_view> LmdbTxn::Get(Table table, std::string_view key) {
  MDB_dbi dbi;
  CUSTOS_ASSIGN_OR_RETURN(bool present, Dbi(table, &dbi));
  if (!present) return Status::NotFound("no such entry in " + std::string(table));
  MDB_val k = ToVal(key), v;
  int rc = mdb_get(txn_.get(), dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return Status::NotFound("no such entry in " + std::string(table));
  if (rc != 0) return LmdbStatus(rc, "reading " + std::string(table));
  return FromVal(v);
}

Status LmdbTxn::Scan(Table table, std::string_view prefix, std::string_view from, bool reverse,
                     const RawFn& fn) {
  MDB_dbi dbi;
  CUSTOS_ASSIGN_OR_RETURN(bool present, Dbi(table, &dbi));
  if (!present) return Status::Ok();
  CUSTOS_ASSIGN_OR_RETURN(Cursor cur, Cursor::Open(txn_.get(), dbi));
  MDB_val k, v;
  Result<bool> found = false;
  if (!reverse) {
    const std::string_view start = from > prefix ? from : prefix;
    if (start.empty()) {
      found = cur.Get(&k, &v, MDB_FIRST);
    } else {
      k = ToVal(start);
      found = cur.Get(&k, &v, MDB_SET_RANGE);
    }
  } else {
    // Position after the last key with the prefix: the prefix with 0xFF
    // appended sorts after every key that starts with it (keys are at most
    // 400 bytes, vault.cc).
    std::string upper(prefix);
    upper.append(401, '\xff');
    k = ToVal(upper);
    found = cur.Get(&k, &v, MDB_SET_RANGE);
    if (!found.ok()) return found.status();
    found = *found ? cur.Get(&k, &v, MDB_PREV) : cur.Get(&k, &v, MDB_LAST);
  }
  while (true) {
    if (!found.ok()) return found.status();
    if (!*found) return Status::Ok();
    const std::string_view key = FromVal(k);
    if (key.substr(0, prefix.size()) != prefix) return Status::Ok();
    Result<bool> more = fn(key, FromVal(v));
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    found = cur.Get(&k, &v, reverse ? MDB_PREV : MDB_NEXT);
  }
}

Result<uint64_t> LmdbTxn::Count(Table table) {
  MDB_dbi dbi;
  CUSTOS_ASSIGN_OR_RETURN(bool present, Dbi(table, &dbi));
  if (!present) return uint64_t{0};
  MDB_stat st;
  int rc = mdb_stat(txn_.get(), dbi, &st);
  if (rc != 0) return LmdbStatus(rc, "counting " + std::string(table));
  return static_cast<uint64_t>(st.ms_entries);
}

Status LmdbTxn::Put(Table table, std::string_view key, std::string_view value, PutMode mode) {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot write");
  MDB_dbi dbi;
  CUSTOS_ASSIGN_OR_RETURN(bool present, Dbi(table, &dbi));
  (void)present;  // always, for a writer
  const unsigned flags = mode == PutMode::kInsert   ? MDB_NOOVERWRITE
                         : mode == PutMode::kAppend ? MDB_APPEND
                                                    : 0u;
  MDB_val k = ToVal(key), v = ToVal(value);
  int rc = mdb_put(txn_.get(), dbi, &k, &v, flags);
  if (rc == MDB_KEYEXIST) {
    return Status::AlreadyExists(
        mode == PutMode::kAppend ? "key does not sort after the last entry of " + std::string(table)
                                 : "entry already exists in " + std::string(table));
  }
  return LmdbStatus(rc, "writing " + std::string(table));
}

Status LmdbTxn::Delete(Table table, std::string_view key) {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot write");
  MDB_dbi dbi;
  CUSTOS_ASSIGN_OR_RETURN(bool present, Dbi(table, &dbi));
  (void)present;
  MDB_val k = ToVal(key);
  return LmdbStatus(mdb_del(txn_.get(), dbi, &k, nullptr), "deleting from " + std::string(table));
}

Result<std::unique_ptr<KvTxn>> LmdbTxn::BeginNested() {
  if (!writable_) return Status::FailedPrecondition("a read transaction cannot nest");
  CUSTOS_ASSIGN_OR_RETURN(Txn child, Txn::Begin(store_->env(), txn_.get(), false));
  return std::unique_ptr<KvTxn>(new LmdbTxn(store_, std::move(child), true, {}));
}

Result<std::unique_ptr<KvStore>> LmdbStore::Open(const std::string& dir, const KvOpen& how) {
  std::unique_ptr<LmdbStore> s(new LmdbStore());
  s->read_only_ = how.read_only;
  if (how.create) {
    if (how.read_only) return Status::InvalidArgument("a vault cannot be created read-only");
    if (DataFileExists(dir))
      return Status::AlreadyExists("a vault already exists in " + dir + "; it was not touched");
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    // SECURITY: locked before the data files exist, and checked again under
    // the lock: of two concurrent creators one gets the lock and the other
    // is refused or finds the vault, never both writing.
    CUSTOS_ASSIGN_OR_RETURN(s->lock_, DirLock::Acquire(dir));
    if (DataFileExists(dir))
      return Status::AlreadyExists("a vault already exists in " + dir + "; it was not touched");
  } else {
    if (!DataFileExists(dir)) return Status::NotFound("no vault in " + dir + " (run custos init)");
    // SECURITY: a writer locks the directory before it opens the
    // environment, so no second process can write (and, say, drop a key
    // version the first one still seals with) while this store lives.
    if (!how.read_only) {
      CUSTOS_ASSIGN_OR_RETURN(s->lock_, DirLock::Acquire(dir));
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(
      s->env_, Env::Open(dir, how.initial_map_size, kMaxDbs, how.read_only, how.compact_copy));
  CUSTOS_RETURN_IF_ERROR(s->OpenTables(how.create));
  if (s->dbis_.count(tables::kMeta) == 0)
    return Status::DataLoss("not a Custos vault, or its metadata is damaged");
  return std::unique_ptr<KvStore>(std::move(s));
}

Status LmdbStore::OpenTables(bool create_all) {
  CUSTOS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, nullptr, !create_all && read_only_));
  for (Table t : tables::kAllTables) {
    if (dbis_.count(t) != 0) continue;
    MDB_dbi dbi;
    const int rc =
        mdb_dbi_open(txn.get(), std::string(t).c_str(), create_all ? MDB_CREATE : 0, &dbi);
    if (rc == MDB_NOTFOUND) continue;
    if (rc != 0) return LmdbStatus(rc, "opening table " + std::string(t));
    dbis_.emplace(std::string(t), dbi);
  }
  // Committed even when read-only: LMDB closes the handles a transaction
  // opened when it is aborted.
  return txn.Commit();
}

Status LmdbStore::PrepareTables() {
  if (read_only_) return Status::Ok();
  return OpenTables(/*create_all=*/true);
}

Result<std::unique_ptr<KvTxn>> LmdbStore::BeginRead() const {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock<std::shared_mutex> gate(resize_gate_);
    auto txn = Txn::Begin(env_, nullptr, true);
    if (txn.ok()) {
      return std::unique_ptr<KvTxn>(
          new LmdbTxn(this, std::move(txn).value(), false, std::move(gate)));
    }
    // kAborted from a top-level begin is MDB_MAP_RESIZED: the writing
    // process grew the map beyond this (read-only) process's mapping. Adopt
    // the new size, with no transaction of ours active, and begin again.
    if (txn.status().code() != StatusCode::kAborted || attempt > 0) return txn.status();
    gate.unlock();
    std::unique_lock<std::shared_mutex> resize(resize_gate_);
    CUSTOS_RETURN_IF_ERROR(env_.SetMapSize(0));
  }
}

Result<std::unique_ptr<KvTxn>> LmdbStore::BeginWrite() {
  if (read_only_) return Status::FailedPrecondition("the store is open read-only");
  std::shared_lock<std::shared_mutex> gate(resize_gate_);
  CUSTOS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(env_, nullptr, false));
  return std::unique_ptr<KvTxn>(new LmdbTxn(this, std::move(txn), true, std::move(gate)));
}

Status LmdbStore::CopyTo(int fd) const {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock<std::shared_mutex> gate(resize_gate_);
    const int rc = mdb_env_copyfd2(env_.get(), fd, MDB_CP_COMPACT);
    if (rc == 0) return Status::Ok();
    // As in BeginRead: the writing process grew the map beyond this
    // read-only process's mapping; adopt the new size and copy again.
    if (rc != MDB_MAP_RESIZED || attempt > 0) return LmdbStatus(rc, "copying the vault");
    gate.unlock();
    std::unique_lock<std::shared_mutex> resize(resize_gate_);
    CUSTOS_RETURN_IF_ERROR(env_.SetMapSize(0));
  }
}

}  // namespace

Result<std::unique_ptr<KvStore>> OpenLmdbStore(const std::string& dir, const KvOpen& how) {
  return LmdbStore::Open(dir, how);
}

Result<std::unique_ptr<KvStore>> OpenKvStore(const StoreLocation& where, const KvOpen& how) {
  if (where.is_lmdb()) return OpenLmdbStore(where.target, how);
  return OpenPgStore(where.target, how);
}

Result<bool> KvStoreHoldsVault(const StoreLocation& where) {
  if (where.is_lmdb()) return DataFileExists(where.target);
  KvOpen how;
  how.read_only = true;
  auto store = OpenPgStore(where.target, how);
  if (store.ok()) return true;
  if (store.status().code() == StatusCode::kNotFound) return false;
  return store.status();
}

}  // namespace custos::vault::internal
