#include "vault/access/gate.h"

#include <string>
#include <utility>

#include "base/text.h"
#include "policy/rules.h"
#include "vault/access/alerts.h"
#include "vault/access/policy_store.h"

namespace custos::vault::access {
namespace {

void SetDecision(AuditEvent* e, const Outcome& o) {
  e->decision = o.allowed ? AuditDecision::kAllow : AuditDecision::kDeny;
  e->rule = o.rule;
  e->policy = o.policy->digest();
  if (o.allowed) {
    e->outcome = "ok";
  } else if (o.rule == policy::rules::kQuotaExhausted) {
    e->outcome = "quota_exhausted";
  } else {
    e->outcome = "denied";
  }
}

}  // namespace

Result<std::shared_ptr<const policy::Policy>> AccessGate::PolicyAt(const ReadTxn& txn) const {
  CUSTOS_ASSIGN_OR_RETURN(std::string digest, CurrentPolicyDigest(txn));
  {
    std::lock_guard lock(policy_mu_);
    if (policy_cache_ && policy_cache_->digest() == digest) return policy_cache_;
  }
  CUSTOS_ASSIGN_OR_RETURN(policy::Policy p, GetPolicyVersion(txn, digest));
  auto shared = std::make_shared<const policy::Policy>(std::move(p));
  std::lock_guard lock(policy_mu_);
  policy_cache_ = shared;
  return shared;
}

Result<User> AccessGate::CallerUser(const ReadTxn& txn, const Caller& caller) {
  if (caller.user_id.empty()) return Status::Unauthenticated("no caller identity");
  auto u = GetUser(txn, caller.user_id);
  if (!u.ok()) {
    if (u.status().code() == StatusCode::kNotFound) return Status::Unauthenticated("unknown user");
    return u.status();
  }
  if (u->disabled) return Status::Unauthenticated("the account is disabled");
  return u;
}

policy::ActorFacts AccessGate::ActorFactsFor(const User& user) {
  policy::ActorFacts a;
  a.user_id = user.id;
  a.roles = user.roles;
  a.employment = user.employment;
  return a;
}

AuditEvent AccessGate::NewEvent(const Caller& caller, const User* user, std::string action,
                                std::string object_type, std::string object_id) {
  AuditEvent e;
  if (user != nullptr) {
    e.actor = {user->id, user->display_name};
    for (policy::Role r : user->roles) e.roles.emplace_back(policy::RoleId(r));
  } else {
    e.actor.id = caller.user_id;
  }
  e.session = caller.session;
  e.place = caller.place;
  e.action = std::move(action);
  e.object.type = std::move(object_type);
  e.object.id = std::move(object_id);
  return e;
}

Result<Outcome> AccessGate::Judge(const ReadTxn& txn, const Caller& caller, const Attempt& attempt,
                                  const Prepare& prepare, AuditEvent* event) const {
  Outcome out;
  // SECURITY: an unknown or disabled caller is refused before anything is
  // decided or written: there is no one the event could name.
  CUSTOS_ASSIGN_OR_RETURN(out.user, CallerUser(txn, caller));
  // The reason is evidence: a judge reads it as stored. Lines and tabs are
  // fine; a control or bidirectional character is bad input, refused
  // before anything is decided (base/text.h).
  CUSTOS_RETURN_IF_ERROR(CheckTextField("the reason", "事由", attempt.reason, true));
  CUSTOS_ASSIGN_OR_RETURN(out.policy, PolicyAt(txn));
  out.facts.actor = ActorFactsFor(out.user);
  out.facts.now = NowMillis();
  out.facts.reason = attempt.reason;
  *event =
      NewEvent(caller, &out.user, attempt.event_action, attempt.object_type, attempt.object_id);
  event->reason = attempt.reason;
  if (prepare) CUSTOS_RETURN_IF_ERROR(prepare(txn, out.user, out.facts, *event));
  out.now = out.facts.now;
  policy::Authorization auth = policy::Authorize(*out.policy, out.facts, attempt.action);
  out.allowed = auth.ok();
  out.refusal = auth.status();
  out.decision = std::move(auth.decision);
  out.permit = std::move(auth.permit);
  out.rule = out.decision.rule;
  SetDecision(event, out);
  return out;
}

Status AccessGate::Conclude(WriteTxn& txn, const Caller& caller, const Attempt& attempt,
                            const AuditEvent& event, const PreparedAuditEvent& prepared,
                            Outcome* out) const {
  CUSTOS_ASSIGN_OR_RETURN(out->seq, log_.Append(txn, prepared));
  if (!attempt.alert_record_id.empty()) {
    CUSTOS_RETURN_IF_ERROR(CheckAttempt(
        txn, out->user, caller, event.action, attempt.alert_record_id, out->decision, out->allowed,
        out->facts.outside_assignment, out->now, out->seq, *out->policy));
  }
  return Status::Ok();
}

Result<Outcome> AccessGate::Decide(WriteTxn& txn, const Caller& caller, const Attempt& attempt,
                                   const Prepare& prepare, const Finish& finish) const {
  AuditEvent e;
  CUSTOS_ASSIGN_OR_RETURN(Outcome out, Judge(txn, caller, attempt, prepare, &e));
  if (finish) CUSTOS_RETURN_IF_ERROR(finish(txn, out, e));
  CUSTOS_ASSIGN_OR_RETURN(PreparedAuditEvent prepared, PrepareAuditEvent(e));
  CUSTOS_RETURN_IF_ERROR(Conclude(txn, caller, attempt, e, prepared, &out));
  return out;
}

struct AccessGate::EarlyDecision {
  ReadSet reads;
  Outcome outcome;
  AuditEvent event;
  PreparedAuditEvent prepared;
};

std::unique_ptr<AccessGate::EarlyDecision> AccessGate::DecideOnSnapshot(
    const Caller& caller, const Attempt& attempt, const Prepare& prepare,
    const Finish& finish) const {
  auto early = std::make_unique<EarlyDecision>();
  // The snapshot ends here, before the write is queued (vault.h: no
  // ReadTxn held across Write).
  auto txn = vault_.BeginRead(&early->reads);
  if (!txn.ok()) return nullptr;
  auto out = Judge(**txn, caller, attempt, prepare, &early->event);
  if (!out.ok()) return nullptr;
  if (finish && !finish(**txn, *out, early->event).ok()) return nullptr;
  auto prepared = PrepareAuditEvent(early->event);
  if (!prepared.ok()) return nullptr;
  early->outcome = std::move(out).value();
  early->prepared = std::move(prepared).value();
  return early;
}

Result<Outcome> AccessGate::DecideThenWrite(const Caller& caller, const Attempt& attempt,
                                            const Prepare& prepare, const Apply& apply,
                                            const Finish& finish) const {
  // Decided on the caller's thread when the attempt allows it, so that the
  // committer, which runs one write at a time for the whole vault, only
  // rereads the decision's inputs as stored bytes (nothing is opened) and
  // appends. The decision's time is the snapshot's; the event's is its
  // append's, as always. Anything the decision read that changed in
  // between (a view counted by another caller, a revoked loan, a new
  // policy) makes the write decide again: the outcome is the same as if it
  // had been decided there. Not on a shared store: there a snapshot is a
  // PostgreSQL transaction of its own whose reads cost round trips and
  // server time a second time, and views were measured fewer, not more
  // (docs/benchmarks.md).
  std::unique_ptr<EarlyDecision> early;
  if (attempt.decide_on_snapshot && !vault_.shared())
    early = DecideOnSnapshot(caller, attempt, prepare, finish);
  Outcome out;
  // The early outcome is moved, not copied, into `out`, once: should the
  // vault run the write again, it decides there.
  bool early_taken = false;
  const auto write = [&](WriteTxn& txn) -> Status {
    // The vault may run this again: `out` is decided afresh each time.
    bool decided = false;
    if (early != nullptr && !early_taken) {
      CUSTOS_ASSIGN_OR_RETURN(const bool same, txn.SeesSame(early->reads));
      if (same) {
        out = std::move(early->outcome);
        early_taken = true;
        CUSTOS_RETURN_IF_ERROR(Conclude(txn, caller, attempt, early->event, early->prepared, &out));
        decided = true;
      }
    }
    if (!decided) {
      CUSTOS_ASSIGN_OR_RETURN(out, Decide(txn, caller, attempt, prepare, finish));
    }
    if (early != nullptr) (decided ? stood_ : redone_).fetch_add(1);
    if (!out.allowed || !apply) return Status::Ok();
    return apply(txn, out);
  };
  // What the attempt will read that differs from one attempt to the next:
  // on a shared store the batch reads it in one round trip (LMDB has no
  // use for it).
  std::vector<ReadHint> reads;
  if (vault_.shared()) {
    reads = attempt.reads;
    if (!attempt.alert_record_id.empty()) reads.push_back(ActivityRead(caller.user_id));
  }
  CUSTOS_RETURN_IF_ERROR(vault_.Write(write, reads));
  if (!out.allowed) return out.refusal;
  return out;
}

Result<uint64_t> AccessGate::Record(WriteTxn& txn, const Outcome& outcome, AuditEvent event) const {
  SetDecision(&event, outcome);
  return log_.Append(txn, event);
}

Status AccessGate::RecordRefusal(AuditEvent event, std::string_view rule) const {
  event.decision = AuditDecision::kDeny;
  event.rule = std::string(rule);
  event.outcome = "denied";
  return vault_.Write([&](WriteTxn& txn) -> Status {
    if (auto digest = CurrentPolicyDigest(txn); digest.ok()) event.policy = *digest;
    return log_.Append(txn, event).status();
  });
}

Result<Outcome> AccessGate::Peek(const ReadTxn& txn, const Caller& caller, const Attempt& attempt,
                                 const Prepare& prepare) const {
  AuditEvent unused;
  return Judge(txn, caller, attempt, prepare, &unused);
}

}  // namespace custos::vault::access
