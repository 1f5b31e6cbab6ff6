// RFC 3161 over HTTP(S): the client against a TSA the test runs itself
// (tests/web/test_tsa_server.h), good and misbehaving, and against
// addresses where nothing answers.
#include "web/tsa_client.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include "tests/vault/evidence/test_tsa.h"
#include "tests/web/test_tsa_server.h"
#include "vault/evidence/timestamp.h"

namespace custos::web::testing {
namespace {

using vault::evidence::CheckTimestampResponse;
using vault::evidence::MakeTimestampRequest;
using vault::evidence::TimestampRequest;
using vault::evidence::testing::TestTsa;
using Behavior = TestTsaServer::Behavior;

constexpr char kCheckpoint[] =
    "custos.test/vault\n7\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

class TsaClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto tsa = TestTsa::Create();
    ASSERT_TRUE(tsa.ok()) << tsa.status().ToString();
    tsa_ = std::move(tsa).value().release();
  }
  static void TearDownTestSuite() {
    delete tsa_;
    tsa_ = nullptr;
  }
  void SetUp() override { server_ = std::make_unique<TestTsaServer>(*tsa_); }

  static TimestampRequest Request(std::string_view data = kCheckpoint) {
    auto r = MakeTimestampRequest(data);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TimestampRequest{};
  }

  static void ExpectError(const Result<std::string>& r, StatusCode code, const std::string& words) {
    ASSERT_FALSE(r.ok()) << "succeeded; expected: " << words;
    EXPECT_EQ(r.status().code(), code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(words), std::string::npos) << r.status().ToString();
  }

  // A port on 127.0.0.1 where nothing listens (bound, read, closed).
  static uint16_t ClosedPort() {
    Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
    const uint16_t port = s.address().port();
    s.close();
    return port;
  }

  static TestTsa* tsa_;
  std::unique_ptr<TestTsaServer> server_;
};
TestTsa* TsaClientTest::tsa_ = nullptr;

TEST_F(TsaClientTest, GrantedReplyPassesOurCheckAndOpenssl) {
  const TimestampRequest request = Request();
  auto reply = RequestTimestamp(server_->url(), request.der);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(server_->requests(), 1);
  EXPECT_EQ(server_->last_method(), "POST");
  EXPECT_EQ(server_->last_content_type(), "application/timestamp-query");

  auto info = CheckTimestampResponse(*reply, kCheckpoint, &request, tsa_->ca_pem());
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->policy_oid, TestTsa::kPolicyOid);
  // What a court's expert runs on audit/checkpoint and audit/checkpoint.tsr.
  Status verified = tsa_->OpensslVerify(kCheckpoint, *reply);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
}

TEST_F(TsaClientTest, TimestampDataReturnsACheckedReply) {
  auto reply = TimestampData(server_->url(), kCheckpoint, tsa_->ca_pem());
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_TRUE(CheckTimestampResponse(*reply, kCheckpoint, nullptr, tsa_->ca_pem()).ok());
  EXPECT_TRUE(tsa_->OpensslVerify(kCheckpoint, *reply).ok());
  // Without a CA the signature alone is checked.
  EXPECT_TRUE(TimestampData(server_->url(), kCheckpoint, "").ok());
}

TEST_F(TsaClientTest, ReplyOverOtherDataIsDataLoss) {
  const TimestampRequest request = Request();
  auto reply = RequestTimestamp(server_->url(), request.der);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  auto info = CheckTimestampResponse(*reply, "another checkpoint", &request, tsa_->ca_pem());
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.status().code(), StatusCode::kDataLoss) << info.status().ToString();
  EXPECT_FALSE(tsa_->OpensslVerify("another checkpoint", *reply).ok());
}

TEST_F(TsaClientTest, ReplayedReplyIsDataLoss) {
  // A TSA (or someone in between) answering with an older reply for the
  // same data: only the nonce gives it away.
  server_->set_behavior(Behavior::kReplayFirstReply);
  ASSERT_TRUE(TimestampData(server_->url(), kCheckpoint, tsa_->ca_pem()).ok());
  ExpectError(TimestampData(server_->url(), kCheckpoint, tsa_->ca_pem()), StatusCode::kDataLoss,
              "nonce");
}

TEST_F(TsaClientTest, TamperedReplyIsRefused) {
  server_->set_behavior(Behavior::kFlipLastByte);
  ExpectError(TimestampData(server_->url(), kCheckpoint, tsa_->ca_pem()), StatusCode::kDataLoss,
              "signature");
  ExpectError(TimestampData(server_->url(), kCheckpoint, ""), StatusCode::kDataLoss, "signature");
  server_->set_behavior(Behavior::kTruncate);
  ExpectError(TimestampData(server_->url(), kCheckpoint, tsa_->ca_pem()),
              StatusCode::kInvalidArgument, "not a DER TimeStampResp");
}

TEST_F(TsaClientTest, UnrelatedCaIsDataLoss) {
  ExpectError(TimestampData(server_->url(), kCheckpoint, tsa_->other_ca_pem()),
              StatusCode::kDataLoss, "chain");
}

