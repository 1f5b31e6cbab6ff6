// User administration over HTTP: every change decided and audited, guarded
// roles confirmed by a second administrator, setup links instead of
// passwords shown to the administrator.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/web/test_client.h"
#include "vault/access/user_admin.h"

namespace custos::web::testing {
namespace {

using UsersApiTest = WebTest;

std::vector<std::string> RolesOf(json::Value user) {
  std::vector<std::string> out;
  for (const json::Value& r : user["roles"].as_array()) out.push_back(r.as_string());
  return out;
}

// newbie_ is a second administrator who must change their password first.
TestClient SecondAdmin(TestClient c) {
  EXPECT_EQ(c.Login("newbie", kPassword).status, 200);
  EXPECT_EQ(c.Call("POST", "/api/v1/session/password",
                   R"({"old_password":"correct-password-1","new_password":"newbie-password-2"})")
                .status,
            200);
  return c;
}

TEST_F(UsersApiTest, CreatingAUserGivesASetupLinkAndHoldsGuardedRolesForASecondAdmin) {
  const uint64_t start = audit_->Size(*vault_->BeginRead().value()).value();
  TestClient admin = LoggedIn("admin");
  TestResponse r = admin.Call(
      "POST", "/api/v1/users",
      R"({"username":"dave","display_name":"戴维","roles":["borrower","approver"],"reason":"新任经理"})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::Value body = r.Json();
  // No password is ever shown to the administrator: a one-time link is.
  EXPECT_EQ(body.Find("initial_password"), nullptr);
  const std::string token = body["setup"]["token"].as_string();
  ASSERT_EQ(token.size(), 64u);
  EXPECT_EQ(body["setup"]["path"].as_string(), "/#/setup/" + token);
  EXPECT_EQ(RolesOf(body["user"]), std::vector<std::string>{"borrower"});
  EXPECT_FALSE(body["user"]["has_password"].as_bool());
  EXPECT_EQ(RolesOf(body["pending_grant"]), std::vector<std::string>{"approver"});
  const std::string grant = body["pending_grant"]["id"].as_string();

  EXPECT_EQ(admin.Call("POST", "/api/v1/users", R"({"username":"dave","roles":["author"]})").status,
            409);
  EXPECT_EQ(admin.Call("POST", "/api/v1/users", R"({"username":"x y","roles":["author"]})").status,
            400);
  EXPECT_EQ(admin.Call("POST", "/api/v1/users", R"({"username":"eve","roles":["king"]})").status,
            400);
  EXPECT_EQ(admin.Call("POST", "/api/v1/users", R"({"username":"eve","roles":[]})").status, 400);
  EXPECT_EQ(LoggedIn("author")
                .Call("POST", "/api/v1/users", R"({"username":"eve","roles":["author"]})")
                .status,
            403);

  // The requester cannot confirm their own grant.
  TestResponse own = admin.Call("POST", "/api/v1/user-grants/" + grant + "/confirm", "{}");
  EXPECT_EQ(own.status, 403);
  EXPECT_NE(own.body.find("sod.grant_confirmer"), std::string::npos) << own.body;
  TestResponse listed = admin.Call("GET", "/api/v1/user-grants");
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.Json()["grants"].as_array().size(), 1u);
  EXPECT_TRUE(listed.Json()["grants"].as_array()[0]["mine"].as_bool());
  EXPECT_EQ(listed.Json()["grants"].as_array()[0]["username"].as_string(), "dave");

  // A second administrator confirms it.
  TestClient second = SecondAdmin(Client());
  TestResponse confirmed = second.Call("POST", "/api/v1/user-grants/" + grant + "/confirm", "{}");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(RolesOf(confirmed.Json()["user"]), (std::vector<std::string>{"borrower", "approver"}));
  EXPECT_EQ(second.Call("POST", "/api/v1/user-grants/" + grant + "/confirm", "{}").status, 404);

  // Dave has no password until the link is used; the link works once.
  EXPECT_EQ(Client().Login("dave", "anything-at-all").status, 401);
  TestResponse inspect =
      Client().Send("POST", "/api/v1/setup/inspect", R"({"token":")" + token + R"("})");
  ASSERT_EQ(inspect.status, 200) << inspect.body;
  EXPECT_EQ(inspect.Json()["username"].as_string(), "dave");
  EXPECT_EQ(
      Client()
          .Send("POST", "/api/v1/setup", R"({"token":")" + token + R"(","new_password":"short"})")
          .status,
      400);
  TestResponse set = Client().Send(
      "POST", "/api/v1/setup", R"({"token":")" + token + R"(","new_password":"dave-password-1"})");
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(Client()
                .Send("POST", "/api/v1/setup",
                      R"({"token":")" + token + R"(","new_password":"mallory-pass-1"})")
                .status,
            404);
  TestClient d = Client();
  ASSERT_EQ(d.Login("dave", "dave-password-1").status, 200);
  EXPECT_FALSE(d.Call("GET", "/api/v1/session").Json()["must_change_password"].as_bool());

  // Every step is in the audit log; no token or password is.
  std::vector<std::string> actions;
  for (json::Value& e : EventsFrom(*vault_, *audit_, start)) {
    const std::string leaf = json::Serialize(e);
    EXPECT_EQ(leaf.find(token), std::string::npos);
    EXPECT_EQ(leaf.find("dave-password-1"), std::string::npos);
    const std::string action = e["action"].as_string();
    if (action.rfind("user.", 0) == 0) {
      actions.push_back(action + ":" + e["decision"].as_string() + ":" + e["rule"].as_string());
    }
  }
  EXPECT_EQ(actions, (std::vector<std::string>{
                         "user.create:allow:allow.user.grant_pending",
                         "user.grant.confirm:deny:sod.grant_confirmer",
                         "user.password.change:allow:auth.password_change",
                         "user.grant.confirm:allow:allow.user.grant_confirm",
                         "user.setup:allow:auth.setup_link",
                     }));
}

TEST_F(UsersApiTest, NobodyGrantsThemselvesRolesOrLocksThemselvesOut) {
  TestClient admin = LoggedIn("admin");
  TestResponse self =
      admin.Call("PATCH", "/api/v1/users/" + admin_.id, R"({"roles":["admin","approver"]})");
  EXPECT_EQ(self.status, 403);
  EXPECT_NE(self.body.find("sod.self_grant"), std::string::npos) << self.body;
  EXPECT_EQ(admin.Call("PATCH", "/api/v1/users/" + admin_.id, R"({"roles":["author"]})").status,
            409);
  EXPECT_EQ(admin.Call("PATCH", "/api/v1/users/" + admin_.id, R"({"disabled":true})").status, 409);
  // Unguarded roles and names take effect at once.
  TestResponse r = admin.Call("PATCH", "/api/v1/users/" + author_.id,
                              R"({"roles":["author","borrower"],"department":"销售二部"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(RolesOf(r.Json()["user"]), (std::vector<std::string>{"author", "borrower"}));
  EXPECT_EQ(r.Json().Find("pending_grant"), nullptr);
  // A guarded one waits.
  r = admin.Call("PATCH", "/api/v1/users/" + author_.id, R"({"roles":["author","custodian"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(RolesOf(r.Json()["user"]), std::vector<std::string>{"author"});
  EXPECT_EQ(RolesOf(r.Json()["pending_grant"]), std::vector<std::string>{"custodian"});
  // Cancelled by any administrator; nothing granted.
  const std::string grant = r.Json()["pending_grant"]["id"].as_string();
  EXPECT_EQ(admin.Call("POST", "/api/v1/user-grants/" + grant + "/cancel", "{}").status, 200);
  EXPECT_EQ(admin.Call("GET", "/api/v1/user-grants").Json()["grants"].as_array().size(), 0u);
}

// The territories a person covers (their assignment, vault/people/handover.h) are
// kept by administrators: cleaned as typed, shown back, audited with what
// they were before.
TEST_F(UsersApiTest, AnAdministratorSetsTheTerritoriesSomeoneCoversAndTheChangeIsAudited) {
  TestClient admin = LoggedIn("admin");
  const uint64_t start = audit_->Size(*vault_->BeginRead().value()).value();
  TestResponse r =
      admin.Call("PATCH", "/api/v1/users/" + author_.id,
                 R"({"territories":[" 华东区 ","大客户组","华东区",""],"reason":"调岗"})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::Value user = r.Json()["user"];
  ASSERT_EQ(user["territories"].as_array().size(), 2u);
  EXPECT_EQ(user["territories"].as_array()[0].as_string(), "华东区");
  EXPECT_EQ(user["territories"].as_array()[1].as_string(), "大客户组");
  std::vector<json::Value> events = EventsFrom(*vault_, *audit_, start);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["action"].as_string(), "user.update");
  EXPECT_EQ(events[0]["details"]["territories"]["from"].as_array().size(), 0u);
  EXPECT_EQ(events[0]["details"]["territories"]["to"].as_array().size(), 2u);
  EXPECT_EQ(events[0]["reason"].as_string(), "调岗");

  // The same list again changes nothing and records nothing; a label too
  // long is refused.
  r = admin.Call("PATCH", "/api/v1/users/" + author_.id,
                 R"({"territories":["华东区","大客户组"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(EventsFrom(*vault_, *audit_, start).size(), 1u);
  r = admin.Call("PATCH", "/api/v1/users/" + author_.id,
                 R"({"territories":[")" + std::string(200, 'x') + R"("]})");
  EXPECT_EQ(r.status, 400) << r.body;
  // Only administrators change them.
  TestClient author = LoggedIn("author");
  EXPECT_EQ(author.Call("PATCH", "/api/v1/users/" + author_.id, R"({"territories":[]})").status,
            403);
}

TEST_F(UsersApiTest, AResetEndsSessionsAndTheOldPasswordAndIssuesANewLink) {
  TestClient author = LoggedIn("author");
  TestClient admin = LoggedIn("admin");
  TestResponse r = admin.Call("POST", "/api/v1/users/" + author_.id + "/password-reset",
                              R"({"reason":"忘记密码"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string token = r.Json()["setup"]["token"].as_string();
  EXPECT_EQ(author.Call("GET", "/api/v1/session").status, 401);
  EXPECT_EQ(Client().Login("author", kPassword).status, 401);
  // A second reset replaces the first link.
  TestResponse again = admin.Call("POST", "/api/v1/users/" + author_.id + "/password-reset", "{}");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(Client()
                .Send("POST", "/api/v1/setup",
                      R"({"token":")" + token + R"(","new_password":"author-password-2"})")
                .status,
            404);
  const std::string token2 = again.Json()["setup"]["token"].as_string();
  // An expired link opens nothing.
  Advance(vault::kSetupLinkLifetime);
  EXPECT_EQ(Client()
                .Send("POST", "/api/v1/setup",
                      R"({"token":")" + token2 + R"(","new_password":"author-password-2"})")
                .status,
            404);
  EXPECT_EQ(Client().Send("POST", "/api/v1/setup/inspect", R"({"token":"not-a-token"})").status,
            404);
}

TEST_F(UsersApiTest, DisablingEndsTheSessionsAtOnce) {
  TestClient author = LoggedIn("author");
  TestClient admin = LoggedIn("admin");
  ASSERT_EQ(admin.Call("PATCH", "/api/v1/users/" + author_.id, R"({"disabled":true})").status, 200);
  EXPECT_EQ(author.Call("GET", "/api/v1/session").status, 401);
  EXPECT_EQ(Client().Login("author", kPassword).status, 401);
}

}  // namespace
}  // namespace custos::web::testing
