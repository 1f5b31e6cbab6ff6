// Alerts for the auditors (tables::kAlerts): the one module that writes and
// reads them, so that every alert has one shape.
//
// An alert is stored under EncodeU64(at) + 4 random bytes (keys run in time
// order) as the JSON object
//   {"type","severity","user_id","record_id","at","audit_seq","rule",
//    "details"} — `details` always an object (what crossed the line, the
//    overdue months, …); alerts stored before that are read in this shape
// and always in the transaction of the audit event (`audit_seq`) it is
// about.
//
// Thread-safety: free functions over the caller's transaction.
#ifndef CUSTOS_VAULT_ACCESS_ALERTS_H_
#define CUSTOS_VAULT_ACCESS_ALERTS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/engine.h"
#include "policy/policy.h"
#include "vault/access/caller.h"
#include "vault/access/users.h"
#include "vault/store/vault.h"

namespace custos::vault::access {

struct Alert {
  std::string type;  // "quota.exhausted", "anomaly.view_spike", "noncompete_unpaid", ...
  std::string severity = "warning";
  std::string user_id;    // whom it is about
  std::string record_id;  // the record (or agreement) it is about, "" when none
  UnixMillis at = 0;
  uint64_t audit_seq = 0;  // the event it belongs to
  std::string rule;        // the rule of that event's decision
  json::Value details;     // an object (null is stored as {})
};

// Stores `alert` in `txn`. Errors: those of the store.
Status RaiseAlert(WriteTxn& txn, const Alert& alert);

// Calls `fn` with every stored alert (its JSON object, in the one shape), oldest
// first or, with `newest_first`, newest first, until `fn` returns false or
// an error. kDataLoss when an alert does not parse.
Status ScanAlerts(const ReadTxn& txn, bool newest_first,
                  const std::function<Result<bool>(json::Value alert)>& fn);

// Where CheckAttempt reads the person's recent activity (a hint for
// Vault::Write).
ReadHint ActivityRead(std::string_view user_id);

// The alerts an access attempt on a record raises, in the transaction of
// its audit event `seq` (`action` is the event's: "record.view",
// "record.copy", …): activity during the notice period, the anomaly rules
// of policy/anomaly.h (off hours by the policy's working hours), and an
// exhausted view quota, and attempts on customer files outside the person's
// assignment (`outside_assignment`, Facts::outside_assignment; not for the
// policy's exempt roles). Allowed or refused alike; only views count toward
// the spike rule.
Status CheckAttempt(WriteTxn& txn, const User& user, const Caller& caller, std::string_view action,
                    const std::string& record_id, const policy::Decision& decision, bool allowed,
                    std::optional<bool> outside_assignment, UnixMillis now, uint64_t seq,
                    const policy::Policy& policy);

}  // namespace custos::vault::access

#endif  // CUSTOS_VAULT_ACCESS_ALERTS_H_
