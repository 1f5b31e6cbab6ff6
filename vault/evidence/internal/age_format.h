// The pieces of the age format (c2sp.org/age, "age-encryption.org/v1") that
// AgeEncryptor (vault/evidence/age.h) puts together, each deterministic so
// that tests can check it against the spec's test kit (C2SP/CCTV age).
// Private to vault/evidence.
//
// Thread-safety: pure functions.
#ifndef CUSTOS_VAULT_EVIDENCE_INTERNAL_AGE_FORMAT_H_
#define CUSTOS_VAULT_EVIDENCE_INTERNAL_AGE_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "vault/store/secret.h"

namespace custos::vault::evidence::internal {

inline constexpr size_t kAgeFileKeySize = 16;
inline constexpr size_t kX25519Size = 32;  // scalars, points and shared secrets
inline constexpr size_t kAgeStanzaBodySize = kAgeFileKeySize + 16;  // file key || tag
inline constexpr size_t kAgePayloadNonceSize = 16;
inline constexpr size_t kAgeChunkSize = 64 * 1024;  // plaintext bytes per chunk
inline constexpr size_t kAgeTagSize = 16;           // Poly1305 tag per chunk
inline constexpr std::string_view kAgeVersionLine = "age-encryption.org/v1\n";

// HKDF-SHA-256 (RFC 5869, OpenSSL's "HKDF"): Extract with `salt` (empty
// means HashLen zero bytes), then Expand with `info` to `length` bytes.
// `ikm` must not be empty and `length` must be 1..8160; otherwise, or if
// OpenSSL fails, dies (a bug).
SecretBytes HkdfSha256(const SecretBytes& ikm, std::string_view salt, std::string_view info,
                       size_t length = 32);

// Base64 (RFC 4648, standard alphabet) without '=' padding, as the age
// header writes every value. Canonical: unused trailing bits are zero.
std::string Base64NoPad(std::string_view bytes);

// X25519(scalar, basepoint) (RFC 7748): the 32-byte public share.
// `scalar` is 32 bytes (dies otherwise).
std::string X25519Public(const SecretBytes& scalar);

// X25519(scalar, point): the 32-byte shared secret. kInvalidArgument when
// `point` is not 32 bytes or the result is all zero (`point` has low order).
// SECURITY: an all-zero secret would wrap the file key under a key that
// anyone can compute; the spec makes identities abort on it, and we refuse
// to encrypt to such a recipient.
Result<SecretBytes> X25519Shared(const SecretBytes& scalar, std::string_view point);

// The body of an X25519 recipient stanza (32 bytes): ChaCha20-Poly1305 with
// a zero nonce of `file_key` under HKDF-SHA-256(ikm = shared_secret, salt =
// share || recipient, info = "age-encryption.org/v1/X25519"). `share` and
// `recipient` are 32-byte points, `file_key` 16 bytes (dies otherwise).
std::string X25519StanzaBody(const SecretBytes& shared_secret, std::string_view share,
                             std::string_view recipient, const SecretBytes& file_key);

// A recipient stanza: its arguments (after "->") and its raw body.
struct AgeStanza {
  std::vector<std::string> args;
  std::string body;
};

// Appends `stanza` to `header`: "-> " + arguments joined by spaces + "\n",
// then the body in base64 without padding, wrapped at 64 columns, always
// ending with a line shorter than 64 columns (empty when the body's base64
// fills its last line). Dies when there are no arguments or one is empty or
// has a byte outside VCHAR (0x21–0x7E): we make the stanzas.
void AppendAgeStanza(std::string* header, const AgeStanza& stanza);

// The complete header: the version line, `stanzas` (at least one, dies
// otherwise), and the MAC line "--- " + base64(HMAC-SHA-256 under
// HKDF-SHA-256(ikm = file key, salt = empty, info = "header") of the header
// up to and including "---") + "\n".
std::string FormatAgeHeader(const std::vector<AgeStanza>& stanzas, const SecretBytes& file_key);

// The payload key: HKDF-SHA-256(ikm = file key, salt = nonce, info =
// "payload"). `nonce` is the 16-byte payload nonce (dies otherwise).
SecretBytes AgePayloadKey(const SecretBytes& file_key, std::string_view nonce);

// Appends chunk number `counter` of the STREAM payload to `out`:
// ChaCha20-Poly1305 of `plaintext` under `payload_key`, with the nonce
// 11-byte big-endian counter || (last ? 0x01 : 0x00); ciphertext || tag.
// Dies on what the spec forbids (a bug in the caller): a chunk over 64 KiB,
// a non-final chunk that is not full, an empty final chunk after others.
void SealAgeChunk(std::string* out, const SecretBytes& payload_key, uint64_t counter, bool last,
                  std::string_view plaintext);

}  // namespace custos::vault::evidence::internal

#endif  // CUSTOS_VAULT_EVIDENCE_INTERNAL_AGE_FORMAT_H_
