#include "vault/evidence/internal/age_format.h"

#include <algorithm>
#include <sodium.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "base/encoding.h"
#include "vault/store/crypto.h"

namespace custos::vault::evidence::internal {
namespace {

static_assert(kX25519Size == crypto_scalarmult_BYTES);
static_assert(kX25519Size == crypto_scalarmult_SCALARBYTES);
static_assert(kAgeTagSize == crypto_aead_chacha20poly1305_ietf_ABYTES);
static_assert(kAgeStanzaBodySize == kAgeFileKeySize + crypto_aead_chacha20poly1305_ietf_ABYTES);
static_assert(crypto_aead_chacha20poly1305_ietf_KEYBYTES == 32);
static_assert(crypto_aead_chacha20poly1305_ietf_NPUBBYTES == 12);

constexpr size_t kMaxHkdfLength = 255 * 32;
constexpr size_t kBase64LineChars = 64;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Fetched once: an implicit fetch per derivation costs a lookup under a lock.
EVP_KDF* Hkdf() {
  static EVP_KDF* kdf = [] {
    EVP_KDF* k = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
    if (k == nullptr) Die("OpenSSL has no HKDF");
    return k;
  }();
  return kdf;
}

// The byte string OpenSSL reads; it does not write through the pointer.
OSSL_PARAM OctetParam(const char* name, std::string_view value) {
  return OSSL_PARAM_construct_octet_string(name, const_cast<char*>(value.data()), value.size());
}

bool IsVchar(char c) { return c >= 0x21 && c <= 0x7e; }

}  // namespace

SecretBytes HkdfSha256(const SecretBytes& ikm, std::string_view salt, std::string_view info,
                       size_t length) {
  if (ikm.empty() || length == 0 || length > kMaxHkdfLength) Die("HkdfSha256: bad arguments");
  SecretBytes out(length);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(Hkdf());
  if (ctx == nullptr) Die("HkdfSha256: out of memory");
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OctetParam(OSSL_KDF_PARAM_KEY, ikm.view());
  // An empty salt is left out: OpenSSL then uses HashLen zero bytes, the
  // default of RFC 5869 §2.2 (an empty HMAC key amounts to the same).
  if (!salt.empty()) params[n++] = OctetParam(OSSL_KDF_PARAM_SALT, salt);
  if (!info.empty()) params[n++] = OctetParam(OSSL_KDF_PARAM_INFO, info);
  params[n] = OSSL_PARAM_construct_end();
  const int rc = EVP_KDF_derive(ctx, out.data(), out.size(), params);
  // SECURITY: the context holds a copy of the input key; OpenSSL's HKDF
  // clears it (OPENSSL_clear_free) when the context is freed.
  EVP_KDF_CTX_free(ctx);
  if (rc != 1) Die("HkdfSha256: OpenSSL HKDF failed");
  return out;
}

std::string Base64NoPad(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string X25519Public(const SecretBytes& scalar) {
  if (scalar.size() != kX25519Size) Die("X25519Public: the scalar is not 32 bytes");
  std::string out(kX25519Size, '\0');
  if (crypto_scalarmult_base(reinterpret_cast<unsigned char*>(out.data()), scalar.data()) != 0) {
    Die("X25519Public: crypto_scalarmult_base failed");
  }
  return out;
}

Result<SecretBytes> X25519Shared(const SecretBytes& scalar, std::string_view point) {
  if (scalar.size() != kX25519Size) Die("X25519Shared: the scalar is not 32 bytes");
  if (point.size() != kX25519Size) return Status::InvalidArgument("an X25519 key is 32 bytes");
  SecretBytes shared(kX25519Size);
  // libsodium returns -1 for an all-zero result; checked again here so the
  // refusal does not rest on one library version's behaviour.
  const int rc = crypto_scalarmult(shared.data(), scalar.data(), U(point));
  if (rc != 0 || sodium_is_zero(shared.data(), shared.size())) {
    return Status::InvalidArgument("the X25519 key is a low-order point (no shared secret)");
  }
  return shared;
}

std::string X25519StanzaBody(const SecretBytes& shared_secret, std::string_view share,
                             std::string_view recipient, const SecretBytes& file_key) {
  if (shared_secret.size() != kX25519Size || share.size() != kX25519Size ||
      recipient.size() != kX25519Size || file_key.size() != kAgeFileKeySize) {
    Die("X25519StanzaBody: bad sizes");
  }
  std::string salt;
  salt.reserve(2 * kX25519Size);
  salt.append(share);
  salt.append(recipient);
  const SecretBytes wrap_key = HkdfSha256(shared_secret, salt, "age-encryption.org/v1/X25519");
  // SECURITY: a zero nonce is safe because every wrap key is used once:
  // it is derived from a fresh ephemeral share per stanza and per file.
  const unsigned char zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {};
  std::string body(kAgeStanzaBodySize, '\0');
  unsigned long long body_len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(body.data()),
                                            &body_len, file_key.data(), file_key.size(), nullptr, 0,
                                            nullptr, zero_nonce, wrap_key.data());
  if (body_len != body.size()) Die("X25519StanzaBody: unexpected ciphertext length");
  return body;
}

void AppendAgeStanza(std::string* header, const AgeStanza& stanza) {
  if (stanza.args.empty()) Die("AppendAgeStanza: a stanza needs an argument");
  header->append("->");
  for (const std::string& arg : stanza.args) {
    if (arg.empty()) Die("AppendAgeStanza: empty argument");
    for (char c : arg) {
      if (!IsVchar(c)) Die("AppendAgeStanza: argument byte outside VCHAR");
    }
    header->push_back(' ');
    header->append(arg);
  }
  header->push_back('\n');
  const std::string b64 = Base64NoPad(stanza.body);
  // Full 64-column lines, then a shorter final line — empty when the body
  // ends exactly at a line end — which is how a reader finds the end.
  size_t pos = 0;
  while (true) {
    const size_t n = std::min(kBase64LineChars, b64.size() - pos);
    header->append(b64, pos, n);
    header->push_back('\n');
    pos += n;
    if (n < kBase64LineChars) break;
  }
}

std::string FormatAgeHeader(const std::vector<AgeStanza>& stanzas, const SecretBytes& file_key) {
  if (stanzas.empty()) Die("FormatAgeHeader: no stanza");
  if (file_key.size() != kAgeFileKeySize) Die("FormatAgeHeader: the file key is not 16 bytes");
  std::string header(kAgeVersionLine);
  for (const AgeStanza& s : stanzas) AppendAgeStanza(&header, s);
  // The MAC covers the header up to and including "---", not the space.
  header.append("---");
  const SecretBytes mac_key = HkdfSha256(file_key, "", "header");
  crypto_auth_hmacsha256_state state;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&state, mac_key.data(), mac_key.size());
  crypto_auth_hmacsha256_update(&state, U(header), header.size());
  crypto_auth_hmacsha256_final(&state, mac);
  // SECURITY: the HMAC state holds the key's padded forms.
  sodium_memzero(&state, sizeof state);
  header.push_back(' ');
  header.append(Base64NoPad(std::string_view(reinterpret_cast<const char*>(mac), sizeof mac)));
  header.push_back('\n');
  return header;
}

