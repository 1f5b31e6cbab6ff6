// Fuzzes the opening of sealed values: what the vault reads back from its
// LMDB files (Vault::Impl::OpenValue: format byte, key version, then
// XChaCha20-Poly1305 over the value with the table, key and version as
// associated data) and the AEAD under it (vault/store/crypto.h, AeadOpen and
// AeadOpenSecret). Whoever can write the files can hand the vault any
// bytes; the target holds two fixed data keys and checks:
//   - a value that fails to open fails with kDataLoss, never a crash;
//   - SECURITY: the only inputs that open are the values in kKnown below,
//     which AeadSeal/SealValueInto made under these keys (a value sealed
//     for another table and key is among them and must not open): anything
//     else opening would be a forgery; each opens to its own plaintext;
//   - AeadOpen and AeadOpenSecret agree on every input;
//   - the input itself, sealed for this table and key, opens back to it,
//     and fails to open with one byte changed or under another key name.
// Seeds: CUSTOS_FUZZ_WRITE_SEEDS=tests/fuzz/corpus/sealed_value
// build-fuzz/tests/fuzz/sealed_value_fuzz (see seeds.h) writes kKnown and
// broken copies. New known values (after a format or key change):
// CUSTOS_FUZZ_PRINT_SEALED=1 build-fuzz/tests/fuzz/sealed_value_fuzz
// prints them sealed afresh.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "tests/fuzz/promise.h"
#include "tests/fuzz/seeds.h"
#include "vault/store/crypto.h"
#include "vault/store/internal/vault_impl.h"
#include "vault/store/tables.h"

