// Encryption of an evidence bundle to outside counsel in the age format
// (c2sp.org/age, version "age-encryption.org/v1"), to X25519 recipients
// ("age1…" Bech32 strings, as printed by `age-keygen`). The output is what
// `age --decrypt -i KEY_FILE` reads.
//
//   header: "age-encryption.org/v1\n", one "-> X25519 <ephemeral share>"
//           stanza per recipient wrapping a random 16-byte file key, and
//           "--- <HMAC-SHA-256 of the header under HKDF(file key, "header")>"
//   payload: a 16-byte nonce, then the STREAM construction: 64 KiB chunks
//           of ChaCha20-Poly1305 under HKDF(file key, nonce, "payload"),
//           nonce = 11-byte big-endian counter || last-chunk flag.
//
// Streaming: the encryptor holds at most one chunk; the caller writes
// plaintext in any pieces and calls Finish() once.
//
// Thread-safety: an AgeEncryptor is used by one thread at a time.
#ifndef CUSTOS_VAULT_EVIDENCE_AGE_H_
#define CUSTOS_VAULT_EVIDENCE_AGE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace custos::vault::evidence {

// The 32-byte X25519 public key of an "age1…" recipient (all lower case, or
// all upper case). kInvalidArgument for anything else (bad Bech32, wrong
// human-readable part — plugin and post-quantum recipients such as
// "age1pq1…" included —, mixed case, wrong length or checksum). The message
// never quotes the input: a user may paste a secret key by mistake.
Result<std::string> ParseAgeRecipient(std::string_view recipient);

class AgeEncryptor {
 public:
  // Receives the encrypted bytes in order; an error stops the encryption
  // and is returned by the Write/Finish that caused it.
  using Sink = std::function<Status(std::string_view bytes)>;

  // Writes the header (a fresh file key, one stanza per recipient) and the
  // payload nonce to `sink`. kInvalidArgument for no recipients or a
  // malformed one (the message names it by position, from 1), including a
  // low-order X25519 point (no shared secret); an error from `sink` is
  // returned as is. `sink` must be callable (dies otherwise); it is kept
  // until the encryptor is destroyed.
  static Result<std::unique_ptr<AgeEncryptor>> Start(const std::vector<std::string>& recipients,
                                                     Sink sink);
  ~AgeEncryptor();  // wipes the keys and the buffered plaintext
  AgeEncryptor(const AgeEncryptor&) = delete;
  AgeEncryptor& operator=(const AgeEncryptor&) = delete;

  // Encrypts `plaintext` (sealed chunks go to the sink as they fill; a
  // full chunk is sent once more plaintext follows it). kFailedPrecondition
  // after Finish or after an error from the sink.
  Status Write(std::string_view plaintext);
  // Seals the last chunk (possibly empty only when nothing was written) and
  // sends it. kFailedPrecondition when called again or after an error from
  // the sink. Without Finish the output is not a valid age file: `age`
  // refuses a payload without its final chunk.
  Status Finish();

 private:
  struct State;
  explicit AgeEncryptor(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace custos::vault::evidence

#endif  // CUSTOS_VAULT_EVIDENCE_AGE_H_
