// libFuzzer target for CheckTimestampResponse: the bytes of an RFC 3161
// TimeStampResp come from a TSA over the network or from a bundle's
// audit/checkpoint.tsr. Each input is checked three ways — signature only,
// against a CA, and against a request's nonce — so that the seed reply
// reaches every check.
//
// The seed corpus (corpus/timestamp_response/) holds a granted reply from
// a throwaway TSA over kData ("granted.tsr", made with
//   openssl ts -query -data DATA -sha256 -cert
// whose nonce is kNonce, answered by `openssl ts -reply` with certs =
// ca.pem, ess_cert_id_chain = yes), the same TSA's reply without
// certificates, one over a SHA-1 imprint, a rejection, and broken
// copies. kCaPem is that TSA's root (valid until 2126); its keys were
// discarded.
//
// Built by custos_add_fuzzer (tests/fuzz/CMakeLists.txt), or by hand from
// the source root with one command:
//   clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -I.
//     tests/fuzz/timestamp_response_fuzz.cc vault/evidence/timestamp.cc
//     vault/store/crypto.cc base/status.cc base/time.cc -lcrypto -lsodium
// Only our code is instrumented for coverage; OpenSSL's parsers are
// reached through the seeds and mutations, not steered into.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vault/evidence/timestamp.h"

namespace {

constexpr char kData[] = "custos fuzz checkpoint\n";
constexpr char kNonce[] = "\x95\xD9\x3C\xE7\x45\x22\xD0\x23";
constexpr char kCaPem[] = R"(-----BEGIN CERTIFICATE-----
MIIBrTCCAVSgAwIBAgIUXTEb92PxQsZ28t0xT2MY37ACjLwwCgYIKoZIzj0EAwIw
NDEUMBIGA1UECgwLQ3VzdG9zIEZ1enoxHDAaBgNVBAMME0N1c3RvcyBGdXp6IFJv
b3QgQ0EwIBcNMjYxMjAyMDYxNzUyWhgPMjEyNjExMDgwNjE3NTJaMDQxFDASBgNV
BAoMC0N1c3RvcyBGdXp6MRwwGgYDVQQDDBNDdXN0b3MgRnV6eiBSb290IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKGFFTsORCgyAbz+qtt7iU4EJGAkAfvZh
4OzhrPR3WpocwJ8VOB6Pt+KPAuaqsPxLYki6bkuHI5BWw8GzG34RP6NCMEAwDwYD
VR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFGX2pzCRdxZF
XF6SLwjPEC1RxJClMAoGCCqGSM49BAMCA0cAMEQCICTw0tz8xRYKNb8M/ldIBN5E
xD/eZctqbHkrvjDyW9D3AiAMXnPejGxXTGfrfF37OVWtcgDwQRvuT1Kv+fQ1m16W
LQ==
-----END CERTIFICATE-----
)";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  using custos::vault::evidence::CheckTimestampResponse;
  using custos::vault::evidence::TimestampRequest;
  const std::string_view input(reinterpret_cast<const char*>(bytes), size);
  static const TimestampRequest request{"", std::string(kNonce, sizeof(kNonce) - 1)};

  auto bare = CheckTimestampResponse(input, kData, nullptr, "");
  auto with_ca = CheckTimestampResponse(input, kData, nullptr, kCaPem);
  auto with_nonce = CheckTimestampResponse(input, kData, &request, kCaPem);
  // Each check only adds conditions: what passes a stricter call passes
  // the laxer one, with the same result.
  if (with_nonce.ok() && !with_ca.ok()) __builtin_trap();
  if (with_ca.ok() && !bare.ok()) __builtin_trap();
  if (with_ca.ok() &&
      (with_ca->gen_time != bare->gen_time || with_ca->serial_hex != bare->serial_hex ||
       with_ca->tsa_name != bare->tsa_name || with_ca->policy_oid != bare->policy_oid)) {
    __builtin_trap();
  }
  return 0;
}
