// Agreements (NDAs, non-competes) in the vault: drafted by legal from a
// template, reviewed, sent, signed by the employee, countersigned for the
// company and stored as an immutable, classified record linked to the
// employee — or wet-signed on paper, scanned, and attested by a custodian.
//
// The vault does not depend on the template library (ARCHITECTURE.md:
// vault → policy, base), so rendering and legal checks come in through a
// DocumentBuilder the caller supplies (web/ wires contract-templates in). The
// vault calls it itself at every point where the rules need it (draft,
// update, send), with the facts only the vault knows (CheckFacts: first
// access to classified records for C4/N3, signatures and delivery for N10),
// so a caller cannot skip the checks: Send refuses a draft whose checks have
// errors.
//
// Storage:
//   tables::kAgreements  VersionKey(id, n)            → Agreement JSON (versions.h;
//                                                       every step appends one)
//   tables::kAgreements  "doc:" + sha256 hex          → document / scan bytes
//   tables::kSignatures  id \0 EncodeU32(step index)  → SignatureRecord JSON
//   tables::kIndex       "agr/emp/" + user id \0 id   → "" (agreements of an employee)
// Every value is sealed by the vault.
//
// Who may do what is decided by the policy through the access path
// (vault/access/gate.h): each step is policy::Action::kAgreementStep with
// policy::AgreementFacts. Roles the policy lets draft contracts
// (draft_contract) draft, submit, send (never the drafter: the review),
// recall a sent agreement before it is signed, void (作废) one unsigned,
// countersign for the company (never the employee themself) and upload
// paper scans; the employee named in the agreement signs and downloads their
// copy; a custodian other than the uploader and the employee attests a paper
// scan; legal, auditors, litigation and the employee read certificates.
// Reading an agreement's terms or its document is kReadAgreement (the
// employee's own; auditors and administrators are content-blind). Every
// step and every read, allowed or denied, appends its audit event in the
// same Write as its change or before anything is returned.
//
// Thread-safety: an Agreements object is shared by all threads.
#ifndef CUSTOS_VAULT_AGREEMENTS_AGREEMENTS_H_
#define CUSTOS_VAULT_AGREEMENTS_AGREEMENTS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "policy/types.h"
#include "vault/access/gate.h"
#include "vault/access/policy_store.h"
#include "vault/access/users.h"
#include "vault/agreements/signing.h"
#include "vault/audit/audit_log.h"
#include "vault/store/paper_location.h"
#include "vault/store/vault.h"

namespace custos::vault {

enum class AgreementState {
  kDraft,
  kInReview,
  kSent,
  kEmployeeSigned,
  kPaperUploaded,
  kCompleted,  // countersigned or attested: immutable from here on
  kVoided,     // withdrawn unsigned (作废): kept with its history, never sent again
};
std::string_view AgreementStateId(AgreementState s);
Result<AgreementState> ParseAgreementState(std::string_view id);

// Facts the vault gives the builder for the legal checks.
struct CheckFacts {
  std::optional<bool> secret_access_record_exists;   // N3
  std::optional<UnixMillis> first_secret_access_at;  // C4
  std::optional<UnixMillis> nda_signed_at;           // C4
  std::optional<bool> employee_signed;               // N10
  std::optional<bool> employer_signed;
  std::optional<bool> signature_reliable;
  std::optional<bool> copy_delivered;
  // N6: the employee's last working day ("YYYY-MM-DD") once a resignation
  // is registered: the restricted period, and the minimum wages it is
  // compared with, start the day after.
  std::optional<std::string> employment_end;
  // The first day the agreement can still be signed ("YYYY-MM-DD", the
  // company's calendar): today for one the employee has not signed, the
  // day they signed otherwise. A backdated sign_date chooses no older rules.
  std::string signed_on_or_after;
  // D1 (departure notice): the employee's newest completed non-compete —
  // its id, template and fields — once looked up (`noncompete_known`);
  // template empty when there is none.
  bool noncompete_known = false;
  std::string signed_noncompete_id;
  std::string signed_noncompete_template;
  json::Value signed_noncompete_fields;
};

// What the builder returns: the rendered document (deterministic bytes: the
// same inputs give the same hash) and the check report.
struct BuiltDocument {
  std::string template_version;
  std::string kind;   // "employee-nda", "non-compete", "mutual-nda", "departure-notice"
  std::string title;  // shown in lists
  std::string language;
  std::string html;    // what is hashed, signed and stored
  json::Value report;  // the check report as JSON (shown to people)
  bool can_send = false;
  // The template's defaults for the fields the request left out, which the
  // document renders (e.g. the non-compete's pay_day): stored with the
  // agreement's fields so that what is tracked is what was signed.
  json::Value defaults = json::Value::MakeObject();
};

using DocumentBuilder = std::function<Result<BuiltDocument>(
    std::string_view template_id, const json::Value& fields, policy::Classification classification,
    const CheckFacts& facts)>;

struct AgreementStep {
  std::string action;  // "draft", "update", "submit", "return", "send", "recall", "sign",
                       // "countersign", "paper_upload", "attest", "deliver"
  std::string actor_id;
  std::string actor_name;
  std::string role;  // "legal", "employee", "company", "custodian"
  UnixMillis at = 0;
  AuditEvent::Place place;
  uint64_t audit_seq = 0;
  std::string document_sha256;  // hex; the document (or scan) the step concerns
  bool signed_step = false;     // a SignatureRecord is stored for this step
  std::string note;

