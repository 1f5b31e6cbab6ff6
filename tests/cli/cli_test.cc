#include <array>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "base/encoding.h"
#include "tests/vault/test_util.h"
#include "vault/audit/audit_log.h"
#include "vault/evidence/zip.h"
#include "vault/store/crypto.h"
#include "vault/store/internal/vault_impl.h"

namespace custos::cli {
namespace {

using vault::testing::TempDir;

struct CliRun {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs the custos binary with `args` (already shell-quoted where needed),
// environment prefix `env`, no terminal (stdin from /dev/null).
CliRun Custos(const std::string& args, const std::string& env = "") {
  std::string cmd = env + " setsid " + std::string(CUSTOS_BINARY) + " " + args + " </dev/null 2>&1";
  CliRun r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int st = pclose(p);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& content) {
  std::string path = dir.path() + "/" + name;
  std::ofstream(path) << content;
  return path;
}

TEST(CliTest, HelpAndUsageErrors) {
  CliRun help = Custos("--help");
  EXPECT_EQ(help.code, 0);
  for (const char* cmd : {"init", "status", "rekey"}) {
    EXPECT_NE(help.out.find(std::string("  ") + cmd), std::string::npos) << cmd;
    CliRun h = Custos(std::string(cmd) + " --help");
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_NE(h.out.find("--data"), std::string::npos) << cmd;
  }
  EXPECT_EQ(Custos("").code, 2);
  EXPECT_EQ(Custos("frobnicate").code, 2);
  EXPECT_EQ(Custos("status --no-such-flag").code, 2);
  EXPECT_EQ(Custos("init --data x --kdf-profile fast").code, 2);
}

TEST(CliTest, InitStatusWrongPassphraseRekey) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string pf = WriteFile(dir, "pass", "first passphrase\n");
  CliRun init = Custos("init --kdf-profile test --data " + data + " --passphrase-file " + pf);
  ASSERT_EQ(init.code, 0) << init.out;
  EXPECT_NE(init.out.find("Password (shown once"), std::string::npos);

  // A second init refuses and leaves the vault alone.
  CliRun again = Custos("init --kdf-profile test --data " + data + " --passphrase-file " + pf);
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.out.find("already exists"), std::string::npos);

  CliRun sealed = Custos("status --data " + data);
  EXPECT_EQ(sealed.code, 0) << sealed.out;
  EXPECT_NE(sealed.out.find("state:          sealed"), std::string::npos);
  EXPECT_NE(sealed.out.find("users               1"), std::string::npos) << sealed.out;
  // Made with the test profile: status says its key derivation is cheap.
  EXPECT_NE(sealed.out.find("cheaper than the default"), std::string::npos) << sealed.out;

  CliRun wrong = Custos("status --unseal --data " + data, "CUSTOS_PASSPHRASE='not it'");
  EXPECT_EQ(wrong.code, 1);
  EXPECT_NE(wrong.out.find("wrong passphrase"), std::string::npos);
  EXPECT_EQ(wrong.out.find("not it"), std::string::npos);
  // serve refuses the same way, with the exit status the unit does not
  // restart on.
  // (3: kExitRefused in cli/command.h.)
  CliRun wrong_serve = Custos("serve --data " + data, "CUSTOS_PASSPHRASE='not it'");
  EXPECT_EQ(wrong_serve.code, 3) << wrong_serve.out;
  // A UI folder that is not one is refused before anything opens.
  CliRun no_ui =
      Custos("serve --data " + data + " --passphrase-file " + pf + " --ui " + dir.path());
  EXPECT_EQ(no_ui.code, 2) << no_ui.out;
  EXPECT_NE(no_ui.out.find("holds no index.html"), std::string::npos) << no_ui.out;
  // A passphrase file every account may read is used, with a warning.
  const std::string loose = WriteFile(dir, "loose-passphrase", "first passphrase\n");
  ::chmod(loose.c_str(), 0644);
  CliRun warned = Custos("status --unseal --data " + data + " --passphrase-file " + loose);
  EXPECT_EQ(warned.code, 0) << warned.out;
  EXPECT_NE(warned.out.find("readable by every account"), std::string::npos) << warned.out;

  // No passphrase source and no terminal: a clear error, not a hang.
  CliRun none = Custos("status --unseal --data " + data);
  EXPECT_EQ(none.code, 1);

