// The vault's keyring and key hierarchy, shared by the store's files
// (vault.cc opens and creates, vault_keys.cc changes and rotates):
// passphrase → Argon2id → key-encryption key, which wraps each version of
// the root key; each root key derives the data key of its version.
// Private to vault/store/.
#ifndef CUSTOS_VAULT_STORE_INTERNAL_KEYRING_H_
#define CUSTOS_VAULT_STORE_INTERNAL_KEYRING_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/status.h"
#include "vault/store/crypto.h"
#include "vault/store/secret.h"
#include "vault/store/vault.h"

namespace custos::vault::internal {

// The keyring's key in tables::kMeta.
inline constexpr std::string_view kKeyringKey = "keyring";
// crypto_kdf context of the data keys (8 characters).
inline constexpr std::string_view kDataKeyContext = "custosdk";

// The associated data a root key of `version` is wrapped with.
std::string RootKeyAd(uint32_t version);

// The keyring as stored (plaintext JSON: only wrapped keys and KDF settings).
struct Keyring {
  Argon2Params kdf;
  std::string salt;
  std::map<uint32_t, std::string> wrapped;  // version → sealed root key
  uint32_t current = 0;

  std::string Serialize() const;
  // kDataLoss "the vault's keyring is damaged" for anything malformed.
  static Result<Keyring> Parse(std::string_view text);
};

// Unwraps every root key of `ring` with `kek` and derives the data keys
// into *out. kUnauthenticated "wrong passphrase…" when a key won't unwrap.
Status Unwrap(const Keyring& ring, const SecretBytes& kek, std::map<uint32_t, SecretBytes>* out);

// The stored keyring, read in `r`.
Result<Keyring> ReadKeyring(const ReadTxn& r);

}  // namespace custos::vault::internal

#endif  // CUSTOS_VAULT_STORE_INTERNAL_KEYRING_H_
