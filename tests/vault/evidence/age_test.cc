// Tests of the age encryptor (vault/evidence/age.h). Files it writes are
// decrypted by the reference implementation's `age` command (Debian package
// "age", installed by scripts/setup.sh and in CI; a missing `age` fails these
// tests, it does not skip them). The format's pieces are checked against
// RFC 5869, BIP 173 and the age test kit (C2SP/CCTV).
#include "vault/evidence/age.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "base/encoding.h"
#include "tests/vault/test_util.h"
#include "vault/evidence/internal/age_format.h"
#include "vault/evidence/internal/bech32.h"
#include "vault/store/crypto.h"
#include "vault/store/secret.h"

namespace custos::vault::evidence {
namespace {

using internal::kAgeChunkSize;
using vault::testing::TempDir;

// ---- helpers ----------------------------------------------------------------

std::string Hex(std::string_view hex) {
  auto raw = HexDecode(hex);
  if (!raw.ok()) Die("test: bad hex");
  return *raw;
}

// Base64 without padding → bytes (the age header's encoding).
std::string Unbase64(std::string b64) {
  while (b64.size() % 4 != 0) b64.push_back('=');
  auto raw = Base64Decode(b64);
  if (!raw.ok()) Die("test: bad base64");
  return *raw;
}

std::string Pseudorandom(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (char& c : out) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x);
  }
  return out;
}

// The test's own BIP 173 encoder, written independently of the decoder
// under test, to build strings with valid checksums around wrong parts.
uint32_t Polymod(const std::vector<uint8_t>& values) {
  const uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    const uint32_t b = chk >> 25;
    chk = (chk & 0x1ffffff) << 5 ^ v;
    for (int i = 0; i < 5; ++i) chk ^= ((b >> i) & 1) ? gen[i] : 0;
  }
  return chk;
}

std::string Bech32Encode(std::string_view hrp, const std::vector<uint8_t>& data5) {
  static constexpr char kAlphabet[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  std::vector<uint8_t> values;
  for (char c : hrp) values.push_back(static_cast<uint8_t>(c) >> 5);
  values.push_back(0);
  for (char c : hrp) values.push_back(static_cast<uint8_t>(c) & 31);
  values.insert(values.end(), data5.begin(), data5.end());
  values.insert(values.end(), 6, 0);
  const uint32_t checksum = Polymod(values) ^ 1;
  std::string out(hrp);
  out.push_back('1');
  for (uint8_t v : data5) out.push_back(kAlphabet[v]);
  for (int i = 0; i < 6; ++i) out.push_back(kAlphabet[(checksum >> (5 * (5 - i))) & 31]);
  return out;
}

// Bytes → 5-bit groups, the last one padded with zero bits.
std::vector<uint8_t> FiveBit(std::string_view bytes) {
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : bytes) {
    acc = (acc << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back((acc >> bits) & 31);
    }
  }
  if (bits > 0) out.push_back((acc << (5 - bits)) & 31);
  return out;
}

std::string Upper(std::string s) {
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) Die("test: cannot write " + path);
}

// Encrypts `plaintext` to `recipients`, written in pieces of the sizes in
// `pieces` (cycled; empty: one Write).
std::string Encrypt(const std::vector<std::string>& recipients, std::string_view plaintext,
                    const std::vector<size_t>& pieces = {}) {
  std::string out;
  auto enc = AgeEncryptor::Start(recipients, [&out](std::string_view b) {
    out.append(b);
    return Status::Ok();
  });
  EXPECT_TRUE(enc.ok()) << enc.status().ToString();
  if (!enc.ok()) return out;
  size_t pos = 0;
  for (size_t i = 0; pos < plaintext.size() || (pieces.empty() && i == 0); ++i) {
    const size_t n = pieces.empty() ? plaintext.size() : pieces[i % pieces.size()];
    const std::string_view piece = plaintext.substr(pos, n);
    const Status s = (*enc)->Write(piece);
    EXPECT_TRUE(s.ok()) << s.ToString();
    pos += piece.size();
  }
  const Status s = (*enc)->Finish();
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// The header's length: up to and including the MAC line's newline.
size_t HeaderLength(std::string_view file) {
  const size_t mac = file.find("\n--- ");
  if (mac == std::string_view::npos) return std::string_view::npos;
  return file.find('\n', mac + 1) + 1;
}

// The payload's size for `n` plaintext bytes: the nonce, then 64 KiB
// chunks with their tags; a payload ending on a chunk boundary has no
// extra empty chunk, and an empty one is one empty final chunk.
size_t PayloadSize(size_t n) {
  const size_t chunks = n == 0 ? 1 : (n + kAgeChunkSize - 1) / kAgeChunkSize;
  return internal::kAgePayloadNonceSize + n + chunks * internal::kAgeTagSize;
}

// ---- ParseAgeRecipient --------------------------------------------------------

// From c2sp.org/age, "The X25519 recipient type".
constexpr std::string_view kSpecRecipient =
    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

TEST(AgeRecipientTest, AcceptsTheSpecExampleInEitherCase) {
  auto key = ParseAgeRecipient(kSpecRecipient);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->size(), 32u);
  auto upper = ParseAgeRecipient(Upper(std::string(kSpecRecipient)));
  ASSERT_TRUE(upper.ok()) << upper.status().ToString();
  EXPECT_EQ(*upper, *key);
  // Our encoder and the decoder agree on the bytes.
  EXPECT_EQ(Bech32Encode("age", FiveBit(*key)), kSpecRecipient);
}

