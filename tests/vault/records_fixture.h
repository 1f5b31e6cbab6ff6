// Shared fixture for the records, loans, views, attachments and CSV tests: a
// fresh vault with its audit log and Archive, and one user per role.
#ifndef CUSTOS_TESTS_VAULT_RECORDS_FIXTURE_H_
#define CUSTOS_TESTS_VAULT_RECORDS_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/json.h"
#include "tests/vault/test_util.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/records.h"
#include "vault/store/tables.h"

namespace custos::vault::testing {

class ArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = CreateTestVault(dir_.path());
    auto log = AuditLog::Open(*vault_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(*log);
    auto archive = Archive::Open(*vault_, *log_);
    ASSERT_TRUE(archive.ok()) << archive.status().ToString();
    archive_ = std::move(*archive);
    author_ = AddUser("wang.author", "王销售", {policy::Role::kAuthor});
    borrower_ = AddUser("li.borrower", "李借阅", {policy::Role::kBorrower});
    borrower2_ = AddUser("zhao.borrower", "赵借阅", {policy::Role::kBorrower});
    custodian_ = AddUser("chen.custodian", "陈保管", {policy::Role::kCustodian});
    approver_ = AddUser("liu.approver", "刘审批", {policy::Role::kApprover});
    approver2_ = AddUser("sun.approver", "孙审批", {policy::Role::kApprover});
    admin_ = AddUser("zhou.admin", "周管理", {policy::Role::kAdmin});
    auditor_ = AddUser("wu.auditor", "吴审计", {policy::Role::kAuditor});
  }

  Caller As(const User& u) {
    Caller c;
    c.user_id = u.id;
    c.session = "s-test";
    c.place.ip = "127.0.0.1";
    c.place.workstation = "WS-01";
    c.place.location = "上海总部";
    return c;
  }

  User AddUser(const std::string& name, const std::string& display,
               std::vector<policy::Role> roles) {
    User u;
    u.username = name;
    u.display_name = display;
    u.roles = std::move(roles);
    User out;
    Status st = vault_->Write([&](WriteTxn& w) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(out, CreateUser(w, u));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  RecordMeta MakeRecord(policy::Classification c, const std::string& name = "华东机电有限公司",
                        std::vector<std::string> tags = {"华东", "机电"}) {
    NewRecord r;
    r.name = name;
    r.classification = c;
    r.custodian_id = custodian_.id;
    r.tags = std::move(tags);
    r.paper = {"A201", "3", "12"};
    r.content.registration_number = "91310000MA1FL0XX1X";
    r.content.address = "上海市浦东新区张江路 100 号";
    r.content.contacts = {{"张经理", "采购经理", "13800000000", "zhang@example.cn", "zhang_wx"}};
    r.content.agreed_prices = "A 型 95 元/件";
    auto m = archive_->CreateRecord(As(author_), r, "新客户建档");
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : RecordMeta();
  }

  // Every alert in tables::kAlerts, in key (time) order.
  std::vector<json::Value> Alerts() {
    std::vector<json::Value> out;
    auto r = vault_->BeginRead();
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE((*r)->Scan(tables::kAlerts, "",
                           [&](std::string_view, std::string_view value) -> Result<bool> {
                             out.push_back(*json::Parse(value));
                             return true;
                           })
                    .ok());
    return out;
  }

  uint64_t LogSize() {
    auto r = vault_->BeginRead();
    auto n = log_->Size(**r);
    return n.ok() ? *n : 0;
  }

  TempDir dir_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<AuditLog> log_;
  std::unique_ptr<Archive> archive_;
  User author_, borrower_, borrower2_, custodian_, approver_, approver2_, admin_, auditor_;
};

}  // namespace custos::vault::testing

#endif  // CUSTOS_TESTS_VAULT_RECORDS_FIXTURE_H_
