#include "vault/access/user_admin.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "policy/rules.h"
#include "tests/vault/records_fixture.h"

namespace custos::vault {
namespace {

class UserAdminTest : public testing::ArchiveTest {
 protected:
  UserAdmin Admin() {
    return UserAdmin(*vault_, *log_, Argon2Params{1, 8 << 20}, [this] { return now_; });
  }
  User Reload(const std::string& id) {
    auto r = vault_->BeginRead();
    auto u = GetUser(**r, id);
    EXPECT_TRUE(u.ok()) << u.status().ToString();
    return u.ok() ? *u : User();
  }
  json::Value LastLeaf() {
    auto r = vault_->BeginRead();
    return *json::Parse(*log_->Leaf(**r, LogSize() - 1));
  }
  Status Apply(std::string_view from, std::string_view to) {
    std::string xml(DefaultPolicyXml());
    const size_t at = xml.rfind(from);
    if (at == std::string::npos) return Status::NotFound("policy text");
    xml.replace(at, from.size(), to);
    return ApplyPolicy(*vault_, *log_, As(admin_), xml, "两人规则调整").status();
  }
  NewUser Person(const std::string& name, std::vector<policy::Role> roles) {
    NewUser n;
    n.username = name;
    n.display_name = name;
    n.roles = std::move(roles);
    return n;
  }

  UnixMillis now_ = 1'790'000'000'000;
};

TEST_F(UserAdminTest, TheOnlyAdministratorAppointsTheFirstSecondOneAloneAndNeverAgain) {
  // The fixture has exactly one administrator: nobody could confirm.
  auto second = Admin().Create(As(admin_), Person("second.admin", {policy::Role::kAdmin}), "");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->rule, policy::rules::kAllowUserFirstAdmin);
  EXPECT_FALSE(second->pending.has_value());
  EXPECT_TRUE(second->user.HasRole(policy::Role::kAdmin));
  EXPECT_EQ(LastLeaf()["rule"].as_string(), policy::rules::kAllowUserFirstAdmin);

  // Removing the second administrator does not bring the allowance back.
  UserChange demote;
  demote.roles = std::vector<policy::Role>{policy::Role::kAuditor};
  ASSERT_TRUE(Admin().Change(As(admin_), second->user.id, demote, "").ok());
  auto third = Admin().Create(As(admin_), Person("third.admin", {policy::Role::kAdmin}), "");
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_EQ(third->rule, policy::rules::kAllowUserGrantPending);
  ASSERT_TRUE(third->pending.has_value());
  EXPECT_FALSE(third->user.HasRole(policy::Role::kAdmin));
  // The account exists meanwhile, with no role it can use.
  EXPECT_TRUE(third->user.roles.empty());
}

TEST_F(UserAdminTest, AnAccountWhosePasswordCameFromTheRequestersLinkCannotConfirm) {
  // admin_ appoints a second administrator and holds their setup link.
  auto second = Admin().Create(As(admin_), Person("second.admin", {policy::Role::kAdmin}), "");
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(Admin()
                  .CompleteSetup(second->setup->token, SecretBytes::CopyOf("second-password-1"),
                                 AuditEvent::Place{})
                  .ok());
  // admin_ asks for approver for the author...
  UserChange grant;
  grant.roles = std::vector<policy::Role>{policy::Role::kAuthor, policy::Role::kApprover};
  auto asked = Admin().Change(As(admin_), author_.id, grant, "兼任审批");
  ASSERT_TRUE(asked.ok()) << asked.status().ToString();
  ASSERT_TRUE(asked->pending.has_value());
  // ...and cannot confirm it through the account whose password their link set.
  User second_user = Reload(second->user.id);
  EXPECT_EQ(second_user.password_set_by, admin_.id);
  auto refused = Admin().ConfirmGrant(As(second_user), asked->pending->id);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(policy::rules::kSodGrantConfirmer), std::string::npos);
  EXPECT_EQ(LastLeaf()["decision"].as_string(), "deny");
  EXPECT_FALSE(Reload(author_.id).HasRole(policy::Role::kApprover));
}

