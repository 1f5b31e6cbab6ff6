// The departures routes over HTTP: unauthenticated 401, wrong role 403
// (decided by the vault), the right roles 200; assign → confirm moves the
// ownership; the customer's letter (rendered from the shipped template),
// answer and waiver; the checklist; the report counts what the leaver did.
#include <algorithm>
#include <string>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/web/test_client.h"
#include "vault/people/employment.h"
#include "vault/store/crypto.h"

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
  // Where the departure stands, as its checklist says: the file not yet
  // handed over is among the blocking items still open.
  auto open_items = [&] {
    const json::Value v = hr.Call("GET", "/api/v1/departures").Json();
    const json::Value& person = v.Find("people")->as_array()[0];
    EXPECT_FALSE(person.Find("complete")->as_bool());
    std::vector<std::string> ids;
    for (const json::Value& id : person.Find("open_items")->as_array())
      ids.push_back(id.as_string());
    return ids;
  };
  const std::vector<std::string> before_handover = open_items();
  EXPECT_NE(std::find(before_handover.begin(), before_handover.end(), "handovers"),
            before_handover.end());
  EXPECT_EQ(std::find(before_handover.begin(), before_handover.end(), "resignation"),
            before_handover.end());

  TestResponse list = hr.Call("GET", Base() + "/handovers");
  ASSERT_EQ(list.status, 200) << list.body;
  json::Value lv = list.Json();
  ASSERT_EQ(lv["records"].as_array().size(), 1u);
  EXPECT_TRUE(lv["records"].as_array()[0].Find("handover")->is_null());
  EXPECT_EQ(lv["total"].as_int(), 1);
  EXPECT_EQ(lv["limit"].as_int(), 100) << "a page at a time by default";
  // Past the end: no records, the same total; a bad page is refused.
  json::Value past = hr.Call("GET", Base() + "/handovers?offset=1&limit=5").Json();
  EXPECT_TRUE(past["records"].as_array().empty());
  EXPECT_EQ(past["total"].as_int(), 1);
  EXPECT_EQ(hr.Call("GET", Base() + "/handovers?limit=many").status, 400);
  EXPECT_EQ(hr.Call("GET", Base() + "/handovers?limit=1001").status, 400);
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
  const std::vector<std::string> after_handover = open_items();
  EXPECT_EQ(std::find(after_handover.begin(), after_handover.end(), "handovers"),
            after_handover.end());

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

// 一键交接 over HTTP: HR hands every file over at once, an approver confirms
// them all at once; the answers count what was done and what was left, a
// refusal of the first file is the route's 403 with its rule.
TEST_F(WebDeparturesTest, EveryFileIsHandedOverAndConfirmedAtOnce) {
  const std::string body = R"({"successor":")" + successor_.id + R"(","reason":"离职一键交接"})";
  TestClient hr = LoggedIn("hr");
  EXPECT_EQ(
      hr.Call("POST", Base() + "/assign-all", R"({"successor":")" + successor_.id + "\"}").status,
      400)
      << "a reason is required";
  // To themself: the policy refuses the first file, audited.
  uint64_t before = LogSize();
  TestResponse self =
      hr.Call("POST", Base() + "/assign-all", R"({"successor":")" + hr_.id + R"(","reason":"x"})");
  EXPECT_EQ(self.status, 403) << self.body;
  EXPECT_NE(self.body.find("sod.self_assignment"), std::string::npos) << self.body;
  EXPECT_EQ(LogSize(), before + 1);

  TestResponse a = hr.Call("POST", Base() + "/assign-all", body);
  ASSERT_EQ(a.status, 200) << a.body;
  json::Value av = a.Json();
  EXPECT_EQ(av["done"].as_int(), 1);
  EXPECT_EQ(av["skipped"].as_int(), 0);
  EXPECT_TRUE(av["refused"].is_null());
  json::Value lv = hr.Call("GET", Base() + "/handovers").Json();
  EXPECT_EQ(lv["records"].as_array()[0]["handover"]["state"].as_string(), "pending");

  // Whoever assigned a handover leaves it for another to confirm.
  TestResponse hr_confirm = hr.Call("POST", Base() + "/confirm-all", R"({"reason":"确认"})");
  ASSERT_EQ(hr_confirm.status, 200) << hr_confirm.body;
  EXPECT_EQ(hr_confirm.Json()["done"].as_int(), 0);
  EXPECT_EQ(hr_confirm.Json()["skipped"].as_int(), 1);
  EXPECT_EQ(archive_->GetMeta(record_id_)->owner_id, author_.id);
  TestClient approver = LoggedIn("approver");
  EXPECT_EQ(approver.Call("POST", Base() + "/confirm-all", "{}").status, 400);
  TestResponse c = approver.Call("POST", Base() + "/confirm-all", R"({"reason":"统一确认"})");
  ASSERT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.Json()["done"].as_int(), 1);
  EXPECT_EQ(archive_->GetMeta(record_id_)->owner_id, successor_.id);
  // Someone without a departures role: refused, audited on the leaver.
  TestClient nobody = LoggedIn("nobody");
  before = LogSize();
  EXPECT_EQ(nobody.Call("POST", Base() + "/confirm-all", R"({"reason":"x"})").status, 403);
  EXPECT_EQ(LogSize(), before + 1);
  EXPECT_EQ(hr.Call("POST", "/api/v1/departures/u-unknown/assign-all", body).status, 404);
}

