// manifest.xml of an evidence bundle (EDRM-XML-like; docs/evidence.md):
// the case, scope, creator, creation time and log checkpoint, and one
// Document per file with its size and SHA-256. Written by the bundle
// builder, read back (strictly) by the verifier.
//
// Thread-safety: pure functions.
#ifndef CUSTOS_VAULT_EVIDENCE_MANIFEST_H_
#define CUSTOS_VAULT_EVIDENCE_MANIFEST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace custos::vault::evidence {

inline constexpr std::string_view kBundleFormat = "custos-evidence/1";

struct ManifestFile {
  std::string path;
  std::string doc_type;  // "AuditEvents", "InclusionProof", ...
  std::string mime;
  uint64_t size = 0;
  std::string sha256_hex;
};

struct ManifestPerson {
  std::string id;
  std::string username;
  std::string name;
};

struct Manifest {
  std::string case_ref;
  std::string request_id;
  std::string purpose;
  UnixMillis from = 0;
  UnixMillis to = 0;  // 0: to the checkpoint
  bool redacted = false;
  bool encrypted = false;
  std::vector<ManifestPerson> people;
  std::vector<std::string> records;  // the records the request names
  ManifestPerson creator;
  UnixMillis created = 0;
  std::string log_name;
  uint64_t checkpoint_size = 0;
  std::string root_b64;
  std::vector<ManifestFile> files;
};

// The manifest's bytes (UTF-8 XML). Dies on a file path that is not a
// valid bundle path (a bug).
std::string FormatManifest(const Manifest& manifest);

// Parses a manifest strictly: the root element and Format, the Log element,
// one Document per file with a valid path, size and 64-hex SHA-256, no path
// twice. kInvalidArgument naming the problem.
Result<Manifest> ParseManifest(std::string_view xml);

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_MANIFEST_H_
