// Fuzzes the audit log's proofs as an outside verifier receives them
// (vault/audit/checkpoint.h, vault/audit/merkle.h): inclusion proofs in the
// c2sp.org/tlog-proof@v1 form (evidence bundles carry one per event) and
// consistency proofs between two checkpoints. The target holds a small log
// of kTreeSize events and its signing key. Two kinds of input:
//   - a tlog-proof: parsed, then checked the way a verifier does it (the
//     checkpoint opened with the log key, the event's leaf hash proven
//     against the checkpoint's root);
//   - "<old size> <new size>\n" then hash lines (ParseHashLines): a
//     consistency proof between the log's roots at those sizes.
// Checks:
//   - a parsed proof is written back and parses the same;
//   - SECURITY: an inclusion proof that verifies against the log's real
//     root is the log's own proof for that event and size, and a checkpoint
//     that opens with the log key names the log's real root for its size;
//     a consistency proof that verifies between real roots is the log's
//     own (with SHA-256, any other would be a collision);
//   - proofs for any sizes and indexes (up to 2^64 - 1) never crash or
//     hang, and an inclusion proof against a root no tree has never
//     verifies.
// Seeds: CUSTOS_FUZZ_WRITE_SEEDS=tests/fuzz/corpus/tlog_proof
// build-fuzz/tests/fuzz/tlog_proof_fuzz (see seeds.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

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
constexpr uint64_t kTreeSize = 23;

using custos::fuzz::Require;

struct Log {
  merkle::MemoryTree tree;
  std::vector<std::string> leaf_hashes;  // by index
  std::vector<std::string> roots;        // by size, 0..kTreeSize
  Ed25519KeyPair key;
  note::Verifier verifier;
  std::string bogus_root;  // the root of no tree

  std::vector<std::string> Inclusion(uint64_t index, uint64_t size) const {
    auto p = merkle::InclusionProof(tree.Reader(), index, size);
    Require(p.ok(), "the log proves its own events");
    return *p;
  }
  std::vector<std::string> Consistency(uint64_t old_size, uint64_t new_size) const {
    auto p = merkle::ConsistencyProof(tree.Reader(), old_size, new_size);
    Require(p.ok(), "the log proves its own growth");
    return *p;
  }
  std::string SignedCheckpoint(uint64_t size) const {
    auto n = note::Sign(FormatCheckpoint({std::string(kLogName), size, roots[size], {}}), kLogName,
                        key.secret_key, key.public_key);
    Require(n.ok(), "the log signs its checkpoints");
    return *n;
  }
};

const Log& TheLog() {
  static const Log* log = [] {
    Require(InitCrypto().ok(), "libsodium initialises");
    auto* l = new Log();
    for (uint64_t i = 0; i < kTreeSize; ++i) {
      l->leaf_hashes.push_back(merkle::LeafHash("event " + std::to_string(i)));
      l->tree.AppendLeafHash(l->leaf_hashes.back());
    }
    l->roots.push_back(merkle::EmptyRoot());
    for (uint64_t s = 1; s <= kTreeSize; ++s) {
      auto r = merkle::RootAt(l->tree.Reader(), s);
      Require(r.ok(), "the log has a root at every size");
      l->roots.push_back(*r);
    }
    auto key = Ed25519FromSeed(SecretBytes::CopyOf(std::string(kEd25519SeedSize, '\x11')));
    Require(key.ok(), "a fixed seed makes a key");
    l->key = std::move(key).value();
    auto v = note::ParseVerifierKey(note::FormatVerifierKey(kLogName, l->key.public_key));
    Require(v.ok(), "the log's verifier key parses");
    l->verifier = *v;
    l->bogus_root = Sha256("the root of no tree");
    return l;
  }();
  return *log;
}

void CheckInclusion(const Log& log, std::string_view input) {
  auto proof = ParseTlogProof(input);
  if (!proof.ok()) return;
  auto again = ParseTlogProof(FormatTlogProof(*proof));
  Require(again.ok() && again->extra == proof->extra && again->index == proof->index &&
              again->hashes == proof->hashes && again->checkpoint == proof->checkpoint,
          "a tlog-proof is written back and parses the same");

  // Whatever the checkpoint, the proof's shape is checked without crashing.
  const std::string& some_leaf = log.leaf_hashes[proof->index % kTreeSize];
  if (auto note = note::Parse(proof->checkpoint); note.ok()) {
    if (auto cp = ParseCheckpoint(note->text); cp.ok()) {
      (void)merkle::RootFromInclusionProof(proof->index, cp->size, some_leaf, proof->hashes);
      (void)merkle::VerifyInclusion(proof->index, cp->size, some_leaf, proof->hashes, cp->root);
    }
  }

  auto text = note::Open(proof->checkpoint, log.verifier);
  if (!text.ok()) return;
  auto cp = ParseCheckpoint(*text);
  if (!cp.ok()) return;
  Require(cp->size <= kTreeSize && cp->root == log.roots[cp->size],
          "SECURITY: a checkpoint the log key signed is the log's");
  if (proof->index >= cp->size) return;
  const Status s = merkle::VerifyInclusion(proof->index, cp->size, log.leaf_hashes[proof->index],
                                           proof->hashes, cp->root);
  if (s.ok()) {
    Require(proof->hashes == log.Inclusion(proof->index, cp->size),
            "SECURITY: an inclusion proof that verifies is the log's own");
  }
  Require(!merkle::VerifyInclusion(proof->index, cp->size, log.leaf_hashes[proof->index],
                                   proof->hashes, log.bogus_root)
               .ok(),
          "SECURITY: nothing is proven against a root of no tree");
}

