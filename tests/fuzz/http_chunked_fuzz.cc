// Fuzzes the chunked request-body decoder (web/internal/http_head.h,
// DecodeChunkedBody) with the bytes a client sends after a head with
// "Transfer-Encoding: chunked". The input is read as the connection reads
// its buffer: a line ends in CRLF (a bare LF or a CR inside breaks it), data is taken
// byte for byte. Besides crashes and sanitizer reports it checks:
//   - a decoded body never passes the limit, not even part of one;
//   - nothing after the body's end (last chunk, trailers, blank line) is
//     read: appending bytes changes nothing;
//   - the limit is exact: a body of S bytes decodes under a limit of S and
//     is refused as too large under S - 1;
//   - the decoded body, chunked again in other pieces, decodes the same;
//   - "too large" depends on the limit only: without one, it never comes.
// Seed corpus: tests/fuzz/corpus/http_chunked/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "tests/fuzz/promise.h"
#include "web/internal/http_head.h"

namespace {

using custos::web::internal::BodyRead;
using custos::web::internal::ChunkedSource;
using custos::web::internal::DecodeChunkedBody;

constexpr size_t kLimit = 4096;

using custos::fuzz::Require;

struct Decoded {
  BodyRead result = BodyRead::kBroken;
  std::string body;
  size_t consumed = 0;
};

Decoded Decode(std::string_view bytes, size_t limit) {
  std::string_view rest = bytes;
  const ChunkedSource source{
      [&rest](std::string* line) {
        const size_t lf = rest.find('\n');
        if (lf == std::string_view::npos || lf == 0 || rest[lf - 1] != '\r') {
          return false;
        }
        line->assign(rest.substr(0, lf - 1));
        rest.remove_prefix(lf + 1);
        return line->find('\r') == std::string::npos;
      },
      [&rest](size_t n, std::string* out) {
        if (rest.size() < n) return false;
        out->append(rest.substr(0, n));
        rest.remove_prefix(n);
        return true;
      }};
  Decoded d;
  d.result = DecodeChunkedBody(source, limit, &d.body);
  d.consumed = bytes.size() - rest.size();
  return d;
}

// `body` in chunks of 1, 2, 3, ... bytes, sizes in upper-case hex with an
// extension on every other one.
std::string Rechunk(std::string_view body) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t piece = 1;
  for (size_t i = 0; i < body.size(); i += piece, ++piece) {
    const size_t n = std::min(piece, body.size() - i);
    std::string hex;
    for (size_t v = n; v > 0; v /= 16) hex.insert(hex.begin(), kHex[v % 16]);
    const char* eol = "\r\n";
    out += hex + (piece % 2 == 0 ? ";ext=\"v\"" : "") + eol;
    out += body.substr(i, n);
    out += eol;
  }
  return out + "0\r\nX-Trailer: t\r\n\r\n";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const Decoded d = Decode(bytes, kLimit);
  Require(d.body.size() <= kLimit, "the body never passes the limit");
  Require(d.consumed <= size, "reads stay inside the input");
  if (d.result == BodyRead::kTooLarge) {
    Require(Decode(bytes, std::numeric_limits<size_t>::max()).result != BodyRead::kTooLarge,
            "too large only because of the limit");
    return 0;
  }
  if (d.result != BodyRead::kOk) return 0;

  const std::string longer = std::string(bytes) + "0\r\n\r\nGET / HTTP/1.1\r\n";
  const Decoded more = Decode(longer, kLimit);
  Require(more.result == BodyRead::kOk && more.body == d.body && more.consumed == d.consumed,
          "nothing after the body is read");

  const Decoded exact = Decode(bytes, d.body.size());
  Require(exact.result == BodyRead::kOk && exact.body == d.body, "a body fits a limit of its size");
  if (!d.body.empty()) {
    Require(Decode(bytes, d.body.size() - 1).result == BodyRead::kTooLarge,
            "a body over the limit is too large");
  }

  const std::string again = Rechunk(d.body);
  const Decoded re = Decode(again, kLimit);
  Require(re.result == BodyRead::kOk && re.body == d.body && re.consumed == again.size(),
          "the body chunked again decodes the same");
  return 0;
}
