// Records, loans, attachments, audit and policy routes over HTTP: the
// borrowing workflow end to end (request → approve → release → view ×3 →
// 4th denied by the quota rule), separation of duties, each route × a
// caller without the role and with it, and bad input.
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/web/test_client.h"

namespace custos::web::testing {
namespace {

class WebBorrowingTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    borrower_ = AddUser("borrower", {policy::Role::kBorrower});
    approver_ = AddUser("approver", {policy::Role::kApprover});
    custodian_ = AddUser("custodian", {policy::Role::kCustodian});
    manager_ = AddUser("manager", {policy::Role::kBorrower, policy::Role::kApprover});
    author2_ = AddUser("author2", {policy::Role::kAuthor});
  }

  // Creates a record over HTTP as the author; returns its id.
  std::string CreateRecord(TestClient& author, const std::string& classification,
                           const std::string& name = "深圳华南电子有限公司") {
    TestResponse r =
        author.Call("POST", "/api/v1/records",
                    R"({"name":")" + name + R"(","classification":")" + classification +
                        R"(","tags":["华南","电子"],"content":{"address":"深圳市南山区",)"
                        R"("agreed_prices":"单价 12.5 元"},"reason":"新客户建档"})");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.Json()["record"]["id"].as_string();
  }

  vault::User borrower_, approver_, custodian_, manager_, author2_;
};

std::string LoanId(const TestResponse& r) { return r.Json()["loan"]["id"].as_string(); }

