// Whole-vault maintenance: reading back every stored value (Scrub) and the
// consistent copy backups are made of (CopyTo). See vault.h and
// vault/backup/backup.h.
#include "base/encoding.h"
#include "vault/store/internal/dir_lock.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/sealed_stream.h"
#include "vault/store/vault.h"

namespace custos::vault {

Result<ScrubReport> Vault::Scrub(const std::function<void(uint64_t)>& progress) const {
  ScrubReport report;
  CUSTOS_ASSIGN_OR_RETURN(auto txn, BeginRead());
  for (Table table : tables::kAllTables) {
    if (table == tables::kMeta) continue;
    if (table == tables::kStreamChunks) {
      // Not sealed by the vault: each stream's chunks are checked with its
      // own key, which its description in kStreams names.
      Status checked = ScrubStreamChunks(*txn, &report, progress);
      if (!checked.ok()) report.damaged.push_back({std::string(table), "", checked.message()});
      continue;
    }
    Status scanned = txn->txn_->Scan(
        table, "", "", false, [&](std::string_view key, std::string_view sealed) -> Result<bool> {
          auto plain = impl_->OpenValue(table, key, sealed);
          if (plain.ok()) {
            WipeString(&*plain);
          } else {
            report.damaged.push_back(
                {std::string(table), HexEncode(key), plain.status().message()});
          }
          ++report.entries;
          report.bytes += sealed.size();
          if (progress && report.entries % 4096 == 0) progress(report.entries);
          return true;
        });
    // The store could not read on in this table (LMDB noticed a damaged
    // page): the rest of it is skipped.
    if (!scanned.ok()) report.damaged.push_back({std::string(table), "", scanned.message()});
  }
  return report;
}

Status Vault::CopyTo(int fd) const { return impl_->store->CopyTo(fd); }

Status Vault::CopyStore(const std::string& from, const std::string& to) {
  CUSTOS_ASSIGN_OR_RETURN(StoreLocation src, StoreLocation::Parse(from));
  CUSTOS_ASSIGN_OR_RETURN(StoreLocation dst, StoreLocation::Parse(to));
  // A directory's writer's lock is held for the copy: beside a running
  // serve the copy would be stale at once, and what serve writes after it
  // would be in the source alone. An account that may not take the lock
  // (read-only) copies without it; its caller compares the log before and
  // after.
  internal::DirLock lock;
  if (src.is_lmdb()) {
    auto held = internal::DirLock::Acquire(src.target);
    if (held.ok()) {
      lock = std::move(held).value();
    } else if (held.status().code() == StatusCode::kFailedPrecondition) {
      return held.status().Annotate("stop custos serve first", "请先停止 custos serve");
    }
  }
  internal::KvOpen read;
  read.read_only = true;
  CUSTOS_ASSIGN_OR_RETURN(auto source, internal::OpenKvStore(src, read));
  internal::KvOpen create;
  create.create = true;
  CUSTOS_ASSIGN_OR_RETURN(auto target, internal::OpenKvStore(dst, create));
  return internal::CopyEntries(*source, *target);
}

}  // namespace custos::vault