void ExpectRefused(std::string_view text, std::string_view why) {
  auto key = ParseAgeRecipient(text);
  ASSERT_FALSE(key.ok()) << why;
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument) << why;
  // SECURITY: a user may paste a secret key; it must not reach a message.
  if (text.size() >= 8) {
    EXPECT_EQ(key.status().message().find(text), std::string::npos) << why;
  }
}

TEST(AgeRecipientTest, RefusesEveryOneCharacterChange) {
  static constexpr std::string_view kAlphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  const std::string good(kSpecRecipient);
  int tried = 0;
  for (size_t i = 4; i < good.size(); ++i) {
    for (char c : kAlphabet) {
      if (c == good[i]) continue;
      std::string bad = good;
      bad[i] = c;
      ExpectRefused(bad, "position " + std::to_string(i) + " → " + c);
      ++tried;
    }
  }
  EXPECT_EQ(tried, 58 * 31);
  for (size_t i = 4; i + 1 < good.size(); ++i) {
    if (good[i] == good[i + 1]) continue;
    std::string swapped = good;
    std::swap(swapped[i], swapped[i + 1]);
    ExpectRefused(swapped, "swapped at " + std::to_string(i));
  }
}

TEST(AgeRecipientTest, RefusesOtherHumanReadablePartsAndLengths) {
  auto parsed = ParseAgeRecipient(kSpecRecipient);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const std::string key = *parsed;
  // Valid Bech32 strings that are not X25519 recipients.
  ExpectRefused(Bech32Encode("agf", FiveBit(key)), "hrp agf");
  ExpectRefused(Bech32Encode("ag", FiveBit(key)), "hrp ag");
  ExpectRefused(Bech32Encode("age1pq", FiveBit(key + key)), "post-quantum recipient");
  ExpectRefused(Bech32Encode("age1yubikey", FiveBit(key + "x")), "plugin recipient");
  ExpectRefused(Bech32Encode("age-secret-key-", FiveBit(key)), "secret key");
  ExpectRefused(Upper(Bech32Encode("age-secret-key-", FiveBit(key))), "SECRET KEY");
  // From c2sp.org/age, "The tagged recipient types".
  ExpectRefused("age1tag1qt8lw0ual6avlwmwatk888yqnmdamm7xfd0wak53ut6elz5c4swx2yqdj4e", "age1tag");
  // "age1…" with a valid checksum around the wrong number of bytes.
  ExpectRefused(Bech32Encode("age", FiveBit(key.substr(1))), "31 bytes");
  ExpectRefused(Bech32Encode("age", FiveBit(key + "x")), "33 bytes");
  ExpectRefused(Bech32Encode("age", FiveBit(key + key)), "64 bytes");
  ExpectRefused(Bech32Encode("age", {}), "no data");
  // 32 bytes, but the 4 padding bits of the last group are not zero.
  std::vector<uint8_t> padded = FiveBit(key);
  padded.back() |= 1;
  ExpectRefused(Bech32Encode("age", padded), "non-zero padding");
}