  CliRun rekey =
      Custos("rekey --rotate --kdf-profile test --data " + data,
             "CUSTOS_PASSPHRASE='first passphrase' CUSTOS_NEW_PASSPHRASE='the second passphrase'");
  ASSERT_EQ(rekey.code, 0) << rekey.out;
  EXPECT_NE(rekey.out.find("key version is now 2"), std::string::npos);
  EXPECT_EQ(Custos("status --unseal --data " + data, "CUSTOS_PASSPHRASE='first passphrase'").code,
            1);
  CliRun ok = Custos("status --unseal --data " + data, "CUSTOS_PASSPHRASE='the second passphrase'");
  EXPECT_EQ(ok.code, 0) << ok.out;
  EXPECT_NE(ok.out.find("key version:    2"), std::string::npos);
  // The first administrator and both changes are in the audit log, each in
  // the write that made it, with the account and host that ran them; the
  // log still verifies.
  const std::string second = "CUSTOS_PASSPHRASE='the second passphrase'";
  CliRun first = Custos("audit leaf 0 --data " + data, second);
  ASSERT_EQ(first.code, 0) << first.out;
  EXPECT_NE(first.out.find("\"action\":\"user.create\""), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("\"username\":\"admin\""), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("\"rule\":\"system.operator\""), std::string::npos) << first.out;
  CliRun changed = Custos("audit leaf 1 --data " + data, second);
  ASSERT_EQ(changed.code, 0) << changed.out;
  EXPECT_NE(changed.out.find("\"action\":\"vault.passphrase.change\""), std::string::npos)
      << changed.out;
  EXPECT_NE(changed.out.find("\"rule\":\"system.operator\""), std::string::npos) << changed.out;
  EXPECT_NE(changed.out.find("\"os_user\":"), std::string::npos) << changed.out;
  EXPECT_EQ(changed.out.find("the second passphrase"), std::string::npos) << changed.out;
  CliRun rotated = Custos("audit leaf 2 --data " + data, second);
  ASSERT_EQ(rotated.code, 0) << rotated.out;
  EXPECT_NE(rotated.out.find("\"action\":\"vault.key.rotate\""), std::string::npos) << rotated.out;
  EXPECT_NE(rotated.out.find("\"key_version\":2"), std::string::npos) << rotated.out;
  EXPECT_EQ(Custos("audit verify --data " + data, second).code, 0);
}

// A real vault's passphrase has at least 12 characters (a Chinese one
// counted by character); the check comes before anything is written.
TEST(CliTest, AShortVaultPassphraseIsRefused) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  CliRun init = Custos("init --data " + data, "CUSTOS_PASSPHRASE='hunter2'");
  EXPECT_EQ(init.code, 1) << init.out;
  EXPECT_NE(init.out.find("passphrase is too short: it has 7 characters, at least 12"),
            std::string::npos)
      << init.out;
  EXPECT_EQ(init.out.find("hunter2"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(data));
  // Eleven Chinese characters are 33 bytes, and still eleven characters.
  EXPECT_EQ(Custos("init --data " + data, "CUSTOS_PASSPHRASE='我们公司的客户档案库口'").code, 1);
  EXPECT_FALSE(std::filesystem::exists(data));

  // The cheap test KDF profile does not lower the bar.
  EXPECT_EQ(Custos("init --kdf-profile test --data " + data, "CUSTOS_PASSPHRASE='pp'").code, 1);
  EXPECT_FALSE(std::filesystem::exists(data));
  // Twelve spaces are no passphrase.
  CliRun spaces =
      Custos("init --kdf-profile test --data " + data, "CUSTOS_PASSPHRASE='            '");
  EXPECT_EQ(spaces.code, 1) << spaces.out;
  EXPECT_NE(spaces.out.find("passphrase is only spaces"), std::string::npos) << spaces.out;
  EXPECT_FALSE(std::filesystem::exists(data));

  // rekey: the new passphrase likewise; the old one still opens the vault.
  ASSERT_EQ(
      Custos("init --kdf-profile test --data " + data, "CUSTOS_PASSPHRASE='cli-test-passphrase'")
          .code,
      0);
  CliRun rekey =
      Custos("rekey --data " + data,
             "CUSTOS_PASSPHRASE='cli-test-passphrase' CUSTOS_NEW_PASSPHRASE='short one'");
  EXPECT_EQ(rekey.code, 1) << rekey.out;
  EXPECT_NE(rekey.out.find("too short"), std::string::npos) << rekey.out;
  EXPECT_EQ(
      Custos("status --unseal --data " + data, "CUSTOS_PASSPHRASE='cli-test-passphrase'").code, 0);
  EXPECT_EQ(Custos("rekey --data " + data,
                   "CUSTOS_PASSPHRASE='cli-test-passphrase' "
                   "CUSTOS_NEW_PASSPHRASE='我们公司的客户档案库口令'")
                .code,
            0);
}

TEST(CliTest, StatusOfMissingVaultFails) {
  TempDir dir;
  CliRun r = Custos("status --data " + dir.path() + "/none");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no vault"), std::string::npos);
  // Under systemd the failure is an error in the journal (journalctl -p err):
  // serve refusing to start is what an operator must not miss.
  CliRun journal = Custos("serve --data " + dir.path() + "/none", "JOURNAL_STREAM=8:1");
  EXPECT_EQ(journal.code, 1);
  EXPECT_EQ(journal.out.rfind("<3>custos serve: ", 0), 0u) << journal.out;
  EXPECT_EQ(r.out.find("<3>"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace custos::cli

namespace custos::cli {
namespace {

TEST(CliContractTest, ListRenderCheck) {
  const char* env_root = std::getenv("CUSTOS_SOURCE_ROOT");
  const std::string root = env_root != nullptr ? env_root : ".";
  CliRun list = Custos("contract list");
  ASSERT_EQ(list.code, 0) << list.out;
  for (const char* id : {"cn-employee-nda", "cn-non-compete", "us-employee-nda", "mutual-nda"})
    EXPECT_NE(list.out.find(id), std::string::npos) << id;

  const std::string fields = root + "/contract-templates/examples/cn-non-compete.fields.json";
  CliRun ok = Custos("contract check cn-non-compete --fields " + fields);
  EXPECT_EQ(ok.code, 0) << ok.out;

  CliRun html = Custos("contract render cn-non-compete --fields " + fields);
  EXPECT_EQ(html.code, 0);
  EXPECT_NE(html.out.find("竞业限制协议"), std::string::npos);
  EXPECT_NE(html.out.find("@page"), std::string::npos);

  // A three-year restriction breaks Labor Contract Law Art. 24: N1, exit 1.
  TempDir dir;
  std::ifstream in(fields);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t at = text.find("\"restricted_months\"");
  ASSERT_NE(at, std::string::npos);
  size_t colon = text.find(':', at);
  size_t end = text.find_first_of(",}", colon);
  text.replace(colon + 1, end - colon - 1, " 36");
  const std::string bad = WriteFile(dir, "bad.json", text);
  CliRun n1 = Custos("contract check cn-non-compete --lang en --fields " + bad);
  EXPECT_EQ(n1.code, 1) << n1.out;
  EXPECT_NE(n1.out.find("N1"), std::string::npos) << n1.out;

  EXPECT_EQ(Custos("contract check no-such-template --fields " + fields).code, 1);
  EXPECT_EQ(Custos("contract render cn-non-compete").code, 2);
  EXPECT_EQ(Custos("contract render cn-non-compete --fields " + fields + " --format pdf").code, 2);
}

}  // namespace
}  // namespace custos::cli

namespace custos::cli {
namespace {

// A seeded demo vault: import and policy commands act as named users whose
// passwords are checked and whose roles the policy judges.
TEST(CliArchiveTest, ImportAndPolicyActAsCheckedUsers) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string env =
      "CUSTOS_PASSPHRASE=cli-test-passphrase CUSTOS_USER_PASSWORD=Custos-Demo-2026";
  CliRun demo = Custos("demo --kdf-profile test --customers 20 --data " + data, env);
  ASSERT_EQ(demo.code, 0) << demo.out;
  EXPECT_NE(demo.out.find("author"), std::string::npos);
  // A small company still has its agreements and its leaver, whose login is
  // listed as no longer usable.
  EXPECT_NE(demo.out.find("11 signed NDAs"), std::string::npos) << demo.out;
  const size_t leaver = demo.out.find("\n  sales.li ");
  ASSERT_NE(leaver, std::string::npos) << demo.out;
  EXPECT_NE(
      demo.out.substr(leaver, demo.out.find('\n', leaver + 1) - leaver).find("departed, disabled"),
      std::string::npos)
      << demo.out;

  const std::string csv = WriteFile(dir, "c.csv",
                                    "name,classification,owner,tags\n"
                                    "杭州新瑞贸易有限公司,secret,author,华东;新客户\n"
                                    ",confidential,,\n");
  CliRun bad = Custos("import " + csv + " --as author --data " + data, env);
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("row 3"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("nothing was imported"), std::string::npos);
  // A failure is said in both languages where it has Chinese words.
  CliRun missing = Custos("import " + dir.path() + "/none.csv --as author --data " + data, env);
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("cannot read " + dir.path() + "/none.csv ｜ 无法读取 "),
            std::string::npos)
      << missing.out;
  CliRun skip = Custos("import " + csv + " --skip-errors --as author --data " + data, env);
  EXPECT_EQ(skip.code, 0) << skip.out;
  EXPECT_NE(skip.out.find("Imported 1 of 2"), std::string::npos) << skip.out;

  // What Excel on Chinese Windows saves as "CSV (逗号分隔)": GB18030 bytes
  // (苏州模具 as GBK). Refused as UTF-8 with how to import it, and imported
  // with --encoding gb18030.
  const std::string gbk = WriteFile(dir, "gbk.csv",
                                    "name,classification,owner\n"
                                    "\xCB\xD5\xD6\xDD\xC4\xA3\xBE\xDF,internal,author\n");
  CliRun as_utf8 = Custos("import " + gbk + " --skip-errors --as author --data " + data, env);
  EXPECT_EQ(as_utf8.code, 1) << as_utf8.out;
  EXPECT_NE(as_utf8.out.find("is not UTF-8 text"), std::string::npos) << as_utf8.out;
  EXPECT_NE(as_utf8.out.find("--encoding gb18030"), std::string::npos) << as_utf8.out;
  CliRun as_gbk = Custos("import " + gbk + " --encoding gb18030 --as author --data " + data, env);
  EXPECT_EQ(as_gbk.code, 0) << as_gbk.out;
  EXPECT_NE(as_gbk.out.find("Imported 1 of 1"), std::string::npos) << as_gbk.out;
  // A broken quote is the file's fault: --skip-errors is not offered.
  const std::string quote = WriteFile(dir, "quote.csv",
                                      "name,classification,tags\n"
                                      "甲,internal,\"VIP\n乙,internal,\"华东\"\n");
  CliRun broken = Custos("import " + quote + " --skip-errors --as author --data " + data, env);
  EXPECT_EQ(broken.code, 1) << broken.out;
  EXPECT_NE(broken.out.find("row 2: text after a quoted field's closing quote"), std::string::npos)
      << broken.out;
  EXPECT_NE(broken.out.find("--skip-errors cannot leave this out"), std::string::npos)
      << broken.out;

  CliRun wrong_pw = Custos("import " + csv + " --as author --data " + data,
                           "CUSTOS_PASSPHRASE=cli-test-passphrase CUSTOS_USER_PASSWORD=nope");
  EXPECT_EQ(wrong_pw.code, 1);
  EXPECT_NE(wrong_pw.out.find("wrong username or password"), std::string::npos);

  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  const std::string policy =
      std::string(root != nullptr ? root : ".") + "/policy/default-policy.xml";
  CliRun denied =
      Custos("policy apply " + policy + " --reason test --as author --data " + data, env);
  EXPECT_EQ(denied.code, 1);
  EXPECT_NE(denied.out.find("role.not_permitted"), std::string::npos) << denied.out;
  CliRun applied =
      Custos("policy apply " + policy + " --reason 年度复核 --as admin --data " + data, env);
  EXPECT_EQ(applied.code, 0) << applied.out;
  CliRun history = Custos("policy history --data " + data, env);
  EXPECT_EQ(history.code, 0);
  EXPECT_NE(history.out.find("by system"), std::string::npos) << history.out;

  // Every one of those decisions is in a log that verifies.
  CliRun verify = Custos("audit verify --data " + data, env);
  EXPECT_EQ(verify.code, 0) << verify.out;
  CliRun exported = Custos("audit export --as auditor --data " + data, env);
  EXPECT_EQ(exported.code, 0) << exported.out;
  // Reading the log is itself a decided, recorded read.
  CliRun refused = Custos("audit export --as author --data " + data, env);
  EXPECT_EQ(refused.code, 1);
  EXPECT_NE(refused.out.find("role.not_permitted"), std::string::npos) << refused.out;
  CliRun after = Custos("audit export --as auditor --data " + data, env);
  EXPECT_NE(after.out.find("\"action\":\"audit.export\""), std::string::npos);
  EXPECT_NE(exported.out.find("\"action\":\"policy.apply\""), std::string::npos);
  EXPECT_NE(exported.out.find("\"decision\":\"deny\""), std::string::npos);
  for (const char* action : {"agreement.countersign", "agreement.attest", "noncompete.payment",
                             "departure.handover.confirm", "user.departed"}) {
    EXPECT_NE(exported.out.find("\"action\":\"" + std::string(action) + "\""), std::string::npos)
        << action;
  }
  // --denied: the refused attempts only (the author's export, the policy
  // apply above), before and after the log is indexed, the same lines.
  CliRun denials = Custos("audit export --denied --as auditor --data " + data, env);
  EXPECT_EQ(denials.code, 0) << denials.out;
  CliRun indexed = Custos("audit index --data " + data, env);
  EXPECT_EQ(indexed.code, 0) << indexed.out;
  CliRun denials_indexed = Custos("audit export --denied --as auditor --data " + data, env);
  EXPECT_EQ(denials_indexed.code, 0) << denials_indexed.out;
  for (const CliRun* run : {&denials, &denials_indexed}) {
    std::istringstream lines(run->out);
    int n = 0;
    for (std::string line; std::getline(lines, line); ++n) {
      EXPECT_NE(line.find("\"decision\":\"deny\""), std::string::npos) << line;
    }
    EXPECT_GE(n, 2) << run->out;
  }
  EXPECT_EQ(denials.out, denials_indexed.out);
}

}  // namespace
}  // namespace custos::cli

namespace custos::cli {
namespace {

// `custos audit verify` on a vault whose stored event was altered: exit 1,
// naming the sequence number.
TEST(CliAuditTest, VerifyNamesTheTamperedEvent) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string env = "CUSTOS_PASSPHRASE=cli-test-passphrase";
  ASSERT_EQ(Custos("demo --kdf-profile test --customers 10 --data " + data, env).code, 0);
  ASSERT_EQ(Custos("audit verify --data " + data, env).code, 0);
  {
    auto v = vault::Vault::Open(data, vault::SecretBytes::CopyOf("cli-test-passphrase"));
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    // More events, so that event 3's hash is in a stored (full) tile, and
    // the newest are not yet under a checkpoint.
    auto log = vault::AuditLog::Open(**v);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_TRUE((*v)->Write([&](vault::WriteTxn& w) -> Status {
                      for (int i = 0; i < 300; ++i) {
                        vault::AuditEvent e;
                        e.actor = {"auditor", "审计员"};
                        e.action = "audit.read";
                        e.object = {"audit", "", std::nullopt};
                        e.decision = vault::AuditDecision::kAllow;
                        e.outcome = "ok";
                        CUSTOS_RETURN_IF_ERROR((*log)->Append(w, e).status());
                      }
                      return Status::Ok();
                    })
                    .ok());
  }
  CliRun clean = Custos("audit verify --data " + data, env);
  EXPECT_EQ(clean.code, 0) << clean.out;
  EXPECT_NE(clean.out.find("are not yet under a signed checkpoint"), std::string::npos)
      << clean.out;
  {
    auto v = vault::Vault::Open(data, vault::SecretBytes::CopyOf("cli-test-passphrase"));
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    // Rewrite event 3 with different (validly sealed) content.
    auto r = (*v)->BeginRead();
    ASSERT_TRUE(r.ok());
    auto leaf = (*r)->Get(vault::tables::kAuditLeaves, vault::EncodeU64(3));
    ASSERT_TRUE(leaf.ok());
    r->reset();
    std::string forged = *leaf;
    size_t at = forged.find("\"reason\":\"");
    ASSERT_NE(at, std::string::npos);
    forged.insert(at + 10, "X");
    ASSERT_TRUE((*v)->Write([&](vault::WriteTxn& w) {
                      return w.Put(vault::tables::kAuditLeaves, vault::EncodeU64(3), forged);
                    })
                    .ok());
  }
  CliRun verify = Custos("audit verify --data " + data, env);
  EXPECT_EQ(verify.code, 1) << verify.out;
  EXPECT_NE(verify.out.find("seq 3"), std::string::npos) << verify.out;
}

}  // namespace
}  // namespace custos::cli

namespace custos::cli {
namespace {

// The demo's evidence case from the command line: the approved request is
// listed, exported to a new file and verified without the vault; a second
// request needs an approver who is not its requester; a changed byte fails
// verification (exit 1) and a missing file is a usage error (exit 2).
TEST(CliEvidenceTest, RequestApproveExportVerify) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string env =
      "CUSTOS_PASSPHRASE=cli-test-passphrase CUSTOS_USER_PASSWORD=Custos-Demo-2026";
  CliRun demo = Custos("demo --kdf-profile test --customers 20 --data " + data, env);
  ASSERT_EQ(demo.code, 0) << demo.out;
  EXPECT_NE(demo.out.find("(2026)沪0115民初1234号"), std::string::npos) << demo.out;

