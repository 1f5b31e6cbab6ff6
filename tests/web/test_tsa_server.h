// An RFC 3161 TSA over HTTP for the web tests: Poco's HTTPServer on
// 127.0.0.1 port 0 in front of a TestTsa (tests/vault/evidence/test_tsa.h),
// answering each POSTed application/timestamp-query with `openssl ts
// -reply`. It can also misbehave on purpose (a 500, an HTML page, a
// replayed or tampered reply, an oversized body) and can speak TLS with a
// certificate no system trusts.
//
// Thread-safety: the setters and accessors may be called while the server
// runs; its handler threads read them under a lock.
#ifndef CUSTOS_TESTS_WEB_TEST_TSA_SERVER_H_
#define CUSTOS_TESTS_WEB_TEST_TSA_SERVER_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "tests/vault/evidence/test_tsa.h"

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
}  // namespace Net
}  // namespace Poco

namespace custos::web::testing {

class TestTsaServer {
 public:
  enum class Behavior {
    kReply,             // what openssl answers
    kServerError,       // 500, text/plain
    kNotFound,          // 404, text/html
    kHtml,              // 200, text/html
    kReplayFirstReply,  // the reply to the first request, whatever is asked
    kFlipLastByte,      // the reply with its last byte (in the signature) flipped
    kTruncate,          // the first half of the reply
    kOversized,         // 100 KiB with a Content-Length
    kOversizedChunked,  // 100 KiB, chunked
  };

  // Starts serving `tsa` (which must outlive the server) over HTTP, or over
  // HTTPS with `tls_cert_path`/`tls_key_path` when given. Throws Poco's
  // exception when it cannot listen (gtest reports it).
  explicit TestTsaServer(vault::evidence::testing::TestTsa& tsa,
                         const std::string& tls_cert_path = "",
                         const std::string& tls_key_path = "");
  ~TestTsaServer();  // stops and waits for open connections
  TestTsaServer(const TestTsaServer&) = delete;
  TestTsaServer& operator=(const TestTsaServer&) = delete;

  // "http://127.0.0.1:<port>/tsa" (https:// under TLS).
  std::string url() const;
  uint16_t port() const { return port_; }

  void set_behavior(Behavior b);
  // Requests that reached the handler, and the method and Content-Type of
  // the last one.
  int requests() const;
  std::string last_method() const;
  std::string last_content_type() const;

  // Called by the handler.
  struct Answer {
    int status = 200;
    std::string content_type;
    std::string body;
    bool chunked = false;
  };
  Answer Handle(const std::string& method, const std::string& content_type,
                const std::string& body);

 private:
  vault::evidence::testing::TestTsa& tsa_;
  bool tls_ = false;
  uint16_t port_ = 0;
  std::unique_ptr<Poco::ThreadPool> pool_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;

  mutable std::mutex mu_;
  Behavior behavior_ = Behavior::kReply;
  int requests_ = 0;
  std::string last_method_, last_content_type_, first_reply_;
};

}  // namespace custos::web::testing

#endif  // CUSTOS_TESTS_WEB_TEST_TSA_SERVER_H_
