// The vault: an encrypted LMDB environment, its key hierarchy, and the
// transactions every other vault module works through.
//
// Keys: passphrase → Argon2id (parameters and salt stored in the keyring) →
// key-encryption key (KEK) → unwraps the root key(s). Each root key version v
// yields a data key (crypto_kdf) that seals every value written under v.
// Long-lived keys (blind index, audit-log signing key) are random and stored
// sealed in tables::kKeys, so rotating the root key re-seals them without
// changing them. Keys live in SecretBytes only.
//
// Sealed value layout: 0x01 || key_version (u32 big-endian) || nonce(24) ||
// ciphertext || tag(16); associated data binds table, key and key version,
// so a value moved to another key or table fails to open (kDataLoss).
//
// Writes go through Write(): a committer thread runs many callers' functions
// in one LMDB write transaction (group commit); one caller's failure rolls
// back only its own changes (a failure after writing makes the batch run
// again with a nested transaction per caller); every caller returns only
// after the shared commit is durable (fsync'd).
//
// One writer per vault: a Vault opened for writing (Create, or Open without
// OpenOptions::read_only) holds an exclusive lock on the directory
// (flock on DIR/custos.lock) until it is destroyed; a second writer — another
// process, or a second Vault of the same directory in this process — is
// refused with kFailedPrecondition naming the holder's pid. Read-only
// vaults take no lock and may run beside the writer (`custos status`,
// `custos audit verify`); they see each commit as it lands.
//
// Thread-safety: a Vault is shared by all threads. ReadTxn and WriteTxn
// objects are used by one thread at a time. Do not hold a ReadTxn while
// calling Write() (a map resize waits for readers).
#ifndef CUSTOS_VAULT_STORE_VAULT_H_
#define CUSTOS_VAULT_STORE_VAULT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "vault/store/crypto.h"
#include "vault/store/secret.h"
#include "vault/store/tables.h"

namespace custos::vault {

// The stored format this build writes, and the oldest it reads. Format 2:
// the anomaly rules' activity entries may be in their compact form
// (docs/records.md); every build before it checks for format 1 exactly, so
// it refuses a vault of format 2 at open instead of failing later, view by
// view. Format 3: the records catalog may be saved (tables::kCatalog), and
// it is current only if every write of a record's metadata is in the
// journal of changes, which builds of format 2 wrote only on a shared
// vault; they refuse a vault of format 3 at open (each accepts only the
// formats it knows), so none writes to it and leaves the saved catalog
// behind. Format 4: handovers are indexed by successor
// (vault/records/handover_store.h), and builds of format 3 would store
// handovers without it. Format 5: the audit index holds the refused events
// too (AuditLog::IndexPending), and the `audit verify` of builds of format
// 4, counting only actor and object entries, would report the index as
// tampered with. Format 6: an agreement may be voided
// (AgreementState::kVoided), a state builds of format 5 cannot read ("unknown
// agreement state"): legal's list, the employee's and a bundle of the case
// would fail on it. The first open for writing moves an older vault to the
// current format.
inline constexpr int kFormatVersion = 6;
inline constexpr int kOldestFormatVersion = 1;

struct CreateOptions {
  Argon2Params kdf;  // moderate by default; tests use Argon2Params::ForTests()
  // The audit log's name (origin line of checkpoints and signing key name).
  std::string log_name = "custos.example/vault";
};

struct OpenOptions {
  size_t initial_map_size = size_t{1} << 30;  // grows on demand
  // Group commit: most callers' functions per LMDB transaction.
  size_t max_batch = 1024;
  // Opens without the writer's lock, for commands that may run beside the
  // writing process. Write() and everything built on it then fails with
  // kFailedPrecondition. A read-only vault unwraps the keys of the keyring
  // as it was when it opened: a value re-sealed by a key rotation that
  // finished later fails to open (open again). Open it from another
  // process than the writer: LMDB allows one environment per process, so a
  // process that holds the writer uses that vault for reading too.
  bool read_only = false;
  // The data file is a compacted copy (a backup's payload, extracted): its
  // pages are written contiguously, so one shorter than its header counts
  // was cut off (a full disk, a crafted backup) and is refused at open
  // (kDataLoss) rather than read past its end, which ends the process with
  // SIGBUS. Not for a live vault: LMDB may count pages it never wrote.
  bool compact_copy = false;
};

class Vault;
namespace internal {
class KvTxn;
struct ReadLog;
}  // namespace internal

// A key that a write function is expected to read (Vault::Write).
using ReadHint = TableKey;

// What a read transaction read, as stored (sealed) bytes, so that a later
// transaction can tell whether it would read exactly the same
// (ReadTxn::SeesSame): a decision made on a snapshot, off the committer,
// then stands in the write without being made again. Point reads, scans
// (the entries visited, and whether the scan ran to its end) and counts are
// kept; never an opened value. Filled by a transaction from
// Vault::BeginRead(ReadSet*); used by one thread at a time.
class ReadSet {
 public:
  ReadSet();
  ~ReadSet();
  ReadSet(ReadSet&&) noexcept;
  ReadSet& operator=(ReadSet&&) noexcept;

