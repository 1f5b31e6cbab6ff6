#include "web/server.h"

#include <atomic>
#include <random>
#include <string>
#include <thread>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include "tests/web/test_client.h"

namespace custos::web::testing {
namespace {

using WebServerTest = WebTest;

// Sends raw bytes and returns the response's status code, or 0 when the
// connection was closed or reset before a status line arrived.
int RawStatusOn(uint16_t port, const std::string& request) {
  try {
    Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", port));
    s.setReceiveTimeout(Poco::Timespan(5, 0));
    try {
      s.sendBytes(request.data(), static_cast<int>(request.size()));
    } catch (const Poco::Exception&) {
      // The server may refuse before we finish writing; read what it said.
    }
    char buf[64];
    const int n = s.receiveBytes(buf, sizeof buf);
    const std::string head(buf, n > 0 ? static_cast<size_t>(n) : 0);
    if (head.rfind("HTTP/1.1 ", 0) != 0 || head.size() < 12) return 0;
    return std::stoi(head.substr(9, 3));
  } catch (const Poco::Exception&) {
    return 0;
  }
}

TEST_F(WebServerTest, HealthzIsPublicAndCarriesSecurityHeaders) {
  TestResponse r = Client().Send("GET", "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json()["status"].as_string(), "ok");
  const std::string& csp = r.Header("content-security-policy");
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.Header("referrer-policy"), "no-referrer");
  EXPECT_EQ(r.Header("x-frame-options"), "DENY");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  for (const auto& [name, count] : r.header_counts) EXPECT_EQ(count, 1) << name;
  EXPECT_EQ(r.Header("strict-transport-security"), "");  // plain HTTP
  EXPECT_EQ(r.Header("server"), "");
}

// While the vault's commits fail (a full disk; here the file-size limit),
// the health check says so, so that a load balancer or a monitor notices;
// it is healthy again once a commit succeeds.
TEST_F(WebServerTest, HealthzFailsWhileTheVaultCannotCommit) {
  const Status refused = vault::testing::WriteUntilTheDiskRefuses(*vault_, dir_->path(),
                                                                  vault::tables::kRecords, "full-");
  ASSERT_FALSE(refused.ok());
  TestResponse failing = Client().Send("GET", "/healthz");
  EXPECT_EQ(failing.status, 503);
  EXPECT_EQ(failing.Json()["status"].as_string(), "failing");
  TestClient admin = LoggedIn("admin");
  ASSERT_TRUE(vault_
                  ->Write([](vault::WriteTxn& w) {
                    return w.Put(vault::tables::kRecords, "room-again", "x");
                  })
                  .ok());
  TestResponse ok = Client().Send("GET", "/healthz");
  EXPECT_EQ(ok.status, 200);
  TestResponse metrics = admin.Call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("custos_vault_commit_failures_total "), std::string::npos);
  EXPECT_NE(metrics.body.find("custos_vault_failing 0"), std::string::npos) << metrics.body;
}

TEST_F(WebServerTest, ErrorsCarrySecurityHeadersToo) {
  TestResponse r = Client().Send("GET", "/api/v1/nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.ErrorCode(), "not_found");
  EXPECT_FALSE(r.Header("content-security-policy").empty());
  EXPECT_FALSE(r.Json()["error"]["message_zh"].as_string().empty());
  EXPECT_FALSE(r.Json()["error"]["message_en"].as_string().empty());
}

TEST_F(WebServerTest, LoginSetsStrictHttpOnlyCookieAndCsrfToken) {
  TestClient c = Client();
  TestResponse r = c.Login("author", kPassword);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.cookies.size(), 1u);
  const std::string& cookie = r.cookies[0];
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(cookie.find("Path=/"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // no TLS here
  EXPECT_EQ(c.session_token.size(), 64u);
  EXPECT_EQ(c.csrf_token.size(), 64u);
  EXPECT_EQ(r.Json()["user"]["username"].as_string(), "author");
  EXPECT_EQ(r.Json()["user"].Find("password_hash"), nullptr);
  EXPECT_EQ(r.body.find(kPassword), std::string::npos);

  TestResponse me = c.Call("GET", "/api/v1/session");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.Json()["csrf_token"].as_string(), c.csrf_token);
  EXPECT_EQ(me.Json()["session"]["workstation"].as_string(), "WS-01");
  EXPECT_EQ(me.Json()["session"]["location"].as_string(), "上海办公室");
  EXPECT_EQ(me.Json()["session"]["ip"].as_string(), "127.0.0.1");
}

// The declared place goes into every event of the session: a login whose
// workstation or location would not read as stored is refused, naming it.
TEST_F(WebServerTest, ThePlaceOfALoginIsOneLineOfPlainText) {
  // JSON escapes: a line break, a right-to-left override, a NUL.
  const std::pair<const char*, const char*> places[] = {{R"(WS\n01)", "上海办公室"},
                                                        {"WS-01", R"(上海\u202E办公室)"},
                                                        {R"(WS\u000001)", "上海办公室"}};
  for (const auto& [workstation, location] : places) {
    const std::string body = std::string(R"({"username":"author","password":")") + kPassword +
                             R"(","workstation":")" + workstation + R"(","location":")" + location +
                             R"("})";
    TestResponse r = Client().Send("POST", "/api/v1/session", body, {});
    EXPECT_EQ(r.status, 400) << body << " → " << r.body;
    EXPECT_TRUE(r.cookies.empty());
    const std::string message = r.Json()["error"]["message_en"].as_string();
    EXPECT_TRUE(message.rfind("workstation holds", 0) == 0 ||
                message.rfind("location holds", 0) == 0)
        << message;
    // Said in Chinese with the login form's words.
    const std::string zh = r.Json()["error"]["message_zh"].as_string();
    EXPECT_TRUE(zh.rfind("工作站含有", 0) == 0 || zh.rfind("所在地点含有", 0) == 0) << zh;
  }
  // A place of spaces says nowhere: refused, not recorded in every event.
  for (const char* blank : {" ", R"( 　)"}) {
    const std::string body = std::string(R"({"username":"author","password":")") + kPassword +
                             R"(","workstation":"WS-01","location":")" + blank + R"("})";
    TestResponse r = Client().Send("POST", "/api/v1/session", body, {});
    EXPECT_EQ(r.status, 400) << body << " → " << r.body;
    EXPECT_TRUE(r.cookies.empty());
    EXPECT_EQ(r.Json()["error"]["message_en"].as_string().rfind("location is blank", 0), 0u)
        << r.body;
  }
}

