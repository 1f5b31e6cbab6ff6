#include "vault/people/employment.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "policy/rules.h"
#include "tests/vault/records_fixture.h"

namespace custos::vault {
namespace {

class EmploymentTest : public testing::ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    hr_ = AddUser("ma.hr", "马人事", {policy::Role::kHr});
  }

  json::Value LeafAt(uint64_t seq) {
    auto r = vault_->BeginRead();
    auto leaf = log_->Leaf(**r, seq);
    EXPECT_TRUE(leaf.ok());
    return *json::Parse(*leaf);
  }
  json::Value LastLeaf() { return LeafAt(LogSize() - 1); }

  User Reload(const User& u) {
    auto r = vault_->BeginRead();
    auto got = GetUser(**r, u.id);
    EXPECT_TRUE(got.ok());
    return got.ok() ? *got : User();
  }

  User hr_;
};

TEST_F(EmploymentTest, HrRegistersAResignationWithItsAuditEvent) {
  const uint64_t before = LogSize();
  auto u = RegisterResignation(*vault_, *log_, As(hr_), author_.id, "2026-03-02", "2026-04-01",
                               "个人原因");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->employment, policy::EmploymentState::kNoticeGiven);
  const User stored = Reload(author_);
  EXPECT_EQ(stored.employment, policy::EmploymentState::kNoticeGiven);
  EXPECT_EQ(stored.notice_date, "2026-03-02");
  EXPECT_EQ(stored.last_working_day, "2026-04-01");
  EXPECT_FALSE(stored.disabled);

  ASSERT_EQ(LogSize(), before + 1);
  json::Value e = LastLeaf();
  EXPECT_EQ(e.Find("action")->as_string(), "user.resignation.register");
  EXPECT_EQ(e.Find("decision")->as_string(), "allow");
  EXPECT_EQ(e.Find("outcome")->as_string(), "ok");
  EXPECT_EQ(e.Find("actor")->Find("id")->as_string(), hr_.id);
  EXPECT_EQ(e.Find("object")->Find("type")->as_string(), "user");
  EXPECT_EQ(e.Find("object")->Find("id")->as_string(), author_.id);
  EXPECT_EQ(e.Find("details")->Find("notice_date")->as_string(), "2026-03-02");
  EXPECT_EQ(e.Find("details")->Find("last_working_day")->as_string(), "2026-04-01");
  EXPECT_EQ(e.Find("reason")->as_string(), "个人原因");
  auto r = vault_->BeginRead();
  EXPECT_EQ(e.Find("policy")->as_string(), *CurrentPolicyDigest(**r));
  EXPECT_EQ(e.Find("details")->Find("previous_last_working_day"), nullptr);

  // A second registration in the notice period corrects the dates, and its
  // event says which dates it replaced.
  u = RegisterResignation(*vault_, *log_, As(hr_), author_.id, "2026-03-02", "2026-04-15", "");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(Reload(author_).last_working_day, "2026-04-15");
  const json::Value corrected = LastLeaf();
  EXPECT_EQ(corrected.Find("details")->Find("previous_notice_date")->as_string(), "2026-03-02");
  EXPECT_EQ(corrected.Find("details")->Find("previous_last_working_day")->as_string(),
            "2026-04-01");
  EXPECT_EQ(corrected.Find("details")->Find("last_working_day")->as_string(), "2026-04-15");
}

TEST_F(EmploymentTest, NonHrIsDeniedAndTheDenialIsAudited) {
  const uint64_t before = LogSize();
  for (const User& who : {admin_, author_, approver_}) {
    auto u = RegisterResignation(*vault_, *log_, As(who), borrower_.id, "2026-03-02", "2026-04-01",
                                 "试图");
    ASSERT_FALSE(u.ok()) << who.username;
    EXPECT_EQ(u.status().code(), StatusCode::kPermissionDenied) << u.status().ToString();
    json::Value e = LastLeaf();
    EXPECT_EQ(e.Find("action")->as_string(), "user.resignation.register");
    EXPECT_EQ(e.Find("decision")->as_string(), "deny");
    EXPECT_EQ(e.Find("outcome")->as_string(), "denied");
    EXPECT_EQ(e.Find("actor")->Find("id")->as_string(), who.id);
    EXPECT_EQ(e.Find("object")->Find("id")->as_string(), borrower_.id);
    EXPECT_FALSE(e.Find("rule")->as_string().empty());
  }
  EXPECT_EQ(LogSize(), before + 3);
  const User stored = Reload(borrower_);
  EXPECT_EQ(stored.employment, policy::EmploymentState::kActive);
  EXPECT_EQ(stored.last_working_day, "");

  // A denied caller cannot tell unknown ids from known ones.
  auto u = RegisterResignation(*vault_, *log_, As(author_), "u-0000000000000000", "2026-03-02",
                               "2026-04-01", "");
  EXPECT_EQ(u.status().code(), StatusCode::kPermissionDenied);
  // HR asking for an unknown id: 404, nothing committed.
  const uint64_t n = LogSize();
  u = RegisterResignation(*vault_, *log_, As(hr_), "u-0000000000000000", "2026-03-02", "2026-04-01",
                          "");
  EXPECT_EQ(u.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LogSize(), n);
}