TEST_F(WebBorrowingTest, RequestApproveReleaseViewThreeTimesFourthDenied) {
  TestClient author = LoggedIn("author");
  const std::string id = CreateRecord(author, "secret");

  TestResponse detail = author.Call("GET", "/api/v1/records/" + id);
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_EQ(detail.Json()["record"]["marking"]["zh"].as_string(), "机密");
  EXPECT_EQ(detail.Json()["record"]["content"].is_null(), true);  // never content here

  TestClient borrower = LoggedIn("borrower");
  // No loan yet: the policy refuses the view.
  EXPECT_EQ(borrower.Call("POST", "/api/v1/records/" + id + "/view", R"({"reason":"客户拜访准备"})")
                .status,
            403);
  TestResponse req = borrower.Call(
      "POST", "/api/v1/loans",
      R"({"record":")" + id + R"(","kind":"view","reason":"下周拜访客户，需了解报价历史"})");
  ASSERT_EQ(req.status, 201) << req.body;
  const std::string loan = LoanId(req);
  EXPECT_EQ(req.Json()["loan"]["state"].as_string(), "requested");

  TestClient approver = LoggedIn("approver");
  TestResponse queue = approver.Call("GET", "/api/v1/loans?scope=approve");
  ASSERT_EQ(queue.status, 200) << queue.body;
  ASSERT_EQ(queue.Json()["loans"].as_array().size(), 1u);
  EXPECT_EQ(queue.Json()["loans"].as_array()[0]["record_name"].as_string(), "深圳华南电子有限公司");

  // The borrower has no approver role: the router refuses.
  EXPECT_EQ(borrower.Call("POST", "/api/v1/loans/" + loan + "/approve", "{}").status, 403);
  TestResponse ok =
      approver.Call("POST", "/api/v1/loans/" + loan + "/approve", R"({"comment":"同意，限本周"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json()["loan"]["state"].as_string(), "approved");

  // Secret files need a custodian's release; the approver may not release.
  TestClient custodian = LoggedIn("custodian");
  TestResponse to_release = custodian.Call("GET", "/api/v1/loans?scope=release");
  ASSERT_EQ(to_release.status, 200);
  EXPECT_EQ(to_release.Json()["loans"].as_array().size(), 1u);
  EXPECT_EQ(approver.Call("POST", "/api/v1/loans/" + loan + "/release", "{}").status, 403);
  TestResponse released = custodian.Call("POST", "/api/v1/loans/" + loan + "/release", "{}");
  ASSERT_EQ(released.status, 200) << released.body;
  EXPECT_EQ(released.Json()["loan"]["state"].as_string(), "released");

  for (int i = 1; i <= 3; ++i) {
    TestResponse v =
        borrower.Call("POST", "/api/v1/records/" + id + "/view", R"({"reason":"客户拜访准备"})");
    ASSERT_EQ(v.status, 200) << v.body;
    EXPECT_EQ(v.Json()["views_left"].as_int(), 3 - i);
    EXPECT_EQ(v.Json()["watermark"]["viewer_name"].as_string(), "borrower");
    // The content as written, every field of the stored version's content
    // (also those the author left empty).
    EXPECT_EQ(v.Json()["content"]["address"].as_string(), "深圳市南山区");
    EXPECT_EQ(v.Json()["content"]["agreed_prices"].as_string(), "单价 12.5 元");
    EXPECT_EQ(v.Json()["content"], vault::RecordContent::FromJson(v.Json()["content"])->ToJson());
    EXPECT_EQ(v.Json()["version"].as_int(), 1);
  }
  TestResponse fourth =
      borrower.Call("POST", "/api/v1/records/" + id + "/view", R"({"reason":"客户拜访准备"})");
  EXPECT_EQ(fourth.status, 403) << fourth.body;
  EXPECT_EQ(fourth.ErrorCode(), "resource_exhausted");
  EXPECT_NE(fourth.Json()["error"]["message_en"].as_string().find("quota"), std::string::npos)
      << fourth.body;
  EXPECT_FALSE(fourth.Json()["error"]["message_zh"].as_string().empty());
  // Each language carries the decision's details: views used and the quota.
  EXPECT_NE(fourth.Json()["error"]["message_zh"].as_string().find("已查阅 3 次，上限 3 次"),
            std::string::npos)
      << fourth.body;
  EXPECT_EQ(fourth.Json()["error"]["message_en"].as_string().find("已查阅"), std::string::npos);

  TestResponse out = custodian.Call("GET", "/api/v1/loans?scope=out");
  ASSERT_EQ(out.status, 200);
  EXPECT_EQ(out.Json()["loans"].as_array().size(), 1u);
  TestResponse back =
      custodian.Call("POST", "/api/v1/loans/" + loan + "/return", R"({"comment":"收回"})");
  EXPECT_EQ(back.status, 200) << back.body;

  // The auditor finds it all.
  TestClient auditor = LoggedIn("auditor");
  TestResponse events = auditor.Call("GET", "/api/v1/audit/events?record=" + id + "&order=asc");
  ASSERT_EQ(events.status, 200) << events.body;
  int views_allowed = 0, views_denied = 0, approvals = 0;
  uint64_t a_seq = 0;
  const json::Value events_json = events.Json();
  for (const json::Value& e : events_json.Find("events")->as_array()) {
    const std::string action = e.Find("action")->as_string();
    if (action == "record.view") {
      (e.Find("decision")->as_string() == "allow" ? views_allowed : views_denied)++;
      a_seq = static_cast<uint64_t>(e.Find("seq")->as_int());
    }
  }
  TestResponse loan_events = auditor.Call("GET", "/api/v1/audit/events?record=" + loan);
  ASSERT_EQ(loan_events.status, 200);
  const json::Value loan_json = loan_events.Json();
  for (const json::Value& e : loan_json.Find("events")->as_array()) {
    if (e.Find("action")->as_string() == "loan.approve") ++approvals;
  }
  EXPECT_EQ(views_allowed, 3);
  EXPECT_EQ(views_denied, 2);  // before the loan, and the fourth
  EXPECT_EQ(approvals, 1);
  TestResponse denials =
      auditor.Call("GET", "/api/v1/audit/events?decision=deny&action=record&actor=borrower");
  ASSERT_EQ(denials.status, 200) << denials.body;
  EXPECT_EQ(denials.Json()["total"].as_int(), 2);
  EXPECT_FALSE(denials.Json()["more"].as_bool());
  // Each query's total of matching events.
  const auto expect_totals = [&](const std::vector<std::pair<std::string, int>>& cases) {
    for (const auto& [query, want] : cases) {
      TestResponse r = auditor.Call("GET", "/api/v1/audit/events?" + query);
      ASSERT_EQ(r.status, 200) << r.body;
      EXPECT_EQ(r.Json()["total"].as_int(), want) << query;
    }
  };
  // The same filters on the whole log (leaves skipped from their text): the
  // file's views, allowed and refused; a name that only begins an action
  // ("record.vie") matches nothing.
  expect_totals({{"decision=allow&action=record.view&record=" + id, views_allowed},
                 {"decision=deny&action=record.view&record=" + id, views_denied},
                 {"decision=deny&action=record.view", views_denied},
                 {"action=record.vie", 0}});
  // Pages: newest first by default, read from the end of the log; a page
  // that does not reach the other end says there is more instead of a total.
  TestResponse all = auditor.Call("GET", "/api/v1/audit/events?order=asc&limit=500");
  ASSERT_EQ(all.status, 200) << all.body;
  const json::Value all_json = all.Json();
  ASSERT_FALSE(all_json.Find("more")->as_bool());
  const json::Array& every = all_json.Find("events")->as_array();
  ASSERT_GE(every.size(), 10u);
  EXPECT_EQ(all_json.Find("total")->as_int(), static_cast<int64_t>(every.size()));
  auto seq_of = [](const json::Value& e) { return e.Find("seq")->as_int(); };
  TestResponse page = auditor.Call("GET", "/api/v1/audit/events?limit=2&offset=1");
  ASSERT_EQ(page.status, 200);
  const json::Value page_json = page.Json();
  const json::Array& newest = page_json.Find("events")->as_array();
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_TRUE(page_json.Find("more")->as_bool());
  EXPECT_EQ(page_json.Find("total"), nullptr);
  // Newest first, the newest one skipped. Each read of the log is logged
  // before it reads: `all` ended with its own audit.read event, and this
  // page's own event is the newest, skipped by offset=1.
  EXPECT_EQ(seq_of(newest[0]), seq_of(every.back()));
  EXPECT_EQ(seq_of(newest[1]), seq_of(every.back()) - 1);
  TestResponse first = auditor.Call("GET", "/api/v1/audit/events?order=asc&limit=3&offset=2");
  ASSERT_EQ(first.status, 200);
  const json::Value first_json = first.Json();
  const json::Array& oldest = first_json.Find("events")->as_array();
  ASSERT_EQ(oldest.size(), 3u);
  EXPECT_TRUE(first_json.Find("more")->as_bool());
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(seq_of(oldest[i]), seq_of(every[i + 2]));

  // Once the log is indexed (serve does it every second), refused attempts
  // come through the denials index: the same answers as above, and the
  // home page's newest denials are the refused events of the whole log,
  // newest first.
  ASSERT_GT(audit_->IndexPending().value(), 0u);
  expect_totals({{"decision=deny&action=record.view&record=" + id, views_denied},
                 {"decision=deny&action=record.view", views_denied},
                 {"decision=deny&action=record&actor=borrower", 2}});
  std::vector<int64_t> refused_in_log;
  for (auto e = every.rbegin(); e != every.rend(); ++e) {
    if (e->Find("decision")->as_string() == "deny") refused_in_log.push_back(seq_of(*e));
  }
  ASSERT_GE(refused_in_log.size(), 2u);
  if (refused_in_log.size() > 8) refused_in_log.resize(8);
  TestResponse home = auditor.Call("GET", "/api/v1/audit/events?decision=deny&limit=8");
  ASSERT_EQ(home.status, 200) << home.body;
  const json::Value home_json = home.Json();
  std::vector<int64_t> refused;
  for (const json::Value& e : home_json.Find("events")->as_array()) {
    EXPECT_EQ(e.Find("decision")->as_string(), "deny");
    refused.push_back(seq_of(e));
  }
  EXPECT_EQ(refused, refused_in_log);

  TestResponse alerts = auditor.Call("GET", "/api/v1/alerts");
  ASSERT_EQ(alerts.status, 200) << alerts.body;
  ASSERT_GE(alerts.Json()["alerts"].as_array().size(), 1u);
  EXPECT_EQ(alerts.Json()["alerts"].as_array()[0]["record_id"].as_string(), id);

  TestResponse cp = auditor.Call("GET", "/api/v1/audit/checkpoint");
  ASSERT_EQ(cp.status, 200) << cp.body;
  EXPECT_NE(cp.Json()["checkpoint"].as_string().find("\n\n"), std::string::npos);
  TestResponse proof =
      auditor.Call("GET", "/api/v1/audit/events/" + std::to_string(a_seq) + "/proof");
  ASSERT_EQ(proof.status, 200) << proof.body;
  EXPECT_EQ(proof.Json()["proof"].as_string().rfind("c2sp.org/tlog-proof@v1", 0), 0u) << proof.body;
  TestResponse no_event = auditor.Call("GET", "/api/v1/audit/events/999999/proof");
  EXPECT_EQ(no_event.status, 404);
  EXPECT_EQ(no_event.Json()["error"]["message_zh"].as_string(), "没有序号为 999999 的审计事件");

  // Reading the log is itself in the log.
  TestResponse reads = auditor.Call("GET", "/api/v1/audit/events?action=audit.read");
  ASSERT_EQ(reads.status, 200);
  EXPECT_GE(reads.Json()["total"].as_int(), 5);
  EXPECT_TRUE(archive_->audit_log().Verify().ok());
}

TEST_F(WebBorrowingTest, NoOneApprovesTheirOwnRequest) {
  TestClient author = LoggedIn("author");
  const std::string id = CreateRecord(author, "confidential");
  TestClient manager = LoggedIn("manager");
  TestResponse req = manager.Call("POST", "/api/v1/loans",
                                  R"({"record":")" + id + R"(","reason":"季度客户复盘需要查阅"})");
  ASSERT_EQ(req.status, 201) << req.body;
  // Listed for the manager (marked by requester), refused by the policy.
  TestResponse queue = manager.Call("GET", "/api/v1/loans?scope=approve");
  ASSERT_EQ(queue.status, 200);
  EXPECT_EQ(queue.Json()["loans"].as_array().size(), 1u);
  TestResponse own = manager.Call("POST", "/api/v1/loans/" + LoanId(req) + "/approve", "{}");
  EXPECT_EQ(own.status, 403) << own.body;
  EXPECT_EQ(own.ErrorCode(), "permission_denied");
  EXPECT_FALSE(own.Json()["error"]["message_zh"].as_string().empty());
  // Deny needs a comment; then it is denied.
  TestClient approver = LoggedIn("approver");
  EXPECT_EQ(approver.Call("POST", "/api/v1/loans/" + LoanId(req) + "/deny", "{}").status, 400);
  TestResponse denied = approver.Call("POST", "/api/v1/loans/" + LoanId(req) + "/deny",
                                      R"({"comment":"理由不充分"})");
  ASSERT_EQ(denied.status, 200) << denied.body;
  EXPECT_EQ(denied.Json()["loan"]["state"].as_string(), "denied");
  // Approving a denied loan is a state conflict, not a success.
  TestResponse again = approver.Call("POST", "/api/v1/loans/" + LoanId(req) + "/approve", "{}");
  EXPECT_GE(again.status, 400);
  EXPECT_LT(again.status, 500);
  // Mine lists it; a stranger cannot read it.
  TestResponse mine = manager.Call("GET", "/api/v1/loans");
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.Json()["loans"].as_array().size(), 1u);
  EXPECT_EQ(LoggedIn("author2").Call("GET", "/api/v1/loans/" + LoanId(req)).status, 404);
  EXPECT_EQ(manager.Call("GET", "/api/v1/loans/" + LoanId(req)).status, 200);

  // Asked twice, the second is refused naming the first; its requester may
  // withdraw an undecided request (with why), someone else may not, and
  // then it may be asked again.
  const std::string ask = R"({"record":")" + id + R"(","reason":"季度客户复盘需要查阅"})";
  TestResponse first = manager.Call("POST", "/api/v1/loans", ask);
  ASSERT_EQ(first.status, 201) << first.body;
  TestResponse twice = manager.Call("POST", "/api/v1/loans", ask);
  EXPECT_EQ(twice.status, 409) << twice.body;
  EXPECT_EQ(twice.Json()["error"]["rule"].as_string(), "loan.already_open");
  EXPECT_NE(twice.Json()["error"]["message_zh"].as_string().find(LoanId(first)), std::string::npos);
  const std::string withdraw = "/api/v1/loans/" + LoanId(first) + "/revoke";
  EXPECT_EQ(manager.Call("POST", withdraw, "{}").status, 400);  // why, required
  EXPECT_EQ(LoggedIn("author2").Call("POST", withdraw, R"({"comment":"不是我的"})").status, 403);
  TestResponse withdrawn = manager.Call("POST", withdraw, R"({"comment":"期限填错"})");
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_EQ(withdrawn.Json()["loan"]["state"].as_string(), "revoked");
  EXPECT_EQ(manager.Call("POST", "/api/v1/loans", ask).status, 201);
}

