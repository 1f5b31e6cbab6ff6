#include "vault/people/employment.h"

#include <optional>
#include <string>

#include "policy/engine.h"
#include "policy/facts.h"
#include "policy/types.h"
#include "vault/access/gate.h"
#include "vault/agreements/agreements.h"
#include "vault/audit/audit_log.h"
#include "vault/people/departure_checklist.h"
#include "vault/people/handover.h"

namespace custos::vault {

namespace {

constexpr std::string_view kRegisterAction = "user.resignation.register";
constexpr std::string_view kWithdrawAction = "user.resignation.withdraw";
constexpr size_t kMaxReasonBytes = 2048;
constexpr std::string_view kDepartedAction = "user.departed";
constexpr std::string_view kDepartedRule = "system.departure";

// The facts of HR acting on `user_id`'s employment (a registration, a
// withdrawal): a departed caller is no one.
Status HrFacts(const User& actor, std::string_view user_id, policy::Facts& f) {
  if (actor.employment == policy::EmploymentState::kDeparted) {
    return Status::Unauthenticated("unknown or disabled user");
  }
  f.target_user_id = std::string(user_id);
  return Status::Ok();
}

}  // namespace

Status ValidateResignationDates(std::string_view notice_date, std::string_view last_working_day) {
  auto notice = ParseDate(notice_date);
  if (!notice.ok()) {
    return Status::InvalidArgument("notice_date is not a date (YYYY-MM-DD)",
                                   "提出离职日期不是有效日期（应为 YYYY-MM-DD）");
  }
  auto last = ParseDate(last_working_day);
  if (!last.ok()) {
    return Status::InvalidArgument("last_working_day is not a date (YYYY-MM-DD)",
                                   "最后工作日不是有效日期（应为 YYYY-MM-DD）");
  }
  if (*last < *notice) {
    return Status::InvalidArgument("last_working_day is before notice_date",
                                   "最后工作日早于提出离职日期");
  }
  return Status::Ok();
}

Result<User> RegisterResignation(Vault& vault, const AuditLog& log, const Caller& hr,
                                 std::string_view user_id, std::string_view notice_date,
                                 std::string_view last_working_day, std::string_view reason) {
  CUSTOS_RETURN_IF_ERROR(ValidateResignationDates(notice_date, last_working_day));
  if (user_id.empty()) return Status::InvalidArgument("user id is empty");
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  const access::AccessGate gate(vault, log);
  const access::Attempt attempt = access::Attempt::On(policy::Action::kRegisterResignation,
                                                      kRegisterAction, "user", user_id, reason);
  User target;
  CUSTOS_RETURN_IF_ERROR(
      gate.DecideThenWrite(
              hr, attempt,
              [&](const ReadTxn&, const User& actor, policy::Facts& f, AuditEvent& e) -> Status {
                CUSTOS_RETURN_IF_ERROR(HrFacts(actor, user_id, f));
                e.details["notice_date"] = std::string(notice_date);
                e.details["last_working_day"] = std::string(last_working_day);
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome&) -> Status {
                return UpdateUser(txn, target);
              },
              // SECURITY: the target is read only once the caller is allowed,
              // so a caller without the right learns nothing about which
              // users exist; an unknown or departed target commits nothing.
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) -> Status {
                if (!o.allowed) return Status::Ok();
                CUSTOS_ASSIGN_OR_RETURN(target, GetUser(txn, user_id));
                if (target.employment == policy::EmploymentState::kDeparted) {
                  return Status::FailedPrecondition("the user has already departed",
                                                    "该员工已离职");
                }
                // A correction says what it replaced: the dates a signed
                // notice or a non-compete may have been made from.
                if (target.employment == policy::EmploymentState::kNoticeGiven) {
                  e.details["previous_notice_date"] = target.notice_date;
                  e.details["previous_last_working_day"] = target.last_working_day;
                }
                target.employment = policy::EmploymentState::kNoticeGiven;
                target.notice_date = std::string(notice_date);
                target.last_working_day = std::string(last_working_day);
                return Status::Ok();
              })
          .status());
  return target;
}

