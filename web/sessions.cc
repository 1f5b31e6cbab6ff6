#include "web/sessions.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "base/json.h"
#include "vault/store/crypto.h"
#include "vault/store/tables.h"

namespace custos::web {

namespace {

constexpr size_t kTokenBytes = 32;  // 256 bits

bool IsTokenText(std::string_view t) {
  if (t.size() != kTokenBytes * 2) return false;
  return std::all_of(t.begin(), t.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// SECURITY: only the hash of the token is a key; the token itself is never
// stored, so a copy of the vault cannot be used to resume sessions.
std::string TokenKey(std::string_view token) { return vault::Sha256(token); }

std::string ShortId(std::string_view key) { return HexEncode(key.substr(0, 8)); }

json::Value SessionToJson(const Session& s) {
  json::Value v = json::Value::MakeObject();
  v["user_id"] = s.user_id;
  v["csrf"] = s.csrf_token;
  v["created"] = s.created;
  v["last_seen"] = s.last_seen;
  v["ip"] = s.place.ip;
  v["user_agent"] = s.place.user_agent;
  v["workstation"] = s.place.workstation;
  v["location"] = s.place.location;
  return v;
}

Result<Session> SessionFromJson(std::string_view text) {
  CUSTOS_ASSIGN_OR_RETURN(json::Value v, json::Parse(text));
  Session s;
  CUSTOS_ASSIGN_OR_RETURN(s.user_id, json::GetString(v, "user_id"));
  CUSTOS_ASSIGN_OR_RETURN(s.csrf_token, json::GetString(v, "csrf"));
  CUSTOS_ASSIGN_OR_RETURN(s.created, json::GetInt(v, "created"));
  CUSTOS_ASSIGN_OR_RETURN(s.last_seen, json::GetInt(v, "last_seen"));
  CUSTOS_ASSIGN_OR_RETURN(s.place.ip, json::GetStringOr(v, "ip", ""));
  CUSTOS_ASSIGN_OR_RETURN(s.place.user_agent, json::GetStringOr(v, "user_agent", ""));
  CUSTOS_ASSIGN_OR_RETURN(s.place.workstation, json::GetStringOr(v, "workstation", ""));
  CUSTOS_ASSIGN_OR_RETURN(s.place.location, json::GetStringOr(v, "location", ""));
  return s;
}

}  // namespace

SessionStore::SessionStore(vault::Vault& vault, SessionOptions options, Clock clock)
    : vault_(vault), options_(options), clock_(std::move(clock)) {}

Result<SessionStore::Created> SessionStore::Create(const std::string& user_id, const Place& place,
                                                   const InTxn& also) {
  vault::SecretBytes raw = vault::RandomSecret(kTokenBytes);
  vault::SecretBytes token(kTokenBytes * 2);
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < kTokenBytes; ++i) {
    token.data()[2 * i] = static_cast<unsigned char>(kHex[raw.data()[i] >> 4]);
    token.data()[2 * i + 1] = static_cast<unsigned char>(kHex[raw.data()[i] & 0xf]);
  }
  const std::string key = TokenKey(token.view());
  Session s;
  s.id = ShortId(key);
  s.user_id = user_id;
  s.csrf_token = HexEncode(vault::RandomBytes(32));
  s.place = place;
  s.created = clock_();
  s.last_seen = s.created;
  const std::string value = json::Serialize(SessionToJson(s));
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](vault::WriteTxn& txn) -> Status {
    CUSTOS_RETURN_IF_ERROR(txn.Insert(vault::tables::kSessions, key, value));
    return also ? also(txn, s) : Status::Ok();
  }));
  return Created{std::move(token), std::move(s)};
}