  // Reads recorded (point reads, scans and counts).
  size_t size() const;

 private:
  friend class Vault;
  friend class ReadTxn;
  std::unique_ptr<internal::ReadLog> log_;
};

// Read access inside one LMDB transaction. Values are opened (decrypted and
// authenticated) on read.
class ReadTxn {
 public:
  virtual ~ReadTxn();
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;

  // kNotFound when absent; kDataLoss when the stored value fails to open.
  Result<std::string> Get(Table table, std::string_view key) const;
  // Whether `key` is present. No decryption, except in index tables
  // (tables::IsIndexTable), whose entries are authenticated: kDataLoss.
  Result<bool> Has(Table table, std::string_view key) const;
  // The stored (sealed) bytes of `key`, without opening them; valid until
  // the transaction ends. For caches of opened values: a value that was
  // rewritten (or re-sealed by a key rotation) has different sealed bytes.
  // kNotFound when absent.
  Result<std::string_view> GetSealed(Table table, std::string_view key) const;
  // Visits keys starting with `prefix` in key order (reverse when asked),
  // opening each value. `fn` returns false to stop early.
  using ScanFn = std::function<Result<bool>(std::string_view key, std::string_view value)>;
  Status Scan(Table table, std::string_view prefix, const ScanFn& fn, bool reverse = false) const;
  // Visits the keys from `from` on (inclusive), in key order, opening each
  // value. `fn` returns false to stop early.
  Status ScanFrom(Table table, std::string_view from, const ScanFn& fn) const;
  // Visits keys only (no decryption), in key order (reverse when asked).
  // Entries of index tables (tables::IsIndexTable) are authenticated on
  // the way: kDataLoss for one that fails; so are those of
  // LastKeyWithPrefix.
  using KeyFn = std::function<Result<bool>(std::string_view key)>;
  Status ScanKeys(Table table, std::string_view prefix, const KeyFn& fn,
                  bool reverse = false) const;
  // The last key (in key order) that starts with `prefix`, or kNotFound.
  Result<std::string> LastKeyWithPrefix(Table table, std::string_view prefix) const;
  // Number of entries (LMDB statistics, no decryption).
  Result<uint64_t> Count(Table table) const;
  // A hint that `keys` of `table` are read next: on a shared store
  // (PostgreSQL) they are fetched in one round trip instead of one each.
  Status Prefetch(Table table, std::span<const std::string> keys) const;
  // True when every read `reads` recorded would read the same stored bytes
  // in this transaction: the same value or the same absence for each point
  // read, the same entries in the same order for each scan (and no more
  // when it ran to its end), the same count. False too when a recorded read
  // failed. Compares sealed bytes only: nothing is opened. On a shared store
  // the point reads cost one round trip per table.
  Result<bool> SeesSame(const ReadSet& reads) const;

  const Vault& vault() const { return *vault_; }

