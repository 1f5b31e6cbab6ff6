#include "vault/people/handover.h"

#include <algorithm>
#include <array>
#include <functional>
#include <iterator>
#include <map>
#include <tuple>
#include <utility>

#include "base/encoding.h"
#include "policy/engine.h"
#include "policy/facts.h"
#include "policy/rules.h"
#include "vault/access/alerts.h"
#include "vault/records/attachments.h"
#include "vault/records/legal_hold.h"
#include "vault/store/crypto.h"
#include "vault/store/tables.h"

namespace custos::vault {
namespace {

constexpr std::string_view kAssignAction = "departure.handover.assign";
constexpr std::string_view kConfirmAction = "departure.handover.confirm";
constexpr std::string_view kLetterAction = "departure.customer_letter";
constexpr std::string_view kCustomerAction = "departure.customer_confirm";
constexpr std::string_view kWaiveAction = "departure.customer_waive";
// The alert a refusing or unreachable customer raises.
constexpr std::string_view kCustomerAlert = "departure.customer_not_confirmed";
constexpr size_t kMaxNoteBytes = 2048;
constexpr size_t kMaxNameBytes = 200;
// The "via" of a pending transfer (legal_hold.h) made by a confirmation.
constexpr std::string_view kTransferByHandover = "handover";

std::string LetterKey(std::string_view user_id, std::string_view record_id) {
  std::string k = "l/";
  k += user_id;
  k.push_back('\0');
  k += record_id;
  return k;
}

// The successor must be someone who can take the customer on: known,
// enabled, active and not the person leaving.
Status CheckSuccessor(const ReadTxn& txn, std::string_view successor_id, std::string_view leaver) {
  if (successor_id.empty()) {
    return Status::InvalidArgument("the successor is missing", "请选择接替人");
  }
  if (successor_id == leaver) {
    return Status::InvalidArgument("the successor cannot be the person leaving",
                                   "接替人不能是离职人本人");
  }
  auto s = GetUser(txn, successor_id);
  if (!s.ok()) {
    if (s.status().code() == StatusCode::kNotFound) {
      return Status::FailedPrecondition("the successor is not a known user",
                                        "接替人不是本系统的用户");
    }
    return s.status();
  }
  if (s->disabled || s->employment != policy::EmploymentState::kActive) {
    return Status::FailedPrecondition("the successor is not an active user",
                                      "接替人的账户已停用，或其本人已提出离职或已离职");
  }
  return Status::Ok();
}

// The successor will own the file: under the policy in force they must be
// able to open it, or the customer goes to nobody who can serve them (an
// auditor or administrator is content-blind, HR may not view secret files).
// Nor may they be its keeper (保管人): the keeper checks the owner.
Status CheckSuccessorMaySee(const ReadTxn& txn, const policy::Policy& policy,
                            std::string_view successor_id, const RecordMeta& meta) {
  const policy::Classification c = meta.classification;
  if (successor_id == meta.custodian_id) {
    return Status::FailedPrecondition(
        "the successor keeps this file (its custodian), and a keeper may not own what they keep; "
        "choose another successor, or name another custodian first",
        "接替人是该档案的保管人，保管人不得负责其保管的档案；请另选接替人，或先更换保管人");
  }
  CUSTOS_ASSIGN_OR_RETURN(User s, GetUser(txn, successor_id));
  if (policy::MaySeeContent(policy, access::AccessGate::ActorFactsFor(s), c)) {
    return Status::Ok();
  }
  return Status::FailedPrecondition(
      "the successor " + s.username + " may not open " + std::string(policy::ClassificationId(c)) +
          " customer files under the policy in force: choose someone whose role may",
      "按现行策略，接替人 " + s.username + " 无权查看" +
          std::string(policy::ClassificationLabelZh(c)) + "客户档案：请选择有查看权限的人");
}

// Whether any of the user's roles may take part in handovers or read the
// departure report under `policy`.
bool MayListHandovers(const policy::Policy& policy, const User& user) {
  for (policy::Role r : user.roles) {
    for (policy::Action a : {policy::Action::kAssignHandover, policy::Action::kConfirmHandover,
                             policy::Action::kReadDepartureReport, policy::Action::kConfirmCustomer,
                             policy::Action::kWaiveCustomerConfirmation}) {
      if (policy.RolePermits(r, a)) return true;
    }
  }
  return false;
}

// The Chinese names of the fields CheckText is given, as the departures
// page shows them.
std::string_view WhatZh(std::string_view what) {
  static constexpr std::pair<std::string_view, std::string_view> kNames[] = {
      {"company_name", "公司名称"},
      {"successor_phone", "接替人电话"},
      {"successor_email", "接替人邮箱"},
      {"successor_department", "接替人部门"},
      {"contact_name", "客户方确认人姓名"},
      {"contact_position", "职务"},
      {"note", "备注"},
      {"attachment", "附件"},
      {"reason", "事由"},
  };
  for (const auto& [en, zh] : kNames) {
    if (en == what) return zh;
  }
  return what;
}

// A short line of text a person typed: valid UTF-8, at most `max` bytes.
Status CheckText(std::string_view what, std::string_view text, size_t max, bool required) {
  const std::string zh(WhatZh(what));
  if (required && text.empty()) {
    return Status::InvalidArgument(std::string(what) + " is required", zh + "为必填项");
  }
  if (text.size() > max) {
    return Status::InvalidArgument(
        std::string(what) + " is longer than " + std::to_string(max) + " bytes",
        zh + "过长（最多 " + std::to_string(max) + " 字节）");
  }
  if (!json::IsValidUtf8(text)) {
    return Status::InvalidArgument(std::string(what) + " is not valid UTF-8",
                                   zh + "不是有效的 UTF-8 文本");
  }
  return Status::Ok();
}

}  // namespace

// The access rule of ListHandovers and ListLeavers.
Status CheckMayListDepartures(const policy::Policy& policy, const User& user) {
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

bool HandoverComplete(const Handover& h, policy::CustomerConfirmation mode) {
  return HandoverComplete(StatusOfHandover(h), mode);
}

bool HandoverComplete(const HandoverStatus& s, policy::CustomerConfirmation mode) {
  if (s.state != HandoverState::kConfirmed) return false;
  if (mode != policy::CustomerConfirmation::kRequired) return true;
  return s.answer == CustomerAnswer::kConfirmed || s.waived;
}

std::string_view CustomerStateId(const Handover& h, policy::CustomerConfirmation mode) {
  return CustomerStateId(h.customer.answer, !h.customer.waived_by.empty(), mode);
}

std::string_view CustomerStateId(CustomerAnswer answer, bool waived,
                                 policy::CustomerConfirmation mode) {
  if (mode == policy::CustomerConfirmation::kOff) return "off";
  switch (answer) {
    case CustomerAnswer::kConfirmed:
      return "confirmed";
    case CustomerAnswer::kNone:
    case CustomerAnswer::kRefused:
    case CustomerAnswer::kUnreachable:
      break;
  }
  if (waived) return "waived";
  if (answer == CustomerAnswer::kNone) return "pending";
  return CustomerAnswerId(answer);
}

Result<HandoverPage> ListHandovers(Archive& archive, const Caller& caller, std::string_view user_id,
                                   size_t offset, size_t limit) {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*txn, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*txn));
  // SECURITY: decided before the target is looked up, so a caller without
  // the right learns nothing about which users exist.
  CUSTOS_RETURN_IF_ERROR(CheckMayListDepartures(*policy, user));
  CUSTOS_ASSIGN_OR_RETURN(User target, GetUser(*txn, user_id));
  // SECURITY: the list names files above the caller's clearance (who hands
  // a file over must see which), so it is a leaver's only, as ListLeavers
  // lists them: not a way to read anyone's files' names.
  if (target.employment == policy::EmploymentState::kActive) {
    return Status::FailedPrecondition(
        "the user is not a leaver: their files are listed once HR registers their resignation",
        "该员工未登记离职：人事登记离职后才列出其档案");
  }
  // The catalog's reader opens a transaction of its own: none is held
  // meanwhile (a growing map waits for every reader).
  txn.reset();
  // Both in id order: their union is the list, listed by name.
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> owned, archive.RecordsOwnedBy(user_id));
  CUSTOS_ASSIGN_OR_RETURN(txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> handed, HandedOverRecordIds(*txn, user_id));
  txn.reset();
  std::vector<std::string> ids;
  ids.reserve(owned.size() + handed.size());
  std::set_union(owned.begin(), owned.end(), handed.begin(), handed.end(), std::back_inserter(ids));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<size_t> by_name, archive.NameOrder(ids));
  CUSTOS_ASSIGN_OR_RETURN(txn, archive.vault().BeginRead());
  HandoverPage page;
  page.total = ids.size();
  const size_t from = std::min(offset, ids.size());
  const size_t to = from + std::min(limit, ids.size() - from);
  for (size_t k = from; k < to; ++k) {
    const std::string& id = ids[by_name[k]];
    auto meta = Archive::ReadMeta(*txn, id);
    if (!meta.ok()) continue;  // changed since the catalog snapshot
    CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> h, ReadHandover(*txn, user_id, id));
    page.items.push_back(HandoverItem{std::move(*meta), std::move(h)});
  }
  return page;
}