Result<Session> SessionStore::Lookup(std::string_view token) {
  if (!IsTokenText(token)) return Status::Unauthenticated("no valid session");
  const std::string key = TokenKey(token);
  Result<Session> found = Status::Internal("unset");
  {
    CUSTOS_ASSIGN_OR_RETURN(auto txn, vault_.BeginRead());
    found = opened_.Get(*txn, vault::tables::kSessions, key, [&]() -> Result<Session> {
      CUSTOS_ASSIGN_OR_RETURN(std::string raw, txn->Get(vault::tables::kSessions, key));
      return SessionFromJson(raw);
    });
  }
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) {
      return Status::Unauthenticated("no valid session");
    }
    return found.status();
  }
  Session s = std::move(found).value();
  s.id = ShortId(key);
  const UnixMillis now = clock_();
  if (Expired(s, now)) {
    Status deleted = vault_.Write([&](vault::WriteTxn& txn) {
      Status st = txn.Delete(vault::tables::kSessions, key);
      return st.code() == StatusCode::kNotFound ? Status::Ok() : st;
    });
    deleted.IgnoreError();  // expired either way; a later lookup retries
    return Status::Unauthenticated("session expired");
  }
  if (now - s.last_seen >= options_.touch_interval_ms) {
    s.last_seen = now;
    const std::string value = json::Serialize(SessionToJson(s));
    CUSTOS_RETURN_IF_ERROR(vault_.Write([&](vault::WriteTxn& txn) -> Status {
      // The session may have been deleted (logout) since we read it.
      CUSTOS_ASSIGN_OR_RETURN(bool present, txn.Has(vault::tables::kSessions, key));
      if (!present) return Status::Unauthenticated("no valid session");
      return txn.Put(vault::tables::kSessions, key, value);
    }));
  }
  return s;
}

Status SessionStore::Delete(std::string_view token, const InTxn& also) {
  if (!IsTokenText(token)) return Status::Ok();
  const std::string key = TokenKey(token);
  return vault_.Write([&](vault::WriteTxn& txn) -> Status {
    auto raw = txn.Get(vault::tables::kSessions, key);
    if (!raw.ok())
      return raw.status().code() == StatusCode::kNotFound ? Status::Ok() : raw.status();
    CUSTOS_RETURN_IF_ERROR(txn.Delete(vault::tables::kSessions, key));
    if (!also) return Status::Ok();
    CUSTOS_ASSIGN_OR_RETURN(Session s, SessionFromJson(*raw));
    s.id = ShortId(key);
    return also(txn, s);
  });
}

Result<int> SessionStore::DeleteWhere(
    const std::function<bool(std::string_view key, const Session&)>& doomed_if) {
  int deleted = 0;
  CUSTOS_RETURN_IF_ERROR(vault_.Write([&](vault::WriteTxn& txn) -> Status {
    std::vector<std::string> doomed;
    CUSTOS_RETURN_IF_ERROR(
        txn.Scan(vault::tables::kSessions, "",
                 [&](std::string_view key, std::string_view value) -> Result<bool> {
                   // One that does not read is left for its next use to say so.
                   auto s = SessionFromJson(value);
                   if (s.ok() && doomed_if(key, *s)) doomed.emplace_back(key);
                   return true;
                 }));
    for (const std::string& k : doomed)
      CUSTOS_RETURN_IF_ERROR(txn.Delete(vault::tables::kSessions, k));
    deleted = static_cast<int>(doomed.size());
    return Status::Ok();
  }));
  return deleted;
}

Result<int> SessionStore::DeleteForUser(const std::string& user_id, const std::string& keep_id) {
  return DeleteWhere([&](std::string_view key, const Session& s) {
    return s.user_id == user_id && ShortId(key) != keep_id;
  });
}

Result<int> SessionStore::DeleteExpired() {
  const UnixMillis now = clock_();
  return DeleteWhere([&](std::string_view, const Session& s) { return Expired(s, now); });
}

bool SessionStore::Expired(const Session& s, UnixMillis now) const {
  return now - s.last_seen >= options_.idle_ms || now - s.created >= options_.absolute_ms;
}