TEST_F(WebBorrowingTest, VersionsDiffOwnershipAndReassignment) {
  TestClient author = LoggedIn("author");
  const std::string id = CreateRecord(author, "confidential");
  TestResponse up = author.Call(
      "PUT", "/api/v1/records/" + id,
      R"({"name":"深圳华南电子有限公司","classification":"confidential","tags":["华南"],)"
      R"("content":{"address":"深圳市福田区","agreed_prices":"单价 12.5 元"},"reason":"客户搬迁"})");
  ASSERT_EQ(up.status, 200) << up.body;
  EXPECT_EQ(up.Json()["record"]["latest_version"].as_int(), 2);

  TestResponse versions = author.Call("GET", "/api/v1/records/" + id + "/versions");
  ASSERT_EQ(versions.status, 200);
  ASSERT_EQ(versions.Json()["versions"].as_array().size(), 2u);
  EXPECT_EQ(versions.Json()["versions"].as_array()[1]["reason"].as_string(), "客户搬迁");

  TestResponse diff = author.Call("POST", "/api/v1/records/" + id + "/diff",
                                  R"({"a":1,"b":2,"reason":"核对变更"})");
  ASSERT_EQ(diff.status, 200) << diff.body;
  bool address = false, tags = false;
  const json::Value diff_json = diff.Json();
  for (const json::Value& c : diff_json.Find("changes")->as_array()) {
    if (c.Find("field")->as_string() == "content.address") address = true;
    if (c.Find("field")->as_string().starts_with("meta.tags")) tags = true;
  }
  EXPECT_TRUE(address) << diff.body;
  EXPECT_TRUE(tags) << diff.body;

  // Someone else's update is refused by the policy.
  EXPECT_EQ(LoggedIn("author2")
                .Call("PUT", "/api/v1/records/" + id,
                      R"({"name":"x","classification":"public","reason":"试试"})")
                .status,
            403);

  // Reassignment: approvers only (router), then the policy.
  EXPECT_EQ(author
                .Call("POST", "/api/v1/records/" + id + "/owner",
                      R"({"owner":")" + author2_.id + R"(","reason":"离职交接"})")
                .status,
            403);
  TestClient approver = LoggedIn("approver");
  TestResponse moved = approver.Call("POST", "/api/v1/records/" + id + "/owner",
                                     R"({"owner":")" + author2_.id + R"(","reason":"离职交接"})");
  ASSERT_EQ(moved.status, 200) << moved.body;
  TestResponse owners = approver.Call("GET", "/api/v1/records/" + id + "/ownership");
  ASSERT_EQ(owners.status, 200) << owners.body;
  ASSERT_EQ(owners.Json()["ownership"].as_array().size(), 2u);
  EXPECT_EQ(owners.Json()["ownership"].as_array()[1]["to"]["username"].as_string(), "author2");
  EXPECT_EQ(owners.Json()["ownership"].as_array()[1]["reason"].as_string(), "离职交接");

  TestResponse people = author.Call("GET", "/api/v1/people");
  ASSERT_EQ(people.status, 200);
  EXPECT_GE(people.Json()["people"].as_array().size(), 5u);
  EXPECT_EQ(people.body.find("password"), std::string::npos);
}

