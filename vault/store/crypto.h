// The cryptographic primitives Custos uses, over libsodium — except SHA-256,
// computed with OpenSSL's libcrypto, which uses the CPU's SHA extensions
// (the audit append's hot path, docs/benchmarks.md). Only vault/ includes
// sodium.h; everything else goes through these functions.
//
//   - Sha256                      audit-log leaves and tree, document hashes
//   - AeadSeal / AeadOpen         XChaCha20-Poly1305-IETF with associated data
//   - DeriveSubkey                crypto_kdf (BLAKE2b) purpose subkeys
//   - DeriveKeyFromPassphrase     Argon2id
//   - KeyedHash                   BLAKE2b-256 keyed hash (blind index)
//   - Ed25519 keys, Sign, Verify  checkpoints, user signatures
//
// Every function here is thread-safe. InitCrypto() must have succeeded once
// before any other call (Vault::Open/Create do it).
#ifndef CUSTOS_VAULT_STORE_CRYPTO_H_
#define CUSTOS_VAULT_STORE_CRYPTO_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vault/store/secret.h"

namespace custos::vault {

inline constexpr size_t kSha256Size = 32;
inline constexpr size_t kAeadKeySize = 32;
inline constexpr size_t kAeadNonceSize = 24;
inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kSaltSize = 16;
inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SeedSize = 32;
inline constexpr size_t kEd25519SecretKeySize = 64;
inline constexpr size_t kEd25519SignatureSize = 64;

// Initialises libsodium and disables core dumps for this process
// (SECURITY: a core dump would carry unsealed keys). Idempotent.
Status InitCrypto();

std::string Sha256(std::string_view data);
// Incremental SHA-256 for streams. OpenSSL's implementation (it uses the
// CPU's SHA extensions where present: the audit log hashes every event).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  std::string Finish();  // 32 raw bytes; the hasher is then spent
 private:
  void* ctx_;  // EVP_MD_CTX*
};

std::string RandomBytes(size_t n);
SecretBytes RandomSecret(size_t n);

// out = nonce || ciphertext || tag. Never fails for a key of the right size.
std::string AeadSeal(const SecretBytes& key, std::string_view plaintext, std::string_view ad);
// The same, written to `out`, which must have room for AeadSealedSize(
// plaintext.size()) bytes (e.g. a reused buffer, behind a header, so the
// sealed value is not copied again). `out` must not overlap `plaintext`.
void AeadSealTo(unsigned char* out, const SecretBytes& key, std::string_view plaintext,
                std::string_view ad);
constexpr size_t AeadSealedSize(size_t plaintext_size) {
  return kAeadNonceSize + plaintext_size + kAeadTagSize;
}
// kDataLoss when the value has been altered, was sealed under another key or
// with different associated data, or is too short.
Result<std::string> AeadOpen(const SecretBytes& key, std::string_view sealed, std::string_view ad);
// Same, for secret payloads (wrapped keys).
std::string AeadSealSecret(const SecretBytes& key, const SecretBytes& plaintext,
                           std::string_view ad);
Result<SecretBytes> AeadOpenSecret(const SecretBytes& key, std::string_view sealed,
                                   std::string_view ad);

// A 32-byte subkey of a 32-byte master key; `context` is exactly 8 characters.
SecretBytes DeriveSubkey(const SecretBytes& master, uint64_t id, std::string_view context);

struct Argon2Params {
  uint64_t opslimit = 3;             // crypto_pwhash_OPSLIMIT_MODERATE
  uint64_t memlimit = 256ull << 20;  // 256 MiB, crypto_pwhash_MEMLIMIT_MODERATE
  // The cheap setting tests use; never the default for a real vault.
  static Argon2Params ForTests() { return Argon2Params{1, 8ull << 20}; }
  friend bool operator==(const Argon2Params&, const Argon2Params&) = default;
};
// Argon2id(passphrase, salt) → 32 bytes. kResourceExhausted when the memory
// limit cannot be met; kInvalidArgument on a bad salt size or parameters.
Result<SecretBytes> DeriveKeyFromPassphrase(const SecretBytes& passphrase, std::string_view salt,
                                            const Argon2Params& params);

// Password hashing for logins (Argon2id, encoded string with its parameters).
Result<std::string> HashPassword(const SecretBytes& password, const Argon2Params& params);
bool VerifyPassword(const SecretBytes& password, std::string_view encoded_hash);

// BLAKE2b-256 keyed with `key` — blind index of names.
std::string KeyedHash(const SecretBytes& key, std::string_view data);

struct Ed25519KeyPair {
  std::string public_key;  // 32 bytes
  SecretBytes secret_key;  // 64 bytes (libsodium form: seed || public key)
};
Ed25519KeyPair GenerateEd25519();
// From a 32-byte seed (for reproducible test vectors).
Result<Ed25519KeyPair> Ed25519FromSeed(const SecretBytes& seed);
std::string Ed25519Sign(const SecretBytes& secret_key, std::string_view message);
bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature);

// Constant-time equality for non-secret-length data (MACs, hashes).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Wipes a std::string's bytes (for transient plaintext we could not avoid).
void WipeString(std::string* s);
// Wipes a stack or heap buffer.
void WipeBuffer(void* data, size_t size);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_STORE_CRYPTO_H_
