#include "vault/access/policy_store.h"

#include <utility>

#include "base/encoding.h"
#include "base/json.h"
#include "policy/engine.h"
#include "policy/rules.h"
#include "vault/access/gate.h"
#include "vault/access/user_admin.h"
#include "vault/access/users.h"
#include "vault/store/crypto.h"
#include "vault/store/sealed_cache.h"

namespace custos::vault {
namespace {

constexpr std::string_view kDefaultXml =
#include "default_policy_xml.inc"
    ;

constexpr std::string_view kCurrentKey = "current";

std::string VersionKeyFor(std::string_view sha) { return "v/" + std::string(sha); }

json::Value ApplicationToJson(const PolicyApplication& a) {
  json::Value v = json::Value::MakeObject();
  v["sha256"] = a.sha256;
  v["version"] = a.version;
  v["applied_at"] = a.applied_at;
  v["applied_by"] = a.applied_by;
  v["audit_seq"] = a.audit_seq;
  return v;
}

Result<PolicyApplication> ApplicationFromJson(std::string_view text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  PolicyApplication a;
  CUSTOS_ASSIGN_OR_RETURN(a.sha256, json::GetString(v, "sha256"));
  CUSTOS_ASSIGN_OR_RETURN(a.version, json::GetStringOr(v, "version", ""));
  CUSTOS_ASSIGN_OR_RETURN(a.applied_at, json::GetIntOr(v, "applied_at", 0));
  CUSTOS_ASSIGN_OR_RETURN(a.applied_by, json::GetStringOr(v, "applied_by", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(v, "audit_seq", 0));
  a.audit_seq = static_cast<uint64_t>(seq);
  return a;
}

// Stores the version (if new), makes it current and appends to the history.
Status StoreApplication(WriteTxn& txn, const policy::Policy& p, PolicyApplication* app) {
  const std::string key = VersionKeyFor(app->sha256);
  CUSTOS_ASSIGN_OR_RETURN(bool known, txn.Has(tables::kPolicies, key));
  if (!known) {
    json::Value v = json::Value::MakeObject();
    v["sha256"] = app->sha256;
    v["version"] = p.version();
    v["source"] = p.source();
    v["stored_at"] = app->applied_at;
    CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kPolicies, key, json::Serialize(v)));
  }
  uint64_t n = 0;
  auto last = txn.LastKeyWithPrefix(tables::kPolicies, "h/");
  if (last.ok()) {
    if (last->size() != 10) return Status::DataLoss("malformed policy history key");
    n = DecodeU64(std::string_view(*last).substr(2)) + 1;
  } else if (last.status().code() != StatusCode::kNotFound) {
    return last.status();
  }
  const std::string text = json::Serialize(ApplicationToJson(*app));
  CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kPolicies, "h/" + EncodeU64(n), text));
  return txn.Put(tables::kPolicies, kCurrentKey, text);
}

}  // namespace

std::string_view DefaultPolicyXml() { return kDefaultXml; }

std::string PolicyDigest(std::string_view xml) { return HexEncode(Sha256(xml)); }

Result<std::string> CurrentPolicyDigest(const ReadTxn& txn) {
  // Every protected operation asks; an apply rewrites the record.
  static constexpr char kTag = 0;
  return SealedCacheOf<std::string>(txn.vault(), &kTag)
      .Get(txn, tables::kPolicies, kCurrentKey, [&]() -> Result<std::string> {
        auto raw = txn.Get(tables::kPolicies, kCurrentKey);
        if (!raw.ok()) {
          if (raw.status().code() == StatusCode::kNotFound)
            return Status::NotFound("no policy has been applied", "尚未启用任何策略");
          return raw.status();
        }
        CUSTOS_ASSIGN_OR_RETURN(PolicyApplication a, ApplicationFromJson(*raw));
        return a.sha256;
      });
}

Result<policy::Policy> GetPolicyVersion(const ReadTxn& txn, std::string_view sha256) {
  auto raw = txn.Get(tables::kPolicies, VersionKeyFor(sha256));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound)
      return Status::NotFound("no stored policy version with that hash",
                              "没有该哈希值对应的策略版本");
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  CUSTOS_ASSIGN_OR_RETURN(std::string source, json::GetString(v, "source"));
  // SECURITY: the key is the hash; a stored text that does not match it was
  // altered or misplaced.
  if (PolicyDigest(source) != sha256)
    return Status::DataLoss("stored policy does not match its hash");
  CUSTOS_ASSIGN_OR_RETURN(policy::Policy p,
                          policy::LoadPolicy(source, policy::PolicyText::kStored));
  p.set_digest(std::string(sha256));
  return p;
}