TEST_F(WebBorrowingTest, RecordsOutOfSightAreNotFound) {
  TestClient author = LoggedIn("author");
  const std::string id = CreateRecord(author, "top_secret");
  TestClient nobody = LoggedIn("nobody");
  // Without search rights the search itself is refused (403); never 200.
  for (const std::string suffix : {"", "/versions", "/attachments", "/ownership"}) {
    const int status = nobody.Call("GET", "/api/v1/records/" + id + suffix).status;
    EXPECT_TRUE(status == 403 || status == 404) << suffix << " " << status;
  }
  EXPECT_EQ(author.Call("GET", "/api/v1/records/c-0000000000000000").status, 404);
}

TEST_F(WebBorrowingTest, AttachmentsUploadAndAuditedDownload) {
  TestClient author = LoggedIn("author");
  const std::string id = CreateRecord(author, "confidential");
  const std::string file(200000, 'x');
  TestResponse up = author.Send(
      "POST", "/api/v1/records/" + id + "/attachments?filename=%E6%8A%A5%E4%BB%B7.pdf&reason=scan",
      file,
      {{"Cookie", "custos_session=" + author.session_token}, {"X-CSRF-Token", author.csrf_token}},
      "application/pdf");
  ASSERT_EQ(up.status, 201) << up.body;
  const std::string att = up.Json()["attachment"]["id"].as_string();
  EXPECT_EQ(up.Json()["attachment"]["filename"].as_string(), "报价.pdf");
  EXPECT_EQ(up.Json()["attachment"]["size"].as_int(), 200000);

  TestResponse list = author.Call("GET", "/api/v1/records/" + id + "/attachments");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["attachments"].as_array().size(), 1u);

  // A borrower without a loan is refused; the owner downloads.
  TestClient borrower = LoggedIn("borrower");
  EXPECT_EQ(
      borrower.Call("POST", "/api/v1/attachments/" + att + "/download", R"({"reason":"想看看"})")
          .status,
      403);
  TestResponse down =
      author.Call("POST", "/api/v1/attachments/" + att + "/download", R"({"reason":"核对报价"})");
  ASSERT_EQ(down.status, 200);
  EXPECT_EQ(down.body, file);
  EXPECT_FALSE(down.Header("x-custos-audit-seq").empty());
  EXPECT_NE(down.Header("content-disposition").find("%E6%8A%A5"), std::string::npos);

  // Bad uploads.
  auto raw = [&](const std::string& query, const std::string& body) {
    return author.Send(
        "POST", "/api/v1/records/" + id + "/attachments" + query, body,
        {{"Cookie", "custos_session=" + author.session_token}, {"X-CSRF-Token", author.csrf_token}},
        "application/octet-stream");
  };
  EXPECT_EQ(raw("?reason=x", "abc").status, 400);                 // no filename
  EXPECT_EQ(raw("?filename=..&reason=x", "abc").status, 400);     // traversal name
  EXPECT_EQ(raw("?filename=a%2Fb&reason=x", "abc").status, 400);  // slash
  EXPECT_EQ(raw("?filename=a.txt", "abc").status, 400);           // no reason
  EXPECT_EQ(raw("?filename=a.txt&reason=x", "").status, 400);     // empty
  // Uploads are streamed: above the 1 MiB JSON body limit is fine...
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
  TestResponse big_up = raw("?filename=scan.bin&reason=x", big);
  ASSERT_EQ(big_up.status, 201) << big_up.body;
  EXPECT_EQ(big_up.Json()["attachment"]["size"].as_int(), 3 << 20);
  TestResponse big_down = author.Call(
      "POST", "/api/v1/attachments/" + big_up.Json()["attachment"]["id"].as_string() + "/download",
      R"({"reason":"核对扫描件"})");
  ASSERT_EQ(big_down.status, 200);
  EXPECT_EQ(big_down.body.size(), big.size());
  EXPECT_TRUE(big_down.body == big);
  EXPECT_EQ(list.status, 200);  // and the server is still up:
  EXPECT_EQ(author.Call("GET", "/api/v1/records/" + id + "/attachments").status, 200);
  // Without the CSRF header.
  EXPECT_EQ(
      author
          .Send("POST", "/api/v1/records/" + id + "/attachments?filename=a&reason=x", "abc",
                {{"Cookie", "custos_session=" + author.session_token}}, "application/octet-stream")
          .status,
      403);
  EXPECT_EQ(
      borrower.Call("POST", "/api/v1/attachments/a-0000000000000000/download", R"({"reason":"x"})")
          .status,
      404);
}