Result<WithdrawnResignation> WithdrawResignation(Vault& vault, const AuditLog& log,
                                                 const Caller& hr, std::string_view user_id,
                                                 std::string_view reason, CivilDate today) {
  if (user_id.empty()) return Status::InvalidArgument("user id is empty", "须指定员工");
  if (reason.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument(
        "the reason is required: why the resignation is withdrawn, and who decided",
        "请写明撤回离职的原因及决定人");
  }
  if (reason.size() > kMaxReasonBytes) {
    return Status::InvalidArgument("the reason is longer than 2048 bytes",
                                   "事由过长（最多 2048 字节）");
  }
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  const access::AccessGate gate(vault, log);
  const access::Attempt attempt = access::Attempt::On(policy::Action::kRegisterResignation,
                                                      kWithdrawAction, "user", user_id, reason);
  WithdrawnResignation out;
  CUSTOS_RETURN_IF_ERROR(
      gate.DecideThenWrite(
              hr, attempt,
              [&](const ReadTxn&, const User& actor, policy::Facts& f, AuditEvent&) -> Status {
                return HrFacts(actor, user_id, f);
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                for (const Handover& h : out.cancelled_handovers) {
                  CUSTOS_RETURN_IF_ERROR(CancelPendingHandover(txn, h, o.seq));
                }
                CUSTOS_RETURN_IF_ERROR(SetAsideNoticeRefusal(txn, user_id, o.seq).status());
                CUSTOS_RETURN_IF_ERROR(NoteWithdrawnDeparture(txn, user_id, o.now, o.seq));
                return UpdateUser(txn, out.user);
              },
              // SECURITY: as for a registration, the target is read only
              // once the caller is allowed.
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) -> Status {
                out = WithdrawnResignation();
                if (!o.allowed) return Status::Ok();
                CUSTOS_ASSIGN_OR_RETURN(out.user, GetUser(txn, user_id));
                if (out.user.employment == policy::EmploymentState::kDeparted) {
                  return Status::FailedPrecondition(
                      "the user has already departed; a departure cannot be withdrawn",
                      "该员工已离职，离职不能撤回");
                }
                if (out.user.employment != policy::EmploymentState::kNoticeGiven) {
                  return Status::FailedPrecondition("no resignation is registered for the user",
                                                    "尚未登记该员工的离职");
                }
                // Past the last working day the person has left, whether or
                // not the sweep has marked it yet.
                if (auto last = ParseDate(out.user.last_working_day); last.ok() && *last < today) {
                  return Status::FailedPrecondition(
                      "the last working day " + out.user.last_working_day +
                          " has passed: the person has departed, and a departure is final",
                      "最后工作日 " + out.user.last_working_day +
                          " 已过：该员工已离职，离职不能撤回");
                }
                std::vector<std::string> cancelled;
                std::vector<std::string> first_approvals;
                CUSTOS_RETURN_IF_ERROR(ScanHandovers(txn, user_id, [&](Handover h) -> Status {
                  if (h.state == HandoverState::kConfirmed) {
                    ++out.confirmed_handovers;
                    return Status::Ok();
                  }
                  cancelled.push_back(h.record_id);
                  CUSTOS_ASSIGN_OR_RETURN(bool first, HasFirstHoldApproval(txn, h));
                  if (first) first_approvals.push_back(h.record_id);
                  out.cancelled_handovers.push_back(std::move(h));
                  return Status::Ok();
                }));
                CUSTOS_ASSIGN_OR_RETURN(std::optional<NoticeRefusal> refusal,
                                        ReadNoticeRefusal(txn, user_id));
                CUSTOS_ASSIGN_OR_RETURN(std::vector<Agreement> agreements,
                                        AgreementsOfEmployee(txn, user_id));
                json::Value notices = json::Value::MakeArray();
                for (const Agreement& a : agreements) {
                  if (a.kind != "departure-notice" || a.state == AgreementState::kCompleted ||
                      a.state == AgreementState::kVoided) {
                    continue;
                  }
                  notices.Push(a.id);
                  out.open_departure_notices.push_back(a.id);
                }
                e.details["notice_date"] = out.user.notice_date;
                e.details["last_working_day"] = out.user.last_working_day;
                // A leaver of many thousand files: the first ones, how many
                // and a digest (the cancelled handovers keep the event's seq).
                PutIdList(e.details, "cancelled_handovers", cancelled);
                e.details["confirmed_handovers"] = static_cast<int64_t>(out.confirmed_handovers);
                e.details["notice_refusal_cleared"] = refusal.has_value();
                e.details["open_departure_notices"] = std::move(notices);
                PutIdList(e.details, "first_hold_approvals_withdrawn", first_approvals);
                out.user.employment = policy::EmploymentState::kActive;
                out.user.notice_date.clear();
                out.user.last_working_day.clear();
                return Status::Ok();
              })
          .status());
  return out;
}

Result<std::vector<User>> MarkDeparted(Vault& vault, const AuditLog& log, CivilDate today) {
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  const std::string today_text = FormatDate(today);
  std::vector<User> out;
  CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
    out.clear();
    CUSTOS_ASSIGN_OR_RETURN(std::string digest, CurrentPolicyDigest(txn));
    CUSTOS_ASSIGN_OR_RETURN(std::vector<User> users, ListUsers(txn));
    for (User& u : users) {
      if (u.employment != policy::EmploymentState::kNoticeGiven) continue;
      auto last = ParseDate(u.last_working_day);
      if (!last.ok() || !(*last < today)) continue;
      u.employment = policy::EmploymentState::kDeparted;
      u.disabled = true;
      CUSTOS_RETURN_IF_ERROR(UpdateUser(txn, u));
      AuditEvent e;  // the system: no actor, session or place
      e.action = std::string(kDepartedAction);
      e.object = {"user", u.id, std::nullopt};
      e.decision = AuditDecision::kAllow;
      e.rule = std::string(kDepartedRule);
      e.policy = digest;
      e.outcome = "ok";
      e.details["last_working_day"] = u.last_working_day;
      e.details["today"] = today_text;
      CUSTOS_RETURN_IF_ERROR(log.Append(txn, e).status());
      out.push_back(u);
    }
    return Status::Ok();
  }));
  return out;
}

}  // namespace custos::vault
