#include "vault/people/departure_checklist.h"

#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "base/time.h"
#include "policy/policy.h"
#include "vault/access/users.h"
#include "vault/agreements/agreements.h"
#include "vault/people/handover.h"
#include "vault/records/loans.h"
#include "vault/store/tables.h"

namespace custos::vault {
namespace {

constexpr std::string_view kRefusalAction = "departure.notice_refused";
constexpr size_t kMaxReasonBytes = 2048;

std::string RefusalKey(std::string_view user_id) { return "nr/" + std::string(user_id); }

ChecklistItem Item(std::string id, ChecklistState state, bool blocking = true) {
  ChecklistItem item;
  item.id = std::move(id);
  item.state = state;
  item.blocking = blocking;
  return item;
}

json::Value Ids(const std::vector<std::string>& ids) {
  json::Value a = json::Value::MakeArray();
  for (const std::string& id : ids) a.Push(id);
  return a;
}

bool LoanStillOut(const Loan& loan) {
  switch (loan.state) {
    case policy::LoanState::kRequested:
    case policy::LoanState::kApproved:
    case policy::LoanState::kReleased:
    case policy::LoanState::kActive:
      return true;
    case policy::LoanState::kExpired:
      return loan.paper;  // the paper original is still out
    case policy::LoanState::kDenied:
    case policy::LoanState::kReturned:
    case policy::LoanState::kRevoked:
      return false;
  }
  return true;
}

// `first` (at most the first few) under `key`, and how many there are in all
// under key + "_count".
void CutInto(json::Value* details, const std::string& key, const std::vector<std::string>& first,
             size_t count) {
  (*details)[key] = Ids(first);
  (*details)[key + "_count"] = static_cast<uint64_t>(count);
}

// The handovers item: counted from the leaver's counts (`buckets`); the
// first pending files read only when there are any.
Result<ChecklistItem> HandoversItem(const ReadTxn& txn, std::string_view leaver_id,
                                    const std::vector<std::string>& owned,
                                    const std::vector<HandoverBucket>& buckets, size_t max_ids) {
  size_t confirmed = 0;
  size_t pending = 0;
  for (const HandoverBucket& b : buckets) {
    (b.status.state == HandoverState::kConfirmed ? confirmed : pending) += b.count;
  }
  std::vector<std::string> first_pending;
  if (pending > 0) {
    CUSTOS_ASSIGN_OR_RETURN(
        first_pending,
        FirstHandoverIdsWhere(
            txn, leaver_id,
            [](const HandoverStatus& s) { return s.state == HandoverState::kPending; }, max_ids));
  }
  // The files still owned that no handover names (both lists in id order).
  std::vector<std::string> first_unassigned;
  size_t unassigned = 0;
  if (!owned.empty()) {
    CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> handed, HandedOverRecordIds(txn, leaver_id));
    auto h = handed.begin();
    for (const std::string& id : owned) {
      while (h != handed.end() && *h < id) ++h;
      if (h != handed.end() && *h == id) continue;
      if (unassigned++ < max_ids) first_unassigned.push_back(id);
    }
  }
  ChecklistItem item = Item(
      "handovers", unassigned == 0 && pending == 0 ? ChecklistState::kDone : ChecklistState::kOpen);
  item.details["confirmed"] = static_cast<uint64_t>(confirmed);
  CutInto(&item.details, "pending", first_pending, pending);
  CutInto(&item.details, "unassigned", first_unassigned, unassigned);
  return item;
}

// The customers item, the same way: counted from `buckets`, the first
// files still open read only when there are any.
Result<ChecklistItem> CustomersItem(const ReadTxn& txn, std::string_view leaver_id,
                                    policy::CustomerConfirmation mode,
                                    const std::vector<HandoverBucket>& buckets, size_t max_ids) {
  size_t total = 0;
  for (const HandoverBucket& b : buckets) total += b.count;
  if (mode == policy::CustomerConfirmation::kOff || total == 0) {
    return Item("customers", ChecklistState::kNotApplicable, false);
  }
  const auto open_state = [mode](const HandoverStatus& s) {
    const std::string_view state = CustomerStateId(s.answer, s.waived, mode);
    return state != "confirmed" && state != "waived";
  };
  json::Value counts = json::Value::MakeObject();
  for (std::string_view s : {"confirmed", "waived", "refused", "unreachable", "pending"}) {
    counts[std::string(s)] = 0;
  }
  size_t open = 0;
  for (const HandoverBucket& b : buckets) {
    const std::string state(CustomerStateId(b.status.answer, b.status.waived, mode));
    counts[state] = counts[state].as_int() + static_cast<int64_t>(b.count);
    if (open_state(b.status)) open += b.count;
  }
  std::vector<std::string> first_open;
  if (open > 0) {
    CUSTOS_ASSIGN_OR_RETURN(first_open, FirstHandoverIdsWhere(txn, leaver_id, open_state, max_ids));
  }
  const bool required = mode == policy::CustomerConfirmation::kRequired;
  ChecklistItem item = Item("customers",
                            open == 0  ? ChecklistState::kDone
                            : required ? ChecklistState::kOpen
                                       : ChecklistState::kWarning,
                            required);
  item.details["counts"] = std::move(counts);
  CutInto(&item.details, "open", first_open, open);
  return item;
}

}  // namespace

