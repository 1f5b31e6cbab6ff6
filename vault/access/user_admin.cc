#include "vault/access/user_admin.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "base/encoding.h"
#include "policy/engine.h"
#include "policy/facts.h"
#include "vault/access/gate.h"
#include "vault/store/crypto.h"
#include "vault/store/tables.h"

namespace custos::vault {

namespace {

constexpr std::string_view kGrantPrefix = "ugrant/";
constexpr std::string_view kSetupPrefix = "setup/";
constexpr std::string_view kSetupUserPrefix = "setup-user/";
// Set once a second administrator has existed: from then on the
// first-administrator allowance never applies again, even if the other
// administrators are later removed.
constexpr std::string_view kHadSecondAdminKey = "useradmin/had-second-admin";
constexpr size_t kMaxTextField = 128;

constexpr std::string_view kSetupRule = "auth.setup_link";
constexpr std::string_view kPasswordChangeRule = "auth.password_change";

// The administrator a setup link still binds `u` to for the two-person rule:
// the one whose reset link set the password within kResetBindsMs, or whose
// first-setup link set it and the owner has not changed it since; else "".
std::string ResetBinder(const User& u, UnixMillis now) {
  if (u.password_set_at != 0 && now - u.password_set_at >= kResetBindsMs) return "";
  return u.password_set_by;
}

// Adds facts to a user-administration decision (reads only).
using MoreFacts = std::function<Status(const ReadTxn&, const User&, policy::Facts&)>;

// Decides kManageUsers for `caller` on the access path, in `txn`, without
// writing anything: the caller must be a known, enabled, not departed user
// (kUnauthenticated otherwise). The events the decision leads to are
// appended with AccessGate::Record (one operation may write several).
Result<access::Outcome> Ask(const access::AccessGate& gate, const ReadTxn& txn,
                            const Caller& caller, std::string_view target_user_id, UnixMillis now,
                            const MoreFacts& more = nullptr) {
  access::Attempt attempt;
  attempt.action = policy::Action::kManageUsers;
  return gate.Peek(
      txn, caller, attempt,
      [&](const ReadTxn& t, const User& user, policy::Facts& f, AuditEvent&) -> Status {
        if (user.employment == policy::EmploymentState::kDeparted) {
          return Status::Unauthenticated("unknown or disabled user");
        }
        f.now = now;
        f.target_user_id = std::string(target_user_id);
        return more ? more(t, user, f) : Status::Ok();
      });
}

// The event of a user-administration step by the decided caller; its
// decision is set by AccessGate::Record.
AuditEvent BaseEvent(const access::Outcome& decided, const Caller& caller, std::string_view action,
                     std::string_view target_id, std::string_view reason) {
  AuditEvent e = access::AccessGate::NewEvent(caller, &decided.user, std::string(action), "user",
                                              std::string(target_id));
  e.reason = std::string(reason);
  return e;
}

json::Value RoleList(const std::vector<policy::Role>& roles) {
  json::Value out = json::Value::MakeArray();
  for (policy::Role r : roles) out.Push(std::string(policy::RoleId(r)));
  return out;
}

Result<std::vector<policy::Role>> ParseRoleList(const json::Value& v, std::string_view key) {
  const json::Value* list = v.Find(key);
  if (list == nullptr || !list->is_array()) {
    return Status::DataLoss("user admin record: " + std::string(key) + " is not a list");
  }
  std::vector<policy::Role> out;
  for (const json::Value& r : list->as_array()) {
    if (!r.is_string()) return Status::DataLoss("user admin record: a role is not a string");
    CUSTOS_ASSIGN_OR_RETURN(policy::Role role, policy::ParseRole(r.as_string()));
    out.push_back(role);
  }
  return out;
}

Status CheckText(std::string_view name, std::string_view name_zh, std::string_view value) {
  if (value.size() > kMaxTextField) {
    return Status::InvalidArgument(std::string(name) + " is too long (at most 128 bytes)",
                                   std::string(name_zh) + "过长（最多 128 字节）");
  }
  return Status::Ok();
}

// A territory list as stored: each label trimmed of spaces, empty ones and
// repeats dropped, order kept.
Result<std::vector<std::string>> CleanTerritories(const std::vector<std::string>& in) {
  constexpr size_t kMaxTerritories = 32;
  std::vector<std::string> out;
  for (const std::string& raw : in) {
    size_t b = raw.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    size_t e = raw.find_last_not_of(" \t");
    std::string t = raw.substr(b, e - b + 1);
    CUSTOS_RETURN_IF_ERROR(CheckText("a territory", "负责的区域或团队", t));
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
  }
  if (out.size() > kMaxTerritories)
    return Status::InvalidArgument("at most 32 territories per person",
                                   "每人最多负责 32 个区域或团队");
  return out;
}

json::Value TextList(const std::vector<std::string>& v) {
  json::Value a = json::Value::MakeArray();
  for (const std::string& s : v) a.Push(s);
  return a;
}

std::vector<policy::Role> Dedupe(const std::vector<policy::Role>& roles) {
  std::vector<policy::Role> out;
  for (policy::Role r : roles) {
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  }
  return out;
}

bool Contains(const std::vector<policy::Role>& roles, policy::Role r) {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

// Whether anyone but `actor_id` holds, or ever held beside another, the
// admin role.
Status NoteSecondAdmin(WriteTxn& txn) { return txn.Put(tables::kIndex, kHadSecondAdminKey, ""); }

// The roles of `granted` that must wait for a second administrator under
// this decision (none when it completes the count).
std::vector<policy::Role> HeldBack(const policy::Policy& policy, const policy::Decision& decision,
                                   const std::vector<policy::Role>& granted) {
  std::vector<policy::Role> out;
  if (decision.approvals_complete || decision.approvals_required < 2) return out;
  for (policy::Role r : granted) {
    if (policy.GrantNeedsSecondAdmin(r)) out.push_back(r);
  }
  return out;
}

Result<PendingGrant> StoreGrant(WriteTxn& txn, std::string_view user_id,
                                std::vector<policy::Role> roles, std::string_view requested_by,
                                UnixMillis now) {
  PendingGrant g;
  g.id = "g-" + HexEncode(RandomBytes(8));
  g.user_id = std::string(user_id);
  g.roles = std::move(roles);
  g.requested_by = std::string(requested_by);
  g.requested_at = now;
  CUSTOS_RETURN_IF_ERROR(
      txn.Insert(tables::kIndex, std::string(kGrantPrefix) + g.id, json::Serialize(g.ToJson())));
  return g;
}

Result<PendingGrant> LoadGrant(const ReadTxn& txn, std::string_view grant_id) {
  auto raw = txn.Get(tables::kIndex, std::string(kGrantPrefix) + std::string(grant_id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such pending grant", "没有这项待审批的授权");
    }
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  return PendingGrant::FromJson(v);
}

std::string TokenHash(std::string_view token) { return HexEncode(Sha256(token)); }

bool WellFormedToken(std::string_view token) {
  if (token.size() != 64) return false;
  return std::all_of(token.begin(), token.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Issues a new setup link for `user_id`, replacing any earlier one.
Result<SetupLink> IssueSetup(WriteTxn& txn, std::string_view user_id, std::string_view kind,
                             std::string_view created_by, UnixMillis now) {
  const std::string by_user = std::string(kSetupUserPrefix) + std::string(user_id);
  auto old = txn.Get(tables::kIndex, by_user);
  if (old.ok()) {
    Status st = txn.Delete(tables::kIndex, std::string(kSetupPrefix) + *old);
    if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
  } else if (old.status().code() != StatusCode::kNotFound) {
    return old.status();
  }
  SetupLink link;
  link.token = HexEncode(RandomBytes(32));
  link.expires = now + kSetupLinkLifetime;
  const std::string hash = TokenHash(link.token);
  json::Value v = json::Value::MakeObject();
  v["user_id"] = std::string(user_id);
  v["expires"] = link.expires;
  v["kind"] = std::string(kind);
  v["created_by"] = std::string(created_by);
  CUSTOS_RETURN_IF_ERROR(
      txn.Put(tables::kIndex, std::string(kSetupPrefix) + hash, json::Serialize(v)));
  CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kIndex, by_user, hash));
  return link;
}

struct StoredSetup {
  std::string hash;
  std::string user_id;
  std::string kind;
  std::string created_by;
  UnixMillis expires = 0;
};

// The live setup record of `token`; one kNotFound for unknown, malformed
// and expired links alike.
Result<StoredSetup> FindSetup(const ReadTxn& txn, std::string_view token, UnixMillis now) {
  const Status gone = Status::NotFound("this setup link is unknown, used or expired",
                                       "此设置链接无效、已使用或已过期");
  if (!WellFormedToken(token)) return gone;
  StoredSetup s;
  s.hash = TokenHash(token);
  auto raw = txn.Get(tables::kIndex, std::string(kSetupPrefix) + s.hash);
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) return gone;
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  CUSTOS_ASSIGN_OR_RETURN(s.user_id, json::GetString(v, "user_id"));
  CUSTOS_ASSIGN_OR_RETURN(s.kind, json::GetStringOr(v, "kind", "create"));
  CUSTOS_ASSIGN_OR_RETURN(s.created_by, json::GetStringOr(v, "created_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(s.expires, json::GetIntOr(v, "expires", 0));
  if (now >= s.expires) return gone;
  return s;
}

Status DropSetup(WriteTxn& txn, const StoredSetup& s) {
  CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kIndex, std::string(kSetupPrefix) + s.hash));
  Status st = txn.Delete(tables::kIndex, std::string(kSetupUserPrefix) + s.user_id);
  return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
}

// Ends a pending setup link of `user_id` (the account got a password some
// other way, or was disabled).
Status DropSetupOf(WriteTxn& txn, std::string_view user_id) {
  const std::string by_user = std::string(kSetupUserPrefix) + std::string(user_id);
  auto hash = txn.Get(tables::kIndex, by_user);
  if (!hash.ok()) {
    return hash.status().code() == StatusCode::kNotFound ? Status::Ok() : hash.status();
  }
  Status st = txn.Delete(tables::kIndex, std::string(kSetupPrefix) + *hash);
  if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
  return txn.Delete(tables::kIndex, by_user);
}

}  // namespace

Result<bool> OtherAdminExists(const ReadTxn& txn, std::string_view actor_id) {
  CUSTOS_ASSIGN_OR_RETURN(bool had, txn.Has(tables::kIndex, kHadSecondAdminKey));
  if (had) return true;
  CUSTOS_ASSIGN_OR_RETURN(std::vector<User> users, ListUsers(txn));
  for (const User& u : users) {
    if (u.id != actor_id && u.HasRole(policy::Role::kAdmin)) return true;
  }
  return false;
}

json::Value PendingGrant::ToJson() const {
  json::Value v = json::Value::MakeObject();
  v["id"] = id;
  v["user_id"] = user_id;
  v["roles"] = RoleList(roles);
  v["requested_by"] = requested_by;
  v["requested_at"] = requested_at;
  return v;
}

Result<PendingGrant> PendingGrant::FromJson(const json::Value& v) {
  PendingGrant g;
  CUSTOS_ASSIGN_OR_RETURN(g.id, json::GetString(v, "id"));
  CUSTOS_ASSIGN_OR_RETURN(g.user_id, json::GetString(v, "user_id"));
  CUSTOS_ASSIGN_OR_RETURN(g.roles, ParseRoleList(v, "roles"));
  CUSTOS_ASSIGN_OR_RETURN(g.requested_by, json::GetString(v, "requested_by"));
  CUSTOS_ASSIGN_OR_RETURN(g.requested_at, json::GetIntOr(v, "requested_at", 0));
  return g;
}

Result<UserAdminOutcome> UserAdmin::Create(const Caller& admin, const NewUser& input,
                                           std::string_view reason) {
  CUSTOS_RETURN_IF_ERROR(ValidateUsername(input.username));
  CUSTOS_RETURN_IF_ERROR(CheckText("display_name", "姓名", input.display_name));
  CUSTOS_RETURN_IF_ERROR(CheckText("department", "部门", input.department));
  CUSTOS_ASSIGN_OR_RETURN(const std::vector<std::string> territories,
                          CleanTerritories(input.territories));
  const std::vector<policy::Role> roles = Dedupe(input.roles);
  if (roles.empty()) {
    return Status::InvalidArgument("an account needs at least one role", "账户至少需要一个角色");
  }
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault_, log_).status());
  UserAdminOutcome out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    out = UserAdminOutcome{};
    CUSTOS_ASSIGN_OR_RETURN(
        const access::Outcome a,
        Ask(gate_, txn, admin, "", Now(),
            [&](const ReadTxn& t, const User& actor, policy::Facts& f) -> Status {
              policy::UserAdminFacts ua;
              ua.granted_roles = roles;
              CUSTOS_ASSIGN_OR_RETURN(ua.other_admin_exists, OtherAdminExists(t, actor.id));
              f.user_admin = ua;
              return Status::Ok();
            }));
    AuditEvent e = BaseEvent(a, admin, "user.create", "", reason);
    e.details["username"] = input.username;
    e.details["roles"] = RoleList(roles);
    if (!territories.empty()) e.details["territories"] = TextList(territories);
    if (!a.allowed) {
      CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, a, e).status());
      denied = a.refusal;
      return Status::Ok();
    }
    const std::vector<policy::Role> held = HeldBack(*a.policy, a.decision, roles);
    User u;
    u.username = input.username;
    u.display_name = input.display_name;
    u.department = input.department;
    u.territories = territories;
    for (policy::Role r : roles) {
      if (!Contains(held, r)) u.roles.push_back(r);
    }
    CUSTOS_ASSIGN_OR_RETURN(u, CreateUser(txn, std::move(u)));
    if (Contains(u.roles, policy::Role::kAdmin)) CUSTOS_RETURN_IF_ERROR(NoteSecondAdmin(txn));
    e.object.id = u.id;
    e.details["roles"] = RoleList(u.roles);
    e.details["pending_roles"] = RoleList(held);
    if (!held.empty()) {
      CUSTOS_ASSIGN_OR_RETURN(PendingGrant g, StoreGrant(txn, u.id, held, a.user.id, Now()));
      e.details["grant"] = g.id;
      out.pending = std::move(g);
    }
    CUSTOS_ASSIGN_OR_RETURN(SetupLink link, IssueSetup(txn, u.id, "create", a.user.id, Now()));
    e.details["setup_expires"] = link.expires;
    CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, a, e).status());
    out.user = std::move(u);
    out.setup = std::move(link);
    out.rule = a.rule;
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
  return out;
}

