// The evidence API over HTTP: request (with a preview), approvals and their
// separation of duties, the export streamed after its event with the
// bundle's headers, a later download of the same bytes, the holds list and
// the hold badge on records, and a trusted timestamp from a TSA reached
// over HTTP (a local one the test runs).
#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/web/test_client.h"
#include "tests/web/test_tsa_server.h"
#include "vault/evidence/verify.h"
#include "vault/evidence/zip.h"
#include "vault/store/crypto.h"

namespace custos::web::testing {
namespace {

class EvidenceApiTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    litigation_ = AddUser("litigation", {policy::Role::kLitigation});
    approver_ = AddUser("approver", {policy::Role::kApprover});
    // The author's file, so the request has something to hold.
    vault::NewRecord r;
    r.name = "华东机电有限公司";
    r.classification = policy::Classification::kConfidential;
    r.content.agreed_prices = "A 型 95 元/件";
    vault::Caller c;
    c.user_id = author_.id;
    auto meta = archive_->CreateRecord(c, r, "新客户建档");
    ASSERT_TRUE(meta.ok()) << meta.status().ToString();
    record_id_ = meta->id;
  }

  std::string RequestBody(const std::string& case_ref) {
    json::Value b = json::Value::MakeObject();
    b["case"] = case_ref;
    b["purpose"] = "离职员工带走客户资料，诉前固定证据";
    json::Value people = json::Value::MakeArray();
    people.Push(author_.id);
    b["people"] = std::move(people);
    return json::Serialize(b);
  }

  // A request by litigation, approved; its id.
  std::string ApprovedRequest(TestClient& lit) {
    TestResponse created =
        lit.Call("POST", "/api/v1/evidence", RequestBody("(2026)沪0115民初1234号"));
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = created.Json()["request"]["id"].as_string();
    TestClient appr = LoggedIn("approver");
    TestResponse ok =
        appr.Call("POST", "/api/v1/evidence/" + id + "/approve", R"({"note":"同意"})");
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(ok.Json()["request"]["state"].as_string(), "approved");
    return id;
  }

  static vault::evidence::VerifyReport Verify(const std::string& zip) {
    auto reader = vault::evidence::ZipReader::OpenBytes(zip);
    EXPECT_TRUE(reader.ok()) << reader.status().ToString();
    auto report = vault::evidence::VerifyBundle(**reader);
    EXPECT_TRUE(report.ok());
    return *report;
  }

  vault::User litigation_, approver_;
  std::string record_id_;
};

