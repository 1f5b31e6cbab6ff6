// Fuzzes the parsers of a bundle's own text files that the verifier reads
// before it can trust anything: manifest.xml (vault/evidence/manifest.h)
// and SHA256SUMS (vault/evidence/sha256sums.h). Whatever either accepts
// must survive a round trip through its writer.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "vault/evidence/manifest.h"
#include "vault/evidence/sha256sums.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace custos::vault::evidence;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto m = ParseManifest(text); m.ok()) {
    auto again = ParseManifest(FormatManifest(*m));
    if (!again.ok() || again->files.size() != m->files.size() || again->case_ref != m->case_ref) {
      std::fprintf(stderr, "manifest round trip failed\n");
      std::abort();
    }
  }
  if (auto sums = ParseSha256Sums(text); sums.ok()) {
    std::vector<ChecksumLine> lines;
    for (const auto& [path, hex] : *sums) lines.push_back(ChecksumLine{hex, path});
    auto again = ParseSha256Sums(FormatSha256Sums(lines));
    if (!again.ok() || *again != *sums) {
      std::fprintf(stderr, "SHA256SUMS round trip failed\n");
      std::abort();
    }
  }
  return 0;
}
