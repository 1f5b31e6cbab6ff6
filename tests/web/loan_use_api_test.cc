// Loan extension, the audited copy / print / export under a loan of that kind
// (POST /api/v1/records/{id}/use), the "open" list approvers extend from, and
// policy refusals answered with their rule and the rule's message in both
// languages.
#include <string>

#include <gtest/gtest.h>

#include "base/time.h"
#include "policy/engine.h"
#include "tests/web/test_client.h"

namespace custos::web::testing {
namespace {

constexpr int64_t kHour = int64_t{3600} * 1000;

class WebLoanUseTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    borrower_ = AddUser("borrower", {policy::Role::kBorrower});
    approver_ = AddUser("approver", {policy::Role::kApprover});
    approver2_ = AddUser("approver2", {policy::Role::kApprover});
  }

  std::string CreateRecord(const std::string& classification) {
    TestClient author = LoggedIn("author");
    TestResponse r = author.Call(
        "POST", "/api/v1/records",
        R"({"name":"苏州恒通精密机械有限公司","classification":")" + classification +
            R"(","content":{"address":"苏州工业园区星湖街 88 号","agreed_prices":"7.9 元/件"},)"
            R"("reason":"新客户建档"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json()["record"]["id"].as_string();
  }

  // Requests a loan as the borrower and has it approved; returns its id.
  std::string ApprovedLoan(const std::string& record, const std::string& kind, int64_t due = 0) {
    TestClient borrower = LoggedIn("borrower");
    std::string body = R"({"record":")" + record + R"(","kind":")" + kind +
                       R"(","reason":"下周拜访客户需要打印报价单")";
    if (due != 0) body += R"(,"due":)" + std::to_string(due);
    body += "}";
    TestResponse req = borrower.Call("POST", "/api/v1/loans", body);
    EXPECT_EQ(req.status, 201) << req.body;
    const std::string id = req.Json()["loan"]["id"].as_string();
    TestResponse ok =
        LoggedIn("approver")
            .Call("POST", "/api/v1/loans/" + id + "/approve", R"({"comment":"同意"})");
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.Json()["loan"]["state"].as_string(), "approved");
    return id;
  }

  // The policy refusal shape: 403, the rule, and the rule's own messages
  // (in Chinese followed by the decision's details, if any).
  static void ExpectRefusal(const TestResponse& r, std::string_view rule) {
    EXPECT_EQ(r.status, 403) << r.body;
    json::Value body = r.Json();
    const json::Value& e = body["error"];
    ASSERT_NE(e.Find("rule"), nullptr) << r.body;
    EXPECT_EQ(e.Find("rule")->as_string(), rule) << r.body;
    const auto text = policy::MessagesForRule(rule);
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(e.Find("message_zh")->as_string().rfind(std::string(text->zh), 0), 0u) << r.body;
    EXPECT_EQ(e.Find("message_en")->as_string().rfind(std::string(rule) + ": ", 0), 0u) << r.body;
  }

  vault::User borrower_, approver_, approver2_;
};

