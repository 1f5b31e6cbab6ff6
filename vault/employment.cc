#include "vault/employment.h"

#include <optional>
#include <string>

#include "policy/engine.h"
#include "policy/facts.h"
#include "policy/types.h"

namespace custos::vault {

namespace {

constexpr std::string_view kRegisterAction = "user.resignation.register";
constexpr std::string_view kDepartedAction = "user.departed";
constexpr std::string_view kDepartedRule = "system.departure";

}  // namespace

Status ValidateResignationDates(std::string_view notice_date, std::string_view last_working_day) {
  auto notice = ParseDate(notice_date);
  if (!notice.ok()) return Status::InvalidArgument("notice_date is not a date (YYYY-MM-DD)");
  auto last = ParseDate(last_working_day);
  if (!last.ok()) return Status::InvalidArgument("last_working_day is not a date (YYYY-MM-DD)");
  if (*last < *notice) {
    return Status::InvalidArgument("last_working_day is before notice_date");
  }
  return Status::Ok();
}

Result<User> RegisterResignation(Vault& vault, const AuditLog& log, const Caller& hr,
                                 std::string_view user_id, std::string_view notice_date,
                                 std::string_view last_working_day, std::string_view reason) {
  CUSTOS_RETURN_IF_ERROR(ValidateResignationDates(notice_date, last_working_day));
  if (user_id.empty()) return Status::InvalidArgument("user id is empty");
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  User out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(policy::Policy current, CurrentPolicy(txn));
    auto actor = GetUser(txn, hr.user_id);
    if (!actor.ok() || actor->disabled || actor->employment == policy::EmploymentState::kDeparted) {
      return Status::Unauthenticated("unknown or disabled user");
    }
    policy::Facts facts;
    facts.actor.user_id = actor->id;
    facts.actor.roles = actor->roles;
    facts.actor.employment = actor->employment;
    facts.now = NowMillis();
    facts.reason = std::string(reason);
    facts.target_user_id = std::string(user_id);
    const policy::Authorization auth =
        policy::Authorize(current, facts, policy::Action::kRegisterResignation);

    AuditEvent e;
    e.actor = {actor->id, actor->display_name};
    for (policy::Role r : actor->roles) e.roles.emplace_back(policy::RoleId(r));
    e.session = hr.session;
    e.place = hr.place;
    e.action = std::string(kRegisterAction);
    e.object = {"user", std::string(user_id), std::nullopt};
    e.reason = std::string(reason);
    e.decision = auth.ok() ? AuditDecision::kAllow : AuditDecision::kDeny;
    e.rule = auth.decision.rule;
    e.policy = current.digest();
    e.outcome = auth.ok() ? "ok" : "denied";
    e.details["notice_date"] = std::string(notice_date);
    e.details["last_working_day"] = std::string(last_working_day);
    if (!auth.ok()) {
      // SECURITY: decided (and audited) before the target is read, so a
      // caller without the right learns nothing about which users exist.
      CUSTOS_RETURN_IF_ERROR(log.Append(txn, e).status());
      denied = auth.status();
      return Status::Ok();
    }
    CUSTOS_ASSIGN_OR_RETURN(User target, GetUser(txn, user_id));
    if (target.employment == policy::EmploymentState::kDeparted) {
      return Status::FailedPrecondition("the user has already departed");
    }
    target.employment = policy::EmploymentState::kNoticeGiven;
    target.notice_date = std::string(notice_date);
    target.last_working_day = std::string(last_working_day);
    CUSTOS_RETURN_IF_ERROR(UpdateUser(txn, target));
    CUSTOS_RETURN_IF_ERROR(log.Append(txn, e).status());
    out = std::move(target);
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
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
