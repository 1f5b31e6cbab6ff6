// The seam under ReadTxn/WriteTxn: a store of raw bytes by table and key,
// with transactions. Two implementations: LMDB (one directory, one writing
// process; lmdb_store.cc) and PostgreSQL (several nodes on one database;
// pg_store.cc). Private to vault/store.
//
// A store never sees plaintext: the vault seals every value before Put and
// opens it after Get (vault.cc). Keys are ids, sequence numbers and
// blind-index hashes. Keys compare as bytes (memcmp, then the shorter
// first) on both stores, so scans visit the same order.
#ifndef CUSTOS_VAULT_STORE_INTERNAL_KV_STORE_H_
#define CUSTOS_VAULT_STORE_INTERNAL_KV_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vault/store/store_location.h"
#include "vault/store/tables.h"

namespace custos::vault::internal {

enum class PutMode {
  kReplace,  // insert or overwrite
  kInsert,   // kAlreadyExists when the key is present
  kAppend,   // kAlreadyExists unless the key sorts after every key of the table
};

// One transaction. Used by one thread at a time. Destroying a transaction
// that was not committed rolls it back.
class KvTxn {
 public:
  virtual ~KvTxn() = default;
  // The stored bytes, valid until the transaction ends. kNotFound when absent.
  virtual Result<std::string_view> Get(Table table, std::string_view key) = 0;
  // Visits the keys that start with `prefix`, in key order (reverse when
  // asked), forward from `from` when it sorts after the prefix. The views
  // are valid during the call. `fn` returns false to stop.
  using RawFn = std::function<Result<bool>(std::string_view key, std::string_view value)>;
  virtual Status Scan(Table table, std::string_view prefix, std::string_view from, bool reverse,
                      const RawFn& fn) = 0;
  virtual Result<uint64_t> Count(Table table) = 0;
  // A hint that `keys` of `table` are about to be read. A store that pays a
  // round trip per read (PostgreSQL) reads them in one; LMDB ignores it.
  virtual Status Prefetch(Table table, std::span<const std::string> keys) {
    (void)table;
    (void)keys;
    return Status::Ok();
  }
  // The same hint for keys of several tables (PostgreSQL: one round trip
  // for all of them). By default, one Prefetch per table.
  using TableKey = vault::TableKey;
  virtual Status PrefetchAcross(std::span<const TableKey> keys);

  // Write transactions only. kResourceExhausted when the store is full (an
  // LMDB map): KvStore::Grow, then run the transaction again.
  virtual Status Put(Table table, std::string_view key, std::string_view value, PutMode mode) = 0;
  // kNotFound when absent.
  virtual Status Delete(Table table, std::string_view key) = 0;
  // A transaction inside this one: its Commit keeps its changes in the
  // parent; dropping it uncommitted undoes them alone. The parent is not
  // used while the child lives.
  virtual Result<std::unique_ptr<KvTxn>> BeginNested() = 0;
  // Top level: durable when it returns Ok. The transaction is over either
  // way.
  virtual Status Commit() = 0;
};

// A read transaction over `txn` that records in `log` what it reads
// (ReadSet, vault.h; read_set.cc).
struct ReadLog;
std::unique_ptr<KvTxn> RecordReads(std::unique_ptr<KvTxn> txn, ReadLog* log);

class KvStore {
 public:
  virtual ~KvStore() = default;
  // A consistent snapshot.
  virtual Result<std::unique_ptr<KvTxn>> BeginRead() const = 0;
  // The one write transaction: writers are serialised (one process on
  // LMDB, every node of the database on PostgreSQL).
  virtual Result<std::unique_ptr<KvTxn>> BeginWrite() = 0;
  // Creates the tables a writer needs that an older vault lacks. Called
  // once the passphrase is proven right (nothing is written before).
  virtual Status PrepareTables() = 0;
  // Makes room after a kResourceExhausted put or commit (LMDB doubles its
  // map). Only when no write transaction is open.
  virtual Status Grow() = 0;
  // Bytes reserved for the data (LMDB's map; 0 where not applicable).
  virtual uint64_t MapSize() const = 0;
  // Writes a consistent, compacted LMDB data file of every table to `fd`
  // (the form backups take, whatever the store).
  virtual Status CopyTo(int fd) const = 0;
  // Whether this process leads the work done once per vault (timers,
  // checkpoints, sweeps), taking the lead when nobody holds it. LMDB: the
  // writing process always does. PostgreSQL: a session advisory lock on a
  // connection of its own; when that node dies, its session ends and
  // another node takes the lead at its next call.
  virtual Result<bool> Lead() = 0;
  // Whether several processes may write this store at once (serialised by
  // the store): caches of one process must then be checked against it.
  virtual bool shared() const = 0;
};

// Opens the store at `where`. `create`: makes it (kAlreadyExists when a
// vault's metadata is there; nothing is touched); otherwise kNotFound when
// there is no vault. Unless `read_only`, an LMDB store takes the
// directory's writer lock first (kFailedPrecondition naming the holder).
struct KvOpen {
  bool create = false;
  bool read_only = false;
  size_t initial_map_size = size_t{1} << 30;
  bool compact_copy = false;  // OpenOptions::compact_copy
};
Result<std::unique_ptr<KvStore>> OpenKvStore(const StoreLocation& where, const KvOpen& how);
Result<std::unique_ptr<KvStore>> OpenLmdbStore(const std::string& dir, const KvOpen& how);
Result<std::unique_ptr<KvStore>> OpenPgStore(const std::string& url, const KvOpen& how);

// Copies every entry of every table, as stored (sealed), from one snapshot
// of `from` into `to`, which must hold none of them yet (kAlreadyExists
// otherwise), in write transactions of a few thousand entries.
Status CopyEntries(const KvStore& from, KvStore& to);

// Whether a vault's metadata is at `where` (an LMDB data file; the
// PostgreSQL schema with its format key).
Result<bool> KvStoreHoldsVault(const StoreLocation& where);

}  // namespace custos::vault::internal

#endif  // CUSTOS_VAULT_STORE_INTERNAL_KV_STORE_H_