Result<UserAdminOutcome> UserAdmin::Change(const Caller& admin, std::string_view user_id,
                                           const UserChange& change, std::string_view reason) {
  if (user_id.empty()) return Status::InvalidArgument("user id is empty");
  if (change.display_name)
    CUSTOS_RETURN_IF_ERROR(CheckText("display_name", "姓名", *change.display_name));
  if (change.department)
    CUSTOS_RETURN_IF_ERROR(CheckText("department", "部门", *change.department));
  std::optional<std::vector<std::string>> territories;
  if (change.territories) {
    CUSTOS_ASSIGN_OR_RETURN(territories, CleanTerritories(*change.territories));
  }
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault_, log_).status());
  UserAdminOutcome out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    out = UserAdminOutcome{};
    // SECURITY: the role is decided before the target is read, so a caller
    // without it learns nothing about which accounts exist.
    CUSTOS_ASSIGN_OR_RETURN(const access::Outcome a, Ask(gate_, txn, admin, user_id, Now()));
    if (!a.allowed) {
      CUSTOS_RETURN_IF_ERROR(
          gate_.Record(txn, a, BaseEvent(a, admin, "user.update", user_id, reason)).status());
      denied = a.refusal;
      return Status::Ok();
    }
    CUSTOS_ASSIGN_OR_RETURN(User target, GetUser(txn, user_id));
    const User before = target;
    std::vector<policy::Role> added;
    std::vector<policy::Role> removed;
    if (change.roles) {
      const std::vector<policy::Role> wanted = Dedupe(*change.roles);
      if (wanted.empty()) {
        return Status::InvalidArgument("an account needs at least one role",
                                       "账户至少需要一个角色");
      }
      for (policy::Role r : wanted) {
        if (!target.HasRole(r)) added.push_back(r);
      }
      for (policy::Role r : target.roles) {
        if (!Contains(wanted, r)) removed.push_back(r);
      }
    }
    const bool disabling = change.disabled && *change.disabled && !target.disabled;
    if (target.id == a.user.id && (disabling || Contains(removed, policy::Role::kAdmin))) {
      return Status::FailedPrecondition(
          "administrators cannot disable themselves or drop their own admin role",
          "管理员不能停用自己的账户，也不能取消自己的管理员角色");
    }
    CUSTOS_ASSIGN_OR_RETURN(
        const access::Outcome auth,
        Ask(gate_, txn, admin, user_id, Now(),
            [&](const ReadTxn& t, const User& actor, policy::Facts& f) -> Status {
              policy::UserAdminFacts ua;
              ua.granted_roles = added;
              CUSTOS_ASSIGN_OR_RETURN(ua.other_admin_exists, OtherAdminExists(t, actor.id));
              f.user_admin = ua;
              return Status::Ok();
            }));
    if (!auth.allowed) {
      AuditEvent e = BaseEvent(auth, admin, "user.roles", target.id, reason);
      e.details["added"] = RoleList(added);
      e.details["removed"] = RoleList(removed);
      CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, auth, e).status());
      denied = auth.refusal;
      return Status::Ok();
    }
    std::vector<AuditEvent> events;
    if (change.display_name && *change.display_name != target.display_name) {
      target.display_name = *change.display_name;
    }
    if (change.department && *change.department != target.department) {
      target.department = *change.department;
    }
    if (territories) target.territories = *territories;
    if (target.display_name != before.display_name || target.department != before.department ||
        target.territories != before.territories) {
      AuditEvent e = BaseEvent(auth, admin, "user.update", target.id, reason);
      if (target.display_name != before.display_name) {
        e.details["display_name"] = target.display_name;
      }
      if (target.department != before.department) e.details["department"] = target.department;
      if (target.territories != before.territories) {
        json::Value t = json::Value::MakeObject();
        t["from"] = TextList(before.territories);
        t["to"] = TextList(target.territories);
        e.details["territories"] = std::move(t);
      }
      events.push_back(std::move(e));
    }
    if (!added.empty() || !removed.empty()) {
      const std::vector<policy::Role> held = HeldBack(*auth.policy, auth.decision, added);
      std::vector<policy::Role> roles;
      for (policy::Role r : target.roles) {
        if (!Contains(removed, r)) roles.push_back(r);
      }
      for (policy::Role r : added) {
        if (!Contains(held, r)) roles.push_back(r);
      }
      target.roles = std::move(roles);
      if (!Contains(before.roles, policy::Role::kAdmin) && target.HasRole(policy::Role::kAdmin)) {
        CUSTOS_RETURN_IF_ERROR(NoteSecondAdmin(txn));
      }
      AuditEvent e = BaseEvent(auth, admin, "user.roles", target.id, reason);
      e.details["added"] = RoleList(added);
      e.details["removed"] = RoleList(removed);
      e.details["pending_roles"] = RoleList(held);
      if (!held.empty()) {
        CUSTOS_ASSIGN_OR_RETURN(PendingGrant g, StoreGrant(txn, target.id, held, a.user.id, Now()));
        e.details["grant"] = g.id;
        out.pending = std::move(g);
      }
      events.push_back(std::move(e));
    }
    if (change.disabled && *change.disabled != target.disabled) {
      target.disabled = *change.disabled;
      events.push_back(BaseEvent(auth, admin, target.disabled ? "user.disable" : "user.enable",
                                 target.id, reason));
      if (target.disabled) CUSTOS_RETURN_IF_ERROR(DropSetupOf(txn, target.id));
    }
    if (!events.empty()) {
      CUSTOS_RETURN_IF_ERROR(UpdateUser(txn, target));
      for (const AuditEvent& e : events)
        CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, auth, e).status());
    }
    out.user = std::move(target);
    out.rule = auth.rule;
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
  return out;
}

