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
//   "departure.customer_letter"   object {"record", id}; details {user,
//                                 successor, language, letter_sha256}.
//   "departure.customer_confirm"  object {"record", id}; details {user,
//                                 successor, answer, method, date,
//                                 attachment?}.
//   "departure.customer_waive"    object {"record", id}; details {user,
//                                 successor, previous_answer}.
//
// Then the customer (离职客户确认): a handover is only safe once the customer
// knows that the leaver no longer acts for the company, or the leaver calls
// first.
//   IssueCustomerLetter       (policy: confirm_customer — the successor, or
//                             custodians by default) renders the letter from
//                             contract-templates/letters/ and keeps its text
//                             and SHA-256 with the handover.
//   RecordCustomerAnswer      (confirm_customer) the customer's answer:
//                             confirmed, refused or unreachable, how (phone,
//                             email, letter, visit), who at the customer, the
//                             date, a note, optionally the scanned reply (an
//                             attachment of the record). Refused and
//                             unreachable raise "departure.customer_not_confirmed".
//   WaiveCustomerConfirmation (waive_customer_confirmation — approvers; never
//                             the successor) completes it without the answer,
//                             with a reason.
// The policy's <departure customer-confirmation="required|optional|off">
// decides whether the answer is needed (HandoverComplete).
//
// Storage: tables::kDepartures "h/" + user id + \0 + record id → the
// handover (sealed JSON); "l/" + user id + \0 + record id → the last letter
// issued (its HTML). Confirmed handovers are kept as history.
//
// Thread-safety: free functions over an Archive (see records.h).
#ifndef CUSTOS_VAULT_PEOPLE_HANDOVER_H_
#define CUSTOS_VAULT_PEOPLE_HANDOVER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/policy.h"
#include "policy/types.h"
#include "vault/access/users.h"
#include "vault/records/handover_store.h"
#include "vault/records/records.h"
#include "vault/store/vault.h"

