// The evidence workflow end to end: request → approve → export → verify
// (C++ and the independent Python verifier), separation of duties, legal
// holds, tampering with every kind of file, redaction, encryption to outside
// counsel, later downloads and the chain of custody, trusted time.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/vault/evidence/evidence_fixture.h"
#include "vault/audit/audit_log.h"
#include "vault/evidence/report.h"
#include "vault/evidence/sha256sums.h"
#include "vault/evidence/timestamp.h"
#include "vault/people/employment.h"
#include "vault/people/handover.h"
#include "vault/records/legal_hold.h"
#include "vault/store/crypto.h"

namespace custos::vault::evidence::testing {
namespace {

// 李婷, who gave notice on 2026-07-24 and left after 2026-08-26.
ReportPerson Leaver() {
  ReportPerson p;
  p.id = "u-leaver";
  p.username = "sales.li";
  p.display_name = "李婷";
  p.notice_date = "2026-07-24";
  p.last_working_day = "2026-08-26";
  return p;
}

// An allowed view of c-1 by `p` at `time` (RFC 3339), event `seq`.
void AddView(ReportData* d, const ReportPerson& p, uint64_t seq, const char* time) {
  ReportEvent e;
  e.seq = seq;
  e.time = *ParseRfc3339(time);
  e.actor_id = p.id;
  e.action = "record.view";
  e.allowed = true;
  e.record_id = "c-1";
  d->events.push_back(e);
}

// The report's activity by day: a day marked after the last working day
// is a day the person did something; a day with only alerts about them
// (a customer who refused after they left) says so instead.
TEST(EvidenceReportTest, DaysWithOnlyAlertsAreNotTheirActivity) {
  ReportData d;
  ReportPerson p = Leaver();
  p.alerts.push_back(ReportAlert{"departure.customer_not_confirmed", "c-1",
                                 *ParseRfc3339("2026-08-31T03:40:00Z"), 9});
  d.people.push_back(p);
  AddView(&d, p, 1, "2026-07-23T02:00:00Z");
  AddView(&d, p, 2, "2026-08-28T02:00:00Z");  // after her last day
  const std::string html = RenderReport(d);
  auto row = [&](const std::string& day) {
    const size_t at = html.find("<td>" + day + "</td>");
    return at == std::string::npos ? std::string() : html.substr(at, html.find("</tr>", at) - at);
  };
  EXPECT_NE(row("2026-08-28").find("after the last working day"), std::string::npos);
  const std::string alerts_only = row("2026-08-31");
  ASSERT_FALSE(alerts_only.empty());
  EXPECT_EQ(alerts_only.find("after the last working day"), std::string::npos) << alerts_only;
  EXPECT_NE(alerts_only.find("alerts about the person only"), std::string::npos) << alerts_only;
}

// The report's days are dates of the company's calendar (Beijing's by
// default), as the notice date and the last working day they are compared
// with: a view at 07:30 in Beijing on the notice date is in the notice
// period, and one at 01:00 the day after the last working day comes after it.
TEST(EvidenceReportTest, DaysAreDatesOfTheCompanysCalendar) {
  ReportData d;
  const ReportPerson p = Leaver();
  d.people.push_back(p);
  AddView(&d, p, 1, "2026-07-23T23:30:00Z");  // 07:30 on 07-24 in Beijing
  AddView(&d, p, 2, "2026-08-26T17:00:00Z");  // 01:00 on 08-27 in Beijing
  const std::string html = RenderReport(d);
  // A row of the activity table (the person's table above names the dates
  // too).
  auto row = [&](const std::string& day) {
    const size_t at = html.find("<td>" + day + "</td>", html.find("Activity per day"));
    return at == std::string::npos ? std::string() : html.substr(at, html.find("</tr>", at) - at);
  };
  EXPECT_NE(row("2026-07-24").find("during the notice period"), std::string::npos) << html;
  EXPECT_NE(row("2026-08-27").find("after the last working day"), std::string::npos) << html;
  EXPECT_TRUE(row("2026-07-23").empty());
  EXPECT_NE(html.find("dates at UTC+08:00"), std::string::npos);
  // Another calendar, other days.
  d.utc_offset_minutes = 0;
  const std::string utc = RenderReport(d);
  EXPECT_NE(utc.find("<td>2026-07-23</td>"), std::string::npos);
  EXPECT_NE(utc.find("dates at UTC+00:00"), std::string::npos);
}

using Files = std::vector<std::pair<std::string, std::string>>;

Files Unzip(const std::string& zip_bytes) {
  auto zip = ZipReader::OpenBytes(zip_bytes);
  EXPECT_TRUE(zip.ok()) << zip.status().ToString();
  Files out;
  if (!zip.ok()) return out;
  for (const ZipEntry& e : (*zip)->entries()) {
    auto bytes = (*zip)->ReadAll(e);
    EXPECT_TRUE(bytes.ok());
    out.emplace_back(e.name, bytes.ok() ? *bytes : "");
  }
  return out;
}

std::string Zip(const Files& files) {
  std::string out;
  ZipWriter w([&](std::string_view b) {
    out.append(b);
    return Status::Ok();
  });
  for (const auto& [name, bytes] : files) EXPECT_TRUE(w.Add(name, 0, bytes).ok()) << name;
  EXPECT_TRUE(w.Finish().ok());
  return out;
}

const std::string* Find(const Files& files, std::string_view name) {
  for (const auto& [n, b] : files) {
    if (n == name) return &b;
  }
  return nullptr;
}

bool HasFile(const Files& files, std::string_view name) { return Find(files, name) != nullptr; }

// The first file whose name passes `pick`.
std::string FirstNamed(const Files& files, const std::function<bool(const std::string&)>& pick) {
  for (const auto& [n, b] : files) {
    if (pick(n)) return n;
  }
  return "";
}

// Changes one byte of `name` (in the middle); with `resum`, recomputes
// SHA256SUMS as an attacker who can write the archive would.
std::string Tamper(const Files& files, const std::string& name, bool resum) {
  Files changed = files;
  for (auto& [n, b] : changed) {
    if (n != name) continue;
    EXPECT_FALSE(b.empty()) << name;
    b[b.size() / 2] = static_cast<char>(b[b.size() / 2] ^ 0x01);
  }
  if (resum) {
    std::vector<ChecksumLine> lines;
    for (const auto& [n, b] : changed) {
      if (n != "SHA256SUMS") lines.push_back(ChecksumLine{HexEncode(Sha256(b)), n});
    }
    for (auto& [n, b] : changed) {
      if (n == "SHA256SUMS") b = FormatSha256Sums(lines);
    }
  }
  return Zip(changed);
}

// `files` with manifest.xml signed again by `key` and SHA256SUMS recomputed:
// what someone holding the log key could make of a changed bundle.
std::string SignedAgain(Files files, const Ed25519KeyPair& key) {
  const std::string sig = Ed25519Sign(key.secret_key, *Find(files, "manifest.xml"));
  std::vector<ChecksumLine> lines;
  for (auto& [n, b] : files) {
    if (n == "manifest.xml.sig") b = sig;
    if (n != "SHA256SUMS") lines.push_back(ChecksumLine{HexEncode(Sha256(b)), n});
  }
  for (auto& [n, b] : files) {
    if (n == "SHA256SUMS") b = FormatSha256Sums(lines);
  }
  return Zip(files);
}

// Runs the independent verifier shipped in bundles on `zip` (OK when it
// exits 0; otherwise the error quotes what it printed).
Status PythonVerify(const std::string& dir, const std::string& zip) {
  const std::string path = dir + "/bundle.zip";
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(path, zip));
  return RunCommand("python3 tests/tools/verify_evidence.py " + ShellQuote(path),
                    dir + "/verify.log");
}

TEST_F(EvidenceTest, RequestApproveExportVerifies) {
  EvidenceRequest approved = Approved(AboutBorrower());
  ASSERT_EQ(approved.state, policy::EvidenceState::kApproved);
  EXPECT_TRUE(approved.hold.active);
  auto d = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const std::string zip = Bytes(*d);
  EXPECT_EQ(zip.size(), d->exported.bundle_size);
  EXPECT_EQ(HexEncode(Sha256(zip)), d->exported.bundle_sha256);

  const VerifyReport report = Verify(zip);
  ASSERT_TRUE(report.ok()) << report.failure->file << ": " << report.failure->check << ": "
                           << report.failure->message;
  EXPECT_TRUE(report.key_from_bundle);
  EXPECT_GT(report.events, 3u);
  EXPECT_EQ(report.case_ref, "(2026)沪0115民初1234号");
  EXPECT_FALSE(report.redacted);
  // With the log's key given as the trusted one, and refused with another.
  EXPECT_TRUE(Verify(zip, log_->PublicKeyPem()).ok());
  EXPECT_FALSE(Verify(zip, log_->VerifierKey()).key_from_bundle);
  const VerifyReport other = Verify(zip, note::Ed25519PublicKeyPem(GenerateEd25519().public_key));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.failure->check, "key");