TEST_F(WebBorrowingTest, UploadsAreBoundedByMaxUploadBytes) {
  StartServer([](ServerOptions& o) { o.max_upload_bytes = 2 << 20; });
  TestClient author = LoggedIn("author");
  const std::string id = CreateRecord(author, "internal");
  auto upload = [&](size_t n) {
    return author.Send(
        "POST", "/api/v1/records/" + id + "/attachments?filename=f.bin&reason=x",
        std::string(n, 'z'),
        {{"Cookie", "custos_session=" + author.session_token}, {"X-CSRF-Token", author.csrf_token}},
        "application/octet-stream");
  };
  EXPECT_EQ(upload(2 << 20).status, 201);
  // Over it: 413 before the body is read (or the connection closed while
  // the client is still writing), and nothing stored.
  try {
    EXPECT_EQ(upload((2 << 20) + 1).status, 413);
  } catch (const std::exception&) {
    SUCCEED();
  }
  TestResponse list = author.Call("GET", "/api/v1/records/" + id + "/attachments");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.Json()["attachments"].as_array().size(), 1u);
}

TEST_F(WebBorrowingTest, PolicyViewAndApply) {
  TestClient admin = LoggedIn("admin");
  TestResponse p = admin.Call("GET", "/api/v1/policy?source=1");
  ASSERT_EQ(p.status, 200) << p.body;
  const std::string sha = p.Json()["sha256"].as_string();
  EXPECT_EQ(sha.size(), 64u);
  EXPECT_EQ(p.Json()["summary"]["classifications"].as_array().size(), 5u);
  const std::string xml = p.Json()["source"].as_string();

  json::Value body = json::Value::MakeObject();
  body["xml"] = xml;
  body["reason"] = "年度复核，未修改";
  TestResponse applied = admin.Call("POST", "/api/v1/policy", json::Serialize(body));
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(applied.Json()["sha256"].as_string(), sha);
  // The policy guards role grants with two administrators: changing it
  // takes two as well. The first is recorded; the same one again is
  // refused; a second administrator puts it in force.
  EXPECT_TRUE(applied.Json()["pending_second_approval"].as_bool());
  EXPECT_EQ(admin.Call("POST", "/api/v1/policy", json::Serialize(body)).status, 403);
  TestClient second = LoggedIn("everyone");
  TestResponse confirmed = second.Call("POST", "/api/v1/policy", json::Serialize(body));
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_FALSE(confirmed.Json()["pending_second_approval"].as_bool());
  EXPECT_TRUE(admin.Call("GET", "/api/v1/policy").Json()["summary"]["work_hours"].is_null());
  // Dates are days of China's calendar unless the policy says otherwise.
  EXPECT_EQ(
      admin.Call("GET", "/api/v1/policy").Json()["summary"]["calendar_utc_offset"].as_string(),
      "+08:00");
  json::Value rules = admin.Call("GET", "/api/v1/policy").Json()["summary"]["anomaly_rules"];
  EXPECT_EQ(rules["spike_factor"].as_int(), 3);
  EXPECT_EQ(rules["denials"].as_int(), 3);
  EXPECT_EQ(rules["denial_window_minutes"].as_int(), 15);

  // Working hours for the off-hours alert: shown as the policy says them.
  std::string with_hours = xml;
  with_hours.insert(with_hours.rfind("</custos-policy>"),
                    R"(<work-hours utc-offset="+08:00" start="08:30" end="18:00" days="mon tue )"
                    R"(wed thu fri sat"><holiday date="2026-10-01"/>)"
                    R"(<workday date="2026-10-11"/></work-hours>)");
  body["xml"] = with_hours;
  ASSERT_EQ(admin.Call("POST", "/api/v1/policy", json::Serialize(body)).status, 200);
  EXPECT_TRUE(admin.Call("GET", "/api/v1/policy").Json()["summary"]["work_hours"].is_null())
      << "not in force on one administrator's word";
  ASSERT_EQ(second.Call("POST", "/api/v1/policy", json::Serialize(body)).status, 200);
  json::Value hours = admin.Call("GET", "/api/v1/policy").Json()["summary"]["work_hours"];
  EXPECT_EQ(hours["utc_offset"].as_string(), "+08:00");
  EXPECT_EQ(hours["start"].as_string(), "08:30");
  EXPECT_EQ(hours["end"].as_string(), "18:00");
  EXPECT_EQ(hours["days"].as_array().size(), 6u);
  EXPECT_EQ(hours["days"].as_array()[5].as_string(), "sat");
  EXPECT_EQ(hours["holidays"].as_array()[0].as_string(), "2026-10-01");
  EXPECT_EQ(hours["workdays"].as_array()[0].as_string(), "2026-10-11");

  body["xml"] = "<policy";
  EXPECT_EQ(admin.Call("POST", "/api/v1/policy", json::Serialize(body)).status, 400);
  body["xml"] = 5;
  EXPECT_EQ(admin.Call("POST", "/api/v1/policy", json::Serialize(body)).status, 400);

  EXPECT_EQ(LoggedIn("auditor").Call("GET", "/api/v1/policy").status, 200);
  EXPECT_EQ(LoggedIn("author").Call("GET", "/api/v1/policy").status, 403);
  EXPECT_EQ(
      LoggedIn("auditor").Call("POST", "/api/v1/policy", R"({"xml":"x","reason":"y"})").status,
      403);
  TestResponse hist = admin.Call("GET", "/api/v1/policy");
  EXPECT_GE(hist.Json()["history"].as_array().size(), 2u);
}