std::string_view ChecklistStateId(ChecklistState s) {
  switch (s) {
    case ChecklistState::kDone:
      return "done";
    case ChecklistState::kOpen:
      return "open";
    case ChecklistState::kWarning:
      return "warning";
    case ChecklistState::kNotApplicable:
      return "n/a";
  }
  return "open";
}

json::Value DepartureChecklist::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["user"] = user_id;
  o["employment"] = employment;
  o["last_working_day"] = last_working_day;
  o["customer_confirmation"] = customer_confirmation;
  json::Value list = json::Value::MakeArray();
  for (const ChecklistItem& item : items) {
    json::Value x = json::Value::MakeObject();
    x["id"] = item.id;
    x["state"] = std::string(ChecklistStateId(item.state));
    x["blocking"] = item.blocking;
    x["details"] = item.details;
    list.Push(std::move(x));
  }
  o["items"] = std::move(list);
  o["complete"] = complete;
  return o;
}

namespace {

// The checklist of `leaver` (not active), whose records are `owned`, as
// `txn` and the policy in force (`mode`) have it.
Result<DepartureChecklist> ChecklistOf(const ReadTxn& txn, policy::CustomerConfirmation mode,
                                       const User& leaver, const std::vector<std::string>& owned,
                                       size_t max_ids) {
  DepartureChecklist out;
  out.user_id = leaver.id;
  out.employment = std::string(policy::EmploymentStateId(leaver.employment));
  out.last_working_day = leaver.last_working_day;
  out.customer_confirmation = std::string(policy::CustomerConfirmationId(mode));
  const bool departed = leaver.employment == policy::EmploymentState::kDeparted;

  ChecklistItem resignation = Item("resignation", ChecklistState::kDone);
  resignation.details["notice_date"] = leaver.notice_date;
  resignation.details["last_working_day"] = leaver.last_working_day;
  out.items.push_back(std::move(resignation));

  // From the leaver's counts: a leaver may have handed over 100 000 files.
  CUSTOS_ASSIGN_OR_RETURN(std::vector<HandoverBucket> buckets, HandoverBucketsOf(txn, leaver.id));
  CUSTOS_ASSIGN_OR_RETURN(ChecklistItem handovers,
                          HandoversItem(txn, leaver.id, owned, buckets, max_ids));
  out.items.push_back(std::move(handovers));
  CUSTOS_ASSIGN_OR_RETURN(ChecklistItem customers,
                          CustomersItem(txn, leaver.id, mode, buckets, max_ids));
  out.items.push_back(std::move(customers));

  CUSTOS_ASSIGN_OR_RETURN(std::vector<Loan> loans, ListLoans(txn, {}, leaver.id));
  std::vector<std::string> out_loans;
  for (const Loan& loan : loans) {
    if (LoanStillOut(loan)) out_loans.push_back(loan.id);
  }
  ChecklistItem loans_item =
      Item("loans", out_loans.empty() ? ChecklistState::kDone : ChecklistState::kOpen);
  loans_item.details["open"] = Ids(out_loans);
  out.items.push_back(std::move(loans_item));

  ChecklistItem account =
      Item("account", departed && leaver.disabled ? ChecklistState::kDone : ChecklistState::kOpen);
  account.details["disabled"] = leaver.disabled;
  account.details["last_working_day"] = leaver.last_working_day;
  out.items.push_back(std::move(account));

  CUSTOS_ASSIGN_OR_RETURN(std::vector<Agreement> agreements, AgreementsOfEmployee(txn, leaver.id));
  // A notice drafted before a withdrawn resignation was withdrawn belongs to
  // that departure, not to this one.
  CUSTOS_ASSIGN_OR_RETURN(uint64_t withdrawn_seq, LastWithdrawnDeparture(txn, leaver.id));
  std::vector<std::string> noncompetes;
  std::vector<std::string> ndas;
  std::vector<std::string> notices_signed;
  std::vector<const Agreement*> signed_notices;
  std::vector<std::string> notices_open;
  std::vector<std::string> notices_earlier;
  for (const Agreement& a : agreements) {
    // A voided agreement binds no one: it is no notice, open or signed.
    if (a.state == AgreementState::kVoided) continue;
    if (a.kind == "departure-notice") {
      if (!a.steps.empty() && a.steps.front().audit_seq < withdrawn_seq) {
        notices_earlier.push_back(a.id);
      } else {
        (a.state == AgreementState::kCompleted ? notices_signed : notices_open).push_back(a.id);
        if (a.state == AgreementState::kCompleted) signed_notices.push_back(&a);
      }
    }
    if (a.state != AgreementState::kCompleted) continue;
    if (a.kind == "non-compete") noncompetes.push_back(a.id);
    if (a.kind == "employee-nda") ndas.push_back(a.id);
  }
  CUSTOS_ASSIGN_OR_RETURN(std::optional<NoticeRefusal> refusal, ReadNoticeRefusal(txn, leaver.id));
  // A signed notice tells the leaver their last working day and whether a
  // non-compete binds them. One made from dates corrected since, or before
  // a non-compete was signed, tells them something else: it counts only
  // while it still matches, and legal issues a new one otherwise.
  json::Value stale = json::Value::MakeArray();
  // Whether the notice `id` still says what holds now; a stale one is
  // listed. The list of agreements leaves the fields out: the two compared
  // are read here and go no further than this comparison.
  const auto still_holds = [&](const std::string& id) -> Result<bool> {
    CUSTOS_ASSIGN_OR_RETURN(Agreement a, LoadAgreement(txn, id));
    const json::Value* day = a.fields.Find("last_working_day");
    const json::Value* nc = a.fields.Find("has_noncompete");
    const bool said_noncompete = nc != nullptr && nc->is_bool() && nc->as_bool();
    if (day != nullptr && day->is_string() && day->as_string() == leaver.last_working_day &&
        said_noncompete == !noncompetes.empty()) {
      return true;
    }
    json::Value x = json::Value::MakeObject();
    x["agreement"] = a.id;
    x["last_working_day"] = day != nullptr && day->is_string() ? day->as_string() : "";
    x["has_noncompete"] = said_noncompete;
    stale.Push(std::move(x));
    return false;
  };
  size_t current = 0;
  for (const Agreement* listed : signed_notices) {
    CUSTOS_ASSIGN_OR_RETURN(bool holds, still_holds(listed->id));
    if (holds) ++current;
  }
  // A refusal to sign counts as the notice put to the person, but only for
  // a notice that still says what holds now.
  bool refusal_holds = refusal.has_value();
  if (refusal && !refusal->agreement_id.empty()) {
    auto holds = still_holds(refusal->agreement_id);
    if (!holds.ok() && holds.status().code() != StatusCode::kNotFound) return holds.status();
    refusal_holds = holds.ok() && *holds;
  }
  ChecklistItem notice = Item(
      "notice", current == 0 && !refusal_holds ? ChecklistState::kOpen : ChecklistState::kDone);
  notice.details["signed"] = Ids(notices_signed);
  if (!stale.as_array().empty()) {
    notice.details["stale"] = std::move(stale);
    notice.details["now"] = json::Value::MakeObject();
    notice.details["now"]["last_working_day"] = leaver.last_working_day;
    notice.details["now"]["has_noncompete"] = !noncompetes.empty();
  }
  notice.details["unsigned"] = Ids(notices_open);
  if (!notices_earlier.empty()) notice.details["of_a_withdrawn_resignation"] = Ids(notices_earlier);
  if (refusal) {
    json::Value r = json::Value::MakeObject();
    r["agreement"] = refusal->agreement_id;
    r["reason"] = refusal->reason;
    r["recorded_by"] = refusal->recorded_by;
    r["recorded_at"] = refusal->recorded_at;
    r["seq"] = refusal->seq;
    notice.details["refused"] = std::move(r);
  }
  out.items.push_back(std::move(notice));
  ChecklistItem noncompete = Item("noncompete", noncompetes.empty() ? ChecklistState::kNotApplicable
                                                : departed          ? ChecklistState::kDone
                                                                    : ChecklistState::kOpen);
  noncompete.details["agreements"] = Ids(noncompetes);
  if (!noncompetes.empty()) {
    if (auto last = ParseDate(leaver.last_working_day); last.ok()) {
      noncompete.details["restriction_starts"] =
          FormatDate(CivilFromDays(DaysFromCivil(*last) + 1));
    }
  }
  out.items.push_back(std::move(noncompete));

  ChecklistItem nda =
      Item("nda", ndas.empty() ? ChecklistState::kWarning : ChecklistState::kDone, false);
  nda.details["agreements"] = Ids(ndas);
  out.items.push_back(std::move(nda));

  out.complete = true;
  for (const ChecklistItem& item : out.items) {
    if (item.blocking && item.state == ChecklistState::kOpen) out.complete = false;
  }
  return out;
}

// A read for checklists, once the caller may list departures, and the
// policy's customer-confirmation mode.
struct ChecklistRead {
  std::unique_ptr<ReadTxn> txn;
  policy::CustomerConfirmation mode;
};
Result<ChecklistRead> BeginChecklistRead(Archive& archive, const Caller& caller) {
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<ReadTxn> txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User me, access::AccessGate::CallerUser(*txn, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*txn));
  // SECURITY: decided before any target is looked up (see ListHandovers).
  CUSTOS_RETURN_IF_ERROR(CheckMayListDepartures(*policy, me));
  return ChecklistRead{std::move(txn), policy->customer_confirmation()};
}

}  // namespace