std::string LoginBody() {
  return std::string(R"({"username":"author","password":")") + kPassword +
         R"(","workstation":"WS-01","location":"Lab"})";
}

// A TLS-terminating proxy listed in trusted_proxies that marks a request
// X-Forwarded-Proto: https makes it an HTTPS request: the session cookie is
// __Host-custos_session with Secure (Path=/, no Domain) and responses carry
// HSTS. Over HTTPS only the prefixed cookie is read.
TEST_F(WebServerTest, TrustedTlsProxyGetsHostPrefixedSecureCookieAndHsts) {
  StartServer([](ServerOptions& o) { o.trusted_proxies = {"127.0.0.1"}; });
  const std::map<std::string, std::string> https = {{"X-Forwarded-Proto", "https"}};
  TestResponse login = Client().Send("POST", "/api/v1/session", LoginBody(), https);
  ASSERT_EQ(login.status, 200) << login.body;
  ASSERT_EQ(login.cookies.size(), 1u);
  const std::string& cookie = login.cookies[0];
  const std::string prefix = "__Host-custos_session=";
  ASSERT_EQ(cookie.rfind(prefix, 0), 0u) << cookie;
  EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/;"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_EQ(cookie.find("Domain"), std::string::npos) << cookie;
  EXPECT_EQ(login.Header("strict-transport-security"), "max-age=31536000");
  const std::string token = cookie.substr(prefix.size(), cookie.find(';') - prefix.size());
  const std::string csrf = login.Json()["csrf_token"].as_string();

  std::map<std::string, std::string> h = https;
  h["Cookie"] = prefix + token;
  TestResponse me = Client().Send("GET", "/api/v1/session", "", h);
  EXPECT_EQ(me.status, 200) << me.body;
  EXPECT_FALSE(me.Header("strict-transport-security").empty());
  // The unprefixed name, which a sibling host or a plain-HTTP page could
  // have set, is not the session over HTTPS.
  h["Cookie"] = "custos_session=" + token;
  EXPECT_EQ(Client().Send("GET", "/api/v1/session", "", h).status, 401);

  // Logout clears the prefixed cookie.
  h["Cookie"] = prefix + token;
  h["X-CSRF-Token"] = csrf;
  TestResponse out = Client().Send("DELETE", "/api/v1/session", "", h);
  ASSERT_EQ(out.status, 200) << out.body;
  ASSERT_EQ(out.cookies.size(), 1u);
  EXPECT_EQ(out.cookies[0].rfind(prefix + ";", 0), 0u) << out.cookies[0];
  EXPECT_NE(out.cookies[0].find("Max-Age=0"), std::string::npos) << out.cookies[0];
  EXPECT_NE(out.cookies[0].find("; Secure"), std::string::npos) << out.cookies[0];

  // Without the header, or when the proxy says the client came over HTTP
  // (the right-most value: a proxy that appends, appends last), plain HTTP.
  for (const std::map<std::string, std::string>& plain :
       {std::map<std::string, std::string>{},
        std::map<std::string, std::string>{{"X-Forwarded-Proto", "http"}},
        std::map<std::string, std::string>{{"X-Forwarded-Proto", "https, http"}}}) {
    TestResponse r = Client().Send("POST", "/api/v1/session", LoginBody(), plain);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(r.cookies.size(), 1u);
    EXPECT_EQ(r.cookies[0].rfind("custos_session=", 0), 0u) << r.cookies[0];
    EXPECT_EQ(r.cookies[0].find("Secure"), std::string::npos) << r.cookies[0];
    EXPECT_EQ(r.Header("strict-transport-security"), "");
  }
}

