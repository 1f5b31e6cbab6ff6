// Reading agreements: the decided read, lists, previews and downloads of
// the document, the certificate and its verification, the NDA timing check.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "policy/engine.h"
#include "policy/rules.h"
#include "vault/agreements/agreements.h"
#include "vault/agreements/internal/agreements_common.h"

namespace custos::vault {

using agreements_internal::DocKey;
using agreements_internal::EmployeeAgreementIds;
using agreements_internal::EmployeeMaySee;
using agreements_internal::IsReader;
using agreements_internal::kHtmlType;
using agreements_internal::MayAttest;
using agreements_internal::ShaHex;
using agreements_internal::SignatureKey;
using agreements_internal::StepAttempt;
using agreements_internal::StepFacts;

Result<Agreements::Read> Agreements::DecideRead(const Caller& caller, std::string_view id,
                                                std::string_view action,
                                                const std::function<void(AuditEvent&)>& details) {
  access::Attempt attempt =
      access::Attempt::On(policy::Action::kReadAgreement, action, "agreement", id);
  // `prepare` reads only its transaction; `details` adds what the caller
  // already holds.
  attempt.decide_on_snapshot = true;
  Read out;
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, attempt,
              [&](const ReadTxn& txn, const User& user, policy::Facts& f, AuditEvent& e) -> Status {
                out.user = user;
                CUSTOS_ASSIGN_OR_RETURN(out.agreement, Load(txn, id));
                const Agreement& a = out.agreement;
                // The employee reads their agreement once it is sent to them,
                // not while legal drafts and reviews it.
                if (user.id == a.employee_id && !EmployeeMaySee(user, a)) {
                  return policy::Refuse(policy::rules::kAgreementsNotSent, "not sent to you yet");
                }
                f.record = policy::RecordFacts{a.id, a.classification, "", "", ""};
                f.target_user_id = a.employee_id;
                // Who uploaded a scan, and whether it waits for attestation:
                // the custodian who may attest it reads it meanwhile.
                f.agreement = StepFacts("read", a);
                f.agreement->awaiting_attestation = a.state == AgreementState::kPaperUploaded;
                f.now = Now();
                e.object.id = a.id;
                e.details["employee"] = a.employee_id;
                e.details["classification"] = policy::ClassificationId(a.classification);
                return Status::Ok();
              },
              nullptr,
              [&](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
                if (o.allowed && details) details(e);
                return Status::Ok();
              })
          .status());
  return out;
}

Result<StoredDocument> Agreements::Scan(const Caller& caller, std::string_view id) {
  // Decided and recorded before anything is read (fail closed).
  CUSTOS_ASSIGN_OR_RETURN(Read r, DecideRead(caller, id, "agreement.scan.read"));
  const Agreement& a = r.agreement;
  if (a.scan_sha256.empty()) {
    return Status::FailedPrecondition("no paper scan was uploaded for this agreement",
                                      "该协议没有上传纸质件扫描件");
  }
  StoredDocument doc;
  doc.sha256_hex = a.scan_sha256;
  doc.content_type = "application/pdf";
  for (const AgreementStep& s : a.steps) {
    if (s.action == "paper_upload" && !s.note.empty()) doc.content_type = s.note;
  }
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(doc.bytes, txn->Get(tables::kAgreements, DocKey(doc.sha256_hex)));
  return doc;
}

Result<Agreement> Agreements::Get(const Caller& caller, std::string_view id) {
  CUSTOS_ASSIGN_OR_RETURN(Read r, DecideRead(caller, id, "agreement.read"));
  return std::move(r.agreement);
}

Result<std::vector<Agreement>> Agreements::List(const Caller& caller,
                                                std::string_view employee_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*txn, caller));
  std::vector<std::string> ids;
  const bool reader = IsReader(user);
  // A custodian's list also holds the paper scans waiting for them to
  // attest, whoever they bind.
  const bool attester = user.HasRole(policy::Role::kCustodian);
  std::string who = reader || attester ? std::string(employee_id) : user.id;
  if (!who.empty()) {
    CUSTOS_ASSIGN_OR_RETURN(ids, EmployeeAgreementIds(*txn, who));
  } else {
    CUSTOS_RETURN_IF_ERROR(txn->ScanKeys(tables::kAgreements, "a-", [&](std::string_view k) {
      std::string_view id = k.substr(0, k.find('\0'));
      if (ids.empty() || ids.back() != id) ids.emplace_back(id);
      return Result<bool>(true);
    }));
  }
  std::vector<Agreement> out;
  for (const std::string& id : ids) {
    CUSTOS_ASSIGN_OR_RETURN(Agreement a, Load(*txn, id));
    if (reader || EmployeeMaySee(user, a) || MayAttest(user, a)) out.push_back(std::move(a));
  }
  return out;
}

