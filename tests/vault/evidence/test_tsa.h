// A time-stamping authority for tests, made of the `openssl` command: in
// its own temporary directory, a root CA, a TSA certificate signed by it
// (extendedKeyUsage critical timeStamping) and an `openssl ts`
// configuration; Reply() answers a DER TimeStampReq as `openssl ts -reply`
// does. It contacts nothing; the web tests put an HTTP server in front of
// it (tests/web/test_tsa_server.h).
//
// Thread-safety: Reply() may be called from several threads (the TSA's
// serial-number file is updated under a lock); the rest is read-only after
// Create().
#ifndef CUSTOS_TESTS_VAULT_EVIDENCE_TEST_TSA_H_
#define CUSTOS_TESTS_VAULT_EVIDENCE_TEST_TSA_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tests/vault/test_util.h"

namespace custos::vault::evidence::testing {

// Runs `command` with /bin/sh, its output going to `log_path`; kInternal
// quoting the log when it exits non-zero.
Status RunCommand(const std::string& command, const std::string& log_path);
// `s` quoted for /bin/sh.
std::string ShellQuote(std::string_view s);
Status WriteFileBytes(const std::string& path, std::string_view bytes);
Result<std::string> ReadFileBytes(const std::string& path);

class TestTsa {
 public:
  // Makes the CA, the TSA's key and certificate, a second unrelated CA
  // (for wrong-CA tests) and the configuration. kInternal when openssl
  // fails (its output is in the message).
  static Result<std::unique_ptr<TestTsa>> Create();

  TestTsa(const TestTsa&) = delete;
  TestTsa& operator=(const TestTsa&) = delete;

  // `openssl ts -reply` for `query_der`: a DER TimeStampResp (granted, or
  // a rejection when the TSA refuses the query, e.g. for a digest it does
  // not accept).
  Result<std::string> Reply(std::string_view query_der);

  // `openssl ts -query -data FILE <flags>`: a DER TimeStampReq made by the
  // reference tool, e.g. flags "-sha512 -cert" or "-sha256 -no_nonce".
  Result<std::string> OpensslQuery(std::string_view data, const std::string& flags);

  // `openssl ts -verify -data FILE -in REPLY -CAfile <ca>` (this TSA's CA
  // unless `ca_path` is given). OK when the tool prints "Verification: OK".
  Status OpensslVerify(std::string_view data, std::string_view reply_der,
                       const std::string& ca_path = "");

  // A TLS server certificate and key signed by this TSA's CA, for the name
  // in `subject_alt_name` (e.g. "IP:127.0.0.1"), with serverAuth use.
  struct TlsFiles {
    std::string cert_path, key_path;
  };
  Result<TlsFiles> IssueServerCertificate(const std::string& subject_alt_name);

  const std::string& dir() const { return dir_.path(); }
  const std::string& ca_path() const { return ca_path_; }
  const std::string& ca_pem() const { return ca_pem_; }
  // A CA that signed nothing here.
  const std::string& other_ca_path() const { return other_ca_path_; }
  const std::string& other_ca_pem() const { return other_ca_pem_; }
  // The policy OID the TSA puts in its tokens, and its subject CN.
  static constexpr char kPolicyOid[] = "1.2.3.4.1";
  static constexpr char kTsaCommonName[] = "Custos Test TSA";

 private:
  TestTsa() = default;
  // A fresh "<dir>/<stem>-<n>" path for one exchange's files.
  std::string ScratchPath(std::string_view stem);

  vault::testing::TempDir dir_;
  std::string ca_path_, ca_pem_, other_ca_path_, other_ca_pem_, config_path_;
  std::mutex reply_mu_;  // `openssl ts -reply` rewrites the serial file
  std::atomic<int> scratch_{0};
};

}  // namespace custos::vault::evidence::testing

#endif  // CUSTOS_TESTS_VAULT_EVIDENCE_TEST_TSA_H_