Result<policy::Policy> CurrentPolicy(const ReadTxn& txn) {
  CUSTOS_ASSIGN_OR_RETURN(std::string digest, CurrentPolicyDigest(txn));
  return GetPolicyVersion(txn, digest);
}

Result<std::vector<PolicyApplication>> PolicyHistory(const ReadTxn& txn) {
  std::vector<PolicyApplication> out;
  CUSTOS_RETURN_IF_ERROR(txn.Scan(
      tables::kPolicies, "h/", [&](std::string_view, std::string_view value) -> Result<bool> {
        CUSTOS_ASSIGN_OR_RETURN(PolicyApplication a, ApplicationFromJson(value));
        out.push_back(std::move(a));
        return true;
      }));
  return out;
}

Result<policy::Policy> EnsurePolicy(Vault& vault, const AuditLog& log) {
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    auto current = CurrentPolicy(*r);
    if (current.ok() || current.status().code() != StatusCode::kNotFound) return current;
  }
  CUSTOS_ASSIGN_OR_RETURN(policy::Policy p, policy::LoadPolicy(DefaultPolicyXml()));
  p.set_digest(PolicyDigest(DefaultPolicyXml()));
  CUSTOS_RETURN_IF_ERROR(vault.Write([&](WriteTxn& txn) -> Status {
    // Another thread may have installed it in the meantime.
    CUSTOS_ASSIGN_OR_RETURN(bool has, txn.Has(tables::kPolicies, kCurrentKey));
    if (has) return Status::Ok();
    AuditEvent e;
    e.action = "policy.install";
    e.object = {"policy", p.digest(), std::nullopt};
    e.decision = AuditDecision::kAllow;
    e.rule = "system.default_policy";
    e.policy = p.digest();
    e.outcome = "ok";
    e.details["version"] = p.version();
    CUSTOS_ASSIGN_OR_RETURN(uint64_t seq, log.Append(txn, e));
    PolicyApplication app{p.digest(), p.version(), NowMillis(), "", seq};
    return StoreApplication(txn, p, &app);
  }));
  CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
  return CurrentPolicy(*r);
}

Result<PolicyApplication> ApplyPolicy(Vault& vault, const AuditLog& log, const Caller& caller,
                                      std::string_view xml, std::string_view reason) {
  CUSTOS_ASSIGN_OR_RETURN(policy::Policy next, policy::LoadPolicy(xml));
  next.set_digest(PolicyDigest(xml));
  CUSTOS_RETURN_IF_ERROR(EnsurePolicy(vault, log).status());
  const access::AccessGate gate(vault, log);
  const access::Attempt attempt = access::Attempt::On(policy::Action::kApplyPolicy, "policy.apply",
                                                      "policy", next.digest(), reason);
  const std::string pending_key = "p/" + next.digest();
  PolicyApplication out;
  CUSTOS_RETURN_IF_ERROR(
      gate.DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User& actor, policy::Facts& f,
                  AuditEvent& e) -> Status {
                policy::PolicyChangeFacts change;
                CUSTOS_ASSIGN_OR_RETURN(policy::Policy in_force, CurrentPolicy(txn));
                for (policy::Role r : policy::kAllRoles) {
                  if (in_force.GrantNeedsSecondAdmin(r)) change.two_person = true;
                }
                CUSTOS_ASSIGN_OR_RETURN(change.other_admin_exists, OtherAdminExists(txn, actor.id));
                auto first = txn.Get(tables::kPolicies, pending_key);
                if (first.ok()) {
                  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*first));
                  CUSTOS_ASSIGN_OR_RETURN(change.first_approver, json::GetString(v, "by"));
                } else if (first.status().code() != StatusCode::kNotFound) {
                  return first.status();
                }
                f.policy_change = change;
                e.details["new_policy"] = next.digest();
                e.details["new_version"] = next.version();
                return Status::Ok();
              },
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                out = PolicyApplication{next.digest(), next.version(), o.now, o.user.id, o.seq};
                if (!o.decision.approvals_complete) {
                  out.pending_second_approval = true;
                  json::Value v = json::Value::MakeObject();
                  v["by"] = o.user.id;
                  v["at"] = o.now;
                  v["audit_seq"] = o.seq;
                  return txn.Put(tables::kPolicies, pending_key, json::Serialize(v));
                }
                if (Status gone = txn.Delete(tables::kPolicies, pending_key);
                    !gone.ok() && gone.code() != StatusCode::kNotFound) {
                  return gone;
                }
                return StoreApplication(txn, next, &out);
              },
              [](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                if (o.allowed && !o.decision.approvals_complete) {
                  e.outcome = "pending_second_approval";
                }
                return Status::Ok();
              })
          .status());
  return out;
}

}  // namespace custos::vault
