// Personal signing keys and signatures: a valid signature verifies; a changed
// document, another user's key or an edited statement fails; without the
// user's password nobody (an administrator included) can unwrap the key.
#include "vault/agreements/signing.h"

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "tests/vault/test_util.h"
#include "vault/access/users.h"

namespace custos::vault {
namespace {

using testing::TempDir;

class SigningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vault_ = testing::CreateTestVault(dir_.path());
    alice_ = Add("alice", "alice-password-1");
    bob_ = Add("bob", "bob-password-22");
  }
  User Add(const std::string& name, const std::string& password) {
    User u;
    u.username = name;
    u.display_name = name;
    u.roles = {policy::Role::kBorrower};
    u.password_hash = *HashPassword(SecretBytes::CopyOf(password), Argon2Params::ForTests());
    User out;
    Status st = vault_->Write([&](WriteTxn& txn) -> Status {
      CUSTOS_ASSIGN_OR_RETURN(out, CreateUser(txn, u));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }
  Result<UnlockedKey> Obtain(const User& u, const std::string& password) {
    return ObtainSigningKey(*vault_, u, SecretBytes::CopyOf(password), Argon2Params::ForTests(),
                            1000, {});
  }
  static SignatureStatement Statement(const User& u, std::string_view doc) {
    SignatureStatement s;
    s.agreement_id = "a-0123456789abcdef";
    s.document_sha256 = HexEncode(Sha256(doc));
    s.role = "employee";
    s.signer_id = u.id;
    s.signer_name = u.display_name;
    s.time = 1'800'000'000'123;
    return s;
  }

  TempDir dir_;
  std::unique_ptr<Vault> vault_;
  User alice_, bob_;
};

TEST_F(SigningTest, KeyIsCreatedOnFirstNeedAndReused) {
  auto first = Obtain(alice_, "alice-password-1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->record.version, 1u);
  auto again = Obtain(alice_, "alice-password-1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->record.public_key, first->record.public_key);
  EXPECT_EQ(again->record.version, 1u);
}

TEST_F(SigningTest, ValidSignatureVerifies) {
  auto key = Obtain(alice_, "alice-password-1");
  ASSERT_TRUE(key.ok());
  SignatureStatement s = Statement(alice_, "<html>agreement</html>");
  SignatureRecord sig = SignStatement(key->record, key->secret_key, s);
  EXPECT_TRUE(VerifySignatureRecord(sig, s).ok());
  // Verifiable with the public key alone, as an outside verifier would.
  EXPECT_TRUE(Ed25519Verify(sig.public_key, s.Canonical(), sig.signature));
  auto parsed = SignatureStatement::Parse(sig.statement);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->signer_id, alice_.id);
}

TEST_F(SigningTest, ChangedDocumentFails) {
  auto key = Obtain(alice_, "alice-password-1");
  ASSERT_TRUE(key.ok());
  SignatureRecord sig =
      SignStatement(key->record, key->secret_key, Statement(alice_, "<html>original</html>"));
  Status st = VerifySignatureRecord(sig, Statement(alice_, "<html>changed</html>"));
  EXPECT_EQ(st.code(), StatusCode::kDataLoss);
}

TEST_F(SigningTest, AnotherUsersKeyFails) {
  auto a = Obtain(alice_, "alice-password-1");
  auto b = Obtain(bob_, "bob-password-22");
  ASSERT_TRUE(a.ok() && b.ok());
  SignatureStatement s = Statement(alice_, "doc");
  SignatureRecord sig = SignStatement(a->record, a->secret_key, s);
  sig.public_key = b->record.public_key;  // claim Bob's key
  EXPECT_EQ(VerifySignatureRecord(sig, s).code(), StatusCode::kDataLoss);
  // Bob signing Alice's statement: verifies as a signature, but the key is
  // not one of Alice's.
  SignatureRecord forged = SignStatement(b->record, b->secret_key, s);
  EXPECT_TRUE(VerifySignatureRecord(forged, s).ok());
  auto txn = vault_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto own = IsUserPublicKey(**txn, alice_.id, forged.public_key);
  ASSERT_TRUE(own.ok());
  EXPECT_FALSE(*own);
}

TEST_F(SigningTest, EditedSignatureRecordFails) {
  auto key = Obtain(alice_, "alice-password-1");
  ASSERT_TRUE(key.ok());
  SignatureStatement s = Statement(alice_, "doc");
  SignatureRecord sig = SignStatement(key->record, key->secret_key, s);
  for (size_t i : {size_t{0}, size_t{31}, size_t{63}}) {
    SignatureRecord bad = sig;
    bad.signature[i] ^= 0x01;
    EXPECT_EQ(VerifySignatureRecord(bad, s).code(), StatusCode::kDataLoss) << i;
  }
  SignatureRecord renamed = sig;
  SignatureStatement other = s;
  other.signer_name = "Mallory";
  renamed.statement = other.Canonical();
  EXPECT_EQ(VerifySignatureRecord(renamed, other).code(), StatusCode::kDataLoss);
  SignatureStatement later = s;
  later.time += 1;
  EXPECT_EQ(VerifySignatureRecord(sig, later).code(), StatusCode::kDataLoss);
}

TEST_F(SigningTest, WrongPasswordCannotSign) {
  ASSERT_TRUE(Obtain(alice_, "alice-password-1").ok());
  auto wrong = Obtain(alice_, "not-her-password");
  EXPECT_EQ(wrong.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(SigningTest, AdministratorWithoutPasswordCannotUnwrap) {
  auto key = Obtain(alice_, "alice-password-1");
  ASSERT_TRUE(key.ok());
  // The administrator can read the stored record (they open the vault) and
  // even knows the login hash, but not the password: every guess fails, and
  // the wrapped blob does not open under any other key.
  auto txn = vault_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto rec = LatestSigningKey(**txn, alice_.id);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(UnlockSigningKey(*rec, alice_, SecretBytes::CopyOf("admin-guess")).status().code(),
            StatusCode::kUnauthenticated);
  // Even with the login check bypassed (a user record whose hash the admin
  // set to a password they know), the wrap key is derived from Alice's real
  // password, so the key stays sealed.
  User reset = alice_;
  auto admin_hash = HashPassword(SecretBytes::CopyOf("admin-chosen-1"), Argon2Params::ForTests());
  ASSERT_TRUE(admin_hash.ok());
  reset.password_hash = *admin_hash;
  EXPECT_EQ(UnlockSigningKey(*rec, reset, SecretBytes::CopyOf("admin-chosen-1")).status().code(),
            StatusCode::kFailedPrecondition);
  // The blob is not under the vault's keys either: opening it with a random
  // key fails.
  EXPECT_FALSE(AeadOpenSecret(RandomSecret(32), rec->wrapped, "x").ok());
}

TEST_F(SigningTest, ResetIssuesANewVisibleKey) {
  auto key = Obtain(alice_, "alice-password-1");
  ASSERT_TRUE(key.ok());
  User reset = alice_;
  auto h = HashPassword(SecretBytes::CopyOf("reset-password-1"), Argon2Params::ForTests());
  ASSERT_TRUE(h.ok());
  reset.password_hash = *h;
  auto fresh = Obtain(reset, "reset-password-1");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_NE(fresh->record.public_key, key->record.public_key);
  EXPECT_EQ(fresh->record.version, 2u);
  EXPECT_EQ(fresh->record.reason, "reissued after a password reset");
  auto txn = vault_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto history = SigningKeyHistory(**txn, alice_.id);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 2u);
}

TEST_F(SigningTest, RewrapKeepsTheKeyUnderTheNewPassword) {
  auto key = Obtain(alice_, "alice-password-1");
  ASSERT_TRUE(key.ok());
  auto new_hash = HashPassword(SecretBytes::CopyOf("alice-password-2"), Argon2Params::ForTests());
  ASSERT_TRUE(new_hash.ok());
  Status st = vault_->Write([&](WriteTxn& txn) -> Status {
    CUSTOS_RETURN_IF_ERROR(RewrapSigningKey(txn, alice_, SecretBytes::CopyOf("alice-password-1"),
                                            SecretBytes::CopyOf("alice-password-2"),
                                            Argon2Params::ForTests()));
    CUSTOS_ASSIGN_OR_RETURN(User u, GetUser(txn, alice_.id));
    u.password_hash = *new_hash;
    return UpdateUser(txn, u);
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  User changed = alice_;
  changed.password_hash = *new_hash;
  auto after = Obtain(changed, "alice-password-2");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->record.public_key, key->record.public_key);
  EXPECT_EQ(after->record.version, 2u);
  EXPECT_EQ(Obtain(changed, "alice-password-1").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(SigningTest, TamperedKeyRecordFails) {
  ASSERT_TRUE(Obtain(alice_, "alice-password-1").ok());
  auto txn = vault_->BeginRead();
  ASSERT_TRUE(txn.ok());
  auto rec = LatestSigningKey(**txn, alice_.id);
  ASSERT_TRUE(rec.ok());
  txn->reset();
  SigningKeyRecord bad = *rec;
  bad.wrapped[bad.wrapped.size() / 2] ^= 0x01;
  EXPECT_FALSE(UnlockSigningKey(bad, alice_, SecretBytes::CopyOf("alice-password-1")).ok());
  SigningKeyRecord swapped = *rec;
  swapped.public_key[0] ^= 0x01;
  EXPECT_FALSE(UnlockSigningKey(swapped, alice_, SecretBytes::CopyOf("alice-password-1")).ok());
}

}  // namespace
}  // namespace custos::vault
