#include "vault/store/holds.h"

#include "vault/store/tables.h"

namespace custos::vault {

std::string HoldKeyPrefix(HeldKind kind, std::string_view id) {
  std::string k = kind == HeldKind::kRecord ? "hold/r/" : "hold/a/";
  k += id;
  k.push_back('\0');
  return k;
}

Result<std::vector<std::string>> HoldsOn(const ReadTxn& txn, HeldKind kind, std::string_view id) {
  const std::string prefix = HoldKeyPrefix(kind, id);
  std::vector<std::string> out;
  CUSTOS_RETURN_IF_ERROR(
      txn.ScanKeys(tables::kIndex, prefix, [&](std::string_view key) -> Result<bool> {
        out.emplace_back(key.substr(prefix.size()));
        return true;
      }));
  return out;
}

Result<std::vector<std::string>> HoldsOnRecord(const ReadTxn& txn, std::string_view record_id) {
  return HoldsOn(txn, HeldKind::kRecord, record_id);
}

Result<bool> RecordOnHold(const ReadTxn& txn, std::string_view record_id) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> holders, HoldsOnRecord(txn, record_id));
  return !holders.empty();
}

Result<bool> AgreementOnHold(const ReadTxn& txn, std::string_view agreement_id) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> holders,
                          HoldsOn(txn, HeldKind::kAgreement, agreement_id));
  return !holders.empty();
}

}  // namespace custos::vault
