// Evidence requests (证据调取) and their bundles: the litigation team's
// workflow of ARCHITECTURE.md ("The evidence bundle"), with separation of
// duties and every step audited (docs/evidence.md).
//
//   Request   (policy: request_evidence — litigation) a case reference, a
//             purpose, a scope (people and/or records, a time window) and
//             options (redacted, encrypted to outside counsel's age
//             recipients). Needs two approvals when a top-secret record is
//             in scope, else one.
//   Approve / Deny (approve_evidence / deny_evidence — approvers; never the
//             requester, never a person the evidence is about). The approval
//             that completes the count places the legal hold
//             (vault/records/legal_hold.h) on every record and agreement in scope.
//   Export    (export_evidence — the requester of an approved request)
//             signs a fresh checkpoint, builds the custos-evidence/1 bundle
//             (bundle.h) into sealed storage, then decides again and writes
//             the "evidence.export" event (case, scope, bundle SHA-256 and
//             size, the checkpoint) in the same transaction that makes the
//             bundle available; only then is a byte delivered.
//   Download  a later download of an export by its requester: its own
//             "evidence.download" event first.
//   Lift hold (lift_legal_hold — litigation) with a reason.
//
// Reading requests (List/Get/Holds) is open to the roles the policy lets
// request, approve or read the audit log; it returns metadata only and is
// not audited. Nothing here ever returns record content except the bundle
// stream of an allowed export or download.
//
// Storage: tables::kEvidence "r/" + id → the request (sealed JSON, replaced
// on every step); bundles are sealed streams (vault/store/sealed_stream.h) with
// ids "b-" + 16 hex digits. Request ids: "e-" + 16 hex digits.
//
// Audit events (object {"evidence", request id}): evidence.request,
// evidence.preview, evidence.approve, evidence.deny, evidence.export,
// evidence.download, evidence.hold.lift; a denial of any of them is its
// event alone. The approval that places the hold lists what it holds in
// details.legal_hold {records, agreements}: past kMaxListedIds ids the first
// ones, with records_total and records_sha256 (audit_log.h, PutIdList) over
// the whole list, which the request keeps (hold.record_ids).
//
// Thread-safety: an EvidenceDesk is shared by all threads.
#ifndef CUSTOS_VAULT_EVIDENCE_EVIDENCE_H_
#define CUSTOS_VAULT_EVIDENCE_EVIDENCE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/facts.h"
#include "policy/types.h"
#include "vault/evidence/scope.h"
#include "vault/records/records.h"
#include "vault/store/sealed_stream.h"

namespace custos::vault::evidence {

inline constexpr size_t kMaxCaseReferenceChars = 200;
inline constexpr size_t kMaxRecipients = 10;

struct EvidenceStep {
  std::string by;  // user id
  std::string by_name;
  UnixMillis at = 0;
  std::string note;
  uint64_t audit_seq = 0;
};

// One exported bundle of a request.
struct EvidenceExport {
  uint32_t number = 0;  // 1, 2, ... within the request
  std::string by;
  UnixMillis at = 0;
  std::string bundle_sha256;  // hex of the ZIP
  uint64_t bundle_size = 0;
  // The bytes delivered (the ZIP, or its age encryption): what is stored.
  SealedStream stored;
  uint64_t checkpoint_size = 0;
  std::string checkpoint_root;  // base64
  bool redacted = false;
  bool encrypted = false;
  bool timestamped = false;
  uint64_t events = 0;  // events in the bundle
  uint64_t audit_seq = 0;
  std::vector<EvidenceStep> downloads;
};

struct LegalHoldState {
  bool active = false;
  UnixMillis placed_at = 0;
  uint64_t placed_seq = 0;  // the approval that placed it
  std::vector<std::string> record_ids;
  std::vector<std::string> agreement_ids;
  std::optional<EvidenceStep> lifted;
};

struct EvidenceRequest {
  std::string id;
  std::string case_ref;
  std::string purpose;
  ScopeSpec scope;
  bool redact = false;
  std::vector<std::string> recipients;  // age X25519 recipients ("age1…")
  policy::EvidenceState state = policy::EvidenceState::kRequested;
  std::string requester_id;
  std::string requester_name;
  UnixMillis requested_at = 0;
  uint64_t request_seq = 0;
  int approvals_required = 1;
  std::vector<EvidenceStep> approvals;
  std::optional<EvidenceStep> denial;
  LegalHoldState hold;
  std::vector<EvidenceExport> exports;

