// Copying a vault's entries between stores (kv_store.h): backups of a
// PostgreSQL vault and `custos migrate`.
#include <string>
#include <utility>
#include <vector>

#include "vault/store/internal/kv_store.h"

namespace custos::vault::internal {

namespace {
constexpr size_t kBatchEntries = 4096;
constexpr size_t kBatchBytes = size_t{32} << 20;

// Writes `batch` in one transaction, growing the store when it is full.
Status Flush(KvStore& to, Table table,
             const std::vector<std::pair<std::string, std::string>>& batch) {
  for (int attempt = 0; attempt < 40; ++attempt) {
    CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<KvTxn> txn, to.BeginWrite());
    Status st = Status::Ok();
    for (const auto& [key, value] : batch) {
      st = txn->Put(table, key, value, PutMode::kInsert);
      if (!st.ok()) break;
    }
    if (st.ok()) st = txn->Commit();
    if (st.code() != StatusCode::kResourceExhausted) return st;
    txn.reset();
    CUSTOS_RETURN_IF_ERROR(to.Grow());
  }
  return Status::ResourceExhausted("the destination store cannot grow further");
}
}  // namespace

Status CopyEntries(const KvStore& from, KvStore& to) {
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<KvTxn> snapshot, from.BeginRead());
  for (Table table : tables::kAllTables) {
    std::vector<std::pair<std::string, std::string>> batch;
    size_t bytes = 0;
    Status flushed = Status::Ok();
    CUSTOS_RETURN_IF_ERROR(snapshot->Scan(
        table, "", "", false, [&](std::string_view key, std::string_view value) -> Result<bool> {
          batch.emplace_back(std::string(key), std::string(value));
          bytes += key.size() + value.size();
          if (batch.size() >= kBatchEntries || bytes >= kBatchBytes) {
            flushed = Flush(to, table, batch);
            if (!flushed.ok()) return flushed;
            batch.clear();
            bytes = 0;
          }
          return true;
        }));
    if (!batch.empty()) CUSTOS_RETURN_IF_ERROR(Flush(to, table, batch));
  }
  return Status::Ok();
}

}  // namespace custos::vault::internal