void CheckConsistency(const Log& log, std::string_view input) {
  const size_t eol = input.find('\n');
  if (eol == std::string_view::npos) return;
  const std::string_view first = input.substr(0, eol);
  const size_t sp = first.find(' ');
  if (sp == std::string_view::npos) return;
  auto old_size = ParseDecimal(first.substr(0, sp));
  auto new_size = ParseDecimal(first.substr(sp + 1));
  auto proof = ParseHashLines(input.substr(eol + 1));
  if (!old_size.ok() || !new_size.ok() || !proof.ok()) return;
  Require(ParseHashLines(FormatHashLines(*proof)).value() == *proof,
          "hash lines are written back and parse the same");
  if (*old_size > kTreeSize || *new_size > kTreeSize) {
    (void)merkle::VerifyConsistency(*old_size, *new_size, log.bogus_root, log.roots[kTreeSize],
                                    *proof);
    return;
  }
  const Status s = merkle::VerifyConsistency(*old_size, *new_size, log.roots[*old_size],
                                             log.roots[*new_size], *proof);
  if (s.ok() && *old_size <= *new_size) {
    Require(*proof == log.Consistency(*old_size, *new_size),
            "SECURITY: a consistency proof that verifies is the log's own");
  }
  if (*old_size < *new_size) {
    Require(!merkle::VerifyConsistency(*old_size, *new_size, log.bogus_root, log.roots[*new_size],
                                       *proof)
                 .ok(),
            "SECURITY: no tree is consistent with a root of no tree");
  }
}

void WriteSeeds() {
  using fuzz::WriteSeed;
  const Log& log = TheLog();
  for (auto [index, size] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 1}, {0, 23}, {7, 8}, {12, 23}, {22, 23}, {5, 16}}) {
    TlogProof p{"", index, log.Inclusion(index, size), log.SignedCheckpoint(size)};
    WriteSeed("inclusion-" + std::to_string(index) + "-" + std::to_string(size),
              FormatTlogProof(p));
  }
  TlogProof extra{"extra bytes", 3, log.Inclusion(3, 10), log.SignedCheckpoint(10)};
  WriteSeed("inclusion-extra", FormatTlogProof(extra));
  TlogProof wrong = extra;
  wrong.index = 4;
  WriteSeed("broken-inclusion-index", FormatTlogProof(wrong));
  TlogProof short_proof = extra;
  short_proof.hashes.pop_back();
  WriteSeed("broken-inclusion-short", FormatTlogProof(short_proof));
  TlogProof huge{"", UINT64_MAX - 1, log.Inclusion(3, 10), log.SignedCheckpoint(10)};
  WriteSeed("broken-inclusion-huge-index", FormatTlogProof(huge));
  for (auto [old_size, new_size] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1, 2}, {4, 23}, {7, 23}, {13, 17}, {0, 5}, {23, 23}}) {
    WriteSeed("consistency-" + std::to_string(old_size) + "-" + std::to_string(new_size),
              std::to_string(old_size) + " " + std::to_string(new_size) + "\n" +
                  FormatHashLines(log.Consistency(old_size, new_size)));
  }
  std::vector<std::string> swapped = log.Consistency(7, 23);
  std::swap(swapped[0], swapped[1]);
  WriteSeed("broken-consistency-swapped", "7 23\n" + FormatHashLines(swapped));
  WriteSeed("broken-consistency-huge",
            "18446744073709551615 18446744073709551615\n" + FormatHashLines(swapped));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  TheLog();
  if (fuzz::SeedDir() != nullptr) {
    WriteSeeds();
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Log& log = TheLog();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.starts_with(kTlogProofHeader)) {
    CheckInclusion(log, input);
  } else {
    CheckConsistency(log, input);
  }
  return 0;
}