  const Files files = Unzip(zip);
  for (const char* f : {"manifest.xml", "manifest.xml.sig", "SHA256SUMS", "keys/log-key.pem",
                        "keys/log-key.vkey", "audit/checkpoint", "audit/events.jsonl",
                        "report.html", "VERIFY.md", "verify.py", "evidence/request.json"}) {
    EXPECT_TRUE(HasFile(files, f)) << f;
  }
  // The borrower's secret file, viewed under a loan, in full; the file they
  // were refused is in too (they tried); their NDA with its signatures.
  EXPECT_TRUE(HasFile(files, "records/" + secret_.id + "/v1.json"));
  EXPECT_TRUE(HasFile(files, "records/" + secret_.id + "/v1.html"));
  EXPECT_TRUE(HasFile(files, "records/" + own1_.id + "/meta.json"));
  EXPECT_FALSE(HasFile(files, "records/" + own2_.id + "/meta.json"));
  EXPECT_TRUE(HasFile(files, "people/" + borrower_.id + ".json"));
  EXPECT_TRUE(HasFile(files, "agreements/" + nda_id_ + "/document.html"));
  EXPECT_TRUE(HasFile(files, "agreements/" + nda_id_ + "/signatures/0.json") ||
              HasFile(files, "agreements/" + nda_id_ + "/signatures/4.json"));
  const std::string report_html = *Find(files, "report.html");
  EXPECT_NE(report_html.find("杭州轴承集团"), std::string::npos);
  // Each view with its place and reason, the refused one too.
  EXPECT_NE(report_html.find("每次查阅与使用：时间、地点与事由"), std::string::npos);
  EXPECT_NE(report_html.find("核对报价单据"), std::string::npos);
  EXPECT_NE(report_html.find("随便看看"), std::string::npos);
  EXPECT_NE(report_html.find("(2026)沪0115民初1234号"), std::string::npos);
  EXPECT_NE(report_html.find("电子数据真实性说明"), std::string::npos);
  EXPECT_NE(report_html.find("902(14)"), std::string::npos);
  // The person's employment in words, not as the policy's id.
  EXPECT_NE(report_html.find("</th><td>在职 <span class=\"en\">/ employed</span>"),
            std::string::npos);
  // The policy in force: each of copy, print and export named beside its rule.
  for (const char* use :
       {"复制 <span class=\"en\">/ Copy</span>：", "打印 <span class=\"en\">/ Print</span>：",
        "导出 <span class=\"en\">/ Export</span>："}) {
    EXPECT_NE(report_html.find(use), std::string::npos) << use;
  }
  EXPECT_EQ(*Find(files, "verify.py"), *ReadFileBytes("tests/tools/verify_evidence.py"));

  // The export is an event naming the bundle's hash; the request keeps it.
  const std::string last = LastEvent();
  EXPECT_NE(last.find("\"action\":\"evidence.export\""), std::string::npos);
  EXPECT_NE(last.find(d->exported.bundle_sha256), std::string::npos);
  auto again = desk_->Get(As(litigation_), approved.id);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->exports.size(), 1u);
  EXPECT_EQ(again->exports[0].bundle_sha256, d->exported.bundle_sha256);

  // The independent verifier (written from the docs) agrees.
  Status py = PythonVerify(dir_.path(), zip);
  EXPECT_TRUE(py.ok()) << py.message();
}

