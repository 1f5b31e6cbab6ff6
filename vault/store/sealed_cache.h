// Opened values by (vault, table, key), each with the sealed bytes it was
// opened from: a hit needs the stored bytes to be exactly those (a rewrite
// or a key rotation seals anew), so the cache never serves a stale value and
// costs one LMDB lookup and a compare instead of unsealing and parsing JSON.
// For values read by every request (users, record metadata); content is
// never cached.
#ifndef CUSTOS_VAULT_STORE_SEALED_CACHE_H_
#define CUSTOS_VAULT_STORE_SEALED_CACHE_H_

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "vault/store/vault.h"

namespace custos::vault {

template <typename T>
class SealedCache {
 public:
  // The value of `key`: the cached one while its sealed bytes are unchanged,
  // else `load()` (which opens and parses it), remembered when it succeeds.
  // One LMDB lookup on a hit; errors (kNotFound included) come from load().
  Result<T> Get(const ReadTxn& txn, Table table, std::string_view key,
                const std::function<Result<T>()>& load) {
    auto sealed = txn.GetSealed(table, key);
    if (!sealed.ok()) return load();
    const std::string cache_key = CacheKey(txn, table, key);
    {
      std::lock_guard lock(mu_);
      auto it = entries_.find(cache_key);
      if (it != entries_.end() && it->second.sealed == *sealed) return it->second.value;
    }
    // `sealed` stays valid: load() only reads this transaction.
    Result<T> value = load();
    if (value.ok()) {
      std::lock_guard lock(mu_);
      if (entries_.size() >= kMaxEntries) entries_.clear();
      entries_[cache_key] = Entry{std::string(*sealed), *value};
    }
    return value;
  }

 private:
  static constexpr size_t kMaxEntries = 1 << 16;
  struct Entry {
    std::string sealed;
    T value;
  };
  static std::string CacheKey(const ReadTxn& txn, Table table, std::string_view key) {
    const Vault* v = &txn.vault();
    std::string k(reinterpret_cast<const char*>(&v), sizeof v);
    k += table;
    k.push_back('\0');
    k += key;
    return k;
  }
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_SEALED_CACHE_H_
