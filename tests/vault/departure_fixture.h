// A vault with a departure to run (tests/vault/*handover*, customer
// confirmation): ArchiveTest's users plus an HR user and a successor, and two
// customer files of the author, who is the one leaving.
#ifndef CUSTOS_TESTS_VAULT_DEPARTURE_FIXTURE_H_
#define CUSTOS_TESTS_VAULT_DEPARTURE_FIXTURE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "tests/vault/records_fixture.h"
#include "vault/people/employment.h"

namespace custos::vault::testing {

class DepartureTest : public ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    hr_ = AddUser("ma.hr", "马人事", {policy::Role::kHr});
    successor_ = AddUser("he.author", "何销售", {policy::Role::kAuthor});
    rec1_ = MakeRecord(policy::Classification::kSecret, "华东机电有限公司");
    rec2_ = MakeRecord(policy::Classification::kConfidential, "苏州精工有限公司");
  }

  // HR registers the author's resignation: notice 2026-03-02, last working
  // day 2026-04-01.
  void GiveNotice() {
    auto u = RegisterResignation(*vault_, *log_, As(hr_), author_.id, "2026-03-02", "2026-04-01",
                                 "个人原因");
    ASSERT_TRUE(u.ok()) << u.status().ToString();
  }

  // The audit event at `seq`, parsed.
  json::Value LeafAt(uint64_t seq) {
    auto r = vault_->BeginRead();
    auto leaf = log_->Leaf(**r, seq);
    EXPECT_TRUE(leaf.ok());
    return leaf.ok() ? *json::Parse(*leaf) : json::Value();
  }
  json::Value LastLeaf() { return LeafAt(LogSize() - 1); }
  static std::string Str(const json::Value& v, std::string_view key) {
    const json::Value* x = v.Find(key);
    return x != nullptr && x->is_string() ? x->as_string() : std::string();
  }

  User hr_, successor_;
  RecordMeta rec1_, rec2_;
};

}  // namespace custos::vault::testing

#endif  // CUSTOS_TESTS_VAULT_DEPARTURE_FIXTURE_H_
