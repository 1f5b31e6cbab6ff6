// The agreement routes over HTTP: unauthenticated / wrong role / right role,
// and a walk-through with the shipped Chinese NDA template: draft with live
// checks → submit → send → sign (password) → countersign → download →
// certificate; plus the non-compete dashboard and C4 timing.
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/web/test_client.h"
#include "vault/access/policy_store.h"
#include "vault/store/tables.h"

namespace custos::web::testing {
namespace {

std::string ExampleFields(const std::string& name) {
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  std::ifstream in(std::string(root != nullptr ? root : ".") + "/contract-templates/examples/" +
                   name + ".fields.json");
  EXPECT_TRUE(in.good()) << name;
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class WebAgreementsTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    legal1_ = AddUser("legal1", {policy::Role::kLegal});
    legal2_ = AddUser("legal2", {policy::Role::kLegal});
    emp_ = AddUser("emp", {policy::Role::kAuthor});
    hr_ = AddUser("hr", {policy::Role::kHr});
  }
  std::string Draft(TestClient& legal, const std::string& tmpl, const std::string& fields) {
    TestResponse r =
        legal.Call("POST", "/api/v1/agreements",
                   R"({"template_id":")" + tmpl + R"(","employee_id":")" + emp_.id +
                       R"(","classification":"confidential","fields":)" + fields + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json()["id"].as_string();
  }
  // The example non-compete, signed and countersigned, with the employee's
  // last working day set to `last_day`; its id.
  std::string SignedNonCompete(TestClient& legal, const std::string& last_day) {
    std::string id = Draft(legal, "cn-non-compete", ExampleFields("cn-non-compete"));
    EXPECT_EQ(legal.Call("POST", "/api/v1/agreements/" + id + "/submit").status, 200);
    TestResponse sent = LoggedIn("legal2").Call("POST", "/api/v1/agreements/" + id + "/send");
    EXPECT_EQ(sent.status, 200) << "the example non-compete must pass its checks: " << sent.body;
    TestClient emp = LoggedIn("emp");
    EXPECT_EQ(emp.Call("POST", "/api/v1/agreements/" + id + "/sign",
                       std::string(R"({"password":")") + kPassword + "\"}")
                  .status,
              200);
    EXPECT_EQ(legal
                  .Call("POST", "/api/v1/agreements/" + id + "/countersign",
                        std::string(R"({"password":")") + kPassword + "\"}")
                  .status,
              200);
    // HR registers the last working day.
    EXPECT_TRUE(vault_
                    ->Write([&](vault::WriteTxn& txn) -> Status {
                      CUSTOS_ASSIGN_OR_RETURN(vault::User u, vault::GetUser(txn, emp_.id));
                      u.last_working_day = last_day;
                      return vault::UpdateUser(txn, u);
                    })
                    .ok());
    return id;
  }
  // The stored non-compete alerts, oldest first.
  std::vector<std::string> NonCompeteAlertRules() {
    std::vector<std::string> out;
    auto r = vault_->BeginRead();
    EXPECT_TRUE((*r)->Scan(vault::tables::kAlerts, "",
                           [&](std::string_view, std::string_view v) -> Result<bool> {
                             auto j = json::Parse(v);
                             if (j.ok() && (*j)["type"].as_string() == "noncompete_unpaid") {
                               out.push_back((*j)["rule"].as_string());
                             }
                             return true;
                           })
                    .ok());
    return out;
  }
  vault::User legal1_, legal2_, emp_, hr_;
};