TEST_F(EvidenceApiTest, RequestApproveExportDownloadOverHttp) {
  TestClient lit = LoggedIn("litigation");
  TestResponse preview = lit.Call("POST", "/api/v1/evidence/preview", RequestBody("案号"));
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(preview.Json()["preview"]["people"].as_int(), 1);
  EXPECT_GE(preview.Json()["preview"]["records"].as_int(), 1);

  TestResponse created =
      lit.Call("POST", "/api/v1/evidence", RequestBody("(2026)沪0115民初1234号"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = created.Json()["request"]["id"].as_string();
  EXPECT_EQ(created.Json()["request"]["state"].as_string(), "requested");

  // Export before approval, and approval by the requester's side, refused
  // with their rules.
  TestResponse early = lit.Call("POST", "/api/v1/evidence/" + id + "/export");
  EXPECT_EQ(early.status, 403);
  EXPECT_EQ(early.Json()["error"]["rule"].as_string(), "evidence.not_approved");
  TestResponse self = lit.Call("POST", "/api/v1/evidence/" + id + "/approve", "{}");
  EXPECT_EQ(self.status, 403);
  EXPECT_EQ(self.Json()["error"]["rule"].as_string(), "role.not_permitted");

  TestClient appr = LoggedIn("approver");
  TestResponse queue = appr.Call("GET", "/api/v1/evidence");
  ASSERT_EQ(queue.status, 200);
  ASSERT_EQ(queue.Json()["requests"].as_array().size(), 1u);
  TestResponse ok = appr.Call("POST", "/api/v1/evidence/" + id + "/approve", R"({"note":"同意"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_TRUE(ok.Json()["request"]["hold"]["active"].as_bool());

  // The record now shows its hold.
  TestResponse rec = LoggedIn("author").Call("GET", "/api/v1/records/" + record_id_);
  ASSERT_EQ(rec.status, 200) << rec.body;
  EXPECT_TRUE(rec.Json()["record"]["legal_hold"].as_bool());

  TestResponse bundle = lit.Call("POST", "/api/v1/evidence/" + id + "/export");
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_EQ(bundle.Header("content-type"), "application/zip");
  EXPECT_NE(bundle.Header("content-disposition").find("custos-evidence-" + id + "-1.zip"),
            std::string::npos);
  EXPECT_EQ(bundle.Header("x-custos-bundle-sha256"), HexEncode(vault::Sha256(bundle.body)));
  EXPECT_TRUE(Verify(bundle.body).ok());

  TestResponse again = lit.Call("POST", "/api/v1/evidence/" + id + "/exports/1/download");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.body, bundle.body);
  EXPECT_EQ(
      LoggedIn("author").Call("POST", "/api/v1/evidence/" + id + "/exports/1/download").status,
      403);
  EXPECT_EQ(lit.Call("POST", "/api/v1/evidence/" + id + "/exports/x/download").status, 400);

  TestResponse detail = LoggedIn("auditor").Call("GET", "/api/v1/evidence/" + id);
  ASSERT_EQ(detail.status, 200);
  json::Value body = detail.Json();
  ASSERT_EQ(body["request"]["exports"].as_array().size(), 1u);
  json::Value& exported = body["request"]["exports"].as_array()[0];
  EXPECT_EQ(exported["bundle_sha256"].as_string(), bundle.Header("x-custos-bundle-sha256"));
  EXPECT_EQ(exported["downloads"].as_array().size(), 1u);
  TestResponse holds = LoggedIn("auditor").Call("GET", "/api/v1/holds");
  ASSERT_EQ(holds.status, 200);
  ASSERT_EQ(holds.Json()["holds"].as_array().size(), 1u);
  EXPECT_EQ(LoggedIn("author").Call("GET", "/api/v1/holds").status, 403);

  TestResponse no_reason = lit.Call("POST", "/api/v1/evidence/" + id + "/hold/lift", "{}");
  EXPECT_EQ(no_reason.status, 400);
  TestResponse lifted =
      lit.Call("POST", "/api/v1/evidence/" + id + "/hold/lift", R"({"reason":"案件已结案"})");
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_FALSE(lifted.Json()["request"]["hold"]["active"].as_bool());
}

TEST_F(EvidenceApiTest, ExportCarriesATimestampFromTheConfiguredTsa) {
  auto tsa = vault::evidence::testing::TestTsa::Create();
  ASSERT_TRUE(tsa.ok()) << tsa.status().ToString();
  TestTsaServer tsa_server(**tsa);
  StartServer([&](ServerOptions& o) {
    o.tsa_url = tsa_server.url();
    o.tsa_ca_pem = (*tsa)->ca_pem();
  });
  TestClient lit = LoggedIn("litigation");
  const std::string id = ApprovedRequest(lit);
  TestResponse bundle = lit.Call("POST", "/api/v1/evidence/" + id + "/export");
  ASSERT_EQ(bundle.status, 200) << bundle.body;
  EXPECT_EQ(tsa_server.requests(), 1);
  const vault::evidence::VerifyReport report = Verify(bundle.body);
  ASSERT_TRUE(report.ok()) << report.failure->file << ": " << report.failure->message;
  EXPECT_TRUE(report.timestamped);

  // A TSA that answers nonsense stops the export before anything is recorded.
  tsa_server.set_behavior(TestTsaServer::Behavior::kHtml);
  TestResponse refused = lit.Call("POST", "/api/v1/evidence/" + id + "/export");
  EXPECT_EQ(refused.status, 409) << refused.body;
  TestResponse detail = lit.Call("GET", "/api/v1/evidence/" + id);
  EXPECT_EQ(detail.Json()["request"]["exports"].as_array().size(), 1u);
}

}  // namespace
}  // namespace custos::web::testing