TEST_F(EmploymentTest, BadDatesAreRefusedBeforeAnything) {
  const uint64_t before = LogSize();
  for (auto [notice, last] : std::vector<std::pair<std::string, std::string>>{
           {"2026-3-2", "2026-04-01"},
           {"2026-03-02", "2026/04/01"},
           {"", "2026-04-01"},
           {"2026-02-30", "2026-04-01"},
           {"2026-03-02", "2026-13-01"},
           {"2026-03-02", "2026-04-01T00:00:00Z"},
       }) {
    auto u = RegisterResignation(*vault_, *log_, As(hr_), author_.id, notice, last, "");
    EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument) << notice << " " << last;
  }
  EXPECT_EQ(LogSize(), before);
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kActive);
}

TEST_F(EmploymentTest, LastDayBeforeNoticeIsRefused) {
  auto u = RegisterResignation(*vault_, *log_, As(hr_), author_.id, "2026-04-02", "2026-04-01", "");
  EXPECT_EQ(u.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(u.status().message().find("before"), std::string::npos);
  // The same day is allowed (notice with immediate effect).
  u = RegisterResignation(*vault_, *log_, As(hr_), author_.id, "2026-04-01", "2026-04-01", "");
  EXPECT_TRUE(u.ok()) << u.status().ToString();
}

TEST_F(EmploymentTest, DepartedAfterTheLastDay) {
  ASSERT_TRUE(
      RegisterResignation(*vault_, *log_, As(hr_), author_.id, "2026-03-02", "2026-04-01", "")
          .ok());
  // On the last working day itself nothing changes.
  auto gone = MarkDeparted(*vault_, *log_, CivilDate{2026, 4, 1});
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  EXPECT_TRUE(gone->empty());
  EXPECT_EQ(Reload(author_).employment, policy::EmploymentState::kNoticeGiven);

  const uint64_t before = LogSize();
  gone = MarkDeparted(*vault_, *log_, CivilDate{2026, 4, 2});
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  ASSERT_EQ(gone->size(), 1u);
  EXPECT_EQ((*gone)[0].id, author_.id);
  const User stored = Reload(author_);
  EXPECT_EQ(stored.employment, policy::EmploymentState::kDeparted);
  EXPECT_TRUE(stored.disabled);
  EXPECT_EQ(stored.last_working_day, "2026-04-01");
  ASSERT_EQ(LogSize(), before + 1);
  json::Value e = LastLeaf();
  EXPECT_EQ(e.Find("action")->as_string(), "user.departed");
  EXPECT_EQ(e.Find("actor")->Find("id")->as_string(), "");
  EXPECT_EQ(e.Find("object")->Find("id")->as_string(), author_.id);
  EXPECT_EQ(e.Find("details")->Find("today")->as_string(), "2026-04-02");
  // Others are untouched; a second sweep finds nothing.
  EXPECT_EQ(Reload(borrower_).employment, policy::EmploymentState::kActive);
  gone = MarkDeparted(*vault_, *log_, CivilDate{2026, 5, 1});
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->empty());
  // A departed person's resignation cannot be registered again.
  auto u = RegisterResignation(*vault_, *log_, As(hr_), author_.id, "2026-05-01", "2026-05-02", "");
  EXPECT_EQ(u.status().code(), StatusCode::kFailedPrecondition);
  // And the departed person can no longer act.
  u = RegisterResignation(*vault_, *log_, As(author_), borrower_.id, "2026-05-01", "2026-05-02",
                          "");
  EXPECT_EQ(u.status().code(), StatusCode::kUnauthenticated);
  ASSERT_TRUE(log_->Verify().ok());
}

}  // namespace
}  // namespace custos::vault