Result<HandedToMePage> HandoversTo(Archive& archive, const Caller& caller, size_t offset,
                                   size_t limit) {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*txn, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*txn));
  HandedToMePage page;
  page.mode = policy->customer_confirmation();
  CUSTOS_ASSIGN_OR_RETURN(std::vector<HandoverToStatus> all, HandoverStatusesTo(*txn, user.id));
  if (all.empty()) return page;  // most callers: nothing to sort, no catalog to wait for
  // By leaver (their last working day), then by the file's name from the
  // catalog, whose reader opens a transaction of its own: none is held.
  for (size_t i = 0; i < all.size(); ++i) {
    // The list comes by leaver: a new one starts a group.
    if (i == 0 || all[i].leaver_id != all[i - 1].leaver_id) {
      CUSTOS_ASSIGN_OR_RETURN(User leaver, GetUser(*txn, all[i].leaver_id));
      page.leavers.push_back(HandedToMeFrom{std::move(leaver)});
    }
  }
  txn.reset();
  std::sort(page.leavers.begin(), page.leavers.end(),
            [](const HandedToMeFrom& a, const HandedToMeFrom& b) {
              return std::tie(a.leaver.last_working_day, a.leaver.id) <
                     std::tie(b.leaver.last_working_day, b.leaver.id);
            });
  std::map<std::string_view, size_t> position;  // leaver id → page.leavers
  for (size_t g = 0; g < page.leavers.size(); ++g) position[page.leavers[g].leaver.id] = g;
  std::vector<size_t> group(all.size());  // each handover's leaver in page.leavers
  std::vector<std::string> ids;
  ids.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    group[i] = position.at(all[i].leaver_id);
    ids.push_back(all[i].status.record_id);
  }
  // Each leaver's files by name in pinyin order (the catalog's order). An
  // id the catalog does not hold is left out rather than failing the list;
  // records are never deleted, so there should be none.
  size_t held = 0;
  CUSTOS_ASSIGN_OR_RETURN(std::vector<size_t> by_name, archive.NameOrder(ids, &held));
  std::vector<size_t> rank(all.size());  // each handover's place in by_name
  for (size_t k = 0; k < by_name.size(); ++k) rank[by_name[k]] = k;
  std::vector<size_t> order;
  order.reserve(held);
  for (size_t i = 0; i < all.size(); ++i) {
    if (rank[i] >= held) continue;
    order.push_back(i);
    HandedToMeFrom& from = page.leavers[group[i]];
    ++from.total;
    if (!HandoverComplete(all[i].status, page.mode)) ++from.open;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return std::tie(group[a], rank[a]) < std::tie(group[b], rank[b]);
  });
  for (const HandedToMeFrom& from : page.leavers) {
    page.total += from.total;
    page.open += from.open;
  }
  const size_t first = std::min(offset, order.size());
  const size_t last = first + std::min(limit, order.size() - first);
  CUSTOS_ASSIGN_OR_RETURN(txn, archive.vault().BeginRead());
  for (size_t k = first; k < last; ++k) {
    const HandoverToStatus& x = all[order[k]];
    auto meta = Archive::ReadMeta(*txn, x.status.record_id);
    if (!meta.ok()) {
      if (meta.status().code() == StatusCode::kNotFound) continue;
      return meta.status();
    }
    CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> h,
                            ReadHandover(*txn, x.leaver_id, x.status.record_id));
    if (!h || h->successor_id != user.id) continue;  // given to someone else meanwhile
    const User& leaver = page.leavers[group[order[k]]].leaver;
    page.items.push_back(HandedToMe{std::move(*meta), leaver, std::move(*h)});
  }
  // The leavers whose files are all gone are left out too.
  std::erase_if(page.leavers, [](const HandedToMeFrom& from) { return from.total == 0; });
  return page;
}