// SECURITY: X-Forwarded-Proto is believed only from a trusted proxy; from
// anyone else a client could claim HTTPS for a plain connection.
TEST_F(WebServerTest, ForwardedProtoFromAnUntrustedPeerIsIgnored) {
  const std::map<std::string, std::string> https = {{"X-Forwarded-Proto", "https"}};
  TestResponse login = Client().Send("POST", "/api/v1/session", LoginBody(), https);
  ASSERT_EQ(login.status, 200) << login.body;
  ASSERT_EQ(login.cookies.size(), 1u);
  EXPECT_EQ(login.cookies[0].rfind("custos_session=", 0), 0u) << login.cookies[0];
  EXPECT_EQ(login.cookies[0].find("Secure"), std::string::npos) << login.cookies[0];
  EXPECT_EQ(login.Header("strict-transport-security"), "");
  EXPECT_EQ(Client().Send("GET", "/healthz", "", https).Header("strict-transport-security"), "");
}

TEST_F(WebServerTest, SessionTokenIsStoredOnlyAsHash) {
  TestClient c = LoggedIn("author");
  auto txn = vault_->BeginRead();
  ASSERT_TRUE(txn.ok());
  int sessions = 0;
  Status st = (*txn)->Scan(vault::tables::kSessions, "",
                           [&](std::string_view key, std::string_view value) -> Result<bool> {
                             ++sessions;
                             EXPECT_EQ(key.size(), 32u);
                             EXPECT_EQ(value.find(c.session_token), std::string_view::npos);
                             return true;
                           });
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(sessions, 1);
}

TEST_F(WebServerTest, LoginFailuresLookTheSame) {
  TestResponse wrong = Client().Login("author", "wrong-password");
  TestResponse unknown = Client().Login("ghost", "wrong-password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_TRUE(wrong.cookies.empty());
}

TEST_F(WebServerTest, LoginsLogoutsAndRefusalsAreAuditedWithThePlace) {
  uint64_t start = 0;
  {
    auto r = vault_->BeginRead();
    start = audit_->Size(**r).value();
  }
  EXPECT_EQ(Client().Login("author", "wrong-password").status, 401);
  EXPECT_EQ(Client().Login("ghost-correct-password-1", "x-password").status, 401);
  TestClient c = LoggedIn("author");
  ASSERT_EQ(c.Call("DELETE", "/api/v1/session").status, 200);

  std::vector<json::Value> ev = EventsFrom(*vault_, *audit_, start);
  ASSERT_EQ(ev.size(), 4u);
  // A wrong password names the account and why, never the password.
  EXPECT_EQ(json::GetString(ev[0], "action").value(), "session.login");
  EXPECT_EQ(json::GetString(ev[0], "decision").value(), "deny");
  EXPECT_EQ(json::GetString(*ev[0].Find("actor"), "id").value(), author_.id);
  EXPECT_EQ(json::GetString(*ev[0].Find("details"), "why").value(), "wrong_password");
  // An unknown username is not written down (it may be a mistyped password).
  EXPECT_EQ(json::GetString(*ev[1].Find("actor"), "id").value(), "");
  EXPECT_EQ(json::GetString(*ev[1].Find("details"), "why").value(), "unknown_user");
  for (const json::Value& e : ev) {
    const std::string leaf = json::Serialize(e);
    EXPECT_EQ(leaf.find("wrong-password"), std::string::npos);
    EXPECT_EQ(leaf.find("ghost"), std::string::npos);
    EXPECT_EQ(leaf.find(kPassword), std::string::npos);
  }
  // The login and the logout carry the session id and the declared place.
  EXPECT_EQ(json::GetString(ev[2], "decision").value(), "allow");
  EXPECT_EQ(json::GetString(ev[2], "action").value(), "session.login");
  EXPECT_EQ(json::GetString(ev[3], "action").value(), "session.logout");
  const std::string session = json::GetString(ev[2], "session").value();
  EXPECT_FALSE(session.empty());
  EXPECT_EQ(json::GetString(ev[3], "session").value(), session);
  EXPECT_EQ(c.session_token.find(session), std::string::npos);  // an id, not the token
  const json::Value* place = ev[2].Find("place");
  ASSERT_NE(place, nullptr);
  EXPECT_EQ(json::GetString(*place, "ip").value(), "127.0.0.1");
  EXPECT_FALSE(json::GetString(*place, "workstation").value().empty());
  EXPECT_FALSE(json::GetString(*place, "location").value().empty());
}

TEST_F(WebServerTest, LoginRequiresWorkstationAndLocation) {
  TestResponse r = Client().Send("POST", "/api/v1/session",
                                 R"({"username":"author","password":"correct-password-1"})");
  EXPECT_EQ(r.status, 400);
}

TEST_F(WebServerTest, DisabledUserCannotLogIn) {
  TestClient admin = LoggedIn("admin");
  TestClient author = LoggedIn("author");
  TestResponse r = admin.Call("PATCH", "/api/v1/users/" + author_.id, R"({"disabled":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(author.Call("GET", "/api/v1/session").status, 401);
  EXPECT_EQ(Client().Login("author", kPassword).status, 401);
}

TEST_F(WebServerTest, GrowingDelayThenLockout) {
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Client().Login("author", "bad").status, 401);
  // Fourth attempt at once: must wait 1 s.
  TestResponse r = Client().Login("author", kPassword);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.ErrorCode(), "too_many_attempts");
  EXPECT_EQ(r.Header("retry-after"), "1");
  Advance(1000);
  EXPECT_EQ(Client().Login("author", "bad").status, 401);  // 4 failures
  Advance(1000);
  EXPECT_EQ(Client().Login("author", "bad").status, 429);  // now 2 s
  Advance(1000);
  EXPECT_EQ(Client().Login("author", "bad").status, 401);  // 5 failures
  // Keep failing until locked out (10 failures), waiting out each delay.
  for (int n = 5; n < 10; ++n) {
    Advance(60 * 1000);
    EXPECT_EQ(Client().Login("author", "bad").status, 401);
  }
  Advance(60 * 1000);
  EXPECT_EQ(Client().Login("author", kPassword).status, 429);  // locked: right password refused
  // Other accounts are unaffected (the address allowance is larger).
  EXPECT_EQ(Client().Login("auditor", kPassword).status, 200);
  Advance(15 * 60 * 1000);
  EXPECT_EQ(Client().Login("author", kPassword).status, 200);
  // Success cleared the account counter (the address, with 11 failures
  // now, asks for a short delay of its own).
  EXPECT_EQ(Client().Login("author", "bad").status, 401);
  Advance(2000);
  EXPECT_EQ(Client().Login("author", kPassword).status, 200);
}

