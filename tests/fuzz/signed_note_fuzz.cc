// Fuzzes signed notes (vault/audit/signed_note.h, c2sp.org/signed-note): the
// audit log's checkpoints as evidence bundles, the API and outside
// verifiers carry them, and the verifier keys that name who signed. The
// target holds one Ed25519 log key (a fixed seed) and checks:
//   - a verifier key that parses is written back the same (hex case
//     aside), and its key ID matches its key;
//   - a note that parses is written back byte for byte;
//   - SECURITY: Open accepts a note only when every signature line by the
//     key is the one signature the key makes over the text (Ed25519
//     signatures are deterministic and, as libsodium checks them, unique):
//     no forgery, no malleated signature, no signature of other text;
//   - the text of an opened note, when it parses as a checkpoint
//     (vault/audit/checkpoint.h), is written back byte for byte.
// Seeds: CUSTOS_FUZZ_WRITE_SEEDS=tests/fuzz/corpus/signed_note
// build-fuzz/tests/fuzz/signed_note_fuzz (see seeds.h) writes signed
// checkpoints and notes, verifier keys and broken ones.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "tests/fuzz/promise.h"
#include "tests/fuzz/seeds.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/merkle.h"
#include "vault/audit/signed_note.h"
#include "vault/store/crypto.h"

namespace {

using namespace custos;
using namespace custos::vault;

constexpr std::string_view kLogName = "custos.example/fuzz-log";

using custos::fuzz::Require;

struct Keys {
  Ed25519KeyPair log;
  Ed25519KeyPair other;
  note::Verifier verifier;
};

Ed25519KeyPair FromSeed(char fill) {
  auto pair = Ed25519FromSeed(SecretBytes::CopyOf(std::string(kEd25519SeedSize, fill)));
  Require(pair.ok(), "a fixed seed makes a key");
  return std::move(pair).value();
}

const Keys& TheKeys() {
  static const Keys* keys = [] {
    Require(InitCrypto().ok(), "libsodium initialises");
    auto* k = new Keys{FromSeed('\x11'), FromSeed('\x22'), {}};
    auto v = note::ParseVerifierKey(note::FormatVerifierKey(kLogName, k->log.public_key));
    Require(v.ok(), "the log's verifier key parses");
    k->verifier = *v;
    return k;
  }();
  return *keys;
}

std::string FormatNote(const note::Note& n) {
  std::string out = n.text + "\n";
  for (const note::Signature& s : n.signatures) {
    std::string raw(4, '\0');
    for (int i = 0; i < 4; ++i) raw[i] = static_cast<char>(s.key_id >> (24 - 8 * i));
    out += "\xE2\x80\x94 " + s.name + " " + Base64Encode(raw + s.signature) + "\n";
  }
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void WriteSeeds() {
  using fuzz::WriteSeed;
  const Keys& k = TheKeys();
  auto sign = [&](std::string_view text, const Ed25519KeyPair& key, std::string_view name) {
    auto n = note::Sign(text, name, key.secret_key, key.public_key);
    Require(n.ok(), "the seed note signs");
    return *n;
  };
  merkle::MemoryTree tree;
  for (int i = 0; i < 5; ++i) tree.AppendLeaf("event " + std::to_string(i));
  auto root = merkle::RootAt(tree.Reader(), 5);
  Require(root.ok(), "the seed tree has a root");
  const std::string checkpoint = FormatCheckpoint({std::string(kLogName), 5, *root, {}});
  const std::string signed_cp = sign(checkpoint, k.log, kLogName);
  WriteSeed("checkpoint.note", signed_cp);
  WriteSeed("checkpoint-ext.note",
            sign(FormatCheckpoint({std::string(kLogName), 5, *root, {"— extension line"}}), k.log,
                 kLogName));
  // Cosigned: the log's and a witness's signature lines.
  const std::string cosigned =
      signed_cp + sign(checkpoint, k.other, "witness.example").substr(checkpoint.size() + 1);
  WriteSeed("cosigned.note", cosigned);
  WriteSeed("text.note", sign("Custos 审计日志\nline two\n", k.log, kLogName));
  WriteSeed("other-key.note", sign(checkpoint, k.other, kLogName));
  std::string flipped = signed_cp;
  flipped[flipped.size() - 10] = flipped[flipped.size() - 10] == 'A' ? 'B' : 'A';
  WriteSeed("broken-signature.note", flipped);
  std::string changed = signed_cp;
  changed[kLogName.size() + 1] = '6';  // the size line: 5 → 6
  WriteSeed("broken-text.note", changed);
  WriteSeed("broken-no-blank-line.note", checkpoint);
  WriteSeed("vkey", note::FormatVerifierKey(kLogName, k.log.public_key));
  WriteSeed("vkey-witness", note::FormatVerifierKey("witness.example", k.other.public_key));
  std::string bad_vkey = note::FormatVerifierKey(kLogName, k.log.public_key);
  bad_vkey[kLogName.size() + 1] = bad_vkey[kLogName.size() + 1] == '0' ? '1' : '0';
  WriteSeed("broken-vkey-id", bad_vkey);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  TheKeys();
  if (fuzz::SeedDir() != nullptr) {
    WriteSeeds();
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Keys& k = TheKeys();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto v = note::ParseVerifierKey(input); v.ok()) {
    Require(v->key_id == note::Ed25519KeyId(v->name, v->public_key), "key ID matches the key");
    const std::string written = note::FormatVerifierKey(v->name, v->public_key);
    const size_t p1 = v->name.size() + 1;
    Require(written.size() == size && written.compare(0, p1, input.substr(0, p1)) == 0 &&
                written.substr(p1, 8) == Lower(input.substr(p1, 8)) &&
                written.compare(p1 + 8, std::string::npos, input.substr(p1 + 8)) == 0,
            "a verifier key is written back as it was read");
  }

  auto parsed = note::Parse(input);
  if (parsed.ok()) {
    Require(!parsed->signatures.empty() && parsed->signatures.size() <= note::kMaxSignatures,
            "a note has 1 to kMaxSignatures signatures");
    Require(FormatNote(*parsed) == input, "a note is written back as it was read");
  }

  auto text = note::Open(input, k.verifier);
  if (!text.ok()) {
    const StatusCode c = text.status().code();
    Require(c == StatusCode::kInvalidArgument || c == StatusCode::kNotFound ||
                c == StatusCode::kDataLoss,
            "Open fails with kInvalidArgument, kNotFound or kDataLoss");
    return 0;
  }
  Require(parsed.ok() && *text == parsed->text, "Open returns the note's text");
  const std::string expected = Ed25519Sign(k.log.secret_key, *text);
  bool by_key = false;
  for (const note::Signature& s : parsed->signatures) {
    if (s.name != k.verifier.name || s.key_id != k.verifier.key_id) continue;
    by_key = true;
    Require(s.signature == expected, "SECURITY: an accepted signature is the key's own");
  }
  Require(by_key, "an opened note carries a signature line of the key");

  if (auto cp = ParseCheckpoint(*text); cp.ok()) {
    Require(FormatCheckpoint(*cp) == *text, "a checkpoint is written back as it was read");
  }
  return 0;
}