Result<std::vector<User>> ListLeavers(Archive& archive, const Caller& caller) {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*txn, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*txn));
  CUSTOS_RETURN_IF_ERROR(CheckMayListDepartures(*policy, user));
  CUSTOS_ASSIGN_OR_RETURN(std::vector<User> users, ListUsers(*txn));
  std::vector<User> out;
  for (User& u : users) {
    if (u.employment != policy::EmploymentState::kActive) out.push_back(std::move(u));
  }
  std::sort(out.begin(), out.end(),
            [](const User& a, const User& b) { return a.last_working_day < b.last_working_day; });
  return out;
}

namespace {

// One assignment's three steps for the access gate (gate.h): AssignHandover
// decides one alone, AssignAllHandovers many to a transaction. The vault may
// run a transaction again: each step starts from scratch.
class AssignStep {
 public:
  AssignStep(std::string_view user_id, std::string_view record_id, std::string_view successor_id,
             std::string_view reason, bool bulk)
      : user_id_(user_id),
        record_id_(record_id),
        successor_id_(successor_id),
        reason_(reason),
        bulk_(bulk) {}

  access::Attempt attempt() const {
    return RecordAttempt(policy::Action::kAssignHandover, std::string(kAssignAction), record_id_,
                         reason_);
  }

  Status Prepare(const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) {
    CUSTOS_ASSIGN_OR_RETURN(meta_, Archive::ReadMeta(txn, record_id_));
    f.record = Archive::RecordFactsFor(meta_);
    f.target_user_id = std::string(successor_id_);
    e.details["user"] = std::string(user_id_);
    e.details["successor"] = std::string(successor_id_);
    if (bulk_) e.details["bulk"] = true;
    return Status::Ok();
  }

  // Allowed: the handover must make sense, or nothing is written.
  Status Finish(const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) {
    if (!o.allowed) return Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(leaver_, GetUser(txn, user_id_));
    if (leaver_.employment == policy::EmploymentState::kActive) {
      return Status::FailedPrecondition("no resignation is registered for the user",
                                        "尚未登记该员工的离职");
    }
    if (meta_.owner_id != leaver_.id) {
      return Status::FailedPrecondition("the record is not owned by the departing user",
                                        "该档案的负责人不是离职人");
    }
    CUSTOS_RETURN_IF_ERROR(CheckSuccessor(txn, successor_id_, leaver_.id));
    CUSTOS_RETURN_IF_ERROR(CheckSuccessorMaySee(txn, *o.policy, successor_id_, meta_));
    CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> previous,
                            ReadHandover(txn, leaver_.id, meta_.id));
    if (previous && previous->state == HandoverState::kPending) {
      e.details["previous_successor"] = previous->successor_id;
    }
    return Status::Ok();
  }

  Status Apply(WriteTxn& txn, const access::Outcome& o) {
    h_ = Handover{};
    h_.user_id = leaver_.id;
    h_.record_id = meta_.id;
    h_.successor_id = std::string(successor_id_);
    h_.state = HandoverState::kPending;
    h_.assigned_by = o.user.id;
    h_.assigned_at = o.now;
    h_.assign_reason = std::string(reason_);
    h_.assign_seq = o.seq;
    return PutHandover(txn, h_);
  }

  const Handover& handover() const { return h_; }

 private:
  std::string_view user_id_, record_id_, successor_id_, reason_;
  bool bulk_;
  RecordMeta meta_;
  User leaver_;
  Handover h_;
};