  CliRun list = Custos("evidence list --as litigation --data " + data, env);
  ASSERT_EQ(list.code, 0) << list.out;
  EXPECT_NE(list.out.find("approved"), std::string::npos) << list.out;
  const std::string demo_id = list.out.substr(0, list.out.find(' '));
  EXPECT_EQ(Custos("evidence list --as author --data " + data, env).code, 1);

  const std::string bundle = dir.path() + "/bundle.zip";
  CliRun exported = Custos(
      "evidence export " + demo_id + " --out " + bundle + " --as litigation --data " + data, env);
  ASSERT_EQ(exported.code, 0) << exported.out;
  // An --out that cannot be written costs no export: refused before it.
  CliRun exports_before =
      Custos("audit export --object " + demo_id + " --as auditor --data " + data, env);
  CliRun existing = Custos(
      "evidence export " + demo_id + " --out " + bundle + " --as litigation --data " + data, env);
  EXPECT_EQ(existing.code, 1) << "an existing file is never overwritten";
  EXPECT_NE(existing.out.find("it exists"), std::string::npos) << existing.out;
  EXPECT_EQ(Custos("evidence download " + demo_id + " 1 --out " + dir.path() +
                       "/no-such-dir/b.zip --as litigation --data " + data,
                   env)
                .code,
            1);
  EXPECT_EQ(Custos("audit export --object " + demo_id + " --as auditor --data " + data, env).out,
            exports_before.out);
  CliRun verified = Custos("evidence verify " + bundle);
  EXPECT_EQ(verified.code, 0) << verified.out;
  EXPECT_NE(verified.out.find("bundle verified"), std::string::npos) << verified.out;
  EXPECT_NE(verified.out.find("taken from the bundle itself"), std::string::npos);
  const std::string key = WriteFile(dir, "log.vkey", "");
  // An empty key file is not "no key": refused, not verified against the
  // bundle's own key.
  EXPECT_EQ(Custos("evidence verify " + bundle + " --key " + key).code, 2);
  CliRun pem = Custos("audit key --pem --data " + data, env);
  ASSERT_EQ(pem.code, 0);
  std::ofstream(key) << pem.out;
  CliRun trusted = Custos("evidence verify " + bundle + " --key " + key);
  EXPECT_EQ(trusted.code, 0) << trusted.out;
  EXPECT_EQ(trusted.out.find("taken from the bundle itself"), std::string::npos);

