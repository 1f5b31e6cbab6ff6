// The server's own HTTP/1.1 connection loop (web/internal/connection.h) on
// raw sockets: the framing clients depend on (pipelining, chunked bodies,
// Expect: 100-continue, HTTP/1.0, lenient header syntax), the strict
// chunked and line-end framing, the refusals that
// close the connection, a client that half-closes mid-request, Stop with
// an idle keep-alive connection, Stop answering the connections queued for
// a worker and refusing new ones, idle connections giving way to queued
// ones, and the per-address connection cap.
#include "web/internal/connection.h"

#include <atomic>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Timespan.h>
#include <gtest/gtest.h>

#include "tests/web/test_client.h"
#include "web/server.h"

namespace custos::web::testing {
namespace {

using WebConnectionTest = WebTest;

constexpr std::string_view kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

// One response as received: the head through its blank line, then exactly
// Content-Length body bytes. status is 0 when the connection ended first.
struct RawResponse {
  int status = 0;
  std::string head;
  std::string body;

  bool HasLine(std::string_view line) const {
    return head.find("\r\n" + std::string(line) + "\r\n") != std::string::npos;
  }
  json::Value Json() const { return AsTestResponse().Json(); }
  std::string ErrorCode() const { return AsTestResponse().ErrorCode(); }

 private:
  TestResponse AsTestResponse() const {
    TestResponse t;
    t.status = status;
    t.body = body;
    return t;
  }
};

// What the connection does next, once every buffered byte has been read.
enum class Next { kData, kEof, kReset, kTimeout };

// A client connection speaking raw bytes to the server on 127.0.0.1.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : socket_(Poco::Net::SocketAddress("127.0.0.1", port)) {
    socket_.setReceiveTimeout(Poco::Timespan(10, 0));
  }

  // The server may refuse and close before it has read everything; what it
  // answered is still read afterwards.
  void Send(std::string_view bytes) {
    try {
      while (!bytes.empty()) {
        const int n = socket_.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
        if (n <= 0) return;
        bytes.remove_prefix(static_cast<size_t>(n));
      }
    } catch (const Poco::Exception&) {
    }
  }

  void ShutdownSend() { socket_.shutdownSend(); }

  RawResponse Read() {
    RawResponse r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return r;
    }
    end += 4;
    r.head = buf_.substr(0, end);
    const size_t cl = r.head.find("\r\nContent-Length: ");
    const size_t length = cl == std::string::npos ? 0 : std::stoul(r.head.substr(cl + 18));
    while (buf_.size() < end + length) {
      if (!Fill()) return r;
    }
    r.body = buf_.substr(end, length);
    buf_.erase(0, end + length);
    if (r.head.rfind("HTTP/1.1 ", 0) == 0) r.status = std::stoi(r.head.substr(9, 3));
    return r;
  }

  // Whether something (bytes or the end) can be read within `ms`.
  bool ReadableWithin(int ms) {
    return !buf_.empty() ||
           socket_.poll(Poco::Timespan(0, ms * 1000), Poco::Net::Socket::SELECT_READ);
  }

  // Bytes received but not yet returned by Read.
  size_t pending() const { return buf_.size(); }

  // Waits (at most 3 s, under the server's 5 s keep-alive timeout, so an end
  // seen here is the server's decision) for what comes next.
  Next WaitNext() {
    if (!buf_.empty()) return Next::kData;
    socket_.setReceiveTimeout(Poco::Timespan(3, 0));
    char b[512];
    try {
      const int n = socket_.receiveBytes(b, sizeof b);
      if (n <= 0) return Next::kEof;
      buf_.append(b, static_cast<size_t>(n));
      return Next::kData;
    } catch (const Poco::TimeoutException&) {
      return Next::kTimeout;
    } catch (const Poco::Exception&) {
      return Next::kReset;
    }
  }

  // Closed by the server: an orderly end, or a reset when it closed with
  // bytes of ours still unread (a refused oversized head).
  bool Closed() {
    const Next next = WaitNext();
    return next == Next::kEof || next == Next::kReset;
  }

 private:
  bool Fill() {
    char b[16 * 1024];
    int n = 0;
    try {
      n = socket_.receiveBytes(b, sizeof b);
    } catch (const Poco::Exception&) {
      return false;
    }
    if (n <= 0) return false;
    buf_.append(b, static_cast<size_t>(n));
    return true;
  }

 public:
  // Waits up to `seconds` for the server to end the connection; true when it
  // closed without sending anything more.
  bool ClosedSilentlyWithin(int seconds) {
    socket_.setReceiveTimeout(Poco::Timespan(seconds, 0));
    char b[512];
    try {
      return buf_.empty() && socket_.receiveBytes(b, sizeof b) == 0;
    } catch (const Poco::Exception&) {
      return false;
    }
  }

 private:
  Poco::Net::StreamSocket socket_;
  std::string buf_;
};

