// Server::Stop() with a request in flight: the request still gets its whole
// response, its effect is durable across a reopen of the vault, and the
// server accepts no new connection afterwards (docs/web.md, Lifecycle).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/web/test_client.h"
#include "vault/access/users.h"
#include "vault/audit/audit_log.h"
#include "vault/records/records.h"
#include "vault/store/crypto.h"
#include "web/server.h"

namespace custos::web::testing {
namespace {

using Clock = std::chrono::steady_clock;
using WebServerStopTest = WebTest;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Argon2id parameters whose hash takes about `target` seconds here (and so
// does the verification at login, which runs the same work): measured once
// with one pass over 64 MiB, then scaled by the number of passes.
vault::Argon2Params SlowKdf(double target) {
  vault::Argon2Params p{1, 64ull << 20};
  const auto start = Clock::now();
  auto h = vault::HashPassword(vault::SecretBytes::CopyOf(kPassword), p);
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  const double one_pass = std::max(SecondsSince(start), 0.005);
  p.opslimit = static_cast<uint64_t>(std::clamp(target / one_pass, 1.0, 64.0));
  return p;
}

TEST_F(WebServerStopTest, StopLetsTheRequestInFlightFinishAndKeepsItsEffect) {
  // A user whose password check (Argon2id, in the login request) is slow.
  vault::User slow;
  slow.username = "slow";
  slow.display_name = "slow";
  slow.roles = {policy::Role::kAuditor};
  const vault::Argon2Params kdf = SlowKdf(0.7);
  Result<vault::User> created = Status::Internal("unset");
  auto hash = vault::HashPassword(vault::SecretBytes::CopyOf(kPassword), kdf);
  ASSERT_TRUE(hash.ok());
  slow.password_hash = *hash;
  ASSERT_TRUE(vault_
                  ->Write([&](vault::WriteTxn& txn) {
                    created = vault::CreateUser(txn, slow);
                    return created.status();
                  })
                  .ok());
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  // The server reads its clock first thing in every request: that tells the
  // test the login has reached the handler (and is about to run Argon2id).
  std::atomic<int> clock_reads{0};
  StartServer([&](ServerOptions& o) {
    o.clock = [this, &clock_reads] {
      clock_reads.fetch_add(1);
      return now_.load();
    };
  });
  const uint16_t port = server_->port();

  TestClient client(port);
  TestResponse login;
  Clock::time_point answered;
  std::thread in_flight([&] {
    try {
      login = client.Login("slow", kPassword);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "the request in flight failed: " << e.what();
    }
    answered = Clock::now();
  });
  const auto begin = Clock::now();
  while (clock_reads.load() == 0 && SecondsSince(begin) < 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_GT(clock_reads.load(), 0) << "the login never reached the server";
  const auto stop_called = Clock::now();
  server_->Stop();
  const auto stop_returned = Clock::now();
  in_flight.join();

  // Stop ran while the login was being handled, and waited for it.
  EXPECT_LT(stop_called, answered);
  EXPECT_GT(std::chrono::duration<double>(stop_returned - stop_called).count(), 0.1)
      << "Stop() did not wait for the request in flight";
  // The whole response arrived.
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_EQ(login.Json()["user"]["username"].as_string(), "slow");
  EXPECT_EQ(client.csrf_token.size(), 64u);
  ASSERT_FALSE(client.session_token.empty());

  // No new connection once stopped.
  EXPECT_ANY_THROW(TestClient(port).Send("GET", "/healthz"));

  // The session it acknowledged survives closing and reopening the vault.
  server_.reset();
  archive_.reset();
  audit_.reset();
  vault_.reset();
  vault_ = vault::testing::OpenTestVault(dir_->path());
  auto audit = vault::AuditLog::Open(*vault_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  audit_ = std::move(audit).value();
  auto archive = vault::Archive::Open(*vault_, *audit_);
  ASSERT_TRUE(archive.ok()) << archive.status().ToString();
  archive_ = std::move(archive).value();
  StartServer();
  TestClient again(server_->port());
  again.session_token = client.session_token;
  TestResponse session = again.Call("GET", "/api/v1/session");
  ASSERT_EQ(session.status, 200) << session.body;
  EXPECT_EQ(session.Json()["user"]["username"].as_string(), "slow");
  EXPECT_EQ(session.Json()["csrf_token"].as_string(), client.csrf_token);
}

// A second server on a port one already serves, say a restored copy of
// the vault started by mistake, fails to start: the two must never share
// the connections (SO_REUSEPORT would let the kernel split them).
TEST_F(WebServerStopTest, ASecondServerOnTheSamePortFailsToStart) {
  StartServer();
  ServerOptions o;
  o.port = server_->port();
  o.password_kdf = vault::Argon2Params::ForTests();
  o.log = [](const std::string&) {};
  o.archive = archive_.get();
  auto second = Server::Start(*vault_, o);
  EXPECT_FALSE(second.ok());
  // The first still answers.
  EXPECT_EQ(Client().Call("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace custos::web::testing