// One confirmation's steps, as AssignStep's.
class ConfirmStep {
 public:
  ConfirmStep(Archive& archive, std::string_view user_id, std::string_view record_id,
              std::string_view reason, bool bulk)
      : archive_(archive), user_id_(user_id), record_id_(record_id), reason_(reason), bulk_(bulk) {}

  access::Attempt attempt() const {
    return RecordAttempt(policy::Action::kConfirmHandover, std::string(kConfirmAction), record_id_,
                         reason_);
  }

  Status Prepare(const ReadTxn& txn, const User&, policy::Facts& f, AuditEvent& e) {
    CUSTOS_ASSIGN_OR_RETURN(meta_, Archive::ReadMeta(txn, record_id_));
    CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> found, ReadHandover(txn, user_id_, meta_.id));
    if (!found) {
      return Status::NotFound("no handover of this record from this user",
                              "该员工没有这份档案的交接");
    }
    h_ = std::move(*found);
    f.record = Archive::RecordFactsFor(meta_);
    f.target_user_id = h_.successor_id;
    f.handover_assigned_by = h_.assigned_by;
    CUSTOS_ASSIGN_OR_RETURN(f.record->legal_hold, RecordOnHold(txn, meta_.id));
    CUSTOS_ASSIGN_OR_RETURN(f.hold_first_approver,
                            HoldFirstApprover(txn, meta_.id, h_.successor_id, kTransferByHandover));
    e.details["user"] = h_.user_id;
    e.details["successor"] = h_.successor_id;
    e.details["assigned_by"] = h_.assigned_by;
    if (bulk_) e.details["bulk"] = true;
    return Status::Ok();
  }

  // Allowed: the handover must still be open and make sense, or nothing is
  // written.
  Status Finish(const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) {
    if (!o.allowed) return Status::Ok();
    if (h_.state != HandoverState::kPending) {
      return Status::FailedPrecondition("the handover is already confirmed", "该交接已确认");
    }
    if (meta_.owner_id != h_.user_id) {
      return Status::FailedPrecondition("the record changed owner since the assignment",
                                        "分配交接后该档案的负责人已变更");
    }
    CUSTOS_RETURN_IF_ERROR(CheckSuccessor(txn, h_.successor_id, h_.user_id));
    // The policy or the successor's roles may have changed since.
    CUSTOS_RETURN_IF_ERROR(CheckSuccessorMaySee(txn, *o.policy, h_.successor_id, meta_));
    if (o.facts.record->legal_hold) e.details["legal_hold"] = true;
    if (!o.decision.approvals_complete) e.outcome = "pending_second_approval";
    return Status::Ok();
  }

  Status Apply(WriteTxn& txn, const access::Outcome& o) {
    if (!o.decision.approvals_complete) {
      // Under legal hold: the first of two confirmations is kept and the
      // handover stays pending until a second approver confirms it.
      return PutPendingTransfer(txn,
                                PendingTransfer{meta_.id, h_.successor_id, o.user.id,
                                                std::string(kTransferByHandover), o.now, o.seq});
    }
    CUSTOS_RETURN_IF_ERROR(ClearPendingTransfer(txn, meta_.id));
    // The ownership history names the confirming approver (the permit's
    // actor), the time and this reason, and points at the confirm event.
    CUSTOS_RETURN_IF_ERROR(archive_
                               .ReassignOwnerIn(txn, *o.permit, meta_, h_.successor_id,
                                                reason_.empty() ? "handover" : reason_, o.seq)
                               .status());
    h_.state = HandoverState::kConfirmed;
    h_.confirmed_by = o.user.id;
    h_.confirmed_at = o.now;
    h_.confirm_reason = std::string(reason_);
    h_.confirm_seq = o.seq;
    return PutHandover(txn, h_);
  }

  const Handover& handover() const { return h_; }

 private:
  Archive& archive_;
  std::string_view user_id_, record_id_, reason_;
  bool bulk_;
  RecordMeta meta_;
  Handover h_;
};

// DecideThenWrite of one step.
template <typename Step>
Result<Handover> DecideOne(Archive& archive, const Caller& caller, Step& step) {
  CUSTOS_RETURN_IF_ERROR(archive.gate()
                             .DecideThenWrite(caller, step.attempt(),
                                              std::bind_front(&Step::Prepare, &step),
                                              std::bind_front(&Step::Apply, &step),
                                              std::bind_front(&Step::Finish, &step))
                             .status());
  return step.handover();
}

// What one file of a bulk handover came to.
enum class BulkStep { kDone, kHeldFirst, kSkipped, kRefused };

// Runs `one` on each of `ids`, kBulkHandoverChunk files to a transaction:
// each file decided and audited with its change, and a leaver of 100 000
// files does not hold every other write back for long. Stops at the first
// refusal (its event kept) or error (that chunk written not at all).
Result<BulkHandoverResult> InChunks(
    Vault& vault, const std::vector<std::string>& ids, size_t chunk_size,
    const std::function<Result<BulkStep>(WriteTxn&, const std::string&, Status*)>& one) {
  BulkHandoverResult total;
  chunk_size = std::max<size_t>(chunk_size, 1);
  for (size_t from = 0; from < ids.size(); from += chunk_size) {
    const size_t to = std::min(ids.size(), from + chunk_size);
    BulkHandoverResult chunk;
    CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
      chunk = BulkHandoverResult();
      for (size_t i = from; i < to; ++i) {
        Status refusal;
        CUSTOS_ASSIGN_OR_RETURN(const BulkStep step, one(txn, ids[i], &refusal));
        switch (step) {
          case BulkStep::kDone:
            ++chunk.done;
            break;
          case BulkStep::kHeldFirst:
            ++chunk.pending_second_approval;
            break;
          case BulkStep::kSkipped:
            ++chunk.skipped;
            break;
          case BulkStep::kRefused:
            chunk.refusal = std::move(refusal);
            return Status::Ok();  // the refusal's event is kept
        }
      }
      return Status::Ok();
    }));
    total.done += chunk.done;
    total.pending_second_approval += chunk.pending_second_approval;
    total.skipped += chunk.skipped;
    if (!chunk.refusal.ok()) {
      total.refusal = std::move(chunk.refusal);
      break;
    }
  }
  return total;
}

