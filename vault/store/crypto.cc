#include "vault/store/crypto.h"

#include <atomic>
#include <cstring>
#include <mutex>
#include <pthread.h>
#include <sodium.h>

#include <openssl/evp.h>
#include <sys/resource.h>

namespace custos::vault {

namespace {
static_assert(kAeadKeySize == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(kAeadNonceSize == crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
static_assert(kAeadTagSize == crypto_aead_xchacha20poly1305_ietf_ABYTES);
static_assert(kSaltSize == crypto_pwhash_SALTBYTES);
static_assert(kEd25519SignatureSize == crypto_sign_BYTES);
static_assert(kEd25519SecretKeySize == crypto_sign_SECRETKEYBYTES);

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
}  // namespace

// ---- SecretBytes ----------------------------------------------------------

SecretBytes::SecretBytes(size_t size) : size_(size) {
  if (size == 0) return;
  if (!InitCrypto().ok()) Die("libsodium failed to initialise");
  data_ = static_cast<unsigned char*>(sodium_malloc(size));
  if (data_ == nullptr) Die("sodium_malloc failed: no secure memory for a key");
  sodium_memzero(data_, size);
}

SecretBytes SecretBytes::CopyOf(std::string_view data) {
  SecretBytes s(data.size());
  if (!data.empty()) std::memcpy(s.data_, data.data(), data.size());
  return s;
}

SecretBytes::~SecretBytes() { Release(); }

void SecretBytes::Release() {
  if (data_ != nullptr) {
    sodium_memzero(data_, size_);
    sodium_free(data_);
  }
  data_ = nullptr;
  size_ = 0;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : data_(other.data_), size_(other.size_) {
  other.data_ = nullptr;
  other.size_ = 0;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = other.data_;
    size_ = other.size_;
    other.data_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

bool SecretBytes::Equals(const SecretBytes& other) const {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data_, size_) == 0;
}

// ---- primitives -----------------------------------------------------------

Status InitCrypto() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] {
    rc = sodium_init();
    // SECURITY: no core dumps — they would carry unsealed keys and content.
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
  });
  if (rc < 0) return Status::Internal("libsodium failed to initialise");
  return Status::Ok();
}

namespace {
// Fetched once: an implicit fetch per digest costs a lookup under a lock.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (m == nullptr) Die("OpenSSL has no SHA-256");
    return m;
  }();
  return md;
}
EVP_MD_CTX* Ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }
}  // namespace

std::string Sha256(std::string_view data) {
  Sha256Hasher h;
  h.Update(data);
  return h.Finish();
}

Sha256Hasher::Sha256Hasher() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr || EVP_DigestInit_ex2(Ctx(ctx_), Sha256Md(), nullptr) != 1) {
    Die("SHA-256 initialisation failed");
  }
}
Sha256Hasher::~Sha256Hasher() { EVP_MD_CTX_free(Ctx(ctx_)); }
void Sha256Hasher::Update(std::string_view data) {
  if (EVP_DigestUpdate(Ctx(ctx_), data.data(), data.size()) != 1) Die("SHA-256 update failed");
}
std::string Sha256Hasher::Finish() {
  std::string out(kSha256Size, '\0');
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(Ctx(ctx_), reinterpret_cast<unsigned char*>(out.data()), &n) != 1 ||
      n != kSha256Size) {
    Die("SHA-256 finalisation failed");
  }
  return out;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

SecretBytes RandomSecret(size_t n) {
  SecretBytes s(n);
  randombytes_buf(s.data(), n);
  return s;
}

namespace {
// XChaCha20 nonces: a random 128-bit prefix chosen per process (and again
// in every forked child) followed by a 64-bit counter. Unique for as long as
// the process lives, without a getrandom() system call per sealed value.
struct NonceSource {
  std::mutex mu;
  unsigned char prefix[16];
  std::atomic<uint64_t> counter{0};
  NonceSource() {
    Reseed();
    pthread_atfork(nullptr, nullptr, [] { Instance().Reseed(); });
  }
  void Reseed() {
    randombytes_buf(prefix, sizeof prefix);
    counter.store(0);
  }
  static NonceSource& Instance() {
    static NonceSource* source = new NonceSource();  // never destroyed: used until exit
    return *source;
  }
  void Next(unsigned char* nonce) {
    uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
    std::memcpy(nonce, prefix, sizeof prefix);
    for (int i = 0; i < 8; ++i) nonce[16 + i] = static_cast<unsigned char>(n >> (8 * i));
  }
};
static_assert(kAeadNonceSize == 24);

// `o` has room for nonce || ciphertext || tag.
void SealRaw(unsigned char* o, const unsigned char* key, const unsigned char* pt, size_t pt_len,
             std::string_view ad) {
  NonceSource::Instance().Next(o);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(o + kAeadNonceSize, &clen, pt, pt_len, U(ad),
                                             ad.size(), nullptr, o, key);
}

void SealInto(const unsigned char* key, const unsigned char* pt, size_t pt_len, std::string_view ad,
              std::string* out) {
  out->assign(kAeadNonceSize + pt_len + kAeadTagSize, '\0');
  SealRaw(reinterpret_cast<unsigned char*>(out->data()), key, pt, pt_len, ad);
}

bool OpenInto(const unsigned char* key, std::string_view sealed, std::string_view ad,
              unsigned char* out) {
  const unsigned char* s = U(sealed);
  unsigned long long plen = 0;
  return crypto_aead_xchacha20poly1305_ietf_decrypt(out, &plen, nullptr, s + kAeadNonceSize,
                                                    sealed.size() - kAeadNonceSize, U(ad),
                                                    ad.size(), s, key) == 0;
}

void CheckKey(const SecretBytes& key) {
  if (key.size() != kAeadKeySize) Die("AEAD key of the wrong size");
}
}  // namespace