TEST_F(WebAgreementsTest, AccessByRole) {
  TestClient anon = Client();
  EXPECT_EQ(anon.Send("GET", "/api/v1/agreements").status, 401);
  EXPECT_EQ(anon.Send("GET", "/api/v1/agreement-templates").status, 401);
  TestClient author = LoggedIn("author");
  EXPECT_EQ(author.Call("GET", "/api/v1/agreement-templates").status, 403);
  EXPECT_EQ(
      author.Call("POST", "/api/v1/agreements", R"({"template_id":"x","employee_id":"y"})").status,
      403);
  EXPECT_EQ(author.Call("GET", "/api/v1/noncompetes").status, 403);
  TestClient admin = LoggedIn("admin");
  EXPECT_EQ(admin.Call("GET", "/api/v1/noncompetes").status, 403);
  TestClient legal = LoggedIn("legal1");
  TestResponse list = legal.Call("GET", "/api/v1/agreement-templates");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_GE(list.Json()["templates"].as_array().size(), 4u);
  TestResponse one = legal.Call("GET", "/api/v1/agreement-templates/cn-non-compete");
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_FALSE(one.Json()["fields"].as_array().empty());
  EXPECT_EQ(legal.Call("GET", "/api/v1/agreement-templates/..%2Fetc").status, 404);
  EXPECT_EQ(LoggedIn("hr").Call("GET", "/api/v1/noncompetes").status, 200);
  // HR's read of the non-compete dashboard (former employees' terms and
  // payments) is in the log.
  TestResponse reads =
      LoggedIn("auditor").Call("GET", "/api/v1/audit/events?action=noncompete.read&order=asc");
  ASSERT_EQ(reads.status, 200) << reads.body;
  const json::Value reads_json = reads.Json();
  const json::Array& read_events = reads_json.Find("events")->as_array();
  ASSERT_EQ(read_events.size(), 1u) << reads.body;
  EXPECT_EQ(read_events[0].Find("decision")->as_string(), "allow");
  EXPECT_EQ(read_events[0].Find("actor")->Find("name")->as_string(), "hr");
  // The author and the administrator were turned away by the route's roles,
  // before the vault: those refusals are in the log too.
  TestResponse refused =
      LoggedIn("auditor").Call("GET", "/api/v1/audit/events?action=route.refused&order=asc");
  ASSERT_EQ(refused.status, 200) << refused.body;
  const json::Value refused_json = refused.Json();
  std::vector<std::string> who;
  for (const json::Value& e : refused_json.Find("events")->as_array()) {
    if (e.Find("object")->Find("id")->as_string() != "GET /api/v1/noncompetes") continue;
    EXPECT_EQ(e.Find("decision")->as_string(), "deny");
    EXPECT_EQ(e.Find("rule")->as_string(), "route.roles");
    who.push_back(e.Find("actor")->Find("name")->as_string());
  }
  EXPECT_EQ(who, (std::vector<std::string>{"author", "admin"}));
  EXPECT_EQ(LoggedIn("auditor").Call("GET", "/api/v1/employees/" + emp_.id + "/nda-timing").status,
            200);
}

// SECURITY: signing re-checks the account password, so it is throttled like
// the login, per account (and address), sharing its counters: three wrong
// passwords, then 429 until the delay has passed — even for the right one,
// and for the login too. Countersigning likewise.
// The dashboard's today is the company's date (the policy's <calendar>):
// Beijing's when the policy sets none, another when it does.
TEST_F(WebAgreementsTest, TheDashboardsTodayIsTheCompanysDate) {
  now_ = *ParseRfc3339("2027-01-15T16:30:00Z");  // 00:30 on the 16th in Beijing
  TestClient hr = LoggedIn("hr");
  TestResponse dash = hr.Call("GET", "/api/v1/noncompetes");
  ASSERT_EQ(dash.status, 200) << dash.body;
  EXPECT_EQ(dash.Json()["today"].as_string(), "2027-01-16");
  // The UI's date fields default to the same day: the session names the
  // calendar.
  EXPECT_EQ(hr.Call("GET", "/api/v1/session").Json()["calendar_utc_offset_minutes"].as_int(), 480);

  std::string xml(vault::DefaultPolicyXml());
  xml.insert(xml.rfind("</custos-policy>"), "<calendar utc-offset=\"-05:00\"/>\n");
  vault::Caller admin;
  admin.user_id = admin_.id;
  admin.place.ip = "127.0.0.1";
  auto applied = vault::ApplyPolicy(*vault_, *audit_, admin, xml, "纽约分公司");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_TRUE(applied->pending_second_approval);
  admin.user_id = everyone_.id;  // a second administrator
  applied = vault::ApplyPolicy(*vault_, *audit_, admin, xml, "同意");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  ASSERT_FALSE(applied->pending_second_approval);
  dash = hr.Call("GET", "/api/v1/noncompetes");
  ASSERT_EQ(dash.status, 200) << dash.body;
  EXPECT_EQ(dash.Json()["today"].as_string(), "2027-01-15");  // 11:30 in New York
  EXPECT_EQ(hr.Call("GET", "/api/v1/session").Json()["calendar_utc_offset_minutes"].as_int(), -300);
}

