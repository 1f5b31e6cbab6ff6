#include "vault/store/vault.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <unistd.h>

#include <sys/stat.h>

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

constexpr unsigned kMaxDbs = 64;
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

Result<std::string> MetaGet(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  MDB_val k = internal::ToVal(key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc != 0) return internal::LmdbStatus(rc, "reading vault metadata");
  return std::string(internal::FromVal(v));
}

Status MetaPut(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = internal::ToVal(key), v = internal::ToVal(value);
  return internal::LmdbStatus(mdb_put(txn, dbi, &k, &v, 0), "writing vault metadata");
}

bool DataFileExists(const std::string& dir) {
  struct stat st;
  return ::stat((dir + "/data.mdb").c_str(), &st) == 0;
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

Result<MDB_dbi> Vault::Impl::Dbi(Table table) const {
  auto it = dbis.find(table);
  if (it == dbis.end()) return Status::Internal("unknown table " + std::string(table));
  return it->second;
}

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
MDB_txn* T(void* p) { return static_cast<MDB_txn*>(p); }

// A ReadTxn that owns its LMDB transaction and a shared hold on the resize gate.
class OwnedReadTxn : public ReadTxn {
 public:
  OwnedReadTxn(const Vault* v, internal::Txn txn, std::shared_lock<std::shared_mutex> gate)
      : ReadTxn(v, nullptr), txn_holder_(std::move(txn)), gate_(std::move(gate)) {
    txn_ = txn_holder_.get();
  }
  ~OwnedReadTxn() override { txn_holder_.Abort(); }

 private:
  internal::Txn txn_holder_;
  std::shared_lock<std::shared_mutex> gate_;
};
}  // namespace

ReadTxn::~ReadTxn() = default;

Result<std::string> ReadTxn::Get(Table table, std::string_view key) const {
  auto& impl = vault_->impl();
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, impl.Dbi(table));
  MDB_val k = internal::ToVal(key), v;
  int rc = mdb_get(T(txn_), dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return Status::NotFound("no such entry in " + std::string(table));
  if (rc != 0) return internal::LmdbStatus(rc, "reading " + std::string(table));
  if (table == tables::kMeta) return std::string(internal::FromVal(v));
  return impl.OpenValue(table, key, internal::FromVal(v));
}

Result<std::string_view> ReadTxn::GetSealed(Table table, std::string_view key) const {
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, vault_->impl().Dbi(table));
  MDB_val k = internal::ToVal(key), v;
  int rc = mdb_get(T(txn_), dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return Status::NotFound("no such entry in " + std::string(table));
  if (rc != 0) return internal::LmdbStatus(rc, "reading " + std::string(table));
  return internal::FromVal(v);
}

Result<bool> ReadTxn::Has(Table table, std::string_view key) const {
  auto& impl = vault_->impl();
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, impl.Dbi(table));
  MDB_val k = internal::ToVal(key), v;
  int rc = mdb_get(T(txn_), dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return internal::LmdbStatus(rc, "reading " + std::string(table));
  if (tables::IsIndexTable(table)) {
    // SECURITY: an index entry's key is its data (tables.h).
    CUSTOS_ASSIGN_OR_RETURN(std::string plain, impl.OpenValue(table, key, internal::FromVal(v)));
    WipeString(&plain);
  }
  return true;
}

Status ReadTxn::Scan(Table table, std::string_view prefix, const ScanFn& fn, bool reverse) const {
  return ScanImpl(table, prefix, fn, reverse, /*open_values=*/true);
}