std::string AeadSeal(const SecretBytes& key, std::string_view plaintext, std::string_view ad) {
  CheckKey(key);
  std::string out;
  SealInto(key.data(), U(plaintext), plaintext.size(), ad, &out);
  return out;
}

void AeadSealTo(unsigned char* out, const SecretBytes& key, std::string_view plaintext,
                std::string_view ad) {
  CheckKey(key);
  SealRaw(out, key.data(), U(plaintext), plaintext.size(), ad);
}

Result<std::string> AeadOpen(const SecretBytes& key, std::string_view sealed, std::string_view ad) {
  CheckKey(key);
  if (sealed.size() < kAeadNonceSize + kAeadTagSize)
    return Status::DataLoss("sealed value is truncated");
  std::string out(sealed.size() - kAeadNonceSize - kAeadTagSize, '\0');
  if (!OpenInto(key.data(), sealed, ad, reinterpret_cast<unsigned char*>(out.data())))
    return Status::DataLoss("sealed value failed authentication (altered, moved or wrong key)");
  return out;
}

std::string AeadSealSecret(const SecretBytes& key, const SecretBytes& plaintext,
                           std::string_view ad) {
  CheckKey(key);
  std::string out;
  SealInto(key.data(), plaintext.data(), plaintext.size(), ad, &out);
  return out;
}

Result<SecretBytes> AeadOpenSecret(const SecretBytes& key, std::string_view sealed,
                                   std::string_view ad) {
  CheckKey(key);
  if (sealed.size() < kAeadNonceSize + kAeadTagSize)
    return Status::DataLoss("sealed key is truncated");
  SecretBytes out(sealed.size() - kAeadNonceSize - kAeadTagSize);
  if (!OpenInto(key.data(), sealed, ad, out.data()))
    return Status::DataLoss("sealed key failed authentication");
  return out;
}

SecretBytes DeriveSubkey(const SecretBytes& master, uint64_t id, std::string_view context) {
  if (master.size() != crypto_kdf_KEYBYTES || context.size() != crypto_kdf_CONTEXTBYTES)
    Die("DeriveSubkey: bad master key or context size");
  SecretBytes out(32);
  crypto_kdf_derive_from_key(out.data(), out.size(), id, context.data(), master.data());
  return out;
}

Result<SecretBytes> DeriveKeyFromPassphrase(const SecretBytes& passphrase, std::string_view salt,
                                            const Argon2Params& params) {
  if (salt.size() != kSaltSize) return Status::InvalidArgument("salt has the wrong size");
  if (params.opslimit < crypto_pwhash_OPSLIMIT_MIN || params.memlimit < crypto_pwhash_MEMLIMIT_MIN)
    return Status::InvalidArgument("Argon2id parameters below the minimum");
  SecretBytes out(32);
  if (crypto_pwhash(out.data(), out.size(), reinterpret_cast<const char*>(passphrase.data()),
                    passphrase.size(), U(salt), params.opslimit, params.memlimit,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("Argon2id could not get the memory it needs");
  }
  return out;
}

Result<std::string> HashPassword(const SecretBytes& password, const Argon2Params& params) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, reinterpret_cast<const char*>(password.data()), password.size(),
                            params.opslimit, params.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::ResourceExhausted("Argon2id could not get the memory it needs");
  return std::string(out);
}

bool VerifyPassword(const SecretBytes& password, std::string_view encoded_hash) {
  std::string h(encoded_hash);  // needs NUL termination
  return crypto_pwhash_str_verify(h.c_str(), reinterpret_cast<const char*>(password.data()),
                                  password.size()) == 0;
}

std::string KeyedHash(const SecretBytes& key, std::string_view data) {
  std::string out(32, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(), U(data), data.size(),
                     key.data(), key.size());
  return out;
}

Ed25519KeyPair GenerateEd25519() {
  Ed25519KeyPair kp{std::string(kEd25519PublicKeySize, '\0'), SecretBytes(kEd25519SecretKeySize)};
  crypto_sign_keypair(reinterpret_cast<unsigned char*>(kp.public_key.data()), kp.secret_key.data());
  return kp;
}

Result<Ed25519KeyPair> Ed25519FromSeed(const SecretBytes& seed) {
  if (seed.size() != kEd25519SeedSize)
    return Status::InvalidArgument("Ed25519 seed must be 32 bytes");
  Ed25519KeyPair kp{std::string(kEd25519PublicKeySize, '\0'), SecretBytes(kEd25519SecretKeySize)};
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(kp.public_key.data()),
                           kp.secret_key.data(), seed.data());
  return kp;
}

std::string Ed25519Sign(const SecretBytes& secret_key, std::string_view message) {
  if (secret_key.size() != kEd25519SecretKeySize) Die("Ed25519 secret key of the wrong size");
  std::string sig(kEd25519SignatureSize, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr, U(message),
                       message.size(), secret_key.data());
  return sig;
}

bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize || signature.size() != kEd25519SignatureSize)
    return false;
  return crypto_sign_verify_detached(U(signature), U(message), message.size(), U(public_key)) == 0;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void WipeBuffer(void* data, size_t size) {
  if (size != 0) sodium_memzero(data, size);
}

void WipeString(std::string* s) {
  if (!s->empty()) sodium_memzero(s->data(), s->size());
  s->clear();
}

}  // namespace custos::vault