// An administrator who reset a colleague's password could have logged in
// as them: for kResetBindsMs the two are not two persons, either way round,
// whatever password the account has since (its owner's change included).
TEST_F(UserAdminTest, AnAdministratorWhoResetTheRequestersPasswordCannotConfirm) {
  auto second = Admin().Create(As(admin_), Person("second.admin", {policy::Role::kAdmin}), "");
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(Admin()
                  .CompleteSetup(second->setup->token, SecretBytes::CopyOf("second-password-1"),
                                 AuditEvent::Place{})
                  .ok());
  auto reset = Admin().ResetPassword(As(admin_), second->user.id, "忘记密码");
  ASSERT_TRUE(reset.ok()) << reset.status().ToString();
  ASSERT_TRUE(Admin()
                  .CompleteSetup(reset->setup->token, SecretBytes::CopyOf("second-password-2"),
                                 AuditEvent::Place{})
                  .ok());
  const User taken = Reload(second->user.id);
  EXPECT_EQ(taken.password_set_by, admin_.id);
  EXPECT_EQ(taken.password_set_at, now_);
  // The reset account asks for a guarded role; the resetting admin may not
  // confirm it.
  UserChange grant;
  grant.roles = std::vector<policy::Role>{policy::Role::kAuthor, policy::Role::kApprover};
  auto asked = Admin().Change(As(taken), author_.id, grant, "兼任审批");
  ASSERT_TRUE(asked.ok()) << asked.status().ToString();
  ASSERT_TRUE(asked->pending.has_value());
  auto refused = Admin().ConfirmGrant(As(admin_), asked->pending->id);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find(policy::rules::kSodGrantConfirmer), std::string::npos);
  EXPECT_FALSE(Reload(author_.id).HasRole(policy::Role::kApprover));
  // Once the reset no longer binds them, they are two persons again.
  now_ += kResetBindsMs;
  auto confirmed = Admin().ConfirmGrant(As(admin_), asked->pending->id);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status().ToString();
  EXPECT_TRUE(Reload(author_.id).HasRole(policy::Role::kApprover));
}

TEST_F(UserAdminTest, APolicyWithoutTheTwoPersonRuleGrantsAtOnce) {
  ASSERT_TRUE(Apply(R"(<user-admin two-person-roles="approver custodian admin"/>)",
                    R"(<user-admin two-person-roles=""/>)")
                  .ok());
  UserChange grant;
  grant.roles = std::vector<policy::Role>{policy::Role::kAuthor, policy::Role::kCustodian};
  auto out = Admin().Change(As(admin_), author_.id, grant, "");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->pending.has_value());
  EXPECT_TRUE(Reload(author_.id).HasRole(policy::Role::kCustodian));
}

TEST_F(UserAdminTest, NonAdministratorsAreRefusedAndAudited) {
  const uint64_t before = LogSize();
  auto out = Admin().Create(As(approver_), Person("sneaky", {policy::Role::kAuthor}), "");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(LogSize(), before + 1);
  EXPECT_EQ(LastLeaf()["action"].as_string(), "user.create");
  EXPECT_EQ(LastLeaf()["decision"].as_string(), "deny");
  auto r = vault_->BeginRead();
  EXPECT_EQ(FindUserByName(**r, "sneaky").status().code(), StatusCode::kNotFound);
}

