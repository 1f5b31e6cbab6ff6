#include "web/server.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <istream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include "vault/crypto.h"
#include "web/internal/app.h"
#include "web/static_files.h"

namespace custos::web {

namespace {

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// The client address: the peer, or — only when the peer is a trusted proxy —
// the right-most X-Forwarded-For entry that is not itself a trusted proxy.
std::string ClientIp(const std::vector<std::string>& trusted, const std::string& peer,
                     const std::string& forwarded_for) {
  auto is_trusted = [&](const std::string& ip) {
    return std::find(trusted.begin(), trusted.end(), ip) != trusted.end();
  };
  if (forwarded_for.empty() || !is_trusted(peer)) return peer;
  std::vector<std::string> hops;
  size_t i = 0;
  while (i <= forwarded_for.size()) {
    size_t j = forwarded_for.find(',', i);
    if (j == std::string::npos) j = forwarded_for.size();
    hops.push_back(Trim(std::string_view(forwarded_for).substr(i, j - i)));
    i = j + 1;
  }
  std::string client = peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    Poco::Net::IPAddress parsed;
    // SECURITY: a malformed hop ends the walk; we keep the last good one.
    if (!Poco::Net::IPAddress::tryParse(*it, parsed)) break;
    client = parsed.toString();
    if (!is_trusted(client)) break;
  }
  return client;
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit RequestHandler(internal::App& app) : app_(app) {}