TEST(AgeRecipientTest, RefusesMixedCaseAndGarbage) {
  const std::string good(kSpecRecipient);
  std::string mixed = good;
  mixed[10] = static_cast<char>(mixed[10] - 'a' + 'A');
  ExpectRefused(mixed, "one upper-case letter");
  ExpectRefused("AGE" + good.substr(3), "upper-case hrp only");
  for (const std::string& bad :
       std::vector<std::string>{"", "age", "age1", "1", "age1" + std::string(58, 'q'),
                                "age1" + std::string(58, 'b'), " " + good, good + " ", good + "\n",
                                good.substr(0, 20) + std::string(1, '\0') + good.substr(21),
                                "age1\xc3\xa9" + good.substr(6), good.substr(0, 61),
                                std::string(100000, 'q'), good + good}) {
    ExpectRefused(bad, "garbage of " + std::to_string(bad.size()) + " bytes");
  }
}

// ---- Bech32 (BIP 173 test vectors) ---------------------------------------------

TEST(Bech32Test, DecodesTheBip173ValidVectors) {
  static constexpr std::string_view kAn83 =
      "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio";
  struct Case {
    std::string text, hrp;
    size_t bytes;
  };
  for (const Case& c : std::vector<Case>{
           {"A12UEL5L", "a", 0},
           {"a12uel5l", "a", 0},
           {std::string(kAn83) + "1tt5tgs", std::string(kAn83), 0},
           {"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", "abcdef", 20},
           {"11" + std::string(82, 'q') + "c8247j", "1", 51},
           {"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "split", 30},
           {"?1ezyfcl", "?", 0},
       }) {
    std::string out(c.bytes, '\0');
    const Status s = internal::Bech32Decode(reinterpret_cast<unsigned char*>(out.data()),
                                            out.size(), c.hrp, c.text);
    EXPECT_TRUE(s.ok()) << c.text << ": " << s.ToString();
  }
  std::string out(20, '\0');
  ASSERT_TRUE(internal::Bech32Decode(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                                     "abcdef", "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")
                  .ok());
  // The data part is the alphabet in order: the values 0, 1, …, 31.
  EXPECT_EQ(HexEncode(out), "00443214c74254b635cf84653a56d7c675be77df");
}

TEST(Bech32Test, RefusesTheBip173InvalidVectors) {
  struct Case {
    std::string text, hrp;
  };
  for (const Case& c : std::vector<Case>{
           {std::string("\x20") + "1nwldj5", " "},  // hrp character out of range
           {std::string("\x7f") + "1axkwrx", "\x7f"},
           {std::string("\x80") + "1eym55h", "\x80"},
           {"pzry9x0s0muk", "pzry9x0s0muk"},  // no separator
           {"1pzry9x0s0muk", ""},             // empty hrp
           {"x1b4n0q5v", "x"},                // invalid data character
           {"li1dgmt3", "li"},                // too short checksum
           {"de1lg7wt\xff", "de"},            // invalid character in checksum
           {"A1G7SGD8", "a"},                 // checksum calculated with upper-case hrp
           {"10a06t8", ""},                   // empty hrp
           {"1qzzfhee", ""},                  // empty hrp
           {"a12UEL5L", "a"},                 // mixed case
           {"A12uEL5L", "a"},
       }) {
    const Status s = internal::Bech32Decode(nullptr, 0, c.hrp, c.text);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.text;
  }
}

// ---- HKDF-SHA-256 (RFC 5869, Appendix A) ------------------------------------------

TEST(HkdfTest, MatchesRfc5869TestCases) {
  const SecretBytes ikm = SecretBytes::CopyOf(std::string(22, '\x0b'));
  // Test case 1.
  SecretBytes okm =
      internal::HkdfSha256(ikm, Hex("000102030405060708090a0b0c"), Hex("f0f1f2f3f4f5f6f7f8f9"), 42);
  EXPECT_EQ(HexEncode(okm.view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  // Test case 3: empty salt and info (the age header key uses an empty salt).
  okm = internal::HkdfSha256(ikm, "", "", 42);
  EXPECT_EQ(HexEncode(okm.view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
  // The default length is the first 32 bytes of the same output.
  EXPECT_EQ(HexEncode(internal::HkdfSha256(ikm, "", "").view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d");
}

// ---- the format's pieces against the age test kit --------------------------------

// C2SP/CCTV, age/testdata/x25519 (commit 1e3d286): a file encrypted to the
// test kit's X25519 identity with file key "YELLOW SUBMARINE", payload "age".
constexpr std::string_view kKitIdentity =
    "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0";
constexpr std::string_view kKitFileKey = "YELLOW SUBMARINE";
constexpr std::string_view kKitShare = "TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc";
constexpr std::string_view kKitHeader =
    "age-encryption.org/v1\n"
    "-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\n"
    "hjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n"
    "--- WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg\n";
constexpr std::string_view kKitPayloadHex =
    "eecf62c7ce91b433274e68d4f2f9134c"  // nonce
    "b74c5bfef7beaa52c8f0bc0e992c1e8331fb66";
// age/testdata/x25519_low_order: a share whose shared secret is all zero.
constexpr std::string_view kKitLowOrderShare = "X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEdc";

SecretBytes KitIdentity() {
  SecretBytes identity(32);
  const Status s =
      internal::Bech32Decode(identity.data(), identity.size(), "age-secret-key-", kKitIdentity);
  if (!s.ok()) Die("test: the kit identity does not decode: " + s.ToString());
  return identity;
}

// The test kit's vectors can be checked from the decrypting side: the
// identity and the stanza's share give the same shared secret as the
// sender's ephemeral secret and the recipient did.
TEST(AgeFormatTest, ReproducesTheTestKitX25519File) {
  ASSERT_TRUE(InitCrypto().ok());
  const SecretBytes identity = KitIdentity();
  const SecretBytes file_key = SecretBytes::CopyOf(kKitFileKey);
  const std::string recipient = internal::X25519Public(identity);
  // The identity's recipient round-trips through our Bech32 as "age1…".
  auto parsed = ParseAgeRecipient(Bech32Encode("age", FiveBit(recipient)));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, recipient);

  const std::string share = Unbase64(std::string(kKitShare));
  ASSERT_EQ(internal::Base64NoPad(share), kKitShare);
  auto shared = internal::X25519Shared(identity, share);
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  const std::string body = internal::X25519StanzaBody(*shared, share, recipient, file_key);
  EXPECT_EQ(internal::Base64NoPad(body), "hjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE");
  // Header: stanza layout and MAC.
  EXPECT_EQ(internal::FormatAgeHeader({{{"X25519", std::string(kKitShare)}, body}}, file_key),
            kKitHeader);
  // Payload: one final chunk "age" under HKDF(file key, nonce, "payload").
  const std::string payload = Hex(kKitPayloadHex);
  const std::string nonce = payload.substr(0, internal::kAgePayloadNonceSize);
  const SecretBytes payload_key = internal::AgePayloadKey(file_key, nonce);
  std::string sealed;
  internal::SealAgeChunk(&sealed, payload_key, 0, /*last=*/true, "age");
  EXPECT_EQ(HexEncode(sealed), HexEncode(payload.substr(internal::kAgePayloadNonceSize)));
  // The kit's "payload:" line is SHA-256 of the plaintext.
  EXPECT_EQ(HexEncode(Sha256("age")),
            "013f54400c82da08037759ada907a8b864e97de81c088a182062c4b5622fd2ab");
}

TEST(AgeFormatTest, RefusesALowOrderShare) {
  ASSERT_TRUE(InitCrypto().ok());
  auto shared = internal::X25519Shared(KitIdentity(), Unbase64(std::string(kKitLowOrderShare)));
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(internal::X25519Shared(KitIdentity(), std::string(32, '\0')).ok());
}

TEST(AgeFormatTest, WrapsStanzaBodiesAt64ColumnsEndingWithAShortLine) {
  struct Case {
    size_t body_bytes;
    std::vector<size_t> line_lengths;
  };
  for (const Case& c : std::vector<Case>{{0, {0}},
                                         {1, {2}},
                                         {32, {43}},
                                         {47, {63}},
                                         {48, {64, 0}},
                                         {49, {64, 2}},
                                         {96, {64, 64, 0}},
                                         {100, {64, 64, 6}}}) {
    const std::string body = Pseudorandom(c.body_bytes, 7);
    std::string text;
    internal::AppendAgeStanza(&text, {{"t", "a1", "b+/"}, body});
    ASSERT_EQ(text.substr(0, 12), "-> t a1 b+/\n");
    std::vector<size_t> lengths;
    std::string b64;
    for (size_t pos = 12; pos < text.size();) {
      const size_t nl = text.find('\n', pos);
      ASSERT_NE(nl, std::string::npos);
      lengths.push_back(nl - pos);
      b64 += text.substr(pos, nl - pos);
      pos = nl + 1;
    }
    EXPECT_EQ(lengths, c.line_lengths) << c.body_bytes << " bytes";
    EXPECT_EQ(b64.find('='), std::string::npos);
    EXPECT_EQ(Unbase64(b64), body);
  }
}

// ---- AgeEncryptor without the age command --------------------------------------

TEST(AgeEncryptorTest, StartRefusesNoOrBadRecipientsAndWritesNothing) {
  int calls = 0;
  auto sink = [&calls](std::string_view) {
    ++calls;
    return Status::Ok();
  };
  auto none = AgeEncryptor::Start({}, sink);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);

  auto bad = AgeEncryptor::Start({std::string(kSpecRecipient), "age1nope"}, sink);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("recipient 2"), std::string::npos)
      << bad.status().message();

  // A low-order point (here 0): the shared secret would be all zero.
  auto low = AgeEncryptor::Start({Bech32Encode("age", FiveBit(std::string(32, '\0')))}, sink);
  ASSERT_FALSE(low.ok());
  EXPECT_EQ(low.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(low.status().message().find("low-order"), std::string::npos) << low.status().message();
  EXPECT_EQ(calls, 0);
}

TEST(AgeEncryptorTest, WriteAndFinishAfterFinishFail) {
  std::string out;
  auto enc = AgeEncryptor::Start({std::string(kSpecRecipient)}, [&out](std::string_view b) {
    out.append(b);
    return Status::Ok();
  });
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  ASSERT_TRUE((*enc)->Write("evidence").ok());
  ASSERT_TRUE((*enc)->Finish().ok());
  const size_t size = out.size();
  EXPECT_EQ((*enc)->Write("more").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*enc)->Write("").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*enc)->Finish().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.size(), size);
}

TEST(AgeEncryptorTest, ASinkErrorStopsTheEncryption) {
  auto failing_start = AgeEncryptor::Start({std::string(kSpecRecipient)}, [](std::string_view) {
    return Status::Unavailable("disk full");
  });
  ASSERT_FALSE(failing_start.ok());
  EXPECT_EQ(failing_start.status(), Status::Unavailable("disk full"));

  int calls = 0;
  auto enc = AgeEncryptor::Start({std::string(kSpecRecipient)}, [&calls](std::string_view) {
    return ++calls == 1 ? Status::Ok() : Status::Unavailable("disk full");
  });
  ASSERT_TRUE(enc.ok());
  // One full chunk is held back until more plaintext follows.
  ASSERT_TRUE((*enc)->Write(std::string(kAgeChunkSize, 'x')).ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ((*enc)->Write("y"), Status::Unavailable("disk full"));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ((*enc)->Write("z").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*enc)->Finish().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(calls, 2);
}

TEST(AgeEncryptorTest, WritesTheSpecsHeaderShapeWithFreshKeys) {
  const std::string other = Bech32Encode("age", FiveBit(Pseudorandom(32, 3)));
  const std::string file = Encrypt({std::string(kSpecRecipient), other}, "hello");
  const size_t header_len = HeaderLength(file);
  ASSERT_NE(header_len, std::string::npos);
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < header_len;) {
    const size_t nl = file.find('\n', pos);
    lines.push_back(file.substr(pos, nl - pos));
    pos = nl + 1;
  }
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], "age-encryption.org/v1");
  for (int i : {1, 3}) {
    ASSERT_EQ(lines[i].substr(0, 10), "-> X25519 ");
    EXPECT_EQ(lines[i].size(), 10u + 43u);
    EXPECT_EQ(Unbase64(lines[i].substr(10)).size(), 32u);
    EXPECT_EQ(lines[i + 1].size(), 43u);  // 32-byte body: one short line
  }
  EXPECT_NE(lines[1], lines[3]);  // one ephemeral share per stanza
  ASSERT_EQ(lines[5].substr(0, 4), "--- ");
  EXPECT_EQ(lines[5].size(), 4u + 43u);
  EXPECT_EQ(file.size(), header_len + PayloadSize(5));

  // A second file has a fresh file key and nonce: nothing repeats.
  const std::string again = Encrypt({std::string(kSpecRecipient), other}, "hello");
  EXPECT_NE(again.substr(0, HeaderLength(again)), file.substr(0, header_len));
  EXPECT_NE(again.substr(HeaderLength(again), 16), file.substr(header_len, 16));
}

// ---- AgeEncryptor against the age command ------------------------------------------

class AgeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    // Not a skip: the encryptor's whole promise is that `age` reads its output.
    ASSERT_EQ(std::system("command -v age >/dev/null && command -v age-keygen >/dev/null"), 0)
        << "the `age` and `age-keygen` commands are required (Debian package 'age'; "
           "scripts/setup.sh installs it)";
  }

  struct Identity {
    std::string key_file;
    std::string recipient;
  };

  Identity NewIdentity(const std::string& name) {
    Identity id{Path(name + ".key"), ""};
    EXPECT_EQ(Run("age-keygen -o '" + id.key_file + "'"), 0) << stderr_;
    EXPECT_EQ(Run("age-keygen -y '" + id.key_file + "' > '" + Path(name + ".pub") + "'"), 0)
        << stderr_;
    id.recipient = ReadFile(Path(name + ".pub"));
    while (!id.recipient.empty() && id.recipient.back() == '\n') id.recipient.pop_back();
    return id;
  }

  // Runs `age --decrypt`; true and the plaintext in `out` when it succeeds.
  bool AgeDecrypts(const Identity& id, std::string_view file, std::string* out = nullptr) {
    const std::string in = Path("in.age");
    const std::string plain = Path("out.bin");
    WriteFile(in, file);
    std::remove(plain.c_str());
    const int rc = Run("age --decrypt -i '" + id.key_file + "' -o '" + plain + "' '" + in + "'");
    if (out != nullptr) *out = ReadFile(plain);
    return rc == 0;
  }

  std::string Path(const std::string& name) const { return dir_.path() + "/" + name; }

  // The command's exit code; its stderr is kept in stderr_.
  int Run(const std::string& cmd) {
    const std::string err = Path("stderr.txt");
    const int rc = std::system((cmd + " 2>'" + err + "'").c_str());
    stderr_ = ReadFile(err);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  TempDir dir_;
  std::string stderr_;
};

