// Personal electronic signatures: each user's own Ed25519 key, unlocked only
// by that user's password, and the signatures it makes over agreements.
//
// Key storage (tables::kKeys, versions.h under id "sigkey:" + user id): every
// version is a JSON object {"user_id", "public_key" (hex), "salt" (hex),
// "opslimit", "memlimit", "wrapped" (hex), "created", "reason"}. `wrapped` is
// the 64-byte secret key sealed (XChaCha20-Poly1305) under a wrap key =
// Argon2id(password, salt); the vault's data key then seals the whole value
// as it seals every value. SECURITY: an administrator who can open the vault
// but does not know the user's password cannot unwrap the key, so cannot sign
// for the user. A rewrap after a password change appends a version with the
// same public key; an issue after an administrator's password reset (when the
// old password is unknown) appends a version with a new key pair, so the
// history shows it. Public keys of all versions stay readable for
// verification of older signatures.
//
// Signatures cover a canonical statement (canonical JSON, keys sorted):
//   {"agreement_id", "document_sha256" (hex), "format": "custos-signature/1",
//    "role" ("employee" | "company" | "custodian"), "signer_id",
//    "signer_name", "time" (RFC 3339 UTC, ms)}
// verifiable with the signer's public key and nothing else.
//
// Argon2id is slow on purpose: the functions that derive a wrap key run
// outside any transaction (Unlock*, Generate*, PrepareRewrap); only
// RewrapSigningKey does it inside one, for callers that already hold a
// WriteTxn and accept the delay for the batch.
//
// Thread-safety: free functions over values and transactions (vault.h).
#ifndef CUSTOS_VAULT_AGREEMENTS_SIGNING_H_
#define CUSTOS_VAULT_AGREEMENTS_SIGNING_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "base/time.h"
#include "vault/access/users.h"
#include "vault/store/crypto.h"
#include "vault/store/vault.h"

namespace custos::vault {

inline constexpr std::string_view kSignatureFormat = "custos-signature/1";

// One stored version of a user's signing key.
struct SigningKeyRecord {
  std::string user_id;
  std::string public_key;  // 32 raw bytes
  std::string salt;        // 16 raw bytes
  Argon2Params kdf;
  std::string wrapped;  // AEAD(wrap key, secret key) — opaque
  UnixMillis created = 0;
  std::string reason;    // "issued", "rewrapped", "reissued after reset"
  uint32_t version = 0;  // set when read back; 0 before storing