  std::string bytes;
  {
    std::ifstream in(bundle, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // The file's own hash, to match against the export's audit event.
  EXPECT_NE(verified.out.find("bundle file SHA-256 " + HexEncode(vault::Sha256(bytes))),
            std::string::npos)
      << verified.out;
  CliRun exports = Custos("audit export --object " + demo_id + " --as auditor --data " + data, env);
  ASSERT_EQ(exports.code, 0) << exports.out;
  EXPECT_NE(exports.out.find(HexEncode(vault::Sha256(bytes))), std::string::npos) << exports.out;

  // A byte changed in the middle of the largest file's data (the ZIP's own
  // metadata, such as entry times, is not evidence: see docs/evidence.md).
  {
    auto zip = vault::evidence::ZipReader::OpenBytes(bytes);
    ASSERT_TRUE(zip.ok()) << zip.status().ToString();
    const vault::evidence::ZipEntry* largest = nullptr;
    for (const auto& e : (*zip)->entries()) {
      if (largest == nullptr || e.compressed_size > largest->compressed_size) largest = &e;
    }
    ASSERT_NE(largest, nullptr);
    const size_t local = largest->local_header_offset;
    const size_t extra = static_cast<unsigned char>(bytes[local + 28]) |
                         static_cast<size_t>(static_cast<unsigned char>(bytes[local + 29])) << 8;
    const size_t middle = local + 30 + largest->name.size() + extra + largest->compressed_size / 2;
    bytes[middle] = static_cast<char>(bytes[middle] ^ 0x20);
  }
  const std::string bad = dir.path() + "/bad.zip";
  std::ofstream(bad, std::ios::binary) << bytes;
  CliRun failed = Custos("evidence verify " + bad);
  EXPECT_EQ(failed.code, 1) << failed.out;
  EXPECT_NE(failed.out.find("FAILED"), std::string::npos) << failed.out;
  EXPECT_EQ(Custos("evidence verify " + dir.path() + "/missing.zip").code, 2);
  EXPECT_EQ(Custos("evidence frobnicate").code, 2);

  // A new request by litigation; its approval needs someone else.
  CliRun requested = Custos(
      "evidence request --case 2026-0099 --reason 调取证据 --person sales.li --as litigation "
      "--data " +
          data,
      env);
  ASSERT_EQ(requested.code, 0) << requested.out;
  std::string last = requested.out.substr(0, requested.out.find_last_not_of('\n') + 1);
  const std::string id = last.substr(last.rfind(' ') + 1);
  ASSERT_EQ(id.rfind("e-", 0), 0u) << requested.out;
  CliRun self =
      Custos("evidence approve " + id + " --reason 自批 --as litigation --data " + data, env);
  EXPECT_EQ(self.code, 1);
  EXPECT_NE(self.out.find("role.not_permitted"), std::string::npos) << self.out;
  CliRun approved =
      Custos("evidence approve " + id + " --reason 同意 --as approver --data " + data, env);
  EXPECT_EQ(approved.code, 0) << approved.out;
  CliRun holds = Custos("evidence hold list --as auditor --data " + data, env);
  EXPECT_EQ(holds.code, 0) << holds.out;
  EXPECT_NE(holds.out.find("active"), std::string::npos) << holds.out;
}

}  // namespace
}  // namespace custos::cli

namespace custos::cli {
namespace {

// `custos serve` in the background: its pid, and its first line of output
// once it is serving.
class Server {
 public:
  // Starts `custos serve --listen 127.0.0.1:0` on `data` with `env`
  // ("NAME=value" entries added to this process's environment) and `extra`
  // arguments.
  Server(const std::string& data, const std::vector<std::string>& env,
         const std::vector<std::string>& extra = {}) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(out[1], 2);
      close(out[0]);
      close(out[1]);
      int devnull = open("/dev/null", O_RDONLY);
      dup2(devnull, 0);
      setsid();
      for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));
      std::vector<const char*> argv = {"custos",     "serve",    "--data",
                                       data.c_str(), "--listen", "127.0.0.1:0"};
      for (const std::string& a : extra) argv.push_back(a.c_str());
      argv.push_back(nullptr);
      execv(CUSTOS_BINARY, const_cast<char* const*>(argv.data()));
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
    char line[4096];
    while (out_ != nullptr && fgets(line, sizeof line, out_) != nullptr) {
      first_line_ = line;
      if (first_line_.find("Custos is serving") != std::string::npos) {
        serving_ = true;
        break;
      }
    }
  }
  ~Server() { Stop(); }
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  bool serving() const { return serving_; }
  pid_t pid() const { return pid_; }
  const std::string& first_line() const { return first_line_; }
  // SIGTERM, and the exit code.
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int st = 0;
    waitpid(pid_, &st, 0);
    pid_ = -1;
    if (out_ != nullptr) fclose(out_);
    out_ = nullptr;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  bool serving_ = false;
  std::string first_line_;
};

std::string ProcFile(pid_t pid, const char* name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Two writers on one vault: `rekey --rotate` beside a running server used
// to succeed, drop the key version the server still sealed with, and leave
// the server answering 500. Now every writer is refused, naming the
// server's pid; the read-only commands still run beside it.
TEST(CliLockTest, WritersAreRefusedBesideServeAndReadersAreNot) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string env =
      "CUSTOS_PASSPHRASE=cli-test-passphrase CUSTOS_USER_PASSWORD=Custos-Demo-2026";
  ASSERT_EQ(Custos("demo --kdf-profile test --customers 5 --data " + data, env).code, 0);
  // A checkpoint covers every event so far, so that proving one needs no
  // new signature (which would take the writer's lock).
  ASSERT_EQ(Custos("audit checkpoint --data " + data, env).code, 0);
  Server serve(data, {"CUSTOS_PASSPHRASE=cli-test-passphrase"});
  ASSERT_TRUE(serve.serving()) << serve.first_line();
  const std::string holder = "pid " + std::to_string(serve.pid());

  CliRun rotate = Custos("rekey --rotate --kdf-profile test --data " + data, env);
  EXPECT_EQ(rotate.code, 1) << rotate.out;
  EXPECT_NE(rotate.out.find("in use by another writer"), std::string::npos) << rotate.out;
  EXPECT_NE(rotate.out.find(holder), std::string::npos) << rotate.out;
  const std::string policy =
      std::string(std::getenv("CUSTOS_SOURCE_ROOT") != nullptr ? std::getenv("CUSTOS_SOURCE_ROOT")
                                                               : ".") +
      "/policy/default-policy.xml";
  for (const std::string& writer :
       {std::string("rekey --kdf-profile test --new-passphrase-file /dev/null"),
        std::string("demo --kdf-profile test --customers 5"), std::string("audit checkpoint"),
        std::string("audit index"), std::string("audit export --as auditor"),
        "policy apply " + policy + " --reason x --as admin",
        std::string("evidence list --as litigation")}) {
    CliRun r = Custos(writer + " --data " + data, env);
    EXPECT_EQ(r.code, 1) << writer << ": " << r.out;
    EXPECT_NE(r.out.find(holder), std::string::npos) << writer << ": " << r.out;
  }

  // Readers run beside it.
  for (const char* reader :
       {"status", "status --unseal", "audit verify", "audit key", "audit leaf 0", "audit prove 0",
        "audit consistency 1 2", "policy show", "policy history", "demo --logins-only"}) {
    CliRun r = Custos(std::string(reader) + " --data " + data, env);
    EXPECT_EQ(r.code, 0) << reader << ": " << r.out;
  }
  CliRun status = Custos("status --unseal --data " + data, env);
  EXPECT_NE(status.out.find("key version:    1\n"), std::string::npos) << status.out;

  // Once the server is gone (even killed), the rotation runs.
  EXPECT_EQ(serve.Stop(), 0);
  CliRun rotated = Custos("rekey --rotate --kdf-profile test --data " + data, env);
  EXPECT_EQ(rotated.code, 0) << rotated.out;
  EXPECT_EQ(Custos("audit verify --data " + data, env).code, 0);
}

// The passphrase given in the environment is wiped from it once read: a
// running server's /proc/PID/environ (readable by every process of the same
// user) no longer shows it.
TEST(CliLockTest, ServeWipesThePassphraseFromItsEnvironment) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string pf = WriteFile(dir, "pass", "a passphrase nobody should see\n");
  ASSERT_EQ(Custos("init --kdf-profile test --data " + data + " --passphrase-file " + pf).code, 0);
  Server serve(data, {"CUSTOS_PASSPHRASE=a passphrase nobody should see", "CUSTOS_OTHER=kept"});
  ASSERT_TRUE(serve.serving()) << serve.first_line();
  const std::string environ = ProcFile(serve.pid(), "environ");
  ASSERT_FALSE(environ.empty());
  EXPECT_EQ(environ.find("nobody should see"), std::string::npos);
  EXPECT_NE(environ.find("CUSTOS_OTHER=kept"), std::string::npos) << "only the secret is wiped";
}

}  // namespace
}  // namespace custos::cli

