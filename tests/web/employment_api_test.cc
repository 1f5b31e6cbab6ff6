// The employment routes over HTTP: unauthenticated 401, wrong role 403
// (decided and audited by the vault), HR 200 and the user's state changes.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/web/test_client.h"

namespace custos::web::testing {
namespace {

class WebEmploymentTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    hr_ = AddUser("hr", {policy::Role::kHr});
  }
  std::string Path(const vault::User& u) { return "/api/v1/users/" + u.id + "/resignation"; }
  vault::User Reload(const vault::User& u) {
    auto r = vault_->BeginRead();
    auto got = vault::GetUser(**r, u.id);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : vault::User{};
  }
  uint64_t LogSize() {
    auto r = vault_->BeginRead();
    auto n = audit_->Size(**r);
    return n.ok() ? *n : 0;
  }
  // Legal drafts the departure notice of `who`, as registered with kBody,
  // and a second legal user sends it; its id. Adds legal1 and legal2.
  std::string SendDepartureNotice(const vault::User& who) {
    AddUser("legal1", {policy::Role::kLegal});
    AddUser("legal2", {policy::Role::kLegal});
    TestClient legal = LoggedIn("legal1");
    const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
    std::ifstream in(std::string(root != nullptr ? root : ".") +
                     "/contract-templates/examples/cn-departure-notice.fields.json");
    std::stringstream text;
    text << in.rdbuf();
    auto fields = json::Parse(text.str());
    EXPECT_TRUE(fields.ok());
    if (!fields.ok()) return "";
    (*fields)["last_working_day"] = "2027-02-09";  // as registered
    (*fields)["notice_date"] = "2027-01-15";
    (*fields)["has_noncompete"] = false;  // no non-compete signed
    TestResponse draft = legal.Call("POST", "/api/v1/agreements",
                                    R"({"template_id":"cn-departure-notice","employee_id":")" +
                                        who.id + R"(","classification":"confidential","fields":)" +
                                        json::Serialize(*fields) + "}");
    EXPECT_EQ(draft.status, 201) << draft.body;
    EXPECT_TRUE(draft.Json()["can_send"].as_bool()) << json::Serialize(draft.Json()["checks"]);
    const std::string id = draft.Json()["id"].as_string();
    EXPECT_EQ(legal.Call("POST", "/api/v1/agreements/" + id + "/submit").status, 200);
    TestResponse sent = LoggedIn("legal2").Call("POST", "/api/v1/agreements/" + id + "/send");
    EXPECT_EQ(sent.status, 200) << sent.body;
    return id;
  }

  // The author signs the notice SendDepartureNotice sent them, and legal1
  // countersigns it.
  void SignNotice(const std::string& notice) {
    const std::string password = std::string(R"({"password":")") + kPassword + "\"}";
    ASSERT_EQ(
        LoggedIn("author").Call("POST", "/api/v1/agreements/" + notice + "/sign", password).status,
        200);
    ASSERT_EQ(LoggedIn("legal1")
                  .Call("POST", "/api/v1/agreements/" + notice + "/countersign", password)
                  .status,
              200);
  }

  // The departure checklist's notice item of `who`, as HR reads it.
  json::Value NoticeItem(TestClient& hr, const vault::User& who) {
    TestResponse list = hr.Call("GET", "/api/v1/departures/" + who.id + "/checklist");
    const json::Value body = list.Json();
    const json::Value* checklist = body.Find("checklist");
    const json::Value* items = checklist != nullptr ? checklist->Find("items") : nullptr;
    if (list.status != 200 || items == nullptr || !items->is_array()) {
      ADD_FAILURE() << list.status << " " << list.body;
      return json::Value();
    }
    for (const json::Value& item : items->as_array()) {
      if (item.Find("id")->as_string() == "notice") return item;
    }
    ADD_FAILURE() << list.body;
    return json::Value();
  }

  vault::User hr_;
};

// The fixture's clock reads 2027-01-15 (UTC): notice given five days ago,
// the last working day still to come.
constexpr char kBody[] =
    R"({"notice_date":"2027-01-10","last_working_day":"2027-02-09","reason":"个人原因"})";

