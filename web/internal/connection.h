// One HTTP/1.1 connection of the server: Custos's own keep-alive loop on a
// socket accepted by Poco's TCPServer (plain or TLS).
//
// Why not Poco's HTTPServer: for each request it waited for the next one and
// then read it through two poll calls that each create and close an epoll
// instance, asked the kernel twice for the socket's addresses, and parsed
// into its stream-based message objects; that was most of the per-request
// system calls and about a quarter of a small request's CPU
// (docs/benchmarks.md). Here a request costs one blocking receive (with the
// socket's receive timeout) and one send; the peer address is read once per
// connection.
//
// The loop keeps what Poco's gave: the head limits (http_head.h), bodies
// bounded by ServerOptions (Content-Length or chunked), streamed uploads and
// downloads, Expect: 100-continue, HTTP/1.0 and Connection: close, HEAD, a
// keep-alive timeout (5 s idle) and a slow-client timeout (15 s for a head,
// 15 s without progress in a body), and Stop semantics (StopAll below).
// A request is admitted from its head (App::Admit: route, session, CSRF)
// before its body is read, and a body must keep up a minimum rate
// (ServerOptions::min_body_bytes_per_second after body_grace_ms; 408).
// Every byte received is wiped from the buffer once used: requests carry
// session tokens and passwords.
//
// Two limits keep a few clients from holding every worker thread: a
// connection idle between requests closes within about a second when
// accepted connections are waiting for a worker (never in the middle of a
// request), and one peer address may have at most
// ServerOptions::max_connections_per_address connections served at once
// (trusted proxies exempt); the one over the cap gets a 503
// `too_many_connections` and is closed.
//
// Thread-safety: a Connection runs on one pool thread; ConnectionFactory is
// shared by the acceptor, the connections and Server::Stop.
#ifndef CUSTOS_WEB_INTERNAL_CONNECTION_H_
#define CUSTOS_WEB_INTERNAL_CONNECTION_H_

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include <Poco/Net/StreamSocket.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include "web/internal/app.h"

namespace custos::web::internal {

class Connection;

class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit ConnectionFactory(App& app) : app_(app) {}

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

  // For the server's connection filter (Poco's acceptor thread): counts a
  // connection just accepted, or refuses it (false: Poco closes it at
  // once) when the server is stopping.
  bool Accept();

  // For Server::Stop, while the acceptor still runs: from now on no
  // connection is accepted (Accept), and every connection serves at most
  // the request it is in (or, taken from the queue, its first one),
  // answers with Connection: Close and ends; an idle one ends within a 1 s
  // slice. The connections waiting in the queue are thus served, one
  // request each, instead of being dropped.
  void Drain();

  // Connections accepted (Accept) that have not ended yet, less `refused`:
  // those Poco's dispatcher closed without a Connection because its queue
  // was full (TCPServer::refusedConnections). 0 once a drain is over.
  int64_t Unfinished(int refused);

  // For Server::Stop, after the acceptor has stopped: idle connections are
  // closed now; a connection handling a request finishes it (the response
  // says Connection: Close) and then ends. Waits for running requests.
  void StopAll();

  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  // Drain() or StopAll() was called: no connection is kept alive.
  bool ending() const { return draining_.load(std::memory_order_acquire) || stopping(); }

  // How many accepted connections wait in the server's queue for a worker
  // (Poco's TCPServer::queuedConnections). Set once by Server::Start before
  // the server starts, never after; must be callable while any connection
  // lives. Unset: connections never count as queued.
  void SetQueuedConnections(std::function<int()> queued) { queued_ = std::move(queued); }

  // Whether connections are waiting for a worker: an idle connection then
  // gives its worker up.
  bool Congested() const { return queued_ && queued_() > 0; }

 private:
  friend class Connection;
  void Add(Connection* c);
  void Remove(Connection* c);

  // Counts a connection from `ip` (its PeerGroup) against
  // max_connections_per_address.
  // False (nothing counted) when the address already has that many; a
  // trusted proxy, or any address under a cap of 0, is never refused.
  bool Admit(const std::string& ip);
  // Undoes an Admit that returned true.
  void Release(const std::string& ip);

  App& app_;
  std::function<int()> queued_;
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::mutex mu_;         // guards live_, per_address_, the counts below and draining_'s setting
  int64_t accepted_ = 0;  // by Accept
  int64_t finished_ = 0;  // Connections ended (Remove)
  std::set<Connection*> live_;
  std::map<std::string, int> per_address_;  // admitted connections per PeerGroup
};

// What the per-address cap counts a peer as: an IPv6 address by its /64
// prefix ("2001:db8:1:2::/64"; one host or home network is usually given a
// whole /64, so counting each address would let one client take every
// worker), an IPv4-mapped IPv6 address as its IPv4 address, anything else
// as itself.
std::string PeerGroup(const std::string& ip);

}  // namespace custos::web::internal

#endif  // CUSTOS_WEB_INTERNAL_CONNECTION_H_
