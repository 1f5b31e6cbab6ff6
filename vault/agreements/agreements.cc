#include "vault/agreements/agreements.h"

#include <algorithm>
#include <utility>

#include "base/encoding.h"
#include "policy/engine.h"
#include "policy/rules.h"
#include "vault/agreements/internal/agreements_common.h"
#include "vault/store/holds.h"
#include "vault/store/versions.h"

namespace custos::vault {
namespace {

// A state as the agreements page names it in Chinese.
std::string_view StateLabelZh(AgreementState s) {
  switch (s) {
    case AgreementState::kDraft:
      return "草稿";
    case AgreementState::kInReview:
      return "待复核";
    case AgreementState::kSent:
      return "待员工签署";
    case AgreementState::kEmployeeSigned:
      return "员工已签署，待公司签署";
    case AgreementState::kPaperUploaded:
      return "纸质件待见证";
    case AgreementState::kCompleted:
      return "已完成";
    case AgreementState::kVoided:
      return "已作废";
  }
  return "草稿";
}

// SECURITY: legal does not take an agreement frozen for a case (legal hold)
// out of the employee's hands — back to draft or void — until litigation
// lifts the hold: it would look like tampering with the evidence, history
// or not. (The employee may still sign it.)
Status NotHeld(const ReadTxn& txn, const Agreement& a, std::string_view step_en,
               std::string_view step_zh) {
  CUSTOS_ASSIGN_OR_RETURN(const bool held, AgreementOnHold(txn, a.id));
  if (!held) return Status::Ok();
  return Status::FailedPrecondition("the agreement is under legal hold; it is " +
                                        std::string(step_en) + " only once the hold is lifted",
                                    "协议处于诉讼保全中，解除保全后才能" + std::string(step_zh));
}

}  // namespace

namespace agreements_internal {

// A string member or `fallback` when absent or not a string.
std::string StrOr(const json::Value& v, std::string_view key, std::string fallback) {
  const json::Value* m = v.Find(key);
  return m != nullptr && m->is_string() ? m->as_string() : fallback;
}

std::string DocKey(std::string_view sha_hex) { return "doc:" + std::string(sha_hex); }

std::string SignatureKey(std::string_view id, size_t step) {
  std::string k(id);
  k.push_back('\0');
  k += EncodeU32(static_cast<uint32_t>(step));
  return k;
}

std::string EmployeeIndexKey(std::string_view employee_id, std::string_view id) {
  std::string k = "agr/emp/" + std::string(employee_id);
  k.push_back('\0');
  k += id;
  return k;
}

// Ids of the agreements drafted for `employee_id`, from the index.
Result<std::vector<std::string>> EmployeeAgreementIds(const ReadTxn& txn,
                                                      std::string_view employee_id) {
  const std::string prefix = EmployeeIndexKey(employee_id, "");
  std::vector<std::string> ids;
  CUSTOS_RETURN_IF_ERROR(txn.ScanKeys(tables::kIndex, prefix, [&](std::string_view k) {
    ids.emplace_back(k.substr(prefix.size()));
    return Result<bool>(true);
  }));
  return ids;
}

// Stores document bytes content-addressed; the same bytes twice are one entry.
Status PutDocument(WriteTxn& txn, std::string_view sha_hex, std::string_view bytes) {
  CUSTOS_ASSIGN_OR_RETURN(bool present, txn.Has(tables::kAgreements, DocKey(sha_hex)));
  if (present) return Status::Ok();
  return txn.Insert(tables::kAgreements, DocKey(sha_hex), bytes);
}

bool IsReader(const User& u) {
  return u.HasRole(policy::Role::kLegal) || u.HasRole(policy::Role::kAuditor) ||
         u.HasRole(policy::Role::kLitigation);
}

bool MayAttest(const User& u, const Agreement& a) {
  if (a.state != AgreementState::kPaperUploaded || !u.HasRole(policy::Role::kCustodian) ||
      u.id == a.employee_id)
    return false;
  for (const AgreementStep& s : a.steps) {
    if (s.action == "paper_upload" && s.actor_id == u.id) return false;
  }
  return true;
}

bool WithEmployee(const Agreement& a) {
  return a.state != AgreementState::kDraft && a.state != AgreementState::kInReview &&
         a.state != AgreementState::kVoided;
}

bool EmployeeMaySee(const User& u, const Agreement& a) {
  return u.id == a.employee_id && WithEmployee(a);
}

std::string ShaHex(std::string_view bytes) { return HexEncode(Sha256(bytes)); }

// Whether the employee's electronic signature on `a` was reliable when made,
// as its record says; nullopt when it has no such record or none was kept.
Result<std::optional<bool>> EmployeeSignatureReliable(const ReadTxn& txn, const Agreement& a) {
  for (size_t i = 0; i < a.steps.size(); ++i) {
    const AgreementStep& step = a.steps[i];
    if (step.action != "sign" || step.actor_id != a.employee_id || !step.signed_step) continue;
    auto text = txn.Get(tables::kSignatures, SignatureKey(a.id, i));
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kNotFound) return std::optional<bool>(false);
      return text.status();
    }
    CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*text));
    CUSTOS_ASSIGN_OR_RETURN(SignatureRecord sig, SignatureRecord::FromJson(v));
    if (!sig.conditions) return std::optional<bool>();
    return std::optional<bool>(sig.conditions->reliable());
  }
  return std::optional<bool>();
}

