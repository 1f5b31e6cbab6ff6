// Server: the Custos web application (JSON API under /api/v1/, the static UI,
// /healthz and /metrics): Poco's TCP server (plain or TLS) accepting, and
// Custos's own HTTP/1.1 connection loop (internal/connection.h).
//
// Lifecycle: Start() binds, starts the worker threads and returns; Stop()
// refuses new connections, answers the requests already begun and each
// connection queued for a worker once (with Connection: Close), lets
// requests still running finish, and returns when every worker has ended
// (the destructor calls it). Signal handling belongs
// to the caller: `custos serve` waits for SIGINT/SIGTERM (e.g. with
// Poco::Util::ServerApplication::waitForTerminationRequest) and then calls
// Stop(); since every vault write is durable before its response is sent,
// nothing acknowledged is lost.
//
// Security defaults: listens on 127.0.0.1; a request's body is read only
// after its head has been admitted (route, session, CSRF); bodies above
// max_body_bytes (max_public_body_bytes on public routes) are refused
// (413), and bodies below a minimum rate get 408; every response carries the security headers (CSP
// without inline script, nosniff, no-referrer, frame-ancestors none / DENY, HSTS under TLS); API
// responses are not cached; one address may hold at most max_connections_per_address workers, and
// idle keep-alive connections give their worker up when other connections are queued.
//
// Thread-safety: Start/Stop from one thread; port() and queued_connections()
// from any while the Server exists. The Vault must
// outlive the Server.
#ifndef CUSTOS_WEB_SERVER_H_
#define CUSTOS_WEB_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "vault/access/users.h"
#include "vault/records/records.h"
#include "vault/store/crypto.h"
#include "vault/store/vault.h"
#include "web/api.h"
#include "web/sessions.h"

namespace custos::web {

struct ServerOptions {
  // Address to bind; loopback unless told otherwise.
  std::string listen_address = "127.0.0.1";
  uint16_t port = 8080;  // 0 = an ephemeral port (tests); see Server::port()

  // HTTPS when both are set (PEM files). The session cookie is then
  // __Host-custos_session with Secure, and responses carry HSTS.
  std::string tls_cert_path;
  std::string tls_key_path;

  // Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (exact
  // IP addresses): a request from one marked X-Forwarded-Proto: https (its
  // right-most value) is served as HTTPS — __Host- Secure cookie, HSTS —
  // as under the server's own TLS. From any other peer both are ignored.
  std::vector<std::string> trusted_proxies;

  // Monitoring without a session: GET /metrics/scrape answers the same
  // text as /metrics to a request carrying "Authorization: Bearer TOKEN"
  // whose SHA-256 (raw 32 bytes) is this; "" = the route answers 404.
  std::string metrics_token_sha256;
  // More Prometheus text appended to both (e.g. the scheduled backups' and
  // scrubs' counters, cli/backup_schedule.h); called once per scrape.
  std::function<std::string()> extra_metrics;

  // Demo mode: users flagged must_change_password may use everything
  // without changing it first.
  bool demo = false;

  // Whether /tlog/checkpoint and the hash tiles of /tlog/tile/ (hashes and
  // the log's size only) are served to anyone — outside monitors and
  // witnesses — rather than to auditors only. Entry bundles (the events)
  // are always for auditors (web/tlog_api.cc).
  bool tlog_public = false;

  // Folder of the static UI; "" = DefaultUiDir() (static_files.h).
  std::string ui_dir;

  // Request bodies. SECURITY: a body is read only once its head has been
  // admitted (route, session, password change, roles, CSRF, content type:
  // App::Admit); a refusal is answered at once and the connection closed.
  size_t max_body_bytes = 1 << 20;  // 1 MiB
  // Bodies of public routes (the login), which anyone may send: capped
  // lower (413 beyond).
  size_t max_public_body_bytes = 64 * 1024;
  // A body must keep up a minimum rate: from body_grace_ms after it is
  // awaited, the bytes received must average at least
  // min_body_bytes_per_second, else 408 `request_timeout` and the
  // connection is closed (0 = no floor; 15 s without a byte always ends a
  // request). Streamed uploads too.
  int64_t body_grace_ms = 10 * 1000;
  uint64_t min_body_bytes_per_second = 16 * 1024;
  // Streamed uploads (attachments): never buffered whole; bounded per file.
  uint64_t max_upload_bytes = uint64_t{1} << 30;  // 1 GiB
  // A keep-alive connection is served on one thread until it closes, so
  // this bounds the connections served at once (the rest wait queued).
  int max_threads = 64;
  int max_queued = 256;
  // Connections one peer address may have served at once (0 = no cap);
  // one more gets a 503 `too_many_connections` and is closed. Trusted
  // proxies are exempt (they carry many clients). Connections still in the
  // queue do not count. The default leaves room for a load generator or a
  // browser with many tabs on one machine.
  int max_connections_per_address = 32;
  // Concurrent Argon2id verifications (each uses the KDF's memory).
  int max_concurrent_password_checks = 4;

  // KDF for passwords set through the API (new users, password changes).
  vault::Argon2Params password_kdf = vault::PasswordKdf();

  SessionOptions sessions;
  ThrottleOptions throttle;

  // The server's clock; null = the wall clock. Tests replace it.
  Clock clock;

  // Operational log lines (errors, startup); null = stderr. Never given
  // passwords, tokens or record content.
  std::function<void(const std::string&)> log;

  // The records archive (records.h). When set, the records routes
  // (/api/v1/records...) are served; every access goes through it, so it
  // decides and audits. Must outlive the server.
  vault::Archive* archive = nullptr;

  // RFC 3161 time-stamping authority for evidence exports (http(s) URL) and
  // its CA certificates (PEM, shipped in bundles as keys/tsa-ca.pem); none:
  // bundles carry no trusted timestamp.
  std::string tsa_url;
  std::string tsa_ca_pem;

  // Extension point: more routes (records, loans, audit ...) registered
  // before the server starts. Called once with the server's router.
  std::vector<std::function<void(Router&, vault::Vault&)>> extra_routes;
};

class Server {
 public:
  // Binds and starts serving. kInvalidArgument for a bad option (address,
  // TLS files), kUnavailable when the address cannot be bound. The vault must
  // outlive the returned server.
  static Result<std::unique_ptr<Server>> Start(vault::Vault& vault, const ServerOptions& options);

  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (the real one when options.port was 0).
  uint16_t port() const;
  bool tls() const;

  // How many accepted connections wait in the queue for a worker thread
  // (all max_threads are busy); 0 once stopped.
  int queued_connections() const;

  // Refuses new connections at once; answers the request each open
  // connection is in and each connection waiting in the queue once (with
  // Connection: Close), idle ones closing, for up to 10 s in all (queued
  // ones left then are closed unanswered); then stops the acceptor, lets
  // in-flight requests complete and joins the worker threads. Meanwhile
  // /healthz answers 503 "stopping". Idempotent.
  void Stop();

  // Deletes the sessions past their idle or absolute expiry that nobody
  // presented again (an expired session is otherwise deleted only when it
  // is next used): their user, address and workstation are not kept for
  // good. Returns how many. `custos serve` runs it every minute.
  Result<int> DeleteExpiredSessions();

  // Method and pattern of every registered route ("GET /api/v1/users"), for
  // the OpenAPI consistency test and docs.
  std::vector<std::string> RouteList() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace custos::web

#endif  // CUSTOS_WEB_SERVER_H_