namespace custos::cli {
namespace {

// The operator's drill: a backup while the server runs, checked; a restore
// elsewhere that proves itself and refuses to overwrite; the old copy
// refused once a newer checkpoint is kept off the machine; a flipped byte
// named by scrub.
TEST(CliBackupTest, BackupBesideServeRestoreRollbackAndScrub) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string env = "CUSTOS_PASSPHRASE=cli-test-passphrase";
  const std::string b1 = dir.path() + "/monday.custos-backup";
  const std::string b2 = dir.path() + "/tuesday.custos-backup";
  const std::string copy = dir.path() + "/restored";
  ASSERT_EQ(Custos("demo --kdf-profile test --customers 5 --data " + data, env).code, 0);
  {
    Server serve(data, {"CUSTOS_PASSPHRASE=cli-test-passphrase"});
    ASSERT_TRUE(serve.serving()) << serve.first_line();
    CliRun backup = Custos("backup --data " + data + " --out " + b1, env);
    EXPECT_EQ(backup.code, 0) << backup.out;
    EXPECT_NE(backup.out.find("is good"), std::string::npos) << backup.out;
    EXPECT_EQ(Custos("backup --data " + data + " --out " + b1, env).code, 1);  // never replaced
    EXPECT_EQ(serve.Stop(), 0);
  }
  CliRun verify = Custos("backup verify " + b1, env);
  EXPECT_EQ(verify.code, 0) << verify.out;
  // A wrong passphrase fails the check without calling the backup bad.
  CliRun wrong = Custos("backup verify " + b1, "CUSTOS_PASSPHRASE=not-it");
  EXPECT_EQ(wrong.code, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("was not checked: wrong passphrase"), std::string::npos) << wrong.out;
  EXPECT_EQ(wrong.out.find("NOT a good backup"), std::string::npos) << wrong.out;
  // Nor does a temporary directory the check cannot write its copy in.
  CliRun no_room = Custos("backup verify " + b1, env + " TMPDIR=" + dir.path() + "/no-such-dir");
  EXPECT_EQ(no_room.code, 1) << no_room.out;
  EXPECT_NE(no_room.out.find("was not checked"), std::string::npos) << no_room.out;
  EXPECT_NE(no_room.out.find("TMPDIR"), std::string::npos) << no_room.out;
  EXPECT_EQ(no_room.out.find("NOT a good backup"), std::string::npos) << no_room.out;
  CliRun restore = Custos("restore " + b1 + " --data " + copy, env);
  EXPECT_EQ(restore.code, 0) << restore.out;
  CliRun again = Custos("restore " + b1 + " --data " + copy, env);
  EXPECT_EQ(again.code, 1) << again.out;
  EXPECT_NE(again.out.find("it was not touched"), std::string::npos) << again.out;
  CliRun scrub = Custos("scrub --data " + copy, env);
  EXPECT_EQ(scrub.code, 0) << scrub.out;
  EXPECT_NE(scrub.out.find("scrub OK"), std::string::npos) << scrub.out;