LoginThrottle::LoginThrottle(ThrottleOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

LoginThrottle::Attempt::Attempt(LoginThrottle* throttle, int64_t retry_after_ms,
                                std::string username, std::string ip)
    : throttle_(throttle),
      retry_after_ms_(retry_after_ms),
      username_(std::move(username)),
      ip_(std::move(ip)) {}

LoginThrottle::Attempt::Attempt(Attempt&& other) noexcept
    : throttle_(std::exchange(other.throttle_, nullptr)),
      retry_after_ms_(other.retry_after_ms_),
      username_(std::move(other.username_)),
      ip_(std::move(other.ip_)) {}

LoginThrottle::Attempt::~Attempt() {
  if (throttle_ != nullptr) throttle_->Settle(username_, ip_, Verdict::kNone);
}

void LoginThrottle::Attempt::Failed() {
  if (throttle_ == nullptr) return;
  std::exchange(throttle_, nullptr)->Settle(username_, ip_, Verdict::kFailed);
}

void LoginThrottle::Attempt::Succeeded() {
  if (throttle_ == nullptr) return;
  std::exchange(throttle_, nullptr)->Settle(username_, ip_, Verdict::kSucceeded);
}

int64_t LoginThrottle::WaitFor(const Entry& e, int free, int lockout, UnixMillis now) const {
  // An attempt in flight counts as a failure made now: the next one waits
  // as if it had failed (it settles within the time of one check).
  const int failures = e.failures + e.pending;
  const UnixMillis last = e.pending > 0 ? now : e.last_failure;
  if (failures >= lockout) return std::max<int64_t>(0, last + options_.lockout_ms - now);
  if (failures < free) return 0;
  const int doublings = std::min(failures - free, 30);
  const int64_t delay = std::min(options_.max_delay_ms, options_.base_delay_ms << doublings);
  return std::max<int64_t>(0, last + delay - now);
}

void LoginThrottle::Forget(std::map<std::string, Entry>* m, const std::string& key,
                           UnixMillis now) {
  auto it = m->find(key);
  if (it == m->end() || now - it->second.last_failure <= options_.forget_after_ms) return;
  Reset(m, it);
}

std::map<std::string, LoginThrottle::Entry>::iterator LoginThrottle::Reset(
    std::map<std::string, Entry>* m, std::map<std::string, Entry>::iterator it) {
  if (it->second.pending == 0) return m->erase(it);
  it->second.failures = 0;
  return std::next(it);
}

void LoginThrottle::Prune(UnixMillis now) {
  // Bounded memory: forget stale counters whenever the maps grow.
  for (auto* m : {&accounts_, &pairs_, &addresses_}) {
    if (m->size() < 10000) continue;
    for (auto it = m->begin(); it != m->end();) {
      if (it->second.pending == 0 && now - it->second.last_failure > options_.forget_after_ms) {
        it = m->erase(it);
      } else {
        ++it;
      }
    }
  }
}

namespace {

// The key of an account as guessed from one address.
std::string PairKey(const std::string& username, const std::string& ip) {
  return username + '\0' + ip;
}

}  // namespace

LoginThrottle::Attempt LoginThrottle::Reserve(const std::string& username, const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  const UnixMillis now = clock_();
  const std::string pair = PairKey(username, ip);
  Forget(&accounts_, username, now);
  Forget(&pairs_, pair, now);
  Forget(&addresses_, ip, now);
  int64_t wait = 0;
  // The account, whatever the address: growing delays, never a lockout (a
  // guess every quarter of an hour would otherwise keep its owner out).
  if (auto it = accounts_.find(username); it != accounts_.end()) {
    wait = std::max(
        wait, WaitFor(it->second, options_.free_failures, std::numeric_limits<int>::max(), now));
  }
  // The account from this address: locked after lockout_failures.
  if (auto it = pairs_.find(pair); it != pairs_.end()) {
    wait = std::max(wait,
                    WaitFor(it->second, options_.lockout_failures, options_.lockout_failures, now));
  }
  if (auto it = addresses_.find(ip); it != addresses_.end()) {
    wait = std::max(wait, WaitFor(it->second, options_.address_free_failures,
                                  options_.address_lockout_failures, now));
  }
  if (wait > 0) return Attempt(nullptr, wait, username, ip);
  Prune(now);
  ++accounts_[username].pending;
  ++pairs_[pair].pending;
  ++addresses_[ip].pending;
  return Attempt(this, 0, username, ip);
}

void LoginThrottle::Forgive(const std::string& username) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = accounts_.find(username); it != accounts_.end()) Reset(&accounts_, it);
  const std::string prefix = username + '\0';
  for (auto it = pairs_.lower_bound(prefix);
       it != pairs_.end() && it->first.compare(0, prefix.size(), prefix) == 0;) {
    it = Reset(&pairs_, it);
  }
}

void LoginThrottle::Settle(const std::string& username, const std::string& ip, Verdict verdict) {
  std::lock_guard<std::mutex> lock(mu_);
  const UnixMillis now = clock_();
  const std::string pair = PairKey(username, ip);
  for (auto [m, key] :
       {std::pair{&accounts_, &username}, std::pair{&pairs_, &pair}, std::pair{&addresses_, &ip}}) {
    auto it = m->find(*key);
    if (it == m->end() || it->second.pending == 0) std::abort();  // settled twice: a bug
    Entry& e = it->second;
    --e.pending;
    if (verdict == Verdict::kFailed) {
      ++e.failures;
      e.last_failure = now;
    } else if (verdict == Verdict::kSucceeded && m != &addresses_) {
      e.failures = 0;
    }
    if (e.failures == 0 && e.pending == 0) m->erase(it);
  }
}

}  // namespace custos::web
