// The agreement lifecycle in the vault: draft → check → review → send → sign
// → countersign → store → fetch and verify, with the audit events present;
// paper scans attested by a custodian; role refusals; tamper detection; C4.
#include "vault/agreements/agreements.h"

#include <algorithm>
#include <memory>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/vault/test_util.h"
#include "vault/access/user_admin.h"
#include "vault/audit/audit_log.h"
#include "vault/people/employment.h"
#include "vault/records/records.h"

namespace custos::vault {
namespace {

constexpr char kPw[] = "password-for-all-1";

// Stands in for the template library: deterministic HTML from the fields;
// a field "bad" makes the checks fail.
Result<BuiltDocument> FakeBuilder(std::string_view template_id, const json::Value& fields,
                                  policy::Classification, const CheckFacts& facts) {
  if (template_id != "cn-employee-nda" && template_id != "cn-non-compete") {
    return Status::InvalidArgument("unknown template");
  }
  BuiltDocument d;
  d.template_version = "1.0";
  d.kind = template_id == "cn-non-compete" ? "non-compete" : "employee-nda";
  d.title = std::string(template_id);
  d.language = "zh-CN";
  d.html = "<html><body>" + std::string(template_id) + json::Serialize(fields) + "</body></html>";
  d.can_send = fields.Find("bad") == nullptr;
  d.report = json::Value::MakeObject();
  d.report["can_send_for_signature"] = d.can_send;
  if (!d.can_send) {
    json::Value finding = json::Value::MakeObject();
    finding["rule"] = "C1";
    finding["severity"] = "error";
    d.report["findings"] = json::Value::MakeArray();
    d.report["findings"].Push(std::move(finding));
  }
  d.report["first_access_known"] = facts.first_secret_access_at.has_value();
  if (facts.employment_end) d.report["employment_end"] = *facts.employment_end;
  return d;
}

class AgreementsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = testing::CreateTestVault(dir_.path());
    auto log = AuditLog::Open(*vault_);
    ASSERT_TRUE(log.ok());
    log_ = std::move(log).value();
    auto archive = Archive::Open(*vault_, *log_);
    ASSERT_TRUE(archive.ok());
    archive_ = std::move(archive).value();
    legal_ = Add("legal", "法务甲", {policy::Role::kLegal});
    legal2_ = Add("legal2", "法务乙", {policy::Role::kLegal});
    employee_ = Add("emp", "张伟", {policy::Role::kAuthor});
    custodian_ = Add("cust", "陈保管", {policy::Role::kCustodian});
    admin_ = Add("admin", "周管理", {policy::Role::kAdmin});
    AgreementsOptions o;
    o.signing_kdf = Argon2Params::ForTests();
    agreements_ = std::make_unique<Agreements>(*vault_, *log_, FakeBuilder, o);
  }
  User Add(const std::string& name, const std::string& display, std::vector<policy::Role> roles) {
    User u;
    u.username = name;
    u.display_name = display;
    u.roles = std::move(roles);
    u.password_hash = *HashPassword(SecretBytes::CopyOf(kPw), Argon2Params::ForTests());
    User out;
    Status st = vault_->Write([&](WriteTxn& txn) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(out, CreateUser(txn, u));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  static Caller As(const User& u) {
    Caller c;
    c.user_id = u.id;
    c.session = "s-test";
    c.place.ip = "10.0.0.7";
    c.place.workstation = "WS-12";
    c.place.location = "上海办公室";
    return c;
  }
  static SecretBytes Pw(std::string_view p = kPw) { return SecretBytes::CopyOf(p); }
  Agreement SentNda() {
    DraftRequest r;
    r.template_id = "cn-employee-nda";
    r.employee_id = employee_.id;
    r.fields["employee_name"] = "张伟";
    auto d = agreements_->CreateDraft(As(legal_), r);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_TRUE(agreements_->Submit(As(legal_), d->id).ok());
    auto s = agreements_->Send(As(legal2_), d->id);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return *s;
  }
  std::vector<std::string> ActionsFor(const std::string& id) {
    std::vector<std::string> out;
    auto txn = vault_->BeginRead();
    AuditFilter f;
    f.object = id;
    Status st = log_->Export(**txn, f, [&](uint64_t, std::string_view leaf) {
      auto v = json::Parse(leaf);
      out.push_back((*v)["action"].as_string() + ":" + (*v)["decision"].as_string());
      return true;
    });
    EXPECT_TRUE(st.ok());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<AuditLog> log_;
  std::unique_ptr<Archive> archive_;
  std::unique_ptr<Agreements> agreements_;
  User legal_, legal2_, employee_, custodian_, admin_;
};

TEST_F(AgreementsTest, WalkThroughDraftCheckSignCountersignStoreVerify) {
  DraftRequest r;
  r.template_id = "cn-employee-nda";
  r.employee_id = employee_.id;
  r.fields["bad"] = true;
  auto draft = agreements_->CreateDraft(As(legal_), r);
  ASSERT_TRUE(draft.ok()) << draft.status().ToString();
  EXPECT_EQ(draft->state, AgreementState::kDraft);
  EXPECT_FALSE(draft->can_send);
  const std::string id = draft->id;

  // Checks with errors block sending.
  ASSERT_TRUE(agreements_->Submit(As(legal_), id).ok());
  const Status refused = agreements_->Send(As(legal2_), id).status();
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  // The refusal names the failing check, in both languages.
  EXPECT_NE(refused.message().find("(C1)"), std::string::npos) << refused.message();
  EXPECT_NE(refused.message_zh().find("（C1）"), std::string::npos) << refused.message_zh();
  ASSERT_TRUE(agreements_->ReturnToDraft(As(legal2_), id, "fix the penalty clause").ok());
  json::Value fixed = json::Value::MakeObject();
  fixed["employee_name"] = "张伟";
  auto cur = agreements_->Get(As(legal_), id);
  ASSERT_TRUE(cur.ok());
  auto updated = agreements_->UpdateDraft(As(legal_), id, fixed, cur->version);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_TRUE(updated->can_send);
  // A stale version is refused.
  EXPECT_EQ(agreements_->UpdateDraft(As(legal_), id, fixed, cur->version).status().code(),
            StatusCode::kAborted);
  ASSERT_TRUE(agreements_->Submit(As(legal_), id).ok());
  // The drafter cannot review (send) their own draft.
  EXPECT_EQ(agreements_->Send(As(legal_), id).status().code(), StatusCode::kPermissionDenied);
  auto sent = agreements_->Send(As(legal2_), id);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  EXPECT_EQ(sent->state, AgreementState::kSent);
  const std::string doc_hash = sent->document_sha256;
  EXPECT_EQ(doc_hash.size(), 64u);

  // Only the employee signs, with their own password.
  EXPECT_EQ(agreements_->Sign(As(legal_), id, Pw()).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(agreements_->Sign(As(employee_), id, Pw("wrong-password-9")).status().code(),
            StatusCode::kUnauthenticated);
  auto signed_by_employee = agreements_->Sign(As(employee_), id, Pw());
  ASSERT_TRUE(signed_by_employee.ok()) << signed_by_employee.status().ToString();
  EXPECT_EQ(signed_by_employee->state, AgreementState::kEmployeeSigned);

  // The employee cannot countersign for the company; legal can.
  EXPECT_EQ(agreements_->Countersign(As(employee_), id, Pw()).status().code(),
            StatusCode::kPermissionDenied);
  auto done = agreements_->Countersign(As(legal2_), id, Pw());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, AgreementState::kCompleted);
  EXPECT_EQ(done->method, "electronic");
  EXPECT_EQ(done->document_sha256, doc_hash);

  // Fetch and verify.
  auto cert = agreements_->GetCertificate(As(legal_), id);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  EXPECT_TRUE(cert->document_hash_ok);
  EXPECT_TRUE(cert->all_signatures_ok);
  int signatures = 0;
  for (const CertificateStep& s : cert->steps) {
    if (s.signature) {
      ++signatures;
      EXPECT_EQ(s.verification, "ok");
    }
  }
  EXPECT_EQ(signatures, 2);
  EXPECT_EQ(cert->steps.back().step.role, "company");
  EXPECT_EQ(cert->steps.back().step.place.workstation, "WS-12");

  // The employee downloads their copy: bytes hash to the signed hash, and the
  // delivery is recorded.
  auto copy = agreements_->Download(As(employee_), id);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(HexEncode(Sha256(copy->bytes)), doc_hash);
  auto after = agreements_->Get(As(employee_), id);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->delivered_at, 0);
  // An administrator cannot read it.
  EXPECT_EQ(agreements_->Get(As(admin_), id).status().code(), StatusCode::kPermissionDenied);

  std::vector<std::string> actions = ActionsFor(id);
  std::set<std::string> present(actions.begin(), actions.end());
  for (const char* a :
       {"agreement.draft:allow", "agreement.submit:allow", "agreement.send:allow",
        "agreement.send:deny", "agreement.sign:allow", "agreement.sign:deny",
        "agreement.countersign:allow", "agreement.countersign:deny", "agreement.deliver:allow",
        "agreement.certificate:allow", "agreement.update:allow", "agreement.return:allow"}) {
    EXPECT_TRUE(present.count(a)) << a;
  }
  // Each step's recorded audit seq is the event of that step.
  auto txn = vault_->BeginRead();
  ASSERT_TRUE(txn.ok());
  for (const AgreementStep& s : after->steps) {
    auto leaf = log_->Leaf(**txn, s.audit_seq);
    ASSERT_TRUE(leaf.ok());
    auto v = json::Parse(*leaf);
    EXPECT_EQ((*v)["action"].as_string(), "agreement." + s.action);
  }

  // What a departure sees of the employee's agreements: kind and state,
  // not the terms; nobody else's.
  auto theirs = AgreementsOfEmployee(**txn, employee_.id);
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ((*theirs)[0].id, id);
  EXPECT_EQ((*theirs)[0].kind, "employee-nda");
  EXPECT_EQ((*theirs)[0].state, AgreementState::kCompleted);
  EXPECT_NE((*theirs)[0].completed_at, 0);
  EXPECT_TRUE((*theirs)[0].fields.as_object().empty());
  auto others = AgreementsOfEmployee(**txn, legal_.id);
  ASSERT_TRUE(others.ok());
  EXPECT_TRUE(others->empty());
}

TEST_F(AgreementsTest, EditedSignatureOrDocumentIsDetected) {
  Agreement a = SentNda();
  ASSERT_TRUE(agreements_->Sign(As(employee_), a.id, Pw()).ok());
  ASSERT_TRUE(agreements_->Countersign(As(legal_), a.id, Pw()).ok());
  ASSERT_TRUE(agreements_->Verify(a.id)->all_signatures_ok);

  // Flip one byte of the employee's stored signature.
  std::string key = a.id;
  key.push_back('\0');
  auto latest = agreements_->Verify(a.id);
  size_t sign_index = 0;
  for (size_t i = 0; i < latest->steps.size(); ++i) {
    if (latest->steps[i].step.action == "sign") sign_index = i;
  }
  key += EncodeU32(static_cast<uint32_t>(sign_index));
  std::string original;
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& txn) -> Status {
                    CUSTOS_ASSIGN_OR_RETURN(original, txn.Get(tables::kSignatures, key));
                    CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(original));
                    CUSTOS_ASSIGN_OR_RETURN(SignatureRecord r, SignatureRecord::FromJson(v));
                    r.signature[5] ^= 0x01;
                    return txn.Put(tables::kSignatures, key, json::Serialize(r.ToJson()));
                  })
                  .ok());
  auto bad = agreements_->Verify(a.id);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->all_signatures_ok);

  // Restore, then change the stored document bytes.
  ASSERT_TRUE(vault_
                  ->Write([&](WriteTxn& txn) -> Status {
                    CUSTOS_RETURN_IF_ERROR(txn.Put(tables::kSignatures, key, original));
                    return txn.Put(tables::kAgreements, "doc:" + a.document_sha256,
                                   "<html>other terms</html>");
                  })
                  .ok());
  auto changed = agreements_->Verify(a.id);
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE(changed->document_hash_ok);
  EXPECT_FALSE(changed->all_signatures_ok);
}

