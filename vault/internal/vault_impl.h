// Private state of a Vault, shared by vault/*.cc. Never included outside vault/
// (and vault's own tests).
#ifndef CUSTOS_VAULT_INTERNAL_VAULT_IMPL_H_
#define CUSTOS_VAULT_INTERNAL_VAULT_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <semaphore>
#include <shared_mutex>
#include <string>
#include <thread>

#include "vault/internal/lmdb.h"
#include "vault/vault.h"

namespace custos::vault {

struct Vault::Impl {
  Vault* owner = nullptr;
  internal::Env env;
  std::map<std::string, MDB_dbi, std::less<>> dbis;
  OpenOptions options;

  // Key material. `keys_mu` guards data_keys/current_version (rotation
  // changes them while readers seal and open).
  mutable std::shared_mutex keys_mu;
  SecretBytes kek;
  std::map<uint32_t, SecretBytes> data_keys;
  uint32_t current_version = 0;
  SecretBytes index_key;

  // Readers hold it shared; growing the map takes it exclusively.
  mutable std::shared_mutex resize_gate;

  // Group commit.
  struct Request {
    const std::function<Status(WriteTxn&)>* fn = nullptr;
    Status result;
    // Released by the committer once `result` is final (and, for a success,
    // durable); the caller blocks on it. One wakeup per request, no herd.
    std::binary_semaphore done{0};
  };
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::deque<Request*> queue;
  bool stopping = false;
  std::thread committer;
  bool map_full = false;  // set by Put on MDB_MAP_FULL (committer thread only)

  std::atomic<uint64_t> stat_commits{0};
  std::atomic<uint64_t> stat_requests{0};
  std::atomic<uint64_t> stat_max_batch{0};
  std::atomic<uint64_t> stat_run_nanos{0};
  std::atomic<uint64_t> stat_commit_nanos{0};

  Result<MDB_dbi> Dbi(Table table) const;
  // Seals `value` for (table, key) under the current key version.
  std::string SealValue(Table table, std::string_view key, std::string_view value) const;
  // kDataLoss when the value fails to open.
  Result<std::string> OpenValue(Table table, std::string_view key, std::string_view sealed) const;
  // Key version a sealed value claims (0 when malformed).
  static uint32_t SealedVersion(std::string_view sealed);

  void CommitterLoop();
  // Runs and commits one batch, setting each request's result.
  void RunBatch(std::deque<Request*>& batch);
};

namespace internal {
// Raw (still sealed) bytes, for tamper tests and rotation.
Result<std::string> RawGet(const Vault& vault, Table table, std::string_view key);
Status RawPut(Vault& vault, Table table, std::string_view key, std::string_view bytes);
}  // namespace internal

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_INTERNAL_VAULT_IMPL_H_
