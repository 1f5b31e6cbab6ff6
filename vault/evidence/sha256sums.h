// SHA256SUMS: the checksum list of an evidence bundle, in the format
// `sha256sum -c` reads — one line per file, "<64 lower-case hex digits>",
// two spaces, the file's path inside the bundle, "\n".
//
// Bundle paths are restricted (ValidBundlePath) so that no line ever needs
// sha256sum's backslash escaping.
//
// Thread-safety: pure functions.
#ifndef CUSTOS_VAULT_EVIDENCE_SHA256SUMS_H_
#define CUSTOS_VAULT_EVIDENCE_SHA256SUMS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace custos::vault::evidence {

// A path inside a bundle: 1–200 bytes of [A-Za-z0-9._-] in segments
// separated by '/', no empty segment, no segment "." or "..". Attachment
// and scan file names are stored elsewhere (in JSON); their paths in the
// bundle use ids.
bool ValidBundlePath(std::string_view path);

struct ChecksumLine {
  std::string sha256_hex;
  std::string path;
};

// The file text for `lines`, in the given order. Dies on an invalid path or
// hash (a bug: the bundle writer makes both).
std::string FormatSha256Sums(const std::vector<ChecksumLine>& lines);

// Parses a SHA256SUMS file strictly: every line "<hex>  <path>\n" (a "*"
// instead of the second space, sha256sum's binary mode, is accepted), lower-
// or upper-case hex, valid bundle paths, no path twice, a final newline.
// Returns path → lower-case hex. kInvalidArgument naming the line (from 1).
Result<std::map<std::string, std::string>> ParseSha256Sums(std::string_view text);

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_SHA256SUMS_H_
