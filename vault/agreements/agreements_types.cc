// The agreements' value types and their JSON: states, steps, the agreement,
// its certificate.
#include <string>
#include <utility>

#include "base/json.h"
#include "vault/agreements/agreements.h"
#include "vault/agreements/internal/agreements_common.h"

namespace custos::vault {
namespace {

using agreements_internal::StrOr;

json::Value PlaceJson(const AuditEvent::Place& p) {
  json::Value o = json::Value::MakeObject();
  o["ip"] = p.ip;
  o["user_agent"] = p.user_agent;
  o["workstation"] = p.workstation;
  o["location"] = p.location;
  return o;
}

AuditEvent::Place PlaceFromJson(const json::Value& v) {
  AuditEvent::Place p;
  if (!v.is_object()) return p;
  p.ip = StrOr(v, "ip", "");
  p.user_agent = StrOr(v, "user_agent", "");
  p.workstation = StrOr(v, "workstation", "");
  p.location = StrOr(v, "location", "");
  return p;
}

}  // namespace

std::string_view AgreementStateId(AgreementState s) {
  switch (s) {
    case AgreementState::kDraft:
      return "draft";
    case AgreementState::kInReview:
      return "in_review";
    case AgreementState::kSent:
      return "sent";
    case AgreementState::kEmployeeSigned:
      return "employee_signed";
    case AgreementState::kPaperUploaded:
      return "paper_uploaded";
    case AgreementState::kCompleted:
      return "completed";
    case AgreementState::kVoided:
      return "voided";
  }
  return "draft";
}

Result<AgreementState> ParseAgreementState(std::string_view id) {
  for (AgreementState s : {AgreementState::kDraft, AgreementState::kInReview, AgreementState::kSent,
                           AgreementState::kEmployeeSigned, AgreementState::kPaperUploaded,
                           AgreementState::kCompleted, AgreementState::kVoided}) {
    if (AgreementStateId(s) == id) return s;
  }
  return Status::InvalidArgument("unknown agreement state");
}

json::Value AgreementStep::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["action"] = action;
  o["actor_id"] = actor_id;
  o["actor_name"] = actor_name;
  o["role"] = role;
  o["at"] = at;
  o["place"] = PlaceJson(place);
  o["audit_seq"] = audit_seq;
  o["document_sha256"] = document_sha256;
  o["signed"] = signed_step;
  o["note"] = note;
  return o;
}

Result<AgreementStep> AgreementStep::FromJson(const json::Value& v) {
  AgreementStep s;
  CUSTOS_ASSIGN_OR_RETURN(s.action, json::GetString(v, "action"));
  CUSTOS_ASSIGN_OR_RETURN(s.actor_id, json::GetString(v, "actor_id"));
  CUSTOS_ASSIGN_OR_RETURN(s.actor_name, json::GetString(v, "actor_name"));
  CUSTOS_ASSIGN_OR_RETURN(s.role, json::GetString(v, "role"));
  CUSTOS_ASSIGN_OR_RETURN(s.at, json::GetInt(v, "at"));
  if (const json::Value* p = v.Find("place")) s.place = PlaceFromJson(*p);
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetInt(v, "audit_seq"));
  s.audit_seq = static_cast<uint64_t>(seq);
  CUSTOS_ASSIGN_OR_RETURN(s.document_sha256, json::GetString(v, "document_sha256"));
  CUSTOS_ASSIGN_OR_RETURN(s.signed_step, json::GetBool(v, "signed"));
  CUSTOS_ASSIGN_OR_RETURN(s.note, json::GetString(v, "note"));
  return s;
}

json::Value Agreement::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["id"] = id;
  o["template_id"] = template_id;
  o["template_version"] = template_version;
  o["kind"] = kind;
  o["title"] = title;
  o["language"] = language;
  o["employee_id"] = employee_id;
  o["employee_name"] = employee_name;
  o["classification"] = policy::ClassificationId(classification);
  o["fields"] = fields;
  o["state"] = AgreementStateId(state);
  o["drafted_by"] = drafted_by;
  o["created"] = created;
  o["checks"] = checks;
  o["can_send"] = can_send;
  o["document_sha256"] = document_sha256;
  o["method"] = method;
  o["scan_sha256"] = scan_sha256;
  json::Value paper_o = json::Value::MakeObject();
  paper_o["room"] = paper.room;
  paper_o["cabinet"] = paper.cabinet;
  paper_o["box"] = paper.box;
  o["paper"] = std::move(paper_o);
  if (!paper_signed_on.empty()) o["paper_signed_on"] = paper_signed_on;
  o["completed_at"] = completed_at;
  o["delivered_at"] = delivered_at;
  json::Value list = json::Value::MakeArray();
  for (const AgreementStep& s : steps) list.Push(s.ToJson());
  o["steps"] = std::move(list);
  return o;
}