// A bulk handover's reason: more than blanks, and as CheckText wants it.
Status CheckBulkReason(std::string_view reason) {
  if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument("the reason is required: why these files are handed over so",
                                   "请写明批量交接的原因");
  }
  return CheckText("reason", reason, kMaxNoteBytes, true);
}

// A bulk handover's first check, before the leaver is looked up (as
// ListHandovers's): the caller is someone who may take part in departures.
// SECURITY: a caller who may not is refused and the attempt audited on the
// leaver, as each file's would be.
Status CheckMayHandOver(Archive& archive, const Caller& caller, std::string_view action,
                        std::string_view user_id) {
  Status refused;
  User user;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(user, access::AccessGate::CallerUser(*txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*txn));
    refused = CheckMayListDepartures(*policy, user);
  }
  if (refused.ok()) return refused;
  const std::string rule = refused.refusal() != nullptr
                               ? refused.refusal()->rule
                               : std::string(policy::rules::kRoleNotPermitted);
  CUSTOS_RETURN_IF_ERROR(
      archive.gate().RecordRefusal(access::AccessGate::NewEvent(caller, &user, std::string(action),
                                                                "user", std::string(user_id)),
                                   rule));
  return refused;
}

}  // namespace

Result<Handover> AssignHandover(Archive& archive, const Caller& caller, std::string_view user_id,
                                std::string_view record_id, std::string_view successor_id,
                                std::string_view reason) {
  if (user_id.empty() || record_id.empty()) {
    return Status::InvalidArgument("user and record are required", "须指定人员和档案");
  }
  AssignStep step(user_id, record_id, successor_id, reason, /*bulk=*/false);
  return DecideOne(archive, caller, step);
}

Result<Handover> ConfirmHandover(Archive& archive, const Caller& caller, std::string_view user_id,
                                 std::string_view record_id, std::string_view reason) {
  if (user_id.empty() || record_id.empty()) {
    return Status::InvalidArgument("user and record are required", "须指定人员和档案");
  }
  ConfirmStep step(archive, user_id, record_id, reason, /*bulk=*/false);
  return DecideOne(archive, caller, step);
}

Result<BulkHandoverResult> AssignAllHandovers(Archive& archive, const Caller& caller,
                                              std::string_view user_id,
                                              std::string_view successor_id,
                                              std::string_view reason, size_t chunk) {
  if (user_id.empty()) return Status::InvalidArgument("user id is empty", "须指定员工");
  CUSTOS_RETURN_IF_ERROR(CheckBulkReason(reason));
  CUSTOS_RETURN_IF_ERROR(CheckMayHandOver(archive, caller, kAssignAction, user_id));
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(User leaver, GetUser(*txn, user_id));
    if (leaver.employment == policy::EmploymentState::kActive) {
      return Status::FailedPrecondition("no resignation is registered for the user",
                                        "尚未登记该员工的离职");
    }
    CUSTOS_RETURN_IF_ERROR(CheckSuccessor(*txn, successor_id, leaver.id));
  }
  // The files the leaver owns now (the catalog's reader opens a transaction
  // of its own); each is read again in the write.
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> owned, archive.RecordsOwnedBy(user_id));
  const access::AccessGate& gate = archive.gate();
  return InChunks(
      archive.vault(), owned, chunk,
      [&](WriteTxn& txn, const std::string& id, Status* refusal) -> Result<BulkStep> {
        // Only files still theirs with no handover yet: a pending one keeps
        // the successor chosen for it.
        auto meta = Archive::ReadMeta(txn, id);
        if (!meta.ok() && meta.status().code() == StatusCode::kNotFound) return BulkStep::kSkipped;
        CUSTOS_RETURN_IF_ERROR(meta.status());
        if (meta->owner_id != user_id) return BulkStep::kSkipped;
        // A file the caller wrote is for another to assign
        // (sod.owner_not_approver): left, not refused.
        if (meta->author_id == caller.user_id) return BulkStep::kSkipped;
        CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> existing, ReadHandover(txn, user_id, id));
        if (existing) return BulkStep::kSkipped;
        // A file the successor may not open stops the handover, said as
        // AssignHandover says it (HR handing files to themself is the
        // policy's to refuse, and is audited).
        if (successor_id != caller.user_id) {
          CUSTOS_ASSIGN_OR_RETURN(std::shared_ptr<const policy::Policy> policy, gate.PolicyAt(txn));
          if (Status may = CheckSuccessorMaySee(txn, *policy, successor_id, *meta); !may.ok()) {
            *refusal = std::move(may);
            return BulkStep::kRefused;
          }
        }
        AssignStep step(user_id, id, successor_id, reason, /*bulk=*/true);
        CUSTOS_ASSIGN_OR_RETURN(
            access::Outcome o,
            gate.Decide(txn, caller, step.attempt(), std::bind_front(&AssignStep::Prepare, &step),
                        std::bind_front(&AssignStep::Finish, &step)));
        if (!o.allowed) {
          *refusal = o.refusal;
          return BulkStep::kRefused;
        }
        CUSTOS_RETURN_IF_ERROR(step.Apply(txn, o));
        return BulkStep::kDone;
      });
}

