// The departure checklist (离职清单): what must be done before a person's
// departure is complete, read from what the vault already holds. HR, the
// approvers and the auditors see it per leaver (web/departures_api.cc).
//
// Items, in this order (id — blocking? — done when):
//   resignation  yes  HR registered the notice and the last working day
//                     (always, for anyone the checklist is built for);
//   handovers    yes  every record the person owned is assigned to a
//                     successor and confirmed by an approver;
//   customers    yes  (policy customer-confirmation="required") every
//                     handed-over customer confirmed, or an approver waived
//                     it; "optional": a warning while some have not, never
//                     blocking; "off": not applicable;
//   loans        yes  none of the person's loans is open (requested,
//                     approved, released, active) nor a paper loan expired
//                     and not yet returned;
//   account      yes  the person is departed and their account disabled
//                     (the server's departure sweep does it after the last
//                     working day);
//   notice       yes  the departure obligations notice (离职保密义务告知书,
//                     template cn-departure-notice) is signed, or HR recorded
//                     the leaver's refusal to sign it (RecordNoticeRefusal);
//   noncompete   yes  a signed non-compete's restriction has started (the
//                     person departed); not applicable without one;
//   nda          no   a signed confidentiality agreement exists; a warning
//                     otherwise (the departure can complete, but the
//                     evidence of confidentiality measures is weaker).
// The departure is complete when no blocking item is open.
//
// Thread-safety: free functions over an Archive (see records.h).
#ifndef CUSTOS_VAULT_PEOPLE_DEPARTURE_CHECKLIST_H_
#define CUSTOS_VAULT_PEOPLE_DEPARTURE_CHECKLIST_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "vault/records/records.h"

namespace custos::vault {

enum class ChecklistState { kDone, kOpen, kWarning, kNotApplicable };
std::string_view ChecklistStateId(ChecklistState s);  // "done", "open", "warning", "n/a"

struct ChecklistItem {
  std::string id;  // "resignation", "handovers", ...
  ChecklistState state = ChecklistState::kOpen;
  bool blocking = true;
  json::Value details = json::Value::MakeObject();  // counts, ids and dates only
};

struct DepartureChecklist {
  std::string user_id;
  std::string employment;  // "notice_given" or "departed"
  std::string last_working_day;
  std::string customer_confirmation;  // the policy's mode: required/optional/off
  std::vector<ChecklistItem> items;
  bool complete = false;

  json::Value ToJson() const;
};

// HR records that the leaver refused to sign the obligations notice (the
// refusal, with who witnessed it, is itself the record the company keeps):
// policy action register_resignation, audited "departure.notice_refused"
// (object {"user", id}; details {agreement?}), in one transaction with the
// record (tables::kDepartures "nr/" + user id). `agreement_id`, when given,
// must be the leaver's departure notice and not signed; `reason` is
// required. Errors: kInvalidArgument (no reason, too long); kNotFound (user,
// agreement); kFailedPrecondition (no resignation registered, the notice is
// signed or not a departure notice); kPermissionDenied with the rule
// (audited).
struct NoticeRefusal {
  std::string agreement_id;  // "" when the notice was issued on paper only
  std::string reason;
  std::string recorded_by;
  UnixMillis recorded_at = 0;
  uint64_t seq = 0;
};
Result<NoticeRefusal> RecordNoticeRefusal(Archive& archive, const Caller& caller,
                                          std::string_view user_id, std::string_view agreement_id,
                                          std::string_view reason);

// A resignation of `user_id` withdrawn at `at` by the audit event `seq`
// (WithdrawResignation): tables::kDepartures "wr/" + user id → {"at",
// "seq"}, the latest. What the departure it ended left behind belongs to
// it, not to a later one: the checklist leaves out the departure notices
// drafted before it (in the log's order, which no clock can skew).
Status NoteWithdrawnDeparture(WriteTxn& txn, std::string_view user_id, UnixMillis at, uint64_t seq);
// The audit sequence number of `user_id`'s latest withdrawn resignation;
// 0 when none.
Result<uint64_t> LastWithdrawnDeparture(const ReadTxn& txn, std::string_view user_id);

// `user_id`'s recorded refusal to sign the notice; nullopt when none.
Result<std::optional<NoticeRefusal>> ReadNoticeRefusal(const ReadTxn& txn,
                                                       std::string_view user_id);

// Sets aside `user_id`'s recorded refusal to sign the notice, if any, and
// says whether there was one: it belongs to the departure a withdrawn
// resignation ends (WithdrawResignation, event `seq`), not to a later one.
// It is kept, not destroyed: tables::kDepartures "xnr/" + user id + \0 +
// EncodeU64(seq).
Result<bool> SetAsideNoticeRefusal(WriteTxn& txn, std::string_view user_id, uint64_t seq);

// The checklist of `user_id`. Same access rule as ListHandovers
// (CheckMayListDepartures; kPermissionDenied with the rule otherwise);
// kNotFound for an unknown user; kFailedPrecondition for an active one (no
// resignation registered). Unaudited: names, ids, counts and dates only.
// A list of ids in an item's details (pending and unassigned handovers,
// open customer confirmations) holds the first kMaxChecklistIds (`max_ids`)
// by record id, and key + "_count" says how many there are in all.
inline constexpr size_t kMaxChecklistIds = 500;
Result<DepartureChecklist> BuildDepartureChecklist(Archive& archive, const Caller& caller,
                                                   std::string_view user_id,
                                                   size_t max_ids = kMaxChecklistIds);

// The checklists of several leavers at once (the list of leavers), in one
// read transaction and one pass over the records catalog, under the same
// access rule. One per id, in order: nullopt for an id that is unknown,
// active or whose checklist could not be read (the others stand).
Result<std::vector<std::optional<DepartureChecklist>>> BuildDepartureChecklists(
    Archive& archive, const Caller& caller, std::span<const std::string> user_ids);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_PEOPLE_DEPARTURE_CHECKLIST_H_