TEST_F(AgeCliTest, ParsesTheRecipientsAgeKeygenPrints) {
  for (int i = 0; i < 4; ++i) {
    const Identity id = NewIdentity("k" + std::to_string(i));
    auto key = ParseAgeRecipient(id.recipient);
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(Bech32Encode("age", FiveBit(*key)), id.recipient);
    auto upper = ParseAgeRecipient(Upper(id.recipient));
    ASSERT_TRUE(upper.ok());
    EXPECT_EQ(*upper, *key);
  }
}

TEST_F(AgeCliTest, AgeDecryptsEverySize) {
  const Identity id = NewIdentity("k");
  for (size_t size : {size_t{0}, size_t{1}, size_t{65535}, size_t{65536}, size_t{65537},
                      size_t{3 * 65536}, size_t{200000},
                      // More than 256 chunks: the counter carries into its
                      // second byte (big-endian).
                      size_t{257 * 65536 + 1}}) {
    const std::string plaintext = Pseudorandom(size, static_cast<uint32_t>(size));
    const std::string file = Encrypt({id.recipient}, plaintext);
    const size_t header_len = HeaderLength(file);
    ASSERT_NE(header_len, std::string::npos);
    EXPECT_EQ(file.size(), header_len + PayloadSize(size)) << size << " bytes";
    std::string decrypted;
    ASSERT_TRUE(AgeDecrypts(id, file, &decrypted)) << size << " bytes: " << stderr_;
    EXPECT_TRUE(decrypted == plaintext) << size << " bytes: decrypted " << decrypted.size();
  }
}

