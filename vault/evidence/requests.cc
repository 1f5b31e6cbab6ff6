// The request workflow of EvidenceDesk: request, preview, approve, deny,
// lift the hold, and the unaudited metadata reads. Export and download are
// in export.cc.
#include <algorithm>
#include <utility>

#include "base/encoding.h"
#include "base/text.h"
#include "policy/engine.h"
#include "vault/audit/audit_log.h"
#include "vault/evidence/age.h"
#include "vault/evidence/evidence.h"
#include "vault/evidence/internal/desk.h"
#include "vault/records/legal_hold.h"
#include "vault/store/crypto.h"
#include "vault/store/tables.h"

namespace custos::vault::evidence {
namespace {

json::Value Strings(const std::vector<std::string>& v) {
  json::Value a = json::Value::MakeArray();
  for (const std::string& s : v) a.Push(s);
  return a;
}

Result<std::vector<std::string>> ReadStrings(const json::Value& o, std::string_view key) {
  std::vector<std::string> out;
  const json::Value* a = o.Find(key);
  if (a == nullptr || a->is_null()) return out;
  if (!a->is_array()) return Status::DataLoss("evidence request: " + std::string(key));
  for (const json::Value& s : a->as_array()) {
    if (!s.is_string()) return Status::DataLoss("evidence request: " + std::string(key));
    out.push_back(s.as_string());
  }
  return out;
}

json::Value StepJson(const EvidenceStep& s) {
  json::Value o = json::Value::MakeObject();
  o["by"] = s.by;
  o["by_name"] = s.by_name;
  o["at"] = s.at;
  o["note"] = s.note;
  o["audit_seq"] = s.audit_seq;
  return o;
}

Result<EvidenceStep> StepFromJson(const json::Value& o) {
  EvidenceStep s;
  CUSTOS_ASSIGN_OR_RETURN(s.by, json::GetStringOr(o, "by", ""));
  CUSTOS_ASSIGN_OR_RETURN(s.by_name, json::GetStringOr(o, "by_name", ""));
  CUSTOS_ASSIGN_OR_RETURN(s.at, json::GetIntOr(o, "at", 0));
  CUSTOS_ASSIGN_OR_RETURN(s.note, json::GetStringOr(o, "note", ""));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(o, "audit_seq", 0));
  s.audit_seq = static_cast<uint64_t>(seq);
  return s;
}

json::Value StepsJson(const std::vector<EvidenceStep>& steps) {
  json::Value a = json::Value::MakeArray();
  for (const EvidenceStep& s : steps) a.Push(StepJson(s));
  return a;
}

Result<std::vector<EvidenceStep>> StepsFromJson(const json::Value& o, std::string_view key) {
  std::vector<EvidenceStep> out;
  const json::Value* a = o.Find(key);
  if (a == nullptr || !a->is_array()) return out;
  for (const json::Value& s : a->as_array()) {
    CUSTOS_ASSIGN_OR_RETURN(EvidenceStep step, StepFromJson(s));
    out.push_back(std::move(step));
  }
  return out;
}

json::Value ExportJson(const EvidenceExport& e) {
  json::Value o = json::Value::MakeObject();
  o["number"] = e.number;
  o["by"] = e.by;
  o["at"] = e.at;
  o["bundle_sha256"] = e.bundle_sha256;
  o["bundle_size"] = e.bundle_size;
  json::Value stored = json::Value::MakeObject();
  stored["id"] = e.stored.id;
  e.stored.AddTo(&stored);
  o["stored"] = std::move(stored);
  o["checkpoint_size"] = e.checkpoint_size;
  o["checkpoint_root"] = e.checkpoint_root;
  o["redacted"] = e.redacted;
  o["encrypted"] = e.encrypted;
  o["timestamped"] = e.timestamped;
  o["events"] = e.events;
  o["audit_seq"] = e.audit_seq;
  o["downloads"] = StepsJson(e.downloads);
  return o;
}

Result<bool> BoolOr(const json::Value& o, std::string_view key) {
  const json::Value* v = o.Find(key);
  if (v == nullptr || v->is_null()) return false;
  if (!v->is_bool()) return Status::DataLoss("evidence request: " + std::string(key));
  return v->as_bool();
}

Result<EvidenceExport> ExportFromJson(const json::Value& o) {
  EvidenceExport e;
  CUSTOS_ASSIGN_OR_RETURN(int64_t n, json::GetInt(o, "number"));
  e.number = static_cast<uint32_t>(n);
  CUSTOS_ASSIGN_OR_RETURN(e.by, json::GetStringOr(o, "by", ""));
  CUSTOS_ASSIGN_OR_RETURN(e.at, json::GetIntOr(o, "at", 0));
  CUSTOS_ASSIGN_OR_RETURN(e.bundle_sha256, json::GetString(o, "bundle_sha256"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t size, json::GetIntOr(o, "bundle_size", 0));
  e.bundle_size = static_cast<uint64_t>(size);
  const json::Value* stored = o.Find("stored");
  if (stored == nullptr || !stored->is_object()) return Status::DataLoss("evidence export");
  CUSTOS_ASSIGN_OR_RETURN(std::string stored_id, json::GetString(*stored, "id"));
  CUSTOS_ASSIGN_OR_RETURN(e.stored, SealedStream::From(*stored, stored_id));
  CUSTOS_ASSIGN_OR_RETURN(int64_t cs, json::GetIntOr(o, "checkpoint_size", 0));
  e.checkpoint_size = static_cast<uint64_t>(cs);
  CUSTOS_ASSIGN_OR_RETURN(e.checkpoint_root, json::GetStringOr(o, "checkpoint_root", ""));
  CUSTOS_ASSIGN_OR_RETURN(e.redacted, BoolOr(o, "redacted"));
  CUSTOS_ASSIGN_OR_RETURN(e.encrypted, BoolOr(o, "encrypted"));
  CUSTOS_ASSIGN_OR_RETURN(e.timestamped, BoolOr(o, "timestamped"));
  CUSTOS_ASSIGN_OR_RETURN(int64_t events, json::GetIntOr(o, "events", 0));
  e.events = static_cast<uint64_t>(events);
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(o, "audit_seq", 0));
  e.audit_seq = static_cast<uint64_t>(seq);
  CUSTOS_ASSIGN_OR_RETURN(e.downloads, StepsFromJson(o, "downloads"));
  return e;
}

std::string RequestKey(std::string_view id) { return "r/" + std::string(id); }

// Whether the text is a usable case reference: one line of plain text
// (base/text.h: no control, bidirectional or invisible characters) that
// shows something, of at most 200 characters.
Status CheckCaseReference(std::string_view text) {
  if (policy::ReasonLength(text) == 0) {
    return Status::InvalidArgument("a case reference is required", "请填写案号");
  }
  CUSTOS_RETURN_IF_ERROR(CheckTextField("the case reference", "案号", text, false));
  // Every code point counts here, spaces too (the text is valid UTF-8: a
  // code point is a byte that does not continue one).
  size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80 ? 1 : 0;
  if (chars > kMaxCaseReferenceChars) {
    return Status::InvalidArgument("the case reference is longer than 200 characters",
                                   "案号超过 200 个字符");
  }
  return Status::Ok();
}

Status CheckNewRequest(const NewEvidenceRequest& r) {
  CUSTOS_RETURN_IF_ERROR(CheckCaseReference(r.case_ref));
  if (r.recipients.size() > kMaxRecipients) {
    return Status::InvalidArgument("at most 10 recipients", "外部律师的 age 公钥最多 10 个");
  }
  for (const std::string& recipient : r.recipients) {
    if (Status key = ParseAgeRecipient(recipient).status(); !key.ok()) {
      return Status(key.code(), key.message(),
                    "外部律师的 age 公钥无效（须为以 age1 开头的 X25519 公钥）：" + recipient);
    }
  }
  return Status::Ok();
}

// The roles the policy lets request, decide on or audit evidence may read
// the requests' metadata.
bool MayReadRequests(const policy::Policy& policy, const User& user) {
  for (policy::Role r : user.roles) {
    if (policy.RolePermits(r, policy::Action::kRequestEvidence) ||
        policy.RolePermits(r, policy::Action::kApproveEvidence) ||
        policy.RolePermits(r, policy::Action::kReadAuditLog)) {
      return true;
    }
  }
  return false;
}

json::Value ScopeDetails(const EvidenceRequest& r) {
  json::Value d = json::Value::MakeObject();
  d["case"] = r.case_ref;
  d["scope"] = r.scope.ToJson();
  d["redact"] = r.redact;
  d["recipients"] = static_cast<int64_t>(r.recipients.size());
  return d;
}

}  // namespace

