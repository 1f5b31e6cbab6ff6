#include "vault/store/crypto.h"

#include <gtest/gtest.h>

#include "base/encoding.h"

namespace custos::vault {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitCrypto().ok()); }
};

TEST_F(CryptoTest, Sha256KnownAnswer) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256Hasher h;
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Finish(), Sha256("abc"));
}

TEST_F(CryptoTest, SealOpenRoundTrip) {
  SecretBytes key = RandomSecret(kAeadKeySize);
  std::string sealed = AeadSeal(key, "客户报价 12.5 万", "ad");
  auto opened = AeadOpen(key, sealed, "ad");
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, "客户报价 12.5 万");
  // Fresh nonce every time.
  EXPECT_NE(AeadSeal(key, "x", "ad"), AeadSeal(key, "x", "ad"));
}

TEST_F(CryptoTest, EverySingleByteFlipIsDataLoss) {
  SecretBytes key = RandomSecret(kAeadKeySize);
  const std::string sealed = AeadSeal(key, "trade secret: price floor 87.20", "records\0id-1");
  for (size_t i = 0; i < sealed.size(); ++i) {
    for (unsigned char mask : {0x01, 0x80, 0xff}) {
      std::string bad = sealed;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      auto r = AeadOpen(key, bad, "records\0id-1");
      ASSERT_FALSE(r.ok()) << "byte " << i;
      EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
    }
  }
}

TEST_F(CryptoTest, WrongKeyOrAdIsDataLoss) {
  SecretBytes key = RandomSecret(kAeadKeySize);
  std::string sealed = AeadSeal(key, "x", "table-a");
  EXPECT_EQ(AeadOpen(key, sealed, "table-b").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(RandomSecret(kAeadKeySize), sealed, "table-a").status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(AeadOpen(key, sealed.substr(0, 10), "table-a").status().code(), StatusCode::kDataLoss);
}

TEST_F(CryptoTest, Argon2idIsDeterministicPerSalt) {
  SecretBytes pass = SecretBytes::CopyOf("pw");
  std::string salt(kSaltSize, 's');
  auto a = DeriveKeyFromPassphrase(pass, salt, Argon2Params::ForTests());
  auto b = DeriveKeyFromPassphrase(pass, salt, Argon2Params::ForTests());
  auto c = DeriveKeyFromPassphrase(pass, std::string(kSaltSize, 't'), Argon2Params::ForTests());
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_TRUE(a->Equals(*b));
  EXPECT_FALSE(a->Equals(*c));
  EXPECT_FALSE(DeriveKeyFromPassphrase(pass, "short", Argon2Params::ForTests()).ok());
}

TEST_F(CryptoTest, PasswordHashVerifies) {
  auto h = HashPassword(SecretBytes::CopyOf("s3cret!"), Argon2Params::ForTests());
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(SecretBytes::CopyOf("s3cret!"), *h));
  EXPECT_FALSE(VerifyPassword(SecretBytes::CopyOf("s3cret?"), *h));
}

TEST_F(CryptoTest, Ed25519SignVerify) {
  Ed25519KeyPair kp = GenerateEd25519();
  std::string sig = Ed25519Sign(kp.secret_key, "document-hash");
  EXPECT_TRUE(Ed25519Verify(kp.public_key, "document-hash", sig));
  EXPECT_FALSE(Ed25519Verify(kp.public_key, "document-hasH", sig));
  sig[0] = static_cast<char>(sig[0] ^ 1);
  EXPECT_FALSE(Ed25519Verify(kp.public_key, "document-hash", sig));
  // RFC 8032 test 1: empty message.
  auto seed = HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  auto kp1 = Ed25519FromSeed(SecretBytes::CopyOf(*seed));
  ASSERT_TRUE(kp1.ok());
  EXPECT_EQ(HexEncode(kp1->public_key),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  EXPECT_EQ(HexEncode(Ed25519Sign(kp1->secret_key, "")),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST_F(CryptoTest, SubkeysDifferByIdAndContext) {
  SecretBytes master = RandomSecret(32);
  EXPECT_FALSE(DeriveSubkey(master, 1, "custosdk").Equals(DeriveSubkey(master, 2, "custosdk")));
  EXPECT_FALSE(DeriveSubkey(master, 1, "custosdk").Equals(DeriveSubkey(master, 1, "custosix")));
  EXPECT_TRUE(DeriveSubkey(master, 1, "custosdk").Equals(DeriveSubkey(master, 1, "custosdk")));
}

}  // namespace
}  // namespace custos::vault