TEST_F(AgeCliTest, AgeDecryptsWritesInOddPieces) {
  const Identity id = NewIdentity("k");
  const std::vector<std::vector<size_t>> patterns = {
      {1}, {7, 4093, 0, 65536, 65537, 13}, {65535, 2}, {65536}, {100000, 31}};
  for (size_t size : {size_t{65536}, size_t{3 * 65536}, size_t{200000}}) {
    const std::string plaintext = Pseudorandom(size, 11);
    for (const std::vector<size_t>& pieces : patterns) {
      if (pieces == std::vector<size_t>{1} && size > 65536) continue;  // slow under ASan
      const std::string file = Encrypt({id.recipient}, plaintext, pieces);
      EXPECT_EQ(file.size(), HeaderLength(file) + PayloadSize(size));
      std::string decrypted;
      ASSERT_TRUE(AgeDecrypts(id, file, &decrypted)) << stderr_;
      EXPECT_TRUE(decrypted == plaintext) << size << " bytes in pieces of " << pieces[0] << "…";
    }
  }
}

TEST_F(AgeCliTest, EachOfTwoRecipientsDecryptsAndNoOneElse) {
  const Identity alice = NewIdentity("alice");
  const Identity bob = NewIdentity("bob");
  const Identity eve = NewIdentity("eve");
  const std::string plaintext = Pseudorandom(70000, 5);
  const std::string file = Encrypt({alice.recipient, bob.recipient}, plaintext);
  for (const Identity* id : {&alice, &bob}) {
    std::string decrypted;
    ASSERT_TRUE(AgeDecrypts(*id, file, &decrypted)) << stderr_;
    EXPECT_TRUE(decrypted == plaintext);
  }
  EXPECT_FALSE(AgeDecrypts(eve, file));
}

