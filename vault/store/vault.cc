#include "vault/store/vault.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "base/encoding.h"
#include "vault/store/internal/keyring.h"
#include "vault/store/internal/vault_impl.h"

namespace custos::vault {

using internal::Keyring;
using internal::kKeyringKey;
using internal::ReadKeyring;
using internal::RootKeyAd;
using internal::Unwrap;

namespace {

constexpr char kSealedFormat = 0x01;
constexpr size_t kSealedHeader = 1 + 4;
constexpr std::string_view kFormatKey = "format_version";
constexpr std::string_view kLogNameKey = "log_name";

void AppendU32(std::string* out, uint32_t v) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(bytes, 4);
}

// "custos.value.v1" 0x00 table 0x00 u32(key size) key u32(version), into *ad.
void ValueAdInto(Table table, std::string_view key, uint32_t version, std::string* ad) {
  constexpr std::string_view kLabel("custos.value.v1\0", 16);
  ad->clear();
  ad->reserve(kLabel.size() + table.size() + 1 + 4 + key.size() + 4);
  ad->append(kLabel);
  ad->append(table);
  ad->push_back('\0');
  AppendU32(ad, static_cast<uint32_t>(key.size()));
  ad->append(key);
  AppendU32(ad, version);
}

std::string ValueAd(Table table, std::string_view key, uint32_t version) {
  std::string ad;
  ValueAdInto(table, key, version, &ad);
  return ad;
}

Result<std::string> MetaGet(internal::KvTxn& txn, std::string_view key) {
  auto v = txn.Get(tables::kMeta, key);
  if (!v.ok()) {
    if (v.status().code() == StatusCode::kNotFound)
      return Status::DataLoss("not a Custos vault, or its metadata is damaged");
    return v.status();
  }
  return std::string(*v);
}

}  // namespace

