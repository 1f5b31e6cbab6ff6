// EvidenceDesk::Export and ::Download: a bundle is built into sealed
// storage first, then decided and recorded ("evidence.export", naming its
// SHA-256, size and checkpoint) in the transaction that makes it available,
// and only then delivered. See evidence.h.
#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "base/encoding.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/signed_note.h"
#include "vault/evidence/age.h"
#include "vault/evidence/bundle.h"
#include "vault/evidence/evidence.h"
#include "vault/evidence/internal/desk.h"
#include "vault/evidence/timestamp.h"
#include "vault/evidence/zip.h"
#include "vault/store/crypto.h"

namespace custos::vault::evidence {
namespace {

std::string FileName(const EvidenceRequest& r, uint32_t number, bool encrypted) {
  return "custos-evidence-" + r.id + "-" + std::to_string(number) +
         (encrypted ? ".zip.age" : ".zip");
}

Delivery MakeDelivery(Vault& vault, EvidenceRequest request, const EvidenceExport& exported) {
  Delivery d;
  d.filename = FileName(request, exported.number, exported.encrypted);
  d.content_type = exported.encrypted ? "application/octet-stream" : "application/zip";
  d.exported = exported;
  d.request = std::move(request);
  d.write_to = [&vault, stored = exported.stored](
                   const std::function<Status(std::string_view)>& out) -> Status {
    return ReadSealedStream(vault, stored, out);
  };
  return d;
}

// The checkpoint's fields from its signed note.
Result<vault::Checkpoint> ParseSignedCheckpoint(std::string_view note_text) {
  CUSTOS_ASSIGN_OR_RETURN(note::Note n, note::Parse(note_text));
  return ParseCheckpoint(n.text);
}

// Keeps in `ids` (sorted) those in `approved`; returns how many it dropped.
int64_t KeepApproved(const std::vector<std::string>& approved, std::vector<std::string>* ids) {
  const std::set<std::string, std::less<>> allowed(approved.begin(), approved.end());
  const size_t before = ids->size();
  std::erase_if(*ids, [&](const std::string& id) { return !allowed.contains(id); });
  return static_cast<int64_t>(before - ids->size());
}

}  // namespace

Result<Delivery> EvidenceDesk::Export(const Caller& caller, std::string_view id,
                                      const ExportOptions& options) {
  Vault& vault = archive_.vault();
  const AuditLog& log = archive_.audit_log();
  // 1. Decide before building anything; a refusal is audited at once. The
  //    decision is made again in the transaction that records the export.
  User creator;
  EvidenceRequest request;
  bool allowed = false;
  {
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(creator, access::AccessGate::CallerUser(*r, caller));
    auto found = internal::LoadRequest(*r, id);
    if (!found.ok() && found.status().code() != StatusCode::kNotFound) return found.status();
    if (found.ok()) {
      request = *found;
      internal::StepSpec probe;
      probe.action = policy::Action::kExportEvidence;
      probe.prepare = [&](const ReadTxn&, policy::Facts& f, AuditEvent&) -> Status {
        f.evidence = request.Facts();
        f.reason = request.case_ref;
        return Status::Ok();
      };
      CUSTOS_ASSIGN_OR_RETURN(allowed, internal::PeekStep(archive_, *r, caller, probe));
    }
  }
  internal::StepSpec spec;
  spec.action = policy::Action::kExportEvidence;
  spec.event_action = "evidence.export";
  spec.object_id = std::string(id);
  EvidenceRequest stored;  // the request as the recording transaction reads it
  spec.prepare = [&](const ReadTxn& txn, policy::Facts& f, AuditEvent& e) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(stored, internal::LoadRequest(txn, id));
    f.evidence = stored.Facts();
    f.reason = stored.case_ref;
    e.reason = stored.case_ref;
    e.details["case"] = stored.case_ref;
    return Status::Ok();
  };
  if (!allowed) {
    CUSTOS_ASSIGN_OR_RETURN(access::Outcome d, internal::DecideStep(archive_, caller, spec));
    return Status::Aborted("the decision changed; try again");
  }