// ---- values ------------------------------------------------------------------------------

json::Value EvidenceRequest::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["id"] = id;
  o["case"] = case_ref;
  o["purpose"] = purpose;
  o["scope"] = scope.ToJson();
  o["redact"] = redact;
  o["recipients"] = Strings(recipients);
  o["state"] = policy::EvidenceStateId(state);
  o["requester"] = requester_id;
  o["requester_name"] = requester_name;
  o["requested_at"] = requested_at;
  o["request_seq"] = request_seq;
  o["approvals_required"] = approvals_required;
  o["approvals"] = StepsJson(approvals);
  o["denial"] = denial ? StepJson(*denial) : json::Value();
  json::Value h = json::Value::MakeObject();
  h["active"] = hold.active;
  h["placed_at"] = hold.placed_at;
  h["placed_seq"] = hold.placed_seq;
  h["records"] = Strings(hold.record_ids);
  h["agreements"] = Strings(hold.agreement_ids);
  h["lifted"] = hold.lifted ? StepJson(*hold.lifted) : json::Value();
  o["hold"] = std::move(h);
  json::Value ex = json::Value::MakeArray();
  for (const EvidenceExport& e : exports) ex.Push(ExportJson(e));
  o["exports"] = std::move(ex);
  return o;
}

Result<EvidenceRequest> EvidenceRequest::FromJson(const json::Value& o) {
  EvidenceRequest r;
  CUSTOS_ASSIGN_OR_RETURN(r.id, json::GetString(o, "id"));
  CUSTOS_ASSIGN_OR_RETURN(r.case_ref, json::GetString(o, "case"));
  CUSTOS_ASSIGN_OR_RETURN(r.purpose, json::GetStringOr(o, "purpose", ""));
  const json::Value* scope = o.Find("scope");
  if (scope == nullptr || !scope->is_object()) return Status::DataLoss("evidence request: scope");
  CUSTOS_ASSIGN_OR_RETURN(r.scope, ScopeSpec::FromJson(*scope));
  CUSTOS_ASSIGN_OR_RETURN(r.redact, BoolOr(o, "redact"));
  CUSTOS_ASSIGN_OR_RETURN(r.recipients, ReadStrings(o, "recipients"));
  CUSTOS_ASSIGN_OR_RETURN(std::string state, json::GetString(o, "state"));
  CUSTOS_ASSIGN_OR_RETURN(r.state, policy::ParseEvidenceState(state));
  CUSTOS_ASSIGN_OR_RETURN(r.requester_id, json::GetString(o, "requester"));
  CUSTOS_ASSIGN_OR_RETURN(r.requester_name, json::GetStringOr(o, "requester_name", ""));
  CUSTOS_ASSIGN_OR_RETURN(r.requested_at, json::GetIntOr(o, "requested_at", 0));
  CUSTOS_ASSIGN_OR_RETURN(int64_t seq, json::GetIntOr(o, "request_seq", 0));
  r.request_seq = static_cast<uint64_t>(seq);
  CUSTOS_ASSIGN_OR_RETURN(int64_t required, json::GetIntOr(o, "approvals_required", 1));
  r.approvals_required = static_cast<int>(required);
  CUSTOS_ASSIGN_OR_RETURN(r.approvals, StepsFromJson(o, "approvals"));
  if (const json::Value* d = o.Find("denial"); d != nullptr && d->is_object()) {
    CUSTOS_ASSIGN_OR_RETURN(EvidenceStep s, StepFromJson(*d));
    r.denial = std::move(s);
  }
  if (const json::Value* h = o.Find("hold"); h != nullptr && h->is_object()) {
    CUSTOS_ASSIGN_OR_RETURN(r.hold.active, BoolOr(*h, "active"));
    CUSTOS_ASSIGN_OR_RETURN(r.hold.placed_at, json::GetIntOr(*h, "placed_at", 0));
    CUSTOS_ASSIGN_OR_RETURN(int64_t placed, json::GetIntOr(*h, "placed_seq", 0));
    r.hold.placed_seq = static_cast<uint64_t>(placed);
    CUSTOS_ASSIGN_OR_RETURN(r.hold.record_ids, ReadStrings(*h, "records"));
    CUSTOS_ASSIGN_OR_RETURN(r.hold.agreement_ids, ReadStrings(*h, "agreements"));
    if (const json::Value* l = h->Find("lifted"); l != nullptr && l->is_object()) {
      CUSTOS_ASSIGN_OR_RETURN(EvidenceStep s, StepFromJson(*l));
      r.hold.lifted = std::move(s);
    }
  }
  if (const json::Value* ex = o.Find("exports"); ex != nullptr && ex->is_array()) {
    for (const json::Value& e : ex->as_array()) {
      CUSTOS_ASSIGN_OR_RETURN(EvidenceExport x, ExportFromJson(e));
      r.exports.push_back(std::move(x));
    }
  }
  return r;
}