TEST_F(WebEmploymentTest, UnauthenticatedIs401) {
  TestClient anon = Client();
  EXPECT_EQ(anon.Send("POST", Path(author_), kBody).status, 401);
  EXPECT_EQ(anon.Send("GET", "/api/v1/employment").status, 401);
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kActive);
}

TEST_F(WebEmploymentTest, WrongRoleIs403AndAudited) {
  for (const char* name : {"author", "admin", "auditor"}) {
    TestClient c = LoggedIn(name);
    const uint64_t before = LogSize();
    TestResponse r = c.Call("POST", Path(author_), kBody);
    EXPECT_EQ(r.status, 403) << name << r.body;
    EXPECT_EQ(r.ErrorCode(), "permission_denied") << name;
    EXPECT_EQ(LogSize(), before + 1) << name;  // the refusal is an audit event
    EXPECT_EQ(c.Call("GET", "/api/v1/employment").status, 403) << name;
  }
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kActive);
  // Without the CSRF token even HR is refused.
  TestClient hr = LoggedIn("hr");
  TestResponse r =
      hr.Send("POST", Path(author_), kBody, {{"Cookie", "custos_session=" + hr.session_token}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.ErrorCode(), "csrf_token_invalid");
}

TEST_F(WebEmploymentTest, HrRegistersAndTheStateChanges) {
  TestClient hr = LoggedIn("hr");
  TestResponse r = hr.Call("POST", Path(author_), kBody);
  ASSERT_EQ(r.status, 200) << r.body;
  json::Value v = r.Json();
  EXPECT_EQ(v["user"]["id"].as_string(), author_.id);
  EXPECT_EQ(v["user"]["employment"].as_string(), "notice_given");
  EXPECT_EQ(v["user"]["last_working_day"].as_string(), "2027-02-09");
  const vault::User stored = Reload(author_);
  EXPECT_EQ(stored.employment, policy::EmploymentState::kNoticeGiven);
  EXPECT_EQ(stored.notice_date, "2027-01-10");
  EXPECT_EQ(stored.last_working_day, "2027-02-09");

  // The HR list shows it.
  TestResponse list = hr.Call("GET", "/api/v1/employment");
  ASSERT_EQ(list.status, 200) << list.body;
  bool seen = false;
  const json::Value people = list.Json();  // outlives the loop
  for (const json::Value& p : people.Find("people")->as_array()) {
    if (p.Find("id")->as_string() != author_.id) continue;
    seen = true;
    EXPECT_EQ(p.Find("employment")->as_string(), "notice_given");
    EXPECT_EQ(p.Find("notice_date")->as_string(), "2027-01-10");
  }
  EXPECT_TRUE(seen);

  // Errors: bad dates 400, last day before notice 400, unknown user 404.
  EXPECT_EQ(hr.Call("POST", Path(author_),
                    R"({"notice_date":"2027-1-10","last_working_day":"2027-02-09"})")
                .status,
            400);
  EXPECT_EQ(hr.Call("POST", Path(author_),
                    R"({"notice_date":"2027-01-11","last_working_day":"2027-01-10"})")
                .status,
            400);
  EXPECT_EQ(hr.Call("POST", Path(author_), "{}").status, 400);
  EXPECT_EQ(hr.Call("POST", "/api/v1/users/u-0000000000000000/resignation", kBody).status, 404);
  EXPECT_EQ(Reload(author_).last_working_day, "2027-02-09");
}