Status ReadTxn::ScanImpl(Table table, std::string_view prefix, const ScanFn& fn, bool reverse,
                         bool open_values) const {
  auto& impl = vault_->impl();
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, impl.Dbi(table));
  CUSTOS_ASSIGN_OR_RETURN(internal::Cursor cur, internal::Cursor::Open(T(txn_), dbi));
  MDB_val k, v;
  Result<bool> found = false;
  if (!reverse) {
    if (prefix.empty()) {
      found = cur.Get(&k, &v, MDB_FIRST);
    } else {
      k = internal::ToVal(prefix);
      found = cur.Get(&k, &v, MDB_SET_RANGE);
    }
  } else {
    // Position after the last key with the prefix: the prefix with 0xFF
    // appended sorts after every key that starts with it (keys are short).
    std::string upper(prefix);
    upper.append(64, '\xff');
    k = internal::ToVal(upper);
    found = cur.Get(&k, &v, MDB_SET_RANGE);
    if (!found.ok()) return found.status();
    found = *found ? cur.Get(&k, &v, MDB_PREV) : cur.Get(&k, &v, MDB_LAST);
  }
  while (true) {
    if (!found.ok()) return found.status();
    if (!*found) return Status::Ok();
    std::string_view key = internal::FromVal(k);
    if (key.substr(0, prefix.size()) != prefix) return Status::Ok();
    Result<bool> more = false;
    if (!open_values) {
      if (tables::IsIndexTable(table)) {
        // SECURITY: an index entry's key is its data (tables.h).
        CUSTOS_ASSIGN_OR_RETURN(std::string plain,
                                impl.OpenValue(table, key, internal::FromVal(v)));
        WipeString(&plain);
      }
      more = fn(key, std::string_view());
    } else if (table == tables::kMeta) {
      more = fn(key, internal::FromVal(v));
    } else {
      CUSTOS_ASSIGN_OR_RETURN(std::string plain, impl.OpenValue(table, key, internal::FromVal(v)));
      more = fn(key, plain);
      WipeString(&plain);
    }
    if (!more.ok()) return more.status();
    if (!*more) return Status::Ok();
    found = cur.Get(&k, &v, reverse ? MDB_PREV : MDB_NEXT);
  }
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

Result<uint64_t> ReadTxn::Count(Table table) const {
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, vault_->impl().Dbi(table));
  MDB_stat st;
  int rc = mdb_stat(T(txn_), dbi, &st);
  if (rc != 0) return internal::LmdbStatus(rc, "counting " + std::string(table));
  return static_cast<uint64_t>(st.ms_entries);
}

Status WriteTxn::Put(Table table, std::string_view key, std::string_view value) {
  return PutImpl(table, key, value, 0);
}

Status WriteTxn::PutImpl(Table table, std::string_view key, std::string_view value,
                         unsigned flags) {
  auto& impl = vault_->impl();
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, impl.Dbi(table));
  if (key.empty() || key.size() > 400) return Status::InvalidArgument("bad key size");
  impl.NoteWrite(table);
  // Sealed before mdb_put (into a buffer the committer reuses), so `value`
  // is read before the put may move pages it points into.
  MDB_val k = internal::ToVal(key), v = internal::ToVal(value);
  if (table != tables::kMeta) {
    impl.SealValueInto(table, key, value, &impl.seal_buffer);
    v = internal::ToVal(impl.seal_buffer);
  }
  int rc = mdb_put(T(txn_), dbi, &k, &v, flags);
  if (rc == MDB_MAP_FULL) impl.map_full = true;
  if (rc == MDB_KEYEXIST) {
    return Status::AlreadyExists((flags & MDB_APPEND) != 0
                                     ? "key does not sort after the last entry of " +
                                           std::string(table)
                                     : "entry already exists in " + std::string(table));
  }
  return internal::LmdbStatus(rc, "writing " + std::string(table));
}

Status WriteTxn::Insert(Table table, std::string_view key, std::string_view value) {
  return PutImpl(table, key, value, MDB_NOOVERWRITE);
}

Status WriteTxn::Append(Table table, std::string_view key, std::string_view value) {
  return PutImpl(table, key, value, MDB_APPEND);
}

Status WriteTxn::Delete(Table table, std::string_view key) {
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, vault_->impl().Dbi(table));
  vault_->impl().NoteWrite(table);
  MDB_val k = internal::ToVal(key);
  int rc = mdb_del(T(txn_), dbi, &k, nullptr);
  return internal::LmdbStatus(rc, "deleting from " + std::string(table));
}

void WriteTxn::OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }

std::unique_ptr<WriteTxn::Memo> WriteTxn::TakeMemo(const void* tag) {
  return vault_->impl().TakeMemo(tag);
}

void WriteTxn::PutMemo(const void* tag, std::span<const Table> tables, std::unique_ptr<Memo> memo) {
  vault_->impl().PutMemo(tag, tables, std::move(memo));
}

size_t Vault::map_size() const { return impl_->env.MapSize(); }

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

bool Vault::Exists(const std::string& dir) { return DataFileExists(dir); }

Result<std::unique_ptr<Vault>> Vault::Create(const std::string& dir, const SecretBytes& passphrase,
                                             const CreateOptions& options,
                                             const OpenOptions& open) {
  CUSTOS_RETURN_IF_ERROR(InitCrypto());
  if (passphrase.empty()) return Status::InvalidArgument("the passphrase is empty");
  if (open.read_only) return Status::InvalidArgument("a vault cannot be created read-only");
  if (DataFileExists(dir))
    return Status::AlreadyExists("a vault already exists in " + dir + "; it was not touched");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable("cannot create " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  std::unique_ptr<Vault> v(new Vault());
  v->dir_ = dir;
  v->impl_->options = open;
  // SECURITY: locked before the data files exist, and checked again under
  // the lock: of two concurrent creators one gets the lock and the other
  // is refused or finds the vault, never both writing.
  CUSTOS_ASSIGN_OR_RETURN(v->impl_->dir_lock, internal::DirLock::Acquire(dir));
  if (DataFileExists(dir))
    return Status::AlreadyExists("a vault already exists in " + dir + "; it was not touched");

  Keyring ring;
  ring.kdf = options.kdf;
  ring.salt = RandomBytes(kSaltSize);
  ring.current = 1;
  CUSTOS_ASSIGN_OR_RETURN(SecretBytes kek,
                          DeriveKeyFromPassphrase(passphrase, ring.salt, ring.kdf));
  SecretBytes root = RandomSecret(32);
  ring.wrapped[1] = AeadSealSecret(kek, root, RootKeyAd(1));

  {
    CUSTOS_ASSIGN_OR_RETURN(internal::Env env,
                            internal::Env::Open(dir, open.initial_map_size, kMaxDbs, false));
    CUSTOS_ASSIGN_OR_RETURN(internal::Txn txn, internal::Txn::Begin(env, nullptr, false));
    MDB_dbi meta;
    int rc = mdb_dbi_open(txn.get(), std::string(tables::kMeta).c_str(), MDB_CREATE, &meta);
    if (rc != 0) return internal::LmdbStatus(rc, "creating the metadata table");
    CUSTOS_RETURN_IF_ERROR(MetaPut(txn.get(), meta, kFormatKey, std::to_string(kFormatVersion)));
    CUSTOS_RETURN_IF_ERROR(MetaPut(txn.get(), meta, kLogNameKey, options.log_name));
    CUSTOS_RETURN_IF_ERROR(MetaPut(txn.get(), meta, kKeyringKey, ring.Serialize()));
    CUSTOS_RETURN_IF_ERROR(txn.Commit());
  }
  return Unseal(std::move(v), passphrase);
}

Result<std::unique_ptr<Vault>> Vault::Open(const std::string& dir, const SecretBytes& passphrase,
                                           const OpenOptions& options) {
  CUSTOS_RETURN_IF_ERROR(InitCrypto());
  if (!DataFileExists(dir)) return Status::NotFound("no vault in " + dir + " (run custos init)");
  std::unique_ptr<Vault> v(new Vault());
  v->dir_ = dir;
  v->impl_->options = options;
  // SECURITY: a writer locks the directory before it opens the environment,
  // so no second process can write (and, say, drop a key version the first
  // one still seals with) while this vault lives.
  if (!options.read_only) {
    CUSTOS_ASSIGN_OR_RETURN(v->impl_->dir_lock, internal::DirLock::Acquire(dir));
  }
  return Unseal(std::move(v), passphrase);
}

Result<std::unique_ptr<Vault>> Vault::Unseal(std::unique_ptr<Vault> v,
                                             const SecretBytes& passphrase) {
  Impl& impl = *v->impl_;
  const std::string& dir = v->dir_;
  const OpenOptions& options = impl.options;
  CUSTOS_ASSIGN_OR_RETURN(
      impl.env, internal::Env::Open(dir, options.initial_map_size, kMaxDbs, options.read_only));
  // The map may have grown beyond the requested initial size in an earlier run.
  Keyring ring;
  {
    CUSTOS_ASSIGN_OR_RETURN(internal::Txn txn, internal::Txn::Begin(impl.env, nullptr, true));
    MDB_dbi meta;
    int rc = mdb_dbi_open(txn.get(), std::string(tables::kMeta).c_str(), 0, &meta);
    if (rc != 0) return Status::DataLoss("not a Custos vault, or its metadata is damaged");
    CUSTOS_ASSIGN_OR_RETURN(std::string fmt, MetaGet(txn.get(), meta, kFormatKey));
    if (fmt != std::to_string(kFormatVersion))
      return Status::FailedPrecondition("vault format " + fmt + " is not supported by this build");
    CUSTOS_ASSIGN_OR_RETURN(v->log_name_, MetaGet(txn.get(), meta, kLogNameKey));
    CUSTOS_ASSIGN_OR_RETURN(std::string ring_text, MetaGet(txn.get(), meta, kKeyringKey));
    CUSTOS_ASSIGN_OR_RETURN(ring, Keyring::Parse(ring_text));
  }
  CUSTOS_ASSIGN_OR_RETURN(impl.kek, DeriveKeyFromPassphrase(passphrase, ring.salt, ring.kdf));
  // SECURITY: nothing is written before the passphrase is proven right.
  CUSTOS_RETURN_IF_ERROR(Unwrap(ring, impl.kek, &impl.data_keys));
  impl.current_version = ring.current;

  {
    CUSTOS_ASSIGN_OR_RETURN(internal::Txn txn,
                            internal::Txn::Begin(impl.env, nullptr, options.read_only));
    for (Table t : tables::kAllTables) {
      MDB_dbi dbi;
      int rc =
          mdb_dbi_open(txn.get(), std::string(t).c_str(), options.read_only ? 0 : MDB_CREATE, &dbi);
      if (rc == MDB_NOTFOUND && options.read_only) continue;
      if (rc != 0) return internal::LmdbStatus(rc, "opening table " + std::string(t));
      impl.dbis.emplace(std::string(t), dbi);
    }
    // Committed even when read-only: LMDB closes the handles a transaction
    // opened when it is aborted.
    CUSTOS_RETURN_IF_ERROR(txn.Commit());
  }
  // A read-only vault has nothing to commit.
  if (!options.read_only) impl.committer = std::thread([&impl] { impl.CommitterLoop(); });
  CUSTOS_ASSIGN_OR_RETURN(impl.index_key, v->GetOrCreateSecret("vault.index_key", 32));
  return v;
}

bool Vault::read_only() const { return impl_->options.read_only; }

Result<std::unique_ptr<ReadTxn>> Vault::BeginRead() const {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock<std::shared_mutex> gate(impl_->resize_gate);
    auto txn = internal::Txn::Begin(impl_->env, nullptr, true);
    if (txn.ok()) {
      return std::unique_ptr<ReadTxn>(
          new OwnedReadTxn(this, std::move(txn).value(), std::move(gate)));
    }
    // kAborted from a top-level begin is MDB_MAP_RESIZED: the writing
    // process grew the map beyond this (read-only) process's mapping. Adopt
    // the new size, with no transaction of ours active, and begin again.
    if (txn.status().code() != StatusCode::kAborted || attempt > 0) return txn.status();
    gate.unlock();
    std::unique_lock<std::shared_mutex> resize(impl_->resize_gate);
    CUSTOS_RETURN_IF_ERROR(impl_->env.SetMapSize(0));
  }
}

