#include "vault/access/users.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/text.h"
#include "vault/store/sealed_cache.h"

namespace custos::vault {

namespace {
constexpr std::string_view kUserDomain = "user";

// The names people read on watermarks, agreements, reports and evidence:
// one line each, without control or bidirectional characters (base/text.h).
// With `old`, only what changes is checked: an account saved before this
// rule can still be disabled or have its password reset.
Status ValidateUserText(const User& user, const User* old = nullptr) {
  if (old == nullptr || user.display_name != old->display_name) {
    CUSTOS_RETURN_IF_ERROR(CheckTextField("display_name", "姓名", user.display_name, false));
  }
  if (old == nullptr || user.department != old->department) {
    CUSTOS_RETURN_IF_ERROR(CheckTextField("department", "部门", user.department, false));
  }
  if (old == nullptr || user.territories != old->territories) {
    for (size_t i = 0; i < user.territories.size(); ++i) {
      CUSTOS_RETURN_IF_ERROR(CheckTextField("territories[" + std::to_string(i) + "]",
                                            "负责的区域或团队 " + std::to_string(i + 1),
                                            user.territories[i], false));
    }
  }
  return Status::Ok();
}

// Usernames differ by more than case: "Admin" beside "admin" would read as
// one person in a list, a report or the log. Logins still match exactly.
// Reads every user: for the rare write that adds or renames an account.
Status CheckNoCaseTwin(const ReadTxn& txn, std::string_view username, std::string_view self_id) {
  const std::string folded = LowerAscii(username);
  CUSTOS_ASSIGN_OR_RETURN(std::vector<User> users, ListUsers(txn));
  for (const User& u : users) {
    if (u.id != self_id && LowerAscii(u.username) == folded) {
      return Status::AlreadyExists("username '" + std::string(username) + "' is taken (as '" +
                                       u.username + "': usernames must differ by more than case)",
                                   "用户名“" + std::string(username) + "”已被占用（已有“" +
                                       u.username + "”：用户名不能只在大小写上不同）");
    }
  }
  return Status::Ok();
}

}  // namespace

bool User::HasRole(policy::Role r) const {
  return std::find(roles.begin(), roles.end(), r) != roles.end();
}

json::Value User::ToJson(bool include_secret_fields) const {
  json::Value v = json::Value::MakeObject();
  v["id"] = id;
  v["username"] = username;
  v["display_name"] = display_name;
  json::Value rs = json::Value::MakeArray();
  for (policy::Role r : roles) rs.Push(std::string(policy::RoleId(r)));
  v["roles"] = std::move(rs);
  v["employment"] = std::string(policy::EmploymentStateId(employment));
  v["notice_date"] = notice_date;
  v["last_working_day"] = last_working_day;
  v["department"] = department;
  json::Value ts = json::Value::MakeArray();
  for (const std::string& t : territories) ts.Push(t);
  v["territories"] = std::move(ts);
  v["must_change_password"] = must_change_password;
  v["disabled"] = disabled;
  v["created"] = created;
  if (include_secret_fields) {
    v["password_hash"] = password_hash;
    if (!password_set_by.empty()) v["password_set_by"] = password_set_by;
    if (password_set_at != 0) v["password_set_at"] = password_set_at;
    if (password_from_reset) v["password_from_reset"] = true;
  } else {
    v["has_password"] = !password_hash.empty();
  }
  return v;
}

Result<User> User::FromJson(const json::Value& v) {
  User u;
  CUSTOS_ASSIGN_OR_RETURN(u.id, json::GetString(v, "id"));
  CUSTOS_ASSIGN_OR_RETURN(u.username, json::GetString(v, "username"));
  CUSTOS_ASSIGN_OR_RETURN(u.display_name, json::GetStringOr(v, "display_name", ""));
  if (const json::Value* rs = v.Find("roles"); rs != nullptr && rs->is_array()) {
    for (const json::Value& r : rs->as_array()) {
      if (!r.is_string()) return Status::InvalidArgument("roles must be strings");
      CUSTOS_ASSIGN_OR_RETURN(policy::Role role, policy::ParseRole(r.as_string()));
      u.roles.push_back(role);
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(std::string emp, json::GetStringOr(v, "employment", "active"));
  CUSTOS_ASSIGN_OR_RETURN(u.employment, policy::ParseEmploymentState(emp));
  CUSTOS_ASSIGN_OR_RETURN(u.notice_date, json::GetStringOr(v, "notice_date", ""));
  CUSTOS_ASSIGN_OR_RETURN(u.last_working_day, json::GetStringOr(v, "last_working_day", ""));
  CUSTOS_ASSIGN_OR_RETURN(u.department, json::GetStringOr(v, "department", ""));
  if (const json::Value* ts = v.Find("territories"); ts != nullptr && ts->is_array()) {
    for (const json::Value& t : ts->as_array()) {
      if (!t.is_string()) return Status::InvalidArgument("territories must be strings");
      u.territories.push_back(t.as_string());
    }
  }
  CUSTOS_ASSIGN_OR_RETURN(u.password_hash, json::GetStringOr(v, "password_hash", ""));
  CUSTOS_ASSIGN_OR_RETURN(u.password_set_by, json::GetStringOr(v, "password_set_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(u.password_set_at, json::GetIntOr(v, "password_set_at", 0));
  if (const json::Value* r = v.Find("password_from_reset"); r != nullptr && r->is_bool())
    u.password_from_reset = r->as_bool();
  if (const json::Value* m = v.Find("must_change_password"); m != nullptr && m->is_bool())
    u.must_change_password = m->as_bool();
  if (const json::Value* d = v.Find("disabled"); d != nullptr && d->is_bool())
    u.disabled = d->as_bool();
  CUSTOS_ASSIGN_OR_RETURN(u.created, json::GetIntOr(v, "created", 0));
  return u;
}

Status ValidateUsername(std::string_view name) {
  if (name.empty() || name.size() > 64)
    return Status::InvalidArgument("username must be 1 to 64 characters",
                                   "用户名须为 1 到 64 个字符");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("username may use letters, digits, '.', '_' and '-'",
                                     "用户名只能使用英文字母、数字和“.”“_”“-”");
    }
  }
  return Status::Ok();
}

Result<User> CreateUser(WriteTxn& txn, User user) {
  CUSTOS_RETURN_IF_ERROR(ValidateUsername(user.username));
  CUSTOS_RETURN_IF_ERROR(ValidateUserText(user));
  const std::string index_key = txn.vault().BlindIndex(kUserDomain, user.username);
  CUSTOS_ASSIGN_OR_RETURN(bool taken, txn.Has(tables::kUserIndex, index_key));
  if (taken) {
    return Status::AlreadyExists("username '" + user.username + "' is taken",
                                 "用户名“" + user.username + "”已被占用");
  }
  CUSTOS_RETURN_IF_ERROR(CheckNoCaseTwin(txn, user.username, ""));
  user.id = "u-" + HexEncode(RandomBytes(8));
  if (user.created == 0) user.created = NowMillis();
  CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kUsers, user.id, json::Serialize(user.ToJson(true))));
  CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kUserIndex, index_key, user.id));
  return user;
}

