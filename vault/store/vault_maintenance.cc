// Whole-vault maintenance: reading back every stored value (Scrub) and the
// consistent copy backups are made of (CopyTo). See vault.h and
// vault/backup/backup.h.
#include <mutex>
#include <shared_mutex>

#include "base/encoding.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/vault.h"

namespace custos::vault {

Result<ScrubReport> Vault::Scrub(const std::function<void(uint64_t)>& progress) const {
  ScrubReport report;
  CUSTOS_ASSIGN_OR_RETURN(auto txn, BeginRead());
  MDB_txn* t = static_cast<MDB_txn*>(txn->txn_);
  for (Table table : tables::kAllTables) {
    if (table == tables::kMeta) continue;
    auto dbi = impl_->Dbi(table);
    if (!dbi.ok()) continue;  // a read-only vault skips tables never created
    auto cur = internal::Cursor::Open(t, *dbi);
    if (!cur.ok()) {
      report.damaged.push_back({std::string(table), "", cur.status().message()});
      continue;
    }
    MDB_val k, v;
    for (Result<bool> found = cur->Get(&k, &v, MDB_FIRST);; found = cur->Get(&k, &v, MDB_NEXT)) {
      if (!found.ok()) {
        report.damaged.push_back({std::string(table), "", found.status().message()});
        break;
      }
      if (!*found) break;
      const std::string_view key = internal::FromVal(k);
      const std::string_view sealed = internal::FromVal(v);
      auto plain = impl_->OpenValue(table, key, sealed);
      if (plain.ok()) {
        WipeString(&*plain);
      } else {
        report.damaged.push_back({std::string(table), HexEncode(key), plain.status().message()});
      }
      ++report.entries;
      report.bytes += sealed.size();
      if (progress && report.entries % 4096 == 0) progress(report.entries);
    }
  }
  return report;
}

Status Vault::CopyTo(int fd) const {
  for (int attempt = 0;; ++attempt) {
    std::shared_lock<std::shared_mutex> gate(impl_->resize_gate);
    const int rc = mdb_env_copyfd2(impl_->env.get(), fd, MDB_CP_COMPACT);
    if (rc == 0) return Status::Ok();
    // As in BeginRead: the writing process grew the map beyond this
    // read-only process's mapping; adopt the new size and copy again.
    if (rc != MDB_MAP_RESIZED || attempt > 0) {
      return internal::LmdbStatus(rc, "copying the vault");
    }
    gate.unlock();
    std::unique_lock<std::shared_mutex> resize(impl_->resize_gate);
    CUSTOS_RETURN_IF_ERROR(impl_->env.SetMapSize(0));
  }
}

}  // namespace custos::vault