Result<BuiltDocument> Agreements::Preview(const Caller& caller, std::string_view id) {
  // Decided and recorded before anything is rendered (fail closed).
  CUSTOS_ASSIGN_OR_RETURN(Read r, DecideRead(caller, id, "agreement.preview"));
  const Agreement& a = r.agreement;
  CheckFacts facts;
  std::string stored;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(facts, FactsFor(*txn, a));
    if (!a.document_sha256.empty()) {
      CUSTOS_ASSIGN_OR_RETURN(stored, txn->Get(tables::kAgreements, DocKey(a.document_sha256)));
    }
  }
  BuiltDocument doc;
  if (a.document_sha256.empty()) {
    CUSTOS_ASSIGN_OR_RETURN(doc, builder_(a.template_id, a.fields, a.classification, facts));
  } else {
    doc.template_version = a.template_version;
    doc.kind = a.kind;
    doc.title = a.title;
    doc.language = a.language;
    doc.html = std::move(stored);
    doc.report = a.checks;
    doc.can_send = a.can_send;
  }
  return doc;
}

Result<StoredDocument> Agreements::Download(const Caller& caller, std::string_view id) {
  User user;
  Agreement a;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(user, access::AccessGate::CallerUser(*txn, caller));
    CUSTOS_ASSIGN_OR_RETURN(a, Load(*txn, id));
  }
  const bool employee = user.id == a.employee_id;
  if (a.state != AgreementState::kCompleted) {
    return Status::FailedPrecondition("only a completed agreement can be downloaded",
                                      "只有已完成的协议才能下载");
  }
  StoredDocument doc;
  doc.sha256_hex = a.method == "paper" ? a.scan_sha256 : a.document_sha256;
  doc.content_type = std::string(kHtmlType);
  if (a.method == "paper") {
    for (const AgreementStep& s : a.steps) {
      if (s.action == "paper_upload" && !s.note.empty()) doc.content_type = s.note;
    }
  }
  if (employee) {
    // The employee's own download is the delivery of their copy (N10).
    auto out = Transition(caller, id, "deliver", 0, nullptr,
                          [&](WriteTxn& txn, Agreement& ag, AgreementStep& step) -> Status {
                            CUSTOS_ASSIGN_OR_RETURN(
                                doc.bytes, txn.Get(tables::kAgreements, DocKey(doc.sha256_hex)));
                            if (ag.delivered_at == 0) ag.delivered_at = step.at;
                            step.document_sha256 = doc.sha256_hex;
                            return Status::Ok();
                          });
    if (!out.ok()) return out.status();
    return doc;
  }
  // Anyone else's download is a decided, recorded read of the document.
  CUSTOS_RETURN_IF_ERROR(DecideRead(caller, id, "agreement.download", [&](AuditEvent& e) {
                           e.details["document_sha256"] = doc.sha256_hex;
                         }).status());
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(doc.bytes, txn->Get(tables::kAgreements, DocKey(doc.sha256_hex)));
  }
  return doc;
}

Result<Certificate> Agreements::Verify(std::string_view id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
  return VerifyAgreement(*txn, id);
}

Result<std::string> AgreementDocument(const ReadTxn& txn, std::string_view sha256_hex) {
  auto bytes = txn.Get(tables::kAgreements, DocKey(sha256_hex));
  if (!bytes.ok() && bytes.status().code() == StatusCode::kNotFound) {
    return Status::NotFound("no stored document with that SHA-256");
  }
  return bytes;
}

Result<Certificate> VerifyAgreement(const ReadTxn& txn, std::string_view id) {
  CUSTOS_ASSIGN_OR_RETURN(Agreement a, LoadAgreement(txn, id));
  Certificate c;
  if (!a.document_sha256.empty()) {
    auto bytes = txn.Get(tables::kAgreements, DocKey(a.document_sha256));
    c.document_hash_ok = bytes.ok() && ShaHex(*bytes) == a.document_sha256;
    if (c.document_hash_ok && !a.scan_sha256.empty()) {
      auto scan = txn.Get(tables::kAgreements, DocKey(a.scan_sha256));
      c.document_hash_ok = scan.ok() && ShaHex(*scan) == a.scan_sha256;
    }
  }
  c.all_signatures_ok = c.document_hash_ok;
  bool any_signature = false;
  for (size_t i = 0; i < a.steps.size(); ++i) {
    CertificateStep cs;
    cs.step = a.steps[i];
    if (!cs.step.signed_step) {
      cs.verification = "not signed";
      c.steps.push_back(std::move(cs));
      continue;
    }
    any_signature = true;
    Status result;
    auto text = txn.Get(tables::kSignatures, SignatureKey(a.id, i));
    if (!text.ok()) {
      result = Status::DataLoss("signature missing or unreadable");
    } else if (auto v = json::Parse(*text); !v.ok()) {
      result = Status::DataLoss("signature record does not parse");
    } else if (auto sig = SignatureRecord::FromJson(*v); !sig.ok()) {
      result = Status::DataLoss("signature record is malformed");
    } else {
      cs.signature = *sig;
      SignatureStatement expected;
      expected.agreement_id = a.id;
      expected.document_sha256 = cs.step.action == "attest" ? a.scan_sha256 : a.document_sha256;
      expected.role = cs.step.role;
      expected.signer_id = cs.step.actor_id;
      expected.signer_name = cs.step.actor_name;
      expected.time = cs.step.at;
      result = VerifySignatureRecord(*sig, expected);
      if (result.ok()) {
        auto own = IsUserPublicKey(txn, cs.step.actor_id, sig->public_key);
        if (!own.ok() || !*own) result = Status::DataLoss("the key is not the signer's");
      }
    }
    cs.verification = result.ok() ? "ok" : result.message();
    if (!result.ok()) c.all_signatures_ok = false;
    if (cs.step.action == "sign" && cs.step.actor_id == a.employee_id) {
      if (!result.ok() || !c.document_hash_ok) {
        c.employee_signature_reliable = false;
      } else if (cs.signature && cs.signature->conditions) {
        c.employee_signature_reliable = cs.signature->conditions->reliable();
      }
    }
    c.steps.push_back(std::move(cs));
  }
  if (!any_signature) c.all_signatures_ok = false;
  c.agreement = std::move(a);
  return c;
}