Status UpdateUser(WriteTxn& txn, const User& user) {
  CUSTOS_ASSIGN_OR_RETURN(User old, GetUser(txn, user.id));
  CUSTOS_RETURN_IF_ERROR(ValidateUsername(user.username));
  CUSTOS_RETURN_IF_ERROR(ValidateUserText(user, &old));
  if (old.username != user.username) {
    const std::string new_key = txn.vault().BlindIndex(kUserDomain, user.username);
    CUSTOS_ASSIGN_OR_RETURN(bool taken, txn.Has(tables::kUserIndex, new_key));
    if (taken) {
      return Status::AlreadyExists("username '" + user.username + "' is taken",
                                   "用户名“" + user.username + "”已被占用");
    }
    CUSTOS_RETURN_IF_ERROR(CheckNoCaseTwin(txn, user.username, user.id));
    CUSTOS_RETURN_IF_ERROR(
        txn.Delete(tables::kUserIndex, txn.vault().BlindIndex(kUserDomain, old.username)));
    CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kUserIndex, new_key, user.id));
  }
  return txn.Put(tables::kUsers, user.id, json::Serialize(user.ToJson(true)));
}

Result<User> GetUser(const ReadTxn& txn, std::string_view id) {
  // Every request reads its user (the web layer, then the operation).
  static constexpr char kTag = 0;
  return SealedCacheOf<User>(txn.vault(), &kTag)
      .Get(txn, tables::kUsers, id, [&]() -> Result<User> {
        auto raw = txn.Get(tables::kUsers, id);
        if (!raw.ok()) {
          if (raw.status().code() == StatusCode::kNotFound) {
            return Status::NotFound("no such user", "没有这个用户");
          }
          return raw.status();
        }
        CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
        return User::FromJson(v);
      });
}

Result<User> FindUserByName(const ReadTxn& txn, std::string_view username) {
  auto id = txn.Get(tables::kUserIndex, txn.vault().BlindIndex(kUserDomain, username));
  if (!id.ok()) {
    if (id.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such user", "没有这个用户");
    }
    return id.status();
  }
  return GetUser(txn, *id);
}

Result<std::vector<User>> ListUsers(const ReadTxn& txn) {
  std::vector<User> out;
  CUSTOS_RETURN_IF_ERROR(
      txn.Scan(tables::kUsers, "", [&](std::string_view, std::string_view val) -> Result<bool> {
        CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(val));
        CUSTOS_ASSIGN_OR_RETURN(User u, User::FromJson(v));
        out.push_back(std::move(u));
        return true;
      }));
  std::sort(out.begin(), out.end(),
            [](const User& a, const User& b) { return a.username < b.username; });
  return out;
}

SecretBytes GeneratePassword(size_t length) {
  static constexpr std::string_view kAlphabet =
      "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  SecretBytes out(length);
  SecretBytes rnd = RandomSecret(length);
  for (size_t i = 0; i < length; ++i)
    out.data()[i] = static_cast<unsigned char>(kAlphabet[rnd.data()[i] % kAlphabet.size()]);
  return out;
}

}  // namespace custos::vault
