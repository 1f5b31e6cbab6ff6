#include "vault/access/policy_store.h"

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "policy/rules.h"
#include "tests/vault/records_fixture.h"
#include "vault/store/crypto.h"

namespace custos::vault {
namespace {

class PolicyStoreTest : public testing::ArchiveTest {
 protected:
  json::Value LeafAt(uint64_t seq) {
    auto r = vault_->BeginRead();
    auto leaf = log_->Leaf(**r, seq);
    EXPECT_TRUE(leaf.ok());
    return *json::Parse(*leaf);
  }
};

std::string ShippedPolicyBytes() {
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  std::ifstream in(std::string(root ? root : ".") + "/policy/default-policy.xml", std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(PolicyStoreTest, DefaultInstalledWithFileHash) {
  const std::string bytes = ShippedPolicyBytes();
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(DefaultPolicyXml(), bytes);
  auto r = vault_->BeginRead();
  auto p = CurrentPolicy(**r);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->digest(), HexEncode(Sha256(bytes)));
  EXPECT_EQ(p->version(), "2026.1");
  auto history = PolicyHistory(**r);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].applied_by, "");
  json::Value leaf = LeafAt((*history)[0].audit_seq);
  EXPECT_EQ(leaf.Find("action")->as_string(), "policy.install");
}

TEST_F(PolicyStoreTest, ApplyIsAuditedAndPastEventsKeepTheirHash) {
  RecordMeta m = MakeRecord(policy::Classification::kInternal);
  auto first = archive_->View(As(borrower_), m.id, "核对报价");
  ASSERT_TRUE(first.ok());
  const std::string old_digest = PolicyDigest(DefaultPolicyXml());
  EXPECT_EQ(LeafAt(first->audit_seq).Find("policy")->as_string(), old_digest);

  // Internal files: one view only under the new policy.
  std::string xml(DefaultPolicyXml());
  const std::string from = "<view-quota views=\"3\" window-days=\"30\"/>";
  xml.replace(xml.find(from), from.size(), "<view-quota views=\"1\" window-days=\"30\"/>");
  xml.replace(xml.find("version=\"2026.1\""), 16, "version=\"2026.2\"");

  EXPECT_EQ(ApplyPolicy(*vault_, *log_, As(borrower_), xml, "试图修改").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(ApplyPolicy(*vault_, *log_, As(admin_), "<nope/>", "坏文件").status().code(),
            StatusCode::kInvalidArgument);
  auto applied = ApplyPolicy(*vault_, *log_, As(admin_), xml, "收紧内部文件查阅次数");
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->sha256, PolicyDigest(xml));
  EXPECT_EQ(applied->version, "2026.2");
  json::Value ev = LeafAt(applied->audit_seq);
  EXPECT_EQ(ev.Find("action")->as_string(), "policy.apply");
  EXPECT_EQ(ev.Find("policy")->as_string(), old_digest);
  EXPECT_EQ(ev.Find("details")->Find("new_policy")->as_string(), applied->sha256);

  auto second = archive_->View(As(borrower2_), m.id, "核对报价");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(LeafAt(second->audit_seq).Find("policy")->as_string(), applied->sha256);
  EXPECT_EQ(LeafAt(first->audit_seq).Find("policy")->as_string(), old_digest);
  auto denied = archive_->View(As(borrower_), m.id, "核对报价");
  EXPECT_EQ(denied.status().code(), StatusCode::kResourceExhausted);

  auto r = vault_->BeginRead();
  EXPECT_EQ(PolicyHistory(**r)->size(), 2u);
  auto old = GetPolicyVersion(**r, old_digest);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->source(), DefaultPolicyXml());
}