// One /healthz on each connection, answered and kept alive.
void ServeOneEachKeptAlive(std::initializer_list<RawConnection*> connections) {
  for (RawConnection* c : connections) {
    c->Send(kHealthz);
    RawResponse r = c->Read();
    ASSERT_EQ(r.status, 200) << r.head;
    ASSERT_TRUE(r.HasLine("Connection: Keep-Alive")) << r.head;
  }
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string LoginJson() {
  return std::string(R"({"username":"author","password":")") + kPassword +
         R"(","workstation":"WS-01","location":"Lab 3"})";
}

std::string LoginWithLength(const std::string& body) {
  return "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// `body` as a chunked body in three chunks (lower-case hex sizes, one chunk
// extension) and a trailer field.
std::string Chunked(const std::string& body) {
  auto hex = [](size_t n) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    do {
      s.insert(s.begin(), kDigits[n % 16]);
      n /= 16;
    } while (n > 0);
    return s;
  };
  const size_t a = body.size() / 3;
  const size_t b = body.size() / 3 * 2;
  return hex(a) + "\r\n" + body.substr(0, a) + "\r\n" + hex(b - a) + ";piece=2\r\n" +
         body.substr(a, b - a) + "\r\n" + hex(body.size() - b) + "\r\n" + body.substr(b) +
         "\r\n0\r\nX-Checksum: none\r\n\r\n";
}

TEST_F(WebConnectionTest, PipelinedRequestsInOneSendAreAnsweredInOrderOnOneConnection) {
  RawConnection c(server_->port());
  c.Send(std::string(kHealthz) + "GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n" +
         LoginWithLength(LoginJson()) + std::string(kHealthz));
  RawResponse first = c.Read();
  EXPECT_EQ(first.status, 200) << first.head;
  EXPECT_NE(first.body.find("\"ok\""), std::string::npos);
  EXPECT_EQ(c.Read().status, 404);
  RawResponse login = c.Read();
  EXPECT_EQ(login.status, 200) << login.head << login.body;
  EXPECT_EQ(login.Json()["csrf_token"].as_string().size(), 64u);
  // The login's body ended where its Content-Length said: the next request
  // was read from there.
  RawResponse last = c.Read();
  EXPECT_EQ(last.status, 200) << last.head;
  EXPECT_TRUE(last.HasLine("Connection: Keep-Alive"));
  c.Send(kHealthz);
  EXPECT_EQ(c.Read().status, 200);
}

TEST_F(WebConnectionTest, ChunkedLoginBodyIsDecodedLikeContentLength) {
  RawResponse with_length;
  {
    RawConnection c(server_->port());
    c.Send(LoginWithLength(LoginJson()));
    with_length = c.Read();
  }
  ASSERT_EQ(with_length.status, 200) << with_length.body;

  RawConnection c(server_->port());
  c.Send(
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      Chunked(LoginJson()) + std::string(kHealthz));
  RawResponse chunked = c.Read();
  EXPECT_EQ(chunked.status, with_length.status) << chunked.head << chunked.body;
  EXPECT_EQ(chunked.Json()["csrf_token"].as_string().size(), 64u);
  EXPECT_EQ(chunked.Json()["user"]["username"].as_string(), "author");
  // The trailer was consumed too: the pipelined request after it is served.
  EXPECT_EQ(c.Read().status, 200);
}

TEST_F(WebConnectionTest, MalformedChunkSizeGets400AndCloses) {
  RawConnection c(server_->port());
  c.Send(
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 400) << r.head;
  EXPECT_EQ(r.ErrorCode(), "invalid_argument");
  EXPECT_TRUE(r.HasLine("Connection: Close"));
  EXPECT_TRUE(c.Closed());
}