  // The vault moves on and a newer backup is kept elsewhere: the restored
  // Monday copy no longer passes for the vault.
  const std::string policy =
      std::string(std::getenv("CUSTOS_SOURCE_ROOT") != nullptr ? std::getenv("CUSTOS_SOURCE_ROOT")
                                                               : ".") +
      "/policy/default-policy.xml";
  ASSERT_EQ(Custos("policy apply " + policy + " --reason 复核 --as admin --data " + data,
                   env + " CUSTOS_USER_PASSWORD=Custos-Demo-2026")
                .code,
            0);
  ASSERT_EQ(Custos("audit checkpoint --data " + data, env).code, 0);
  ASSERT_EQ(Custos("backup --no-check --data " + data + " --out " + b2, env).code, 0);
  CliRun rolled = Custos("serve --data " + copy + " --min-checkpoint " + b2, env);
  EXPECT_EQ(rolled.code, 3) << rolled.out;  // kExitRefused: systemd does not restart it
  EXPECT_NE(rolled.out.find("refusing to start"), std::string::npos) << rolled.out;
  EXPECT_NE(rolled.out.find("rolled back"), std::string::npos) << rolled.out;
  EXPECT_EQ(Custos("audit verify --data " + copy + " --against " + b2, env).code, 1);
  CliRun current = Custos("audit verify --data " + data + " --against " + b2, env);
  EXPECT_EQ(current.code, 0) << current.out;
  CliRun note = Custos("backup checkpoint " + b1, env);
  ASSERT_EQ(note.code, 0) << note.out;
  EXPECT_EQ(Custos("audit verify --data " + data + " --against " +
                       WriteFile(dir, "monday.checkpoint", note.out),
                   env)
                .code,
            0);

