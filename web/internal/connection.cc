#include "web/internal/connection.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "vault/store/crypto.h"
#include "web/internal/http_head.h"

namespace custos::web::internal {

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

// The socket's receive timeout is one slice, for the connection's whole
// life (no system call to change it per request). An idle keep-alive
// connection waits kIdleSeconds for its next request, slice by slice, and
// gives way sooner when connections are queued for a worker. Inside a
// request, kPatience idle periods in a row without a byte end it (a head
// must also be complete within kHeadDeadline of its first byte).
constexpr int kSliceSeconds = 1;
constexpr int kIdleSeconds = 5;
constexpr int kIdleSlices = kIdleSeconds / kSliceSeconds;
constexpr int kPatience = 3;
constexpr auto kHeadDeadline = std::chrono::seconds(15);
constexpr int kSendTimeoutSeconds = 15;
constexpr size_t kBufferSize = 64 * 1024;  // > kMaxHeadBytes: a head always fits

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool IsTrustedProxy(const std::vector<std::string>& trusted, const std::string& ip) {
  return std::find(trusted.begin(), trusted.end(), ip) != trusted.end();
}

// The client address: the peer, or — only when the peer is a trusted proxy —
// the right-most X-Forwarded-For entry that is not itself a trusted proxy.
std::string ClientIp(const std::vector<std::string>& trusted, const std::string& peer,
                     const std::string& forwarded_for) {
  auto is_trusted = [&](const std::string& ip) { return IsTrustedProxy(trusted, ip); };
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

// Whether an X-Forwarded-Proto value says the client came over HTTPS: its
// right-most entry (what the nearest proxy saw; a proxy that appends rather
// than replaces puts its own last) is "https".
bool ForwardedHttps(std::string_view value) {
  if (const size_t comma = value.rfind(','); comma != std::string_view::npos) {
    value.remove_prefix(comma + 1);
  }
  const std::string proto = Trim(value);
  return proto.size() == 5 && std::equal(proto.begin(), proto.end(), "https", [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         });
}

// The Date header's value, formatted once a second per thread.
const std::string& CurrentHttpDate() {
  thread_local std::time_t second = -1;
  thread_local std::string text;
  const std::time_t now = std::time(nullptr);
  if (now != second) {
    second = now;
    text = HttpDate(now);
  }
  return text;
}

// A response's headers besides the status line and the framing (Date,
// Connection, Content-Type, Content-Length), in the order sent: the security
// headers and Cache-Control, each replaced by the handler's header of the
// same name if it has one (an agreement document's own CSP), the handler's
// other headers, then the cookies. Views into `resp`.
using Headers = std::vector<std::pair<std::string_view, std::string_view>>;
Headers HeadersOf(const HttpResponse& resp, bool https) {
  Headers h = {{"Content-Security-Policy", kCsp},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"X-Frame-Options", "DENY"},
               {"Cross-Origin-Opener-Policy", "same-origin"},
               {"Cross-Origin-Resource-Policy", "same-origin"},
               {"Cache-Control", "no-store"}};
  if (https) h.emplace_back("Strict-Transport-Security", "max-age=31536000");
  for (const auto& header : resp.headers) {
    // Not a structured binding: a lambda may not capture one before C++20
    // compilers caught up (clang 14 refuses it).
    const std::string_view name = header.first;
    auto same = std::find_if(h.begin(), h.end(), [name](const auto& d) { return d.first == name; });
    if (same != h.end()) {
      same->second = header.second;
    } else {
      h.emplace_back(name, header.second);
    }
  }
  for (const std::string& c : resp.cookies) h.emplace_back("Set-Cookie", c);
  return h;
}

// Whether any header would end the head early: a CR or LF in a value (or the
// content type), or a name with one, a colon or a space.
bool BreaksHead(const HttpResponse& resp, const Headers& headers) {
  auto has_break = [](std::string_view text) {
    return text.find_first_of("\r\n") != std::string_view::npos;
  };
  if (has_break(resp.content_type)) return true;
  for (const auto& [name, value] : headers) {
    if (has_break(value) || name.find_first_of("\r\n: ") != std::string_view::npos) return true;
  }
  return false;
}

// Appends to a body that may hold a password: when it must grow, the old
// buffer is wiped instead of being left behind in freed memory.
void AppendWiping(std::string* body, std::string_view bytes) {
  if (body->size() + bytes.size() > body->capacity()) {
    std::string bigger;
    bigger.reserve(std::max(body->capacity() * 2, body->size() + bytes.size()));
    bigger.append(*body);
    vault::WipeString(body);
    body->swap(bigger);
  }
  body->append(bytes);
}

HttpResponse InternalError() {
  return ErrorResponse(500, "internal", "internal server error", "服务器内部错误");
}

}  // namespace