 protected:
  friend class Vault;
  ReadTxn(const Vault* vault, internal::KvTxn* txn) : vault_(vault), txn_(txn) {}
  // Forward scans start at `from` when it sorts after `prefix`.
  Status ScanImpl(Table table, std::string_view prefix, const ScanFn& fn, bool reverse,
                  bool open_values, std::string_view from = {}) const;
  // Opens a stored value (Impl::OpenValue); on a shared vault, first adopts
  // a keyring another node changed when the value names a key version this
  // process does not hold.
  Result<std::string> OpenStored(Table table, std::string_view key, std::string_view sealed) const;
  const Vault* vault_;
  internal::KvTxn* txn_;
};

// Read/write access inside the committer's transaction (or a nested one).
class WriteTxn : public ReadTxn {
 public:
  // Seals and stores `value` under `key`, replacing any earlier value.
  Status Put(Table table, std::string_view key, std::string_view value);
  // kAlreadyExists when the key is present.
  Status Insert(Table table, std::string_view key, std::string_view value);
  // Like Insert, for a key that sorts after every key in `table` (sequence
  // numbers): LMDB then fills pages instead of splitting them in half.
  // kAlreadyExists when the key does not sort after the last one.
  Status Append(Table table, std::string_view key, std::string_view value);
  // kNotFound when absent.
  Status Delete(Table table, std::string_view key);
  // Durable-after-commit hooks: run (on the committer thread) after the
  // transaction this write belongs to has committed. Not run if it aborts.
  void OnCommit(std::function<void()> fn);

  // State a writer derives from this batch's open transaction (the audit
  // log's right edge of the tree), kept so that later requests of the batch
  // need not read it back and unseal it. SECURITY: a memo never outlives or
  // survives a rollback of what it was derived from: it is dropped when a
  // request of the batch fails, when the batch ends, and on any write to
  // one of its `tables` — so its owner takes it out before writing and puts
  // it back only after its own writes succeeded.
  struct Memo {
    virtual ~Memo() = default;
  };
  // Removes and returns the memo stored under `tag` (the address of a static
  // of its owner); null when there is none.
  std::unique_ptr<Memo> TakeMemo(const void* tag);
  // Stores `memo` under `tag`, replacing any earlier one; `tables` must be
  // static storage.
  void PutMemo(const void* tag, std::span<const Table> tables, std::unique_ptr<Memo> memo);

 private:
  friend class Vault;
  WriteTxn(Vault* vault, internal::KvTxn* txn) : ReadTxn(vault, txn) {}
  Status PutImpl(Table table, std::string_view key, std::string_view value, int mode);
  std::vector<std::function<void()>> on_commit_;
};

struct TableCount {
  std::string table;
  uint64_t entries = 0;
};

struct VaultInfo {
  int format_version = 0;
  uint32_t key_version = 0;
  std::vector<uint32_t> key_versions;  // more than one: rotation in progress
  bool rotation_in_progress = false;
  std::vector<TableCount> tables;
  uint64_t audit_log_size = 0;
  std::string log_name;
  Argon2Params kdf;
  uint64_t map_size = 0;
};

// One damaged entry that Vault::Scrub found: where it is, never what it
// holds. `key_hex` is the entry's key in hex (keys are ids, sequence numbers
// or blind-index hashes, never names); "" when LMDB itself could not read
// on in that table.
struct ScrubFinding {
  std::string table;
  std::string key_hex;
  std::string problem;
};

struct ScrubReport {
  uint64_t entries = 0;  // values read and authenticated
  uint64_t bytes = 0;    // their sealed size
  uint64_t streams = 0;  // attachments and bundles decrypted whole and found intact
  std::vector<ScrubFinding> damaged;
};

class Vault {
 public:
  ~Vault();
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  // True when `dir` holds a vault's data files.
  static bool Exists(const std::string& dir);

  // Creates a new vault in `dir` (created with mode 0700 when missing) and
  // opens it for writing (holding the writer's lock). kAlreadyExists if a
  // vault is there — an existing vault is never touched; kFailedPrecondition
  // if another writer holds the directory's lock.
  static Result<std::unique_ptr<Vault>> Create(const std::string& dir,
                                               const SecretBytes& passphrase,
                                               const CreateOptions& options,
                                               const OpenOptions& open = {});

