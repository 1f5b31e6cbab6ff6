// The records routes over HTTP: search and the audited, quota-counted view.
#include <string>

#include <gtest/gtest.h>

#include "tests/web/test_client.h"

namespace custos::web::testing {
namespace {

using WebRecordsTest = WebTest;

TEST_F(WebRecordsTest, OwnerSearchesAndViewsWithReason) {
  vault::Caller caller;
  caller.user_id = author_.id;
  caller.place.ip = "127.0.0.1";
  vault::NewRecord rec;
  rec.name = "上海某客户";
  rec.classification = policy::Classification::kConfidential;
  auto created = archive_->CreateRecord(caller, rec, "new customer");
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  TestClient author = LoggedIn("author");
  TestResponse found = author.Call("GET", "/api/v1/records?q=%E4%B8%8A%E6%B5%B7");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.Json()["total"].as_int(), 1);

  EXPECT_EQ(author.Call("GET", "/api/v1/records?limit=abc").status, 400);
  // A number out of range is named as such, with the bound, whatever its
  // length (not "must be a number").
  for (const char* limit : {"1001", "999999", "99999999999999999999999"}) {
    TestResponse r = author.Call("GET", std::string("/api/v1/records?limit=") + limit);
    EXPECT_EQ(r.status, 400) << limit;
    EXPECT_NE(r.body.find("limit is too large (at most 1000)"), std::string::npos) << r.body;
  }
  EXPECT_NE(
      author.Call("GET", "/api/v1/records?limit=-1").body.find("limit must be a whole number"),
      std::string::npos);
  EXPECT_EQ(author.Call("GET", "/api/v1/records?limit=1000").status, 200);
  EXPECT_EQ(author.Call("GET", "/api/v1/records?classification=ultra").status, 400);

  TestResponse view = author.Call("POST", "/api/v1/records/" + created->id + "/view",
                                  R"({"reason":"prepare the customer visit"})");
  ASSERT_EQ(view.status, 200) << view.body;
  json::Value v = view.Json();
  EXPECT_EQ(v["watermark"]["viewer_id"].as_string(), author_.id);
  EXPECT_GE(v["watermark"]["audit_seq"].as_int(), 0);
  EXPECT_EQ(author.Call("POST", "/api/v1/records/" + created->id + "/view", "{}").status, 400);
  EXPECT_EQ(
      author.Call("POST", "/api/v1/records/c-0000000000000000/view", R"({"reason":"x"})").status,
      404);

  // Someone with no grant is refused by the policy.
  TestClient nobody = LoggedIn("nobody");
  TestResponse denied =
      nobody.Call("POST", "/api/v1/records/" + created->id + "/view", R"({"reason":"curious"})");
  EXPECT_EQ(denied.status, 403) << denied.body;
}

}  // namespace
}  // namespace custos::web::testing