policy::EvidenceFacts EvidenceRequest::Facts() const {
  policy::EvidenceFacts f;
  f.id = id;
  f.requester_id = requester_id;
  f.state = state;
  for (const EvidenceStep& a : approvals) f.approver_ids.push_back(a.by);
  f.approvals_required = approvals_required;
  f.subject_ids = scope.person_ids;
  return f;
}

json::Value ScopePreview::ToJson() const {
  json::Value o = json::Value::MakeObject();
  o["people"] = static_cast<int64_t>(people);
  o["records"] = static_cast<int64_t>(records);
  o["top_secret_records"] = static_cast<int64_t>(top_secret_records);
  o["agreements"] = static_cast<int64_t>(agreements);
  o["loans"] = static_cast<int64_t>(loans);
  o["events"] = events;
  o["from"] = from;
  o["to"] = to;
  o["approvals_required"] = approvals_required;
  return o;
}

// ---- shared internals (internal/desk.h) ---------------------------------------------------

namespace internal {

Result<EvidenceRequest> LoadRequest(const ReadTxn& txn, std::string_view id) {
  auto raw = txn.Get(tables::kEvidence, RequestKey(id));
  if (!raw.ok()) {
    if (raw.status().code() == StatusCode::kNotFound) {
      return Status::NotFound("no such evidence request", "没有这份证据申请");
    }
    return raw.status();
  }
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(*raw));
  auto r = EvidenceRequest::FromJson(v);
  if (!r.ok()) return Status::DataLoss("evidence request " + std::string(id) + " is damaged");
  return r;
}

