#include "web/server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <istream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerParams.h>
#include <Poco/ThreadPool.h>

#include "vault/store/crypto.h"
#include "web/internal/app.h"
#include "web/internal/connection.h"
#include "web/static_files.h"

namespace custos::web {

namespace {
// How long Stop waits for the connections queued for a worker to be served.
// Well within the systemd unit's TimeoutStopSec (30 s; packaging/), which
// must also cover the requests still running after it.
constexpr int kDrainSeconds = 10;

class AcceptUnlessStopping : public Poco::Net::TCPServerConnectionFilter {
 public:
  explicit AcceptUnlessStopping(internal::ConnectionFactory& connections)
      : connections_(connections) {}
  bool accept(const Poco::Net::StreamSocket&) override { return connections_.Accept(); }

 private:
  internal::ConnectionFactory& connections_;  // owned by the same TCPServer
};
}  // namespace

struct Server::Impl {
  std::unique_ptr<internal::App> app;
  std::unique_ptr<Poco::ThreadPool> pool;
  internal::ConnectionFactory* connections = nullptr;  // owned by `tcp`
  std::unique_ptr<Poco::Net::TCPServer> tcp;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;
  std::mutex tcp_mu;  // guards `tcp` being reset (Stop) against queued_connections()
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }
int Server::queued_connections() const {
  std::lock_guard<std::mutex> lock(impl_->tcp_mu);
  return impl_->tcp ? impl_->tcp->queuedConnections() : 0;
}
bool Server::tls() const { return impl_->app->tls; }

Result<int> Server::DeleteExpiredSessions() { return impl_->app->sessions.DeleteExpired(); }

std::vector<std::string> Server::RouteList() const {
  std::vector<std::string> out;
  for (const Route& r : impl_->app->router.routes()) out.push_back(r.method + " " + r.pattern);
  return out;
}

void Server::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  // The operator's log callback may throw; a stop goes on regardless.
  const auto log = [this](const std::string& line) {
    try {
      impl_->app->Log(line);
    } catch (...) {
    }
  };
  // First the connections already accepted (a restart under load): no new
  // one is accepted from here on, and each one open or waiting in the
  // queue for a worker is answered once more with Connection: Close, for
  // at most kDrainSeconds. Then the acceptor stops, which drops whatever
  // is still queued (and the kernel resets what it had not handed over),
  // idle connections are shut and running requests finish.
  impl_->app->stopping.store(true);
  impl_->connections->Drain();
  const int queued = impl_->tcp->queuedConnections();
  if (queued > 0) {
    log("stopping: answering the " + std::to_string(queued) +
        " connection(s) waiting for a worker first");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kDrainSeconds);
  int64_t open = 0;
  while ((open = impl_->connections->Unfinished(impl_->tcp->refusedConnections())) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (open > 0) {
    log("stopping: " + std::to_string(open) + " connection(s) still open after " +
        std::to_string(kDrainSeconds) + " s; queued ones are closed unanswered");
  }
  try {
    impl_->tcp->stop();             // no new connections
    impl_->connections->StopAll();  // idle ones end; running requests complete
    impl_->pool->joinAll();
  } catch (const std::exception& e) {
    log(std::string("stopping: ") + e.what());
  }
  std::lock_guard<std::mutex> tcp_lock(impl_->tcp_mu);
  impl_->tcp.reset();  // closes the listening socket
}

Result<std::unique_ptr<Server>> Server::Start(vault::Vault& vault, const ServerOptions& options) {
  ServerOptions o = options;
  if (!o.clock) o.clock = [] { return NowMillis(); };
  if (o.ui_dir.empty()) o.ui_dir = DefaultUiDir();
  if (o.max_threads < 1 || o.max_queued < 1) {
    return Status::InvalidArgument("max_threads and max_queued must be positive");
  }
  if (o.body_grace_ms < 0) return Status::InvalidArgument("body_grace_ms must not be negative");
  if (o.max_connections_per_address < 0) {
    return Status::InvalidArgument("max_connections_per_address must not be negative");
  }
  const bool want_tls = !o.tls_cert_path.empty() || !o.tls_key_path.empty();
  if (want_tls && (o.tls_cert_path.empty() || o.tls_key_path.empty())) {
    return Status::InvalidArgument("TLS needs both a certificate and a key file");
  }
  for (const std::string& p : o.trusted_proxies) {
    Poco::Net::IPAddress ip;
    if (!Poco::Net::IPAddress::tryParse(p, ip)) {
      return Status::InvalidArgument("trusted proxy is not an IP address: " + p);
    }
  }

  auto impl = std::make_unique<Impl>();
  impl->app = std::make_unique<internal::App>(vault, o);
  internal::App& app = *impl->app;
  app.tls = want_tls;
  {
    auto dummy = vault::HashPassword(vault::RandomSecret(16), o.password_kdf);
    if (!dummy.ok()) return dummy.status();
    app.dummy_hash = std::move(dummy).value();
  }
  internal::RegisterOpsRoutes(app);
  internal::RegisterSessionRoutes(app);
  internal::RegisterUserRoutes(app);
  if (o.archive != nullptr) {
    internal::RegisterRecordRoutes(app);
    internal::RegisterAttachmentRoutes(app);
    internal::RegisterLoanRoutes(app);
    internal::RegisterAuditRoutes(app);
    internal::RegisterTlogRoutes(app);
    internal::RegisterPolicyRoutes(app);
    internal::RegisterAgreementRoutes(app);
    internal::RegisterEmploymentRoutes(app);
    internal::RegisterDepartureRoutes(app);
    internal::RegisterEvidenceRoutes(app);
  }
  for (const auto& add : o.extra_routes) add(app.router, vault);

  try {
    Poco::Net::SocketAddress address(o.listen_address, o.port);
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    if (want_tls) {
      Poco::Net::initializeSSL();
      Poco::Net::Context::Ptr context =
          new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, o.tls_key_path,
                                 o.tls_cert_path, "", Poco::Net::Context::VERIFY_NONE, 9, false,
                                 "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!MD5:!RC4");
      context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                Poco::Net::Context::PROTO_TLSV1 |
                                Poco::Net::Context::PROTO_TLSV1_1);
      socket = std::make_unique<Poco::Net::SecureServerSocket>(context);
    } else {
      socket = std::make_unique<Poco::Net::ServerSocket>();
    }
    // SO_REUSEADDR (a restart binds over connections still in TIME_WAIT),
    // never SO_REUSEPORT: a second server on the same port, say a restored
    // copy started by mistake, must fail, not share the requests.
    socket->bind(address, /*reuseAddress=*/true, /*reusePort=*/false);
    socket->listen(128);
    impl->port = socket->address().port();

