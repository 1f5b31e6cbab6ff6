// A customer file's handovers as stored (离职交接记录): the value type, its
// JSON, reads and writes, and the assignment facts the view decision needs
// (OutsideAssignment, InPendingHandover). The workflow that creates and
// confirms handovers — the policy decisions, letters, the customer's answer
// — is people/handover.h; records need only these facts, so this part
// lives below it and records never include the people room.
//
// Storage: tables::kDepartures "h/" + leaver id + \0 + record id → the
// handover (sealed JSON); and the successor index, "to/" + the successor's
// blind index + \0 + leaver id + \0 + record id → the handover's state and
// customer answer (HandoverStatusesTo); and each leaver's handovers
// counted, "hc/" + leaver id (HandoverCountsOf). PutHandover keeps both.
//
// Thread-safety: free functions over a caller's transaction.
#ifndef CUSTOS_VAULT_RECORDS_HANDOVER_STORE_H_
#define CUSTOS_VAULT_RECORDS_HANDOVER_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "vault/access/users.h"
#include "vault/records/records.h"
#include "vault/store/vault.h"

namespace custos::vault {

enum class HandoverState { kPending, kConfirmed };
std::string_view HandoverStateId(HandoverState s);  // "pending", "confirmed"

// The customer's side of a handover.
enum class CustomerAnswer { kNone, kConfirmed, kRefused, kUnreachable };
// "none", "confirmed", "refused", "unreachable"
std::string_view CustomerAnswerId(CustomerAnswer a);
// kInvalidArgument for anything but those four.
Result<CustomerAnswer> ParseCustomerAnswer(std::string_view id);

// The letter last issued to the customer (its HTML is stored beside the
// handover: CustomerLetterHtml).
struct CustomerLetterInfo {
  std::string language;  // "zh-CN" or "en"
  std::string sha256;    // lower-case hex SHA-256 of the HTML
  std::string issued_by;
  UnixMillis issued_at = 0;
  uint64_t seq = 0;  // the departure.customer_letter event
};

struct CustomerConfirmation {
  CustomerAnswer answer = CustomerAnswer::kNone;
  std::string method;            // "phone", "email", "letter", "visit"
  std::string contact_name;      // who answered at the customer
  std::string contact_position;  // their position
  std::string date;              // YYYY-MM-DD, when the customer answered
  std::string note;
  std::string attachment_id;  // the scanned reply, an attachment of the record
  std::string recorded_by;
  UnixMillis recorded_at = 0;
  uint64_t seq = 0;  // the departure.customer_confirm event
  // An approver's waiver: the handover completes without the answer. The
  // answer stays as it was (none, refused, unreachable) or as recorded later.
  std::string waived_by;
  UnixMillis waived_at = 0;
  std::string waive_reason;
  uint64_t waive_seq = 0;
};

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
  std::optional<CustomerLetterInfo> letter;
  CustomerConfirmation customer;

  json::Value ToJson() const;
  static Result<Handover> FromJson(const json::Value& v);
};

// The stored handover of `record_id` from `user_id`; nullopt when none.
Result<std::optional<Handover>> ReadHandover(const ReadTxn& txn, std::string_view user_id,
                                             std::string_view record_id);

// Stores `h` under its leaver and record (replacing the earlier state),
// and in the successor index under its successor (leaving an earlier
// successor's).
Status PutHandover(WriteTxn& txn, const Handover& h);

// Removes the stored handover of `h`'s leaver and record, if any: its entry,
// its successor's index entry and its place in the leaver's counts (a
// pending handover cancelled when the resignation is withdrawn,
// WithdrawResignation). The letter issued for it is the caller's to remove.
Status DeleteHandover(WriteTxn& txn, const Handover& h);

// Visits the stored handovers from `user_id` in record-id order — or, when
// `user_id` is empty, every stored handover, by leaver then record. Stops
// at and returns the first error of `fn` or of parsing a stored value.
Status ScanHandovers(const ReadTxn& txn, std::string_view user_id,
                     const std::function<Status(Handover)>& fn);