// SECURITY: the throttle is reserved before the password is checked, in the
// same step as the check of the delay: many wrong guesses sent at once (here
// 16 threads, with one Argon2id verification at a time so that every guess
// is in flight together) get no more verdicts than the free allowance; the
// rest are refused with 429 before any check.
TEST_F(WebServerTest, ConcurrentWrongGuessesNeverExceedTheThrottle) {
  StartServer([](ServerOptions& o) {
    o.max_threads = 16;
    o.max_concurrent_password_checks = 1;
  });
  constexpr int kGuesses = 16;
  std::atomic<int> ready{0};
  std::atomic<int> unauthorized{0};
  std::atomic<int> throttled{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kGuesses; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < kGuesses) std::this_thread::yield();
      const int status = Client().Login("author", "wrong-password-" + std::to_string(i)).status;
      if (status == 401) ++unauthorized;
      if (status == 429) ++throttled;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unauthorized.load() + throttled.load(), kGuesses);
  EXPECT_LE(unauthorized.load(), 3);  // ThrottleOptions::free_failures
  EXPECT_GE(unauthorized.load(), 1);
  // The clock has not moved: the account now waits, whatever is sent.
  EXPECT_EQ(Client().Login("author", kPassword).status, 429);
}

TEST_F(WebServerTest, AddressLockoutAcrossAccounts) {
  StartServer([](ServerOptions& o) {
    o.throttle.address_free_failures = 2;
    o.throttle.address_lockout_failures = 4;
  });
  EXPECT_EQ(Client().Login("a1", "bad").status, 401);
  EXPECT_EQ(Client().Login("a2", "bad").status, 401);
  EXPECT_EQ(Client().Login("a3", "bad").status, 429);  // delay for the address
  Advance(1000);
  EXPECT_EQ(Client().Login("a3", "bad").status, 401);
  Advance(2000);
  EXPECT_EQ(Client().Login("a4", "bad").status, 401);  // 4: locked
  Advance(60 * 1000);
  EXPECT_EQ(Client().Login("author", kPassword).status, 429);
}

TEST_F(WebServerTest, CsrfTokenRequiredForStateChanges) {
  TestClient c = LoggedIn("admin");
  const std::string body = R"({"username":"carol","display_name":"Carol","roles":["author"]})";
  std::map<std::string, std::string> h = {{"Cookie", "custos_session=" + c.session_token}};
  TestResponse none = c.Send("POST", "/api/v1/users", body, h);
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(none.ErrorCode(), "csrf_token_invalid");
  // Checked before the route's roles: a forged request in the name of
  // someone without them is not even logged as their refused attempt.
  TestClient author = LoggedIn("author");
  TestResponse forged = author.Send("POST", "/api/v1/users", body,
                                    {{"Cookie", "custos_session=" + author.session_token}});
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.ErrorCode(), "csrf_token_invalid");
  h["X-CSRF-Token"] = std::string(64, 'a');
  TestResponse wrong = c.Send("POST", "/api/v1/users", body, h);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.ErrorCode(), "csrf_token_invalid");
  // Another user's CSRF token does not work either.
  TestClient other = LoggedIn("everyone");
  h["X-CSRF-Token"] = other.csrf_token;
  EXPECT_EQ(c.Send("POST", "/api/v1/users", body, h).status, 403);
  TestResponse ok = c.Call("POST", "/api/v1/users", body);
  EXPECT_EQ(ok.status, 201) << ok.body;
  // Logout is a state change too.
  h.erase("X-CSRF-Token");
  EXPECT_EQ(c.Send("DELETE", "/api/v1/session", "", h).status, 403);
}