  // Opens and unseals. Unless `options.read_only`, first takes the writer's
  // lock: kFailedPrecondition when another writer (process or Vault) holds
  // it, with its pid in the message. kUnauthenticated for a wrong
  // passphrase (nothing in the vault's data is changed; a writer's open
  // creates the lock file if missing); kNotFound when there is no vault;
  // kDataLoss when the files are damaged.
  static Result<std::unique_ptr<Vault>> Open(const std::string& dir, const SecretBytes& passphrase,
                                             const OpenOptions& options = {});

  // Facts readable without the passphrase (the vault stays sealed):
  // format version, key versions, table counts, log size.
  static Result<VaultInfo> InspectSealed(const std::string& dir);

  // Facts of this open vault.
  Result<VaultInfo> Info() const;

  const std::string& dir() const { return dir_; }
  // Whether this vault was opened with OpenOptions::read_only.
  bool read_only() const;
  const std::string& log_name() const { return log_name_; }

  // A consistent snapshot for reading. Keep it short-lived.
  Result<std::unique_ptr<ReadTxn>> BeginRead() const;
  // A read transaction that records in `reads` what it reads (ReadSet);
  // `reads` must outlive it.
  Result<std::unique_ptr<ReadTxn>> BeginRead(ReadSet* reads) const;

  // Runs `fn` inside the group-committed write transaction and returns after
  // the commit is durable. If `fn` returns an error, its changes are rolled
  // back and the error returned; other callers in the batch are unaffected.
  // If the commit itself fails, every caller in the batch gets the error.
  // kFailedPrecondition on a read-only vault.
  // `fn` may run more than once (again in a fresh transaction when the map
  // grows or when another request of its batch failed after writing), so it
  // must set everything it reports from scratch on each run.
  Status Write(const std::function<Status(WriteTxn&)>& fn);
  // As Write(fn), naming keys `fn` is expected to read (Get). On a shared
  // store the committer reads those of its whole batch in one round trip
  // before running it; on LMDB they are ignored. A hint only: `fn` reads
  // what it reads, named here or not.
  Status Write(const std::function<Status(WriteTxn&)>& fn, std::span<const ReadHint> hints);

  // Changes the passphrase: re-wraps the root key(s) under a KEK from the new
  // passphrase with a fresh salt. Atomic. `also` (if set) runs in the write
  // that stores the new keyring, so what it writes (`custos rekey`: the
  // audit event) commits with the change or neither does.
  Status ChangePassphrase(const SecretBytes& new_passphrase, const Argon2Params& kdf,
                          const std::function<Status(WriteTxn&)>& also = {});

  // Rotates the root key: adds a new key version, re-seals every value in
  // batches, then drops the old version. Crash-safe: after a kill at any
  // point the vault opens (with the same passphrase) and loses nothing; a
  // rotation left half-way is finished by calling this again.
  // `after_batch` (progress, tests) is called after each committed batch;
  // `also` (if set) runs in the last write, which drops the old version.
  Status RotateRootKey(const std::function<void(uint64_t resealed)>& after_batch = {},
                       const std::function<Status(WriteTxn&)>& also = {});

  // Keyed hash of `name` in `domain` for blind-index lookups.
  std::string BlindIndex(std::string_view domain, std::string_view name) const;

  // A long-lived random secret stored sealed in tables::kKeys under `name`,
  // created on first use (e.g. "audit.log_key"). `size` bytes.
  Result<SecretBytes> GetOrCreateSecret(std::string_view name, size_t size);

  // Reads and authenticates every stored value of every table but kMeta
  // (whose keyring is authenticated when the vault opens), from one read
  // snapshot, and reports each entry that fails (a flipped bit in a value
  // or its key, a value sealed with an unknown key) by table and key. The
  // chunks of streams, stored unsealed, are authenticated by decrypting
  // each stream with its own key (ScrubStreamChunks, sealed_stream.h).
  // LMDB does not checksum its own pages: damage to the tree's structure
  // is reported when LMDB notices it (the rest of that table is then
  // skipped), and may go unnoticed where it does not. `progress` (if set)
  // is called every 4096 entries with the count so far. Errors only when
  // the snapshot cannot be read at all.
  Result<ScrubReport> Scrub(const std::function<void(uint64_t entries)>& progress = {}) const;