Result<BulkHandoverResult> ConfirmAllHandovers(Archive& archive, const Caller& caller,
                                               std::string_view user_id, std::string_view reason,
                                               size_t chunk) {
  if (user_id.empty()) return Status::InvalidArgument("user id is empty", "须指定员工");
  CUSTOS_RETURN_IF_ERROR(CheckBulkReason(reason));
  CUSTOS_RETURN_IF_ERROR(CheckMayHandOver(archive, caller, kConfirmAction, user_id));
  std::vector<std::string> pending;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
    CUSTOS_RETURN_IF_ERROR(GetUser(*txn, user_id).status());
    CUSTOS_RETURN_IF_ERROR(ScanHandovers(*txn, user_id, [&](Handover h) -> Status {
      if (h.state == HandoverState::kPending) pending.push_back(std::move(h.record_id));
      return Status::Ok();
    }));
  }
  const access::AccessGate& gate = archive.gate();
  return InChunks(
      archive.vault(), pending, chunk,
      [&](WriteTxn& txn, const std::string& id, Status* refusal) -> Result<BulkStep> {
        // Left for someone else, not refused: a handover the caller
        // assigned (sod.assigner_not_confirmer), is the successor of
        // (sod.self_assignment) or already confirmed once under a legal
        // hold (the second approver must be another), of a file the caller
        // wrote (sod.owner_not_approver); one confirmed or gone since, or
        // one whose file or successor changed.
        CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> h, ReadHandover(txn, user_id, id));
        if (!h || h->state != HandoverState::kPending || h->assigned_by == caller.user_id ||
            h->successor_id == caller.user_id) {
          return BulkStep::kSkipped;
        }
        CUSTOS_ASSIGN_OR_RETURN(const std::string first,
                                HoldFirstApprover(txn, id, h->successor_id, kTransferByHandover));
        if (first == caller.user_id) return BulkStep::kSkipped;
        auto meta = Archive::ReadMeta(txn, id);
        if (!meta.ok() && meta.status().code() == StatusCode::kNotFound) return BulkStep::kSkipped;
        CUSTOS_RETURN_IF_ERROR(meta.status());
        if (meta->owner_id != user_id || meta->author_id == caller.user_id ||
            !CheckSuccessor(txn, h->successor_id, user_id).ok()) {
          return BulkStep::kSkipped;
        }
        CUSTOS_ASSIGN_OR_RETURN(std::shared_ptr<const policy::Policy> policy, gate.PolicyAt(txn));
        if (!CheckSuccessorMaySee(txn, *policy, h->successor_id, *meta).ok()) {
          return BulkStep::kSkipped;
        }
        ConfirmStep step(archive, user_id, id, reason, /*bulk=*/true);
        CUSTOS_ASSIGN_OR_RETURN(
            access::Outcome o,
            gate.Decide(txn, caller, step.attempt(), std::bind_front(&ConfirmStep::Prepare, &step),
                        std::bind_front(&ConfirmStep::Finish, &step)));
        if (!o.allowed) {
          *refusal = o.refusal;
          return BulkStep::kRefused;
        }
        CUSTOS_RETURN_IF_ERROR(step.Apply(txn, o));
        return o.decision.approvals_complete ? BulkStep::kDone : BulkStep::kHeldFirst;
      });
}

namespace {

// The attempt on the customer's side of the handover of `record_id` from
// `user_id`: reads the record and the handover into `meta` and `h`, and sets
// the facts (the successor is the target) and the event's common details.
access::Prepare PrepareCustomerStep(std::string_view user_id, std::string_view record_id,
                                    RecordMeta& meta, Handover& h) {
  return [user_id, record_id, &meta, &h](const ReadTxn& txn, const User&, policy::Facts& f,
                                         AuditEvent& e) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(meta, Archive::ReadMeta(txn, record_id));
    CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> found, ReadHandover(txn, user_id, meta.id));
    if (!found) {
      return Status::NotFound("no handover of this record from this user",
                              "该员工没有这份档案的交接");
    }
    h = std::move(*found);
    f.record = Archive::RecordFactsFor(meta);
    f.target_user_id = h.successor_id;
    e.details["user"] = h.user_id;
    e.details["successor"] = h.successor_id;
    return Status::Ok();
  };
}

}  // namespace