Result<Agreement> Agreement::FromJson(const json::Value& v) {
  Agreement a;
  CUSTOS_ASSIGN_OR_RETURN(a.id, json::GetString(v, "id"));
  CUSTOS_ASSIGN_OR_RETURN(a.template_id, json::GetString(v, "template_id"));
  CUSTOS_ASSIGN_OR_RETURN(a.template_version, json::GetString(v, "template_version"));
  CUSTOS_ASSIGN_OR_RETURN(a.kind, json::GetString(v, "kind"));
  CUSTOS_ASSIGN_OR_RETURN(a.title, json::GetString(v, "title"));
  CUSTOS_ASSIGN_OR_RETURN(a.language, json::GetString(v, "language"));
  CUSTOS_ASSIGN_OR_RETURN(a.employee_id, json::GetString(v, "employee_id"));
  CUSTOS_ASSIGN_OR_RETURN(a.employee_name, json::GetString(v, "employee_name"));
  CUSTOS_ASSIGN_OR_RETURN(std::string c, json::GetString(v, "classification"));
  CUSTOS_ASSIGN_OR_RETURN(a.classification, policy::ParseClassification(c));
  if (const json::Value* f = v.Find("fields"); f != nullptr && f->is_object()) a.fields = *f;
  CUSTOS_ASSIGN_OR_RETURN(std::string st, json::GetString(v, "state"));
  CUSTOS_ASSIGN_OR_RETURN(a.state, ParseAgreementState(st));
  CUSTOS_ASSIGN_OR_RETURN(a.drafted_by, json::GetString(v, "drafted_by"));
  CUSTOS_ASSIGN_OR_RETURN(a.created, json::GetInt(v, "created"));
  if (const json::Value* ch = v.Find("checks")) a.checks = *ch;
  CUSTOS_ASSIGN_OR_RETURN(a.can_send, json::GetBool(v, "can_send"));
  CUSTOS_ASSIGN_OR_RETURN(a.document_sha256, json::GetString(v, "document_sha256"));
  CUSTOS_ASSIGN_OR_RETURN(a.method, json::GetString(v, "method"));
  CUSTOS_ASSIGN_OR_RETURN(a.scan_sha256, json::GetString(v, "scan_sha256"));
  if (const json::Value* p = v.Find("paper"); p != nullptr && p->is_object()) {
    a.paper.room = StrOr(*p, "room", "");
    a.paper.cabinet = StrOr(*p, "cabinet", "");
    a.paper.box = StrOr(*p, "box", "");
  }
  a.paper_signed_on = StrOr(v, "paper_signed_on", "");
  CUSTOS_ASSIGN_OR_RETURN(a.completed_at, json::GetInt(v, "completed_at"));
  CUSTOS_ASSIGN_OR_RETURN(a.delivered_at, json::GetInt(v, "delivered_at"));
  const json::Value* steps = v.Find("steps");
  if (steps == nullptr || !steps->is_array()) return Status::DataLoss("agreement without steps");
  for (const json::Value& s : steps->as_array()) {
    CUSTOS_ASSIGN_OR_RETURN(AgreementStep step, AgreementStep::FromJson(s));
    a.steps.push_back(std::move(step));
  }
  return a;
}

std::optional<UnixMillis> Agreement::EmployeeSignedAt() const {
  for (const AgreementStep& s : steps) {
    if (s.action == "sign" && s.actor_id == employee_id) return s.at;
  }
  return std::nullopt;
}

json::Value Certificate::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["agreement"] = agreement.ToJson();
  o["agreement"].as_object().erase("fields");
  o["document_hash_ok"] = document_hash_ok;
  o["all_signatures_ok"] = all_signatures_ok;
  o["employee_signature_reliable"] =
      employee_signature_reliable ? json::Value(*employee_signature_reliable) : json::Value();
  json::Value list = json::Value::MakeArray();
  for (const CertificateStep& s : steps) {
    json::Value e = s.step.ToJson();
    e["time"] = FormatRfc3339Millis(s.step.at);
    if (s.signature) {
      e["signature"] = s.signature->ToJson();
    }
    e["verification"] = s.verification;
    list.Push(std::move(e));
  }
  o["steps"] = std::move(list);
  return o;
}

}  // namespace custos::vault
