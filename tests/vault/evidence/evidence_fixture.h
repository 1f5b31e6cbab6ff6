// Shared by the evidence tests: the records fixture plus litigation users,
// an EvidenceDesk, and a salesperson with a history (records owned, a
// secret file viewed under a loan, a refused attempt), and helpers to export
// and read a bundle.
#ifndef CUSTOS_TESTS_VAULT_EVIDENCE_EVIDENCE_FIXTURE_H_
#define CUSTOS_TESTS_VAULT_EVIDENCE_EVIDENCE_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/vault/evidence/test_tsa.h"
#include "tests/vault/records_fixture.h"
#include "vault/agreements/agreements.h"
#include "vault/audit/audit_log.h"
#include "vault/evidence/evidence.h"
#include "vault/evidence/verify.h"
#include "vault/evidence/zip.h"
#include "vault/records/loans.h"
#include "vault/store/crypto.h"

namespace custos::vault::evidence::testing {

inline constexpr char kPassword[] = "evidence-test-password-1";

// Stands in for the template library (the vault does not depend on it):
// deterministic HTML from the fields.
inline Result<BuiltDocument> FakeBuilder(std::string_view template_id, const json::Value& fields,
                                         policy::Classification, const CheckFacts&) {
  BuiltDocument d;
  d.template_version = "1.0";
  d.kind = template_id == "cn-non-compete" ? "non-compete" : "employee-nda";
  d.title = template_id == "cn-non-compete" ? "竞业限制协议" : "保密协议";
  d.language = "zh-CN";
  d.html = "<html><body><h1>" + d.title + "</h1>" + json::Serialize(fields) + "</body></html>";
  d.can_send = true;
  d.report = json::Value::MakeObject();
  return d;
}

class EvidenceTest : public vault::testing::ArchiveTest {
 protected:
  void SetUp() override {
    ArchiveTest::SetUp();
    litigation_ = AddUser("qian.litigation", "钱诉讼", {policy::Role::kLitigation});
    litigation2_ = AddUser("he.litigation", "何诉讼", {policy::Role::kLitigation});
    legal_ = AddUser("feng.legal", "冯法务", {policy::Role::kLegal});
    legal2_ = AddUser("jiang.legal", "蒋法务", {policy::Role::kLegal});
    for (User* u : {&borrower_, &legal_}) SetPassword(u);
    desk_ = std::make_unique<EvidenceDesk>(*archive_);
    // The borrower signed an NDA (drafted by legal, sent by a second legal
    // user, signed by the borrower, countersigned by legal).
    AgreementsOptions ao;
    ao.signing_kdf = Argon2Params::ForTests();
    agreements_ = std::make_unique<Agreements>(*vault_, *log_, FakeBuilder, ao);
    DraftRequest dr;
    dr.template_id = "cn-employee-nda";
    dr.employee_id = borrower_.id;
    dr.fields["employee_name"] = "李借阅";
    auto draft = agreements_->CreateDraft(As(legal_), dr);
    EXPECT_TRUE(draft.ok()) << draft.status().ToString();
    EXPECT_TRUE(agreements_->Submit(As(legal_), draft->id).ok());
    EXPECT_TRUE(agreements_->Send(As(legal2_), draft->id).ok());
    EXPECT_TRUE(agreements_->Sign(As(borrower_), draft->id, SecretBytes::CopyOf(kPassword)).ok());
    auto done = agreements_->Countersign(As(legal_), draft->id, SecretBytes::CopyOf(kPassword));
    EXPECT_TRUE(done.ok()) << done.status().ToString();
    nda_id_ = draft->id;
    // The salesperson (author_) owns two files; a borrower reads a secret
    // file under a loan and is refused another.
    own1_ = MakeRecord(policy::Classification::kConfidential, "华东机电有限公司");
    own2_ = MakeRecord(policy::Classification::kInternal, "苏州精密零件厂");
    secret_ = MakeRecord(policy::Classification::kSecret, "杭州轴承集团");
    auto v1 = archive_->View(As(author_), own1_.id, "跟进订单");
    EXPECT_TRUE(v1.ok()) << v1.status().ToString();
    LoanRequest lr;
    lr.record_id = secret_.id;
    lr.reason = "核对报价单据";
    auto loan = RequestLoan(*archive_, As(borrower_), lr);
    EXPECT_TRUE(loan.ok()) << loan.status().ToString();
    EXPECT_TRUE(ApproveLoan(*archive_, As(approver_), loan->id, "同意").ok());
    EXPECT_TRUE(ReleaseLoan(*archive_, As(custodian_), loan->id, "发放").ok());
    auto v2 = archive_->View(As(borrower_), secret_.id, "核对报价单据");
    EXPECT_TRUE(v2.ok()) << v2.status().ToString();
    auto refused = archive_->View(As(borrower_), own1_.id, "随便看看");
    EXPECT_FALSE(refused.ok());
  }

  void SetPassword(User* u) {
    Status st = vault_->Write([&](WriteTxn& w) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(User stored, GetUser(w, u->id));
      CUSTOS_ASSIGN_OR_RETURN(stored.password_hash, HashPassword(SecretBytes::CopyOf(kPassword),
                                                                 Argon2Params::ForTests()));
      *u = stored;
      return UpdateUser(w, stored);
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  NewEvidenceRequest AboutBorrower() {
    NewEvidenceRequest r;
    r.case_ref = "(2026)沪0115民初1234号";
    r.purpose = "离职员工带走客户资料，起诉前固定证据";
    r.scope.person_ids = {borrower_.id};
    return r;
  }

  // Requested by litigation and approved by one approver.
  EvidenceRequest Approved(const NewEvidenceRequest& n) {
    auto r = desk_->Request(As(litigation_), n);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    auto a = desk_->Approve(As(approver2_), r->id, "同意调取");
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : EvidenceRequest();
  }

  // The delivered bytes of an export.
  static std::string Bytes(const Delivery& d) {
    std::string out;
    Status st = d.write_to([&](std::string_view piece) {
      out.append(piece);
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  // The last audit event's leaf.
  std::string LastEvent() {
    auto r = vault_->BeginRead();
    auto n = log_->Size(**r);
    auto leaf = log_->Leaf(**r, *n - 1);
    return leaf.ok() ? *leaf : "";
  }

  // The vault's log key (checkpoints, manifest.xml.sig).
  Ed25519KeyPair LogKey() {
    auto seed = vault_->GetOrCreateSecret(kAuditLogKeyName, kEd25519SeedSize);
    EXPECT_TRUE(seed.ok());
    auto key = Ed25519FromSeed(*seed);
    EXPECT_TRUE(key.ok());
    if (!key.ok()) return Ed25519KeyPair();
    return std::move(*key);
  }

  static VerifyReport Verify(const std::string& zip_bytes, const std::string& key = "") {
    auto zip = ZipReader::OpenBytes(zip_bytes);
    EXPECT_TRUE(zip.ok()) << zip.status().ToString();
    if (!zip.ok()) return VerifyReport();
    VerifyOptions o;
    o.trusted_key = key;
    auto report = VerifyBundle(**zip, o);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : VerifyReport();
  }

  User litigation_, litigation2_, legal_, legal2_;
  std::unique_ptr<EvidenceDesk> desk_;
  std::unique_ptr<Agreements> agreements_;
  std::string nda_id_;
  RecordMeta own1_, own2_, secret_;
};

}  // namespace custos::vault::evidence::testing

#endif  // CUSTOS_TESTS_VAULT_EVIDENCE_EVIDENCE_FIXTURE_H_