Result<IssuedLetter> IssueCustomerLetter(Archive& archive, const Caller& caller,
                                         std::string_view user_id, std::string_view record_id,
                                         const CustomerLetterRequest& request,
                                         const CustomerLetterRenderer& render) {
  if (user_id.empty() || record_id.empty()) {
    return Status::InvalidArgument("user and record are required", "须指定人员和档案");
  }
  if (request.language != "zh-CN" && request.language != "en") {
    return Status::InvalidArgument("language must be zh-CN or en", "语言须为 zh-CN 或 en");
  }
  CUSTOS_RETURN_IF_ERROR(CheckText("company_name", request.company_name, kMaxNameBytes, true));
  CUSTOS_RETURN_IF_ERROR(
      CheckText("successor_phone", request.successor_phone, kMaxNameBytes, true));
  CUSTOS_RETURN_IF_ERROR(
      CheckText("successor_email", request.successor_email, kMaxNameBytes, false));
  CUSTOS_RETURN_IF_ERROR(
      CheckText("successor_department", request.successor_department, kMaxNameBytes, false));
  if (!request.reply_by.empty()) CUSTOS_RETURN_IF_ERROR(ParseDate(request.reply_by).status());
  if (!render) return Status::Internal("no customer letter renderer");
  RecordMeta meta;
  Handover h;
  IssuedLetter out;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller,
              RecordAttempt(policy::Action::kConfirmCustomer, std::string(kLetterAction), record_id,
                            ""),
              [&](const ReadTxn& txn, const User& u, policy::Facts& f, AuditEvent& e) -> Status {
                out = IssuedLetter{};
                e.details["language"] = request.language;
                return PrepareCustomerStep(user_id, record_id, meta, h)(txn, u, f, e);
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                out.info.issued_by = o.user.id;
                out.info.issued_at = o.now;
                out.info.seq = o.seq;
                h.letter = out.info;
                CUSTOS_RETURN_IF_ERROR(PutHandover(txn, h));
                return txn.Put(tables::kDepartures, LetterKey(h.user_id, h.record_id), out.html);
              },
              // Allowed: render the letter now, so its hash goes into the event.
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) -> Status {
                if (!o.allowed) return Status::Ok();
                CUSTOS_ASSIGN_OR_RETURN(User leaver, GetUser(txn, h.user_id));
                CUSTOS_ASSIGN_OR_RETURN(User successor, GetUser(txn, h.successor_id));
                CustomerLetterFacts facts;
                facts.language = request.language;
                facts.company_name = request.company_name;
                facts.customer_name = meta.name;
                facts.leaver_name = leaver.display_name;
                facts.end_date = leaver.last_working_day;
                facts.successor_name = successor.display_name;
                facts.successor_department = request.successor_department.empty()
                                                 ? successor.department
                                                 : request.successor_department;
                facts.successor_phone = request.successor_phone;
                facts.successor_email = request.successor_email;
                facts.letter_date = FormatDate(o.policy->LocalDate(o.now));
                facts.reply_by = request.reply_by;
                CUSTOS_ASSIGN_OR_RETURN(out.html, render(facts));
                out.info.language = request.language;
                out.info.sha256 = HexEncode(Sha256(out.html));
                e.details["letter_sha256"] = out.info.sha256;
                return Status::Ok();
              })
          .status());
  return out;
}

Result<IssuedLetter> CustomerLetterOf(Archive& archive, const Caller& caller,
                                      std::string_view user_id, std::string_view record_id) {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, archive.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*txn, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive.PolicyAt(*txn));
  CUSTOS_ASSIGN_OR_RETURN(std::optional<Handover> h, ReadHandover(*txn, user_id, record_id));
  // SECURITY: the successor reads the letter of their own handover; anyone
  // else needs the departures' access rule, decided before "not found" can
  // tell them which handovers exist.
  const bool successor =
      h && h->successor_id == user.id && user.employment == policy::EmploymentState::kActive;
  if (!successor) CUSTOS_RETURN_IF_ERROR(CheckMayListDepartures(*policy, user));
  if (!h || !h->letter) {
    return Status::NotFound("no letter has been issued for this handover",
                            "该交接尚未出具客户通知函");
  }
  auto html = txn->Get(tables::kDepartures, LetterKey(user_id, record_id));
  if (!html.ok()) {
    if (html.status().code() == StatusCode::kNotFound) {
      return Status::DataLoss("the handover names a letter that is not stored");
    }
    return html.status();
  }
  IssuedLetter out;
  out.info = *h->letter;
  out.html = std::string(*html);
  if (HexEncode(Sha256(out.html)) != out.info.sha256) {
    return Status::DataLoss("the stored letter does not match its recorded SHA-256");
  }
  return out;
}