Status StoreRequest(WriteTxn& txn, const EvidenceRequest& r) {
  return txn.Put(tables::kEvidence, RequestKey(r.id), json::Serialize(r.ToJson()));
}

Result<std::vector<EvidenceRequest>> AllRequests(const ReadTxn& txn) {
  std::vector<EvidenceRequest> out;
  CUSTOS_RETURN_IF_ERROR(txn.Scan(
      tables::kEvidence, "r/", [&](std::string_view key, std::string_view value) -> Result<bool> {
        auto v = json::Parse(value);
        if (!v.ok()) {
          return Status::DataLoss("an evidence request is damaged");
        }
        auto r = EvidenceRequest::FromJson(*v);
        if (!r.ok()) {
          return Status::DataLoss("evidence request " + std::string(key.substr(2)) + " is damaged");
        }
        out.push_back(std::move(*r));
        return true;
      }));
  return out;
}

Result<std::vector<std::string>> CaseRequestIds(const ReadTxn& txn, std::string_view case_ref) {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<EvidenceRequest> all, AllRequests(txn));
  std::vector<std::string> ids;
  for (const EvidenceRequest& r : all) {
    if (r.case_ref == case_ref) ids.push_back(r.id);
  }
  return ids;
}

access::Attempt StepAttempt(const StepSpec& spec) {
  return access::Attempt::On(spec.action, spec.event_action, "evidence", spec.object_id,
                             spec.reason);
}