  // One flipped byte in a stored audit event of the copy: scrub names it.
  std::string sealed;
  {
    auto v = vault::Vault::Open(copy, vault::SecretBytes::CopyOf("cli-test-passphrase"));
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    auto r = (*v)->BeginRead();
    sealed = std::string(*(*r)->GetSealed(vault::tables::kAuditLeaves, vault::EncodeU64(3)));
  }
  ASSERT_GT(vault::testing::FlipStoredValue(copy + "/data.mdb", sealed), 0u);
  CliRun damaged = Custos("scrub --data " + copy, env);
  EXPECT_EQ(damaged.code, 1) << damaged.out;
  EXPECT_NE(damaged.out.find("DAMAGED  table audit_leaves  key " + HexEncode(vault::EncodeU64(3))),
            std::string::npos)
      << damaged.out;
}

}  // namespace
}  // namespace custos::cli

namespace custos::cli {
namespace {

// `serve --config`: the file's keys become the flags' values, a flag on the
// command line wins, a misspelt key is refused; the sample file shipped in
// packaging/ is valid.
TEST(CliConfigTest, ServeReadsItsConfigurationAndFlagsWin) {
  TempDir dir;
  const std::string file = WriteFile(dir, "custos.properties",
                                     "data = /srv/vault\n"
                                     "listen = 127.0.0.1:9443\n"
                                     "tls.cert = /etc/custos/cert.pem\n"
                                     "tls.key = /etc/custos/key.pem\n"
                                     "trusted_proxy = 10.0.0.1, 10.0.0.2\n"
                                     "threads = 16\n"
                                     "demo = false\n");
  CliRun shown = Custos("serve --config " + file + " --print-config");
  ASSERT_EQ(shown.code, 0) << shown.out;
  for (const char* line :
       {"data = /srv/vault\n", "listen = 127.0.0.1:9443\n", "tls.cert = /etc/custos/cert.pem\n",
        "trusted_proxy = 10.0.0.1, 10.0.0.2\n", "threads = 16\n", "demo = false\n"}) {
    EXPECT_NE(shown.out.find(line), std::string::npos) << line << shown.out;
  }
  CliRun flags = Custos("serve --config " + file +
                        " --listen 0.0.0.0:8443 --data /other --demo --print-config");
  ASSERT_EQ(flags.code, 0) << flags.out;
  EXPECT_NE(flags.out.find("listen = 0.0.0.0:8443\n"), std::string::npos) << flags.out;
  EXPECT_NE(flags.out.find("data = /other\n"), std::string::npos) << flags.out;
  EXPECT_NE(flags.out.find("demo = true\n"), std::string::npos) << flags.out;
  EXPECT_NE(flags.out.find("threads = 16\n"), std::string::npos) << flags.out;

  // An INI file: [tls] cert = … is tls.cert.
  const std::string ini = WriteFile(dir, "custos.ini", "data = /srv/ini\n[tls]\ncert = /c.pem\n");
  CliRun from_ini = Custos("serve --config " + ini + " --print-config");
  ASSERT_EQ(from_ini.code, 0) << from_ini.out;
  EXPECT_NE(from_ini.out.find("tls.cert = /c.pem\n"), std::string::npos) << from_ini.out;
  EXPECT_NE(from_ini.out.find("data = /srv/ini\n"), std::string::npos) << from_ini.out;

  const std::string typo = WriteFile(dir, "typo.properties", "listn = 127.0.0.1:1\n");
  CliRun refused = Custos("serve --config " + typo + " --print-config");
  EXPECT_EQ(refused.code, 2) << refused.out;
  EXPECT_NE(refused.out.find("unknown key 'listn'"), std::string::npos) << refused.out;
  EXPECT_EQ(Custos("serve --config " + dir.path() + "/missing.properties").code, 2);

  // The sample shipped with the package parses.
  const char* root = std::getenv("CUSTOS_SOURCE_ROOT");
  const std::string sample =
      std::string(root != nullptr ? root : ".") + "/packaging/custos.properties";
  CliRun sample_run = Custos("serve --config " + sample + " --print-config");
  EXPECT_EQ(sample_run.code, 0) << sample_run.out;
  EXPECT_NE(sample_run.out.find("data = /var/lib/custos\n"), std::string::npos) << sample_run.out;
}

}  // namespace
}  // namespace custos::cli