Result<DepartureChecklist> BuildDepartureChecklist(Archive& archive, const Caller& caller,
                                                   std::string_view user_id, size_t max_ids) {
  CUSTOS_ASSIGN_OR_RETURN(ChecklistRead read, BeginChecklistRead(archive, caller));
  CUSTOS_ASSIGN_OR_RETURN(User leaver, GetUser(*read.txn, user_id));
  if (leaver.employment == policy::EmploymentState::kActive) {
    return Status::FailedPrecondition("no resignation is registered for the user",
                                      "尚未登记该员工的离职");
  }
  // The catalog's reader opens a transaction of its own: none is held
  // meanwhile (a growing map waits for every reader).
  read.txn.reset();
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> owned, archive.RecordsOwnedBy(leaver.id));
  CUSTOS_ASSIGN_OR_RETURN(read.txn, archive.vault().BeginRead());
  return ChecklistOf(*read.txn, read.mode, leaver, owned, max_ids);
}

Result<std::vector<std::optional<DepartureChecklist>>> BuildDepartureChecklists(
    Archive& archive, const Caller& caller, std::span<const std::string> user_ids) {
  CUSTOS_ASSIGN_OR_RETURN(ChecklistRead read, BeginChecklistRead(archive, caller));
  read.txn.reset();  // as in BuildDepartureChecklist
  CUSTOS_ASSIGN_OR_RETURN(auto owned, archive.RecordsOwnedByEach(user_ids));
  CUSTOS_ASSIGN_OR_RETURN(read.txn, archive.vault().BeginRead());
  const std::vector<std::string> none;
  std::vector<std::optional<DepartureChecklist>> out;
  out.reserve(user_ids.size());
  for (const std::string& id : user_ids) {
    auto leaver = GetUser(*read.txn, id);
    if (!leaver.ok() || leaver->employment == policy::EmploymentState::kActive) {
      out.emplace_back();
      continue;
    }
    auto it = owned.find(id);
    auto list = ChecklistOf(*read.txn, read.mode, *leaver, it == owned.end() ? none : it->second,
                            kMaxChecklistIds);
    out.push_back(list.ok() ? std::optional<DepartureChecklist>(std::move(*list)) : std::nullopt);
  }
  return out;
}

