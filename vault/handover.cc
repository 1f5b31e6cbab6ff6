#include "vault/handover.h"

#include <algorithm>
#include <map>
#include <utility>

#include "policy/engine.h"
#include "policy/facts.h"
#include "policy/rules.h"
#include "vault/legal_hold.h"
#include "vault/tables.h"

namespace custos::vault {
namespace {

constexpr std::string_view kAssignAction = "departure.handover.assign";
constexpr std::string_view kConfirmAction = "departure.handover.confirm";
// The "via" of a pending transfer (legal_hold.h) made by a confirmation.
constexpr std::string_view kTransferByHandover = "handover";

std::string HandoverPrefix(std::string_view user_id) {
  std::string k = "h/";
  k += user_id;
  k.push_back('\0');
  return k;
}

std::string HandoverKey(std::string_view user_id, std::string_view record_id) {
  return HandoverPrefix(user_id) + std::string(record_id);
}

Result<std::optional<Handover>> ReadHandover(const ReadTxn& txn, std::string_view user_id,
                                             std::string_view record_id) {
  auto raw = txn.Get(tables::kDepartures, HandoverKey(user_id, record_id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return std::optional<Handover>();
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  CUSTOS_ASSIGN_OR_RETURN(Handover h, Handover::FromJson(v));
  return std::optional<Handover>(std::move(h));
}

Status PutHandover(WriteTxn& txn, const Handover& h) {
  return txn.Put(tables::kDepartures, HandoverKey(h.user_id, h.record_id),
                 json::Serialize(h.ToJson()));
}

// The successor must be someone who can take the customer on: known,
// enabled, active and not the person leaving.
Status CheckSuccessor(const ReadTxn& txn, std::string_view successor_id, std::string_view leaver) {
  if (successor_id.empty()) return Status::InvalidArgument("the successor is missing");
  if (successor_id == leaver) {
    return Status::InvalidArgument("the successor cannot be the person leaving");
  }
  auto s = GetUser(txn, successor_id);
  if (!s.ok()) {
    if (s.status().code() == StatusCode::kNotFound) {
      return Status::FailedPrecondition("the successor is not a known user");
    }
    return s.status();
  }
  if (s->disabled || s->employment != policy::EmploymentState::kActive) {
    return Status::FailedPrecondition("the successor is not an active user");
  }
  return Status::Ok();
}

// Whether any of the user's roles may take part in handovers or read the
// departure report under `policy`.
bool MayListHandovers(const policy::Policy& policy, const User& user) {
  for (policy::Role r : user.roles) {
    for (policy::Action a : {policy::Action::kAssignHandover, policy::Action::kConfirmHandover,
                             policy::Action::kReadDepartureReport}) {
      if (policy.RolePermits(r, a)) return true;
    }
  }
  return false;
}

// The access rule of ListHandovers and ListLeavers.
Status CheckMayList(const policy::Policy& policy, const User& user) {
  if (user.employment != policy::EmploymentState::kActive) {
    return policy::Refuse(policy::rules::kEmploymentNoticePeriod,
                          "During the notice period only handover views are allowed.");
  }
  if (!MayListHandovers(policy, user)) {
    return policy::Refuse(policy::rules::kRoleNotPermitted,
                          "None of the user's roles permits this action.");
  }
  return Status::Ok();
}

}  // namespace

std::string_view HandoverStateId(HandoverState s) {
  return s == HandoverState::kPending ? "pending" : "confirmed";
}

json::Value Handover::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["user"] = user_id;
  o["record"] = record_id;
  o["successor"] = successor_id;
  o["state"] = std::string(HandoverStateId(state));
  o["assigned_by"] = assigned_by;
  o["assigned_at"] = assigned_at;
  o["assign_reason"] = assign_reason;
  o["assign_seq"] = assign_seq;
  o["confirmed_by"] = confirmed_by;
  o["confirmed_at"] = confirmed_at;
  o["confirm_reason"] = confirm_reason;
  o["confirm_seq"] = confirm_seq;
  return o;
}

Result<Handover> Handover::FromJson(const json::Value& v) {
  Handover h;
  CUSTOS_ASSIGN_OR_RETURN(h.user_id, json::GetString(v, "user"));
  CUSTOS_ASSIGN_OR_RETURN(h.record_id, json::GetString(v, "record"));
  CUSTOS_ASSIGN_OR_RETURN(h.successor_id, json::GetString(v, "successor"));
  CUSTOS_ASSIGN_OR_RETURN(std::string state, json::GetString(v, "state"));
  if (state == "pending") {
    h.state = HandoverState::kPending;
  } else if (state == "confirmed") {
    h.state = HandoverState::kConfirmed;
  } else {
    return Status::DataLoss("malformed handover state");
  }
  CUSTOS_ASSIGN_OR_RETURN(h.assigned_by, json::GetStringOr(v, "assigned_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(h.assigned_at, json::GetIntOr(v, "assigned_at", 0));
  CUSTOS_ASSIGN_OR_RETURN(h.assign_reason, json::GetStringOr(v, "assign_reason", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t aseq, json::GetIntOr(v, "assign_seq", 0));
  h.assign_seq = static_cast<uint64_t>(aseq);
  CUSTOS_ASSIGN_OR_RETURN(h.confirmed_by, json::GetStringOr(v, "confirmed_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(h.confirmed_at, json::GetIntOr(v, "confirmed_at", 0));
  CUSTOS_ASSIGN_OR_RETURN(h.confirm_reason, json::GetStringOr(v, "confirm_reason", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t cseq, json::GetIntOr(v, "confirm_seq", 0));
  h.confirm_seq = static_cast<uint64_t>(cseq);
  return h;
}

Result<std::vector<Handover>> HandoversOf(const ReadTxn& txn, std::string_view user_id) {
  std::vector<Handover> out;
  CUSTOS_RETURN_IF_ERROR(txn.Scan(tables::kDepartures, HandoverPrefix(user_id),
                                  [&](std::string_view, std::string_view value) -> Result<bool> {
                                    CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
                                    CUSTOS_ASSIGN_OR_RETURN(Handover h, Handover::FromJson(v));
                                    out.push_back(std::move(h));
                                    return true;
                                  }));
  return out;
}

Result<bool> InPendingHandover(const ReadTxn& txn, const User& user, std::string_view record_id) {
  if (user.employment != policy::EmploymentState::kNoticeGiven) return false;
  CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> h, ReadHandover(txn, user.id, record_id));
  return h.has_value() && h->state == HandoverState::kPending;
}

Result<std::vector<HandoverItem>> ListHandovers(Archive& archive, const Caller& caller,
                                                std::string_view user_id) {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*txn, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*txn));
  // SECURITY: decided before the target is looked up, so a caller without
  // the right learns nothing about which users exist.
  CUSTOS_RETURN_IF_ERROR(CheckMayList(*policy, user));
  CUSTOS_RETURN_IF_ERROR(GetUser(*txn, user_id).status());
  std::map<std::string, HandoverItem> items;
  for (const std::string& id : archive.RecordsOwnedBy(user_id)) {
    auto meta = Archive::ReadMeta(*txn, id);
    if (!meta.ok()) continue;  // changed since the catalog snapshot
    items[id].meta = std::move(*meta);
  }
  CUSTOS_ASSIGN_OR_RETURN(std::vector<Handover> handovers, HandoversOf(*txn, user_id));
  for (Handover& h : handovers) {
    auto it = items.find(h.record_id);
    if (it == items.end()) {
      auto meta = Archive::ReadMeta(*txn, h.record_id);
      if (!meta.ok()) continue;
      it = items.emplace(h.record_id, HandoverItem{std::move(*meta), std::nullopt}).first;
    }
    it->second.handover = std::move(h);
  }
  std::vector<HandoverItem> out;
  out.reserve(items.size());
  for (auto& [id, item] : items) out.push_back(std::move(item));
  return out;
}

Result<std::vector<User>> ListLeavers(Archive& archive, const Caller& caller) {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*txn, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*txn));
  CUSTOS_RETURN_IF_ERROR(CheckMayList(*policy, user));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<User> users, ListUsers(*txn));
  std::vector<User> out;
  for (User& u : users) {
    if (u.employment != policy::EmploymentState::kActive) out.push_back(std::move(u));
  }
  std::sort(out.begin(), out.end(),
            [](const User& a, const User& b) { return a.last_working_day < b.last_working_day; });
  return out;
}

Result<Handover> AssignHandover(Archive& archive, const Caller& caller, std::string_view user_id,
                                std::string_view record_id, std::string_view successor_id,
                                std::string_view reason) {
  if (user_id.empty() || record_id.empty()) {
    return Status::InvalidArgument("user and record are required");
  }
  access::Attempt attempt;
  attempt.action = policy::Action::kAssignHandover;
  attempt.event_action = std::string(kAssignAction);
  attempt.object_type = "record";
  attempt.object_id = std::string(record_id);
  attempt.reason = std::string(reason);
  RecordMeta meta;
  User leaver;
  Handover h;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(meta, Archive::ReadMeta(txn, record_id));
                f.record = Archive::RecordFactsFor(meta);
                f.target_user_id = std::string(successor_id);
                e.details["user"] = std::string(user_id);
                e.details["successor"] = std::string(successor_id);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                h = Handover{};
                h.user_id = leaver.id;
                h.record_id = meta.id;
                h.successor_id = std::string(successor_id);
                h.state = HandoverState::kPending;
                h.assigned_by = o.user.id;
                h.assigned_at = o.now;
                h.assign_reason = std::string(reason);
                h.assign_seq = o.seq;
                return PutHandover(txn, h);
              },
              // Allowed: the handover must make sense, or nothing is written.
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) -> Status {
                if (!o.allowed) return Status::Ok();
                CUSTOS_ASSIGN_OR_RETURN(leaver, GetUser(txn, user_id));
                if (leaver.employment == policy::EmploymentState::kActive) {
                  return Status::FailedPrecondition("no resignation is registered for the user");
                }
                if (meta.owner_id != leaver.id) {
                  return Status::FailedPrecondition(
                      "the record is not owned by the departing user");
                }
                CUSTOS_RETURN_IF_ERROR(CheckSuccessor(txn, successor_id, leaver.id));
                CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> previous,
                                        ReadHandover(txn, leaver.id, meta.id));
                if (previous && previous->state == HandoverState::kPending) {
                  e.details["previous_successor"] = previous->successor_id;
                }
                return Status::Ok();
              })
          .status());
  return h;
}