// The paper path over HTTP: legal uploads a scan of a few MB with the date
// on the paper; a custodian opens it from their list and attests it.
TEST_F(WebAgreementsTest, APaperScanIsUploadedReadByItsCustodianAndAttested) {
  AddUser("keeper", {policy::Role::kCustodian});
  TestClient legal = LoggedIn("legal1");
  std::string id = Draft(legal, "cn-employee-nda", ExampleFields("cn-employee-nda"));
  ASSERT_EQ(legal.Call("POST", "/api/v1/agreements/" + id + "/submit").status, 200);
  ASSERT_EQ(LoggedIn("legal2").Call("POST", "/api/v1/agreements/" + id + "/send").status, 200);

  std::string scan = "%PDF-1.7\n";
  scan.resize(3 << 20, 'x');  // 3 MB: over the 1 MiB a JSON body may have elsewhere
  json::Value body = json::Value::MakeObject();
  body["scan_base64"] = Base64Encode(scan);
  body["content_type"] = "application/pdf";
  body["room"] = "档案室 A1";
  body["cabinet"] = "人事柜 2";
  body["box"] = "保密协议 第 1 盒";
  const std::string path = "/api/v1/agreements/" + id + "/paper";
  TestResponse undated = legal.Call("POST", path, json::Serialize(body));
  EXPECT_EQ(undated.status, 400) << undated.body.substr(0, 300);
  EXPECT_NE(undated.body.find("signed_on"), std::string::npos) << undated.body.substr(0, 300);
  body["signed_on"] = "2027-01-15";  // the test clock's day in Beijing
  TestResponse up = legal.Call("POST", path, json::Serialize(body));
  ASSERT_EQ(up.status, 200) << up.body.substr(0, 300);
  EXPECT_EQ(up.Json()["paper_signed_on"].as_string(), "2027-01-15");

  TestClient keeper = LoggedIn("keeper");
  TestResponse list = keeper.Call("GET", "/api/v1/agreements");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.Json()["agreements"].as_array().size(), 1u) << list.body.substr(0, 300);
  TestResponse got = keeper.Call("GET", "/api/v1/agreements/" + id + "/scan");
  ASSERT_EQ(got.status, 200) << got.body.substr(0, 300);
  EXPECT_EQ(got.body, scan);
  EXPECT_EQ(got.Header("x-content-sha256"), HexEncode(vault::Sha256(scan)));
  EXPECT_NE(got.Header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(LoggedIn("hr").Call("GET", "/api/v1/agreements/" + id + "/scan").status, 403);
  TestResponse attested = keeper.Call("POST", "/api/v1/agreements/" + id + "/attest",
                                      std::string(R"({"password":")") + kPassword + "\"}");
  ASSERT_EQ(attested.status, 200) << attested.body;
  EXPECT_EQ(keeper.Call("GET", "/api/v1/agreements/" + id + "/scan").status, 403);
  // The employee's copy is the scan, named as the PDF it is.
  TestResponse copy = LoggedIn("emp").Call("GET", "/api/v1/agreements/" + id + "/document");
  ASSERT_EQ(copy.status, 200);
  EXPECT_EQ(copy.Header("content-disposition"), "attachment; filename=\"" + id + ".pdf\"");
  // C4 reads the date on the paper.
  TestResponse timing = legal.Call("GET", "/api/v1/employees/" + emp_.id + "/nda-timing");
  ASSERT_EQ(timing.status, 200) << timing.body;
  EXPECT_EQ(timing.Json()["nda_signed_on"].as_string(), "2027-01-15");
}

