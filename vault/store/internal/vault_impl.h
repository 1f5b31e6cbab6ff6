// Private state of a Vault, shared by vault/*.cc. Never included outside vault/
// (and vault's own tests).
#ifndef CUSTOS_VAULT_STORE_INTERNAL_VAULT_IMPL_H_
#define CUSTOS_VAULT_STORE_INTERNAL_VAULT_IMPL_H_

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <semaphore.h>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "vault/store/internal/kv_store.h"
#include "vault/store/vault.h"

namespace custos::vault {

namespace internal {
// A one-shot wakeup of one waiting thread: Post() once, Wait() returns after
// it. A POSIX semaphore, because its waiter sleeps in the kernel at once and
// Post() enters the kernel only when the waiter is asleep; libstdc++'s
// std::binary_semaphore spins with sched_yield first, which with hundreds of
// callers waiting on a group commit starves the committer of CPU. Safe to
// destroy as soon as Wait() has returned.
class Wakeup {
 public:
  Wakeup() {
    if (sem_init(&sem_, 0, 0) != 0) Die("sem_init failed");
  }
  ~Wakeup() { sem_destroy(&sem_); }
  Wakeup(const Wakeup&) = delete;
  Wakeup& operator=(const Wakeup&) = delete;
  void Post() {
    if (sem_post(&sem_) != 0) Die("sem_post failed");
  }
  void Wait() {
    while (sem_wait(&sem_) != 0) {
      if (errno != EINTR) Die("sem_wait failed");
    }
  }

 private:
  sem_t sem_;
};
}  // namespace internal

struct Vault::Impl {
  Vault* owner = nullptr;
  // LMDB or PostgreSQL (kv_store.h); an LMDB store open for writing holds
  // the directory's writer lock.
  std::unique_ptr<internal::KvStore> store;
  OpenOptions options;
  // The stored format (kOldestFormatVersion..kFormatVersion): a read-only
  // open leaves an older one as it is.
  int format_version = kFormatVersion;

  // Key material. `keys_mu` guards data_keys/current_version (rotation
  // changes them while readers seal and open).
  mutable std::shared_mutex keys_mu;
  SecretBytes kek;
  std::map<uint32_t, SecretBytes> data_keys;
  uint32_t current_version = 0;
  SecretBytes index_key;
  // The stored keyring the keys above were unwrapped from (a shared vault
  // compares it with the store's: AdoptKeyring).
  std::string keyring_text;
  // On a vault other nodes write: when `text` (the stored keyring) differs
  // from keyring_text, unwraps its keys with `kek` and makes them current,
  // so this node never seals under a key version that another node's
  // rotation has retired. kUnauthenticated when they no longer unwrap (the
  // passphrase was changed on another node).
  Status AdoptKeyring(std::string_view text);
  bool HasKeyVersion(uint32_t version) const {
    std::shared_lock lock(keys_mu);
    return data_keys.count(version) != 0;
  }

  // The callers' caches of opened values (Vault::CacheFor), by tag.
  // Every request looks its caches up: readers share the lock, and only
  // the first use of a tag takes it exclusively.
  mutable std::shared_mutex caches_mu;
  std::map<const void*, std::unique_ptr<Vault::Cache>> caches;

  // Group commit.
  struct Request {
    const std::function<Status(WriteTxn&)>* fn = nullptr;
    std::span<const ReadHint> hints;  // Vault::Write
    Status result;
    // Posted once `result` is final (and, for a success, durable); the
    // caller blocks on it. One wakeup per request, no herd.
    internal::Wakeup done;
    // Set by the committer on the first request of a batch: the batch's
    // other requests, which this one's caller wakes (Vault::Write), so that
    // the committer enters the kernel once per batch, not once per request,
    // and goes on with the next batch.
    std::vector<Request*> then_wake;
  };
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Request*> queue;
  bool stopping = false;
  std::thread committer;
  bool map_full = false;  // set by Put when the store is full (committer thread only)
  // Puts and deletes attempted in the committer's transaction so far (a
  // failed one counts too): tells RunBatch whether a failed request changed
  // anything. Committer thread only.
  uint64_t write_attempts = 0;