Result<access::Outcome> DecideStep(Archive& archive, const Caller& caller, const StepSpec& spec) {
  return archive.gate().DecideThenWrite(
      caller, StepAttempt(spec),
      [&](const ReadTxn& txn, const User&, policy::Facts& facts, AuditEvent& e) -> Status {
        return spec.prepare ? spec.prepare(txn, facts, e) : Status::Ok();
      },
      [&](WriteTxn& txn, const access::Outcome& o) -> Status {
        return spec.apply ? spec.apply(txn, o.user, o.decision, o.seq, o.now) : Status::Ok();
      },
      [&](const ReadTxn& txn, const access::Outcome& o, AuditEvent& e) -> Status {
        if (!o.allowed || !spec.check) return Status::Ok();
        return spec.check(txn, o.decision, e);
      });
}

Result<bool> PeekStep(Archive& archive, const ReadTxn& txn, const Caller& caller,
                      const StepSpec& spec) {
  CUSTOS_ASSIGN_OR_RETURN(
      access::Outcome o,
      archive.gate().Peek(
          txn, caller, StepAttempt(spec),
          [&](const ReadTxn& t, const User&, policy::Facts& facts, AuditEvent& e) -> Status {
            return spec.prepare ? spec.prepare(t, facts, e) : Status::Ok();
          }));
  return o.allowed;
}

}  // namespace internal

// ---- the workflow -------------------------------------------------------------------------

namespace {

// The facts of a request as asked, before it exists: whom it is about.
policy::EvidenceFacts AsAsked(const NewEvidenceRequest& request) {
  policy::EvidenceFacts f;
  f.subject_ids = request.scope.person_ids;
  return f;
}

}  // namespace

EvidenceDesk::EvidenceDesk(Archive& archive) : archive_(archive) {}

Result<EvidenceRequest> EvidenceDesk::Request(const Caller& caller,
                                              const NewEvidenceRequest& request) {
  CUSTOS_RETURN_IF_ERROR(CheckNewRequest(request));
  // The scope is resolved (and checked) before the decision so the approvals
  // it needs are known; a caller the policy would refuse is refused first,
  // so they learn nothing about which ids exist.
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, archive_.vault().BeginRead());
    internal::StepSpec probe;
    probe.action = policy::Action::kRequestEvidence;
    probe.reason = request.purpose;
    probe.prepare = [&](const ReadTxn&, policy::Facts& f, AuditEvent&) -> Status {
      f.evidence = AsAsked(request);
      return Status::Ok();
    };
    CUSTOS_ASSIGN_OR_RETURN(bool allowed, internal::PeekStep(archive_, *r, caller, probe));
    if (!allowed) {
      r.reset();
      return DecideRequest(caller, request, ResolvedScope());
    }
  }
  ResolvedScope scope;
  {
    CUSTOS_ASSIGN_OR_RETURN(OwnedRecords owned, OwnedRecordsOf(archive_, request.scope));
    CUSTOS_ASSIGN_OR_RETURN(auto r, archive_.vault().BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(scope, ResolveScope(archive_, *r, request.scope, owned));
  }
  return DecideRequest(caller, request, scope);
}

