// Legal holds (诉讼保全): what an approved evidence request
// (vault/evidence) freezes until a litigation user lifts it.
//
// While a record is on hold its classification cannot be lowered, by its
// owner (policy rule "hold.no_declassify") or by the declassification timer
// (which skips it); its ownership moves only with two distinct approvers
// (the first approval is kept here as a pending transfer, the second
// completes it); and nothing of it may be deleted or purged (Custos deletes
// no version, attachment or agreement at all; any future purge must ask
// RecordOnHold / AgreementOnHold first). The policy engine gets the fact
// as RecordFacts::legal_hold.
//
// Storage (tables::kIndex, values sealed): the holds themselves as
// vault/store/holds.h lays them out (and reads them: RecordOnHold,
// AgreementOnHold, HoldsOnRecord), and
//   "hold/xfer/" + record id → PendingTransfer JSON  first approval of a move
//
// Thread-safety: free functions over transactions (vault.h).
#ifndef CUSTOS_VAULT_RECORDS_LEGAL_HOLD_H_
#define CUSTOS_VAULT_RECORDS_LEGAL_HOLD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "vault/store/holds.h"
#include "vault/store/vault.h"

namespace custos::vault {

// Places (or releases) the hold of `request_id` on these records and
// agreements, inside the transaction of the decision that does it.
Status PlaceHold(WriteTxn& txn, std::string_view request_id,
                 const std::vector<std::string>& record_ids,
                 const std::vector<std::string>& agreement_ids);
Status ReleaseHold(WriteTxn& txn, std::string_view request_id,
                   const std::vector<std::string>& record_ids,
                   const std::vector<std::string>& agreement_ids);

// The first approval of an ownership move of a held record, or of lowering
// a top-secret marking (via "lower", to "<classification>|<declassify_on>").
struct PendingTransfer {
  std::string record_id;
  std::string to;           // the new owner approved
  std::string approver_id;  // the first approver
  std::string via;          // "reassign" or "handover"
  UnixMillis at = 0;
  uint64_t audit_seq = 0;

  json::Value ToJson() const;
  static Result<PendingTransfer> FromJson(const json::Value& v);
};

// The pending transfer of `record_id`, or nullopt.
Result<std::optional<PendingTransfer>> GetPendingTransfer(const ReadTxn& txn,
                                                          std::string_view record_id);
// Replaces any earlier pending transfer of the record.
Status PutPendingTransfer(WriteTxn& txn, const PendingTransfer& transfer);
// OK when there is none.
Status ClearPendingTransfer(WriteTxn& txn, std::string_view record_id);

// The policy fact for a move of `record_id` to `to`: the first approver of
// the same move (same new owner, same way), or "" — a pending approval of a
// different move does not count.
Result<std::string> HoldFirstApprover(const ReadTxn& txn, std::string_view record_id,
                                      std::string_view to, std::string_view via);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_RECORDS_LEGAL_HOLD_H_