Result<Handover> ConfirmHandover(Archive& archive, const Caller& caller, std::string_view user_id,
                                 std::string_view record_id, std::string_view reason) {
  if (user_id.empty() || record_id.empty()) {
    return Status::InvalidArgument("user and record are required");
  }
  access::Attempt attempt;
  attempt.action = policy::Action::kConfirmHandover;
  attempt.event_action = std::string(kConfirmAction);
  attempt.object_type = "record";
  attempt.object_id = std::string(record_id);
  attempt.reason = std::string(reason);
  RecordMeta meta;
  Handover h;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_ASSIGN_OR_RETURN(meta, Archive::ReadMeta(txn, record_id));
                CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> found,
                                        ReadHandover(txn, user_id, meta.id));
                if (!found) return Status::NotFound("no handover of this record from this user");
                h = std::move(*found);
                f.record = Archive::RecordFactsFor(meta);
                f.target_user_id = h.successor_id;
                f.handover_assigned_by = h.assigned_by;
                CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta.id));
                CUSTOS_ASSIGN_OR_RETURN(
                    f.hold_first_approver,
                    HoldFirstApprover(txn, meta.id, h.successor_id, kTransferByHandover));
                e.details["user"] = h.user_id;
                e.details["successor"] = h.successor_id;
                e.details["assigned_by"] = h.assigned_by;
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                if (!o.decision.approvals_complete) {
                  // Under legal hold: the first of two confirmations is kept and the
                  // handover stays pending until a second approver confirms it.
                  return PutPendingTransfer(
                      txn, PendingTransfer{meta.id, h.successor_id, o.user.id,
                                           std::string(kTransferByHandover), o.now, o.seq});
                }
                CUSTOS_RETURN_IF_ERROR(ClearPendingTransfer(txn, meta.id));
                // The ownership history names the confirming approver (the permit's
                // actor), the time and this reason, and points at the confirm event.
                CUSTOS_RETURN_IF_ERROR(archive
                                           .ReassignOwnerIn(txn, *o.permit, meta, h.successor_id,
                                                            reason.empty() ? "handover" : reason,
                                                            o.seq)
                                           .status());
                h.state = HandoverState::kConfirmed;
                h.confirmed_by = o.user.id;
                h.confirmed_at = o.now;
                h.confirm_reason = std::string(reason);
                h.confirm_seq = o.seq;
                return PutHandover(txn, h);
              },
              // Allowed: the handover must still be open and make sense, or
              // nothing is written.
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) -> Status {
                if (!o.allowed) return Status::Ok();
                if (h.state != HandoverState::kPending) {
                  return Status::FailedPrecondition("the handover is already confirmed");
                }
                if (meta.owner_id != h.user_id) {
                  return Status::FailedPrecondition(
                      "the record changed owner since the assignment");
                }
                CUSTOS_RETURN_IF_ERROR(CheckSuccessor(txn, h.successor_id, h.user_id));
                if (o.facts.record->legal_hold) e.details["legal_hold"] = true;
                if (!o.decision.approvals_complete) e.outcome = "pending_second_approval";
                return Status::Ok();
              })
          .status());
  return h;
}

}  // namespace custos::vault