// Tamper tests: one changed byte anywhere makes `age` refuse the file.
TEST_F(AgeCliTest, AgeRefusesATamperedHeader) {
  const Identity id = NewIdentity("k");
  const std::string file = Encrypt({id.recipient}, "the formula");
  ASSERT_TRUE(AgeDecrypts(id, file)) << stderr_;
  const size_t header_len = HeaderLength(file);
  const size_t share = file.find("-> X25519 ") + 10;
  const size_t body = file.find('\n', share) + 1;
  const size_t mac = file.find("\n--- ") + 5;
  struct Case {
    size_t at;
    const char* what;
  };
  std::string version = file;
  version[1] = 'G';
  EXPECT_FALSE(AgeDecrypts(id, version)) << "version line";
  for (const Case& c : std::vector<Case>{{share + 5, "ephemeral share"},
                                         {share + 42, "last character of the share"},
                                         {body + 20, "stanza body"},
                                         {mac + 10, "MAC"},
                                         {mac + 42, "last character of the MAC"}}) {
    ASSERT_LT(c.at, header_len);
    std::string bad = file;
    // Another character of the same kind (a base64 digit stays one), so
    // what fails is the cryptography, not only the parser.
    bad[c.at] = bad[c.at] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(AgeDecrypts(id, bad)) << c.what;
  }
  // A changed MAC byte (decoded, one bit) is refused too.
  std::string mac_bits = file;
  std::string raw_mac = Unbase64(file.substr(mac, 43));
  raw_mac[31] = static_cast<char>(raw_mac[31] ^ 0x01);
  mac_bits.replace(mac, 43, internal::Base64NoPad(raw_mac));
  EXPECT_FALSE(AgeDecrypts(id, mac_bits)) << "MAC bit";
}