    // Poco's TCPServer accepts and queues connections and runs each on a
    // pool thread; the HTTP/1.1 loop is ours (internal/connection.h).
    Poco::Net::TCPServerParams::Ptr params = new Poco::Net::TCPServerParams;
    params->setMaxThreads(o.max_threads);
    params->setMaxQueued(o.max_queued);
    impl->pool = std::make_unique<Poco::ThreadPool>(2, o.max_threads + 2);
    impl->connections = new internal::ConnectionFactory(app);
    impl->tcp = std::make_unique<Poco::Net::TCPServer>(
        Poco::Net::TCPServerConnectionFactory::Ptr(impl->connections), *impl->pool, *socket,
        params);
    // Counts what the acceptor takes, and refuses new connections once
    // Stop has begun (ConnectionFactory::Accept).
    impl->tcp->setConnectionFilter(new AcceptUnlessStopping(*impl->connections));
    // Idle keep-alive connections give way while others wait in the queue.
    // Set before start(); connections end before `tcp` is destroyed (Stop).
    Poco::Net::TCPServer* tcp = impl->tcp.get();
    impl->connections->SetQueuedConnections([tcp] { return tcp->queuedConnections(); });
    impl->tcp->start();
  } catch (const Poco::Net::SSLException& e) {
    return Status::InvalidArgument(std::string("TLS setup failed: ") + e.displayText());
  } catch (const Poco::Net::InvalidAddressException& e) {
    return Status::InvalidArgument(std::string("bad listen address: ") + e.displayText());
  } catch (const Poco::Net::HostNotFoundException& e) {
    return Status::InvalidArgument(std::string("bad listen address: ") + e.displayText());
  } catch (const Poco::Exception& e) {
    return Status::Unavailable(std::string("cannot listen: ") + e.displayText());
  } catch (const std::exception& e) {
    return Status::Unavailable(std::string("cannot listen: ") + e.what());
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

}  // namespace custos::web