Result<User> UserAdmin::ConfirmGrant(const Caller& admin, std::string_view grant_id) {
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault_, log_).status());
  User out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(const access::Outcome role_check, Ask(gate_, txn, admin, "", Now()));
    if (!role_check.allowed) {
      AuditEvent e = BaseEvent(role_check, admin, "user.grant.confirm", "", "");
      e.details["grant"] = std::string(grant_id);
      CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, role_check, e).status());
      denied = role_check.refusal;
      return Status::Ok();
    }
    CUSTOS_ASSIGN_OR_RETURN(PendingGrant g, LoadGrant(txn, grant_id));
    CUSTOS_ASSIGN_OR_RETURN(const access::Outcome auth,
                            Ask(gate_, txn, admin, g.user_id, Now(),
                                [&](const ReadTxn&, const User& actor, policy::Facts& f) -> Status {
                                  policy::UserAdminFacts ua;
                                  ua.granted_roles = g.roles;
                                  ua.grant_requested_by = g.requested_by;
                                  ua.actor_password_set_by = ResetBinder(actor, Now());
                                  auto requester = GetUser(txn, g.requested_by);
                                  if (requester.ok()) {
                                    ua.requester_password_set_by = ResetBinder(*requester, Now());
                                  } else if (requester.status().code() != StatusCode::kNotFound) {
                                    return requester.status();
                                  }
                                  f.user_admin = ua;
                                  return Status::Ok();
                                }));
    AuditEvent e = BaseEvent(auth, admin, "user.grant.confirm", g.user_id, "");
    e.details["grant"] = g.id;
    e.details["roles"] = RoleList(g.roles);
    e.details["requested_by"] = g.requested_by;
    if (!auth.allowed) {
      CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, auth, e).status());
      denied = auth.refusal;
      return Status::Ok();
    }
    CUSTOS_ASSIGN_OR_RETURN(User target, GetUser(txn, g.user_id));
    if (target.disabled || target.employment == policy::EmploymentState::kDeparted) {
      return Status::FailedPrecondition(
          "the account is disabled or departed; cancel the grant instead",
          "该账户已停用或已离职，请改为撤销这项授权");
    }
    for (policy::Role r : g.roles) {
      if (!target.HasRole(r)) target.roles.push_back(r);
    }
    if (target.HasRole(policy::Role::kAdmin)) CUSTOS_RETURN_IF_ERROR(NoteSecondAdmin(txn));
    CUSTOS_RETURN_IF_ERROR(UpdateUser(txn, target));
    CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kIndex, std::string(kGrantPrefix) + g.id));
    CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, auth, e).status());
    out = std::move(target);
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
  return out;
}