namespace custos::vault {

// A departing person's record and its handover, if any. `meta` is metadata
// only (name, classification, owner, ...).
struct HandoverItem {
  RecordMeta meta;
  std::optional<Handover> handover;
};

// A handover as its successor sees it: the file, who left it, the handover.
struct HandedToMe {
  RecordMeta meta;
  User leaver;
  Handover handover;
};

// A leaver who handed files to the caller, and how many.
struct HandedToMeFrom {
  User leaver;
  size_t total = 0;
  size_t open = 0;  // not complete (HandoverComplete) under the policy in force
};

// A page of HandoversTo, and the counts of the whole list.
struct HandedToMePage {
  std::vector<HandedToMe> items;
  size_t total = 0;
  size_t open = 0;
  std::vector<HandedToMeFrom> leavers;  // in the list's order
  policy::CustomerConfirmation mode = policy::CustomerConfirmation::kOptional;
};

// The handovers of which the caller is the successor, pending or
// confirmed, from any leaver: the successor's own list, to tell each
// customer and record their answer (IssueCustomerLetter,
// RecordCustomerAnswer; still decided by the policy there). Any active
// caller, about themself only, so no role is needed; unaudited (names, ids
// and states only, no content). Sorted by the leaver's last working day,
// then the file's name: the `limit` from `offset` on. Only the page's files
// and handovers are read in full (a successor may take over 100 000
// customers); the counts come from the successor index and the names from
// the records catalog. kUnauthenticated for an unknown or disabled caller.
Result<HandedToMePage> HandoversTo(Archive& archive, const Caller& caller, size_t offset = 0,
                                   size_t limit = SIZE_MAX);

// A page of ListHandovers: its items, and how many there are in all.
struct HandoverPage {
  std::vector<HandoverItem> items;
  size_t total = 0;
};

// The records `user_id` owns now plus every record handed over from them
// (pending or confirmed), by name in pinyin order and then by id
// (Archive::NameOrder): the `limit` from `offset` on (a salesperson may
// leave 100 000 customers). Only the page's files and handovers are read;
// the rest are counted and ordered from the catalog and the handovers'
// keys. The caller must be an enabled user one of whose roles
// the policy in force lets assign or confirm handovers or read departure
// reports (kPermissionDenied "role.not_permitted: ..." otherwise);
// kNotFound for an unknown user, kFailedPrecondition for one who is not a
// leaver (ListLeavers). Unaudited: metadata only.
Result<HandoverPage> ListHandovers(Archive& archive, const Caller& caller, std::string_view user_id,
                                   size_t offset = 0, size_t limit = SIZE_MAX);

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

// Handing a leaver's files over at once (一键交接), as a records clerk does on
// the day someone resigns: the same steps as AssignHandover and
// ConfirmHandover, each file decided by the policy and audited as its own
// event (details.bulk = true) in the transaction of its change,
// kBulkHandoverChunk files to a transaction so that a leaver of 100 000
// files holds no other write back for long. A reason is required
// (kInvalidArgument). The first refusal stops it: its event is kept, what
// was done before it stays done, and `refusal` says why (its rule in
// Status::refusal()). An error stops it the same way, the files of its
// transaction untouched, and is returned.
inline constexpr size_t kBulkHandoverChunk = 500;
struct BulkHandoverResult {
  size_t done = 0;                     // assigned, or confirmed
  size_t pending_second_approval = 0;  // confirmed once under a legal hold
  size_t skipped = 0;                  // left as they are (see each function)
  Status refusal;                      // OK, or the refusal that stopped it
};

// Every file `user_id` owns now that has no handover yet, assigned to
// `successor_id`; a pending handover keeps its successor, and a file the
// caller wrote is left for another (skipped: sod.owner_not_approver). Checked
// first, with nothing written: the caller may list departures (as
// ListHandovers; a refusal is audited on the leaver), the user has given
// notice (kFailedPrecondition) and the successor is active and not the
// leaver (CheckSuccessor's errors). A file the successor may not open under
// the policy (an auditor, an administrator, a role not on its marking's view
// list) stops it with that refusal (kFailedPrecondition), as AssignHandover
// refuses it. `chunk`: files to a transaction.
Result<BulkHandoverResult> AssignAllHandovers(Archive& archive, const Caller& caller,
                                              std::string_view user_id,
                                              std::string_view successor_id,
                                              std::string_view reason,
                                              size_t chunk = kBulkHandoverChunk);

// Every pending handover from `user_id` confirmed, but those the caller may
// not confirm, left for another approver (skipped, never refused): the ones
// the caller assigned (sod.assigner_not_confirmer), is the successor of
// (sod.self_assignment), wrote the file of (sod.owner_not_approver) or
// confirmed once already under a legal hold; and those whose file changed
// owner or whose successor is no longer active. Under a legal hold a
// confirmation is the first of two (pending_second_approval).
Result<BulkHandoverResult> ConfirmAllHandovers(Archive& archive, const Caller& caller,
                                               std::string_view user_id, std::string_view reason,
                                               size_t chunk = kBulkHandoverChunk);

// Confirms the pending handover of `record_id` from `user_id` and moves the
// ownership to the successor, in one transaction with its event. Errors:
// kNotFound when there is no handover; kFailedPrecondition when it is not
// pending, the record changed owner meanwhile, or the successor is no longer
// active; kPermissionDenied with the rule when the policy denies (audited).
Result<Handover> ConfirmHandover(Archive& archive, const Caller& caller, std::string_view user_id,
                                 std::string_view record_id, std::string_view reason);

// Whether the handover is complete: confirmed by an approver and, where the
// policy requires it, confirmed by the customer or waived.
bool HandoverComplete(const Handover& h, policy::CustomerConfirmation mode);
bool HandoverComplete(const HandoverStatus& s, policy::CustomerConfirmation mode);

// The customer's side as one word for pages and reports: "off" (the policy
// does not use it), "confirmed", "waived" (not confirmed, an approver
// waived it), "refused", "unreachable" or "pending".
std::string_view CustomerStateId(const Handover& h, policy::CustomerConfirmation mode);
// The same from the answer and whether it was waived.
std::string_view CustomerStateId(CustomerAnswer answer, bool waived,
                                 policy::CustomerConfirmation mode);

// What the letter says, as IssueCustomerLetter gathers it for the renderer.
// Dates are YYYY-MM-DD.
struct CustomerLetterFacts {
  std::string language;  // "zh-CN" or "en"
  std::string company_name;
  std::string customer_name;  // the record's name
  std::string leaver_name;
  std::string end_date;  // the leaver's last working day
  std::string successor_name;
  std::string successor_department;
  std::string successor_phone;
  std::string successor_email;
  std::string letter_date;  // today (the company's date)
  std::string reply_by;     // "" for none
};
// Renders the letter's HTML (web/ passes one over contract-templates; the
// vault does not link the template library). Must be deterministic; errors
// (kInvalidArgument for a missing field) are returned to the caller.
using CustomerLetterRenderer = std::function<Result<std::string>(const CustomerLetterFacts&)>;

// What the person issuing the letter fills in.
struct CustomerLetterRequest {
  std::string language = "zh-CN";  // "zh-CN" or "en"
  std::string company_name;
  std::string successor_phone;
  std::string successor_email;
  std::string successor_department;  // "" = the successor's department
  std::string reply_by;              // "" or YYYY-MM-DD
};

struct IssuedLetter {
  CustomerLetterInfo info;
  std::string html;
};

// Renders and keeps the letter for the handover of `record_id` from
// `user_id`, in one transaction with its event. Errors: kNotFound without a
// handover; kInvalidArgument for a bad language, date or a field the
// renderer refuses; kPermissionDenied with the rule when the policy denies
// (audited).
Result<IssuedLetter> IssueCustomerLetter(Archive& archive, const Caller& caller,
                                         std::string_view user_id, std::string_view record_id,
                                         const CustomerLetterRequest& request,
                                         const CustomerLetterRenderer& render);

// The letter last issued for the handover (same access rule as
// ListHandovers, or the handover's successor); kNotFound when none.
Result<IssuedLetter> CustomerLetterOf(Archive& archive, const Caller& caller,
                                      std::string_view user_id, std::string_view record_id);

struct CustomerAnswerInput {
  CustomerAnswer answer = CustomerAnswer::kConfirmed;  // confirmed, refused or unreachable
  std::string method;                                  // phone, email, letter, visit
  std::string contact_name;                            // required unless unreachable
  std::string contact_position;
  std::string date;  // YYYY-MM-DD, not after today (the company's date)
  std::string note;
  std::string attachment_id;  // optional: an attachment of the record
};

// Records the customer's answer on the handover, in one transaction with its
// event (and, for refused or unreachable, the alert). A later answer
// replaces an earlier one (a customer reached on the second try). Errors:
// kInvalidArgument for a bad input; kNotFound without a handover or for an
// attachment that is not the record's; kFailedPrecondition when the
// policy's customer-confirmation is "off"; kPermissionDenied with the rule
// (audited).
Result<Handover> RecordCustomerAnswer(Archive& archive, const Caller& caller,
                                      std::string_view user_id, std::string_view record_id,
                                      const CustomerAnswerInput& input);

// An approver completes the handover without the customer's confirmation,
// with a reason (required). kFailedPrecondition when the customer already
// confirmed; otherwise as RecordCustomerAnswer.
Result<Handover> WaiveCustomerConfirmation(Archive& archive, const Caller& caller,
                                           std::string_view user_id, std::string_view record_id,
                                           std::string_view reason);

// The access rule of ListHandovers and ListLeavers (and the checklist):
// an active caller one of whose roles may assign or confirm handovers,
// record or waive customer confirmations, or read departure reports.
Status CheckMayListDepartures(const policy::Policy& policy, const User& caller);

// Whether a first confirmation of `h`'s move is waiting for a second
// approver (a record under legal hold; legal_hold.h).
Result<bool> HasFirstHoldApproval(const ReadTxn& txn, const Handover& h);

// Cancels the pending handover `h` (WithdrawResignation, whose event is
// `seq`): it leaves the leaver's and the successor's lists, and with it the
// customer letter issued for it and a first confirmation waiting for a
// second approver under legal hold (which must not count for a later
// move). Nothing is destroyed: the handover as it stood (customer answer
// included) and the letter are kept under tables::kDepartures
// "x/" + leaver + \0 + record + \0 + EncodeU64(seq) → {"handover", "letter"?}.
// kFailedPrecondition for a confirmed handover: its record has moved to the
// successor, and the ownership history keeps it.
Status CancelPendingHandover(WriteTxn& txn, const Handover& h, uint64_t seq);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_PEOPLE_HANDOVER_H_