// What the policy decides a step of `a` on (policy::AgreementFacts).
policy::AgreementFacts StepFacts(std::string_view step, const Agreement& a) {
  policy::AgreementFacts f;
  f.step = std::string(step);
  f.drafted_by = a.drafted_by;
  f.employee_id = a.employee_id;
  // The authors of the text as it stands: a send closes a round of edits;
  // the first edit after it (a recall or a return, then an update) starts
  // the next, whose editors alone wrote what would be sent again.
  bool round_closed = false;
  for (const AgreementStep& s : a.steps) {
    if (s.action == "paper_upload") f.uploaded_by = s.actor_id;
    if (s.action == "send") round_closed = true;
    if (s.action == "draft" || s.action == "update") {
      if (round_closed) f.authors.clear();
      round_closed = false;
      if (std::find(f.authors.begin(), f.authors.end(), s.actor_id) == f.authors.end()) {
        f.authors.push_back(s.actor_id);
      }
    }
  }
  f.sent_to_employee = WithEmployee(a);
  return f;
}

// The capacity a step is taken in, as the agreement's history records it.
std::string CapacityOf(std::string_view step) {
  if (step == "sign" || step == "deliver") return "employee";
  if (step == "countersign") return "company";
  if (step == "attest") return "custodian";
  return "legal";
}

Status InState(const Agreement& a, AgreementState s) {
  if (a.state == s) return Status::Ok();
  return Status::FailedPrecondition(
      "the agreement is " + std::string(AgreementStateId(a.state)),
      "协议当前状态为“" + std::string(StateLabelZh(a.state)) + "”，不能进行此操作");
}

access::Attempt StepAttempt(std::string_view event_action, std::string_view id,
                            std::string_view reason) {
  return access::Attempt::On(policy::Action::kAgreementStep, event_action, "agreement", id, reason);
}

// The fields as the document was rendered: the request's, and the
// template's defaults for those it left out.
json::Value WithDefaults(const json::Value& fields, const BuiltDocument& doc) {
  json::Value out = fields;
  if (!doc.defaults.is_object()) return out;
  for (const auto& [id, value] : doc.defaults.as_object()) {
    if (out.Find(id) == nullptr) out[id] = value;
  }
  return out;
}

}  // namespace agreements_internal

using agreements_internal::CapacityOf;
using agreements_internal::DocKey;
using agreements_internal::EmployeeAgreementIds;
using agreements_internal::EmployeeIndexKey;
using agreements_internal::EmployeeMaySee;
using agreements_internal::EmployeeSignatureReliable;
using agreements_internal::InState;
using agreements_internal::IsReader;
using agreements_internal::PutDocument;
using agreements_internal::ShaHex;
using agreements_internal::SignatureKey;
using agreements_internal::StepAttempt;
using agreements_internal::StepFacts;
using agreements_internal::StrOr;
using agreements_internal::WithDefaults;