// A wrong year typed into a date is caught before anything is registered:
// a notice not yet given, a notice period over a year, and a last working
// day already past, which closes the account at the next sweep (a departure
// cannot be undone) and so is registered only once HR confirms it.
TEST_F(WebEmploymentTest, DatesThatAreProbablyATypoAreRefusedOrConfirmed) {
  TestClient hr = LoggedIn("hr");
  const uint64_t before = LogSize();
  TestResponse future = hr.Call("POST", Path(author_),
                                R"({"notice_date":"2027-03-01","last_working_day":"2027-03-31"})");
  EXPECT_EQ(future.status, 400) << future.body;
  EXPECT_NE(future.body.find("notice_date 2027-03-01 is in the future"), std::string::npos);
  TestResponse long_notice = hr.Call(
      "POST", Path(author_), R"({"notice_date":"2027-01-10","last_working_day":"2028-02-09"})");
  EXPECT_EQ(long_notice.status, 400) << long_notice.body;
  EXPECT_NE(long_notice.body.find("more than a year after the notice date"), std::string::npos);
  const std::string past = R"({"notice_date":"1927-01-10","last_working_day":"1927-02-09")";
  TestResponse asked = hr.Call("POST", Path(author_), past + "}");
  EXPECT_EQ(asked.status, 409) << asked.body;
  EXPECT_EQ(asked.ErrorCode(), "confirmation_required");
  EXPECT_NE(asked.Json()["error"]["message_zh"].as_string().find("1927-02-09"), std::string::npos);
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kActive);
  EXPECT_EQ(LogSize(), before);  // nothing decided, nothing recorded
  EXPECT_EQ(hr.Call("POST", Path(author_), past + R"(,"confirm_past_last_day":"yes"})").status,
            400);

  TestResponse confirmed =
      hr.Call("POST", Path(author_), past + R"(,"confirm_past_last_day":true})");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(Reload(author_).last_working_day, "1927-02-09");
}

// "Today" is the company's date (the policy's <calendar>, China's when it
// sets none), not the server's UTC date: at 16:00 in Beijing tomorrow's
// notice is still to come, and half an hour after midnight yesterday's last
// working day has passed.
TEST_F(WebEmploymentTest, TodayIsTheDateInBeijingNotInUtc) {
  now_ = *ParseRfc3339("2027-01-15T08:00:00Z");  // 16:00 on the 15th in Beijing
  TestClient hr = LoggedIn("hr");
  TestResponse early = hr.Call("POST", Path(author_),
                               R"({"notice_date":"2027-01-16","last_working_day":"2027-02-15"})");
  EXPECT_EQ(early.status, 400) << early.body;
  EXPECT_NE(early.body.find("notice_date 2027-01-16 is in the future"), std::string::npos);

  now_ = *ParseRfc3339("2027-01-15T16:30:00Z");  // 00:30 on the 16th in Beijing
  hr = LoggedIn("hr");                           // the session timed out meanwhile
  const std::string body = R"({"notice_date":"2027-01-10","last_working_day":"2027-01-15")";
  TestResponse asked = hr.Call("POST", Path(author_), body + "}");
  EXPECT_EQ(asked.status, 409) << asked.body;  // the last working day has passed
  EXPECT_EQ(asked.ErrorCode(), "confirmation_required");
  EXPECT_EQ(hr.Call("POST", Path(author_),
                    R"({"notice_date":"2027-01-16","last_working_day":"2027-02-15"})")
                .status,
            200);
}

// The employee stays: HR withdraws the resignation with a reason, and the
// answer says what that undid.
TEST_F(WebEmploymentTest, HrWithdrawsAResignationInTheNoticePeriod) {
  TestClient hr = LoggedIn("hr");
  const std::string withdraw = Path(author_) + "/withdraw";
  TestResponse nothing = hr.Call("POST", withdraw, R"({"reason":"登记有误"})");
  EXPECT_EQ(nothing.status, 409) << nothing.body;
  EXPECT_EQ(nothing.Json()["error"]["message_zh"].as_string(), "尚未登记该员工的离职");
  ASSERT_EQ(hr.Call("POST", Path(author_), kBody).status, 200);
  // Legal has sent the departure notice to sign.
  const std::string notice = SendDepartureNotice(author_);
  TestClient legal = LoggedIn("legal1");

  TestResponse no_reason = hr.Call("POST", withdraw, "{}");
  EXPECT_EQ(no_reason.status, 400);
  EXPECT_EQ(no_reason.Json()["error"]["message_zh"].as_string(), "事由（reason）为必填项");
  EXPECT_EQ(LoggedIn("author").Call("POST", withdraw, R"({"reason":"我不走了"})").status, 403);
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kNoticeGiven);

  TestResponse done = hr.Call("POST", withdraw, R"({"reason":"员工接受留任，销售总监批准"})");
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(done.Json()["user"]["employment"].as_string(), "active");
  EXPECT_EQ(done.Json()["user"]["last_working_day"].as_string(), "");
  EXPECT_TRUE(done.Json()["cancelled_handovers"].as_array().empty());
  EXPECT_EQ(done.Json()["confirmed_handovers"].as_int(), 0);
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kActive);
  // The notice, unsigned, is named for legal to recall.
  ASSERT_EQ(done.Json()["open_departure_notices"].as_array().size(), 1u);
  EXPECT_EQ(done.Json()["open_departure_notices"].as_array()[0].as_string(), notice);
  TestResponse recalled = legal.Call("POST", "/api/v1/agreements/" + notice + "/recall",
                                     R"({"note":"员工撤回离职，通知不再需要"})");
  ASSERT_EQ(recalled.status, 200) << recalled.body;
  EXPECT_EQ(recalled.Json()["state"].as_string(), "draft");
}