  // Writes a consistent, compacted copy of the vault's LMDB environment (a
  // data.mdb file) to `fd`, from one read snapshot (mdb_env_copyfd2 with
  // MDB_CP_COMPACT): writers go on meanwhile. The values stay sealed, so the
  // copy holds no plaintext. Works on a read-only vault beside the writer.
  Status CopyTo(int fd) const;

  // Whether this process should do the work done once per vault (signing
  // checkpoints, indexing the log, the loan, departure and
  // declassification timers, sweeping abandoned uploads), taking the lead
  // when it is free: always for an LMDB vault open for writing (one writing
  // process); on PostgreSQL, one node at a time, and another takes over
  // when it dies. False for a read-only vault.
  Result<bool> Lead();
  // Whether other processes may write this vault at the same time (the
  // PostgreSQL store): state a process derives from the vault must then be
  // checked against the store rather than kept from its own commits.
  bool shared() const;

  // Copies the vault at `from` into a new store at `to` (locations as for
  // Open: a directory, lmdb:DIR, postgresql://…), entry by entry as stored:
  // sealed, from one snapshot of `from`, so no passphrase is needed and
  // nothing is opened on the way. `to` must hold no vault (kAlreadyExists;
  // it is not touched). A directory's writer's lock is held for the copy
  // (kFailedPrecondition "stop custos serve first: …" when a writer holds
  // it; copied without it when it may not be taken, say read-only). The
  // copy is not verified here: open it and verify its log (`custos
  // migrate` does both).
  static Status CopyStore(const std::string& from, const std::string& to);

  // A cache this vault keeps for a caller (sealed_cache.h): one per `tag`
  // (the address of a static object of the caller, as for memos), made by
  // `make` on first use and destroyed when the vault closes, so opened
  // values never outlive the vault or leak into another one opened later in
  // the same process. Thread-safe; the reference lives as long as the vault.
  struct Cache {
    virtual ~Cache() = default;
  };
  Cache& CacheFor(const void* tag, const std::function<std::unique_ptr<Cache>()>& make) const;

  // Group-commit statistics (for /metrics and benchmarks).
  struct CommitStats {
    uint64_t commits = 0;
    uint64_t requests = 0;
    uint64_t max_batch = 0;
    uint64_t run_nanos = 0;     // running the requests' functions (nested transactions)
    uint64_t commit_nanos = 0;  // inside LMDB's commit (page writes and syncs)
    // Commits the store refused (a full disk, an I/O error): every write of
    // such a batch failed, its audit events with it.
    uint64_t commit_failures = 0;
    bool failing = false;      // the last commit failed: writes fail now
    std::string last_failure;  // what it said, when failing (no content)
  };
  CommitStats commit_stats() const;

  // For tests: flushes nothing, just reports the current LMDB map size.
  size_t map_size() const;

  // Internal (used by ReadTxn/WriteTxn): key material and table handles.
  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  Vault();
  // The rest of Open() and Create() once the writer's lock (if any) is in
  // v->impl_: checks the passphrase, opens the tables, starts the committer.
  static Result<std::unique_ptr<Vault>> Unseal(std::unique_ptr<Vault> v,
                                               const SecretBytes& passphrase);
  static WriteTxn NewWriteTxn(Vault* v, internal::KvTxn* txn) { return WriteTxn(v, txn); }
  static std::vector<std::function<void()>>& CommitHooks(WriteTxn& w) { return w.on_commit_; }
  std::string dir_;
  std::string log_name_;
  std::unique_ptr<Impl> impl_;
};

// Encoding helpers for keys: fixed-width big-endian integers so that LMDB's
// byte order is numeric order.
std::string EncodeU64(uint64_t v);
uint64_t DecodeU64(std::string_view s);  // s.size() must be 8
std::string EncodeU32(uint32_t v);
uint32_t DecodeU32(std::string_view s);  // s.size() must be 4

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_VAULT_H_