  json::Value ToJson() const;
  static Result<SigningKeyRecord> FromJson(const json::Value& v);
};

// A fresh key pair for `user_id`, wrapped under `password` with a new salt.
// Pure crypto (no transaction); Argon2id runs here.
Result<SigningKeyRecord> GenerateSigningKey(std::string_view user_id, const SecretBytes& password,
                                            const Argon2Params& kdf, UnixMillis now,
                                            std::string_view reason = "issued");

// The latest stored version, or kNotFound when the user has no key yet.
Result<SigningKeyRecord> LatestSigningKey(const ReadTxn& txn, std::string_view user_id);
// Every version, oldest first (empty when none).
Result<std::vector<SigningKeyRecord>> SigningKeyHistory(const ReadTxn& txn,
                                                        std::string_view user_id);
// Whether `public_key` is one of the user's keys (any version).
Result<bool> IsUserPublicKey(const ReadTxn& txn, std::string_view user_id,
                             std::string_view public_key);

// Appends `record` as the next version. When `expected_previous` is set, the
// latest stored version must be exactly that one (kAborted otherwise: a
// concurrent change won; start again).
Status StoreSigningKey(WriteTxn& txn, const SigningKeyRecord& record,
                       std::optional<uint32_t> expected_previous);

// Unwraps the secret key with the user's password. kUnauthenticated when
// `password` is not the user's current login password (checked against
// `user.password_hash` first); kFailedPrecondition when it is, but the key
// was wrapped under an earlier password that was reset by an administrator
// (a new key must be issued: IssueReplacementKey); kDataLoss when the stored
// public key does not match the unwrapped secret key.
Result<SecretBytes> UnlockSigningKey(const SigningKeyRecord& record, const User& user,
                                     const SecretBytes& password);

// The user's key for signing now, creating it on first need: unlocks the
// latest version, or generates and stores version 1 when there is none, or
// (when the latest is unusable after an administrator's reset, see above)
// stores a replacement with a new key pair. Verifies the password first
// (kUnauthenticated). Runs Argon2id outside transactions and commits any new
// version in its own Write; `on_new_key` (may be empty) runs inside that
// Write to append the audit event of the issue.
struct UnlockedKey {
  SigningKeyRecord record;
  SecretBytes secret_key;
};
Result<UnlockedKey> ObtainSigningKey(
    Vault& vault, const User& user, const SecretBytes& password, const Argon2Params& kdf,
    UnixMillis now, const std::function<Status(WriteTxn&, const SigningKeyRecord&)>& on_new_key);

// A password change: the user's current key re-wrapped under `new_password`
// (same key pair, fresh salt), or nullopt when the user has no key. Argon2id
// runs here, outside transactions. kUnauthenticated / kFailedPrecondition as
// UnlockSigningKey for the old password.
Result<std::optional<SigningKeyRecord>> PrepareRewrap(Vault& vault, const User& user,
                                                      const SecretBytes& old_password,
                                                      const SecretBytes& new_password,
                                                      const Argon2Params& kdf, UnixMillis now);
// Stores a prepared rewrap (kAborted when the key changed in between).
Status CommitRewrap(WriteTxn& txn, const SigningKeyRecord& rewrapped);

// Both in one: rewraps inside `txn` (Argon2id twice while the batch waits).
// OK and nothing written when the user has no signing key. Call it wherever
// a user's password changes while the old one is known
// (web/session_api.cc ChangePassword). Where the old password is not known
// (an administrator's reset), do nothing: the next signature issues a new key.
Status RewrapSigningKey(WriteTxn& txn, const User& user, const SecretBytes& old_password,
                        const SecretBytes& new_password, const Argon2Params& kdf);

// ---- signatures ------------------------------------------------------------

struct SignatureStatement {
  std::string agreement_id;
  std::string document_sha256;  // 64 lower-case hex digits
  std::string role;             // "employee", "company", "custodian"
  std::string signer_id;
  std::string signer_name;
  UnixMillis time = 0;

  // The exact bytes that are signed.
  std::string Canonical() const;
  // kInvalidArgument unless `text` is exactly the canonical form.
  static Result<SignatureStatement> Parse(std::string_view text);
};

// A signature as stored with the agreement and shown on the certificate.
// When an electronic signature is reliable (Electronic Signature Law of the
// PRC, Art. 13), as the vault could tell when it was made. Stored beside the
// signature, outside the signed statement; records made before Custos kept
// them have none (reliability then unknown, not assumed).
struct SignatureConditions {
  // Art. 13 (1)(2): the signing key was the signer's alone when used — it is
  // wrapped under the signer's password, and that password did not come from
  // an administrator's reset link the signer has not replaced since.
  bool signer_controls_key = false;
  // Art. 13 (3)(4): the statement names the SHA-256 of the exact document
  // bytes stored, so a later change to the document is detectable.
  bool covers_document = false;
  // Art. 13 (3): the Ed25519 signature verifies over that statement, so a
  // later change to the signature or the statement is detectable.
  bool signature_verifies = false;
  // Why a condition does not hold, in English ("" when all hold).
  std::string note;

  bool reliable() const { return signer_controls_key && covers_document && signature_verifies; }
  json::Value ToJson() const;
  static Result<SignatureConditions> FromJson(const json::Value& v);
};

struct SignatureRecord {
  std::string statement;   // SignatureStatement::Canonical()
  std::string signature;   // 64 raw bytes
  std::string public_key;  // 32 raw bytes
  uint32_t key_version = 0;
  std::string method = "ed25519";
  std::optional<SignatureConditions> conditions;  // decided at signing

  json::Value ToJson() const;
  static Result<SignatureRecord> FromJson(const json::Value& v);
};

SignatureRecord SignStatement(const SigningKeyRecord& key, const SecretBytes& secret_key,
                              const SignatureStatement& statement);

// Checks a signature record on its own: the statement parses and equals
// `expected` field by field, and the Ed25519 signature verifies with the
// record's public key. kDataLoss naming what differs.
Status VerifySignatureRecord(const SignatureRecord& record, const SignatureStatement& expected);

}  // namespace custos::vault

#endif  // CUSTOS_VAULT_AGREEMENTS_SIGNING_H_
