// Keys: the keyring's stored form, unwrapping at open, long-lived secrets,
// the blind index, passphrase change and root-key rotation.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "base/encoding.h"
#include "base/json.h"
#include "vault/store/internal/keyring.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/tables.h"
#include "vault/store/vault.h"

namespace custos::vault {
namespace internal {

std::string RootKeyAd(uint32_t version) { return "custos.root_key.v1:" + std::to_string(version); }

std::string Keyring::Serialize() const {
  json::Value v = json::Value::MakeObject();
  v["kdf"]["alg"] = "argon2id13";
  v["kdf"]["opslimit"] = static_cast<int64_t>(kdf.opslimit);
  v["kdf"]["memlimit"] = static_cast<int64_t>(kdf.memlimit);
  v["kdf"]["salt"] = Base64Encode(salt);
  v["current"] = static_cast<int64_t>(current);
  json::Value keys = json::Value::MakeArray();
  for (const auto& [ver, w] : wrapped) {
    json::Value k = json::Value::MakeObject();
    k["version"] = static_cast<int64_t>(ver);
    k["wrapped"] = Base64Encode(w);
    keys.Push(std::move(k));
  }
  v["keys"] = std::move(keys);
  return json::Serialize(v);
}

Result<Keyring> Keyring::Parse(std::string_view text) {
  const Status bad = Status::DataLoss("the vault's keyring is damaged");
  auto v = json::Parse(text);
  if (!v.ok()) return bad;
  Keyring k;
  const json::Value* kdf = v->Find("kdf");
  if (kdf == nullptr) return bad;
  auto ops = json::GetInt(*kdf, "opslimit");
  auto mem = json::GetInt(*kdf, "memlimit");
  auto salt = json::GetString(*kdf, "salt");
  auto cur = json::GetInt(*v, "current");
  if (!ops.ok() || !mem.ok() || !salt.ok() || !cur.ok() || *ops <= 0 || *mem <= 0) return bad;
  k.kdf.opslimit = static_cast<uint64_t>(*ops);
  k.kdf.memlimit = static_cast<uint64_t>(*mem);
  auto salt_raw = Base64Decode(*salt);
  if (!salt_raw.ok() || salt_raw->size() != kSaltSize) return bad;
  k.salt = *salt_raw;
  k.current = static_cast<uint32_t>(*cur);
  const json::Value* keys = v->Find("keys");
  if (keys == nullptr || !keys->is_array()) return bad;
  for (const json::Value& e : keys->as_array()) {
    auto ver = json::GetInt(e, "version");
    auto w = json::GetString(e, "wrapped");
    if (!ver.ok() || !w.ok()) return bad;
    auto raw = Base64Decode(*w);
    if (!raw.ok()) return bad;
    k.wrapped[static_cast<uint32_t>(*ver)] = *raw;
  }
  if (k.wrapped.count(k.current) == 0) return bad;
  return k;
}

// Unwraps every root key of the keyring with `kek` and derives data keys.
Status Unwrap(const Keyring& ring, const SecretBytes& kek, std::map<uint32_t, SecretBytes>* out) {
  for (const auto& [ver, wrapped] : ring.wrapped) {
    auto root = AeadOpenSecret(kek, wrapped, RootKeyAd(ver));
    if (!root.ok()) {
      return Status::Unauthenticated("wrong passphrase: the vault's key could not be unwrapped");
    }
    (*out)[ver] = DeriveSubkey(*root, 1, kDataKeyContext);
  }
  return Status::Ok();
}

Result<Keyring> ReadKeyring(const ReadTxn& r) {
  CUSTOS_ASSIGN_OR_RETURN(std::string text, r.Get(tables::kMeta, kKeyringKey));
  return Keyring::Parse(text);
}

}  // namespace internal

namespace {

// A passphrase change or a rotation reads the keyring, changes it in memory
// (unwrapping and wrapping keys, a key derivation's time) and writes it
// back. On a PostgreSQL vault nothing else keeps two `rekey` commands apart
// (the writer's lock lasts one transaction), and the second write would
// drop the first's key or passphrase: values sealed under a key no longer
// kept, a vault no passphrase opens. So each write checks, in its
// transaction, that the stored keyring is still the one this command read
// (`read`), or already the one it writes, and otherwise writes nothing.
Status PutKeyringIfStill(WriteTxn& w, const std::string& read, const std::string& next) {
  CUSTOS_ASSIGN_OR_RETURN(internal::Keyring now, internal::ReadKeyring(w));
  const std::string stored = now.Serialize();
  if (stored == next) return Status::Ok();
  if (stored != read) {
    return Status::FailedPrecondition(
        "the vault's keys were changed by another rekey while this one ran (another command or "
        "node); nothing of this step was written: run it again once the other has ended",
        "在本次操作进行期间，另一个 rekey（另一条命令或另一个节点）更改了保管库的密钥；本步骤未写入"
        "任何内容：请待其结束后重新运行");
  }
  return w.Put(tables::kMeta, internal::kKeyringKey, next);
}

}  // namespace

using internal::kDataKeyContext;
using internal::Keyring;
using internal::kKeyringKey;
using internal::ReadKeyring;
using internal::RootKeyAd;

Result<SecretBytes> Vault::GetOrCreateSecret(std::string_view name, size_t size) {
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, BeginRead());
    auto got = r->Get(tables::kKeys, name);
    if (got.ok()) {
      SecretBytes s = SecretBytes::CopyOf(*got);
      WipeString(&*got);
      if (s.size() != size) return Status::DataLoss("stored key has the wrong size");
      return s;
    }
    if (got.status().code() != StatusCode::kNotFound) return got.status();
  }
  if (read_only()) {
    return Status::FailedPrecondition("the vault has no " + std::string(name) +
                                      " yet and is open read-only: open it for writing once");
  }
  SecretBytes fresh = RandomSecret(size);
  Status st = Write([&](WriteTxn& w) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(bool has, w.Has(tables::kKeys, name));
    if (has) return Status::Ok();  // someone else created it first
    return w.Put(tables::kKeys, name, fresh.view());
  });
  CUSTOS_RETURN_IF_ERROR(st);
  CUSTOS_ASSIGN_OR_RETURN(auto r, BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(std::string got, r->Get(tables::kKeys, name));
  SecretBytes s = SecretBytes::CopyOf(got);
  WipeString(&got);
  return s;
}