// SECURITY: chunked framing is read strictly, CRLF and nothing else: a
// front proxy that reads a bare LF or a space differently would see another
// body, and another request after it (request smuggling). Each is a 400 and
// the connection is closed.
TEST_F(WebConnectionTest, LenientChunkedFramingGets400AndCloses) {
  const std::string head =
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::string cases[] = {
      "2\n{}\r\n0\r\n\r\n",                   // bare LF after the size
      " 2\r\n{}\r\n0\r\n\r\n",                // leading space in the size line
      "\t2\r\n{}\r\n0\r\n\r\n",               // leading tab
      "2 \r\n{}\r\n0\r\n\r\n",                // trailing space
      "2 ;x=y\r\n{}\r\n0\r\n\r\n",            // space before an extension
      "\r\n{}\r\n0\r\n\r\n",                  // empty size
      "00000000002\r\n{}\r\n0\r\n\r\n",       // overlong size
      "2\r\n{}\n0\r\n\r\n",                   // bare LF after the data
      "2\r\n{}\r0\r\n\r\n",                   // bare CR after the data
      "2\r\n{}\r\n0\n\r\n",                   // bare LF after the last size
      "2\r\n{}\r\n0\r\n\n",                   // bare LF as the final line end
      "2\r\n{}\r\n0\r\nX-A: b\n\r\n",         // bare LF after a trailer
      "2\r\n{}\r\n0\r\nnot a field\r\n\r\n",  // malformed trailer
      "2\r\n{}\r\n0\r\n X-A: b\r\n\r\n",      // folded trailer
  };
  for (const std::string& body : cases) {
    SCOPED_TRACE(::testing::PrintToString(body));
    RawConnection c(server_->port());
    // A request after it, which a lenient reading would serve.
    c.Send(head + body + std::string(kHealthz));
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 400) << r.head << r.body;
    EXPECT_EQ(r.ErrorCode(), "invalid_argument");
    EXPECT_TRUE(r.HasLine("Connection: Close")) << r.head;
    EXPECT_TRUE(c.Closed());
  }
}

TEST_F(WebConnectionTest, BareLfInTheHeadGets400AndCloses) {
  for (const std::string request :
       {"GET /healthz HTTP/1.1\nHost: x\n\n", "GET /healthz HTTP/1.1\r\nHost: x\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: x\r\n\n"}) {
    SCOPED_TRACE(::testing::PrintToString(request));
    RawConnection c(server_->port());
    c.Send(request);
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 400) << r.head;
    EXPECT_EQ(r.ErrorCode(), "invalid_argument");
    EXPECT_TRUE(r.HasLine("Connection: Close")) << r.head;
    EXPECT_TRUE(c.Closed());
  }
  // Between requests only CRLF is skipped; a stray bare LF is not a line.
  RawConnection c(server_->port());
  c.Send(std::string(kHealthz) + "\n" + std::string(kHealthz));
  EXPECT_EQ(c.Read().status, 200);
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 400) << r.head;
  EXPECT_TRUE(c.Closed());
}

// SECURITY: a request is admitted from its head alone (route, session,
// CSRF) before its body is read. A client without a session that announces
// a large body and sends none gets its 401 at once — not after the server
// has waited for the body — and the connection is closed (the body would
// still be on the wire). With Expect: 100-continue, no 100 comes first.
TEST_F(WebConnectionTest, RefusedBeforeTheBodyIsRead) {
  TestClient logged_in = LoggedIn("admin");
  const struct {
    std::string request;
    int status;
    std::string code;
  } cases[] = {
      {"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Length: 1000000\r\n\r\n",
       401, "unauthenticated"},
      {"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n",
       401, "unauthenticated"},
      // A session, but no CSRF token.
      {"POST /api/v1/users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Cookie: custos_session=" +
           logged_in.session_token + "\r\nContent-Length: 500000\r\n\r\n",
       403, "csrf_token_invalid"},
      // An upload without a session: refused before its length is judged.
      {"POST /api/v1/records/c-0000000000000000/attachments?filename=a&reason=b HTTP/1.1\r\n"
       "Host: x\r\nContent-Length: 900000000\r\n\r\n",
       401, "unauthenticated"},
      // The login is public: its body is capped at 64 KiB, from the head.
      {"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Length: 100000\r\n\r\n",
       413, "payload_too_large"},
  };
  for (const auto& t : cases) {
    SCOPED_TRACE(t.request.substr(0, 60));
    RawConnection c(server_->port());
    c.Send(t.request);
    // Within the client's 10 s read timeout, well under the server's 15 s
    // wait for a silent body.
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, t.status) << r.head;
    EXPECT_EQ(r.ErrorCode(), t.code) << r.body;
    EXPECT_TRUE(r.HasLine("Connection: Close")) << r.head;
    EXPECT_TRUE(c.Closed());
  }
}

