// The verifier of custos-evidence/1 bundles: every check of docs/evidence.md
// ("What a verifier checks"), in that order, over an archive read with
// ZipReader. Needs no vault and no secret: what `custos evidence verify`
// runs on a lawyer's or a court expert's machine.
//
// It stops at the first failure and names the file and the check; the checks
// that passed before it are listed so a person sees what was established.
// Bundles may be crafted by an adversary: every size is bounded and every
// parse is strict (a libFuzzer target covers it).
//
// Thread-safety: pure function over the reader.
#ifndef CUSTOS_VAULT_EVIDENCE_VERIFY_H_
#define CUSTOS_VAULT_EVIDENCE_VERIFY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "vault/evidence/zip.h"

namespace custos::vault::evidence {

struct VerifyOptions {
  // The key to trust (PEM SubjectPublicKeyInfo or a signed-note verifier
  // key), obtained apart from the bundle; empty: the bundle's own key.
  std::string trusted_key;
};

struct VerifyFailure {
  std::string file;   // the file that failed ("" for the archive as a whole)
  std::string check;  // e.g. "inclusion proof"
  std::string message;
};

struct VerifyReport {
  std::vector<std::string> passed;  // one line per check passed, in order
  std::optional<VerifyFailure> failure;
  bool key_from_bundle = true;
  std::string case_ref;
  std::string request_id;
  uint64_t checkpoint_size = 0;
  uint64_t events = 0;
  uint64_t files = 0;
  bool redacted = false;
  bool timestamped = false;

  bool ok() const { return !failure.has_value(); }
};

// kInvalidArgument when `options.trusted_key` is neither a PEM Ed25519 key
// nor a verifier key (a usage error, before anything is checked); every
// problem of the bundle itself is a failure in the report.
Result<VerifyReport> VerifyBundle(const ZipReader& zip, const VerifyOptions& options = {});

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_VERIFY_H_