Result<EvidenceRequest> EvidenceDesk::DecideRequest(const Caller& caller,
                                                    const NewEvidenceRequest& request,
                                                    const ResolvedScope& scope) {
  EvidenceRequest out;
  out.id = "e-" + HexEncode(RandomBytes(8));
  out.case_ref = request.case_ref;
  out.purpose = request.purpose;
  out.scope = request.scope;
  std::sort(out.scope.person_ids.begin(), out.scope.person_ids.end());
  out.scope.person_ids.erase(std::unique(out.scope.person_ids.begin(), out.scope.person_ids.end()),
                             out.scope.person_ids.end());
  std::sort(out.scope.record_ids.begin(), out.scope.record_ids.end());
  out.scope.record_ids.erase(std::unique(out.scope.record_ids.begin(), out.scope.record_ids.end()),
                             out.scope.record_ids.end());
  out.redact = request.redact;
  out.recipients = request.recipients;
  out.approvals_required = scope.top_secret ? 2 : 1;
  internal::StepSpec spec;
  spec.action = policy::Action::kRequestEvidence;
  spec.event_action = "evidence.request";
  spec.object_id = out.id;
  spec.reason = request.purpose;
  spec.prepare = [&](const ReadTxn&, policy::Facts& f, AuditEvent& e) -> Status {
    f.evidence = out.Facts();
    e.details = ScopeDetails(out);
    e.details["approvals_required"] = out.approvals_required;
    e.details["records_in_scope"] = static_cast<int64_t>(scope.records.size());
    return Status::Ok();
  };
  spec.apply = [&](WriteTxn& txn, const User& user, const policy::Decision&, uint64_t seq,
                   UnixMillis now) -> Status {
    out.state = policy::EvidenceState::kRequested;
    out.requester_id = user.id;
    out.requester_name = user.display_name;
    out.requested_at = now;
    out.request_seq = seq;
    return internal::StoreRequest(txn, out);
  };
  CUSTOS_ASSIGN_OR_RETURN(access::Outcome d, internal::DecideStep(archive_, caller, spec));
  return out;
}

Result<ScopePreview> EvidenceDesk::Preview(const Caller& caller,
                                           const NewEvidenceRequest& request) {
  CUSTOS_RETURN_IF_ERROR(CheckNewRequest(request));
  ScopePreview preview;
  bool allowed_before = false;
  {
    CUSTOS_ASSIGN_OR_RETURN(OwnedRecords owned, OwnedRecordsOf(archive_, request.scope));
    CUSTOS_ASSIGN_OR_RETURN(auto r, archive_.vault().BeginRead());
    internal::StepSpec probe;
    probe.action = policy::Action::kRequestEvidence;
    probe.reason = request.purpose;
    probe.prepare = [&](const ReadTxn&, policy::Facts& f, AuditEvent&) -> Status {
      f.evidence = AsAsked(request);
      return Status::Ok();
    };
    CUSTOS_ASSIGN_OR_RETURN(allowed_before, internal::PeekStep(archive_, *r, caller, probe));
    if (allowed_before) {
      CUSTOS_ASSIGN_OR_RETURN(ResolvedScope scope,
                              ResolveScope(archive_, *r, request.scope, owned));
      CUSTOS_ASSIGN_OR_RETURN(uint64_t size, archive_.audit_log().Size(*r));
      CUSTOS_ASSIGN_OR_RETURN(std::vector<uint64_t> events,
                              CollectEvents(archive_, *r, scope, {}, size));
      preview.people = scope.people.size();
      preview.records = scope.records.size();
      for (const std::string& id : scope.records) {
        auto meta = Archive::ReadMeta(*r, id);
        if (meta.ok() && meta->classification == policy::Classification::kTopSecret) {
          preview.top_secret_records += 1;
        }
      }
      preview.agreements = scope.agreements.size();
      preview.loans = scope.loans.size();
      preview.events = events.size();
      preview.from = scope.from;
      preview.to = scope.to;
      preview.approvals_required = scope.top_secret ? 2 : 1;
    }
  }
  internal::StepSpec spec;
  spec.action = policy::Action::kRequestEvidence;
  spec.event_action = "evidence.preview";
  spec.reason = request.purpose;
  spec.prepare = [&](const ReadTxn&, policy::Facts& f, AuditEvent& e) -> Status {
    f.evidence = AsAsked(request);
    e.details["case"] = request.case_ref;
    e.details["scope"] = request.scope.ToJson();
    if (allowed_before) {
      e.details["records"] = static_cast<int64_t>(preview.records);
      e.details["events"] = preview.events;
    }
    return Status::Ok();
  };
  CUSTOS_ASSIGN_OR_RETURN(access::Outcome d, internal::DecideStep(archive_, caller, spec));
  if (!allowed_before) {
    return Status::Aborted("the decision changed; try again", "判定结果已变化，请重试");
  }
  return preview;
}