// A policy that guards role grants with two administrators is changed by
// two: else one could drop the guard and grant alone.
TEST_F(PolicyStoreTest, TwoAdministratorsChangeAPolicyThatGuardsRoleGrants) {
  User admin2 = AddUser("qian.admin", "钱管理", {policy::Role::kAdmin});
  std::string xml(DefaultPolicyXml());
  const std::string guard = R"(<user-admin two-person-roles="approver custodian admin"/>)";
  ASSERT_NE(xml.find(guard), std::string::npos);
  xml.replace(xml.find(guard), guard.size(), R"(<user-admin two-person-roles=""/>)");
  const std::string old_digest = PolicyDigest(DefaultPolicyXml());

  auto first = ApplyPolicy(*vault_, *log_, As(admin_), xml, "取消双人授权");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->pending_second_approval);
  json::Value ev = LeafAt(first->audit_seq);
  EXPECT_EQ(ev.Find("rule")->as_string(), policy::rules::kAllowPolicyFirst);
  EXPECT_EQ(ev.Find("outcome")->as_string(), "pending_second_approval");
  {
    auto r = vault_->BeginRead();
    EXPECT_EQ(CurrentPolicy(**r)->digest(), old_digest) << "not in force on one word";
    EXPECT_EQ(PolicyHistory(**r)->size(), 1u);
  }
  auto again = ApplyPolicy(*vault_, *log_, As(admin_), xml, "再次应用");
  EXPECT_EQ(again.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(again.status().message().rfind("sod.approver_counted_twice:", 0), 0u);

  auto second = ApplyPolicy(*vault_, *log_, As(admin2), xml, "同意");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->pending_second_approval);
  auto r = vault_->BeginRead();
  EXPECT_EQ(CurrentPolicy(**r)->digest(), PolicyDigest(xml));
  EXPECT_EQ(PolicyHistory(**r)->size(), 2u);
}

TEST_F(PolicyStoreTest, TamperedStoredPolicyIsDataLoss) {
  const std::string digest = PolicyDigest(DefaultPolicyXml());
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    json::Value v = json::Value::MakeObject();
                    v["sha256"] = digest;
                    v["source"] = std::string(DefaultPolicyXml()) + " ";
                    return w.Put(tables::kPolicies, "v/" + digest, json::Serialize(v));
                  })
                  .ok());
  auto r = vault_->BeginRead();
  EXPECT_EQ(CurrentPolicy(**r).status().code(), StatusCode::kDataLoss);
}

// A policy applied by a Custos that passed over text inside an element of
// attributes is refused when applied today, and the vault whose current
// policy it is still opens and decides by it.
TEST_F(PolicyStoreTest, AStoredPolicyWithTextWhereNoneIsReadStillDecidesButANewOneIsRefused) {
  std::string xml(DefaultPolicyXml());
  const std::string from = "<view-quota views=\"3\" window-days=\"30\"/>";
  xml.replace(xml.find(from), from.size(),
              "<view-quota views=\"1\" window-days=\"30\">5</view-quota>");
  auto refused = ApplyPolicy(*vault_, *log_, As(admin_), xml, "内部文件查阅次数");
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("<view-quota>: unexpected text '5'"), std::string::npos)
      << refused.status().message();

  // The same text stored as an older release applied it.
  const std::string digest = PolicyDigest(xml);
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& w) -> Status {
                    json::Value v = json::Value::MakeObject();
                    v["sha256"] = digest;
                    v["version"] = "2026.1";
                    v["source"] = xml;
                    CUSTOS_RETURN_IF_ERROR(
                        w.Put(tables::kPolicies, "v/" + digest, json::Serialize(v)));
                    json::Value current = json::Value::MakeObject();
                    current["sha256"] = digest;
                    return w.Put(tables::kPolicies, "current", json::Serialize(current));
                  })
                  .ok());
  {
    auto r = vault_->BeginRead();
    auto current = CurrentPolicy(**r);
    ASSERT_TRUE(current.ok()) << current.status().ToString();
    EXPECT_EQ(current->digest(), digest);
  }
  RecordMeta m = MakeRecord(policy::Classification::kInternal);
  ASSERT_TRUE(archive_->View(As(borrower_), m.id, "核对报价").ok());
  EXPECT_EQ(archive_->View(As(borrower_), m.id, "核对报价").status().code(),
            StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace custos::vault
