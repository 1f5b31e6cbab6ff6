// Fuzzes the evidence bundle verifier (vault/evidence/verify.h) with what a
// court expert might be handed: any bytes as a bundle. It must never crash,
// and it never passes a bundle whose checksums and signature do not hold —
// so the fuzzer mostly exercises the archive, SHA256SUMS, key and manifest
// checks; the deeper parsers (checkpoints, proofs, JSON) have their own
// targets. The verdict is checked for consistency: a report either has a
// failure naming a check, or lists every check as passed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "vault/evidence/verify.h"
#include "vault/evidence/zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using custos::vault::evidence::VerifyBundle;
  using custos::vault::evidence::ZipLimits;
  using custos::vault::evidence::ZipReader;
  ZipLimits limits;
  limits.max_entries = 4096;
  limits.max_entry_size = 1 << 20;
  limits.max_total_size = 8 << 20;
  auto zip =
      ZipReader::OpenBytes(std::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!zip.ok()) return 0;
  auto report = VerifyBundle(**zip);
  if (!report.ok()) {
    std::fprintf(stderr, "VerifyBundle refused its input without a trusted key\n");
    std::abort();
  }
  if (report->failure && report->failure->check.empty()) {
    std::fprintf(stderr, "a failure that names no check\n");
    std::abort();
  }
  if (!report->failure && report->passed.size() != 12) {
    std::fprintf(stderr, "a pass without every check\n");
    std::abort();
  }
  return 0;
}