// SECURITY: a body must keep up a minimum average rate once its grace
// period is over (here 300 ms and 64 KiB/s; 10 s and 16 KiB/s by default):
// a client sending nothing, or a byte now and then (each inside the 15 s
// silence limit), gets a 408 and is closed instead of holding a worker.
TEST_F(WebConnectionTest, SlowBodiesGet408AndAreClosed) {
  StartServer([](ServerOptions& o) {
    o.body_grace_ms = 300;
    o.min_body_bytes_per_second = 64 * 1024;
  });
  const std::string login = LoginJson();
  {
    // A body sent at once is well above any rate.
    RawConnection c(server_->port());
    c.Send(LoginWithLength(login));
    EXPECT_EQ(c.Read().status, 200);
  }
  const std::string head =
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n";
  {
    SCOPED_TRACE("stalled");
    RawConnection c(server_->port());
    c.Send(head + login.substr(0, 10));
    RawResponse r = c.Read();  // within the 10 s read timeout
    EXPECT_EQ(r.status, 408) << r.head;
    EXPECT_EQ(r.ErrorCode(), "request_timeout") << r.body;
    EXPECT_TRUE(r.HasLine("Connection: Close")) << r.head;
    EXPECT_TRUE(c.Closed());
  }
  {
    SCOPED_TRACE("trickled");
    RawConnection c(server_->port());
    c.Send(head);
    // A byte every 100 ms (never 15 s of silence) until the server answers,
    // for at most 5 s, well short of the 1000 bytes announced.
    for (int i = 0; i < 50 && !c.ReadableWithin(100); ++i) c.Send(login.substr(i % 10, 1));
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 408) << r.head;
    EXPECT_EQ(r.ErrorCode(), "request_timeout") << r.body;
    EXPECT_TRUE(c.Closed());
  }
}

// How many POST uploads /metrics has counted (each once answered).
int UploadsCounted(TestClient& admin) {
  TestResponse m = admin.Call("GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  int n = 0;
  std::istringstream lines(m.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("custos_http_requests_total{") &&
        line.find("method=\"POST\",route=\"/api/v1/records/{id}/attachments\"") !=
            std::string::npos) {
      n += std::stoi(line.substr(line.rfind(' ') + 1));
    }
  }
  return n;
}

// An upload cut short stores nothing — no attachment, no attachment.add
// event — whether the client half-closes before its Content-Length (it is
// told: 400), goes away, or sends a chunked body (uploads need a
// Content-Length: 411) without its last chunk.
TEST_F(WebConnectionTest, UploadCutShortStoresNothing) {
  TestClient author = LoggedIn("author");
  TestResponse rec =
      author.Call("POST", "/api/v1/records",
                  R"({"name":"深圳华南电子有限公司","classification":"internal","tags":[],)"
                  R"("content":{"address":"深圳市南山区"},"reason":"新客户建档"})");
  ASSERT_EQ(rec.status, 201) << rec.body;
  const std::string id = rec.Json()["record"]["id"].as_string();
  uint64_t audit_start = 0;
  {
    auto r = vault_->BeginRead();
    audit_start = audit_->Size(**r).value();
  }
  const std::string head = "POST /api/v1/records/" + id +
                           "/attachments?filename=f.bin&reason=x HTTP/1.1\r\nHost: x\r\n"
                           "Cookie: custos_session=" +
                           author.session_token + "\r\nX-CSRF-Token: " + author.csrf_token +
                           "\r\nContent-Type: application/octet-stream\r\n";
  const std::string half(150000, 'z');
  {
    SCOPED_TRACE("half-closed");
    RawConnection c(server_->port());
    c.Send(head + "Content-Length: 300000\r\n\r\n" + half);
    c.ShutdownSend();
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 400) << r.head << r.body;
    EXPECT_EQ(r.ErrorCode(), "invalid_argument") << r.body;
    EXPECT_TRUE(c.Closed());
  }
  TestClient admin = LoggedIn("admin");
  {
    SCOPED_TRACE("gone");
    const int before = UploadsCounted(admin);
    {
      RawConnection c(server_->port());
      c.Send(head + "Content-Length: 300000\r\n\r\n" + half);
    }
    // Once the server has answered (or tried to), /metrics counts it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (UploadsCounted(admin) == before && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(UploadsCounted(admin), before + 1);
  }
  {
    SCOPED_TRACE("chunked, no last chunk");
    RawConnection c(server_->port());
    c.Send(head + "Transfer-Encoding: chunked\r\n\r\n8000\r\n" + half.substr(0, 0x8000) + "\r\n");
    c.ShutdownSend();
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, 411) << r.head << r.body;
    EXPECT_TRUE(c.Closed());
  }
  TestResponse list = author.Call("GET", "/api/v1/records/" + id + "/attachments");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(list.Json()["attachments"].as_array().empty()) << list.body;
  auto r = vault_->BeginRead();
  const uint64_t size = audit_->Size(**r).value();
  for (uint64_t seq = audit_start; seq < size; ++seq) {
    const std::string leaf = audit_->Leaf(**r, seq).value();
    EXPECT_EQ(leaf.find("\"attachment.add\""), std::string::npos) << leaf;
  }
}

