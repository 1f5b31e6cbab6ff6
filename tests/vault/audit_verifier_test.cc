// Runs the independent verifier (tests/tools/verify_tlog.py: Python standard
// library + openssl) against checkpoints and proofs the product emits.
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>

#include "tests/vault/test_util.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/checkpoint.h"
#include "vault/audit/signed_note.h"

namespace custos::vault {
namespace {

using testing::CreateTestVault;
using testing::TempDir;

// The script, found through $CUSTOS_SOURCE_ROOT (set by ctest) or, when the
// binary is run by hand, through this source file's own path.
std::string Script() {
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  if (root != nullptr) return std::string(root) + "/tests/tools/verify_tlog.py";
  std::string here = __FILE__;
  return here.substr(0, here.rfind("/tests/vault/")) + "/tests/tools/verify_tlog.py";
}

class AuditVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("python3 --version >/dev/null 2>&1 && openssl version >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "python3 or openssl not available";
    }
    vault_ = CreateTestVault(dir_.path() + "/vault");
    AuditOptions opts;
    opts.checkpoint_every_events = 0;
    opts.checkpoint_every_ms = 0;
    log_ = AuditLog::Open(*vault_, opts).value();
    for (int i = 0; i < 27; ++i) {
      AuditEvent e;
      e.actor = {"u" + std::to_string(i), "王五"};
      e.action = "record.view";
      e.object = {"record", "rec-" + std::to_string(i), 1};
      e.reason = "客户回访 " + std::to_string(i);
      e.decision = i % 4 == 0 ? AuditDecision::kDeny : AuditDecision::kAllow;
      ASSERT_TRUE(log_->AppendDurable(e).ok());
      if (i == 10) old_checkpoint_ = log_->CheckpointNow().value();
    }
    new_checkpoint_ = log_->CheckpointNow().value();
    Write("log.vkey", log_->VerifierKey() + "\n");
    Write("old.checkpoint", old_checkpoint_);
    Write("new.checkpoint", new_checkpoint_);
  }
  std::string Path(const std::string& name) { return dir_.path() + "/" + name; }
  void Write(const std::string& name, const std::string& data) {
    std::ofstream(Path(name), std::ios::binary) << data;
  }
  std::string Leaf(uint64_t seq) {
    auto r = vault_->BeginRead().value();
    return log_->Leaf(*r, seq).value();
  }
  int Run(const std::string& args) {
    std::string out = Path("verifier.out");
    std::string cmd = "python3 " + Script() + " " + args + " >" + out + " 2>&1";
    int rc = std::system(cmd.c_str());
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::cerr << "verify_tlog.py " << args << "\n  " << text;
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  std::string Vkey() { return "--vkey " + Path("log.vkey") + " "; }

  TempDir dir_;
  std::unique_ptr<Vault> vault_;
  std::unique_ptr<AuditLog> log_;
  std::string old_checkpoint_, new_checkpoint_;
};

TEST_F(AuditVerifierTest, CheckpointsVerify) {
  EXPECT_EQ(Run("checkpoint " + Vkey() + Path("new.checkpoint")), 0);
  EXPECT_EQ(Run("checkpoint " + Vkey() + "--origin custos.test/vault " + Path("old.checkpoint")),
            0);
  EXPECT_EQ(Run("checkpoint " + Vkey() + "--origin other.example/log " + Path("new.checkpoint")),
            1);
  // Re-signed by another key under the same name: rejected.
  std::string text = note::Parse(new_checkpoint_).value().text;
  Ed25519KeyPair other = GenerateEd25519();
  Write("forged.checkpoint",
        note::Sign(text, log_->name(), other.secret_key, other.public_key).value());
  EXPECT_EQ(Run("checkpoint " + Vkey() + Path("forged.checkpoint")), 1);
  // One byte of the text changed: rejected.
  std::string altered = new_checkpoint_;
  altered[altered.find('\n') + 1] = '9';
  Write("altered.checkpoint", altered);
  EXPECT_EQ(Run("checkpoint " + Vkey() + Path("altered.checkpoint")), 1);
}

TEST_F(AuditVerifierTest, InclusionProofsVerify) {
  for (uint64_t seq : {0u, 5u, 10u, 17u, 26u}) {
    std::string name = std::to_string(seq);
    Write(name + ".leaf", Leaf(seq));
    Write(name + ".tlog-proof", log_->Prove(seq).value());
    EXPECT_EQ(Run("inclusion " + Vkey() + "--leaf " + Path(name + ".leaf") + " " +
                  Path(name + ".tlog-proof")),
              0)
        << seq;
  }
  // Against the older checkpoint too.
  Write("3-old.tlog-proof", log_->Prove(3, &old_checkpoint_).value());
  Write("3.leaf", Leaf(3));
  EXPECT_EQ(
      Run("inclusion " + Vkey() + "--leaf " + Path("3.leaf") + " " + Path("3-old.tlog-proof")), 0);
  // The wrong leaf, or an altered leaf, does not verify.
  EXPECT_EQ(Run("inclusion " + Vkey() + "--leaf " + Path("5.leaf") + " " + Path("17.tlog-proof")),
            1);
  std::string leaf = Leaf(17);
  leaf[leaf.size() - 3] ^= 1;
  Write("17-altered.leaf", leaf);
  EXPECT_EQ(Run("inclusion " + Vkey() + "--leaf " + Path("17-altered.leaf") + " " +
                Path("17.tlog-proof")),
            1);
}

TEST_F(AuditVerifierTest, ConsistencyProofVerifies) {
  auto r = vault_->BeginRead().value();
  Write("11-27.proof", FormatHashLines(log_->ConsistencyProof(*r, 11, 27).value()));
  Write("10-27.proof", FormatHashLines(log_->ConsistencyProof(*r, 10, 27).value()));
  EXPECT_EQ(Run("consistency " + Vkey() + Path("old.checkpoint") + " " + Path("new.checkpoint") +
                " " + Path("11-27.proof")),
            0);
  EXPECT_EQ(Run("consistency " + Vkey() + Path("old.checkpoint") + " " + Path("new.checkpoint") +
                " " + Path("10-27.proof")),
            1);
}

}  // namespace
}  // namespace custos::vault