Result<std::optional<UnixMillis>> FirstClassifiedAccess(const ReadTxn& txn, const AuditLog& log,
                                                        std::string_view user_id) {
  AuditFilter filter;
  filter.actor = std::string(user_id);
  std::optional<UnixMillis> first;
  Status parse_error;
  Status st = log.Export(txn, filter, [&](uint64_t, std::string_view leaf) {
    auto v = json::Parse(leaf);
    if (!v.ok()) {
      parse_error = Status::DataLoss("audit leaf does not parse");
      return false;
    }
    if (StrOr(*v, "action", "") != "record.view") return true;
    if (StrOr(*v, "decision", "") != "allow") return true;
    const json::Value* d = v->Find("details");
    std::string cls = d != nullptr ? StrOr(*d, "classification", "") : "";
    if (cls == "public") return true;
    auto t = ParseRfc3339(StrOr(*v, "time", ""));
    if (!t.ok()) return true;
    first = *t;  // log order is time order: the first match is the earliest
    return false;
  });
  if (!st.ok()) return st;
  if (!parse_error.ok()) return parse_error;
  return first;
}

Agreements::Agreements(Vault& vault, const AuditLog& log, DocumentBuilder builder,
                       AgreementsOptions options)
    : vault_(vault),
      log_(log),
      gate_(vault, log),
      builder_(std::move(builder)),
      options_(std::move(options)) {}

UnixMillis Agreements::Now() const { return options_.clock ? options_.clock() : NowMillis(); }

Result<Agreement> LoadAgreement(const ReadTxn& txn, std::string_view id) {
  if (id.size() != 18 || id.substr(0, 2) != "a-") {
    return Status::NotFound("no such agreement", "没有这份协议");
  }
  auto latest = LatestVersion(txn, tables::kAgreements, id);
  if (!latest.ok()) {
    if (latest.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such agreement", "没有这份协议");
    }
    return latest.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(std::string text, GetVersion(txn, tables::kAgreements, id, *latest));
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  CUSTOS_ASSIGN_OR_RETURN(Agreement a, Agreement::FromJson(v));
  if (a.id != id) return Status::DataLoss("agreement filed under another id");
  a.version = *latest;
  return a;
}

Result<Agreement> Agreements::Load(const ReadTxn& txn, std::string_view id) const {
  return LoadAgreement(txn, id);
}

Result<std::vector<Agreement>> AgreementsOfEmployee(const ReadTxn& txn,
                                                    std::string_view employee_id) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> ids, EmployeeAgreementIds(txn, employee_id));
  std::vector<Agreement> out;
  for (const std::string& id : ids) {
    CUSTOS_ASSIGN_OR_RETURN(Agreement a, LoadAgreement(txn, id));
    a.fields = json::Value::MakeObject();
    a.checks = json::Value::MakeArray();
    out.push_back(std::move(a));
  }
  return out;
}