namespace {

using namespace custos;
using namespace custos::vault;

constexpr Table kTable = tables::kRecords;
constexpr std::string_view kKey = "r-0001";
constexpr std::string_view kRawAd = "custos.fuzz.raw-ad";

using custos::fuzz::Require;

struct Known {
  const char* what;
  Table table;  // empty: a raw AEAD value under data key 1 and kRawAd
  std::string_view key;
  uint32_t version;
  std::string_view plaintext;
  const char* sealed_hex;
};

// Sealed once with CUSTOS_FUZZ_PRINT_SEALED (random nonces, so not
// reproducible; these bytes are the reference).
constexpr Known kKnown[] = {
    {"record", "records", "r-0001", 1, R"({"name":"苏州精密模具有限公司","notes":"A 型 95 元/件"})",
     "01000000017f1927f2fa2e2b712f8cd6490cc77a1a0000000000000000704115b2595f21a021012a39a8c87d6a0e4"
     "3f9cc3ac04134602defab82d46f31eea1c3412caa9c5dcf892ba7e0042fac930acf6ddd6c664ac3b8aa5971935fd7"
     "d723b1d20558a7449e635d07f3ca79fdcd3c62d8"},
    {"empty record", "records", "r-0001", 1, R"()",
     "01000000017f1927f2fa2e2b712f8cd6490cc77a1a010000000000000025643fdf8db989fa20df02ecf84dd541"},
    {"record, key version 2", "records", "r-0001", 2, R"({"name":"深圳市示例贸易有限公司"})",
     "01000000027f1927f2fa2e2b712f8cd6490cc77a1a02000000000000004e4abf19d8c98802ae16e185ca3b796837d"
     "d96089f20c90b410b4d88616edc58177bc2b40aea0a62156d6581903b7b872e61c279718e3ba23deda9f5"},
    {"another table and key", "users", "u-1", 1, R"({"username":"alice"})",
     "01000000017f1927f2fa2e2b712f8cd6490cc77a1a0300000000000000d73bfe8f49811ed413ff5ab8ccb8c463b14"
     "59b4848fabc88aa73ae183b21309e23e1755a"},
    {"raw AEAD", "", "", 1, R"(a wrapped key, 32 bytes long....)",
     "7f1927f2fa2e2b712f8cd6490cc77a1a04000000000000002fdf09dd4b3587b71dc1fc04b1f798da6b44d1f61f94e"
     "c91179e5f0759fe814ba7cee9e2ae827fcea26cd83127d591c8"},
};

struct Keys {
  Vault::Impl impl;  // data keys 1 and 2; no environment, no committer
  SecretBytes raw_key;
};

SecretBytes FixedKey(char fill) { return SecretBytes::CopyOf(std::string(kAeadKeySize, fill)); }

Keys& TheKeys() {
  static Keys* keys = [] {
    Require(InitCrypto().ok(), "libsodium initialises");
    auto* k = new Keys();
    k->impl.data_keys.emplace(1, FixedKey('\x31'));
    k->impl.data_keys.emplace(2, FixedKey('\x32'));
    k->impl.current_version = 1;
    k->raw_key = FixedKey('\x31');
    return k;
  }();
  return *keys;
}

std::string Bytes(const char* hex) {
  auto b = HexDecode(hex);
  Require(b.ok(), "kKnown holds hex");
  return *b;
}

void PrintSealed() {
  Keys& k = TheKeys();
  struct Plain {
    const char* what;
    Table table;
    std::string_view key;
    uint32_t version;
    std::string_view plaintext;
  };
  const Plain plains[] = {
      {"record", kTable, kKey, 1, R"({"name":"苏州精密模具有限公司","notes":"A 型 95 元/件"})"},
      {"empty record", kTable, kKey, 1, ""},
      {"record, key version 2", kTable, kKey, 2, R"({"name":"深圳市示例贸易有限公司"})"},
      {"another table and key", tables::kUsers, "u-1", 1, R"({"username":"alice"})"},
      {"raw AEAD", "", "", 1, "a wrapped key, 32 bytes long...."},
  };
  for (const Plain& p : plains) {
    std::string sealed;
    if (p.table.empty()) {
      sealed = AeadSeal(k.raw_key, p.plaintext, kRawAd);
    } else {
      k.impl.current_version = p.version;
      k.impl.SealValueInto(p.table, p.key, p.plaintext, &sealed);
    }
    std::printf("    {\"%s\", \"%.*s\", \"%.*s\", %u, R\"(%.*s)\",\n     \"%s\"},\n", p.what,
                static_cast<int>(p.table.size()), p.table.data(), static_cast<int>(p.key.size()),
                p.key.data(), p.version, static_cast<int>(p.plaintext.size()), p.plaintext.data(),
                HexEncode(sealed).c_str());
  }
  k.impl.current_version = 1;
}

void WriteSeeds() {
  int n = 0;
  for (const Known& known : kKnown) {
    const std::string sealed = Bytes(known.sealed_hex);
    const std::string name = "known-" + std::to_string(n++);
    fuzz::WriteSeed(name, sealed);
    std::string flipped = sealed;
    flipped[flipped.size() / 2] ^= 0x01;
    fuzz::WriteSeed(name + "-broken-flipped", flipped);
    fuzz::WriteSeed(name + "-broken-truncated", sealed.substr(0, sealed.size() - 1));
  }
  const std::string first = Bytes(kKnown[0].sealed_hex);
  std::string other_version = first;
  other_version[4] = '\x02';
  fuzz::WriteSeed("broken-other-version", other_version);
  std::string unknown_version = first;
  unknown_version[4] = '\x07';
  fuzz::WriteSeed("broken-unknown-version", unknown_version);
  fuzz::WriteSeed("broken-format", "\x02" + first.substr(1));
  fuzz::WriteSeed("broken-short", first.substr(0, 5 + kAeadNonceSize + kAeadTagSize - 1));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  TheKeys();
  if (std::getenv("CUSTOS_FUZZ_PRINT_SEALED") != nullptr) {
    PrintSealed();
    std::exit(0);
  }
  if (fuzz::SeedDir() != nullptr) {
    WriteSeeds();
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Keys& k = TheKeys();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto opened = k.impl.OpenValue(kTable, kKey, input);
  auto raw = AeadOpen(k.raw_key, input, kRawAd);
  if (!opened.ok()) {
    Require(opened.status().code() == StatusCode::kDataLoss, "a stored value fails with kDataLoss");
  }
  if (!raw.ok()) Require(raw.status().code() == StatusCode::kDataLoss, "AEAD fails with kDataLoss");
  auto raw_secret = AeadOpenSecret(k.raw_key, input, kRawAd);
  Require(raw_secret.ok() == raw.ok() && (!raw.ok() || raw_secret->view() == *raw),
          "AeadOpen and AeadOpenSecret agree");
  if (opened.ok() || raw.ok()) {
    bool known_value = false;
    for (const Known& known : kKnown) {
      if (Bytes(known.sealed_hex) != input) continue;
      if (opened.ok() && known.table == kTable && known.key == kKey) {
        Require(*opened == known.plaintext, "a known value opens to its plaintext");
        known_value = true;
      }
      if (raw.ok() && known.table.empty()) {
        Require(*raw == known.plaintext, "a known raw value opens to its plaintext");
        known_value = true;
      }
    }
    Require(known_value, "SECURITY: only values sealed under the key, for this name, open");
  }

  std::string sealed;
  k.impl.SealValueInto(kTable, kKey, input, &sealed);
  auto back = k.impl.OpenValue(kTable, kKey, sealed);
  Require(back.ok() && *back == input, "a sealed value opens back to its plaintext");
  Require(!k.impl.OpenValue(kTable, "r-0002", sealed).ok(),
          "SECURITY: a value does not open under another key name");
  Require(!k.impl.OpenValue(tables::kUsers, kKey, sealed).ok(),
          "SECURITY: a value does not open in another table");
  sealed[size % sealed.size()] ^= static_cast<char>(1 << (size % 8));
  auto tampered = k.impl.OpenValue(kTable, kKey, sealed);
  Require(!tampered.ok() && tampered.status().code() == StatusCode::kDataLoss,
          "SECURITY: a changed byte is kDataLoss");
  return 0;
}