Result<EvidenceRequest> EvidenceDesk::Approve(const Caller& caller, std::string_view id,
                                              std::string_view note) {
  // What the hold will cover, resolved before the write (it reads the log).
  ResolvedScope scope;
  ScopeSpec asked;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, archive_.vault().BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(EvidenceRequest request, internal::LoadRequest(*r, id));
    asked = std::move(request.scope);
  }
  {
    CUSTOS_ASSIGN_OR_RETURN(OwnedRecords owned, OwnedRecordsOf(archive_, asked));
    CUSTOS_ASSIGN_OR_RETURN(auto r, archive_.vault().BeginRead());
    auto resolved = ResolveScope(archive_, *r, asked, owned);
    // A scope that no longer resolves (a person removed since) is decided
    // without a hold list; the approval itself does not depend on it.
    if (resolved.ok()) scope = std::move(*resolved);
  }
  EvidenceRequest out;
  internal::StepSpec spec;
  spec.action = policy::Action::kApproveEvidence;
  spec.event_action = "evidence.approve";
  spec.object_id = std::string(id);
  spec.reason = std::string(note);
  spec.prepare = [&](const ReadTxn& txn, policy::Facts& f, AuditEvent& e) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(out, internal::LoadRequest(txn, id));
    // Top-secret records that came into scope since the request raise the
    // approvals it needs.
    if (scope.top_secret) out.approvals_required = std::max(out.approvals_required, 2);
    f.evidence = out.Facts();
    e.details["case"] = out.case_ref;
    return Status::Ok();
  };
  spec.check = [&](const ReadTxn&, const policy::Decision& d, AuditEvent& e) -> Status {
    e.details["approvals"] = static_cast<int64_t>(out.approvals.size() + 1);
    e.details["approvals_required"] = d.approvals_required;
    e.details["complete"] = d.approvals_complete;
    if (d.approvals_complete) {
      json::Value hold = json::Value::MakeObject();
      // Every one is in the request's hold (evidence/request.json in a
      // bundle); a hold of many thousand files names the first ones here.
      PutIdList(hold, "records", scope.records);
      PutIdList(hold, "agreements", scope.agreements);
      e.details["legal_hold"] = std::move(hold);
    }
    return Status::Ok();
  };
  spec.apply = [&](WriteTxn& txn, const User& user, const policy::Decision& d, uint64_t seq,
                   UnixMillis now) -> Status {
    out.approvals_required = d.approvals_required;
    out.approvals.push_back(EvidenceStep{user.id, user.display_name, now, std::string(note), seq});
    if (d.approvals_complete) {
      out.state = policy::EvidenceState::kApproved;
      out.hold.active = true;
      out.hold.placed_at = now;
      out.hold.placed_seq = seq;
      out.hold.record_ids = scope.records;
      out.hold.agreement_ids = scope.agreements;
      CUSTOS_RETURN_IF_ERROR(PlaceHold(txn, out.id, scope.records, scope.agreements));
    }
    return internal::StoreRequest(txn, out);
  };
  CUSTOS_ASSIGN_OR_RETURN(access::Outcome d, internal::DecideStep(archive_, caller, spec));
  return out;
}

Result<EvidenceRequest> EvidenceDesk::Deny(const Caller& caller, std::string_view id,
                                           std::string_view note) {
  EvidenceRequest out;
  internal::StepSpec spec;
  spec.action = policy::Action::kDenyEvidence;
  spec.event_action = "evidence.deny";
  spec.object_id = std::string(id);
  spec.reason = std::string(note);
  spec.prepare = [&](const ReadTxn& txn, policy::Facts& f, AuditEvent& e) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(out, internal::LoadRequest(txn, id));
    f.evidence = out.Facts();
    e.details["case"] = out.case_ref;
    return Status::Ok();
  };
  spec.apply = [&](WriteTxn& txn, const User& user, const policy::Decision&, uint64_t seq,
                   UnixMillis now) -> Status {
    out.state = policy::EvidenceState::kDenied;
    out.denial = EvidenceStep{user.id, user.display_name, now, std::string(note), seq};
    return internal::StoreRequest(txn, out);
  };
  CUSTOS_ASSIGN_OR_RETURN(access::Outcome d, internal::DecideStep(archive_, caller, spec));
  return out;
}