// Each new route: a caller without the role is refused (by the router or
// the policy), one with it is served.
TEST_F(WebBorrowingTest, RolesPerRoute) {
  TestClient author = LoggedIn("author");
  TestClient borrower = LoggedIn("borrower");
  TestClient auditor = LoggedIn("auditor");
  TestClient admin = LoggedIn("admin");
  const std::string id = CreateRecord(author, "confidential");
  for (const char* path : {"/api/v1/audit/events", "/api/v1/audit/checkpoint",
                           "/api/v1/audit/events/0/proof", "/api/v1/alerts"}) {
    EXPECT_EQ(borrower.Call("GET", path).status, 403) << path;
    EXPECT_EQ(admin.Call("GET", path).status, 403) << path;  // admins do not read the log
    EXPECT_EQ(auditor.Call("GET", path).status, 200) << path;
  }
  EXPECT_EQ(borrower.Call("GET", "/api/v1/loans?scope=approve").status, 403);
  EXPECT_EQ(borrower.Call("GET", "/api/v1/loans?scope=release").status, 403);
  EXPECT_EQ(borrower.Call("GET", "/api/v1/loans?scope=overdue").status, 403);
  EXPECT_EQ(LoggedIn("custodian").Call("GET", "/api/v1/loans?scope=overdue").status, 200);
  EXPECT_EQ(auditor.Call("GET", "/api/v1/loans?scope=overdue").status, 200);
  // The auditor never reads content, even of an internal file.
  EXPECT_EQ(auditor.Call("POST", "/api/v1/records/" + id + "/view", R"({"reason":"检查"})").status,
            403);
  // An admin cannot create records (policy) nor approve loans (router).
  EXPECT_EQ(
      admin
          .Call("POST", "/api/v1/records", R"({"name":"x","classification":"public","reason":"r"})")
          .status,
      403);
  EXPECT_EQ(admin.Call("POST", "/api/v1/loans/l-0000000000000000/approve", "{}").status, 403);
  EXPECT_EQ(
      LoggedIn("nobody")
          .Call("POST", "/api/v1/loans", R"({"record":")" + id + R"(","reason":"看看客户资料"})")
          .status,
      403);
}