TEST_F(WebServerTest, IdleExpiry) {
  TestClient c = LoggedIn("author");
  Advance(29 * 60 * 1000);
  EXPECT_EQ(c.Call("GET", "/api/v1/session").status, 200);  // touches
  Advance(29 * 60 * 1000);
  EXPECT_EQ(c.Call("GET", "/api/v1/session").status, 200);
  Advance(30 * 60 * 1000);
  TestResponse r = c.Call("GET", "/api/v1/session");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.ErrorCode(), "unauthenticated");
}

// A session nobody comes back to is deleted once it expires, not kept with
// its user, address and workstation until someone presents it again.
TEST_F(WebServerTest, ExpiredSessionsNobodyPresentsAgainAreDeleted) {
  TestClient gone = LoggedIn("author");
  Advance(20 * 60 * 1000);
  TestClient here = LoggedIn("auditor");
  const auto stored = [&] {
    auto r = vault_->BeginRead();
    size_t n = 0;
    EXPECT_TRUE((*r)->Scan(vault::tables::kSessions, "",
                           [&](std::string_view, std::string_view) -> Result<bool> {
                             ++n;
                             return true;
                           })
                    .ok());
    return n;
  };
  ASSERT_EQ(stored(), 2u);
  auto none = server_->DeleteExpiredSessions();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  Advance(11 * 60 * 1000);  // the author's 30 idle minutes are over
  auto one = server_->DeleteExpiredSessions();
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, 1);
  EXPECT_EQ(stored(), 1u);
  EXPECT_EQ(here.Call("GET", "/api/v1/session").status, 200);
  EXPECT_EQ(gone.Call("GET", "/api/v1/session").status, 401);
}

TEST_F(WebServerTest, AbsoluteExpiry) {
  TestClient c = LoggedIn("author");
  for (int i = 0; i < 12 * 3 - 1; ++i) {
    Advance(20 * 60 * 1000);
    ASSERT_EQ(c.Call("GET", "/api/v1/session").status, 200) << i;
  }
  Advance(20 * 60 * 1000);  // 12 h after login
  EXPECT_EQ(c.Call("GET", "/api/v1/session").status, 401);
}

TEST_F(WebServerTest, LogoutEndsSessionAndClearsCookie) {
  TestClient c = LoggedIn("author");
  TestResponse r = c.Call("DELETE", "/api/v1/session");
  ASSERT_EQ(r.status, 200);
  ASSERT_EQ(r.cookies.size(), 1u);
  EXPECT_NE(r.cookies[0].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(c.Call("GET", "/api/v1/session").status, 401);
}

TEST_F(WebServerTest, MustChangePasswordFirst) {
  TestClient c = LoggedIn("newbie");
  EXPECT_TRUE(c.Call("GET", "/api/v1/session").Json()["must_change_password"].as_bool());
  TestResponse blocked = c.Call("GET", "/api/v1/users");
  EXPECT_EQ(blocked.status, 403);
  EXPECT_EQ(blocked.ErrorCode(), "password_change_required");
  EXPECT_EQ(c.Call("POST", "/api/v1/session/password",
                   R"({"old_password":"wrong-wrong-1","new_password":"a-new-password-2"})")
                .status,
            403);
  EXPECT_EQ(c.Call("POST", "/api/v1/session/password",
                   R"({"old_password":"correct-password-1","new_password":"short"})")
                .status,
            400);
  TestClient second = LoggedIn("newbie");
  TestResponse ok =
      c.Call("POST", "/api/v1/session/password",
             R"({"old_password":"correct-password-1","new_password":"a-new-password-2"})");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Json()["other_sessions_ended"].as_int(), 1);
  EXPECT_EQ(second.Call("GET", "/api/v1/session").status, 401);
  EXPECT_EQ(c.Call("GET", "/api/v1/users").status, 200);
  EXPECT_EQ(Client().Login("newbie", kPassword).status, 401);
  EXPECT_EQ(Client().Login("newbie", "a-new-password-2").status, 200);
}

TEST_F(WebServerTest, DemoFlagSkipsPasswordChange) {
  StartServer([](ServerOptions& o) { o.demo = true; });
  TestClient c = LoggedIn("newbie");
  EXPECT_EQ(c.Call("GET", "/api/v1/users").status, 200);
}