// ---- information ----------------------------------------------------------------

namespace {
Status FillInfo(MDB_txn* txn, const std::map<std::string, MDB_dbi, std::less<>>& dbis,
                VaultInfo* info) {
  for (const auto& [name, dbi] : dbis) {
    MDB_stat st;
    int rc = mdb_stat(txn, dbi, &st);
    if (rc != 0) return internal::LmdbStatus(rc, "counting " + name);
    if (name == tables::kMeta) continue;
    info->tables.push_back(TableCount{name, static_cast<uint64_t>(st.ms_entries)});
    if (name == tables::kAuditLeaves) info->audit_log_size = st.ms_entries;
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

Result<VaultInfo> Vault::InspectSealed(const std::string& dir) {
  if (!DataFileExists(dir)) return Status::NotFound("no vault in " + dir);
  CUSTOS_ASSIGN_OR_RETURN(internal::Env env,
                          internal::Env::Open(dir, size_t{1} << 20, kMaxDbs, true));
  CUSTOS_ASSIGN_OR_RETURN(internal::Txn txn, internal::Txn::Begin(env, nullptr, true));
  MDB_dbi meta;
  if (mdb_dbi_open(txn.get(), std::string(tables::kMeta).c_str(), 0, &meta) != 0)
    return Status::DataLoss("not a Custos vault, or its metadata is damaged");
  VaultInfo info;
  CUSTOS_ASSIGN_OR_RETURN(std::string fmt, MetaGet(txn.get(), meta, kFormatKey));
  info.format_version = std::atoi(fmt.c_str());
  CUSTOS_ASSIGN_OR_RETURN(info.log_name, MetaGet(txn.get(), meta, kLogNameKey));
  CUSTOS_ASSIGN_OR_RETURN(std::string ring_text, MetaGet(txn.get(), meta, kKeyringKey));
  CUSTOS_ASSIGN_OR_RETURN(Keyring ring, Keyring::Parse(ring_text));
  FillKeyring(ring, &info);
  std::map<std::string, MDB_dbi, std::less<>> dbis;
  for (Table t : tables::kAllTables) {
    MDB_dbi dbi;
    if (mdb_dbi_open(txn.get(), std::string(t).c_str(), 0, &dbi) == 0)
      dbis.emplace(std::string(t), dbi);
  }
  CUSTOS_RETURN_IF_ERROR(FillInfo(txn.get(), dbis, &info));
  info.map_size = env.MapSize();
  return info;
}

Result<VaultInfo> Vault::Info() const {
  VaultInfo info;
  info.format_version = kFormatVersion;
  info.log_name = log_name_;
  CUSTOS_ASSIGN_OR_RETURN(auto r, BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(Keyring ring, ReadKeyring(*r));
  FillKeyring(ring, &info);
  CUSTOS_RETURN_IF_ERROR(FillInfo(T(r->txn_), impl_->dbis, &info));
  info.map_size = impl_->env.MapSize();
  return info;
}

// ---- raw access (tests, tools) ---------------------------------------------------

namespace internal {
Result<std::string> RawGet(const Vault& vault, Table table, std::string_view key) {
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, vault.impl().Dbi(table));
  CUSTOS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(vault.impl().env, nullptr, true));
  MDB_val k = ToVal(key), v;
  int rc = mdb_get(txn.get(), dbi, &k, &v);
  if (rc != 0) return LmdbStatus(rc, "raw read");
  return std::string(FromVal(v));
}

Status RawPut(Vault& vault, Table table, std::string_view key, std::string_view bytes) {
  CUSTOS_ASSIGN_OR_RETURN(MDB_dbi dbi, vault.impl().Dbi(table));
  // Its own write transaction; LMDB serialises it with the committer's.
  std::shared_lock gate(vault.impl().resize_gate);
  CUSTOS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(vault.impl().env, nullptr, false));
  MDB_val k = ToVal(key), v = ToVal(bytes);
  int rc = mdb_put(txn.get(), dbi, &k, &v, 0);
  if (rc != 0) return LmdbStatus(rc, "raw write");
  return txn.Commit();
}
}  // namespace internal

}  // namespace custos::vault