TEST_F(WebLoanUseTest, ApproverExtendsAnOpenLoan) {
  const std::string record = CreateRecord("confidential");
  const int64_t now = NowMillis();  // the vault decides on its own clock
  const std::string loan = ApprovedLoan(record, "view", now + 24 * kHour);
  TestClient approver = LoggedIn("approver");
  TestClient borrower = LoggedIn("borrower");

  // The open list is the approvers'.
  EXPECT_EQ(borrower.Call("GET", "/api/v1/loans?scope=open").status, 403);
  TestResponse open = approver.Call("GET", "/api/v1/loans?scope=open");
  ASSERT_EQ(open.status, 200) << open.body;
  ASSERT_EQ(open.Json()["loans"].as_array().size(), 1u);
  EXPECT_EQ(open.Json()["loans"].as_array()[0]["id"].as_string(), loan);

  // Only approvers extend; beyond the longest loan is the policy's refusal.
  EXPECT_EQ(borrower
                .Call("POST", "/api/v1/loans/" + loan + "/extend",
                      R"({"due":)" + std::to_string(now + 48 * kHour) + "}")
                .status,
            403);
  ExpectRefusal(approver.Call("POST", "/api/v1/loans/" + loan + "/extend",
                              R"({"due":)" + std::to_string(now + 100 * kHour) + "}"),
                policy::rules::kLoanTooLong);
  const int64_t new_due = now + 48 * kHour;
  TestResponse ext = approver.Call(
      "POST", "/api/v1/loans/" + loan + "/extend",
      R"({"due":)" + std::to_string(new_due) + R"(,"comment":"客户推迟会面，延期一天"})");
  ASSERT_EQ(ext.status, 200) << ext.body;
  EXPECT_EQ(ext.Json()["loan"]["due"].as_int(), new_due);
  EXPECT_EQ(ext.Json()["loan"]["extension_due"].as_int(), 0);
  // The borrower sees the new due time.
  TestResponse mine = borrower.Call("GET", "/api/v1/loans/" + loan);
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.Json()["loan"]["due"].as_int(), new_due);
  // Earlier than the current due is no extension.
  ExpectRefusal(approver.Call("POST", "/api/v1/loans/" + loan + "/extend",
                              R"({"due":)" + std::to_string(now + 30 * kHour) + "}"),
                policy::rules::kLoanInvalidDue);
}

TEST_F(WebLoanUseTest, PrintNeedsItsOwnLoanAndIsAudited) {
  const std::string record = CreateRecord("confidential");
  TestClient borrower = LoggedIn("borrower");
  const std::string path = "/api/v1/records/" + record + "/use";
  // No loan: refused, with the rule and both languages.
  TestResponse none = borrower.Call("POST", path, R"({"action":"print","reason":"打印报价单"})");
  EXPECT_EQ(none.status, 403) << none.body;
  EXPECT_FALSE(none.Json()["error"]["rule"].as_string().empty()) << none.body;

  // A view loan allows no print: each kind is approved on its own.
  ApprovedLoan(record, "view");
  EXPECT_EQ(borrower.Call("POST", path, R"({"action":"print","reason":"打印报价单"})").status, 403);

  const std::string loan = ApprovedLoan(record, "print");
  TestResponse printed = borrower.Call("POST", path, R"({"action":"print","reason":"打印报价单"})");
  ASSERT_EQ(printed.status, 200) << printed.body;
  json::Value p = printed.Json();
  EXPECT_EQ(p["action"].as_string(), "print");
  EXPECT_EQ(p["classification"].as_string(), "confidential");
  EXPECT_EQ(p["marking"]["zh"].as_string(), "秘密");
  EXPECT_EQ(p["content"]["address"].as_string(), "苏州工业园区星湖街 88 号");
  EXPECT_EQ(p["watermark"]["viewer_id"].as_string(), borrower_.id);
  EXPECT_GT(p["watermark"]["audit_seq"].as_int(), 0);
  EXPECT_FALSE(p["watermark"]["time"].as_string().empty());
  EXPECT_EQ(p["loan"].as_string(), loan);
  EXPECT_EQ(p["rule"].as_string(), policy::rules::kAllowUseLoan);
  EXPECT_EQ(borrower.Call("GET", "/api/v1/loans/" + loan).Json()["loan"]["state"].as_string(),
            "active");

  // A print loan allows neither copy nor export.
  for (const char* action : {"copy", "export"}) {
    TestResponse r = borrower.Call(
        "POST", path, R"({"action":")" + std::string(action) + R"(","reason":"打印报价单"})");
    EXPECT_EQ(r.status, 403) << action << r.body;
  }

  // The auditor finds the print, allowed, with the seq the watermark shows.
  TestResponse events =
      LoggedIn("auditor").Call("GET", "/api/v1/audit/events?action=record.print&record=" + record);
  ASSERT_EQ(events.status, 200) << events.body;
  bool found = false;
  json::Value listed = events.Json();
  for (const json::Value& e : listed["events"].as_array()) {
    if (e.Find("seq")->as_int() == p["watermark"]["audit_seq"].as_int()) {
      found = true;
      EXPECT_EQ(e.Find("decision")->as_string(), "allow");
      EXPECT_EQ(e.Find("reason")->as_string(), "打印报价单");
    }
  }
  EXPECT_TRUE(found) << events.body;
  EXPECT_TRUE(archive_->audit_log().Verify().ok());
}

