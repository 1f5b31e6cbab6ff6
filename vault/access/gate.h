// The access path: the one piece of code through which every protected
// operation of the vault is decided by the policy and audited in the same
// transaction ("every access is decided and audited", ARCHITECTURE.md).
//
//   caller ──► AccessGate::Decide(txn, caller, attempt, prepare)
//                1. the caller as a user (unknown or disabled → kUnauthenticated,
//                   nothing written)
//                2. the policy in force in `txn` (cached by digest)
//                3. facts: the actor, the time and the reason, then `prepare`
//                4. policy::Authorize → allow or deny, with its rule
//                5. the audit event, appended whatever the decision
//                6. the access alerts of an attempt on a record (alerts.h)
//              ◄── Outcome {allowed, rule, decision, permit, user, seq, refusal}
//
// DecideThenWrite wraps the common shape "decide, audit, then write if
// allowed, in one Vault::Write". Peek decides without auditing, for
// read-only pre-checks that are advisory only (the write decides again), or
// inside a write that then appends its events with Record.
//
// Thread-safety: an AccessGate is shared by all threads of the process (its
// policy cache is locked); Outcome is a value.
#ifndef CUSTOS_VAULT_ACCESS_GATE_H_
#define CUSTOS_VAULT_ACCESS_GATE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "policy/engine.h"
#include "policy/facts.h"
#include "policy/policy.h"
#include "policy/types.h"
#include "vault/access/caller.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/store/vault.h"

namespace custos::vault::access {

// What a caller attempts, as the policy decides it and the log records it.
struct Attempt {
  policy::Action action = policy::Action::kViewContent;
  std::string event_action;  // the audit event's action: "record.view", "loan.approve", ...
  std::string object_type;   // the event's object: "record", "loan", "agreement", ...
  std::string object_id;     // "" when the attempt names no single object
  // The caller's reason: Facts::reason and the event's reason ("" = none).
  std::string reason;
  // When set, an attempt on this record raises the access alerts
  // (alerts.h: notice-period activity, an exhausted quota, the anomaly rules),
  // allowed or refused alike, in the transaction of its event.
  std::string alert_record_id;
  // DecideThenWrite decides first on a read snapshot, on the caller's
  // thread, recording what it read (ReadSet); the write then only checks
  // that none of it changed before it appends the event and applies, and
  // decides again in the write when something did. Set only where
  // `prepare` and `finish` read nothing but the transaction they are given
  // (no other snapshot, no in-memory index): that is what makes the check
  // complete. Ignored on a shared store (PostgreSQL), where it was
  // measured slower.
  bool decide_on_snapshot = false;
  // Keys the decision or `apply` will read that differ from one attempt
  // to the next (a view count, a person's activity): on a shared store
  // the write's batch reads them all in one round trip (Vault::Write).
  std::vector<ReadHint> reads;

  // An attempt on one object (object_id "" for none), with the caller's
  // reason ("" = none).
  static Attempt On(policy::Action action, std::string_view event_action,
                    std::string_view object_type, std::string_view object_id,
                    std::string_view reason = {}) {
    Attempt a;
    a.action = action;
    a.event_action = std::string(event_action);
    a.object_type = std::string(object_type);
    a.object_id = std::string(object_id);
    a.reason = std::string(reason);
    return a;
  }
};

// The decision on one attempt, as data.
struct Outcome {
  bool allowed = false;
  // The rule that decided (an "allow.…" id or the refusing rule).
  std::string rule;
  policy::Decision decision;
  std::optional<policy::Permit> permit;  // iff allowed
  // OK when allowed; the refusal otherwise (Authorization::status(): its
  // rule and messages travel in Status::refusal()).
  Status refusal;
  User user;                                     // the caller, as read in the txn
  std::shared_ptr<const policy::Policy> policy;  // the policy that decided
  policy::Facts facts;                           // the facts it decided on
  UnixMillis now = 0;                            // Facts::now
  uint64_t seq = 0;                              // the audit event's sequence number (0 from Peek)
};

// Fills the facts (actor, now and reason already set) and the event's object
// version and details before the decision. Reads only. An error aborts the
// whole attempt (nothing is written).
using Prepare = std::function<Status(const ReadTxn&, const User&, policy::Facts&, AuditEvent&)>;
// After the decision, before its event is appended (allowed or not): may
// complete the event from the decision, or refuse the whole attempt with an
// error (nothing is written then).
using Finish = std::function<Status(const ReadTxn&, const Outcome&, AuditEvent&)>;
// The change an allowed attempt makes, after its event is appended.
using Apply = std::function<Status(WriteTxn&, const Outcome&)>;

class AccessGate {
 public:
  // `vault` and `log` must outlive the gate.
  AccessGate(Vault& vault, const AuditLog& log) : vault_(vault), log_(log) {}
  AccessGate(const AccessGate&) = delete;
  AccessGate& operator=(const AccessGate&) = delete;

