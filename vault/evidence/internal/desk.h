// Shared by the parts of EvidenceDesk (requests.cc, export.cc): storage of
// requests and the one shape every step takes — the caller and the policy
// read in the write, the decision, its event whatever it says, and the
// change only when allowed, all in one transaction.
#ifndef CUSTOS_VAULT_EVIDENCE_INTERNAL_DESK_H_
#define CUSTOS_VAULT_EVIDENCE_INTERNAL_DESK_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "policy/engine.h"
#include "vault/audit_log.h"
#include "vault/evidence/evidence.h"
#include "vault/records.h"

namespace custos::vault::evidence::internal {

Result<EvidenceRequest> LoadRequest(const ReadTxn& txn, std::string_view id);
Status StoreRequest(WriteTxn& txn, const EvidenceRequest& r);
Result<std::vector<EvidenceRequest>> AllRequests(const ReadTxn& txn);
// The ids of every request with this case reference (the chain of custody).
Result<std::vector<std::string>> CaseRequestIds(const ReadTxn& txn, std::string_view case_ref);

struct StepSpec {
  policy::Action action = policy::Action::kRequestEvidence;
  std::string event_action;  // "evidence.approve", ...
  std::string object_id;     // the request id ("" for a preview)
  std::string reason;
  // Fills the facts and the event's details before the decision; an error
  // aborts the whole step (nothing is written).
  std::function<Status(const ReadTxn&, policy::Facts&, AuditEvent&)> prepare;
  // After an allowing decision, before its event: checks that may still
  // refuse the step (nothing is written then) and completes the event.
  std::function<Status(const ReadTxn&, const policy::Decision&, AuditEvent&)> check;
  // The change, after the event (seq) is appended.
  std::function<Status(WriteTxn&, const User&, const policy::Decision&, uint64_t seq,
                       UnixMillis now)>
      apply;
};

struct Decided {
  Status denied;  // the refusal, when the policy refused (its event is durable)
  policy::Decision decision;
  uint64_t seq = 0;
  UnixMillis now = 0;
};

// Runs `spec` in one Vault::Write (its functions may run more than once).
Result<Decided> DecideStep(Archive& archive, const Caller& caller, const StepSpec& spec);

}  // namespace custos::vault::evidence::internal

#endif  // CUSTOS_VAULT_EVIDENCE_INTERNAL_DESK_H_