TEST_F(WebConnectionTest, ExpectContinueGets100BeforeTheBodyThenTheResponse) {
  const std::string body = LoginJson();
  RawConnection c(server_->port());
  c.Send(
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n");
  RawResponse interim = c.Read();
  EXPECT_EQ(interim.head, "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(c.pending(), 0u);  // nothing more until the body is sent
  c.Send(body);
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 200) << r.head << r.body;
  EXPECT_EQ(r.Json()["csrf_token"].as_string().size(), 64u);
}

TEST_F(WebConnectionTest, Http10WithoutConnectionHeaderIsAnsweredThenClosed) {
  RawConnection c(server_->port());
  c.Send("GET /healthz HTTP/1.0\r\n\r\n");
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 200) << r.head;
  EXPECT_TRUE(r.HasLine("Connection: Close")) << r.head;
  EXPECT_EQ(c.WaitNext(), Next::kEof);
}

TEST_F(WebConnectionTest, Http10WithKeepAliveStaysOpenForASecondRequest) {
  RawConnection c(server_->port());
  c.Send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  RawResponse first = c.Read();
  EXPECT_EQ(first.status, 200) << first.head;
  EXPECT_TRUE(first.HasLine("Connection: Keep-Alive")) << first.head;
  c.Send("GET /healthz HTTP/1.0\r\n\r\n");
  RawResponse second = c.Read();
  EXPECT_EQ(second.status, 200) << second.head;
  EXPECT_TRUE(second.HasLine("Connection: Close")) << second.head;
  EXPECT_EQ(c.WaitNext(), Next::kEof);
}

TEST_F(WebConnectionTest, FramingRefusalsGetJsonErrorsWithSecurityHeadersAndClose) {
  const struct {
    std::string request;
    int status;
    std::string code;
  } cases[] = {
      {"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501,
       "not_implemented"},
      {"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
       "Transfer-Encoding: chunked\r\n\r\n",
       400, "invalid_argument"},
      {"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"},
      {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(33 * 1024, 'a') + "\r\n\r\n",
       431, "headers_too_large"},
      // Refused from the request line alone, before the head has ended.
      {"\x01\x02 junk\r\n", 400, "invalid_argument"},
  };
  for (const auto& t : cases) {
    SCOPED_TRACE(t.request.substr(0, 60));
    RawConnection c(server_->port());
    c.Send(t.request);
    RawResponse r = c.Read();
    EXPECT_EQ(r.status, t.status) << r.head;
    EXPECT_EQ(r.ErrorCode(), t.code) << r.body;
    EXPECT_FALSE(r.Json()["error"]["message_en"].as_string().empty());
    EXPECT_NE(r.head.find("\r\nContent-Type: application/json"), std::string::npos) << r.head;
    EXPECT_TRUE(r.HasLine("X-Content-Type-Options: nosniff")) << r.head;
    EXPECT_NE(r.head.find("\r\nContent-Security-Policy: "), std::string::npos);
    EXPECT_TRUE(r.HasLine("Connection: Close")) << r.head;
    EXPECT_TRUE(c.Closed());
  }
}

