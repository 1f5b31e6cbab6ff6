#include "vault/evidence/age.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "vault/evidence/internal/age_format.h"
#include "vault/evidence/internal/bech32.h"
#include "vault/store/crypto.h"
#include "vault/store/secret.h"

namespace custos::vault::evidence {

using internal::kAgeChunkSize;
using internal::kAgeFileKeySize;
using internal::kAgePayloadNonceSize;
using internal::kX25519Size;

Result<std::string> ParseAgeRecipient(std::string_view recipient) {
  std::string key(kX25519Size, '\0');
  const Status s = internal::Bech32Decode(reinterpret_cast<unsigned char*>(key.data()), key.size(),
                                          "age", recipient);
  if (!s.ok()) return Status::InvalidArgument("not an age X25519 recipient: " + s.message());
  return key;
}

struct AgeEncryptor::State {
  enum class Phase { kOpen, kFinished, kFailed };

  State(Sink s, SecretBytes key)
      : sink(std::move(s)), payload_key(std::move(key)), chunk(kAgeChunkSize) {}

  Status CheckOpen() const {
    switch (phase) {
      case Phase::kOpen:
        return Status::Ok();
      case Phase::kFinished:
        return Status::FailedPrecondition("age encryption is already finished");
      case Phase::kFailed:
        return Status::FailedPrecondition("age encryption stopped after an error");
    }
    return Status::Internal("age encryption in an unknown state");
  }

  // Seals the buffered plaintext as the next chunk and hands it to the sink.
  Status SealChunk(bool last) {
    if (counter == std::numeric_limits<uint64_t>::max()) Die("age: chunk counter overflow");
    sealed.clear();
    internal::SealAgeChunk(&sealed, payload_key, counter, last,
                           std::string_view(reinterpret_cast<const char*>(chunk.data()), used));
    ++counter;
    used = 0;
    Status s = sink(sealed);
    if (!s.ok()) phase = Phase::kFailed;
    return s;
  }

  Sink sink;
  SecretBytes payload_key;
  // SECURITY: the plaintext (a bundle of trade secrets) waits here for its
  // chunk to fill; secure memory is wiped when the encryptor goes.
  SecretBytes chunk;
  size_t used = 0;       // plaintext bytes in `chunk`
  uint64_t counter = 0;  // chunks sealed so far
  std::string sealed;    // reused output buffer (ciphertext only)
  Phase phase = Phase::kOpen;
};

Result<std::unique_ptr<AgeEncryptor>> AgeEncryptor::Start(
    const std::vector<std::string>& recipients, Sink sink) {
  if (!sink) Die("AgeEncryptor::Start: no sink");
  if (recipients.empty()) {
    return Status::InvalidArgument("an age file needs at least one recipient");
  }
  CUSTOS_RETURN_IF_ERROR(InitCrypto());
  std::vector<std::string> keys;
  keys.reserve(recipients.size());
  for (size_t i = 0; i < recipients.size(); ++i) {
    const std::string which = "recipient " + std::to_string(i + 1);
    auto key = ParseAgeRecipient(recipients[i]);
    if (!key.ok()) return key.status().Annotate(which);
    keys.push_back(std::move(key).value());
  }

  const SecretBytes file_key = RandomSecret(kAgeFileKeySize);
  std::vector<internal::AgeStanza> stanzas;
  stanzas.reserve(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    // SECURITY: a fresh ephemeral secret per stanza and per file, as the
    // spec requires; it lives in secure memory only for this iteration.
    const SecretBytes ephemeral = RandomSecret(kX25519Size);
    const std::string share = internal::X25519Public(ephemeral);
    auto shared = internal::X25519Shared(ephemeral, keys[i]);
    if (!shared.ok()) return shared.status().Annotate("recipient " + std::to_string(i + 1));
    stanzas.push_back({{"X25519", internal::Base64NoPad(share)},
                       internal::X25519StanzaBody(*shared, share, keys[i], file_key)});
  }

  const std::string nonce = RandomBytes(kAgePayloadNonceSize);
  std::string head = internal::FormatAgeHeader(stanzas, file_key);
  head.append(nonce);
  auto state = std::make_unique<State>(std::move(sink), internal::AgePayloadKey(file_key, nonce));
  CUSTOS_RETURN_IF_ERROR(state->sink(head));
  return std::unique_ptr<AgeEncryptor>(new AgeEncryptor(std::move(state)));
}

AgeEncryptor::AgeEncryptor(std::unique_ptr<State> state) : state_(std::move(state)) {}

AgeEncryptor::~AgeEncryptor() = default;

Status AgeEncryptor::Write(std::string_view plaintext) {
  State& s = *state_;
  CUSTOS_RETURN_IF_ERROR(s.CheckOpen());
  while (!plaintext.empty()) {
    // A full chunk is sealed as non-final only once more plaintext is known
    // to follow: the final chunk may be full, but must not be empty unless
    // the whole payload is.
    if (s.used == kAgeChunkSize) CUSTOS_RETURN_IF_ERROR(s.SealChunk(/*last=*/false));
    const size_t n = std::min(plaintext.size(), kAgeChunkSize - s.used);
    std::memcpy(s.chunk.data() + s.used, plaintext.data(), n);
    s.used += n;
    plaintext.remove_prefix(n);
  }
  return Status::Ok();
}

Status AgeEncryptor::Finish() {
  State& s = *state_;
  CUSTOS_RETURN_IF_ERROR(s.CheckOpen());
  CUSTOS_RETURN_IF_ERROR(s.SealChunk(/*last=*/true));
  s.phase = State::Phase::kFinished;
  return Status::Ok();
}

}  // namespace custos::vault::evidence
