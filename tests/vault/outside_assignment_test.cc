// anomaly.outside_assignment (policy/anomaly.h, vault/people/handover.h
// OutsideAssignment): views of customer files that are neither the viewer's,
// nor their department's, nor handed to them raise one alert a day above the
// policy's threshold; the departure report lists those files apart.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/vault/records_fixture.h"
#include "vault/people/departure_report.h"
#include "vault/people/employment.h"
#include "vault/people/handover.h"

namespace custos::vault {
namespace {

class OutsideAssignmentTest : public testing::ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    SetDepartment(&author_, "销售一部");
    SetDepartment(&borrower_, "销售二部");
    SetDepartment(&borrower2_, "销售一部");
    hr_ = AddUser("ma.hr", "马人事", {policy::Role::kHr});
    for (int i = 0; i < 5; ++i) {
      records_.push_back(
          MakeRecord(policy::Classification::kInternal, "华东客户 " + std::to_string(i), {"华东"}));
    }
  }

  void SetDepartment(User* u, const std::string& department) {
    u->department = department;
    ASSERT_TRUE(vault_->Write([&](WriteTxn& txn) { return UpdateUser(txn, *u); }).ok());
  }

  std::vector<json::Value> OutsideAlerts(const User& u) {
    std::vector<json::Value> out;
    for (json::Value& a : Alerts()) {
      if (a["type"].as_string() == "anomaly.outside_assignment" &&
          a["user_id"].as_string() == u.id) {
        out.push_back(a);
      }
    }
    return out;
  }

  User hr_;
  std::vector<RecordMeta> records_;
};

TEST_F(OutsideAssignmentTest, AnotherTeamsFilesRaiseOneAlertADayAboveTheThreshold) {
  // Three are within the threshold; the fourth crosses it; the fifth is the
  // same day and raises nothing more.
  for (int i = 0; i < 5; ++i) {
    auto v = archive_->View(As(borrower_), records_[i].id, "了解客户情况");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(OutsideAlerts(borrower_).size(), i < 3 ? 0u : 1u) << "after view " << i + 1;
  }
  json::Value alert = OutsideAlerts(borrower_)[0];
  EXPECT_EQ(alert["record_id"].as_string(), records_[3].id);
  EXPECT_EQ(alert["details"]["attempts_today"].as_int(), 4);
  EXPECT_EQ(alert["details"]["threshold"].as_int(), 3);
  EXPECT_EQ(alert["details"]["action"].as_string(), "record.view");
  ASSERT_EQ(alert["details"]["records"].as_array().size(), 4u);
  EXPECT_EQ(alert["details"]["records"].as_array()[0].as_string(), records_[0].id);

  // A colleague of the same department, and the owner, are inside it.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(archive_->View(As(borrower2_), records_[i].id, "同组客户跟进").ok());
    ASSERT_TRUE(archive_->View(As(author_), records_[i].id, "本人客户").ok());
  }
  EXPECT_TRUE(OutsideAlerts(borrower2_).empty());
  EXPECT_TRUE(OutsideAlerts(author_).empty());
}

// A customer file may name a territory; whoever covers it (as a territory
// an administrator gave them, or as their department) has it in their
// assignment whoever owns it. Someone with no department but a territory is
// judged too.
TEST_F(OutsideAssignmentTest, TheTerritoriesSomeoneCoversAreInsideTheirAssignment) {
  NewRecord south;
  south.name = "广州恒通机电有限公司";
  south.classification = policy::Classification::kInternal;
  south.custodian_id = custodian_.id;
  south.territory = "华南区";
  auto m = archive_->CreateRecord(As(author_), south, "新客户建档");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->territory, "华南区");
  EXPECT_EQ(archive_->View(As(author_), m->id, "核对").value().meta.territory, "华南区");

  auto outside = [&](const User& u, const RecordMeta& r) {
    auto txn = vault_->BeginRead();
    EXPECT_TRUE(txn.ok());
    return OutsideAssignment(**txn, u, r).value();
  };
  EXPECT_TRUE(outside(borrower_, *m));  // 销售二部, covering nothing
  borrower_.territories = {"华南区"};
  ASSERT_TRUE(vault_->Write([&](WriteTxn& txn) { return UpdateUser(txn, borrower_); }).ok());
  EXPECT_FALSE(outside(borrower_, *m));
  EXPECT_TRUE(outside(borrower_, records_[0]));  // 华东, no territory: still the owner's team's

  // A department named like the territory covers it too.
  SetDepartment(&borrower2_, "华南区");
  EXPECT_FALSE(outside(borrower2_, *m));

  // Views by the territory's coverer raise nothing; someone without a
  // department who covers another territory is judged, and alerted.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(archive_->View(As(borrower_), m->id, "片区客户").ok());
  EXPECT_TRUE(OutsideAlerts(borrower_).empty());
  User roaming = AddUser("roaming", "漫游销售", {policy::Role::kBorrower});
  roaming.territories = {"西北区"};
  ASSERT_TRUE(vault_->Write([&](WriteTxn& txn) { return UpdateUser(txn, roaming); }).ok());
  EXPECT_TRUE(outside(roaming, *m));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(archive_->View(As(roaming), records_[i].id, "了解客户情况").ok());
  }
  EXPECT_EQ(OutsideAlerts(roaming).size(), 1u);
}

TEST_F(OutsideAssignmentTest, HandedFilesAreInsideAndTheReportListsTheOthers) {
  // The author leaves; one of her files is handed to the borrower of the
  // other team: inside his assignment from then on.
  ASSERT_TRUE(RegisterResignation(*vault_, *log_, As(hr_), author_.id, "2026-03-02", "2026-04-01",
                                  "个人原因")
                  .ok());
  ASSERT_TRUE(
      AssignHandover(*archive_, As(hr_), author_.id, records_[0].id, borrower_.id, "交接").ok());
  auto r = vault_->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*OutsideAssignment(**r, borrower_, records_[0]));
  EXPECT_TRUE(*OutsideAssignment(**r, borrower_, records_[1]));
  EXPECT_FALSE(*OutsideAssignment(**r, borrower2_, records_[1]));
  r->reset();

  // The borrower resigns after looking at the other team's files: his
  // report lists them apart, not the one handed to him.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(archive_->View(As(borrower_), records_[i].id, "了解客户情况").ok());
  }
  ASSERT_TRUE(RegisterResignation(*vault_, *log_, As(hr_), borrower_.id, "2026-03-02", "2026-04-01",
                                  "个人原因")
                  .ok());
  auto report = BuildDepartureReport(*archive_, As(auditor_), borrower_.id);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->viewed.size(), 3u);
  ASSERT_EQ(report->outside_assignment.size(), 2u);
  EXPECT_EQ(report->outside_assignment[0].id,
            records_[1].id < records_[2].id ? records_[1].id : records_[2].id);
  EXPECT_EQ(report->ToJson()["outside_assignment"].as_array().size(), 2u);
}

}  // namespace
}  // namespace custos::vault