std::string Vault::BlindIndex(std::string_view domain, std::string_view name) const {
  std::string input(domain);
  input.push_back('\0');
  input.append(name);
  return KeyedHash(impl_->index_key, input);
}

// ---- keys: passphrase change and rotation ---------------------------------------

Status Vault::ChangePassphrase(const SecretBytes& new_passphrase, const Argon2Params& kdf,
                               const std::function<Status(WriteTxn&)>& also) {
  if (new_passphrase.empty()) return Status::InvalidArgument("the new passphrase is empty");
  Keyring ring;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(ring, ReadKeyring(*r));
  }
  // Unwrap every root key with the current KEK, then re-wrap under the new one.
  std::map<uint32_t, SecretBytes> roots;
  for (const auto& [ver, wrapped] : ring.wrapped) {
    CUSTOS_ASSIGN_OR_RETURN(SecretBytes root, AeadOpenSecret(impl_->kek, wrapped, RootKeyAd(ver)));
    roots.emplace(ver, std::move(root));
  }
  Keyring next = ring;
  next.kdf = kdf;
  next.salt = RandomBytes(kSaltSize);
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes kek, DeriveKeyFromPassphrase(new_passphrase, next.salt, kdf));
  for (const auto& [ver, root] : roots)
    next.wrapped[ver] = AeadSealSecret(kek, root, RootKeyAd(ver));
  const std::string read = ring.Serialize();
  const std::string text = next.Serialize();
  CUSTOS_RETURN_IF_ERROR(Write([&](WriteTxn& w) -> Status {
    CUSTOS_RETURN_IF_ERROR(PutKeyringIfStill(w, read, text));
    return also ? also(w) : Status::Ok();
  }));
  std::unique_lock lock(impl_->keys_mu);
  impl_->kek = std::move(kek);
  return Status::Ok();
}

Status Vault::Impl::AdoptKeyring(std::string_view text) {
  SecretBytes kek_now;
  {
    std::shared_lock lock(keys_mu);
    if (text == keyring_text) return Status::Ok();
    kek_now = SecretBytes::CopyOf(kek.view());
  }
  CUSTOS_ASSIGN_OR_RETURN(Keyring ring, Keyring::Parse(text));
  std::map<uint32_t, SecretBytes> keys;
  if (!Unwrap(ring, kek_now, &keys).ok()) {
    return Status::Unauthenticated(
        "the vault's passphrase was changed by another node: restart this node with the new "
        "passphrase");
  }
  std::unique_lock lock(keys_mu);
  data_keys = std::move(keys);
  current_version = ring.current;
  keyring_text = std::string(text);
  return Status::Ok();
}