namespace {

// The checks a report fails, for the refusal to send: the rules with an
// error ("N1, N7") and the fields that did not validate ("field
// restricted_months"), each once, in the report's order.
std::string ErrorsNamed(const json::Value& report) {
  std::vector<std::string> names;
  auto add = [&](std::string name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  if (const json::Value* fs = report.Find("findings"); fs != nullptr && fs->is_array()) {
    for (const json::Value& f : fs->as_array()) {
      const json::Value* severity = f.Find("severity");
      const json::Value* rule = f.Find("rule");
      if (severity == nullptr || rule == nullptr || !rule->is_string()) continue;
      if (severity->is_string() && severity->as_string() == "error") add(rule->as_string());
    }
  }
  if (const json::Value* fe = report.Find("field_errors"); fe != nullptr && fe->is_array()) {
    for (const json::Value& e : fe->as_array()) {
      if (const json::Value* f = e.Find("field"); f != nullptr && f->is_string()) {
        add("field " + f->as_string());
      }
    }
  }
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Result<CheckFacts> Agreements::FactsFor(const ReadTxn& txn, const Agreement& a) const {
  CheckFacts f;
  CUSTOS_ASSIGN_OR_RETURN(std::optional<UnixMillis> first,
                          FirstClassifiedAccess(txn, log_, a.employee_id));
  f.secret_access_record_exists = first.has_value();
  if (auto employee = GetUser(txn, a.employee_id); employee.ok()) {
    if (!employee->last_working_day.empty()) f.employment_end = employee->last_working_day;
  } else if (employee.status().code() != StatusCode::kNotFound) {
    return employee.status();
  }
  if (first) f.first_secret_access_at = *first;
  CUSTOS_ASSIGN_OR_RETURN(auto policy, gate_.PolicyAt(txn));
  f.signed_on_or_after = FormatDate(policy->LocalDate(a.EmployeeSignedAt().value_or(Now())));
  // The non-compete a departure notice must quote (D1): the newest completed
  // one (ids run in creation order).
  CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> ids, EmployeeAgreementIds(txn, a.employee_id));
  f.noncompete_known = true;
  for (const std::string& id : ids) {
    if (id == a.id) continue;
    CUSTOS_ASSIGN_OR_RETURN(Agreement other, LoadAgreement(txn, id));
    if (other.kind != "non-compete" || other.state != AgreementState::kCompleted) continue;
    f.signed_noncompete_id = other.id;
    f.signed_noncompete_template = other.template_id;
    f.signed_noncompete_fields = other.fields;
  }
  if (auto signed_at = a.EmployeeSignedAt()) {
    f.nda_signed_at = *signed_at;
    f.employee_signed = true;
    f.employer_signed = a.state == AgreementState::kCompleted;
    // Reliable only as the employee's signature record says it was when
    // made (Electronic Signature Law Art. 13); unknown for records older
    // than those conditions.
    CUSTOS_ASSIGN_OR_RETURN(f.signature_reliable, EmployeeSignatureReliable(txn, a));
    f.copy_delivered = a.delivered_at != 0;
  }
  return f;
}

Status Agreements::Deny(const Caller& caller, const User* user, std::string_view action,
                        std::string_view id, std::string_view rule, Status status) {
  Status st = access::AccessGate(vault_, log_)
                  .RecordRefusal(access::AccessGate::NewEvent(caller, user, std::string(action),
                                                              "agreement", std::string(id)),
                                 rule);
  if (!st.ok()) return st;
  return status;
}

Result<Agreement> Agreements::CreateDraft(const Caller& caller, const DraftRequest& request) {
  access::Attempt attempt = StepAttempt("agreement.draft", "");
  const access::Prepare prepare = [&](const ReadTxn&, const User&, policy::Facts& f,
                                      AuditEvent&) -> Status {
    f.agreement = policy::AgreementFacts{};
    f.agreement->step = "draft";
    f.agreement->employee_id = request.employee_id;
    f.now = Now();
    return Status::Ok();
  };
  User user;
  User employee;
  CheckFacts facts;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(const access::Outcome peek, gate_.Peek(*txn, caller, attempt, prepare));
    if (!peek.allowed) {
      txn.reset();
      // Decided again and audited; no agreement exists, so the event names
      // none. Should the decision have changed since, nothing is written.
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
    user = peek.user;
    auto emp = GetUser(*txn, request.employee_id);
    if (!emp.ok()) return Status::InvalidArgument("unknown employee", "没有这名员工");
    employee = std::move(emp).value();
    Agreement probe;
    probe.employee_id = employee.id;
    CUSTOS_ASSIGN_OR_RETURN(facts, FactsFor(*txn, probe));
  }
  if (!request.fields.is_object()) {
    return Status::InvalidArgument("fields must be an object", "协议内容（fields）须为 JSON 对象");
  }
  CUSTOS_ASSIGN_OR_RETURN(BuiltDocument doc, builder_(request.template_id, request.fields,
                                                      request.classification, facts));
  Agreement a;
  a.id = "a-" + HexEncode(RandomBytes(8));
  a.template_id = request.template_id;
  a.template_version = doc.template_version;
  a.kind = doc.kind;
  a.title = doc.title;
  a.language = doc.language;
  a.employee_id = employee.id;
  a.employee_name = employee.display_name;
  a.classification = request.classification;
  a.fields = WithDefaults(request.fields, doc);
  a.drafted_by = user.id;
  a.checks = doc.report;
  a.can_send = doc.can_send;
  attempt.object_id = a.id;
  Agreement created;
  CUSTOS_RETURN_IF_ERROR(
      gate_
          .DecideThenWrite(
              caller, attempt, prepare,
              [&](WriteTxn& txn, const access::Outcome& o) -> Status {
                Agreement stored = a;
                stored.created = o.now;
                stored.steps.push_back(AgreementStep{.action = "draft",
                                                     .actor_id = o.user.id,
                                                     .actor_name = o.user.display_name,
                                                     .role = CapacityOf("draft"),
                                                     .at = o.now,
                                                     .place = caller.place,
                                                     .audit_seq = o.seq,
                                                     .document_sha256 = ShaHex(doc.html),
                                                     .note = ""});
                CUSTOS_ASSIGN_OR_RETURN(uint32_t v,
                                        AppendVersion(txn, tables::kAgreements, a.id,
                                                      json::Serialize(stored.ToJson())));
                CUSTOS_RETURN_IF_ERROR(
                    txn.Insert(tables::kIndex, EmployeeIndexKey(a.employee_id, a.id), ""));
                // Into `created`, not `a`: the vault may run this function again (a
                // retry after the map grows), which must start from the same draft.
                created = std::move(stored);
                created.version = v;
                return Status::Ok();
              },
              [&](const ReadTxn&, const access::Outcome&, AuditEvent& e) -> Status {
                e.object.version = 1;
                e.details["template"] = a.template_id;
                e.details["employee"] = a.employee_id;
                e.details["can_send"] = a.can_send;
                return Status::Ok();
              })
          .status());
  return created;
}

Result<Agreement> Agreements::Transition(const Caller& caller, std::string_view id,
                                         std::string_view action, uint32_t expected_version,
                                         const Precondition& ready, const Change& change,
                                         std::string_view reason) {
  const access::Attempt attempt = StepAttempt("agreement." + std::string(action), id, reason);
  Status denied;
  Agreement out;
  Status st = vault_.Write([&](WriteTxn& txn) -> Status {
    denied = Status::Ok();  // the vault may run this again (map growth)
    Agreement a;
    AgreementStep step;
    CUSTOS_ASSIGN_OR_RETURN(
        const access::Outcome o,
        gate_.Decide(
            txn, caller, attempt,
            [&](const ReadTxn& r, const User&, policy::Facts& f, AuditEvent&) -> Status {
              CUSTOS_ASSIGN_OR_RETURN(a, Load(r, id));
              f.agreement = StepFacts(action, a);
              f.now = Now();
              return Status::Ok();
            },
            // Allowed: the step must fit the agreement as it stands, or
            // nothing is written.
            [&](const ReadTxn&, const access::Outcome& o, AuditEvent& e) -> Status {
              if (!o.allowed) return Status::Ok();
              if (ready) CUSTOS_RETURN_IF_ERROR(ready(a));
              if (expected_version != 0 && expected_version != a.version) {
                return Status::Aborted("the agreement changed; reload and try again",
                                       "协议已被他人修改，请重新载入后再试");
              }
              step = AgreementStep{.action = std::string(action),
                                   .actor_id = o.user.id,
                                   .actor_name = o.user.display_name,
                                   .role = CapacityOf(action),
                                   .at = o.now,
                                   .place = caller.place,
                                   .document_sha256 = a.document_sha256,
                                   .note = ""};
              CUSTOS_RETURN_IF_ERROR(change(txn, a, step));
              e.object.version = static_cast<int64_t>(a.version + 1);
              e.details["state"] = AgreementStateId(a.state);
              if (!step.document_sha256.empty()) {
                e.details["document_sha256"] = step.document_sha256;
              }
              // The date on a paper, as its uploader declared it, is in the
              // log with the scan it came with.
              if (action == "paper_upload") e.details["signed_on"] = a.paper_signed_on;
              return Status::Ok();
            }));
    if (!o.allowed) {
      denied = o.refusal;
      return Status::Ok();
    }
    step.audit_seq = o.seq;
    a.steps.push_back(step);
    CUSTOS_ASSIGN_OR_RETURN(
        uint32_t v, AppendVersion(txn, tables::kAgreements, a.id, json::Serialize(a.ToJson())));
    a.version = v;
    out = std::move(a);
    return Status::Ok();
  });
  if (!st.ok()) return st;
  if (!denied.ok()) return denied;
  return out;
}

Result<Agreement> Agreements::UpdateDraft(const Caller& caller, std::string_view id,
                                          const json::Value& fields, uint32_t expected_version) {
  if (!fields.is_object()) {
    return Status::InvalidArgument("fields must be an object", "协议内容（fields）须为 JSON 对象");
  }
  Agreement current;
  CheckFacts facts;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(current, Load(*txn, id));
    CUSTOS_ASSIGN_OR_RETURN(facts, FactsFor(*txn, current));
  }
  CUSTOS_ASSIGN_OR_RETURN(BuiltDocument doc,
                          builder_(current.template_id, fields, current.classification, facts));
  return Transition(
      caller, id, "update", expected_version,
      [](const Agreement& a) { return InState(a, AgreementState::kDraft); },
      [&](WriteTxn&, Agreement& a, AgreementStep& step) -> Status {
        a.fields = WithDefaults(fields, doc);
        a.checks = doc.report;
        a.can_send = doc.can_send;
        a.template_version = doc.template_version;
        a.title = doc.title;
        step.document_sha256 = ShaHex(doc.html);
        return Status::Ok();
      });
}

Result<Agreement> Agreements::Submit(const Caller& caller, std::string_view id) {
  return Transition(
      caller, id, "submit", 0,
      [](const Agreement& a) { return InState(a, AgreementState::kDraft); },
      [](WriteTxn&, Agreement& a, AgreementStep&) -> Status {
        a.state = AgreementState::kInReview;
        return Status::Ok();
      });
}

Result<Agreement> Agreements::ReturnToDraft(const Caller& caller, std::string_view id,
                                            std::string_view note) {
  return Transition(
      caller, id, "return", 0,
      [](const Agreement& a) { return InState(a, AgreementState::kInReview); },
      [&](WriteTxn&, Agreement& a, AgreementStep& step) -> Status {
        a.state = AgreementState::kDraft;
        step.note = std::string(note);
        return Status::Ok();
      },
      note);
}

Result<Agreement> Agreements::Recall(const Caller& caller, std::string_view id,
                                     std::string_view note) {
  if (note.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument("say why the agreement is recalled (note)",
                                   "请写明撤回协议的原因");
  }
  // The note is the attempt's reason: in the log, and held to the gate's
  // text rule (no control or bidirectional characters).
  return Transition(
      caller, id, "recall", 0, [](const Agreement& a) { return InState(a, AgreementState::kSent); },
      [&](WriteTxn& txn, Agreement& a, AgreementStep& step) -> Status {
        CUSTOS_RETURN_IF_ERROR(NotHeld(txn, a, "recalled", "撤回"));
        a.state = AgreementState::kDraft;
        step.note = std::string(note);
        return Status::Ok();
      },
      note);
}

Result<Agreement> Agreements::Void(const Caller& caller, std::string_view id,
                                   std::string_view note) {
  if (note.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return Status::InvalidArgument("say why the agreement is voided (note)",
                                   "请写明作废协议的原因");
  }
  return Transition(
      caller, id, "void", 0,
      [](const Agreement& a) -> Status {
        if (a.state == AgreementState::kDraft || a.state == AgreementState::kInReview ||
            a.state == AgreementState::kSent) {
          return Status::Ok();
        }
        return Status::FailedPrecondition(
            "the agreement is " + std::string(AgreementStateId(a.state)) +
                "; only an unsigned agreement is voided",
            "协议当前状态为“" + std::string(StateLabelZh(a.state)) + "”，只有未签署的协议可以作废");
      },
      [&](WriteTxn& txn, Agreement& a, AgreementStep& step) -> Status {
        CUSTOS_RETURN_IF_ERROR(NotHeld(txn, a, "voided", "作废"));
        a.state = AgreementState::kVoided;
        step.note = std::string(note);
        return Status::Ok();
      },
      note);
}

Result<Agreement> Agreements::Send(const Caller& caller, std::string_view id) {
  Agreement current;
  CheckFacts facts;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(current, Load(*txn, id));
    CUSTOS_ASSIGN_OR_RETURN(facts, FactsFor(*txn, current));
  }
  CUSTOS_ASSIGN_OR_RETURN(BuiltDocument doc, builder_(current.template_id, current.fields,
                                                      current.classification, facts));
  const uint32_t seen = current.version;
  return Transition(
      caller, id, "send", seen,
      // The policy keeps the drafter from sending their own draft
      // (agreements.review_by_other).
      [](const Agreement& a) { return InState(a, AgreementState::kInReview); },
      [&](WriteTxn& txn, Agreement& a, AgreementStep& step) -> Status {
        a.checks = doc.report;
        a.can_send = doc.can_send;
        if (!doc.can_send) {
          const std::string which = ErrorsNamed(doc.report);
          return Status::FailedPrecondition(
              "the legal checks report errors (" + (which.empty() ? "see the report" : which) +
                  "); fix the draft first",
              "法律检查发现错误（" + (which.empty() ? "见检查报告" : which) + "），请先修改草稿");
        }
        a.document_sha256 = ShaHex(doc.html);
        CUSTOS_RETURN_IF_ERROR(PutDocument(txn, a.document_sha256, doc.html));
        a.state = AgreementState::kSent;
        step.document_sha256 = a.document_sha256;
        return Status::Ok();
      });
}