  json::Value ToJson() const;
  static Result<AgreementStep> FromJson(const json::Value& v);
};

struct Agreement {
  std::string id;  // "a-" + 16 hex digits
  std::string template_id;
  std::string template_version;
  std::string kind;
  std::string title;
  std::string language;
  std::string employee_id;
  std::string employee_name;
  policy::Classification classification = policy::Classification::kConfidential;
  json::Value fields = json::Value::MakeObject();
  AgreementState state = AgreementState::kDraft;
  std::string drafted_by;
  UnixMillis created = 0;
  json::Value checks;  // latest check report
  bool can_send = false;
  std::string document_sha256;  // hex, fixed at send
  std::string method;           // "electronic" or "paper" once completed
  std::string scan_sha256;      // paper: hex of the scan
  PaperLocation paper;          // paper: where the signed original is kept
  // paper: the date written beside the signatures (YYYY-MM-DD), as the
  // uploader read it off the paper; "" for scans uploaded before Custos
  // asked for it. C4 (CheckNdaTiming) counts a paper NDA as signed that day.
  std::string paper_signed_on;
  UnixMillis completed_at = 0;
  UnixMillis delivered_at = 0;  // 0: the employee's copy not yet delivered
  std::vector<AgreementStep> steps;
  uint32_t version = 0;  // stored version (read back)

  json::Value ToJson() const;
  static Result<Agreement> FromJson(const json::Value& v);
  // When the employee signed (their "sign" step), or nullopt.
  std::optional<UnixMillis> EmployeeSignedAt() const;
};

struct DraftRequest {
  std::string template_id;
  std::string employee_id;
  policy::Classification classification = policy::Classification::kConfidential;
  json::Value fields = json::Value::MakeObject();
};

struct StoredDocument {
  std::string bytes;
  std::string sha256_hex;
  std::string content_type;  // "text/html; charset=utf-8" or the scan's
};

// One verified step of the certificate.
struct CertificateStep {
  AgreementStep step;
  std::optional<SignatureRecord> signature;
  std::string verification;  // "ok", "not signed" or the failure
};

struct Certificate {
  Agreement agreement;
  bool document_hash_ok = false;  // stored bytes hash to document_sha256
  bool all_signatures_ok = false;
  // Whether the employee's electronic signature is reliable (Electronic
  // Signature Law Art. 13): its recorded conditions held when it was made
  // and it still verifies over the stored document. nullopt when there is
  // no such signature, or it predates the recorded conditions.
  std::optional<bool> employee_signature_reliable;
  std::vector<CertificateStep> steps;
  json::Value ToJson() const;
};

// C4 facts of one employee.
struct NdaTiming {
  std::optional<UnixMillis> first_classified_access;
  // The earliest completed NDA's employee signature; for one signed on
  // paper, the start of the day written on it (`nda_signed_on`, a day of the
  // company's calendar), or its attestation when it bears none.
  std::optional<UnixMillis> nda_signed_at;
  std::string nda_signed_on;  // paper: the date on it; "" otherwise
  std::string nda_agreement_id;
  bool flagged = false;  // signed after first access, or access with no NDA
  std::string reason;    // "signed_after_access", "no_nda", ""
};

// The latest version of agreement `id`, as stored (no decision: for code
// that has made its own). kNotFound when there is none.
Result<Agreement> LoadAgreement(const ReadTxn& txn, std::string_view id);

// The stored document (or paper scan) whose SHA-256 is `sha256_hex`, as
// stored (no decision: for holders of one). kNotFound when there is none.
Result<std::string> AgreementDocument(const ReadTxn& txn, std::string_view sha256_hex);

// Every step of agreement `id` with its signature verified, read in `txn`
// (no decision: for holders of one, e.g. an approved evidence export).
Result<Certificate> VerifyAgreement(const ReadTxn& txn, std::string_view id);

// A person's agreements as a departure needs them (kind, state, when
// completed), without their fields or documents. No decision of its own: for
// callers already allowed to handle that person's departure
// (ListHandovers); ordered by id.
Result<std::vector<Agreement>> AgreementsOfEmployee(const ReadTxn& txn,
                                                    std::string_view employee_id);

struct AgreementsOptions {
  Argon2Params signing_kdf = PasswordKdf();  // wraps new signing keys
  std::function<UnixMillis()> clock;         // null = wall clock
};

class Agreements {
 public:
  // `vault`, `log` must outlive this object.
  Agreements(Vault& vault, const AuditLog& log, DocumentBuilder builder,
             AgreementsOptions options = {});