TEST_F(WebServerTest, TrustedProxyForwardedFor) {
  // Untrusted peer: X-Forwarded-For ignored.
  {
    TestClient c = LoggedIn("author");
    TestResponse r = c.Send(
        "GET", "/api/v1/session", "",
        {{"Cookie", "custos_session=" + c.session_token}, {"X-Forwarded-For", "203.0.113.9"}});
    EXPECT_EQ(r.Json()["session"]["ip"].as_string(), "127.0.0.1");
  }
  StartServer([](ServerOptions& o) { o.trusted_proxies = {"127.0.0.1"}; });
  TestClient c = LoggedIn("author");
  TestResponse r = c.Send("GET", "/api/v1/session", "",
                          {{"Cookie", "custos_session=" + c.session_token},
                           {"X-Forwarded-For", "198.51.100.1, 203.0.113.9"}});
  EXPECT_EQ(r.Json()["session"]["ip"].as_string(), "203.0.113.9");
  r = c.Send("GET", "/api/v1/session", "",
             {{"Cookie", "custos_session=" + c.session_token}, {"X-Forwarded-For", "garbage"}});
  EXPECT_EQ(r.Json()["session"]["ip"].as_string(), "127.0.0.1");
}

TEST_F(WebServerTest, MetricsForAdminsOnly) {
  EXPECT_EQ(Client().Send("GET", "/healthz").status, 200);
  TestClient admin = LoggedIn("admin");
  TestResponse r = admin.Call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(
      r.body.find("custos_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("custos_http_request_duration_seconds_bucket"), std::string::npos);
  EXPECT_NE(r.body.find("custos_vault_commits_total"), std::string::npos);
  // The audit log's size, and how much of it the index covers: nothing
  // until indexed, then all of it (the logins above are events).
  EXPECT_NE(r.body.find("\ncustos_audit_indexed_events 0\n"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("\ncustos_audit_denials_indexed_events 0\n"), std::string::npos) << r.body;
  ASSERT_GT(audit_->IndexPending().value(), 0u);
  r = admin.Call("GET", "/metrics");
  const uint64_t size = audit_->Size(*vault_->BeginRead().value()).value();
  EXPECT_NE(r.body.find("\ncustos_audit_events " + std::to_string(size) + "\n"), std::string::npos)
      << r.body;
  const uint64_t indexed = audit_->Indexed(*vault_->BeginRead().value()).value();
  EXPECT_GT(indexed, 0u);
  EXPECT_NE(r.body.find("\ncustos_audit_indexed_events " + std::to_string(indexed) + "\n"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("\ncustos_audit_denials_indexed_events " + std::to_string(indexed) + "\n"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(LoggedIn("auditor").Call("GET", "/metrics").status, 403);
  EXPECT_EQ(Client().Send("GET", "/metrics").status, 401);
}

// Methods are the client's to invent; each one must not become a series of
// its own (unbounded memory), and refused heads are counted too.
TEST_F(WebServerTest, MetricsDoNotGrowWithInventedMethods) {
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(RawStatusOn(server_->port(),
                          "BREW" + std::to_string(i) + " /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
              405);
  }
  EXPECT_EQ(RawStatusOn(server_->port(), "GET / HTTP/2.0\r\nHost: x\r\n\r\n"), 505);
  TestResponse r = LoggedIn("admin").Call("GET", "/metrics");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find("BREW"), std::string::npos) << r.body;
  EXPECT_NE(
      r.body.find("custos_http_requests_total{method=\"other\",route=\"method_not_allowed\",status="
                  "\"405\"} 50"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("{method=\"-\",route=\"unparsed\",status=\"505\"} 1"), std::string::npos);
}

TEST_F(WebServerTest, BadInput) {
  auto RawStatus = [this](const std::string& r) { return RawStatusOn(server_->port(), r); };
  TestClient c = LoggedIn("admin");
  const std::map<std::string, std::string> auth = {{"Cookie", "custos_session=" + c.session_token},
                                                   {"X-CSRF-Token", c.csrf_token}};
  EXPECT_EQ(c.Send("POST", "/api/v1/users", "{\"username\":", auth).status, 400);
  EXPECT_EQ(c.Send("POST", "/api/v1/users", "[1,2]", auth).status, 400);
  EXPECT_EQ(c.Send("POST", "/api/v1/users", R"({"username":5,"roles":[]})", auth).status, 400);
  EXPECT_EQ(c.Send("POST", "/api/v1/users", R"({"username":"ok","roles":"admin"})", auth).status,
            400);
  EXPECT_EQ(c.Send("POST", "/api/v1/users", "\xff\xfe", auth).status, 400);
  EXPECT_EQ(c.Send("POST", "/api/v1/users", "{}", auth, "text/plain").status, 415);
  std::string deep(100, '[');
  EXPECT_EQ(c.Send("POST", "/api/v1/users", deep, auth).status, 400);
  // Oversized bodies: refused from the Content-Length alone, or while
  // reading a chunked body. The server answers 413 and closes; a client
  // still writing may see the connection reset instead, which is fine.
  EXPECT_EQ(RawStatus("POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: "
                      "application/json\r\nContent-Length: 2097152\r\n\r\n{}"),
            413);
  {
    std::string chunked =
        "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 20; ++i) chunked += "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
    chunked += "0\r\n\r\n";
    const int status = RawStatus(chunked);
    EXPECT_TRUE(status == 413 || status == 0) << status;
  }
  EXPECT_EQ(Client().Send("GET", "/api/v1/unknown").status, 404);
  TestResponse m = Client().Send("PUT", "/api/v1/session", "{}");
  EXPECT_EQ(m.status, 405);
  EXPECT_NE(m.Header("allow").find("POST"), std::string::npos);
  EXPECT_EQ(Client().Send("DELETE", "/healthz").status, 405);
  EXPECT_EQ(c.Call("GET", "/api/v1/users/u-doesnotexist").status, 404);
  EXPECT_EQ(Client().Send("GET", "/healthz").status, 200);
}

TEST_F(WebServerTest, StaticUiAndPathTraversal) {
  TestResponse index = Client().Send("GET", "/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.Header("content-type").find("text/html"), std::string::npos);
  EXPECT_FALSE(index.Header("content-security-policy").empty());
  EXPECT_EQ(index.body.find("<script>"), std::string::npos);  // no inline script
  EXPECT_EQ(Client().Send("GET", "/js/app.js").status, 200);
  for (const char* path :
       {"/../CMakeLists.txt", "/..%2fCMakeLists.txt", "/%2e%2e/CMakeLists.txt",
        "/js/../../CMakeLists.txt", "/js/%2e%2e/%2e%2e/server.cc", "/..%5c..%5cCMakeLists.txt",
        "//etc/passwd", "/%00index.html", "/.hidden", "/js/..", "/missing.html"}) {
    TestResponse r = Client().Send("GET", path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("cmake_minimum"), std::string::npos) << path;
  }
  EXPECT_EQ(Client().Send("GET", "/healthz").status, 200);
}

// The UI is native ES modules: one <script type="module"> entry, the rest
// fetched by import (subfolders too). A browser runs a module only if it is
// served with a JavaScript MIME type (nosniff makes it check) and the CSP's
// script-src allows its origin.
TEST_F(WebServerTest, StaticUiServesJavaScriptModules) {
  TestResponse index = Client().Send("GET", "/");
  ASSERT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<script type=\"module\" src=\"/js/app.js\"></script>"),
            std::string::npos);
  EXPECT_NE(index.Header("content-security-policy").find("script-src 'self'"), std::string::npos);
  for (const char* path : {"/js/app.js", "/js/i18n.js", "/js/i18n/ids.js"}) {
    TestResponse r = Client().Send("GET", path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.Header("content-type"), "text/javascript; charset=utf-8") << path;
    EXPECT_EQ(r.Header("x-content-type-options"), "nosniff") << path;
    EXPECT_FALSE(r.body.empty()) << path;
  }
}

TEST_F(WebServerTest, RandomMalformedRequestsDoNotHurt) {
  std::mt19937 rng(20260101);
  auto pick = [&](std::initializer_list<const char*> l) {
    return std::string(*(l.begin() + rng() % l.size()));
  };
  auto junk = [&](size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>(rng() % 256));
    return s;
  };
  int answered = 0;
  for (int i = 0; i < 10000; ++i) {
    std::string req;
    switch (rng() % 4) {
      case 0:  // pure noise
        req = junk(1 + rng() % 300);
        break;
      case 1: {  // a plausible request line, odd path, junk body
        std::string body = junk(rng() % 200);
        req = pick({"GET", "POST", "PATCH", "DELETE", "PUT", "BREW", "get"}) + " " +
              pick({"/api/v1/session", "/api/v1/users", "/api/v1/users/", "/%zz", "/../..",
                    "/api/v1/users/%00", "/healthz?a=%", "*", "/api/v1/session/password"}) +
              " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body;
        break;
      }
      case 2: {  // JSON-ish login bodies
        std::string body =
            pick({"{", "{\"username\":[]}", "null", "{\"username\":\"a\",\"password\":1}",
                  "{\"a\":\"\\ud800\"}", "1e999999", "\"\\u0000\""}) +
            junk(rng() % 5);
        req =
            "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body;
        break;
      }
      default:  // lying Content-Length / headers
        req = "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nCookie: custos_session=" + junk(10) +
              "\r\nContent-Length: " + pick({"-1", "99999999999", "abc", "5"}) + "\r\n\r\n{}";
        break;
    }
    try {
      Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", server_->port()));
      s.setReceiveTimeout(Poco::Timespan(5, 0));
      s.sendBytes(req.data(), static_cast<int>(req.size()));
      s.shutdownSend();
      char buf[512];
      int n = s.receiveBytes(buf, sizeof buf);
      if (n > 0) {
        ++answered;
        std::string head(buf, static_cast<size_t>(n));
        EXPECT_EQ(head.find("HTTP/1.1 5"), std::string::npos) << head;
      }
    } catch (const Poco::Exception&) {
      // The server may close on garbage; that is fine.
    }
  }
  EXPECT_GT(answered, 5000);
  EXPECT_EQ(Client().Send("GET", "/healthz").status, 200);
  EXPECT_EQ(LoggedIn("auditor").Call("GET", "/api/v1/roles").status, 200);
  // Nothing the garbage did reached the log in a way that breaks it.
  auto report = audit_->Verify();
  EXPECT_TRUE(report.ok()) << report.status().ToString();
}

TEST_F(WebServerTest, StopFinishesAndRefusesNewConnections) {
  const uint16_t port = server_->port();
  server_->Stop();
  server_->Stop();  // idempotent
  EXPECT_ANY_THROW(TestClient(port).Send("GET", "/healthz"));
}

TEST(WebServerStartTest, RejectsBadOptions) {
  vault::testing::TempDir dir;
  auto v = vault::testing::CreateTestVault(dir.path());
  ServerOptions o;
  o.port = 0;
  o.password_kdf = vault::Argon2Params::ForTests();
  o.tls_cert_path = "/nonexistent.pem";
  EXPECT_EQ(Server::Start(*v, o).status().code(), StatusCode::kInvalidArgument);
  o.tls_cert_path.clear();
  o.trusted_proxies = {"not-an-ip"};
  EXPECT_EQ(Server::Start(*v, o).status().code(), StatusCode::kInvalidArgument);
  o.trusted_proxies.clear();
  o.listen_address = "999.1.1.1";
  EXPECT_FALSE(Server::Start(*v, o).ok());
}

// Reads from `s` until the peer closes or `want` bytes arrived.
std::string ReadSome(Poco::Net::StreamSocket& s, size_t want) {
  std::string got;
  char buf[4096];
  while (got.size() < want) {
    int n = 0;
    try {
      n = s.receiveBytes(buf, sizeof buf);
    } catch (const Poco::Exception&) {
      break;
    }
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

TEST_F(WebServerTest, KeepAliveConnectionServesRequestsInTurnWithDateAndLength) {
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", server_->port()));
  s.setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  for (int i = 0; i < 3; ++i) {
    s.sendBytes(req.data(), static_cast<int>(req.size()));
    std::string head = ReadSome(s, 1);
    while (head.find("\r\n\r\n") == std::string::npos) head += ReadSome(s, 1);
    const size_t end = head.find("\r\n\r\n") + 4;
    ASSERT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
    EXPECT_NE(head.find("\r\nDate: "), std::string::npos);
    EXPECT_NE(head.find(" GMT\r\n"), std::string::npos);
    EXPECT_NE(head.find("\r\nConnection: Keep-Alive\r\n"), std::string::npos);
    const size_t cl = head.find("\r\nContent-Length: ");
    ASSERT_NE(cl, std::string::npos);
    const size_t length = std::stoul(head.substr(cl + 18));
    std::string body = head.substr(end);
    if (body.size() < length) body += ReadSome(s, length - body.size());
    // Exactly the body: the next response starts clean on the next loop.
    ASSERT_EQ(body.size(), length);
    EXPECT_NE(body.find("\"ok\""), std::string::npos);
  }
  const std::string last = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  s.sendBytes(last.data(), static_cast<int>(last.size()));
  const std::string rest = ReadSome(s, 1 << 20);  // until the server closes
  EXPECT_EQ(rest.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(rest.find("\r\nConnection: Close\r\n"), std::string::npos);
}

TEST_F(WebServerTest, HeadOnTheUiGivesGetsHeadWithoutBody) {
  const std::string page = Client().Send("GET", "/").body;
  ASSERT_FALSE(page.empty());
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", server_->port()));
  s.setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string req = "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  s.sendBytes(req.data(), static_cast<int>(req.size()));
  const std::string got = ReadSome(s, 1 << 20);  // until the server closes
  ASSERT_EQ(got.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("\r\nContent-Length: " + std::to_string(page.size()) + "\r\n"),
            std::string::npos);
  EXPECT_NE(got.find("Content-Security-Policy: "), std::string::npos);
  EXPECT_EQ(got.size(), got.find("\r\n\r\n") + 4);  // the head only
  // HEAD is not a way around the API's methods.
  EXPECT_EQ(RawStatusOn(server_->port(), "HEAD /api/v1/records HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
}

TEST_F(WebServerTest, HeaderWithLineBreakIsRefusedNotSplit) {
  StartServer([](ServerOptions& o) {
    o.extra_routes.push_back([](Router& router, vault::Vault&) {
      router.Add(Route::Public("GET", "/split", [](const HttpRequest&, const RequestContext&) {
        HttpResponse r;
        r.body = "{}";
        r.headers.emplace_back("Content-Disposition", "x\r\nSet-Cookie: planted=1");
        return r;
      }));
    });
  });
  TestResponse r = Client().Send("GET", "/split");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.ErrorCode(), "internal");
  EXPECT_TRUE(r.cookies.empty());
  EXPECT_EQ(r.Header("content-disposition"), "");
  EXPECT_EQ(Client().Send("GET", "/healthz").status, 200);  // still serving
}

}  // namespace
}  // namespace custos::web::testing