namespace custos::cli {
namespace {

// An HTTP GET on loopback with raw sockets: the status line and body.
std::string HttpGet(int port, const std::string& path, const std::string& header) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  const std::string req =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + "Connection: close\r\n\r\n";
  (void)!write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// Running under systemd: `serve` tells it when it is ready and when it
// stops (Type=notify), and a monitoring system reads the metrics with the
// token from the file, not with a session; a wrong token is refused.
TEST(CliServiceTest, ReadinessIsNotifiedAndMetricsAreScrapedWithAToken) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  ASSERT_EQ(Custos("demo --kdf-profile test --customers 5 --data " + data,
                   "CUSTOS_PASSPHRASE=cli-test-passphrase")
                .code,
            0);
  const std::string token(40, 'k');
  const std::string token_file = WriteFile(dir, "metrics.token", token + "\n");
  const std::string notify = dir.path() + "/notify";
  int sock = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", notify.c_str());
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string got;
  {
    Server serve(data, {"CUSTOS_PASSPHRASE=cli-test-passphrase", "NOTIFY_SOCKET=" + notify},
                 {"--metrics-token-file", token_file});
    ASSERT_TRUE(serve.serving()) << serve.first_line();
    char buf[256];
    ssize_t n = recv(sock, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    EXPECT_EQ(std::string(buf, static_cast<size_t>(n)), "READY=1");
    const size_t colon = serve.first_line().rfind(':');
    const int port = std::atoi(serve.first_line().c_str() + colon + 1);
    const std::string ok =
        HttpGet(port, "/metrics/scrape", "Authorization: Bearer " + token + "\r\n");
    EXPECT_NE(ok.find("HTTP/1.1 200"), std::string::npos) << ok;
    EXPECT_NE(ok.find("custos_audit_events "), std::string::npos) << ok;
    EXPECT_NE(ok.find("custos_backups_total 0"), std::string::npos) << ok;
    const std::string wrong =
        HttpGet(port, "/metrics/scrape", "Authorization: Bearer " + std::string(40, 'x') + "\r\n");
    EXPECT_NE(wrong.find("HTTP/1.1 401"), std::string::npos) << wrong;
    EXPECT_NE(HttpGet(port, "/metrics/scrape", "").find("HTTP/1.1 401"), std::string::npos);
    EXPECT_NE(HttpGet(port, "/metrics", "").find("HTTP/1.1 401"), std::string::npos);
    EXPECT_EQ(serve.Stop(), 0);
    n = recv(sock, buf, sizeof buf, MSG_DONTWAIT);
    got = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  close(sock);
  EXPECT_EQ(got, "STOPPING=1");
  // A short token is refused before anything starts.
  const std::string short_token = WriteFile(dir, "short.token", "abc\n");
  CliRun refused = Custos("serve --data " + data + " --metrics-token-file " + short_token,
                          "CUSTOS_PASSPHRASE=cli-test-passphrase");
  EXPECT_EQ(refused.code, 2) << refused.out;
}

// A vault no server runs on may hold only an old checkpoint: the backup
// signs one of the whole log first, so its manifest anchors every event.
TEST(CliBackupTest, ABackupWithNoServerRunningAnchorsTheWholeLog) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string env = "CUSTOS_PASSPHRASE=cli-test-passphrase";
  const std::string out = dir.path() + "/now.custos-backup";
  ASSERT_EQ(Custos("demo --kdf-profile test --customers 5 --data " + data, env).code, 0);
  CliRun backup = Custos("backup --no-check --data " + data + " --out " + out, env);
  ASSERT_EQ(backup.code, 0) << backup.out;
  // "log: NAME, N events; checkpoint of size M" with M == N.
  const size_t events = backup.out.find(" events; checkpoint of size ");
  ASSERT_NE(events, std::string::npos) << backup.out;
  const size_t comma = backup.out.rfind(", ", events);
  const std::string log_size = backup.out.substr(comma + 2, events - comma - 2);
  const size_t at = events + std::string(" events; checkpoint of size ").size();
  const std::string checkpoint_size = backup.out.substr(at, backup.out.find('\n', at) - at);
  EXPECT_GT(std::stoull(log_size), 100u) << backup.out;
  EXPECT_EQ(checkpoint_size, log_size) << backup.out;
}

TEST(CliMigrateTest, AVaultMovesToANewStoreWithItsLogVerifiedOnBothSides) {
  TempDir dir;
  const std::string data = dir.path() + "/vault";
  const std::string copy = dir.path() + "/copy";
  const std::string env = "CUSTOS_PASSPHRASE=cli-test-passphrase";
  ASSERT_EQ(Custos("demo --kdf-profile test --customers 5 --data " + data, env).code, 0);
  CliRun moved = Custos("migrate --from " + data + " --to lmdb:" + copy, env);
  ASSERT_EQ(moved.code, 0) << moved.out;
  EXPECT_NE(moved.out.find("audit log verified on both sides"), std::string::npos) << moved.out;
  // The copy is a whole vault: it opens, verifies and serves the same log.
  CliRun verified = Custos("audit verify --store lmdb:" + copy, env);
  ASSERT_EQ(verified.code, 0) << verified.out;
  CliRun original = Custos("audit verify --data " + data, env);
  const auto root = [](const std::string& out) { return out.substr(out.rfind("root ")); };
  EXPECT_EQ(root(verified.out), root(original.out));
  // An existing vault is never overwritten; a wrong passphrase copies nothing.
  CliRun again = Custos("migrate --from " + data + " --to " + copy, env);
  EXPECT_EQ(again.code, 1) << again.out;
  EXPECT_NE(again.out.find("already exists"), std::string::npos) << again.out;
  CliRun wrong = Custos("migrate --from " + data + " --to " + dir.path() + "/other",
                        "CUSTOS_PASSPHRASE=wrong");
  EXPECT_EQ(wrong.code, 1) << wrong.out;
  EXPECT_FALSE(vault::Vault::Exists(dir.path() + "/other"));
  // Beside a running serve the copy would be stale at once: refused.
  {
    Server serve(data, {"CUSTOS_PASSPHRASE=cli-test-passphrase"});
    ASSERT_TRUE(serve.serving()) << serve.first_line();
    CliRun busy = Custos("migrate --from " + data + " --to " + dir.path() + "/busy", env);
    EXPECT_EQ(busy.code, 1) << busy.out;
    EXPECT_NE(busy.out.find("stop custos serve first"), std::string::npos) << busy.out;
    EXPECT_FALSE(vault::Vault::Exists(dir.path() + "/busy"));
    EXPECT_EQ(serve.Stop(), 0);
  }
}

TEST(CliMigrateTest, APasswordInAPostgreSqlLocationIsRefusedBeforeAnythingRuns) {
  const CliRun r = Custos("status --store postgresql://custos:s3cret@db.example/custos");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("pgpass"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("s3cret"), std::string::npos) << r.out;
  EXPECT_EQ(Custos("status --store /x --data /y").code, 2);
}

}  // namespace
}  // namespace custos::cli