Result<EvidenceRequest> EvidenceDesk::LiftHold(const Caller& caller, std::string_view id,
                                               std::string_view reason) {
  EvidenceRequest out;
  internal::StepSpec spec;
  spec.action = policy::Action::kLiftLegalHold;
  spec.event_action = "evidence.hold.lift";
  spec.object_id = std::string(id);
  spec.reason = std::string(reason);
  spec.check = [&](const ReadTxn& txn, const policy::Decision&, AuditEvent& e) -> Status {
    // Looked up after the decision: a refused caller learns nothing.
    CUSTOS_ASSIGN_OR_RETURN(out, internal::LoadRequest(txn, id));
    if (!out.hold.active) {
      return Status::FailedPrecondition("this request holds nothing (not approved, or lifted)",
                                        "该申请没有保全任何内容（尚未批准，或已解除保全）");
    }
    e.details["case"] = out.case_ref;
    e.details["records"] = static_cast<int64_t>(out.hold.record_ids.size());
    e.details["agreements"] = static_cast<int64_t>(out.hold.agreement_ids.size());
    return Status::Ok();
  };
  spec.apply = [&](WriteTxn& txn, const User& user, const policy::Decision&, uint64_t seq,
                   UnixMillis now) -> Status {
    CUSTOS_RETURN_IF_ERROR(ReleaseHold(txn, out.id, out.hold.record_ids, out.hold.agreement_ids));
    out.hold.active = false;
    out.hold.lifted = EvidenceStep{user.id, user.display_name, now, std::string(reason), seq};
    return internal::StoreRequest(txn, out);
  };
  CUSTOS_ASSIGN_OR_RETURN(access::Outcome d, internal::DecideStep(archive_, caller, spec));
  return out;
}

Result<std::vector<EvidenceRequest>> EvidenceDesk::List(const Caller& caller) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, archive_.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*r, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive_.PolicyAt(*r));
  if (!MayReadRequests(*policy, user)) {
    return policy::Refuse(policy::rules::kRoleNotPermitted,
                          "only litigation, approvers and auditors see evidence requests");
  }
  CUSTOS_ASSIGN_OR_RETURN(std::vector<EvidenceRequest> all, internal::AllRequests(*r));
  std::sort(all.begin(), all.end(), [](const EvidenceRequest& a, const EvidenceRequest& b) {
    return a.requested_at > b.requested_at;
  });
  return all;
}

Result<EvidenceRequest> EvidenceDesk::Get(const Caller& caller, std::string_view id) const {
  CUSTOS_ASSIGN_OR_RETURN(auto r, archive_.vault().BeginRead());
  CUSTOS_ASSIGN_OR_RETURN(User user, access::AccessGate::CallerUser(*r, caller));
  CUSTOS_ASSIGN_OR_RETURN(auto policy, archive_.PolicyAt(*r));
  if (!MayReadRequests(*policy, user)) {
    return policy::Refuse(policy::rules::kRoleNotPermitted,
                          "only litigation, approvers and auditors see evidence requests");
  }
  return internal::LoadRequest(*r, id);
}

Result<std::vector<HoldSummary>> EvidenceDesk::Holds(const Caller& caller) const {
  CUSTOS_ASSIGN_OR_RETURN(std::vector<EvidenceRequest> all, List(caller));
  std::vector<HoldSummary> out;
  for (EvidenceRequest& r : all) {
    if (r.hold.placed_seq == 0) continue;
    out.push_back(HoldSummary{r.id, r.case_ref, std::move(r.hold)});
  }
  std::stable_sort(out.begin(), out.end(), [](const HoldSummary& a, const HoldSummary& b) {
    return a.hold.active && !b.hold.active;
  });
  return out;
}

}  // namespace custos::vault::evidence
