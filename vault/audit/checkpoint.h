// Text formats of the audit log that outside verifiers read:
//
// Checkpoint (c2sp.org/tlog-checkpoint), the text of a signed note:
//   <origin>\n<tree size, decimal>\n<base64 root hash>\n[<extension line>\n]...
//
// Inclusion proof (c2sp.org/tlog-proof@v1, ".tlog-proof" files):
//   c2sp.org/tlog-proof@v1\n
//   [extra <base64>\n]
//   index <decimal>\n
//   <base64 hash>\n...            (RFC 6962 PATH, leaf's sibling first)
//   \n
//   <the signed checkpoint, verbatim>
//
// Consistency proof (our own plain form of RFC 6962 §2.1.2 PROOF): one base64
// hash per line, in proof order, each line ending in '\n'.
//
// Thread-safety: pure functions and values.
#ifndef CUSTOS_VAULT_AUDIT_CHECKPOINT_H_
#define CUSTOS_VAULT_AUDIT_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace custos::vault {

inline constexpr std::string_view kTlogProofHeader = "c2sp.org/tlog-proof@v1";

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root;  // 32 raw bytes
  std::vector<std::string> extensions;
};

// The checkpoint's note text. Dies on an empty origin or one holding a
// newline (a bug: origins come from the vault's configuration).
std::string FormatCheckpoint(const Checkpoint& c);
// Parses a checkpoint's note text (not the signed note). kInvalidArgument
// when malformed (leading zeros, bad base64, wrong hash size, empty lines).
Result<Checkpoint> ParseCheckpoint(std::string_view text);

struct TlogProof {
  std::string extra;  // raw bytes; empty when absent
  uint64_t index = 0;
  std::vector<std::string> hashes;  // raw 32-byte hashes
  std::string checkpoint;           // the signed checkpoint note, verbatim
};

std::string FormatTlogProof(const TlogProof& p);
// kInvalidArgument when malformed. The checkpoint's signatures are not
// checked here.
Result<TlogProof> ParseTlogProof(std::string_view text);

std::string FormatHashLines(const std::vector<std::string>& hashes);
Result<std::vector<std::string>> ParseHashLines(std::string_view text);

// Strict decimal: no sign, no leading zeros (except "0"), fits uint64.
Result<uint64_t> ParseDecimal(std::string_view s);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_AUDIT_CHECKPOINT_H_