TEST_F(TsaClientTest, NobodyListeningIsUnavailableAtOnce) {
  const auto start = std::chrono::steady_clock::now();
  ExpectError(
      RequestTimestamp("http://127.0.0.1:" + std::to_string(ClosedPort()) + "/tsa", Request().der),
      StatusCode::kUnavailable, "127.0.0.1");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(TsaClientTest, SilentServerTimesOut) {
  // Listening, never accepting: the kernel completes the handshake and
  // takes the request; no answer ever comes.
  Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  const auto start = std::chrono::steady_clock::now();
  ExpectError(
      RequestTimestamp("http://127.0.0.1:" + std::to_string(silent.address().port()) + "/tsa",
                       Request().der, /*timeout_seconds=*/1),
      StatusCode::kUnavailable, "timed out");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST_F(TsaClientTest, AnswersThatAreNotTimestampRepliesAreErrors) {
  const std::string der = Request().der;
  server_->set_behavior(Behavior::kServerError);
  ExpectError(RequestTimestamp(server_->url(), der), StatusCode::kUnavailable, "HTTP 500");
  server_->set_behavior(Behavior::kNotFound);
  ExpectError(RequestTimestamp(server_->url(), der), StatusCode::kFailedPrecondition, "HTTP 404");
  server_->set_behavior(Behavior::kHtml);
  ExpectError(RequestTimestamp(server_->url(), der), StatusCode::kFailedPrecondition, "text/html");
  server_->set_behavior(Behavior::kOversized);
  ExpectError(RequestTimestamp(server_->url(), der), StatusCode::kResourceExhausted, "bytes");
  server_->set_behavior(Behavior::kOversizedChunked);
  ExpectError(RequestTimestamp(server_->url(), der), StatusCode::kResourceExhausted, "bytes");
  server_->set_behavior(Behavior::kServerError);
  ExpectError(TimestampData(server_->url(), kCheckpoint, tsa_->ca_pem()), StatusCode::kUnavailable,
              "HTTP 500");
}

TEST_F(TsaClientTest, BadUrlsAreInvalidArgument) {
  const std::string der = Request().der;
  for (const char* url : {"", "tsa.example", "ftp://127.0.0.1/tsa", "http://", "file:///etc/passwd",
                          "http://user:secret@127.0.0.1/tsa", "http://[::1/tsa"}) {
    auto r = RequestTimestamp(url, der);
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument)
        << url << ": " << r.status().ToString();
    EXPECT_EQ(r.status().message().find("secret"), std::string::npos) << r.status().ToString();
  }
  ExpectError(RequestTimestamp(server_->url(), der, 0), StatusCode::kInvalidArgument, "timeout");
  EXPECT_EQ(server_->requests(), 0);
}

TEST_F(TsaClientTest, HttpsRefusesACertificateTheSystemDoesNotTrust) {
  const std::string cert = tsa_->dir() + "/https-cert.pem";
  const std::string key = tsa_->dir() + "/https-key.pem";
  ASSERT_TRUE(vault::evidence::testing::RunCommand(
                  "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -noenc "
                  "-days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout '" +
                      key + "' -out '" + cert + "'",
                  tsa_->dir() + "/https-cert.log")
                  .ok());
  TestTsaServer https(*tsa_, cert, key);
  ExpectError(RequestTimestamp(https.url(), Request().der), StatusCode::kUnavailable,
              "certificate verify failed");
  EXPECT_EQ(https.requests(), 0) << "the query went to an unverified server";
}

// Makes OpenSSL's default CA file (the "system store") the test CA's for
// the scope: SSL_CERT_FILE is read whenever a TLS context loads the
// default CAs.
class ScopedCaFile {
 public:
  explicit ScopedCaFile(const std::string& path) {
    if (const char* old = std::getenv("SSL_CERT_FILE")) old_ = old;
    setenv("SSL_CERT_FILE", path.c_str(), 1);
  }
  ~ScopedCaFile() {
    if (old_.has_value()) {
      setenv("SSL_CERT_FILE", old_->c_str(), 1);
    } else {
      unsetenv("SSL_CERT_FILE");
    }
  }

 private:
  std::optional<std::string> old_;
};

TEST_F(TsaClientTest, HttpsWithATrustedCertificateForTheHostWorks) {
  auto files = tsa_->IssueServerCertificate("IP:127.0.0.1");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  TestTsaServer https(*tsa_, files->cert_path, files->key_path);
  {
    ScopedCaFile trust(tsa_->ca_path());
    auto reply = TimestampData(https.url(), kCheckpoint, tsa_->ca_pem());
    ASSERT_TRUE(reply.ok()) << reply.status().ToString();
    EXPECT_EQ(https.requests(), 1);
    // The certificate names 127.0.0.1, not localhost: the name is checked
    // even on this machine.
    ExpectError(RequestTimestamp("https://localhost:" + std::to_string(https.port()) + "/tsa",
                                 Request().der),
                StatusCode::kUnavailable, "TLS");
    EXPECT_EQ(https.requests(), 1);
  }
  // Outside the scope the system store is back, and it does not know the
  // test CA.
  ExpectError(RequestTimestamp(https.url(), Request().der), StatusCode::kUnavailable,
              "certificate verify failed");
}

}  // namespace
}  // namespace custos::web::testing