Status UserAdmin::CancelGrant(const Caller& admin, std::string_view grant_id,
                              std::string_view reason) {
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault_, log_).status());
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(const access::Outcome auth, Ask(gate_, txn, admin, "", Now()));
    AuditEvent e = BaseEvent(auth, admin, "user.grant.cancel", "", reason);
    e.details["grant"] = std::string(grant_id);
    if (!auth.allowed) {
      CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, auth, e).status());
      denied = auth.refusal;
      return Status::Ok();
    }
    CUSTOS_ASSIGN_OR_RETURN(PendingGrant g, LoadGrant(txn, grant_id));
    e.object.id = g.user_id;
    e.details["roles"] = RoleList(g.roles);
    e.details["requested_by"] = g.requested_by;
    CUSTOS_RETURN_IF_ERROR(txn.Delete(tables::kIndex, std::string(kGrantPrefix) + g.id));
    return gate_.Record(txn, auth, e).status();
  }));
  return denied;
}

Result<std::vector<PendingGrant>> UserAdmin::PendingGrants(const Caller& admin) {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(const access::Outcome auth, Ask(gate_, *txn, admin, "", Now()));
  if (!auth.allowed) return auth.refusal;
  std::vector<PendingGrant> out;
  CUSTOS_RETURN_IF_ERROR(txn->Scan(
      tables::kIndex, kGrantPrefix, [&](std::string_view, std::string_view value) -> Result<bool> {
        CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(value));
        CUSTOS_ASSIGN_OR_RETURN(PendingGrant g, PendingGrant::FromJson(v));
        out.push_back(std::move(g));
        return true;
      }));
  std::sort(out.begin(), out.end(), [](const PendingGrant& x, const PendingGrant& y) {
    return x.requested_at != y.requested_at ? x.requested_at < y.requested_at : x.id < y.id;
  });
  return out;
}