TEST_F(WebConnectionTest, HeadCutShortByHalfCloseGets400) {
  RawConnection c(server_->port());
  c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  c.ShutdownSend();
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 400) << r.head;
  EXPECT_EQ(r.ErrorCode(), "invalid_argument");
  EXPECT_TRUE(c.Closed());
}

TEST_F(WebConnectionTest, BodyShorterThanContentLengthThenHalfCloseGets400NotAHang) {
  RawConnection c(server_->port());
  const auto start = std::chrono::steady_clock::now();
  c.Send(
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 40\r\n\r\n{\"username\":");
  c.ShutdownSend();
  RawResponse r = c.Read();
  EXPECT_EQ(r.status, 400) << r.head;
  EXPECT_EQ(r.ErrorCode(), "invalid_argument");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 3.0);
  EXPECT_TRUE(c.Closed());
}

// Some clients end a body with an extra CRLF. It is not the start of a
// request: the next request is served, and an idle connection left with only
// that CRLF is closed quietly at the 5 s keep-alive timeout, not answered
// with a 408 after 15 s as a head that never ended.
TEST_F(WebConnectionTest, StrayLineEndBetweenRequestsIsIgnored) {
  const std::string body = LoginJson();
  RawConnection c(server_->port());
  c.Send(
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body + "\r\n");
  EXPECT_EQ(c.Read().status, 200);
  c.Send(std::string(kHealthz) + "\r\n");
  EXPECT_EQ(c.Read().status, 200);
  EXPECT_TRUE(c.ClosedSilentlyWithin(9));
}

TEST_F(WebConnectionTest, StopClosesAnIdleKeepAliveConnectionPromptly) {
  RawConnection c(server_->port());
  c.Send(kHealthz);
  RawResponse r = c.Read();
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(r.HasLine("Connection: Keep-Alive"));
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  // Well under the 5 s keep-alive timeout: Stop did not wait it out.
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 3.0);
  EXPECT_EQ(c.WaitNext(), Next::kEof);
}

