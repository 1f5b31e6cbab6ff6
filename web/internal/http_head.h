// The head of an HTTP/1.x request (request line and header fields) as the
// server's connection loop reads it: parsed from the bytes received so far,
// strictly, with the framing decided here (Content-Length or chunked,
// keep-alive, Expect: 100-continue). Poco-free and socket-free, so every
// malformed head is unit-tested (tests/web/http_head_test.cc).
//
// Strict on purpose: anything a front proxy might read differently (a space
// before the colon, a folded line, two different Content-Lengths, an HTTP/1.1
// request without exactly one Host, both
// Content-Length and Transfer-Encoding, a coding other than chunked) is
// refused with 400 or 501 rather than guessed at (request smuggling).
// Every line ends with CRLF: a bare LF or a bare CR anywhere in the head is
// refused (RFC 9112, 2.2 lets a server accept a bare LF; a proxy that does
// not would frame the request differently).
//
// Thread-safety: pure functions.
#ifndef CUSTOS_WEB_INTERNAL_HTTP_HEAD_H_
#define CUSTOS_WEB_INTERNAL_HTTP_HEAD_H_

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace custos::web::internal {

inline constexpr size_t kMaxHeadBytes = 32 * 1024;  // request line + fields
inline constexpr size_t kMaxHeaderFields = 100;

struct RequestHead {
  std::string method;     // as sent (the router matches upper case)
  std::string target;     // request target, as sent
  int minor_version = 1;  // HTTP/1.<minor_version>
  // Field names lower-cased, values without surrounding whitespace, in the
  // order received.
  std::vector<std::pair<std::string, std::string>> fields;

  // Framing, decided from the fields:
  int64_t content_length = -1;   // -1 when there is none
  bool chunked = false;          // Transfer-Encoding: chunked
  bool keep_alive = true;        // 1.1 unless "close"; 1.0 only with "keep-alive"
  bool expect_continue = false;  // Expect: 100-continue (HTTP/1.1)

  bool has_body() const { return chunked || content_length > 0; }
};

// Why a head was refused: the HTTP status and the API error code and
// messages the client gets. The connection is closed after it.
struct HeadError {
  int status = 400;
  std::string code = "invalid_argument";
  std::string message_en;
  std::string message_zh;
};

enum class HeadParse {
  kNeedMore,  // no complete head yet (and under kMaxHeadBytes)
  kDone,      // *head filled; *head_length bytes (through the blank line) used
  kBad,       // *error filled
};

// Parses the head at the start of `bytes`. Empty lines before the request
// line are skipped (and counted in *head_length).
HeadParse ParseRequestHead(std::string_view bytes, RequestHead* head, size_t* head_length,
                           HeadError* error);

// A chunk-size line of a chunked body ("1a2b[;name[=value]]..."), without
// its CRLF: the size, or -1 when it is not one — no whitespace anywhere
// outside a quoted extension value, 1 to 10 hex digits (at most 2^40 - 1),
// extensions `;token[=token|quoted-string]`.
int64_t ParseChunkSize(std::string_view line);

// Whether `line` (without its CRLF) is a well-formed field line: a token
// name, a colon right after it, a value of field characters. For the
// trailer fields of a chunked body, which are checked and then ignored.
bool IsFieldLine(std::string_view line);

// How reading a request body ended.
enum class BodyRead { kOk, kTooLarge, kBroken };

// The two reads a chunked body is decoded with: the connection's buffer and
// socket in the server, a string in tests and in the fuzz target.
struct ChunkedSource {
  // The next line without its CRLF; false when none comes (the peer is
  // gone or too slow, or the line is too long) or it does not end in CRLF
  // (a bare LF, or a CR inside it).
  std::function<bool(std::string* line)> read_line;
  // Appends exactly n bytes to *body; false when they do not all come.
  std::function<bool(size_t n, std::string* body)> read_exact;
};

// Decodes a chunked body (RFC 9112, 7.1) from `source`, appending the data
// to *body, at most `limit` bytes in all. kTooLarge as soon as a chunk would
// pass the limit (before its data is read); kBroken for a malformed
// chunk-size line, chunk data not followed by an empty line, more than
// kMaxHeaderFields trailer lines or one that is not a field line
// (IsFieldLine), or a read that fails. Trailer fields are read, checked and
// ignored. On anything but kOk, *body holds part of the data.
BodyRead DecodeChunkedBody(const ChunkedSource& source, size_t limit, std::string* body);

// An IMF-fixdate for the Date header ("Sun, 06 Nov 1994 08:49:37 GMT"),
// independent of the locale.
std::string HttpDate(std::time_t t);

}  // namespace custos::web::internal

#endif  // CUSTOS_WEB_INTERNAL_HTTP_HEAD_H_
