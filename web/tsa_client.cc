#include "web/tsa_client.h"

#include <chrono>
#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include "base/status.h"
#include "base/text.h"
#include "vault/evidence/timestamp.h"

namespace custos::web {
namespace {

constexpr char kQueryType[] = "application/timestamp-query";
constexpr char kReplyType[] = "application/timestamp-reply";
// Protocols older than TLS 1.2 and ciphers without forward secrecy or with
// broken primitives are refused, as by our server (server.cc).
constexpr char kCipherList[] = "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES";

struct Target {
  bool https = false;
  std::string host;
  uint16_t port = 0;
  std::string path_and_query;
  std::string name;  // "host:port", for messages (never the path: it may hold a key)
};

Result<Target> ParseUrl(const std::string& url) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const Poco::SyntaxException& e) {
    return Status::InvalidArgument("TSA URL does not parse: " + e.displayText());
  }
  Target t;
  if (uri.getScheme() == "https") {
    t.https = true;
  } else if (uri.getScheme() != "http") {
    return Status::InvalidArgument("TSA URL must start with http:// or https://");
  }
  if (uri.getHost().empty()) return Status::InvalidArgument("TSA URL has no host");
  // SECURITY: credentials in a URL end up in logs and messages; none of
  // the TSAs we target need them.
  if (!uri.getUserInfo().empty()) {
    return Status::InvalidArgument("TSA URL must not carry user:password@");
  }
  t.host = uri.getHost();
  t.port = uri.getPort();
  t.path_and_query = uri.getPathAndQuery();
  if (t.path_and_query.empty()) t.path_and_query = "/";
  t.name = t.host + ":" + std::to_string(t.port);
  return t;
}

// Poco's SSL layer is reference-counted and process-wide; like the server
// (server.cc) we initialise it once and never tear it down under another
// thread's feet.
void InitSslOnce() {
  static const bool initialised = [] {
    Poco::Net::initializeSSL();
    return true;
  }();
  (void)initialised;
}

// SECURITY: the peer must present a chain to the system's CA store for
// the host name we asked for. VERIFY_STRICT makes Poco check the name even
// for a TSA on localhost; no InvalidCertificateHandler is installed, so a
// verification error is never waved through.
Poco::Net::Context::Ptr ClientTlsContext() {
  Poco::Net::Context::Params params;
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.loadDefaultCAs = true;
  params.cipherList = kCipherList;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                            Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
  return context;
}

// The media type without parameters, lower-case.
std::string BareMediaType(const std::string& content_type) {
  std::string type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  size_t start = 0;
  while (start < type.size() && (type[start] == ' ' || type[start] == '\t')) ++start;
  type.erase(0, start);
  return LowerAscii(type);
}

// The exchange itself; Poco reports failures by throwing, which the caller
// turns into a Status.
Result<std::string> Exchange(const Target& target, std::string_view request_der,
                             int timeout_seconds) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (target.https) {
    InitSslOnce();
    session = std::make_unique<Poco::Net::HTTPSClientSession>(target.host, target.port,
                                                              ClientTlsContext());
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(target.host, target.port);
  }
  const Poco::Timespan timeout(timeout_seconds, 0);
  session->setTimeout(timeout, timeout, timeout);
  session->setKeepAlive(false);
  // Each read is bounded by the receive timeout; the deadline bounds them
  // all, against a server that sends a byte just before each timeout.
  const auto deadline =
      std::chrono::steady_clock::now() + 2 * std::chrono::seconds(timeout_seconds);

  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, target.path_and_query,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType(kQueryType);
  request.setContentLength(static_cast<std::streamsize>(request_der.size()));
  request.set("Accept", kReplyType);
  std::ostream& out = session->sendRequest(request);
  // With badbit in the mask the stream rethrows Poco's own exception
  // (a timeout, a reset) instead of only setting a flag.
  out.exceptions(std::ios::badbit);
  out.write(request_der.data(), static_cast<std::streamsize>(request_der.size()));
  out.flush();

  Poco::Net::HTTPResponse response;
  std::istream& in = session->receiveResponse(response);
  in.exceptions(std::ios::badbit);
  const int code = static_cast<int>(response.getStatus());
  if (code != 200) {
    const std::string what = "TSA " + target.name + " answered HTTP " + std::to_string(code);
    if (code >= 500 || code == 429) return Status::Unavailable(what);
    return Status::FailedPrecondition(what);
  }
  const std::string type = BareMediaType(response.getContentType());
  if (type != kReplyType) {
    return Status::FailedPrecondition("TSA " + target.name + " answered '" + type.substr(0, 80) +
                                      "', not " + kReplyType);
  }
  const std::streamsize declared = response.getContentLength();
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      declared > static_cast<std::streamsize>(kMaxTimestampReplyBytes)) {
    return Status::ResourceExhausted("TSA " + target.name + " reply of " +
                                     std::to_string(declared) + " bytes is over the limit");
  }

  std::string body;
  char buf[4096];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    body.append(buf, static_cast<size_t>(in.gcount()));
    if (body.size() > kMaxTimestampReplyBytes) {
      return Status::ResourceExhausted("TSA " + target.name + " reply is over " +
                                       std::to_string(kMaxTimestampReplyBytes) + " bytes");
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::Unavailable("TSA " + target.name + " reply timed out");
    }
  }
  if (declared != Poco::Net::HTTPMessage::UNKNOWN_CONTENT_LENGTH &&
      body.size() != static_cast<size_t>(declared)) {
    return Status::Unavailable("TSA " + target.name + " reply was cut short");
  }
  return body;
}

}  // namespace

Result<std::string> RequestTimestamp(const std::string& url, std::string_view request_der,
                                     int timeout_seconds) {
  if (timeout_seconds < 1) return Status::InvalidArgument("TSA timeout must be at least 1 s");
  CUSTOS_ASSIGN_OR_RETURN(const Target target, ParseUrl(url));
  const std::string where = "TSA " + target.name + ": ";
  try {
    return Exchange(target, request_der, timeout_seconds);
  } catch (const Poco::Net::SSLException& e) {
    return Status::Unavailable(where + "TLS failed: " + e.displayText());
  } catch (const Poco::TimeoutException& e) {
    return Status::Unavailable(where + "timed out: " + e.displayText());
  } catch (const Poco::Net::HostNotFoundException& e) {
    return Status::Unavailable(where + "host not found: " + e.displayText());
  } catch (const Poco::Net::NoAddressFoundException& e) {
    return Status::Unavailable(where + "host not found: " + e.displayText());
  } catch (const Poco::Net::ConnectionRefusedException& e) {
    return Status::Unavailable(where + "connection refused: " + e.displayText());
  } catch (const Poco::Exception& e) {
    return Status::Unavailable(where + e.displayText());
  } catch (const std::exception& e) {
    return Status::Unavailable(where + e.what());
  }
}

Result<std::string> TimestampData(const std::string& url, std::string_view data,
                                  std::string_view ca_pem) {
  CUSTOS_ASSIGN_OR_RETURN(const vault::evidence::TimestampRequest request,
                          vault::evidence::MakeTimestampRequest(data));
  CUSTOS_ASSIGN_OR_RETURN(std::string reply, RequestTimestamp(url, request.der));
  auto info = vault::evidence::CheckTimestampResponse(reply, data, &request, ca_pem);
  if (!info.ok()) return info.status();
  return reply;
}

}  // namespace custos::web