  json::Value ToJson() const;
  static Result<EvidenceRequest> FromJson(const json::Value& v);
  policy::EvidenceFacts Facts() const;
};

struct NewEvidenceRequest {
  std::string case_ref;
  std::string purpose;
  ScopeSpec scope;
  bool redact = false;
  std::vector<std::string> recipients;
};

// What a scope holds, for the request form.
struct ScopePreview {
  size_t people = 0;
  size_t records = 0;
  size_t top_secret_records = 0;
  size_t agreements = 0;
  size_t loans = 0;
  uint64_t events = 0;
  UnixMillis from = 0;
  UnixMillis to = 0;
  int approvals_required = 1;
  json::Value ToJson() const;
};

// A hold as auditors see it.
struct HoldSummary {
  std::string request_id;
  std::string case_ref;
  LegalHoldState hold;
};

// Exchanges a DER RFC 3161 request for the TSA's DER reply (web/ or cli/
// does the HTTP). Called outside any transaction.
using Timestamper = std::function<Result<std::string>(std::string_view request_der)>;

struct ExportOptions {
  // Trusted time for the checkpoint (audit/checkpoint.tsr); none: the
  // bundle says it has none.
  Timestamper timestamper;
  // PEM certificates of the TSA's CA, shipped as keys/tsa-ca.pem so the
  // token verifies with `openssl ts -verify`; the reply is checked against
  // them before it goes into the bundle.
  std::string tsa_ca_pem;
};

// An export or download ready to be delivered: its event is durable.
struct Delivery {
  EvidenceRequest request;
  EvidenceExport exported;
  std::string filename;      // e.g. "custos-evidence-e-….zip" (".zip.age")
  std::string content_type;  // application/zip or application/octet-stream
  // Writes the stored bytes (exported.stored.size of them) to `out`;
  // kDataLoss if the stored bundle fails to open (the bytes written so far
  // must be discarded).
  std::function<Status(const std::function<Status(std::string_view)>& out)> write_to;
};

class EvidenceDesk {
 public:
  // `archive` (and its vault and log) must outlive the desk.
  explicit EvidenceDesk(Archive& archive);

  // Errors: kInvalidArgument for a bad case reference, scope or recipient
  // (nothing audited); kUnauthenticated for an unknown or disabled caller;
  // kPermissionDenied "rule: message" when the policy denies (audited).
  Result<EvidenceRequest> Request(const Caller& caller, const NewEvidenceRequest& request);
  // The size of a scope before it is requested (audited, decided as a
  // request: the same case reference and purpose are needed).
  Result<ScopePreview> Preview(const Caller& caller, const NewEvidenceRequest& request);
  // kNotFound for an unknown request; policy refusals as Request.
  Result<EvidenceRequest> Approve(const Caller& caller, std::string_view id, std::string_view note);
  Result<EvidenceRequest> Deny(const Caller& caller, std::string_view id, std::string_view note);
  // kFailedPrecondition when the request holds nothing (never approved, or
  // already lifted).
  Result<EvidenceRequest> LiftHold(const Caller& caller, std::string_view id,
                                   std::string_view reason);

  // Requests, newest first (metadata only).
  Result<std::vector<EvidenceRequest>> List(const Caller& caller) const;
  Result<EvidenceRequest> Get(const Caller& caller, std::string_view id) const;
  // Every hold, active first.
  Result<std::vector<HoldSummary>> Holds(const Caller& caller) const;

  // Builds, stores and records a new export of request `id` (see the file
  // comment). kFailedPrecondition when the TSA's reply does not check out.
  Result<Delivery> Export(const Caller& caller, std::string_view id,
                          const ExportOptions& options = {});
  // Export `number` of request `id` again.
  Result<Delivery> Download(const Caller& caller, std::string_view id, uint32_t number);

  Archive& archive() const { return archive_; }

 private:
  // The decision and event of a request whose scope is resolved.
  Result<EvidenceRequest> DecideRequest(const Caller& caller, const NewEvidenceRequest& request,
                                        const ResolvedScope& scope);

  Archive& archive_;
};

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_EVIDENCE_H_
