#include "vault/people/employment.h"

#include <optional>
#include <string>

#include "policy/engine.h"
#include "policy/facts.h"
#include "policy/types.h"
#include "vault/access/gate.h"

namespace custos::vault {

namespace {

constexpr std::string_view kRegisterAction = "user.resignation.register";
constexpr std::string_view kDepartedAction = "user.departed";
constexpr std::string_view kDepartedRule = "system.departure";

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
                if (actor.employment == policy::EmploymentState::kDeparted) {
                  return Status::Unauthenticated("unknown or disabled user");
                }
                f.target_user_id = std::string(user_id);
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
              [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent&) -> Status {
                if (!o.allowed) return Status::Ok();
                CUSTOS_ASSIGN_OR_RETURN(target, GetUser(txn, user_id));
                if (target.employment == policy::EmploymentState::kDeparted) {
                  return Status::FailedPrecondition("the user has already departed",
                                                    "该员工已离职");
                }
                target.employment = policy::EmploymentState::kNoticeGiven;
                target.notice_date = std::string(notice_date);
                target.last_working_day = std::string(last_working_day);
                return Status::Ok();
              })
          .status());
  return target;
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
