#include "tests/vault/evidence/test_tsa.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <utility>

#include "base/status.h"

namespace custos::vault::evidence::testing {
namespace {

// Extensions of the two certificates. The CA is a plain root; the TSA's
// certificate has what RFC 3161 §2.3 asks (the timeStamping key purpose,
// critical, and nothing else) so that OpenSSL agrees to sign with it.
constexpr char kReqConfig[] = R"(
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ tsa_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
)";

// The TSA section of `openssl ts -reply`: SHA-256 signatures, SHA-2
// imprints only, millisecond genTime, its name in every token, and the CA
// carried in the token with ESS cert IDs for the whole chain (the case
// where a verifier must look past the signer's certificate).
std::string TsConfig(const std::string& dir) {
  return R"(
[ tsa ]
default_tsa = tsa_section
[ tsa_section ]
dir = )" +
         dir + R"(
serial = $dir/tsa-serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
certs = $dir/ca.pem
signer_digest = sha256
default_policy = )" +
         std::string(TestTsa::kPolicyOid) +
         R"(
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = yes
ess_cert_id_alg = sha256
)";
}

constexpr char kNewEcKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc";

}  // namespace

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += "'";
  return out;
}

Status WriteFileBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::Internal("cannot write " + path);
  return Status::Ok();
}

Result<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Status RunCommand(const std::string& command, const std::string& log_path) {
  const std::string full = command + " >" + ShellQuote(log_path) + " 2>&1";
  const int rc = std::system(full.c_str());
  if (rc == 0) return Status::Ok();
  auto log = ReadFileBytes(log_path);
  return Status::Internal("`" + command + "` failed (" + std::to_string(rc) +
                          "): " + (log.ok() ? *log : std::string("no output")));
}

Result<std::unique_ptr<TestTsa>> TestTsa::Create() {
  std::unique_ptr<TestTsa> tsa(new TestTsa());
  const std::string d = tsa->dir();
  const std::string q = ShellQuote(d);
  const std::string log = d + "/setup.log";
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(d + "/req.cnf", kReqConfig));
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(d + "/tsa.cnf", TsConfig(d)));
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(d + "/tsa-serial", "01\n"));
  const std::string req = "openssl req -config " + q + "/req.cnf ";
  for (const char* name : {"ca", "other-ca"}) {
    const std::string subject = std::string("/O=Custos Test/CN=Custos Test ") +
                                (name == std::string("ca") ? "Root CA" : "Unrelated CA");
    CUSTOS_RETURN_IF_ERROR(RunCommand(req + "-x509 " + kNewEcKey + " -days 2 -extensions ca_ext" +
                                          " -subj " + ShellQuote(subject) + " -keyout " + q + "/" +
                                          name + ".key -out " + q + "/" + name + ".pem",
                                      log));
  }
  CUSTOS_RETURN_IF_ERROR(
      RunCommand(req + "-new " + kNewEcKey + " -subj " +
                     ShellQuote(std::string("/O=Custos Test/CN=") + kTsaCommonName) + " -keyout " +
                     q + "/tsa.key -out " + q + "/tsa.csr",
                 log));
  CUSTOS_RETURN_IF_ERROR(RunCommand("openssl x509 -req -in " + q + "/tsa.csr -CA " + q +
                                        "/ca.pem -CAkey " + q + "/ca.key -set_serial 2 -days 2" +
                                        " -extfile " + q + "/req.cnf -extensions tsa_ext -out " +
                                        q + "/tsa.pem",
                                    log));
  tsa->ca_path_ = d + "/ca.pem";
  tsa->other_ca_path_ = d + "/other-ca.pem";
  tsa->config_path_ = d + "/tsa.cnf";
  CUSTOS_ASSIGN_OR_RETURN(tsa->ca_pem_, ReadFileBytes(tsa->ca_path_));
  CUSTOS_ASSIGN_OR_RETURN(tsa->other_ca_pem_, ReadFileBytes(tsa->other_ca_path_));
  return tsa;
}

std::string TestTsa::ScratchPath(std::string_view stem) {
  return dir() + "/" + std::string(stem) + "-" + std::to_string(++scratch_);
}

Result<std::string> TestTsa::Reply(std::string_view query_der) {
  const std::string query = ScratchPath("query") + ".tsq";
  const std::string reply = ScratchPath("reply") + ".tsr";
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(query, query_der));
  std::lock_guard<std::mutex> lock(reply_mu_);
  CUSTOS_RETURN_IF_ERROR(RunCommand("openssl ts -reply -config " + ShellQuote(config_path_) +
                                        " -section tsa_section -queryfile " + ShellQuote(query) +
                                        " -out " + ShellQuote(reply),
                                    reply + ".log"));
  return ReadFileBytes(reply);
}

Result<std::string> TestTsa::OpensslQuery(std::string_view data, const std::string& flags) {
  const std::string data_path = ScratchPath("data");
  const std::string query = ScratchPath("query") + ".tsq";
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(data_path, data));
  CUSTOS_RETURN_IF_ERROR(RunCommand("openssl ts -query -data " + ShellQuote(data_path) + " " +
                                        flags + " -out " + ShellQuote(query),
                                    query + ".log"));
  return ReadFileBytes(query);
}

Result<TestTsa::TlsFiles> TestTsa::IssueServerCertificate(const std::string& subject_alt_name) {
  const std::string stem = ScratchPath("server");
  TlsFiles files{stem + ".pem", stem + ".key"};
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(stem + ".ext",
                                        "basicConstraints = critical, CA:FALSE\n"
                                        "keyUsage = critical, digitalSignature\n"
                                        "extendedKeyUsage = serverAuth\n"
                                        "subjectAltName = " +
                                            subject_alt_name + "\n"));
  const std::string log = stem + ".log";
  CUSTOS_RETURN_IF_ERROR(RunCommand("openssl req -config " + ShellQuote(dir() + "/req.cnf") +
                                        " -new " + kNewEcKey + " -subj /CN=tsa-server -keyout " +
                                        ShellQuote(files.key_path) + " -out " +
                                        ShellQuote(stem + ".csr"),
                                    log));
  CUSTOS_RETURN_IF_ERROR(RunCommand(
      "openssl x509 -req -in " + ShellQuote(stem + ".csr") + " -CA " + ShellQuote(ca_path_) +
          " -CAkey " + ShellQuote(dir() + "/ca.key") + " -set_serial " +
          std::to_string(100 + scratch_.load()) + " -days 1" + " -extfile " +
          ShellQuote(stem + ".ext") + " -out " + ShellQuote(files.cert_path),
      log));
  return files;
}

Status TestTsa::OpensslVerify(std::string_view data, std::string_view reply_der,
                              const std::string& ca_path) {
  const std::string data_path = ScratchPath("data");
  const std::string reply = ScratchPath("reply") + ".tsr";
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(data_path, data));
  CUSTOS_RETURN_IF_ERROR(WriteFileBytes(reply, reply_der));
  const std::string log = reply + ".verify.log";
  CUSTOS_RETURN_IF_ERROR(RunCommand("openssl ts -verify -data " + ShellQuote(data_path) + " -in " +
                                        ShellQuote(reply) + " -CAfile " +
                                        ShellQuote(ca_path.empty() ? ca_path_ : ca_path),
                                    log));
  CUSTOS_ASSIGN_OR_RETURN(std::string out, ReadFileBytes(log));
  if (out.find("Verification: OK") == std::string::npos) {
    return Status::DataLoss("openssl ts -verify did not say OK: " + out);
  }
  return Status::Ok();
}

}  // namespace custos::vault::evidence::testing