TEST_F(AgreementsTest, AdministratorCannotSignForTheEmployee) {
  Agreement a = SentNda();
  // The administrator is not the employee: refused whatever the password.
  EXPECT_EQ(agreements_->Sign(As(admin_), a.id, Pw()).status().code(),
            StatusCode::kPermissionDenied);
  // Nor can anyone sign the employee's part with a guessed password.
  EXPECT_EQ(agreements_->Sign(As(employee_), a.id, Pw("admin-guess-123")).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(agreements_->Get(As(legal_), a.id)->state, AgreementState::kSent);
}

// An agreement sent by mistake (or no longer needed) is recalled to draft
// before the employee signs: it leaves their hands, and goes out again only
// through a second review. Legal only, with a reason; never once signed.
TEST_F(AgreementsTest, LegalRecallsASentAgreementBeforeItIsSigned) {
  Agreement a = SentNda();
  EXPECT_EQ(agreements_->Recall(As(legal_), a.id, " ").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(agreements_->Recall(As(employee_), a.id, "不想签").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(agreements_->Get(As(legal_), a.id)->state, AgreementState::kSent);

  // The note is the event's reason, held to its text rule.
  EXPECT_EQ(agreements_->Recall(As(legal_), a.id, "条款\u202E有误").status().code(),
            StatusCode::kInvalidArgument);
  auto recalled = agreements_->Recall(As(legal_), a.id, "竞业限制条款有误，修改后重新发送");
  ASSERT_TRUE(recalled.ok()) << recalled.status().ToString();
  EXPECT_EQ(recalled->state, AgreementState::kDraft);
  EXPECT_EQ(recalled->steps.back().action, "recall");
  EXPECT_EQ(recalled->steps.back().note, "竞业限制条款有误，修改后重新发送");
  // The employee can no longer sign it.
  EXPECT_EQ(agreements_->Sign(As(employee_), a.id, Pw()).status().code(),
            StatusCode::kFailedPrecondition);
  // Corrected, it goes out again through a review by someone else: the
  // reviewer who sent it and now changed it does not send it alone; the
  // drafter, who did not write this change, reviews it.
  json::Value fields = recalled->fields;
  fields["employee_name"] = "张伟（更正）";
  ASSERT_TRUE(agreements_->UpdateDraft(As(legal2_), a.id, fields, recalled->version).ok());
  ASSERT_TRUE(agreements_->Submit(As(legal2_), a.id).ok());
  auto own = agreements_->Send(As(legal2_), a.id);
  EXPECT_EQ(own.status().code(), StatusCode::kPermissionDenied);
  ASSERT_NE(own.status().refusal(), nullptr);
  EXPECT_EQ(own.status().refusal()->rule, "agreements.review_by_other");
  ASSERT_TRUE(agreements_->Send(As(legal_), a.id).ok());
  ASSERT_TRUE(agreements_->Sign(As(employee_), a.id, Pw()).ok());
  // Signed: too late to recall.
  EXPECT_EQ(agreements_->Recall(As(legal_), a.id, "晚了").status().code(),
            StatusCode::kFailedPrecondition);
  const std::vector<std::string> actions = ActionsFor(a.id);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "agreement.recall:deny"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "agreement.recall:allow"), actions.end());
  std::string reason;
  {
    auto txn = vault_->BeginRead();
    AuditFilter f;
    f.object = a.id;
    ASSERT_TRUE(log_->Export(**txn, f,
                             [&](uint64_t, std::string_view leaf) {
                               auto v = json::Parse(leaf);
                               if ((*v)["action"].as_string() == "agreement.recall" &&
                                   (*v)["decision"].as_string() == "allow") {
                                 reason = (*v)["reason"].as_string();
                               }
                               return true;
                             })
                    .ok());
  }
  EXPECT_EQ(reason, "竞业限制条款有误，修改后重新发送");
}

// An agreement no longer needed (drafted for the wrong person, superseded,
// or a departure notice of a withdrawn resignation) is voided unsigned: it
// stays, with its history and reason, binds no one, leaves the employee's
// list, and is never edited, sent or signed again. Legal only, with a
// reason; never once signed.
TEST_F(AgreementsTest, LegalVoidsAnAgreementNoLongerNeededBeforeItIsSigned) {
  Agreement sent = SentNda();
  EXPECT_EQ(agreements_->Void(As(legal_), sent.id, "").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(agreements_->Void(As(employee_), sent.id, "不想签").status().code(),
            StatusCode::kPermissionDenied);
  ASSERT_EQ(agreements_->List(As(employee_), employee_.id)->size(), 1u);

  auto voided = agreements_->Void(As(legal_), sent.id, "发错了人，作废");
  ASSERT_TRUE(voided.ok()) << voided.status().ToString();
  EXPECT_EQ(voided->state, AgreementState::kVoided);
  EXPECT_EQ(voided->steps.back().action, "void");
  EXPECT_EQ(voided->steps.back().note, "发错了人，作废");
  // Off the employee's list, and nothing more happens to it.
  EXPECT_TRUE(agreements_->List(As(employee_), employee_.id)->empty());
  EXPECT_EQ(agreements_->Sign(As(employee_), sent.id, Pw()).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(agreements_->Recall(As(legal_), sent.id, "再改").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(agreements_->Void(As(legal_), sent.id, "再作废").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(agreements_->UpdateDraft(As(legal_), sent.id, voided->fields, voided->version)
                .status()
                .code(),
            StatusCode::kFailedPrecondition);
  // Legal still reads it, with its history.
  auto kept = agreements_->Get(As(legal2_), sent.id);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->state, AgreementState::kVoided);

  // A draft is voided by its own drafter too; one in review as well.
  DraftRequest r;
  r.template_id = "cn-employee-nda";
  r.employee_id = employee_.id;
  r.fields["employee_name"] = "张伟";
  auto draft = agreements_->CreateDraft(As(legal_), r);
  ASSERT_TRUE(draft.ok());
  EXPECT_TRUE(agreements_->Void(As(legal_), draft->id, "重复起草").ok());
  auto review = agreements_->CreateDraft(As(legal_), r);
  ASSERT_TRUE(review.ok());
  ASSERT_TRUE(agreements_->Submit(As(legal_), review->id).ok());
  EXPECT_TRUE(agreements_->Void(As(legal2_), review->id, "条款已由新模板取代").ok());

  // Signed: too late; the agreement binds.
  Agreement signed_nda = SentNda();
  ASSERT_TRUE(agreements_->Sign(As(employee_), signed_nda.id, Pw()).ok());
  auto late = agreements_->Void(As(legal_), signed_nda.id, "晚了");
  EXPECT_EQ(late.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(late.status().message_zh().find("只有未签署的协议可以作废"), std::string::npos);
  const std::vector<std::string> actions = ActionsFor(sent.id);
  EXPECT_NE(std::find(actions.begin(), actions.end(), "agreement.void:deny"), actions.end());
  EXPECT_NE(std::find(actions.begin(), actions.end(), "agreement.void:allow"), actions.end());
}

TEST_F(AgreementsTest, PaperScanAttestedByCustodian) {
  Agreement a = SentNda();
  const std::string scan = "%PDF-1.7 scanned signed paper";
  PaperLocation where{"档案室 2", "柜 B", "盒 17"};
  // The date on the paper: a day of the company's calendar (Beijing's).
  const CivilDate today = CivilFromDays(LocalDay(NowMillis(), 8 * 60));
  const std::string on = FormatDate(today);
  EXPECT_EQ(
      agreements_
          ->UploadPaper(As(legal_), a.id, scan, "application/pdf", std::string(64, '0'), where, on)
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  // No date, a date to come, a date before it was sent: refused.
  for (const std::string& bad : {std::string(), std::string("2026-13-01"),
                                 FormatDate(CivilFromDays(DaysFromCivil(today) + 1)),
                                 FormatDate(CivilFromDays(DaysFromCivil(today) - 1))}) {
    auto refused =
        agreements_->UploadPaper(As(legal_), a.id, scan, "application/pdf", "", where, bad);
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  // Nobody reads a scan before there is one.
  EXPECT_EQ(agreements_->Scan(As(legal_), a.id).status().code(), StatusCode::kFailedPrecondition);
  auto up = agreements_->UploadPaper(As(legal_), a.id, scan, "application/pdf",
                                     HexEncode(Sha256(scan)), where, on);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->state, AgreementState::kPaperUploaded);
  EXPECT_EQ(up->paper_signed_on, on);
  // The custodian who is to attest it finds it in their list, reads it and
  // the scan; the employee's other readers are as before.
  auto listed = agreements_->List(As(custodian_), "");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, a.id);
  ASSERT_TRUE(agreements_->Get(As(custodian_), a.id).ok());
  auto seen = agreements_->Scan(As(custodian_), a.id);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->bytes, scan);
  EXPECT_EQ(seen->content_type, "application/pdf");
  EXPECT_EQ(agreements_->Scan(As(employee_), a.id)->bytes, scan);  // their own agreement
  EXPECT_EQ(agreements_->AttestPaper(As(legal_), a.id, Pw()).status().code(),
            StatusCode::kPermissionDenied);
  auto done = agreements_->AttestPaper(As(custodian_), a.id, Pw());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->method, "paper");
  EXPECT_EQ(done->paper.box, "盒 17");
  // Attested, the custodian no longer reads it (they hold no read_agreement).
  EXPECT_EQ(agreements_->Scan(As(custodian_), a.id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(agreements_->Get(As(custodian_), a.id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(agreements_->List(As(custodian_), "")->empty());
  auto cert = agreements_->Verify(a.id);
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(cert->all_signatures_ok);
  auto copy = agreements_->Download(As(employee_), a.id);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(copy->bytes, scan);
  EXPECT_EQ(copy->content_type, "application/pdf");
  // C4 reads the date on the paper: signed today, so a view today comes
  // after it, whenever the custodian attested.
  auto timing = agreements_->CheckNdaTiming(employee_.id);
  ASSERT_TRUE(timing.ok());
  EXPECT_EQ(timing->nda_signed_on, on);
  EXPECT_EQ(timing->nda_agreement_id, a.id);
  EXPECT_LE(*timing->nda_signed_at, NowMillis());
}

// A custodian who uploaded the scan does not attest it; another does.
TEST_F(AgreementsTest, OnlyAnotherCustodianReadsAPaperScanToAttestIt) {
  User both = Add("both", "周两职", {policy::Role::kCustodian, policy::Role::kLegal});
  Agreement a = SentNda();
  const std::string on = FormatDate(CivilFromDays(LocalDay(NowMillis(), 8 * 60)));
  ASSERT_TRUE(agreements_
                  ->UploadPaper(As(both), a.id, "%PDF scan", "application/pdf", "",
                                PaperLocation{"档案室", "柜", "盒"}, on)
                  .ok());
  EXPECT_EQ(agreements_->AttestPaper(As(both), a.id, Pw()).status().code(),
            StatusCode::kPermissionDenied);
  // (As legal, the uploader reads it anyway; the list shows it as legal's.)
  EXPECT_TRUE(agreements_->Scan(As(both), a.id).ok());
  // Another custodian does.
  User plain = Add("plain", "吴保管", {policy::Role::kCustodian});
  EXPECT_TRUE(agreements_->Scan(As(plain), a.id).ok());
  EXPECT_EQ(agreements_->List(As(plain), "")->size(), 1u);
  ASSERT_TRUE(agreements_->AttestPaper(As(plain), a.id, Pw()).ok());
}

TEST_F(AgreementsTest, OnlyLegalDrafts) {
  DraftRequest r;
  r.template_id = "cn-employee-nda";
  r.employee_id = employee_.id;
  EXPECT_EQ(agreements_->CreateDraft(As(admin_), r).status().code(), StatusCode::kPermissionDenied);
  r.template_id = "nope";
  EXPECT_EQ(agreements_->CreateDraft(As(legal_), r).status().code(), StatusCode::kInvalidArgument);
  // Drafts are not visible to the employee yet.
  r.template_id = "cn-employee-nda";
  auto d = agreements_->CreateDraft(As(legal_), r);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(agreements_->Get(As(employee_), d->id).status().code(), StatusCode::kPermissionDenied);
}

// C4: an NDA signed after the employee's first view of a classified record.
TEST_F(AgreementsTest, C4FlagsNdaSignedAfterFirstAccess) {
  auto none = agreements_->CheckNdaTiming(employee_.id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->flagged);  // no access yet

  // Sign the NDA first for legal2's own record? No: a second employee who
  // signs before any access is not flagged.
  Agreement a = SentNda();
  ASSERT_TRUE(agreements_->Sign(As(employee_), a.id, Pw()).ok());
  ASSERT_TRUE(agreements_->Countersign(As(legal_), a.id, Pw()).ok());
  NewRecord rec;
  rec.name = "某客户";
  rec.classification = policy::Classification::kSecret;
  auto created = archive_->CreateRecord(As(employee_), rec, "new customer");
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_TRUE(archive_->View(As(employee_), created->id, "visit prep").ok());
  auto ok = agreements_->CheckNdaTiming(employee_.id);
  ASSERT_TRUE(ok.ok());
  ASSERT_TRUE(ok->first_classified_access.has_value());
  EXPECT_FALSE(ok->flagged);

  // Another employee who views before signing is flagged.
  User late = Add("late", "李晚", {policy::Role::kAuthor});
  auto rec2 = archive_->CreateRecord(As(late), rec, "new customer");
  ASSERT_TRUE(rec2.ok());
  ASSERT_TRUE(archive_->View(As(late), rec2->id, "visit prep").ok());
  auto no_nda = agreements_->CheckNdaTiming(late.id);
  ASSERT_TRUE(no_nda.ok());
  EXPECT_TRUE(no_nda->flagged);
  EXPECT_EQ(no_nda->reason, "no_nda");
  DraftRequest r;
  r.template_id = "cn-employee-nda";
  r.employee_id = late.id;
  auto d = agreements_->CreateDraft(As(legal_), r);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->checks["first_access_known"].as_bool());  // the builder got the fact
  ASSERT_TRUE(agreements_->Submit(As(legal_), d->id).ok());
  ASSERT_TRUE(agreements_->Send(As(legal2_), d->id).ok());
  ASSERT_TRUE(agreements_->Sign(As(late), d->id, Pw()).ok());
  ASSERT_TRUE(agreements_->Countersign(As(legal_), d->id, Pw()).ok());
  auto after = agreements_->CheckNdaTiming(late.id);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->flagged);
  EXPECT_EQ(after->reason, "signed_after_access");
  EXPECT_EQ(after->nda_agreement_id, d->id);
}

}  // namespace
}  // namespace custos::vault

namespace custos::vault {
namespace {

// Reading an agreement's terms or document is a decided, recorded read:
// legal and litigation may, the employee their own, auditors and
// administrators never (content-blind) — they keep the certificate.
TEST_F(AgreementsTest, ReadsAreDecidedAndAudited) {
  const User auditor = Add("aud", "吴审计", {policy::Role::kAuditor});
  const User litigation = Add("lit", "钱诉讼", {policy::Role::kLitigation});
  Agreement a = SentNda();
  ASSERT_TRUE(agreements_->Sign(As(employee_), a.id, Pw()).ok());
  ASSERT_TRUE(agreements_->Countersign(As(legal_), a.id, Pw()).ok());
  const size_t before = ActionsFor(a.id).size();

  auto by_legal = agreements_->Get(As(legal_), a.id);
  ASSERT_TRUE(by_legal.ok()) << by_legal.status().ToString();
  EXPECT_FALSE(by_legal->fields.as_object().empty());
  EXPECT_TRUE(agreements_->Get(As(litigation), a.id).ok());
  EXPECT_TRUE(agreements_->Get(As(employee_), a.id).ok());
  auto by_auditor = agreements_->Get(As(auditor), a.id);
  ASSERT_EQ(by_auditor.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(by_auditor.status().message().rfind("role.content_blind:", 0), 0u);
  EXPECT_EQ(agreements_->Download(As(auditor), a.id).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(agreements_->Preview(As(auditor), a.id).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(agreements_->Download(As(litigation), a.id).ok());
  EXPECT_TRUE(agreements_->GetCertificate(As(auditor), a.id).ok());

  const std::vector<std::string> actions = ActionsFor(a.id);
  const std::vector<std::string> reads(actions.begin() + static_cast<long>(before), actions.end());
  EXPECT_EQ(reads, (std::vector<std::string>{
                       "agreement.read:allow", "agreement.read:allow", "agreement.read:allow",
                       "agreement.read:deny", "agreement.download:deny", "agreement.preview:deny",
                       "agreement.download:allow", "agreement.certificate:allow"}));
}

// Electronic Signature Law Art. 13: a signature is reliable only when the key
// was the signer's alone. After an administrator's reset, until the signer
// sets a password of their own, whoever held the reset link could have
// signed: the certificate says so.
TEST_F(AgreementsTest, SignatureAfterAnAdministratorsResetIsNotReliable) {
  // An ordinary signature: every condition held, recorded with it.
  Agreement first = SentNda();
  ASSERT_TRUE(agreements_->Sign(As(employee_), first.id, Pw()).ok());
  auto ok = agreements_->Verify(first.id);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->employee_signature_reliable, std::optional<bool>(true));
  const CertificateStep& signed_step = ok->steps.back();
  ASSERT_TRUE(signed_step.signature.has_value());
  ASSERT_TRUE(signed_step.signature->conditions.has_value());
  EXPECT_TRUE(signed_step.signature->conditions->signer_controls_key);
  EXPECT_TRUE(signed_step.signature->conditions->covers_document);
  EXPECT_TRUE(signed_step.signature->conditions->signature_verifies);
  EXPECT_TRUE(ok->ToJson()["employee_signature_reliable"].as_bool());

  // The administrator resets the employee's password; the link sets a new
  // one, which the employee has not replaced.
  UserAdmin admin(*vault_, *log_, Argon2Params::ForTests());
  auto reset = admin.ResetPassword(As(admin_), employee_.id, "forgot the password");
  ASSERT_TRUE(reset.ok()) << reset.status().ToString();
  ASSERT_TRUE(reset->setup.has_value());
  ASSERT_TRUE(
      admin.CompleteSetup(reset->setup->token, Pw("set-through-the-link"), AuditEvent::Place{})
          .ok());
  Agreement second = SentNda();
  ASSERT_TRUE(agreements_->Sign(As(employee_), second.id, Pw("set-through-the-link")).ok());
  auto cert = agreements_->Verify(second.id);
  ASSERT_TRUE(cert.ok()) << cert.status().ToString();
  // The signature itself verifies; it is the key's control that fails.
  EXPECT_TRUE(cert->all_signatures_ok);
  EXPECT_EQ(cert->employee_signature_reliable, std::optional<bool>(false));
  const SignatureConditions& c = *cert->steps.back().signature->conditions;
  EXPECT_FALSE(c.signer_controls_key);
  EXPECT_TRUE(c.covers_document);
  EXPECT_NE(c.note.find("reset link"), std::string::npos);
  EXPECT_FALSE(cert->ToJson()["employee_signature_reliable"].as_bool());
  // The earlier signature stays what it was when made.
  EXPECT_EQ(agreements_->Verify(first.id)->employee_signature_reliable, std::optional<bool>(true));

  // A signature record altered on disk is not reliable, whatever it claims.
  Status st = vault_->Write([&](WriteTxn& txn) -> Status {
    const std::string key = second.id + std::string(1, '\0');
    std::string found;
    CUSTOS_RETURN_IF_ERROR(txn.ScanKeys(tables::kSignatures, key, [&](std::string_view k) {
      found = std::string(k);
      return Result<bool>(true);
    }));
    CUSTOS_ASSIGN_OR_RETURN(std::string text, txn.Get(tables::kSignatures, found));
    CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
    v["conditions"]["signer_controls_key"] = true;
    std::string sig = v["signature"].as_string();
    sig[0] = sig[0] == '0' ? '1' : '0';
    v["signature"] = sig;
    return txn.Put(tables::kSignatures, found, json::Serialize(v));
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(agreements_->Verify(second.id)->employee_signature_reliable,
            std::optional<bool>(false));
}

// N6 compares each month's compensation with the minimum wage in force that
// month; the months start after the employee's last working day, which the
// vault knows once HR registers the resignation.
TEST_F(AgreementsTest, TheChecksKnowTheLastWorkingDayOnceARegisteredResignationSetsIt) {
  DraftRequest r;
  r.template_id = "cn-non-compete";
  r.employee_id = employee_.id;
  auto before = agreements_->CreateDraft(As(legal_), r);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->checks.Find("employment_end"), nullptr);
  const User hr = Add("hr", "孙人事", {policy::Role::kHr});
  ASSERT_TRUE(RegisterResignation(*vault_, *log_, As(hr), employee_.id, "2026-12-01", "2026-12-31",
                                  "resigned")
                  .ok());
  auto after = agreements_->CreateDraft(As(legal_), r);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_NE(after->checks.Find("employment_end"), nullptr);
  EXPECT_EQ(after->checks["employment_end"].as_string(), "2026-12-31");
}

}  // namespace
}  // namespace custos::vault