Result<Agreement> Agreements::SignStep(const Caller& caller, std::string_view id,
                                       std::string_view action, const SecretBytes& password,
                                       const Precondition& ready, AgreementState next) {
  User user;
  Agreement current;
  bool go = false;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(
        const access::Outcome peek,
        gate_.Peek(*txn, caller, StepAttempt("agreement." + std::string(action), id),
                   [&](const ReadTxn& r, const User&, policy::Facts& f, AuditEvent&) -> Status {
                     CUSTOS_ASSIGN_OR_RETURN(current, Load(r, id));
                     f.agreement = StepFacts(action, current);
                     f.now = Now();
                     return Status::Ok();
                   }));
    user = peek.user;
    go = peek.allowed && ready(current).ok();
  }
  // Decide before any Argon2id work: Transition decides again under the
  // write transaction and records the refusal (or returns the state error).
  // Should the decision change in between, it signs nothing.
  if (!go) {
    return Transition(
        caller, id, action, 0, ready, [](WriteTxn&, Agreement&, AgreementStep&) -> Status {
          return Status::Aborted("the agreement changed; try again", "协议已有变化，请重试");
        });
  }
  auto key = ObtainSigningKey(vault_, user, password, options_.signing_kdf, Now(),
                              [&](WriteTxn& txn, const SigningKeyRecord& rec) -> Status {
                                AuditEvent e = access::AccessGate::NewEvent(
                                    caller, &user, "signing_key.issue", "user", user.id);
                                e.decision = AuditDecision::kAllow;
                                e.rule = "signing.own_password";
                                e.outcome = "ok";
                                e.object.version = static_cast<int64_t>(rec.version);
                                e.details["public_key"] = HexEncode(rec.public_key);
                                e.details["reason"] = rec.reason;
                                return log_.Append(txn, e).status();
                              });
  if (!key.ok()) {
    if (key.status().code() == StatusCode::kUnauthenticated) {
      return Deny(caller, &user, "agreement." + std::string(action), id, "signing.password",
                  key.status());
    }
    return key.status();
  }
  return Transition(
      caller, id, action, current.version, ready,
      [&](WriteTxn& txn, Agreement& a, AgreementStep& step) -> Status {
        SignatureStatement s;
        s.agreement_id = a.id;
        s.document_sha256 = action == "attest" ? a.scan_sha256 : a.document_sha256;
        s.role = step.role;
        s.signer_id = user.id;
        s.signer_name = user.display_name;
        s.time = step.at;
        SignatureRecord sig = SignStatement(key->record, key->secret_key, s);
        // Whether the signature is reliable (Electronic Signature Law Art.
        // 13), from what the vault knows now, recorded with it.
        CUSTOS_ASSIGN_OR_RETURN(User signer, GetUser(txn, user.id));
        SignatureConditions c;
        c.signer_controls_key = !signer.password_from_reset;
        auto bytes = txn.Get(tables::kAgreements, DocKey(s.document_sha256));
        c.covers_document = bytes.ok() && ShaHex(*bytes) == s.document_sha256;
        c.signature_verifies = VerifySignatureRecord(sig, s).ok();
        if (!c.signer_controls_key) {
          c.note =
              "the signer's password was set through an administrator's reset link and "
              "not changed by the signer since";
        } else if (!c.covers_document) {
          c.note = "the stored document does not match the signed hash";
        } else if (!c.signature_verifies) {
          c.note = "the signature does not verify";
        }
        sig.conditions = c;
        CUSTOS_RETURN_IF_ERROR(txn.Insert(tables::kSignatures, SignatureKey(a.id, a.steps.size()),
                                          json::Serialize(sig.ToJson())));
        step.signed_step = true;
        step.document_sha256 = s.document_sha256;
        a.state = next;
        if (next == AgreementState::kCompleted) {
          a.completed_at = step.at;
          a.method = action == "attest" ? "paper" : "electronic";
        }
        return Status::Ok();
      });
}