// A server with one worker, for the stop tests: HoldTheWorker keeps it in
// the middle of a request (its client's first one answered), and
// StopOnAThread calls Stop and returns once Stop has said it answers the
// connections waiting for a worker.
class WebStopDrainTest : public WebTest {
 protected:
  void SetUp() override {
    WebTest::SetUp();
    StartServer([draining = draining_](ServerOptions& o) {
      o.max_threads = 1;
      o.log = [draining](const std::string& line) {
        if (line.find("waiting for a worker") != std::string::npos) draining->store(true);
      };
    });
  }
  void HoldTheWorker(RawConnection& c) {
    c.Send(kHealthz);
    ASSERT_EQ(c.Read().status, 200);
    c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  }
  void WaitUntilQueued(int n) {
    const auto start = std::chrono::steady_clock::now();
    while (server_->queued_connections() < n && SecondsSince(start) < 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(server_->queued_connections(), n);
  }
  std::thread StopOnAThread() {
    std::thread stop([this] { server_->Stop(); });
    const auto start = std::chrono::steady_clock::now();
    while (!draining_->load() && SecondsSince(start) < 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_TRUE(draining_->load()) << "Stop did not say it answers the queued connections";
    return stop;
  }
  std::shared_ptr<std::atomic<bool>> draining_ = std::make_shared<std::atomic<bool>>(false);
};

// A restart under load: the one worker is in the middle of a request and
// two clients wait in the queue when Stop is called. Stop answers both
// (with Connection: Close) before it stops accepting, instead of dropping
// them, and /healthz says "stopping" meanwhile.
TEST_F(WebStopDrainTest, StopAnswersTheConnectionsWaitingForAWorker) {
  const uint16_t port = server_->port();
  RawConnection in_head(port);
  ASSERT_NO_FATAL_FAILURE(HoldTheWorker(in_head));
  RawConnection queued_b(port);
  RawConnection queued_c(port);
  queued_b.Send(kHealthz);
  queued_c.Send(kHealthz);
  ASSERT_NO_FATAL_FAILURE(WaitUntilQueued(2));
  std::thread stop = StopOnAThread();
  in_head.Send("\r\n");
  for (RawConnection* c : {&in_head, &queued_b, &queued_c}) {
    RawResponse r = c->Read();
    EXPECT_EQ(r.status, 503) << r.head;
    EXPECT_NE(r.body.find("\"status\":\"stopping\""), std::string::npos) << r.body;
    EXPECT_TRUE(r.HasLine("Connection: Close")) << r.head;
    EXPECT_EQ(c->WaitNext(), Next::kEof);
  }
  stop.join();
  EXPECT_ANY_THROW(RawConnection late(port));
}

// Once a stop has begun, a new connection is refused at once (closed
// unanswered) instead of joining the queue, so the drain ends: here the
// one worker is held by a request in progress while a client connects.
TEST_F(WebStopDrainTest, AConnectionMadeDuringAStopIsRefusedAtOnce) {
  const uint16_t port = server_->port();
  RawConnection in_head(port);
  ASSERT_NO_FATAL_FAILURE(HoldTheWorker(in_head));
  RawConnection queued(port);
  queued.Send(kHealthz);
  ASSERT_NO_FATAL_FAILURE(WaitUntilQueued(1));
  std::thread stop = StopOnAThread();
  {
    RawConnection late(port);  // the listening socket is still open
    late.Send(kHealthz);
    RawResponse r = late.Read();
    EXPECT_EQ(r.status, 0) << "answered: " << r.head;
  }
  in_head.Send("\r\n");
  EXPECT_EQ(in_head.Read().status, 503);
  EXPECT_EQ(queued.Read().status, 503);
  stop.join();
}

TEST_F(WebConnectionTest, LowerCaseHeaderNamesAndOddSpacingAreAccepted) {
  const std::string body = LoginJson();
  RawConnection c(server_->port());
  c.Send(
      "POST /api/v1/session HTTP/1.1\r\nhost:x\r\ncontent-type:application/json\r\n"
      "content-length:  " +
      std::to_string(body.size()) + " \t\r\n\r\n" + body);
  RawResponse login = c.Read();
  EXPECT_EQ(login.status, 200) << login.head << login.body;
  EXPECT_EQ(login.Json()["csrf_token"].as_string().size(), 64u);
  c.Send("GET /healthz HTTP/1.1\r\nHOST:   x\r\nconnection:\tclose\r\n\r\n");
  RawResponse healthz = c.Read();
  EXPECT_EQ(healthz.status, 200) << healthz.head;
  EXPECT_TRUE(healthz.HasLine("Connection: Close")) << healthz.head;
  EXPECT_EQ(c.WaitNext(), Next::kEof);
}

// Two idle keep-alive connections hold both workers; two more clients wait
// in the queue. The idle ones give way after one 1 s slice instead of the
// 5 s keep-alive: each closes without a word and its worker serves a queued
// client. (The second idle one still sees a queued client when the first
// has given way, so both close.)
TEST_F(WebConnectionTest, IdleKeepAliveConnectionsGiveWayToQueuedClients) {
  StartServer([](ServerOptions& o) { o.max_threads = 2; });
  RawConnection idle_a(server_->port());
  RawConnection idle_b(server_->port());
  ASSERT_NO_FATAL_FAILURE(ServeOneEachKeptAlive({&idle_a, &idle_b}));
  const auto start = std::chrono::steady_clock::now();
  RawConnection queued_c(server_->port());
  RawConnection queued_d(server_->port());
  queued_c.Send(kHealthz);
  queued_d.Send(kHealthz);
  for (RawConnection* queued : {&queued_c, &queued_d}) {
    RawResponse r = queued->Read();
    EXPECT_EQ(r.status, 200) << r.head;
  }
  // Well under the 5 s keep-alive: the workers were given up, not timed out.
  EXPECT_LT(SecondsSince(start), 4.0);
  EXPECT_TRUE(idle_a.ClosedSilentlyWithin(2));
  EXPECT_TRUE(idle_b.ClosedSilentlyWithin(2));
}

// Both workers are in the middle of a request (part of a head; a head and
// part of a body) while a client waits in the queue: they are not closed,
// however long the queue waits; once answered and idle, they give way.
TEST_F(WebConnectionTest, QueuedClientsNeverCloseAConnectionInTheMiddleOfARequest) {
  StartServer([](ServerOptions& o) { o.max_threads = 2; });
  const std::string login = LoginJson();
  RawConnection in_head(server_->port());
  RawConnection in_body(server_->port());
  in_head.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  in_body.Send(
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(login.size()) + "\r\n\r\n" + login.substr(0, 10));
  RawConnection queued(server_->port());
  queued.Send(kHealthz);
  // Several 1 s slices, each of which would have seen the queue.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  in_head.Send("\r\n");
  RawResponse head_done = in_head.Read();
  EXPECT_EQ(head_done.status, 200) << head_done.head;
  in_body.Send(login.substr(10));
  RawResponse body_done = in_body.Read();
  EXPECT_EQ(body_done.status, 200) << body_done.head << body_done.body;
  EXPECT_EQ(body_done.Json()["csrf_token"].as_string().size(), 64u);
  RawResponse r = queued.Read();
  EXPECT_EQ(r.status, 200) << r.head;
}

// With a cap of 2 per address, a third connection from 127.0.0.1 gets one
// 503 (its request's body is never waited for) and is closed; the first two
// keep working, and once one of them closes a new connection is served.
TEST_F(WebConnectionTest, ConnectionOverThePerAddressCapGets503AndIsClosed) {
  StartServer([](ServerOptions& o) { o.max_connections_per_address = 2; });
  auto first = std::make_unique<RawConnection>(server_->port());
  RawConnection second(server_->port());
  ASSERT_NO_FATAL_FAILURE(ServeOneEachKeptAlive({first.get(), &second}));

  const auto start = std::chrono::steady_clock::now();
  RawConnection third(server_->port());
  third.Send(
      "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 1000\r\n\r\n");
  RawResponse refused = third.Read();
  EXPECT_EQ(refused.status, 503) << refused.head;
  EXPECT_EQ(refused.ErrorCode(), "too_many_connections") << refused.body;
  EXPECT_FALSE(refused.Json()["error"]["message_en"].as_string().empty());
  EXPECT_FALSE(refused.Json()["error"]["message_zh"].as_string().empty());
  EXPECT_TRUE(refused.HasLine("Retry-After: 1")) << refused.head;
  EXPECT_TRUE(refused.HasLine("Connection: Close")) << refused.head;
  EXPECT_TRUE(refused.HasLine("X-Content-Type-Options: nosniff")) << refused.head;
  EXPECT_TRUE(third.Closed());
  // Not the 15 s a missing body is waited for.
  EXPECT_LT(SecondsSince(start), 5.0);

  second.Send(kHealthz);
  EXPECT_EQ(second.Read().status, 200);

  // The server sees the close on its own thread: retry for a bounded time.
  first.reset();
  RawResponse served;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    RawConnection next(server_->port());
    next.Send(kHealthz);
    served = next.Read();
    if (served.status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(served.status, 200) << served.head << served.body;
}

// A trusted proxy carries many clients: its connections are not capped.
TEST_F(WebConnectionTest, TrustedProxyIsExemptFromThePerAddressCap) {
  StartServer([](ServerOptions& o) {
    o.max_connections_per_address = 2;
    o.trusted_proxies = {"127.0.0.1"};
  });
  std::vector<std::unique_ptr<RawConnection>> open;
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    open.push_back(std::make_unique<RawConnection>(server_->port()));
    open.back()->Send(kHealthz);
    RawResponse r = open.back()->Read();
    EXPECT_EQ(r.status, 200) << r.head << r.body;
    EXPECT_TRUE(r.HasLine("Connection: Keep-Alive")) << r.head;
  }
}

// The cap counts one IPv6 client network (its /64) as one address.
TEST(PeerGroupTest, IPv6ByPrefixMappedIPv4AsIPv4OthersAsThemselves) {
  using web::internal::PeerGroup;
  EXPECT_EQ(PeerGroup("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(PeerGroup("2001:db8:1:2::7"), PeerGroup("2001:db8:1:2:ffff::1"));
  EXPECT_NE(PeerGroup("2001:db8:1:2::7"), PeerGroup("2001:db8:1:3::7"));
  EXPECT_EQ(PeerGroup("::1"), "::/64");
  EXPECT_EQ(PeerGroup("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(PeerGroup("192.0.2.7"), "192.0.2.7");
  EXPECT_NE(PeerGroup("192.0.2.7"), PeerGroup("192.0.2.8"));
  EXPECT_EQ(PeerGroup("not an address"), "not an address");
}

TEST_F(WebConnectionTest, NegativePerAddressCapIsRefused) {
  ServerOptions o;
  o.port = 0;
  o.max_connections_per_address = -1;
  auto s = Server::Start(*vault_, o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace custos::web::testing