  void handleRequest(Poco::Net::HTTPServerRequest& preq,
                     Poco::Net::HTTPServerResponse& presp) override {
    const auto start = std::chrono::steady_clock::now();
    std::string route_label = "unmatched";
    HttpResponse resp;
    bool close = false;
    const std::string method = preq.getMethod();
    try {
      resp = Handle(preq, &route_label, &close);
    } catch (const std::exception& e) {
      // SECURITY: details go to the operator log, never to the client.
      app_.Log(std::string("request failed: ") + e.what());
      resp = ErrorResponse(500, "internal", "internal server error", "服务器内部错误");
      close = true;
    }
    Headers headers = HeadersOf(resp);
    if (BreaksHead(resp, headers)) {
      // SECURITY: a line break in a header would end the head early
      // (response splitting); the client gets a plain error instead.
      app_.Log("refused to send a response header with a line break");
      resp = ErrorResponse(500, "internal", "internal server error", "服务器内部错误");
      close = true;
      headers = HeadersOf(resp);
    }
    try {
      if (resp.stream_body || method == "HEAD") {
        Send(resp, headers, close, presp);
      } else {
        SendWhole(resp, headers, close, preq, presp);
      }
    } catch (const std::exception& e) {
      app_.Log(std::string("sending the response failed: ") + e.what());
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    app_.metrics.Record(method, route_label, resp.status, seconds);
  }

 private:
  HttpResponse Handle(Poco::Net::HTTPServerRequest& preq, std::string* route_label, bool* close) {
    HttpRequest req;
    req.method = preq.getMethod();
    for (const auto& [name, value] : preq) req.headers[Lower(name)] = value;

    RequestContext ctx;
    ctx.now = app_.Now();
    ctx.place.ip = ClientIp(app_.options.trusted_proxies, preq.clientAddress().host().toString(),
                            req.Header("x-forwarded-for"));
    ctx.place.user_agent = req.Header("user-agent").substr(0, 512);

    try {
      Poco::URI uri(preq.getURI());
      req.path = uri.getPath();
      for (const auto& [k, v] : uri.getQueryParameters()) req.query[k] = v;
    } catch (const Poco::Exception&) {
      *close = true;
      return ErrorResponse(400, "invalid_argument", "malformed request URI", "请求地址格式错误");
    }
    if (req.path.empty() || req.path[0] != '/') {
      *close = true;
      return ErrorResponse(400, "invalid_argument", "malformed request URI", "请求地址格式错误");
    }

    // Streaming routes (uploads) get the body as a stream with a declared
    // length, bounded by max_upload_bytes, and are never buffered whole.
    Router::Match match = app_.router.Find(req.method, req.path);
    if (match.route != nullptr && match.route->streams_body) {
      if (!preq.hasContentLength() || preq.getContentLength64() < 0) {
        *close = true;
        return ErrorResponse(411, "length_required", "an upload needs a Content-Length",
                             "上传需要 Content-Length");
      }
      if (static_cast<uint64_t>(preq.getContentLength64()) > app_.options.max_upload_bytes) {
        *close = true;
        return ErrorResponse(413, "payload_too_large", "the file is too large", "文件过大");
      }
      req.body_stream = &preq.stream();
      req.body_length = preq.getContentLength64();
      HttpResponse r = app_.Dispatch(req, ctx, route_label, std::move(match));
      // A body the handler did not read (refused before it) is still on the
      // wire: close instead of reading it as the next request.
      if (req.body_stream->good() && req.body_stream->peek() != std::char_traits<char>::eof()) {
        *close = true;
      }
      return r;
    }

    // Body, bounded. Anything over the limit is refused without reading it
    // all, and the connection is closed (the rest is still on the wire).
    const size_t limit = app_.options.max_body_bytes;
    if (preq.hasContentLength() && preq.getContentLength64() > static_cast<int64_t>(limit)) {
      *close = true;
      return ErrorResponse(413, "payload_too_large", "request body too large", "请求体过大");
    }
    if (preq.hasContentLength() || preq.getChunkedTransferEncoding()) {
      std::istream& in = preq.stream();
      // Read in pieces: sizing the buffer to the limit up front would zero
      // 1 MiB for every 50-byte request. Reserving the declared length once
      // also keeps a body (which may hold a password) from being copied by
      // reallocation before it is wiped below.
      if (preq.hasContentLength() && preq.getContentLength64() >= 0)
        req.body.reserve(static_cast<size_t>(preq.getContentLength64()));
      char piece[16 * 1024];
      size_t used = 0;  // the part of `piece` ever written, to wipe
      while (req.body.size() <= limit && in) {
        in.read(piece, sizeof piece);
        const auto got = static_cast<size_t>(in.gcount());
        req.body.append(piece, got);
        used = std::max(used, got);
      }
      vault::WipeBuffer(piece, used);
      if (req.body.size() > limit) {
        *close = true;
        return ErrorResponse(413, "payload_too_large", "request body too large", "请求体过大");
      }
    }
    HttpResponse r = app_.Dispatch(req, ctx, route_label, std::move(match));
    // SECURITY: bodies may carry passwords (login, password change).
    vault::WipeString(&req.body);
    return r;
  }

  // A response's headers besides the status line and the framing (Date,
  // Connection, Content-Type, Content-Length), in the order sent: the
  // security headers and Cache-Control, each replaced by the handler's
  // header of the same name if it has one (an agreement document's own
  // CSP), the handler's other headers, then the cookies. Views into `resp`.
  using Headers = std::vector<std::pair<std::string_view, std::string_view>>;
  Headers HeadersOf(const HttpResponse& resp) const {
    Headers h = {{"Content-Security-Policy", kCsp},
                 {"X-Content-Type-Options", "nosniff"},
                 {"Referrer-Policy", "no-referrer"},
                 {"X-Frame-Options", "DENY"},
                 {"Cross-Origin-Opener-Policy", "same-origin"},
                 {"Cross-Origin-Resource-Policy", "same-origin"},
                 {"Cache-Control", "no-store"}};
    if (app_.tls) h.emplace_back("Strict-Transport-Security", "max-age=31536000");
    for (const auto& [name, value] : resp.headers) {
      auto same = std::find_if(h.begin(), h.end(), [&](const auto& d) { return d.first == name; });
      if (same != h.end()) {
        same->second = value;
      } else {
        h.emplace_back(name, value);
      }
    }
    for (const std::string& c : resp.cookies) h.emplace_back("Set-Cookie", c);
    return h;
  }

  // Whether any header would end the head early: a CR or LF in a value (or
  // the content type), or a name with one, a colon or a space.
  static bool BreaksHead(const HttpResponse& resp, const Headers& headers) {
    auto has_break = [](std::string_view text) {
      return text.find_first_of("\r\n") != std::string_view::npos;
    };
    if (has_break(resp.content_type)) return true;
    for (const auto& [name, value] : headers) {
      if (has_break(value) || name.find_first_of("\r\n: ") != std::string_view::npos) return true;
    }
    return false;
  }

  // Through Poco's response: streamed bodies and HEAD.
  void Send(const HttpResponse& resp, const Headers& headers, bool close,
            Poco::Net::HTTPServerResponse& presp) {
    presp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(resp.status));
    presp.setReason(Poco::Net::HTTPResponse::getReasonForStatus(
        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(resp.status)));
    presp.setContentType(resp.content_type);
    presp.setContentLength64(
        static_cast<Poco::Int64>(resp.stream_body ? resp.stream_length : resp.body.size()));
    for (const auto& [name, value] : headers) {
      if (name == "Set-Cookie") {
        presp.add(std::string(name), std::string(value));
      } else {
        presp.set(std::string(name), std::string(value));
      }
    }
    if (close) presp.setKeepAlive(false);
    if (resp.stream_body) {
      // The connection is not reused after a streamed body: if writing fails
      // part-way, closing it short of Content-Length is how the client learns.
      presp.setKeepAlive(false);
      std::ostream& out = presp.send();
      Status s = resp.stream_body(out);
      out.flush();
      if (!s.ok()) throw std::runtime_error("streamed body failed: " + s.ToString());
      return;
    }
    presp.send().write(resp.body.data(), static_cast<std::streamsize>(resp.body.size()));
  }

