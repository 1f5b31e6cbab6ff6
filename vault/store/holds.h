// Which files and agreements are under a legal hold (诉讼保全): the hold
// index's keys and the reads of it. Every room that changes a file or an
// agreement may need to ask, and the rooms that do (records, agreements)
// must not depend on each other, so the index's layout and its reads sit
// here; placing and lifting holds stays with records (legal_hold.h), the
// decision with evidence.
//
// Storage (tables::kIndex, values sealed and empty):
//   "hold/r/" + record id    \0 + request id   a record held by a request
//   "hold/a/" + agreement id \0 + request id   an agreement held
// An item held by several requests stays held until the last is lifted.
//
// Thread-safety: free functions over transactions (vault.h).
#ifndef CUSTOS_VAULT_STORE_HOLDS_H_
#define CUSTOS_VAULT_STORE_HOLDS_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "vault/store/vault.h"

namespace custos::vault {

enum class HeldKind { kRecord, kAgreement };

// The key prefix of the holds on one item; a hold's key is the prefix
// followed by the request's id.
std::string HoldKeyPrefix(HeldKind kind, std::string_view id);

// The requests holding the item (empty when it is not on hold).
Result<std::vector<std::string>> HoldsOn(const ReadTxn& txn, HeldKind kind, std::string_view id);
Result<std::vector<std::string>> HoldsOnRecord(const ReadTxn& txn, std::string_view record_id);
Result<bool> RecordOnHold(const ReadTxn& txn, std::string_view record_id);
Result<bool> AgreementOnHold(const ReadTxn& txn, std::string_view agreement_id);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_HOLDS_H_
