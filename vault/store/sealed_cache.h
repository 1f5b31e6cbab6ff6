// Opened values by (vault, table, key), each with the sealed bytes it was
// opened from: a hit needs the stored bytes to be exactly those (a rewrite
// or a key rotation seals anew), so the cache never serves a stale value and
// costs one LMDB lookup and a compare instead of unsealing and parsing JSON.
// For values read by every request (users, record metadata, the policy in
// force); content is never cached. Each vault owns its caches
// (SealedCacheOf, Vault::CacheFor): they are bounded and dropped with the
// vault, never shared between vaults or kept after one closes.
#ifndef CUSTOS_VAULT_STORE_SEALED_CACHE_H_
#define CUSTOS_VAULT_STORE_SEALED_CACHE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/status.h"
#include "vault/store/vault.h"

namespace custos::vault {

template <typename T>
class SealedCache final : public Vault::Cache {
 public:
  // The value of `key`: the cached one while its sealed bytes are unchanged,
  // else `load()` (which opens and parses it), remembered when it succeeds.
  // One LMDB lookup on a hit; errors (kNotFound included) come from load().
  Result<T> Get(const ReadTxn& txn, Table table, std::string_view key,
                const std::function<Result<T>()>& load) {
    auto sealed = txn.GetSealed(table, key);
    if (!sealed.ok()) return load();
    const std::string cache_key = CacheKey(table, key);
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
  // Bounded: when full, every entry is dropped and the cache refills from
  // the readers' next lookups (cheap; avoids an LRU's bookkeeping on the
  // hot path).
  static constexpr size_t kMaxEntries = 1 << 16;
  struct Entry {
    std::string sealed;
    T value;
  };
  static std::string CacheKey(Table table, std::string_view key) {
    std::string k(table);
    k.push_back('\0');
    k += key;
    return k;
  }
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

// `vault`'s SealedCache<T> named by `tag` (the address of a static object
// of the caller's), made on first use; it lives as long as the vault.
template <typename T>
SealedCache<T>& SealedCacheOf(const Vault& vault, const void* tag) {
  return static_cast<SealedCache<T>&>(
      vault.CacheFor(tag, [] { return std::make_unique<SealedCache<T>>(); }));
}

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_SEALED_CACHE_H_