Result<UserAdminOutcome> UserAdmin::ResetPassword(const Caller& admin, std::string_view user_id,
                                                  std::string_view reason) {
  if (user_id.empty()) return Status::InvalidArgument("user id is empty");
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault_, log_).status());
  UserAdminOutcome out;
  Status denied;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();
    out = UserAdminOutcome{};
    CUSTOS_ASSIGN_OR_RETURN(const access::Outcome auth, Ask(gate_, txn, admin, user_id, Now()));
    AuditEvent e = BaseEvent(auth, admin, "user.password.reset", user_id, reason);
    if (!auth.allowed) {
      CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, auth, e).status());
      denied = auth.refusal;
      return Status::Ok();
    }
    CUSTOS_ASSIGN_OR_RETURN(User target, GetUser(txn, user_id));
    if (target.employment == policy::EmploymentState::kDeparted) {
      return Status::FailedPrecondition("the user has departed", "该用户已离职");
    }
    target.password_hash.clear();
    target.password_set_by.clear();
    target.password_set_at = 0;
    target.password_from_reset = false;
    target.must_change_password = false;
    CUSTOS_RETURN_IF_ERROR(UpdateUser(txn, target));
    CUSTOS_ASSIGN_OR_RETURN(SetupLink link,
                            IssueSetup(txn, target.id, "reset", auth.user.id, Now()));
    e.details["setup_expires"] = link.expires;
    CUSTOS_RETURN_IF_ERROR(gate_.Record(txn, auth, e).status());
    out.user = std::move(target);
    out.setup = std::move(link);
    out.rule = auth.rule;
    return Status::Ok();
  }));
  if (!denied.ok()) return denied;
  return out;
}