TEST_F(WebAgreementsTest, SigningPasswordsAreThrottledLikeTheLogin) {
  TestClient legal = LoggedIn("legal1");
  const std::string id = Draft(legal, "cn-non-compete", ExampleFields("cn-non-compete"));
  ASSERT_EQ(legal.Call("POST", "/api/v1/agreements/" + id + "/submit").status, 200);
  TestResponse sent = LoggedIn("legal2").Call("POST", "/api/v1/agreements/" + id + "/send");
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string wrong = R"({"password":"wrong-password"})";
  const std::string right = std::string(R"({"password":")") + kPassword + "\"}";

  TestClient emp = LoggedIn("emp");
  const std::string sign = "/api/v1/agreements/" + id + "/sign";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(emp.Call("POST", sign, wrong).status, 401) << i;
  TestResponse throttled = emp.Call("POST", sign, right);
  EXPECT_EQ(throttled.status, 429) << throttled.body;
  EXPECT_EQ(throttled.ErrorCode(), "too_many_attempts");
  EXPECT_EQ(throttled.Header("retry-after"), "1");
  EXPECT_EQ(Client().Login("emp", kPassword).status, 429);  // the same account
  Advance(1000);
  TestResponse signed_now = emp.Call("POST", sign, right);
  ASSERT_EQ(signed_now.status, 200) << signed_now.body;

  const std::string countersign = "/api/v1/agreements/" + id + "/countersign";
  for (int i = 0; i < 3; ++i) EXPECT_EQ(legal.Call("POST", countersign, wrong).status, 401) << i;
  EXPECT_EQ(legal.Call("POST", countersign, right).status, 429);
  Advance(1000);
  EXPECT_EQ(legal.Call("POST", countersign, right).status, 200);
}