// A notice signed for a resignation that was then withdrawn belongs to that
// departure: the next one's checklist asks for a notice of its own.
TEST_F(WebEmploymentTest, ANoticeSignedForAWithdrawnResignationDoesNotCountForTheNext) {
  TestClient hr = LoggedIn("hr");
  ASSERT_EQ(hr.Call("POST", Path(author_), kBody).status, 200);
  const std::string notice = SendDepartureNotice(author_);
  ASSERT_NO_FATAL_FAILURE(SignNotice(notice));
  const auto notice_item = [&]() { return NoticeItem(hr, author_); };
  EXPECT_EQ(notice_item()["state"].as_string(), "done");

  TestResponse withdrawn = hr.Call("POST", Path(author_) + "/withdraw", R"({"reason":"员工留任"})");
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_TRUE(withdrawn.Json()["open_departure_notices"].as_array().empty());  // signed
  ASSERT_EQ(hr.Call("POST", Path(author_), kBody).status, 200);                // resigns again
  json::Value item = notice_item();
  EXPECT_EQ(item["state"].as_string(), "open");
  const json::Value* earlier = item["details"].Find("of_a_withdrawn_resignation");
  ASSERT_TRUE(earlier != nullptr && earlier->is_array()) << json::Serialize(item);
  ASSERT_EQ(earlier->as_array().size(), 1u);
  EXPECT_EQ(earlier->as_array()[0].as_string(), notice);
}

// A signed notice tells the leaver their last working day. Once HR
// corrects the dates, the notice tells them another day: the checklist
// opens the item again and says which notice no longer matches.
TEST_F(WebEmploymentTest, ASignedNoticeStopsCountingWhenTheDatesAreCorrected) {
  TestClient hr = LoggedIn("hr");
  ASSERT_EQ(hr.Call("POST", Path(author_), kBody).status, 200);
  const std::string notice = SendDepartureNotice(author_);
  ASSERT_NO_FATAL_FAILURE(SignNotice(notice));
  json::Value item = NoticeItem(hr, author_);
  EXPECT_EQ(item["state"].as_string(), "done");
  EXPECT_EQ(item["details"].Find("stale"), nullptr);

  ASSERT_EQ(
      hr.Call("POST", Path(author_),
              R"({"notice_date":"2027-01-10","last_working_day":"2027-02-20","reason":"更正"})")
          .status,
      200);
  item = NoticeItem(hr, author_);
  EXPECT_EQ(item["state"].as_string(), "open");
  const json::Value* stale = item["details"].Find("stale");
  ASSERT_TRUE(stale != nullptr && stale->as_array().size() == 1u) << json::Serialize(item);
  const json::Value& was = stale->as_array()[0];
  EXPECT_EQ(was.Find("agreement")->as_string(), notice);
  EXPECT_EQ(was.Find("last_working_day")->as_string(), "2027-02-09");
  EXPECT_EQ(item["details"]["now"]["last_working_day"].as_string(), "2027-02-20");
  // Corrected back, the signed notice matches again.
  ASSERT_EQ(hr.Call("POST", Path(author_), kBody).status, 200);
  EXPECT_EQ(NoticeItem(hr, author_)["state"].as_string(), "done");
}

