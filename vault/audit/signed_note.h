// Signed notes (c2sp.org/signed-note) with Ed25519 keys.
//
// A signed note is UTF-8 text ending in a newline, a blank line, then one or
// more signature lines:
//
//   <text lines>\n
//   \n
//   — <key name> <base64(key ID (4 bytes, big-endian) || signature (64))>\n
//
// The signature covers the text bytes (including their final newline).
// Ed25519 key ID = first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key).
// A verifier key is written "<name>+<8 hex digits of key ID>+<base64(0x01 ||
// public key)>".
//
// Thread-safety: pure functions and values.
#ifndef CUSTOS_VAULT_AUDIT_SIGNED_NOTE_H_
#define CUSTOS_VAULT_AUDIT_SIGNED_NOTE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "vault/store/secret.h"

namespace custos::vault::note {

inline constexpr uint8_t kAlgEd25519 = 0x01;
// Notes with more signatures than this are rejected as malformed.
inline constexpr size_t kMaxSignatures = 100;

// True when `name` is a valid key name: non-empty UTF-8 without '+', spaces
// or control characters.
bool IsValidKeyName(std::string_view name);

uint32_t Ed25519KeyId(std::string_view name, std::string_view public_key);

// A public key able to check one signer's signatures.
struct Verifier {
  std::string name;
  uint32_t key_id = 0;
  std::string public_key;  // 32 bytes, Ed25519
};

// "<name>+<hex key id>+<base64(0x01 || public key)>". Dies on an invalid
// name or key size (a bug, not input).
std::string FormatVerifierKey(std::string_view name, std::string_view public_key);
// Parses and checks a verifier key (the key ID must match the key).
// kInvalidArgument when malformed or for an algorithm other than Ed25519.
Result<Verifier> ParseVerifierKey(std::string_view vkey);

struct Signature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;  // raw bytes after the key ID
};

struct Note {
  std::string text;  // ends with '\n'
  std::vector<Signature> signatures;
};

// Signs `text` and returns the whole note (text, blank line, one signature
// line). kInvalidArgument when the text is not a valid note text (empty,
// not ending in '\n', not UTF-8, containing control characters other than
// '\n') or the name is invalid; the secret key is libsodium's 64-byte form.
Result<std::string> Sign(std::string_view text, std::string_view name,
                         const SecretBytes& secret_key, std::string_view public_key);

// Splits a note into its text and signature lines. kInvalidArgument when it is
// malformed.
Result<Note> Parse(std::string_view note);

// Parses `note` and checks that it carries a valid signature by `verifier`;
// returns the note's text. kInvalidArgument when malformed, kNotFound when no
// signature line is by this key, kDataLoss when a signature line by this key
// does not verify.
Result<std::string> Open(std::string_view note, const Verifier& verifier);

// The Ed25519 public key as a SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY").
std::string Ed25519PublicKeyPem(std::string_view public_key);

}  // namespace custos::vault::note

#endif  // CUSTOS_VAULT_AUDIT_SIGNED_NOTE_H_