TEST_F(WebAgreementsTest, WalkThroughOverHttp) {
  TestClient legal = LoggedIn("legal1");
  std::string id = Draft(legal, "cn-employee-nda", "{}");
  TestResponse got = legal.Call("GET", "/api/v1/agreements/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_FALSE(got.Json()["can_send"].as_bool());  // required fields missing
  TestResponse upd = legal.Call("PUT", "/api/v1/agreements/" + id,
                                R"({"version":)" + std::to_string(got.Json()["version"].as_int()) +
                                    R"(,"fields":)" + ExampleFields("cn-employee-nda") + "}");
  ASSERT_EQ(upd.status, 200) << upd.body;
  EXPECT_TRUE(upd.Json()["can_send"].as_bool()) << upd.Json()["checks"].as_object().size();

  TestResponse preview = legal.Call("GET", "/api/v1/agreements/" + id + "/preview");
  ASSERT_EQ(preview.status, 200);
  // The document's own policy replaces the app's (two would both apply, and
  // the app's would block the document's inline print stylesheet).
  EXPECT_EQ(preview.header_counts["content-security-policy"], 1);
  EXPECT_NE(preview.Header("content-security-policy").find("sandbox"), std::string::npos);
  EXPECT_NE(preview.Header("content-security-policy").find("style-src 'unsafe-inline'"),
            std::string::npos);
  EXPECT_NE(preview.body.find("保密"), std::string::npos);

  ASSERT_EQ(legal.Call("POST", "/api/v1/agreements/" + id + "/submit").status, 200);
  EXPECT_EQ(legal.Call("POST", "/api/v1/agreements/" + id + "/send").status, 403);  // drafter
  TestClient reviewer = LoggedIn("legal2");
  TestResponse sent = reviewer.Call("POST", "/api/v1/agreements/" + id + "/send");
  ASSERT_EQ(sent.status, 200) << sent.body;
  const std::string hash = sent.Json()["document_sha256"].as_string();

  TestClient emp = LoggedIn("emp");
  EXPECT_EQ(emp.Call("GET", "/api/v1/agreements").Json()["agreements"].as_array().size(), 1u);
  EXPECT_EQ(emp.Call("POST", "/api/v1/agreements/" + id + "/sign", R"({"password":"nope"})").status,
            401);
  TestResponse signed_r = emp.Call("POST", "/api/v1/agreements/" + id + "/sign",
                                   std::string(R"({"password":")") + kPassword + "\"}");
  ASSERT_EQ(signed_r.status, 200) << signed_r.body;
  EXPECT_EQ(emp.Call("POST", "/api/v1/agreements/" + id + "/countersign",
                     std::string(R"({"password":")") + kPassword + "\"}")
                .status,
            403);
  TestResponse done = legal.Call("POST", "/api/v1/agreements/" + id + "/countersign",
                                 std::string(R"({"password":")") + kPassword + "\"}");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["state"].as_string(), "completed");

  TestResponse copy = emp.Call("GET", "/api/v1/agreements/" + id + "/document");
  ASSERT_EQ(copy.status, 200);
  EXPECT_EQ(copy.Header("x-content-sha256"), hash);
  TestResponse cert = legal.Call("GET", "/api/v1/agreements/" + id + "/certificate");
  ASSERT_EQ(cert.status, 200) << cert.body;
  EXPECT_TRUE(cert.Json()["all_signatures_ok"].as_bool());
  EXPECT_NE(cert.Json()["agreement"]["delivered_at"].as_int(), 0);
  TestResponse html = legal.Call("GET", "/api/v1/agreements/" + id + "/certificate?format=html");
  ASSERT_EQ(html.status, 200);
  EXPECT_NE(html.body.find(hash), std::string::npos);
  EXPECT_EQ(LoggedIn("admin").Call("GET", "/api/v1/agreements/" + id + "/certificate").status, 403);
}

// Sent with a mistake: legal recalls it with a reason before the employee
// signs, and it is a draft again.
TEST_F(WebAgreementsTest, ASentAgreementIsRecalledBeforeItIsSigned) {
  TestClient legal = LoggedIn("legal1");
  std::string id = Draft(legal, "cn-employee-nda", ExampleFields("cn-employee-nda"));
  ASSERT_EQ(legal.Call("POST", "/api/v1/agreements/" + id + "/submit").status, 200);
  ASSERT_EQ(LoggedIn("legal2").Call("POST", "/api/v1/agreements/" + id + "/send").status, 200);
  const std::string recall = "/api/v1/agreements/" + id + "/recall";
  TestResponse bare = legal.Call("POST", recall, "{}");
  EXPECT_EQ(bare.status, 400);
  EXPECT_EQ(bare.Json()["error"]["message_zh"].as_string(), "说明（note）为必填项");
  TestClient emp = LoggedIn("emp");
  EXPECT_EQ(emp.Call("POST", recall, R"({"note":"不签"})").status, 403);
  TestResponse back = legal.Call("POST", recall, R"({"note":"保密期限写错，修改后重发"})");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(back.Json()["state"].as_string(), "draft");
  TestResponse sign = emp.Call("POST", "/api/v1/agreements/" + id + "/sign",
                               std::string(R"({"password":")") + kPassword + "\"}");
  EXPECT_EQ(sign.status, 409) << sign.body;
  EXPECT_EQ(legal.Call("POST", recall, R"({"note":"再撤回"})").status, 409);
}

