#include "tests/web/test_tsa_server.h"

#include <istream>
#include <sstream>
#include <string>
#include <utility>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>

namespace custos::web::testing {
namespace {

// A query is a few dozen bytes; a test never sends more.
constexpr std::streamsize kMaxQueryBytes = 64 * 1024;

class TsaHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit TsaHandler(TestTsaServer& server) : server_(server) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::string body(static_cast<size_t>(kMaxQueryBytes), '\0');
    request.stream().read(body.data(), kMaxQueryBytes);
    body.resize(static_cast<size_t>(request.stream().gcount()));
    TestTsaServer::Answer a = server_.Handle(request.getMethod(), request.getContentType(), body);
    response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(a.status));
    response.setContentType(a.content_type);
    if (a.chunked) {
      response.setChunkedTransferEncoding(true);
      response.send().write(a.body.data(), static_cast<std::streamsize>(a.body.size()));
    } else {
      response.sendBuffer(a.body.data(), a.body.size());
    }
  }

 private:
  TestTsaServer& server_;
};

class TsaHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit TsaHandlerFactory(TestTsaServer& server) : server_(server) {}
  // Poco takes ownership of the handler.
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new TsaHandler(server_);
  }

 private:
  TestTsaServer& server_;
};

}  // namespace

TestTsaServer::TestTsaServer(vault::evidence::testing::TestTsa& tsa,
                             const std::string& tls_cert_path, const std::string& tls_key_path)
    : tsa_(tsa), tls_(!tls_cert_path.empty()) {
  const Poco::Net::SocketAddress address("127.0.0.1", 0);
  std::unique_ptr<Poco::Net::ServerSocket> socket;
  if (tls_) {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, tls_key_path, tls_cert_path, "",
                               Poco::Net::Context::VERIFY_NONE);
    socket = std::make_unique<Poco::Net::SecureServerSocket>(context);
  } else {
    socket = std::make_unique<Poco::Net::ServerSocket>();
  }
  socket->bind(address, /*reuseAddress=*/true);
  socket->listen(16);
  port_ = socket->address().port();
  pool_ = std::make_unique<Poco::ThreadPool>(1, 4);
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(false);
  server_ = std::make_unique<Poco::Net::HTTPServer>(new TsaHandlerFactory(*this), *pool_, *socket,
                                                    params);
  server_->start();
}

TestTsaServer::~TestTsaServer() {
  server_->stopAll(/*abortCurrent=*/true);
  server_.reset();
  pool_->joinAll();
}

std::string TestTsaServer::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/tsa";
}

void TestTsaServer::set_behavior(Behavior b) {
  std::lock_guard<std::mutex> lock(mu_);
  behavior_ = b;
}

int TestTsaServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::string TestTsaServer::last_method() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_method_;
}

std::string TestTsaServer::last_content_type() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_content_type_;
}

TestTsaServer::Answer TestTsaServer::Handle(const std::string& method,
                                            const std::string& content_type,
                                            const std::string& body) {
  Behavior behavior;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_;
    last_method_ = method;
    last_content_type_ = content_type;
    behavior = behavior_;
  }
  Answer a;
  switch (behavior) {
    case Behavior::kServerError:
      return {500, "text/plain", "the TSA is down", false};
    case Behavior::kNotFound:
      return {404, "text/html", "<html><body>no TSA here</body></html>", false};
    case Behavior::kHtml:
      return {200, "text/html; charset=utf-8", "<html><body>Welcome</body></html>", false};
    case Behavior::kOversized:
      return {200, "application/timestamp-reply", std::string(100 * 1024, '\x30'), false};
    case Behavior::kOversizedChunked:
      return {200, "application/timestamp-reply", std::string(100 * 1024, '\x30'), true};
    default:
      break;
  }
  auto reply = tsa_.Reply(body);
  if (!reply.ok()) return {500, "text/plain", reply.status().ToString(), false};
  a.content_type = "application/timestamp-reply";
  a.body = *reply;
  switch (behavior) {
    case Behavior::kReplayFirstReply: {
      std::lock_guard<std::mutex> lock(mu_);
      if (first_reply_.empty()) first_reply_ = a.body;
      a.body = first_reply_;
      break;
    }
    case Behavior::kFlipLastByte:
      a.body.back() ^= 0x01;
      break;
    case Behavior::kTruncate:
      a.body.resize(a.body.size() / 2);
      break;
    default:
      break;
  }
  return a;
}

}  // namespace custos::web::testing
