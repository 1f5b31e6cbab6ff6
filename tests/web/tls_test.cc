// HTTPS: the server speaks TLS with a given certificate, sends HSTS, and marks
// the session cookie Secure. The certificate is made for the test with the
// openssl command-line tool.
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include "tests/web/test_client.h"

namespace custos::web::testing {
namespace {

class WebTlsTest : public WebTest {
 protected:
  void MakeCertificate() {
    cert_ = dir_->path() + "/cert.pem";
    key_ = dir_->path() + "/key.pem";
    const std::string cmd =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
        "-subj /CN=127.0.0.1 -keyout '" +
        key_ + "' -out '" + cert_ + "' >/dev/null 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "openssl could not make a test certificate";
  }

  struct Reply {
    int status = 0;
    std::string body;
    Poco::Net::HTTPResponse response;
  };

  Reply Https(const std::string& method, const std::string& path, const std::string& body = "",
              const std::string& cookie = "") {
    // The test trusts its own self-signed certificate; nothing else is contacted.
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "",
                                                         "", Poco::Net::Context::VERIFY_NONE);
    Poco::Net::HTTPSClientSession session("127.0.0.1", server_->port(), ctx);
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    if (!cookie.empty()) req.set("Cookie", cookie);
    session.sendRequest(req) << body;
    Reply r;
    std::istream& in = session.receiveResponse(r.response);
    std::ostringstream out;
    Poco::StreamCopier::copyStream(in, out);
    r.status = r.response.getStatus();
    r.body = out.str();
    return r;
  }

  std::string cert_, key_;
};

TEST_F(WebTlsTest, ServesHttpsWithHstsAndSecureCookies) {
  MakeCertificate();
  StartServer([&](ServerOptions& o) {
    o.tls_cert_path = cert_;
    o.tls_key_path = key_;
  });
  ASSERT_TRUE(server_->tls());

  Reply health = Https("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.response.get("Strict-Transport-Security", "").find("max-age="),
            std::string::npos);

  Reply login = Https("POST", "/api/v1/session",
                      std::string(R"({"username":"author","password":")") + kPassword +
                          R"(","workstation":"WS-TLS","location":"上海"})");
  ASSERT_EQ(login.status, 200) << login.body;
  std::string cookie = login.response.get("Set-Cookie", "");
  EXPECT_NE(cookie.find("Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  // SECURITY: the __Host- prefix (Secure, Path=/, no Domain) keeps a
  // sibling host or a plain-HTTP page from setting the session cookie.
  const std::string prefix = "__Host-custos_session=";
  ASSERT_EQ(cookie.rfind(prefix, 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; Path=/;"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Domain"), std::string::npos) << cookie;
  const std::string token = cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
  EXPECT_EQ(Https("GET", "/api/v1/session", "", prefix + token).status, 200);
  // Over HTTPS only the prefixed name is the session.
  EXPECT_EQ(Https("GET", "/api/v1/session", "", "custos_session=" + token).status, 401);

  // Plain HTTP to the TLS port gets no HTTP answer (an error or a reset).
  int plain_status = 0;
  try {
    plain_status = Client().Send("GET", "/healthz").status;
  } catch (const Poco::Exception&) {
    plain_status = -1;
  }
  EXPECT_NE(plain_status, 200);
}

// The connection loop over TLS: requests in turn on one kept-alive session,
// and Stop does not wait out the keep-alive timeout of an idle one.
TEST_F(WebTlsTest, KeepAliveOverTlsAndPromptStop) {
  MakeCertificate();
  StartServer([&](ServerOptions& o) {
    o.tls_cert_path = cert_;
    o.tls_key_path = key_;
  });
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "",
                                                       "", Poco::Net::Context::VERIFY_NONE);
  Poco::Net::HTTPSClientSession session("127.0.0.1", server_->port(), ctx);
  session.setKeepAlive(true);
  for (int i = 0; i < 3; ++i) {
    Poco::Net::HTTPRequest req("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    req.setKeepAlive(true);
    session.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::ostringstream out;
    Poco::StreamCopier::copyStream(session.receiveResponse(resp), out);
    EXPECT_EQ(resp.getStatus(), 200);
    EXPECT_TRUE(resp.getKeepAlive());
    EXPECT_EQ(out.str(), R"({"status":"ok"})");
  }
  EXPECT_TRUE(session.connected());
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 3.0);
}

TEST_F(WebTlsTest, MissingOrBrokenCertificateIsAClearError) {
  std::string bogus = dir_->path() + "/bogus.pem";
  std::system(("echo 'not a certificate' > '" + bogus + "'").c_str());
  server_->Stop();
  ServerOptions o;
  o.port = 0;
  o.tls_cert_path = bogus;
  o.tls_key_path = bogus;
  o.log = [](const std::string&) {};
  auto s = Server::Start(*vault_, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument) << s.status().ToString();
}

}  // namespace
}  // namespace custos::web::testing