TEST_F(WebAgreementsTest, NonCompeteDashboard) {
  TestClient legal = LoggedIn("legal1");
  const std::string id = SignedNonCompete(legal, "2026-01-31");
  TestResponse dash = legal.Call("GET", "/api/v1/noncompetes?today=2026-04-01");
  ASSERT_EQ(dash.status, 200) << dash.body;
  json::Value rows = dash.Json()["noncompetes"];
  ASSERT_EQ(rows.as_array().size(), 1u);
  EXPECT_EQ(rows.as_array()[0]["status"]["alert"].as_string(), "urgent");
  // The example leaves pay_day out; the document says the template's
  // default (每月15日前支付), and so does the schedule: the first 15th after
  // the last working day.
  json::Value months = rows.as_array()[0]["status"]["months"];
  EXPECT_EQ(months.as_array()[0]["due"].as_string(), "2026-02-15");
  EXPECT_EQ(months.as_array()[1]["due"].as_string(), "2026-03-15");
  TestResponse pay = legal.Call("POST", "/api/v1/noncompetes/" + id + "/payments",
                                R"({"month":1,"amount_minor":600000,"paid_on":"2026-03-02"})");
  ASSERT_EQ(pay.status, 201) << pay.body;
  EXPECT_EQ(LoggedIn("hr")
                .Call("POST", "/api/v1/noncompetes/" + id + "/payments",
                      R"({"month":2,"amount_minor":1,"paid_on":"2026-03-02"})")
                .status,
            403);
  dash = legal.Call("GET", "/api/v1/noncompetes?today=2026-04-01");
  EXPECT_EQ(dash.Json()["noncompetes"].as_array()[0]["status"]["alert"].as_string(), "warning");
  TestResponse released =
      legal.Call("POST", "/api/v1/noncompetes/" + id + "/release", R"({"on":"2026-04-15"})");
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(released.Json()["extra_months_owed"].as_int(), 3);
  dash = legal.Call("GET", "/api/v1/noncompetes?today=2026-05-01");
  json::Value st = dash.Json()["noncompetes"].as_array()[0]["status"];
  EXPECT_EQ(st["phase"].as_string(), "released_by_employer");
  EXPECT_EQ(st["release_extra_owed_minor"].as_int(), 3 * 600000);
}

// A payment legal could not have made is refused, naming what is wrong, and
// nothing is recorded: a month past the 12 restricted, an amount no company
// pays (sums of them would overflow), a date still to come, a reference that
// would not read as stored.
TEST_F(WebAgreementsTest, APaymentThatCannotBeIsRefusedAndNothingRecorded) {
  TestClient legal = LoggedIn("legal1");
  const std::string id = SignedNonCompete(legal, "2026-01-31");
  const std::pair<const char*, const char*> refused[] = {
      {R"({"month":13,"amount_minor":600000,"paid_on":"2026-03-02"})",
       "month 13 is outside the 12-month restriction"},
      {R"({"month":1,"amount_minor":4611686018427387904,"paid_on":"2026-03-02"})",
       "is not a compensation payment"},
      {R"({"month":1,"amount_minor":600000,"paid_on":"2099-01-01"})",
       "paid_on 2099-01-01 is in the future"},
      {R"({"month":1,"amount_minor":600000,"paid_on":"2026-03-02","reference":"回单\u202E001"})",
       "reference holds a bidirectional control character"},
  };
  for (const auto& [body, message] : refused) {
    TestResponse r = legal.Call("POST", "/api/v1/noncompetes/" + id + "/payments", body);
    EXPECT_EQ(r.status, 400) << body << " → " << r.body;
    EXPECT_NE(r.body.find(message), std::string::npos) << r.body;
  }
  json::Value row =
      legal.Call("GET", "/api/v1/noncompetes?today=2026-04-01").Json()["noncompetes"].as_array()[0];
  EXPECT_TRUE(row["tracking"]["payments"].as_array().empty());
  EXPECT_EQ(legal
                .Call("POST", "/api/v1/noncompetes/" + id + "/payments",
                      R"({"month":12,"amount_minor":600000,"paid_on":"2026-03-02"})")
                .status,
            201);
}