  // State derived from the committer's open transaction (the audit log's
  // right edge of the tree), so that work done by earlier requests of a batch
  // need not be read back and unsealed. Committer thread only.
  //
  // SECURITY: a memo never outlives or survives a rollback of what it was
  // derived from: RunBatch drops every memo when a request fails (its
  // writes rolled back, or the attempt discarded) and when a batch attempt
  // ends (committed or not),
  // and any Put/Append/Delete to a table a memo depends on drops it — its
  // owner takes it out before writing and puts it back only after its own
  // writes succeeded.
  using TxnMemo = WriteTxn::Memo;
  struct MemoSlot {
    const void* tag = nullptr;      // the owner's identity (address of a static)
    std::span<const Table> tables;  // writes to these tables drop the memo (static storage)
    std::unique_ptr<TxnMemo> memo;
  };
  std::vector<MemoSlot> txn_memos;
  // Removes and returns the memo stored under `tag` (null when none).
  std::unique_ptr<TxnMemo> TakeMemo(const void* tag);
  // Stores `memo` under `tag`, replacing any earlier one.
  void PutMemo(const void* tag, std::span<const Table> tables, std::unique_ptr<TxnMemo> memo);
  // Drops every memo that depends on `table`.
  void DropMemosOn(Table table);
  // Before every put or delete on `table`: drops the memos derived from it
  // and counts the attempt.
  void NoteWrite(Table table) {
    DropMemosOn(table);
    ++write_attempts;
  }

  std::atomic<uint64_t> stat_commits{0};
  std::atomic<uint64_t> stat_requests{0};
  std::atomic<uint64_t> stat_max_batch{0};
  std::atomic<uint64_t> stat_run_nanos{0};
  std::atomic<uint64_t> stat_commit_nanos{0};
  // Commits that failed (the store refused to write: a full disk, an I/O
  // error), and whether the last one did; what it said, for the operator.
  std::atomic<uint64_t> stat_commit_failures{0};
  std::atomic<bool> last_commit_failed{false};
  std::mutex failure_mu;
  std::string last_failure;  // guarded by failure_mu
  void NoteCommit(const Status& s) {
    if (s.ok()) {
      last_commit_failed.store(false, std::memory_order_relaxed);
      return;
    }
    // A conflict to run again (PostgreSQL's serialization failure, LMDB's
    // map resized by another process) is not a vault that cannot write.
    if (s.code() == StatusCode::kAborted) return;
    stat_commit_failures.fetch_add(1, std::memory_order_relaxed);
    last_commit_failed.store(true, std::memory_order_relaxed);
    std::lock_guard lock(failure_mu);
    last_failure = s.message();
  }

  // Seals `value` for (table, key) under the current key version into *out
  // (resized to fit).
  void SealValueInto(Table table, std::string_view key, std::string_view value, std::string* out);
  // Reused by SealValueInto/PutImpl so that sealing a value allocates
  // nothing. Committer thread only (every WriteTxn runs there).
  std::string seal_buffer;
  std::string seal_ad;
  // kDataLoss when the value fails to open.
  Result<std::string> OpenValue(Table table, std::string_view key, std::string_view sealed) const;
  // Key version a sealed value claims (0 when malformed).
  static uint32_t SealedVersion(std::string_view sealed);

  void CommitterLoop();
  // Runs and commits one batch, setting each request's result.
  void RunBatch(const std::vector<Request*>& batch);
};

namespace internal {
// Raw (still sealed) bytes, for tamper tests and rotation.
Result<std::string> RawGet(const Vault& vault, Table table, std::string_view key);
Status RawPut(Vault& vault, Table table, std::string_view key, std::string_view bytes);
}  // namespace internal

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_INTERNAL_VAULT_IMPL_H_