TEST_F(WebBorrowingTest, BadInput) {
  TestClient author = LoggedIn("author");
  TestClient auditor = LoggedIn("auditor");
  const std::string id = CreateRecord(author, "internal");
  struct Case {
    std::string method, path, body;
  };
  const Case cases[] = {
      {"POST", "/api/v1/records", R"({"name":"x","classification":"ultra","reason":"r"})"},
      {"POST", "/api/v1/records", R"({"name":5,"classification":"public","reason":"r"})"},
      {"POST", "/api/v1/records", R"({"name":"x","classification":"public"})"},
      {"POST", "/api/v1/records",
       R"({"name":"x","classification":"public","reason":"r","tags":"a"})"},
      {"POST", "/api/v1/records",
       R"({"name":"x","classification":"public","reason":"r","kind":"car"})"},
      {"POST", "/api/v1/records",
       R"({"name":"x","classification":"public","reason":"r","declassify_on":"2030-13-45"})"},
      {"POST", "/api/v1/records",
       R"({"name":"x","classification":"public","reason":"r","paper":1})"},
      // Content a client misspelt or mistyped is refused, not dropped.
      {"POST", "/api/v1/records",
       R"({"name":"x","classification":"public","reason":"r","content":{"note":"n"}})"},
      {"POST", "/api/v1/records",
       R"({"name":"x","classification":"public","reason":"r","content":{"contacts":"张"}})"},
      {"POST", "/api/v1/records", R"({"name":"x\n","classification":"public","reason":"r"})"},
      {"PUT", "/api/v1/records/" + id,
       R"({"name":"x","classification":"internal","reason":"r","content":{"adress":"上海"}})"},
      {"POST", "/api/v1/records/" + id + "/diff", R"({"a":"1","b":2,"reason":"r"})"},
      {"POST", "/api/v1/records/" + id + "/diff", R"({"a":0,"b":2,"reason":"r"})"},
      {"POST", "/api/v1/loans", R"({"record":")" + id + R"(","kind":"steal","reason":"r"})"},
      {"POST", "/api/v1/loans", R"({"record":")" + id + R"(","reason":"  "})"},
      {"POST", "/api/v1/loans", R"({"record":")" + id + R"(","reason":"查看客户\u0000资料"})"},
      {"POST", "/api/v1/loans", R"({"record":")" + id + R"(","reason":"查看\u202E客户资料"})"},
      {"POST", "/api/v1/loans", R"({"record":")" + id + R"(","reason":"r","due":"tomorrow"})"},
      {"POST", "/api/v1/loans", R"({"record":")" + id + R"(","reason":"r","paper":"yes"})"},
      {"POST", "/api/v1/loans", R"({"record":[],"reason":"r"})"},
      {"GET", "/api/v1/loans?scope=everything", ""},
  };
  for (const Case& c : cases) {
    TestResponse r = author.Call(c.method, c.path, c.body);
    EXPECT_EQ(r.status, 400) << c.method << " " << c.path << " " << c.body << " → " << r.body;
    EXPECT_EQ(r.ErrorCode(), "invalid_argument") << r.body;
    // Each says what is wrong in Chinese words of its own, not only the
    // code's general sentence (请求内容无效) before the English.
    const std::string zh = r.Json()["error"]["message_zh"].as_string();
    EXPECT_FALSE(zh.empty());
    EXPECT_NE(zh.rfind("请求内容无效", 0), 0u)
        << c.method << " " << c.path << " " << c.body << " → " << r.body;
  }
  for (const char* q : {"?decision=maybe", "?limit=x", "?limit=501", "?from=yesterday",
                        "?order=sideways", "?offset=-1"}) {
    EXPECT_EQ(auditor.Call("GET", std::string("/api/v1/audit/events") + q).status, 400) << q;
  }
  EXPECT_EQ(auditor.Call("GET", "/api/v1/audit/events/abc/proof").status, 400);
  EXPECT_EQ(auditor.Call("GET", "/api/v1/audit/events?from=2020-01-01T00:00:00Z&to=1").status, 200);
  EXPECT_EQ(author.Call("POST", "/api/v1/loans", "{not json").status, 400);
  EXPECT_EQ(author.Call("DELETE", "/api/v1/loans").status, 405);
  EXPECT_EQ(author.Call("GET", "/api/v1/loans/x/y/z").status, 404);
  // Loan ids that do not exist.
  TestClient approver = LoggedIn("approver");
  EXPECT_EQ(approver.Call("POST", "/api/v1/loans/l-0000000000000000/approve", "{}").status, 404);
  EXPECT_EQ(approver.Call("POST", "/api/v1/loans/l-0000000000000000/extend", R"({"due":5})").status,
            404);
  EXPECT_EQ(approver.Call("POST", "/api/v1/loans/l-0000000000000000/extend", "{}").status, 400);
  EXPECT_TRUE(archive_->audit_log().Verify().ok());
}

}  // namespace
}  // namespace custos::web::testing
