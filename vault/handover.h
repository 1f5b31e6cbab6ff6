// Customer handover when someone leaves (离职交接): the records a departing
// person owns are each assigned to a successor, and each assignment is
// confirmed by an approver, which moves the record's ownership.
//
//   AssignHandover   (policy: assign_handover — HR and approvers by default)
//                    a pending handover of one record of a person in their
//                    notice period (or already departed) to an active
//                    successor; assigning again while pending replaces the
//                    successor.
//   ConfirmHandover  (policy: confirm_handover — approvers by default; never
//                    whoever assigned it, rule "sod.assigner_not_confirmer")
//                    confirms it and moves the ownership through
//                    Archive::ReassignOwnerIn (history: from, to, by, at, why).
//
// While a record is in a pending handover of user U and U is in the notice
// period, the view decision gets ActorFacts::in_handover = true for U on that
// record (InPendingHandover, read by Archive::View), so U can show the
// successor the file; everything else stays closed to U.
//
// Each step is decided by the policy in force and audited in the same write
// transaction as its change (fail closed); a denial writes only its event and
// is returned as kPermissionDenied "rule: message". Audit events:
//   "departure.handover.assign"   object {"record", id}; details {user,
//                                 successor, previous_successor?}.
//   "departure.handover.confirm"  object {"record", id}; details {user,
//                                 successor, assigned_by}.
//
// Storage: tables::kDepartures "h/" + user id + \0 + record id → the
// handover (sealed JSON). Confirmed handovers are kept as history.
//
// Thread-safety: free functions over an Archive (see records.h).
#ifndef CUSTOS_VAULT_HANDOVER_H_
#define CUSTOS_VAULT_HANDOVER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/types.h"
#include "vault/records.h"
#include "vault/users.h"
#include "vault/vault.h"

namespace custos::vault {

enum class HandoverState { kPending, kConfirmed };
std::string_view HandoverStateId(HandoverState s);  // "pending", "confirmed"

// One record's handover. Holds names and ids only, never content.
struct Handover {
  std::string user_id;  // the person leaving (owner when assigned)
  std::string record_id;
  std::string successor_id;
  HandoverState state = HandoverState::kPending;
  std::string assigned_by;
  UnixMillis assigned_at = 0;
  std::string assign_reason;
  uint64_t assign_seq = 0;  // the assign event
  std::string confirmed_by;
  UnixMillis confirmed_at = 0;
  std::string confirm_reason;
  uint64_t confirm_seq = 0;  // the confirm event (also in ownership history)

  json::Value ToJson() const;
  static Result<Handover> FromJson(const json::Value& v);
};

// A departing person's record and its handover, if any. `meta` is metadata
// only (name, classification, owner, ...).
struct HandoverItem {
  RecordMeta meta;
  std::optional<Handover> handover;
};

// The records `user_id` owns now plus every record handed over from them
// (pending or confirmed), sorted by record id. The caller must be an
// enabled user one of whose roles the policy in force lets assign or confirm
// handovers or read departure reports (kPermissionDenied
// "role.not_permitted: ..." otherwise); kNotFound for an unknown user.
// Unaudited: metadata only.
Result<std::vector<HandoverItem>> ListHandovers(Archive& archive, const Caller& caller,
                                                std::string_view user_id);

// The people in their notice period or departed (whose customers may still
// need a successor), sorted by last working day. Same access rule as
// ListHandovers. Unaudited: names and dates only.
Result<std::vector<User>> ListLeavers(Archive& archive, const Caller& caller);

// Assigns `record_id` of `user_id` to `successor_id` (pending). Errors:
// kUnauthenticated for an unknown/disabled caller; kNotFound for an unknown
// user or record; kFailedPrecondition when the user is active (no notice
// given), the record is not theirs, or the successor is not an active,
// enabled user; kInvalidArgument when the successor is the leaver;
// kPermissionDenied with the rule when the policy denies (audited).
Result<Handover> AssignHandover(Archive& archive, const Caller& caller, std::string_view user_id,
                                std::string_view record_id, std::string_view successor_id,
                                std::string_view reason);

// Confirms the pending handover of `record_id` from `user_id` and moves the
// ownership to the successor, in one transaction with its event. Errors:
// kNotFound when there is no handover; kFailedPrecondition when it is not
// pending, the record changed owner meanwhile, or the successor is no longer
// active; kPermissionDenied with the rule when the policy denies (audited).
Result<Handover> ConfirmHandover(Archive& archive, const Caller& caller, std::string_view user_id,
                                 std::string_view record_id, std::string_view reason);

// Whether `record_id` is in a pending handover of `user` while `user` is in
// the notice period — the policy fact ActorFacts::in_handover. False for
// anyone not in notice_given.
Result<bool> InPendingHandover(const ReadTxn& txn, const User& user, std::string_view record_id);

// Every handover from `user_id` (unaudited; for callers holding a decision).
Result<std::vector<Handover>> HandoversOf(const ReadTxn& txn, std::string_view user_id);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_HANDOVER_H_