TEST_F(AgeCliTest, AgeRefusesATamperedPayload) {
  const Identity id = NewIdentity("k");
  const std::string file = Encrypt({id.recipient}, Pseudorandom(3 * 65536 + 5, 9));
  ASSERT_TRUE(AgeDecrypts(id, file)) << stderr_;
  const size_t payload = HeaderLength(file);
  const size_t chunk = kAgeChunkSize + internal::kAgeTagSize;
  const size_t first_chunk = payload + internal::kAgePayloadNonceSize;
  struct Case {
    size_t at;
    const char* what;
  };
  for (const Case& c : std::vector<Case>{{payload, "nonce"},
                                         {first_chunk + 1000, "first chunk"},
                                         {first_chunk + chunk - 1, "first chunk's tag"},
                                         {first_chunk + 2 * chunk + 7, "third chunk"},
                                         {file.size() - 21, "last chunk"},
                                         {file.size() - 1, "last tag"}}) {
    std::string bad = file;
    bad[c.at] = static_cast<char>(bad[c.at] ^ 0x01);
    EXPECT_FALSE(AgeDecrypts(id, bad)) << c.what;
  }
  // Cut after a whole chunk (no final chunk), extended, or chunks reordered.
  EXPECT_FALSE(AgeDecrypts(id, file.substr(0, first_chunk + 3 * chunk))) << "truncated";
  EXPECT_FALSE(AgeDecrypts(id, file + "x")) << "trailing byte";
  std::string swapped = file;
  swapped.replace(first_chunk, chunk, file, first_chunk + chunk, chunk);
  swapped.replace(first_chunk + chunk, chunk, file, first_chunk, chunk);
  EXPECT_FALSE(AgeDecrypts(id, swapped)) << "chunks swapped";
}

}  // namespace
}  // namespace custos::vault::evidence