  // 2. A checkpoint signed for this export covers every event in it.
  CUSTOS_ASSIGN_OR_RETURN(std::string checkpoint_note, log.CheckpointNow());
  CUSTOS_ASSIGN_OR_RETURN(vault::Checkpoint checkpoint, ParseSignedCheckpoint(checkpoint_note));

  // 3. Trusted time over the checkpoint, outside any transaction.
  BundleInput input;
  if (options.timestamper) {
    CUSTOS_ASSIGN_OR_RETURN(TimestampRequest tsq, MakeTimestampRequest(checkpoint_note));
    auto reply = options.timestamper(tsq.der);
    if (!reply.ok()) {
      return Status::FailedPrecondition("the time-stamping authority did not answer: " +
                                        reply.status().message());
    }
    auto checked = CheckTimestampResponse(*reply, checkpoint_note, &tsq, options.tsa_ca_pem);
    if (!checked.ok()) {
      return Status::FailedPrecondition("the time-stamping authority's reply does not check out: " +
                                        checked.status().message());
    }
    input.tsr = std::move(*reply);
    input.tsa_ca_pem = options.tsa_ca_pem;
  }

  // 4. What goes in: the scope as it resolves now, and its events.
  int64_t not_approved = 0;
  {
    CUSTOS_ASSIGN_OR_RETURN(OwnedRecords owned, OwnedRecordsOf(archive_, request.scope));
    CUSTOS_ASSIGN_OR_RETURN(auto r, vault.BeginRead());
    CUSTOS_ASSIGN_OR_RETURN(input.scope, ResolveScope(archive_, *r, request.scope, owned));
    // SECURITY: content goes out only for what the approvers approved. The
    // scope resolves again (its events run to this export's checkpoint), but
    // a file that came into it since the approval — a person in scope tried
    // to open it, say — was approved by no one, and is under no hold: its
    // content stays out, and the export says how many were left out.
    not_approved = KeepApproved(request.hold.record_ids, &input.scope.records) +
                   KeepApproved(request.hold.agreement_ids, &input.scope.agreements);
    std::erase_if(input.scope.named_records, [&](const std::string& id) {
      return !std::binary_search(input.scope.records.begin(), input.scope.records.end(), id);
    });
    CUSTOS_ASSIGN_OR_RETURN(std::vector<std::string> custody,
                            internal::CaseRequestIds(*r, request.case_ref));
    CUSTOS_ASSIGN_OR_RETURN(input.events,
                            CollectEvents(archive_, *r, input.scope, custody, checkpoint.size));
  }
  input.request = request;
  input.checkpoint_note = checkpoint_note;
  input.checkpoint = checkpoint;
  input.creator = creator;
  input.created = NowMillis();

  // 5. Build into sealed storage: ZIP → (age) → sealed chunks.
  const bool encrypted = !request.recipients.empty();
  CUSTOS_ASSIGN_OR_RETURN(std::unique_ptr<SealedStreamWriter> writer,
                          SealedStreamWriter::Begin(vault, "b-" + HexEncode(RandomBytes(8))));
  std::unique_ptr<AgeEncryptor> age;
  if (encrypted) {
    CUSTOS_ASSIGN_OR_RETURN(
        age, AgeEncryptor::Start(request.recipients,
                                 [&](std::string_view bytes) { return writer->Write(bytes); }));
  }
  Sha256Hasher zip_hash;
  uint64_t zip_size = 0;
  ZipWriter zip([&](std::string_view bytes) -> Status {
    zip_hash.Update(bytes);
    zip_size += bytes.size();
    return encrypted ? age->Write(bytes) : writer->Write(bytes);
  });
  BundleSummary summary;
  Status built = WriteBundle(archive_, input, zip, &summary);
  if (built.ok() && encrypted) built = age->Finish();
  Result<SealedStream> sealed = built.ok() ? writer->Finish() : Result<SealedStream>(built);
  if (!sealed.ok()) {
    writer->Discard();
    return sealed.status();
  }
  const std::string bundle_sha256 = HexEncode(zip_hash.Finish());