// A legal user bound by a non-compete neither releases it nor books its
// compensation to themselves: other legal does, and a release's note is
// checked as every typed text is.
TEST_F(WebAgreementsTest, TheEmployeeWhoIsLegalDoesNotTrackTheirOwnNonCompete) {
  TestClient legal = LoggedIn("legal1");
  const std::string id = SignedNonCompete(legal, "2026-01-31");
  ASSERT_TRUE(vault_
                  ->Write([&](vault::WriteTxn& txn) -> Status {
                    CUSTOS_ASSIGN_OR_RETURN(vault::User u, vault::GetUser(txn, emp_.id));
                    u.roles.push_back(policy::Role::kLegal);
                    return vault::UpdateUser(txn, u);
                  })
                  .ok());
  TestClient emp = LoggedIn("emp");
  TestResponse own_release = emp.Call("POST", "/api/v1/noncompetes/" + id + "/release",
                                      R"({"on":"2026-03-01","note":"self"})");
  EXPECT_EQ(own_release.status, 403) << own_release.body;
  EXPECT_NE(own_release.body.find("noncompete.by_other"), std::string::npos) << own_release.body;
  TestResponse own_payment =
      emp.Call("POST", "/api/v1/noncompetes/" + id + "/payments",
               R"({"month":1,"amount_minor":99999900,"paid_on":"2026-03-02"})");
  EXPECT_EQ(own_payment.status, 403) << own_payment.body;
  EXPECT_NE(own_payment.body.find("noncompete.by_other"), std::string::npos) << own_payment.body;
  json::Value row =
      legal.Call("GET", "/api/v1/noncompetes?today=2026-04-01").Json()["noncompetes"].as_array()[0];
  EXPECT_TRUE(row["tracking"]["payments"].as_array().empty());
  EXPECT_EQ(row["status"]["phase"].as_string(), "restricted");
  TestResponse bad_note = legal.Call("POST", "/api/v1/noncompetes/" + id + "/release",
                                     R"({"on":"2026-03-01","note":"解除\u202e\u0007"})");
  EXPECT_EQ(bad_note.status, 400) << bad_note.body;
  EXPECT_NE(bad_note.body.find("note holds a"), std::string::npos) << bad_note.body;
  EXPECT_EQ(legal
                .Call("POST", "/api/v1/noncompetes/" + id + "/release",
                      R"({"on":"2026-03-01","note":"公司决定提前解除"})")
                .status,
            200);
}

// Interpretation (I) Art. 39 owes three extra months for a release during
// the restricted period only.
TEST_F(WebAgreementsTest, NonCompeteReleaseBeforeThePeriodOwesNothingExtra) {
  TestClient legal = LoggedIn("legal1");
  const std::string id = SignedNonCompete(legal, "2026-01-31");
  TestResponse released =
      legal.Call("POST", "/api/v1/noncompetes/" + id + "/release", R"({"on":"2026-01-20"})");
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(released.Json()["extra_months_owed"].as_int(), 0);
  json::Value st = legal.Call("GET", "/api/v1/noncompetes?today=2026-05-01")
                       .Json()["noncompetes"]
                       .as_array()[0]["status"];
  EXPECT_EQ(st["phase"].as_string(), "released_by_employer");
  EXPECT_EQ(st["release_extra_owed_minor"].as_int(), 0);
  EXPECT_EQ(st["overdue_months"].as_int(), 0);
}

TEST_F(WebAgreementsTest, NonCompeteReleaseAfterThePeriodIsRefused) {
  TestClient legal = LoggedIn("legal1");
  const std::string id = SignedNonCompete(legal, "2026-01-31");
  TestResponse late =
      legal.Call("POST", "/api/v1/noncompetes/" + id + "/release", R"({"on":"2030-01-01"})");
  EXPECT_EQ(late.status, 409) << late.body;
  EXPECT_NE(late.body.find("the restriction ended on"), std::string::npos) << late.body;
}