// The successor's own list: what was handed to them, from whom, and where
// the customer's side stands — before and after the approver confirms.
// Nobody else sees it; an author without handovers gets an empty list.
TEST_F(WebDeparturesTest, TheSuccessorSeesTheCustomersHandedToThem) {
  TestClient successor = LoggedIn("successor");
  TestResponse none = successor.Call("GET", "/api/v1/handovers/mine");
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_TRUE(none.Json()["records"].as_array().empty());
  EXPECT_EQ(Client().Call("GET", "/api/v1/handovers/mine").status, 401);

  TestClient hr = LoggedIn("hr");
  ASSERT_EQ(hr.Call("POST", Base() + "/handovers", AssignBody()).status, 200);
  TestResponse mine = successor.Call("GET", "/api/v1/handovers/mine");
  ASSERT_EQ(mine.status, 200) << mine.body;
  json::Value v = mine.Json();
  ASSERT_EQ(v["records"].as_array().size(), 1u);
  json::Value item = v["records"].as_array()[0];
  EXPECT_EQ(item["id"].as_string(), record_id_);
  EXPECT_EQ(item["leaver"]["id"].as_string(), author_.id);
  EXPECT_EQ(item["leaver"]["last_working_day"].as_string(), "2026-04-01");
  EXPECT_EQ(item["handover"]["state"].as_string(), "pending");
  EXPECT_EQ(item["handover"]["customer_state"].as_string(), "pending");
  EXPECT_FALSE(item["handover"]["complete"].as_bool());
  EXPECT_EQ(v["customer_confirmation"].as_string(), "required");
  // The counts of the whole list, and of each leaver's part of it.
  EXPECT_EQ(v["total"].as_int(), 1);
  EXPECT_EQ(v["open"].as_int(), 1);
  ASSERT_EQ(v["leavers"].as_array().size(), 1u);
  EXPECT_EQ(v["leavers"].as_array()[0]["id"].as_string(), author_.id);
  EXPECT_EQ(v["leavers"].as_array()[0]["total"].as_int(), 1);
  EXPECT_EQ(v["leavers"].as_array()[0]["open"].as_int(), 1);
  // A page past the end, or of no files (the home page's card), still
  // counts them; a bad limit is refused.
  for (const char* query : {"?offset=1", "?limit=0"}) {
    json::Value counts =
        successor.Call("GET", std::string("/api/v1/handovers/mine") + query).Json();
    EXPECT_TRUE(counts["records"].as_array().empty()) << query;
    EXPECT_EQ(counts["total"].as_int(), 1) << query;
    EXPECT_EQ(counts["open"].as_int(), 1) << query;
  }
  EXPECT_EQ(successor.Call("GET", "/api/v1/handovers/mine?limit=1001").status, 400);
  EXPECT_EQ(successor.Call("GET", "/api/v1/handovers/mine?limit=abc").status, 400);
  // Only the successor's own: HR, who assigned it, has none.
  EXPECT_TRUE(hr.Call("GET", "/api/v1/handovers/mine").Json()["records"].as_array().empty());

  TestClient approver = LoggedIn("approver");
  ASSERT_EQ(approver
                .Call("POST", Base() + "/handovers/" + record_id_ + "/confirm",
                      R"({"reason":"确认交接"})")
                .status,
            200);
  item = successor.Call("GET", "/api/v1/handovers/mine").Json()["records"].as_array()[0];
  EXPECT_EQ(item["handover"]["state"].as_string(), "confirmed");
  EXPECT_EQ(item["owner"]["id"].as_string(), successor_.id);
}