std::string EncodeU64(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  return s;
}
uint64_t DecodeU64(std::string_view s) {
  if (s.size() != 8) Die("DecodeU64: not 8 bytes");
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}
std::string EncodeU32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 3; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>(v & 0xFF);
    v >>= 8;
  }
  return s;
}
uint32_t DecodeU32(std::string_view s) {
  if (s.size() != 4) Die("DecodeU32: not 4 bytes");
  uint32_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

// ---- Impl -----------------------------------------------------------------

void Vault::Impl::SealValueInto(Table table, std::string_view key, std::string_view value,
                                std::string* out) {
  std::shared_lock lock(keys_mu);
  const uint32_t version = current_version;
  const SecretBytes& dk = data_keys.at(version);
  ValueAdInto(table, key, version, &seal_ad);
  out->clear();
  out->push_back(kSealedFormat);
  AppendU32(out, version);
  out->resize(kSealedHeader + AeadSealedSize(value.size()));
  AeadSealTo(reinterpret_cast<unsigned char*>(out->data()) + kSealedHeader, dk, value, seal_ad);
}

std::unique_ptr<Vault::Impl::TxnMemo> Vault::Impl::TakeMemo(const void* tag) {
  for (auto it = txn_memos.begin(); it != txn_memos.end(); ++it) {
    if (it->tag != tag) continue;
    std::unique_ptr<TxnMemo> memo = std::move(it->memo);
    txn_memos.erase(it);
    return memo;
  }
  return nullptr;
}

void Vault::Impl::PutMemo(const void* tag, std::span<const Table> tables,
                          std::unique_ptr<TxnMemo> memo) {
  (void)TakeMemo(tag);
  txn_memos.push_back(MemoSlot{tag, tables, std::move(memo)});
}

void Vault::Impl::DropMemosOn(Table table) {
  std::erase_if(txn_memos, [&](const MemoSlot& slot) {
    for (Table t : slot.tables) {
      if (t == table) return true;
    }
    return false;
  });
}

uint32_t Vault::Impl::SealedVersion(std::string_view sealed) {
  if (sealed.size() < kSealedHeader || sealed[0] != kSealedFormat) return 0;
  return DecodeU32(sealed.substr(1, 4));
}

Result<std::string> Vault::Impl::OpenValue(Table table, std::string_view key,
                                           std::string_view sealed) const {
  const auto where = [&] { return " (table " + std::string(table) + ")"; };
  if (sealed.size() < kSealedHeader + kAeadNonceSize + kAeadTagSize || sealed[0] != kSealedFormat)
    return Status::DataLoss("stored value is malformed" + where());
  uint32_t version = DecodeU32(sealed.substr(1, 4));
  std::shared_lock lock(keys_mu);
  auto it = data_keys.find(version);
  if (it == data_keys.end())
    return Status::DataLoss("stored value names an unknown key version" + where());
  auto r = AeadOpen(it->second, sealed.substr(kSealedHeader), ValueAd(table, key, version));
  if (!r.ok()) return Status::DataLoss("stored value failed its integrity check" + where());
  return r;
}

// ---- transactions -----------------------------------------------------------

namespace {
// A ReadTxn that owns its store transaction.
class OwnedReadTxn : public ReadTxn {
 public:
  OwnedReadTxn(const Vault* v, std::unique_ptr<internal::KvTxn> txn)
      : ReadTxn(v, txn.get()), owned_(std::move(txn)) {}

 private:
  std::unique_ptr<internal::KvTxn> owned_;
};
}  // namespace

ReadTxn::~ReadTxn() = default;

Result<std::string> ReadTxn::OpenStored(Table table, std::string_view key,
                                        std::string_view sealed) const {
  auto& impl = vault_->impl();
  if ((impl.store->shared() || vault_->read_only()) &&
      !impl.HasKeyVersion(Vault::Impl::SealedVersion(sealed))) {
    // Sealed by another node, or by the writer beside a read-only opener
    // (a scrub during `rekey --rotate`), under a key this one has not seen
    // yet: adopt the keyring of this snapshot first.
    CUSTOS_ASSIGN_OR_RETURN(std::string_view ring, txn_->Get(tables::kMeta, internal::kKeyringKey));
    CUSTOS_RETURN_IF_ERROR(impl.AdoptKeyring(ring));
  }
  return impl.OpenValue(table, key, sealed);
}

Result<std::string> ReadTxn::Get(Table table, std::string_view key) const {
  CUSTOS_ASSIGN_OR_RETURN(std::string_view sealed, txn_->Get(table, key));
  if (tables::IsUnsealedTable(table)) return std::string(sealed);
  return OpenStored(table, key, sealed);
}

Status ReadTxn::Prefetch(Table table, std::span<const std::string> keys) const {
  return txn_->Prefetch(table, keys);
}

Result<std::string_view> ReadTxn::GetSealed(Table table, std::string_view key) const {
  return txn_->Get(table, key);
}

Result<bool> ReadTxn::Has(Table table, std::string_view key) const {
  auto sealed = txn_->Get(table, key);
  if (!sealed.ok()) {
    if (sealed.status().code() == StatusCode::kNotFound) return false;
    return sealed.status();
  }
  if (tables::IsIndexTable(table)) {
    // SECURITY: an index entry's key is its data (tables.h).
    CUSTOS_ASSIGN_OR_RETURN(std::string plain, OpenStored(table, key, *sealed));
    WipeString(&plain);
  }
  return true;
}

Status ReadTxn::Scan(Table table, std::string_view prefix, const ScanFn& fn, bool reverse) const {
  return ScanImpl(table, prefix, fn, reverse, /*open_values=*/true);
}

Status ReadTxn::ScanFrom(Table table, std::string_view from, const ScanFn& fn) const {
  return ScanImpl(table, "", fn, /*reverse=*/false, /*open_values=*/true, from);
}

Status ReadTxn::ScanImpl(Table table, std::string_view prefix, const ScanFn& fn, bool reverse,
                         bool open_values, std::string_view from) const {
  return txn_->Scan(table, prefix, from, reverse,
                    [&](std::string_view key, std::string_view sealed) -> Result<bool> {
                      if (!open_values) {
                        if (tables::IsIndexTable(table)) {
                          // SECURITY: an index entry's key is its data (tables.h).
                          CUSTOS_ASSIGN_OR_RETURN(std::string plain,
                                                  OpenStored(table, key, sealed));
                          WipeString(&plain);
                        }
                        return fn(key, std::string_view());
                      }
                      if (tables::IsUnsealedTable(table)) return fn(key, sealed);
                      CUSTOS_ASSIGN_OR_RETURN(std::string plain, OpenStored(table, key, sealed));
                      Result<bool> more = fn(key, plain);
                      WipeString(&plain);
                      return more;
                    });
}

Status ReadTxn::ScanKeys(Table table, std::string_view prefix, const KeyFn& fn,
                         bool reverse) const {
  return ScanImpl(
      table, prefix, [&](std::string_view key, std::string_view) { return fn(key); }, reverse,
      /*open_values=*/false);
}

Result<std::string> ReadTxn::LastKeyWithPrefix(Table table, std::string_view prefix) const {
  std::string last;
  bool any = false;
  CUSTOS_RETURN_IF_ERROR(ScanImpl(
      table, prefix,
      [&](std::string_view key, std::string_view) -> Result<bool> {
        last = std::string(key);
        any = true;
        return false;
      },
      /*reverse=*/true, /*open_values=*/false));
  if (!any) return Status::NotFound("no key with that prefix in " + std::string(table));
  return last;
}

Result<uint64_t> ReadTxn::Count(Table table) const { return txn_->Count(table); }

Status WriteTxn::Put(Table table, std::string_view key, std::string_view value) {
  return PutImpl(table, key, value, static_cast<int>(internal::PutMode::kReplace));
}

Status WriteTxn::PutImpl(Table table, std::string_view key, std::string_view value, int mode) {
  auto& impl = vault_->impl();
  if (key.empty() || key.size() > 400) return Status::InvalidArgument("bad key size");
  impl.NoteWrite(table);
  // Sealed before the put (into a buffer the committer reuses), so `value`
  // is read before the put may move pages it points into.
  std::string_view stored = value;
  if (!tables::IsUnsealedTable(table)) {
    impl.SealValueInto(table, key, value, &impl.seal_buffer);
    stored = impl.seal_buffer;
  }
  Status st = txn_->Put(table, key, stored, static_cast<internal::PutMode>(mode));
  if (st.code() == StatusCode::kResourceExhausted) impl.map_full = true;
  return st;
}

Status WriteTxn::Insert(Table table, std::string_view key, std::string_view value) {
  return PutImpl(table, key, value, static_cast<int>(internal::PutMode::kInsert));
}

Status WriteTxn::Append(Table table, std::string_view key, std::string_view value) {
  return PutImpl(table, key, value, static_cast<int>(internal::PutMode::kAppend));
}

Status WriteTxn::Delete(Table table, std::string_view key) {
  auto& impl = vault_->impl();
  impl.NoteWrite(table);
  // A delete copies the pages it changes and may find the map full as a
  // put does: the committer grows the map and runs the batch again.
  Status st = txn_->Delete(table, key);
  if (st.code() == StatusCode::kResourceExhausted) impl.map_full = true;
  return st;
}

void WriteTxn::OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }

