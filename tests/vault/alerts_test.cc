// vault/access/alerts.h: one shape for every alert, also for alerts stored
// before `details` was always written.
#include "vault/access/alerts.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/vault/records_fixture.h"
#include "vault/store/tables.h"

namespace custos::vault {
namespace {

class AlertsTest : public testing::ArchiveTest {
 protected:
  std::vector<json::Value> Scanned() {
    std::vector<json::Value> out;
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(access::ScanAlerts(**r, /*newest_first=*/false, [&](json::Value a) -> Result<bool> {
                  out.push_back(std::move(a));
                  return true;
                }).ok());
    return out;
  }
};

TEST_F(AlertsTest, EveryAlertHasDetailsEvenOldOnes) {
  // A non-compete alert as the tracker stored it before: extras at the top.
  json::Value old = json::Value::MakeObject();
  old["type"] = "noncompete_unpaid";
  old["severity"] = "warning";
  old["user_id"] = author_.id;
  old["record_id"] = "a-0000000000000001";
  old["at"] = int64_t{1000};
  old["audit_seq"] = int64_t{7};
  old["rule"] = "noncompete.one_month_unpaid";
  old["overdue_months"] = int64_t{1};
  old["employee_may_release"] = false;
  access::Alert fresh;
  fresh.type = "quota.exhausted";
  fresh.user_id = author_.id;
  fresh.record_id = "c-0000000000000001";
  fresh.at = 2000;
  fresh.audit_seq = 8;
  fresh.rule = "quota.exhausted";  // no details given: stored as {}
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& txn) -> Status {
                    CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kAlerts, EncodeU64(1000) + "abcd",
                                                      json::Serialize(old)));
                    return access::RaiseAlert(txn, fresh);
                  })
                  .ok());
  std::vector<json::Value> alerts = Scanned();
  ASSERT_EQ(alerts.size(), 2u);
  for (json::Value& a : alerts) {
    ASSERT_TRUE(a["details"].is_object()) << json::Serialize(a);
    for (const char* key : {"type", "severity", "user_id", "record_id", "rule"}) {
      EXPECT_TRUE(a[key].is_string()) << key;
    }
    EXPECT_EQ(a.Find("overdue_months"), nullptr);
  }
  EXPECT_EQ(alerts[0]["details"]["overdue_months"].as_int(), 1);
  EXPECT_FALSE(alerts[0]["details"]["employee_may_release"].as_bool());
  EXPECT_EQ(alerts[0]["audit_seq"].as_int(), 7);
  EXPECT_TRUE(alerts[1]["details"].as_object().empty());
}

}  // namespace
}  // namespace custos::vault
