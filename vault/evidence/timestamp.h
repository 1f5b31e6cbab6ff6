// RFC 3161 trusted timestamps over an evidence bundle's checkpoint: the
// request a time-stamping authority (TSA) answers and the checks of its
// reply, over OpenSSL's TS implementation. The network exchange itself is
// the caller's (web/ or cli/ POSTs the request as
// application/timestamp-query and hands the reply back), so no transaction
// is ever held across it.
//
// The token stored in a bundle (audit/checkpoint.tsr) is the whole
// TimeStampResp, as `openssl ts -reply` writes it, so that
//   openssl ts -verify -data audit/checkpoint -in audit/checkpoint.tsr
//       -CAfile keys/tsa-ca.pem
// (one command line) checks it with standard tools. Given the same CA, our
// check accepts no token that command refuses. Like it, it checks the TSA's
// certificate chain at the current time by default; a bundle verified after
// the TSA's certificate expired is checked at the token's genTime
// (TimestampCheckTime::kTokenTime, `openssl ts -verify … -attime T`).
//
// Thread-safety: pure functions; OpenSSL's per-thread error queue is left
// empty.
#ifndef CUSTOS_VAULT_EVIDENCE_TIMESTAMP_H_
#define CUSTOS_VAULT_EVIDENCE_TIMESTAMP_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "base/time.h"

namespace custos::vault::evidence {

// A DER TimeStampReq for SHA-256(data): version 1, a random 64-bit nonce
// (kept in `nonce` to check the reply against), certReq = true so that the
// reply carries the TSA's certificate. No policy is asked for: the TSA
// uses its default. Errors: kInternal only (OpenSSL or libsodium failing);
// initialises the crypto library (InitCrypto) on first use.
struct TimestampRequest {
  std::string der;
  std::string nonce;  // raw bytes of the nonce INTEGER's value (big-endian)
};
Result<TimestampRequest> MakeTimestampRequest(std::string_view data);

struct TimestampInfo {
  UnixMillis gen_time = 0;  // genTime of the token (ms precision at best)
  std::string tsa_name;     // the TSA's name as text ("" when absent)
  std::string serial_hex;   // serial number of the token
  std::string policy_oid;   // the TSA policy OID, dotted
};

// Checks a DER TimeStampResp against the data it should cover: status
// granted (or grantedWithMods), message imprint = SHA-256(data), the nonce
// of `request` when given, and the CMS signature valid under the
// certificate the token carries; and, when `ca_pem` is not empty, that
// certificate chains to one of the PEM certificates in it with the
// timeStamping extended key usage. kDataLoss naming the first failed check;
// kInvalidArgument when `response_der` does not parse.
//
// More precisely, in this order:
//   kInvalidArgument  `response_der` is not exactly one DER TimeStampResp,
//                     or its TSTInfo has no valid genTime; `ca_pem` is not
//                     empty but holds no certificate or a broken one;
//                     `request` is given without a nonce.
//   kDataLoss         "the TSA did not grant it" (status, with its text);
//                     "imprint" (not SHA-256, or not of `data`);
//                     "nonce" (missing, or another request's);
//                     "signature" (the token carries no signer certificate,
//                     or the CMS signature, its ESS signing-certificate
//                     attribute, the certificate's validity now or its
//                     critical timeStamping key purpose fails);
//                     "chain" (no path from the signer to `ca_pem`).
// The message carries OpenSSL's reasons. The token's certificates are used
// as untrusted intermediates; only `ca_pem` is trusted. Returns what the
// token states, which the caller may show once the check has passed.
// When the TSA's certificates must have been valid: now (when a token is
// obtained), or at the token's own genTime (when a bundle is verified later,
// perhaps after the TSA's certificate expired).
enum class TimestampCheckTime { kNow, kTokenTime };

Result<TimestampInfo> CheckTimestampResponse(std::string_view response_der, std::string_view data,
                                             const TimestampRequest* request,
                                             std::string_view ca_pem,
                                             TimestampCheckTime when = TimestampCheckTime::kNow);

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_TIMESTAMP_H_
