// The custos-evidence/1 bundle builder: writes every file of
// docs/evidence.md into a ZipWriter, from the vault, for a resolved scope
// and a checkpoint signed for the export. The report (report.h) is rendered
// from what the builder wrote, so every number in it comes from the
// bundle's own files.
//
// The builder reads the vault in short read transactions (a batch of events,
// one record, one agreement at a time), never holding one while the ZIP's
// sink writes (which may itself write to the vault). What it reads for the
// checkpoint's log prefix cannot change (leaves, tree, stored checkpoints,
// record versions, policy versions and signed documents are immutable);
// metadata that may move meanwhile (a record's current owner) is read once.
//
// Thread-safety: call from one thread; the vault is shared.
#ifndef CUSTOS_VAULT_EVIDENCE_BUNDLE_H_
#define CUSTOS_VAULT_EVIDENCE_BUNDLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "vault/access/users.h"
#include "vault/audit/checkpoint.h"
#include "vault/evidence/evidence.h"
#include "vault/evidence/scope.h"
#include "vault/evidence/zip.h"
#include "vault/records/records.h"

namespace custos::vault::evidence {

struct BundleInput {
  EvidenceRequest request;  // as stored before this export (chain of custody)
  ResolvedScope scope;
  std::vector<uint64_t> events;  // sorted seqs, all below checkpoint.size
  std::string checkpoint_note;   // the signed note
  vault::Checkpoint checkpoint;  // parsed
  std::string tsr;               // RFC 3161 reply over checkpoint_note, or ""
  std::string tsa_ca_pem;        // with `tsr`
  User creator;
  UnixMillis created = 0;
};

struct BundleSummary {
  uint64_t files = 0;
  uint64_t events = 0;
  uint64_t records = 0;
  uint64_t agreements = 0;
};

// Writes the bundle and finishes the archive. Errors of the vault and the
// sink pass through; kDataLoss when the log no longer matches a checkpoint
// an earlier export recorded.
Status WriteBundle(Archive& archive, const BundleInput& input, ZipWriter& zip,
                   BundleSummary* summary);

// The commitment fields of a version's content: path → value, flattened as
// docs/evidence.md says (every leaf must be a string: kInvalidArgument
// otherwise). Exposed for tests.
Result<std::vector<std::pair<std::string, std::string>>> FlattenContent(const json::Value& content);

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_BUNDLE_H_