Result<SetupInfo> UserAdmin::InspectSetup(std::string_view token) {
  const UnixMillis now = Now();
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(StoredSetup s, FindSetup(*txn, token, now));
  CUSTOS_ASSIGN_OR_RETURN(User u, GetUser(*txn, s.user_id));
  SetupInfo info;
  info.username = u.username;
  info.display_name = u.display_name;
  info.kind = s.kind;
  info.expires = s.expires;
  return info;
}

Result<User> UserAdmin::CompleteSetup(std::string_view token, const SecretBytes& new_password,
                                      const AuditEvent::Place& place) {
  const UnixMillis now = Now();
  if (new_password.size() < kMinPasswordChars) {
    return Status::InvalidArgument("the password needs at least 10 characters",
                                   "密码至少需要 10 个字符");
  }
  // Looked up before Argon2id runs, so unknown links cost nothing.
  CUSTOS_RETURN_IF_ERROR(InspectSetup(token).status());
  CUSTOS_ASSIGN_OR_RETURN(std::string hash, HashPassword(new_password, kdf_));
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault_, log_).status());
  User out;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](WriteTxn& txn) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(StoredSetup s, FindSetup(txn, token, now));
    CUSTOS_ASSIGN_OR_RETURN(User u, GetUser(txn, s.user_id));
    if (u.disabled || u.employment == policy::EmploymentState::kDeparted) {
      return Status::FailedPrecondition("this account is disabled; ask an administrator",
                                        "该账户已停用，请联系管理员");
    }
    CUSTOS_ASSIGN_OR_RETURN(std::string digest, CurrentPolicyDigest(txn));
    u.password_hash = hash;
    u.password_set_by = s.created_by;
    // A reset binds for kResetBindsMs whatever the owner does; a first
    // setup, until the owner changes the password (the account's creator
    // could have set it as well, but the owner never had one to lose).
    u.password_set_at = s.kind == "reset" ? now : 0;
    u.password_from_reset = s.kind == "reset";
    u.must_change_password = false;
    CUSTOS_RETURN_IF_ERROR(UpdateUser(txn, u));
    CUSTOS_RETURN_IF_ERROR(DropSetup(txn, s));
    AuditEvent e;
    e.actor = {u.id, u.display_name};
    for (policy::Role r : u.roles) e.roles.emplace_back(policy::RoleId(r));
    e.place = place;
    e.action = "user.setup";
    e.object = {"user", u.id, std::nullopt};
    e.decision = AuditDecision::kAllow;
    e.rule = std::string(kSetupRule);
    e.policy = digest;
    e.outcome = "ok";
    e.details["kind"] = s.kind;
    e.details["issued_by"] = s.created_by;
    CUSTOS_RETURN_IF_ERROR(log_.Append(txn, e).status());
    out = std::move(u);
    return Status::Ok();
  }));
  return out;
}

Status UserAdmin::RecordPasswordChange(WriteTxn& txn, const Caller& caller, const User& user) {
  CUSTOS_ASSIGN_OR_RETURN(std::string digest, CurrentPolicyDigest(txn));
  AuditEvent e;
  e.actor = {user.id, user.display_name};
  for (policy::Role r : user.roles) e.roles.emplace_back(policy::RoleId(r));
  e.session = caller.session;
  e.place = caller.place;
  e.action = "user.password.change";
  e.object = {"user", user.id, std::nullopt};
  e.decision = AuditDecision::kAllow;
  e.rule = std::string(kPasswordChangeRule);
  e.policy = digest;
  e.outcome = "ok";
  CUSTOS_RETURN_IF_ERROR(DropSetupOf(txn, user.id));
  return log_.Append(txn, e).status();
}

}  // namespace custos::vault