TEST_F(EvidenceTest, SeparationOfDutiesAndRefusalsAreAudited) {
  User lit_approver =
      AddUser("lin.both", "林兼任", {policy::Role::kLitigation, policy::Role::kApprover});
  User subject_approver = AddUser("ma.subject", "马审批", {policy::Role::kApprover});
  NewEvidenceRequest n = AboutBorrower();
  n.scope.person_ids.push_back(subject_approver.id);
  auto r = desk_->Request(As(lit_approver), n);
  ASSERT_TRUE(r.ok()) << r.status().ToString();

  auto expect_refused = [&](const Status& st, std::string_view rule) {
    EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << st.ToString();
    EXPECT_EQ(st.message().rfind(std::string(rule) + ":", 0), 0u) << st.message();
    const std::string last = LastEvent();
    EXPECT_NE(last.find("\"decision\":\"deny\""), std::string::npos) << last;
    EXPECT_NE(last.find("\"rule\":\"" + std::string(rule) + "\""), std::string::npos) << last;
  };
  expect_refused(desk_->Approve(As(lit_approver), r->id, "自己批").status(),
                 policy::rules::kSodRequesterNotApprover);
  expect_refused(desk_->Approve(As(subject_approver), r->id, "批").status(),
                 policy::rules::kSodSubjectNotApprover);
  expect_refused(desk_->Approve(As(litigation_), r->id, "批").status(),
                 policy::rules::kRoleNotPermitted);
  expect_refused(desk_->Export(As(lit_approver), r->id).status(),
                 policy::rules::kEvidenceNotApproved);
  expect_refused(desk_->Request(As(auditor_), AboutBorrower()).status(),
                 policy::rules::kRoleNotPermitted);
  expect_refused(desk_->Request(As(borrower_), AboutBorrower()).status(),
                 policy::rules::kRoleNotPermitted);

  ASSERT_TRUE(desk_->Approve(As(approver_), r->id, "同意").ok());
  expect_refused(desk_->Export(As(litigation_), r->id).status(),
                 policy::rules::kEvidenceNotRequester);
  expect_refused(desk_->Export(As(auditor_), r->id).status(), policy::rules::kRoleNotPermitted);
  EXPECT_TRUE(desk_->Export(As(lit_approver), r->id).ok());

  auto denied = desk_->Request(As(litigation_), AboutBorrower());
  ASSERT_TRUE(denied.ok());
  ASSERT_TRUE(desk_->Deny(As(approver_), denied->id, "范围过宽").ok());
  expect_refused(desk_->Export(As(litigation_), denied->id).status(),
                 policy::rules::kEvidenceDenied);
  expect_refused(desk_->Approve(As(approver2_), denied->id, "改为同意").status(),
                 policy::rules::kEvidenceNotPending);

  // Bad input is refused before anything is decided or written.
  NewEvidenceRequest bad = AboutBorrower();
  bad.case_ref = " ";
  EXPECT_EQ(desk_->Request(As(litigation_), bad).status().code(), StatusCode::kInvalidArgument);
  bad = AboutBorrower();
  bad.scope.person_ids = {"u-0000000000000000"};
  EXPECT_EQ(desk_->Request(As(litigation_), bad).status().code(), StatusCode::kInvalidArgument);
  bad = AboutBorrower();
  bad.recipients = {"age1notarecipient"};
  EXPECT_EQ(desk_->Request(As(litigation_), bad).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(desk_->List(As(borrower_)).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(desk_->List(As(auditor_)).ok());

  // No one asks for evidence about themselves.
  NewEvidenceRequest about_self = AboutBorrower();
  about_self.scope.person_ids = {litigation_.id};
  expect_refused(desk_->Request(As(litigation_), about_self).status(),
                 policy::rules::kSodSubjectNotRequester);
}

// A version written after the window's end (the successor's new prices,
// say) is not what the case is about: only the versions written before it
// travel, and the record's meta.json counts the later ones.
TEST_F(EvidenceTest, VersionsWrittenAfterTheWindowStayOut) {
  const UnixMillis window_end = NowMillis() + 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  RecordUpdate later;
  later.name = secret_.name;
  later.classification = secret_.classification;
  later.custodian_id = secret_.custodian_id;
  later.tags = secret_.tags;
  later.paper = secret_.paper;
  later.content.agreed_prices = "A 型 88 元/件（新价）";
  ASSERT_TRUE(archive_->UpdateRecord(As(author_), secret_.id, later, "新报价").ok());
  NewEvidenceRequest n = AboutBorrower();
  n.scope.to = window_end;
  auto d = desk_->Export(As(litigation_), Approved(n).id);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const std::string zip = Bytes(*d);
  ASSERT_TRUE(Verify(zip).ok());
  EXPECT_TRUE(PythonVerify(dir_.path(), zip).ok());
  const Files files = Unzip(zip);
  EXPECT_TRUE(HasFile(files, "records/" + secret_.id + "/v1.json"));
  EXPECT_FALSE(HasFile(files, "records/" + secret_.id + "/v2.json"));
  EXPECT_FALSE(HasFile(files, "records/" + secret_.id + "/v2.commitments.json"));
  for (const auto& [name, bytes] : files) {
    EXPECT_EQ(bytes.find("88 元/件"), std::string::npos) << name;
  }
  json::Value meta = *json::Parse(*Find(files, "records/" + secret_.id + "/meta.json"));
  EXPECT_EQ(meta["versions"].as_array().size(), 1u);
  EXPECT_EQ(meta["versions_after_window"].as_int(), 1);
}

// A file that came into the scope after the approval (a person in scope
// tried to open it) was approved by no one: its content stays out of the
// bundle, and the export's event counts it.
TEST_F(EvidenceTest, FilesThatCameIntoScopeAfterTheApprovalStayOut) {
  EvidenceRequest approved = Approved(AboutBorrower());
  ASSERT_EQ(std::count(approved.hold.record_ids.begin(), approved.hold.record_ids.end(), own2_.id),
            0);
  // Viewed after the approval (an internal file: allowed): now in scope.
  EXPECT_TRUE(archive_->View(As(borrower_), own2_.id, "想看看").ok());
  auto d = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const std::string zip = Bytes(*d);
  ASSERT_TRUE(Verify(zip).ok());
  const Files files = Unzip(zip);
  EXPECT_TRUE(HasFile(files, "records/" + secret_.id + "/v1.json"));
  for (const auto& [name, bytes] : files) {
    EXPECT_FALSE(name.starts_with("records/" + own2_.id)) << name;
    EXPECT_EQ(bytes.find("苏州精密零件厂"), std::string::npos) << name;
  }
  EXPECT_NE(LastEvent().find("\"not_approved\":1"), std::string::npos) << LastEvent();
  // A new request covers it, on its own approval.
  auto again = desk_->Export(As(litigation_), Approved(AboutBorrower()).id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(HasFile(Unzip(Bytes(*again)), "records/" + own2_.id + "/v1.json"));
}

TEST_F(EvidenceTest, TopSecretInScopeNeedsTwoApprovers) {
  RecordMeta top = MakeRecord(policy::Classification::kTopSecret, "深圳电子核心客户");
  NewEvidenceRequest n = AboutBorrower();
  n.scope.record_ids = {top.id};
  auto r = desk_->Request(As(litigation_), n);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->approvals_required, 2);
  auto first = desk_->Approve(As(approver_), r->id, "同意");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->state, policy::EvidenceState::kRequested);
  EXPECT_FALSE(first->hold.active);
  EXPECT_EQ(desk_->Approve(As(approver_), r->id, "再批").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(desk_->Export(As(litigation_), r->id).status().code(), StatusCode::kPermissionDenied);
  auto second = desk_->Approve(As(approver2_), r->id, "同意");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->state, policy::EvidenceState::kApproved);
  EXPECT_TRUE(second->hold.active);
  EXPECT_TRUE(desk_->Export(As(litigation_), r->id).ok());
}

TEST_F(EvidenceTest, LegalHoldBlocksDeclassifyingAndSingleApproverTransfers) {
  NewEvidenceRequest n = AboutBorrower();
  n.scope.person_ids.clear();
  n.scope.record_ids = {own1_.id, own2_.id};
  EvidenceRequest approved = Approved(n);
  {
    auto r = vault_->BeginRead();
    EXPECT_TRUE(*RecordOnHold(**r, own1_.id));
    EXPECT_TRUE(*RecordOnHold(**r, own2_.id));
    EXPECT_FALSE(*RecordOnHold(**r, secret_.id));
  }
  // The owner (a salesperson about to leave) cannot lower the marking.
  RecordUpdate down;
  down.name = own1_.name;
  down.classification = policy::Classification::kPublic;
  down.custodian_id = custodian_.id;
  auto lowered = archive_->UpdateRecord(As(author_), own1_.id, down, "客户已公开");
  EXPECT_EQ(lowered.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(lowered.status().message().rfind("hold.no_declassify:", 0), 0u);
  // Nor set a declassification date the timer would act on.
  RecordUpdate dated = down;
  dated.classification = own1_.classification;
  dated.declassify_on = "2020-01-01";
  EXPECT_EQ(archive_->UpdateRecord(As(author_), own1_.id, dated, "到期解密").status().code(),
            StatusCode::kPermissionDenied);
  // An ordinary edit still works.
  RecordUpdate edit = down;
  edit.classification = own1_.classification;
  EXPECT_TRUE(archive_->UpdateRecord(As(author_), own1_.id, edit, "补充联系人").ok());

  // Nor may an approver while the hold lasts.
  EXPECT_EQ(archive_
                ->LowerClassification(As(approver_), own2_.id, policy::Classification::kPublic, "",
                                      "客户已公开")
                .status()
                .message()
                .rfind("hold.no_declassify:", 0),
            0u);

  // Moving the customer needs two approvers.
  bool pending = false;
  auto first =
      archive_->ReassignOwner(As(approver_), own1_.id, borrower2_.id, "客户交接", &pending);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(pending);
  EXPECT_EQ(first->owner_id, author_.id);
  EXPECT_EQ(archive_->ReassignOwner(As(approver_), own1_.id, borrower2_.id, "再次").status().code(),
            StatusCode::kPermissionDenied);
  auto second = archive_->ReassignOwner(As(approver2_), own1_.id, borrower2_.id, "确认", &pending);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(pending);
  EXPECT_EQ(second->owner_id, borrower2_.id);

  // Holds are listed; lifting needs litigation and a reason; then an
  // approver may lower the marking again.
  auto holds = desk_->Holds(As(auditor_));
  ASSERT_TRUE(holds.ok());
  ASSERT_EQ(holds->size(), 1u);
  EXPECT_TRUE((*holds)[0].hold.active);
  EXPECT_EQ(desk_->LiftHold(As(approver_), approved.id, "结案").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(desk_->LiftHold(As(litigation_), approved.id, "").status().code(),
            StatusCode::kPermissionDenied);
  auto lifted = desk_->LiftHold(As(litigation2_), approved.id, "案件已调解结案");
  ASSERT_TRUE(lifted.ok()) << lifted.status().ToString();
  EXPECT_FALSE(lifted->hold.active);
  EXPECT_EQ(desk_->LiftHold(As(litigation_), approved.id, "再次").status().code(),
            StatusCode::kFailedPrecondition);
  {
    auto r = vault_->BeginRead();
    EXPECT_FALSE(*RecordOnHold(**r, own1_.id));
  }
  auto now_lowered = archive_->LowerClassification(
      As(approver_), own2_.id, policy::Classification::kPublic, "", "客户已公开");
  EXPECT_TRUE(now_lowered.ok()) << now_lowered.status().ToString();
}

// The person's agreements go into the bundle whatever their state: one
// voided before the case reads as void, never signed, not as a signature
// that failed; one still unsigned when the hold is placed cannot be voided
// until litigation lifts the hold, nor recalled (the employee may sign it).
TEST_F(EvidenceTest, AVoidedAgreementIsReportedAsVoidAndAHeldOneIsNotVoided) {
  DraftRequest dr;
  dr.template_id = "cn-employee-nda";
  dr.employee_id = borrower_.id;
  dr.fields["employee_name"] = "李借阅";
  auto wrong = agreements_->CreateDraft(As(legal_), dr);
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  ASSERT_TRUE(agreements_->Void(As(legal_), wrong->id, "起草对象有误").ok());
  auto pending = agreements_->CreateDraft(As(legal_), dr);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  auto sent = agreements_->CreateDraft(As(legal_), dr);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_TRUE(agreements_->Submit(As(legal_), sent->id).ok());
  ASSERT_TRUE(agreements_->Send(As(legal2_), sent->id).ok());

  EvidenceRequest approved = Approved(AboutBorrower());
  ASSERT_TRUE(approved.hold.active);
  auto held = agreements_->Void(As(legal2_), pending->id, "不再需要");
  EXPECT_EQ(held.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(held.status().message_zh().find("诉讼保全"), std::string::npos);
  EXPECT_EQ(agreements_->Get(As(legal_), pending->id)->state, AgreementState::kDraft);
  // Nor is a held agreement recalled from the employee; they may still sign it.
  auto recalled = agreements_->Recall(As(legal_), sent->id, "条款有误");
  EXPECT_EQ(recalled.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(recalled.status().message().find("legal hold"), std::string::npos);
  EXPECT_EQ(agreements_->Void(As(legal_), sent->id, "不再需要").status().code(),
            StatusCode::kFailedPrecondition);
  auto signed_now = agreements_->Sign(As(borrower_), sent->id, SecretBytes::CopyOf(kPassword));
  ASSERT_TRUE(signed_now.ok()) << signed_now.status().ToString();

  auto d = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  const std::string zip = Bytes(*d);
  const VerifyReport report = Verify(zip);
  ASSERT_TRUE(report.ok()) << report.failure->file << ": " << report.failure->check << ": "
                           << report.failure->message;
  const Files files = Unzip(zip);
  EXPECT_TRUE(HasFile(files, "agreements/" + wrong->id + "/agreement.json"));
  const std::string html = *Find(files, "report.html");
  const size_t row = html.find(wrong->id);
  ASSERT_NE(row, std::string::npos);
  const std::string rest = html.substr(row, html.find("</tr>", row) - row);
  EXPECT_NE(rest.find("已作废（未签署）"), std::string::npos) << rest;
  EXPECT_EQ(rest.find("未通过或未签署"), std::string::npos) << rest;
  EXPECT_TRUE(PythonVerify(dir_.path(), zip).ok());
}

TEST_F(EvidenceTest, DeclassificationTimerSkipsHeldRecords) {
  // A declassification date is an approver's decision (it lowers the
  // marking when it falls due).
  auto dated = archive_->LowerClassification(As(approver_), own2_.id, own2_.classification,
                                             "2026-01-01", "设定解密日期");
  ASSERT_TRUE(dated.ok()) << dated.status().ToString();
  NewEvidenceRequest n = AboutBorrower();
  n.scope.person_ids.clear();
  n.scope.record_ids = {own2_.id};
  Approved(n);
  auto changed = archive_->DeclassifyDue(CivilDate{2026, 6, 1});
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(changed->empty());
  auto meta = archive_->GetMeta(own2_.id);
  EXPECT_EQ(meta->classification, policy::Classification::kInternal);
}

// Tamper tests: one byte of each kind of file changed, with SHA256SUMS as
// it was and recomputed as an attacker would; every change is caught and
// the failure names the file.
TEST_F(EvidenceTest, EveryKindOfTamperingIsCaughtAndNamed) {
  EvidenceRequest approved = Approved(AboutBorrower());
  auto d = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(d.ok());
  const Files files = Unzip(Bytes(*d));
  const std::vector<std::string> targets = {
      "audit/events.jsonl",
      FirstNamed(files, [](const std::string& n) { return n.ends_with(".tlog-proof"); }),
      "audit/checkpoint",
      "manifest.xml",
      "records/" + secret_.id + "/v1.json",
      "records/" + secret_.id + "/v1.html",
      "agreements/" + nda_id_ + "/document.html",
      FirstNamed(files, [](const std::string& n) { return n.starts_with("policy/"); }),
      "people/" + borrower_.id + ".json",
      "evidence/request.json",
      "report.html",
  };
  for (const std::string& target : targets) {
    ASSERT_FALSE(target.empty());
    for (bool resum : {false, true}) {
      SCOPED_TRACE(target + (resum ? " (SHA256SUMS recomputed)" : ""));
      const VerifyReport report = Verify(Tamper(files, target, resum));
      ASSERT_FALSE(report.ok());
      EXPECT_EQ(report.failure->file, target)
          << report.failure->check << ": " << report.failure->message;
    }
  }
  // The independent verifier catches them too (a sample: it is slower).
  for (const std::string& target :
       std::vector<std::string>{"audit/events.jsonl", "records/" + secret_.id + "/v1.json"}) {
    Status py = PythonVerify(dir_.path(), Tamper(files, target, true));
    EXPECT_FALSE(py.ok()) << target;
    EXPECT_NE(py.message().find(target), std::string::npos) << py.message();
  }
}

// manifest.xml and SHA256SUMS name every file, so a bundle of a person with
// 40 000 files has a manifest over 100 MiB: both verifiers read the index
// files up to 64 MiB plus 1 KiB per entry of the archive (and no further).
TEST_F(EvidenceTest, AManifestOver64MiBVerifiesWhenTheArchiveHasTheFilesForIt) {
  EvidenceRequest approved = Approved(AboutBorrower());
  auto d = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(d.ok());
  const Files files = Unzip(Bytes(*d));
  const Ed25519KeyPair key = LogKey();
  const size_t limit = (size_t{64} << 20) + (size_t{1} << 10) * files.size();
  // The manifest padded with whitespace to `size` bytes, signed again by the
  // log key and summed again: a valid bundle whose manifest is that large.
  auto padded_to = [&](size_t size) {
    Files changed = files;
    for (auto& [n, b] : changed) {
      if (n != "manifest.xml") continue;
      const size_t end = b.rfind("</Root>");
      EXPECT_NE(end, std::string::npos);
      EXPECT_LT(b.size(), size);
      b.insert(end, size - b.size(), '\n');
    }
    return SignedAgain(std::move(changed), key);
  };
  const std::string within = padded_to(limit - 100);
  const VerifyReport ok = Verify(within);
  EXPECT_TRUE(ok.ok()) << ok.failure->file << ": " << ok.failure->message;
  Status py = PythonVerify(dir_.path(), within);
  EXPECT_TRUE(py.ok()) << py.message();

  const std::string beyond = padded_to(limit + 1);
  const VerifyReport refused = Verify(beyond);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.failure->file, "manifest.xml");
  EXPECT_NE(refused.failure->message.find("larger than"), std::string::npos)
      << refused.failure->message;
  py = PythonVerify(dir_.path(), beyond);
  EXPECT_FALSE(py.ok());
  EXPECT_NE(py.message().find("manifest.xml: too large"), std::string::npos) << py.message();
}

// The request in the bundle names the hold it placed; the log recorded the
// same hold when the approval placed it. A request.json whose hold differs
// is caught even with the manifest signed again by the log key.
TEST_F(EvidenceTest, ARequestWhoseHoldIsNotTheOneTheLogRecordedIsCaught) {
  EvidenceRequest approved = Approved(AboutBorrower());
  ASSERT_FALSE(approved.hold.record_ids.empty());
  auto d = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(d.ok());
  const std::string zip = Bytes(*d);
  const VerifyReport ok = Verify(zip);
  ASSERT_TRUE(ok.ok()) << ok.failure->message;
  const std::string events_line = ok.passed[6];
  EXPECT_NE(events_line.find("the request's legal hold is the one event"), std::string::npos)
      << events_line;

  Files files = Unzip(zip);
  for (auto& [n, b] : files) {
    if (n != "evidence/request.json") continue;
    const std::string old_hash = HexEncode(Sha256(b));
    // One held record's id changed (same length), after "hold".
    const size_t at = b.find(approved.hold.record_ids.front(), b.find("\"hold\""));
    ASSERT_NE(at, std::string::npos) << b;
    char& c = b[at + approved.hold.record_ids.front().size() - 1];
    c = c == '0' ? '1' : '0';
    for (auto& [m, x] : files) {
      if (m != "manifest.xml") continue;
      const size_t h = x.find(old_hash);
      ASSERT_NE(h, std::string::npos);
      x.replace(h, old_hash.size(), HexEncode(Sha256(b)));
    }
  }
  const std::string changed = SignedAgain(files, LogKey());
  const VerifyReport report = Verify(changed);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.failure->file, "evidence/request.json");
  EXPECT_NE(report.failure->message.find("differ from those event"), std::string::npos)
      << report.failure->message;
  Status py = PythonVerify(dir_.path(), changed);
  EXPECT_FALSE(py.ok());
  EXPECT_NE(py.message().find("differ from those event"), std::string::npos) << py.message();
}

// VERIFY.md's line that prints a hold's digest from evidence/request.json,
// typed as the expert would: it prints what the approval event's
// records_sha256 is for a hold of more than 5 000 files (PutIdList).
TEST_F(EvidenceTest, VerifyMdPrintsTheDigestOfTheHoldListAsTheLogWouldRecordIt) {
  EvidenceRequest approved = Approved(AboutBorrower());
  ASSERT_FALSE(approved.hold.record_ids.empty());
  auto d = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(d.ok());
  const Files files = Unzip(Bytes(*d));
  const std::string out = dir_.path() + "/expert";
  ASSERT_TRUE(
      RunCommand("mkdir -p " + ShellQuote(out + "/evidence"), dir_.path() + "/mkdir.log").ok());
  ASSERT_TRUE(
      WriteFileBytes(out + "/evidence/request.json", *Find(files, "evidence/request.json")).ok());
  const std::string& md = *Find(files, "VERIFY.md");
  const size_t begin = md.find("python3 -c 'import json,hashlib;");
  ASSERT_NE(begin, std::string::npos) << md;
  const std::string line = md.substr(begin, md.find('\n', begin) - begin);
  ASSERT_TRUE(
      RunCommand("cd " + ShellQuote(out) + " && " + line, dir_.path() + "/digest.log").ok());
  std::string all;
  for (const std::string& id : approved.hold.record_ids) all += id + "\n";
  EXPECT_EQ(*ReadFileBytes(dir_.path() + "/digest.log"), HexEncode(Sha256(all)) + "\n");
}

TEST_F(EvidenceTest, RedactedBundleCommitsToTheSameValuesAsTheFullOne) {
  EvidenceRequest full = Approved(AboutBorrower());
  NewEvidenceRequest n = AboutBorrower();
  n.redact = true;
  EvidenceRequest redacted = Approved(n);
  auto df = desk_->Export(As(litigation_), full.id);
  auto dr = desk_->Export(As(litigation_), redacted.id);
  ASSERT_TRUE(df.ok());
  ASSERT_TRUE(dr.ok());
  const std::string zr = Bytes(*dr);
  const VerifyReport report = Verify(zr);
  ASSERT_TRUE(report.ok()) << report.failure->file << ": " << report.failure->message;
  EXPECT_TRUE(report.redacted);
  const Files ff = Unzip(Bytes(*df));
  const Files fr = Unzip(zr);
  const std::string base = "records/" + secret_.id + "/v1";
  EXPECT_FALSE(HasFile(fr, base + ".json"));
  EXPECT_FALSE(HasFile(fr, base + ".salts.json"));
  ASSERT_TRUE(HasFile(fr, base + ".commitments.json"));
  EXPECT_EQ(*Find(fr, base + ".commitments.json"), *Find(ff, base + ".commitments.json"));
  // No content value appears anywhere in the redacted bundle.
  for (const auto& [name, bytes] : fr) {
    for (const char* secret : {"A 型 95 元/件", "13800000000", "91310000MA1FL0XX1X"}) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << name << " holds " << secret;
    }
  }
  EXPECT_NE(Find(ff, base + ".json")->find("A 型 95 元/件"), std::string::npos);
  Status py = PythonVerify(dir_.path(), zr);
  EXPECT_TRUE(py.ok()) << py.message();
}

// A leaver's bundle shows what became of their customers: each handover,
// who confirmed it, and what the customer said or who waived it — in
// people/<id>.json and as a table in the report. A redacted bundle leaves
// out who answered at the customer.
TEST_F(EvidenceTest, ALeaversBundleCarriesTheHandoversAndTheCustomersAnswers) {
  User hr = AddUser("ma.hr", "马人事", {policy::Role::kHr});
  User successor = AddUser("he.author", "何销售", {policy::Role::kAuthor});
  ASSERT_TRUE(RegisterResignation(*vault_, *log_, As(hr), author_.id, "2026-03-02", "2026-04-01",
                                  "个人原因")
                  .ok());
  for (const RecordMeta* r : {&own1_, &own2_}) {
    ASSERT_TRUE(AssignHandover(*archive_, As(hr), author_.id, r->id, successor.id, "交接").ok());
    ASSERT_TRUE(ConfirmHandover(*archive_, As(approver_), author_.id, r->id, "确认").ok());
  }
  CustomerAnswerInput refused;
  refused.answer = CustomerAnswer::kRefused;
  refused.method = "phone";
  refused.contact_name = "钱采购经理";
  refused.date = "2026-03-05";
  ASSERT_TRUE(RecordCustomerAnswer(*archive_, As(successor), author_.id, own1_.id, refused).ok());
  ASSERT_TRUE(WaiveCustomerConfirmation(*archive_, As(approver2_), author_.id, own1_.id,
                                        "法务已另行书面通知")
                  .ok());

  NewEvidenceRequest n = AboutBorrower();
  n.scope.person_ids = {author_.id};
  auto full = desk_->Export(As(litigation_), Approved(n).id);
  ASSERT_TRUE(full.ok()) << full.status().ToString();
  const std::string zip = Bytes(*full);
  ASSERT_TRUE(Verify(zip).ok());
  const Files files = Unzip(zip);
  // The files they handed over (owned by the successor now) are in scope.
  for (const RecordMeta* r : {&own1_, &own2_}) {
    EXPECT_TRUE(HasFile(files, "records/" + r->id + "/meta.json")) << r->id;
  }
  const std::string* person = Find(files, "people/" + author_.id + ".json");
  ASSERT_NE(person, nullptr);
  json::Value p = *json::Parse(*person);
  ASSERT_EQ(p["handovers"].as_array().size(), 2u);
  json::Value first = p["handovers"].as_array()[0];
  json::Value second = p["handovers"].as_array()[1];
  json::Value waived = first["record"].as_string() == own1_.id ? first : second;
  EXPECT_EQ(waived["state"].as_string(), "confirmed");
  EXPECT_EQ(waived["successor"].as_string(), successor.id);
  EXPECT_EQ(waived["customer"]["answer"].as_string(), "refused");
  EXPECT_EQ(waived["customer"]["contact_name"].as_string(), "钱采购经理");
  EXPECT_EQ(waived["customer"]["waived_by"].as_string(), approver2_.id);
  // Every event the person's file cites is in the bundle, with its proof.
  std::set<int64_t> carried;
  const std::string& jsonl = *Find(files, "audit/events.jsonl");
  for (size_t at = 0, end; at < jsonl.size(); at = end + 1) {
    end = jsonl.find('\n', at);
    if (end == std::string::npos) end = jsonl.size();
    carried.insert((*json::Parse(jsonl.substr(at, end - at)))["seq"].as_int());
  }
  for (json::Value h : p["handovers"].as_array()) {
    for (int64_t seq : {h["assign_seq"].as_int(), h["confirm_seq"].as_int(),
                        h["customer"]["seq"].as_int(), h["customer"]["waive_seq"].as_int()}) {
      if (seq == 0) continue;
      EXPECT_TRUE(carried.contains(seq)) << seq;
      EXPECT_TRUE(HasFile(files, "audit/" + std::to_string(seq) + ".tlog-proof")) << seq;
    }
  }
  const std::string report = *Find(files, "report.html");
  EXPECT_NE(report.find("客户交接与客户确认"), std::string::npos);
  EXPECT_NE(report.find("何销售"), std::string::npos);
  EXPECT_NE(report.find("已豁免"), std::string::npos);
  EXPECT_NE(report.find("待客户确认"), std::string::npos);  // own2_: not yet asked

  n.redact = true;
  auto redacted = desk_->Export(As(litigation_), Approved(n).id);
  ASSERT_TRUE(redacted.ok()) << redacted.status().ToString();
  for (const auto& [name, bytes] : Unzip(Bytes(*redacted))) {
    EXPECT_EQ(bytes.find("钱采购经理"), std::string::npos) << name;
  }

  // A bundle about the successor holds the files they now own, own2_ too,
  // which they never opened: owning a file puts it in their scope.
  NewEvidenceRequest about_successor = AboutBorrower();
  about_successor.scope.person_ids = {successor.id};
  auto theirs = desk_->Export(As(litigation_), Approved(about_successor).id);
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  const Files their_files = Unzip(Bytes(*theirs));
  for (const RecordMeta* r : {&own1_, &own2_}) {
    EXPECT_TRUE(HasFile(their_files, "records/" + r->id + "/meta.json")) << r->id;
  }
}

TEST_F(EvidenceTest, LaterDownloadsAndExportsFormTheChainOfCustody) {
  EvidenceRequest approved = Approved(AboutBorrower());
  auto first = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(first.ok());
  const std::string z1 = Bytes(*first);
  auto again = desk_->Download(As(litigation_), approved.id, 1);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(Bytes(*again), z1);
  EXPECT_NE(LastEvent().find("\"action\":\"evidence.download\""), std::string::npos);
  EXPECT_EQ(desk_->Download(As(litigation2_), approved.id, 1).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(desk_->Download(As(litigation_), approved.id, 7).status().code(),
            StatusCode::kNotFound);

  // A second export carries the first export and the download, and proves
  // that its log extends the first export's checkpoint.
  auto second = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->exported.number, 2u);
  const std::string z2 = Bytes(*second);
  const VerifyReport report = Verify(z2);
  ASSERT_TRUE(report.ok()) << report.failure->file << ": " << report.failure->message;
  const Files files = Unzip(z2);
  const std::string old_size = std::to_string(first->exported.checkpoint_size);
  EXPECT_TRUE(HasFile(files, "audit/checkpoints/" + old_size));
  EXPECT_TRUE(HasFile(files, "audit/consistency/" + old_size + "-" +
                                 std::to_string(second->exported.checkpoint_size)));
  const std::string& events = *Find(files, "audit/events.jsonl");
  EXPECT_NE(events.find("\"action\":\"evidence.export\""), std::string::npos);
  EXPECT_NE(events.find("\"action\":\"evidence.download\""), std::string::npos);
  EXPECT_NE(Find(files, "evidence/request.json")->find(first->exported.bundle_sha256),
            std::string::npos);
  Status py = PythonVerify(dir_.path(), z2);
  EXPECT_TRUE(py.ok()) << py.message();
}

TEST_F(EvidenceTest, EncryptedToOutsideCounselDecryptsWithAge) {
  const std::string key = dir_.path() + "/counsel.key";
  ASSERT_TRUE(RunCommand("age-keygen -o " + ShellQuote(key), dir_.path() + "/keygen.log").ok());
  std::string recipient;
  {
    auto text = ReadFileBytes(key);
    ASSERT_TRUE(text.ok());
    const size_t at = text->find("public key: ");
    ASSERT_NE(at, std::string::npos);
    recipient = text->substr(at + 12, text->find('\n', at) - at - 12);
  }
  NewEvidenceRequest n = AboutBorrower();
  n.recipients = {recipient};
  EvidenceRequest approved = Approved(n);
  auto d = desk_->Export(As(litigation_), approved.id);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->exported.encrypted);
  EXPECT_EQ(d->filename.substr(d->filename.size() - 8), ".zip.age");
  const std::string sealed = Bytes(*d);
  EXPECT_EQ(sealed.rfind("age-encryption.org/v1\n", 0), 0u);
  const std::string in = dir_.path() + "/bundle.zip.age";
  const std::string out = dir_.path() + "/decrypted.zip";
  ASSERT_TRUE(WriteFileBytes(in, sealed).ok());
  ASSERT_TRUE(RunCommand("age --decrypt -i " + ShellQuote(key) + " -o " + ShellQuote(out) + " " +
                             ShellQuote(in),
                         dir_.path() + "/age.log")
                  .ok());
  auto zip = ReadFileBytes(out);
  ASSERT_TRUE(zip.ok());
  EXPECT_EQ(HexEncode(Sha256(*zip)), d->exported.bundle_sha256);
  EXPECT_TRUE(Verify(*zip).ok());
  EXPECT_NE(LastEvent().find(d->exported.stored.sha256), std::string::npos)
      << "the event names the delivered (encrypted) bytes too";
}

TEST_F(EvidenceTest, TrustedTimestampOverTheCheckpoint) {
  auto tsa = TestTsa::Create();
  ASSERT_TRUE(tsa.ok()) << tsa.status().ToString();
  EvidenceRequest approved = Approved(AboutBorrower());
  ExportOptions o;
  o.timestamper = [&](std::string_view query) { return (*tsa)->Reply(query); };
  o.tsa_ca_pem = (*tsa)->ca_pem();
  auto d = desk_->Export(As(litigation_), approved.id, o);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->exported.timestamped);
  const std::string zip = Bytes(*d);
  const VerifyReport report = Verify(zip);
  ASSERT_TRUE(report.ok()) << report.failure->file << ": " << report.failure->message;
  EXPECT_TRUE(report.timestamped);
  const Files files = Unzip(zip);
  EXPECT_TRUE(
      (*tsa)
          ->OpensslVerify(*Find(files, "audit/checkpoint"), *Find(files, "audit/checkpoint.tsr"))
          .ok());
  Status py = PythonVerify(dir_.path(), zip);
  EXPECT_TRUE(py.ok()) << py.message();
  // VERIFY.md's own commands, as a court expert would type them.
  const std::string out = dir_.path() + "/unpacked";
  ASSERT_TRUE(RunCommand("mkdir -p " + ShellQuote(out + "/audit") + " " + ShellQuote(out + "/keys"),
                         dir_.path() + "/mkdir.log")
                  .ok());
  for (const char* f : {"audit/checkpoint", "audit/checkpoint.tsr", "keys/tsa-ca.pem"}) {
    ASSERT_TRUE(WriteFileBytes(out + "/" + f, *Find(files, f)).ok());
  }
  const std::string& md = *Find(files, "VERIFY.md");
  const size_t begin = md.find("T=$(openssl ts -reply");
  ASSERT_NE(begin, std::string::npos);
  const std::string snippet = md.substr(begin, md.find("```", begin) - begin);
  Status shell =
      RunCommand("cd " + ShellQuote(out) + " && (" + snippet + ")", dir_.path() + "/ts.log");
  EXPECT_TRUE(shell.ok()) << shell.message();
  EXPECT_NE(ReadFileBytes(dir_.path() + "/ts.log")->find("Verification: OK"), std::string::npos);
  const VerifyReport tampered = Verify(Tamper(files, "audit/checkpoint.tsr", true));
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.failure->file, "audit/checkpoint.tsr");

  // A TSA answering for other data is refused before anything is recorded.
  ExportOptions wrong = o;
  wrong.timestamper = [&](std::string_view) -> Result<std::string> {
    auto q = MakeTimestampRequest("other data");
    return (*tsa)->Reply(q->der);
  };
  EXPECT_EQ(desk_->Export(As(litigation_), approved.id, wrong).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(EvidenceTest, PreviewCountsTheScope) {
  NewEvidenceRequest n = AboutBorrower();
  auto p = desk_->Preview(As(litigation_), n);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->people, 1u);
  EXPECT_GE(p->records, 2u);
  EXPECT_EQ(p->agreements, 1u);
  EXPECT_GT(p->events, 3u);
  EXPECT_NE(LastEvent().find("\"action\":\"evidence.preview\""), std::string::npos);
  EXPECT_EQ(desk_->Preview(As(approver_), n).status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace custos::vault::evidence::testing