  Vault& vault() const { return vault_; }
  const AuditLog& audit_log() const { return log_; }

  // Decides `attempt` for `caller` inside `txn` and appends its audit event,
  // whatever the decision (steps 1–6 above). Errors: kUnauthenticated when the
  // caller is no user or a disabled one (no event: there is no one to
  // record); the errors of `prepare`, `finish`, the store and the log. A
  // refusal is not an error: it is an Outcome with allowed == false and
  // `refusal` set, its event appended. The caller commits or aborts `txn`.
  Result<Outcome> Decide(WriteTxn& txn, const Caller& caller, const Attempt& attempt,
                         const Prepare& prepare = nullptr, const Finish& finish = nullptr) const;

  // Decide, then `apply` when allowed, in one Vault::Write. Returns the
  // Outcome when allowed and applied; the refusal (its event durable, no
  // change) when refused; any error with nothing written. SECURITY: the
  // vault may run the transaction more than once (map growth): `prepare`,
  // `finish` and `apply` must start from scratch each time (reset what they
  // fill outside).
  Result<Outcome> DecideThenWrite(const Caller& caller, const Attempt& attempt,
                                  const Prepare& prepare, const Apply& apply,
                                  const Finish& finish = nullptr) const;

  // The decision Decide would make in `txn`, without an event, alerts or
  // change (seq = 0). Advisory only: for read-only pre-checks such as
  // "refuse before streaming an upload"; the write must Decide again.
  Result<Outcome> Peek(const ReadTxn& txn, const Caller& caller, const Attempt& attempt,
                       const Prepare& prepare = nullptr) const;

  // Appends `event` as `outcome` decided it (decision, rule, policy digest
  // and outcome word set from the Outcome): for an operation that writes
  // more than one event under one decision, or decides on a read snapshot
  // (Peek) before it knows which event to write. Returns its sequence number.
  Result<uint64_t> Record(WriteTxn& txn, const Outcome& outcome, AuditEvent event) const;

  // Appends `event` as a refusal made before the policy engine was asked
  // (a route's roles, an agreement step on something that is not one):
  // decision deny, outcome "denied", `rule`, and the digest of the policy in
  // force, in its own durable Vault::Write. Returns that write's status.
  Status RecordRefusal(AuditEvent event, std::string_view rule) const;

  // Attempts decided on a snapshot (Attempt::decide_on_snapshot): how many
  // decisions stood in the write, and how many the write made again
  // because something they read had changed.
  struct SnapshotStats {
    uint64_t stood = 0;
    uint64_t redone = 0;
  };
  SnapshotStats snapshot_stats() const {
    return SnapshotStats{stood_.load(std::memory_order_relaxed),
                         redone_.load(std::memory_order_relaxed)};
  }

  // The policy in force as read in `txn` (cached by digest).
  Result<std::shared_ptr<const policy::Policy>> PolicyAt(const ReadTxn& txn) const;

  // The caller as a user: kUnauthenticated when unknown or disabled.
  static Result<User> CallerUser(const ReadTxn& txn, const Caller& caller);
  static policy::ActorFacts ActorFactsFor(const User& user);
  // An audit event pre-filled with the caller (as `user` when known),
  // roles, session, place, action and object.
  static AuditEvent NewEvent(const Caller& caller, const User* user, std::string action,
                             std::string object_type, std::string object_id);

 private:
  // Steps 1–4 and the event as far as the decision; `event` is filled.
  Result<Outcome> Judge(const ReadTxn& txn, const Caller& caller, const Attempt& attempt,
                        const Prepare& prepare, AuditEvent* event) const;
  // Steps 5 and 6 for a judged attempt: appends `prepared` (the encoding
  // of `event`), sets out->seq and raises the attempt's alerts.
  Status Conclude(WriteTxn& txn, const Caller& caller, const Attempt& attempt,
                  const AuditEvent& event, const PreparedAuditEvent& prepared, Outcome* out) const;
  // Steps 1–4, `finish` and the event's encoding on a recorded read
  // snapshot (Attempt::decide_on_snapshot); null when any of it failed (the
  // write then decides).
  struct EarlyDecision;
  std::unique_ptr<EarlyDecision> DecideOnSnapshot(const Caller& caller, const Attempt& attempt,
                                                  const Prepare& prepare,
                                                  const Finish& finish) const;

  Vault& vault_;
  const AuditLog& log_;
  mutable std::mutex policy_mu_;
  mutable std::shared_ptr<const policy::Policy> policy_cache_;
  mutable std::atomic<uint64_t> stood_{0};
  mutable std::atomic<uint64_t> redone_{0};
};

}  // namespace custos::vault::access

#endif  // CUSTOS_VAULT_ACCESS_GATE_H_
