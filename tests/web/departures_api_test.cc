// The departures routes over HTTP: unauthenticated 401, wrong role 403
// (decided by the vault), the right roles 200; assign → confirm moves the
// ownership; the report counts what the leaver did.
#include <string>

#include <gtest/gtest.h>

#include "tests/web/test_client.h"
#include "vault/employment.h"

namespace custos::web::testing {
namespace {

class WebDeparturesTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    hr_ = AddUser("hr", {policy::Role::kHr});
    approver_ = AddUser("approver", {policy::Role::kApprover});
    successor_ = AddUser("successor", {policy::Role::kAuthor});
    vault::Caller caller;
    caller.user_id = author_.id;
    caller.place.ip = "127.0.0.1";
    vault::NewRecord rec;
    rec.name = "上海某客户";
    rec.classification = policy::Classification::kConfidential;
    auto created = archive_->CreateRecord(caller, rec, "new customer");
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    record_id_ = created->id;
    vault::Caller hr;
    hr.user_id = hr_.id;
    auto u = vault::RegisterResignation(*vault_, *audit_, hr, author_.id, "2026-03-02",
                                        "2026-04-01", "个人原因");
    ASSERT_TRUE(u.ok()) << u.status().ToString();
  }
  std::string Base() { return "/api/v1/departures/" + author_.id; }
  std::string AssignBody() {
    return R"({"record":")" + record_id_ + R"(","successor":")" + successor_.id +
           R"(","reason":"客户交接"})";
  }
  uint64_t LogSize() {
    auto r = vault_->BeginRead();
    auto n = audit_->Size(**r);
    return n.ok() ? *n : 0;
  }
  vault::User hr_, approver_, successor_;
  std::string record_id_;
};

TEST_F(WebDeparturesTest, UnauthenticatedIs401) {
  TestClient anon = Client();
  EXPECT_EQ(anon.Send("GET", "/api/v1/departures").status, 401);
  EXPECT_EQ(anon.Send("GET", Base() + "/handovers").status, 401);
  EXPECT_EQ(anon.Send("POST", Base() + "/handovers", AssignBody()).status, 401);
  EXPECT_EQ(anon.Send("POST", Base() + "/handovers/" + record_id_ + "/confirm", "{}").status, 401);
  EXPECT_EQ(anon.Send("GET", Base() + "/report").status, 401);
}

TEST_F(WebDeparturesTest, WrongRoleIs403) {
  TestClient c = LoggedIn("nobody");
  EXPECT_EQ(c.Call("GET", "/api/v1/departures").status, 403);
  EXPECT_EQ(c.Call("GET", Base() + "/handovers").status, 403);
  TestResponse r = c.Call("GET", Base() + "/report");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.ErrorCode(), "permission_denied");
  // An admin may not assign (audited refusal naming the rule).
  TestClient admin = LoggedIn("admin");
  const uint64_t before = LogSize();
  r = admin.Call("POST", Base() + "/handovers", AssignBody());
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_NE(r.body.find("role.not_permitted"), std::string::npos) << r.body;
  EXPECT_EQ(LogSize(), before + 1);
  // An author may not read the report.
  TestClient author = LoggedIn("successor");
  EXPECT_EQ(author.Call("GET", Base() + "/report").status, 403);
}

TEST_F(WebDeparturesTest, HrAssignsApproverConfirmsAuditorReads) {
  TestClient hr = LoggedIn("hr");
  TestResponse people = hr.Call("GET", "/api/v1/departures");
  ASSERT_EQ(people.status, 200) << people.body;
  const json::Value pv = people.Json();
  ASSERT_EQ(pv.Find("people")->as_array().size(), 1u);
  EXPECT_EQ(pv.Find("people")->as_array()[0].Find("id")->as_string(), author_.id);

  TestResponse list = hr.Call("GET", Base() + "/handovers");
  ASSERT_EQ(list.status, 200) << list.body;
  json::Value lv = list.Json();
  ASSERT_EQ(lv["records"].as_array().size(), 1u);
  EXPECT_TRUE(lv["records"].as_array()[0].Find("handover")->is_null());
  // The leaver has signed nothing here: HR sees an empty agreement list
  // (the page then warns that no NDA is on record).
  ASSERT_NE(lv.Find("agreements"), nullptr) << list.body;
  EXPECT_TRUE(lv["agreements"].as_array().empty());

  TestResponse a = hr.Call("POST", Base() + "/handovers", AssignBody());
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.Json()["handover"]["state"].as_string(), "pending");

  // HR cannot confirm; the approver can.
  const std::string confirm = Base() + "/handovers/" + record_id_ + "/confirm";
  EXPECT_EQ(hr.Call("POST", confirm, R"({"reason":"确认"})").status, 403);
  TestClient approver = LoggedIn("approver");
  TestResponse c = approver.Call("POST", confirm, R"({"reason":"确认交接"})");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.Json()["handover"]["state"].as_string(), "confirmed");
  EXPECT_EQ(archive_->GetMeta(record_id_)->owner_id, successor_.id);
  EXPECT_EQ(approver.Call("POST", confirm, "{}").status, 409);

  TestClient auditor = LoggedIn("auditor");
  TestResponse rep = auditor.Call("GET", Base() + "/report?lookback_days=30");
  ASSERT_EQ(rep.status, 200) << rep.body;
  json::Value report = rep.Json()["report"];
  EXPECT_EQ(report["lookback_days"].as_int(), 30);
  EXPECT_EQ(report["authored"].as_array().size(), 1u);
  EXPECT_EQ(report["handovers"].as_array().size(), 1u);
  EXPECT_EQ(auditor.Call("GET", Base() + "/report?lookback_days=abc").status, 400);
  EXPECT_EQ(auditor.Call("GET", "/api/v1/departures/u-unknown/report").status, 404);
}

}  // namespace
}  // namespace custos::web::testing
