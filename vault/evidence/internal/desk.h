// Shared by the parts of EvidenceDesk (requests.cc, export.cc): storage of
// requests and the one shape every step takes — the access path
// (vault/access/gate.h) with the evidence request as the event's object.
#ifndef CUSTOS_VAULT_EVIDENCE_INTERNAL_DESK_H_
#define CUSTOS_VAULT_EVIDENCE_INTERNAL_DESK_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "policy/engine.h"
#include "vault/access/gate.h"
#include "vault/audit/audit_log.h"
#include "vault/evidence/evidence.h"
#include "vault/records/records.h"

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

// Runs `spec` through the access gate (vault/access/gate.h) in one
// Vault::Write (its functions may run more than once): the Outcome when
// allowed and applied, the refusal (its event durable) when refused.
Result<access::Outcome> DecideStep(Archive& archive, const Caller& caller, const StepSpec& spec);

// The decision DecideStep would make in `txn` (spec.prepare fills the
// facts), without auditing: advisory, for read-only pre-checks.
Result<bool> PeekStep(Archive& archive, const ReadTxn& txn, const Caller& caller,
                      const StepSpec& spec);

}  // namespace custos::vault::evidence::internal

#endif  // CUSTOS_VAULT_EVIDENCE_INTERNAL_DESK_H_