// A person's assignment (for the anomaly rule anomaly.outside_assignment and
// the departure report): the customer files they own, the files of their
// team (owned by someone of the same department), the files of the
// territories they cover (RecordMeta::territory equal to their department or
// one of User::territories), and the files handed to them (a pending
// handover of which they are the successor). Whether `meta` — a customer
// file — lies outside `user`'s assignment; false for company documents,
// which belong to no one's territory, and for people in no department and
// covering no territory (no team to judge against).
Result<bool> OutsideAssignment(const ReadTxn& txn, const User& user, const RecordMeta& meta);

// Whether `record_id` is in a pending handover of `user` while `user` is in
// the notice period — the policy fact ActorFacts::in_handover. False for
// anyone not in notice_given.
Result<bool> InPendingHandover(const ReadTxn& txn, const User& user, std::string_view record_id);

// The ids of the records handed over from `user_id` (pending or
// confirmed), in id order, read from the keys: no handover is parsed.
Result<std::vector<std::string>> HandedOverRecordIds(const ReadTxn& txn, std::string_view user_id);

// What a departure's checklist reads of a stored handover.
struct HandoverStatus {
  std::string record_id;
  HandoverState state = HandoverState::kPending;
  CustomerAnswer answer = CustomerAnswer::kNone;
  bool waived = false;  // an approver waived the customer's confirmation
};

// The status of `h`.
HandoverStatus StatusOfHandover(const Handover& h);

// How many handovers from a leaver there are, pending and confirmed.
struct HandoverCounts {
  size_t total = 0;
  size_t pending = 0;
  size_t confirmed = 0;
};
// A leaver's handovers of one state, customer answer and waiver (its
// record_id empty), and how many there are.
struct HandoverBucket {
  HandoverStatus status;
  size_t count = 0;
};
// Every non-empty bucket of `user_id`'s handovers, from the counts PutHandover
// keeps (or, as HandoverCountsOf, from every handover of theirs).
Result<std::vector<HandoverBucket>> HandoverBucketsOf(const ReadTxn& txn, std::string_view user_id);

// The record ids of the first `max` handovers from `user_id`, in record-id
// order, whose status `keep` accepts (each read from its stored text).
Result<std::vector<std::string>> FirstHandoverIdsWhere(
    const ReadTxn& txn, std::string_view user_id,
    const std::function<bool(const HandoverStatus&)>& keep, size_t max);

// The counts of `user_id`'s handovers, kept by PutHandover (a leaver may
// have handed over 100 000 customers); on a vault opened read-only before
// EnsureSuccessorIndex ran on it, counted from every handover of theirs.
Result<HandoverCounts> HandoverCountsOf(const ReadTxn& txn, std::string_view user_id);

// The first `max` handovers from `user_id`, in record-id order.
Result<std::vector<Handover>> FirstHandoversOf(const ReadTxn& txn, std::string_view user_id,
                                               size_t max);

// The status of every handover from `user_id`, in record-id order, read
// from the stored text without building each Handover (a leaver may have
// handed over 100 000 customers). kDataLoss for a stored handover that is
// not what PutHandover writes.
Result<std::vector<HandoverStatus>> HandoverStatusesOf(const ReadTxn& txn,
                                                       std::string_view user_id);

// A handover to a successor: from whom, and its status.
struct HandoverToStatus {
  std::string leaver_id;
  HandoverStatus status;
};

// The status of every handover whose successor is `successor_id`, by
// leaver and then record id, from the successor index (a successor's own
// list, read on every home page, need not read every handover in the
// vault). On a vault opened read-only before EnsureSuccessorIndex ran on
// it, from every handover instead.
Result<std::vector<HandoverToStatus>> HandoverStatusesTo(const ReadTxn& txn,
                                                         std::string_view successor_id);

// Indexes by successor, and counts by leaver (HandoverCountsOf), the
// handovers stored before the successor index existed, once, in one
// transaction (Archive::Open; nothing on a read-only vault).
Status EnsureSuccessorIndex(Vault& vault);

// Every handover from `user_id` (unaudited; for callers holding a decision).
Result<std::vector<Handover>> HandoversOf(const ReadTxn& txn, std::string_view user_id);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_RECORDS_HANDOVER_STORE_H_