std::unique_ptr<WriteTxn::Memo> WriteTxn::TakeMemo(const void* tag) {
  return vault_->impl().TakeMemo(tag);
}

void WriteTxn::PutMemo(const void* tag, std::span<const Table> tables, std::unique_ptr<Memo> memo) {
  vault_->impl().PutMemo(tag, tables, std::move(memo));
}

size_t Vault::map_size() const { return impl_->store->MapSize(); }

Vault::Cache& Vault::CacheFor(const void* tag,
                              const std::function<std::unique_ptr<Cache>()>& make) const {
  {
    std::shared_lock lock(impl_->caches_mu);
    auto it = impl_->caches.find(tag);
    if (it != impl_->caches.end()) return *it->second;
  }
  std::unique_lock lock(impl_->caches_mu);
  std::unique_ptr<Cache>& slot = impl_->caches[tag];
  if (!slot) slot = make();
  return *slot;
}

// ---- lifecycle ----------------------------------------------------------------

Vault::Vault() : impl_(std::make_unique<Impl>()) { impl_->owner = this; }

Vault::~Vault() {
  {
    std::lock_guard lock(impl_->queue_mu);
    impl_->stopping = true;
  }
  impl_->queue_cv.notify_all();
  if (impl_->committer.joinable()) impl_->committer.join();
}

bool Vault::Exists(const std::string& where) {
  auto loc = StoreLocation::Parse(where);
  if (!loc.ok()) return false;
  auto held = internal::KvStoreHoldsVault(*loc);
  return held.ok() && *held;
}