Result<Certificate> Agreements::GetCertificate(const Caller& caller, std::string_view id) {
  const access::Attempt attempt = StepAttempt("agreement.certificate", id);
  const access::Prepare prepare = [&](const ReadTxn& r, const User&, policy::Facts& f,
                                      AuditEvent&) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(Agreement a, Load(r, id));
    f.agreement = StepFacts("certificate", a);
    f.now = Now();
    return Status::Ok();
  };
  bool allowed = false;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(const access::Outcome peek, gate_.Peek(*txn, caller, attempt, prepare));
    allowed = peek.allowed;
  }
  // A refused caller's attempt is recorded before any verification work.
  if (!allowed) {
    return gate_
        .DecideThenWrite(caller, attempt, prepare, nullptr,
                         [](const ReadTxn&, const access::Outcome& o, AuditEvent&) -> Status {
                           if (o.allowed) {
                             return Status::Aborted("the decision changed; try again",
                                                    "权限判定已改变，请重试");
                           }
                           return Status::Ok();
                         })
        .status();
  }
  CUSTOS_ASSIGN_OR_RETURN(Certificate c, Verify(id));
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(caller, attempt, prepare, nullptr,
                           [&](const ReadTxn&, const access::Outcome&, AuditEvent& e) -> Status {
                             e.details["all_signatures_ok"] = c.all_signatures_ok;
                             return Status::Ok();
                           })
          .status());
  return c;
}

Result<NdaTiming> Agreements::CheckNdaTiming(std::string_view employee_id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
  NdaTiming t;
  CUSTOS_ASSIGN_OR_RETURN(t.first_classified_access,
                          FirstClassifiedAccess(*txn, log_, employee_id));
  std::string prefix = "agr/emp/" + std::string(employee_id);
  prefix.push_back('\0');
  std::vector<std::string> ids;
  CUSTOS_RETURN_IF_ERROR(txn->ScanKeys(tables::kIndex, prefix, [&](std::string_view k) {
    ids.emplace_back(k.substr(prefix.size()));
    return Result<bool>(true);
  }));
  // Paper dates are days of the company's calendar.
  CUSTOS_ASSIGN_OR_RETURN(auto policy, gate_.PolicyAt(*txn));
  for (const std::string& id : ids) {
    CUSTOS_ASSIGN_OR_RETURN(Agreement a, Load(*txn, id));
    if (a.kind != "employee-nda" || a.state != AgreementState::kCompleted) continue;
    std::optional<UnixMillis> at = a.EmployeeSignedAt();
    std::string on;
    if (!at) {
      // Paper: the date on it, from that day's start (an NDA signed in the
      // morning of the first day of access counts as signed before it; a
      // date carries no hour); else the attested completion, for a scan
      // uploaded before the date was asked for.
      if (auto day = ParseDate(a.paper_signed_on); day.ok()) {
        at = DaysFromCivil(*day) * kMillisPerDay - int64_t{policy->utc_offset_minutes()} * 60'000;
        on = a.paper_signed_on;
      } else {
        at = a.completed_at;
      }
    }
    if (!t.nda_signed_at || *at < *t.nda_signed_at) {
      t.nda_signed_at = *at;
      t.nda_signed_on = on;
      t.nda_agreement_id = a.id;
    }
  }
  if (t.first_classified_access) {
    if (!t.nda_signed_at) {
      t.flagged = true;
      t.reason = "no_nda";
    } else if (*t.nda_signed_at > *t.first_classified_access) {
      t.flagged = true;
      t.reason = "signed_after_access";
    }
  }
  return t;
}

}  // namespace custos::vault