Result<NoticeRefusal> RecordNoticeRefusal(Archive& archive, const Caller& caller,
                                          std::string_view user_id, std::string_view agreement_id,
                                          std::string_view reason) {
  if (user_id.empty()) return Status::InvalidArgument("the user is required", "须指定员工");
  if (reason.empty()) {
    return Status::InvalidArgument("the reason (what happened, who witnessed it) is required",
                                   "请写明经过及见证人");
  }
  if (reason.size() > kMaxReasonBytes || !json::IsValidUtf8(reason)) {
    return Status::InvalidArgument("the reason is longer than 2048 bytes or not valid UTF-8",
                                   "事由过长（最多 2048 字节）或不是有效的 UTF-8 文本");
  }
  const access::Attempt attempt = access::Attempt::On(policy::Action::kRegisterResignation,
                                                      kRefusalAction, "user", user_id, reason);
  NoticeRefusal out;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn&, const User&, policy::Facts& f, AuditEvent& e) -> Status {
                f.target_user_id = std::string(user_id);
                if (!agreement_id.empty()) e.details["agreement"] = std::string(agreement_id);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                out = NoticeRefusal{std::string(agreement_id), std::string(reason), o.user.id,
                                    o.now, o.seq};
                json::Value v = json::Value::MakeObject();
                v["agreement"] = out.agreement_id;
                v["reason"] = out.reason;
                v["recorded_by"] = out.recorded_by;
                v["recorded_at"] = out.recorded_at;
                v["seq"] = out.seq;
                return txn.Put(tables::kDepartures, RefusalKey(user_id), json::Serialize(v));
              },
              // Allowed: the person must be leaving, and the notice theirs
              // and unsigned, or nothing is written.
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent&) -> Status {
                if (!o.allowed) return Status::Ok();
                CUSTOS_ASSIGN_OR_RETURN(User leaver, GetUser(txn, user_id));
                if (leaver.employment == policy::EmploymentState::kActive) {
                  return Status::FailedPrecondition("no resignation is registered for the user",
                                                    "尚未登记该员工的离职");
                }
                if (agreement_id.empty()) return Status::Ok();
                CUSTOS_ASSIGN_OR_RETURN(std::vector<Agreement> agreements,
                                        AgreementsOfEmployee(txn, leaver.id));
                for (const Agreement& a : agreements) {
                  if (a.id != agreement_id) continue;
                  if (a.kind != "departure-notice") {
                    return Status::FailedPrecondition("the agreement is not a departure notice",
                                                      "该协议不是离职通知");
                  }
                  if (a.state == AgreementState::kCompleted) {
                    return Status::FailedPrecondition("the notice is already signed",
                                                      "离职通知已签署");
                  }
                  if (a.state == AgreementState::kVoided) {
                    return Status::FailedPrecondition("the notice is void", "离职通知已作废");
                  }
                  return Status::Ok();
                }
                return Status::NotFound("no such agreement of the user", "该员工没有这份协议");
              })
          .status());
  return out;
}

