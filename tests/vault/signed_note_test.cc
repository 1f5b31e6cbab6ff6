#include "vault/audit/signed_note.h"

#include <string>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "vault/store/crypto.h"

namespace custos::vault::note {
namespace {

// The published test vector of golang.org/x/mod/sumdb/note (note_test.go):
// key "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz".
constexpr std::string_view kPeterSeedB64 = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kPeterVkey =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr std::string_view kPeterSig =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr std::string_view kEnochVkey =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr std::string_view kEnochSig =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

class SignedNoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    std::string raw = Base64Decode(kPeterSeedB64).value();
    ASSERT_EQ(raw.size(), 33u);
    ASSERT_EQ(raw[0], 0x01);
    auto pair = Ed25519FromSeed(SecretBytes::CopyOf(std::string_view(raw).substr(1)));
    ASSERT_TRUE(pair.ok());
    peter_ = std::move(pair).value();
  }
  Ed25519KeyPair peter_;
};

TEST_F(SignedNoteTest, ReproducesTheGoReferenceVector) {
  EXPECT_EQ(Ed25519KeyId("PeterNeumann", peter_.public_key), 0xc74f20a3u);
  EXPECT_EQ(FormatVerifierKey("PeterNeumann", peter_.public_key), kPeterVkey);
  auto signed_note = Sign(kText, "PeterNeumann", peter_.secret_key, peter_.public_key);
  ASSERT_TRUE(signed_note.ok()) << signed_note.status().ToString();
  EXPECT_EQ(*signed_note, std::string(kText) + "\n" + std::string(kPeterSig));
}

TEST_F(SignedNoteTest, OpensWithTheRightKeyOnly) {
  Verifier peter = ParseVerifierKey(kPeterVkey).value();
  Verifier enoch = ParseVerifierKey(kEnochVkey).value();
  EXPECT_EQ(peter.key_id, 0xc74f20a3u);
  std::string both = std::string(kText) + "\n" + std::string(kPeterSig) + std::string(kEnochSig);
  EXPECT_EQ(Open(both, peter).value(), kText);
  EXPECT_EQ(Open(both, enoch).value(), kText);
  std::string only_peter = std::string(kText) + "\n" + std::string(kPeterSig);
  EXPECT_EQ(Open(only_peter, enoch).status().code(), StatusCode::kNotFound);

  // Flip one byte of the text: the signature no longer verifies.
  std::string tampered = only_peter;
  tampered[3] ^= 0x01;
  EXPECT_EQ(Open(tampered, peter).status().code(), StatusCode::kDataLoss);
  // Same name, another key: the key ID differs, so it is not Peter's.
  Ed25519KeyPair other = GenerateEd25519();
  std::string forged = Sign(kText, "PeterNeumann", other.secret_key, other.public_key).value();
  EXPECT_EQ(Open(forged, peter).status().code(), StatusCode::kNotFound);
}

TEST_F(SignedNoteTest, RejectsMalformedNotesAndKeys) {
  Verifier peter = ParseVerifierKey(kPeterVkey).value();
  std::string t(kText);
  std::string s(kPeterSig);
  for (const std::string& bad :
       {t, t + "\n", t + "\n" + s.substr(0, s.size() - 1), "\x01" + t + "\n" + s,
        "\xff" + t + "\n" + s, t + "\n" + s + "Unexpected line.\n",
        t + "\n\xE2\x80\x94 Bad Name "
            "x08go/ZJkuBS9UG/"
            "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"}) {
    EXPECT_EQ(Open(bad, peter).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  std::string vkey(kPeterVkey);
  for (size_t i = 0; i < vkey.size(); ++i) {
    std::string mangled = vkey;
    mangled[i] = static_cast<char>(mangled[i] + 1);
    EXPECT_FALSE(ParseVerifierKey(mangled).ok()) << mangled;
  }
  EXPECT_FALSE(ParseVerifierKey(vkey.substr(0, vkey.size() - 1)).ok());
  EXPECT_FALSE(Sign("no newline", "PeterNeumann", peter_.secret_key, peter_.public_key).ok());
  EXPECT_FALSE(Sign(kText, "a+b", peter_.secret_key, peter_.public_key).ok());
}

TEST_F(SignedNoteTest, PublicKeyPem) {
  std::string pem = Ed25519PublicKeyPem(peter_.public_key);
  EXPECT_EQ(pem.rfind("-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA", 0), 0u) << pem;
  EXPECT_NE(pem.find("-----END PUBLIC KEY-----\n"), std::string::npos);
}

}  // namespace
}  // namespace custos::vault::note