class Connection : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, ConnectionFactory& factory)
      : Poco::Net::TCPServerConnection(socket),
        factory_(factory),
        app_(factory.app_),
        buf_(std::make_unique<char[]>(kBufferSize)) {
    factory_.Add(this);
  }

  ~Connection() override {
    if (admitted_) factory_.Release(peer_ip_);
    factory_.Remove(this);
    vault::WipeBuffer(buf_.get(), kBufferSize);
  }

  void run() override {
    try {
      socket().setNoDelay(true);
      socket().setReceiveTimeout(Poco::Timespan(kSliceSeconds, 0));
      socket().setSendTimeout(Poco::Timespan(kSendTimeoutSeconds, 0));
      peer_ip_ = socket().peerAddress().host().toString();
    } catch (const Poco::Exception&) {
      return;  // the peer is already gone
    }
    admitted_ = factory_.Admit(peer_ip_);
    if (!admitted_) {
      RefuseOverCap();
      return;
    }
    try {
      // At least one request: a connection taken from the queue while the
      // server drains is still answered; so is a request its client had
      // begun to send when the drain began.
      do {
        if (!ServeOne()) break;
      } while (!factory_.ending() || RequestWaiting());
    } catch (const Poco::Exception&) {
      // A reset, a timeout while sending, a TLS error: the connection ends.
    } catch (const std::exception& e) {
      app_.Log(std::string("connection failed: ") + e.what());
    }
  }

  // Whether bytes of a next request are here or on their way (buffered, or
  // readable on the socket without waiting), or the client has closed.
  bool RequestWaiting() {
    if (buffered() > 0) return true;
    try {
      return socket().poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ);
    } catch (const Poco::Exception&) {
      return false;
    }
  }

  // Server::Stop: closes the socket for both directions, once no request is
  // being handled (waits for the one running). The blocked receive of an
  // idle connection returns at once.
  void Shut() {
    std::lock_guard<std::mutex> lock(busy_);
    const auto fd = socket().impl()->sockfd();
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  }

 private:
  enum class Got { kBytes, kTimeout, kClosed };

  size_t buffered() const { return end_ - begin_; }

  // Marks n buffered bytes used, wiping them once the buffer is drained.
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      vault::WipeBuffer(buf_.get(), end_);
      begin_ = end_ = 0;
    }
  }

  // One receive into the buffer (moving unread bytes to its front first
  // when the free tail is short).
  Got Receive() {
    if (end_ == kBufferSize || (begin_ > 0 && kBufferSize - end_ < 4096)) {
      const size_t n = buffered();
      std::memmove(buf_.get(), buf_.get() + begin_, n);
      vault::WipeBuffer(buf_.get() + n, end_ - n);
      begin_ = 0;
      end_ = n;
    }
    try {
      const int got =
          socket().receiveBytes(buf_.get() + end_, static_cast<int>(kBufferSize - end_));
      if (got <= 0) return Got::kClosed;
      end_ += static_cast<size_t>(got);
      if (pace_.active) pace_.received += static_cast<uint64_t>(got);
      return Got::kBytes;
    } catch (const Poco::TimeoutException&) {
      return Got::kTimeout;
    } catch (const Poco::Exception&) {
      return Got::kClosed;
    }
  }

  // Between requests (nothing buffered, no request begun): waits up to
  // kIdleSeconds for the next one. After each silent slice the connection
  // gives its worker up if connections wait in the queue (all workers are
  // taken): reopening an idle keep-alive connection costs its client less
  // than the queued clients' wait.
  Got ReceiveIdle() {
    for (int i = 0; i < kIdleSlices; ++i) {
      const Got got = Receive();
      if (got != Got::kTimeout) return got;
      if (factory_.ending() || factory_.Congested()) break;
    }
    return Got::kTimeout;
  }

  // Inside a request: receive, allowing kPatience idle periods in a row
  // without a byte. A queue never ends a request; a stop ends a silent one
  // at the end of an idle period. While a body is read, a body below its
  // minimum rate ends it too (BodyTooSlow).
  Got ReceivePatiently() {
    for (int i = 1; i <= kPatience * kIdleSlices; ++i) {
      if (BodyTooSlow()) {
        pace_.too_slow = true;
        return Got::kTimeout;
      }
      const Got got = Receive();
      if (got != Got::kTimeout) return got;
      if (i % kIdleSlices == 0 && factory_.ending()) break;
    }
    return Got::kTimeout;
  }
  bool ReceiveInRequest() { return ReceivePatiently() == Got::kBytes; }

  // SECURITY: a body trickled in a byte at a time, each just inside the
  // silence limit, would hold a worker for as long as its client likes.
  // From ServerOptions::body_grace_ms after a body's start, what has arrived
  // must average at least min_body_bytes_per_second.
  void StartBody() {
    pace_ = BodyPace{};
    pace_.active = true;
    pace_.start = SteadyClock::now();
    pace_.received = buffered();
  }
  void EndBody() { pace_.active = false; }
  bool BodyTooSlow() const {
    const uint64_t rate = app_.options.min_body_bytes_per_second;
    if (!pace_.active || rate == 0) return false;
    const auto elapsed = SteadyClock::now() - pace_.start;
    if (elapsed <= std::chrono::milliseconds(app_.options.body_grace_ms)) return false;
    return static_cast<double>(pace_.received) <
           std::chrono::duration<double>(elapsed).count() * static_cast<double>(rate);
  }

  // Copies up to `max` body bytes into `out` (receiving when none are
  // buffered). 0 when the peer is gone or too slow.
  size_t ReadSome(char* out, size_t max) {
    if (buffered() == 0 && !ReceiveInRequest()) return 0;
    const size_t n = std::min(max, buffered());
    std::memcpy(out, buf_.get() + begin_, n);
    Consume(n);
    return n;
  }

  // Appends exactly n body bytes to *body.
  bool ReadExact(size_t n, std::string* body) {
    while (n > 0) {
      if (buffered() == 0 && !ReceiveInRequest()) return false;
      const size_t take = std::min(n, buffered());
      AppendWiping(body, std::string_view(buf_.get() + begin_, take));
      Consume(take);
      n -= take;
    }
    return true;
  }

  // One line (for chunked framing) of at most 4 KiB, without its CRLF.
  // SECURITY: false for a line ended by a bare LF or holding a CR — chunked
  // framing is CRLF only (see http_head.h) — as for a peer gone or too slow.
  bool ReadLine(std::string* line) {
    for (;;) {
      const char* start = buf_.get() + begin_;
      const void* lf = std::memchr(start, '\n', buffered());
      if (lf != nullptr) {
        const size_t len = static_cast<size_t>(static_cast<const char*>(lf) - start);
        if (len == 0 || start[len - 1] != '\r') return false;
        line->assign(start, len - 1);
        Consume(len + 1);
        return line->find('\r') == std::string::npos;
      }
      if (buffered() > 4096 || !ReceiveInRequest()) return false;
    }
  }

  using Body = BodyRead;

  // A chunked body, decoded into *body, at most `limit` bytes.
  Body ReadChunked(size_t limit, std::string* body) {
    const ChunkedSource source{[this](std::string* line) { return ReadLine(line); },
                               [this](size_t n, std::string* out) { return ReadExact(n, out); }};
    return DecodeChunkedBody(source, limit, body);
  }

  void SendAll(std::string_view bytes) {
    while (!bytes.empty()) {
      const int n = socket().sendBytes(bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) throw std::runtime_error("the connection closed while sending");
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads and answers one request. False when the connection is to end.
  bool ServeOne() {
    RequestHead head;
    size_t head_length = 0;
    HeadError head_error;
    SteadyClock::time_point first_byte = SteadyClock::now();
    for (;;) {
      // Empty lines between requests (some clients end a body with an extra
      // CRLF) are not the start of a request. Only CRLF: a bare LF goes to
      // the parser, which refuses it.
      while (buffered() >= 2 && buf_[begin_] == '\r' && buf_[begin_ + 1] == '\n') Consume(2);
      HeadParse parsed = HeadParse::kNeedMore;
      if (buffered() > 0) {
        parsed = ParseRequestHead(std::string_view(buf_.get() + begin_, buffered()), &head,
                                  &head_length, &head_error);
      }
      if (parsed == HeadParse::kDone) break;
      if (parsed == HeadParse::kNeedMore) {
        if (buffered() == 0) {
          // Waiting for the next request: an idle connection ends quietly.
          if (ReceiveIdle() != Got::kBytes) return false;
          first_byte = SteadyClock::now();
          continue;
        }
        const Got got =
            SteadyClock::now() - first_byte > kHeadDeadline ? Got::kTimeout : ReceivePatiently();
        if (got == Got::kBytes) continue;
        // A head cut short: the client may still be reading (it only ended
        // its sending side), so it is told why.
        if (got == Got::kTimeout) {
          head_error = {408, "request_timeout", "the request head took too long", "请求头发送超时"};
        } else {
          head_error = {400, "invalid_argument", "incomplete request head", "请求头不完整"};
        }
      }
      std::lock_guard<std::mutex> lock(busy_);
      const auto start = SteadyClock::now();
      HttpResponse resp = ErrorResponse(head_error.status, head_error.code, head_error.message_en,
                                        head_error.message_zh);
      Record("-", "unparsed", resp.status, start);
      try {
        Respond(resp, /*head_only=*/false, /*keep_alive=*/false);
      } catch (const std::exception&) {
        // The client is gone; there is no one left to tell.
      }
      return false;
    }
    Consume(head_length);

    std::lock_guard<std::mutex> lock(busy_);
    const auto start = SteadyClock::now();
    https_ = app_.tls;  // until Handle knows better
    std::string route_label = "unmatched";
    bool keep_alive = head.keep_alive && !factory_.ending();
    HttpResponse resp;
    try {
      resp = Handle(head, &route_label, &keep_alive);
    } catch (const std::exception& e) {
      // SECURITY: details go to the operator log, never to the client.
      app_.Log(std::string("request failed: ") + e.what());
      resp = InternalError();
      keep_alive = false;
    }
    if (factory_.ending()) keep_alive = false;
    try {
      keep_alive = Respond(resp, head.method == "HEAD", keep_alive);
    } catch (const std::exception& e) {
      app_.Log(std::string("sending the response failed: ") + e.what());
      keep_alive = false;
    }
    vault::WipeString(&resp.body);
    Record(head.method, route_label, resp.status, start);
    return keep_alive;
  }

  // A connection over its address's cap: one 503 and the end. Nothing is
  // parsed; a single receive (at most one slice) lets the request arrive
  // first, so the answer follows it instead of racing it. What arrived is
  // wiped with the buffer.
  void RefuseOverCap() {
    if (Receive() == Got::kClosed) return;
    std::lock_guard<std::mutex> lock(busy_);
    const auto start = SteadyClock::now();
    HttpResponse resp = ErrorResponse(503, "too_many_connections",
                                      "too many connections from this address; try again later",
                                      "来自该地址的连接过多，请稍后再试");
    resp.headers.emplace_back("Retry-After", "1");
    Record("-", "unparsed", resp.status, start);
    try {
      Respond(resp, /*head_only=*/false, /*keep_alive=*/false);
    } catch (const std::exception&) {
      // The client is gone; there is no one left to tell.
    }
  }

  void Record(const std::string& method, const std::string& route, int status,
              SteadyClock::time_point start) {
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
    // SECURITY: the method is the client's; a label per invented method
    // would let anyone grow the metrics without bound.
    static constexpr std::string_view kKnown[] = {"GET",   "HEAD",   "POST",   "PUT",
                                                  "PATCH", "DELETE", "OPTIONS"};
    const bool known = std::find(std::begin(kKnown), std::end(kKnown), method) != std::end(kKnown);
    app_.metrics.Record(known || method == "-" ? method : "other", route, status, seconds);
  }

  HttpResponse Handle(const RequestHead& head, std::string* route_label, bool* keep_alive) {
    HttpRequest req;
    req.method = head.method;
    for (const auto& [name, value] : head.fields) req.headers[name] = value;

    RequestContext ctx;
    ctx.now = app_.Now();
    ctx.place.ip = ClientIp(app_.options.trusted_proxies, peer_ip_, req.Header("x-forwarded-for"));
    ctx.place.user_agent = req.Header("user-agent").substr(0, 512);
    // SECURITY: X-Forwarded-Proto is believed only from a trusted proxy;
    // anyone else could claim HTTPS for a plain connection.
    ctx.https = app_.tls || (IsTrustedProxy(app_.options.trusted_proxies, peer_ip_) &&
                             ForwardedHttps(req.Header("x-forwarded-proto")));
    https_ = ctx.https;

    try {
      Poco::URI uri(head.target);
      req.path = uri.getPath();
      for (const auto& [k, v] : uri.getQueryParameters()) req.query[k] = v;
    } catch (const Poco::Exception&) {
      *keep_alive = false;
      return ErrorResponse(400, "invalid_argument", "malformed request URI", "请求地址格式错误");
    }
    if (req.path.empty() || req.path[0] != '/') {
      *keep_alive = false;
      return ErrorResponse(400, "invalid_argument", "malformed request URI", "请求地址格式错误");
    }

    // Admission, from the head alone: route, session, password change,
    // roles, CSRF, content type (App::Admit).
    HttpResponse answer;
    const Route* route =
        app_.Admit(req, ctx, route_label, app_.router.Find(req.method, req.path), &answer);
    if (route == nullptr) {
      // SECURITY: refused (or answered) before a byte of the body is read:
      // a client without a session cannot make the server wait for one.
      // The body is still on the wire, so the connection closes.
      if (head.has_body()) *keep_alive = false;
      return answer;
    }
    // SECURITY: a public route (the login) is open to anyone; its body is
    // small, so it is capped well below the limit for logged-in users.
    const bool open_route = route->access == Access::kPublic;

    // Streaming routes (uploads) get the body as a stream with a declared
    // length, bounded by max_upload_bytes, and are never buffered whole.
    if (route->streams_body) {
      uint64_t limit = app_.options.max_upload_bytes;
      if (open_route) limit = std::min<uint64_t>(limit, app_.options.max_public_body_bytes);
      if (head.content_length < 0) {
        *keep_alive = false;
        return ErrorResponse(411, "length_required", "an upload needs a Content-Length",
                             "上传需要 Content-Length");
      }
      if (static_cast<uint64_t>(head.content_length) > limit) {
        *keep_alive = false;
        return ErrorResponse(413, "payload_too_large", "the file is too large", "文件过大");
      }
      if (head.expect_continue) SendAll("HTTP/1.1 100 Continue\r\n\r\n");
      BodyInBuf body(*this, static_cast<uint64_t>(head.content_length));
      std::istream in(&body);
      req.body_stream = &in;
      req.body_length = head.content_length;
      StartBody();
      HttpResponse r = app_.Run(*route, req, ctx);
      EndBody();
      // A body the handler did not read (refused before it) is still on the
      // wire: close instead of reading it as the next request.
      if (body.remaining() > 0) *keep_alive = false;
      if (body.cut_short()) {
        // The handler saw its stream fail, so stored nothing; the client
        // (if still listening) learns why.
        *keep_alive = false;
        if (pace_.too_slow) return BodyTooSlowResponse();
        return ErrorResponse(400, "invalid_argument", "incomplete request body", "请求体不完整");
      }
      return r;
    }

    // Body, bounded. Anything over the limit is refused without reading it
    // all, and the connection is closed (the rest is still on the wire).
    size_t limit = route->max_body_bytes != 0 ? route->max_body_bytes : app_.options.max_body_bytes;
    if (open_route) limit = std::min(limit, app_.options.max_public_body_bytes);
    if (head.content_length > static_cast<int64_t>(limit)) {
      *keep_alive = false;
      return ErrorResponse(413, "payload_too_large", "request body too large", "请求体过大");
    }
    if (head.has_body()) {
      if (head.expect_continue) SendAll("HTTP/1.1 100 Continue\r\n\r\n");
      StartBody();
      Body got = Body::kOk;
      if (head.chunked) {
        got = ReadChunked(limit, &req.body);
      } else {
        // Reserved once: a body (which may hold a password) is not copied
        // by reallocation before it is wiped below.
        req.body.reserve(static_cast<size_t>(head.content_length));
        if (!ReadExact(static_cast<size_t>(head.content_length), &req.body)) got = Body::kBroken;
      }
      EndBody();
      if (got != Body::kOk) {
        vault::WipeString(&req.body);
        *keep_alive = false;
        if (got == Body::kTooLarge) {
          return ErrorResponse(413, "payload_too_large", "request body too large", "请求体过大");
        }
        if (pace_.too_slow) return BodyTooSlowResponse();
        if (head.chunked) {
          return ErrorResponse(400, "invalid_argument", "malformed chunked body",
                               "分块请求体格式错误");
        }
        return ErrorResponse(400, "invalid_argument", "incomplete request body", "请求体不完整");
      }
    }
    HttpResponse r = app_.Run(*route, req, ctx);
    // SECURITY: bodies may carry passwords (login, password change).
    vault::WipeString(&req.body);
    return r;
  }

  static HttpResponse BodyTooSlowResponse() {
    return ErrorResponse(408, "request_timeout", "the request body was sent too slowly",
                         "请求体发送过慢");
  }

  // Status line, framing, headers (and the body, unless HEAD or streamed)
  // in one buffer and one send; a streamed body follows through a buffered
  // stream on the socket.
  // Returns whether the connection stays open.
  bool Respond(HttpResponse& resp, bool head_only, bool keep_alive) {
    Headers headers = HeadersOf(resp, https_);
    if (BreaksHead(resp, headers)) {
      // SECURITY: a line break in a header would end the head early
      // (response splitting); the client gets a plain error instead.
      app_.Log("refused to send a response header with a line break");
      resp = InternalError();
      keep_alive = false;
      headers = HeadersOf(resp, https_);
    }
    // The connection is not reused after a streamed body: if writing fails
    // part-way, closing it short of Content-Length is how the client learns.
    if (resp.stream_body && !head_only) keep_alive = false;
    const uint64_t length = resp.stream_body ? resp.stream_length : resp.body.size();
    const bool with_body = !head_only && !resp.stream_body;
    std::string out;
    // SECURITY: the buffer holds the body (a record's content), wiped
    // however this ends.
    struct Wipe {
      std::string* s;
      ~Wipe() { vault::WipeString(s); }
    } wipe_out{&out};
    out.reserve(640 + (with_body ? resp.body.size() : 0));
    out += "HTTP/1.1 ";
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
    header("Date", CurrentHttpDate());
    header("Connection", keep_alive ? "Keep-Alive" : "Close");
    header("Content-Type", resp.content_type);
    header("Content-Length", std::to_string(length));
    for (const auto& [name, value] : headers) header(name, value);
    out += "\r\n";
    if (with_body) out += resp.body;
    SendAll(out);
    if (!resp.stream_body || head_only) return keep_alive;
    SocketOutBuf sink(*this);
    std::ostream stream(&sink);
    Status s = resp.stream_body(stream);
    stream.flush();
    if (!s.ok()) throw std::runtime_error("streamed body failed: " + s.ToString());
    if (!stream) throw std::runtime_error("the connection closed while streaming");
    return false;
  }

  // An upload's body as a stream: exactly `length` bytes from the
  // connection, then end of stream.
  // SECURITY: a body that ends before `length` (the peer left, half-closed
  // or stalled) is not a shorter file but a failed upload: underflow
  // throws, which the std::istream reading it turns into badbit, so the
  // handler fails instead of storing what arrived (vault::AddAttachment
  // discards its chunks when its stream goes bad).
  class BodyInBuf : public std::streambuf {
   public:
    BodyInBuf(Connection& c, uint64_t length) : c_(c), remaining_(length) {}
    ~BodyInBuf() override { vault::WipeBuffer(piece_, used_); }
    uint64_t remaining() const { return remaining_; }
    bool cut_short() const { return cut_short_; }

   protected:
    int_type underflow() override {
      if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
      if (remaining_ == 0) return traits_type::eof();
      const size_t n =
          c_.ReadSome(piece_, static_cast<size_t>(std::min<uint64_t>(remaining_, sizeof piece_)));
      if (n == 0) {
        cut_short_ = true;
        throw std::runtime_error("the request body ended before its Content-Length");
      }
      remaining_ -= n;
      used_ = std::max(used_, n);
      setg(piece_, piece_, piece_ + n);
      return traits_type::to_int_type(*gptr());
    }

   private:
    Connection& c_;
    uint64_t remaining_;
    char piece_[16 * 1024];
    size_t used_ = 0;
    bool cut_short_ = false;
  };

  // A streamed response body, written to the socket in 16 KiB pieces.
  class SocketOutBuf : public std::streambuf {
   public:
    explicit SocketOutBuf(Connection& c) : c_(c) { setp(piece_, piece_ + sizeof piece_); }
    ~SocketOutBuf() override { vault::WipeBuffer(piece_, sizeof piece_); }

   protected:
    int_type overflow(int_type ch) override {
      if (Flush() != 0) return traits_type::eof();
      if (!traits_type::eq_int_type(ch, traits_type::eof())) {
        *pptr() = traits_type::to_char_type(ch);
        pbump(1);
      }
      return traits_type::not_eof(ch);
    }
    int sync() override { return Flush(); }

   private:
    int Flush() {
      const size_t n = static_cast<size_t>(pptr() - pbase());
      try {
        c_.SendAll(std::string_view(pbase(), n));
      } catch (const std::exception&) {
        return -1;
      }
      setp(piece_, piece_ + sizeof piece_);
      return 0;
    }

    Connection& c_;
    char piece_[16 * 1024];
  };

  ConnectionFactory& factory_;
  App& app_;
  std::unique_ptr<char[]> buf_;  // received bytes: [begin_, end_) not yet used
  size_t begin_ = 0;
  size_t end_ = 0;
  std::string peer_ip_;
  bool admitted_ = false;  // counted against peer_ip_'s cap (Release when done)
  // Whether the request being answered came over HTTPS (RequestContext::
  // https; the server's own TLS before a head is parsed): HSTS.
  bool https_ = app_.tls;
  // The body being read: its start and the bytes received since (StartBody).
  struct BodyPace {
    bool active = false;
    bool too_slow = false;  // the read ended because the body fell below its rate
    SteadyClock::time_point start;
    uint64_t received = 0;
  };
  BodyPace pace_;
  std::mutex busy_;  // held while a request is handled (Shut waits for it)
};

Poco::Net::TCPServerConnection* ConnectionFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
  return new Connection(socket, *this);  // Poco's dispatcher owns it
}