  // Every other response: status line, headers and body built in one buffer
  // and written straight to the socket. Poco's header writer goes through an
  // unbuffered stream a character at a time and sends head and body
  // separately. The Date is the one Poco's connection loop set on the
  // response; the keep-alive decision stays with that response object, which
  // the loop reads next.
  void SendWhole(const HttpResponse& resp, const Headers& headers, bool close,
                 Poco::Net::HTTPServerRequest& preq, Poco::Net::HTTPServerResponse& presp) {
    if (close) presp.setKeepAlive(false);
    std::string out;
    out.reserve(640 + resp.body.size());
    out += presp.getVersion();
    out += ' ';
    out += std::to_string(resp.status);
    out += ' ';
    out += Poco::Net::HTTPResponse::getReasonForStatus(
        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(resp.status));
    out += "\r\n";
    auto header = [&out](std::string_view name, std::string_view value) {
      out += name;
      out += ": ";
      out += value;
      out += "\r\n";
    };
    if (presp.has("Date")) header("Date", presp.get("Date"));
    header("Connection", presp.getKeepAlive() ? "Keep-Alive" : "Close");
    header("Content-Type", resp.content_type);
    header("Content-Length", std::to_string(resp.body.size()));
    for (const auto& [name, value] : headers) header(name, value);
    out += "\r\n";
    out += resp.body;
    Poco::Net::StreamSocket& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(preq).socket();
    size_t sent = 0;
    while (sent < out.size()) {
      const int n = socket.sendBytes(out.data() + sent, static_cast<int>(out.size() - sent));
      if (n <= 0) throw std::runtime_error("the connection closed while sending");
      sent += static_cast<size_t>(n);
    }
  }

  internal::App& app_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(internal::App& app) : app_(app) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(app_);  // Poco takes ownership
  }

 private:
  internal::App& app_;
};

}  // namespace

struct Server::Impl {
  std::unique_ptr<internal::App> app;
  std::unique_ptr<Poco::ThreadPool> pool;
  std::unique_ptr<Poco::Net::HTTPServer> http;
  uint16_t port = 0;
  std::mutex stop_mu;
  bool stopped = false;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }
bool Server::tls() const { return impl_->app->tls; }

std::vector<std::string> Server::RouteList() const {
  std::vector<std::string> out;
  for (const Route& r : impl_->app->router.routes()) out.push_back(r.method + " " + r.pattern);
  return out;
}

void Server::Stop() {
  std::lock_guard<std::mutex> lock(impl_->stop_mu);
  if (impl_->stopped) return;
  impl_->stopped = true;
  try {
    impl_->http->stopAll(false);  // running requests complete
    impl_->pool->joinAll();
  } catch (const std::exception& e) {
    impl_->app->Log(std::string("stopping: ") + e.what());
  }
  impl_->http.reset();
}

Result<std::unique_ptr<Server>> Server::Start(vault::Vault& vault, const ServerOptions& options) {
  ServerOptions o = options;
  if (!o.clock) o.clock = [] { return NowMillis(); };
  if (o.ui_dir.empty()) o.ui_dir = DefaultUiDir();
  if (o.max_threads < 1 || o.max_queued < 1) {
    return Status::InvalidArgument("max_threads and max_queued must be positive");
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
    internal::RegisterPolicyRoutes(app);
    internal::RegisterAgreementRoutes(app);
    internal::RegisterEmploymentRoutes(app);
    internal::RegisterDepartureRoutes(app);
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
    socket->bind(address, /*reuseAddress=*/true);
    socket->listen(128);
    impl->port = socket->address().port();

    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(o.max_threads);
    params->setMaxQueued(o.max_queued);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setTimeout(Poco::Timespan(15, 0));  // slow clients
    impl->pool = std::make_unique<Poco::ThreadPool>(2, o.max_threads + 2);
    impl->http = std::make_unique<Poco::Net::HTTPServer>(new HandlerFactory(app), *impl->pool,
                                                         *socket, params);
    impl->http->start();
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