Result<std::unique_ptr<Vault>> Vault::Create(const std::string& where,
                                             const SecretBytes& passphrase,
                                             const CreateOptions& options,
                                             const OpenOptions& open) {
  CUSTOS_RETURN_IF_ERROR(InitCrypto());
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase is empty");
  if (open.read_only) return Status::InvalidArgument("a vault cannot be created read-only");
  CUSTOS_ASSIGN_OR_RETURN(StoreLocation loc, StoreLocation::Parse(where));
  std::unique_ptr<Vault> v(new Vault());
  v->dir_ = loc.ToString();
  v->impl_->options = open;
  internal::KvOpen how;
  how.create = true;
  how.initial_map_size = open.initial_map_size;
  CUSTOS_ASSIGN_OR_RETURN(v->impl_->store, internal::OpenKvStore(loc, how));

  Keyring ring;
  ring.kdf = options.kdf;
  ring.salt = RandomBytes(kSaltSize);
  ring.current = 1;
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes kek,
                          DeriveKeyFromPassphrase(passphrase, ring.salt, ring.kdf));
  SecretBytes root = RandomSecret(32);
  ring.wrapped[1] = AeadSealSecret(kek, root, RootKeyAd(1));
  {
    using internal::PutMode;
    CUSTOS_ASSIGN_OR_RETURN(auto txn, v->impl_->store->BeginWrite());
    // Inserted: of two creators of one database, the second finds the key.
    Status wrote =
        txn->Put(tables::kMeta, kFormatKey, std::to_string(kFormatVersion), PutMode::kInsert);
    if (wrote.ok())
      wrote = txn->Put(tables::kMeta, kLogNameKey, options.log_name, PutMode::kReplace);
    if (wrote.ok())
      wrote = txn->Put(tables::kMeta, kKeyringKey, ring.Serialize(), PutMode::kReplace);
    if (wrote.ok()) wrote = txn->Commit();
    if (wrote.code() == StatusCode::kAlreadyExists)
      return Status::AlreadyExists("a vault already exists in " + v->dir_ + "; it was not touched");
    CUSTOS_RETURN_IF_ERROR(wrote);
  }
  return Unseal(std::move(v), passphrase);
}

Result<std::unique_ptr<Vault>> Vault::Open(const std::string& where, const SecretBytes& passphrase,
                                           const OpenOptions& options) {
  CUSTOS_RETURN_IF_ERROR(InitCrypto());
  CUSTOS_ASSIGN_OR_RETURN(StoreLocation loc, StoreLocation::Parse(where));
  std::unique_ptr<Vault> v(new Vault());
  v->dir_ = loc.ToString();
  v->impl_->options = options;
  internal::KvOpen how;
  how.read_only = options.read_only;
  how.initial_map_size = options.initial_map_size;
  how.compact_copy = options.compact_copy;
  CUSTOS_ASSIGN_OR_RETURN(v->impl_->store, internal::OpenKvStore(loc, how));
  return Unseal(std::move(v), passphrase);
}

Result<std::unique_ptr<Vault>> Vault::Unseal(std::unique_ptr<Vault> v,
                                             const SecretBytes& passphrase) {
  Impl& impl = *v->impl_;
  const OpenOptions& options = impl.options;
  Keyring ring;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, impl.store->BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(std::string fmt, MetaGet(*txn, kFormatKey));
    impl.format_version = 0;
    for (int f = kOldestFormatVersion; f <= kFormatVersion; ++f)
      if (fmt == std::to_string(f)) impl.format_version = f;
    if (impl.format_version == 0) {
      std::string why = "vault format " + fmt + " is not supported by this build (it reads " +
                        std::to_string(kOldestFormatVersion) + " to " +
                        std::to_string(kFormatVersion) + ")";
      if (std::atoi(fmt.c_str()) > kFormatVersion)
        why +=
            ": a newer version of Custos wrote it. Run that version, or restore a backup "
            "taken before it was installed";
      return Status::FailedPrecondition(why);
    }
    CUSTOS_ASSIGN_OR_RETURN(v->log_name_, MetaGet(*txn, kLogNameKey));
    CUSTOS_ASSIGN_OR_RETURN(std::string ring_text, MetaGet(*txn, kKeyringKey));
    CUSTOS_ASSIGN_OR_RETURN(ring, Keyring::Parse(ring_text));
    impl.keyring_text = std::move(ring_text);
  }
  CUSTOS_ASSIGN_OR_RETURN(impl.kek, DeriveKeyFromPassphrase(passphrase, ring.salt, ring.kdf));
  // SECURITY: nothing is written before the passphrase is proven right.
  CUSTOS_RETURN_IF_ERROR(Unwrap(ring, impl.kek, &impl.data_keys));
  impl.current_version = ring.current;
  CUSTOS_RETURN_IF_ERROR(impl.store->PrepareTables());
  // A read-only vault has nothing to commit.
  if (!options.read_only) impl.committer = std::thread([&impl] { impl.CommitterLoop(); });
  if (!options.read_only && impl.format_version < kFormatVersion) {
    // From now on this build may write what older builds cannot read
    // (vault.h, kFormatVersion): they are to refuse the vault at open. The
    // first write after the passphrase is proven.
    CUSTOS_RETURN_IF_ERROR(v->Write([](WriteTxn& w) {
      return w.Put(tables::kMeta, kFormatKey, std::to_string(kFormatVersion));
    }));
    impl.format_version = kFormatVersion;
  }
  CUSTOS_ASSIGN_OR_RETURN(impl.index_key, v->GetOrCreateSecret("vault.index_key", 32));
  return v;
}