// A refusal to sign puts the notice to the person; once the dates change,
// the refused notice says another last day, and the item opens again.
TEST_F(WebEmploymentTest, ARefusedNoticeStopsCountingWhenTheDatesAreCorrected) {
  TestClient hr = LoggedIn("hr");
  ASSERT_EQ(hr.Call("POST", Path(author_), kBody).status, 200);
  const std::string notice = SendDepartureNotice(author_);
  ASSERT_EQ(hr.Call("POST", "/api/v1/departures/" + author_.id + "/notice-refusal",
                    R"({"agreement":")" + notice + R"(","reason":"面谈时拒签，两人在场"})")
                .status,
            200);
  EXPECT_EQ(NoticeItem(hr, author_)["state"].as_string(), "done");
  ASSERT_EQ(
      hr.Call("POST", Path(author_),
              R"({"notice_date":"2027-01-10","last_working_day":"2027-02-20","reason":"更正"})")
          .status,
      200);
  json::Value item = NoticeItem(hr, author_);
  EXPECT_EQ(item["state"].as_string(), "open");
  ASSERT_NE(item["details"].Find("stale"), nullptr) << json::Serialize(item);
}

// A departure notice no longer needed (drafted with a wrong date, or the
// employee stays) is voided by legal: it leaves the employee's list and the
// checklist's unsigned notices, and stays on record.
TEST_F(WebEmploymentTest, ADepartureNoticeNoLongerNeededIsVoided) {
  TestClient hr = LoggedIn("hr");
  ASSERT_EQ(hr.Call("POST", Path(author_), kBody).status, 200);
  const std::string notice = SendDepartureNotice(author_);
  json::Value item = NoticeItem(hr, author_);
  ASSERT_EQ(item["details"]["unsigned"].as_array().size(), 1u) << json::Serialize(item);
  TestClient author = LoggedIn("author");
  ASSERT_EQ(author.Call("GET", "/api/v1/agreements").Json()["agreements"].as_array().size(), 1u);

  const std::string void_path = "/api/v1/agreements/" + notice + "/void";
  TestClient legal = LoggedIn("legal1");
  TestResponse bare = legal.Call("POST", void_path, "{}");
  EXPECT_EQ(bare.status, 400);
  EXPECT_EQ(bare.Json()["error"]["message_zh"].as_string(), "说明（note）为必填项");
  EXPECT_EQ(author.Call("POST", void_path, R"({"note":"不签"})").status, 403);
  TestResponse voided = legal.Call("POST", void_path, R"({"note":"最后工作日写错，重新起草"})");
  ASSERT_EQ(voided.status, 200) << voided.body;
  EXPECT_EQ(voided.Json()["state"].as_string(), "voided");
  EXPECT_EQ(legal.Call("POST", void_path, R"({"note":"再作废"})").status, 409);

  // Off the employee's list and the checklist; legal still reads it.
  EXPECT_TRUE(author.Call("GET", "/api/v1/agreements").Json()["agreements"].as_array().empty());
  item = NoticeItem(hr, author_);
  EXPECT_TRUE(item["details"]["unsigned"].as_array().empty()) << json::Serialize(item);
  EXPECT_EQ(item["state"].as_string(), "open");
  EXPECT_EQ(legal.Call("GET", "/api/v1/agreements/" + notice).status, 200);
  // A refusal to sign it is not recorded: there is nothing to sign.
  TestResponse refusal = hr.Call("POST", "/api/v1/departures/" + author_.id + "/notice-refusal",
                                 R"({"reason":"拒签","agreement":")" + notice + "\"}");
  EXPECT_EQ(refusal.status, 409) << refusal.body;
  // Withdrawing the resignation names no open notice.
  TestResponse withdrawn = hr.Call("POST", Path(author_) + "/withdraw", R"({"reason":"员工留任"})");
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_TRUE(withdrawn.Json()["open_departure_notices"].as_array().empty());
}

}  // namespace
}  // namespace custos::web::testing