// The dashboard's `today` is for looking ahead; what is stored (which
// arrears were already alerted) follows the server's date alone. A date far
// in the future once silenced every later real alert for good.
TEST_F(WebAgreementsTest, AClientDateNeverSilencesRealAlerts) {
  TestClient legal = LoggedIn("legal1");
  // The server's date: 2027-01-15. The restriction started 2026-11-30: month
  // 1 is overdue by now, month 2 not yet.
  SignedNonCompete(legal, "2026-11-30");
  ASSERT_EQ(legal.Call("GET", "/api/v1/noncompetes?today=2099-01-01").status, 200);
  EXPECT_EQ(NonCompeteAlertRules(), std::vector<std::string>{"noncompete.one_month_unpaid"});
  // A month later, the second unpaid month is alerted.
  Advance(int64_t{31} * 86'400'000);
  legal = LoggedIn("legal1");  // the first session has expired meanwhile
  ASSERT_EQ(legal.Call("GET", "/api/v1/noncompetes").status, 200);
  EXPECT_EQ(NonCompeteAlertRules(), (std::vector<std::string>{"noncompete.one_month_unpaid",
                                                              "noncompete.two_months_unpaid"}));
}

// Alerts have one shape, whoever raised them: the non-compete tracker's and
// the access rules' come back from /api/v1/alerts with the same members
// (vault/access/alerts.h), so the auditor's page reads them alike.
TEST_F(WebAgreementsTest, NonCompeteAndRecordAlertsHaveOneShape) {
  TestClient legal = LoggedIn("legal1");
  SignedNonCompete(legal, "2026-11-30");
  ASSERT_EQ(legal.Call("GET", "/api/v1/noncompetes").status, 200);
  // Three refused views in a row raise anomaly.repeated_denials.
  vault::Caller writer;
  writer.user_id = author_.id;
  writer.place.ip = "127.0.0.1";
  vault::NewRecord rec;
  rec.name = "上海某客户";
  rec.classification = policy::Classification::kSecret;
  auto created = archive_->CreateRecord(writer, rec, "new customer");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  TestClient nobody = LoggedIn("nobody");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(nobody
                  .Call("POST", "/api/v1/records/" + created->id + "/view",
                        R"({"reason":"想看看这个客户的报价"})")
                  .status,
              403);
  }
  TestResponse r = LoggedIn("auditor").Call("GET", "/api/v1/alerts");
  ASSERT_EQ(r.status, 200) << r.body;
  std::map<std::string, json::Value> by_type;
  json::Value listed = r.Json();
  for (json::Value& a : listed["alerts"].as_array()) by_type[a["type"].as_string()] = a;
  ASSERT_EQ(by_type.count("noncompete_unpaid"), 1u) << r.body;
  ASSERT_EQ(by_type.count("anomaly.repeated_denials"), 1u) << r.body;
  for (auto& [type, a] : by_type) {
    SCOPED_TRACE(type);
    EXPECT_TRUE(a["severity"].is_string());
    EXPECT_FALSE(a["user_id"].as_string().empty());
    EXPECT_FALSE(a["record_id"].as_string().empty());
    EXPECT_GT(a["at"].as_int(), 0);
    EXPECT_GT(a["audit_seq"].as_int(), 0);
    EXPECT_FALSE(a["rule"].as_string().empty());
    EXPECT_TRUE(a["details"].is_object());
    EXPECT_TRUE(a["time"].is_string());
    EXPECT_TRUE(a["user"].is_object());
  }
  EXPECT_EQ(by_type["anomaly.repeated_denials"]["record_id"].as_string(), created->id);
  EXPECT_EQ(by_type["noncompete_unpaid"]["user_id"].as_string(), emp_.id);
}

}  // namespace
}  // namespace custos::web::testing