TEST_F(WebDeparturesTest, CustomerLetterAnswerWaiverAndChecklist) {
  vault::User custodian = AddUser("custodian", {policy::Role::kCustodian});
  TestClient hr = LoggedIn("hr");
  ASSERT_EQ(hr.Call("POST", Base() + "/handovers", AssignBody()).status, 200);
  TestClient approver = LoggedIn("approver");
  const std::string h = Base() + "/handovers/" + record_id_;
  ASSERT_EQ(approver.Call("POST", h + "/confirm", R"({"reason":"确认交接"})").status, 200);

  // The checklist: handed over, the customer not yet heard from.
  TestResponse chk = hr.Call("GET", Base() + "/checklist");
  ASSERT_EQ(chk.status, 200) << chk.body;
  json::Value list = chk.Json()["checklist"];
  EXPECT_FALSE(list["complete"].as_bool());
  EXPECT_EQ(list["customer_confirmation"].as_string(), "required");
  EXPECT_EQ(list["items"].as_array().size(), 8u);
  EXPECT_EQ(list["items"].as_array()[2]["id"].as_string(), "customers");
  EXPECT_EQ(list["items"].as_array()[2]["state"].as_string(), "open");
  EXPECT_EQ(LoggedIn("nobody").Call("GET", Base() + "/checklist").status, 403);

  // The custodian writes the letter from the shipped template.
  TestClient cust = LoggedIn("custodian");
  TestResponse issued = cust.Call(
      "POST", h + "/customer-letter",
      R"({"language":"zh-CN","company_name":"华信商贸有限公司","successor_phone":"021-5555 0101","successor_department":"销售二部"})");
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string sha = issued.Json()["sha256"].as_string();
  TestResponse letter = cust.Call("GET", h + "/customer-letter");
  ASSERT_EQ(letter.status, 200) << letter.body;
  EXPECT_EQ(HexEncode(vault::Sha256(letter.body)), sha);
  EXPECT_EQ(letter.Header("x-content-sha256"), sha);
  EXPECT_NE(letter.Header("content-security-policy").find("sandbox"), std::string::npos);
  for (const char* part : {"上海某客户", "华信商贸有限公司", "021-5555 0101", "销售二部",
                           "2026年4月1日", "不再代表本公司"}) {
    EXPECT_NE(letter.body.find(part), std::string::npos) << part;
  }
  // In English for a foreign customer; a letter without the company's name
  // is refused and the first one stays.
  TestResponse en = cust.Call(
      "POST", h + "/customer-letter",
      R"({"language":"en","company_name":"Huaxin Trading Co., Ltd.","successor_phone":"+86 21 5555 0101","successor_department":"Sales 2"})");
  ASSERT_EQ(en.status, 200) << en.body;
  TestResponse en_letter = cust.Call("GET", h + "/customer-letter");
  EXPECT_NE(en_letter.body.find("no longer represents it from <span class=\"field\">April 1, 2026"),
            std::string::npos)
      << en_letter.body;
  EXPECT_EQ(cust.Call("POST", h + "/customer-letter", R"({"successor_phone":"1"})").status, 400);
  EXPECT_EQ(LoggedIn("nobody").Call("GET", h + "/customer-letter").status, 403);

  // The successor records the customer's answer; bad input is 400.
  TestClient successor = LoggedIn("successor");
  EXPECT_EQ(successor.Call("POST", h + "/customer-confirmation", R"({"answer":"maybe"})").status,
            400);
  EXPECT_EQ(
      successor
          .Call(
              "POST", h + "/customer-confirmation",
              R"({"answer":"confirmed","method":"pigeon","contact_name":"张经理","date":"2026-03-10"})")
          .status,
      400);
  TestResponse ok = successor.Call(
      "POST", h + "/customer-confirmation",
      R"({"answer":"confirmed","method":"letter","contact_name":"张经理","contact_position":"采购经理","date":"2026-03-10","note":"回执已寄回"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json()["handover"]["customer_state"].as_string(), "confirmed");
  EXPECT_TRUE(ok.Json()["handover"]["complete"].as_bool());
  EXPECT_EQ(ok.Json()["handover"]["customer"]["recorded_by_person"]["id"].as_string(),
            successor_.id);
  // Nothing left to waive.
  EXPECT_EQ(approver.Call("POST", h + "/customer-waiver", R"({"reason":"免除"})").status, 409);
  EXPECT_EQ(approver.Call("POST", h + "/customer-waiver", "{}").status, 400);

  TestResponse listed = hr.Call("GET", Base() + "/handovers");
  ASSERT_EQ(listed.status, 200);
  json::Value item = listed.Json()["records"].as_array()[0];
  EXPECT_EQ(item["handover"]["customer_state"].as_string(), "confirmed");
  EXPECT_EQ(item["handover"]["letter"]["language"].as_string(), "en");
  chk = hr.Call("GET", Base() + "/checklist");
  EXPECT_EQ(chk.Json()["checklist"]["items"].as_array()[2]["state"].as_string(), "done");

  // HR records that the leaver refused to sign the obligations notice.
  EXPECT_EQ(hr.Call("POST", Base() + "/notice-refusal", "{}").status, 400);
  EXPECT_EQ(successor.Call("POST", Base() + "/notice-refusal", R"({"reason":"拒签"})").status, 403);
  TestResponse refused =
      hr.Call("POST", Base() + "/notice-refusal", R"({"reason":"离职面谈时拒绝签收，两人在场"})");
  ASSERT_EQ(refused.status, 200) << refused.body;
  chk = hr.Call("GET", Base() + "/checklist");
  json::Value notice = chk.Json()["checklist"]["items"].as_array()[5];
  EXPECT_EQ(notice["id"].as_string(), "notice");
  EXPECT_EQ(notice["state"].as_string(), "done");
  (void)custodian;
}

}  // namespace
}  // namespace custos::web::testing