  // kInvalidArgument for an unknown template or employee; the builder's
  // errors pass through. Field errors and check findings are not failures:
  // they are in `checks`.
  Result<Agreement> CreateDraft(const Caller& caller, const DraftRequest& request);
  // Only in state draft; kAborted when `expected_version` is not current.
  Result<Agreement> UpdateDraft(const Caller& caller, std::string_view id,
                                const json::Value& fields, uint32_t expected_version);
  // draft → in_review.
  Result<Agreement> Submit(const Caller& caller, std::string_view id);
  // in_review → draft (the reviewer sends it back).
  Result<Agreement> ReturnToDraft(const Caller& caller, std::string_view id, std::string_view note);
  // in_review → sent: re-renders and re-checks; kFailedPrecondition when the
  // checks have errors. The caller must be legal and not the drafter.
  Result<Agreement> Send(const Caller& caller, std::string_view id);
  // sent → draft before the employee signs (step "recall", legal): an
  // agreement sent by mistake, with wrong terms, or no longer needed (a
  // departure notice after a withdrawn resignation) leaves the employee's
  // list; legal may correct and send it again, through a second review.
  // `note` (why) is required (kInvalidArgument); kFailedPrecondition once
  // signed.
  Result<Agreement> Recall(const Caller& caller, std::string_view id, std::string_view note);
  // draft, in_review or sent → voided before the employee signs (step
  // "void", legal; 作废): an agreement no longer needed — drafted for the
  // wrong person, superseded, or a departure notice of a withdrawn
  // resignation — ends unsigned. It stays, with its history, for the
  // record; it binds no one, leaves the employee's list and the departure
  // checklist, and is never edited or sent again. `note` (why) is required
  // (kInvalidArgument); kFailedPrecondition once signed or already void.
  Result<Agreement> Void(const Caller& caller, std::string_view id, std::string_view note);
  // sent → employee_signed: the employee named in the agreement, with their
  // password (kUnauthenticated when wrong).
  Result<Agreement> Sign(const Caller& caller, std::string_view id, const SecretBytes& password);
  // employee_signed → completed: a legal user for the company.
  Result<Agreement> Countersign(const Caller& caller, std::string_view id,
                                const SecretBytes& password);
  // sent → paper_uploaded: the scan of the wet-signed paper. When
  // `claimed_sha256_hex` is not empty it must match the scan (kInvalidArgument).
  // `signed_on` is the date on the paper (YYYY-MM-DD): not after today nor
  // before the day the agreement was sent, by the company's calendar (the
  // policy's <calendar>); kInvalidArgument otherwise.
  Result<Agreement> UploadPaper(const Caller& caller, std::string_view id, std::string_view scan,
                                std::string_view content_type, std::string_view claimed_sha256_hex,
                                const PaperLocation& location, std::string_view signed_on);
  // paper_uploaded → completed: a custodian (not the uploader) signs the
  // scan's hash with their own key.
  Result<Agreement> AttestPaper(const Caller& caller, std::string_view id,
                                const SecretBytes& password);

