// The login throttle (web/sessions.h) on its own, with a clock the test
// moves: who waits, for how long, and who is let in.
#include <string>

#include <gtest/gtest.h>

#include "web/sessions.h"

namespace custos::web {
namespace {

class LoginThrottleTest : public testing::Test {
 protected:
  // A wrong password for `user` from `ip`, waiting out any delay first.
  void Fail(const std::string& user, const std::string& ip) {
    LoginThrottle::Attempt a = throttle_.Reserve(user, ip);
    if (a.retry_after_ms() > 0) {
      now_ += a.retry_after_ms();
      LoginThrottle::Attempt b = throttle_.Reserve(user, ip);
      ASSERT_EQ(b.retry_after_ms(), 0);
      b.Failed();
      return;
    }
    a.Failed();
  }
  int64_t Wait(const std::string& user, const std::string& ip) {
    return throttle_.Reserve(user, ip).retry_after_ms();
  }

  UnixMillis now_ = 1'800'000'000'000;
  LoginThrottle throttle_{ThrottleOptions{}, [this] { return now_; }};
};

// Someone at another desk who locks a colleague's account with ten wrong
// guesses, and keeps guessing once a quarter of an hour, locks it for their
// own address only: its owner waits a minute at most, and an
// administrator's reset clears it for everyone.
TEST_F(LoginThrottleTest, WrongGuessesFromOneAddressDoNotLockTheOwnerOutElsewhere) {
  for (int i = 0; i < 10; ++i) Fail("sales.sun", "10.0.0.66");
  EXPECT_EQ(Wait("sales.sun", "10.0.0.66"), 15 * 60 * 1000);  // locked there
  const int64_t owner_wait = Wait("sales.sun", "10.0.0.12");
  EXPECT_GT(owner_wait, 0);
  EXPECT_LE(owner_wait, 60 * 1000);  // the account's delay, from anywhere
  now_ += owner_wait;
  {
    LoginThrottle::Attempt owner = throttle_.Reserve("sales.sun", "10.0.0.12");
    ASSERT_EQ(owner.retry_after_ms(), 0);
    owner.Succeeded();
  }
  EXPECT_EQ(Wait("sales.sun", "10.0.0.12"), 0);
  // After the lockout, one more guess from the same desk locks it again
  // there, and still not for the owner.
  now_ += 15 * 60 * 1000;
  Fail("sales.sun", "10.0.0.66");
  Fail("sales.sun", "10.0.0.66");
  Fail("sales.sun", "10.0.0.66");
  Fail("sales.sun", "10.0.0.66");
  EXPECT_GT(Wait("sales.sun", "10.0.0.66"), 60 * 1000);
  EXPECT_LE(Wait("sales.sun", "10.0.0.12"), 60 * 1000);
  // An administrator's reset forgives the account from every address; the
  // guessing address keeps the delay of its own fourteen failures.
  throttle_.Forgive("sales.sun");
  EXPECT_EQ(Wait("sales.sun", "10.0.0.12"), 0);
  EXPECT_EQ(Wait("sales.sun", "10.0.0.66"), Wait("sales.wang", "10.0.0.66"));
  EXPECT_LE(Wait("sales.sun", "10.0.0.66"), 60 * 1000);
  // Other accounts were never touched.
  EXPECT_EQ(Wait("sales.wang", "10.0.0.12"), 0);
}

// Guesses spread over many addresses still get one a minute at most once
// the account's free failures are spent.
TEST_F(LoginThrottleTest, GuessesFromManyAddressesShareTheAccountsDelay) {
  for (int i = 0; i < 3; ++i) Fail("legal", "10.0.1." + std::to_string(i));
  EXPECT_EQ(Wait("legal", "10.0.2.1"), 1000);
  for (int i = 3; i < 12; ++i) Fail("legal", "10.0.1." + std::to_string(i));
  EXPECT_EQ(Wait("legal", "10.0.2.1"), 60 * 1000);
}

}  // namespace
}  // namespace custos::web