bool Vault::read_only() const { return impl_->options.read_only; }

Result<bool> Vault::Lead() { return impl_->store->Lead(); }

bool Vault::shared() const { return impl_->store->shared(); }

Result<std::unique_ptr<ReadTxn>> Vault::BeginRead() const {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, impl_->store->BeginRead());
  return std::unique_ptr<ReadTxn>(new OwnedReadTxn(this, std::move(txn)));
}

Result<std::unique_ptr<ReadTxn>> Vault::BeginRead(ReadSet* reads) const {
  if (reads == nullptr || reads->log_ == nullptr) {
    return Status::InvalidArgument("no read set to record into");
  }
  CUSTOS_ASSIGN_OR_RETURN(auto txn, impl_->store->BeginRead());
  return std::unique_ptr<ReadTxn>(
      new OwnedReadTxn(this, internal::RecordReads(std::move(txn), reads->log_.get())));
}

// ---- information ----------------------------------------------------------------

namespace {
Status FillInfo(internal::KvTxn& txn, VaultInfo* info) {
  for (Table t : tables::kAllTables) {
    if (t == tables::kMeta) continue;
    CUSTOS_ASSIGN_OR_RETURN(uint64_t entries, txn.Count(t));
    info->tables.push_back(TableCount{std::string(t), entries});
    if (t == tables::kAuditLeaves) info->audit_log_size = entries;
  }
  return Status::Ok();
}

void FillKeyring(const Keyring& ring, VaultInfo* info) {
  info->key_version = ring.current;
  for (const auto& [ver, w] : ring.wrapped) info->key_versions.push_back(ver);
  info->rotation_in_progress = ring.wrapped.size() > 1;
  info->kdf = ring.kdf;
}
}  // namespace

Result<VaultInfo> Vault::InspectSealed(const std::string& where) {
  CUSTOS_ASSIGN_OR_RETURN(StoreLocation loc, StoreLocation::Parse(where));
  internal::KvOpen how;
  how.read_only = true;
  how.initial_map_size = size_t{1} << 20;
  auto store = internal::OpenKvStore(loc, how);
  if (!store.ok()) {
    if (store.status().code() == StatusCode::kNotFound)
      return Status::NotFound("no vault in " + loc.ToString());
    return store.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(auto txn, (*store)->BeginRead());
  VaultInfo info;
  CUSTOS_ASSIGN_OR_RETURN(std::string fmt, MetaGet(*txn, kFormatKey));
  info.format_version = std::atoi(fmt.c_str());
  CUSTOS_ASSIGN_OR_RETURN(info.log_name, MetaGet(*txn, kLogNameKey));
  CUSTOS_ASSIGN_OR_RETURN(std::string ring_text, MetaGet(*txn, kKeyringKey));
  CUSTOS_ASSIGN_OR_RETURN(Keyring ring, Keyring::Parse(ring_text));
  FillKeyring(ring, &info);
  CUSTOS_RETURN_IF_ERROR(FillInfo(*txn, &info));
  info.map_size = (*store)->MapSize();
  return info;
}

Result<VaultInfo> Vault::Info() const {
  VaultInfo info;
  info.format_version = impl_->format_version;
  info.log_name = log_name_;
  CUSTOS_ASSIGN_OR_RETURN(auto r, BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(Keyring ring, ReadKeyring(*r));
  FillKeyring(ring, &info);
  CUSTOS_RETURN_IF_ERROR(FillInfo(*r->txn_, &info));
  info.map_size = impl_->store->MapSize();
  return info;
}

// ---- raw access (tests, tools) ---------------------------------------------------

namespace internal {
Result<std::string> RawGet(const Vault& vault, Table table, std::string_view key) {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault.impl().store->BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(std::string_view v, txn->Get(table, key));
  return std::string(v);
}

Status RawPut(Vault& vault, Table table, std::string_view key, std::string_view bytes) {
  // Its own write transaction; the store serialises it with the committer's.
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault.impl().store->BeginWrite());
  CUSTOS_RETURN_IF_ERROR(txn->Put(table, key, bytes, PutMode::kReplace));
  return txn->Commit();
}
}  // namespace internal

}  // namespace custos::vault