void ConnectionFactory::Add(Connection* c) {
  std::lock_guard<std::mutex> lock(mu_);
  live_.insert(c);
  // A connection taken from the queue after StopAll: shut at once.
  if (stopping()) c->Shut();
}

void ConnectionFactory::Remove(Connection* c) {
  std::lock_guard<std::mutex> lock(mu_);
  live_.erase(c);
  ++finished_;
}

bool ConnectionFactory::Accept() {
  std::lock_guard<std::mutex> lock(mu_);
  if (ending()) return false;
  ++accepted_;
  return true;
}

void ConnectionFactory::Drain() {
  // Under mu_: once this returns, Accept counts no more connections.
  std::lock_guard<std::mutex> lock(mu_);
  draining_.store(true, std::memory_order_release);
}

int64_t ConnectionFactory::Unfinished(int refused) {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_ - finished_ - refused;
}

std::string PeerGroup(const std::string& ip) {
  unsigned char a[16];
  if (inet_pton(AF_INET6, ip.c_str(), a) != 1) return ip;
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char text[INET6_ADDRSTRLEN];
  if (std::memcmp(a, kMapped, sizeof kMapped) == 0) {
    if (inet_ntop(AF_INET, a + 12, text, sizeof text) == nullptr) return ip;
    return text;
  }
  std::memset(a + 8, 0, 8);
  if (inet_ntop(AF_INET6, a, text, sizeof text) == nullptr) return ip;
  return std::string(text) + "/64";
}

bool ConnectionFactory::Admit(const std::string& ip) {
  const int cap = app_.options.max_connections_per_address;
  // SECURITY: a trusted proxy carries many clients; they would share its cap.
  const bool capped = cap > 0 && !IsTrustedProxy(app_.options.trusted_proxies, ip);
  std::lock_guard<std::mutex> lock(mu_);
  int& count = per_address_[PeerGroup(ip)];
  if (capped && count >= cap) return false;
  ++count;
  return true;
}

void ConnectionFactory::Release(const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_address_.find(PeerGroup(ip));
  if (it == per_address_.end()) std::abort();  // a Release without its Admit: a bug
  if (--it->second == 0) per_address_.erase(it);
}

void ConnectionFactory::StopAll() {
  std::lock_guard<std::mutex> lock(mu_);
  stopping_.store(true, std::memory_order_release);
  for (Connection* c : live_) c->Shut();
}

}  // namespace custos::web::internal