Result<bool> SetAsideNoticeRefusal(WriteTxn& txn, std::string_view user_id, uint64_t seq) {
  auto raw = txn.Get(tables::kDepartures, RefusalKey(user_id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return false;
    return raw.status();
  }
  std::string kept = "xnr/" + std::string(user_id);
  kept.push_back('\0');
  kept += EncodeU64(seq);
  CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kDepartures, kept, std::string(*raw)));
  CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kDepartures, RefusalKey(user_id)));
  return true;
}

Result<std::optional<NoticeRefusal>> ReadNoticeRefusal(const ReadTxn& txn,
                                                       std::string_view user_id) {
  auto raw = txn.Get(tables::kDepartures, RefusalKey(user_id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return std::optional<NoticeRefusal>();
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  NoticeRefusal r;
  CUSTOS_ASSIGN_OR_RETURN(r.agreement_id, json::GetStringOr(v, "agreement", ""));
  CUSTOS_ASSIGN_OR_RETURN(r.reason, json::GetStringOr(v, "reason", ""));
  CUSTOS_ASSIGN_OR_RETURN(r.recorded_by, json::GetStringOr(v, "recorded_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(r.recorded_at, json::GetIntOr(v, "recorded_at", 0));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(v, "seq", 0));
  r.seq = static_cast<uint64_t>(seq);
  return std::optional<NoticeRefusal>(std::move(r));
}

Status NoteWithdrawnDeparture(WriteTxn& txn, std::string_view user_id, UnixMillis at,
                              uint64_t seq) {
  json::Value v = json::Value::MakeObject();
  v["at"] = at;
  v["seq"] = static_cast<int64_t>(seq);
  return txn.Put(tables::kDepartures, "wr/" + std::string(user_id), json::Serialize(v));
}

Result<uint64_t> LastWithdrawnDeparture(const ReadTxn& txn, std::string_view user_id) {
  auto raw = txn.Get(tables::kDepartures, "wr/" + std::string(user_id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return uint64_t{0};
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(v, "seq", 0));
  return static_cast<uint64_t>(seq);
}

}  // namespace custos::vault