  // The agreement (latest version) with its terms: a decided, audited read
  // ("agreement.read", policy read_agreement — legal and litigation by
  // default; auditors and administrators are content-blind), or the
  // employee's own once it was sent to them (kPermissionDenied before).
  Result<Agreement> Get(const Caller& caller, std::string_view id);
  // Agreements visible to the caller; `employee_id` filters when not empty.
  Result<std::vector<Agreement>> List(const Caller& caller, std::string_view employee_id) const;
  // The current rendering with live checks (drafts), or the stored document
  // (from send on). Decided and audited as Get ("agreement.preview").
  Result<BuiltDocument> Preview(const Caller& caller, std::string_view id);
  // The stored document (or scan) of a completed agreement. The employee's
  // own download records the delivery (a step and an audit event); anyone
  // else's is decided and audited as Get ("agreement.download").
  Result<StoredDocument> Download(const Caller& caller, std::string_view id);
  // The paper scan (waiting for attestation, or attested): decided and
  // audited as Get ("agreement.scan.read"); legal and litigation, and the
  // custodian who may attest it while it waits (to compare it with the
  // original they keep). kFailedPrecondition when no scan was uploaded.
  Result<StoredDocument> Scan(const Caller& caller, std::string_view id);
  // Every step with its signature verified. Audited.
  Result<Certificate> GetCertificate(const Caller& caller, std::string_view id);
  // Verification without a caller (tests, evidence bundles).
  Result<Certificate> Verify(std::string_view id) const;

  // C4: the employee's first allowed view of a non-public record (from the
  // audit log) against the signature of their NDA.
  Result<NdaTiming> CheckNdaTiming(std::string_view employee_id) const;

  Vault& vault() const { return vault_; }
  UnixMillis Now() const;

 private:
  struct Read {
    User user;
    Agreement agreement;
  };
  // A read of an agreement's terms or document by `caller`, decided by
  // read_agreement and recorded as `action` (with `details` added when
  // allowed) in one Write; the refusal otherwise (recorded too).
  Result<Read> DecideRead(const Caller& caller, std::string_view id, std::string_view action,
                          const std::function<void(AuditEvent&)>& details = {});
  struct Acting {
    User user;
    std::string role;
  };
  Result<Agreement> Load(const ReadTxn& txn, std::string_view id) const;
  Result<CheckFacts> FactsFor(const ReadTxn& txn, const Agreement& a) const;
  // Appends a denial event in its own write and returns `status`.
  Status Deny(const Caller& caller, const User* user, std::string_view action, std::string_view id,
              std::string_view rule, Status status);
  // Runs step `action` through the access path (policy::Action::kAgreementStep):
  // loads the agreement, decides, and when allowed checks `ready` (the state
  // the step needs: kFailedPrecondition, nothing written) and the expected
  // version, applies `change`, appends version, step and audit event in one
  // Write. A refusal is audited and returned.
  using Precondition = std::function<Status(const Agreement&)>;
  using Change = std::function<Status(WriteTxn&, Agreement&, AgreementStep&)>;
  // `reason`: the attempt's reason, in its event (a return's or a recall's
  // note).
  Result<Agreement> Transition(const Caller& caller, std::string_view id, std::string_view action,
                               uint32_t expected_version, const Precondition& ready,
                               const Change& change, std::string_view reason = {});
  // A signature step (sign, countersign, attest): decided before the key is
  // unlocked outside the transaction, then decided again and signed inside it.
  Result<Agreement> SignStep(const Caller& caller, std::string_view id, std::string_view action,
                             const SecretBytes& password, const Precondition& ready,
                             AgreementState next);

  Vault& vault_;
  const AuditLog& log_;
  access::AccessGate gate_;  // reads of agreements take the access path
  DocumentBuilder builder_;
  AgreementsOptions options_;
};

// Earliest time `user_id` was allowed to view a non-public record
// (audit events "record.view", decision allow), or nullopt. Scans the log
// with an actor filter.
Result<std::optional<UnixMillis>> FirstClassifiedAccess(const ReadTxn& txn, const AuditLog& log,
                                                        std::string_view user_id);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_AGREEMENTS_AGREEMENTS_H_