TEST_F(WebLoanUseTest, CopyAndExportUnderTheirLoans) {
  const std::string record = CreateRecord("internal");
  TestClient borrower = LoggedIn("borrower");
  const std::string path = "/api/v1/records/" + record + "/use";
  ApprovedLoan(record, "copy");
  ApprovedLoan(record, "export");
  for (const char* action : {"copy", "export"}) {
    TestResponse r = borrower.Call(
        "POST", path, R"({"action":")" + std::string(action) + R"(","reason":"整理客户资料"})");
    ASSERT_EQ(r.status, 200) << action << r.body;
    EXPECT_EQ(r.Json()["action"].as_string(), action);
    EXPECT_EQ(r.Json()["marking"]["en"].as_string(), "Internal");
  }
  EXPECT_EQ(borrower.Call("POST", path, R"({"action":"print","reason":"整理客户资料"})").status,
            403);
}

TEST_F(WebLoanUseTest, UseRoleAndBadInput) {
  const std::string record = CreateRecord("confidential");
  const std::string path = "/api/v1/records/" + record + "/use";
  TestClient borrower = LoggedIn("borrower");
  for (const char* body : {R"({"action":"steal","reason":"r"})", R"({"reason":"r"})",
                           R"({"action":"print","reason":5})", R"({"action":"view","reason":"r"})",
                           R"({"action":"print"})"}) {
    TestResponse r = borrower.Call("POST", path, body);
    EXPECT_EQ(r.status, 400) << body << " → " << r.body;
    EXPECT_EQ(r.ErrorCode(), "invalid_argument");
  }
  EXPECT_EQ(Client().Send("POST", path, R"({"action":"print","reason":"r"})").status, 401);
  EXPECT_EQ(borrower
                .Call("POST", "/api/v1/records/c-0000000000000000/use",
                      R"({"action":"print","reason":"打印"})")
                .status,
            404);
  // Content-blind roles never print content, even with the role to ask.
  TestResponse auditor =
      LoggedIn("auditor").Call("POST", path, R"({"action":"print","reason":"检查打印"})");
  EXPECT_EQ(auditor.status, 403) << auditor.body;
  EXPECT_TRUE(archive_->audit_log().Verify().ok());
}

TEST_F(WebLoanUseTest, RefusalsCarryTheRuleInBothLanguages) {
  AddUser("manager", {policy::Role::kBorrower, policy::Role::kApprover});
  const std::string record = CreateRecord("confidential");
  TestClient manager = LoggedIn("manager");
  TestResponse req = manager.Call("POST", "/api/v1/loans",
                                  R"({"record":")" + record + R"(","reason":"季度客户复盘需要"})");
  ASSERT_EQ(req.status, 201) << req.body;
  ExpectRefusal(
      manager.Call("POST", "/api/v1/loans/" + req.Json()["loan"]["id"].as_string() + "/approve",
                   "{}"),
      policy::rules::kSodRequesterNotApprover);

  // The three-views rule: resource_exhausted, still with its rule.
  ApprovedLoan(record, "view");
  TestClient borrower = LoggedIn("borrower");
  const std::string view = "/api/v1/records/" + record + "/view";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(borrower.Call("POST", view, R"({"reason":"客户拜访准备"})").status, 200);
  }
  TestResponse fourth = borrower.Call("POST", view, R"({"reason":"客户拜访准备"})");
  EXPECT_EQ(fourth.ErrorCode(), "resource_exhausted");
  ExpectRefusal(fourth, policy::rules::kQuotaExhausted);

  // Errors that are not the policy's say what is wrong, in Chinese too, and
  // name no rule.
  TestResponse bad = borrower.Call("POST", "/api/v1/loans", R"({"record":[],"reason":"r"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["error"].Find("rule"), nullptr);
  EXPECT_EQ(bad.Json()["error"]["message_zh"].as_string(), "档案（record）须为文本");
}

}  // namespace
}  // namespace custos::web::testing