Result<Handover> RecordCustomerAnswer(Archive& archive, const Caller& caller,
                                      std::string_view user_id, std::string_view record_id,
                                      const CustomerAnswerInput& input) {
  if (user_id.empty() || record_id.empty()) {
    return Status::InvalidArgument("user and record are required", "须指定人员和档案");
  }
  if (input.answer == CustomerAnswer::kNone) {
    return Status::InvalidArgument("answer must be confirmed, refused or unreachable",
                                   "客户答复须为确认、拒绝或无法联系");
  }
  if (input.method != "phone" && input.method != "email" && input.method != "letter" &&
      input.method != "visit") {
    return Status::InvalidArgument("method must be phone, email, letter or visit",
                                   "联系方式须为电话、电子邮件、书面回执或上门拜访");
  }
  CUSTOS_RETURN_IF_ERROR(CheckText("contact_name", input.contact_name, kMaxNameBytes,
                                   input.answer != CustomerAnswer::kUnreachable));
  CUSTOS_RETURN_IF_ERROR(
      CheckText("contact_position", input.contact_position, kMaxNameBytes, false));
  CUSTOS_RETURN_IF_ERROR(CheckText("note", input.note, kMaxNoteBytes, false));
  CUSTOS_RETURN_IF_ERROR(CheckText("attachment", input.attachment_id, 64, false));
  CUSTOS_ASSIGN_OR_RETURN(CivilDate answered, ParseDate(input.date));
  RecordMeta meta;
  Handover h;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller,
              RecordAttempt(policy::Action::kConfirmCustomer, std::string(kCustomerAction),
                            record_id, input.note),
              [&](const ReadTxn& txn, const User& u, policy::Facts& f, AuditEvent& e) -> Status {
                e.details["answer"] = std::string(CustomerAnswerId(input.answer));
                e.details["method"] = input.method;
                e.details["date"] = input.date;
                if (!input.attachment_id.empty()) e.details["attachment"] = input.attachment_id;
                return PrepareCustomerStep(user_id, record_id, meta, h)(txn, u, f, e);
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                CustomerConfirmation& c = h.customer;
                c.answer = input.answer;
                c.method = input.method;
                c.contact_name = input.contact_name;
                c.contact_position = input.contact_position;
                c.date = input.date;
                c.note = input.note;
                c.attachment_id = input.attachment_id;
                c.recorded_by = o.user.id;
                c.recorded_at = o.now;
                c.seq = o.seq;
                CUSTOS_RETURN_IF_ERROR(PutHandover(txn, h));
                if (input.answer == CustomerAnswer::kConfirmed) return Status::Ok();
                // A customer who refuses or cannot be reached may hear from
                // the leaver first: the auditors are told at once.
                access::Alert alert;
                alert.type = std::string(kCustomerAlert);
                alert.user_id = h.user_id;
                alert.record_id = h.record_id;
                alert.at = o.now;
                alert.audit_seq = o.seq;
                alert.rule = o.rule;
                alert.details = json::Value::MakeObject();
                alert.details["answer"] = std::string(CustomerAnswerId(input.answer));
                alert.details["method"] = input.method;
                alert.details["successor"] = h.successor_id;
                alert.details["action"] = std::string(kCustomerAction);
                return access::RaiseAlert(txn, alert);
              },
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent&) -> Status {
                if (!o.allowed) return Status::Ok();
                if (o.policy->customer_confirmation() == policy::CustomerConfirmation::kOff) {
                  return Status::FailedPrecondition(
                      "the policy in force does not use customer confirmation",
                      "现行策略不要求客户确认");
                }
                if (answered > o.policy->LocalDate(o.now)) {
                  return Status::InvalidArgument("the date of the answer is in the future",
                                                 "客户答复的日期晚于今天");
                }
                if (!input.attachment_id.empty()) {
                  auto att = GetAttachment(txn, input.attachment_id);
                  if (!att.ok() && att.status().code() != StatusCode::kNotFound) {
                    return att.status();
                  }
                  if (!att.ok() || att->record_id != meta.id) {
                    return Status::NotFound("the attachment is not one of this record's",
                                            "该附件不属于这份档案");
                  }
                }
                return Status::Ok();
              })
          .status());
  return h;
}

Result<Handover> WaiveCustomerConfirmation(Archive& archive, const Caller& caller,
                                           std::string_view user_id, std::string_view record_id,
                                           std::string_view reason) {
  if (user_id.empty() || record_id.empty()) {
    return Status::InvalidArgument("user and record are required", "须指定人员和档案");
  }
  CUSTOS_RETURN_IF_ERROR(CheckText("reason", reason, kMaxNoteBytes, true));
  RecordMeta meta;
  Handover h;
  CUSTOS_RETURN_IF_ERROR(
      archive.gate()
          .DecideThenWrite(
              caller,
              RecordAttempt(policy::Action::kWaiveCustomerConfirmation, std::string(kWaiveAction),
                            record_id, reason),
              PrepareCustomerStep(user_id, record_id, meta, h),
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                h.customer.waived_by = o.user.id;
                h.customer.waived_at = o.now;
                h.customer.waive_reason = std::string(reason);
                h.customer.waive_seq = o.seq;
                return PutHandover(txn, h);
              },
              [&](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                e.details["previous_answer"] = std::string(CustomerAnswerId(h.customer.answer));
                if (!o.allowed) return Status::Ok();
                if (o.policy->customer_confirmation() == policy::CustomerConfirmation::kOff) {
                  return Status::FailedPrecondition(
                      "the policy in force does not use customer confirmation",
                      "现行策略不要求客户确认");
                }
                if (h.customer.answer == CustomerAnswer::kConfirmed) {
                  return Status::FailedPrecondition("the customer has already confirmed",
                                                    "客户已确认");
                }
                if (!h.customer.waived_by.empty()) {
                  return Status::FailedPrecondition("the confirmation is already waived",
                                                    "客户确认已被免除");
                }
                return Status::Ok();
              })
          .status());
  return h;
}

Result<bool> HasFirstHoldApproval(const ReadTxn& txn, const Handover& h) {
  CUSTOS_ASSIGN_OR_RETURN(std::string first,
                          HoldFirstApprover(txn, h.record_id, h.successor_id, kTransferByHandover));
  return !first.empty();
}

Status CancelPendingHandover(WriteTxn& txn, const Handover& h, uint64_t seq) {
  if (h.state != HandoverState::kPending) {
    return Status::FailedPrecondition("a confirmed handover stays", "已确认的交接不能取消");
  }
  json::Value kept = json::Value::MakeObject();
  kept["handover"] = h.ToJson();
  const std::string letter_key = LetterKey(h.user_id, h.record_id);
  auto letter = txn.Get(tables::kDepartures, letter_key);
  if (letter.ok()) {
    kept["letter"] = std::string(*letter);
    CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kDepartures, letter_key));
  } else if (letter.status().code() != StatusCode::kNotFound) {
    return letter.status();
  }
  std::string key = "x/" + h.user_id;
  key.push_back('\0');
  key += h.record_id;
  key.push_back('\0');
  key += EncodeU64(seq);
  CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kDepartures, key, json::Serialize(kept)));
  CUSTOS_ASSIGN_OR_RETURN(bool first_approval, HasFirstHoldApproval(txn, h));
  if (first_approval) CUSTOS_RETURN_IF_ERROR(ClearPendingTransfer(txn, h.record_id));
  return DeleteHandover(txn, h);
}

}  // namespace custos::vault
