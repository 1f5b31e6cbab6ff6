// RequestContext: who is asking, through which session, and from where.
//
// The server builds one per request after authentication and hands it to
// every handler. Handlers that write audit events (records, loans, views)
// copy `place` and the user into the event: time, place and reason are
// logged for every access (ARCHITECTURE.md).
//
// Thread-safety: a value owned by the request's thread.
#ifndef CUSTOS_WEB_REQUEST_CONTEXT_H_
#define CUSTOS_WEB_REQUEST_CONTEXT_H_

#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/time.h"
#include "policy/types.h"
#include "vault/access/policy_store.h"
#include "vault/access/users.h"

namespace custos::web {

// Where a request comes from. `ip` is the peer address, or the client named
// by X-Forwarded-For when the peer is a configured trusted proxy. Workstation
// and location are what the user declared at login (kept in the session).
struct Place {
  std::string ip;
  std::string user_agent;
  std::string workstation;
  std::string location;

  json::Value ToJson() const;
};

struct RequestContext {
  // Set when the request carries a valid session; empty for public routes.
  std::optional<vault::User> user;
  std::vector<policy::Role> roles;  // a copy of user->roles (empty if none)
  // A short, non-secret id of the session (a prefix of the token's hash) for
  // audit events; empty without a session.
  std::string session_id;
  Place place;
  UnixMillis now = 0;  // the server clock when the request arrived
  // Whether the client reached us over HTTPS: the server's own TLS, or a
  // trusted proxy (ServerOptions::trusted_proxies) that says so with
  // X-Forwarded-Proto: https. Decides the session cookie's name and Secure
  // flag, and HSTS.
  bool https = false;

  bool authenticated() const { return user.has_value(); }
  bool HasRole(policy::Role role) const;
  // The vault's view of this caller (user id, session id, place) for
  // Archive and audit calls.
  vault::Caller ToCaller() const;
};

}  // namespace custos::web

#endif  // CUSTOS_WEB_REQUEST_CONTEXT_H_