Result<Agreement> Agreements::Sign(const Caller& caller, std::string_view id,
                                   const SecretBytes& password) {
  return SignStep(
      caller, id, "sign", password,
      [](const Agreement& a) { return InState(a, AgreementState::kSent); },
      AgreementState::kEmployeeSigned);
}

Result<Agreement> Agreements::Countersign(const Caller& caller, std::string_view id,
                                          const SecretBytes& password) {
  return SignStep(
      caller, id, "countersign", password,
      [](const Agreement& a) { return InState(a, AgreementState::kEmployeeSigned); },
      AgreementState::kCompleted);
}

Result<Agreement> Agreements::UploadPaper(const Caller& caller, std::string_view id,
                                          std::string_view scan, std::string_view content_type,
                                          std::string_view claimed_sha256_hex,
                                          const PaperLocation& location,
                                          std::string_view signed_on) {
  if (scan.empty()) return Status::InvalidArgument("the scan is empty", "扫描件为空");
  if (location.empty()) {
    return Status::InvalidArgument("the paper's location is required", "须填写纸质件的存放位置");
  }
  const Result<CivilDate> signed_day = ParseDate(signed_on);
  if (!signed_day.ok()) {
    return Status::InvalidArgument("signed_on must be the date on the paper (YYYY-MM-DD)",
                                   "须填写纸质件上的签署日期（YYYY-MM-DD）");
  }
  const std::string sha = ShaHex(scan);
  if (!claimed_sha256_hex.empty() && claimed_sha256_hex != sha) {
    return Status::InvalidArgument("the scan does not match the given SHA-256",
                                   "扫描件与所填的 SHA-256 不符");
  }
  return Transition(
      caller, id, "paper_upload", 0,
      [](const Agreement& a) { return InState(a, AgreementState::kSent); },
      [&](WriteTxn& txn, Agreement& a, AgreementStep& step) -> Status {
        // The paper was printed once sent, and signed by today: days of the
        // company's calendar.
        CUSTOS_ASSIGN_OR_RETURN(auto policy, gate_.PolicyAt(txn));
        if (policy->LocalDate(step.at) < *signed_day) {
          return Status::InvalidArgument(
              "the date on the paper " + std::string(signed_on) + " is after today",
              "纸质件上的签署日期 " + std::string(signed_on) + " 晚于今天");
        }
        for (const AgreementStep& s : a.steps) {
          if (s.action == "send" && *signed_day < policy->LocalDate(s.at)) {
            return Status::InvalidArgument(
                "the date on the paper " + std::string(signed_on) +
                    " is before the agreement was sent for signature",
                "纸质件上的签署日期 " + std::string(signed_on) + " 早于协议发出签署的日期");
          }
        }
        CUSTOS_RETURN_IF_ERROR(PutDocument(txn, sha, scan));
        a.scan_sha256 = sha;
        a.paper = location;
        a.paper_signed_on = FormatDate(*signed_day);
        a.state = AgreementState::kPaperUploaded;
        step.document_sha256 = sha;
        step.note = std::string(content_type);
        return Status::Ok();
      });
}

Result<Agreement> Agreements::AttestPaper(const Caller& caller, std::string_view id,
                                          const SecretBytes& password) {
  return SignStep(
      caller, id, "attest", password,
      [](const Agreement& a) { return InState(a, AgreementState::kPaperUploaded); },
      AgreementState::kCompleted);
}

}  // namespace custos::vault