SecretBytes AgePayloadKey(const SecretBytes& file_key, std::string_view nonce) {
  if (file_key.size() != kAgeFileKeySize || nonce.size() != kAgePayloadNonceSize) {
    Die("AgePayloadKey: bad sizes");
  }
  return HkdfSha256(file_key, nonce, "payload");
}

void SealAgeChunk(std::string* out, const SecretBytes& payload_key, uint64_t counter, bool last,
                  std::string_view plaintext) {
  if (payload_key.size() != crypto_aead_chacha20poly1305_ietf_KEYBYTES) {
    Die("SealAgeChunk: the payload key is not 32 bytes");
  }
  if (plaintext.size() > kAgeChunkSize) Die("SealAgeChunk: chunk over 64 KiB");
  if (!last && plaintext.size() != kAgeChunkSize) Die("SealAgeChunk: short non-final chunk");
  if (last && plaintext.empty() && counter != 0) Die("SealAgeChunk: empty final chunk");
  unsigned char nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {};
  // Bytes 0–10: the counter, big-endian (a uint64_t fills the low 8 of them).
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<unsigned char>(counter >> (8 * i));
  nonce[11] = last ? 0x01 : 0x00;
  const size_t start = out->size();
  out->resize(start + plaintext.size() + kAgeTagSize);
  unsigned long long sealed_len = 0;
  crypto_aead_chacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out->data() + start),
                                            &sealed_len, U(plaintext), plaintext.size(), nullptr, 0,
                                            nullptr, nonce, payload_key.data());
  if (sealed_len != plaintext.size() + kAgeTagSize) Die("SealAgeChunk: unexpected length");
}

}  // namespace custos::vault::evidence::internal