  // 6. Decide again and record the export with the bundle it made.
  EvidenceExport exported;
  spec.check = [&](const ReadTxn&, const policy::Decision&, AuditEvent& e) -> Status {
    exported = EvidenceExport();
    exported.number = static_cast<uint32_t>(stored.exports.size() + 1);
    exported.bundle_sha256 = bundle_sha256;
    exported.bundle_size = zip_size;
    exported.stored = *sealed;
    exported.checkpoint_size = checkpoint.size;
    exported.checkpoint_root = Base64Encode(checkpoint.root);
    exported.redacted = request.redact;
    exported.encrypted = encrypted;
    exported.timestamped = !input.tsr.empty();
    exported.events = summary.events;
    e.details["number"] = exported.number;
    e.details["bundle_sha256"] = bundle_sha256;
    e.details["bundle_size"] = zip_size;
    if (encrypted) {
      e.details["delivered_sha256"] = sealed->sha256;
      e.details["delivered_size"] = sealed->size;
    }
    json::Value cp = json::Value::MakeObject();
    cp["size"] = checkpoint.size;
    cp["root"] = exported.checkpoint_root;
    e.details["checkpoint"] = std::move(cp);
    e.details["scope"] = stored.scope.ToJson();
    e.details["events"] = summary.events;
    e.details["records"] = summary.records;
    e.details["agreements"] = summary.agreements;
    e.details["files"] = summary.files;
    // Records and agreements in scope now but not when it was approved.
    e.details["not_approved"] = not_approved;
    e.details["redacted"] = exported.redacted;
    e.details["encrypted"] = encrypted;
    e.details["timestamped"] = exported.timestamped;
    return Status::Ok();
  };
  spec.apply = [&](WriteTxn& txn, const User& user, const policy::Decision&, uint64_t seq,
                   UnixMillis now) -> Status {
    CUSTOS_RETURN_IF_ERROR(writer->CommitIn(txn));
    exported.by = user.id;
    exported.at = now;
    exported.audit_seq = seq;
    EvidenceRequest updated = stored;
    updated.exports.push_back(exported);
    return internal::StoreRequest(txn, updated);
  };
  auto decided = internal::DecideStep(archive_, caller, spec);
  if (!decided.ok()) {
    writer->Discard();
    return decided.status();
  }
  stored.exports.push_back(exported);
  return MakeDelivery(vault, std::move(stored), exported);
}

Result<Delivery> EvidenceDesk::Download(const Caller& caller, std::string_view id,
                                        uint32_t number) {
  EvidenceRequest stored;
  EvidenceExport exported;
  internal::StepSpec spec;
  spec.action = policy::Action::kExportEvidence;
  spec.event_action = "evidence.download";
  spec.object_id = std::string(id);
  spec.prepare = [&](const ReadTxn& txn, policy::Facts& f, AuditEvent& e) -> Status {
    CUSTOS_ASSIGN_OR_RETURN(stored, internal::LoadRequest(txn, id));
    f.evidence = stored.Facts();
    f.reason = stored.case_ref;
    e.reason = stored.case_ref;
    e.details["case"] = stored.case_ref;
    e.details["number"] = number;
    return Status::Ok();
  };
  spec.check = [&](const ReadTxn&, const policy::Decision&, AuditEvent& e) -> Status {
    if (number == 0 || number > stored.exports.size()) {
      return Status::NotFound("no export #" + std::to_string(number) + " of this request");
    }
    exported = stored.exports[number - 1];
    e.details["bundle_sha256"] = exported.bundle_sha256;
    if (exported.encrypted) e.details["delivered_sha256"] = exported.stored.sha256;
    return Status::Ok();
  };
  spec.apply = [&](WriteTxn& txn, const User& user, const policy::Decision&, uint64_t seq,
                   UnixMillis now) -> Status {
    EvidenceRequest updated = stored;
    updated.exports[number - 1].downloads.push_back(
        EvidenceStep{user.id, user.display_name, now, "", seq});
    exported = updated.exports[number - 1];
    return internal::StoreRequest(txn, updated);
  };
  CUSTOS_ASSIGN_OR_RETURN(access::Outcome d, internal::DecideStep(archive_, caller, spec));
  stored.exports[number - 1] = exported;
  return MakeDelivery(archive_.vault(), std::move(stored), exported);
}

}  // namespace custos::vault::evidence
