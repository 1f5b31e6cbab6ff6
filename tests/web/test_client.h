// A small HTTP client and server fixture for the web tests: a fresh vault
// with users of every role, a Server on 127.0.0.1 port 0 with a clock the
// test moves, and Poco's HTTPClientSession to talk to it.
#ifndef CUSTOS_TESTS_WEB_TEST_CLIENT_H_
#define CUSTOS_TESTS_WEB_TEST_CLIENT_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "base/json.h"
#include "tests/vault/test_util.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/records.h"
#include "web/server.h"

namespace custos::web::testing {

// The number of events in `log` now (the `from` of a later EventsFrom).
uint64_t LogSize(vault::Vault& vault, const vault::AuditLog& log);
// The audit log's events from `from` on, parsed.
std::vector<json::Value> EventsFrom(vault::Vault& vault, const vault::AuditLog& log, uint64_t from);

struct TestResponse {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  std::map<std::string, int> header_counts;    // how often each came (lower-case)
  std::vector<std::string> cookies;            // Set-Cookie values
  json::Value Json() const;
  std::string ErrorCode() const;  // error.code or ""
  const std::string& Header(const std::string& lower) const;
};

class TestClient {
 public:
  explicit TestClient(uint16_t port) : port_(port) {}

  TestResponse Send(const std::string& method, const std::string& path,
                    const std::string& body = "",
                    const std::map<std::string, std::string>& headers = {},
                    const std::string& content_type = "application/json");
  // Adds the session cookie and (for state changes) the CSRF header.
  TestResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "");
  TestResponse Login(const std::string& username, const std::string& password);

  std::string session_token;
  std::string csrf_token;

 private:
  uint16_t port_;
};

inline constexpr char kPassword[] = "correct-password-1";

class WebTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // (Re)starts the server with `options` tweaks applied to the defaults.
  void StartServer(const std::function<void(ServerOptions&)>& tweak = {});
  vault::User AddUser(const std::string& name, std::vector<policy::Role> roles,
                      bool must_change = false);
  TestClient Client() { return TestClient(server_->port()); }
  TestClient LoggedIn(const std::string& name);
  void Advance(int64_t ms) { now_ += ms; }

  std::unique_ptr<vault::testing::TempDir> dir_;
  std::unique_ptr<vault::Vault> vault_;
  std::unique_ptr<vault::AuditLog> audit_;
  std::unique_ptr<vault::Archive> archive_;
  std::unique_ptr<Server> server_;
  std::atomic<int64_t> now_{1'800'000'000'000};
  std::vector<std::string> log_;
  vault::User admin_, author_, auditor_, everyone_, newbie_, nobody_;
};

}  // namespace custos::web::testing

#endif  // CUSTOS_TESTS_WEB_TEST_CLIENT_H_