Status Vault::RotateRootKey(const std::function<void(uint64_t)>& after_batch,
                            const std::function<Status(WriteTxn&)>& also) {
  Keyring ring;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(ring, ReadKeyring(*r));
  }
  // Step 1: unless a rotation is already under way, add a new root key and
  // make it current. New writes use it from the commit on.
  if (ring.wrapped.size() == 1) {
    const std::string read = ring.Serialize();
    uint32_t next = ring.current + 1;
    SecretBytes root = RandomSecret(32);
    ring.wrapped[next] = AeadSealSecret(impl_->kek, root, RootKeyAd(next));
    ring.current = next;
    const SecretBytes dk = DeriveSubkey(root, 1, kDataKeyContext);
    const std::string text = ring.Serialize();
    Status switched = Write([&](WriteTxn& w) {
      CUSTOS_RETURN_IF_ERROR(PutKeyringIfStill(w, read, text));
      // This function may run more than once (vault.h), so it copies the
      // key rather than moving it: every run installs the same key.
      {
        std::unique_lock lock(impl_->keys_mu);
        impl_->data_keys[next] = SecretBytes::CopyOf(dk.view());
      }
      // SECURITY: new writes seal under the new version only once the
      // keyring that holds it has committed. The hook runs on the committer
      // right after that commit, before any other write, so nothing sealed
      // under `next` can outlive a rolled-back or re-run keyring write.
      w.OnCommit([this, next] {
        std::unique_lock lock(impl_->keys_mu);
        impl_->current_version = next;
      });
      return Status::Ok();
    });
    if (!switched.ok()) {
      // The keyring naming the new key did not commit: forget the key.
      std::unique_lock lock(impl_->keys_mu);
      impl_->data_keys.erase(next);
      return switched;
    }
  }
  const uint32_t current = ring.current;
  // Step 2: re-seal every value still under an older version, in batches.
  uint64_t resealed = 0;
  constexpr size_t kBatch = 512;
  for (Table table : tables::kAllTables) {
    if (tables::IsUnsealedTable(table)) continue;  // nothing sealed under a root key
    std::string resume;
    while (true) {
      // What the write function reports, set from scratch on every run: it
      // may run more than once (vault.h), and a run must not start where a
      // discarded earlier run stopped, or the values in between would never
      // be re-sealed before step 3 drops their key.
      bool done = false;
      size_t in_batch = 0;
      std::string next_resume;
      CUSTOS_RETURN_IF_ERROR(Write([&](WriteTxn& w) -> Status {
        done = false;
        in_batch = 0;
        next_resume.clear();
        std::vector<std::pair<std::string, std::string>> todo;
        bool stopped = false;
        CUSTOS_RETURN_IF_ERROR(w.txn_->Scan(
            table, "", resume, false,
            [&](std::string_view key, std::string_view val) -> Result<bool> {
              if (todo.size() >= kBatch) {
                next_resume = std::string(key);
                stopped = true;
                return false;
              }
              if (Impl::SealedVersion(val) != current) {
                CUSTOS_ASSIGN_OR_RETURN(std::string plain, impl_->OpenValue(table, key, val));
                todo.emplace_back(std::string(key), std::move(plain));
              }
              return true;
            }));
        done = !stopped;
        for (auto& [key, plain] : todo) {
          CUSTOS_RETURN_IF_ERROR(w.Put(table, key, plain));
          WipeString(&plain);
        }
        in_batch = todo.size();
        return Status::Ok();
      }));
      resealed += in_batch;
      if (after_batch && in_batch > 0) after_batch(resealed);
      if (done) break;
      resume = std::move(next_resume);
    }
  }
  // Step 3: drop the old key versions, from the keyring as step 1 left it
  // (a passphrase changed since would otherwise be undone).
  Keyring final_ring = ring;
  for (auto it = final_ring.wrapped.begin(); it != final_ring.wrapped.end();) {
    it = it->first == current ? std::next(it) : final_ring.wrapped.erase(it);
  }
  const std::string read = ring.Serialize();
  const std::string text = final_ring.Serialize();
  CUSTOS_RETURN_IF_ERROR(Write([&](WriteTxn& w) -> Status {
    CUSTOS_RETURN_IF_ERROR(PutKeyringIfStill(w, read, text));
    return also ? also(w) : Status::Ok();
  }));
  std::unique_lock lock(impl_->keys_mu);
  for (auto it = impl_->data_keys.begin(); it != impl_->data_keys.end();) {
    it = it->first == current ? std::next(it) : impl_->data_keys.erase(it);
  }
  return Status::Ok();
}

}  // namespace custos::vault
