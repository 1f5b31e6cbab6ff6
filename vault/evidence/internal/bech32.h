// Bech32 decoding (BIP 173) as the age format uses it (c2sp.org/age):
// without BIP 173's 90-character limit, the string all lower case or all
// upper case, the checksum always computed over the lower-case form.
//
// Why our own: neither OpenSSL nor libsodium has Bech32, and the decoder is
// a few dozen lines; it reads what API clients send, so it is fuzzed
// (tests/fuzz/age_recipient_fuzz.cc). Private to vault/evidence.
//
// Thread-safety: pure functions.
#ifndef CUSTOS_VAULT_EVIDENCE_INTERNAL_BECH32_H_
#define CUSTOS_VAULT_EVIDENCE_INTERNAL_BECH32_H_

#include <cstddef>
#include <string_view>

#include "base/status.h"

namespace custos::vault::evidence::internal {

// Decodes `text`, whose human-readable part must be `hrp` (given in lower
// case; compared case-insensitively, as an upper-case string has an
// upper-case part) and whose data part must hold exactly `out_size` bytes
// (5-bit groups regrouped into bytes, fewer than 5 padding bits, all zero),
// into `out[0, out_size)`.
//
// kInvalidArgument for anything else: a character outside US-ASCII 33–126,
// mixed case, no separator '1', an empty or another human-readable part, a wrong length,
// a character outside the Bech32 alphabet, a bad checksum, bad padding. The
// message never quotes `text` (it may be a secret key). On failure `out` is
// left zeroed. Not constant-time: it is for recipients, which are public
// (tests also decode identities with it, into secure memory).
Status Bech32Decode(unsigned char* out, size_t out_size, std::string_view hrp,
                    std::string_view text);

}  // namespace custos::vault::evidence::internal

#endif  // CUSTOS_VAULT_EVIDENCE_INTERNAL_BECH32_H_
