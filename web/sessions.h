// Login sessions and login throttling.
//
// SessionStore: a session is a random 256-bit token handed to the browser in
// an HttpOnly cookie. The vault stores only SHA-256(token) as the key of
// tables::kSessions (sealed like every value), with the user id, the CSRF
// token, the place declared at login and the times. A session ends after
// `idle_ms` without use (30 min) or `absolute_ms` after login (12 h),
// whichever comes first. To keep reads cheap, last-use time is written back
// at most once per `touch_interval_ms`, so idle expiry is exact to within
// that interval.
//
// LoginThrottle: in memory (lost on restart, by design: a restart is rare and
// an operator action). Failures are counted per account, per account and
// client address, and per address. After an account's `free_failures`
// failures each further attempt on it, from anywhere, must wait a delay that
// doubles (1 s, 2 s, 4 s ... up to `max_delay_ms`); after `lockout_failures`
// failures from one address the account is locked for that address for
// `lockout_ms`. The account itself is never locked for everyone: one guess
// each quarter of an hour would keep its owner out for good (the delays
// still hold every address together to one guess a minute). A success
// clears the account's counters, and so does an administrator's password
// reset or the setup link's new password (Forgive). Addresses get a larger
// allowance than accounts so a shared office NAT does not lock everyone out
// at once, and are locked after `address_lockout_failures`. Every
// check of an account password goes through it: the login, the password
// change, and signing (which re-enters the password).
// SECURITY: an attempt is reserved (Reserve) in the same step as the check
// of the delays, and counts as a failure made now until its verdict is in:
// guesses sent at once cannot all pass the check before any is recorded.
//
// Thread-safety: both classes are safe for concurrent use.
#ifndef CUSTOS_WEB_SESSIONS_H_
#define CUSTOS_WEB_SESSIONS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "vault/store/sealed_cache.h"
#include "vault/store/secret.h"
#include "vault/store/vault.h"
#include "web/request_context.h"

namespace custos::web {

using Clock = std::function<UnixMillis()>;

struct SessionOptions {
  int64_t idle_ms = 30 * 60 * 1000;
  int64_t absolute_ms = 12 * 60 * 60 * 1000;
  int64_t touch_interval_ms = 60 * 1000;
};

struct Session {
  std::string id;  // non-secret short id (hex prefix of the token hash)
  std::string user_id;
  std::string csrf_token;  // hex, 256 bits
  Place place;             // ip and user agent as at login
  UnixMillis created = 0;
  UnixMillis last_seen = 0;
};

class SessionStore {
 public:
  SessionStore(vault::Vault& vault, SessionOptions options, Clock clock);

  struct Created {
    vault::SecretBytes token;  // hex text of the 256-bit token, for the cookie
    Session session;
  };
  // Creates and stores a session for `user_id`. `also`, when given, runs in
  // the same write transaction (the login's audit event): if it fails, no
  // session is stored.
  using InTxn = std::function<Status(vault::WriteTxn&, const Session&)>;
  Result<Created> Create(const std::string& user_id, const Place& place, const InTxn& also = {});

  // The live session for a cookie token. kUnauthenticated when the token is
  // malformed, unknown or expired (an expired session is deleted). Updates
  // last-use time (see the file comment).
  Result<Session> Lookup(std::string_view token);

  // Deletes the session of `token`; OK when it was already gone. `also`
  // runs in the same transaction when the session existed (the logout's
  // audit event).
  Status Delete(std::string_view token, const InTxn& also = {});

  // Deletes every session of `user_id` except the one with id `keep_id`
  // (used after a password change). Returns how many were deleted.
  Result<int> DeleteForUser(const std::string& user_id, const std::string& keep_id);

  // Deletes every session past its idle or absolute expiry. Returns how
  // many.
  Result<int> DeleteExpired();

  const SessionOptions& options() const { return options_; }

 private:
  // Deletes the sessions `doomed_if` names, in one write; how many.
  Result<int> DeleteWhere(
      const std::function<bool(std::string_view key, const Session&)>& doomed_if);
  // Past its idle or absolute expiry at `now`.
  bool Expired(const Session& s, UnixMillis now) const;

  vault::Vault& vault_;
  SessionOptions options_;
  Clock clock_;
  // Every request looks its session up; opened sessions are kept with their
  // sealed bytes, so a touch, a logout or an expiry is seen at once.
  vault::SealedCache<Session> opened_;
};

struct ThrottleOptions {
  int free_failures = 3;      // per account, before delays start
  int lockout_failures = 10;  // per account and address
  int address_free_failures = 10;
  int address_lockout_failures = 50;
  int64_t base_delay_ms = 1000;
  int64_t max_delay_ms = 60 * 1000;
  int64_t lockout_ms = 15 * 60 * 1000;
  // Counters older than this (since the last failure) are forgotten.
  int64_t forget_after_ms = 60 * 60 * 1000;
};

class LoginThrottle {
 public:
  LoginThrottle(ThrottleOptions options, Clock clock);
  LoginThrottle(const LoginThrottle&) = delete;
  LoginThrottle& operator=(const LoginThrottle&) = delete;

  // One password check of (username, ip), from Reserve. When admitted it is
  // in flight until Failed() (a wrong password: a failure for the account
  // and the address), Succeeded() (clears the account's counter), or its
  // destruction without either (no verdict on the password — an error, or
  // a refusal before the check: as if it had not happened). Move-only; the
  // throttle must outlive it. Not for concurrent use.
  class Attempt {
   public:
    Attempt(Attempt&& other) noexcept;
    Attempt& operator=(Attempt&&) = delete;
    ~Attempt();

    // 0 when admitted; else how many milliseconds the caller must wait
    // (delay or lockout), and nothing was reserved.
    int64_t retry_after_ms() const { return retry_after_ms_; }
    void Failed();
    void Succeeded();

   private:
    friend class LoginThrottle;
    Attempt(LoginThrottle* throttle, int64_t retry_after_ms, std::string username, std::string ip);
    LoginThrottle* throttle_;  // null when not admitted, settled or moved from
    int64_t retry_after_ms_;
    std::string username_;
    std::string ip_;
  };

  // Checks the delays and lockouts of `username` and `ip` and, when an
  // attempt may proceed now, reserves it — atomically.
  Attempt Reserve(const std::string& username, const std::string& ip);

  // Clears the failures of `username` (from every address): an
  // administrator reset its password, or its owner set a new one through
  // the setup link. Attempts in flight still settle.
  void Forgive(const std::string& username);

 private:
  struct Entry {
    int failures = 0;
    int pending = 0;  // attempts reserved and not yet settled
    UnixMillis last_failure = 0;
  };
  enum class Verdict { kFailed, kSucceeded, kNone };
  int64_t WaitFor(const Entry& e, int free, int lockout, UnixMillis now) const;
  // Drops `key`'s counter when stale (and nothing is in flight).
  void Forget(std::map<std::string, Entry>* m, const std::string& key, UnixMillis now);
  // Clears `it`'s failures: erased when nothing is in flight, else kept
  // with none. The next entry.
  static std::map<std::string, Entry>::iterator Reset(std::map<std::string, Entry>* m,
                                                      std::map<std::string, Entry>::iterator it);
  void Settle(const std::string& username, const std::string& ip, Verdict verdict);
  void Prune(UnixMillis now);

  ThrottleOptions options_;
  Clock clock_;
  std::mutex mu_;
  std::map<std::string, Entry> accounts_;
  std::map<std::string, Entry> pairs_;  // username + '\0' + address
  std::map<std::string, Entry> addresses_;
};

}  // namespace custos::web

#endif  // CUSTOS_WEB_SESSIONS_H_