// A name shown on watermarks, agreements and evidence is one line, without
// control or bidirectional characters; an account saved before the rule can
// still be changed in everything else (disabled when its holder leaves).
TEST_F(UserAdminTest, NamesPeopleReadAreOneLineOfPlainText) {
  NewUser spoof = Person("spoof", {policy::Role::kAuthor});
  spoof.display_name = "王\u202E磊";
  auto out = Admin().Create(As(admin_), spoof, "入职");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("display_name holds a bidirectional control character"),
            std::string::npos)
      << out.status().message();
  NewUser split = Person("split", {policy::Role::kAuthor});
  split.department = "销售\n一部";
  EXPECT_NE(Admin()
                .Create(As(admin_), split, "入职")
                .status()
                .message()
                .find("department holds a line break"),
            std::string::npos);
  {
    auto r = vault_->BeginRead();
    EXPECT_EQ(FindUserByName(**r, "spoof").status().code(), StatusCode::kNotFound);
  }

  // An account written before the rule, with a tab in its name.
  User legacy = AddUser("legacy", "旧账户", {policy::Role::kAuthor});
  legacy.display_name = "旧\t账户";
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) {
                    return w.Put(tables::kUsers, legacy.id, json::Serialize(legacy.ToJson(true)));
                  })
                  .ok());
  legacy.disabled = true;
  EXPECT_TRUE(vault_->Write([&](WriteTxn& w) { return UpdateUser(w, legacy); }).ok());
  EXPECT_TRUE(Reload(legacy.id).disabled);
  legacy.display_name = "旧\t账户 2";
  EXPECT_EQ(vault_->Write([&](WriteTxn& w) { return UpdateUser(w, legacy); }).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Reload(legacy.id).display_name, "旧\t账户");
}

// "Wang.Author" beside "wang.author" would read as one person in a list or
// the log: refused, naming the account it collides with; nothing written.
TEST_F(UserAdminTest, UsernamesDifferByMoreThanCase) {
  const uint64_t before = LogSize();
  auto twin = Admin().Create(As(admin_), Person("Wang.Author", {policy::Role::kAuthor}), "入职");
  ASSERT_FALSE(twin.ok());
  EXPECT_EQ(twin.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(twin.status().message().find("(as 'wang.author'"), std::string::npos)
      << twin.status().message();
  EXPECT_EQ(LogSize(), before);
  {
    auto r = vault_->BeginRead();
    EXPECT_EQ(FindUserByName(**r, "Wang.Author").status().code(), StatusCode::kNotFound);
  }
  // Renaming into a case twin is refused too; renaming one's own case is not.
  User other = AddUser("li.sales", "李销售", {policy::Role::kAuthor});
  other.username = "WANG.AUTHOR";
  EXPECT_EQ(vault_->Write([&](WriteTxn& w) { return UpdateUser(w, other); }).code(),
            StatusCode::kAlreadyExists);
  other.username = "Li.Sales";
  EXPECT_TRUE(vault_->Write([&](WriteTxn& w) { return UpdateUser(w, other); }).ok());
  EXPECT_EQ(Reload(other.id).username, "Li.Sales");
}

TEST_F(UserAdminTest, SetupLinksExpireAndDieWithADisabledAccount) {
  auto u = Admin().Create(As(admin_), Person("new.clerk", {policy::Role::kBorrower}), "");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->setup->expires, now_ + kSetupLinkLifetime);
  ASSERT_TRUE(Admin().InspectSetup(u->setup->token).ok());
  now_ += kSetupLinkLifetime;
  EXPECT_EQ(Admin().InspectSetup(u->setup->token).status().code(), StatusCode::kNotFound);
  now_ -= kSetupLinkLifetime;

  auto reset = Admin().ResetPassword(As(admin_), u->user.id, "");
  ASSERT_TRUE(reset.ok());
  EXPECT_EQ(Admin().InspectSetup(u->setup->token).status().code(), StatusCode::kNotFound);
  UserChange off;
  off.disabled = true;
  ASSERT_TRUE(Admin().Change(As(admin_), u->user.id, off, "离职").ok());
  EXPECT_EQ(LastLeaf()["action"].as_string(), "user.disable");
  auto used = Admin().CompleteSetup(reset->setup->token, SecretBytes::CopyOf("clerk-password-1"),
                                    AuditEvent::Place{});
  EXPECT_EQ(used.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Reload(u->user.id).password_hash.empty());
}

}  // namespace
}  // namespace custos::vault
